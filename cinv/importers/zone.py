"""BIND zone files (RFC 1035 master format), read by dnspython's zone parser (see zonefile.py):
every RRset becomes a host, part of a host (an extra name, an alias) or a record of zones/, with
its TTL. A name outside --zone (after $ORIGIN, an absolute name, $INCLUDE with an origin)
refuses the whole import, every such name listed with its file:line: an import never writes a
name outside the zone it imports.

Mapping (a forward zone): a name whose A and AAAA records are one address each, in networks of
the inventory (one network for both), becomes a host; further names on exactly those addresses
become that host's `names:`; a CNAME to a host's name becomes an alias. Everything else is a
record of zones/<zone>.yaml (of the zone cinv serves that holds the name, which lies inside
--zone): round-robin, wildcards, delegations and their glue, MX, TXT, SRV, CAA, NAPTR ... The
SOA and the apex NS are the inventory's (cinv.yaml dns:). A reverse zone makes no hosts: a PTR
at an address a host holds is checked against that host (its own name, or another of its names
as an extra PTR record); a mismatch is listed and not imported; all else is kept as records.

TTLs: each zone the import writes to takes the source's most common TTL as its default ($TTL);
every RRset with another TTL keeps it (a host's: a record repeating the host's data with it).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cinv import names
from cinv.errors import CinvError, Problem, ProblemsError
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    FoundRecord,
    FoundZone,
    domains,
    fold_interfaces,
    network_holding,
)
from cinv.importers.zonefile import Row, parse
from cinv.records import zonemap
from cinv.records import zones as zonelib
from cinv.records.model import Inventory

SIGNER = {"RRSIG", "NSEC", "NSEC3", "NSEC3PARAM"}


@dataclass
class RRset:
    name: str
    type: str
    ttl: int
    rdatas: list = field(default_factory=list)
    wheres: list = field(default_factory=list)

    @property
    def where(self) -> str:
        return self.wheres[0]


# --- mapping -------------------------------------------------------------------------------

def _problem(where: str, message: str) -> Problem:
    path, _, line = where.rpartition(":")
    return Problem(path, int(line), message, "error", "import") if line.isdigit() else \
        Problem(where, 0, message, "error", "import")


def _rrsets(rows: list[Row]) -> dict[tuple[str, str], RRset]:
    """Records grouped into RRsets, in file order; an RRset has the TTL of its first record
    (as named keeps it)."""
    import dns.rdatatype
    out: dict[tuple[str, str], RRset] = {}
    for row in rows:
        rtype = dns.rdatatype.to_text(row.rdata.rdtype)
        rs = out.get((row.name, rtype))
        if rs is None:
            rs = out[(row.name, rtype)] = RRset(row.name, rtype, row.ttl)
        if row.rdata not in rs.rdatas:
            rs.rdatas.append(row.rdata)
            rs.wheres.append(row.where)
    return out


def read(path: Path, shown: str, inv: Inventory, zone: str, root: Path | None = None,
         take_nameservers: bool = False) -> Findings:
    try:
        zone = names.check_fqdn(zone)
    except ValueError as e:
        raise CinvError(f"--zone: {e}") from None
    rows = parse(path, shown, zone, root)
    outside = [r for r in rows if r.name != zone and not r.name.endswith("." + zone)]
    if outside:
        raise ProblemsError([_problem(r.where, f"{r.name}: lies outside the zone {zone}; an "
                                      "import never writes a name outside the zone it imports "
                                      "(nothing was written)") for r in outside])
    rrsets = _rrsets(rows)
    _refuse_cname_and_other_data(rrsets)
    found = _Mapper(inv, zone, shown, rrsets).run()
    _apex(found, inv, zone, rrsets, take_nameservers)
    return found


def _refuse_cname_and_other_data(rrsets: dict) -> None:
    by_name: dict[str, list[RRset]] = {}
    for (name, _t), rs in rrsets.items():
        by_name.setdefault(name, []).append(rs)
    bad = []
    for name, sets in by_name.items():
        kinds = {rs.type for rs in sets} - SIGNER
        cname = next((rs for rs in sets if rs.type == "CNAME"), None)
        if cname is not None and (len(kinds) > 1 or len(cname.rdatas) > 1):
            others = ", ".join(f"{rs.type} at {rs.where}" for rs in sets if rs is not cname)
            others = others or f"a second CNAME at {cname.wheres[1]}"
            bad.append(_problem(cname.where, f"{name}: a CNAME beside other data ({others}); "
                                "named refuses this zone, and so does cinv"))
    if bad:
        raise ProblemsError(bad)


class _Mapper:
    def __init__(self, inv: Inventory, zone: str, shown: str, rrsets: dict):
        self.inv = inv
        self.zone = zone
        self.rrsets = rrsets
        self.found = Findings(source=shown)
        self.served = zonemap.served_zones(inv)
        self.homes = set(self.served) | {zone}
        self.reverse = zonelib.is_reverse(zone)
        self.cuts = {name for (name, t) in rrsets if t == "NS" and name != zone}
        self.cuts |= {z.fqdn(r.owner) for z in inv.zones.values() for r in z.records
                      if r.type == "NS" and r.owner != "@"}
        self.records: list[tuple[RRset, list, str]] = []  # (rrset, rdatas, home zone)
        self.hosts: dict[str, FoundHost] = {}
        self.restate: list[tuple[RRset, str]] = []  # host data, with its home zone

    def home(self, name: str) -> str:
        return zonelib.zone_of(name, self.homes)

    def run(self) -> Findings:
        for (name, rtype), rs in self.rrsets.items():
            if rtype == "SOA":
                if name != self.zone:
                    self.found.skip(rs.where, f"{name} SOA", "a SOA below the zone's apex")
            elif rtype == "NS" and name == self.zone:
                continue  # the inventory's nameservers (see _apex)
            elif rtype in SIGNER:
                for where in rs.wheres:
                    self.found.skip(where, f"{name} {rtype}", "signatures and denial records "
                                    "are made by the signer, not kept")
            elif rtype in ("NS", "DS") and name in self.served:
                for where in rs.wheres:
                    self.found.skip(where, f"{name} {rtype}", f"{name} is a zone cinv serves; "
                                    "its delegation is cinv's")
        todo = {k: rs for k, rs in self.rrsets.items() if k[1] not in SIGNER
                and k[1] != "SOA" and not (k[1] == "NS" and k[0] == self.zone)
                and not (k[1] in ("NS", "DS") and k[0] in self.served and k[0] != self.zone)}
        if self.reverse:
            self._reverse(todo)
        else:
            self._forward(todo)
        for rs in todo.values():
            self.records.append((rs, list(rs.rdatas), self.home(rs.name)))
        self._zones()
        hosts = list(self.hosts.values())
        self.found.hosts = fold_interfaces(hosts, self.inv, domains(self.inv) | self.homes)
        return self.found

    # --- forward zones: hosts, extra names, aliases ------------------------------------------

    def _forward(self, todo: dict) -> None:
        inv = self.inv
        not_hosts = domains(inv) | self.homes
        held = {}
        for host in inv.active_hosts():
            for index, iface in enumerate(host.interfaces):
                key = (iface.ipv4, iface.ipv6)
                if key != (None, None):
                    fqdn = host.name if index == 0 else f"{iface.name}.{host.name}"
                    held.setdefault(key, (host, iface, fqdn))
        taken = {a for key in held for a in key if a is not None}  # by an interface already
        first_by_key: dict[tuple, str] = {}
        names_of: dict[str, list[str]] = {}
        order = list(dict.fromkeys(name for name, rtype in todo if rtype in ("A", "AAAA")))
        for name in order:
            a, aaaa = todo.get((name, "A")), todo.get((name, "AAAA"))
            key = self._host_key(name, a, aaaa, not_hosts)
            if key is None:
                continue
            v4, v6, net = key
            if name in inv.hosts:
                self._host(name, a, aaaa, v4, v6, net)
                first_by_key.setdefault((v4, v6), name)
                taken |= {v4, v6} - {None}
            elif (v4, v6) in held:
                host, iface, fqdn = held[(v4, v6)]
                if name != fqdn:
                    self._extra_name(host.name, iface.name, iface.network, name, a, aaaa)
                else:
                    self._restate(a, aaaa)
            elif (v4, v6) in first_by_key:
                names_of.setdefault(first_by_key[(v4, v6)], []).append(name)
                self._restate(a, aaaa)
            elif taken & {v4, v6} - {None}:
                continue  # one of its addresses is another interface's: a record says so
            else:
                first_by_key[(v4, v6)] = name
                taken |= {v4, v6} - {None}
                self._host(name, a, aaaa, v4, v6, net)
            for rs in (a, aaaa):
                if rs is not None:
                    del todo[(name, rs.type)]
        for owner, extra in names_of.items():
            self.hosts[owner].interfaces[0].names.extend(extra)
        self._aliases(todo, not_hosts)

    def _host_key(self, name: str, a, aaaa, not_hosts: set):
        """(IPv4, IPv6, network) if this name can be a host (or a host's extra name)."""
        if name in not_hosts or zonelib.zone_of(name, self.cuts) is not None:
            return None
        try:
            if names.check_fqdn(name) != name:
                return None
        except ValueError:
            return None
        if (a is not None and len(a.rdatas) != 1) or (aaaa is not None and len(aaaa.rdatas)
                                                       != 1):
            return None  # round-robin: records
        import ipaddress
        v4 = ipaddress.IPv4Address(a.rdatas[0].address) if a is not None else None
        v6 = ipaddress.IPv6Address(aaaa.rdatas[0].address) if aaaa is not None else None
        held = [network_holding(self.inv.networks.values(), x) for x in (v4, v6) if x]
        nets = {n.name if n is not None else None for n in held}
        if len(nets) != 1 or None in nets:
            return None  # no network holds it, or A and AAAA lie in two: records
        if any(n.unfit(x) for n, x in zip(held, [x for x in (v4, v6) if x])):
            return None  # a network, broadcast or gateway address is no host's: records
        return v4, v6, nets.pop()

    def _host(self, name, a, aaaa, v4, v6, net) -> None:
        where = (a or aaaa).where
        iface = FoundIface(where=where, network=net, ipv4=v4, ipv6=v6)
        self.hosts[name] = FoundHost(name=name, where=where, interfaces=[iface])
        self._restate(a, aaaa)

    def _extra_name(self, host: str, ifname: str, network: str, name: str, a, aaaa) -> None:
        where = (a or aaaa).where
        fh = self.hosts.setdefault(host, FoundHost(name=host, where=where))
        fh.interfaces.append(FoundIface(where=where, network=network, name=ifname,
                                        names=[name]))
        self._restate(a, aaaa)

    def _restate(self, *sets) -> None:
        """An RRset a host renders keeps a TTL other than its zone's as a record repeating it
        (decided once the zone's default TTL is known)."""
        for rs in sets:
            if rs is not None:
                self.restate.append((rs, self.home(rs.name)))

    def _aliases(self, todo: dict, not_hosts: set) -> None:
        """A CNAME to the name of a host's interface is an alias of that interface."""
        targets = {}
        for h in self.inv.active_hosts():
            for fqdn, iface, is_alias in self.inv.dns_names(h):
                if not is_alias:
                    targets[fqdn] = (h.name, iface.name, iface.network)
        for name, fh in self.hosts.items():
            if name not in self.inv.hosts and fh.interfaces and fh.interfaces[0].name is None:
                targets[name] = (name, None, fh.interfaces[0].network)
        for (name, rtype), rs in list(todo.items()):
            if rtype != "CNAME" or name in not_hosts or \
                    zonelib.zone_of(name, self.cuts) is not None:
                continue
            target = rs.rdatas[0].target.to_text(omit_final_dot=True).lower()
            try:
                if target not in targets or names.check_fqdn(name) != name:
                    continue
            except ValueError:
                continue
            host, ifname, network = targets[target]
            if ifname is None:
                self.hosts[host].interfaces[0].aliases.append(name)
            else:
                fh = self.hosts.setdefault(host, FoundHost(name=host, where=rs.where))
                fh.interfaces.append(FoundIface(where=rs.where, network=network, name=ifname,
                                                aliases=[name]))
            self.restate.append((rs, self.home(name)))
            del todo[(name, rtype)]

    # --- reverse zones: PTRs checked against the hosts -----------------------------------------

    def _reverse(self, todo: dict) -> None:
        inv = self.inv
        rz = zonemap.reverse_zones(inv.networks.values())
        holders = {}
        for host in inv.active_hosts():
            for index, iface in enumerate(host.interfaces):
                target = host.name if index == 0 else f"{iface.name}.{host.name}"
                own = {target, *zonemap.names_of(inv, host, iface)}
                for addr, place in ((iface.ipv4, rz.place4), (iface.ipv6, rz.place6)):
                    if addr is not None:
                        spot = place(int(addr))
                        where = zonelib.fqdn(*spot) if spot else None
                        holders[(addr.version, int(addr))] = (host, target, own, where, addr)
        generated = {f"{a & 255}.{parent}": f"{a & 255}.{child}"
                     for parent, _l, child, block in rz.delegations() for a in block}
        for (name, rtype), rs in list(todo.items()):
            spot = zonemap.reverse_address(name)
            holder = holders.get(spot) if spot else None
            if holder is None:
                if name in generated:  # cinv's CNAME into the RFC 2317 child is here
                    del todo[(name, rtype)]
                    if rtype == "PTR":  # the PTR answers through it, from the child zone
                        moved = RRset(generated[name], rtype, rs.ttl, rs.rdatas, rs.wheres)
                        self.records.append((moved, list(rs.rdatas), self.home(moved.name)))
                        continue
                    for where in rs.wheres:
                        self.found.skip(where, f"{name} {rtype}", "cinv writes the RFC 2317 "
                                        "CNAME of this address here")
                continue
            host, target, own, where, addr = holder
            if rtype != "PTR":
                for w in rs.wheres:
                    self.found.skip(w, f"{name} {rtype}", f"{addr} belongs to host {host.name} "
                                    f"({host.path}), whose PTR cinv writes")
                del todo[(name, rtype)]
                continue
            keep, matched = [], False
            for rd, w in zip(rs.rdatas, rs.wheres):
                got = rd.target.to_text(omit_final_dot=True).lower()
                if got == target:
                    matched = True
                elif got in own and where == name:
                    keep.append(rd)
                else:
                    self.found.skip(w, f"{name} PTR {got}", f"{addr} belongs to host "
                                    f"{host.name} ({host.path}), whose PTR is {target}")
            del todo[(name, rtype)]
            if keep and not matched:  # cinv always answers the host's own name here
                for rd in keep:
                    got = rd.target.to_text(omit_final_dot=True).lower()
                    self.found.skip(rs.wheres[rs.rdatas.index(rd)], f"{name} PTR {got}",
                                    f"{addr} belongs to host {host.name} ({host.path}), whose "
                                    f"PTR {target} cinv always answers; the source answers "
                                    "without it, so its PTRs to the host's other names are "
                                    "not kept either")
                keep = []
            if where != name:
                if keep:
                    for rd in keep:
                        self.found.skip(rs.where, f"{name} PTR {rd.target}", "cinv serves "
                                        f"this address's PTR at {where}")
                continue
            if keep or matched:
                if keep:
                    self.records.append((rs, keep, self.home(name)))
                if matched:
                    self.restate.append((RRset(name, "PTR", rs.ttl,
                                               [r for r in rs.rdatas if
                                                r.target.to_text(omit_final_dot=True).lower()
                                                == target], rs.wheres), self.home(name)))

    # --- zones ---------------------------------------------------------------------------

    def _zones(self) -> None:
        """Each zone written to: its default TTL (the source's most common), and its records
        (an RRset's own TTL where it differs, and host data restated with a TTL of its own)."""
        ttls: dict[str, Counter] = {}
        for rs, _rds, home in [*self.records, *((rs, None, h) for rs, h in self.restate)]:
            ttls.setdefault(home, Counter())[rs.ttl] += 1
        found: dict[str, FoundZone] = {}
        for home, counter in ttls.items():
            best = max(counter.items(), key=lambda kv: (kv[1], -kv[0]))[0]
            found[home] = FoundZone(name=home, where=self.found.source, ttl=best)
        if self.zone not in found and (self.zone not in self.served
                                       or (self.zone, "SOA") in self.rrsets):
            found[self.zone] = FoundZone(name=self.zone, where=self.found.source)
        for rs, rdatas, home in self.records:
            self._add(found[home], rs, rdatas)
        for rs, home in self.restate:
            if rs.ttl != found[home].ttl:
                self._add(found[home], rs, rs.rdatas)
        self.found.zones = [found[z] for z in sorted(found)]

    def _add(self, fz: FoundZone, rs: RRset, rdatas: list) -> None:
        owner_text = zonelib.relative(rs.name, fz.name)
        try:
            owner = zonelib.owner(owner_text, fz.name)
        except ValueError as e:
            for w in rs.wheres:
                self.found.skip(w, f"{rs.name} {rs.type}", f"owner name: {e}")
            return
        ttl = None if rs.ttl == fz.ttl else rs.ttl
        for rd in rdatas:
            where = rs.wheres[rs.rdatas.index(rd)]
            value = zonelib.stored_value(fz.name, rd)
            try:
                zonelib.rtype(rs.type)
                zonelib.check_value(fz.name, rs.type, value)
            except ValueError as e:
                self.found.skip(where, f"{rs.name} {rs.type}", str(e))
                continue
            fz.records.append(FoundRecord(owner, rs.type, value, ttl, where))


# --- the apex: SOA serial and timers kept, NS offered -------------------------------------------

def guess_scheme(serial: int) -> str:
    """The serial scheme a source's serial looks like: date (YYYYMMDDnn of a real day in
    1990-2099), unixtime (from 2001 on, 10 digits), else counter."""
    day, _nn = divmod(serial, 100)
    year, rest = divmod(day, 10000)
    month, mday = divmod(rest, 100)
    if 1990 <= year <= 2099 and 1 <= month <= 12 and 1 <= mday <= 31:
        return "date"
    if serial >= 1_000_000_000:
        return "unixtime"
    return "counter"


def _apex(found: Findings, inv: Inventory, zone: str, rrsets: dict, take: bool) -> None:
    """The source's SOA becomes the zone's serial floor, scheme and timers; its apex NS are
    offered for cinv.yaml while that names the placeholder nameserver (taken with
    --take-nameservers), and are the inventory's otherwise."""
    from cinv.records.model import PLACEHOLDER_NS, SOA_TIMERS
    soa_set = rrsets.get((zone, "SOA"))
    ns_set = rrsets.get((zone, "NS"))
    soa = soa_set.rdatas[0] if soa_set is not None else None
    if soa is not None:
        fz = next(z for z in found.zones if z.name == zone)
        fz.soa = {k: int(getattr(soa, k)) for k in SOA_TIMERS}
        fz.serial_floor = int(soa.serial)
        fz.serial_scheme = guess_scheme(soa.serial)
        found.notes.append(f"{soa_set.where}: SOA serial {soa.serial} kept as the serial floor "
                           f"of {zone} (rendered serials stay above it; scheme "
                           f"{fz.serial_scheme}), timers " + ", ".join(
                               f"{k} {fz.soa[k]}" for k in SOA_TIMERS))
    if ns_set is None:
        return
    servers = [rd.target.to_text().lower() for rd in ns_set.rdatas]
    dns = inv.settings.dns
    placeholder = PLACEHOLDER_NS in dns.nameservers or dns.primary_ns == PLACEHOLDER_NS
    if not placeholder:
        found.notes.append(f"{ns_set.where}: the apex NS of {zone} are the inventory's "
                           f"(cinv.yaml dns.nameservers: {', '.join(dns.nameservers)}), not "
                           "imported")
        return
    primary = soa.mname.to_text().lower() if soa is not None else servers[0]
    offer = {"nameservers": sorted(servers), "primary_ns": primary}
    if soa is not None:
        offer["hostmaster"] = soa.rname.to_text().lower()
    if take:
        found.dns = offer
        return
    found.notes.append(f"{ns_set.where}: the source names the nameservers {', '.join(servers)} "
                       f"(SOA primary {primary}); cinv.yaml still names the placeholder "
                       f"{PLACEHOLDER_NS}: import again with --take-nameservers to make them "
                       "the inventory's (dns.nameservers, primary_ns, hostmaster)")
