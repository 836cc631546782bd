"""Hosts (and with --networks, subnets as networks) of an ISC dhcpd.conf or dhcpd6.conf tree.

Parameters are inherited as dhcpd inherits them: global -> shared-network -> subnet -> group ->
host. With --networks a subnet becomes a network with every parameter in scope there (routers,
domain-name and domain-name-servers to its fields, other options of cinv's table, next-server
and filename to its `dhcp:`). A host keeps what is set in its own block and the groups around it
below the subnet (options, next-server, filename) in its interface's `dhcp:`, and `option
host-name` when it differs from the name cinv gives it. Names standing for addresses (routers,
fixed-address, next-server) are resolved through the file's own host blocks and the inventory,
never by DNS. MACs are read in every form dhcpd takes (netaddr). Everything else (server
parameters, classes, failover, keys, options cinv does not know, values it cannot hold) is
listed with its file:line.
"""
from __future__ import annotations

import re
from pathlib import Path

import netaddr

from cinv.errors import CinvError
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    domains,
    fold_interfaces,
    host_name,
    network_holding,
    subnets,
)
from cinv.importers.dhcpd_parse import Statement, parse, tokenize  # noqa: F401
from cinv.importers.dhcpd_scope import Node, Param, Values, Walker, arg_items, dhcp_block, effective
from cinv.records import dhcpopts, values
from cinv.records.model import Inventory, Network


def read(path: Path, shown: str, inv: Inventory, network: str | None = None,
         networks: bool = False, root: Path | None = None) -> Findings:
    """Hosts of a dhcpd.conf; with networks=True its subnets as network records."""
    found = Findings(source=shown)
    parsed = parse(path, shown, root)
    found.unmapped.extend(parsed.unmapped)
    fallback = None
    if network is not None:
        if network not in inv.networks:
            raise CinvError(f"--network: no network {network!r} in the inventory")
        fallback = inv.networks[network]
    walker = Walker(found, networks)
    top = Node("global", shown)
    walker.walk(parsed.statements, top)
    walker.place_ranges()
    values_ = Values(walker, inv, found)
    nets = dict(inv.networks)
    if networks:
        for sub in walker.subnets:
            _subnet_network(sub, values_, inv, nets, found)
    _hosts(walker, values_, inv, nets, fallback, found)
    _list_unused(walker, networks, found)
    found.sort_unmapped()
    return found


# --- networks -----------------------------------------------------------------------------

def _subnet_network(sub: Node, vals: Values, inv: Inventory, nets: dict,
                    found: Findings) -> None:
    """The subnet as a network (cinv/importers/subnets.py), with its first range as the
    pool."""
    family = sub.prefix.version
    same = subnets.same_prefix(nets, sub.prefix)
    f = subnets.fields(sub.prefix, effective(sub.chain(), vals, family))
    if family == 4 and sub.ranges:
        _pool(sub, f, found, same.gateway4 if same is not None else None)
    for st in sub.ranges if family == 6 else ():
        found.skip(st.where, st.show(), "cinv keeps no IPv6 dynamic range")
    subnets.place(sub.prefix, f, nets, found, sub.where, sub.shared,
                  "import dhcpd.conf first to give its IPv4 network the prefix")


def _pool(sub: Node, f: dict, found: Findings, gateway) -> None:
    """The subnet's first range as its pool, clipped to what dhcpd leases (pools.py)."""
    first, *others = sub.ranges
    words = [w for w in arg_items(first.words[1:]) if w.lower() != "dynamic-bootp"]
    if len(words) in (1, 2):
        subnets.pool(f, sub.prefix, gateway, words[0], words[-1], first.where, first.show(),
                     found)
    else:
        others = sub.ranges
    for st in others:
        found.skip(st.where, st.show(), "cinv keeps one dynamic range per network")


# --- hosts --------------------------------------------------------------------------------

def _hosts(walker: Walker, vals: Values, inv: Inventory, nets: dict, fallback,
           found: Findings) -> None:
    hosts = []
    for st, node in walker.hosts:
        h = _host(st, node, vals, inv, nets, fallback, found)
        if h is not None:
            hosts.append(h)
    found.hosts = fold_interfaces(hosts, inv, domains(inv))


def _host(st: Statement, scope: Node, vals: Values, inv: Inventory, nets: dict,
          fallback: Network | None, found: Findings) -> FoundHost | None:
    block_name = st.arg(1)
    me = Node("host", st.where, scope)
    iface = FoundIface(where=st.where)
    host_opt = None
    for inner in st.block:
        if inner.bad:
            found.skip(inner.where, inner.show(), "holds bytes that are not UTF-8; not read")
        elif inner.block is not None:
            found.skip(inner.where, inner.show(), "blocks inside a host are not read")
        elif inner.head == "hardware":
            _hardware(inner, iface, found)
        elif inner.head == "fixed-address":
            _fixed4(inner, iface, vals, found, scope.scope_domain)
        elif inner.head == "fixed-address6":
            _fixed6(inner, iface, found)
        elif inner.head == "host-identifier":
            _host_identifier(inner, iface, found)
        elif inner.head == "option":
            name = inner.arg(1).lower()
            if name == "host-name":
                host_opt = inner.arg(2) or None
            if name in dhcpopts.OPTIONS:
                me.params.append(Param(name, inner.words[2:], inner))
            else:
                found.skip(inner.where, inner.show(), f"option {name}: not an option cinv "
                           "knows (see the README's table of DHCP options)")
        elif inner.head in ("next-server", "filename"):
            me.params.append(Param(inner.head, inner.words[1:], inner))
        else:
            found.skip(inner.where, inner.show(), "host parameter cinv does not keep")
    net = _host_network(iface, scope, nets, fallback)
    split = _split_block_name(block_name, inv, scope)
    if split is not None:
        raw, iface.name, other = split
        if other and iface.mac is not None:  # <fqdn>-<if>-2: another MAC of that interface
            iface.other_macs, iface.mac = [iface.mac], None
    else:
        raw = _pick_name(block_name, host_opt)
    domain = (net.domain if net is not None and net.domain else None) or scope.scope_domain \
        or inv.settings.domain
    fqdn, why = host_name(raw, domain)
    if fqdn is None:
        found.skip(st.where, f"host {block_name}", why)
        return None
    if net is None:
        addr = iface.ipv4 or iface.ipv6
        why = (f"no network holds {addr}" if addr is not None else "no address and no subnet "
               "tells its network")
        found.skip(st.where, f"host {block_name}", f"{why}; add the network (cinv net add), "
                   "use --networks, or give --network NET")
        return None
    if not iface.macs and iface.duid is None and iface.ipv4 is None and iface.ipv6 is None:
        found.skip(st.where, f"host {block_name}", "neither a MAC nor an address to import")
        return None
    iface.network = net.name
    # the host's own scope: its block and the groups around it below its subnet
    chain = me.chain()
    start = max(i for i, n in enumerate(chain) if n.kind in ("global", "shared-network",
                                                              "subnet"))
    params = effective(chain[start + 1:], vals, None)
    iface.host_name = params.pop("host-name", None)  # kept where cinv would send another
    dhcp = dhcp_block(params)
    iface.dhcp = dhcp or None
    return FoundHost(name=fqdn, where=st.where, interfaces=[iface])


def _hardware(st: Statement, iface: FoundIface, found: Findings) -> None:
    args = arg_items(st.words[1:])
    if len(args) != 2 or args[0].lower() != "ethernet":
        found.skip(st.where, st.show(), "host parameter cinv does not keep (only ethernet "
                   "hardware addresses)")
        return
    try:
        eui = netaddr.EUI(args[1])
        if eui.version != 48:
            raise ValueError(f"{args[1]!r} is not a 48-bit MAC")
        iface.mac = values.mac_to_int(values.normalise_mac(str(eui)))
    except (netaddr.AddrFormatError, ValueError, TypeError) as e:
        found.skip(st.where, st.show(), str(e) if isinstance(e, ValueError) else
                   f"{args[1]!r} is not a MAC address")


def _host_identifier(st: Statement, iface: FoundIface, found: Findings) -> None:
    """`host-identifier option dhcp6.client-id DUID`: the interface's duid."""
    args = arg_items(st.words[1:])
    if len(args) != 3 or args[0].lower() != "option" or args[1].lower() != "dhcp6.client-id":
        found.skip(st.where, st.show(), "cinv keys a DHCPv6 reservation on the client's DUID "
                   "(host-identifier option dhcp6.client-id) or its MAC only")
        return
    try:
        iface.duid = values.parse_duid(args[2])
    except ValueError as e:
        found.skip(st.where, st.show(), str(e))


def _fixed4(st: Statement, iface: FoundIface, vals: Values, found: Findings,
            domain: str | None) -> None:
    for a in arg_items(st.words[1:]):
        addr = vals.address(a, domain)
        if addr is None:
            found.skip(st.where, f"fixed-address {a}", "a name neither this file nor the "
                       "inventory gives an address (no DNS lookups are made)")
        elif iface.ipv4 is not None:
            found.skip(st.where, f"fixed-address {a}", "cinv keeps one IPv4 address per "
                       "interface")
        else:
            iface.ipv4 = addr


def _fixed6(st: Statement, iface: FoundIface, found: Findings) -> None:
    args = arg_items(st.words[1:])
    if not args:
        return
    try:
        iface.ipv6 = values.parse_ip(args[0], 6)
    except ValueError as e:
        found.skip(st.where, st.show(), str(e))
    for a in args[1:]:
        found.skip(st.where, f"fixed-address6 {a}", "cinv keeps one IPv6 address per interface")


def _host_network(iface: FoundIface, scope: Node, nets: dict, fallback):
    net = None
    for addr in (iface.ipv4, iface.ipv6):
        if net is None and addr is not None:
            net = network_holding(nets.values(), addr)
    if iface.ipv4 is not None or iface.ipv6 is not None:
        return net  # an address no network holds is listed; --network is for hosts without
    prefix = scope.scope_prefix
    if prefix is not None:
        net = next((n for n in nets.values() if prefix in (n.ipv4, n.ipv6)), None)
    return net if net is not None else fallback


def _split_block_name(block_name: str, inv: Inventory, scope: Node):
    """cinv's own form `host <fqdn>-<ifname>`, and `<fqdn>-<ifname>-<n>` (n from 2: the
    interface's other MACs): (fqdn, ifname, whether another MAC) when <fqdn> is a known host or
    lies in a known domain; else None (an ordinary name like printer-2 stays whole)."""
    name, other = block_name.lower(), False
    numbered = re.fullmatch(r"(.+-[a-z0-9]{1,15})-([2-9]|[1-9][0-9]+)", name)
    if numbered and _split_block_name(numbered.group(1), inv, scope) is not None:
        name, other = numbered.group(1), True
    fqdn, sep, ifname = name.rpartition("-")
    if not sep or "." not in fqdn or not re.fullmatch(r"[a-z0-9]{1,15}", ifname):
        return None
    domain = scope.scope_domain
    known = domains(inv) | ({domain} if domain else set())
    if fqdn in inv.hosts or any(fqdn.endswith("." + d) for d in known):
        return fqdn, ifname, other
    return None


def _pick_name(block_name: str, host_opt: str | None) -> str:
    """option host-name wins, unless the host's block name is the FQDN of that short name."""
    if host_opt is None:
        return block_name
    if "." not in host_opt.rstrip(".") and block_name.lower().split(".")[0] == host_opt.lower() \
            and "." in block_name:
        return block_name
    return host_opt


# --- what was not used --------------------------------------------------------------------

def _list_unused(walker: Walker, networks: bool, found: Findings) -> None:
    for node in walker.nodes:
        for p in node.params:
            if p.used:
                continue
            if node.kind == "subnet" and not networks:
                continue  # the subnet as a whole is listed
            if node.kind == "pool":
                why = "pool parameter cinv does not keep (pools have no options in cinv)"
            elif not networks:
                why = "network parameter: imported into networks with --networks"
            else:
                why = "applies to no subnet or host of this file"
            found.skip(p.st.where, p.st.show(), why)
    for sub in walker.subnets if not networks else ():
        found.skip(sub.where, f"{'subnet' if sub.prefix.version == 4 else 'subnet6'} "
                   f"{sub.prefix}", "networks are imported only with --networks; its "
                   "parameters are not read")
