"""Every rule of cinv/check/, each with a failing and a passing example, asserting the exact
path:line and message. The base inventory (conftest.BASE_FILES) passes every rule."""
from __future__ import annotations

import json

import pytest

from cinv import check
from cinv.records import load

HV1 = "hosts/hv1.example.com.yaml"
WEB1 = "hosts/web1.prod.example.com.yaml"
PROD = "networks/prod.yaml"
MGMT = "networks/mgmt.yaml"

# Each validator's name, for the test that every one of them is covered here.
COVERED: set[str] = set()


def covers(*names):
    def mark(fn):
        COVERED.update(names)
        return fn
    return mark


def edit(files: dict, rel: str, old: str, new: str) -> dict:
    assert old in files[rel], f"{old!r} not in {rel}: the test's base changed"
    files[rel] = files[rel].replace(old, new, 1)
    return files


@pytest.fixture
def texts(tmp_path, make_files):
    """Write files, load and check them; the problems as `path:line: message` lines."""
    def run(files: dict) -> list[str]:
        root = make_files(tmp_path / "inv", files)
        return [p.text() for p in check.run(load.load_inventory(load.DirSource(root)))]
    return run


def test_base_inventory_is_clean(texts, base_files):
    assert texts(base_files) == []


def test_every_validator_has_a_docstring():
    assert check.VALIDATORS
    for fn in check.VALIDATORS:
        assert fn.__doc__ and len(fn.__doc__.strip()) > 20, fn.__name__


def test_every_validator_is_tested_here():
    import test_zone_check  # the rules of zones' own records (cinv/check/zones.py) are tested there
    assert {fn.__name__ for fn in check.VALIDATORS} <= COVERED | test_zone_check.COVERED


# --- interface_names_unique ---------------------------------------------------------------

@covers("interface_names_unique")
def test_interface_name_twice(texts, base_files):
    edit(base_files, HV1, "  - name: bmc", "  - name: eth0")
    assert texts(base_files) == [
        f"{HV1}:12: interfaces[1].name: eth0 is used twice in this host"]


# --- networks_known -----------------------------------------------------------------------

@covers("networks_known")
def test_unknown_network(texts, base_files):
    edit(base_files, WEB1, "network: prod", "network: nope")
    assert texts(base_files) == [
        f"{WEB1}:10: interfaces[0].network: unknown network 'nope' (known: mgmt, prod)"]


# --- addresses_fit_network ----------------------------------------------------------------

@covers("addresses_fit_network")
@pytest.mark.parametrize("old, new, line, message", [
    ("ipv4: 192.0.2.11", "ipv4: 10.0.0.11", 11,
     "interfaces[0].ipv4: 10.0.0.11 is outside network prod (192.0.2.0/24)"),
    ("ipv4: 192.0.2.11", "ipv4: 192.0.2.0", 11,
     "interfaces[0].ipv4: 192.0.2.0 is the network address of 192.0.2.0/24"),
    ("ipv4: 192.0.2.11", "ipv4: 192.0.2.255", 11,
     "interfaces[0].ipv4: 192.0.2.255 is the broadcast address of 192.0.2.0/24"),
    ("ipv4: 192.0.2.11", "ipv4: 192.0.2.1", 11,
     "interfaces[0].ipv4: 192.0.2.1 is the gateway of network prod"),
    ("ipv6: 2001:db8:0:1::11", "ipv6: 2001:db8:0:2::11", 12,
     "interfaces[0].ipv6: 2001:db8:0:2::11 is outside network prod (2001:db8:0:1::/64)"),
    ("ipv6: 2001:db8:0:1::11", 'ipv6: "2001:db8:0:1::"', 12,
     "interfaces[0].ipv6: 2001:db8:0:1:: is the Subnet-Router anycast address"),
    ("ipv6: 2001:db8:0:1::11", "ipv6: 2001:db8:0:1::1", 12,
     "interfaces[0].ipv6: 2001:db8:0:1::1 is the gateway of network prod"),
    ("network: prod", "network: mgmt", 12,
     "interfaces[0].ipv6: 2001:db8:0:1::11 is on network mgmt, which has no IPv6 prefix"),
])
def test_address_does_not_fit_its_network(texts, base_files, old, new, line, message):
    edit(base_files, WEB1, old, new)
    got = texts(base_files)
    if new == "network: mgmt":  # the IPv4 address is then outside mgmt as well
        got = [t for t in got if "ipv6" in t]
    assert got == [f"{WEB1}:{line}: {message}"]


@covers("addresses_in_pool")
def test_an_address_in_the_pool_is_a_warning(texts, base_files):
    """dhcpd takes a fixed-address inside a range; cinv warns, and its pools leave it out."""
    edit(base_files, WEB1, "ipv4: 192.0.2.11", "ipv4: 192.0.2.222")
    assert texts(base_files) == [
        f"{WEB1}:11: warning: interfaces[0].ipv4: 192.0.2.222 lies in the DHCP pool of network "
        "prod; the rendered pools leave it out"]
    edit(base_files, WEB1, "ipv4: 192.0.2.222", "ipv4: 192.0.2.199")  # just below the pool
    assert texts(base_files) == []


@covers("addresses_fit_network")
def test_address_fits_a_slash31_edge(texts, base_files):
    base_files["networks/p2p.yaml"] = "ipv4: 203.0.113.0/31\n"
    base_files["hosts/r1.example.com.yaml"] = (
        "kind: physical\ninterfaces:\n  - name: eth0\n    network: p2p\n    ipv4: 203.0.113.0\n")
    assert texts(base_files) == []


@covers("addresses_fit_network")
def test_retired_hosts_addresses_are_not_checked(texts, base_files):
    edit(base_files, WEB1, "ipv4: 192.0.2.11", "ipv4: 192.0.2.1")
    edit(base_files, WEB1, "state: active", "state: retired")
    assert texts(base_files) == []


# --- unique_addresses ---------------------------------------------------------------------

@covers("unique_addresses")
@pytest.mark.parametrize("old, new, hv1_line, web1_line, what", [
    ("ipv4: 192.0.2.11", "ipv4: 192.0.2.10", 10, 11, "ipv4: IPv4 address 192.0.2.10"),
    ("ipv6: 2001:db8:0:1::11", "ipv6: 2001:db8:0:1::10", 11, 12,
     "ipv6: IPv6 address 2001:db8:0:1::10"),
    ('mac: "52:54:00:00:00:01"', 'mac: "00:25:90:00:00:01"', 8, 9,
     "mac: MAC 00:25:90:00:00:01"),
])
def test_duplicate_address(texts, base_files, old, new, hv1_line, web1_line, what):
    edit(base_files, WEB1, old, new)
    assert texts(base_files) == [
        f"{HV1}:{hv1_line}: interfaces[0].{what} is also held by {WEB1}:{web1_line}",
        f"{WEB1}:{web1_line}: interfaces[0].{what} is also held by {HV1}:{hv1_line}",
    ]


@covers("unique_addresses")
def test_duplicate_mac_in_another_spelling(texts, base_files):
    edit(base_files, WEB1, 'mac: "52:54:00:00:00:01"', 'mac: "0025.9000.0002"')
    got = texts(base_files)
    assert f"{WEB1}:9: interfaces[0].mac: MAC 00:25:90:00:00:02 is also held by {HV1}:13" in got


@covers("unique_addresses")
def test_retired_host_may_share_an_address(texts, base_files):
    edit(base_files, WEB1, "ipv4: 192.0.2.11", "ipv4: 192.0.2.10")
    edit(base_files, WEB1, 'mac: "52:54:00:00:00:01"', 'mac: "00:25:90:00:00:01"')
    edit(base_files, WEB1, "state: active", "state: retired")
    assert texts(base_files) == []


@covers("unique_addresses")
def test_an_other_mac_held_by_another_interface(texts, base_files):
    """other_macs take part in the MAC rule: a laptop's wireless MAC that is another host's
    NIC is reported at both, at the other_macs line."""
    edit(base_files, WEB1, '    mac: "52:54:00:00:00:01"\n',
         '    mac: "52:54:00:00:00:01"\n    other_macs: ["00-25-90-00-00-01"]\n')
    assert texts(base_files) == [
        f"{HV1}:8: interfaces[0].mac: MAC 00:25:90:00:00:01 is also held by {WEB1}:10",
        f"{WEB1}:10: interfaces[0].other_macs: MAC 00:25:90:00:00:01 is also held by {HV1}:8",
    ]


@covers("unique_addresses")
def test_an_other_mac_that_is_the_interfaces_own(texts, base_files):
    edit(base_files, WEB1, '    mac: "52:54:00:00:00:01"\n',
         '    mac: "52:54:00:00:00:01"\n    other_macs: ["52:54:00:00:00:02", "5254.0000.0001"]\n')
    assert texts(base_files) == [
        f"{WEB1}:9: interfaces[0].mac: MAC 52:54:00:00:00:01 is also held by this interface",
        f"{WEB1}:10: interfaces[0].other_macs: MAC 52:54:00:00:00:01 is also held by this "
        "interface"]


@covers("unique_addresses")
def test_a_duid_held_twice(texts, base_files):
    duid = "00:01:00:01:2a:3b:4c:5d:00:25:90:00:00:01"
    edit(base_files, WEB1, "    ipv4: 192.0.2.11\n", f"    ipv4: 192.0.2.11\n    duid: '{duid}'\n")
    edit(base_files, HV1, "    ipv4: 192.0.2.10\n",
         f"    ipv4: 192.0.2.10\n    duid: {duid.replace(':', '').upper()}\n")
    assert texts(base_files) == [
        f"{HV1}:11: interfaces[0].duid: DUID {duid} is also held by {WEB1}:12",
        f"{WEB1}:12: interfaces[0].duid: DUID {duid} is also held by {HV1}:11",
    ]


@covers("duids_of_a_known_type")
def test_a_duid_of_no_known_type_is_a_warning(texts, base_files):
    """Kea's own examples reserve for 01:02:03:...: servers take any DUID, no client sends
    one of type 258."""
    edit(base_files, WEB1, "    ipv4: 192.0.2.11\n",
         "    ipv4: 192.0.2.11\n    duid: '01:02:03:04:05:0A:0B:0C:0D:0E'\n")
    assert texts(base_files) == [
        f"{WEB1}:12: warning: interfaces[0].duid: 01:02:03:04:05:0a:0b:0c:0d:0e: type 258 (its "
        "first two octets) is none of 1 (LLT), 2 (EN), 3 (LL), 4 (UUID): no client sends such "
        "a DUID"]


@pytest.mark.parametrize("value, message", [
    ("'00:04:11:22'", "00:04:11:22 is not a DUID-UUID: 2 octets after the type code, exactly "
     "16 wanted"),
    ("'00:03:00:01'", "00:03:00:01 is not a DUID-LL: 2 octets after the type code, more than 2 "
     "wanted"),
    ("'00:01:zz'", "'00:01:zz' is not a DUID (hex octets such as 00:01:00:01:...)"),
    ("10001", "10001 is not a DUID (hex octets such as '00:01:00:01:...', quoted: YAML "
     "reads bare digits as a number)"),
])
def test_a_duid_that_is_not_one(texts, base_files, value, message):
    edit(base_files, WEB1, "    ipv4: 192.0.2.11\n", f"    ipv4: 192.0.2.11\n    duid: {value}\n")
    assert texts(base_files) == [f"{WEB1}:12: interfaces[0].duid: {message}"]


@covers("other_macs_need_a_mac")
def test_other_macs_without_a_mac_of_its_own(texts, base_files):
    edit(base_files, WEB1, '    mac: "52:54:00:00:00:01"\n',
         '    other_macs: ["52:54:00:00:00:01"]\n')
    assert texts(base_files) == [
        f"{WEB1}:9: interfaces[0].other_macs: the interface has no mac of its own; give it one "
        "(the first of these) before others"]


# --- unique_dns_names ---------------------------------------------------------------------

@covers("unique_dns_names")
def test_alias_shadows_a_host_name(texts, base_files):
    edit(base_files, WEB1, "aliases: [www]", "aliases: [hv1.example.com]")
    assert texts(base_files) == [
        f"{WEB1}:13: interfaces[0].aliases: DNS name hv1.example.com is also used by {HV1}"]


@covers("unique_dns_names")
def test_same_alias_on_two_hosts(texts, base_files):
    edit(base_files, HV1, "    ipv6: 2001:db8:0:1::10\n",
         "    ipv6: 2001:db8:0:1::10\n    aliases: [www]\n")
    assert texts(base_files) == [
        f"{HV1}:12: interfaces[0].aliases: DNS name www.prod.example.com is also used by {WEB1}",
        f"{WEB1}:13: interfaces[0].aliases: DNS name www.prod.example.com is also used by {HV1}",
    ]


@covers("unique_dns_names")
def test_alias_of_a_retired_host_is_free(texts, base_files):
    edit(base_files, WEB1, "aliases: [www]", "aliases: [hv1.example.com]")
    edit(base_files, WEB1, "state: active", "state: retired")
    assert texts(base_files) == []


# --- names_in_managed_domains -------------------------------------------------------------

@covers("names_in_managed_domains")
def test_alias_and_host_outside_every_managed_domain(texts, base_files):
    edit(base_files, WEB1, "aliases: [www]", "aliases: [pypi.org, www]")
    base_files["hosts/github.com.yaml"] = base_files[HV1].replace(
        "00:25:90:00:00:0", "00:25:90:00:01:0").replace(".10\n", ".20\n").replace("::10", "::20")
    domains = "example.com, mgmt.example.com, prod.example.com"
    assert texts(base_files) == [
        f"hosts/github.com.yaml:1: name: github.com lies outside every domain this inventory "
        f"manages ({domains})",
        f"{WEB1}:13: interfaces[0].aliases: pypi.org lies outside every domain this inventory "
        f"manages ({domains})"]
    edit(base_files, WEB1, "state: active", "state: retired")  # not in any output: allowed
    assert len(texts(base_files)) == 1


# --- parents_valid ------------------------------------------------------------------------

@covers("parents_valid")
def test_parent_unknown(texts, base_files):
    edit(base_files, WEB1, "parent: hv1.example.com", "parent: hv9.example.com")
    assert texts(base_files) == [f"{WEB1}:3: parent: unknown host 'hv9.example.com'"]


@covers("parents_valid")
def test_parent_self(texts, base_files):
    edit(base_files, WEB1, "parent: hv1.example.com", "parent: web1.prod.example.com")
    assert texts(base_files) == [
        f"{WEB1}:3: parent: web1.prod.example.com cannot be its own parent"]


@covers("parents_valid")
def test_parent_retired(texts, base_files):
    edit(base_files, HV1, "state: active", "state: retired")
    assert texts(base_files) == [f"{WEB1}:3: parent: hv1.example.com is retired"]


@covers("parents_valid")
def test_parent_retired_with_a_retired_child_is_fine(texts, base_files):
    edit(base_files, HV1, "state: active", "state: retired")
    edit(base_files, WEB1, "state: active", "state: retired")
    assert texts(base_files) == []


@covers("parents_valid")
def test_parent_cycle(texts, base_files):
    edit(base_files, HV1, "state: active\n", "state: active\nparent: web1.prod.example.com\n")
    assert [t for t in texts(base_files) if "warning" not in t and "hardware" not in t] == [
        f"{HV1}:3: parent: cycle hv1.example.com -> web1.prod.example.com -> hv1.example.com",
        f"{WEB1}:3: parent: cycle web1.prod.example.com -> hv1.example.com -> "
        "web1.prod.example.com",
    ]


# --- networks_disjoint --------------------------------------------------------------------

@covers("networks_disjoint")
def test_overlapping_networks(texts, base_files):
    base_files["networks/dmz.yaml"] = "domain: dmz.example.com\nipv4: 192.0.2.128/25\n"
    assert texts(base_files) == [
        "networks/dmz.yaml:2: ipv4: 192.0.2.128/25 overlaps network prod (192.0.2.0/24)",
        f"{PROD}:2: ipv4: 192.0.2.0/24 overlaps network dmz (192.0.2.128/25)",
    ]


@covers("networks_disjoint")
def test_overlapping_ipv6(texts, base_files):
    base_files["networks/dmz.yaml"] = "ipv4: 203.0.113.0/24\nipv6: 2001:db8::/48\n"
    assert texts(base_files) == [
        "networks/dmz.yaml:2: ipv6: 2001:db8::/48 overlaps network prod (2001:db8:0:1::/64)",
        f"{PROD}:4: ipv6: 2001:db8:0:1::/64 overlaps network dmz (2001:db8::/48)",
    ]


@covers("networks_disjoint")
def test_adjacent_networks_do_not_overlap(texts, base_files):
    base_files["networks/dmz.yaml"] = "ipv4: 192.0.3.0/24\nipv6: 2001:db8:0:2::/64\n"
    assert texts(base_files) == []


# --- network_ranges_inside ----------------------------------------------------------------

@covers("network_ranges_inside")
@pytest.mark.parametrize("old, new, line, message", [
    ("gateway4: 192.0.2.1", "gateway4: 192.0.3.1", 3,
     "gateway4: 192.0.3.1 is outside 192.0.2.0/24"),
    ("gateway6: 2001:db8:0:1::1", "gateway6: 2001:db8:0:2::1", 5,
     "gateway6: 2001:db8:0:2::1 is outside 2001:db8:0:1::/64"),
    ("dhcp_pool: 192.0.2.200-192.0.2.250", "dhcp_pool: 192.0.2.200-192.0.3.5", 7,
     "dhcp_pool: 192.0.2.200-192.0.3.5 is not inside 192.0.2.0/24"),
    ("dhcp_pool: 192.0.2.200-192.0.2.250", "dhcp_pool: 192.0.2.200-192.0.2.255", 7,
     "dhcp_pool: 192.0.2.200-192.0.2.255 holds the network or broadcast address"),
    ("reserved: [192.0.2.2-192.0.2.9]", "reserved: [192.0.2.2-192.0.2.9, 10.0.0.1]", 8,
     "reserved: 10.0.0.1 is not inside 192.0.2.0/24"),
    ("reserved: [192.0.2.2-192.0.2.9]", "reserved: [2001:db8:0:2::1-2001:db8:0:2::9]", 8,
     "reserved: 2001:db8:0:2::1-2001:db8:0:2::9 is not inside 2001:db8:0:1::/64"),
])
def test_network_range_outside(texts, base_files, old, new, line, message):
    edit(base_files, PROD, old, new)
    assert texts(base_files) == [f"{PROD}:{line}: {message}"]


@covers("network_ranges_inside")
def test_pool_holds_the_gateway(texts, base_files):
    edit(base_files, MGMT, "gateway4: 198.51.100.1\n",
         "gateway4: 198.51.100.1\ndhcp_pool: 198.51.100.1-198.51.100.5\n")
    assert texts(base_files) == [
        f"{MGMT}:4: dhcp_pool: 198.51.100.1-198.51.100.5 holds the gateway 198.51.100.1"]


@covers("network_ranges_inside")
def test_eui64_needs_a_slash64(texts, base_files):
    base_files["networks/lab.yaml"] = "ipv6: 2001:db8:9::/80\nipv6_mode: eui64\n"
    assert texts(base_files) == [
        "networks/lab.yaml:2: ipv6_mode: eui64 needs an IPv6 prefix of /64 or shorter"]


@covers("network_ranges_inside")
def test_reserved_ipv6_without_prefix(texts, base_files):
    edit(base_files, MGMT, "gateway4: 198.51.100.1\n",
         "gateway4: 198.51.100.1\nreserved: [2001:db8::1]\n")
    assert texts(base_files) == [
        f"{MGMT}:4: reserved: 2001:db8::1 is not inside the network (no IPv6 prefix)"]


# --- subnet_ids_unique --------------------------------------------------------------------

@covers("subnet_ids_unique")
def test_subnet_ids_clash(texts, base_files):
    base_files[PROD] += "subnet_id: 7\n"
    base_files[MGMT] += "subnet_id: 7\n"
    assert texts(base_files) == [
        f"{MGMT}:4: subnet_id: 7 is also the id of network prod; set subnet_id to tell "
        "them apart",
        f"{PROD}:10: subnet_id: 7 is also the id of network mgmt; set subnet_id to tell "
        "them apart",
    ]


@covers("subnet_ids_unique")
def test_subnet_ids_distinct(texts, base_files):
    base_files[PROD] += "subnet_id: 7\n"
    base_files[MGMT] += "subnet_id: 8\n"
    assert texts(base_files) == []


# --- eui64_matches_mac --------------------------------------------------------------------

@covers("eui64_matches_mac")
def test_eui64_address_differs_from_mac_is_a_warning(texts, base_files):
    edit(base_files, PROD, "ipv6_mode: sequential", "ipv6_mode: eui64")
    edit(base_files, HV1, "ipv6: 2001:db8:0:1::10", "ipv6: 2001:db8:0:1:225:90ff:fe00:1")
    assert texts(base_files) == [
        f"{WEB1}:12: warning: interfaces[0].ipv6: 2001:db8:0:1::11 is not the EUI-64 address "
        "of its MAC (2001:db8:0:1:5054:ff:fe00:1)"]


@covers("eui64_matches_mac")
def test_eui64_addresses_match(texts, base_files):
    edit(base_files, PROD, "ipv6_mode: sequential", "ipv6_mode: eui64")
    edit(base_files, HV1, "ipv6: 2001:db8:0:1::10", "ipv6: 2001:db8:0:1:225:90ff:fe00:1")
    edit(base_files, WEB1, "ipv6: 2001:db8:0:1::11", "ipv6: 2001:db8:0:1:5054:ff:fe00:1")
    assert texts(base_files) == []


# --- capacity -----------------------------------------------------------------------------

@covers("capacity")
def test_guests_exceed_the_hypervisor(texts, base_files):
    """Past the over-commit ratios (default cpus 4, memory 1) is an error: the one rule of
    host add, set, move and a merge."""
    edit(base_files, WEB1, "cpus: 2", "cpus: 65")
    edit(base_files, WEB1, "memory: 4GiB", "memory: 128GiB")
    assert texts(base_files) == [
        f"{HV1}:3: hardware.cpus: its 1 guest has 65 cpus, more than it may hold: 64 (its own "
        "16 x 4, capacity.overcommit.cpus)",
        f"{HV1}:3: hardware.memory: its 1 guest has 128GiB memory, more than it may hold: "
        "64GiB (its own 64GiB x 1, capacity.overcommit.memory)",
    ]


@covers("capacity")
def test_guests_exceed_the_hypervisors_disks(texts, base_files):
    edit(base_files, HV1, "  memory: 64GiB\n", "  memory: 64GiB\n  disks: [500GiB]\n")
    edit(base_files, WEB1, "  memory: 4GiB\n", "  memory: 4GiB\n  disks: [400GiB, 200GiB]\n")
    assert texts(base_files) == [
        f"{HV1}:3: hardware.disks: its 1 guest has 600GiB disks, more than it may hold: 500GiB "
        "(its own 500GiB x 1, capacity.overcommit.disk)"]


@covers("capacity")
def test_guests_fit_exactly(texts, base_files):
    edit(base_files, WEB1, "cpus: 2", "cpus: 64")
    edit(base_files, WEB1, "memory: 4GiB", "memory: 64GiB")
    assert texts(base_files) == []


@covers("capacity")
def test_the_over_commit_ratios_come_from_cinv_yaml(texts, base_files):
    """A 1.4:1 vCPU over-commit is routine; the ratios are the inventory's own."""
    edit(base_files, WEB1, "cpus: 2", "cpus: 23")
    edit(base_files, WEB1, "memory: 4GiB", "memory: 96GiB")
    assert texts(base_files) == [
        f"{HV1}:3: hardware.memory: its 1 guest has 96GiB memory, more than it may hold: "
        "64GiB (its own 64GiB x 1, capacity.overcommit.memory)"]
    base_files["cinv.yaml"] += "capacity:\n  overcommit: {cpus: 1.4, memory: 1.5}\n"
    assert texts(base_files) == [
        f"{HV1}:3: hardware.cpus: its 1 guest has 23 cpus, more than it may hold: 22 (its own "
        "16 x 1.4, capacity.overcommit.cpus)"]


@pytest.mark.parametrize("value, message", [
    ("{cpus: 0}", "capacity.overcommit.cpus: 0 is not a ratio"),
    ("{memory: -1}", "capacity.overcommit.memory: -1 is not a ratio"),
    ("{disk: two}", "capacity.overcommit.disk: 'two' is not a ratio"),
    ("{disks: 2}", "capacity.overcommit.disks: unknown key"),
])
def test_bad_over_commit_ratios(texts, base_files, value, message):
    base_files["cinv.yaml"] += f"capacity:\n  overcommit: {value}\n"
    found = texts(base_files)
    assert len(found) == 1 and found[0].startswith("cinv.yaml:") and message in found[0], found


# --- check/served.py: short names, boot files --------------------------------------------------

@covers("short_names_unique")
def test_two_hosts_with_one_short_name(texts, base_files):
    base_files["hosts/web1.mgmt.example.com.yaml"] = (
        "kind: physical\ninterfaces:\n  - name: eth0\n    network: mgmt\n"
        "    ipv4: 198.51.100.30\n")
    other = "hosts/web1.mgmt.example.com.yaml"
    assert texts(base_files) == [
        f"{other}:1: warning: name: the short name web1 is also that of web1.prod.example.com "
        f"({WEB1}); /etc/hosts and dnsmasq leave it out for each (use the FQDN)",
        f"{WEB1}:1: warning: name: the short name web1 is also that of web1.mgmt.example.com "
        f"({other}); /etc/hosts and dnsmasq leave it out for each (use the FQDN)"]
    base_files[other] = base_files[other].replace("kind: physical\n",
                                                  "kind: physical\nstate: retired\n")
    assert texts(base_files) == []  # a retired host is in neither file


@covers("boot_file_only_while_provisioning")
def test_a_hosts_own_filename_on_a_provisioning_network(texts, base_files):
    edit(base_files, PROD, "bridge: br-prod\n", "bridge: br-prod\ndhcp:\n  provisioning: "
         "{bios: undionly.kpxe, uefi: ipxe.efi}\n")
    edit(base_files, WEB1, "    aliases: [www]\n", "    aliases: [www]\n    dhcp: "
         "{filename: rescue.efi}\n")
    assert texts(base_files) == [
        f"{WEB1}:14: warning: interfaces[0].dhcp.filename: rescue.efi boots in every state, "
        "also when active, past network prod's provisioning files; for a boot file only "
        "while provisioning, set dhcp.provisioning instead"]
    edit(base_files, WEB1, "{filename: rescue.efi}", "{provisioning: rescue.efi}")
    assert texts(base_files) == []


# --- the command: all problems in one run, text and json, exit codes ----------------------

def test_check_command_lists_every_problem_and_exits_1(tmp_path, make_files, base_files,
                                                       run_cli):
    edit(base_files, WEB1, "network: prod", "network: nope")
    edit(base_files, HV1, "  - name: bmc", "  - name: eth0")
    edit(base_files, PROD, "gateway4: 192.0.2.1", "gateway4: 192.0.3.1")
    root = make_files(tmp_path / "inv", base_files)
    r = run_cli("-C", root, "check")
    assert r.code == 1, r
    assert r.out.splitlines() == [
        f"{HV1}:12: interfaces[1].name: eth0 is used twice in this host",
        f"{WEB1}:10: interfaces[0].network: unknown network 'nope' (known: mgmt, prod)",
        f"{PROD}:3: gateway4: 192.0.3.1 is outside 192.0.2.0/24",
        "2 hosts, 2 networks: 3 errors, 0 warnings",
    ]
    assert r.err == ""
    j = run_cli("-C", root, "check", "--format", "json")
    assert j.code == 1
    data = json.loads(j.out)
    assert data["errors"] == 3 and data["warnings"] == 0
    assert {(p["path"], p["line"], p["code"]) for p in data["problems"]} == {
        (HV1, 12, "duplicate-interface"), (WEB1, 10, "unknown-network"), (PROD, 3, "network")}


def test_check_command_warnings_exit_0(tmp_path, make_files, base_files, run_cli):
    edit(base_files, WEB1, "ipv4: 192.0.2.11", "ipv4: 192.0.2.210")  # in the DHCP pool
    root = make_files(tmp_path / "inv", base_files)
    r = run_cli("-C", root, "check")
    assert r.code == 0, r
    assert len(r.out.splitlines()) == 2 and "warning: interfaces[0].ipv4" in r.out, r
    assert r.out.splitlines()[1] == "2 hosts, 2 networks: 0 errors, 1 warning"
    data = json.loads(run_cli("-C", root, "check", "--format", "json").out)
    assert data["warnings"] == 1 and data["errors"] == 0
    assert data["problems"][0]["severity"] == "warning"


def test_check_command_clean(tmp_path, make_files, base_files, run_cli):
    root = make_files(tmp_path / "inv", base_files)
    r = run_cli("-C", root, "check")
    assert (r.code, r.out, r.err) == (0, "2 hosts, 2 networks: 0 errors, 0 warnings\n", "")


# --- nameservers_have_addresses -------------------------------------------------------------

@covers("nameservers_have_addresses")
def test_in_zone_nameserver_without_a_host_is_an_error(texts, base_files):
    """An error, as `cinv render` refuses it (named would refuse the zone)."""
    base_files["cinv.yaml"] = base_files["cinv.yaml"].replace(
        "nameservers: [ns1.example.net.]", "nameservers: [ns1.example.net., ns9.example.com.]")
    assert texts(base_files) == [
        "cinv.yaml:3: dns.nameservers: ns9.example.com. lies in zone example.com, but "
        "no host has that name and an address; add one, or name another nameserver"]


@covers("nameservers_named")
def test_placeholder_nameserver_is_a_warning(texts, base_files):
    base_files["cinv.yaml"] = base_files["cinv.yaml"].replace(
        "  primary_ns: ns1.example.net.\n  nameservers: [ns1.example.net.]\n", "")
    assert texts(base_files) == [
        "cinv.yaml:3: warning: dns.nameservers: localhost. is a placeholder; name the servers "
        "that will serve these zones (dns.primary_ns and dns.nameservers in cinv.yaml)"]


@covers("addresses_not_named_by_network")
def test_host_on_an_address_its_network_names(texts, base_files):
    edit(base_files, PROD, "bridge: br-prod", "bridge: br-prod\ndns_servers: [192.0.2.11, "
         "2001:db8:0:1::10]")
    assert texts(base_files) == [
        f"{HV1}:11: warning: interfaces[0].ipv6: 2001:db8:0:1::10 is named by network prod "
        "(dns_servers); make sure this host is that server",
        f"{WEB1}:11: warning: interfaces[0].ipv4: 192.0.2.11 is named by network prod "
        "(dns_servers); make sure this host is that server"]


@covers("nameservers_have_addresses")
def test_in_zone_nameserver_with_a_host_is_fine(texts, base_files):
    base_files["cinv.yaml"] = base_files["cinv.yaml"].replace(
        "nameservers: [ns1.example.net.]", "nameservers: [web1.prod.example.com.]")
    assert texts(base_files) == []


@covers("libvirt_host_reach")
def test_kept_libvirt_xml_reaches_only_what_the_operator_allows(texts, base_files, monkeypatch):
    files = edit(base_files, "hosts/web1.prod.example.com.yaml", "    aliases: [www]\n",
                 "    aliases: [www]\nlibvirt:\n  devices:\n"
                 "    - \"<serial type='file'><source path='/etc/passwd'/></serial>\"\n")
    assert texts(files) == [
        "hosts/web1.prod.example.com.yaml:16: libvirt.devices[0]: <source path=...> reaches "
        "/etc/passwd on the hypervisor, outside libvirt.image_dir (/var/lib/libvirt/images); "
        "the operator may allow a folder with CINV_LIBVIRT_ALLOW=/folder"]
    monkeypatch.setenv("CINV_LIBVIRT_ALLOW", "/etc")
    assert texts(files) == []
    files["cinv.yaml"] += "libvirt: {image_dir: /var/lib}\n"
    assert texts(files) == [
        "cinv.yaml:6: libvirt.image_dir: /var/lib is or holds the system folder "
        "/var/lib/libvirt/qemu; a domain may reach everything inside libvirt.image_dir, so it "
        "must be a folder of its own (default /var/lib/libvirt/images)"]


@covers("ansible_vars_from_the_operator")
def test_ansible_connection_vars_and_templates_are_the_operators(texts, base_files,
                                                                 monkeypatch):
    files = edit(base_files, "hosts/web1.prod.example.com.yaml", "kind: virtual\n",
                 "kind: virtual\nvars:\n  ansible_user: deploy\n  ansible_port: 2222\n"
                 "  ansible_python_interpreter: /usr/bin/python3\n"
                 "  motd: \"{{ lookup('pipe', 'id') }}\"\n")
    files["cinv.yaml"] += ("ansible:\n  vars: {ansible_connection: local}\n"
                           "  group_vars:\n    tag_web: {ansible_user: 'x -oProxyCommand=y'}\n")
    assert texts(files) == [
        "cinv.yaml:7: ansible.vars.ansible_connection: a connection, privilege or interpreter "
        "variable of Ansible chooses what the operator's controller runs; set it in the "
        "operator's own Ansible configuration, or the operator allows it with "
        "CINV_ANSIBLE_ALLOW=ansible_connection",
        "cinv.yaml:9: ansible.group_vars.tag_web.ansible_user: 'x -oProxyCommand=y' is not a "
        "user name",
        "hosts/web1.prod.example.com.yaml:5: vars.ansible_python_interpreter: a connection, "
        "privilege or interpreter variable of Ansible chooses what the operator's controller "
        "runs; set it in the operator's own Ansible configuration, or the operator allows it "
        "with CINV_ANSIBLE_ALLOW=ansible_python_interpreter",
        "hosts/web1.prod.example.com.yaml:6: vars.motd: holds a template ({{, {%, {#) that "
        "Ansible would evaluate on the operator's controller; the operator allows templates "
        "with CINV_ANSIBLE_ALLOW=templates"]
    monkeypatch.setenv("CINV_ANSIBLE_ALLOW", "ansible_connection,ansible_python_interpreter "
                       "templates")
    assert texts(files) == ["cinv.yaml:9: ansible.group_vars.tag_web.ansible_user: "
                            "'x -oProxyCommand=y' is not a user name"]


@covers("managed_domains_are_not_public_suffixes")
def test_no_managed_domain_is_a_public_suffix(texts, base_files, monkeypatch):
    """com (a TLD) and co.uk (a registry's suffix) are errors; a private single label such as
    lan, or a domain below a suffix, is not."""
    files = edit(base_files, "networks/mgmt.yaml", "domain: mgmt.example.com", "domain: com")
    files["zones/co.uk.yaml"] = "records: {}\n"
    files["zones/lan.yaml"] = "records: {}\n"
    files["zones/example.co.uk.yaml"] = "records: {}\n"
    suffix = "(a top-level domain, or one under which anyone registers names)"
    assert [t for t in texts(files) if "public suffix" in t] == [
        f"networks/mgmt.yaml:1: domain: com is a public suffix {suffix}; the inventory may "
        "manage domains below one, not all of it (the operator may allow it with "
        "CINV_TLD_ALLOW=com)",
        f"zones/co.uk.yaml:1: zone: co.uk is a public suffix {suffix}; the inventory may "
        "manage domains below one, not all of it (the operator may allow it with "
        "CINV_TLD_ALLOW=co.uk)"]
    monkeypatch.setenv("CINV_TLD_ALLOW", "com co.uk")
    assert not [t for t in texts(files) if "public suffix" in t]


def test_public_suffixes_by_the_lists_rules():
    from cinv.check.domains import public_suffix
    assert public_suffix("com") and public_suffix("co.uk") and public_suffix("xn--p1ai")
    assert public_suffix("foo.kawasaki.jp")  # *.kawasaki.jp
    assert not public_suffix("city.kawasaki.jp")  # !city.kawasaki.jp
    for private in ("lan", "home", "localdomain", "neo", "internal", "example.com", "co.uk.lan"):
        assert not public_suffix(private), private
