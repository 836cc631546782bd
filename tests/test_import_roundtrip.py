"""Round trips: render the example inventory with cinv's own render targets, import the files
into an inventory without hosts, and get the same hosts, MACs and addresses back."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import invoke

EXAMPLE = Path(__file__).resolve().parents[1] / "inventory"
# The example's ns1 holds the address prod names as its DNS server; in an inventory whose zones
# name another nameserver, cinv cannot tell that it is that server, so it asks.
NS1_WARNING = ("hosts/ns1.example.com.yaml:7: warning: interfaces[0].ipv4: 192.0.2.53 is named "
               "by network prod (dns_servers); make sure this host is that server")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rendered")
    r = invoke("-C", EXAMPLE, "render", "dhcpd", "dns", "libvirt", "--out", out)
    assert r.code == 0, r
    return out


def example():
    from cinv.records import load
    return load.load_inventory(load.DirSource(EXAMPLE))


def facts(inv, with_v6=True, with_aliases=True, with_names=True):
    """Host -> sorted (interface, network, MAC, IPv4, IPv6, aliases) of hosts not retired."""
    out = {}
    for h in inv.active_hosts():
        out[h.name] = sorted(
            (i.name if with_names else "", i.network, i.mac_str, str(i.ipv4),
             str(i.ipv6) if with_v6 else "", tuple(i.aliases) if with_aliases else ())
            for i in h.interfaces)
    return out


def test_dhcpd_dhcpd6_and_zones_bring_back_hosts_macs_addresses_and_aliases(empty_inventory,
                                                                           rendered):
    inv = empty_inventory
    for net in (EXAMPLE / "networks").glob("*.yaml"):  # networks as they are; hosts from files
        shutil.copy(net, inv.root / "networks" / net.name)
    inv.git("add", "networks")
    inv.git("commit", "-qm", "networks")
    inv.ok("import", "dhcpd", rendered / "dhcpd.conf")
    inv.ok("import", "dhcpd", rendered / "dhcpd6.conf")
    for zone in ("example.com", "prod.example.com", "mgmt.example.com"):
        inv.ok("import", "zone", rendered / "dns" / f"db.{zone}", "--zone", zone)
    assert facts(inv.load()) == facts(example())
    assert [p.text() for p in inv.problems()] == [NS1_WARNING]
    # and again: nothing changes, no commit
    head = inv.head()
    inv.ok("import", "dhcpd", rendered / "dhcpd.conf")
    for zone in ("example.com", "prod.example.com"):
        inv.ok("import", "zone", rendered / "dns" / f"db.{zone}", "--zone", zone)
    assert inv.head() == head


def test_an_empty_inventory_gets_networks_hosts_macs_and_ipv4_from_dhcpd_alone(empty_inventory,
                                                                               rendered):
    inv = empty_inventory
    r = inv.ok("import", "dhcpd", rendered / "dhcpd.conf", "--networks")
    assert "Not mapped" not in r.out
    inv.ok("import", "dhcpd", rendered / "dhcpd6.conf", "--networks")
    got, want = inv.load(), example()
    assert facts(got, with_aliases=False) == facts(want, with_aliases=False)
    for name, net in want.networks.items():
        mine = got.networks[name]
        assert (mine.ipv4, mine.gateway4, mine.ipv6, mine.domain, mine.dhcp_pool,
                mine.dns_servers) == (net.ipv4, net.gateway4, net.ipv6, net.domain,
                                      net.dhcp_pool, net.dns_servers)
    assert [p.text() for p in inv.problems()] == [NS1_WARNING]


def test_rendered_libvirt_domains_come_back_as_the_same_virtual_hosts(empty_inventory, rendered):
    inv = empty_inventory
    for net in (EXAMPLE / "networks").glob("*.yaml"):
        shutil.copy(net, inv.root / "networks" / net.name)
    files = sorted((rendered / "libvirt").glob("*.xml"))
    assert files
    inv.ok("import", "libvirt", *files)
    got, want = inv.load(), example()
    for name in (f.name[:-len(".xml")] for f in files):
        g, w = got.hosts[name], want.hosts[name]
        assert (g.kind, g.hardware.cpus, g.hardware.memory) == \
            (w.kind, w.hardware.cpus, w.hardware.memory)
        assert [(i.network, i.mac) for i in g.interfaces] == \
            [(i.network, i.mac) for i in w.interfaces]
