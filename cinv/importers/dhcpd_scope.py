"""The walk of a dhcpd.conf's statements into scopes (global, shared-network, subnet, group,
pool, host), each with the option, next-server and filename statements set in it, and the
conversion of those into record values (names resolved through the file's own host blocks and
the inventory, never by DNS). cinv/importers/dhcpd.py turns scopes into networks and hosts."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from cinv.importers import Findings
from cinv.importers.dhcpd_parse import Statement, Token
from cinv.records import dhcpopts, values
from cinv.records.model import Inventory

_BLOCKS_NOT_KEPT = "blocks are not part of the inventory"


@dataclass
class Param:
    """An option, next-server or filename statement of a scope, used by the networks or hosts
    it applies to (or listed as not mapped at the end)."""

    key: str  # an option's dhcpd name, or "next-server" / "filename"
    args: list[Token]
    st: Statement
    used: bool = False
    value: object = None  # converted on first use


@dataclass
class Node:
    kind: str  # global, shared-network, subnet, group, pool, host
    where: str
    parent: Node | None = None
    params: list[Param] = field(default_factory=list)
    domain: str | None = None
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    shared: str | None = None
    ranges: list[Statement] = field(default_factory=list)
    below: set = field(default_factory=set)  # kinds of nodes inside (host, subnet)

    def chain(self) -> list[Node]:
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


# --- the walk -----------------------------------------------------------------------------

class Walker:
    def __init__(self, found: Findings, networks: bool):
        self.found, self.networks = found, networks
        self.hosts: list[tuple[Statement, Node]] = []
        self.subnets: list[Node] = []
        self.nodes: list[Node] = []
        self.ranges: list[tuple[Statement, Node]] = []

    def place_ranges(self) -> None:
        """A range belongs to the subnet that holds its first address (a pool of a
        shared-network names no subnet)."""
        for st, node in self.ranges:
            words = [w for w in arg_items(st.words[1:]) if w.lower() != "dynamic-bootp"]
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

    def walk(self, stmts: list[Statement], node: Node) -> None:
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

    def block(self, st: Statement, parent: Node) -> None:
        head = st.head
        if head in ("group", "pool", "pool6"):
            self.walk(st.block, Node("pool" if head != "group" else "group", st.where, parent))
        elif head == "shared-network":
            self.walk(st.block, Node("shared-network", st.where, parent, shared=st.arg(1)))
        elif head in ("subnet", "subnet6"):
            prefix = subnet_prefix(st)
            if prefix is None:
                self.skip(st, "not a subnet declaration cinv understands")
                return
            node = Node("subnet", st.where, parent, prefix=prefix,
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

    def statement(self, st: Statement, node: Node) -> None:
        head = st.head
        if head == "option":
            name = st.arg(1).lower()
            opt = dhcpopts.OPTIONS.get(name)
            if len(st.words) > 2 and st.arg(2).lower() == "code":
                self.skip(st, "an option definition; cinv knows the options of its table")
            elif name == "space":
                self.skip(st, "an option space definition; cinv knows the options of its table")
            elif opt is not None:
                node.params.append(Param(name, st.words[2:], st))
            elif name in ("subnet-mask",) and node.kind == "subnet":
                if mask_matches(st, node.prefix):
                    return  # what the subnet's prefix says already
                self.skip(st, "a netmask other than the subnet's")
            else:
                self.skip(st, f"option {name}: not an option cinv knows (see the README's "
                          "table of DHCP options)")
        elif head in ("next-server", "filename"):
            node.params.append(Param(head, st.words[1:], st))
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


def subnet_prefix(st: Statement):
    try:
        if st.head == "subnet" and len(st.words) == 4 and st.arg(2).lower() == "netmask":
            return ipaddress.IPv4Network(f"{st.arg(1)}/{st.arg(3)}")
        if st.head == "subnet6" and len(st.words) == 2:
            return values.ip_network(st.arg(1))
    except ValueError:
        return None
    return None


def mask_matches(st: Statement, prefix) -> bool:
    try:
        return prefix is not None and ipaddress.IPv4Address(st.arg(2)) == prefix.netmask
    except ValueError:
        return False


def arg_items(tokens: list[Token]) -> list[str]:
    return [t.text for t in tokens if t.quoted or t.text != ","]


# --- values: names resolved through the file and the inventory ------------------------------

class Values:
    """Converts parameters to record values; a name standing for an address is looked up in
    the file's host blocks with a literal fixed-address, then in the inventory."""

    def __init__(self, walker: Walker, inv: Inventory, found: Findings):
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

    def address(self, text: str, domain: str | None = None):
        """An IPv4 address, or the address this file or the inventory gives a name; a short
        name is also tried in the scope's `option domain-name` (the domain dhcpd's clients are
        told, as a resolver searching it would find `printer` as printer.example.org)."""
        try:
            return values.parse_ip(text, 4)
        except ValueError:
            pass
        key = text.lower().rstrip(".")
        found = self._lookup(key)
        if found is None and domain and "." not in key and not text.endswith("."):
            found = self._lookup(f"{key}.{domain}")
        return found

    def _lookup(self, key: str):
        """A name given as another name's address is followed (8 steps at most), in this file
        first, then in the inventory; `host printer { fixed-address printer; }` names itself,
        which only the inventory can answer."""
        seen: set[str] = set()
        while key is not None and len(seen) < 8:
            seen.add(key)
            names = []
            for table in (self.literal, self.in_inventory):
                value = table.get(key)
                if value is None:
                    continue
                try:
                    return values.parse_ip(value, 4)
                except ValueError:
                    names.append(value.lower().rstrip("."))
            key = next((n for n in names if n not in seen), None)
        return None

    def value(self, p: Param, domain: str | None = None):
        """The parameter's value as a record stores it, or None (listed with its reason)."""
        items = arg_items(p.args)
        try:
            if p.key == "filename":
                return dhcpopts.filename(items[0] if len(items) == 1 else " ".join(items))
            opt = dhcpopts.OPTIONS.get(p.key)
            kind = "ip" if p.key == "next-server" else opt.type
            if kind in ("ip", "ips"):
                addrs = [self.address(a, domain) for a in items]
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


def effective(nodes: list[Node], vals: Values, family: int | None) -> dict:
    """{key: value} of the parameters of these scopes, inner ones winning; each one used."""
    out: dict = {}
    for node in nodes:
        for p in node.params:
            opt = dhcpopts.OPTIONS.get(p.key)
            if family is not None and opt is not None and opt.family != family:
                continue
            if family == 6 and opt is None:
                continue  # next-server and filename are DHCPv4
            value = vals.value(p, node.scope_domain) if not p.used else p.value
            p.used, p.value = True, value
            if value is not None:
                out[p.key] = value
    return out


def dhcp_block(params: dict) -> dict:
    """A `dhcp:` block as stored, from effective parameters."""
    out: dict = {}
    if "next-server" in params:
        out["next_server"] = params.pop("next-server")
    if "filename" in params:
        out["filename"] = params.pop("filename")
    if params:
        out["options"] = dict(sorted(params.items()))
    return out
