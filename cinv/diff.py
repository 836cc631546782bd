"""What changed between two inventories, in inventory terms: records added, removed, and
changed field by field. Pure functions over loaded Inventories."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cinv import printable
from cinv.records.model import Inventory, owner_key


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class RecordDiff:
    kind: str  # host | network | settings
    name: str
    status: str  # added | removed | changed | renamed
    changes: list[Change] = field(default_factory=list)
    record: dict | None = None  # the new record (added) or the old one (removed)
    old_name: str | None = None  # renamed: the name it had


def flatten(value, prefix: str = "") -> dict:
    """Dotted keys for nested mappings; lists of named mappings (interfaces, disks with names)
    are keyed by name, other lists are compared whole."""
    out: dict = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}{key}."))
        return out
    if (isinstance(value, list) and value and all(isinstance(i, dict) and "name" in i
                                                  for i in value)):
        for item in value:
            rest = {k: v for k, v in item.items() if k != "name"}
            out[f"{prefix}{item['name']}"] = None  # presence of the item itself
            out.update(flatten(rest, f"{prefix}{item['name']}."))
        return out
    out[prefix[:-1]] = value
    return out


def compare_records(old: dict, new: dict) -> list[Change]:
    a, b = flatten(old), flatten(new)
    changes = []
    for key in sorted(set(a) | set(b)):
        if key in a and key in b and a[key] == b[key]:
            continue
        if a.get(key) is None and b.get(key) is None and (key in a) == (key in b):
            continue
        if key not in a and b.get(key) is None:
            changes.append(Change(key, None, "(added)"))
        elif key not in b and a.get(key) is None:
            changes.append(Change(key, "(removed)", None))
        else:
            changes.append(Change(key, a.get(key), b.get(key)))
    return changes


def _records(kind: str, old: dict, new: dict, renames: dict | None = None) -> list[RecordDiff]:
    out = []
    renamed = _renamed(old, new, renames or {})
    gone = set(renamed)
    came = {b: a for a, b in renamed.items()}
    for name in sorted(set(old) | set(new)):
        if name in came:
            changes = compare_records(old[came[name]].to_dict(), new[name].to_dict())
            out.append(RecordDiff(kind, name, "renamed", changes, old_name=came[name]))
        elif name in gone:
            continue
        elif name not in old:
            out.append(RecordDiff(kind, name, "added", record=new[name].to_dict()))
        elif name not in new:
            out.append(RecordDiff(kind, name, "removed", record=old[name].to_dict()))
        else:
            changes = compare_records(old[name].to_dict(), new[name].to_dict())
            if changes:
                out.append(RecordDiff(kind, name, "changed", changes))
    return out


def _one(name: str, names: set) -> str | None:
    """name itself, or the one name of names it is the short form of (vm04 of vm04.lab.net)."""
    if name in names:
        return name
    found = [n for n in names if n.startswith(f"{name}.")]
    return found[0] if len(found) == 1 else None


def _renamed(old: dict, new: dict, renames: dict) -> dict[str, str]:
    """{old name: new name} among records only in old and only in new, as renames names."""
    removed = {n for n in old if n not in new}
    added = {n for n in new if n not in old}
    pairs = {}
    for a, b in renames.items():
        a, b = _one(a, removed), _one(b, added)
        if a is not None and b is not None and b not in pairs.values():
            pairs[a] = b
    return pairs


def content_renames(old: Inventory, new: Inventory) -> dict[str, str]:
    """{old name: new name} of hosts whose record is exactly the same but for its name, one on
    each side (an uncommitted `host rename`, or a file moved by hand). Only for one step, such
    as HEAD to the work tree: across commits a freed address and MAC may be taken by another
    host, and that is no rename (see gitstore.renames_between)."""
    removed = [n for n in old.hosts if n not in new.hosts]
    added = [n for n in new.hosts if n not in old.hosts]
    by_content: dict = {}
    for side, names, inv in ((0, removed, old), (1, added, new)):
        for n in names:
            key = repr(inv.hosts[n].to_dict())
            by_content.setdefault(key, ([], []))[side].append(n)
    return {a[0]: b[0] for a, b in by_content.values() if len(a) == 1 and len(b) == 1}


def chain(first: dict[str, str], then: dict[str, str]) -> dict[str, str]:
    """Renames one after the other: a -> b then b -> c gives a -> c."""
    out = {a: then.get(b, b) for a, b in first.items()}
    out.update({a: b for a, b in then.items() if a not in first.values()})
    return {a: b for a, b in out.items() if a != b}


def _settings_dict(inv: Inventory) -> dict:
    s = inv.settings
    return {"domain": s.domain, "mac_prefix": s.mac_prefix, "dns": asdict(s.dns),
            "render": {"out": s.render_out,
                       "targets": {n: asdict(t) for n, t in sorted(s.targets.items())}},
            "libvirt": {"image_dir": s.image_dir}, "git": {"auto_commit": s.auto_commit},
            "kea": {"interfaces": s.kea_interfaces}, "ansible": asdict(s.ansible)}


def _served(inv: Inventory, zone) -> dict[str, int]:
    """A zone's own records as served: "<owner> <TYPE> <data as named reads it>" -> the TTL
    it is served with (its own, else the zone's, else cinv.yaml's dns.ttl)."""
    from cinv.records.zones import rdata_text
    default = zone.ttl if zone.ttl is not None else inv.settings.dns.ttl
    out = {}
    for owner, recs in zone.by_owner():
        for r in recs:
            try:
                data = rdata_text(zone.name, r)
            except ValueError:  # not DNS data (check says so): shown as written
                data = " ".join(r.value) if isinstance(r.value, list) else str(r.value)
            out[f"{owner} {r.type} {data}"] = r.ttl if r.ttl is not None else default
    return out


ZONE_SETTINGS = ("ttl", "serial", "serial_floor")  # and soa.<timer>: a zone's own settings


def _zone_settings(zone) -> dict:
    """A zone's own settings as the diff names them: serial (the scheme), serial_floor and
    soa.<timer>; a change of them changes the zone's serials."""
    if zone is None:
        return {}
    out = {f"soa.{k}": v for k, v in dict(zone.soa).items()}
    out.update({k: v for k, v in (("serial", zone.serial), ("serial_floor", zone.serial_floor))
                if v})
    return out


def _zones(old: Inventory, new: Inventory) -> list[RecordDiff]:
    """Zones' own records as octoDNS's plan shows them: each record added or removed with the
    TTL it is (was) served with, a TTL changed, and the zone's default TTL."""
    out = []
    for name in sorted(set(old.zones) | set(new.zones)):
        a = _served(old, old.zones[name]) if name in old.zones else {}
        b = _served(new, new.zones[name]) if name in new.zones else {}
        changes = [Change(key, a.get(key), b.get(key)) for key in _record_order(a, b)
                   if a.get(key) != b.get(key)]
        ttls = [z.ttl if z is not None else None for z in (old.zones.get(name),
                                                           new.zones.get(name))]
        if name in old.zones and name in new.zones and ttls[0] != ttls[1]:
            changes.insert(0, Change("ttl", ttls[0], ttls[1]))
        sa, sb = _zone_settings(old.zones.get(name)), _zone_settings(new.zones.get(name))
        changes[:0] = [Change(key, sa.get(key), sb.get(key)) for key in sorted(set(sa) | set(sb))
                       if sa.get(key) != sb.get(key)]
        status = ("added" if name not in old.zones else "removed" if name not in new.zones
                  else "changed")
        if changes or status != "changed":
            out.append(RecordDiff("zone", name, status, changes))
    return out


def _record_order(a: dict, b: dict) -> list[str]:
    """Records of both sides in the zone's order (owners in DNS order, as stored)."""
    def key(record: str) -> tuple:
        owner, _, rest = record.partition(" ")
        return owner_key(owner), rest
    return sorted(set(a) | set(b), key=key)


def diff(old: Inventory, new: Inventory, renames: dict | None = None) -> list[RecordDiff]:
    """renames: {old host name: new host name} (gitstore.renames_between, content_renames):
    those hosts show as renamed, with their field changes."""
    out = _records("network", old.networks, new.networks)
    out += _records("host", old.hosts, new.hosts, renames)
    out += _zones(old, new)
    changes = compare_records(_settings_dict(old), _settings_dict(new))
    if changes:
        out.insert(0, RecordDiff("settings", "cinv.yaml", "changed", changes))
    return out


def _value(v) -> str:
    if v is None:
        return "(unset)"
    if isinstance(v, list):
        return "[" + ", ".join(str(i) for i in v) + "]"
    return str(v)


def _summary(record: dict) -> str:
    first = (record.get("interfaces") or [{}])[0]
    parts = [str(first[k]) for k in ("ipv4", "ipv6", "mac") if first.get(k)]
    if "ipv4" in record or "ipv6" in record:
        parts = [str(record[k]) for k in ("ipv4", "ipv6") if record.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


def _zone_lines(d: RecordDiff) -> list[str]:
    """`+ zone corp.example: @ 3600 TXT "v=spf1 mx -all"`, as octoDNS's plan has it."""
    lines = []
    if d.status != "changed":
        lines.append(f"{'+' if d.status == 'added' else '-'} zone {d.name}")
    for c in d.changes:
        if c.field in ZONE_SETTINGS or c.field.startswith("soa."):  # one word: not a record
            lines.append(f"~ zone {d.name}: {c.field} {_value(c.old)} -> {_value(c.new)}")
            continue
        owner, _, rest = c.field.partition(" ")
        if c.old is None:
            lines.append(f"+ zone {d.name}: {owner} {c.new} {rest}")
        elif c.new is None:
            lines.append(f"- zone {d.name}: {owner} {c.old} {rest}")
        else:
            lines.append(f"~ zone {d.name}: {owner} {rest}: ttl {c.old} -> {c.new}")
    return lines


def as_text(diffs: list[RecordDiff]) -> str:
    lines = []
    for d in diffs:
        if d.kind == "zone":
            lines += _zone_lines(d)
        elif d.status == "added":
            lines.append(f"+ {d.kind} {d.name}{_summary(d.record)}")
        elif d.status == "removed":
            lines.append(f"- {d.kind} {d.name}{_summary(d.record)}")
        else:
            if d.status == "renamed":
                lines.append(f"> {d.kind} {d.old_name} -> {d.name} (renamed)")
            for c in d.changes:
                if c.new == "(added)":
                    lines.append(f"~ {d.kind} {d.name}: {c.field} added")
                elif c.old == "(removed)":
                    lines.append(f"~ {d.kind} {d.name}: {c.field} removed")
                else:
                    lines.append(f"~ {d.kind} {d.name}: {c.field} {_value(c.old)} -> "
                                 f"{_value(c.new)}")
    return "\n".join(map(printable.line, lines))  # a branch's values: one line each


def as_json(diffs: list[RecordDiff]) -> list[dict]:
    out = []
    for d in diffs:
        item = {"kind": d.kind, "name": d.name, "status": d.status}
        if d.old_name is not None:
            item["from"] = d.old_name
        if d.record is not None:
            item["record"] = d.record
        if d.changes:
            item["changes"] = [{"field": c.field, "from": c.old, "to": c.new} for c in d.changes]
        out.append(item)
    return out
