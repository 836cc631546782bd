"""The DHCP servers serve the files cinv renders: ISC dhcpd (-4 and -6), kea-dhcp4 and
kea-dhcp6 run in a network namespace of their own, a client in another namespace, joined by a
veth pair (see serving.Link); the client end wears a host's MAC and must get exactly the
inventory's address, router, domain and name servers. Nothing leaves the two namespaces.

The inventory is a copy of the example one (documentation networks: prod 192.0.2.0/24 and
2001:db8:0:1::/64, mgmt 198.51.100.0/26) whose cinv.yaml names the veth as Kea's interface;
the server end gets the network's gateway address. The files are served as rendered, except
what a test run must put elsewhere: Kea's lease file goes to the test's temp dir, and for
kea-dhcp6 a non-persistent server-id (no /var/lib/kea). Kea selects the subnet of a directly
connected DHCPv6 client by the subnet's "interface" only; cinv writes it when cinv.yaml names
exactly one Kea interface, as here.

Needs root (namespaces, DHCP ports): skipped on a dev machine without it, a failure under CI.
"""
from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import pytest
from checkers import require
from conftest import invoke
from serving import Link, Process, require_root, wait_for

from cinv.records import load

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
UNKNOWN_MAC = "02:00:00:c1:4e:01"  # locally administered, in no inventory
DHCP_TIMEOUT = 30  # seconds a client may take, at most, to get a lease


class Lab:
    """The rendered example, two namespaces, and one DHCP server at a time."""

    def __init__(self, tmp: Path):
        require_root()
        self.tools = {tool: require(tool) for tool in
                      ("dhcpd", "kea-dhcp4", "kea-dhcp6", "busybox", "dhclient")}
        self.tmp = tmp
        self.root = tmp / "inv"
        shutil.copytree(EXAMPLE, self.root, ignore=shutil.ignore_patterns(".cinv", "build"))
        with open(self.root / "cinv.yaml", "a") as f:
            f.write(f"kea:\n  interfaces: [{Link.SERVER_IF}]\n")
        self.out = tmp / "out"
        r = invoke("-C", self.root, "render", "--out", self.out)
        assert r.code == 0, r
        self.inv = load.load_inventory(load.DirSource(self.root))
        self.server: Process | None = None
        self.clients: list[Process] = []
        self.runs = 0
        self.link = Link()

    def close(self) -> None:
        try:
            for proc in [*self.clients, self.server]:
                if proc is not None:
                    proc.stop()
        finally:
            self.link.close()

    # --- what the inventory says -------------------------------------------------------

    def expected(self, network: str, mac: str) -> dict:
        """The address and options a client with this MAC on this network must get."""
        net = self.inv.networks[network]
        want = {"domain": net.domain,
                "router": str(net.gateway4) if net.gateway4 else None,
                "dns": " ".join(str(a) for a in net.dns_servers if a.version == 4) or None,
                "ipv4": None, "ipv6": None, "fqdn": None}
        for host in self.inv.active_hosts():
            for fqdn, iface, is_alias in self.inv.dns_names(host):
                if not is_alias and iface.network == network and iface.mac_str == mac:
                    want.update(ipv4=iface.ipv4 and str(iface.ipv4),
                                ipv6=iface.ipv6 and str(iface.ipv6), fqdn=fqdn)
        return want

    # --- servers ------------------------------------------------------------------------

    def serve(self, server: str, network: str) -> None:
        """Start `server` on the server end, which gets the network's gateway addresses."""
        self.stop_server()
        net = self.inv.networks[network]
        addrs = []
        if net.ipv4 is not None:
            addrs.append(f"{net.gateway4}/{net.ipv4.prefixlen}")
        if net.ipv6 is not None:
            addrs.append(f"{net.gateway6}/{net.ipv6.prefixlen}")
        self.link.serve_on(addrs)
        self.runs += 1
        run = self.tmp / f"{server}-{self.runs}"
        run.mkdir()
        iface = Link.SERVER_IF
        env = None
        if server in ("dhcpd", "dhcpd6"):
            family, conf = ("-4", "dhcpd.conf") if server == "dhcpd" else ("-6", "dhcpd6.conf")
            (run / "leases").touch()
            args = [self.tools["dhcpd"], family, "-f", "-d", "-cf", self.out / conf,
                    "-lf", run / "leases", "-pf", run / "dhcpd.pid", iface]
            ready = "Server starting service."
        else:
            family = server[-1]
            conf = json.loads((self.out / f"kea-dhcp{family}.conf").read_text())
            root = conf[f"Dhcp{family}"]
            assert root["interfaces-config"]["interfaces"] == [iface]  # from cinv.yaml
            root["lease-database"]["name"] = str(run / f"leases{family}.csv")
            if family == "6":
                root["server-id"] = {"type": "LLT", "persist": False}
                # cinv fills in the subnet's interface when cinv.yaml names exactly one.
                assert all(subnet["interface"] == iface for subnet in root["subnet6"])
            (run / "kea.conf").write_text(json.dumps(conf, indent=2))
            env = {"KEA_PIDFILE_DIR": str(run), "KEA_LOCKFILE_DIR": str(run),
                   "KEA_LOG_FILE_DIR": str(run)}
            args = [self.tools[f"kea-dhcp{family}"], "-c", run / "kea.conf"]
            ready = f"DHCP{family}_STARTED"
        self.server = Process(server, args, run / "server.log", env=env, netns=self.link.server)
        wait_for(lambda: ready in self.server.log_text(), 30, f"{server} to start", self.server)

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    # --- clients ------------------------------------------------------------------------

    def lease4(self, mac: str, hostname: str | None = None) -> dict:
        """busybox udhcpc with this MAC (sending this host name, option 12): what its script
        was told when bound."""
        self.link.client_mac(mac)
        self.runs += 1
        run = self.tmp / f"udhcpc-{self.runs}"
        run.mkdir()
        result = run / "bound"
        script = run / "script.sh"
        script.write_text("#!/bin/sh\n"
                          f'[ "$1" = bound ] || exit 0\n'
                          f'printf "%s\\n" "ipv4=$ip" "router=$router" "domain=$domain" '
                          f'"dns=$dns" "hostname=$hostname" "serverid=$serverid" > {result}.tmp\n'
                          f"mv {result}.tmp {result}\n")
        script.chmod(0o755)
        client = self._client("udhcpc", [self.tools["busybox"], "udhcpc", "-i", Link.CLIENT_IF,
                                         "-n", "-q", "-f", "-t", "5", "-T", "2", "-s", script,
                                         *(["-x", f"hostname:{hostname}"] if hostname else [])],
                              run)
        wait_for(lambda: result.exists() or client.popen.poll() is not None, DHCP_TIMEOUT,
                 "udhcpc to get a lease", step=0.05)
        return self._result(client, result)

    def lease6(self, mac: str, duid: str = "LLT") -> dict:
        """ISC dhclient -6 with this MAC (and the DUID it makes from it: -D LLT or LL): what
        its script was told when bound."""
        self.link.client_mac(mac)
        self.runs += 1
        run = self.tmp / f"dhclient-{self.runs}"
        run.mkdir()
        result = run / "bound"
        script = run / "script.sh"
        script.write_text("#!/bin/sh\n"
                          '[ "$reason" = BOUND6 ] || exit 0\n'
                          'printf "%s\\n" "ipv6=$new_ip6_address" '
                          f'"domain=$new_dhcp6_domain_search" > {result}.tmp\n'
                          f"mv {result}.tmp {result}\n")
        script.chmod(0o755)
        (run / "dhclient.conf").write_text(
            f"timeout {DHCP_TIMEOUT - 5};\nrequest dhcp6.name-servers, dhcp6.domain-search;\n")
        (run / "leases").touch()
        client = self._client("dhclient", [
            self.tools["dhclient"], "-6", "-1", "-d", "-v", "-D", duid,
            "-cf", run / "dhclient.conf",
            "-lf", run / "leases", "-pf", run / "dhclient.pid", "-sf", script, Link.CLIENT_IF],
            run)
        wait_for(lambda: result.exists() or client.popen.poll() is not None, DHCP_TIMEOUT,
                 "dhclient -6 to get a lease", step=0.05)
        return self._result(client, result)

    def _client(self, name: str, args: list, run: Path) -> Process:
        client = Process(name, args, run / "client.log", netns=self.link.client)
        self.clients.append(client)
        return client

    def _result(self, client: Process, result: Path) -> dict:
        client.stop()
        self.clients.remove(client)
        if not result.exists():
            server_log = self.server.log_text() if self.server is not None else ""
            pytest.fail(f"{client.name} got no lease (exit {client.popen.returncode}):\n"
                        f"{client.log_text()}\n--- server log:\n{server_log}")
        pairs = (line.split("=", 1) for line in result.read_text().splitlines())
        return {k: v.strip() or None for k, v in pairs}


@pytest.fixture
def lab(tmp_path):
    lab = None
    try:
        lab = Lab(tmp_path)
        yield lab
    finally:
        if lab is not None:
            lab.close()


# Who asks, on which network: a host, a MAC a retired host once had (ns1 has it now), a host's
# second interface on the /26, and a MAC in no inventory (gets a pool address where there is one).
CLIENTS = [("prod", "52:54:00:00:00:01"), ("prod", "52:54:00:00:00:07"),
           ("prod", UNKNOWN_MAC), ("mgmt", "0c:c4:7a:20:00:01")]


@pytest.mark.parametrize("server", ["dhcpd", "kea-dhcp4"])
def test_dhcpv4_clients_get_the_inventory_address(lab, server):
    served = {}
    for network in dict.fromkeys(n for n, _mac in CLIENTS):
        lab.serve(server, network)
        net = lab.inv.networks[network]
        for mac in (m for n, m in CLIENTS if n == network):
            want = lab.expected(network, mac)
            got = lab.lease4(mac)
            if want["ipv4"] is None:  # unknown to the inventory: an address from the pool
                first, last = net.dhcp_pool
                assert first <= int(ipaddress.ip_address(got["ipv4"])) <= last, got
                continue
            assert got["ipv4"] == want["ipv4"], (mac, got)
            assert got["serverid"] == str(net.gateway4)
            assert got["router"] == want["router"]
            assert got["domain"] == want["domain"]
            assert got["dns"] == want["dns"]
            assert got["hostname"] == want["fqdn"]
            served[mac] = got["ipv4"]
        lab.stop_server()
    assert served == {"52:54:00:00:00:01": "192.0.2.20", "52:54:00:00:00:07": "192.0.2.53",
                      "0c:c4:7a:20:00:01": "198.51.100.11"}


@pytest.mark.parametrize("server", ["dhcpd6", "kea-dhcp6"])
def test_dhcpv6_clients_get_the_inventory_address(lab, server):
    lab.serve(server, "prod")
    served = []
    for mac in ("52:54:00:00:00:01", "52:54:00:00:00:07"):
        want = lab.expected("prod", mac)
        got = lab.lease6(mac)
        assert got["ipv6"] == want["ipv6"], (mac, got)
        assert got["domain"] == want["domain"] + "."  # dhclient shows the search list's FQDN
        served.append(got["ipv6"])
    assert served == ["2001:db8:0:1::20", "2001:db8:0:1::53"]


def test_namespaces_and_processes_are_gone(tmp_path):
    """After a lab closes, nothing of it is left: its namespaces and their processes."""
    import subprocess
    lab = Lab(tmp_path)
    try:
        lab.serve("dhcpd", "prod")
        server = lab.server
        names = (lab.link.server, lab.link.client)
    finally:
        lab.close()
    assert server.popen.poll() is not None
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             timeout=10).stdout
    assert not any(name in listing.split() for name in names), listing


def test_without_root_a_dev_machine_skips_and_ci_fails(monkeypatch):
    import serving
    monkeypatch.setattr(serving.os, "geteuid", lambda: 1000)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        serving.require_root()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        serving.require_root()
