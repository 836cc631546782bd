"""Rendering: targets over a view of the inventory, written atomically with a manifest.

The only code that imports jinja2. Flow: load -> refuse if `cinv check` finds errors -> View
(computed data, one pass) -> each target's templates in the sandbox -> writer (only changed
files, stale files removed, manifest updated). `--check` stops after the plan.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cinv import check, paths
from cinv.datadir import data_dir
from cinv.errors import CinvError, ProblemsError
from cinv.git import freed, gitstore
from cinv.output import incremental
from cinv.records import cache, load, lock
from cinv.render import fast, libvirtview, serial, splice, targets, writer
from cinv.render.env import make_env, template_seconds
from cinv.render.report import HISTORY_LIMIT as report_history_limit
from cinv.render.view import View
from cinv.workspace import Workspace


@dataclass
class Result:
    out: Path
    plan: writer.Plan
    report: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    undefine: list[tuple[str, str]] = field(default_factory=list)  # (hypervisor, domain)


def out_dir(ws: Workspace, settings, out: str | None) -> Path:
    """The output dir: --out (the operator's choice: anywhere), else render.out of cinv.yaml
    (data: a clean relative path inside the inventory, by the one path rule). Either way never
    the inventory itself, its input folders (cinv.yaml, hosts/, networks/, templates/, zones/)
    or a hidden folder such as .git/ or .cinv/."""
    if out is not None:
        path = Path(out)
    else:
        try:
            path = paths.resolve_inside(ws.root, settings.render_out, "render.out of cinv.yaml")
        except paths.UnsafePath as e:
            raise CinvError(f"{e}; it must be a relative path inside the inventory (use --out "
                            "to write elsewhere)") from None
    real, root = path.resolve(), ws.root.resolve()
    shown = out if out is not None else settings.render_out
    if real == root:
        raise CinvError(f"output dir {shown!r} is the inventory itself; render into a folder "
                        "of its own (default build/)")
    if real.is_relative_to(root):
        first = real.relative_to(root).parts[0]
        if first.startswith(".") or first in paths.INVENTORY_INPUTS:
            raise CinvError(f"output dir {shown!r} lies in {first} of the inventory; render "
                            "into a folder of its own (default build/)")
    if ".git" in real.parts:
        raise CinvError(f"output dir {shown!r} lies inside a .git folder; refusing")
    return path


def dirty_paths(ws: Workspace):
    """A callable giving gitstore.dirty_paths of the work tree, asked of git once and now (a
    `git status` stats every file: it runs beside the render)."""
    return gitstore.dirty_paths_later(ws.root)


def zone_serials(ws: Workspace, env, manifest: dict, zone_states: dict, pin: dict | None,
                 dirty=None):
    """The callable a view asks for its zones' serials (see serial.py); it leaves each zone's
    state (serial, digest) for the manifest in zone_states."""
    def serials(zones):
        current = {z["name"]: z["digest"] for z in zones}
        git = serial.git_serials(ws.root, ws.commit, current, dirty)
        try:
            text = env.loader.get_source(env, "zone.j2")[0]
        except Exception:  # noqa: BLE001 - an unreadable template is reported when rendered
            text = ""
        zone_states.update(serial.assign(zones, git, manifest["zones"], text))
        for name, state in (pin or {}).items():
            if name in zone_states and zone_states[name]["digest"] == state["digest"]:
                zone_states[name] = dict(state)
        return {z: s["serial"] for z, s in zone_states.items()}
    return serials


def held_back(ws: Workspace, sha: str) -> dict:
    """What was held back at the commit rendered (the report's address maps show it): freed
    within the hold time before that commit, so the same commit gives the same page."""
    settings = load.load_networks(ws.source(), zones=False).settings
    return freed.held_at(ws.root, settings.hold_days, sha)


def report_history(ws: Workspace, wanted: list[str], history: bool = True, dirty=None):
    """(revision, recent) of the report: the commit rendered, whether the work tree differs
    from it and a callable giving what was held back at it; and a callable giving the recent
    commits. None, None without the report, outside git, or with history off."""
    revision, recent = None, None
    if "report" in wanted and history:
        sha = ws.commit or gitstore.head(ws.root)
        if sha is not None:
            changed = dirty() if dirty is not None else gitstore.dirty_paths(ws.root)
            revision = {"commit": sha, "dirty": not ws.commit and bool(changed),
                        "held": lambda: held_back(ws, sha)}

            def recent():
                return gitstore.recent_changes(ws.root, sha, report_history_limit)
    return revision, recent


def render_files(ws: Workspace, inv, names: list[str], out: Path, manifest: dict,
                 consume: bool = False, problems: list | None = None, history: bool = True,
                 pin: dict | None = None, fast_path: bool = True):
    """{rel: (target, bytes)}, the zone serial states, and warnings. consume: the caller needs
    the inventory's host records no more, so they are dropped once the view holds what the
    templates read (a third of a 50,000-host render's memory). problems: what `cinv check`
    found (the report shows them; computed here when not given and the report is rendered).
    history: the report lists the recent commits (no: a render compared with another
    commit's). pin: {zone: {"serial", "digest"}} of another render; a zone whose digest is the
    same keeps that serial (its content did not change, only the commit it was rendered at).
    fast_path: cinv's own targets from per-host parts (fast.py); off, by their templates (the
    two give the same bytes: tests compare them)."""
    available = targets.all_targets(inv.settings)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise CinvError(f"unknown target {', '.join(unknown)} (known: "
                        f"{', '.join(sorted(available))})")
    source = ws.source()
    env = make_env(source)
    trusted = make_env(None)

    def env_for(name: str, output) -> object:
        """cinv's own template, unless the inventory supplies it (targets.supplied): those
        run in the sandbox."""
        return env if targets.supplied(source, available, name, output) else trusted
    zone_states: dict = {}
    dirty = None if ws.commit else dirty_paths(ws)
    serials = zone_serials(ws, env, manifest, zone_states, pin, dirty)
    wanted = names or sorted(available)
    if problems is None and "report" in wanted:
        problems = check.run(inv)
    revision, recent = report_history(ws, wanted, history, dirty)
    fast_names = {n for n in wanted if fast_path and n in fast.FAST
                  and available[n] is targets.BUILTIN[n]
                  and all(env_for(n, o) is trusted for o in available[n])}
    asm = None
    if fast_names:
        ctx = fast.Context(inv)
        with load.no_gc():
            parts = fast.Parts(ctx, {h.path: h for h in inv.hosts.values()})
        asm = fast.Assembly(ctx, parts.meta, parts.column, trusted, serials, problems, recent,
                            revision)
        fast_names -= asm.needs_template  # rendered by their templates, which say what is wrong
    view = None

    def full_view():
        nonlocal view
        if view is None:
            view = View(inv, serials, problems, recent, revision)
            if asm is not None and "zones" in asm.view.__dict__:
                view.__dict__["zones"] = asm.zones()  # one walk of the history for serials
        return view
    if consume and not (set(wanted) - fast_names):
        inv.hosts = {}
    files: dict = {}
    for name in wanted:
        if name in fast_names:
            fast.add_files(name, asm.files(name), files)
        else:
            targets.render_target(env_for, full_view(), name, available[name], files)
            view.release()
    warnings = (asm.view.warnings if asm is not None else []) + \
        (view.warnings if view is not None else [])
    return files, zone_states, warnings


def inputs_key(ws: Workspace, names: list[str], keys: dict | None = None) -> str | None:
    """A digest of everything a render reads: every input file's stat (or the ref's tree), the
    commit HEAD names (zone serials follow the history), cinv's own templates and version, and
    the targets asked for. None when that cannot be known for sure (racy or symlinked files).
    keys: the work tree's cache.scan, if made."""
    h = hashlib.blake2b(f"{cache.version()}|{','.join(names)}".encode(), digest_size=20)
    if ws.commit:
        h.update(f"ref:{ws.source().tree.hexsha}".encode())
    else:
        keys = cache.scan(ws.root) if keys is None else keys
        if keys is None or cache.any_racy(keys):
            return None
        h.update(cache.fingerprint(keys).encode())
        h.update(f"|{gitstore.head(ws.root)}".encode())
    builtin = data_dir("templates")
    for entry in sorted(os.scandir(builtin), key=lambda e: e.name):
        h.update(f"|{entry.name}:{cache.stat_key(entry.stat())}".encode())
    return h.hexdigest()


def _unchanged(path: Path, state, key: str | None) -> bool:
    """The last render used the same inputs, and every file it wrote (the manifest too) is
    still as it left it."""
    if key is None or state is None or state.key != key or not state.rels \
            or state.manifest != writer.stat_key(path / targets.MANIFEST):
        return False
    return state.changed_file(path) is None


def run(ws: Workspace, names: list[str], out: str | None = None,
        check_only: bool = False) -> Result:
    """Render into the output dir. Renders of one inventory take turns (.cinv/render.lock),
    so two at once cannot lose each other's manifest entries."""
    template_seconds()  # a bad CINV_TEMPLATE_TIMEOUT is one line, whatever the templates
    if ws.ref and out is None and not check_only:
        raise CinvError(f"--ref {ws.ref}: name the output dir with --out (the default one holds "
                        "the files of the checked-out branch, which this would overwrite)")
    settings = load.load_networks(ws.source(), zones=False).settings
    path = out_dir(ws, settings, out)
    if path.exists() and not path.is_dir():
        raise CinvError(f"{path}: is not a directory")
    if check_only:
        return _run(ws, names, path, True, settings)
    try:
        lock_path = lock.state_dir(ws.root) / "render.lock"
    except OSError:  # a read-only inventory without .cinv/: no lock
        return _run(ws, names, path, False, settings)
    with lock.file_lock(lock_path, "the render lock", optional=True):
        return _run(ws, names, path, False, settings)


def _run(ws: Workspace, names: list[str], path: Path, check_only: bool, settings) -> Result:
    keys = None if ws.commit else cache.scan(ws.root)
    key = inputs_key(ws, names, keys)
    state = writer.read_state(path, ws.root) if path.is_dir() else None
    if _unchanged(path, state, key):
        return Result(path, writer.Plan(path, unchanged=len(state.rels)))
    manifest = writer.read_manifest(path, ws.root, state) if path.is_dir() else None
    if incremental.applies(ws, names, settings, keys):
        try:
            return _run_kept(ws, names, path, check_only, keys, key, manifest)
        except incremental.NeedsTemplates:
            manifest = writer.read_manifest(path, ws.root) if path.is_dir() else None
    inv = ws.load()
    problems = check.run(inv)
    errors = check.errors(problems)
    if errors:
        raise ProblemsError(errors)
    manifest = manifest or {"files": {}, "zones": {}}
    files, zones, warnings = render_files(ws, inv, names, path, manifest, consume=True,
                                          problems=problems)
    if not check_only:
        writer.begin(path, ws.root)  # what a killed render left; we hold the lock
    stage = writer.Stage(path, manifest, check_only)
    try:
        for rel in sorted(files):
            stage.put(rel, *files.pop(rel))
    except BaseException:
        stage.abort()
        raise
    return _finish(ws, names, stage, manifest, zones, key, warnings)


def _run_kept(ws: Workspace, names: list[str], path: Path, check_only: bool, keys: dict,
              key: str | None, manifest: dict | None) -> Result:
    """A render that keeps every host's parts (see incremental.py)."""
    manifest = manifest or {"files": {}, "zones": {}}
    if not check_only:
        writer.begin(path, ws.root)  # what a killed render left; we hold the lock
    wanted = names or sorted(targets.BUILTIN)
    zones: dict = {}
    env = make_env(None, ws.root)
    dirty = dirty_paths(ws)
    serials = zone_serials(ws, env, manifest, zones, None, dirty)
    stage = writer.Stage(path, manifest, check_only)

    def history():
        dirty()  # git status answered here: the render processes only read the answer
        return report_history(ws, wanted, True, dirty)
    warnings = incremental.render(ws, names, stage, keys, env, serials, zones, history, dirty)
    if stage.splice is not None:
        return _finish_splice(ws, stage, zones, key, warnings)
    return _finish(ws, names, stage, manifest, zones, key, warnings)


def _finish_splice(ws: Workspace, stage: writer.Stage, zones: dict, key: str | None,
                   warnings: list[str]) -> Result:
    """The plan of a splice (the files it staged, the stale ones it named), put in place
    unless only checking."""
    plan = stage.plan
    stale, _layout = stage.splice
    plan.missing.sort()
    plan.changed.sort()
    plan.foreign.sort()
    plan.stale = sorted(stale)
    plan.unchanged = len(stage.state.rels) - len(plan.changed) - len(plan.stale)
    result = Result(plan.out, plan, warnings=warnings)
    if not stage.check_only:
        result.undefine = libvirtview.taken_off(plan.out, stage, plan.stale)
        result.report = splice.apply(stage, zones, key, ws.root)
    return result


def _finish(ws: Workspace, names: list[str], stage: writer.Stage, manifest: dict, zones: dict,
            key: str | None, warnings: list[str]) -> Result:
    """The plan of what the staged files change, put in place unless only checking."""
    owned = set(names) if names else None
    try:
        plan = stage.finish(owned)
    except BaseException:
        stage.abort()
        raise
    result = Result(plan.out, plan, warnings=manifest.get("ignored", []) + warnings)
    if not stage.check_only:
        result.undefine = libvirtview.taken_off(plan.out, stage, plan.stale)
        result.report = writer.apply(stage, manifest, zones, owned, key, ws.root, stage.layout)
    return result
