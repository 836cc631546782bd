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

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

import netaddr

from cinv import dhcpopts, names, values
from cinv.errors import CinvError
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    FoundNetwork,
    domains,
    fold_interfaces,
    host_name,
    network_holding,
)
from cinv.importers.dhcpd_parse import Statement, Token, parse, tokenize  # noqa: F401
from cinv.model import Inventory, Network

_HOST_ONLY = {"hardware", "fixed-address", "fixed-address6"}
_BLOCKS_NOT_KEPT = "blocks are not part of the inventory"


@dataclass
class _Param:
    """An option, next-server or filename statement of a scope, used by the networks or hosts
    it applies to (or listed as not mapped at the end)."""

    key: str  # an option's dhcpd name, or "next-server" / "filename"
    args: list[Token]
    st: Statement
    used: bool = False
    value: object = None  # converted on first use


@dataclass
class _Node:
    kind: str  # global, shared-network, subnet, group, pool, host
    where: str
    parent: _Node | None = None
    params: list[_Param] = field(default_factory=list)
    domain: str | None = None
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    shared: str | None = None
    ranges: list[Statement] = field(default_factory=list)
    below: set = field(default_factory=set)  # kinds of nodes inside (host, subnet)

    def chain(self) -> list[_Node]:
        """This node and its ancestors, outermost first."""
        out, node = [], self
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]

    @property
    def scope_domain(self) -> str | None:
        for node in reversed(self.chain()):
            if node.domain:
                return node.domain
        return None

    @property
    def scope_prefix(self):
        for node in reversed(self.chain()):
            if node.prefix is not None:
                return node.prefix
        return None


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
    walker = _Walker(found, networks)
    top = _Node("global", shown)
    walker.walk(parsed.statements, top)
    walker.place_ranges()
    values_ = _Values(walker, inv, found)
    nets = dict(inv.networks)
    if networks:
        for sub in walker.subnets:
            _subnet_network(sub, values_, inv, nets, found)
    _hosts(walker, values_, inv, nets, fallback, found)
    _list_unused(walker, networks, found)
    files = {}
    for u in found.unmapped:  # in the order of the source: file by file, line by line
        files.setdefault(u.where.rpartition(":")[0], len(files))
    found.unmapped.sort(key=lambda u: (files[u.where.rpartition(":")[0]],
                                       int(u.where.rpartition(":")[2] or 0)))
    return found


# --- the walk -----------------------------------------------------------------------------

class _Walker:
    def __init__(self, found: Findings, networks: bool):
        self.found, self.networks = found, networks
        self.hosts: list[tuple[Statement, _Node]] = []
        self.subnets: list[_Node] = []
        self.nodes: list[_Node] = []
        self.ranges: list[tuple[Statement, _Node]] = []

    def place_ranges(self) -> None:
        """A range belongs to the subnet that holds its first address (a pool of a
        shared-network names no subnet)."""
        for st, node in self.ranges:
            words = [w for w in _items(st.words[1:]) if w.lower() != "dynamic-bootp"]
            try:
                first = ipaddress.ip_address(words[0].split("/")[0])
            except (ValueError, IndexError):
                self.skip(st, "not a range of addresses")
                continue
            inside = [sub for sub in self.subnets if first in sub.prefix]
            mine = [sub for sub in inside if sub in node.chain()]
            if not (mine or inside):
                self.skip(st, "a range in no subnet of this file")
                continue
            (mine or inside)[0].ranges.append(st)

    def skip(self, st: Statement, why: str) -> None:
        self.found.skip(st.where, st.show(), why)

    def walk(self, stmts: list[Statement], node: _Node) -> None:
        self.nodes.append(node)
        for st in stmts:  # a scope's domain applies to all of it, wherever it stands
            if st.block is None and st.head == "option" and st.arg(1).lower() == "domain-name" \
                    and not st.bad:
                node.domain = st.arg(2).split()[0].rstrip(".").lower() if st.arg(2) else None
        for st in stmts:
            if st.bad:
                self.skip(st, "holds bytes that are not UTF-8; not read")
            elif st.block is not None:
                self.block(st, node)
            else:
                self.statement(st, node)

    def block(self, st: Statement, parent: _Node) -> None:
        head = st.head
        if head in ("group", "pool", "pool6"):
            self.walk(st.block, _Node("pool" if head != "group" else "group", st.where, parent))
        elif head == "shared-network":
            self.walk(st.block, _Node("shared-network", st.where, parent, shared=st.arg(1)))
        elif head in ("subnet", "subnet6"):
            prefix = _prefix(st)
            if prefix is None:
                self.skip(st, "not a subnet declaration cinv understands")
                return
            node = _Node("subnet", st.where, parent, prefix=prefix,
                         shared=next((n.shared for n in reversed(parent.chain()) if n.shared),
                                     None))
            self.subnets.append(node)
            for up in node.chain():
                up.below.add("subnet")
            self.walk(st.block, node)
        elif head == "host":
            for up in parent.chain():
                up.below.add("host")
            self.hosts.append((st, parent))
        else:
            self.skip(st, f"'{head}' {_BLOCKS_NOT_KEPT}")

    def statement(self, st: Statement, node: _Node) -> None:
        head = st.head
        if head == "option":
            name = st.arg(1).lower()
            opt = dhcpopts.OPTIONS.get(name)
            if len(st.words) > 2 and st.arg(2).lower() == "code":
                self.skip(st, "an option definition; cinv knows the options of its table")
            elif name == "space":
                self.skip(st, "an option space definition; cinv knows the options of its table")
            elif opt is not None:
                node.params.append(_Param(name, st.words[2:], st))
            elif name in ("subnet-mask",) and node.kind == "subnet":
                if _mask_matches(st, node.prefix):
                    return  # what the subnet's prefix says already
                self.skip(st, "a netmask other than the subnet's")
            else:
                self.skip(st, f"option {name}: not an option cinv knows (see the README's "
                          "table of DHCP options)")
        elif head in ("next-server", "filename"):
            node.params.append(_Param(head, st.words[1:], st))
        elif head in ("range", "range6") and node.kind in ("subnet", "pool"):
            self.ranges.append((st, node))
        elif node.kind in ("subnet", "pool") and not self.networks \
                and node.scope_prefix is not None:
            return  # the subnet as a whole is listed
        elif node.kind == "subnet":
            self.skip(st, "subnet parameter cinv does not keep")
        elif node.kind == "pool":
            self.skip(st, "pool parameter cinv does not keep")
        else:
            self.skip(st, "server or group parameter; cinv does not keep it")


def _prefix(st: Statement):
    try:
        if st.head == "subnet" and len(st.words) == 4 and st.arg(2).lower() == "netmask":
            return ipaddress.IPv4Network(f"{st.arg(1)}/{st.arg(3)}")
        if st.head == "subnet6" and len(st.words) == 2:
            return values.ip_network(st.arg(1))
    except ValueError:
        return None
    return None


def _mask_matches(st: Statement, prefix) -> bool:
    try:
        return prefix is not None and ipaddress.IPv4Address(st.arg(2)) == prefix.netmask
    except ValueError:
        return False


def _items(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens if t.quoted or t.text != ","]


# --- values: names resolved through the file and the inventory ------------------------------

class _Values:
    """Converts parameters to record values; a name standing for an address is looked up in
    the file's host blocks with a literal fixed-address, then in the inventory."""

    def __init__(self, walker: _Walker, inv: Inventory, found: Findings):
        self.found = found
        self.literal: dict[str, str] = {}
        for st, node in walker.hosts:
            name, domain = st.arg(1).lower().rstrip("."), node.scope_domain
            for inner in st.block:
                if inner.head == "fixed-address" and len(inner.words) >= 2:
                    self.literal.setdefault(name, inner.arg(1))
                    if domain and "." not in name:  # gw in a scope of example.org
                        self.literal.setdefault(f"{name}.{domain}", inner.arg(1))
        self.in_inventory = {}
        for h in inv.active_hosts():
            for fqdn, iface, _alias in inv.dns_names(h):
                if iface.ipv4 is not None:
                    self.in_inventory[fqdn] = str(iface.ipv4)

    def address(self, text: str):
        try:
            return values.parse_ip(text, 4)
        except ValueError:
            pass
        key = text.lower().rstrip(".")
        for table in (self.literal, self.in_inventory):
            seen = 0
            while key in table and seen < 8:  # a name given as another name's address
                value = table[key]
                try:
                    return values.parse_ip(value, 4)
                except ValueError:
                    key, seen = value.lower().rstrip("."), seen + 1
        return None

    def value(self, p: _Param):
        """The parameter's value as a record stores it, or None (listed with its reason)."""
        items = _items(p.args)
        try:
            if p.key == "filename":
                return dhcpopts.filename(items[0] if len(items) == 1 else " ".join(items))
            opt = dhcpopts.OPTIONS.get(p.key)
            kind = "ip" if p.key == "next-server" else opt.type
            if kind in ("ip", "ips"):
                addrs = [self.address(a) for a in items]
                missing = [a for a, b in zip(items, addrs) if b is None]
                if missing:
                    which = f"{', '.join(missing)}: " if len(missing) < len(items) else ""
                    raise ValueError(f"{which}a name neither this file nor the inventory gives "
                                     "an address (no DNS lookups are made)")
                items = [str(a) for a in addrs]
            if p.key == "next-server":
                return dhcpopts.ipv4(items[0]) if len(items) == 1 else \
                    dhcpopts.ipv4(" ".join(items))
            if kind in ("ips", "ip6s", "fqdns"):
                return dhcpopts.parse_value(opt, items)
            if len(items) != 1:
                raise ValueError(f"{' '.join(items)!r} is not one value")
            return dhcpopts.parse_value(opt, items[0])
        except (ValueError, IndexError) as e:
            self.found.skip(p.st.where, p.st.show(), str(e) or "no value")
            return None


def _effective(nodes: list[_Node], vals: _Values, family: int | None) -> dict:
    """{key: value} of the parameters of these scopes, inner ones winning; each one used."""
    out: dict = {}
    for node in nodes:
        for p in node.params:
            opt = dhcpopts.OPTIONS.get(p.key)
            if family is not None and opt is not None and opt.family != family:
                continue
            if family == 6 and opt is None:
                continue  # next-server and filename are DHCPv4
            value = vals.value(p) if not p.used else p.value
            p.used, p.value = True, value
            if value is not None:
                out[p.key] = value
    return out


def _dhcp_block(params: dict) -> dict:
    """A `dhcp:` block as stored, from effective parameters."""
    out: dict = {}
    if "next-server" in params:
        out["next_server"] = params.pop("next-server")
    if "filename" in params:
        out["filename"] = params.pop("filename")
    if params:
        out["options"] = dict(sorted(params.items()))
    return out


# --- networks -----------------------------------------------------------------------------

def _subnet_network(sub: _Node, vals: _Values, inv: Inventory, nets: dict,
                    found: Findings) -> None:
    """The subnet as a network: the one with that prefix; for a subnet6, else the one with its
    domain and no IPv6 prefix yet (dhcpd6.conf is a file of its own); else a new one."""
    family = sub.prefix.version
    fields = _network_fields(sub, _effective(sub.chain(), vals, family), found)
    key = "ipv4" if family == 4 else "ipv6"
    fields = {key: str(sub.prefix), **fields}
    same = [n for n in nets.values() if getattr(n, key) == sub.prefix]
    if not same and key == "ipv6" and fields.get("domain"):
        same = [n for n in nets.values() if n.ipv6 is None and n.domain == fields["domain"]]
    if same:
        name = same[0].name
        nets[name] = dataclasses.replace(same[0], **{key: sub.prefix})
    else:
        name = _network_name(sub, fields, nets)
        nets[name] = Network(name=name, domain=fields.get("domain"), **{key: sub.prefix})
        if key == "ipv6":
            found.notes.append(f"{sub.where}: subnet6 {sub.prefix} becomes the IPv6-only "
                               f"network {name} (no network has its prefix or its domain; "
                               "import dhcpd.conf first to give its IPv4 network the prefix)")
    found.networks.append(FoundNetwork(name=name, where=sub.where, fields=fields))


def _network_fields(sub: _Node, params: dict, found: Findings) -> dict:
    f: dict = {}
    routers = params.pop("routers", None)
    if routers:
        if ipaddress.ip_address(routers[0]) in sub.prefix:
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
    if sub.prefix.version == 4 and broadcast == str(sub.prefix.broadcast_address):
        del params["broadcast-address"]  # what the prefix says already
    if sub.prefix.version == 4 and sub.ranges:
        _pool(sub, f, found)
    for st in sub.ranges if sub.prefix.version == 6 else ():
        found.skip(st.where, st.show(), "cinv keeps no IPv6 dynamic range")
    dhcp = _dhcp_block(params)
    if dhcp:
        f["dhcp"] = dhcp
    return f


def _pool(sub: _Node, f: dict, found: Findings) -> None:
    first, *others = sub.ranges
    words = [w for w in _items(first.words[1:]) if w.lower() != "dynamic-bootp"]
    if len(words) in (1, 2):
        f["dhcp_pool"] = "-".join(words) if len(words) == 2 else words[0]
    else:
        others = sub.ranges
    for st in others:
        found.skip(st.where, st.show(), "cinv keeps one dynamic range per network")


def _network_name(sub: _Node, fields: dict, nets: dict) -> str:
    candidates = []
    if sub.shared:
        candidates.append(sub.shared)
    if fields.get("domain"):
        candidates.append(fields["domain"].split(".")[0])
    candidates.append(f"net-{sub.prefix.network_address}-{sub.prefix.prefixlen}")
    for raw in candidates:
        name = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_")[:63]
        try:
            names.check_network_name(name)
        except ValueError:
            continue
        if name not in nets:
            return name
    return re.sub(r"[^a-z0-9-]", "-", f"net-{sub.prefix.network_address}-{sub.prefix.prefixlen}")


# --- hosts --------------------------------------------------------------------------------

def _hosts(walker: _Walker, vals: _Values, inv: Inventory, nets: dict, fallback,
           found: Findings) -> None:
    hosts = []
    for st, node in walker.hosts:
        h = _host(st, node, vals, inv, nets, fallback, found)
        if h is not None:
            hosts.append(h)
    found.hosts = fold_interfaces(hosts, inv, domains(inv))


def _host(st: Statement, scope: _Node, vals: _Values, inv: Inventory, nets: dict,
          fallback: Network | None, found: Findings) -> FoundHost | None:
    block_name = st.arg(1)
    me = _Node("host", st.where, scope)
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
            _fixed4(inner, iface, vals, found)
        elif inner.head == "fixed-address6":
            _fixed6(inner, iface, found)
        elif inner.head == "option":
            name = inner.arg(1).lower()
            if name == "host-name":
                host_opt = inner.arg(2) or None
            if name in dhcpopts.OPTIONS:
                me.params.append(_Param(name, inner.words[2:], inner))
            else:
                found.skip(inner.where, inner.show(), f"option {name}: not an option cinv "
                           "knows (see the README's table of DHCP options)")
        elif inner.head in ("next-server", "filename"):
            me.params.append(_Param(inner.head, inner.words[1:], inner))
        else:
            found.skip(inner.where, inner.show(), "host parameter cinv does not keep")
    net = _host_network(iface, scope, nets, fallback)
    split = _split_block_name(block_name, inv, scope)
    if split is not None:
        raw, iface.name = split
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
    if iface.mac is None and iface.ipv4 is None and iface.ipv6 is None:
        found.skip(st.where, f"host {block_name}", "neither a MAC nor an address to import")
        return None
    iface.network = net.name
    # the host's own scope: its block and the groups around it below its subnet
    chain = me.chain()
    start = max(i for i, n in enumerate(chain) if n.kind in ("global", "shared-network",
                                                              "subnet"))
    params = _effective(chain[start + 1:], vals, None)
    iface.host_name = params.pop("host-name", None)  # kept where cinv would send another
    dhcp = _dhcp_block(params)
    iface.dhcp = dhcp or None
    return FoundHost(name=fqdn, where=st.where, interfaces=[iface])


def _hardware(st: Statement, iface: FoundIface, found: Findings) -> None:
    args = _items(st.words[1:])
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


def _fixed4(st: Statement, iface: FoundIface, vals: _Values, found: Findings) -> None:
    for a in _items(st.words[1:]):
        addr = vals.address(a)
        if addr is None:
            found.skip(st.where, f"fixed-address {a}", "a name neither this file nor the "
                       "inventory gives an address (no DNS lookups are made)")
        elif iface.ipv4 is not None:
            found.skip(st.where, f"fixed-address {a}", "cinv keeps one IPv4 address per "
                       "interface")
        else:
            iface.ipv4 = addr


def _fixed6(st: Statement, iface: FoundIface, found: Findings) -> None:
    args = _items(st.words[1:])
    if not args:
        return
    try:
        iface.ipv6 = values.parse_ip(args[0], 6)
    except ValueError as e:
        found.skip(st.where, st.show(), str(e))
    for a in args[1:]:
        found.skip(st.where, f"fixed-address6 {a}", "cinv keeps one IPv6 address per interface")


def _host_network(iface: FoundIface, scope: _Node, nets: dict, fallback):
    net = None
    for addr in (iface.ipv4, iface.ipv6):
        if net is None and addr is not None:
            net = network_holding(nets.values(), addr)
    prefix = scope.scope_prefix
    if net is None and iface.ipv4 is None and iface.ipv6 is None and prefix is not None:
        net = next((n for n in nets.values() if prefix in (n.ipv4, n.ipv6)), None)
    return net if net is not None else fallback


def _split_block_name(block_name: str, inv: Inventory, scope: _Node):
    """cinv's own form `host <fqdn>-<ifname>`: (fqdn, ifname) when <fqdn> is a known host or
    lies in a known domain; else None (an ordinary name like printer-2 stays whole)."""
    fqdn, sep, ifname = block_name.lower().rpartition("-")
    if not sep or "." not in fqdn or not re.fullmatch(r"[a-z0-9]{1,15}", ifname):
        return None
    domain = scope.scope_domain
    known = domains(inv) | ({domain} if domain else set())
    if fqdn in inv.hosts or any(fqdn.endswith("." + d) for d in known):
        return fqdn, ifname
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

def _list_unused(walker: _Walker, networks: bool, found: Findings) -> None:
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
