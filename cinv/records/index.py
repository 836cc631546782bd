"""The host index: for each host file, the few facts that tie records to each other.

A change to one host can only clash with hosts that share one of its addresses, MACs or DNS
names, or that are its ancestors or children (cinv/check/'s cross-record rules relate records
through exactly these). The index finds those neighbours, and the used addresses and MACs for
allocation, without reading 50,000 files, and without reading all of itself either: it is kept
under .cinv/cache as

- a manifest (index.marshal): the stat key of every host file it holds, the used IPv4 and IPv6
  addresses and MACs (of hosts not retired) sorted for allocation, and which file holds each
  bucket below;
- each host file's facts, bucketed by its path, and value -> host files (addresses, MACs, DNS
  names, parents), bucketed by the value; about a thousand hosts to a bucket.

A command scans the host files (their stat), folds those that changed since into the index
(parsed, or from the parse cache when many), and reads only the buckets its questions need.
A write puts the buckets it changed in new files and then the manifest naming them, so a reader
that read the manifest sees one consistent index (a bucket file a later write removed is a
cache that went missing: the index is then built again). Commands that want every host (a
pattern over names, `net free`) read it all.
"""
from __future__ import annotations

import os
import secrets
import zlib
from array import array
from bisect import bisect_left
from collections import defaultdict
from pathlib import Path

from cinv.records import cache, load
from cinv.records.model import (  # noqa: F401 (the index's names for its callers)
    Host,
    Network,
    facts_of,
    facts_of_tuple,
)

# facts: (name, state, parent, ((ifname, network, v4, v6, macs, aliases, names, duid), ...));
# addresses ints or None, macs a tuple of ints (the interface's own and its other_macs).
VERSION = 3
MANIFEST = "index"
PER_BUCKET = 1024
MIN_BUCKETS, MAX_BUCKETS = 16, 1024
FEW = 64  # changed files past this are read from the parse cache, not parsed one by one
REBUILD_SHARE = 0.25  # more of the files changed than this: made anew, not folded in
FAMILIES = ("v4", "v6", "mac")
KINDS = {"v4": 0, "v6": 1, "mac": 2, "dns": 3, "kids": 4, "duid": 5, "short": 6}


class Stale(Exception):
    """A bucket the manifest names is gone (another command wrote the index since)."""


def buckets_for(hosts: int) -> int:
    n = MIN_BUCKETS
    while n < MAX_BUCKETS and n * PER_BUCKET < hosts:
        n *= 2
    return n


class Index:
    def __init__(self, root: Path | None, networks: dict[str, Network], default_domain: str):
        self.root = root
        self.networks = networks
        self.default_domain = default_domain
        self.buckets = MIN_BUCKETS
        self.keys: dict[str, tuple] = {}
        self.files: dict[str, dict] = {"f": {}, "m": {}}  # bucket -> its file's token
        self.loaded: dict[str, dict] = {"f": {}, "m": {}}  # bucket -> its contents
        self.dirty: dict[str, set] = {"f": set(), "m": set()}
        self.used_values: dict[str, list | array] = {"v4": array("L"), "v6": [],
                                                     "mac": array("Q")}
        self._entries: dict | None = None
        self._maps: dict | None = None
        self._by_name: dict | None = None
        self.cached = root is not None  # False: symlinks in the tree, nothing kept
        self.scanned: dict | None = None  # the host files' keys, once the index holds them
        self.remake = None  # how the builder makes it anew (indexbuild.py), once it holds them
        self.names = Names(self)

    # --- the buckets -----------------------------------------------------------------------

    def _bucket(self, kind: str, b: int) -> dict:
        part = self.loaded[kind].get(b)
        if part is None:
            token = self.files[kind].get(b)
            part = {}
            if token is not None:
                part = cache.read(self.root, f"index-{kind}{b}-{token}")
                if not isinstance(part, dict):
                    if self.scanned is None or self.remake is None:
                        raise Stale(f"index bucket {kind}{b}")
                    self.remake(self)  # gone since (another command wrote the index): anew
                    return self._bucket(kind, b)
            self.loaded[kind][b] = part
        return part

    def _fb(self, rel: str) -> int:
        return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % self.buckets

    def _mb(self, key: tuple) -> int:
        kind, value = key
        if type(value) is int:  # addresses and MACs: spread by their low bits
            return (value + KINDS[kind]) % self.buckets
        return zlib.crc32(f"{kind}:{value}".encode("utf-8", "surrogateescape")) % self.buckets

    def facts(self, rel: str) -> tuple | None:
        if self._entries is not None:
            return self._entries.get(rel)
        return self._bucket("f", self._fb(rel)).get(rel)

    def holders(self, kind: str, value) -> list[str]:
        """The host files holding a value: kind v4, v6, mac, duid, short (hosts not retired),
        dns (every host's own name; the other names of hosts not retired) or kids (hosts whose
        parent it is)."""
        if self._maps is not None or not self.cached:
            return list(self.maps[kind].get(value, ()))
        held = self._bucket("m", self._mb((kind, value))).get(kind, {}).get(value)
        return [] if held is None else [held] if type(held) is str else list(held)

    # --- what a change asks ----------------------------------------------------------------

    def _domain(self, network: str | None) -> str:
        net = self.networks.get(network) if network else None
        return (net.domain if net is not None and net.domain else None) or self.default_domain

    def dns_names(self, facts: tuple):
        name, _state, _parent, ifaces = facts
        for index, (ifname, network, _v4, _v6, _macs, aliases, extra, _duid) in enumerate(ifaces):
            yield name if index == 0 else f"{ifname}.{name}"
            for alias in (*aliases, *extra):
                yield alias if "." in alias else f"{alias}.{self._domain(network)}"

    def map_keys(self, facts: tuple) -> set[tuple]:
        """(kind, value) of every map a host file's facts are in."""
        name, state, parent, ifaces = facts
        out = {("dns", name)}
        if parent:
            out.add(("kids", parent))
        if state == "retired":
            return out
        add = out.add  # made for every host when the index is made anew: kept plain
        add(("short", name.split(".", 1)[0]))
        first = True
        for ifname, network, a4, a6, macs, aliases, extra, duid in ifaces:
            if a4 is not None:
                add(("v4", a4))
            if a6 is not None:
                add(("v6", a6))
            if duid is not None:
                add(("duid", duid))
            for mac in macs:
                add(("mac", mac))
            if first:
                first = False
            else:
                add(("dns", f"{ifname}.{name}"))
            if aliases or extra:
                for alias in (*aliases, *extra):
                    add(("dns", alias if "." in alias else f"{alias}.{self._domain(network)}"))
        return out

    def rel_of(self, name: str) -> str | None:
        """The host file recording a host name (the first, by path, of those that do)."""
        if self._by_name is not None:
            return self._by_name.get(name)
        for rel in sorted(self.holders("dns", name)):
            facts = self.facts(rel)
            if facts is not None and facts[0] == name:
                return rel
        return None

    def children(self, name: str) -> list[str]:
        return self.holders("kids", name)

    def neighbours(self, host: Host) -> set[str]:
        """Files of hosts that share a value with this host, or are its ancestors or children."""
        facts = facts_of(host)
        out: set[str] = set()
        for _ifname, _net, v4, v6, macs, _aliases, _names, duid in facts[3]:
            for kind, value in (("v4", v4), ("v6", v6), ("duid", duid),
                                *(("mac", mac) for mac in macs)):
                if value is not None:
                    out.update(self.holders(kind, value))
        out.update(self.holders("dns", host.name))
        for fqdn in self.dns_names(facts):
            out.update(self.holders("dns", fqdn))
        out.update(self.children(host.name))
        out.update(self.holders("short", host.short))  # the short names /etc/hosts gives
        parent, seen = host.parent, {host.name}
        while parent and parent not in seen:
            rel = self.rel_of(parent)
            if rel is None:
                break
            seen.add(parent)
            out.add(rel)
            parent = self.facts(rel)[2]
        return out

    def used_sorted(self, family: str):
        """The values of a family held by hosts not retired, sorted (do not change them)."""
        return self.used_values[family]

    # --- every host: for commands that want them all -----------------------------------------

    @property
    def entries(self) -> dict[str, tuple]:
        if self._entries is None:
            with load.no_gc():
                entries = {}
                for b in range(self.buckets):
                    entries.update(self._bucket("f", b))
                self._entries = entries
        return self._entries

    @property
    def by_name(self) -> dict[str, str]:
        if self._by_name is None:
            by_name: dict[str, str] = {}
            for rel in sorted(self.entries):
                by_name.setdefault(self.entries[rel][0], rel)
            self._by_name = by_name
        return self._by_name

    @property
    def maps(self) -> dict:
        """value -> [rel, ...] for v4, v6, mac, duid, dns and short names (of hosts that are not
        retired; dns also every host's own name), and parent name -> [rel] for kids
        (children)."""
        if self._maps is None:
            with load.no_gc():
                maps: dict = {k: defaultdict(list) for k in KINDS}
                for rel, facts in self.entries.items():
                    for kind, value in self.map_keys(facts):
                        maps[kind][value].append(rel)
                self._maps = maps
        return self._maps

    def used(self) -> tuple[set, set, set]:
        """IPv4, IPv6 (as integers) and MACs held by hosts that are not retired."""
        return tuple(set(self.used_values[f]) for f in FAMILIES)

    # --- changing it -----------------------------------------------------------------------

    def change(self, rel: str, facts: tuple | None) -> None:
        """A host file's new facts (None: no host there now), in the buckets and the maps."""
        b = self._fb(rel)
        part = self._bucket("f", b)
        old = part.get(rel)
        if old == facts:
            return
        gone = self.map_keys(old) if old is not None else set()
        came = self.map_keys(facts) if facts is not None else set()
        for key in gone - came:
            self._unhold(key, rel)
        for key in came - gone:
            self._hold(key, rel)
        if facts is None:
            part.pop(rel, None)
        else:
            part[rel] = facts
        self.dirty["f"].add(b)
        if self._entries is not None:
            if facts is None:
                self._entries.pop(rel, None)
            else:
                self._entries[rel] = facts
        self._maps = self._by_name = None

    # A map bucket is {kind: {value: the one file holding it, or a sorted list of them}}.

    def _hold(self, key: tuple, rel: str) -> None:
        kind, value = key
        b = self._mb(key)
        part = self._bucket("m", b).setdefault(kind, {})
        held = part.get(value)
        if held is None:
            part[value] = rel
            if kind in FAMILIES:
                _insert(self.used_values[kind], value)
        else:
            rels = [held] if type(held) is str else held
            if rel not in rels:
                part[value] = sorted((*rels, rel))
        self.dirty["m"].add(b)

    def _unhold(self, key: tuple, rel: str) -> None:
        kind, value = key
        b = self._mb(key)
        part = self._bucket("m", b).setdefault(kind, {})
        held = part.get(value)
        rels = [r for r in ([held] if type(held) is str else held or ()) if r != rel]
        if len(rels) > 1:
            part[value] = rels
        elif rels:
            part[value] = rels[0]
        else:
            part.pop(value, None)
            if kind in FAMILIES:
                _remove(self.used_values[kind], value)
        self.dirty["m"].add(b)

    def save(self) -> None:
        """Write the buckets changed into new files, then the manifest naming them; remove
        the files they replace."""
        if not self.cached or not (self.dirty["f"] or self.dirty["m"] or self.keys_dirty):
            return
        token = secrets.token_hex(6)
        replaced = []
        for kind in ("f", "m"):
            for b in sorted(self.dirty[kind]):
                if not cache.write(self.root, f"index-{kind}{b}-{token}", self.loaded[kind][b]):
                    return  # a cache that cannot be written: only slower
                if b in self.files[kind]:
                    replaced.append(f"index-{kind}{b}-{self.files[kind][b]}")
                self.files[kind][b] = token
            self.dirty[kind].clear()
        used = (self.used_values["v4"].tobytes(), self.used_values["v6"],
                self.used_values["mac"].tobytes())
        if cache.write(self.root, MANIFEST, (VERSION, self.buckets, self.keys, self.files,
                                             used)):
            _remove_files(self.root, replaced)
        self.keys_dirty = False

    keys_dirty = False


class Names:
    """The host names (FQDN -> the file recording it) as a mapping: a name is looked up in the
    index's buckets; going through them all reads the whole index."""

    def __init__(self, index: Index):
        self.index = index

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and self.index.rel_of(name) is not None

    def __getitem__(self, name: str) -> str:
        rel = self.index.rel_of(name)
        if rel is None:
            raise KeyError(name)
        return rel

    def get(self, name: str, default=None):
        rel = self.index.rel_of(name)
        return default if rel is None else rel

    def __iter__(self):
        return iter(self.index.by_name)

    def __len__(self) -> int:
        return len(self.index.by_name)


def _insert(values, value) -> None:
    i = bisect_left(values, value)
    if i == len(values) or values[i] != value:
        values.insert(i, value)


def _remove(values, value) -> None:
    i = bisect_left(values, value)
    if i < len(values) and values[i] == value:
        del values[i]


def _remove_files(root: Path, names: list[str]) -> None:
    from cinv import paths
    try:
        folder = paths.private_dir(root, f"{load.STATE_DIR}/cache", create=False)
    except Exception:  # noqa: BLE001 - a cache folder that cannot be read: nothing to tidy
        return
    for name in names:
        try:
            os.unlink(folder / f"{name}.marshal")
        except OSError:
            pass
