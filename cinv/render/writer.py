"""Writing rendered files: atomic, only what changed, and never a file cinv did not write.

The output dir keeps a manifest (.cinv-manifest.json): every file cinv wrote there with its
target and SHA-256, and each zone's last serial. A file in the manifest that a rendered target no
longer produces (a removed VM's XML) is deleted; a file not in the manifest is never touched
(cinv refuses to overwrite it).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError
from cinv.records.load import TMP_MARK, atomic_write, fsync_dir, write_if_changed
from cinv.render import outstate
from cinv.render.outstate import OutState
from cinv.render.targets import MANIFEST

MANIFEST_VERSION = 1
MAX_MANIFEST = 256 << 20  # a manifest of 50,000 files is about 10 MiB
LEGACY_STATE = ".cinv-state"  # where the state was kept before (in the output dir)


def sha256(data) -> str:
    """The SHA-256 of bytes, or of a list of pieces of bytes (a splice's file, never joined)."""
    if isinstance(data, list):
        h = hashlib.sha256()
        for piece in data:
            h.update(piece)
        return h.hexdigest()
    return hashlib.sha256(data).hexdigest()


def read_state(out: Path, root: Path | None) -> OutState | None:
    """cinv's private notes on an output dir (see outstate.py), kept in the inventory's cache
    (.cinv/cache; the output dir holds only what is deployed and the manifest). Stats name
    inodes, so notes on files that arrived any other way (a committed output dir) match
    nothing and cost only a full comparison."""
    from cinv.records import cache
    data = cache.read(root, outstate.name_of(out)) if root is not None else None
    if not isinstance(data, tuple) or len(data) != 2 or data[0] != outstate.VERSION \
            or not isinstance(data[1], dict):
        return None
    return OutState.load(data[1])


def write_state(out: Path, root: Path | None, state: OutState) -> None:
    from cinv.records import cache
    if root is not None:
        cache.write(root, outstate.name_of(out), (outstate.VERSION, state.dump()))
    legacy = out / LEGACY_STATE
    if legacy.is_file() and not legacy.is_symlink():
        legacy.unlink()


def read_manifest(out: Path, root: Path | None = None, state=False) -> dict:
    """The manifest {"files": {rel: (target, sha256)}, "zones"}, with the private notes
    merged in ("stats", "key", and "state": the notes themselves, read here unless given).
    Read from the notes when the manifest is the one cinv wrote last."""
    if state is False:
        state = read_state(out, root)
    if state is not None and state.manifest is not None \
            and state.manifest == stat_key(out / MANIFEST):
        manifest = {"files": outstate.Files(state), "zones": dict(state.zones), "ignored": [],
                    "state": state}  # the notes are the manifest: a splice may edit both
    else:
        manifest = _read_manifest(out)
        manifest["state"] = None
    manifest["stats"] = outstate.Stats(state) if state is not None else {}
    manifest["key"] = state.key if state is not None else None
    return manifest


def _entry(entry):
    """A manifest entry {target, sha256} as (target, sha256); anything else as it is."""
    if (type(entry) is dict and len(entry) == 2 and type(entry.get("target")) is str
            and type(entry.get("sha256")) is str):
        return (entry["target"], entry["sha256"])
    return entry


def entry_target(entry) -> str | None:
    return entry[0] if type(entry) is tuple else None


def _read_manifest(out: Path) -> dict:
    """The manifest's files and zones. It is data (a branch may commit an output dir): an entry
    that is not a clean relative path inside the output dir (cinv/paths.py) is ignored, and
    named in "ignored" for the render to report; only such entries are ever removed."""
    try:
        data = json.loads(paths.read_private(out / MANIFEST, MAX_MANIFEST))
    except FileNotFoundError:
        return {"files": {}, "zones": {}, "ignored": []}
    except (OSError, ValueError, CinvError) as e:
        raise CinvError(f"{out / MANIFEST}: unreadable ({e}); delete it (and the files cinv "
                        "wrote there) to start afresh") from None
    files = data.get("files") if isinstance(data, dict) else None
    zones = data.get("zones") if isinstance(data, dict) else None
    clean, ignored = {}, []
    for rel, entry in (files.items() if isinstance(files, dict) else ()):
        try:
            if paths.clean_relative(rel, "entry") != rel:
                raise paths.UnsafePath(f"entry {rel!r} is not in its normal form")
        except paths.UnsafePath as e:
            ignored.append(f"{out / MANIFEST}: {e}; ignored (cinv only ever removes files "
                           "inside the output dir)")
            continue
        clean[rel] = _entry(entry)
    return {"files": clean, "zones": zones if isinstance(zones, dict) else {},
            "ignored": ignored}


_ascii = json.JSONEncoder().encode  # ensure_ascii, as json.dumps


def manifest_text(manifest: dict, sizes: dict | None = None, made: dict | None = None) -> bytes:
    """json.dumps(manifest, indent=1, sort_keys=True) + newline, made quickly: a manifest of
    50,000 files is 50,000 entries {sha256, target}. sizes: gets each file's entry's length
    with the ",\n" after it (ASCII: ensure_ascii), as the notes keep it (outstate.entry_text).
    made: {"files": (the files, their text)} of an earlier call, used when the files are the
    same (a first render's intent and final manifest differ only in the zones' serials), and
    left there by this one."""
    from cinv.render.hostparts import pretty_json
    lines = []
    for key, value in sorted(manifest.items()):
        if key == "files" and made is not None and made.get("files", (None,))[0] == value:
            text = made["files"][1]
        elif key == "files" and type(value) is dict and value:
            entries = []
            for rel, entry in sorted(value.items()):
                entry = _entry(entry)
                if type(entry) is tuple:
                    text = (f'  {_ascii(rel)}: {{\n   "sha256": {_ascii(entry[1])},'
                            f'\n   "target": {_ascii(entry[0])}\n  }}')
                    entries.append(text)
                    if sizes is not None:
                        sizes[rel] = len(text) + 2
                else:
                    entries.append(f"  {_ascii(rel)}: {pretty_json(entry, '  ', ' ', _ascii)}")
            text = "{\n" + ",\n".join(entries) + "\n }"
            if made is not None:
                made["files"] = (value, text)
        else:
            text = pretty_json(value, " ", " ", _ascii)
        lines.append(f" {_ascii(key)}: {text}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode() if lines else b"{}\n"


def stat_key(path: Path | str) -> list | None:
    """What says a file is still the one cinv wrote: inode, size, mtime_ns, ctime_ns."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def inside(out: Path) -> paths.Folder:
    """The output dir under the one path rule: out/rel for a clean relative path, refused when a
    symlink on the way leads out of it."""
    return paths.Folder(out, "output path")


@dataclass
class Plan:
    out: Path
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # exist, differ, and cinv did not write them
    unchanged: int = 0
    digests: dict = field(default_factory=dict)  # rel -> sha256 of the new content
    stats: dict = field(default_factory=dict)  # rel -> stat_key of an unchanged file

    @property
    def differs(self) -> bool:
        return bool(self.missing or self.changed or self.stale or self.foreign)

    def lines(self) -> list[str]:
        out = [f"missing: {p}" for p in self.missing] + [f"changed: {p}" for p in self.changed]
        out += [f"not written by cinv: {p}" for p in self.foreign]
        return out + [f"stale: {p}" for p in self.stale]


class Stage:
    """A render's files, compared with the output dir one at a time as they are made, and each
    that must change written at once to a temporary file beside its target (so a render holds
    one big file at a time, never all 50,000); commit() then puts them in place, abort()
    removes them. A file whose stat and digest match what the manifest recorded when cinv wrote
    it is not read again. check_only: compare, write nothing."""

    def __init__(self, out: Path, manifest: dict, check_only: bool = False):
        self.plan = Plan(out)
        self.manifest = manifest
        self.known = manifest["files"]
        self.stats = manifest.get("stats", {})
        self.state: OutState | None = manifest.get("state")  # when it is the manifest
        self.splice = None  # (stale paths, layout) of a splice (see apply_splice)
        self.layout = None  # the layout of the files a full render staged (splice.py)
        self.folder = inside(out)
        self.check_only = check_only
        self.targets: dict[str, str] = {}
        self.tmps: dict[str, str] = {}  # rel -> its temporary file (str: 50,000 Paths weigh)
        self.made_dirs: list[str] = []
        self.dirs: set[str] = set()  # folders known to be there (a stat each file was 5%)
        self.listed: dict[str, set] = {}  # folder -> the names in it, once listed (_absent)
        self.asked: dict[str, int] = {}
        self.base = os.path.join(out, "")

    def put(self, rel: str, target: str, data: bytes | None = None, digest: str | None = None,
            produce=None) -> None:
        """One file: its bytes, or its digest and produce() giving the bytes when they are
        needed (the file is not as cinv left it)."""
        plan = self.plan
        self.targets[rel] = target
        digest = plan.digests[rel] = digest or sha256(data)
        recorded = self.stats.get(rel)
        if recorded is not None:
            entry = self.known.get(rel)
            if (type(entry) is tuple and entry[1] == digest
                    and stat_key(self.base + rel) == recorded):
                plan.unchanged += 1  # as cinv left it (lstat: a regular file, not a link)
                plan.stats[rel] = recorded
                return
        path = self.folder.join(rel, last=False)  # a symlink there is refused below
        st = None if self._absent(path) else stat_key(path)
        if st is None:
            plan.missing.append(rel)
            self._stage(rel, path, data if data is not None else produce())
            return
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise CinvError(f"{path}: is a symlink; refusing to write through it")
        if data is None:
            data = produce()
            if not isinstance(data, (bytes, list)):
                data = list(data)  # pieces given one by one: compared below
        entry = self.known.get(rel)
        if recorded is not None and st == recorded and type(entry) is tuple \
                and entry[1] != digest:
            plan.changed.append(rel)  # as cinv left it, and that was other bytes: not read
            self._stage(rel, path, data)
            return
        try:
            with open(path, "rb") as f:
                old = f.read()
        except IsADirectoryError:
            raise CinvError(f"{path}: is a directory where cinv writes a file") from None
        if old == (b"".join(data) if isinstance(data, list) else data):
            plan.unchanged += 1
            plan.stats[rel] = st
        elif rel in self.known:
            plan.changed.append(rel)
            self._stage(rel, path, data)
        else:
            plan.foreign.append(rel)

    def _absent(self, path: str) -> bool:
        """Whether the file is missing from its folder's listing, taken once LIST_AFTER files
        of the folder were asked for (a first render stages 47,500 domain XMLs in one folder:
        an lstat each was 3% of making them). A file that appears after the listing counts as
        missing, as one that appears after an lstat would."""
        folder, name = os.path.split(path)
        names = self.listed.get(folder)
        if names is None:
            asked = self.asked[folder] = self.asked.get(folder, 0) + 1
            if asked < LIST_AFTER:
                return False
            try:
                names = set(os.listdir(folder))
            except FileNotFoundError:
                names = set()
            except OSError:
                return False
            self.listed[folder] = names
        return name not in names

    def _stage(self, rel: str, path: str, data: bytes) -> None:
        if self.check_only:
            return
        parent = os.path.dirname(path)
        if parent not in self.dirs:
            if not os.path.isdir(parent):
                missing = Path(parent)
                while not missing.parent.is_dir():
                    missing = missing.parent
                self.made_dirs.append(str(missing))  # removed again if the render is refused
                os.makedirs(parent, exist_ok=True)
            self.dirs.add(parent)
        self.tmps[rel] = _write_tmp(path, data, False)

    def forget(self, rels) -> None:
        """Unstage these files (a splice that gave up: the full render stages them again)."""
        p = self.plan
        for rel in rels:
            tmp = self.tmps.pop(rel, None)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            self.targets.pop(rel, None)
            p.digests.pop(rel, None)
            p.stats.pop(rel, None)
        gone = set(rels)
        for listed in (p.missing, p.changed, p.foreign):
            listed[:] = [rel for rel in listed if rel not in gone]

    def export(self) -> tuple:
        """What this stage holds, for another process's Stage to adopt (render workers)."""
        p = self.plan
        return (p.missing, p.changed, p.foreign, p.unchanged, p.digests, p.stats,
                self.targets, dict(self.tmps),
                self.made_dirs)

    def adopt(self, exported: tuple) -> None:
        missing, changed, foreign, unchanged, digests, stats, targets, tmps, dirs = exported
        self.made_dirs += dirs
        p = self.plan
        p.missing += missing
        p.changed += changed
        p.foreign += foreign
        p.unchanged += unchanged
        p.digests.update(digests)
        p.stats.update(stats)
        self.targets.update(targets)
        self.tmps.update(tmps)

    def finish(self, owned_targets: set | None) -> Plan:
        """The plan, with the stale files: those the manifest names that this render no longer
        makes (owned_targets: the targets rendered; None: all, so files of targets that no
        longer exist are stale too)."""
        plan, known = self.plan, self.known
        plan.missing.sort()
        plan.changed.sort()
        plan.foreign.sort()
        for rel, entry in sorted(known.items()):
            target = entry_target(entry)
            if rel in self.targets or (owned_targets is not None
                                       and target not in owned_targets):
                continue
            try:
                path = self.folder(rel, last=False)  # the removal unlinks a symlink only
            except paths.UnsafePath as e:  # dropped from the manifest, never followed
                self.manifest.setdefault("ignored", []).append(
                    f"{plan.out / MANIFEST}: {e}; not removed")
                del known[rel]
                continue
            if path.is_file() and not path.is_symlink():
                plan.stale.append(rel)
        return plan

    def abort(self) -> None:
        """Remove the temporary files, and the folders made for them that are still empty."""
        for tmp in self.tmps.values():
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self.tmps.clear()
        for top in sorted(set(self.made_dirs), key=len, reverse=True):
            for folder, _dirs, _files in sorted(os.walk(top), key=lambda w: -len(w[0])):
                try:
                    os.rmdir(folder)
                except OSError:
                    pass  # not empty: something else is in it now
        self.made_dirs.clear()
        self.dirs.clear()


def plan(out: Path, files: dict, manifest: dict, owned_targets: set | None) -> Plan:
    """Compare files {rel: (target, bytes)} with the disk (a Stage that writes nothing)."""
    stage = Stage(out, manifest, check_only=True)
    for rel in sorted(files):
        stage.put(rel, files[rel][0], files[rel][1])
    return stage.finish(owned_targets)


LIST_AFTER = 64  # files asked of one folder before it is listed once (Stage._absent)
SYNC_EACH_MAX = 64  # more files than this: one sync(2) instead of an fsync each
WRITE_THREADS = 4


def _write_tmp(path: str, data, sync: bool) -> str:
    parent, name = os.path.split(path)
    tmp = os.path.join(parent, f".{name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        for piece in (data,) if isinstance(data, (bytes, bytearray, memoryview)) else data:
            view = memoryview(piece)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _pending(out: Path, root: Path | None) -> Path | None:
    """The mark a render leaves in .cinv/ while it may have temporary files in out."""
    if root is None:
        return None
    try:
        from cinv.records import lock
        return lock.state_dir(root) / f"{outstate.name_of(out)}.pending"
    except (OSError, CinvError):
        return None


def begin(out: Path, root: Path | None) -> None:
    """Before a render stages files: remove the temporary files a killed render left (only
    when its mark says one may have: walking 50,000 files costs), and leave the mark (hold the
    render lock)."""
    mark = _pending(out, root)
    if mark is None or mark.exists() or mark.is_symlink():
        if out.is_dir():
            clean_temp(out)
    if mark is not None and not mark.exists():
        try:
            atomic_write(mark, b"")
        except OSError:
            pass


def end(out: Path, root: Path | None) -> None:
    """A render left no temporary file: its mark goes."""
    mark = _pending(out, root)
    if mark is not None and not mark.is_symlink():
        mark.unlink(missing_ok=True)


def clean_temp(out: Path) -> int:
    """Remove temporary files a killed render left in the output dir (hold its lock)."""
    removed = 0
    for folder, _dirs, names in os.walk(out):
        for name in names:
            if name.startswith(".") and TMP_MARK in name:
                (Path(folder) / name).unlink(missing_ok=True)
                removed += 1
    return removed


def place_all(tmps: dict[str, str], changed: set[str]) -> dict[str, list]:
    """Rename temporary files over their targets ({target: tmp}), so that each target is the
    old or the new version, never torn: a file that replaces one has its data made durable
    first (an fsync each, or one sync(2) for many). Renames run in a few threads (this waits on
    the file system, not the CPU). Returns each target's stat_key as renamed."""
    replacing = [tmps[path] for path in changed if path in tmps]
    if len(replacing) > SYNC_EACH_MAX:
        os.sync()
    else:
        for tmp in replacing:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    items = list(tmps.items())
    stats: dict[str, list] = {}

    def rename(indexes: range) -> None:
        for index in indexes:
            path, tmp = items[index]
            os.replace(tmp, path)
            stats[path] = stat_key(path)

    if len(items) > SYNC_EACH_MAX:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(WRITE_THREADS) as pool:
            list(pool.map(rename, [range(i, len(items), WRITE_THREADS)
                                   for i in range(WRITE_THREADS)]))
    else:
        rename(range(len(items)))
    return stats


def apply(stage: Stage, manifest: dict, zones: dict | None, owned_targets: set | None,
          key: str | None = None, root: Path | None = None, layout=None) -> list[str]:
    """Put the staged files in place, delete stale ones, update the manifest. Returns 'wrote
    X' / 'removed X' lines. layout: the splice's layout of the files written (kept in the
    notes)."""
    p = stage.plan
    if p.foreign:
        stage.abort()
        raise CinvError(f"{p.out}: refusing to overwrite files cinv did not write (not in "
                        f"{MANIFEST}): {', '.join(p.foreign)}; move them away first")
    out = p.out
    out.mkdir(parents=True, exist_ok=True)
    report = []
    folder = inside(out)
    targets = stage.targets
    new_files = {rel: (targets[rel], p.digests[rel])
                 for rel in p.missing if rel not in manifest["files"]}
    sizes: dict = {}
    made: dict = {}  # the intent's text of the files, for the final manifest
    if new_files:  # named before written: a render killed in between leaves no file cinv forgets
        intent = {"version": MANIFEST_VERSION,
                  "files": dict(sorted({**manifest["files"], **new_files}.items())),
                  "zones": manifest["zones"]}
        atomic_write(out / MANIFEST, manifest_text(intent, sizes, made))
    at = {rel: folder.join(rel, last=False) for rel in stage.tmps}
    tmps = {at[rel]: tmp for rel, tmp in stage.tmps.items()}
    changed = {at[rel] for rel in p.changed}
    try:
        written_stats = place_all(tmps, changed)
        stage.made_dirs.clear()  # they hold the files now
        stage.tmps.clear()  # all renamed
    finally:
        stage.abort()  # whatever was not renamed
    dirs = {Path(d) for d in {os.path.dirname(path) for path in tmps}}
    report += [f"wrote {rel}" for rel in p.missing + p.changed]
    for rel in p.stale:
        path = folder(rel, last=False)
        path.unlink(missing_ok=True)
        dirs.add(path.parent)
        report.append(f"removed {rel}")
        parent = path.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    for folder_path in sorted(dirs):
        if folder_path.is_dir():
            fsync_dir(folder_path)
    stale = set(p.stale)
    entries = {rel: e for rel, e in manifest["files"].items()
               if rel not in targets and rel not in stale
               and (owned_targets is None or entry_target(e) not in owned_targets)
               and (out / rel).exists()}
    stats = {rel: st for rel, st in manifest.get("stats", {}).items() if rel in entries}
    for rel, target in targets.items():
        entries[rel] = (target, p.digests[rel])
        stats[rel] = p.stats.get(rel) or (written_stats.get(at[rel]) if rel in at else None) \
            or stat_key(stage.base + rel)
    entries = dict(sorted(entries.items()))
    zones = dict(sorted({**manifest["zones"], **(zones or {})}.items()))
    final = {"version": MANIFEST_VERSION, "files": entries, "zones": zones}
    if made.get("files", (None,))[0] != entries:
        sizes.clear()  # other files than the intent's: their sizes are taken anew
    write_if_changed(out / MANIFEST, manifest_text(final, sizes, made))
    write_state(out, root, OutState.of(entries, stats, key, stat_key(out / MANIFEST), zones,
                                       layout, sizes))
    end(out, root)
    return report
