"""The rules of hosts and networks: addresses, names, parents, capacity, nameservers.

Each validator takes the Inventory and returns a list of Problems (cinv/check/registry.py).
"""
from __future__ import annotations

import ipaddress
from collections import defaultdict
from dataclasses import dataclass

from cinv.allocate import eui64_interface_id, named_addresses
from cinv.check.registry import per_host, validator
from cinv.errors import Problem
from cinv.names import under
from cinv.records.model import PLACEHOLDER_NS, Host, Interface, Inventory
from cinv.records.values import duid_type, format_size, mac_str, range_str


def _at(host: Host, iface: Interface | None, key: str, message: str, code: str,
        severity: str = "error") -> Problem:
    line = iface.lines.get(key, iface.line) if iface is not None else host.line_of(key)
    return Problem(host.path, line, message, severity, code)


def _ifaces(inv: Inventory):
    for host in inv.active_hosts():
        for index, iface in enumerate(host.interfaces):
            yield host, index, iface


@validator
@per_host
def interface_names_unique(inv: Inventory) -> list[Problem]:
    """Interface names are unique within a host."""
    out = []
    for host in inv.hosts.values():
        seen = set()
        for i, iface in enumerate(host.interfaces):
            if iface.name in seen:
                out.append(_at(host, iface, "name", f"interfaces[{i}].name: {iface.name} is "
                               "used twice in this host", "duplicate-interface"))
            seen.add(iface.name)
    return out


@validator
@per_host
def networks_known(inv: Inventory) -> list[Problem]:
    """Every interface names a network that has a record under networks/."""
    out = []
    for host in inv.hosts.values():
        for i, iface in enumerate(host.interfaces):
            if iface.network is not None and iface.network not in inv.networks:
                out.append(_at(host, iface, "network", f"interfaces[{i}].network: unknown "
                               f"network {iface.network!r} (known: "
                               f"{', '.join(sorted(inv.networks)) or 'none'})",
                               "unknown-network"))
    return out


@validator
@per_host
def addresses_fit_network(inv: Inventory) -> list[Problem]:
    """An address lies inside its network, and is not its network, broadcast or gateway
    address."""
    out = []
    for host, i, iface in _ifaces(inv):
        net = inv.networks.get(iface.network)
        if net is None:
            continue
        for family, addr in (("ipv4", iface.ipv4), ("ipv6", iface.ipv6)):
            why = net.unfit(addr) if addr is not None else None
            if why:
                out.append(_at(host, iface, family, f"interfaces[{i}].{family}: {addr} {why}",
                               "address"))
    return out


@validator
@per_host
def addresses_in_pool(inv: Inventory) -> list[Problem]:
    """An address inside its network's DHCP pool is allowed, as dhcpd allows it (warning): the
    rendered pools of dhcpd, Kea and dnsmasq leave it out, so no other client leases it."""
    out = []
    for host, i, iface in _ifaces(inv):
        net = inv.networks.get(iface.network)
        if net is None or iface.ipv4 is None or not net.dhcp_pool:
            continue
        if net.dhcp_pool[0] <= int(iface.ipv4) <= net.dhcp_pool[1]:
            out.append(_at(host, iface, "ipv4", f"interfaces[{i}].ipv4: {iface.ipv4} lies in "
                           f"the DHCP pool of network {net.name}; the rendered pools leave it "
                           "out", "address-in-pool", "warning"))
    return out


@validator
@per_host
def addresses_not_named_by_network(inv: Inventory) -> list[Problem]:
    """A host's address is not one its network's record names for something else (a DNS server,
    a next-server ...; the gateway is an error above). A warning, as the host may be that
    server (`auto` never hands such an address out); none for the zones' own nameservers."""
    out = []
    named: dict = {}
    servers = {ns.rstrip(".") for ns in [*inv.settings.dns.nameservers,
                                         inv.settings.dns.primary_ns]}
    for host, i, iface in _ifaces(inv):
        if host.name in servers:
            continue
        net = inv.networks.get(iface.network)
        if net is None:
            continue
        if net.name not in named:
            named[net.name] = named_addresses(net)
        for key, addr in (("ipv4", iface.ipv4), ("ipv6", iface.ipv6)):
            field = named[net.name].get((addr.version, int(addr))) if addr is not None else None
            if field is None or field.startswith("gateway"):
                continue
            out.append(_at(host, iface, key, f"interfaces[{i}].{key}: {addr} is named by network "
                           f"{net.name} ({field}); make sure this host is that server",
                           "named-address", "warning"))
    return out


def _duplicates(holders: dict, what: str, code: str, show=str) -> list[Problem]:
    """Problems for every value held in two places; a place is (host, index, iface, key)."""
    out = []
    for value, places in holders.items():
        if type(places) is not list:
            continue  # held once: stored bare, to keep the common case cheap
        for host, i, iface, key in places:
            others = ", ".join(f"{h.path}:{(f.lines.get(k, f.line) if f else h.line)}"
                               for h, _, f, k in places if h is not host or f is not iface)
            field = f"interfaces[{i}].{key}" if i is not None else key
            if not others:  # twice in one interface (its mac among its other_macs)
                others = "this interface"
            out.append(_at(host, iface, key, f"{field}: {what} {show(value)} is also held by "
                           f"{others}", code))
    return out


def _hold(held: dict, value, place) -> None:
    """held[value] is the one place holding it, or a list once a second one turns up."""
    other = held.get(value)
    if other is None:
        held[value] = place
    elif type(other) is list:
        other.append(place)
    else:
        held[value] = [other, place]


@validator
def unique_addresses(inv: Inventory) -> list[Problem]:
    """No IPv4 address, IPv6 address, MAC (an interface's own or one of its other_macs) or
    DUID is held twice among hosts that are not retired."""
    v4: dict = {}
    v6: dict = {}
    macs: dict = {}
    duids: dict = {}
    for host, i, iface in _ifaces(inv):
        if iface.ipv4 is not None:
            _hold(v4, int(iface.ipv4), (host, i, iface, "ipv4"))
        if iface.ipv6 is not None:
            _hold(v6, int(iface.ipv6), (host, i, iface, "ipv6"))
        if iface.mac is not None:
            _hold(macs, iface.mac, (host, i, iface, "mac"))
        for mac in iface.other_macs:
            _hold(macs, mac, (host, i, iface, "other_macs"))
        if iface.duid is not None:
            _hold(duids, iface.duid, (host, i, iface, "duid"))
    return (_duplicates(v4, "IPv4 address", "duplicate-ipv4", ipaddress.IPv4Address)
            + _duplicates(v6, "IPv6 address", "duplicate-ipv6", ipaddress.IPv6Address)
            + _duplicates(macs, "MAC", "duplicate-mac", mac_str)
            + _duplicates(duids, "DUID", "duplicate-duid"))


@validator
@per_host
def duids_of_a_known_type(inv: Inventory) -> list[Problem]:
    """A DUID is of a type RFC 8415 defines (LLT, EN, LL, UUID): servers take any as opaque,
    but no client sends another (a warning: often a made-up example value)."""
    return [_at(host, iface, "duid", f"interfaces[{i}].duid: {iface.duid}: {why}", "duid",
                "warning")
            for host, i, iface in _ifaces(inv) if iface.duid is not None
            for why in [duid_type(iface.duid)] if why]


@validator
@per_host
def other_macs_need_a_mac(inv: Inventory) -> list[Problem]:
    """An interface with other_macs has a mac of its own (the NIC a libvirt domain, EUI-64 and
    the first DHCP entry use); the others take its reservation in turn."""
    return [_at(host, iface, "other_macs", f"interfaces[{i}].other_macs: the interface has no "
                "mac of its own; give it one (the first of these) before others", "other-macs")
            for host, i, iface in _ifaces(inv) if iface.other_macs and iface.mac is None]


@validator
def unique_dns_names(inv: Inventory) -> list[Problem]:
    """Every DNS name (host name, <ifname>.<host>, alias, extra name of `names:`) belongs to one
    host only, and an alias never shadows another name (a CNAME cannot sit beside other
    records)."""
    held = defaultdict(list)
    for host in inv.hosts.values():
        held[host.name].append((host, None, None, None))
    for host in inv.active_hosts():
        for fqdn, iface, is_alias in inv.dns_names(host):
            if fqdn == host.name and not is_alias:
                continue
            held[fqdn].append((host, host.interfaces.index(iface), iface,
                               "aliases" if is_alias else "name"))
        for fqdn, iface in inv.extra_names(host):
            held[fqdn].append((host, host.interfaces.index(iface), iface, "names"))
    out = []
    for fqdn, places in held.items():
        if len(places) < 2:
            continue
        for host, i, iface, key in places:
            if iface is None:
                continue  # reported at the alias or interface that collides with it
            others = ", ".join(f"{h.path}" for h, _, f, k in places
                               if f is not iface or k != key)
            out.append(_at(host, iface, key, f"interfaces[{i}].{key}: DNS name {fqdn} is also "
                           f"used by {others}", "duplicate-name"))
    return out


@validator
@per_host
def names_in_managed_domains(inv: Inventory) -> list[Problem]:
    """Every name a host that is not retired carries (its own, its extra names and its
    aliases) lies under a domain the inventory manages (Inventory.managed_domains: cinv.yaml's
    domain, a network's domain, a zone): a record must not claim a name such as pypi.org for
    its own address in /etc/hosts or dnsmasq."""
    domains = inv.managed_domains()
    shown = ", ".join(sorted(domains))
    out = []
    for host in inv.active_hosts():
        if not under(host.name, domains):
            out.append(Problem(host.path, host.line, f"name: {host.name} lies outside every "
                               f"domain this inventory manages ({shown})", "error",
                               "outside-domain"))
        for i, iface in enumerate(host.interfaces):
            for key in ("aliases", "names"):
                for alias in getattr(iface, key):
                    fqdn = inv.alias_fqdn(alias, iface)
                    if not under(fqdn, domains):
                        out.append(_at(host, iface, key, f"interfaces[{i}].{key}: {fqdn} lies "
                                       f"outside every domain this inventory manages ({shown})",
                                       "outside-domain"))
    return out


@validator
def parents_valid(inv: Inventory) -> list[Problem]:
    """A parent exists, is not the host itself, is not retired while its child is not, and
    parents form no cycle."""
    out = []
    for host in inv.hosts.values():
        if host.parent is None:
            continue
        parent = inv.hosts.get(host.parent)
        if host.parent == host.name:
            out.append(_at(host, None, "parent", f"parent: {host.name} cannot be its own parent",
                           "parent"))
        elif parent is None:
            out.append(_at(host, None, "parent", f"parent: unknown host {host.parent!r}",
                           "parent"))
        elif parent.retired and not host.retired:
            out.append(_at(host, None, "parent", f"parent: {parent.name} is retired",
                           "parent"))
        else:
            seen = [host.name]
            cur = parent
            while cur is not None and cur.parent is not None and cur.name not in seen:
                seen.append(cur.name)
                cur = inv.hosts.get(cur.parent)
            if cur is not None and cur.name in seen and cur.name != host.name:
                continue  # a cycle further up; reported at its members
            if cur is not None and cur.name == host.name:
                out.append(_at(host, None, "parent", "parent: cycle "
                               + " -> ".join(seen + [host.name]), "parent"))
    return out


@validator
def networks_disjoint(inv: Inventory) -> list[Problem]:
    """No two networks overlap, in IPv4 or IPv6."""
    out = []
    for family in ("ipv4", "ipv6"):
        nets = sorted(((getattr(n, family), n) for n in inv.networks.values()
                       if getattr(n, family) is not None), key=lambda p: (p[0].network_address,
                                                                          p[0].prefixlen))
        for (a, na), (b, nb) in zip(nets, nets[1:]):
            if a.overlaps(b):
                for x, y in ((na, nb), (nb, na)):
                    out.append(Problem(x.path, x.line_of(family), f"{family}: "
                                       f"{getattr(x, family)} overlaps network {y.name} "
                                       f"({getattr(y, family)})", "error", "overlap"))
    return out


@validator
def network_ranges_inside(inv: Inventory) -> list[Problem]:
    """A network's gateways, pool and reserved ranges lie inside its prefixes; the pool does not
    hold the gateway; EUI-64 needs a /64 or shorter prefix."""
    out = []
    for net in inv.networks.values():
        def bad(key, msg):
            out.append(Problem(net.path, net.line_of(key), f"{key}: {msg}", "error", "network"))
        for key, prefix in (("gateway4", net.ipv4), ("gateway6", net.ipv6)):
            gw = getattr(net, key)
            if gw is not None and (prefix is None or gw not in prefix):
                bad(key, f"{gw} is outside {prefix or 'the network (no prefix)'}")
        if net.dhcp_pool is not None:
            a, b = (ipaddress.IPv4Address(x) for x in net.dhcp_pool)
            if net.ipv4 is None or a not in net.ipv4 or b not in net.ipv4:
                bad("dhcp_pool", f"{a}-{b} is not inside {net.ipv4}")
            elif net.ipv4.prefixlen <= 30 and (a == net.ipv4.network_address
                                               or b == net.ipv4.broadcast_address):
                bad("dhcp_pool", f"{a}-{b} holds the network or broadcast address")
            elif net.gateway4 is not None and a <= net.gateway4 <= b:
                bad("dhcp_pool", f"{a}-{b} holds the gateway {net.gateway4}")
        for version, a, b in net.reserved:
            prefix = net.ipv4 if version == 4 else net.ipv6
            if prefix is None or not (int(prefix.network_address) <= a
                                      and b <= int(prefix.broadcast_address)):
                bad("reserved", f"{range_str(version, a, b)} is not inside "
                    f"{prefix or f'the network (no IPv{version} prefix)'}")
        if net.ipv6_mode == "eui64" and (net.ipv6 is None or net.ipv6.prefixlen > 64):
            bad("ipv6_mode", "eui64 needs an IPv6 prefix of /64 or shorter")
    return out


@validator
def subnet_ids_unique(inv: Inventory) -> list[Problem]:
    """Kea subnet ids (stored or derived from the name) are unique."""
    seen = defaultdict(list)
    for net in inv.networks.values():
        seen[net.kea_subnet_id].append(net)
    out = []
    for sid, nets in seen.items():
        for net in nets if len(nets) > 1 else []:
            others = ", ".join(n.name for n in nets if n is not net)
            out.append(Problem(net.path, net.line_of("subnet_id"), f"subnet_id: {sid} is also "
                               f"the id of network {others}; set subnet_id to tell them apart",
                               "error", "subnet-id"))
    return out


@validator
@per_host
def eui64_matches_mac(inv: Inventory) -> list[Problem]:
    """An interface on an IPv6 eui64 network carries the address its MAC derives (warning)."""
    out = []
    for host, i, iface in _ifaces(inv):
        net = inv.networks.get(iface.network)
        if (net is None or net.ipv6_mode != "eui64" or net.ipv6 is None or iface.mac is None
                or iface.ipv6 is None or net.ipv6.prefixlen > 64):
            continue
        want = ipaddress.IPv6Address(int(net.ipv6.network_address) | eui64_interface_id(iface.mac))
        if iface.ipv6 != want:
            out.append(_at(host, iface, "ipv6", f"interfaces[{i}].ipv6: {iface.ipv6} is not the "
                           f"EUI-64 address of its MAC ({want})", "eui64", "warning"))
    return out


@validator
def capacity(inv: Inventory) -> list[Problem]:
    """A hypervisor's guests together have no more cpus, memory or disk than it may hold: its
    own times capacity.overcommit's ratio (cinv.yaml; defaults cpus 4, memory 1, disk 1). The
    one rule of `host add`, `set` and `move`, and of a merge (disk only where both sides list
    disks)."""
    out = []
    by_parent = defaultdict(list)
    for host in inv.active_hosts():
        if host.parent:
            by_parent[host.parent].append(host)
    for name, children in by_parent.items():
        parent = inv.hosts.get(name)
        if parent is None:
            continue
        for short in shortfalls(parent, children, inv.settings.overcommit):
            out.append(Problem(parent.path, parent.line_of("hardware"),
                               f"hardware.{short.key}: its {plural(len(children), 'guest')} "
                               f"{'has' if len(children) == 1 else 'have'} {short.total} "
                               f"{short.key}, more than it may hold: {short.allowance}",
                               "error", "capacity"))
    return out


CAPACITY = (("cpus", "cpus", lambda hw: hw.cpus, str),
            ("memory", "memory", lambda hw: hw.memory, format_size),
            ("disks", "disk", lambda hw: sum(d.size for d in hw.disks) if hw.disks else None,
             format_size))


@dataclass(frozen=True)
class Shortfall:
    key: str  # cpus, memory, disks (the hardware field)
    total: str  # what the guests have together
    allowance: str  # "16 (its own 4 x 4, capacity.overcommit.cpus)"


def shortfalls(parent: Host, guests: list[Host], overcommit: dict) -> list[Shortfall]:
    """What the guests together have beyond the parent's own cpus, memory or disk times its
    over-commit ratio; what the parent does not record is not compared."""
    out = []
    for key, ratio_key, get, fmt in CAPACITY:
        own = get(parent.hardware)
        ratio = overcommit[ratio_key]
        total = sum(get(g.hardware) or 0 for g in guests)
        if own is not None and total > own * ratio:
            allowed = fmt(int(own * ratio)) if ratio != 1 else fmt(own)
            out.append(Shortfall(key, fmt(total), f"{allowed} (its own {fmt(own)} x {ratio}, "
                                                  f"capacity.overcommit.{ratio_key})"))
    return out


@validator
def nameservers_have_addresses(inv: Inventory) -> list[Problem]:
    """A nameserver inside a forward zone cinv writes (a network's domain, the default domain or
    a zone of zones/) has an address there: a host's name, an extra name of `names:` or an A/AAAA
    record of zones/. named refuses such a zone, so `cinv render` does too."""
    from cinv.records import zonemap
    from cinv.records.zones import zone_of
    zones = zonemap.forward_zones(inv)
    addressed = {fqdn for host in inv.active_hosts()
                 for fqdn, iface, is_alias in inv.dns_names(host)
                 if not is_alias and (iface.ipv4 is not None or iface.ipv6 is not None)}
    addressed |= {fqdn for host in inv.active_hosts() for fqdn, iface in inv.extra_names(host)
                  if iface.ipv4 is not None or iface.ipv6 is not None}
    addressed |= {z.fqdn(r.owner) for z in inv.zones.values() for r in z.records
                  if r.type in ("A", "AAAA")}
    out = []
    for ns in inv.settings.dns.nameservers:
        target = ns.rstrip(".")
        zone = zone_of(target, zones)
        if zone is not None and target not in addressed:
            out.append(Problem(inv.settings.path, inv.settings.line_of("dns"),
                               f"dns.nameservers: {ns} lies in zone {zone}, but no host has that "
                               "name and an address; add one, or name another nameserver",
                               "error", "nameserver"))
    return out


@validator
def nameservers_named(inv: Inventory) -> list[Problem]:
    """The zones name real nameservers, not the placeholder `localhost.` that `cinv init` writes
    when given no --nameserver (warning: the zones load, but resolvers are sent nowhere)."""
    dns = inv.settings.dns
    if PLACEHOLDER_NS not in dns.nameservers and dns.primary_ns != PLACEHOLDER_NS:
        return []
    return [Problem(inv.settings.path, inv.settings.line_of("dns"),
                    f"dns.nameservers: {PLACEHOLDER_NS} is a placeholder; name the servers that "
                    "will serve these zones (dns.primary_ns and dns.nameservers in cinv.yaml)",
                    "warning", "nameserver")]


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
