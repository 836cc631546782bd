"""`cinv find VALUE`: who owns an address, a MAC (any spelling netaddr reads), or a name."""
from __future__ import annotations

import ipaddress

from cinv import allocate
from cinv.errors import CinvError
from cinv.records import values
from cinv.records.model import Host, Interface, Inventory


def _row(host: Host | None, iface: Interface | None, match: str, network: str | None = None,
         state: str | None = None) -> dict:
    return {
        "host": host.name if host else None,
        "interface": iface.name if iface else None,
        "network": iface.network if iface else network,
        "state": host.state if host else state,
        "ipv4": str(iface.ipv4) if iface and iface.ipv4 is not None else None,
        "ipv6": str(iface.ipv6) if iface and iface.ipv6 is not None else None,
        "mac": iface.mac_str if iface else None,
        "match": match,
    }


def _address(inv: Inventory, addr) -> list[dict]:
    key = "ipv4" if addr.version == 4 else "ipv6"
    out = [_row(h, i, key) for h in inv.hosts.values() for i in h.interfaces
           if getattr(i, key) == addr]
    for net in inv.networks.values():
        prefix = net.ipv4 if addr.version == 4 else net.ipv6
        named = allocate.named_addresses(net).get((addr.version, int(addr)))
        if named:
            out.append(_row(None, None, f"network {net.name}: {named}", net.name))
        elif prefix is not None and addr in prefix and not out:
            what = ("in the DHCP pool" if addr.version == 4 and net.dhcp_pool
                    and net.dhcp_pool[0] <= int(addr) <= net.dhcp_pool[1] else
                    "reserved" if any(v == addr.version and a <= int(addr) <= b
                                      for v, a, b in net.reserved) else "held by no host")
            out.append(_row(None, None, f"network {net.name} ({prefix}): {what}", net.name))
    return out


def _name(inv: Inventory, text: str) -> list[dict]:
    needle = text.lower().rstrip(".")
    out = []
    for host in inv.hosts.values():
        if needle in host.name:
            first = host.interfaces[0] if host.interfaces else None
            out.append(_row(host, first, "name"))
            continue
        names = [(fqdn, iface, "alias" if is_alias else "name")
                 for fqdn, iface, is_alias in inv.dns_names(host) if fqdn != host.name]
        names += [(fqdn, iface, "name") for fqdn, iface in inv.extra_names(host)]
        for fqdn, iface, what in names:
            if needle in fqdn:
                out.append(_row(host, iface, f"{what} {fqdn}"))
                break
    return out


def find(inv: Inventory, value: str) -> list[dict]:
    """Rows (host, interface, network, state, ipv4, ipv6, mac, match) for what VALUE is: an
    IPv4/IPv6 address, a MAC, or a name or part of one; sorted by host."""
    text = value.strip()
    if not text:
        raise CinvError("find: give an address, a MAC or (part of) a name")
    try:
        rows = _address(inv, ipaddress.ip_address(text))
    except ValueError:
        rows = []
        try:
            mac = values.mac_to_int(text)
        except ValueError:
            mac = None
        if mac is not None:
            rows = [_row(h, i, "mac") for h in inv.hosts.values() for i in h.interfaces
                    if mac in i.macs]
        if not rows:
            rows = _name(inv, text)
    if not rows:
        raise CinvError(f"nothing in the inventory is or holds {value!r}")
    return sorted(rows, key=lambda r: (r["host"] is None, r["host"] or "", r["interface"] or "",
                                       r["match"]))
