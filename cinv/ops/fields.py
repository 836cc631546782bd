"""`cinv host set NAME KEY=VALUE...`: each VALUE read by its field's type, as `host add` reads
the same value from its flag.

- free text (description, location, hardware.vendor/model/serial, libvirt.name/uuid) is taken
  as typed: `description=a: b` is the text "a: b", `serial=0012` keeps its zeros;
- lists (tags, aliases, hardware.disks) take `a,b` or a YAML flow list `[a, b]`;
- `parent` takes what `--parent` takes: a short name or an FQDN;
- an interface's `ipv4`, `ipv6` and `mac` take `auto` and `none` as `host add` does;
- `vars...` and whole mappings are YAML; any other value is YAML only when it is a flow list or
  mapping, a number, true/false or null, else text;
- `KEY=` removes the field.
"""
from __future__ import annotations

import copy
import re

from cinv.errors import CinvError, ProblemsError
from cinv.ops.describe import changes, sentence
from cinv.ops.interfaces import pick_ip, pick_mac
from cinv.records import dhcpopts, schema, values, yamlio
from cinv.records.model import TRANSITIONS, Host
from cinv.store import Store
from cinv.workspace import Workspace

TEXT = {"description", "location", "hardware.vendor", "hardware.model", "hardware.serial",
        "libvirt.name", "libvirt.uuid", "interfaces.duid"}
LISTS = ("tags", "aliases", "disks", "names", "other_macs")
_SCALAR = re.compile(r"^(?:[-+]?\d+|[-+]?\d*\.\d+|true|false|null|~)\Z")
_IFACE_FIELD = re.compile(r"^interfaces\.([^.]+)\.(ipv4|ipv6|mac)\Z")
REMOVE = object()


def parse_value(key: str, raw: str):
    """A typed VALUE for KEY (REMOVE for an empty one)."""
    if raw == "":
        return REMOVE
    leaf = key_path(key)[-1]
    generic = re.sub(r"^interfaces\.[^.]+\.", "interfaces.", key)
    if key in TEXT or generic in TEXT:
        return raw
    if key.split(".", 1)[0] == "vars" or raw.lstrip().startswith(("[", "{")):
        return _yaml(key, raw)
    if leaf in LISTS:
        return [item.strip() for item in raw.split(",") if item.strip()]
    if _SCALAR.match(raw.strip()):
        return _yaml(key, raw)
    return raw


def _yaml(key: str, raw: str):
    try:
        return yamlio.load(raw)
    except yamlio.YamlError as e:
        raise CinvError(f"{key}: {raw!r} is not valid YAML ({e})") from None


def _step(data, part: str, key: str, where: str):
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and item.get("name") == part:
                return item
        if part.isdigit() and int(part) < len(data):
            return data[int(part)]
        raise CinvError(f"{key}: no item {part!r} in {where}")
    if not isinstance(data, dict):
        raise CinvError(f"{key}: {where} is not a mapping")
    return data.get(part)


def key_path(key: str) -> list[str]:
    """The parts of a dotted key. A DHCP option's name may hold dots itself
    (`dhcp.options.dhcp6.name-servers`): what follows `dhcp.options.` is one name, and a name
    cinv knows is taken under its stored (dhcpd) name, so any server's spelling replaces it."""
    parts = key.split(".")
    for i in range(len(parts) - 2):
        if parts[i:i + 2] == ["dhcp", "options"]:
            name = ".".join(parts[i + 2:])
            opt = dhcpopts.lookup(name)
            return parts[:i + 2] + [opt.name if opt is not None else name]
    return parts


def set_dotted(data: dict, key: str, value) -> None:
    """Set (or with REMOVE, drop) a dotted key; list items are addressed by name or index."""
    parts = key_path(key)
    cur = data
    for depth, part in enumerate(parts[:-1]):
        nxt = _step(cur, part, key, ".".join(parts[:depth]) or "the record")
        if nxt is None:
            if not isinstance(cur, dict):
                raise CinvError(f"{key}: no item {part!r}")
            nxt = cur[part] = {}
        cur = nxt
    last = parts[-1]
    if isinstance(cur, list):
        item = _step(cur, last, key, ".".join(parts[:-1]))
        index = cur.index(item)
        if value is REMOVE:
            del cur[index]
        else:
            cur[index] = value
    elif isinstance(cur, dict):
        if value is REMOVE:
            cur.pop(last, None)
        else:
            cur[last] = value
    else:
        raise CinvError(f"{key}: {'.'.join(parts[:-1])} is not a mapping")


def _interface_value(store: Store, host: Host, ifname: str, field: str, raw: str):
    """auto / none for an interface's ipv4, ipv6 or mac, allocated as `iface set` does."""
    iface = host.interface(ifname)
    if iface is None:
        have = ", ".join(i.name for i in host.interfaces) or "none"
        raise CinvError(f"interfaces.{ifname}: host {host.name} has no interface {ifname!r} "
                        f"(it has: {have})")
    label = f"interfaces.{ifname}.{field}"
    if raw == "none":
        return REMOVE
    if field == "mac":
        return values.mac_str(pick_mac(store, raw, label, own=iface.mac))
    net = store.find_network(iface.network)
    addr = pick_ip(store, net, int(field[-1]), raw, label, own=getattr(iface, field),
                   mac=iface.mac)
    return REMOVE if addr is None else str(addr)


def split_assignments(items: list[str], example: str):
    """(KEY, VALUE) of each KEY=VALUE argument of `host set` and `net set`; one without a KEY
    or an `=` is refused, with an example of the command's keys."""
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise CinvError(f"{item!r}: expected KEY=VALUE ({example}; KEY= removes)")
        yield key, raw


def set_host(ws: Workspace, name: str, assignments: list[str],
             commit: bool = True) -> tuple[Host, list[str]]:
    """Change fields of a host; returns the host as stored and what changed."""
    with ws.changing("host set") as store:
        host = store.find_host(name)
        # A deep copy: to_dict() shares the record's nested values (vars, libvirt), and a key
        # set in place would change the "before" side too, so the change looked like none.
        before = copy.deepcopy(host.to_dict())
        data = copy.deepcopy(before)
        for key, raw in split_assignments(
                assignments, "dotted keys for nesting, e.g. hardware.memory=8GiB"):
            if key in ("name", "path"):
                raise CinvError(f"{key}: a host's name is its file name; use `cinv host rename "
                                f"{host.short} NEW`")
            if key == "state" and raw != host.state:
                legal = TRANSITIONS.get(host.state, ())
                if raw not in legal:
                    raise CinvError(f"state: {host.state} -> {raw or '(unset)'} is not a legal "
                                    f"transition; from {host.state} the legal ones are: "
                                    f"{', '.join(legal)} (see `cinv host state`)")
            m = _IFACE_FIELD.match(key)
            if key == "parent" and raw:
                value = store.find_host(raw).name
            elif m and raw in ("auto", "none"):
                value = _interface_value(store, host, m.group(1), m.group(2), raw)
            else:
                value = parse_value(key, raw)
            set_dotted(data, key, value)
        problems: list = []
        parsed = schema.parse_host(host.name, yamlio.load(yamlio.dump(data)), host.path,
                                   problems)
        if problems or parsed is None:
            raise ProblemsError(problems)
        said = changes(before, parsed.to_dict())
        if not said:
            return parsed, []
        store.save(f"Change host {host.name}: {sentence(said)}", commit,
                   hosts={host.path: parsed})
        return parsed, said
