"""Name rules (cinv/names.py) and value parsing (cinv/records/values.py)."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinv import names
from cinv.records import values

# --- names --------------------------------------------------------------------------------

@pytest.mark.parametrize("good, normal", [
    ("web1.example.com", "web1.example.com"),
    ("WEB1.Example.COM", "web1.example.com"),
    ("web1.example.com.", "web1.example.com"),
    ("a", "a"),
    ("0day.example.com", "0day.example.com"),
    ("x-1.y-2.example", "x-1.y-2.example"),
    ("a" * 63 + ".example.com", "a" * 63 + ".example.com"),
])
def test_fqdn_accepted_and_normalised(good, normal):
    assert names.check_fqdn(good) == normal


BAD_NAMES = {
    "space": "web 1.example.com",
    "semicolon": "web;1.example.com",
    "brace": "web}.example.com",
    "single quote": "web'.example.com",
    "double quote": 'web".example.com',
    "newline": "web1\n.example.com",
    "unicode": "wéb1.example.com",
    "double dot": "web1..example.com",
    "slash": "web/1.example.com",
    "leading hyphen": "-web1.example.com",
    "trailing hyphen": "web1-.example.com",
    "underscore": "web_1.example.com",
    "label over 63": "a" * 64 + ".example.com",
    "name over 253": ".".join(["a" * 63] * 4),
    "empty": "",
    "only a dot": ".",
    "at": "@",
    "wildcard": "*.example.com",
    "leading dot": ".example.com",
}


@pytest.mark.parametrize("bad", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_fqdn_refused(bad):
    with pytest.raises(ValueError):
        names.check_fqdn(bad)


def test_fqdn_length_messages():
    with pytest.raises(ValueError, match="longer than 63 characters"):
        names.check_fqdn("a" * 64 + ".example.com")
    with pytest.raises(ValueError, match="longer than 253 characters"):
        names.check_fqdn(".".join(["a" * 63] * 4))
    # 253 exactly is allowed
    exact = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
    assert len(exact) == 253
    assert names.check_fqdn(exact) == exact


def test_fqdn_not_a_string():
    with pytest.raises(ValueError, match="is not a host name"):
        names.check_fqdn(42)


def test_qualify_appends_the_domain_only_to_short_names():
    assert names.qualify("web1", "prod.example.com") == "web1.prod.example.com"
    assert names.qualify("web1.other.org", "prod.example.com") == "web1.other.org"
    assert names.qualify("web1.other.org.", "prod.example.com") == "web1.other.org"
    assert names.qualify("web1", None) == "web1"
    with pytest.raises(ValueError):
        names.qualify("web 1", "prod.example.com")


@pytest.mark.parametrize("good", ["prod", "mgmt-1", "dmz_2", "0net"])
def test_network_names_accepted(good):
    assert names.check_network_name(good) == good


@pytest.mark.parametrize("bad", ["Prod", "-prod", "_prod", "pr od", "prod/x", "..", "",
                                 "a" * 64, "prod.x", 5, "prod\n"])
def test_network_names_refused(bad):
    with pytest.raises(ValueError, match="is not a network name"):
        names.check_network_name(bad)


@pytest.mark.parametrize("good", ["eth0", "bmc", "ens3-1", "a" * 15])
def test_interface_names_accepted(good):
    assert names.check_ifname(good) == good


@pytest.mark.parametrize("bad", ["Eth0", "eth0-", "-eth0", "eth.0", "eth_0", "a" * 16, "",
                                 "eth 0", "eth0\n"])
def test_interface_names_refused(bad):
    with pytest.raises(ValueError, match="is not an interface name"):
        names.check_ifname(bad)


def test_tags():
    assert names.check_tag("Customer-A.web_1") == "Customer-A.web_1"
    assert names.check_tag(2024) == "2024"
    for bad in ["-web", "web tag", "web;", "", "a" * 64, True, None, "web\n"]:
        with pytest.raises(ValueError, match="is not a tag"):
            names.check_tag(bad)


def test_is_pattern():
    assert names.is_pattern("vm{n:03}")
    assert names.is_pattern("vm}")
    assert not names.is_pattern("vm001")


def test_pattern_regex_and_expand():
    rx, template, width, zero = names.pattern_regex("VM{n:03}.prod")
    assert (width, zero) == (3, True)
    assert rx.match("vm007.prod") and rx.match("vm1234.prod") and not rx.match("vm07.prod")
    assert names.expand(template, width, 7) == "VM007.prod"
    _rx, template, width, _zero = names.pattern_regex("web{n}")
    assert names.expand(template, width, 12) == "web12"


# --- MACs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["52:54:00:3a:00:01", "52-54-00-3A-00-01", "5254.003a.0001",
                                  "5254003a0001", " 52:54:00:3A:00:01 "])
def test_mac_forms_normalised(form):
    assert values.normalise_mac(form) == "52:54:00:3a:00:01"


@pytest.mark.parametrize("bad, why", [
    ("01:00:5e:00:00:01", "multicast"),
    ("33:33:00:00:00:01", "multicast"),
    ("ff:ff:ff:ff:ff:ff", "broadcast"),
    ("00:00:00:00:00:00", "all zeros"),
    ("52:54:00:3a:00", "is not a MAC address"),
    ("52:54:00:3a:00:01:02", "is not a MAC address"),
    ("52:54:00:3a:00:zz", "is not a MAC address"),
    ("garbage", "is not a MAC address"),
    ("", "is not a MAC address"),
])
def test_bad_macs_refused(bad, why):
    with pytest.raises(ValueError, match=why):
        values.normalise_mac(bad)


def test_mac_not_a_string():
    with pytest.raises(ValueError, match="is not a MAC address"):
        values.mac_to_int(525400)


def test_mac_prefix():
    assert values.parse_mac_prefix("52:54:00") == (0x525400, 24)
    assert values.parse_mac_prefix("02") == (0x02, 8)
    assert values.parse_mac_prefix("52:54:00:ab:cd") == (0x525400ABCD, 40)
    with pytest.raises(ValueError, match="multicast prefix"):
        values.parse_mac_prefix("01:00:5e")
    for bad in ["52:54:00:00:00:00", "5254", "52:54:0", "", "zz"]:
        with pytest.raises(ValueError, match="is not a MAC prefix"):
            values.parse_mac_prefix(bad)
    with pytest.raises(ValueError, match="quote it"):
        values.parse_mac_prefix(187200)


@settings(max_examples=100)
@given(st.integers(0, (1 << 48) - 1))
def test_property_mac_round_trip(value):
    text = values.mac_str(value)
    assert values.mac_to_int(text) == value
    assert text == text.lower() and len(text) == 17


# --- sizes --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [
    ("4GiB", 4 << 30), ("512 MiB", 512 << 20), ("20G", 20 << 30), ("1TiB", 1 << 40),
    ("1k", 1024), ("100", 100), ("100B", 100), (1073741824, 1 << 30), (0, 0), ("8gib", 8 << 30),
])
def test_sizes_parsed(text, size):
    assert values.parse_size(text) == size


@pytest.mark.parametrize("bad", ["4GB", "-1", "4.5GiB", "four", "", "4 PiB", True, None, [],
                                 -5, "1e9"])
def test_bad_sizes_refused(bad):
    with pytest.raises(ValueError):
        values.parse_size(bad)


def test_format_size():
    assert values.format_size(4 << 30) == "4GiB"
    assert values.format_size(1536 << 20) == "1536MiB"
    assert values.format_size(1 << 40) == "1TiB"
    assert values.format_size(1000) == "1000"
    assert values.format_size(0) == "0"


@settings(max_examples=100)
@given(st.integers(0, 1 << 50))
def test_property_size_round_trip(size):
    assert values.parse_size(values.format_size(size)) == size


# --- IP addresses, networks, ranges -------------------------------------------------------

def test_parse_ip():
    assert values.parse_ip("192.0.2.10", 4) == ipaddress.IPv4Address("192.0.2.10")
    assert str(values.parse_ip("2001:DB8:0:1:0:0:0:10", 6)) == "2001:db8:0:1::10"
    for text, version in [("192.0.2.256", 4), ("2001:db8::1", 4), ("192.0.2.1", 6),
                          ("host", 4), ("", 6), (None, 4), ("192.0.2.1/24", 4)]:
        with pytest.raises(ValueError, match=f"is not an IPv{version} address"):
            values.parse_ip(text, version)


def test_parse_net():
    assert values.parse_net("192.0.2.0/24", 4) == ipaddress.IPv4Network("192.0.2.0/24")
    assert str(values.parse_net("2001:db8:0:1:0::/64", 6)) == "2001:db8:0:1::/64"
    with pytest.raises(ValueError, match=r"host bits set \(did you mean 192\.0\.2\.0/24\?\)"):
        values.parse_net("192.0.2.5/24", 4)
    with pytest.raises(ValueError, match="CIDR form"):
        values.parse_net("192.0.2.0", 4)
    with pytest.raises(ValueError, match="is not an IPv6 network"):
        values.parse_net("192.0.2.0/24", 6)
    with pytest.raises(ValueError, match="is not an IPv4 network"):
        values.parse_net("192.0.2.0/33", 4)


def test_parse_range():
    a, b = int(ipaddress.IPv4Address("192.0.2.1")), int(ipaddress.IPv4Address("192.0.2.9"))
    assert values.parse_range("192.0.2.1-192.0.2.9") == (4, a, b)
    assert values.parse_range("192.0.2.1") == (4, a, a)
    assert values.range_str(4, a, b) == "192.0.2.1-192.0.2.9"
    assert values.range_str(4, a, a) == "192.0.2.1"
    assert values.parse_range("2001:db8::1-2001:db8::ff")[0] == 6
    with pytest.raises(ValueError, match="ends before it starts"):
        values.parse_range("192.0.2.9-192.0.2.1")
    with pytest.raises(ValueError, match="mixes IPv4 and IPv6"):
        values.parse_range("192.0.2.1-2001:db8::1")
    with pytest.raises(ValueError, match="is not an address range"):
        values.parse_range("192.0.2.1-x")
