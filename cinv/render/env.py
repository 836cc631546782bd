"""The Jinja2 environments: strict, with the inventory's templates/ first.

Templates come from the inventory's templates/ (read through the same Source as the records, so
`--ref` renders the templates of that ref too), then from cinv's built-in templates/. Any
template the inventory supplies runs in Jinja2's immutable sandbox (cinv's own, unmodified ones
do not need it), all with StrictUndefined; every template error becomes one CinvError line
naming the template, the line and what went wrong.
"""
from __future__ import annotations

import json
import re

import jinja2
import yaml
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from cinv.errors import CinvError
from cinv.load import DirSource, Source
from cinv.workspace import data_dir


class InventoryLoader(jinja2.BaseLoader):
    """templates/<name> of the inventory (work tree or ref), never through a symlink out of it."""

    def __init__(self, source: Source):
        self.source = source

    def get_source(self, environment, template):
        rel = "templates/" + "/".join(split_template_path(template))
        if isinstance(self.source, DirSource):
            path = self.source.root / rel
            if path.is_symlink() and not path.resolve().is_relative_to(self.source.real_root):
                raise CinvError(f"{rel}: is a symlink out of the inventory; not read")
        if not self.source.exists(rel):
            raise jinja2.TemplateNotFound(template)
        try:
            text = self.source.read(rel).decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CinvError(f"{rel}: cannot be read as UTF-8 text ({e})") from None
        return text, rel, lambda: True


class BuiltinLoader(jinja2.FileSystemLoader):
    def get_source(self, environment, template):
        text, filename, uptodate = super().get_source(environment, template)
        return text, f"(built-in) templates/{template}", uptodate


def dhcp_string(value) -> str:
    """A double-quoted ISC dhcpd string: backslash and quote escaped, control characters
    dropped."""
    text = "".join(c for c in str(value) if c.isprintable())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


_PLAIN = re.compile(r"[A-Za-z0-9_.:/-]*\Z")


def to_json_line(value) -> str:
    """One line of JSON: also a YAML flow value, and much faster to write than YAML."""
    if type(value) is str and _PLAIN.match(value):
        return f'"{value}"'  # what json.dumps gives for such a string, without its cost
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(", ", ": "))
    # JSON's surrogate pair for a character beyond U+FFFF reads in YAML as two broken
    # characters (Ansible refuses the file); YAML's own escape is \UXXXXXXXX.
    return _SURROGATE_PAIR.sub(_astral, text) if "\\ud" in text else text


# An escaped surrogate pair in JSON text, not itself after an escaped backslash.
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(m: re.Match) -> str:
    code = 0x10000 + ((int(m.group(2), 16) - 0xD800) << 10) + (int(m.group(3), 16) - 0xDC00)
    return f"{m.group(1)}\\U{code:08x}"


def to_yaml(value) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 20x faster
    return yaml.dump(value, Dumper=dumper, default_flow_style=False, sort_keys=True,
                     allow_unicode=True, width=1000)


def xml_escape(value) -> Markup:
    return escape(value)


def make_env(source: Source | None) -> jinja2.Environment:
    """The sandboxed environment for the inventory's templates (overrides and user targets), or
    with source None a plain one for cinv's own, unmodified templates: they are part of cinv,
    not input, and the sandbox's check of every attribute access would double render time."""
    builtin = BuiltinLoader(str(data_dir("templates")))
    if source is None:
        cls, loader = jinja2.Environment, builtin
    else:
        cls, loader = ImmutableSandboxedEnvironment, jinja2.ChoiceLoader(
            [InventoryLoader(source), builtin])
    env = cls(
        loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True,
        autoescape=lambda name: bool(name) and name.endswith((".xml.j2", ".html.j2")),
        auto_reload=False, cache_size=-1)
    env.filters.update({"dhcp_string": dhcp_string, "to_json": to_json, "to_yaml": to_yaml,
                        "to_json_line": to_json_line,
                        "xml": xml_escape})
    return env


def _template_line(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template frame of a traceback (Jinja2 rewrites frames to template lines)."""
    where = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename.startswith(("templates/", "(built-in)")) \
                or filename == "<template>":
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def template_error(exc: BaseException, name: str, what: str = "") -> CinvError:
    """One line: template:line: message (what names the output or item being rendered)."""
    suffix = f" (rendering {what})" if what else ""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        filename = exc.filename or exc.name or name
        return CinvError(f"{filename}:{exc.lineno}: syntax error: {exc.message}{suffix}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return CinvError(f"template {exc.name!r} is in neither the inventory's templates/ nor "
                         f"cinv's built-in templates{suffix}")
    filename, line = _template_line(exc)
    filename = filename or name
    kind = {jinja2.UndefinedError: "undefined", SecurityError: "refused by the sandbox"}.get(
        type(exc), type(exc).__name__)
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    at = f"{filename}:{line}" if line else filename
    return CinvError(f"{at}: {kind}: {message}{suffix}")
