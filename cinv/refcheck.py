"""`cinv check --refs PATTERN`: clashes between branches that each look fine on their own.

Two customer branches allocate from what each of them sees: both may hand out the same MAC (one
MAC space for every hypervisor) or, on a network they share, the same address. This compares
the inventory being checked with every branch whose name matches PATTERN, read from git's
objects (no checkout):

- a MAC held by two different hosts, anywhere;
- an IPv4 or IPv6 address held by two different hosts on networks of the same name (a network
  present in several branches is taken to be one network; give customer-private networks
  distinct names).

Hosts of the same name in two branches are one host (the same record, perhaps changed), never
a clash; retired hosts hold nothing. Each record is parsed once per distinct blob, so branches
made from one main cost little more than one. A clash is reported at each end, as
`path:line: message` for this inventory's records and `branch:path:line: message` for the
others'.
"""
from __future__ import annotations

import ipaddress
from collections import defaultdict

from cinv import freed, gitstore
from cinv.errors import CinvError, Problem
from cinv.model import Host
from cinv.refheld import other_refs
from cinv.values import mac_str
from cinv.workspace import Workspace


def _sides(ws: Workspace, pattern: str) -> list[tuple[str, dict[str, Host], set[str]]]:
    """(side name, {path: host}, network names) for this inventory and each matching branch
    (leaving out the branch checked out, and branches at the commit being checked)."""
    if gitstore.find_repo(ws.root) is None:
        raise CinvError(f"--refs: {ws.root} is not in a git repository")
    branches = [(name, sha) for name, sha in other_refs(ws.root, [pattern], ws.commit)
                if name != ws.ref]
    if not branches:
        return []
    inv = ws.load()
    here = ("", {h.path: h for h in inv.hosts.values()}, set(inv.networks))
    listings = {name: gitstore.inventory_blobs(ws.root, sha) for name, sha in branches}
    wanted = sorted({blob for files in listings.values() for rel, blob in files.items()
                     if rel.startswith("hosts/")})
    contents = gitstore.blobs(ws.root, wanted)
    parsed: dict[tuple, Host | None] = {}  # by (file name, blob): a record holds no name
    sides = [here]
    for name, files in listings.items():
        hosts = {}
        for rel, blob in files.items():
            if not rel.startswith("hosts/"):
                continue
            key = (rel.rsplit("/", 1)[-1], blob)
            if key not in parsed:
                parsed[key] = freed.parse_record(rel, contents.get(blob))
            if parsed[key] is not None:
                hosts[rel] = parsed[key]
        nets = {rel[len("networks/"):-len(".yaml")] for rel in files
                if rel.startswith("networks/") and rel.endswith(".yaml")}
        sides.append((name, hosts, nets))
    return sides


def problems(ws: Workspace, pattern: str) -> list[Problem]:
    if not pattern.strip():
        raise CinvError("--refs: give a branch name pattern, e.g. 'customer-*'")
    sides = _sides(ws, pattern)
    shared = defaultdict(int)
    for _side, _hosts, nets in sides:
        for net in nets:
            shared[net] += 1
    held: dict = defaultdict(list)  # (kind, key) -> [(side, host, index, interface)]
    for side, hosts, _nets in sides:
        for host in hosts.values():
            if host.retired:
                continue
            for i, iface in enumerate(host.interfaces):
                if iface.mac is not None:
                    held[("mac", iface.mac)].append((side, host, i, iface))
                if shared.get(iface.network, 0) < 2:
                    continue
                for key, addr in (("ipv4", iface.ipv4), ("ipv6", iface.ipv6)):
                    if addr is not None:
                        held[(key, (iface.network, int(addr)))].append((side, host, i, iface))
    out = []
    for (kind, value), places in held.items():
        if len({(side, host.name) for side, host, _i, _f in places}) < 2 \
                or len({host.name for _s, host, _i, _f in places}) < 2:
            continue
        shown = mac_str(value) if kind == "mac" else str(ipaddress.ip_address(value[1]))
        what = "MAC" if kind == "mac" else f"{'IPv4' if kind == 'ipv4' else 'IPv6'} address"
        for side, host, i, iface in places:
            others = sorted({(s, h.name, h.path) for s, h, _i, _f in places
                             if h.name != host.name})
            if not others:
                continue
            if all(s == side for s, _n, _p in others):
                continue  # within one branch: that branch's own `cinv check` reports it
            names = ", ".join(f"{name} in {('branch ' + s) if s else 'this inventory'} "
                              f"({path})" for s, name, path in others)
            path = f"{side}:{host.path}" if side else host.path
            line = iface.lines.get("mac" if kind == "mac" else kind, iface.line)
            net = "" if kind == "mac" else f" on network {iface.network}"
            out.append(Problem(path, line, f"interfaces[{i}].{'mac' if kind == 'mac' else kind}"
                               f": {what} {shown}{net} is also held by {names}", "error",
                               "branch-clash"))
    return sorted(set(out), key=lambda p: (":" in p.path, p.path, p.line, p.message))
