"""Plan and apply an import: match what a reader found against the inventory, decide create /
update / skip (with reasons), find conflicts, and store the result as one commit.

Hosts are matched by MAC, then by name; a matched record is updated in place (only the fields the
source knows), never duplicated. Interfaces within a host are matched by MAC, then name, then
address, then network. A MAC or address that would end up on two records stops the import before
anything is written, and so does any error `cinv check` would report.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from cinv import check, ops, printable
from cinv.diff import compare_records
from cinv.errors import CinvError, Problem, ProblemsError
from cinv.importers import Findings, FoundHost, FoundIface, Unmapped
from cinv.records import schema, yamlio
from cinv.records.model import Inventory
from cinv.records.values import format_size, mac_str
from cinv.workspace import Workspace

SETTINGS = "cinv.yaml"


@dataclass
class Action:
    verb: str  # create | update | skip
    kind: str  # host | network
    name: str
    detail: str
    rel: str = ""
    data: dict | None = None
    where: str = ""  # the source's file:line it comes from

    def text(self) -> str:
        return f"{self.verb:<6} {self.kind} {self.name}: {self.detail}"


@dataclass
class Plan:
    source: str
    actions: list[Action] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[Problem] = field(default_factory=list)  # conflicts and check errors
    dry_run: bool = False

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.verb != "skip"]

    def counts(self) -> str:
        parts = []
        for kind in ("network", "host", "zone", "settings"):
            for verb, word in (("create", "to create" if self.dry_run else "created"),
                               ("update", "to update" if self.dry_run else "updated")):
                n = sum(1 for a in self.actions if a.kind == kind and a.verb == verb)
                if n:
                    parts.append(f"{n} {kind}{'s' if n > 1 else ''} {word}")
        return ", ".join(parts) or ("nothing to change" if self.dry_run else "nothing changed")

    def message(self) -> str:
        return f"Import {self.source}: {self.counts()}"

    def text(self) -> str:
        lines = [f"Plan for {self.source}:"]
        lines += [f"  {printable.line(a.text())}" for a in self.actions] or \
            ["  (nothing found to import)"]
        lines += [f"  note: {printable.line(n)}" for n in self.notes]
        if self.unmapped:
            lines.append(f"Not mapped ({len(self.unmapped)}):")
            lines += [f"  {u.text()}" for u in self.unmapped]
        if self.refused:
            lines.append("Refused (nothing will be written):")
            lines += [f"  {p.text()}" for p in self.refused]
        skipped = sum(1 for a in self.actions if a.verb == "skip")
        lines.append(f"Summary: {self.counts()}, {skipped} unchanged or skipped, "
                     f"{len(self.unmapped)} not mapped")
        return "\n".join(lines)


# --- building a plan ----------------------------------------------------------------------

def build(inv: Inventory, found: Findings) -> Plan:
    """Work out the plan; `inv` is changed to the state after the import (for checking)."""
    plan = Plan(source=found.source, unmapped=list(found.unmapped), notes=list(found.notes))
    for fn in found.networks:
        _network(inv, fn, plan)
    originals = {name: h.to_dict() for name, h in inv.hosts.items()}
    mac_owner = {mac: h.name for h in inv.active_hosts() for i in h.interfaces
                 for mac in i.macs}
    touched: dict[str, dict] = {}
    whence: dict[str, list[str]] = defaultdict(list)
    for fh in _one_holder_each(_grouped(found.hosts), plan):
        holders = sorted({mac_owner[mac] for i in fh.interfaces for mac in i.macs
                          if mac in mac_owner})
        if len(holders) > 1:
            plan.refused.append(_problem(fh.where, f"host {fh.name}: its MACs are held by "
                                         f"{' and '.join(holders)}"))
            continue
        target = holders[0] if holders else fh.name
        existing = inv.hosts.get(target)
        if existing is not None and existing.retired:
            plan.actions.append(Action("skip", "host", target, "retired; revive it (cinv host "
                                       "state NAME planned) and import again"))
            continue
        if holders and target != fh.name:
            whence[target].append(f"matched by MAC (named {fh.name} in the source)")
        data = touched.get(target)
        if data is None:
            data = existing.to_dict() if existing is not None else \
                {"kind": fh.kind or "physical", "state": "active"}
        _merge(data, fh, inv)
        _keep_host_names(target, data, fh)
        touched[target] = data
        whence[target].append(fh.where)
    for name, data in touched.items():
        _host_action(inv, name, data, originals.get(name), whence[name], plan)
    for fz in found.zones:
        _zone(inv, fz, plan)
    if found.dns:
        _settings(inv, found.dns, found.source, plan)
    plan.refused += _conflicts(inv, set(touched), {n: w[-1] for n, w in whence.items()})
    rels = {a.rel for a in plan.changes}
    plan.notes += [p.text() for p in
                   to_source(plan, [p for p in check.addresses_in_pool(inv) if p.path in rels])]
    return plan


def to_source(plan: Plan, problems: list[Problem]) -> list[Problem]:
    """Problems of records this import writes, shown at the source's file:line that gave
    them (the record may not exist yet) and naming the record."""
    by_rel = {a.rel: a for a in plan.changes}
    out = []
    for p in problems:
        action = by_rel.get(p.path)
        if action is None or not action.where:
            out.append(p)
            continue
        place = _problem(action.where, "")
        record = f"new record {p.path}" if action.verb == "create" else \
            f"{p.path}{':' + str(p.line) if p.line else ''}"
        out.append(Problem(place.path, place.line, f"{action.kind} {action.name} ({record}): "
                           f"{p.message}", p.severity, p.code))
    return out


def _problem(where: str, message: str) -> Problem:
    path, _, line = where.rpartition(":")
    if path and line.isdigit():
        return Problem(path, int(line), message, "error", "import")
    return Problem(where, 0, message, "error", "import")


def _grouped(hosts: list[FoundHost]) -> list[FoundHost]:
    """One FoundHost per name: entries of one host (A and AAAA, two dhcpd blocks) merged."""
    out: dict[str, FoundHost] = {}
    for h in hosts:
        if h.name not in out:
            out[h.name] = FoundHost(name=h.name, where=h.where)
        into = out[h.name]
        into.interfaces.extend(h.interfaces)
        for key in ("kind", "parent", "cpus", "memory", "disks", "description", "libvirt"):
            if getattr(into, key) is None:
                setattr(into, key, getattr(h, key))
    return list(out.values())


def _one_holder_each(hosts: list[FoundHost], plan: Plan) -> list[FoundHost]:
    """A MAC, DUID or address the source gives to two hosts (dhcpd takes that; cinv gives each
    to one interface): the first one keeps it, the later interface is listed, not imported;
    but a later MAC on exactly the addresses of an earlier interface (a laptop's wired and
    wireless NIC in two host blocks) becomes one of that interface's other_macs."""
    held: dict = {}  # (what, value) -> (host name, FoundIface)
    out = []
    for fh in hosts:
        keep = []
        for fi in fh.interfaces:
            keys = _keys(fi)
            clash = next((k for k in keys if k in held and held[k][1] is not fi and (
                held[k][0] != fh.name or _another_mac(held[k][1], fi, held))), None)
            if clash is None:
                keep.append(fi)
                for k in keys:
                    held.setdefault(k, (fh.name, fi))
                continue
            name, first = held[clash]
            if _another_mac(first, fi, held):
                _fold(first, fi, name, fh.name, plan)
                held.update({k: (name, first) for k in keys if k[0] == "MAC"})
                continue
            plan.unmapped.append(Unmapped(fi.where, f"host {fh.name}", f"{clash[0]} {clash[1]} is "
                                          f"also given to {name} in the source; cinv gives it to "
                                          "one interface, the first"))
        if keep or not fh.interfaces:  # a domain may have no inventory interface at all
            fh.interfaces = keep
            out.append(fh)
    return out


def _keys(fi: FoundIface) -> list[tuple[str, str]]:
    return [(what, str(value)) for what, value in (
        *(("MAC", mac_str(m)) for m in fi.macs), ("DUID", fi.duid), ("address", fi.ipv4),
        ("address", fi.ipv6)) if value is not None]


def _another_mac(first: FoundIface, later: FoundIface, held: dict) -> bool:
    """Whether a later interface only adds MACs to an earlier one: both have MACs, the later's
    are new, its addresses are the earlier's (at least one), and it names no other DUID."""
    addresses = [(a, b) for a, b in ((later.ipv4, first.ipv4), (later.ipv6, first.ipv6))
                 if a is not None]
    return (first.mac is not None and bool(later.macs) and bool(addresses)
            and all(a == b for a, b in addresses) and later.network == first.network
            and later.duid in (None, first.duid)
            and not any(("MAC", mac_str(m)) in held for m in later.macs))


def _fold(first: FoundIface, later: FoundIface, name: str, later_name: str, plan: Plan) -> None:
    first.other_macs.extend(later.macs)
    addresses = " and ".join(str(a) for a in (first.ipv4, first.ipv6) if a is not None)
    macs = ", ".join(mac_str(m) for m in later.macs)
    plan.notes.append(f"{later.where}: host {later_name}: MAC {macs} takes {addresses} of {name} "
                      "in turn: kept as another MAC of that interface (other_macs), which gets "
                      "that interface's reservation")
    if (later.dhcp or None) != (first.dhcp or None) or \
            (later.host_name or "").lower() != (first.host_name or "").lower():
        plan.unmapped.append(Unmapped(later.where, f"host {later_name}", "its own host name or "
                                      f"options differ from those of {name}; its MAC gets "
                                      f"{name}'s (one reservation, several MACs)"))


def _network(inv: Inventory, fn, plan: Plan) -> None:
    existing = inv.networks.get(fn.name)
    old = existing.to_dict() if existing is not None else None
    data = {**(old or {}), **fn.fields}
    if old and "dhcp" in old and "dhcp" in fn.fields:  # dhcpd.conf and dhcpd6.conf add up
        dhcp = {**old["dhcp"], **fn.fields["dhcp"]}
        dhcp["options"] = {**old["dhcp"].get("options", {}),
                           **fn.fields["dhcp"].get("options", {})}
        data["dhcp"] = {k: v for k, v in dhcp.items() if v}
    rel = existing.path if existing is not None else f"networks/{fn.name}.yaml"
    problems: list = []
    net = schema.parse_network(fn.name, yamlio.load(yamlio.dump(data)), rel, problems)
    if problems or net is None:
        raise ProblemsError([_problem(fn.where, f"network {fn.name}: {p.message}")
                             for p in problems])
    new = net.to_dict()
    if old == new:
        plan.actions.append(Action("skip", "network", fn.name, "unchanged"))
        return
    inv.networks[fn.name] = net
    if old is None:
        prefixes = ", ".join(str(p) for p in (net.ipv4, net.ipv6) if p is not None)
        plan.actions.append(Action("create", "network", fn.name, f"{prefixes} ({fn.where})",
                                   rel, new, fn.where))
    else:
        plan.actions.append(Action("update", "network", fn.name, _changes(old, new), rel, new,
                                   fn.where))


def _merge(data: dict, fh: FoundHost, inv: Inventory) -> None:
    """Put what the source knows into a record (as stored); other fields stay."""
    if fh.kind:
        data["kind"] = fh.kind
    if fh.parent:
        data["parent"] = fh.parent
    if fh.description and not data.get("description"):
        data["description"] = fh.description
    hw = data.setdefault("hardware", {})
    if fh.cpus is not None:
        hw["cpus"] = fh.cpus
    if fh.memory is not None:
        hw["memory"] = format_size(fh.memory)
    if fh.disks:
        hw["disks"] = [{**({"name": n} if n else {}), "size": format_size(s)}
                       for n, s in fh.disks]
    if not hw:
        del data["hardware"]
    if fh.libvirt is not None:
        data["libvirt"] = dict(fh.libvirt)
    ifaces = data.setdefault("interfaces", [])
    for fi in fh.interfaces:
        name = _merge_iface(ifaces, fi, inv)
        if fi.libvirt is not None:
            data.setdefault("libvirt", {}).setdefault("interfaces", {})[name] = fi.libvirt
    if not ifaces:
        del data["interfaces"]


def _keep_host_names(name: str, data: dict, fh: FoundHost) -> None:
    """An interface keeps, as its dhcp option host-name, a host name the source sends where
    cinv would send another (the host's name on its first interface, <if>.<host> on others)."""
    ifaces = data.get("interfaces", [])
    for fi in fh.interfaces:
        if fi.host_name is None:
            continue
        mac = mac_str(fi.mac) if fi.mac is not None else None
        index = next((n for n, d in enumerate(ifaces) if mac and d.get("mac") == mac), None)
        if index is None:
            continue
        d = ifaces[index]
        sends = name if index == 0 else f"{d['name']}.{name}"
        options = {k: v for k, v in (d.get("dhcp") or {}).get("options", {}).items()
                   if k != "host-name"}
        if fi.host_name.rstrip(".").lower() != sends:
            options["host-name"] = fi.host_name
        dhcp = {**(d.get("dhcp") or {}), "options": dict(sorted(options.items()))}
        d["dhcp"] = {k: v for k, v in dhcp.items() if v}
        if not d["dhcp"]:
            del d["dhcp"]


def _merge_iface(ifaces: list[dict], fi: FoundIface, inv: Inventory) -> str:
    """Merge into the matching interface (or a new one); returns its name."""
    mac = mac_str(fi.mac) if fi.mac is not None else None
    v4 = str(fi.ipv4) if fi.ipv4 is not None else None
    v6 = str(fi.ipv6) if fi.ipv6 is not None else None

    def fits(d: dict) -> bool:
        return all(new is None or d.get(key) in (None, new)
                   for key, new in (("mac", mac), ("ipv4", v4), ("ipv6", v6)))

    match = (next((d for d in ifaces if mac and d.get("mac") == mac), None)
             or next((d for d in ifaces if fi.name and d.get("name") == fi.name), None)
             or next((d for d in ifaces if (v4 and d.get("ipv4") == v4)
                      or (v6 and d.get("ipv6") == v6)), None)
             or next((d for d in ifaces if d.get("network") == fi.network and fits(d)), None))
    if match is None:
        taken = {d.get("name") for d in ifaces}
        name = fi.name or next(f"eth{n}" for n in range(len(taken) + 1)
                               if f"eth{n}" not in taken)
        match = {"name": name}
        ifaces.append(match)
    for key, new in (("network", fi.network), ("mac", mac), ("ipv4", v4), ("ipv6", v6),
                     ("duid", fi.duid), ("dhcp", fi.dhcp)):
        if new is not None:
            match[key] = new
    if fi.other_macs:
        others = [m for m in match.get("other_macs") or []]
        others += [mac_str(m) for m in fi.other_macs if mac_str(m) not in others]
        match["other_macs"] = [m for m in others if m != match.get("mac")]
    for key in ("aliases", "names"):
        found = getattr(fi, key)
        if not found:
            continue
        domain = inv.domain_of(match.get("network"))
        items = list(match.get(key) or [])
        have = {inv.alias_fqdn(a, _Net(match.get("network"))) for a in items}
        for fqdn in found:
            if fqdn in have:
                continue
            label, _, rest = fqdn.partition(".")
            items.append(label if rest == domain else fqdn)
            have.add(fqdn)
        match[key] = items
    return match["name"]


@dataclass
class _Net:
    network: str | None  # quacks like an Interface for Inventory.alias_fqdn


def _host_action(inv: Inventory, name: str, data: dict, old: dict | None, whence: list[str],
                 plan: Plan) -> None:
    existing = inv.hosts.get(name)
    rel = existing.path if existing is not None else f"hosts/{name}.yaml"
    problems: list = []
    host = schema.parse_host(name, yamlio.load(yamlio.dump(data)), rel, problems)
    if problems or host is None:
        where = next((w for w in whence if ":" in w), whence[0] if whence else plan.source)
        raise ProblemsError([_problem(where, f"host {name}: {p.message}") for p in problems])
    new = host.to_dict()
    notes = [w for w in whence if w.startswith("matched")]
    where = next((w for w in whence if not w.startswith("matched")), "")
    if old == new:
        plan.actions.append(Action("skip", "host", name, "unchanged"))
        return
    inv.hosts[name] = host
    if old is None:
        plan.actions.append(Action("create", "host", name, _summary(host), rel, new, where))
    else:
        plan.actions.append(Action("update", "host", name,
                                   "; ".join([*notes, _changes(old, new)]), rel, new, where))


def _zone(inv: Inventory, fz, plan: Plan) -> None:
    """A zone's own records from the source into zones/<zone>.yaml: each RRset the source has
    replaces the zone file's RRset of that name and type; other records stay. New records keep
    the source's file:line (what `cinv check` then names)."""
    from cinv.records.model import Zone, ZoneRecord
    existing = inv.zones.get(fz.name)
    rel = existing.path if existing is not None else f"zones/{fz.name}.yaml"
    old = existing.to_dict() if existing is not None else None
    ttl = existing.ttl if existing is not None else None
    effective = ttl if ttl is not None else inv.settings.dns.ttl
    if fz.ttl is not None and fz.ttl != effective:
        ttl = fz.ttl
    replaced = {(r.owner, r.type) for r in fz.records}
    records = [r for r in (existing.records if existing is not None else [])
               if (r.owner, r.type) not in replaced]
    for fr in fz.records:  # fr.ttl is None where it is the source's default, now the zone's
        path, _, line = fr.where.rpartition(":")
        records.append(ZoneRecord(fr.owner, fr.type, fr.value, fr.ttl,
                                  int(line) if line.isdigit() else 0, path or fr.where))
    zone = Zone(name=fz.name, ttl=ttl, records=records, path=rel)
    if existing is not None:
        zone.soa, zone.serial, zone.serial_floor = \
            dict(existing.soa), existing.serial, existing.serial_floor
    _zone_settings(zone, fz)
    new = zone.to_dict()
    if old == new:
        plan.actions.append(Action("skip", "zone", fz.name, "unchanged"))
        return
    inv.zones[fz.name] = zone
    added = len(fz.records)
    detail = f"{added} record{'s' if added != 1 else ''}" + (
        f", default TTL {ttl}" if ttl is not None and (old or {}).get("ttl") != ttl else "")
    for key, shown in (("serial_floor", "serial floor"), ("serial", "serial scheme"),
                       ("soa", "SOA timers")):
        if new.get(key) is not None and (old or {}).get(key) != new[key]:
            value = new[key]
            detail += f", {shown} " + (" ".join(f"{k} {v}" for k, v in value.items())
                                      if isinstance(value, dict) else str(value))
    if old is None:
        plan.actions.append(Action("create", "zone", fz.name, f"{detail} ({rel})", rel, new))
    else:
        plan.actions.append(Action("update", "zone", fz.name, f"{detail} ({rel})", rel, new))


def _zone_settings(zone, fz) -> None:
    """The source's SOA: its timers, its serial as the floor (a floor never goes back), and
    its scheme where the zone has none yet (unixtime, the default, is not written)."""
    from cinv.render.serial import after
    if fz.soa:
        zone.soa = dict(fz.soa)
    if fz.serial_floor is not None and (zone.serial_floor is None
                                        or after(fz.serial_floor, zone.serial_floor)):
        zone.serial_floor = fz.serial_floor
    if zone.serial is None and fz.serial_scheme not in (None, "unixtime"):
        zone.serial = fz.serial_scheme


def _settings(inv: Inventory, dns: dict, source: str, plan: Plan) -> None:
    """The source's nameservers into cinv.yaml's dns: (only offered while that names the
    placeholder; see importers/zone.py)."""
    current = inv.settings.dns
    old = {"nameservers": list(current.nameservers), "primary_ns": current.primary_ns,
           "hostmaster": current.hostmaster}
    changes = [f"{k} {old[k]} -> {v}" for k, v in dns.items() if old[k] != v]
    if not changes:
        plan.actions.append(Action("skip", "settings", SETTINGS, "dns: unchanged"))
        return
    for key, value in dns.items():
        setattr(current, key, list(value) if isinstance(value, list) else value)
    plan.actions.append(Action("update", "settings", SETTINGS, "dns: " + "; ".join(changes),
                               SETTINGS, dict(dns), source))


def settings_file(ws: Workspace, dns: dict) -> dict:
    """cinv.yaml as stored, with these keys of dns: replaced."""
    data = yamlio.load(ws.source().read(SETTINGS)) or {}
    data = {**data, "dns": {**(data.get("dns") or {}), **dns}}
    problems: list = []
    schema.parse_settings(yamlio.load(yamlio.dump(data)), SETTINGS, problems)
    if problems:
        raise ProblemsError(problems)
    return data


def _summary(host) -> str:
    parts = []
    for i in host.interfaces:
        others = [f"(and {', '.join(mac_str(m) for m in i.other_macs)})"] if i.other_macs else []
        duid = [f"duid {i.duid}"] if i.duid else []
        bits = [b for b in (i.mac_str, *others, *duid, i.ipv4, i.ipv6) if b is not None]
        aliases = f" (aliases {', '.join(i.aliases)})" if i.aliases else ""
        extra = f" (names {', '.join(i.names)})" if i.names else ""
        parts.append(" ".join([i.name, *map(str, bits), "on", str(i.network)]) + extra
                     + aliases)
    return "; ".join(parts) or "no interfaces"


def _changes(old: dict, new: dict) -> str:
    out = []
    for c in compare_records(old, new):
        if c.old is None:
            out.append(f"{c.field} = {_short(c.new)}")
        else:
            out.append(f"{c.field} {_short(c.old)} -> {_short(c.new)}")
    return ", ".join(out)


def _short(value, limit: int = 100) -> str:
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, (list, dict)):
        text = yamlio.dump(value).strip().replace("\n", " ")
    else:
        text = str(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _conflicts(inv: Inventory, touched: set[str], where: dict[str, str]) -> list[Problem]:
    """A MAC or address held by two records, one of them written by this import."""
    holders: dict = defaultdict(list)
    for host in inv.active_hosts():
        for iface in host.interfaces:
            for what, value in (*(("MAC", mac_str(m)) for m in iface.macs),
                                ("DUID", iface.duid), ("address", iface.ipv4),
                                ("address", iface.ipv6)):
                if value is not None:
                    holders[(what, str(value))].append(host.name)
    out = []
    for (what, value), names in sorted(holders.items()):
        mine = [n for n in names if n in touched]
        if len(names) > 1 and mine:
            others = sorted(set(names) - {mine[0]}) or [mine[0]]
            held = ", ".join(f"{n} ({inv.hosts[n].path})" for n in others)
            out.append(_problem(where.get(mine[0], ""), f"{what} {value} of {mine[0]} is "
                                f"already held by {held}"))
    return out


# --- running ------------------------------------------------------------------------------

def run(ws: Workspace, read, dry_run: bool, commit: bool) -> tuple[Plan, str | None]:
    """read(inv) -> Findings. Dry run: the plan only. Else apply it as one commit; returns the
    plan and the commit id (None when nothing changed, --no-commit, or outside git)."""
    if dry_run:
        inv = ws.load()
        before = check.error_keys(inv)
        plan = build(inv, read(inv))
        plan.dry_run = True
        if not plan.refused:
            try:
                check.refuse_added(before, inv, {a.rel for a in plan.changes})
            except ProblemsError as e:
                plan.refused = to_source(plan, e.problems)
        return plan, None
    with ws.writing("import") as inv:
        before = check.error_keys(inv)
        plan = build(inv, read(inv))
        if plan.refused:
            raise ProblemsError([Problem(plan.source, 0, "import refused, nothing written:",
                                         "error", "import"), *plan.refused])
        if not plan.changes:
            return plan, None
        writes = {a.rel: settings_file(ws, a.data) if a.kind == "settings" else a.data
                  for a in plan.changes}
        try:
            sha = ops.save(ws, before, inv, writes, [], plan.message(), commit)
        except ProblemsError as e:
            raise ProblemsError([Problem(plan.source, 0, "import refused, nothing written; "
                                         "the result would not pass `cinv check`:", "error",
                                         "import"), *to_source(plan, e.problems)]) from None
        except CinvError:
            raise
        return plan, sha
