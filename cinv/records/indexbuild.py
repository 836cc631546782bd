"""Building the host index (index.py): folding the host files changed since it was written
into it, or making it anew from the parse cache (a bucket at a time) and the files it does not
hold; and noting a change a command wrote."""
from __future__ import annotations

import os
import time
import zlib
from array import array
from pathlib import Path

from cinv.records import cache, load
from cinv.records.index import (
    FAMILIES,
    FEW,
    MANIFEST,
    REBUILD_SHARE,
    VERSION,
    Index,
    Stale,
    _remove_files,
    buckets_for,
    facts_of,
    facts_of_tuple,
)
from cinv.records.model import Host, Network


def _scan_hosts(root: Path) -> dict[str, tuple] | None:
    keys = cache.scan(root)
    if keys is None:
        return None
    return {rel: key for rel, key in keys.items()
            if rel.startswith("hosts/") and rel.endswith(".yaml")}


def build(root: Path, networks: dict[str, Network], default_domain: str,
          scanned: dict | None = None, given: dict | None = None) -> Index:
    """The index of a work tree: the kept one with the host files changed since folded in (and
    written back), or one made anew. scanned: the tree's cache.scan, if made already; given:
    {path: facts} of host files as scanned, made already (by a cold load's processes)."""
    with load.no_gc():
        try:
            return _build(root, networks, default_domain, scanned, fresh=False, given=given)
        except Stale:
            return _build(root, networks, default_domain, scanned, fresh=True, given=given)


def _build(root: Path, networks: dict[str, Network], default_domain: str, scanned,
           fresh: bool, given: dict | None = None) -> Index:
    keys = _scan_hosts(root) if scanned is None else {
        rel: key for rel, key in scanned.items()
        if rel.startswith("hosts/") and rel.endswith(".yaml")}
    source = load.DirSource(root)
    if keys is None:  # symlinks in the tree: no cache, parse everything
        idx = Index(None, networks, default_domain)
        rels = [r for r in source.walk("hosts", []) if r.endswith(".yaml")]
        parsed = load.parse_host_files(source, rels)
        idx._entries = {rel: facts_of(Host.from_tuple(t)) for rel, (t, _p) in parsed.items()
                        if t}
        for f in FAMILIES:
            idx.used_values[f] = sorted({key[1] for facts in idx._entries.values()
                                         for key in idx.map_keys(facts) if key[0] == f})
        return idx
    idx = Index(root, networks, default_domain)
    data = None if fresh else cache.read(root, MANIFEST)
    if isinstance(data, tuple) and len(data) == 5 and data[0] == VERSION:
        _v, idx.buckets, idx.keys, idx.files, used = data
        idx.used_values = {"v4": array("L", used[0]), "v6": list(used[1]),
                           "mac": array("Q", used[2])}
    try:  # the files whose stat differs or that are new: a set difference, in C
        misses = sorted(rel for rel, _key in keys.items() - idx.keys.items())
    except TypeError:  # a key that is not a tuple: not a cache this cinv wrote
        return anew(idx, keys, source, buckets_for(len(keys)), given)
    gone = [rel for rel in idx.keys if rel not in keys] \
        if len(idx.keys) > len(keys) - len(misses) else []
    wanted = buckets_for(len(keys))
    if not idx.keys or len(misses) + len(gone) > REBUILD_SHARE * len(keys) \
            or not wanted // 4 < idx.buckets < wanted * 4:
        return anew(idx, keys, source, wanted, given)
    given = given or {}
    for rel in misses:
        if rel in given:
            idx.change(rel, given[rel])
    for rel, (host_tuple, _problems) in _parsed(
            root, source, [r for r in misses if r not in given], keys).items():
        idx.change(rel, facts_of_tuple(host_tuple) if host_tuple is not None else None)
    for rel in gone:
        idx.change(rel, None)
    _note_keys(idx, keys, misses, gone)
    if len(misses) + len(gone) > FEW:
        idx.save()  # a few stragglers are left to update(), after a change
    idx.scanned, idx.remake = keys, _remake
    return idx


def _parsed(root: Path, source, rels: list[str], keys: dict) -> dict:
    """{rel: host_file result} of host files: from the parse cache when many, else parsed."""
    parsed = {}
    if len(rels) > FEW:
        by_bucket: dict[int, list[str]] = {}
        for rel in rels:
            by_bucket.setdefault(cache.bucket_of(rel), []).append(rel)
        for b, mine in sorted(by_bucket.items()):
            part = cache.read(root, f"hosts.{b}")
            if isinstance(part, dict):
                for rel in mine:
                    hit = part.get(rel)
                    if hit is not None and hit[0] == keys[rel]:
                        parsed[rel] = hit[1]
    parsed.update(load.parse_host_files(source, [r for r in rels if r not in parsed]))
    return parsed


def _all_facts(root: Path, source, keys: dict, given: dict | None = None):
    """(rel, facts or None) of every host file: given, or from the parse cache a bucket at a
    time (its records let go as soon as their facts are taken), the rest parsed."""
    by_bucket: dict[int, list[str]] = {}
    given = given or {}
    for rel in keys:
        if rel in given:
            yield rel, given[rel]
        else:
            by_bucket.setdefault(cache.bucket_of(rel), []).append(rel)
    misses = []
    for b, mine in sorted(by_bucket.items()):
        part = cache.read(root, f"hosts.{b}")
        part = part if isinstance(part, dict) else {}
        for rel in mine:
            hit = part.get(rel)
            if hit is not None and hit[0] == keys[rel]:
                yield rel, facts_of_tuple(hit[1][0]) if hit[1][0] is not None else None
            else:
                misses.append(rel)
        del part
    for rel, (host_tuple, _problems) in load.parse_host_files(source, misses).items():
        yield rel, facts_of_tuple(host_tuple) if host_tuple is not None else None


def _note_keys(idx: Index, keys: dict, misses, gone) -> None:
    now = time.time_ns()
    for rel in misses:
        if cache.is_racy(keys[rel], now):
            # folded in again next time (it may still change), and known as held: its facts
            # are dropped if it is gone by then
            idx.keys[rel] = None
        else:
            idx.keys[rel] = keys[rel]
    for rel in gone:
        idx.keys.pop(rel, None)
    idx.keys_dirty = bool(misses or gone)


BESIDE_MIN = 2000  # host files: fewer are indexed by the first change as quickly


class Beside:
    """The index of a work tree made in a forked child while `cinv check` works: forked before
    the load (so it carries none of the loaded records), told when the load is done (the
    parse cache then holds every host file) and handed the facts the parsing processes made,
    it makes the index as a `host add` would (from those facts and the parse cache; nothing
    when it is current) on the core the check's rules leave idle. A fresh clone's first `host
    add` made it: 1.5 s of its 2 at 50,000 hosts. No child for fewer than BESIDE_MIN host
    files, or when none can be had."""

    def __init__(self, root: Path, keys: dict):
        self.child = self.feed = None
        hosts = sum(1 for rel in keys if rel.startswith("hosts/"))
        if hosts < BESIDE_MIN:
            return
        from cinv import forked
        try:
            pid, result, self.feed = forked.start_fed(
                lambda read, write: _beside(root, keys, read, write))
        except OSError:
            return
        self.child = (pid, result)

    @property
    def wants_facts(self) -> bool:
        return self.feed is not None

    def go(self, given: list | None = None) -> None:
        """The load is done: the child may read the parse cache; given: marshalled {path:
        facts} of host files as scanned (reading the cache again and making them was half the
        child's time)."""
        if self.feed is not None:
            from cinv import forked
            try:
                forked.write_all(self.feed, b"go", *(piece for blob in given or () for piece in
                                                     (len(blob).to_bytes(8, "little"), blob)))
            except OSError:
                pass  # the child is gone: it made nothing
            os.close(self.feed)
            self.feed = None

    def wait(self) -> None:
        if self.feed is not None:
            os.close(self.feed)  # no load: the child ends
            self.feed = None
        if self.child is not None:
            from cinv import forked
            forked.wait(*self.child)
            self.child = None


def _beside(root: Path, keys: dict, read: int, write: int) -> bool:
    """In the child: once told, the index made (or found current) from the parse cache."""
    import marshal
    os.close(write)
    base = load.load_networks(load.DirSource(root), zones=False)  # while the load goes on
    with os.fdopen(read, "rb") as f:
        told = f.read()
    if not told.startswith(b"go"):
        return False
    given: dict = {}
    view, at = memoryview(told), 2
    try:
        while at < len(view):  # frames: 8 bytes of length, then a marshalled {path: facts}
            size = int.from_bytes(view[at:at + 8], "little")
            given.update(marshal.loads(view[at + 8:at + 8 + size]))
            at += 8 + size
    except (ValueError, EOFError, TypeError):
        given = {}  # not as sent: the parse cache is read instead
    del view, told
    build(root, base.networks, base.settings.domain, keys, given)
    return True


def anew(idx: Index, keys: dict, source, buckets: int, given: dict | None = None) -> Index:
    """Every host file's facts, maps and used values made anew (given, or from the parse cache
    where it holds a file as it is)."""
    root = idx.root
    old_files = [f"index-{kind}{b}-{token}" for kind in ("f", "m")
                 for b, token in idx.files[kind].items()]
    idx.buckets = buckets
    idx.files = {"f": {}, "m": {}}
    idx.loaded = {"f": {b: {} for b in range(buckets)}, "m": {b: {} for b in range(buckets)}}
    entries = {}
    facts_parts = idx.loaded["f"]
    for rel, facts in _all_facts(root, source, keys, given):
        if facts is not None:
            entries[rel] = facts
            facts_parts[zlib.crc32(rel.encode("utf-8", "surrogateescape")) % buckets][rel] = \
                facts
    maps: dict = {}
    for rel in sorted(entries):
        for key in idx.map_keys(entries[rel]):
            held = maps.get(key)
            if held is None:
                maps[key] = [rel]
            else:
                held.append(rel)
    map_parts, mb = idx.loaded["m"], idx._mb
    for key, rels in maps.items():
        part = map_parts[mb(key)]
        mine = part.get(key[0])
        if mine is None:
            mine = part[key[0]] = {}
        mine[key[1]] = rels[0] if len(rels) == 1 else rels
    for f, kind in (("v4", "L"), ("mac", "Q")):
        idx.used_values[f] = array(kind, sorted(k[1] for k in maps if k[0] == f))
    idx.used_values["v6"] = sorted(k[1] for k in maps if k[0] == "v6")
    idx.dirty = {"f": set(range(buckets)), "m": set(range(buckets))}
    idx.keys = {}
    idx._entries = idx._maps = idx._by_name = None
    _note_keys(idx, keys, list(keys), [])
    idx.save()
    _remove_files(root, old_files)
    idx.scanned, idx.remake = keys, _remake
    return idx


def update(root: Path, index: Index, changed: dict[str, Host | None]) -> None:
    """After a change was written: refresh the changed files' facts, in memory and on disk."""
    for rel, host in changed.items():
        index.change(rel, facts_of(host) if host is not None else None)
    if not index.cached:
        return  # no cache for this tree (symlinks)
    now = time.time_ns()
    for rel, host in changed.items():
        index.keys.pop(rel, None)
        if host is None:
            continue
        index.keys[rel] = None  # folded in again next time, unless its stat is settled now
        try:
            key = cache.stat_key(os.stat(root / rel, follow_symlinks=False))
        except OSError:
            continue
        if not cache.is_racy(key, now):
            index.keys[rel] = key
    index.keys_dirty = True
    index.save()


def _remake(idx: Index) -> None:
    """An index whose bucket file went missing (another command wrote the index since), made
    anew from the host files it holds."""
    anew(idx, idx.scanned, load.DirSource(idx.root), idx.buckets)
