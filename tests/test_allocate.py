"""Allocation: pure functions, edge cases and properties (cinv/allocate.py)."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinv import allocate
from cinv.allocate import AllocationError
from cinv.errors import CinvError
from cinv.records.model import Network
from cinv.records.values import mac_str, mac_to_int

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address


def ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


def net4(cidr: str, gateway: str | None = None, reserved=(), pool=None, name="n") -> Network:
    return Network(name=name, ipv4=ipaddress.IPv4Network(cidr),
                   gateway4=V4(gateway) if gateway else None,
                   reserved=[(4, ip(a), ip(b)) for a, b in reserved],
                   dhcp_pool=(ip(pool[0]), ip(pool[1])) if pool else None)


def net6(cidr: str, gateway: str | None = None, reserved=(), mode="sequential",
         name="n") -> Network:
    return Network(name=name, ipv6=ipaddress.IPv6Network(cidr),
                   gateway6=V6(gateway) if gateway else None, ipv6_mode=mode,
                   reserved=[(6, ip(a), ip(b)) for a, b in reserved])


# --- IPv4 ---------------------------------------------------------------------------------

def test_ipv4_lowest_free_skips_network_gateway_and_reserved():
    net = net4("192.0.2.0/24", "192.0.2.1", reserved=[("192.0.2.2", "192.0.2.9")])
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.10")
    assert allocate.next_ipv4(net, {ip("192.0.2.10")}) == V4("192.0.2.11")


def test_ipv4_fills_holes_first():
    net = net4("192.0.2.0/24")
    used = {ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.4")}
    assert allocate.next_ipv4(net, used) == V4("192.0.2.3")


def test_ipv4_skips_the_dhcp_pool():
    net = net4("192.0.2.0/28", pool=("192.0.2.1", "192.0.2.8"))
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.9")


def test_ipv4_never_the_broadcast_address():
    net = net4("192.0.2.0/29", "192.0.2.1")
    used = {ip(f"192.0.2.{n}") for n in range(2, 7)}
    with pytest.raises(AllocationError, match=r"network n \(192\.0\.2\.0/29\) has no free IPv4"):
        allocate.next_ipv4(net, used)


def test_ipv4_full_network_is_an_error_not_a_wrap():
    net = net4("192.0.2.0/24", "192.0.2.1", reserved=[("192.0.2.2", "192.0.2.99")],
               pool=("192.0.2.100", "192.0.2.254"), name="prod")
    with pytest.raises(AllocationError) as e:
        allocate.next_ipv4(net, set())
    assert "prod" in str(e.value) and "no free IPv4 address" in str(e.value)
    assert isinstance(e.value, CinvError)  # the CLI turns it into one line and exit 1


def test_ipv4_slash30_has_two_hosts():
    net = net4("192.0.2.4/30")
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.5")
    assert allocate.next_ipv4(net, {ip("192.0.2.5")}) == V4("192.0.2.6")
    with pytest.raises(AllocationError):
        allocate.next_ipv4(net, {ip("192.0.2.5"), ip("192.0.2.6")})


def test_ipv4_slash31_uses_both_addresses():
    """RFC 3021: a point-to-point /31 has no network or broadcast address."""
    net = net4("192.0.2.4/31")
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.4")
    assert allocate.next_ipv4(net, {ip("192.0.2.4")}) == V4("192.0.2.5")
    with pytest.raises(AllocationError):
        allocate.next_ipv4(net, {ip("192.0.2.4"), ip("192.0.2.5")})


def test_ipv4_slash31_with_gateway():
    net = net4("192.0.2.4/31", "192.0.2.4")
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.5")


def test_ipv4_slash32_is_its_one_address():
    net = net4("192.0.2.7/32")
    assert allocate.next_ipv4(net, set()) == V4("192.0.2.7")
    with pytest.raises(AllocationError):
        allocate.next_ipv4(net, {ip("192.0.2.7")})


def test_ipv4_ignores_used_addresses_of_other_networks():
    net = net4("192.0.2.0/30")
    assert allocate.next_ipv4(net, {ip("10.0.0.1"), ip("192.0.2.0")}) == V4("192.0.2.1")


def test_ipv4_large_network_is_fast_enough_without_walking():
    """A /8 with its first 16M addresses reserved: intervals, not a walk one at a time."""
    net = net4("10.0.0.0/8", reserved=[("10.0.0.0", "10.255.255.253")])
    assert allocate.next_ipv4(net, set()) == V4("10.255.255.254")


def test_ipv4_network_without_ipv4():
    with pytest.raises(AllocationError, match="has no IPv4 prefix"):
        allocate.next_ipv4(net6("2001:db8::/64"), set())


# --- IPv6 ---------------------------------------------------------------------------------

def test_ipv6_sequential_skips_subnet_router_anycast_and_gateway():
    net = net6("2001:db8:0:1::/64", "2001:db8:0:1::1")
    assert allocate.next_ipv6(net, set()) == V6("2001:db8:0:1::2")
    assert allocate.next_ipv6(net, {ip("2001:db8:0:1::2")}) == V6("2001:db8:0:1::3")


def test_ipv6_sequential_skips_reserved():
    net = net6("2001:db8::/64", reserved=[("2001:db8::1", "2001:db8::ff")])
    assert allocate.next_ipv6(net, set()) == V6("2001:db8::100")


def test_ipv6_full_small_prefix():
    net = net6("2001:db8::/126", name="p2p")
    assert allocate.next_ipv6(net, set()) == V6("2001:db8::1")
    used = {ip("2001:db8::1"), ip("2001:db8::2"), ip("2001:db8::3")}
    with pytest.raises(AllocationError, match=r"p2p .*no free IPv6 address"):
        allocate.next_ipv6(net, used)


def test_ipv6_slash120_keeps_the_top_128_anycast_ids_free():
    net = net6("2001:db8::/120")
    used = {ip("2001:db8::") + n for n in range(1, 128)}
    with pytest.raises(AllocationError):
        allocate.next_ipv6(net, used)


def test_ipv6_slash127_and_slash128():
    assert allocate.next_ipv6(net6("2001:db8::/127"), set()) == V6("2001:db8::")
    assert allocate.next_ipv6(net6("2001:db8::5/128"), set()) == V6("2001:db8::5")
    with pytest.raises(AllocationError):
        allocate.next_ipv6(net6("2001:db8::5/128"), {ip("2001:db8::5")})


def test_ipv6_network_without_ipv6():
    with pytest.raises(AllocationError, match="has no IPv6 prefix"):
        allocate.next_ipv6(net4("192.0.2.0/24"), set())


def test_eui64_known_vector():
    net = net6("2001:db8:0:1::/64", mode="eui64")
    mac = mac_to_int("52:54:00:3a:00:01")
    assert allocate.eui64_address(net, mac, set()) == V6("2001:db8:0:1:5054:ff:fe3a:1")


def test_eui64_flips_the_universal_local_bit():
    # 00:... (universal) gets the bit set, 02:... (local) gets it cleared.
    assert allocate.eui64_interface_id(mac_to_int("00:11:22:33:44:55")) == 0x021122FFFE334455
    assert allocate.eui64_interface_id(mac_to_int("02:11:22:33:44:55")) == 0x001122FFFE334455


def test_eui64_refuses_a_taken_address():
    net = net6("2001:db8:0:1::/64", mode="eui64")
    mac = mac_to_int("52:54:00:3a:00:01")
    with pytest.raises(AllocationError, match="2001:db8:0:1:5054:ff:fe3a:1 of MAC "
                                              "52:54:00:3a:00:01 is already taken"):
        allocate.eui64_address(net, mac, {ip("2001:db8:0:1:5054:ff:fe3a:1")})


def test_eui64_refuses_a_reserved_address():
    net = net6("2001:db8:0:1::/64", mode="eui64",
               reserved=[("2001:db8:0:1:5054:ff:fe3a:0", "2001:db8:0:1:5054:ff:fe3a:ff")])
    with pytest.raises(AllocationError, match="already taken"):
        allocate.eui64_address(net, mac_to_int("52:54:00:3a:00:01"), set())


def test_eui64_needs_a_slash64_or_shorter():
    net = net6("2001:db8:0:1::/80", mode="eui64")
    with pytest.raises(AllocationError, match="/64 or shorter, not /80"):
        allocate.eui64_address(net, mac_to_int("52:54:00:3a:00:01"), set())


# --- MACs ---------------------------------------------------------------------------------

def test_mac_lowest_free_under_prefix_skips_the_zero_suffix():
    prefix, bits = 0x525400, 24
    assert mac_str(allocate.next_mac(prefix, bits, set())) == "52:54:00:00:00:01"
    used = {mac_to_int("52:54:00:00:00:01"), mac_to_int("52:54:00:00:00:03")}
    assert mac_str(allocate.next_mac(prefix, bits, used)) == "52:54:00:00:00:02"


def test_mac_ignores_macs_outside_the_prefix():
    used = {mac_to_int("52:54:01:00:00:01")}
    assert mac_str(allocate.next_mac(0x525400, 24, used)) == "52:54:00:00:00:01"


def test_mac_prefix_exhausted_is_an_error():
    prefix, bits = 0x525400AB00, 40  # 52:54:00:ab:00 leaves 255 MACs (suffix 00 is skipped)
    used = {(prefix << 8) | n for n in range(1, 256)}
    assert mac_str(allocate.next_mac(prefix, bits, used - {(prefix << 8) | 255})) \
        == "52:54:00:ab:00:ff"
    with pytest.raises(AllocationError, match="52:54:00:ab:00 has no free address left"):
        allocate.next_mac(prefix, bits, used)


# --- names --------------------------------------------------------------------------------

def test_name_pattern_takes_the_lowest_free_number():
    taken = {"vm001.prod.example.com", "vm002.prod.example.com", "vm004.prod.example.com"}
    assert allocate.next_name("vm{n:03}", "prod.example.com", taken) == "vm003.prod.example.com"
    assert allocate.next_name("vm{n:03}", "prod.example.com", set()) == "vm001.prod.example.com"


def test_name_pattern_without_width_and_with_suffix():
    assert allocate.next_name("web{n}", "example.com", {"web1.example.com"}) == "web2.example.com"
    assert allocate.next_name("db{n:02}-a", "example.com", set()) == "db01-a.example.com"


def test_name_pattern_fqdn_keeps_its_domain():
    assert allocate.next_name("vm{n:03}.lab.example.org", "prod.example.com", set()) \
        == "vm001.lab.example.org"


def test_name_pattern_grows_past_its_width():
    taken = {f"vm{n}.example.com" for n in range(1, 10)}
    assert allocate.next_name("vm{n}", "example.com", taken) == "vm10.example.com"
    taken = {f"vm{n:03}.example.com" for n in range(1, 1000)}
    assert allocate.next_name("vm{n:03}", "example.com", taken) == "vm1000.example.com"


@pytest.mark.parametrize("pattern", ["vm{n}{n}", "vm{x}", "vm{n:03", "vm}{n}", "vm{}"])
def test_bad_name_patterns_are_refused(pattern):
    with pytest.raises(ValueError, match="is not a name pattern"):
        allocate.next_name(pattern, "example.com", set())


def test_name_pattern_result_must_be_a_valid_name():
    with pytest.raises(ValueError, match="RFC 1123"):
        allocate.next_name("vm_{n}", "example.com", set())


# --- properties ---------------------------------------------------------------------------

def _free_by_brute_force(first: int, last: int, blocked, used) -> int | None:
    for a in range(first, last + 1):
        if a not in used and not any(x <= a <= y for x, y in blocked):
            return a
    return None


@st.composite
def small_v4_networks(draw):
    prefixlen = draw(st.integers(min_value=24, max_value=32))
    base = draw(st.integers(min_value=0, max_value=(1 << 16) - 1)) << 8  # inside 10/8
    v4 = ipaddress.IPv4Network((ip("10.0.0.0") + base, prefixlen), strict=False)
    first, last = int(v4.network_address), int(v4.broadcast_address)
    addr = st.integers(min_value=first, max_value=last)
    gateway = draw(st.none() | addr)
    ranges = draw(st.lists(st.tuples(addr, addr).map(sorted), max_size=3))
    pool = draw(st.none() | st.tuples(addr, addr).map(sorted))
    used = draw(st.sets(addr | st.integers(0, (1 << 32) - 1), max_size=300))
    net = Network(name="n", ipv4=v4, gateway4=V4(gateway) if gateway is not None else None,
                  reserved=[(4, a, b) for a, b in ranges],
                  dhcp_pool=tuple(pool) if pool else None)
    return net, used


@settings(max_examples=100, deadline=None)
@given(small_v4_networks())
def test_property_ipv4_never_hands_out_a_blocked_or_used_address(case):
    net, used = case
    v4 = net.ipv4
    try:
        got = allocate.next_ipv4(net, used)
    except AllocationError:
        got = None
    forbidden = [(a, b) for _, a, b in net.reserved]
    if net.dhcp_pool:
        forbidden.append(net.dhcp_pool)
    if net.gateway4 is not None:
        forbidden.append((int(net.gateway4),) * 2)
    if v4.prefixlen <= 30:
        forbidden += [(int(v4.network_address),) * 2, (int(v4.broadcast_address),) * 2]
    expected = _free_by_brute_force(int(v4.network_address), int(v4.broadcast_address),
                                    forbidden, used)
    assert (int(got) if got is not None else None) == expected
    if got is not None:
        assert got in v4
        assert int(got) not in used
        assert got != net.gateway4
        if v4.prefixlen <= 30:
            assert got not in (v4.network_address, v4.broadcast_address)
        assert not any(a <= int(got) <= b for a, b in forbidden)


@st.composite
def small_v6_networks(draw):
    prefixlen = draw(st.integers(min_value=120, max_value=128))
    v6 = ipaddress.IPv6Network((ip("2001:db8::") + (draw(st.integers(0, 255)) << 8), prefixlen),
                               strict=False)
    first, last = int(v6.network_address), int(v6.broadcast_address)
    addr = st.integers(min_value=first, max_value=last)
    gateway = draw(st.none() | addr)
    ranges = draw(st.lists(st.tuples(addr, addr).map(sorted), max_size=3))
    used = draw(st.sets(addr, max_size=200))
    net = Network(name="n", ipv6=v6, gateway6=V6(gateway) if gateway is not None else None,
                  reserved=[(6, a, b) for a, b in ranges])
    return net, used


@settings(max_examples=100, deadline=None)
@given(small_v6_networks())
def test_property_ipv6_never_hands_out_a_blocked_or_used_address(case):
    net, used = case
    v6 = net.ipv6
    try:
        got = allocate.next_ipv6(net, used)
    except AllocationError:
        got = None
    first, last = allocate.ipv6_bounds(v6)
    forbidden = [(a, b) for _, a, b in net.reserved]
    if net.gateway6 is not None:
        forbidden.append((int(net.gateway6),) * 2)
    expected = _free_by_brute_force(first, last, forbidden, used)
    assert (int(got) if got is not None else None) == expected
    if got is not None:
        assert got in v6 and int(got) not in used and got != net.gateway6
        if v6.prefixlen < 127:
            assert got != v6.network_address


@settings(max_examples=100, deadline=None)
@given(octet=st.integers(0, 255).filter(lambda o: not o & 1),
       rest=st.integers(0, (1 << 32) - 1),
       suffixes=st.sets(st.integers(0, 255), max_size=256))
def test_property_mac_never_used_never_zero_or_broadcast(octet, rest, suffixes):
    prefix = (octet << 32) | rest  # a unicast 5-octet prefix
    used = {(prefix << 8) | s for s in suffixes}
    try:
        got = allocate.next_mac(prefix, 40, used)
    except AllocationError:
        assert all(((prefix << 8) | s) in used for s in range(1, 256)
                   if ((prefix << 8) | s) != (1 << 48) - 1)
        return
    assert got >> 8 == prefix
    assert got not in used
    assert got & 0xFF != 0
    assert got != (1 << 48) - 1
    assert not (got >> 40) & 1  # unicast
    assert got == min((prefix << 8) | s for s in range(1, 256) if ((prefix << 8) | s) not in used)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(1, 40), max_size=30))
def test_property_name_pattern_takes_lowest_free(numbers):
    taken = {f"vm{n:03}.example.com" for n in numbers}
    got = allocate.next_name("vm{n:03}", "example.com", taken)
    assert got not in taken
    assert got == f"vm{min(set(range(1, 42)) - numbers):03}.example.com"
