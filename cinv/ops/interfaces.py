"""Interfaces: their MACs and addresses given or allocated; iface add, set, rm."""
from __future__ import annotations

import dataclasses

from cinv import allocate, names
from cinv.errors import CinvError, ProblemsError
from cinv.ops.describe import changes, sentence
from cinv.records import schema, values, yamlio
from cinv.records.model import Host, Interface, Network
from cinv.store import Store
from cinv.workspace import Workspace


def describe(iface: Interface) -> str:
    """" (192.0.2.10, 2001:db8::10, 52:54:00:00:00:01)": what an interface holds, as stored."""
    parts = [str(a) for a in (iface.ipv4, iface.ipv6) if a is not None]
    if iface.mac is not None:
        parts.append(iface.mac_str)
    return f" ({', '.join(parts)})" if parts else ""


def reparse(host: Host) -> Host:
    """Round-trip a record through its stored form, so that it is validated exactly as a file
    would be (and carries the line numbers it will have on disk)."""
    problems: list = []
    text = yamlio.dump(host.to_dict())
    parsed = schema.parse_host(host.name, yamlio.load(text), host.path, problems)
    if problems or parsed is None:
        raise ProblemsError(problems)
    return parsed


def _without(used: set, own) -> set:
    return used - {own} if own is not None and own in used else used


def pick_mac(store: Store, spec: str, label: str = "--mac", own: int | None = None) -> int | None:
    """spec "auto" (the lowest free MAC under mac_prefix not freed within the hold time, never
    the interface's `own`), "none", or a MAC in any spelling; a MAC another interface holds is
    refused, naming it."""
    macs = store.used()[2]
    if spec == "none":
        return None
    if spec == "auto":  # a new one: never the interface's own, nor one another branch holds
        prefix, bits = values.parse_mac_prefix(store.settings.mac_prefix)
        mac = allocate.next_mac(prefix, bits, store.taken("mac"), store.held("mac"))
        store.claim("mac", mac)
        return mac
    try:
        mac = values.mac_to_int(values.normalise_mac(spec))
    except ValueError as e:
        raise CinvError(f"{label}: {e}") from None
    if mac in _without(macs, own):
        raise CinvError(f"{label}: {values.mac_str(mac)} is already held by "
                        f"{store.holder('mac', mac)}")
    return mac


def pick_ip(store: Store, net: Network, version: int, spec: str, label: str | None = None,
            own=None, mac: int | None = None):
    """spec "auto" (the network's next free address, or the EUI-64 one of an eui64 network),
    "none", or an address; one another host holds is refused, naming it."""
    label = label or f"--ipv{version}"
    used = store.used()[0 if version == 4 else 1]
    if spec == "none":
        return None
    if spec == "auto":
        prefix = net.ipv4 if version == 4 else net.ipv6
        if prefix is None:
            return None
        taken = store.taken(f"v{version}", net.name)
        if version == 6 and net.ipv6_mode == "eui64":
            if mac is None:
                raise CinvError(f"network {net.name} derives IPv6 from the MAC (eui64); give "
                                "a MAC, or IPv6 none")
            addr = allocate.eui64_address(net, mac, taken)
        else:
            addr = (allocate.next_ipv4 if version == 4 else allocate.next_ipv6)(
                net, taken, store.held(f"v{version}"))
        store.claim(f"v{version}", int(addr))
        return addr
    try:
        addr = values.parse_ip(spec, version)
    except ValueError as e:
        raise CinvError(f"{label}: {e}") from None
    if int(addr) in _without(used, int(own) if own is not None else None):
        raise CinvError(f"{label}: {addr} is already held by "
                        f"{store.holder(f'v{version}', int(addr))}")
    return addr


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
    iface = Interface(name=ifname, network=network.name)
    if mac is None:
        mac = "auto" if host.kind == "virtual" else "none"
    iface.mac = pick_mac(store, mac)
    iface.ipv4 = pick_ip(store, network, 4, ipv4)
    iface.ipv6 = pick_ip(store, network, 6, ipv6, mac=iface.mac)
    return iface


def _find_iface(host: Host, ifname: str) -> Interface:
    iface = host.interface(ifname)
    if iface is None:
        have = ", ".join(i.name for i in host.interfaces) or "none"
        raise CinvError(f"host {host.name} has no interface {ifname!r} (it has: {have})")
    return iface


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
        host = reparse(host)
        message = f"Add interface {iface.name} to host {host.name}{describe(iface)}"
        store.save(message, commit, hosts={host.path: host})
        return host


def remove_interface(ws: Workspace, name: str, ifname: str, commit: bool = True) -> Host:
    with ws.changing("iface rm") as store:
        host = store.find_host(name)
        iface = _find_iface(host, ifname)
        host.interfaces.remove(iface)
        message = f"Remove interface {ifname} from host {host.name}{describe(iface)}"
        store.save(message, commit, hosts={host.path: host})
        return host


def set_interface(ws: Workspace, name: str, ifname: str, network: str | None = None,
                  ipv4: str | None = None, ipv6: str | None = None, mac: str | None = None,
                  commit: bool = True) -> tuple[Host, list[str]]:
    """Re-address an interface, move it to another network (its addresses then default to
    auto where the new network has that family, none where not) or give it a new MAC. Returns
    the host as stored and what changed (empty: nothing did, no commit)."""
    if network is None and ipv4 is None and ipv6 is None and mac is None:
        raise CinvError("nothing to change: give --network, --ipv4, --ipv6 or --mac")
    with ws.changing("iface set") as store:
        host = store.find_host(name)
        iface = _find_iface(host, ifname)
        old = dataclasses.replace(iface)
        net = store.find_network(network or iface.network)
        moving = net.name != iface.network
        if moving:
            ipv4 = ipv4 or "auto"
            ipv6 = ipv6 or "auto"
        if mac is not None:
            iface.mac = pick_mac(store, mac, own=old.mac)
        if ipv6 is None and net.ipv6_mode == "eui64" and iface.mac != old.mac:
            ipv6 = "auto"  # the address follows the new MAC
        iface.network = net.name
        if ipv4 is not None:
            iface.ipv4 = pick_ip(store, net, 4, ipv4, own=old.ipv4)
        if ipv6 is not None:
            iface.ipv6 = pick_ip(store, net, 6, ipv6, own=old.ipv6, mac=iface.mac)
        said = changes(old.to_dict(), iface.to_dict())
        if not said:
            return host, []
        host = reparse(host)
        message = f"Change interface {ifname} of host {host.name}: {sentence(said)}"
        store.save(message, commit, hosts={host.path: host})
        return host, said
