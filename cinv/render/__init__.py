"""Rendering: targets over a view of the inventory, written atomically with a manifest.

The only code that imports jinja2. Flow: load -> refuse if `cinv check` finds errors -> View
(computed data, one pass) -> each target's templates in the sandbox -> writer (only changed
files, stale files removed, manifest updated). `--check` stops after the plan.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cinv import check
from cinv.errors import CinvError, ProblemsError
from cinv.render import serial, targets, writer
from cinv.render.env import make_env
from cinv.render.view import View
from cinv.workspace import Workspace


@dataclass
class Result:
    out: Path
    plan: writer.Plan
    report: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def out_dir(ws: Workspace, settings, out: str | None) -> Path:
    if out is not None:
        return Path(out)
    path = Path(settings.render_out)
    return path if path.is_absolute() else ws.out_base() / path


def render_files(ws: Workspace, inv, names: list[str], out: Path, manifest: dict):
    """{rel: (target, bytes)}, the zone serial states, and warnings."""
    available = targets.all_targets(inv.settings)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise CinvError(f"unknown target {', '.join(unknown)} (known: "
                        f"{', '.join(sorted(available))})")
    source = ws.source()
    env = make_env(source)
    trusted = make_env(None)

    def env_for(name: str, output) -> object:
        """cinv's own template, unless the inventory overrides it or a user target replaced
        the built-in target: those run in the sandbox."""
        if (available[name] is targets.BUILTIN.get(name)
                and not source.exists(f"templates/{output.template}")):
            return trusted
        return env
    zone_states: dict = {}

    def serials(zones):
        current = {z["name"]: z["digest"] for z in zones}
        git = None if ws.example else serial.git_serials(ws.root, ws.ref, current)
        try:
            text = env.loader.get_source(env, "zone.j2")[0]
        except Exception:  # noqa: BLE001 - an unreadable template is reported when rendered
            text = ""
        zone_states.update(serial.assign(zones, git, manifest["zones"], text))
        return {z: s["serial"] for z, s in zone_states.items()}

    view = View(inv, serials)
    files: dict = {}
    for name in names or sorted(available):
        targets.render_target(env_for, view, name, available[name], files)
    return files, zone_states, view.warnings


def run(ws: Workspace, names: list[str], out: str | None = None,
        check_only: bool = False) -> Result:
    inv = ws.load()
    errors = check.errors(check.run(inv))
    if errors:
        raise ProblemsError(errors)
    path = out_dir(ws, inv.settings, out)
    if path.exists() and not path.is_dir():
        raise CinvError(f"{path}: is not a directory")
    manifest = writer.read_manifest(path) if path.is_dir() else {"files": {}, "zones": {}}
    files, zones, warnings = render_files(ws, inv, names, path, manifest)
    owned = set(names) if names else None
    plan = writer.plan(path, files, manifest, owned)
    result = Result(path, plan, warnings=warnings)
    if not check_only:
        result.report = writer.apply(plan, files, manifest, zones, owned)
    return result

