"""Writing rendered files: atomic, only what changed, and never a file cinv did not write.

The output dir keeps a manifest (.cinv-manifest.json): every file cinv wrote there with its
target and SHA-256, and each zone's last serial. A file in the manifest that a rendered target no
longer produces (a removed VM's XML) is deleted; a file not in the manifest is never touched
(cinv refuses to overwrite it).
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError
from cinv.load import TMP_MARK, atomic_write, fsync_dir, write_if_changed
from cinv.render.targets import MANIFEST

MANIFEST_VERSION = 1
MAX_MANIFEST = 256 << 20  # a manifest of 50,000 files is about 10 MiB
STATE = ".cinv-state"
STATE_VERSION = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_state(out: Path) -> dict:
    """cinv's private notes in the output dir (not output, so not byte-compared): each file's
    stat when cinv last wrote or checked it, and the key of the inputs it was rendered from.
    Stats name inodes, so notes that arrived any other way than by this render (a committed
    output dir) match nothing and cost only a full comparison."""
    try:
        data = marshal.loads(paths.read_private(out / STATE))
    except (OSError, ValueError, EOFError, TypeError, CinvError):
        return {"stats": {}, "key": None}
    if (not isinstance(data, tuple) or len(data) != 2 or data[0] != STATE_VERSION
            or not isinstance(data[1], dict)):
        return {"stats": {}, "key": None}
    return data[1]


def write_state(out: Path, state: dict) -> None:
    write_if_changed(out / STATE, marshal.dumps((STATE_VERSION, state)))


def read_manifest(out: Path) -> dict:
    """The manifest, with the private state (stats, key) merged in."""
    manifest = _read_manifest(out)
    manifest.update(read_state(out))
    return manifest


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
        clean[rel] = entry
    return {"files": clean, "zones": zones if isinstance(zones, dict) else {},
            "ignored": ignored}


def stat_key(path: Path) -> list | None:
    """What says a file is still the one cinv wrote: inode, size, mtime_ns, ctime_ns."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
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


def plan(out: Path, files: dict, manifest: dict, owned_targets: set | None) -> Plan:
    """Compare files {rel: (target, bytes)} with the disk. owned_targets: the targets rendered
    (None: all, so files of targets that no longer exist are stale too). A file whose stat and
    digest match what the manifest recorded when cinv wrote it is not read again."""
    result = Plan(out)
    known = manifest["files"]
    folder = inside(out)
    for rel in sorted(files):
        path = folder(rel, last=False)  # a symlink there is refused below
        data = files[rel][1]
        digest = result.digests[rel] = sha256(data)
        st = stat_key(path)
        if st is None:
            result.missing.append(rel)
            continue
        if stat.S_ISLNK(os.lstat(path).st_mode):
            raise CinvError(f"{path}: is a symlink; refusing to write through it")
        entry = known.get(rel)
        if (isinstance(entry, dict) and entry.get("sha256") == digest
                and manifest.get("stats", {}).get(rel) == st):
            result.unchanged += 1
            result.stats[rel] = st
            continue
        try:
            old = path.read_bytes()
        except IsADirectoryError:
            raise CinvError(f"{path}: is a directory where cinv writes a file") from None
        if old == data:
            result.unchanged += 1
            result.stats[rel] = st
        elif rel in known:
            result.changed.append(rel)
        else:
            result.foreign.append(rel)
    for rel, entry in sorted(known.items()):
        target = entry.get("target") if isinstance(entry, dict) else None
        if rel in files or (owned_targets is not None and target not in owned_targets):
            continue
        try:
            path = folder(rel, last=False)  # the removal unlinks a symlink, never its target
        except paths.UnsafePath as e:  # dropped from the manifest, never followed
            manifest.setdefault("ignored", []).append(f"{out / MANIFEST}: {e}; not removed")
            del known[rel]
            continue
        if path.is_file() and not path.is_symlink():
            result.stale.append(rel)
    return result


SYNC_EACH_MAX = 64  # more files than this: one sync(2) instead of an fsync each
WRITE_THREADS = 4


def _write_tmp(path: Path, data: bytes, sync: bool) -> Path:
    tmp = path.parent / f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def clean_temp(out: Path) -> int:
    """Remove temporary files a killed render left in the output dir (hold its lock)."""
    removed = 0
    for folder, _dirs, names in os.walk(out):
        for name in names:
            if name.startswith(".") and TMP_MARK in name:
                (Path(folder) / name).unlink(missing_ok=True)
                removed += 1
    return removed


def write_all(paths: dict[Path, bytes]) -> dict[Path, list]:
    """Write files so that each is the old or the new version, never torn, even after a crash:
    temporary files first, their data made durable, then each renamed over its target. Many
    files are written and renamed by a few threads (this waits on the file system, not the
    CPU). Returns each file's stat_key as renamed."""
    each = len(paths) <= SYNC_EACH_MAX
    for folder in {path.parent for path in paths}:
        folder.mkdir(parents=True, exist_ok=True)
    items = list(paths.items())
    tmps: list[Path | None] = [None] * len(items)
    done = [False] * len(items)
    stats: dict[Path, list] = {}

    def in_threads(work) -> None:
        if len(items) > SYNC_EACH_MAX:
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(WRITE_THREADS) as pool:
                list(pool.map(work, [range(i, len(items), WRITE_THREADS)
                                     for i in range(WRITE_THREADS)]))
        else:
            work(range(len(items)))

    def write(indexes: range) -> None:
        for index in indexes:
            path, data = items[index]
            tmps[index] = _write_tmp(path, data, each)

    def rename(indexes: range) -> None:
        for index in indexes:
            path = items[index][0]
            os.replace(tmps[index], path)
            done[index] = True
            stats[path] = stat_key(path)

    try:
        in_threads(write)
        if not each:
            os.sync()
        in_threads(rename)
    except BaseException:
        for tmp, renamed in zip(tmps, done):
            if tmp is not None and not renamed:
                tmp.unlink(missing_ok=True)
        raise
    return stats


def apply(p: Plan, files: dict, manifest: dict, zones: dict | None,
          owned_targets: set | None, key: str | None = None) -> list[str]:
    """Write missing and changed files, delete stale ones, update the manifest. Returns
    'wrote X' / 'removed X' lines."""
    if p.foreign:
        raise CinvError(f"{p.out}: refusing to overwrite files cinv did not write (not in "
                        f"{MANIFEST}): {', '.join(p.foreign)}; move them away first")
    out = p.out
    out.mkdir(parents=True, exist_ok=True)
    report = []
    folder = inside(out)
    written = {folder(rel, last=False): files[rel][1] for rel in p.missing + p.changed}
    new_files = {rel: {"target": files[rel][0], "sha256": sha256(files[rel][1])}
                 for rel in p.missing if rel not in manifest["files"]}
    if new_files:  # named before written: a render killed in between leaves no file cinv forgets
        intent = {"version": MANIFEST_VERSION,
                  "files": dict(sorted({**manifest["files"], **new_files}.items())),
                  "zones": manifest["zones"]}
        atomic_write(out / MANIFEST, (json.dumps(intent, indent=1, sort_keys=True)
                                      + "\n").encode())
    written_stats = write_all(written)
    dirs = {path.parent for path in written}
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
    for folder in sorted(dirs):
        if folder.is_dir():
            fsync_dir(folder)
    entries = {rel: e for rel, e in manifest["files"].items()
               if rel not in p.stale and (out / rel).exists()
               and (owned_targets is None or not isinstance(e, dict)
                    or e.get("target") not in owned_targets)}
    stats = {rel: st for rel, st in manifest.get("stats", {}).items() if rel in entries}
    for rel, (target, data) in files.items():
        entries[rel] = {"target": target, "sha256": p.digests.get(rel) or sha256(data)}
        stats[rel] = p.stats.get(rel) or written_stats.get(out / rel) or stat_key(out / rel)
    write_state(out, {"stats": dict(sorted(stats.items())), "key": key})
    new = {"version": MANIFEST_VERSION, "files": dict(sorted(entries.items())),
           "zones": dict(sorted({**manifest["zones"], **(zones or {})}.items()))}
    write_if_changed(out / MANIFEST, (json.dumps(new, indent=1, sort_keys=True) + "\n").encode())
    return report

