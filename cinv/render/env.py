"""The Jinja2 environments: strict, with the inventory's templates/ first.

Templates come from the inventory's templates/ (read through the same Source as the records, so
`--ref` renders the templates of that ref too), then from cinv's built-in templates/. Any
template the inventory supplies runs in Jinja2's immutable sandbox (cinv's own, unmodified ones
do not need it), all with StrictUndefined; every template error becomes one CinvError line
naming the template, the line and what went wrong.
"""
from __future__ import annotations

import json
import math
import os
import re
import resource
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from cinv import budget, paths
from cinv.datadir import data_dir
from cinv.errors import CinvError
from cinv.records.load import DirSource, Source


class InventoryLoader(jinja2.BaseLoader):
    """templates/<name> of the inventory (work tree or ref), by the one path rule: the name a
    clean relative path, and, on disk, templates/ inside the inventory and the template inside
    the real templates/ (no symlink on any component leads out). A ref never follows one."""

    def __init__(self, source: Source):
        self.source = source

    def get_source(self, environment, template):
        name = paths.clean_relative(template, "template")
        if isinstance(self.source, DirSource):
            base = paths.resolve_inside(self.source.root, "templates", "templates folder")
            paths.resolve_inside(base, name, "template")
        rel = f"templates/{name}"
        if not self.source.exists(rel):
            raise jinja2.TemplateNotFound(template)
        try:
            text = self.source.read(rel).decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CinvError(f"{rel}: cannot be read as UTF-8 text ({e})") from None
        return text, rel, lambda: True


class BuiltinLoader(jinja2.BaseLoader):
    """cinv's own templates/, by the same rule (an include from an inventory's template may
    name one)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get_source(self, environment, template):
        path = paths.resolve_inside(self.folder, template, "template")
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise jinja2.TemplateNotFound(template) from None
        return text, f"(built-in) templates/{template}", lambda: True


# --- bounds on the inventory's templates (merge requests may carry them) -------------------

MAX_OUTPUT = 64 << 20  # characters of one rendered file (a 50,000-host dhcpd.conf: ~8 MiB)
MAX_MEMORY = 512 << 20  # address space the inventory's templates may add while they run
DEFAULT_SECONDS = 60.0  # per command, all targets together; CINV_TEMPLATE_TIMEOUT overrides
MAX_INT_BITS = 4096  # of a number a template computes with * or **


class TemplateBudget(CinvError):
    """A template that asked for more than its bounds."""


class BudgetSpent(TemplateBudget):
    """The command's time for the inventory's templates is used up (no later target runs)."""


class _Timeout(BaseException):
    """Raised by the alarm inside a template's own code; BaseException, so no `except
    Exception` on the way swallows it."""


def template_seconds() -> float:
    raw = os.environ.get("CINV_TEMPLATE_TIMEOUT")
    if raw is None or not raw.strip():
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise CinvError(f"CINV_TEMPLATE_TIMEOUT={raw!r}: not a number of seconds (more than 0)")
    return value


def _size(value) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with the operators that build huge values in one step (C
    code no alarm interrupts) checked before they run."""

    intercepted_binops = frozenset(("*", "**"))

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                size = _size(seq)
                if size is not None and isinstance(count, int) and size * count > MAX_OUTPUT:
                    raise TemplateBudget(f"repeating a value of {size} items {count} times is "
                                         f"over the limit of {MAX_OUTPUT} per file")
            if (isinstance(left, int) and isinstance(right, int)
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS):
                raise TemplateBudget(f"a product of more than {MAX_INT_BITS} bits")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if abs(left) > 1 and right > 0 and right * left.bit_length() > MAX_INT_BITS:
                raise TemplateBudget(f"a power of more than {MAX_INT_BITS} bits")
        return super().call_binop(context, operator, left, right)


def _vm_size() -> int | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextmanager
def bounded(what: str):
    """Run the inventory's templates (one target) within time and memory bounds: an alarm
    when the command's CINV_TEMPLATE_TIMEOUT seconds (cinv/budget.py: all targets together)
    are spent (main thread only; cinv's CLI renders there) and at most MAX_MEMORY more address
    space. Either ends in one line, TemplateBudget (BudgetSpent for the time)."""
    seconds = template_seconds()
    spending = budget.current()
    left = spending.left(seconds)
    if left <= 0:
        raise BudgetSpent(f"{what}: not rendered: the inventory's templates used this "
                          f"command's {seconds:g} s already (CINV_TEMPLATE_TIMEOUT bounds them "
                          "all together); refusing")
    alarm = threading.current_thread() is threading.main_thread()
    old_handler = old_limit = None
    start = time.monotonic()
    if alarm:
        def on_alarm(signum, frame):
            raise _Timeout()
        old_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, left)
    size = _vm_size()
    if size is not None:
        try:
            old_limit = resource.getrlimit(resource.RLIMIT_AS)
            hard = old_limit[1]
            soft = size + MAX_MEMORY
            if hard == resource.RLIM_INFINITY or soft < hard:
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
            else:
                old_limit = None
        except (ValueError, OSError):
            old_limit = None
    try:
        yield
    except _Timeout:
        raise BudgetSpent(f"{what}: the inventory's templates took longer than {seconds:g} s "
                          "(CINV_TEMPLATE_TIMEOUT bounds all of one command's together); "
                          "refusing") from None
    except MemoryError:
        raise TemplateBudget(f"{what}: the templates needed more than "
                             f"{MAX_MEMORY >> 20} MiB of memory; refusing") from None
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old_handler)
        spending.spent += time.monotonic() - start
        if old_limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, old_limit)


def render_bounded(template, ctx: dict, what: str) -> str:
    """template.render(ctx), refused once the text passes MAX_OUTPUT characters."""
    chunks, total = [], 0
    for chunk in template.generate(ctx):
        total += len(chunk)
        if total > MAX_OUTPUT:
            raise TemplateBudget(f"{what}: the output is over the limit of {MAX_OUTPUT} "
                                 "characters per file; refusing")
        chunks.append(chunk)
    return "".join(chunks)


def dhcp_string(value) -> str:
    """A double-quoted ISC dhcpd string: backslash and quote escaped, control characters
    dropped."""
    text = str(value)
    if not text.isprintable():
        text = "".join(c for c in text if c.isprintable())
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


def to_ansible_vars(value: dict) -> str:
    """A host's vars as to_json_line writes them (one line of JSON, a YAML flow mapping), with
    cinv's own free-text vars tagged `!unsafe`: text Ansible never evaluates as a template
    (cinv/check/ansiblevars.py)."""
    from cinv.check.ansiblevars import FREE_TEXT
    text = to_json_line(value)
    for key in FREE_TEXT:
        if type(value.get(key)) is str:
            mark = f'"{key}": '  # a key: in JSON a quote inside a string is escaped
            if text.count(mark) != 1:  # the same key in a nested mapping too: one by one
                return _ansible_vars_slowly(value, FREE_TEXT)
            text = text.replace(mark, f"{mark}!unsafe ", 1)
    return text


def _ansible_vars_slowly(value: dict, free_text) -> str:
    return "{" + ", ".join(
        f"{to_json_line(k)}: {'!unsafe ' if k in free_text and type(v) is str else ''}"
        f"{to_json_line(v)}" for k, v in sorted(value.items())) + "}"


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


class CompiledTemplates(jinja2.BytecodeCache):
    """cinv's own templates, compiled, kept in the inventory's cache (.cinv/cache): a render
    compiles each once, not every time (Jinja2 checks each against its source's checksum)."""

    def __init__(self, root):
        self.root = root

    def load_bytecode(self, bucket) -> None:
        from cinv.records import cache
        data = cache.read(self.root, f"jinja-{bucket.key}")
        if isinstance(data, bytes):
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        from cinv.records import cache
        cache.write(self.root, f"jinja-{bucket.key}", bucket.bytecode_to_string())


def make_env(source: Source | None, cache_root=None) -> jinja2.Environment:
    """The sandboxed environment for the inventory's templates (overrides and user targets), or
    with source None a plain one for cinv's own, unmodified templates: they are part of cinv,
    not input, and the sandbox's check of every attribute access would double render time.
    cache_root: the work tree whose cache keeps cinv's own templates compiled."""
    builtin = BuiltinLoader(data_dir("templates"))
    if source is None:
        cls, loader = jinja2.Environment, builtin
    else:
        cls, loader = BoundedSandbox, jinja2.ChoiceLoader(
            [InventoryLoader(source), builtin])
    env = cls(
        loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
        trim_blocks=True, lstrip_blocks=True,
        autoescape=lambda name: bool(name) and name.endswith((".xml.j2", ".html.j2")),
        auto_reload=False, cache_size=-1,
        bytecode_cache=CompiledTemplates(cache_root) if source is None and cache_root
        else None)
    env.filters.update({"dhcp_string": dhcp_string, "to_json": to_json, "to_yaml": to_yaml,
                        "to_json_line": to_json_line, "to_ansible_vars": to_ansible_vars,
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


def budget_error(exc: TemplateBudget, name: str, what: str) -> TemplateBudget:
    """A bound a template passed, as one line naming the template and line."""
    filename, line = _template_line(exc)
    at = f"{filename or name}:{line}" if line else (filename or name)
    return TemplateBudget(f"{at}: {exc}; refusing (rendering {what})")


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
