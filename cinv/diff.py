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
    status: str  # added | removed | changed
    changes: list[Change] = field(default_factory=list)
    record: dict | None = None  # the new record (added) or the old one (removed)


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


def _records(kind: str, old: dict, new: dict) -> list[RecordDiff]:
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            out.append(RecordDiff(kind, name, "added", record=new[name].to_dict()))
        elif name not in new:
            out.append(RecordDiff(kind, name, "removed", record=old[name].to_dict()))
        else:
            changes = compare_records(old[name].to_dict(), new[name].to_dict())
            if changes:
                out.append(RecordDiff(kind, name, "changed", changes))
    return out


def _settings_dict(inv: Inventory) -> dict:
    s = inv.settings
    return {"domain": s.domain, "mac_prefix": s.mac_prefix, "dns": asdict(s.dns),
            "render": {"out": s.render_out,
                       "targets": {n: asdict(t) for n, t in sorted(s.targets.items())}},
            "libvirt": {"image_dir": s.image_dir}, "git": {"auto_commit": s.auto_commit},
            "kea": {"interfaces": s.kea_interfaces}}


def diff(old: Inventory, new: Inventory) -> list[RecordDiff]:
    out = _records("network", old.networks, new.networks)
    out += _records("host", old.hosts, new.hosts)
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
        if d.record is not None:
            item["record"] = d.record
        if d.changes:
            item["changes"] = [{"field": c.field, "from": c.old, "to": c.new} for c in d.changes]
        out.append(item)
    return out
