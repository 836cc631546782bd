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

The other branches are read as untrusted (any of them may be a hostile push): git tells each
record's size before anything is read; a record over the limit of an inventory file is a
problem at `branch:path` and is never read, and the distinct records of all the branches
together are read only up to MAX_TOTAL bytes (past it, a problem, and nothing is compared).

`cinv check --base REF` is here too (against_base): the domains a branch claims, pinned by its
merge target (cinv/check/domains.py says why).
"""
from __future__ import annotations

import ipaddress
from collections import defaultdict

from cinv.check.domains import claims
from cinv.errors import CinvError, Problem
from cinv.git import freed, gitstore
from cinv.git.refheld import other_refs
from cinv.names import under
from cinv.records import load
from cinv.records.load import MAX_FILE_SIZE
from cinv.records.model import Host
from cinv.records.values import mac_str
from cinv.workspace import Workspace

MAX_TOTAL = 256 << 20  # bytes of distinct host records read from the other branches


def _sides(ws: Workspace, pattern: str,
           problems: list[Problem]) -> list[tuple[str, dict[str, Host], set[str]]]:
    """(side name, {path: host}, network names) for this inventory and each matching branch
    (leaving out the branch checked out, and branches at the commit being checked); records
    not read (too big) are problems."""
    if gitstore.find_repo(ws.root) is None:
        raise CinvError(f"--refs: {ws.root} is not in a git repository")
    branches = [(name, sha) for name, sha in other_refs(ws.root, [pattern], ws.commit)
                if name != ws.ref]
    if not branches:
        return []
    inv = ws.load()
    here = ("", {h.path: h for h in inv.hosts.values()}, set(inv.networks))
    listings = {name: gitstore.inventory_blobs(ws.root, sha) for name, sha in branches}
    parsed = _parse_records(ws, listings, problems)
    sides = [here]
    for name, files in listings.items():
        hosts = {}
        for rel, blob in files.items():
            host = parsed.get((rel.rsplit("/", 1)[-1], blob))
            if rel.startswith("hosts/") and host is not None:
                hosts[rel] = host
        nets = {rel[len("networks/"):-len(".yaml")] for rel in files
                if rel.startswith("networks/") and rel.endswith(".yaml")}
        sides.append((name, hosts, nets))
    return sides


def _parse_records(ws: Workspace, listings: dict[str, dict[str, str]],
                   problems: list[Problem]) -> dict[tuple, Host | None]:
    """{(file name, blob): host} of every host record of the branches (a record holds no name:
    its file does), each distinct blob read and parsed once, sizes asked of git first."""
    keys: dict[str, set[str]] = defaultdict(set)  # blob -> the file names it is read as
    where: dict[str, list[str]] = defaultdict(list)  # blob -> each branch:path holding it
    for branch, files in listings.items():
        for rel, blob in files.items():
            if rel.startswith("hosts/"):
                keys[blob].add(rel)
                where[blob].append(f"{branch}:{rel}")
    sizes = gitstore.blob_sizes(ws.root, keys)
    for blob, size in sizes.items():
        if size > MAX_FILE_SIZE:
            problems.extend(Problem(at, 0, f"{size} bytes is over the limit of {MAX_FILE_SIZE} "
                                    "for one inventory file; not read", "error", "file")
                            for at in where[blob])
    total = sum(size for size in sizes.values() if size <= MAX_FILE_SIZE)
    if total > MAX_TOTAL:
        problems.append(Problem(min(min(w) for w in where.values()), 0, f"the branches hold "
                                f"{total} bytes of distinct host records, over the limit of "
                                f"{MAX_TOTAL}; not read, nothing compared", "error", "file"))
        return {}
    parsed: dict[tuple, Host | None] = {}
    for blob, data in gitstore.blobs(ws.root, sizes):
        for rel in keys[blob]:
            parsed[(rel.rsplit("/", 1)[-1], blob)] = freed.parse_record(rel, data)
    return parsed


def problems(ws: Workspace, pattern: str) -> list[Problem]:
    if not pattern.strip():
        raise CinvError("--refs: give a branch name pattern, e.g. 'customer-*'")
    out: list[Problem] = []
    sides = _sides(ws, pattern, out)
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
                for mac in iface.macs:
                    held[("mac", mac)].append((side, host, i, iface))
                if shared.get(iface.network, 0) < 2:
                    continue
                for key, addr in (("ipv4", iface.ipv4), ("ipv6", iface.ipv6)):
                    if addr is not None:
                        held[(key, (iface.network, int(addr)))].append((side, host, i, iface))
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


# --- `cinv check --base REF`: what a branch claims against its merge target ---------------

def against_base(ws: Workspace, ref: str) -> list[Problem]:
    """`check --base REF`: every domain this inventory manages that lies under none of REF's,
    and a libvirt.image_dir other than REF's."""
    commit = gitstore.resolve_commit(ws.root, ref, "--base")
    base = load.load_networks(gitstore.GitRefSource(ws.root, commit))
    here = load.load_networks(ws.source(), cache_root=ws.cache_root())
    pinned = {domain for domain, *_rest in claims(base)}
    out = []
    for domain, path, line, label in claims(here):
        if not under(domain, pinned):
            out.append(Problem(path, line, f"{label}: {domain} lies under no domain that "
                               f"{ref} manages ({', '.join(sorted(pinned))}); a branch may "
                               f"not claim a domain of its own: add it on {ref} first",
                               "error", "managed-domain"))
    s = here.settings
    if s.image_dir != base.settings.image_dir:
        out.append(Problem(s.path, s.line_of("libvirt.image_dir"), f"libvirt.image_dir: "
                           f"{s.image_dir} differs from {ref}'s ({base.settings.image_dir}): "
                           "a branch may not widen what its domains reach on a hypervisor; "
                           f"change it on {ref} first", "error", "managed-domain"))
    return out
