"""Where addresses, MACs and names are chosen. Pure functions: used sets in, next free out.

Every function raises AllocationError (exit 1) when nothing is free; none wraps around or reuses.
Work is over sorted intervals, never a walk of the address space one address at a time.
"""
from __future__ import annotations

import ipaddress

from cinv import names
from cinv.errors import CinvError
from cinv.model import Network
from cinv.values import mac_str


class AllocationError(CinvError):
    pass


def lowest_free(first: int, last: int, blocked: list[tuple[int, int]], used) -> int | None:
    """The lowest integer in [first, last] outside every blocked interval and the used set."""
    spans = [(a, b) for a, b in blocked if b >= first and a <= last]
    spans.extend((u, u) for u in used if first <= u <= last)
    spans.sort()
    candidate = first
    for a, b in spans:
        if a > candidate:
            break
        if b >= candidate:
            candidate = b + 1
        if candidate > last:
            return None
    return candidate if candidate <= last else None


def ipv4_blocked(net: Network) -> list[tuple[int, int]]:
    """Addresses never handed to a host: network and broadcast (for /30 and larger), gateway,
    reserved ranges and the DHCP pool."""
    v4 = net.ipv4
    blocked: list[tuple[int, int]] = []
    if v4.prefixlen <= 30:
        blocked += [(int(v4.network_address),) * 2, (int(v4.broadcast_address),) * 2]
    if net.gateway4 is not None:
        blocked.append((int(net.gateway4),) * 2)
    blocked += [(a, b) for version, a, b in net.reserved if version == 4]
    if net.dhcp_pool is not None:
        blocked.append(net.dhcp_pool)
    return blocked


def ipv6_bounds(v6: ipaddress.IPv6Network) -> tuple[int, int]:
    """First and last assignable address: skip the Subnet-Router anycast address (all zeros)
    and, for prefixes of /120 and larger, the top 128 reserved anycast addresses (RFC 2526)."""
    first, last = int(v6.network_address), int(v6.broadcast_address)
    if v6.prefixlen >= 127:
        return first, last
    return first + 1, last - 128 if v6.prefixlen <= 120 else last


def ipv6_blocked(net: Network) -> list[tuple[int, int]]:
    blocked = [(a, b) for version, a, b in net.reserved if version == 6]
    if net.gateway6 is not None:
        blocked.append((int(net.gateway6),) * 2)
    return blocked


def next_ipv4(net: Network, used: set[int]) -> ipaddress.IPv4Address:
    if net.ipv4 is None:
        raise AllocationError(f"network {net.name} has no IPv4 prefix")
    v4 = net.ipv4
    found = lowest_free(int(v4.network_address), int(v4.broadcast_address), ipv4_blocked(net),
                        used)
    if found is None:
        raise AllocationError(f"network {net.name} ({v4}) has no free IPv4 address left")
    return ipaddress.IPv4Address(found)


def next_ipv6(net: Network, used: set[int]) -> ipaddress.IPv6Address:
    if net.ipv6 is None:
        raise AllocationError(f"network {net.name} has no IPv6 prefix")
    first, last = ipv6_bounds(net.ipv6)
    found = lowest_free(first, last, ipv6_blocked(net), used)
    if found is None:
        raise AllocationError(f"network {net.name} ({net.ipv6}) has no free IPv6 address left")
    return ipaddress.IPv6Address(found)


def eui64_interface_id(mac: int) -> int:
    """Modified EUI-64 (RFC 4291 appendix A): ff:fe in the middle, universal/local bit flipped."""
    upper, lower = mac >> 24, mac & 0xFFFFFF
    return ((upper << 40) | (0xFFFE << 24) | lower) ^ (1 << 57)


def eui64_address(net: Network, mac: int, used: set[int]) -> ipaddress.IPv6Address:
    if net.ipv6 is None:
        raise AllocationError(f"network {net.name} has no IPv6 prefix")
    if net.ipv6.prefixlen > 64:
        raise AllocationError(f"network {net.name}: EUI-64 needs a prefix of /64 or shorter, "
                              f"not /{net.ipv6.prefixlen}")
    value = int(net.ipv6.network_address) | eui64_interface_id(mac)
    if value in used or any(a <= value <= b for a, b in ipv6_blocked(net)):
        raise AllocationError(f"the EUI-64 address {ipaddress.IPv6Address(value)} of MAC "
                              f"{mac_str(mac)} is already taken")
    return ipaddress.IPv6Address(value)


def next_mac(prefix: int, bits: int, used: set[int]) -> int:
    """The lowest free MAC under a prefix (never the all-zero suffix or the broadcast MAC)."""
    free_bits = 48 - bits
    base = prefix << free_bits
    last = base | ((1 << free_bits) - 1)
    blocked = [((1 << 48) - 1,) * 2]
    found = lowest_free(base + 1, last, blocked, used)
    if found is None:
        raise AllocationError(f"the MAC prefix {mac_str(base)[:bits // 8 * 3 - 1]} has no free "
                              "address left")
    return found


def next_name(pattern: str, domain: str | None, taken: set[str]) -> str:
    """The pattern ("vm{n:03}") with the lowest number n >= 1 whose FQDN is not taken."""
    _rx, template, width, _zero = names.pattern_regex(pattern)
    limit = 10 ** max(width, 6)
    n = 1
    while n < limit:
        fqdn = names.qualify(names.expand(template, width, n), domain)
        if fqdn not in taken:
            return fqdn
        n += 1
    raise AllocationError(f"no free name left for the pattern {pattern!r}")
