"""Validators of zones' own records (zones/<zone>.yaml), registered in cinv.check's list.

They refuse what named refuses when it loads a zone (data it cannot parse, CNAME beside other
data, NS at a wildcard, names check-names refuses, records outside their zone) and what would
change what a host's name answers. What named only warns about (a name server, mail exchanger
or service target inside the zone without an address, data hidden below a delegation) is a
warning. Each rule costs nothing in an inventory without zone records: the facts they share are
computed once per check, and only for names that records use.
"""
from __future__ import annotations

from collections import defaultdict

from cinv.check.registry import validator
from cinv.errors import Problem
from cinv.records import zonemap
from cinv.records import zones as zonelib
from cinv.records.model import Inventory, Zone, ZoneRecord

TARGET_TYPES = {"NS": 0, "MX": 1, "SRV": 3, "AFSDB": 1}  # type -> field index of the target name
ADDRESS_TYPES = ("A", "AAAA")


class Facts:
    """What the zone rules share, computed once per inventory: every record with its absolute
    owner and parsed data, the names records use, and the hosts holding those names."""

    def __init__(self, inv: Inventory):
        self.inv = inv
        self.served = zonemap.served_zones(inv)
        self.records: list[tuple[Zone, ZoneRecord, str, object]] = []
        self.bad: set[int] = set()  # id() of records whose data does not parse
        self.errors: dict[int, str] = {}
        self.by_name: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for zone in inv.zones.values():
            for rec in zone.records:
                name = zone.fqdn(rec.owner)
                try:
                    rd = zonelib.parsed(zone.name, rec.type, rec.value)[0]
                except ValueError as e:
                    self.errors[id(rec)] = str(e)
                    continue
                self.records.append((zone, rec, name, rd))
                self.by_name[name][rec.type].append((zone, rec, rd))
        self._hosts = None
        self._ptrs = None

    def target(self, rec: ZoneRecord, rd) -> str | None:
        """The host name an NS, MX, SRV or AFSDB record points at (absolute, no dot)."""
        if rec.type not in TARGET_TYPES:
            return None
        name = {"NS": "target", "MX": "exchange", "SRV": "target", "AFSDB": "hostname"}[rec.type]
        return getattr(rd, name).to_text().rstrip(".").lower() or "."

    @property
    def hosts(self) -> dict[str, list[tuple]]:
        """fqdn -> [(host, interface, kind, {type: {data}})] for the names hosts hold, where a
        record's owner or target is such a name or lies at or below it (kind: name, names,
        alias)."""
        if self._hosts is None:
            wanted = set(self.by_name)
            cuts = {name for name, types in self.by_name.items() if "NS" in types
                    or "DNAME" in types}
            for _zone, rec, _name, rd in self.records:
                t = self.target(rec, rd)
                if t:
                    wanted.add(t)
            out: dict[str, list] = defaultdict(list)
            inv = self.inv
            for host in inv.active_hosts():
                for fqdn, iface, is_alias in inv.dns_names(host):
                    if fqdn in wanted or (cuts and _below_any(fqdn, cuts)):
                        out[fqdn].append((host, iface, "alias" if is_alias else "name",
                                          _host_data(inv, host, iface, is_alias)))
                for fqdn, iface in inv.extra_names(host):
                    if fqdn in wanted or (cuts and _below_any(fqdn, cuts)):
                        out[fqdn].append((host, iface, "names", _host_data(inv, host, iface,
                                                                            False)))
            self._hosts = out
        return self._hosts

    @property
    def ptrs(self) -> dict[str, tuple]:
        """reverse name -> (host, interface, PTR target) for addresses whose reverse name a
        record of zones/ uses (only computed when a reverse zone has records)."""
        if self._ptrs is None:
            wanted = {name for name in self.by_name if zonelib.is_reverse(name)}
            out: dict[str, tuple] = {}
            if wanted:
                rz = zonemap.reverse_zones(self.inv.networks.values())
                deeper = any(zonelib.is_reverse(z) and z not in rz.kinds for z in self.inv.zones)
                for host in self.inv.active_hosts():
                    for index, iface in enumerate(host.interfaces):
                        target = host.name if index == 0 else f"{iface.name}.{host.name}"
                        for addr, place in ((iface.ipv4, rz.place4), (iface.ipv6, rz.place6)):
                            if addr is None:
                                continue
                            spot = place(int(addr))
                            if spot is None:
                                continue
                            name = zonelib.fqdn(*spot)
                            if deeper:
                                zone = zonelib.zone_of(name, self.served)
                                name = zonelib.fqdn(zone, zonelib.relative(name, zone))
                            if name in wanted:
                                out[name] = (host, iface, target)
            self._ptrs = out
        return self._ptrs


def _below_any(fqdn: str, cuts: set) -> bool:
    return zonelib.zone_of(fqdn, cuts) is not None


def _host_data(inv: Inventory, host, iface, is_alias: bool) -> dict[str, set]:
    if is_alias:
        index = host.interfaces.index(iface)
        return {"CNAME": {(host.name if index == 0 else f"{iface.name}.{host.name}") + "."}}
    out: dict[str, set] = {}
    if iface.ipv4 is not None:
        out["A"] = {str(iface.ipv4)}
    if iface.ipv6 is not None:
        out["AAAA"] = {str(iface.ipv6)}
    return out


_LAST: list = [None, None]  # (signature, Facts) of the inventory last asked about


def facts(inv: Inventory) -> Facts | None:
    """What the rules share (None without zone records: they have nothing to do), computed once
    for the rules of one check: kept while the inventory holds the same zone and host objects
    (a change replaces the objects it changes, so a changed inventory gets new facts)."""
    if not any(z.records for z in inv.zones.values()):
        return None
    signature = (id(inv), tuple(map(id, inv.zones.values())), len(inv.hosts),
                 sum(map(id, inv.hosts.values())))
    if _LAST[0] != signature:
        _LAST[0], _LAST[1] = signature, Facts(inv)
    return _LAST[1]


def _p(zone: Zone, rec: ZoneRecord | None, message: str, code: str,
       severity: str = "error") -> Problem:
    return zonelib.problem(zone, rec, message, code, severity)


def _label(zone: Zone, rec: ZoneRecord) -> str:
    return f"records.{rec.owner}: {rec.type}"


@validator
def zone_records_parse(inv: Inventory) -> list[Problem]:
    """A zone record's data is what DNS takes for its type (parsed by dnspython); NS at the apex
    is cinv.yaml's dns.nameservers, a CNAME never sits at the apex, and a wildcard holds no NS
    (named refuses both)."""
    f = facts(inv)
    if f is None:
        return []
    out = []
    for zone in inv.zones.values():
        for rec in zone.records:
            why = f.errors.get(id(rec))
            if why is None and rec.owner == "@" and rec.type == "NS":
                why = ("the apex NS records are cinv.yaml's dns.nameservers (the inventory "
                       "owns them)")
            elif why is None and rec.owner == "@" and rec.type == "CNAME":
                why = "a CNAME cannot sit at the apex (beside the SOA and NS)"
            elif why is None and rec.type == "NS" and rec.owner.split(".")[0] == "*":
                why = "a wildcard cannot hold NS records (named refuses the zone)"
            if why:
                out.append(_p(zone, rec, f"{_label(zone, rec)}: {why}", "zone-data"))
    return out


@validator
def zone_records_in_their_zone(inv: Inventory) -> list[Problem]:
    """A record lies in its own zone, not in a zone cinv serves below it (that zone's records
    live in its own zones/ file, and its delegation is cinv's)."""
    f = facts(inv)
    if f is None:
        return []
    out = []
    for zone, rec, name, _rd in f.records:
        home = zonelib.zone_of(name, f.served)
        if home != zone.name:
            out.append(_p(zone, rec, f"{_label(zone, rec)}: {name} lies in zone {home}, which "
                          f"cinv serves too: put it in zones/{home}.yaml", "zone-outside"))
    return out


@validator
def zone_records_check_names(inv: Inventory) -> list[Problem]:
    """Host names where named's check-names wants them: the owners of A, AAAA and MX records
    (a wildcard allowed), the targets of NS, MX, SRV and AFSDB records, and PTR targets in
    reverse zones: letters, digits and inner hyphens only."""
    f = facts(inv)
    if f is None:
        return []
    out = []
    for zone, rec, name, rd in f.records:
        if rec.type in ("A", "AAAA", "MX") and not zonelib.is_hostname(name, wildcard=True):
            out.append(_p(zone, rec, f"{_label(zone, rec)}: {name} is not a host name (letters, "
                          "digits, inner hyphens), which named requires of the owner of an "
                          f"{rec.type} record", "zone-names"))
        target = f.target(rec, rd)
        if rec.type == "PTR" and zonelib.is_reverse(zone.name):
            target = rd.target.to_text().rstrip(".").lower()
        if target and not zonelib.is_hostname(target):
            out.append(_p(zone, rec, f"{_label(zone, rec)}: its target {target} is not a host "
                          "name (letters, digits, inner hyphens), which named requires here",
                          "zone-names"))
    return out


@validator
def zone_rrsets_consistent(inv: Inventory) -> list[Problem]:
    """A CNAME is the only data at its name; the records of one name and type (an RRset) have
    one TTL."""
    f = facts(inv)
    if f is None:
        return []
    out = []
    for name, types in f.by_name.items():
        if "CNAME" in types and (len(types) > 1 or len(types["CNAME"]) > 1):
            others = sorted(t for t in types if t != "CNAME")
            for zone, rec, _rd in types["CNAME"]:
                what = f"{', '.join(others)} records" if others else "a second CNAME"
                out.append(_p(zone, rec, f"{_label(zone, rec)}: a CNAME cannot sit beside "
                              f"other data at {name} (here {what})", "zone-cname"))
        for rtype, items in types.items():
            ttls = {rec.ttl for _z, rec, _rd in items}
            if len(ttls) > 1:
                shown = ", ".join("default" if t is None else str(t)
                                  for t in sorted(ttls, key=lambda t: -1 if t is None else t))
                for zone, rec, _rd in items:
                    out.append(_p(zone, rec, f"{_label(zone, rec)}: the {rtype} records of "
                                  f"{name} have different TTLs ({shown}); one RRset has one TTL",
                                  "zone-ttl"))
    return out


@validator
def zone_records_and_hosts(inv: Inventory) -> list[Problem]:
    """A zone record never changes what a host's name answers: no CNAME, NS or other address at
    a host's name (an A/AAAA repeating the host's own address only sets its TTL), nothing at an
    alias's name, no delegation above a host unless it is that delegation's name server, and in
    reverse zones only PTRs to a name of the host that holds the address (its interface's name,
    extra names or aliases)."""
    f = facts(inv)
    if f is None:
        return []
    out = []
    hosts, ptrs = f.hosts, f.ptrs
    for zone, rec, name, rd in f.records:
        data = None
        for host, iface, kind, held in hosts.get(name, ()):
            data = data if data is not None else zonelib.rdata_text(zone.name, rec)
            why = None
            if kind == "alias":
                if not (rec.type == "CNAME" and data.lower() in held["CNAME"]):
                    why = f"is an alias (CNAME) of host {host.name}"
            elif rec.type in ("A", "AAAA"):
                if data not in held.get(rec.type, ()):
                    why = (f"is a name of host {host.name}, whose {rec.type} record comes from "
                           "its interface")
            elif rec.type in ("CNAME", "NS"):
                why = f"is a name of host {host.name}"
            if why:
                out.append(_p(zone, rec, f"{_label(zone, rec)}: {name} {why} ({host.path}); "
                              "a record here would change what it answers", "zone-host"))
        if rec.type in ("NS", "DNAME") and rec.owner != "@":
            glue = {f.target(r, d) for _z, r, d in f.by_name[name].get("NS", ())}
            for below, places in hosts.items():
                if below == name or not below.endswith("." + name):
                    continue
                if rec.type == "NS" and below in glue:
                    continue  # the delegation's own name server: its address is glue
                for host, _iface, _kind, _held in places:
                    out.append(_p(zone, rec, f"{_label(zone, rec)}: {below} of host "
                                  f"{host.name} ({host.path}) lies below this "
                                  f"{'delegation' if rec.type == 'NS' else 'DNAME'}, so named "
                                  "would no longer answer it", "zone-host"))
        if name in ptrs and zonelib.is_reverse(zone.name):
            host, iface, target = ptrs[name]
            own = {target, *zonemap.names_of(inv, host, iface)}
            got = rd.target.to_text().rstrip(".").lower() if rec.type == "PTR" else None
            if got not in own:
                address = iface.ipv4 if zonelib.fqdn(zone.name, rec.owner).endswith(
                    "in-addr.arpa") else iface.ipv6
                out.append(_p(zone, rec, f"{_label(zone, rec)}: {address} belongs to host "
                              f"{host.name} ({host.path}), whose PTR is {target}; a record here "
                              "may only add a PTR to another name of that host", "zone-host"))
    return out


@validator
def zone_targets_have_addresses(inv: Inventory) -> list[Problem]:
    """Warn where named warns: an NS, MX or SRV target inside the zone without an A or AAAA
    record (from a host or a record), a delegation's name server below it without glue, and
    data hidden below a delegation (named answers with the referral, not the data)."""
    f = facts(inv)
    if f is None:
        return []
    addressed = {name for name, types in f.by_name.items()
                 if any(t in types for t in ADDRESS_TYPES)}
    addressed |= {name for name, places in f.hosts.items()
                  if any(k != "alias" and held for _h, _i, k, held in places)}
    cuts = {name for name, types in f.by_name.items() if "NS" in types
            and name not in f.served}
    out = []
    for zone, rec, name, rd in f.records:
        target = f.target(rec, rd)
        if target and target != "." and zonelib.zone_of(target, {zone.name}) \
                and zonelib.zone_of(target, f.served) == zone.name and target not in addressed:
            out.append(_p(zone, rec, f"{_label(zone, rec)}: {target} has no address record "
                          "(A or AAAA) in this zone", "zone-glue", "warning"))
        cut = zonelib.zone_of(name.split(".", 1)[1], cuts) if cuts and "." in name else None
        if name in cuts and rec.type not in ("NS", "DS"):
            cut = name  # at the delegation itself only NS (and DS) are the parent's
        if cut is not None and cut != zone.name and not (
                rec.type in ADDRESS_TYPES and name in {f.target(r, d) for _z, r, d in
                                                       f.by_name[cut].get("NS", ())}):
            out.append(_p(zone, rec, f"{_label(zone, rec)}: {name} lies below the delegation "
                          f"{cut}; named answers with the referral, not this record",
                          "zone-occluded", "warning"))
    return out
