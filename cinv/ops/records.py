"""A zone's own records (zones/<zone>.yaml): record add, rm, list.

A change is checked like a host change: against the zones, and the hosts the changed records
can clash with (holders of the record's name, its target, the names below a delegation, the
address of a reverse name), found through the host index; it is refused if it adds an error
`cinv check` would report, and stored as one commit naming the record.
"""
from __future__ import annotations

from dataclasses import replace

from cinv import names
from cinv.errors import CinvError
from cinv.records import yamlio, zonemap
from cinv.records import zones as zonelib
from cinv.records.model import Inventory, Zone, ZoneRecord
from cinv.workspace import Workspace


def zone_name(text: str) -> str:
    try:
        return names.check_fqdn(text.rstrip(".") if isinstance(text, str) else text)
    except ValueError as e:
        raise CinvError(f"zone: {e}") from None


def owner_of(zone: str, name: str) -> str:
    """NAME relative to ZONE ("@" the apex); a name ending in the zone's own name, with or
    without the final dot, is taken as absolute."""
    text = name.lower()
    if text.rstrip(".") == zone or text.endswith("." + zone):
        text = text.rstrip(".") + "."
    try:
        return zonelib.owner(text, zone)
    except ValueError as e:
        raise CinvError(f"name: {e}") from None


def _where(zone: str, name: str, rtype: str) -> tuple[str, str, str]:
    """(zone name, owner relative to it, record type) of a command's ZONE NAME TYPE."""
    zname = zone_name(zone)
    owner = owner_of(zname, name)
    try:
        return zname, owner, zonelib.rtype(rtype)
    except ValueError as e:
        raise CinvError(f"type: {e}") from None


def _valid(zone: str, rec: ZoneRecord) -> None:
    """The record checked exactly as its zone file will be (schema and data)."""
    problems: list = []
    one = Zone(zone, records=[rec], path=f"zones/{zone}.yaml")
    zonelib.parse_zone(zone, yamlio.load(yamlio.dump_block(one.to_dict())), one.path, problems)
    if problems:
        raise CinvError("; ".join(p.message for p in problems))


def _near(store, zone: Zone, recs: list[ZoneRecord]):
    wanted, below, addresses = set(), set(), set()
    for rec in recs:
        fqdn = zone.fqdn(rec.owner)
        wanted.add(fqdn)
        if rec.type in ("NS", "DNAME"):
            below.add(fqdn)
        spot = zonemap.reverse_address(fqdn)
        if spot is not None:
            addresses.add(spot)
        rd = zonelib.parsed(zone.name, rec.type, rec.value)[0]
        for attr in ("target", "exchange", "hostname"):
            if rd is not None and hasattr(rd, attr):
                wanted.add(getattr(rd, attr).to_text().rstrip("."))
    return store.near_names(wanted, below, addresses)


def describe(zone: Zone, rec: ZoneRecord) -> str:
    """The record in one short line: owner, TTL if its own, type, data (long data cut)."""
    data = zonelib.rdata_text(zone.name, rec)
    if len(data) > 80:
        data = data[:60] + f"... ({len(data)} characters)"
    ttl = f"{rec.ttl} " if rec.ttl is not None else ""
    return f"{zone.fqdn(rec.owner)} {ttl}{rec.type} {data}"


def add_record(ws: Workspace, zone: str, name: str, rtype: str, value: str,
               ttl: int | None = None, commit: bool = True) -> tuple[Zone, ZoneRecord, bool]:
    """Add one record to zones/<zone>.yaml (made if new); returns (zone, record, new zone?)."""
    zname, owner, type_ = _where(zone, name, rtype)
    if ttl is not None and not 0 <= ttl <= zonelib.TTL_MAX:
        raise CinvError(f"--ttl: {ttl} is not between 0 and {zonelib.TTL_MAX}")
    try:
        data = zonelib.parsed(zname, type_, value)[1]
    except ValueError as e:
        raise CinvError(f"value: {e}") from None
    with ws.changing("record add") as store:
        old = store.zones.get(zname)
        created = old is None and zname not in zonemap.served_zones(
            Inventory(settings=store.settings, networks=store.networks, zones=store.zones))
        zone_ = replace(old, records=list(old.records)) if old else \
            Zone(name=zname, path=f"zones/{zname}.yaml")
        for rec in zone_.records:
            if (rec.owner, rec.type) == (owner, type_) and \
                    zonelib.parsed(zname, rec.type, rec.value)[1] == data:
                raise CinvError(f"zone {zname} has this record already: "
                                f"{describe(zone_, rec)} ({zone_.path}:{rec.line})")
        new = ZoneRecord(owner, type_, value, ttl)
        _valid(zname, new)
        zone_.records.append(new)
        zone_ = zonelib.file_text(zone_)[1]
        rec = next(r for r in zone_.records if (r.owner, r.type) == (owner, type_)
                   and zonelib.parsed(zname, r.type, r.value)[1] == data)
        what = describe(zone_, rec)
        message = f"Add record {what} to zone {zname}" + (" (a new zone)" if created else "")
        store.save_zone(zone_, message, commit, _near(store, zone_, [rec]))
        return zone_, rec, created


def remove_records(ws: Workspace, zone: str, name: str, rtype: str, value: str | None = None,
                   commit: bool = True) -> tuple[Zone, list[ZoneRecord]]:
    """Remove the TYPE records at NAME (only the one whose data equals VALUE, if given)."""
    zname, owner, type_ = _where(zone, name, rtype)
    data = None
    if value is not None:
        try:
            data = zonelib.parsed(zname, type_, value)[1]
        except ValueError as e:
            raise CinvError(f"value: {e}") from None
    with ws.changing("record rm") as store:
        old = store.zones.get(zname)
        if old is None:
            raise CinvError(f"zone {zname} has no file zones/{zname}.yaml (zones with records: "
                            f"{', '.join(sorted(store.zones)) or 'none'})")

        def matches(rec: ZoneRecord) -> bool:
            if (rec.owner, rec.type) != (owner, type_):
                return False
            try:
                return data is None or zonelib.parsed(zname, rec.type, rec.value)[1] == data
            except ValueError:
                return False
        gone = [r for r in old.records if matches(r)]
        if not gone:
            shown = zonelib.fqdn(zname, owner)
            raise CinvError(f"zone {zname} has no {type_} record at {shown}"
                            + (f" with data {value}" if value is not None else ""))
        zone_ = zonelib.file_text(replace(old, records=[r for r in old.records
                                                        if not matches(r)]))[1]
        shown = [describe(old, r) for r in gone]
        message = (f"Remove record {shown[0]} from zone {zname}" if len(shown) == 1 else
                   f"Remove {len(shown)} records from zone {zname}: {'; '.join(shown)}")
        store.save_zone(zone_, message, commit, _near(store, old, gone))
        return zone_, gone


def list_records(inv: Inventory, zone: str | None = None) -> list[dict]:
    """Every record of zones/ (of one zone), in the order of the files, as dicts; ttl is the
    TTL it is served with (its own, else its zone's, else cinv.yaml's dns.ttl)."""
    if zone is not None:
        zname = zone_name(zone)
        if zname not in inv.zones:
            raise CinvError(f"zone {zname} has no file zones/{zname}.yaml (zones with records: "
                            f"{', '.join(sorted(inv.zones)) or 'none'})")
        chosen = [inv.zones[zname]]
    else:
        chosen = [inv.zones[z] for z in sorted(inv.zones, key=lambda z: z.split(".")[::-1])]
    out = []
    for z in chosen:
        stored = z.to_dict()["records"]
        for owner, items in stored.items():
            for item in items:
                out.append({"zone": z.name, "name": owner, "fqdn": z.fqdn(owner),
                            "type": item["type"], "value": item["value"],
                            "ttl": item.get("ttl", z.ttl if z.ttl is not None
                                            else inv.settings.dns.ttl)})
    return out
