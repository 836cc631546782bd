"""What a change did, in words for a commit message: "tags: +backup-daily; hardware.memory:
4GiB -> 8GiB". Works on records as stored (to_dict), so a MAC reads as it is stored, not as it
was typed."""
from __future__ import annotations

NONE = "(none)"


def _flat(value, prefix: str, out: dict) -> None:
    """Dotted keys to scalars or lists of scalars; interfaces (and other lists of named
    mappings) by name, other lists of mappings by index."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flat(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list) and any(isinstance(i, dict) for i in value):
        for n, item in enumerate(value):
            label = item.get("name") if isinstance(item, dict) and item.get("name") else str(n)
            out[f"{prefix}.{label}"] = item if not isinstance(item, dict) else "\0item"
            if isinstance(item, dict):
                _flat({k: v for k, v in item.items() if k != "name"}, f"{prefix}.{label}", out)
    else:
        out[prefix] = value


def _show(value) -> str:
    if value is None:
        return NONE
    return str(value)


def _merged(old: list, new: list) -> list:
    """Both key orders in one: the new record's, with removed keys where they stood."""
    out, seen, i, j = [], set(), 0, 0
    in_new = set(new)
    while i < len(old) or j < len(new):
        if i < len(old) and old[i] in seen:
            i += 1
        elif j < len(new) and new[j] in seen:
            j += 1
        elif i < len(old) and (old[i] not in in_new or j >= len(new)):
            out.append(old[i])
            seen.add(old[i])
        elif j < len(new):
            out.append(new[j])
            seen.add(new[j])
    return out


def changes(old: dict | None, new: dict | None) -> list[str]:
    """The differences between two records, one phrase each, in the record's key order."""
    before: dict = {}
    after: dict = {}
    _flat(old or {}, "", before)
    _flat(new or {}, "", after)
    out = []
    keys = _merged(list(before), list(after))
    items = {k for k in keys if before.get(k) == "\0item" or after.get(k) == "\0item"}
    for key in keys:
        if any(key.startswith(i + ".") for i in items if key != i and
               (i not in before or i not in after)):
            continue  # inside a whole item added or removed: said once, below
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if key in items:
            parent, _, label = key.rpartition(".")
            out.append(f"{parent}: {'+' if b is not None else '-'}{label}")
        elif isinstance(a, list) or isinstance(b, list):
            a, b = a or [], b or []
            diff = [f"+{x}" for x in b if x not in a] + [f"-{x}" for x in a if x not in b]
            out.append(f"{key}: {' '.join(diff) or 'reordered'}")
        else:
            out.append(f"{key}: {_show(a)} -> {_show(b)}")
    return out


def sentence(parts: list[str]) -> str:
    return "; ".join(parts)
