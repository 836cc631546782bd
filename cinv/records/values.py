"""Parsing and normalising scalar values: MACs, sizes, IP addresses and ranges.

Pure functions; each raises ValueError with a message fit to follow "field: ".
"""
from __future__ import annotations

import ipaddress
import re

from netaddr import EUI, AddrFormatError
from netaddr.strategy import eui48

_MAC_STORED = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")
_SIZE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20,
          "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40}
_UNIT_NAMES = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]

BROADCAST_MAC = (1 << 48) - 1


def mac_to_int(text: str) -> int:
    """A MAC in any spelling netaddr's EUI-48 reads (colon, dash, Cisco dotted, bare, upper or
    lower case: 52:54:00:ab:cd:ef, 52-54-00-AB-CD-EF, 5254.00ab.cdef, 525400abcdef) as a 48-bit
    integer. The stored spelling (lower case, colons) is read directly: a cold load of 50,000
    records parses one per interface, and netaddr's detection costs ten times more."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a MAC address")
    text = text.strip()
    if _MAC_STORED.match(text):
        return int(text.replace(":", ""), 16)
    if not eui48.valid_str(text):
        raise ValueError(f"{text!r} is not a MAC address")
    try:
        return int(EUI(text, version=48))
    except (AddrFormatError, ValueError, TypeError, IndexError):
        raise ValueError(f"{text!r} is not a MAC address") from None


def mac_str(value: int) -> str:
    """48-bit integer to the lower-case colon form."""
    raw = f"{value:012x}"
    return ":".join(raw[i:i + 2] for i in range(0, 12, 2))


def mac_problem(value: int) -> str | None:
    """Why a MAC may not be given to an interface, or None."""
    if value == 0:
        return "is all zeros"
    if value == BROADCAST_MAC:
        return "is the broadcast address"
    if (value >> 40) & 1:
        return "is a multicast address (lowest bit of the first octet set)"
    return None


def normalise_mac(text: str) -> str:
    value = mac_to_int(text)
    why = mac_problem(value)
    if why:
        raise ValueError(f"{mac_str(value)} {why}")
    return mac_str(value)


# DUID types of RFC 8415 section 11 (and RFC 6355's UUID): name, the fixed octets after the
# type code, and whether a variable part (at least one octet) follows them
DUID_TYPES = {1: ("DUID-LLT", 6, True), 2: ("DUID-EN", 4, True), 3: ("DUID-LL", 2, True),
              4: ("DUID-UUID", 16, False)}
_DUID_OCTET = re.compile(r"^[0-9a-f]{1,2}\Z")


def parse_duid(text) -> str:
    """A DHCPv6 client's DUID (RFC 8415 section 11) in colon-separated hex octets, lower case
    (what dhcpd's dhcp6.client-id, Kea's duid and dnsmasq's id: all read): given with colons
    or dashes between octets (of one or two digits, as dhcpd reads them) or as one hex string
    (an optional 0x); a type code and 1 to 128 octets, of the length its type has (LLT, EN,
    LL, UUID). Servers take any DUID as opaque, so one of another type is taken too (cinv
    check warns about it: duid_type)."""
    bad = ValueError(f"{str(text)[:80]!r} is not a DUID (hex octets such as 00:01:00:01:...)")
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a DUID (hex octets such as '00:01:00:01:...', "
                         "quoted: YAML reads bare digits as a number)")
    raw = text.strip().lower()
    sep = ":" if ":" in raw else "-" if "-" in raw else None
    if sep is not None:
        parts = raw.split(sep)
        if not all(_DUID_OCTET.match(p) for p in parts):
            raise bad
        octets = bytes(int(p, 16) for p in parts)
    else:
        raw = raw[2:] if raw.startswith("0x") else raw
        if not raw or len(raw) % 2 or any(c not in "0123456789abcdef" for c in raw):
            raise bad
        octets = bytes.fromhex(raw)
    shown = ":".join(f"{b:02x}" for b in octets)
    if len(octets) < 3:
        raise ValueError(f"{shown} is not a DUID (a type code and at least one octet)")
    if len(octets) > 130:
        raise ValueError(f"{shown[:60]}... is not a DUID ({len(octets) - 2} octets after the "
                         "type code; at most 128)")
    kind = int.from_bytes(octets[:2], "big")
    if kind not in DUID_TYPES:
        return shown  # servers take any DUID as opaque: cinv check warns (duid_type)
    name, fixed, variable = DUID_TYPES[kind]
    rest = len(octets) - 2
    if (variable and rest <= fixed) or (not variable and rest != fixed):
        want = f"more than {fixed}" if variable else f"exactly {fixed}"
        raise ValueError(f"{shown} is not a {name}: {rest} octets after the type code, "
                         f"{want} wanted")
    return shown


def duid_type(duid: str) -> str | None:
    """Why a (parsed) DUID is of no type RFC 8415 defines, or None."""
    kind = int(duid[:5].replace(":", ""), 16)
    if kind in DUID_TYPES:
        return None
    return (f"type {kind} (its first two octets) is none of 1 (LLT), 2 (EN), 3 (LL), 4 (UUID): "
            "no client sends such a DUID")


def parse_mac_prefix(text: str) -> tuple[int, int]:
    """A prefix such as "52:54:00" as (value, number of bits); must leave unicast MACs."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a MAC prefix (quote it in YAML)")
    parts = text.strip().lower().split(":")
    if not 1 <= len(parts) <= 5 or not all(re.fullmatch(r"[0-9a-f]{2}", p) for p in parts):
        raise ValueError(f"{text!r} is not a MAC prefix of 1 to 5 octets like 52:54:00")
    value = int("".join(parts), 16)
    if (value >> (8 * len(parts) - 8)) & 1:
        raise ValueError(f"{text!r} is a multicast prefix (lowest bit of the first octet set)")
    return value, 8 * len(parts)


MAX_SIZE = (1 << 64) - 1  # bytes: what a 64-bit hypervisor or disk can hold


def parse_size(value) -> int:
    """"4GiB", "512 MiB", "20G" or a plain number of bytes, as bytes (at most 2**64 - 1)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative")
        size = value
    elif not isinstance(value, str):
        raise ValueError(f"{value!r} is not a size")
    else:
        m = _SIZE.match(value)
        if not m:
            raise ValueError(f"{value!r} is not a size like 4GiB, 512MiB or 1073741824")
        if len(m.group(1)) > 24:
            raise ValueError(f"{value[:40]!r} is over 2**64 - 1 bytes")
        size = int(m.group(1)) * _UNITS[(m.group(2) or "").lower()]
    if size > MAX_SIZE:
        raise ValueError("is over 2**64 - 1 bytes")
    return size


def format_size(size: int) -> str:
    """Bytes in the largest binary unit that divides them exactly ("4GiB")."""
    for name, unit in _UNIT_NAMES:
        if size and size % unit == 0:
            return f"{size // unit}{name}"
    return str(size)


def ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """An address without an IPv6 scope id ('fe80::1%eth0'): a scope names an interface of one
    machine, and its text (anything after '%') would reach the config files as it is."""
    addr = ipaddress.ip_address(text.strip())
    if getattr(addr, "scope_id", None) is not None:
        raise ValueError(f"{text!r} carries a scope id ('%...'); an inventory address has none")
    return addr


def ip_network(text: str, strict: bool = True) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A network prefix without a scope id (see ip_address)."""
    if "%" in text:
        raise ValueError(f"{text!r} carries a scope id ('%...'); an inventory prefix has none")
    return ipaddress.ip_network(text.strip(), strict=strict)


def parse_ip(text, version: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not an IPv{version} address")
    try:
        addr = ip_address(text)
    except ValueError as e:
        if "scope id" in str(e):
            raise
        raise ValueError(f"{text!r} is not an IPv{version} address") from None
    if addr.version != version:
        raise ValueError(f"{text!r} is not an IPv{version} address")
    return addr


def parse_net(text, version: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(text, str) or "/" not in text:
        raise ValueError(f"{text!r} is not an IPv{version} network in CIDR form like "
                         + ("192.0.2.0/24" if version == 4 else "2001:db8::/64"))
    try:
        net = ip_network(text, strict=True)
    except ValueError as e:
        if "host bits set" in str(e):
            raise ValueError(f"{text!r} has host bits set (did you mean "
                             f"{ip_network(text, strict=False)}?)") from None
        raise ValueError(f"{text!r} is not an IPv{version} network") from None
    if net.version != version:
        raise ValueError(f"{text!r} is not an IPv{version} network")
    return net


def parse_range(text) -> tuple[int, int, int]:
    """"A-B" or a single address as (version, first, last) integers."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not an address range like 192.0.2.1-192.0.2.9")
    first, _, last = text.partition("-")
    try:
        a = ip_address(first)
        b = ip_address(last) if last else a
    except ValueError as e:
        if "scope id" in str(e):
            raise
        raise ValueError(f"{text!r} is not an address range like 192.0.2.1-192.0.2.9") from None
    if a.version != b.version:
        raise ValueError(f"{text!r} mixes IPv4 and IPv6")
    if int(b) < int(a):
        raise ValueError(f"{text!r} ends before it starts")
    return a.version, int(a), int(b)


def range_str(version: int, first: int, last: int) -> str:
    a = ipaddress.ip_address(first) if version == 4 else ipaddress.IPv6Address(first)
    if first == last:
        return str(a)
    b = ipaddress.ip_address(last) if version == 4 else ipaddress.IPv6Address(last)
    return f"{a}-{b}"
