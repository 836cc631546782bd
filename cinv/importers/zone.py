"""BIND zone files (RFC 1035 master format): A, AAAA and CNAME records become hosts, interface
addresses and aliases on the network whose prefix holds each address.

Supported: $ORIGIN, $TTL, relative and absolute names, '@', an omitted owner (the previous one
again), parentheses spanning lines (a multi-line SOA), ';' comments, quoted strings, class IN and
the TTL both optional and in either order. Other record types, other classes, $INCLUDE,
$GENERATE, wildcards and names with escapes are listed as unmapped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cinv import names, values
from cinv.errors import CinvError
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    domains,
    fold_interfaces,
    network_holding,
    read_text,
)
from cinv.model import Inventory

_TTL = re.compile(r"^(\d+[wdhms]?)+\Z", re.IGNORECASE)
_CLASSES = {"IN", "CH", "HS", "CS", "ANY"}
_ZONE_LEVEL = {"SOA", "NS"}


@dataclass
class Entry:
    tokens: list[str]
    line: int
    blank_owner: bool


def entries(text: str, shown: str) -> list[Entry]:
    """Logical lines: comments gone, parentheses joined, quoted strings kept whole."""
    out: list[Entry] = []
    tokens: list[str] = []
    depth, line, start, blank = 0, 1, 1, False
    at_line_start = True
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if at_line_start and depth == 0:
            start, blank, at_line_start = line, c in " \t", False
        if c == "\n":
            line += 1
            i += 1
            if depth == 0:
                if tokens:
                    out.append(Entry(tokens, start, blank))
                tokens = []
                at_line_start = True
        elif c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c in " \t\r":
            i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            if depth == 0:
                raise CinvError(f"{shown}:{line}: ')' without '('")
            depth -= 1
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(text[j:j + 2])
                    j += 2
                    continue
                if text[j] == "\n":
                    raise CinvError(f"{shown}:{line}: a quoted string runs past the end of the "
                                    "line")
                buf.append(text[j])
                j += 1
            if j >= n:
                raise CinvError(f"{shown}:{line}: a quoted string is not closed")
            tokens.append('"' + "".join(buf) + '"')
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in ' \t\r\n;()"':
                j += 2 if text[j] == "\\" else 1
            tokens.append(text[i:j])
            i = j
    if depth:
        raise CinvError(f"{shown}:{start}: '(' is never closed")
    if tokens:
        out.append(Entry(tokens, start, blank))
    return out


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith("."):
        return name[:-1].lower()
    return f"{name}.{origin}".lower() if origin else name.lower()


def read(path: Path, shown: str, inv: Inventory, zone: str) -> Findings:
    try:
        origin = names.check_fqdn(zone)
    except ValueError as e:
        raise CinvError(f"--zone: {e}") from None
    found = Findings(source=shown)
    addrs: dict[str, list] = {}
    cnames: dict[str, tuple[str, str]] = {}
    owner = None
    for e in entries(read_text(path, shown), shown):
        where = f"{shown}:{e.line}"
        toks = e.tokens
        if toks[0].startswith("$"):
            directive = toks[0].upper()
            if directive == "$ORIGIN" and len(toks) == 2:
                origin = _absolute(toks[1], origin)
            elif directive == "$TTL" and len(toks) == 2 and _TTL.match(toks[1]):
                pass  # TTLs are cinv.yaml's dns.ttl; nothing per host
            else:
                found.skip(where, " ".join(toks)[:80], "directive not supported")
            continue
        if not e.blank_owner:
            owner, toks = _absolute(toks[0], origin), toks[1:]
        if owner is None:
            raise CinvError(f"{where}: the first record has no owner name")
        rtype, rdata = _split(toks)
        show = f"{owner} {(rtype or '').lstrip('!')} {' '.join(rdata)}"[:100]
        if rtype is None:
            found.skip(where, " ".join(e.tokens)[:80], "not a resource record")
        elif rtype.startswith("!"):
            found.skip(where, show, f"class {rtype[1:]} is not IN")
        elif owner != origin and not owner.endswith("." + origin):
            found.skip(where, show, f"outside the zone {origin}")
        elif "\\" in owner or "*" in owner.split("."):
            found.skip(where, show, "wildcards and escaped names are not host names")
        elif rtype in ("A", "AAAA") and len(rdata) == 1:
            try:
                addr = values.parse_ip(rdata[0], 4 if rtype == "A" else 6)
            except ValueError as err:
                found.skip(where, show, str(err))
                continue
            addrs.setdefault(owner, []).append((addr, where, show))
        elif rtype == "CNAME" and len(rdata) == 1:
            cnames[owner] = (_absolute(rdata[0], origin), where)
        elif rtype in _ZONE_LEVEL and owner == origin:
            found.skip(where, f"{owner} {rtype}", "zone data (cinv.yaml dns: settings), "
                       "not host data")
        else:
            found.skip(where, show, f"record type {rtype} is not part of the inventory")
    hosts = _hosts(addrs, cnames, inv, found)
    found.hosts = fold_interfaces(hosts, inv, domains(inv) | {origin})
    return found


def _split(toks: list[str]) -> tuple[str | None, list[str]]:
    """[ttl] [class] type rdata (ttl and class in either order) -> (TYPE, rdata)."""
    i = 0
    while i < len(toks) and i < 2:
        t = toks[i].upper()
        if _TTL.match(t):
            i += 1
        elif t in _CLASSES:
            if t != "IN":
                return "!" + t, toks[i + 1:]
            i += 1
        else:
            break
    if i >= len(toks):
        return None, []
    return toks[i].upper(), toks[i + 1:]


def _valid(name: str, where: str, what: str, found: Findings) -> bool:
    try:
        names.check_fqdn(name)
    except ValueError as e:
        found.skip(where, what, f"not a valid host name ({e})")
        return False
    return True


def _hosts(addrs: dict, cnames: dict, inv: Inventory, found: Findings) -> list[FoundHost]:
    hosts: dict[str, FoundHost] = {}
    for owner, items in addrs.items():
        if owner in cnames:
            found.skip(cnames[owner][1], f"{owner} CNAME", "a CNAME beside other records")
            del cnames[owner]
        if not _valid(owner, items[0][1], owner, found):
            continue
        by_net: dict[str, FoundIface] = {}
        for addr, where, show in items:
            net = network_holding(inv.networks.values(), addr)
            if net is None:
                found.skip(where, show, f"no network holds {addr}; add it with `cinv net add`")
                continue
            iface = by_net.setdefault(net.name, FoundIface(where=where, network=net.name))
            family = "ipv4" if addr.version == 4 else "ipv6"
            if getattr(iface, family) is not None:
                found.skip(where, show, f"a second IPv{addr.version} address of {owner} on "
                           f"network {net.name}; cinv keeps one per interface")
                continue
            setattr(iface, family, addr)
        if by_net:
            hosts[owner] = FoundHost(name=owner, where=items[0][1],
                                     interfaces=list(by_net.values()))
    targets = {}
    for h in inv.active_hosts():
        for fqdn, iface, is_alias in inv.dns_names(h):
            if not is_alias:
                targets[fqdn] = (h, iface)
    for alias, (target, where) in cnames.items():
        what = f"{alias} CNAME {target}"
        if not _valid(alias, where, what, found):
            continue
        if target in hosts:
            hosts[target].interfaces[0].aliases.append(alias)
        elif target in targets:
            h, iface = targets[target]
            extra = hosts.setdefault(h.name, FoundHost(name=h.name, where=where))
            extra.interfaces.append(FoundIface(where=where, network=iface.network,
                                               name=iface.name, aliases=[alias]))
        else:
            why = ("a CNAME to another alias" if target in cnames else
                   "its target is neither an address in this zone nor a host of the inventory")
            found.skip(where, what, why)
    return list(hosts.values())
