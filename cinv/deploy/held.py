"""The DNS names the inventory held at an earlier commit: the one a DNS server was last
deployed from (apply records its id in the zone, see dns.py).

apply manages the RRsets of the names the inventory holds. A name it held when it last wrote
to a server and holds no more (a host removed or renamed, an alias dropped, a record of zones/
removed) is still cinv's: its RRsets on the server are deleted. What the inventory held then
is found from the commits between, as the serial walk does (cinv/render/serial.py): only the
changed host files are read at the old commit, unless cinv.yaml or a network changed (then the
whole inventory at that commit is loaded).
"""
from __future__ import annotations

from pathlib import Path

from cinv.git import gitstore
from cinv.records import load
from cinv.records.model import Inventory, Zone

WHOLE_ABOVE = 2000  # more changed host files than this: load the old inventory whole


def owners(inv: Inventory) -> dict[str, set[str]]:
    """{zone: owner names (absolute, ending in a dot)} of what `cinv render dns` writes."""
    from cinv.render import dns
    from cinv.render.view import View
    out: dict[str, set[str]] = {}
    for zone in dns.build_zones(View(inv), strict=False):
        name = zone["name"]
        out[name] = {(name if r["name"] == "@" else f"{r['name']}.{name}") + "."
                     for r in zone["records"]}
    return out


def held_at(root: Path, sha: str, now: str | None) -> dict[str, set[str]] | None:
    """{zone: owners} the inventory at commit `sha` held that may be missing now (now: the
    commit rendered, None for the work tree); {} when nothing changed since; None when sha is
    not a commit of this repository (then nothing beyond today's names is managed)."""
    paths = gitstore.paths_between(root, sha, now)
    if paths is None:
        return None
    if now is None:
        paths = sorted(set(paths) | set(gitstore.dirty_paths(root)))
    if not paths:
        return {}
    old = gitstore.GitRefSource(root, sha)
    hosts = [p for p in paths if p.startswith("hosts/") and p.endswith(".yaml")]
    if any(p == load.SETTINGS_FILE or p.startswith("networks/") for p in paths) \
            or len(hosts) > WHOLE_ABOVE:
        return owners(load.load_inventory(old))
    base = load.load_networks(old, cache_root=root)
    out: dict[str, set[str]] = {}
    zone_files = {p for p in paths if p.startswith("zones/")}
    for zone in base.zones.values():
        if zone.path in zone_files:
            out.setdefault(zone.name, set()).update(zone.fqdn(r.owner) + "."
                                                    for r in zone.records)
    if hosts:
        found = {}
        for rel, data in gitstore.read_blobs(root, sha, hosts).items():
            name = load.host_name_of(rel)
            if data is not None and name is not None:
                host = load.load_host(load.BytesSource({rel: data}), rel, name, [])
                if host is not None:
                    found[host.name] = host
        empty = {n: Zone(n, z.ttl) for n, z in base.zones.items()}
        small = Inventory(base.settings, base.networks, found, zones=empty)
        for zone, names in owners(small).items():
            out.setdefault(zone, set()).update(names)
    return out
