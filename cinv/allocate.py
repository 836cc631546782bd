"""Where addresses, MACs and names are chosen. Pure functions: used sets in, next free out.

Every function raises AllocationError (exit 1) when nothing is free; none wraps around or reuses.
Work is over sorted intervals, never a walk of the address space one address at a time.
"""
from __future__ import annotations

import ipaddress
from bisect import bisect_left

from netaddr import IPAddress, IPRange, IPSet

from cinv import names
from cinv.errors import CinvError
from cinv.records.model import Network
from cinv.records.values import mac_str


class AllocationError(CinvError):
    pass


class Taken:
    """Values not to hand out: a sorted sequence of unique values (the index's, as it keeps
    them) and a few more; the lowest free value is found by bisecting, never by going through
    every value held."""

    def __init__(self, values=(), extra=(), without=()):
        self.values = values
        self.extra = set(extra)
        self.without = set(without)  # values of `values` that count as free

    def __contains__(self, value) -> bool:
        if value in self.without:
            return False
        if value in self.extra:
            return True
        i = bisect_left(self.values, value)
        return i < len(self.values) and self.values[i] == value

    def __iter__(self):
        yield from (v for v in self.values if v not in self.without)
        yield from self.extra

    def __or__(self, other) -> Taken:
        return Taken(self.values, self.extra | set(other), self.without)

    def __sub__(self, other) -> Taken:
        other = set(other)
        return Taken(self.values, self.extra - other, self.without | other)

    def next_free(self, start: int, last: int) -> int | None:
        """The lowest value from start up to last that is not taken."""
        values = self.values
        value = start
        while value <= last:
            if value in self.extra:
                value += 1
                continue
            j = bisect_left(values, value)
            if j == len(values) or values[j] != value or value in self.without:
                return value
            # values[j:] starts with a run value, value + 1, ...: the first value past it
            lo, hi = j, len(values)
            while lo < hi:
                mid = (lo + hi) // 2
                if values[mid] - mid > value - j:
                    hi = mid
                else:
                    lo = mid + 1
            value += lo - j
            if self.without:  # a value counted free inside the run
                inside = [w for w in self.without if w < value and w >= values[j]]
                if inside:
                    return min(inside)
        return None


def free_values(first: int, last: int, blocked: list[tuple[int, int]], used):
    """The integers of [first, last] outside every blocked interval and the used set, lowest
    first (lazily: the gaps of a /64 are never listed out)."""
    if isinstance(used, Taken):
        yield from _free_taken(first, last, blocked, used)
        return
    spans = [(a, b) for a, b in blocked if b >= first and a <= last]
    spans.extend((u, u) for u in used if first <= u <= last)
    spans.sort()
    candidate = first
    for a, b in spans:
        if a > candidate:
            yield from range(candidate, min(a - 1, last) + 1)
        if b >= candidate:
            candidate = b + 1
        if candidate > last:
            return
    yield from range(candidate, last + 1)


def _free_taken(first: int, last: int, blocked: list[tuple[int, int]], used: Taken):
    spans = sorted((a, b) for a, b in blocked if b >= first and a <= last)
    value = first
    while value <= last:
        span = next(((a, b) for a, b in spans if a <= value <= b), None)
        if span is not None:
            value = span[1] + 1
            continue
        found = used.next_free(value, last)
        if found is None:
            return
        if any(a <= found <= b for a, b in spans):
            value = found
            continue
        yield found
        value = found + 1


def lowest_free(first: int, last: int, blocked: list[tuple[int, int]], used) -> int | None:
    """The lowest integer in [first, last] outside every blocked interval and the used set."""
    return next(free_values(first, last, blocked, used), None)


def named_addresses(net: Network) -> dict[tuple[int, int], str]:
    """(version, address) -> field, for every single address the network's record names: the
    gateways, dns_servers, and any address in any other field (e.g. a DHCP next_server). A host
    is never given one of these by `auto` (`cinv check` flags a host on one)."""
    out: dict[tuple[int, int], str] = {}

    def walk(value, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}.{key}" if where else str(key))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, where)
        elif isinstance(value, str) and "/" not in value and "-" not in value:
            try:
                addr = ipaddress.ip_address(value.strip())
            except ValueError:
                return
            out.setdefault((addr.version, int(addr)), where)

    data = net.to_dict()
    for key in ("ipv4", "ipv6", "dhcp_pool", "reserved"):  # prefixes and ranges, not addresses
        data.pop(key, None)
    walk(data, "")
    return out


def _merged(version: int, spans) -> list[tuple[int, int]]:
    """Intervals merged into the fewest (netaddr's IPSet does the arithmetic)."""
    ips = IPSet()
    for a, b in spans:
        ips.add(IPRange(IPAddress(a, version), IPAddress(b, version)))
    return [(r.first, r.last) for r in ips.iter_ipranges()]


def ipv4_blocked(net: Network) -> list[tuple[int, int]]:
    """Addresses never handed to a host, span by span as the network names them (maps draw
    them): network and broadcast (for /30 and larger), reserved ranges, the DHCP pool, and every
    address the network names (gateway, DNS servers, ...)."""
    v4 = net.ipv4
    blocked: list[tuple[int, int]] = []
    if v4 is not None and v4.prefixlen <= 30:
        blocked += [(int(v4.network_address),) * 2, (int(v4.broadcast_address),) * 2]
    blocked += [(a, b) for version, a, b in net.reserved if version == 4]
    if net.dhcp_pool is not None:
        blocked.append(net.dhcp_pool)
    blocked += [(a, a) for version, a in named_addresses(net) if version == 4]
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
    blocked += [(a, a) for version, a in named_addresses(net) if version == 6]
    return blocked


def _bounds(net: Network, version: int):
    prefix = net.ipv4 if version == 4 else net.ipv6
    if prefix is None:
        raise AllocationError(f"network {net.name} has no IPv{version} prefix")
    if version == 4:
        return prefix, int(prefix.network_address), int(prefix.broadcast_address), \
            _merged(4, ipv4_blocked(net))
    return (prefix, *ipv6_bounds(prefix), _merged(6, ipv6_blocked(net)))


def free_addresses(net: Network, version: int, used: set[int], held: dict | None = None):
    """The free addresses of one family, in the order `auto` takes them: lowest first, skipping
    the blocked ones, the used ones and those held back after being freed (see `held_back`)."""
    prefix, first, last, blocked = _bounds(net, version)
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    taken = used if not held else used | held.keys()
    return (make(v) for v in free_values(first, last, blocked, taken))


def _next(net: Network, version: int, used: set[int], held: dict | None):
    found = next(free_addresses(net, version, used, held), None)
    if found is not None:
        return found
    prefix = net.ipv4 if version == 4 else net.ipv6
    waiting = [held[v] for v in held or {}
               if int(prefix.network_address) <= v <= int(prefix.broadcast_address)]
    if waiting and next(free_addresses(net, version, used), None) is not None:
        raise AllocationError(f"network {net.name} ({prefix}) has no free IPv{version} address "
                              f"left but {len(waiting)} freed within the hold time "
                              f"(allocate.hold_days in cinv.yaml); the first is free again "
                              f"from {min(waiting)[0]}")
    raise AllocationError(f"network {net.name} ({prefix}) has no free IPv{version} address left")


def next_ipv4(net: Network, used: set[int], held: dict | None = None) -> ipaddress.IPv4Address:
    return _next(net, 4, used, held)


def next_ipv6(net: Network, used: set[int], held: dict | None = None) -> ipaddress.IPv6Address:
    return _next(net, 6, used, held)


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


def next_mac(prefix: int, bits: int, used: set[int], held: dict | None = None) -> int:
    """The lowest free MAC under a prefix (never the all-zero suffix or the broadcast MAC),
    skipping those held back after being freed."""
    free_bits = 48 - bits
    base = prefix << free_bits
    last = base | ((1 << free_bits) - 1)
    blocked = [((1 << 48) - 1,) * 2]
    found = lowest_free(base + 1, last, blocked, used if not held else used | held.keys())
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
