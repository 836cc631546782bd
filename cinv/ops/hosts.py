"""Hosts and their interfaces: add, set, state, rm; iface add, rm."""
from __future__ import annotations

from cinv import allocate, names, schema, values, yamlio
from cinv.errors import CinvError, ProblemsError
from cinv.model import KINDS, TRANSITIONS, Disk, Host, Interface, Network
from cinv.store import Store
from cinv.workspace import Workspace


def resolve_name(store: Store, name: str, network: Network | None) -> str:
    domain = (network.domain if network is not None and network.domain else
              store.settings.domain)
    try:
        if names.is_pattern(name):
            return allocate.next_name(name, domain, store.names)
        return names.qualify(name, domain)
    except ValueError as e:
        raise CinvError(f"name: {e}") from None


def new_interface(store: Store, host: Host, network: Network, ifname: str, ipv4: str,
                  ipv6: str, mac: str | None) -> Interface:
    """An interface on a network with its MAC and addresses given or allocated.

    ipv4/ipv6: "auto", "none" or an address. mac: "auto", an address, or None for the kind's
    default (auto for virtual hosts, none for physical: a burned-in MAC is given)."""
    try:
        ifname = names.check_ifname(ifname)
    except ValueError as e:
        raise CinvError(f"interface name: {e}") from None
    if host.interface(ifname) is not None:
        raise CinvError(f"host {host.name} already has an interface {ifname}")
    used4, used6, macs = store.used()
    iface = Interface(name=ifname, network=network.name)
    if mac is None:
        mac = "auto" if host.kind == "virtual" else "none"
    if mac == "auto":
        prefix, bits = values.parse_mac_prefix(store.settings.mac_prefix)
        iface.mac = allocate.next_mac(prefix, bits, macs)
    elif mac != "none":
        try:
            iface.mac = values.mac_to_int(values.normalise_mac(mac))
        except ValueError as e:
            raise CinvError(f"--mac: {e}") from None
        if iface.mac in macs:
            raise CinvError(f"--mac: {values.mac_str(iface.mac)} is already held by another "
                            "interface")
    if ipv4 == "auto" and network.ipv4 is not None:
        iface.ipv4 = allocate.next_ipv4(network, used4)
    elif ipv4 not in ("auto", "none"):
        iface.ipv4 = _given_ip(ipv4, 4, used4)
    if ipv6 == "auto" and network.ipv6 is not None:
        if network.ipv6_mode == "eui64":
            if iface.mac is None:
                raise CinvError(f"network {network.name} derives IPv6 from the MAC (eui64); give "
                                "--mac, or --ipv6 none")
            iface.ipv6 = allocate.eui64_address(network, iface.mac, used6)
        else:
            iface.ipv6 = allocate.next_ipv6(network, used6)
    elif ipv6 not in ("auto", "none"):
        iface.ipv6 = _given_ip(ipv6, 6, used6)
    return iface


def _given_ip(text: str, version: int, used: set):
    try:
        addr = values.parse_ip(text, version)
    except ValueError as e:
        raise CinvError(f"--ipv{version}: {e}") from None
    if int(addr) in used:
        raise CinvError(f"--ipv{version}: {addr} is already held by another host")
    return addr


def _describe(iface: Interface) -> str:
    parts = [str(a) for a in (iface.ipv4, iface.ipv6) if a is not None]
    if iface.mac is not None:
        parts.append(iface.mac_str)
    return f" ({', '.join(parts)})" if parts else ""


def add_host(ws: Workspace, name: str, kind: str, network: str | None = None,
             ipv4: str = "auto", ipv6: str = "auto", mac: str | None = None,
             parent: str | None = None, cpus: int | None = None, memory: str | None = None,
             disks: tuple = (), tags: tuple = (), state: str = "active",
             description: str | None = None, commit: bool = True) -> Host:
    if kind not in KINDS:
        raise CinvError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    if network is None and (mac not in (None, "none") or ipv4 not in ("auto", "none")
                            or ipv6 not in ("auto", "none")):
        raise CinvError("--mac, --ipv4 and --ipv6 need --network")
    with ws.changing("host add") as store:
        net = store.find_network(network) if network else None
        fqdn = resolve_name(store, name, net)
        if fqdn in store.names:
            raise CinvError(f"host {fqdn} exists already ({store.names[fqdn]})")
        host = Host(name=fqdn, kind=kind, state=state, path=f"hosts/{fqdn}.yaml")
        host.description = description
        host.tags = list(tags)
        if parent:
            host.parent = store.find_host(parent).name
        host.hardware.cpus = cpus
        try:
            host.hardware.memory = values.parse_size(memory) if memory else None
            host.hardware.disks = [Disk(size=values.parse_size(d)) for d in disks]
        except ValueError as e:
            raise CinvError(f"size: {e}") from None
        if net is not None:
            host.interfaces.append(new_interface(store, host, net, "eth0", ipv4, ipv6, mac))
        host = _reparse(host)
        message = f"Add host {fqdn}" + (_describe(host.interfaces[0]) if host.interfaces else "")
        store.save(message, commit, hosts={host.path: host})
        return host


def _reparse(host: Host) -> Host:
    """Round-trip a record through its stored form, so that it is validated exactly as a file
    would be (and carries the line numbers it will have on disk)."""
    problems: list = []
    text = yamlio.dump(host.to_dict())
    parsed = schema.parse_host(host.name, yamlio.load(text), host.path, problems)
    if problems or parsed is None:
        raise ProblemsError(problems)
    return parsed


def _parse_value(text: str):
    if text == "":
        return None
    try:
        return yamlio.load(text)
    except yamlio.YamlError:
        return text


def _set_dotted(data: dict, key: str, value, host: Host) -> None:
    parts = key.split(".")
    cur = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(cur, list):
            index = next((n for n, item in enumerate(cur)
                          if isinstance(item, dict) and item.get("name") == part), None)
            if index is None and part.isdigit() and int(part) < len(cur):
                index = int(part)
            if index is None:
                raise CinvError(f"{key}: no item {part!r} in {'.'.join(parts[:depth])}")
            if last:
                if value is None:
                    del cur[index]
                else:
                    cur[index] = value
                return
            cur = cur[index]
            continue
        if not isinstance(cur, dict):
            raise CinvError(f"{key}: {'.'.join(parts[:depth])} is not a mapping")
        if last:
            if value is None:
                cur.pop(part, None)
            else:
                cur[part] = value
            return
        cur = cur.setdefault(part, {})


def set_host(ws: Workspace, name: str, assignments: list[str], commit: bool = True) -> Host:
    with ws.changing("host set") as store:
        host = store.find_host(name)
        data = host.to_dict()
        changes = []
        for item in assignments:
            key, sep, raw = item.partition("=")
            if not sep or not key:
                raise CinvError(f"{item!r}: expected KEY=VALUE (dotted keys for nesting, "
                                "e.g. hardware.memory=8GiB; KEY= removes)")
            if key in ("name", "path"):
                raise CinvError(f"{key}: a host's name is its file name; add a new host and "
                                "remove the old one to rename")
            if key == "state" and raw != host.state:
                legal = TRANSITIONS.get(host.state, ())
                if raw not in legal:
                    raise CinvError(f"state: {host.state} -> {raw or '(unset)'} is not a legal "
                                    f"transition; from {host.state} the legal ones are: "
                                    f"{', '.join(legal)} (see `cinv host state`)")
            old = _get_dotted(data, key)
            _set_dotted(data, key, _parse_value(raw), host)
            changes.append(f"{key} {_show(old)} -> {_show(_get_dotted(data, key))}")
        problems: list = []
        parsed = schema.parse_host(host.name, yamlio.load(yamlio.dump(data)), host.path,
                                   problems)
        if problems or parsed is None:
            raise ProblemsError(problems)
        message = f"Change host {host.name}: {', '.join(changes)}"
        store.save(message, commit, hosts={host.path: parsed})
        return parsed


def _get_dotted(data, key: str):
    cur = data
    for part in key.split("."):
        if isinstance(cur, list):
            cur = next((i for i in cur if isinstance(i, dict) and i.get("name") == part),
                       cur[int(part)] if part.isdigit() and int(part) < len(cur) else None)
        elif isinstance(cur, dict):
            cur = cur.get(part)
        else:
            return None
    return cur


def _show(value) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, (dict, list)):
        return yamlio.dump(value).strip().replace("\n", " ")
    return str(value)


def set_state(ws: Workspace, name: str, state: str, commit: bool = True) -> Host:
    with ws.changing("host state") as store:
        host = store.find_host(name)
        legal = TRANSITIONS.get(host.state, ())
        if state == host.state:
            return host
        if state not in legal:
            raise CinvError(f"{host.name}: {host.state} -> {state} is not a legal transition; "
                            f"from {host.state} the legal ones are: {', '.join(legal)}")
        old = host.state
        host.state = state
        message = f"Move host {host.name} from {old} to {state}"
        store.save(message, commit, hosts={host.path: host})
        return host


def remove_host(ws: Workspace, name: str, commit: bool = True) -> Host:
    with ws.changing("host rm") as store:
        host = store.find_host(name)
        children = store.children(host.name)
        if children:
            raise CinvError(f"{host.name} is the parent of {', '.join(children)}; move or "
                            "remove those first")
        store.save(f"Remove host {host.name}", commit, hosts={host.path: None})
        return host


def add_interface(ws: Workspace, name: str, network: str, ifname: str | None = None,
                  ipv4: str = "auto", ipv6: str = "auto", mac: str | None = None,
                  commit: bool = True) -> Host:
    with ws.changing("iface add") as store:
        host = store.find_host(name)
        net = store.find_network(network)
        if ifname is None:
            taken = {i.name for i in host.interfaces}
            ifname = next(f"eth{n}" for n in range(len(taken) + 1) if f"eth{n}" not in taken)
        iface = new_interface(store, host, net, ifname, ipv4, ipv6, mac)
        host.interfaces.append(iface)
        host = _reparse(host)
        message = f"Add interface {iface.name} to host {host.name}{_describe(iface)}"
        store.save(message, commit, hosts={host.path: host})
        return host


def remove_interface(ws: Workspace, name: str, ifname: str, commit: bool = True) -> Host:
    with ws.changing("iface rm") as store:
        host = store.find_host(name)
        iface = host.interface(ifname)
        if iface is None:
            have = ", ".join(i.name for i in host.interfaces) or "none"
            raise CinvError(f"host {host.name} has no interface {ifname!r} (it has: {have})")
        host.interfaces.remove(iface)
        message = f"Remove interface {ifname} from host {host.name}{_describe(iface)}"
        store.save(message, commit, hosts={host.path: host})
        return host
