"""The host index: for each host file, the few facts that tie records to each other.

A change to one host can only clash with hosts that share one of its addresses, MACs or DNS
names, or that are its ancestors or children (cinv/check/'s cross-record rules relate records
through exactly these). The index finds those neighbours, and the used addresses and names for
allocation, without reading 50,000 files: each file's facts are cached under .cinv/cache/ keyed
by its stat (see cinv/cache.py) and only new or changed files are parsed again.
"""
from __future__ import annotations

import os
import time
from collections import defaultdict
from pathlib import Path

from cinv import cache, load
from cinv.model import Host, Network

# facts: (name, state, parent, ((ifname, network, v4, v6, macs, aliases, names, duid), ...));
# addresses ints or None, macs a tuple of ints (the interface's own and its other_macs).


FEW = 64  # misses a change's own update() can fold in without a second write of the cache


def facts_of(host: Host) -> tuple:
    return (host.name, host.state, host.parent, tuple(
        (i.name, i.network, int(i.ipv4) if i.ipv4 is not None else None,
         int(i.ipv6) if i.ipv6 is not None else None, tuple(i.macs), tuple(i.aliases),
         tuple(i.names), i.duid)
        for i in host.interfaces))


def _scan_hosts(root: Path) -> dict[str, tuple] | None:
    keys = cache.scan(root)
    if keys is None:
        return None
    return {rel: key for rel, key in keys.items()
            if rel.startswith("hosts/") and rel.endswith(".yaml")}


class Index:
    def __init__(self, entries: dict[str, tuple], networks: dict[str, Network],
                 default_domain: str):
        self.entries = entries  # rel -> facts
        self.networks = networks
        self.default_domain = default_domain
        self.by_name: dict[str, str] = {}
        for rel in sorted(entries):
            self.by_name.setdefault(entries[rel][0], rel)
        self._maps = None
        self._used = None
        self.cached: cache.Sharded | None = None  # the cache as read, for update()

    def _domain(self, network: str | None) -> str:
        net = self.networks.get(network) if network else None
        return (net.domain if net is not None and net.domain else None) or self.default_domain

    def dns_names(self, facts: tuple):
        name, _state, _parent, ifaces = facts
        for index, (ifname, network, _v4, _v6, _macs, aliases, extra, _duid) in enumerate(ifaces):
            yield name if index == 0 else f"{ifname}.{name}"
            for alias in (*aliases, *extra):
                yield alias if "." in alias else f"{alias}.{self._domain(network)}"

    @property
    def maps(self) -> dict:
        """value -> [rel, ...] for v4, v6, mac, duid, dns and short names (of hosts that are not
        retired; dns also every host's own name), and parent name -> [rel] for children."""
        if self._maps is None:
            with load.no_gc():
                self._maps = self._build_maps()
        return self._maps

    def _build_maps(self) -> dict:
        v4: dict = defaultdict(list)
        v6: dict = defaultdict(list)
        macs: dict = defaultdict(list)
        duids: dict = defaultdict(list)
        dns: dict = defaultdict(list)
        children: dict = defaultdict(list)
        short: dict = defaultdict(list)
        domain = self._domain
        for rel, (name, state, parent, ifaces) in self.entries.items():
            dns[name].append(rel)
            if parent:
                children[parent].append(rel)
            if state == "retired":
                continue
            short[name.split(".", 1)[0]].append(rel)
            for index, (ifname, network, a4, a6, held, aliases, extra, duid) in enumerate(ifaces):
                if a4 is not None:
                    v4[a4].append(rel)
                if a6 is not None:
                    v6[a6].append(rel)
                for mac in held:
                    macs[mac].append(rel)
                if duid is not None:
                    duids[duid].append(rel)
                if index:
                    dns[f"{ifname}.{name}"].append(rel)
                for alias in (*aliases, *extra):
                    dns[alias if "." in alias else f"{alias}.{domain(network)}"].append(rel)
        return {"v4": v4, "v6": v6, "mac": macs, "duid": duids, "dns": dns,
                "children": children, "short": short}

    def used(self) -> tuple[set, set, set]:
        """IPv4, IPv6 (as integers) and MACs held by hosts that are not retired (the caller
        must not change them)."""
        if self._used is None:
            m = self.maps
            self._used = (set(m["v4"]), set(m["v6"]), set(m["mac"]))
        return self._used

    def neighbours(self, host: Host) -> set[str]:
        """Files of hosts that share a value with this host, or are its ancestors or children."""
        m = self.maps
        facts = facts_of(host)
        out: set[str] = set()
        for _ifname, _net, v4, v6, macs, _aliases, _names, duid in facts[3]:
            for key, value in (("v4", v4), ("v6", v6), ("duid", duid),
                               *(("mac", mac) for mac in macs)):
                if value is not None:
                    out.update(m[key].get(value, ()))
        out.update(m["dns"].get(host.name, ()))
        for fqdn in self.dns_names(facts):
            out.update(m["dns"].get(fqdn, ()))
        out.update(m["children"].get(host.name, ()))
        out.update(m["short"].get(host.short, ()))  # the short names /etc/hosts gives
        parent, seen = host.parent, {host.name}
        while parent and parent not in seen and parent in self.by_name:
            seen.add(parent)
            rel = self.by_name[parent]
            out.add(rel)
            parent = self.entries[rel][2]
        return out


def build(root: Path, networks: dict[str, Network], default_domain: str,
          scanned: dict | None = None) -> Index:
    """The index of a work tree: cached facts where a file's stat is unchanged, parsed where not;
    the cache is written back when anything was parsed. scanned: the tree's cache.scan, if
    made already."""
    with load.no_gc():
        return _build(root, networks, default_domain, scanned)


def _build(root: Path, networks: dict[str, Network], default_domain: str,
           scanned: dict | None = None) -> Index:
    keys = _scan_hosts(root) if scanned is None else {
        rel: key for rel, key in scanned.items()
        if rel.startswith("hosts/") and rel.endswith(".yaml")}
    source = load.DirSource(root)
    if keys is None:  # symlinks in the tree: no cache, parse everything
        rels = [r for r in source.walk("hosts", []) if r.endswith(".yaml")]
        parsed = load.parse_host_files(source, rels)
        entries = {rel: facts_of(Host.from_tuple(t)) for rel, (t, _p) in parsed.items() if t}
        return Index(entries, networks, default_domain)
    cached = cache.Sharded(root, "index")
    known = cached.merged()
    misses = [rel for rel, key in keys.items()
              if (hit := known.get(rel)) is None or hit[0] != key]
    parsed = {}
    if len(misses) > FEW:  # a load may have parsed them already: its cache holds whole records
        records = cache.Sharded(root, "hosts", {cache.bucket_of(r) for r in misses}).merged()
        for rel in misses:
            hit = records.get(rel)
            if hit is not None and hit[0] == keys[rel]:
                parsed[rel] = hit[1]
        del records
    parsed.update(load.parse_host_files(source, [r for r in misses if r not in parsed]))
    now = time.time_ns()
    entries = {}
    for rel in keys:
        if rel not in parsed:
            entries[rel] = known[rel][1]
            continue
        host_tuple = parsed[rel][0]
        if host_tuple is None:
            cached.drop(rel)
            continue
        entries[rel] = facts = facts_of(Host.from_tuple(host_tuple))
        if cache.is_racy(keys[rel], now):
            cached.drop(rel)
        else:
            cached.put(rel, (keys[rel], facts))
    if len(known) > len(keys) - len(misses):
        cached.keep(set(keys))  # records removed since
    if len(misses) > FEW:
        cached.save()  # a few stragglers are left to update(), after a change
    idx = Index(entries, networks, default_domain)
    idx.cached = cached
    return idx


def update(root: Path, index: Index, changed: dict[str, Host | None]) -> None:
    """After a change was written: refresh the changed files' facts, in memory and on disk."""
    for rel, host in changed.items():
        if host is None:
            index.entries.pop(rel, None)
        else:
            index.entries[rel] = facts_of(host)
    index._maps = index._used = None
    cached = index.cached
    if cached is None:
        return  # no cache for this tree (symlinks)
    now = time.time_ns()
    for rel, host in changed.items():
        cached.drop(rel)
        if host is None:
            continue
        try:
            key = cache.stat_key(os.stat(root / rel, follow_symlinks=False))
        except OSError:
            continue
        if not cache.is_racy(key, now):
            cached.put(rel, (key, facts_of(host)))
    cached.save()
