"""`cinv render` of a work tree that keeps every host's parts: one change costs what it touches.

Each host file's parts (fast.fragment: what it adds to every built-in file) are kept under
.cinv/cache by parts.py, made for new or changed files only (with thousands to make, a process
per core). Then one of two ways:

- a splice (splice.py), when few host files changed since a render that left its layout of
  the output files in its notes: each file edited in place of the changed hosts' bytes, in this
  process; `cinv check` is the last full check updated by the change (checkdelta.py), here too;
- in full: the files assembled from every host's parts in two forked processes while `cinv
  check` runs in a third (or comes from its cache), each target's files one at a time, and the
  layout of each noted for the next splice.

Either way nothing is put in place before check says there is no error, and only files whose
bytes changed are written. Used for renders of the work tree of cinv's own targets, without
overrides in templates/; anything else renders as before (render_files). The output is the same
every way: tests render after every kind of change with kept parts, from scratch and by the
templates alone, and compare the bytes.
"""
from __future__ import annotations

import hashlib
import marshal
import os
from functools import partial
from pathlib import Path

from cinv import __version__, forked
from cinv.datadir import data_dir
from cinv.errors import CinvError, Problem, ProblemsError
from cinv.records import cache, load
from cinv.render import fast, parts, splice, splicereport, targets, writer
from cinv.workspace import Workspace


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
        from cinv import paths
        from cinv.records import lock
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
    """`cinv check` of the work tree: from its cache; or updated here from the last full check
    when only a few host files changed since (cinv/checkdelta.py: what a splice takes); or in a
    fresh process, started when the render knows it will be made in full (see checkproc.py);
    computed here if that process cannot be had or fails."""

    def __init__(self, ws: Workspace, keys: dict, dirty=None):
        self.ws, self.keys, self.dirty = ws, keys, dirty
        self.base = None  # settings, networks and zones, when the render has loaded them
        self.fp = cache.fingerprint(keys)
        self.value = cache.get_result(ws.root, "check", self.fp)
        self.proc = None
        self.delta = None  # (pid, pipe) of the forked child updating the last full check

    def start(self) -> None:
        """Start the process (for a render made in full), unless the result is known."""
        self._delta_answer()
        if self.value is not None or self.proc is not None:
            return
        import subprocess
        import sys
        package = str(Path(__file__).resolve().parents[2])  # where this cinv is imported from
        # -I: isolated, so neither the current directory (an inventory may hold a cinv/ of its
        # own) nor PYTHONPATH nor the user's site reach sys.path; this cinv is put first
        boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
                "from cinv.output.checkproc import main; main(sys.argv[2])")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", boot, package, str(self.ws.root)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except (OSError, ValueError):
            self.proc = None

    def here(self) -> None:
        """The result updated from the last full check, when only a few host files changed
        since, in a forked child while the splice works beside it (at 200,000 hosts the
        update reads and compares the stat of every file: a second); the process for a full
        check started when the child finds it cannot say."""
        if self.value is None and self.proc is None and self.delta is None:
            try:
                self.delta = forked.start(partial(self.ws.delta_result, self.keys, self.fp,
                                                  base=self.base, remember=False))
            except OSError:
                self.value = self.ws.delta_result(self.keys, self.fp, self.dirty, self.base)
                if self.value is None:
                    self.start()

    def _delta_answer(self) -> None:
        """The forked update's result, waited for (the last full check remembered as the base
        of the next update here: git's dirty paths are the parent's to ask)."""
        if self.delta is not None:
            pid, read = self.delta
            self.delta = None
            value = forked.wait(pid, read)
            if isinstance(value, (tuple, list)) and len(value) == 3:
                from cinv import checkdelta
                self.value = tuple(value)
                checkdelta.remember(self.ws.root, self.keys, self.value, self.dirty)

    def problems(self) -> list[Problem]:
        """What check reports (waiting for the process); computed here if it failed."""
        self._delta_answer()
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
        if self.delta is not None:
            forked.cancel(*self.delta)
            self.delta = None
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None


# --- the render --------------------------------------------------------------------------------

NeedsTemplates = parts.NeedsTemplates

# The targets' files are assembled in children, in two groups of about equal cost (the report
# last, when `cinv check` has answered): the parent never holds a big file, and both cores work.
GROUPS = (("ansible", "kea", "hosts", "dnsmasq"), ("dns", "libvirt", "dhcpd"))


def render(ws: Workspace, names: list[str], stage: writer.Stage, keys: dict, env, serials,
           zone_states: dict, history, dirty=None) -> list[str]:
    """Stage every file of the targets named (default all): returns the warnings. serials:
    the callable a view asks for its zones' serials, which leaves their states in
    zone_states; history(): the report's (revision, recent); dirty(): git's dirty paths.
    Raises ProblemsError when `cinv check` finds errors, with nothing left staged."""
    checking = CheckJob(ws, keys, dirty)
    children: list = []
    waiting: list[Waiting] = []  # assemblers forked early, not yet told (see Waiting)
    try:
        with load.no_gc():  # millions of objects, no cycles: see load.no_gc
            return _render(ws, names, stage, keys, checking, env, serials, zone_states,
                           history, children, waiting)
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
    finally:
        for early in waiting:  # never told (a refusal, or a splice after all): killed
            early.cancel()


def _render(ws, names, stage, keys, checking, env, serials, zone_states, history,
            children, waiting) -> list[str]:
    root = ws.root
    wanted = names or sorted(targets.BUILTIN)
    base = load.load_networks(load.DirSource(root), cache_root=root)
    ctx = fast.Context(base)
    digest = ctx.digest(code_digest())
    store = parts.Store(root, digest, parts.host_keys(keys))
    state = stage.state
    context = layout_context(digest, keys)
    layout = state.layout if state is not None else None
    outside = None
    if splice.likely(layout, store.token, context, wanted, store.changed()):
        checking.base = base
        checking.here()
        outside = Outside(state, stage.plan.out)
    else:
        checking.start()
    groups = [[n for n in group if n in wanted] for group in GROUPS]
    groups = [group for group in groups if group] + ([["report"]] if "report" in wanted else [])
    told: dict = {}  # what the assemblers read as forked: the report's history
    early: dict[tuple, Waiting] = {}  # group -> its assembler, forked early

    def assemble(group, got) -> tuple:
        """In a child: stage the group's files; what the parent adopts. got: (the domain XMLs
        staged as they were made, the check's problems and the recent commits for the
        report)."""
        skip, found, changes = got
        skip = set(skip)
        revision, recent = told["history"]
        if group != ["report"]:
            found = revision = recent = None  # only the report shows them
        elif recent is not None:
            recent = partial(lambda c: c, changes)  # asked by the parent
        kept = cache.read(root, "render-zones")
        kept = kept if isinstance(kept, dict) else {}
        columns = Columns(store)
        asm = fast.Assembly(ctx, store.metas(), columns.get, env, serials,
                            [Problem(*p) for p in found] if found is not None else None,
                            recent, revision, kept, digest)
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
        return ("staged", mine.export(), zone_states, asm.view.warnings, asm.layout,
                asm.shared_layout())

    def meanwhile() -> None:
        """While processes make the parts: git's answer and the report's history asked, and
        the assemblers forked now, before the parts' notes come to this process (see
        Waiting)."""
        told["history"] = history()
        for group in groups:
            early[tuple(group)] = Waiting(partial(_guarded, assemble, group))
            waiting.append(early[tuple(group)])

    try:
        before, changes = parts.make(store, ctx, stage, "libvirt" in wanted,
                                     meanwhile if outside is None else None)
        if splice.applies(layout, before, context, wanted, changes):
            outside = outside or Outside(state, stage.plan.out, beside=False)
            try:
                return _spliced(stage, wanted, ctx, layout, changes, store.token, env,
                                serials, history, checking, outside)
            except splice.Mismatch:
                pass  # made in full
    finally:
        if outside is not None:
            outside.cancel()
    checking.start()
    store.release()  # the processes forked below need not carry it
    if "history" not in told:
        told["history"] = history()

    skip = list(stage.targets)  # domain XMLs staged as they were made

    def go(group, got) -> None:
        mine = early.get(tuple(group))
        child = mine.go(got) if mine is not None else None
        if child is None:  # none forked early (or it is gone): forked now
            child = forked.start(partial(_guarded, assemble, group, got))
        children.append(child)

    for group in groups:
        if group != ["report"]:
            go(group, (skip if "libvirt" in group else [], None, None))
    problems = _checked(checking)  # nothing is put in place before check says so
    if "report" in wanted:
        recent = told["history"][1]
        go(["report"], ([], [(p.path, p.line, p.message, p.severity, p.code)
                             for p in problems],
                        recent() if recent is not None else None))  # the child only shows them
    waiting.clear()
    warnings, layouts, shared = [], {}, None
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
        _kind, exported, states, said, made, shared = result
        stage.adopt(exported)
        zone_states.update(states)
        warnings += said
        layouts.update(made)
    stage.layout = splice.layout_of(layouts, shared, store.token, context, wanted)
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
    store = parts.Store(root, digest, parts.host_keys(keys))
    with tempfile.TemporaryDirectory(prefix="cinv-parts-") as tmp:
        stage = writer.Stage(Path(tmp), {"files": {}, "zones": {}}, check_only=True)
        parts.make(store, ctx, stage, False)
    store.release()
    return ctx, digest, store.metas(), Columns(store)


def layout_context(digest: str, keys: dict) -> str:
    """What a layout is made from besides the hosts' parts: their context (digest) and the
    zones' own records (zones/, by their files' stat keys)."""
    import hashlib
    zones = sorted((rel, key) for rel, key in keys.items() if rel.startswith("zones/"))
    return hashlib.blake2b(repr((digest, zones)).encode(), digest_size=16).hexdigest()


class Outside:
    """Whether every file the last render wrote to out is still as it left it (a splice edits
    them where they are): a stat of every output file (200,000 domain XMLs at 200,000 hosts),
    asked in a forked child while the splice works (beside), else here when answered."""

    def __init__(self, state, out: Path, beside: bool = True):
        self.state, self.out, self.child, self.answer = state, out, None, None
        if beside:
            try:
                self.child = forked.start(partial(state.changed_file, out))
            except OSError:
                self.child = None

    def changed(self) -> bool:
        """Some file is not as the last render left it (or the child could not say)."""
        if self.answer is None:
            if self.child is None:
                self.answer = self.state.changed_file(self.out) is not None
            else:
                pid, read = self.child
                self.child = None
                self.answer = forked.wait(pid, read, failed="?") is not None
        return self.answer

    def cancel(self) -> None:
        if self.child is not None:
            forked.cancel(*self.child)
            self.child = None


def _spliced(stage, wanted, ctx, layout, changes, token, env, serials, history,
             checking, outside: Outside) -> list[str]:
    """The render by a splice (see splice.py): in this process, beside the forked check and
    the stat of the output files; both waited for before the report and before anything is
    put in place (a file changed outside cinv: made in full)."""
    edit = splice.Splice(stage.plan.out, layout, changes, ctx, env, stage)
    try:
        edit.run(wanted, serials)
        if outside.changed():
            raise splice.Mismatch("an output file is not as the last render left it")
        problems = _checked(checking)
        if "report" in wanted:
            revision, recent = history()
            splicereport.edit_report(edit, problems, recent, revision)
    except (splice.Mismatch, ValueError) as e:  # ValueError: a layout not as the file is
        stage.forget(edit.staged)
        raise splice.Mismatch(str(e)) from None
    except OSError:
        stage.forget(edit.staged)
        if outside.changed():  # an output file removed: made in full
            raise splice.Mismatch("an output file is not as the last render left it") from None
        raise
    stage.splice = (edit.stale, edit.new_layout(token))
    return edit.warnings


class Waiting:
    """An assembling process forked while the parts are made, before their notes come to this
    process (about 57 MB at 50,000 hosts, against the 105 MB this process then holds: every
    assembler's floor), told to go once they are made (go: what it needs of them, marshalled,
    length first, so that no other process holding the pipe keeps it waiting)."""

    def __init__(self, work):
        """work(got): what the process does with what it is told."""
        self.child = self.feed = None
        try:
            pid, result, self.feed = forked.start_fed(partial(_when_told, work=work))
        except OSError:
            return
        self.child = (pid, result)
        _FEEDS.add(self.feed)

    def go(self, got) -> tuple | None:
        """Tell it: (pid, read end) of its result, as forked.start gives them; None when it
        cannot be told (gone)."""
        if self.child is None:
            return None
        data = marshal.dumps(got)
        try:
            forked.write_all(self.feed, len(data).to_bytes(8, "little"), data)
        except OSError:
            self.cancel()
            return None
        self._close()
        child, self.child = self.child, None
        return child

    def _close(self) -> None:
        _FEEDS.discard(self.feed)
        os.close(self.feed)
        self.feed = None

    def cancel(self) -> None:
        if self.feed is not None:
            self._close()
        if self.child is not None:
            forked.cancel(*self.child)
            self.child = None


_FEEDS: set[int] = set()  # this process's ends of the pipes of its Waiting processes


def _when_told(read: int, write: int, work):
    """In a Waiting process: work(what it is told), or None when the parent is gone (every
    copy of the pipe's end closed: this one closes those of the others it inherited)."""
    os.close(write)
    for fd in _FEEDS:
        os.close(fd)
    _FEEDS.clear()
    with os.fdopen(read, "rb") as f:
        head = f.read(8)
        size = int.from_bytes(head, "little") if len(head) == 8 else -1
        data = f.read(size) if size >= 0 else b""
    if size < 0 or len(data) < size:
        return None
    return work(marshal.loads(data))


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


def _stage(asm: fast.Assembly, name: str, stage: writer.Stage, skip: set, again) -> None:
    files = asm.files(name)
    files.reverse()
    while files:
        rel, text = files.pop()  # let each text go once staged: one big file at a time
        if name == "libvirt" and rel.endswith(".xml"):
            if rel not in skip:  # made above (staged already) or kept: its digest
                stage.put(rel, name, digest=text, produce=partial(again, asm.xml_host[rel]))
            continue
        if isinstance(text, fast.Pieces):  # hashed, then written, a megabyte at a time
            h = hashlib.sha256()
            for chunk in fast.chunks(text):
                h.update(chunk)
            stage.put(fast.clean_path(name, rel, stage.targets), name, digest=h.hexdigest(),
                      produce=partial(fast.chunks, text))
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

    def __init__(self, store: parts.Store):
        self.store = store
        self.held: dict[str, dict] = {}

    def get(self, name: str) -> dict:
        if name not in self.held:
            with load.no_gc():
                self.held[name] = self.store.column(name).merged()
        return self.held[name]

    def release(self) -> None:
        self.held.clear()
