"""A DHCP server's subnet as a network record, for every importer (dhcpd, Kea, dnsmasq).

The parameters in scope at a subnet (options under their dhcpd names, next-server, filename)
become the network's fields: the first router on the subnet its gateway4, domain-name (or the
first DHCPv6 domain-search name) its domain, the name servers its dns_servers, the rest its
`dhcp:` block. The subnet becomes the network with that prefix; an IPv6 subnet, else the one
with its domain and no IPv6 prefix yet (IPv4 and IPv6 come from separate files); else a new
network named after the source's name for it (a shared network), its domain or its prefix.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re

from cinv import names
from cinv.importers import Findings, FoundNetwork, pools
from cinv.importers.dhcpd_scope import dhcp_block
from cinv.records.model import Network


def same_prefix(nets: dict, prefix) -> Network | None:
    key = "ipv4" if prefix.version == 4 else "ipv6"
    return next((n for n in nets.values() if getattr(n, key) == prefix), None)


def fields(prefix, params: dict) -> dict:
    """The network's fields (as stored) from the parameters in scope at the subnet."""
    f: dict = {}
    routers = params.pop("routers", None)
    if routers:
        if ipaddress.ip_address(routers[0]) in prefix:
            f["gateway4"] = routers[0]
        if len(routers) > 1 or "gateway4" not in f:
            params["routers"] = routers  # more than one, or off the subnet: kept as given
    domain = params.pop("domain-name", None) or None
    search6 = params.pop("dhcp6.domain-search", None)
    if domain:
        f["domain"] = domain
    elif search6:
        f["domain"] = search6[0]
        if len(search6) > 1:
            params["dhcp6.domain-search"] = search6
    for key in ("domain-name-servers", "dhcp6.name-servers"):
        if params.get(key):
            f.setdefault("dns_servers", []).extend(params.pop(key))
    broadcast = params.get("broadcast-address")
    if prefix.version == 4 and broadcast == str(prefix.broadcast_address):
        del params["broadcast-address"]  # what the prefix says already
    dhcp = dhcp_block(params)
    if dhcp:
        f["dhcp"] = dhcp
    return f


def pool(f: dict, prefix, gateway, first: str, last: str, where: str, shown: str,
         found: Findings) -> None:
    """A dynamic range as the network's dhcp_pool, clipped to what the server leases."""
    got = pools.clip(prefix, f.get("gateway4", gateway), first, last)
    if got.pool is not None:
        f["dhcp_pool"] = got.pool[0] if got.pool[0] == got.pool[1] else "-".join(got.pool)
    if got.warning:
        found.notes.append(f"{where}: warning: {got.warning}")
    if got.dropped:
        found.skip(where, shown, got.dropped)


def place(prefix, f: dict, nets: dict, found: Findings, where: str, shared: str | None,
          hint: str) -> str:
    """Add the subnet as a FoundNetwork (f: its fields); nets is updated. Returns its name;
    hint: how to give an IPv6-only network's IPv4 side its prefix."""
    key = "ipv4" if prefix.version == 4 else "ipv6"
    f = {key: str(prefix), **f}
    same = same_prefix(nets, prefix)
    if same is None and key == "ipv6" and f.get("domain"):
        same = next((n for n in nets.values() if n.ipv6 is None and n.domain == f["domain"]),
                    None)
    if same is not None:
        name = same.name
        nets[name] = dataclasses.replace(same, **{key: prefix})
    else:
        name = network_name(prefix, shared, f.get("domain"), nets)
        nets[name] = Network(name=name, domain=f.get("domain"), **{key: prefix})
        if key == "ipv6":
            found.notes.append(f"{where}: subnet6 {prefix} becomes the IPv6-only network "
                               f"{name} (no network has its prefix or its domain; {hint})")
    found.networks.append(FoundNetwork(name=name, where=where, fields=f))
    return name


def network_name(prefix, shared: str | None, domain: str | None, nets: dict) -> str:
    candidates = [c for c in (shared, domain.split(".")[0] if domain else None) if c]
    candidates.append(f"net-{prefix.network_address}-{prefix.prefixlen}")
    for raw in candidates:
        name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_")[:63]
        try:
            names.check_network_name(name)
        except ValueError:
            continue
        if name not in nets:
            return name
    return re.sub(r"[^a-z0-9-]", "-", f"net-{prefix.network_address}-{prefix.prefixlen}")
