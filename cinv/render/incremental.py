"""`cinv render` of a work tree that keeps every host's parts: one change re-renders one host.

Each host file's parts (fast.fragment: what it adds to every built-in file) are kept under
.cinv/cache, by column (render-<column>.<bucket>.marshal), with the file's stat and a digest of
what else they depend on (settings, networks, the zones' names, cinv's own code and templates:
render-meta). A render takes the parts of unchanged files as they are and makes them for new or
changed files only, then assembles each file from the parts, one target at a time (a 50,000-host
render never holds every file at once), and writes only what changed. Many files to make (a
first render, a network edit) are made by a process per core, each writing its own buckets and
its domain XMLs. `cinv check` runs beside it in a process of its own (or comes from its cache):
nothing is put in place before it says there is no error, and the report shows what it found.

Used for renders of the work tree of cinv's own targets, without overrides in templates/;
anything else renders as before (render_files). The output is the same either way: tests render
both ways after every kind of change and compare the bytes.
"""
from __future__ import annotations

import marshal
import os
import time
from functools import partial
from pathlib import Path

from cinv import __version__, cache, forked, load
from cinv.datadir import data_dir
from cinv.errors import CinvError, Problem, ProblemsError
from cinv.model import Host
from cinv.render import fast, targets, writer
from cinv.workspace import Workspace

PARALLEL_MIN = 2000  # parts to make before a process per core pays for itself
FEW_TO_PARSE = 32  # fewer changed files in a bucket of the parse cache: parse them instead
WORKERS = 4  # at most


def applies(ws: Workspace, names: list[str], settings, keys: dict | None) -> bool:
    """Whether this render can keep parts: the work tree (no --ref) without symlinks, a
    writable cache, and only cinv's own targets, none of whose templates the inventory
    overrides."""
    if ws.commit or keys is None or settings.targets \
            or any(name not in targets.BUILTIN for name in names):
        return False
    source = ws.source()
    wanted = names or list(targets.BUILTIN)
    for name in wanted:
        for out in targets.BUILTIN.get(name, ()):
            if targets.supplied(source, targets.BUILTIN, name, out):
                return False
    try:
        from cinv import lock, paths
        lock.state_dir(ws.root)
        folder = paths.private_dir(ws.root, f"{load.STATE_DIR}/cache")
    except (OSError, CinvError):
        return False
    return os.access(folder, os.W_OK)


def code_digest() -> str:
    """What the parts also depend on: cinv's own code and templates (a changed cinv makes them
    again)."""
    import hashlib
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    here = Path(__file__).resolve().parent
    for folder in (here, here.parent, data_dir("templates")):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.is_file():
                h.update(f"{entry.path}:{cache.stat_key(entry.stat())}".encode())
    return h.hexdigest()


# --- cinv check beside the render ------------------------------------------------------------

class CheckJob:
    """`cinv check` of the work tree: from its cache, or in a fresh process started now (see
    checkproc.py); computed here if that process cannot be had or fails."""

    def __init__(self, ws: Workspace, keys: dict):
        self.ws, self.keys = ws, keys
        self.fp = cache.fingerprint(keys)
        self.value = cache.get_result(ws.root, "check", self.fp)
        self.proc = None
        if self.value is not None:
            return
        import subprocess
        import sys
        package = str(Path(__file__).resolve().parents[2])  # where this cinv is imported from
        # -I: isolated, so neither the current directory (an inventory may hold a cinv/ of its
        # own) nor PYTHONPATH nor the user's site reach sys.path; this cinv is put first
        boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
                "from cinv.render.checkproc import main; main(sys.argv[2])")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", boot, package, str(ws.root)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError):
            self.proc = None

    def problems(self) -> list[Problem]:
        """What check reports (waiting for the process); computed here if it failed."""
        if self.proc is not None:
            data = self.proc.stdout.read()
            self.proc.stdout.close()
            try:
                fp, value = marshal.loads(data) if self.proc.wait() == 0 else (None, None)
            except (ValueError, EOFError, TypeError):
                fp, value = None, None
            self.value = value if fp == self.fp else None  # it saw the files as the render did
            self.proc = None
        if self.value is None:
            self.value = self.ws.check_result(self.ws.source(), self.keys, self.fp)
        return [Problem(*p) for p in self.value[0]]

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None


# --- making parts ----------------------------------------------------------------------------

class Maker:
    """Makes the parts of the host files given, bucket by bucket, and stores them (with their
    domain XMLs staged for the output dir when the libvirt target is rendered)."""

    def __init__(self, root: Path, ctx: fast.Context, keys: dict, stage: writer.Stage,
                 xml: bool):
        self.root, self.ctx, self.keys, self.stage, self.xml = root, ctx, keys, stage, xml

    def make(self, by_bucket: dict[int, list[str]]) -> dict:
        """{path: meta or None (not a host record)} of the files made."""
        source = load.DirSource(self.root)
        metas = {}
        for b, rels in by_bucket.items():  # one bucket in memory at a time
            # the parse cache's bucket, where it saves more parsing than reading it costs
            records = cache.Sharded(self.root, "hosts", {b}).merged() \
                if len(rels) >= FEW_TO_PARSE else {}
            columns = {c: cache.Sharded(self.root, f"render-{c}", {b}) for c in fast.COLUMNS}
            with load.no_gc():
                for rel in rels:
                    hit = records.get(rel)
                    parsed = hit[1] if hit is not None and hit[0] == self.keys[rel] \
                        else load.host_file(source, rel)
                    metas[rel] = self._one(rel, parsed[0], columns)
            for column in columns.values():
                if not column.save():
                    raise NeedsTemplates()  # the parts cannot be kept: render as before
        return metas

    def _one(self, rel: str, host_tuple, columns: dict):
        meta, parts = (None, None) if host_tuple is None else \
            fast.fragment(self.ctx, Host.from_tuple(host_tuple))
        if parts is None:
            for column in columns.values():
                column.drop(rel)
            return meta
        kind, parent, xml = parts["libvirt"]
        if xml is not None:
            data = xml.encode("utf-8")
            digest = writer.sha256(data)
            if self.xml:
                self.stage.put(f"libvirt/{meta[0]}.xml", "libvirt", data, digest)
            parts["libvirt"] = (kind, parent, digest)
        for column, value in parts.items():
            columns[column].put(rel, value)
        return meta

    def _share(self, share: dict) -> tuple:
        try:
            return (self.make(share), self.stage.export())
        except NeedsTemplates:
            return ("templates",)

    def make_in_workers(self, by_bucket: dict[int, list[str]], workers: int) -> dict:
        """make(), in child processes (buckets shared out by their number of files)."""
        shares: list[dict] = [{} for _ in range(workers)]
        sizes = [0] * workers
        for b, rels in sorted(by_bucket.items(), key=lambda item: -len(item[1])):
            i = sizes.index(min(sizes))
            shares[i][b] = rels
            sizes[i] += len(rels)
        children = []
        for share in shares:
            if share:
                children.append((*forked.start(lambda share=share: self._share(share)), share))
        metas: dict = {}
        failed: dict = {}
        for pid, read, share in children:
            result = forked.wait(pid, read)
            if result is None:
                failed.update(share)  # made here, as if no worker could be had
                continue
            if result[0] == "templates":
                raise NeedsTemplates()
            metas.update(result[0])
            self.stage.adopt(result[1])
        if failed:
            metas.update(self.make(failed))
        return metas


# --- the render --------------------------------------------------------------------------------

class NeedsTemplates(Exception):
    """A host needs a built-in target's template after all (see fast.Assembly.needs_template):
    render as before."""


# The targets' files are assembled in children, in two groups of about equal cost (the report
# last, when `cinv check` has answered): the parent never holds a big file, and both cores work.
GROUPS = (("ansible", "kea", "hosts", "dnsmasq"), ("dns", "libvirt", "dhcpd"))


def render(ws: Workspace, names: list[str], stage: writer.Stage, keys: dict, env, serials,
           zone_states: dict, history) -> list[str]:
    """Stage every file of the targets named (default all): returns the warnings. serials:
    the callable a view asks for its zones' serials, which leaves their states in
    zone_states; history(): the report's (revision, recent). Raises ProblemsError when
    `cinv check` finds errors, with nothing left staged."""
    checking = CheckJob(ws, keys)
    children: list = []
    try:
        with load.no_gc():  # millions of objects, no cycles: see load.no_gc
            return _render(ws, names, stage, keys, checking, env, serials, zone_states,
                           history, children)
    except BaseException as e:
        checking.cancel()
        for pid, read in children:
            if isinstance(e, Exception):  # a refusal: let them finish, and take back their files
                result = forked.wait(pid, read)
                if result is not None and result[0] == "staged":
                    stage.adopt(result[1])
            else:  # interrupted: at once
                forked.cancel(pid, read)
        stage.abort()
        if not stage.check_only and stage.plan.out.is_dir():
            writer.clean_temp(stage.plan.out)  # what a child that failed left
        raise


def _render(ws, names, stage, keys, checking, env, serials, zone_states, history,
            children) -> list[str]:
    root = ws.root
    wanted = names or sorted(targets.BUILTIN)
    base = load.load_networks(load.DirSource(root), cache_root=root)
    ctx = fast.Context(base)
    digest = ctx.digest(code_digest())
    known = _make(root, ctx, digest, keys, stage, "libvirt" in wanted)
    metas = {rel: m[2] for rel, m in known.items() if m[2] is not None}
    del known
    revision, recent = history()
    kept = cache.read(root, "render-zones")
    kept = kept if isinstance(kept, dict) else {}
    skip = set(stage.targets)  # domain XMLs staged as they were made

    def assemble(group) -> tuple:
        """In a child: stage the group's files; what the parent adopts."""
        columns = Columns(root)
        asm = fast.Assembly(ctx, metas, columns.get, env, serials, problems, recent,
                            revision, kept, digest)
        if "dnsmasq" in group and asm.needs_template:
            return ("templates",)
        mine = writer.Stage(stage.plan.out, stage.manifest, stage.check_only)
        try:
            for name in group:
                _stage(asm, name, mine, skip, partial(_xml_again, root, ctx))
                columns.release()
        except BaseException:
            mine.abort()
            raise
        if asm.kept_changed:
            cache.write(root, "render-zones", asm.kept_zones)
        return ("staged", mine.export(), zone_states, asm.view.warnings)

    problems = None
    groups = [[n for n in group if n in wanted] for group in GROUPS]
    for group in groups:
        if group:
            children.append(forked.start(partial(_guarded, assemble, group)))
    problems = _checked(checking)  # nothing is put in place before check says so
    if "report" in wanted:
        if recent is not None:
            changes = recent()  # asked here: the report's child only shows them
            recent = partial(lambda c: c, changes)
        children.append(forked.start(partial(_guarded, assemble, ["report"])))
    warnings = []
    for pid, read in list(children):
        result = forked.wait(pid, read)
        children.remove((pid, read))
        if result is None:
            raise CinvError("a render process ended without its result (killed, or out of "
                            "memory?); nothing was changed")
        if result[0] == "templates":
            raise NeedsTemplates()
        if result[0] == "error":
            raise CinvError(result[1])
        if result[0] == "bug":
            raise RuntimeError(result[1])
        _kind, exported, states, said = result
        stage.adopt(exported)
        zone_states.update(states)
        warnings += said
    return warnings


def kept_parts(root: Path, keys: dict) -> tuple[fast.Context, str, dict, Columns]:
    """(context, its digest, {path: meta} of every host file, the parts by column) of the work
    tree: the parts a render keeps, made for the host files that are new or changed since
    (and kept for the next render). For readers of the parts that stage no file (deploy);
    NeedsTemplates when they cannot be kept."""
    import tempfile
    base = load.load_networks(load.DirSource(root), cache_root=root)
    ctx = fast.Context(base)
    digest = ctx.digest(code_digest())
    with tempfile.TemporaryDirectory(prefix="cinv-parts-") as tmp:
        stage = writer.Stage(Path(tmp), {"files": {}, "zones": {}}, check_only=True)
        known = _make(root, ctx, digest, keys, stage, False)
    metas = {rel: m[2] for rel, m in known.items() if m[2] is not None}
    return ctx, digest, metas, Columns(root)


def _guarded(work, *args) -> tuple:
    """work(*args), with a refusal (CinvError) as ("error", its message) and anything else as
    ("bug", its traceback)."""
    try:
        return work(*args)
    except CinvError as e:
        return ("error", str(e))
    except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it
        import traceback
        return ("bug", f"{type(e).__name__}: {e} (in a render process:\n"
                f"{traceback.format_exc()})")


def _make(root: Path, ctx: fast.Context, digest: str, keys: dict, stage: writer.Stage,
          xml: bool) -> dict:
    """Make the parts of new and changed host files (by a process per core when there are
    many) and note them: {path: (digest, stat key, meta)} of every host file."""
    meta = cache.Sharded(root, "render-meta")
    known = meta.merged()
    hosts = [rel for rel in keys if rel.startswith("hosts/") and rel.endswith(".yaml")]
    by_bucket: dict[int, list[str]] = {}
    for rel in hosts:
        m = known.get(rel)
        if m is None or m[0] != digest or m[1] != keys[rel]:
            by_bucket.setdefault(cache.bucket_of(rel), []).append(rel)
    todo = sum(len(rels) for rels in by_bucket.values())
    maker = Maker(root, ctx, keys, stage, xml)
    workers = min(os.cpu_count() or 1, WORKERS)
    if todo >= PARALLEL_MIN and workers > 1:
        made = maker.make_in_workers(by_bucket, workers)
    else:
        made = maker.make(by_bucket)
    now = time.time_ns()
    for rel, m in made.items():
        known[rel] = (digest, keys[rel], m)
        if cache.is_racy(keys[rel], now):
            meta.drop(rel)  # made again next time: this file may still change
        else:
            meta.put(rel, known[rel])
    if len(known) > len(hosts):
        present = set(hosts)
        meta.keep(present)
        known = {rel: m for rel, m in known.items() if rel in present}
    meta.save()
    return known


def _stage(asm: fast.Assembly, name: str, stage: writer.Stage, skip: set, again) -> None:
    files = asm.files(name)
    files.reverse()
    while files:
        rel, text = files.pop()  # let each text go once staged: one big file at a time
        if name == "libvirt" and rel.endswith(".xml"):
            if rel not in skip:  # made above (staged already) or kept: its digest
                stage.put(rel, name, digest=text, produce=partial(again, asm.xml_host[rel]))
            continue
        data = text.encode("utf-8")
        del text
        stage.put(fast.clean_path(name, rel, stage.targets), name, data)


def _checked(checking: CheckJob) -> list[Problem]:
    from cinv import check
    problems = checking.problems()
    errors = check.errors(problems)
    if errors:
        raise ProblemsError(errors)
    return problems


def _xml_again(root: Path, ctx: fast.Context, rel: str) -> bytes:
    """A domain XML made again from its host's record (its file in the output dir is not as
    cinv left it)."""
    host = load.load_host(load.DirSource(root), rel, load.host_name_of(rel), [])
    return fast.fragment(ctx, host)[1]["libvirt"][2].encode("utf-8")


class Columns:
    """The kept parts, one column at a time (read when asked, let go after each target)."""

    def __init__(self, root: Path):
        self.root = root
        self.held: dict[str, dict] = {}

    def get(self, name: str) -> dict:
        if name not in self.held:
            with load.no_gc():
                self.held[name] = cache.Sharded(self.root, f"render-{name}").merged()
        return self.held[name]

    def release(self) -> None:
        self.held.clear()
