"""ISC dhcpd.conf (and dhcpd6.conf) as people write it: a tokenizer, a parser into nested
statements, and a walk that finds hosts (and, with --networks, subnets as networks).

Supported: comments, quoted strings, `group {}`, `shared-network {}`, `subnet`/`subnet6 {}`,
`pool {}`, `host {}` with `hardware ethernet`, `fixed-address` (addresses, or names resolved from
the file or the inventory; never by DNS), `fixed-address6`, `option host-name`, `option
domain-name` for short names, and `include "file"` (relative to the including file, inside the
top file's folder, no loops). Everything else is listed as unmapped.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from cinv import names, paths, values
from cinv.errors import CinvError
from cinv.importers import (
    MAX_INCLUDES,
    Findings,
    FoundHost,
    FoundIface,
    FoundNetwork,
    domains,
    fold_interfaces,
    host_name,
    network_holding,
    read_text,
)
from cinv.model import Inventory, Network

MAX_DEPTH = 32
_PUNCT = "{};,"


@dataclass
class Token:
    text: str
    line: int
    quoted: bool = False


@dataclass
class Statement:
    words: list[Token]
    where: str
    block: list[Statement] | None = None  # the body of `head { ... }`

    @property
    def head(self) -> str:
        return self.words[0].text.lower() if self.words else ""

    def arg(self, n: int) -> str:
        return self.words[n].text if len(self.words) > n else ""

    def show(self) -> str:
        text = " ".join(f'"{w.text}"' if w.quoted else w.text for w in self.words)
        text = text.replace(" , ", ", ")
        return text[:80] + (" {...}" if self.block is not None else "")


# --- tokens and statements ----------------------------------------------------------------

def tokenize(text: str, shown: str) -> list[Token]:
    out: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == '"':
            start_line, i, buf = line, i + 1, []
            while True:
                if i >= n:
                    raise CinvError(f"{shown}:{start_line}: a quoted string is not closed")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < n:
                    nxt = text[i + 1]
                    buf.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                    i += 2
                    continue
                if c == "\n":
                    line += 1
                buf.append(c)
                i += 1
            out.append(Token("".join(buf), start_line, quoted=True))
        elif c in _PUNCT:
            out.append(Token(c, line))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _PUNCT + '"#':
                i += 1
            out.append(Token(text[start:i], line))
    return out


class _Reader:
    """Parses the top file and its includes into one list of statements."""

    def __init__(self, top: Path, shown: str):
        self.base = top.resolve().parent
        self.files = 0
        self.stack: list[Path] = []
        self.top, self.shown = top, shown

    def read(self, path: Path, shown: str) -> list[Statement]:
        real = path.resolve()
        if real in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack, real])
            raise CinvError(f"{shown}: include loop ({chain}); refusing")
        self.files += 1
        if self.files > MAX_INCLUDES:
            raise CinvError(f"{shown}: more than {MAX_INCLUDES} files included; refusing")
        self.stack.append(real)
        tokens = tokenize(read_text(path, shown), shown)
        pos, body = self._body(tokens, 0, shown, path, 0)
        if pos < len(tokens):
            raise CinvError(f"{shown}:{tokens[pos].line}: '}}' without a matching '{{'")
        self.stack.pop()
        return body

    def _body(self, tokens, pos, shown, path, depth) -> tuple[int, list[Statement]]:
        if depth > MAX_DEPTH:
            raise CinvError(f"{shown}:{tokens[pos - 1].line}: blocks nested deeper than "
                            f"{MAX_DEPTH}; refusing")
        out: list[Statement] = []
        words: list[Token] = []
        while pos < len(tokens):
            tok = tokens[pos]
            if not tok.quoted and tok.text == "}":
                if words:
                    raise CinvError(f"{shown}:{words[0].line}: statement "
                                    f"'{words[0].text} ...' lacks its ';' before '}}'")
                return pos, out
            pos += 1
            if not tok.quoted and tok.text == ";":
                if words:
                    out.extend(self._statement(words, shown, path))
                words = []
            elif not tok.quoted and tok.text == "{":
                if not words:
                    raise CinvError(f"{shown}:{tok.line}: '{{' without a declaration before it")
                pos, block = self._body(tokens, pos, shown, path, depth + 1)
                if pos >= len(tokens):
                    raise CinvError(f"{shown}:{words[0].line}: '{words[0].text} ... {{' is "
                                    "never closed with '}'")
                pos += 1
                out.append(Statement(words, f"{shown}:{words[0].line}", block))
                words = []
            else:
                words.append(tok)
        if words:
            raise CinvError(f"{shown}:{words[0].line}: statement '{words[0].text} ...' lacks "
                            "its ';' at the end of the file")
        return pos, out

    def _statement(self, words, shown, path) -> list[Statement]:
        if words[0].text.lower() != "include" or words[0].quoted:
            return [Statement(words, f"{shown}:{words[0].line}")]
        if len(words) != 2 or not words[1].quoted:
            raise CinvError(f"{shown}:{words[0].line}: include wants one quoted file name")
        name = words[1].text
        target = (path.parent / name)
        inc_shown = str(Path(shown).parent / name) if not Path(name).is_absolute() else name
        if "\0" in name or not paths.is_inside(target, self.base):  # the one path rule
            raise CinvError(f"{shown}:{words[0].line}: include \"{name}\" lies outside "
                            f"{self.base}, the folder of {self.shown}; refusing")
        return self.read(target, inc_shown)


def parse(path: Path, shown: str) -> list[Statement]:
    return _Reader(path, shown).read(path, shown)


# --- the walk -----------------------------------------------------------------------------

@dataclass
class _Scope:
    domain: str | None = None
    subnet: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    shared: str | None = None


@dataclass
class _Subnet:
    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    where: str
    shared: str | None
    fields: dict = field(default_factory=dict)


# Statements whose meaning the subnet prefix already carries.
_IMPLIED = {("option", "subnet-mask"), ("option", "broadcast-address")}


def read(path: Path, shown: str, inv: Inventory, network: str | None = None,
         networks: bool = False) -> Findings:
    """Hosts of a dhcpd.conf; with networks=True its subnets as network records."""
    found = Findings(source=shown)
    stmts = parse(path, shown)
    fallback = None
    if network is not None:
        if network not in inv.networks:
            raise CinvError(f"--network: no network {network!r} in the inventory")
        fallback = inv.networks[network]
    walker = _Walker(found, networks)
    walker.walk(stmts, _Scope(domain=None))
    nets = dict(inv.networks)
    if networks:
        for sub in walker.subnets:
            _subnet_network(sub, inv, nets, found)
    _hosts(walker, inv, nets, fallback, found)
    return found


class _Walker:
    def __init__(self, found: Findings, networks: bool):
        self.found, self.networks = found, networks
        self.hosts: list[tuple[Statement, _Scope]] = []
        self.subnets: list[_Subnet] = []

    def walk(self, stmts: list[Statement], scope: _Scope, subnet: _Subnet | None = None):
        scope = _Scope(**vars(scope))
        for st in stmts:  # a scope's parameters apply to all of it, wherever they stand
            if st.block is None and st.head == "option" and st.arg(1).lower() == "domain-name":
                scope.domain = st.arg(2).split()[0].rstrip(".").lower() if st.arg(2) else None
        for st in stmts:
            if st.block is not None:
                self.block(st, scope, subnet)
            elif subnet is not None:
                self.subnet_statement(st, subnet)
            elif st.head == "option" and st.arg(1).lower() == "domain-name":
                self.found.skip(st.where, st.show(), "used to qualify short host names; not "
                                "stored")
            else:
                self.found.skip(st.where, st.show(), "server or group parameter; cinv does "
                                "not keep it")

    def block(self, st: Statement, scope: _Scope, subnet: _Subnet | None):
        head = st.head
        if head == "group":
            self.walk(st.block, scope, subnet)
        elif head == "shared-network":
            self.walk(st.block, _Scope(scope.domain, scope.subnet, st.arg(1)), subnet)
        elif head in ("subnet", "subnet6"):
            prefix = _prefix(st)
            if prefix is None:
                self.found.skip(st.where, st.show(), "not a subnet declaration cinv understands")
                return
            sub = _Subnet(prefix, st.where, scope.shared)
            self.subnets.append(sub)
            self.walk(st.block, _Scope(scope.domain, prefix, scope.shared), sub)
            if not self.networks:
                self.found.skip(st.where, f"{head} {prefix}", "networks are imported only with "
                                "--networks; its parameters are not read")
        elif head in ("pool", "pool6"):
            self.walk(st.block, scope, subnet)
        elif head == "host":
            self.hosts.append((st, scope))
        else:
            self.found.skip(st.where, st.show(), f"'{head}' blocks are not part of the "
                            "inventory")

    def subnet_statement(self, st: Statement, sub: _Subnet):
        if not self.networks:
            return  # the subnet as a whole is listed as not mapped
        key = (st.head, st.arg(1).lower())
        args = _list_args(st.words[2:] if st.head == "option" else st.words[1:])
        f = sub.fields
        v4 = sub.prefix.version == 4
        if key in _IMPLIED:
            return
        if key == ("option", "routers") and v4 and args:
            f.setdefault("gateway4", args[0])
            for extra in args[1:]:
                self.found.skip(st.where, f"router {extra}", "cinv keeps one gateway")
        elif key in (("option", "domain-name"), ("option", "dhcp6.domain-search")) and args:
            f.setdefault("domain", args[0].split()[0].rstrip(".").lower())
        elif key in (("option", "domain-name-servers"), ("option", "dhcp6.name-servers")):
            for a in args:
                try:
                    f.setdefault("dns_servers", []).append(str(values.ip_address(a)))
                except ValueError as e:
                    self.found.skip(st.where, f"name server {a}", str(e) if "scope id" in str(e)
                                    else "a name, not an address")
        elif st.head in ("range", "range6") and v4:
            words = [w for w in args if w.lower() != "dynamic-bootp"]
            if len(words) in (1, 2) and "dhcp_pool" not in f:
                f["dhcp_pool"] = "-".join(words) if len(words) == 2 else words[0]
            else:
                self.found.skip(st.where, st.show(), "cinv keeps one dynamic range per network")
        else:
            self.found.skip(st.where, st.show(), "subnet parameter cinv does not keep")


def _list_args(words: list[Token]) -> list[str]:
    return [w.text for w in words if w.quoted or w.text != ","]


def _prefix(st: Statement):
    try:
        if st.head == "subnet" and len(st.words) == 4 and st.arg(2).lower() == "netmask":
            return ipaddress.IPv4Network(f"{st.arg(1)}/{st.arg(3)}")
        if st.head == "subnet6" and len(st.words) == 2:
            return ipaddress.IPv6Network(st.arg(1))
    except ValueError:
        return None
    return None


# --- networks -----------------------------------------------------------------------------

def _subnet_network(sub: _Subnet, inv: Inventory, nets: dict, found: Findings) -> None:
    """The subnet as a network: the one with that prefix; for a subnet6, else the one with its
    domain and no IPv6 prefix yet (dhcpd6.conf is a file of its own); else a new one (IPv4)."""
    family = "ipv4" if sub.prefix.version == 4 else "ipv6"
    fields = {family: str(sub.prefix), **sub.fields}
    same = [n for n in nets.values() if getattr(n, family) == sub.prefix]
    if not same and family == "ipv6" and fields.get("domain"):
        same = [n for n in nets.values() if n.ipv6 is None and n.domain == fields["domain"]]
    if same:
        name = same[0].name
        nets[name] = dataclasses.replace(same[0], **{family: sub.prefix})
    elif family == "ipv6":
        found.skip(sub.where, f"subnet6 {sub.prefix}", "no network has this IPv6 prefix, nor "
                   "its domain without an IPv6 prefix; add ipv6: to a network, then import "
                   "again")
        return
    else:
        name = _network_name(sub, nets)
        nets[name] = Network(name=name, domain=fields.get("domain"), ipv4=sub.prefix)
    found.networks.append(FoundNetwork(name=name, where=sub.where, fields=fields))


def _network_name(sub: _Subnet, nets: dict) -> str:
    candidates = []
    if sub.shared:
        candidates.append(sub.shared)
    if sub.fields.get("domain"):
        candidates.append(sub.fields["domain"].split(".")[0])
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

def _hosts(walker: _Walker, inv: Inventory, nets: dict, fallback, found: Findings) -> None:
    # names the file itself gives an address: host blocks with a literal fixed-address
    literal: dict[str, str] = {}
    for st, scope in walker.hosts:
        for inner in st.block:
            if inner.head == "fixed-address" and len(inner.words) >= 2:
                literal.setdefault(st.arg(1).lower().rstrip("."), inner.arg(1))
    in_inventory = {}
    for h in inv.active_hosts():
        for fqdn, iface, _alias in inv.dns_names(h):
            if iface.ipv4 is not None:
                in_inventory[fqdn] = str(iface.ipv4)
    hosts = []
    for st, scope in walker.hosts:
        h = _host(st, scope, literal, in_inventory, nets, fallback, inv, found)
        if h is not None:
            hosts.append(h)
    found.hosts = fold_interfaces(hosts, inv, domains(inv))


def _host(st: Statement, scope: _Scope, literal: dict, in_inventory: dict, nets: dict,
          fallback: Network | None, inv: Inventory, found: Findings) -> FoundHost | None:
    block_name = st.arg(1)
    iface = FoundIface(where=st.where)
    host_opt = None
    for inner in st.block:
        if inner.block is not None:
            found.skip(inner.where, inner.show(), "blocks inside a host are not read")
            continue
        head, args = inner.head, _list_args(inner.words[1:])
        if head == "hardware" and len(args) == 2 and args[0].lower() == "ethernet":
            try:
                iface.mac = values.mac_to_int(values.normalise_mac(args[1]))
            except ValueError as e:
                found.skip(inner.where, inner.show(), str(e))
        elif head == "fixed-address" and args:
            for n, a in enumerate(args):
                addr = _resolve(a, literal, in_inventory)
                if addr is None:
                    found.skip(inner.where, f"fixed-address {a}", "a name neither this file nor "
                               "the inventory gives an address (no DNS lookups are made)")
                elif iface.ipv4 is not None:
                    found.skip(inner.where, f"fixed-address {a}", "cinv keeps one IPv4 "
                               "address per interface")
                else:
                    iface.ipv4 = addr
        elif head == "fixed-address6" and args:
            try:
                iface.ipv6 = values.parse_ip(args[0], 6)
            except ValueError as e:
                found.skip(inner.where, inner.show(), str(e))
            for a in args[1:]:
                found.skip(inner.where, f"fixed-address6 {a}", "cinv keeps one IPv6 address "
                           "per interface")
        elif head == "option" and args and args[0].lower() == "host-name" and len(args) > 1:
            host_opt = args[1]
        else:
            found.skip(inner.where, inner.show(), "host parameter cinv does not keep")
    net = None
    for addr in (iface.ipv4, iface.ipv6):
        if net is None and addr is not None:
            net = network_holding(nets.values(), addr)
    if net is None and iface.ipv4 is None and iface.ipv6 is None and scope.subnet is not None:
        net = next((n for n in nets.values() if scope.subnet in (n.ipv4, n.ipv6)), None)
    if net is None and fallback is not None:
        net = fallback
    split = _split_block_name(block_name, inv, scope)
    if split is not None:
        raw, iface.name = split
    else:
        raw = _pick_name(block_name, host_opt)
    domain = (net.domain if net is not None and net.domain else None) or scope.domain \
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
    return FoundHost(name=fqdn, where=st.where, interfaces=[iface])


def _split_block_name(block_name: str, inv: Inventory, scope: _Scope):
    """cinv's own form `host <fqdn>-<ifname>`: (fqdn, ifname) when <fqdn> is a known host or
    lies in a known domain; else None (an ordinary name like printer-2 stays whole)."""
    fqdn, sep, ifname = block_name.lower().rpartition("-")
    if not sep or "." not in fqdn or not re.fullmatch(r"[a-z0-9]{1,15}", ifname):
        return None
    known = domains(inv) | ({scope.domain} if scope.domain else set())
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


def _resolve(text: str, literal: dict, in_inventory: dict):
    try:
        return values.parse_ip(text, 4)
    except ValueError:
        pass
    key = text.lower().rstrip(".")
    for table in (literal, in_inventory):
        seen = 0
        while key in table and seen < 8:  # a name given as another name's address
            value = table[key]
            try:
                return values.parse_ip(value, 4)
            except ValueError:
                key, seen = value.lower().rstrip("."), seen + 1
    return None
