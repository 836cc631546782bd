"""Which zones cinv serves, and where names and addresses land in them.

Forward zones: the default domain, every network's domain and every forward zone of zones/.
Reverse zones: those the networks need (see ReverseZones) and every reverse zone of zones/. A
name lives in the longest of them that holds it (cinv.records.zones.zone_of). Pure functions
over the model: render/dns.py, the zone rules of cinv/check/zones.py and the zone importer share
them.
"""
from __future__ import annotations

import ipaddress
import re

from cinv.records.zones import is_reverse


def v4_zone_name(value: int, bits: int) -> str:
    octets = [str((value >> (24 - 8 * i)) & 255) for i in range(bits // 8)]
    return ".".join(reversed(octets)) + ".in-addr.arpa"


def v6_zone_name(value: int, bits: int) -> str:
    nibbles = f"{value:032x}"[: bits // 4]
    return ".".join(reversed(nibbles)) + ".ip6.arpa"


class ReverseZones:
    """The reverse zones the networks need, and where each address's PTR goes.

    IPv4: one zone per /24 a network covers (networks shorter than /16 use zones at the octet
    boundary instead of thousands of /24s). A network smaller than /24 gets an RFC 2317 child
    zone "<first>-<len>.<c>.<b>.<a>.in-addr.arpa" for its PTRs, delegated from its /24 parent
    with a CNAME for every address of the block. IPv6: one ip6.arpa zone per prefix at the
    nibble boundary (a prefix that is not a multiple of 4 splits into the 2, 4 or 8 zones of
    the next boundary)."""

    def __init__(self, networks):
        self.kinds: dict[str, str] = {}
        self.blocks4: dict[tuple[int, int], str] = {}  # (bits, value >> (32 - bits)) -> zone
        self.children: dict[int, list[tuple[int, int, str, str]]] = {}  # /24 -> blocks
        self.blocks6: dict[tuple[int, int], str] = {}
        for net in networks:
            p = net.ipv4
            if p is not None:
                first, last, plen = (int(p.network_address), int(p.broadcast_address),
                                     p.prefixlen)
                if plen > 24:
                    label = f"{first & 255}-{plen}"
                    parent = v4_zone_name(first & ~255, 24)
                    child = f"{label}.{parent}"
                    self.kinds.setdefault(parent, "reverse4-parent")
                    self.kinds.setdefault(child, "reverse4-rfc2317")
                    self.children.setdefault(first >> 8, []).append((first, last, child, label))
                else:
                    bits = 24 if plen >= 16 else (16 if plen > 8 else 8)
                    for key in range(first >> (32 - bits), (last >> (32 - bits)) + 1):
                        name = v4_zone_name(key << (32 - bits), bits)
                        self.blocks4[(bits, key)] = name
                        self.kinds.setdefault(name, "reverse4")
            p = net.ipv6
            if p is not None:
                bits = max(4, -(-p.prefixlen // 4) * 4)
                base = int(p.network_address) >> (128 - bits)
                for key in range(base, base + (1 << (bits - p.prefixlen))):
                    name = v6_zone_name(key << (128 - bits), bits)
                    self.blocks6[(bits, key)] = name
                    self.kinds.setdefault(name, "reverse6")
        self.bits4 = sorted({b for b, _ in self.blocks4}, reverse=True)
        self.bits6 = sorted({b for b, _ in self.blocks6}, reverse=True)

    def place4(self, a: int) -> tuple[str, str] | None:
        """(zone, owner relative to it) of the PTR of IPv4 address a, or None."""
        for first, last, child, _label in self.children.get(a >> 8, ()):
            if first <= a <= last:
                return child, str(a & 255)
        for bits in self.bits4:
            zone = self.blocks4.get((bits, a >> (32 - bits)))
            if zone is not None:
                return zone, ".".join(str((a >> (8 * i)) & 255)
                                      for i in range((32 - bits) // 8))
        return None

    def place6(self, a: int) -> tuple[str, str] | None:
        for bits in self.bits6:
            zone = self.blocks6.get((bits, a >> (128 - bits)))
            if zone is not None:
                return zone, ".".join(reversed(f"{a:032x}"[bits // 4:]))
        return None

    def delegations(self):
        """(parent zone, owner, child zone, [addresses]) of every RFC 2317 block: the parent
        holds NS records at owner and a CNAME "<n> -> <n>.<owner>" per address."""
        for blocks in self.children.values():
            for first, last, child, label in blocks:
                yield v4_zone_name(first & ~255, 24), label, child, range(first, last + 1)


_KEPT: list = [None, None]  # the networks last asked for, and their ReverseZones


def reverse_zones(networks) -> ReverseZones:
    """ReverseZones of these network records, made once while the same records are asked for
    (a render's serials place every changed host's names, with every network's zones)."""
    nets = list(networks)
    kept_nets, kept = _KEPT
    if kept_nets is not None and len(kept_nets) == len(nets) \
            and all(a is b for a, b in zip(kept_nets, nets)):
        return kept
    rz = ReverseZones(nets)
    _KEPT[:] = [nets, rz]
    return rz


def names_of(inv, host, iface) -> list[str]:
    """The other names of an interface: its extra names (`names:`) and aliases, as FQDNs."""
    return [inv.alias_fqdn(n, iface) for n in (*iface.names, *iface.aliases)]


def forward_zones(inv) -> set[str]:
    """The forward zones: the default domain, every network's domain, every forward zone of
    zones/."""
    return ({inv.settings.domain} | {n.domain for n in inv.networks.values() if n.domain}
            | {z for z in inv.zones if not is_reverse(z)})


def served_zones(inv) -> dict[str, str]:
    """Every zone cinv writes, name -> kind (forward, reverse4, reverse4-parent,
    reverse4-rfc2317, reverse6, reverse: a reverse zone known only from zones/)."""
    out = {z: "forward" for z in forward_zones(inv)}
    out.update(reverse_zones(inv.networks.values()).kinds)
    for z in inv.zones:
        out.setdefault(z, "reverse")
    return out


_RFC2317 = re.compile(r"^\d{1,3}[-/]\d{1,2}\Z")


def reverse_address(name: str) -> tuple[int, int] | None:
    """(version, address as an integer) a reverse name stands for, or None: a.b.c.d.in-addr.arpa,
    an RFC 2317 child's n.<first>-<len>.c.b.a.in-addr.arpa, or 32 nibbles .ip6.arpa."""
    labels = name.lower().rstrip(".").split(".")
    if labels[-2:] == ["in-addr", "arpa"]:
        parts = labels[:-2]
        if len(parts) == 5 and _RFC2317.match(parts[1]):
            parts = [parts[0], *parts[2:]]
        if len(parts) == 4 and all(p.isdigit() and int(p) < 256 and str(int(p)) == p
                                   for p in parts):
            return 4, int(ipaddress.IPv4Address(".".join(reversed(parts))))
    elif labels[-2:] == ["ip6", "arpa"]:
        parts = labels[:-2]
        if len(parts) == 32 and all(len(p) == 1 and p in "0123456789abcdef" for p in parts):
            return 6, int("".join(reversed(parts)), 16)
    return None
