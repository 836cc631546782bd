"""What changed between two inventories, in inventory terms: records added, removed, and
changed field by field. Pure functions over loaded Inventories."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from cinv.model import Inventory


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


def _zone_dict(zone) -> dict:
    """A zone as the diff shows it: one entry per record, "<owner> <TYPE> <value>" -> its TTL
    (a flat mapping, so a record added, removed or re-timed is one line)."""
    out: dict = {"ttl": zone.ttl}
    settings = {"soa": dict(zone.soa), "serial": zone.serial, "serial_floor": zone.serial_floor}
    out.update({k: v for k, v in settings.items() if v})
    for owner, recs in zone.by_owner():
        for r in recs:
            value = " ".join(r.value) if isinstance(r.value, list) else r.value
            out[f"{owner} {r.type} {value}".replace(".", "\u2024")] = \
                r.ttl if r.ttl is not None else "default"
    return out


class _ZoneView:
    def __init__(self, zone):
        self.zone = zone

    def to_dict(self) -> dict:
        return _zone_dict(self.zone)


def diff(old: Inventory, new: Inventory, renames: dict | None = None) -> list[RecordDiff]:
    """renames: {old host name: new host name} (gitstore.renames_between, content_renames):
    those hosts show as renamed, with their field changes."""
    out = _records("network", old.networks, new.networks)
    out += _records("host", old.hosts, new.hosts, renames)
    zones = _records("zone", {n: _ZoneView(z) for n, z in old.zones.items()},
                     {n: _ZoneView(z) for n, z in new.zones.items()})
    for d in zones:  # the keys were kept from flattening at dots; give them back
        for c in d.changes:
            c.field = c.field.replace("\u2024", ".")
        if d.record is not None:
            d.record = {k.replace("\u2024", "."): v for k, v in d.record.items()}
    out += zones
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


def as_text(diffs: list[RecordDiff]) -> str:
    lines = []
    for d in diffs:
        if d.status == "added":
            lines.append(f"+ {d.kind} {d.name}{_summary(d.record)}")
        elif d.status == "removed":
            lines.append(f"- {d.kind} {d.name}")
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
    return "\n".join(lines)


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
