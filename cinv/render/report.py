"""The report target's data: what `report/index.html` shows, computed from the same View as
every other target (no second loader).

The page is one self-contained file. Small parts (state counts, problems, recent changes,
network facts) are written as HTML by the template; the big parts (the hosts table, the address
maps, hypervisor capacity) go into ONE inline JSON blob that the page's script turns into rows
and cells as they are shown, so 50,000 hosts stay a few MB and open in seconds.

IPv4 address maps are cut into /24 blocks (a smaller network is one block): a block holding a
host, the gateway or the edge of a range is sent cell by cell, one letter per address; runs of
whole /24s in one state are folded into one line with a count. Work is over intervals, never a
walk of a large network address by address.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
from base64 import b64encode
from collections import Counter

from markupsafe import Markup

from cinv.allocate import ipv4_blocked
from cinv.records import load
from cinv.records.model import KINDS, STATES

HISTORY_LIMIT = 50
PATHS_PER_COMMIT = 20  # records listed per commit; the rest is counted
# One letter per IPv4 address, by precedence (a host on the gateway's address shows as used).
# Held: freed within the hold time (allocate.hold_days), not handed out by `auto` yet.
USED, HELD, GATEWAY, RESERVED, POOL, FREE = "u", "h", "g", "r", "p", "f"
BLOCK = 256


def clean(text) -> str:
    """Text from git or records as valid UTF-8 (git may hand over undecodable bytes)."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def script_json(data) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' that could close
    the element or open a comment, and no line separators; the page reads it with JSON.parse."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)  # noqa: S704 - escaped for its context just above


def csp_hash(script) -> str:
    """The Content-Security-Policy source for one inline script: only that script may run."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return Markup(f"'sha256-{b64encode(digest).decode()}'")  # noqa: S704 - base64 only


# --- IPv4 address maps -------------------------------------------------------------------

def _painted(first: int, size: int, layers, used: dict) -> str:
    """The letters of addresses first .. first+size-1: layers [(letter, spans)] painted in
    rising precedence, then the used addresses."""
    cells = [FREE] * size
    last = first + size - 1
    for letter, spans in layers:
        for a, b in spans:
            if b < first or a > last:
                continue
            lo, hi = max(a, first) - first, min(b, last) - first
            cells[lo:hi + 1] = letter * (hi - lo + 1)
    for address in used:
        if first <= address <= last:
            cells[address - first] = USED
    return "".join(cells)


def ipv4_map(net, used: dict, held=()) -> dict:
    """{blocks, counts} of one network. used: {address int: [host index, interface]};
    held: the addresses freed within the hold time (ints).
    A block is {base, size, cells, hosts: [[offset, host, interface], ...]} or a folded run
    {base, blocks, state} of whole /24s in one state."""
    v4 = net.ipv4
    first, last = int(v4.network_address), int(v4.broadcast_address)
    blocked = ipv4_blocked(net)
    gateway = [(int(net.gateway4),) * 2] if net.gateway4 is not None else []
    pool = [net.dhcp_pool] if net.dhcp_pool is not None else []
    reserved = [s for s in blocked if s not in gateway and s not in pool]
    reserved += [(int(a),) * 2 for a in net.dns_servers if a.version == 4 and a in v4]
    layers = [(POOL, pool), (RESERVED, reserved), (GATEWAY, gateway),
              (HELD, [(a, a) for a in sorted(held) if first <= a <= last])]
    counts = Counter()
    blocks: list[dict] = []
    if v4.prefixlen >= 24:
        cells = _painted(first, last - first + 1, layers, used)
        counts.update(cells)
        blocks.append({"base": first, "size": len(cells), "cells": cells,
                       "hosts": _hosts_in(first, last, used)})
        return {"blocks": blocks, "counts": _named(counts)}
    # Blocks where the state may vary inside: those holding a host or a span's edge.
    varying = {a >> 8 for a in used}
    for _letter, spans in layers:
        for a, b in spans:
            varying.update((max(a, first) >> 8, min(b, last) >> 8))
    varying = sorted(k for k in varying if first >> 8 <= k <= last >> 8)

    def uniform(k_from: int, k_to: int) -> None:
        """Whole /24s k_from .. k_to, in one state: that of their first address."""
        if k_from > k_to:
            return
        state = _painted(k_from << 8, 1, layers, {})
        counts[state] += (k_to - k_from + 1) * BLOCK
        previous = blocks[-1] if blocks else None
        if (previous is not None and "state" in previous and previous["state"] == state
                and (previous["base"] >> 8) + previous["blocks"] == k_from):
            previous["blocks"] += k_to - k_from + 1
        else:
            blocks.append({"base": k_from << 8, "blocks": k_to - k_from + 1, "state": state})

    k = first >> 8
    for v in varying:
        uniform(k, v - 1)
        base = v << 8
        cells = _painted(base, BLOCK, layers, used)
        hosts = _hosts_in(base, base + BLOCK - 1, used)
        if not hosts and cells == cells[0] * BLOCK:
            uniform(v, v)
        else:
            counts.update(cells)
            blocks.append({"base": base, "size": BLOCK, "cells": cells, "hosts": hosts})
        k = v + 1
    uniform(k, last >> 8)
    return {"blocks": blocks, "counts": _named(counts)}


def _hosts_in(first: int, last: int, used: dict) -> list:
    return [[a - first, *used[a]] for a in sorted(used) if first <= a <= last]


def _named(counts: Counter) -> dict:
    names = {USED: "used", HELD: "held", GATEWAY: "gateway", RESERVED: "reserved",
             POOL: "pool", FREE: "free"}
    return {name: counts.get(letter, 0) for letter, name in names.items()}


def ipv6_rows(net, used: dict) -> list:
    """Sorted [address, host name or None, interface or label] of the IPv6 prefix: hosts'
    addresses (used: {address int: [text, host, interface]}), the gateway and reserved
    ranges."""
    rows = list(used.items())
    if net.gateway6 is not None and int(net.gateway6) not in used:
        rows.append((int(net.gateway6), [str(net.gateway6), None, "gateway"]))
    for version, a, b in net.reserved:
        if version == 6:
            text = str(ipaddress.IPv6Address(a))
            if b != a:
                text += " - " + str(ipaddress.IPv6Address(b))
            rows.append((a, [text, None, "reserved"]))
    return [row for _key, row in sorted(rows, key=lambda r: r[0])]


# --- the whole report ----------------------------------------------------------------------

def _size(hosts: list[dict]) -> int:
    return sum(d["size"] for h in hosts for d in h["disks"])


def host_facts(host: dict) -> tuple:
    """What the capacity table needs of one host: (name, parent, kind, cpus, memory, disk,
    recorded cpus, recorded memory)."""
    hw = host["hardware"]
    return (host["name"], host["parent"], host["kind"], host["cpus"], host["memory"],
            _size([host]), hw["cpus"], hw["memory"])


def capacity(facts: list[tuple]) -> list[dict]:
    """Per host that others run on: its VMs and cpus / memory / disk allocated against what
    it has (None: not recorded). A VM without cpus or memory counts as what its libvirt domain
    gets (1 vcpu, 1 GiB). facts: host_facts of every host, in host order."""
    children: dict[str, list[tuple]] = {}
    by_name = {}
    for f in facts:
        by_name[f[0]] = f
        if f[1]:
            children.setdefault(f[1], []).append(f)
    return [capacity_entry(by_name[name], children[name]) for name in sorted(children)
            if name in by_name]


def relative(name: str, domain: str) -> str:
    """A host's name as the page's data hold it where a domain is implied: "vm1." for
    vm1.<domain> (the page adds the domain back), any other name whole."""
    return name[:-len(domain)] if name.endswith("." + domain) else name


def capacity_entry(parent: tuple, guests: list[tuple]) -> dict:
    """One host's capacity: parent and guests as host_facts give them, guests in host order."""
    virtual = [g for g in guests if g[2] == "virtual"]
    return entry(parent[0], [g[0] for g in guests],
                 [sum(g[3] for g in virtual), sum(g[4] for g in virtual),
                  sum(g[5] for g in virtual)], (parent[6], parent[7], parent[5] or None))


def entry(host: str, guests: list[str], sums, have) -> dict:
    """A host's capacity entry: its guests (in host order; named relative to its domain), the
    cpus, memory and disk of its virtual guests (sums) against its own (have: None where not
    recorded)."""
    domain = host.partition(".")[2]
    return {"host": host, "guests": [relative(g, domain) for g in guests],
            "cpus": [sums[0], have[0]], "memory": [sums[1], have[1]],
            "disk": [sums[2], have[2]]}


def over(entry: dict) -> bool:
    """Whether a host's guests have more of something than it has."""
    return any(have is not None and alloc > have
               for alloc, have in (entry["cpus"], entry["memory"], entry["disk"]))


def host_row(host: dict) -> str:
    """The host's row of the hosts table, as JSON text escaped for the page (script_json)."""
    ifaces = host["interfaces"]
    addresses = [i[k] for i in ifaces for k in ("ipv4", "ipv6") if i[k]]
    row = [host["name"], host["kind"], host["state"],
           " ".join(dict.fromkeys(i["network"] for i in ifaces if i["network"])),
           " ".join(addresses), " ".join(m for i in ifaces for m in i["macs"]),
           host["parent"] or "", " ".join(host["tags"]), host["description"] or ""]
    return str(script_json(row))


def host_places(host: dict) -> list[tuple]:
    """(network, IPv4 as an integer or None, IPv6 as an integer or None, IPv6 text, label) of
    each interface on a network, for the address maps; the label is 0 where the interface
    carries the host's own name, else the interface's name."""
    out = []
    for iface in host["interfaces"]:
        if not iface["network"]:
            continue
        v4 = int.from_bytes(socket.inet_aton(iface["ipv4"]), "big") if iface["ipv4"] else None
        v6 = (int.from_bytes(socket.inet_pton(socket.AF_INET6, iface["ipv6"]), "big")
              if iface["ipv6"] else None)
        out.append((iface["network"], v4, v6, iface["ipv6"],
                    0 if iface["fqdn"] == iface["host"] else iface["name"]))
    return out


def _record(path: str) -> tuple[str, str]:
    """(kind, name) of the record an inventory path holds."""
    if path == load.SETTINGS_FILE:
        return "settings", path
    top, _, rest = path.partition("/")
    if top == "hosts" and path.endswith(".yaml"):
        name = load.host_name_of(path)
        return "host", name or path
    if top in ("networks", "zones") and path.endswith(".yaml") and "/" not in rest:
        return top[:-1], rest[:-len(".yaml")]
    return "file", path


def changes(history: list[dict] | None) -> list[dict] | None:
    """Recent commits with the records each changed: [{commit, date, author, message,
    records: [{status, kind, name, old}], more}]."""
    if history is None:
        return None
    out = []
    for commit in history:
        records = []
        for status, path, old in commit["paths"][:PATHS_PER_COMMIT]:
            kind, name = _record(path)
            item = {"status": {"A": "added", "D": "removed", "R": "renamed", "C": "copied"}.get(
                status, "changed"), "kind": kind, "name": clean(name), "old": None}
            if old is not None:
                item["old"] = clean(_record(old)[1])
            records.append(item)
        out.append({"commit": commit["commit"], "short": commit["commit"][:10],
                     "date": clean(commit["date"]), "author": clean(commit["author"]),
                     "message": clean(commit["message"]),
                     "records": records,
                     "more": max(0, commit.get("count", len(commit["paths"]))
                                 - PATHS_PER_COMMIT)})
    return out


def state_counts(counts: Counter) -> dict:
    """{"kinds", "states", "rows": [{state, counts per kind, total}], "totals"} of every host,
    retired ones too, from their counts by (kind, state)."""
    kinds = [k for k in KINDS if any(counts.get((k, s)) for s in STATES)] or list(KINDS)
    rows = []
    for state in STATES:
        per = [counts.get((k, state), 0) for k in kinds]
        rows.append({"state": state, "counts": per, "total": sum(per)})
    totals = [sum(counts.get((k, s), 0) for s in STATES) for k in kinds]
    return {"kinds": kinds, "rows": rows, "totals": totals, "total": sum(totals)}


def build(view) -> dict:
    """Everything the report template shows."""
    rows, places, facts = [], [], []
    for host in view.hosts:
        rows.append(host_row(host))
        places.extend((host["name"], *place) for place in host_places(host))
        facts.append(host_facts(host))
    r = assemble(view, rows, places, facts, view.state_counts)
    caps, rows, nets = r["pieces"]
    r["json"] = Markup(  # noqa: S704 - every part escaped by script_json
        '{"capacity":[' + ",".join(t for _p, t in caps) + '],"hosts":[' + ",".join(rows)
        + '],"networks":[' + ",".join(nets) + "]}")
    return r


PLACEHOLDER = Markup("\0cinv:report-data\0")  # where the page's data goes (fast.report_page)


def network_data(net, net_view: dict, used4: dict, used6: dict,
                 held4=()) -> tuple[dict, tuple]:
    """(what the page draws of a network, (its address counts, its IPv6 addresses used)) from
    the addresses hosts hold on it: used4 {int: [host, interface]}, used6 {int: [text, host,
    interface]}, hosts named relative to the network's domain; held4: the IPv4 addresses
    held back (held_v4)."""
    item = {"name": net.name, "domain": net_view["domain"], "v4": None, "v6": None}
    counts = None
    if net.ipv4 is not None:
        item["v4"] = ipv4_map(net, used4, held4)
        item["v4"]["first"] = int(net.ipv4.network_address)
        item["v4"]["last"] = int(net.ipv4.broadcast_address)
        counts = item["v4"]["counts"]
    if net.ipv6 is not None:
        item["v6"] = ipv6_rows(net, used6)
    return item, (counts, len(used6))


def network_facts(net, net_view: dict, facts: tuple) -> dict:
    """A network's facts as the page lists them (facts: network_data's second value)."""
    counts, used6 = facts
    out = {"name": net.name, "domain": net_view["domain"], "description": net.description,
           "ipv4": net_view["ipv4"], "gateway4": net_view["gateway4"],
           "ipv6": net_view["ipv6"], "gateway6": net_view["gateway6"],
           "pool": "-".join(net_view["pool4"]) if net_view["pool4"] else None,
           "vlan": net_view["vlan"], "bridge": net_view["bridge"], "counts": counts,
           "used6": used6}
    if net.ipv4 is not None:
        out["size"] = net.ipv4.num_addresses
    return out


def assemble(view, rows: list[str], places: list[tuple], facts: list[tuple],
             counts: Counter) -> dict:
    """The report from its parts: each host's row (host_row) and facts (host_facts) in host
    order, the places of all interfaces ((host name, *host_places)), the counts of hosts by
    (kind, state), retired ones too; networks, problems and history from the view. Its data
    come as "pieces": ([(parent, capacity JSON)], [row JSON], [network JSON]), to be joined
    into the page's JSON (build; fast.report_page); "json" is PLACEHOLDER."""
    model = view.model
    used: dict[str, tuple[dict, dict]] = {name: ({}, {}) for name in model.networks}
    for name, network, v4, v6, v6_text, label in places:
        pair = used.get(network)
        if pair is None:
            continue
        where = [relative(name, view.network[network]["domain"]), label]
        if v4 is not None:
            pair[0][v4] = where
        if v6 is not None:
            pair[1][v6] = [v6_text, *where]
    held4 = held_v4(view)
    nets, net_facts = [], {}
    for net_view in view.networks:
        net = model.networks[net_view["name"]]
        data, net_facts[net.name] = network_data(net, net_view, *used[net.name], held4)
        nets.append(str(script_json(data)))
    table = capacity(facts)
    r = page(view, counts, net_facts, sum(1 for c in table if over(c)), len(rows))
    r["pieces"] = ([(c["host"], str(script_json(c))) for c in table], rows, nets)
    r["held4"] = sorted(held4)
    return r


def held_v4(view) -> set[int]:
    """The IPv4 addresses held back at the commit rendered (freed within the hold time)."""
    held = view.revision["held"]() if view.revision and "held" in view.revision else {}
    return {value for family, value in held if family == "v4"}


def page(view, counts: Counter, net_facts: dict, n_over: int, n_hosts: int) -> dict:
    """What the report template shows but the data: counts, networks' facts, problems,
    history."""
    model = view.model
    history = view.history() if view.history is not None else None
    return {
        "json": PLACEHOLDER,
        "domain": view.settings["domain"],
        "revision": view.revision,
        "counts": state_counts(counts),
        "networks": [network_facts(model.networks[n["name"]], n, net_facts[n["name"]])
                     for n in view.networks],
        "facts": net_facts,
        "problems": [{"where": f"{p.path}:{p.line}" if p.line else p.path,
                      "severity": p.severity, "message": p.message}
                     for p in (view.problems or [])],
        "problems_known": view.problems is not None,
        "changes": changes(history),
        "history_limit": HISTORY_LIMIT,
        "hosts": n_hosts,
        "csp": csp_hash,
        "over": n_over,
    }
