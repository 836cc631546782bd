"""DNS zones from the view: forward zones, reverse zones and each zone's own records, in one pass.

Which zones: a forward zone per network domain, the default domain and every forward zone of
zones/; the reverse zones the networks need (see cinv.records.zones.ReverseZones); every reverse
zone of
zones/. A name belongs to the zone of its longest matching suffix; a zone cinv also serves below
another is delegated from it (NS, plus glue for nameservers inside it).

Hosts: the first interface carries the host's name, the others <ifname>.<host>; `names:` are more
A/AAAA records of the interface's addresses; aliases are CNAMEs to the name of their interface;
each address gets a PTR to the interface's name (an RFC 2317 child zone's parent holds a CNAME
"<n> -> <n>.<first>-<len>" for every address of the block). A zone's own records (zones/) are
added as they are, with their TTLs; a record that repeats exactly what a host renders only sets
that record's TTL. Every name in record data is absolute. No $GENERATE anywhere.

`view.zone_records(inv)` gives every zone's records from an Inventory without rendering anything
(for comparisons with a running server).
"""
from __future__ import annotations

import hashlib
import socket

from cinv.errors import CinvError
from cinv.records import zonemap
from cinv.records import zones as zonelib
from cinv.render.item import Item

REFRESH, RETRY, EXPIRE, MINIMUM = 3600, 900, 1209600, 300
DEFAULT_TIMERS = {"refresh": REFRESH, "retry": RETRY, "expire": EXPIRE, "minimum": MINIMUM}
TYPE_ORDER = {"NS": 0, "A": 1, "AAAA": 2, "CNAME": 3, "PTR": 4}


def _label_key(label: str):
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


def _record_key(rec: tuple, owners: dict | None = None) -> tuple:
    owner, rtype, data = rec
    labels = owners.get(owner) if owners is not None else None
    if labels is None:
        labels = () if owner == "@" else tuple(_label_key(x) for x in reversed(owner.split(".")))
        if owners is not None:
            owners[owner] = labels
    return (labels, TYPE_ORDER.get(rtype, 9), rtype, data)


relative = zonelib.relative
v4_zone_name = zonemap.v4_zone_name
v6_zone_name = zonemap.v6_zone_name


def zone_file(name: str) -> str:
    return f"db.{name}"


class ZoneSet:
    """Collects records per zone, then turns them into sorted zone dicts for the templates."""

    def __init__(self, dns: dict, ttls: dict[str, int], only: set | None = None,
                 own: dict | None = None):
        self.dns = dns
        self.ttls = ttls  # a zone's default TTL where zones/ sets one
        self.own = own or {}  # the Zone values of zones/ (SOA timers, serial scheme and floor)
        self.only = only  # the zones to make (None: all); records of others are not kept
        self.records: dict[str, dict[tuple, int | None]] = {}
        self.kinds: dict[str, str] = {}

    def add_zone(self, name: str, kind: str) -> None:
        if name not in self.kinds:
            self.kinds[name] = kind
            if self.only is None or name in self.only:
                self.records[name] = {("@", "NS", ns): None for ns in self.dns["nameservers"]}

    def add(self, zone: str, owner: str, rtype: str, data: str, ttl: int | None = None) -> None:
        """One record; a TTL given wins over none (a zone record restating a host's)."""
        recs = self.records.get(zone)
        if recs is None:
            return  # a zone not made this time
        key = (owner, rtype, data)
        if ttl is not None or key not in recs:
            recs[key] = ttl if ttl is not None else recs.get(key)

    def order(self) -> list[str]:
        """Every zone's name, in the order zones are listed."""
        return sorted(self.kinds, key=lambda z: tuple(reversed(z.split("."))))

    def timers(self, name: str) -> dict:
        """The zone's SOA timers: its own (zones/<zone>.yaml soa:), else cinv's defaults."""
        own = self.own.get(name)
        return {**DEFAULT_TIMERS, **(own.soa if own is not None else {})}

    def head(self, name: str, digest: str, records: list) -> Item:
        """A zone's dict for the templates (and, for its serial, its scheme and floor)."""
        own = self.own.get(name)
        return Item({
            "name": name, "file": zone_file(name), "kind": self.kinds[name],
            "ttl": self.ttls.get(name, self.dns["ttl"]), "primary_ns": self.dns["primary_ns"],
            "hostmaster": self.dns["hostmaster"], "nameservers": self.dns["nameservers"],
            **self.timers(name), "records": records, "digest": digest,
            "serial_scheme": own.scheme if own is not None else "unixtime",
            "serial_floor": own.serial_floor if own is not None else None,
        })

    def ttl(self, name: str) -> int:
        return self.ttls.get(name, self.dns["ttl"])

    def digest(self, name: str, lines: bytes) -> str:
        """A zone's content digest: its TTL, SOA names, SOA timers of its own and record lines
        (as the zone file holds them, below its head), never its serial."""
        head = f"{self.ttl(name)} {self.dns['primary_ns']} {self.dns['hostmaster']}\n"
        own = self.own.get(name)
        if own is not None and own.soa:  # timers of its own are content (defaults: as before)
            head += " ".join(map(str, self.timers(name).values())) + "\n"
        return hashlib.sha256(head.encode() + lines).hexdigest()

    def result(self, records: bool = True) -> list[dict]:
        """The zones made, each with its record lines; records: also its records as the
        templates take them (an Item each: 200,000 of them were most of the memory of the
        process that writes the zones at 50,000 hosts, which needs only the lines)."""
        out = []
        for name in [z for z in self.order() if z in self.records]:
            keys: dict[str, tuple] = {}  # an owner's labels, made once (per zone: 200,000
            entries = self.records[name]  # owners' labels at once weighed 30 MB)
            rrset_ttl = rrset_ttls(entries)
            recs = [(owner, rtype, data, rrset_ttl.get((owner, rtype)))
                    for owner, rtype, data in sorted(entries, key=lambda r: _record_key(r, keys))]
            lines = "".join(zone_line(*rec) for rec in recs)
            items = [Item(name=owner, type=rtype, data=data, ttl=ttl)
                     for owner, rtype, data, ttl in recs] if records else []
            del recs
            zone = self.head(name, self.digest(name, lines.encode()), items)
            zone["lines"] = lines
            out.append(zone)
        return out


def rrset_ttls(entries: dict) -> dict[tuple, int]:
    """(owner, type) -> TTL of a zone's records {(owner, type, data): TTL or None}: one TTL per
    RRset, the lowest one given (zones/ records give TTLs, hosts' records do not)."""
    out: dict[tuple, int] = {}
    for (owner, rtype, _data), t in entries.items():
        if t is not None:
            key = (owner, rtype)
            out[key] = min(t, out.get(key, t))
    return out


def zone_line(owner: str, rtype: str, data: str, ttl: int | None) -> str:
    """One record line of templates/zone.j2."""
    if ttl is None:
        return f"{owner}\tIN\t{rtype}\t{data}\n"
    return f"{owner}\t{ttl}\tIN\t{rtype}\t{data}\n"


def line_key(line: bytes) -> tuple:
    """The sort key of a zone file's record line (zone_line's), as ZoneSet sorts records."""
    fields = line.rstrip(b"\n").decode("utf-8").split("\t")
    at = 1 if fields[1] == "IN" else 2
    return _record_key((fields[0], fields[at + 1], "\t".join(fields[at + 2:])))


def fixed_records(view) -> dict[str, dict]:
    """{zone: {(owner, type, data): TTL or None}} of what every zone holds without a single
    host: its apex NS, its own records (zones/), delegations and RFC 2317 CNAMEs (glue only
    from zones/: a host's own addresses do not count)."""
    holder: list = []
    build_zones(view, strict=False, hosts=(), zone_set=holder, keep=True)
    return holder[0].records


class HostDns:
    """Where one host's names and addresses land: the records, warnings and addressed names a
    host adds, from its view item alone (the zones a render writes are fixed by settings,
    networks and zones/; see cinv/records/zonemap.py). What build_zones gathers over every host, and
    what a render keeps per host."""

    def __init__(self, inv):
        self.forward = zonemap.forward_zones(inv)
        self.served = set(zonemap.served_zones(inv))
        self.rz = zonemap.reverse_zones(inv.networks.values())
        # zones/ may hold a reverse zone below the networks' own (rare): then look names up
        self.deeper = any(zonelib.is_reverse(z) and z not in self.rz.kinds for z in inv.zones)

    def records(self, host: dict) -> tuple[list, list, list]:
        """([(zone, owner, type, data)], [warning], [(name, [(A|AAAA, address)])]) of a
        host: its names' A/AAAA records, its aliases' CNAMEs, its addresses' PTRs."""
        recs, warnings, addressed = [], [], []
        zone_of, forward = zonelib.zone_of, self.forward
        for iface in host["interfaces"]:
            fqdn = iface["fqdn"]
            addrs = [(t, iface[k]) for t, k in (("A", "ipv4"), ("AAAA", "ipv6")) if iface[k]]
            if not addrs:
                continue
            for name in (fqdn, *iface["names"]):
                zone = zone_of(name, forward)
                if zone is None:
                    what = "" if name == fqdn else f"extra name {name} of "
                    warnings.append(f"dns: {what}{fqdn} lies in none of the zones "
                                    f"({', '.join(sorted(forward))}); left out of DNS")
                    continue
                addressed.append((name, addrs))
                owner = relative(name, zone)
                for t, a in addrs:
                    recs.append((zone, owner, t, a))
            if zone_of(fqdn, forward) is None:
                continue
            for alias in iface["aliases"]:
                azone = zone_of(alias, forward)
                if azone is None or alias == azone:
                    why = "is a zone apex" if azone else "lies in none of the zones"
                    warnings.append(f"dns: alias {alias} of {host['name']} {why}; "
                                    "left out of DNS")
                    continue
                recs.append((azone, relative(alias, azone), "CNAME", f"{fqdn}."))
        rz = self.rz
        for iface in host["interfaces"]:
            target = iface["fqdn"] + "."
            for key, place, family in (("ipv4", rz.place4, socket.AF_INET),
                                       ("ipv6", rz.place6, socket.AF_INET6)):
                if not iface[key]:
                    continue
                spot = place(int.from_bytes(socket.inet_pton(family, iface[key]), "big"))
                if spot is None:
                    continue
                zone, owner = spot
                if self.deeper:
                    name = zonelib.fqdn(zone, owner)
                    zone = zonelib.zone_of(name, self.served)
                    owner = relative(name, zone)
                recs.append((zone, owner, "PTR", target))
        return recs, warnings, addressed


def build_zones(view, strict: bool = True, hosts=None, only: set | None = None,
                zone_set: list | None = None, keep: bool = False,
                records: bool = True) -> list[dict]:
    """Every zone with its records. strict: refuse an in-zone nameserver without an address and
    a record whose data does not parse (off when zones are only compared, e.g. for serials of
    past commits). hosts: HostDns.records of every host, in host order (computed here from
    view.hosts when not given). only: make these zones alone (the others are checked, not
    made); zone_set: a list to leave the ZoneSet in (for the names and heads of all); keep:
    make nothing of it (the caller takes the records from the ZoneSet); records: each zone's
    records as the templates take them, beside its lines (see ZoneSet.result)."""
    inv = view.model
    dns = view.settings["dns"]
    zs = ZoneSet(dns, {z.name: z.ttl for z in inv.zones.values() if z.ttl is not None}, only,
                 inv.zones)
    if zone_set is not None:
        zone_set.append(zs)
    kinds = zonemap.served_zones(inv)
    for name, kind in kinds.items():
        zs.add_zone(name, kind)
    forward = zonemap.forward_zones(inv)
    served = set(kinds)
    if hosts is None:
        placer = HostDns(inv)
        hosts = (placer.records(host) for host in view.hosts)
    # fqdn -> [(A|AAAA, address)] of the nameservers' names: their glue (only they are read)
    addresses: dict[str, list[tuple[str, str]]] = {}
    glued = {ns.rstrip(".") for ns in dns["nameservers"]}
    ptrs = []
    add = zs.add
    for recs, warnings, addressed, *_kept in hosts:
        view.warnings.extend(warnings)
        for name, addrs in addressed:
            if name in glued:
                addresses.setdefault(name, []).extend(addrs)
        for rec in recs:
            if only is not None and rec[0] not in only:
                continue
            if rec[2] == "PTR":
                ptrs.append(rec)
            else:
                add(*rec)
    _own_records(inv, zs, addresses, strict)
    _delegations(zs, served, dns["nameservers"], addresses)
    for ns in dns["nameservers"]:
        target = ns.rstrip(".")
        zone = zonelib.zone_of(target, forward)
        if strict and zone is not None and target not in addresses:
            raise CinvError(f"cinv.yaml: dns.nameservers: {ns} lies in zone {zone} but no host "
                            "or record of zones/ gives that name an address, so named would "
                            "refuse the zone; add that host or name another nameserver")
    rz = zonemap.reverse_zones(inv.networks.values())
    for parent, label, _child, block in rz.delegations():
        for a in block:
            zs.add(parent, str(a & 255), "CNAME", f"{a & 255}.{label}")
    for rec in ptrs:  # after the zones' own records, as a record restating one sets its TTL
        add(*rec)
    return [] if keep else zs.result(records)


def _own_records(inv, zs: ZoneSet, addresses: dict, strict: bool) -> None:
    """The records of zones/, with their TTLs (`cinv check` has refused what DNS refuses)."""
    for zone in inv.zones.values():
        for rec in zone.records:
            try:
                data = zonelib.rdata_text(zone.name, rec)
            except ValueError as e:
                if strict:
                    path, line = zone.where(rec)
                    raise CinvError(f"{path}:{line}: {e}") from None
                continue
            zs.add(zone.name, rec.owner, rec.type, data, rec.ttl)
            if rec.type in ("A", "AAAA"):
                addresses.setdefault(zone.fqdn(rec.owner), []).append((rec.type, data))


def _delegations(zs: ZoneSet, served: set, nameservers: list, addresses: dict) -> None:
    """A zone cinv serves below another is delegated from it: NS, glue for nameservers inside
    it, and for RFC 2317 blocks a CNAME per address into the child zone."""
    for child in served:
        parent = zonelib.zone_of(child.split(".", 1)[1], served) if "." in child else None
        if parent is None:
            continue
        owner = relative(child, parent)
        for ns in nameservers:
            zs.add(parent, owner, "NS", ns)
            target = ns.rstrip(".")
            if target == child or target.endswith("." + child):
                for rtype, addr in addresses.get(target, []):
                    zs.add(parent, relative(target, parent), rtype, addr)
