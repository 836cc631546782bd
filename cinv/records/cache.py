"""Caches under .cinv/cache/ that are never wrong, only missing.

Every cached value is keyed by the stat of the files it came from: (inode, size, mtime_ns,
ctime_ns) per file. ctime cannot be set by a user and changes with every write, so an edit that
keeps size and mtime (`touch -r`, `cp -p`, a same-size rewrite) is still seen. A file changed
within RACY_SECONDS of the moment the cache is written may still change within the same clock
tick, so such entries are never stored (as git treats "racily clean" index entries). A cache that
is unreadable, truncated, of another cinv version, or not writable is ignored: slower, not wrong.
Inventories holding symlinks are never cached.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import time
import zlib
from pathlib import Path
from stat import S_ISDIR, S_ISLNK, S_ISREG

from cinv import __version__, paths, policy
from cinv.errors import CinvError
from cinv.records.layout import INPUT_DIRS, SETTINGS_FILE, STATE_DIR, atomic_write

FORMAT = 7  # 3: interfaces carry names; 4: dhcp blocks and the libvirt block in host tuples;
# 5: interfaces carry other_macs and duid; 6: a zone's SOA timers, serial scheme and floor in
# zone tuples; 7: files sealed with their length and CRC-32
RACY_SECONDS = 2.0


def version() -> str:
    """cinv's version and the operator's allowances in force (cinv/policy.py): what check finds
    depends on both, so a cache made under others is not believed."""
    return f"{__version__}/{policy.digest()}"


def stat_key(st: os.stat_result) -> tuple:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def scan(root: Path) -> dict[str, tuple] | None:
    """The stat key of every input file (cinv.yaml, networks/, hosts/, zones/, templates/), or
    None if the tree holds a symlink (whose target's changes a stat of the link does not
    show)."""
    keys: dict[str, tuple] = {}
    try:
        keys[SETTINGS_FILE] = stat_key(os.stat(root / SETTINGS_FILE, follow_symlinks=False))
    except OSError:
        return None
    if any(os.path.islink(root / d) for d in INPUT_DIRS):
        return None
    stack = [d for d in INPUT_DIRS if (root / d).is_dir()]
    while stack:  # one lstat per file, and as little else as possible: 50,000 files
        rel = stack.pop()
        try:
            entries = list(os.scandir(root / rel))
        except OSError:
            return None
        prefix = rel + "/"
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            st = entry.stat(follow_symlinks=False)
            mode = st.st_mode
            if S_ISREG(mode):
                keys[prefix + name] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            elif S_ISDIR(mode):
                stack.append(prefix + name)
            elif S_ISLNK(mode):
                return None
            else:
                keys[prefix + name] = stat_key(st)
    return keys


_last_fingerprint: tuple = (None, None)  # (the keys, their fingerprint): asked more than once


def fingerprint(keys: dict[str, tuple] | None) -> str | None:
    global _last_fingerprint
    if keys is None:
        return None
    if _last_fingerprint[0] is keys:
        return _last_fingerprint[1]
    h = hashlib.blake2b(f"{version()}/{FORMAT}".encode(), digest_size=20)
    # marshal version 0: no back-references, whose use depends on which equal objects happen to
    # be one object; so two processes that scanned the same files give the same fingerprint.
    # In the order scan() met them, not sorted (a fifth of a second at 200,000 files): a
    # folder lists the same entries in the same order until one is added, removed or renamed,
    # which changes a key anyway
    h.update(marshal.dumps(keys, 0))
    _last_fingerprint = (keys, h.hexdigest())
    return _last_fingerprint[1]


def is_racy(key: tuple, now_ns: int) -> bool:
    return max(key[2], key[3]) >= now_ns - int(RACY_SECONDS * 1e9)


_settled: tuple = (None,)  # the last keys found with no racy file (they stay so: time passes)


def any_racy(keys: dict[str, tuple]) -> bool:
    global _settled
    if _settled[0] is keys:
        return False
    now = time.time_ns() - int(RACY_SECONDS * 1e9)
    racy = any(max(k[2], k[3]) >= now for k in keys.values())
    if not racy:
        _settled = (keys,)
    return racy


def stamp(root: Path) -> tuple | None:
    """What ties a cache file to this very .cinv/ folder (its device and inode): a cache that
    arrived any other way (a branch that committed .cinv/) is never believed."""
    try:
        st = os.lstat(Path(root) / STATE_DIR)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _sealed(payload: bytes) -> bytes:
    """A cache file: its payload's length and CRC-32 first. Caches are written without an
    fsync (a render writes hundreds of them); a file a crash left torn or zeroed fails the
    check and is ignored, as any damaged cache is."""
    return len(payload).to_bytes(8, "little") + zlib.crc32(payload).to_bytes(4, "little") \
        + payload


def _opened(data: bytes) -> bytes | None:
    payload = memoryview(data)[12:]
    if len(data) < 12 or int.from_bytes(data[:8], "little") != len(payload) \
            or int.from_bytes(data[8:12], "little") != zlib.crc32(payload):
        return None
    return payload


def read(root: Path, name: str):
    """The cached value, or None if absent, unreadable, damaged, of another version, not
    written in this .cinv/ folder, or reached through a symlink."""
    try:
        folder = paths.private_dir(root, f"{STATE_DIR}/cache", create=False)
        payload = _opened(paths.read_private(folder / f"{name}.marshal"))
        if payload is None:
            return None
        data = marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError, CinvError):
        return None
    if (not isinstance(data, tuple) or len(data) != 4
            or data[:3] != (version(), FORMAT, stamp(root))):
        return None
    return data[3]


def write(root: Path, name: str, value) -> bool:
    """Store a value (marshal-able builtins only); failures are ignored (read-only trees, and a
    .cinv/ holding symlinks, which is never written through): False then."""
    try:
        from cinv.records.lock import state_dir
        state_dir(root)
        folder = paths.private_dir(root, f"{STATE_DIR}/cache")
        atomic_write(folder / f"{name}.marshal",
                     _sealed(marshal.dumps((version(), FORMAT, stamp(root), value))),
                     durable=False)
    except (OSError, ValueError, CinvError):
        return False
    return True


BUCKETS = 16


def bucket_of(rel: str, buckets: int = BUCKETS) -> int:
    return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % buckets


class Sharded:
    """A cache of path -> value kept in buckets files by a hash of the path (16 unless the
    cache says more: a render's parts of 200,000 hosts take more, so that one change reads and
    writes a few hundred hosts' parts), so that a change to a few files rewrites only their
    buckets, and a reader of a few paths reads only theirs. which: the buckets to read
    (default all)."""

    def __init__(self, root: Path, name: str, which=None, buckets: int = BUCKETS):
        self.root, self.name, self.buckets = root, name, buckets
        self.parts: list[dict] = [{} for _ in range(buckets)]
        self.dirty: set[int] = set()
        for b in range(buckets) if which is None else which:
            part = read(root, f"{name}.{b}")
            if isinstance(part, dict):
                self.parts[b] = part

    def bucket(self, rel: str) -> int:
        return bucket_of(rel, self.buckets)

    def get(self, rel: str):
        return self.parts[self.bucket(rel)].get(rel)

    def put(self, rel: str, value) -> None:
        b = self.bucket(rel)
        part = self.parts[b]
        if rel not in part or part[rel] != value:
            part[rel] = value
            self.dirty.add(b)

    def drop(self, rel: str) -> None:
        b = self.bucket(rel)
        if self.parts[b].pop(rel, None) is not None:
            self.dirty.add(b)

    def keep(self, rels) -> None:
        """Forget every path not in rels (a set)."""
        for b, part in enumerate(self.parts):
            gone = [rel for rel in part if rel not in rels]
            for rel in gone:
                del part[rel]
            if gone:
                self.dirty.add(b)

    def items(self):
        for part in self.parts:
            yield from part.items()

    def merged(self) -> dict:
        """Every entry in one dict (for many lookups; changes go through put and drop)."""
        out: dict = {}
        for part in self.parts:
            out.update(part)
        return out

    def save(self) -> bool:
        """Write the buckets that changed; False if one could not be written."""
        ok = all([write(self.root, f"{self.name}.{b}", self.parts[b])
                  for b in sorted(self.dirty)])
        self.dirty.clear()
        return ok


def get_result(root: Path, name: str, fp: str | None):
    """A whole-inventory result stored under fingerprint fp."""
    if fp is None:
        return None
    data = read(root, name)
    if isinstance(data, tuple) and len(data) == 2 and data[0] == fp:
        return data[1]
    return None


def put_result(root: Path, name: str, fp: str | None, keys: dict | None, value) -> None:
    if fp is None or keys is None or any_racy(keys):
        return
    write(root, name, (fp, value))
