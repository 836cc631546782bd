"""What the importers bring in, served for real by the files cinv renders: dhcpd, Kea and
dnsmasq in a network namespace, a client in another (see test_serve_dhcp.py's Lab, reused here
over an inventory made by imports).

- A laptop's two MACs, from two dhcpd host blocks on one address: each MAC gets that address.
- A DHCPv6 host keyed by its DUID: a client sending that DUID (dhclient -D LL: 00:03:00:01 and
  its MAC) gets the address, though the record's own MAC is another one.
- A real dnsmasq file (a Pi-hole's static leases, tests/corpus/dnsmasq): its hosts get their
  addresses from each server.

Needs root (namespaces, DHCP ports): skipped on a dev machine without it, a failure under CI.
"""
from __future__ import annotations

import pytest
from checkers import require
from conftest import invoke
from serving import Link, Process, require_root, wait_for
from test_serve_dhcp import Lab

from cinv.records import load

CORPUS = Lab.__init__.__globals__["REPO"] / "tests" / "corpus"

LAPTOP = """\
subnet 192.0.2.0 netmask 255.255.255.0 {
  option routers 192.0.2.1;
  host laptop { hardware ethernet 02:00:00:00:aa:01; fixed-address 192.0.2.60; }
  host laptop-wifi { hardware ethernet 02:00:00:00:aa:02; fixed-address 192.0.2.60; }
}
"""
DHCPD6 = """\
subnet6 2001:db8:0:1::/64 {
  host ws1 {
    host-identifier option dhcp6.client-id 00:03:00:01:02:00:00:00:bb:02;
    hardware ethernet 02:00:00:00:bb:01;
    fixed-address6 2001:db8:0:1::70;
  }
}
"""


class ImportLab(Lab):
    """Lab over an inventory made by `cinv init` and the imports `setup` runs."""

    def __init__(self, tmp, setup):
        require_root()
        self.tools = {tool: require(tool) for tool in
                      ("dhcpd", "kea-dhcp4", "kea-dhcp6", "busybox", "dhclient", "dnsmasq")}
        self.tmp = tmp
        self.root = tmp / "inv"
        assert invoke("init", self.root, "--domain", "example.com", "--nameserver",
                      "ns1.example.net").code == 0
        with open(self.root / "cinv.yaml", "a") as f:
            f.write(f"kea:\n  interfaces: [{Link.SERVER_IF}]\n")
        setup(self)
        self.out = tmp / "out"
        r = invoke("-C", self.root, "render", "--out", self.out)
        assert r.code == 0, r
        self.inv = load.load_inventory(load.DirSource(self.root))
        self.server = None
        self.clients = []
        self.runs = 0
        self.link = Link()

    def cinv(self, *args):
        r = invoke("-C", self.root, *args)
        assert r.code == 0, r
        return r

    def serve(self, server: str, network: str) -> None:
        if server != "dnsmasq":
            return super().serve(server, network)
        self.stop_server()
        net = self.inv.networks[network]
        addrs = [f"{net.gateway4}/{net.ipv4.prefixlen}"] if net.ipv4 else []
        addrs += [f"{net.gateway6}/{net.ipv6.prefixlen}"] if net.ipv6 else []
        self.link.serve_on(addrs)
        self.runs += 1
        run = self.tmp / f"dnsmasq-{self.runs}"
        run.mkdir()
        args = [self.tools["dnsmasq"], "-d", "-C", self.out / "dnsmasq" / "cinv.conf",
                "--port=0", f"--interface={Link.SERVER_IF}", "--bind-interfaces",
                f"--dhcp-leasefile={run / 'leases'}", f"--pid-file={run / 'pid'}"]
        self.server = Process("dnsmasq", args, run / "server.log", netns=self.link.server)
        wait_for(lambda: "DHCP" in self.server.log_text(), 30, "dnsmasq to start", self.server)


def make_lab(tmp_path, setup):
    lab = None
    try:
        lab = ImportLab(tmp_path, setup)
        return lab
    except BaseException:
        if lab is not None:
            lab.close()
        raise


@pytest.fixture
def laptop_lab(tmp_path):
    def setup(lab):
        lab.cinv("net", "add", "prod", "--ipv4", "192.0.2.0/24", "--gateway4", "192.0.2.1",
                 "--ipv6", "2001:db8:0:1::/64", "--gateway6", "2001:db8:0:1::1",
                 "--domain", "prod.example.com", "--dhcp-pool", "192.0.2.200-192.0.2.250",
                 "--dhcp-interface", Link.SERVER_IF)
        for name, text in (("dhcpd.conf", LAPTOP), ("dhcpd6.conf", DHCPD6)):
            (lab.tmp / name).write_text(text)
            lab.cinv("import", "dhcpd", lab.tmp / name)
    lab = make_lab(tmp_path, setup)
    yield lab
    lab.close()


@pytest.mark.parametrize("server", ["dhcpd", "kea-dhcp4", "dnsmasq"])
def test_each_mac_of_an_interface_gets_its_address(laptop_lab, server):
    """The wired NIC, then the wireless one, each asking a fresh server (a lease is one MAC's
    at a time: Kea offers the reserved address to the other MAC once the first lease is gone):
    the same address each time."""
    got = []
    for mac in ("02:00:00:00:aa:01", "02:00:00:00:aa:02"):
        laptop_lab.serve(server, "prod")
        got.append(laptop_lab.lease4(mac)["ipv4"])
    assert got == ["192.0.2.60", "192.0.2.60"]


@pytest.mark.parametrize("server", ["dhcpd6", "kea-dhcp6", "dnsmasq"])
def test_a_dhcpv6_client_is_known_by_its_duid(laptop_lab, server):
    """The record's MAC is 02:00:00:00:bb:01; the client is 02:00:00:00:bb:02 and sends the
    DUID-LL of that MAC, which the record holds: only a reservation keyed on the DUID gives it
    the address."""
    laptop_lab.serve(server, "prod")
    assert laptop_lab.lease6("02:00:00:00:bb:02", duid="LL")["ipv6"] == "2001:db8:0:1::70"


@pytest.fixture
def pihole_lab(tmp_path):
    def setup(lab):
        lab.cinv("net", "add", "lan", "--ipv4", "10.10.0.0/16", "--gateway4", "10.10.255.254",
                 "--domain", "home.example.com")
        lab.cinv("import", "dnsmasq", CORPUS / "dnsmasq" / "lux4rd0-04-pihole-static-dhcp.conf")
    lab = make_lab(tmp_path, setup)
    yield lab
    lab.close()


@pytest.mark.parametrize("server", ["dnsmasq", "dhcpd", "kea-dhcp4"])
def test_a_real_pihole_static_lease_file_is_served(pihole_lab, server):
    """lux4rd0's Pi-hole file, 147 static leases over 10.10.0.0/16, imported and served by each
    server: its hosts get the addresses the file gave them."""
    pihole_lab.serve(server, "lan")
    for mac, want in (("18:e8:29:28:8b:05", "10.10.0.10"), ("b8:ae:ed:75:31:14", "10.10.4.50"),
                      ("94:9f:3e:45:e5:d8", "10.10.10.18")):
        got = pihole_lab.lease4(mac)
        assert got["ipv4"] == want, (mac, got)
