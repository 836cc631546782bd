"""The target registry: a target is one or more outputs, each (template, each, output path).

`each` is once | host | network | zone (built-ins may also use virtual_host and hypervisor).
The path is itself a small template (`libvirt/{{ host.name }}.xml`). Adding a built-in target is
one `builtin(...)` line here plus its template in templates/. User targets come from cinv.yaml
render.targets; one with a built-in's name replaces that built-in.
"""
from __future__ import annotations

from dataclasses import dataclass

import jinja2

from cinv import paths
from cinv.errors import CinvError
from cinv.records.model import Settings
from cinv.render import rules
from cinv.render.env import (
    TemplateBudget,
    bounded,
    budget_error,
    render_bounded,
    template_error,
)

MANIFEST = ".cinv-manifest.json"


@dataclass(frozen=True)
class Output:
    template: str
    path: str
    each: str = "once"
    includes: tuple[str, ...] = ()  # templates the template includes (overridable too)


BUILTIN: dict[str, tuple[Output, ...]] = {}


def builtin(name: str, *outputs: Output) -> None:
    BUILTIN[name] = outputs


builtin("dhcpd", Output("dhcpd.conf.j2", "dhcpd.conf"), Output("dhcpd6.conf.j2", "dhcpd6.conf"))
builtin("kea", Output("kea-dhcp4.conf.j2", "kea-dhcp4.conf"),
        Output("kea-dhcp6.conf.j2", "kea-dhcp6.conf"))
builtin("dns", Output("zone.j2", "dns/{{ zone.file }}", "zone"),
        Output("named.conf.zones.j2", "dns/named.conf.zones"))
builtin("libvirt", Output("libvirt-domain.xml.j2", "libvirt/{{ host.name }}.xml", "virtual_host"),
        Output("libvirt-index.j2", "libvirt/{{ hypervisor.name }}.list", "hypervisor"))
builtin("hosts", Output("hosts.j2", "hosts"))
builtin("dnsmasq", Output("dnsmasq.conf.j2", "dnsmasq/cinv.conf"))
builtin("ansible", Output("ansible-inventory.yaml.j2", "ansible/inventory.yaml"))
builtin("report", Output("report.html.j2", "report/index.html",
                         includes=("report.css.j2", "report.js.j2")))

# each -> (attribute of the view holding the items, name of the item in the template)
EACH = {"once": (None, None), "host": ("hosts", "host"), "network": ("networks", "network"),
        "zone": ("zones", "zone"), "virtual_host": ("virtual_hosts", "host"),
        "hypervisor": ("hypervisors", "hypervisor")}


def supplied(source, available: dict, name: str, output: Output) -> bool:
    """Whether an output renders by the inventory's own template (so in the sandbox, within
    bounds, its output held to its rule): a user target's, or a built-in one whose template
    or one of its includes the inventory's templates/ overrides."""
    return available[name] is not BUILTIN.get(name) or any(
        source.exists(f"templates/{t}") for t in (output.template, *output.includes))


def all_targets(settings: Settings) -> dict[str, tuple[Output, ...]]:
    targets = dict(BUILTIN)
    for name, t in settings.targets.items():
        targets[name] = (Output(t.template, t.path, t.each),)
    return targets


# Targets whose templates come from cinv only: the report is a page people open from CI
# artifacts, and its script and Content-Security-Policy (which allows that script by its hash)
# are cinv's; a branch's own would run in every viewer's browser.
OWN_ONLY = ("report",)


def _own_only(env, name: str, outputs) -> CinvError:
    inventory = env.loader.loaders[0]  # the inventory's templates/ (see env.make_env)
    mine = [f"templates/{t}" for out in outputs for t in (out.template, *out.includes)
            if inventory.source.exists(f"templates/{t}")]
    at = mine[0] if mine else f"target {name}"
    return CinvError(f"{at}: the {name} page, its script and its Content-Security-Policy come "
                     f"from cinv only; an inventory may not supply them (remove "
                     f"{'templates/' + name + '*.j2' if mine else 'the target'})")


def render_target(env_for, view, name: str, outputs, files: dict) -> None:
    """Render every output of one target into files {path: (target, bytes)}; env_for(name,
    output) gives the Jinja2 environment to render that output in. Templates of the inventory
    (the sandboxed environment) run within time, memory and output bounds (see env.bounded),
    and what they write is held to the rule of its file's syntax (rules/: no directive that
    loads code, runs a program or reads another file); cinv's own run unbounded, at full
    speed."""
    if name in OWN_ONLY and any(env_for(name, out).sandboxed for out in outputs):
        raise _own_only(env_for(name, outputs[0]), name, outputs)
    if any(env_for(name, out).sandboxed for out in outputs):
        with bounded(f"target {name}"):
            _render_target(env_for, view, name, outputs, files)
    else:
        _render_target(env_for, view, name, outputs, files)


def _render_target(env_for, view, name: str, outputs, files: dict) -> None:
    for out in outputs:
        attr, var = EACH[out.each]
        env = env_for(name, out)
        render = render_bounded if env.sandboxed else (lambda t, ctx, what: t.render(ctx))
        try:
            template = env.get_template(out.template)
            path_template = env.from_string(out.path)
        except Exception as e:  # noqa: BLE001 - any template error is the user's, one line
            if isinstance(e, CinvError):
                raise
            raise template_error(e, out.template, f"target {name}") from None
        items = [None] if attr is None else getattr(view, attr)
        for item in items:
            ctx = {"inv": view} if var is None else {"inv": view, var: item}
            what = f"target {name}" + (f" for {var} {item['name']}" if var else "")
            try:
                path = path_template.render(ctx).strip()
            except MemoryError:
                raise  # the bound of env.bounded: one line there
            except Exception as e:  # noqa: BLE001
                if isinstance(e, jinja2.TemplateError) or not isinstance(e, CinvError):
                    raise template_error(e, f"path of target {name}", what) from None
                raise
            try:
                path = paths.clean_relative(path, f"target {name}: output path")
            except paths.UnsafePath as e:
                raise CinvError(f"target {name}: output path {path!r} is not a plain relative "
                                f"path inside the output directory: it {e.why}") from None
            try:
                text = render(template, ctx, what)
            except TemplateBudget as e:
                if str(e).startswith(what):
                    raise
                raise budget_error(e, out.template, what) from None
            except (CinvError, MemoryError):
                raise
            except Exception as e:  # noqa: BLE001
                raise template_error(e, out.template, what) from None
            if path in files and files[path][0] != name:
                raise CinvError(f"targets {files[path][0]} and {name} both write {path}")
            if path in files:
                raise CinvError(f"target {name} writes {path} twice (make its path depend on "
                                f"the {var})")
            if env.sandboxed:  # the inventory's template: its output is held to its rule
                rules.refuse(env, out.template, path, text, view.model, what)
            files[path] = (name, text.encode("utf-8"))
