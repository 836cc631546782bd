"""`cinv check` after a few host files changed: the last full check's result, updated by what
the change can touch, as a change made through cinv is checked (cinv/store.py).

A full check loads and checks all 50,000 hosts (2.6 s at 50,000, most of a render after one
`host add`). But every cross-record rule of cinv/check/ relates records through the values
the host index tracks (addresses, MACs, DNS names, short names, parents and children), so a
changed host can only change problems within its neighbourhood: the changed hosts, old and
new, and the hosts that share one of their values or are their ancestors, children or fellow
guests. The
validators run on that neighbourhood with the old versions and with the new ones; a problem
found only before is gone, one found only after is new, and every other problem of the last
full result stands.

The old versions come from git: a full check of a work tree whose host files are as committed
is remembered with that commit ("check-base" in .cinv/cache, with the stat of every input
file). Anything else than host files changed since (cinv.yaml, networks/, zones/, templates/),
more than MAX_CHANGED of them, a host name recorded twice, an inventory that supplies its own
targets or templates, or a cache that does not fit: a full check, as before.
"""
from __future__ import annotations

from pathlib import Path

from cinv import check
from cinv.errors import CinvError, Problem
from cinv.git import gitstore
from cinv.records import cache, indexbuild, load
from cinv.records.model import Host, Inventory

BASE = "check-base"
VERSION = 2
MAX_CHANGED = 64  # more changed host files than this: a full check is as quick


def _is_host(rel: str) -> bool:
    return rel.startswith("hosts/")


def remember(root: Path, keys: dict | None, hit: tuple, dirty=None) -> None:
    """Keep a full check's result as the base of later ones, if the work tree's host files are
    those of HEAD (then git holds the version of each that the result was computed from).
    dirty(): git's dirty paths, when the caller asked git already."""
    if keys is None or cache.any_racy(keys):
        return
    try:
        sha = gitstore.head(root)
        changed = dirty() if dirty is not None else gitstore.dirty_paths(root)
        if sha is None or any(_is_host(rel) for rel in changed):
            return
    except (CinvError, OSError):
        return
    cache.write(root, BASE, (VERSION, sha, keys, hit))


def updated(root: Path, keys: dict, loaded: Inventory | None = None) -> tuple | None:
    """check's result ([problem tuples], hosts, networks) for the work tree with these keys,
    from the base and the changed host files; None when only a full check can say. loaded:
    the work tree's settings, networks and zones, when loaded already."""
    base = cache.read(root, BASE)
    if not (isinstance(base, tuple) and len(base) == 4 and base[0] == VERSION
            and isinstance(base[2], dict) and isinstance(base[3], tuple)):
        return None
    _v, sha, old_keys, hit = base
    # the paths whose stat differs, new or gone: a set difference of (path, key) pairs in C
    try:
        changed = sorted({rel for rel, _key in keys.items() ^ old_keys.items()})
    except TypeError:  # a key that is not a tuple: not a cache this cinv wrote
        return None
    if any(not _is_host(rel) for rel in changed):
        return None  # settings, networks, zones or templates changed
    if not changed or len(changed) > MAX_CHANGED:
        return None
    if any(not rel.endswith(".yaml") or load.host_name_of(rel) is None for rel in changed):
        return None  # reported by the walk of a full load
    try:
        return _updated(root, sha, old_keys, keys, changed, hit, loaded)
    except (CinvError, OSError, KeyError, ValueError, TypeError):
        return None


def _updated(root: Path, sha: str, old_keys: dict, keys: dict, changed: list[str],
             hit: tuple, loaded: Inventory | None) -> tuple | None:
    source = load.DirSource(root)
    inv = loaded if loaded is not None else load.load_networks(source, cache_root=root)
    from cinv.render import verify
    if verify.supplied(source, inv):
        return None  # check renders the inventory's own targets: a full check
    old_source = load.FilesSource(gitstore.read_blobs(
        root, sha, [rel for rel in changed if rel in old_keys]))
    old, new = {}, {}
    old_problems, new_problems = [], []
    for rel in changed:
        if rel in old_keys:
            if not old_source.exists(rel):
                return None  # not what git holds (ignored by git?): a full check
            host_tuple, problems = load.host_file(old_source, rel)
            old_problems += problems
            if host_tuple is not None:
                old[rel] = host_tuple
        if rel in keys:
            host_tuple, problems = load.host_file(source, rel)
            new_problems += problems
            if host_tuple is not None:
                new[rel] = host_tuple
    old = {rel: Host.from_tuple(t) for rel, t in old.items()}
    new = {rel: Host.from_tuple(t) for rel, t in new.items()}
    idx = indexbuild.build(root, inv.networks, inv.settings.domain, keys)
    near: set[str] = set()
    for host in [*old.values(), *new.values()]:
        near |= idx.neighbours(host)
        if host.parent:
            near.update(idx.children(host.parent))
        if any((idx.facts(rel) or (None,))[0] == host.name
               for rel in idx.holders("dns", host.name) if rel != host.path):
            return None  # a name recorded in two files: which one counts is the full load's
    others = {}
    for rel in sorted(near - set(changed)):
        host = load.load_host(source, rel, load.host_name_of(rel), [])
        if host is not None:
            others[rel] = host

    def problems_of(changed_hosts: dict, load_problems: list) -> set:
        sub = Inventory(settings=inv.settings, networks=inv.networks, zones=inv.zones,
                        problems=[*inv.problems, *(Problem(*p) for p in load_problems)])
        both = {**others, **changed_hosts}
        for rel in sorted(both):  # in the full load's order: messages list holders in it
            sub.hosts.setdefault(both[rel].name, both[rel])
        return {(p.path, p.line, p.message, p.severity, p.code) for p in check.run(sub)}

    before = problems_of(old, old_problems)
    after = problems_of(new, new_problems)
    result = (set(map(tuple, hit[0])) - (before - after)) | (after - before)
    problems = sorted(result, key=lambda p: (p[0], p[1], p[2]))
    n_hosts = hit[1] - len(old) + len(new)
    return (problems, n_hosts, len(inv.networks))
