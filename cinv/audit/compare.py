"""What differs between the running world and the inventory: one comparison per source, and
the findings they all report in, as a table or as JSON.

The sources (leases.py, libvirt.py, dns.py) read the outside world into plain values; the
expected side comes from the model (leases) or from what `cinv render` would write (libvirt
domains, DNS zones), read back by the same reader as the real thing. Nothing here does I/O.
"""
from __future__ import annotations

import bisect
import functools
import json
from dataclasses import dataclass

from cinv import printable
from cinv.records.values import mac_str


@dataclass(frozen=True)
class Finding:
    """One difference. `subject` names what differs (a MAC, an address, a host and its
    domain, a DNS name and type); expected and actual are None where a side has nothing."""

    kind: str
    subject: str
    expected: str | None
    actual: str | None
    where: str = ""  # the file:line, server or domain it was seen in
    note: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "subject": self.subject, "expected": self.expected,
                "actual": self.actual, "where": self.where, "note": self.note}


    def key(self) -> tuple:
        return (self.kind, self.subject, self.expected or "", self.actual or "", self.where,
                self.note)


def ordered(findings) -> list[Finding]:
    """Each finding once, in a stable order (kind, subject, expected, actual)."""
    return sorted(set(findings), key=Finding.key)


def as_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_dict() for f in ordered(findings)], indent=2)


def as_table(findings: list[Finding]) -> str:
    """The findings as aligned columns. What a server, a lease file or a domain reported is
    untrusted: each cell is escaped (printable.line), so a row is one line of plain text."""
    rows = [("KIND", "SUBJECT", "EXPECTED", "ACTUAL", "WHERE / NOTE")]
    for f in ordered(findings):
        tail = "; ".join(x for x in (f.where, f.note) if x)
        rows.append(tuple(map(printable.line, (
            f.kind, f.subject, "-" if f.expected is None else f.expected,
            "-" if f.actual is None else f.actual, tail))))
    if len(rows) == 1:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])
                     .rstrip() for r in rows)


# --- leases --------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def vendor(mac: int) -> str:
    """Who made a MAC, from netaddr's copy of the IEEE OUI registry."""
    import netaddr  # its OUI registry loads on first use
    if (mac >> 41) & 1:
        return "locally administered (no vendor)"
    try:
        return netaddr.EUI(mac).oui.registration().org.strip()
    except netaddr.NotRegisteredError:
        return "OUI not registered"


def lease_facts(inv) -> dict:
    """What a lease is compared with, in builtins only (cached per inventory state):
    macs: MAC -> [(host, ifname, v4, v6, retired)]; v4, v6: address -> (host, ifname, MAC);
    reserved: [(version, first, last, network)]."""
    macs: dict = {}
    v4: dict = {}
    v6: dict = {}
    for host in inv.hosts.values():
        retired = host.retired
        for iface in host.interfaces:
            a4 = int(iface.ipv4) if iface.ipv4 is not None else None
            a6 = int(iface.ipv6) if iface.ipv6 is not None else None
            for mac in iface.macs:
                macs.setdefault(mac, []).append((host.name, iface.name, a4, a6, retired))
            if retired:
                continue
            others = tuple(iface.other_macs)  # they may hold the address in turn
            if a4 is not None:
                v4[a4] = (host.name, iface.name, iface.mac, others)
            if a6 is not None:
                v6[a6] = (host.name, iface.name, iface.mac, others)
    reserved = sorted((version, first, last, net.name) for net in inv.networks.values()
                      for version, first, last in net.reserved)
    merged: list = []  # disjoint, sorted: a lease is looked up by bisection
    for rng in reserved:
        if merged and merged[-1][0] == rng[0] and rng[1] <= merged[-1][2]:
            merged[-1] = (*merged[-1][:2], max(merged[-1][2], rng[2]), merged[-1][3])
        else:
            merged.append(rng)
    return {"macs": macs, "v4": v4, "v6": v6, "reserved": merged}


def _addr(version: int, value: int) -> str:
    import netaddr
    return str(netaddr.IPAddress(value, version))


def _clues(lease) -> str:
    """What a lease says of its client, the best clues about a stranger: the host name it
    sent (as the server wrote it, its escapes read, then quoted and escaped as JSON: it is the
    client's own text) and since when."""
    from cinv.audit.lease import unescape
    clues = []
    if lease.hostname:
        name = unescape(lease.hostname).decode("utf-8", "replace")
        clues.append(f"client-hostname {json.dumps(name)}")
    if lease.starts:
        clues.append(f"since {lease.starts}")
    return "; ".join(clues)


def compare_leases(facts: dict, leases) -> list[Finding]:
    """Active leases against the inventory: unknown MACs (with their vendor), hosts holding
    another address than recorded, retired hosts still leasing, leases inside reserved ranges,
    and a host's recorded address leased to another MAC; each with the lease's clues."""
    macs, owners, reserved = facts["macs"], {4: facts["v4"], 6: facts["v6"]}, facts["reserved"]
    starts = [(r[0], r[1]) for r in reserved]
    out: list[Finding] = []
    by_where = {}  # each finding's lease, by the file:line it names
    for lease in leases:
        by_where[lease.where] = lease
        version, value, mac = lease.version, lease.value, lease.mac
        is_address = lease.kind != "pd"
        if mac is not None:
            recs = macs.get(mac)
            active = [r for r in recs if not r[4]] if recs else []
            if not recs:
                out.append(Finding("unknown-mac", mac_str(mac), None, lease.shown, lease.where,
                                   f"vendor: {vendor(mac)}"))
            elif not active:
                for host, ifname, *_rest in recs:
                    out.append(Finding("retired-host", host, "no lease (retired)",
                                       f"{lease.shown} ({mac_str(mac)})", lease.where,
                                       f"interface {ifname}"))
            elif lease.kind in ("v4", "na"):  # temporary addresses are random by design
                slot = 2 if version == 4 else 3
                recorded = [r for r in active if r[slot] is not None]
                if recorded and all(r[slot] != value for r in recorded):
                    host, ifname = recorded[0][0], recorded[0][1]
                    out.append(Finding(
                        "wrong-address", f"{host} {ifname} ({mac_str(mac)})",
                        ", ".join(_addr(version, r[slot]) for r in recorded), lease.shown,
                        lease.where))
        elif is_address and value not in owners[version]:
            out.append(Finding("unknown-client", lease.client or "(no client id)", None,
                               lease.shown, lease.where, "no MAC in the lease"))
        if not is_address:
            continue
        owner = owners[version].get(value)
        if owner is not None and mac is not None and owner[2] is not None and owner[2] != mac \
                and mac not in owner[3]:
            out.append(Finding("address-taken", lease.shown,
                               f"{owner[0]} ({mac_str(owner[2])})", mac_str(mac), lease.where))
        i = bisect.bisect_right(starts, (version, value)) - 1
        if i >= 0 and reserved[i][0] == version and value <= reserved[i][2]:
            if owner is not None and (owner[2] == mac or mac in owner[3]):
                continue  # the inventory put that host there
            _v, first, last, net = reserved[i]
            out.append(Finding("reserved-range", lease.shown,
                               f"reserved: {_addr(version, first)}-{_addr(version, last)} of "
                               f"{net}", mac_str(mac) if mac is not None else
                               lease.client or "(no client id)", lease.where))
    return [_with_clues(f, _clues(by_where[f.where])) for f in out]


def _with_clues(f: Finding, clues: str) -> Finding:
    return Finding(f.kind, f.subject, f.expected, f.actual, f.where,
                   "; ".join(x for x in (f.note, clues) if x)) if clues else f


# --- libvirt domains -----------------------------------------------------------------------

DOMAIN_FIELDS = ("memory", "vcpus", "macs", "disks")


def compare_domain(host: str, expected, actual) -> list[Finding]:
    """A recorded VM (its domain as `cinv render libvirt` writes it) against the running one:
    name, uuid, memory, vcpus, MACs, the network or bridge of each MAC, and disks."""
    subject = f"{host} (domain {actual.name})"
    where = actual.where
    out = []
    for key in ("name", "uuid", *DOMAIN_FIELDS):
        want, got = expected.field(key), actual.field(key)
        if want != got:
            out.append(Finding(key, subject, want, got, where))
    got_nets = dict(actual.interfaces)
    for mac, source in expected.interfaces:
        if mac in got_nets and got_nets[mac] != source:
            out.append(Finding("network", f"{subject} {mac}", source, got_nets[mac], where))
    return out


# --- DNS zones -----------------------------------------------------------------------------

def compare_zone(zone: str, expected: dict, actual: dict, where: str) -> list[Finding]:
    """Two zones as {(owner, type): (ttl, [rdata, ...])}: RRsets missing from the server,
    extra on it, and different (data or TTL). The SOA's serial is not compared."""
    out = []
    for key in sorted(expected.keys() | actual.keys()):
        owner, rtype = key
        subject = f"{owner} {rtype}"
        want, got = expected.get(key), actual.get(key)
        if got is None:
            out.append(Finding("missing-record", subject, _rrset(want), None, where,
                               f"zone {zone}"))
        elif want is None:
            out.append(Finding("extra-record", subject, None, _rrset(got), where,
                               f"zone {zone}"))
        elif want != got:
            out.append(Finding("different-record", subject, _rrset(want), _rrset(got), where,
                               f"zone {zone}"))
    return out


def _rrset(value: tuple) -> str:
    ttl, datas = value
    return f"{ttl} " + " | ".join(sorted(str(d) for d in datas))
