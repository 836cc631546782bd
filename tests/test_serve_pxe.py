"""Netboot served for real: dhcpd, kea-dhcp4 and dnsmasq run the files cinv renders in a network
namespace of the test's own (tests/serving.py), and a client in another namespace asks with a
host's MAC and a client architecture (option 93, as PXE firmware sends it).

The example inventory's prod network gets the README's PXE settings (next_server and
provisioning boot files). While web1 is `provisioning`, the server answers it with the next
server and the BIOS or UEFI file its architecture asks for; web2 (active) gets neither; after
`cinv host state web1 active` and a new render, web1 gets neither too. Nothing leaves the two
namespaces. Needs root: skipped on a dev machine without it, a failure under CI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from checkers import require
from conftest import invoke
from serving import Link, Process, require_root, wait_for

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
WEB1, WEB2 = "52:54:00:00:00:01", "52:54:00:00:00:02"
BIOS, UEFI = "00:00", "00:07"  # option 93: x86 BIOS, x64 UEFI
PXE = """dhcp:
  next_server: 192.0.2.5
  provisioning: {bios: undionly.kpxe, uefi: ipxe.efi}
"""
TIMEOUT = 30


class PxeLab:
    def __init__(self, tmp: Path, pxe: str = PXE):
        require_root()
        self.tools = {t: require(t) for t in ("dhcpd", "kea-dhcp4", "dnsmasq", "busybox")}
        self.tmp, self.runs = tmp, 0
        self.root = tmp / "inv"
        shutil.copytree(EXAMPLE, self.root, ignore=shutil.ignore_patterns(".cinv", "build"))
        with open(self.root / "cinv.yaml", "a") as f:
            f.write(f"kea:\n  interfaces: [{Link.SERVER_IF}]\n")
        with open(self.root / "networks" / "prod.yaml", "a") as f:
            f.write(pxe)
        rec = self.root / "hosts" / "vms" / "web1.prod.example.com.yaml"
        rec.write_text(rec.read_text().replace("state: active", "state: provisioning"))
        self.out = tmp / "out"
        self.server: Process | None = None
        self.link = Link()
        self.link.serve_on(["192.0.2.1/24"])

    def render(self) -> None:
        r = invoke("-C", self.root, "render", "dhcpd", "kea", "dnsmasq", "--out", self.out)
        assert r.code == 0, r

    def serve(self, server: str) -> None:
        self.stop()
        self.runs += 1
        run = self.tmp / f"{server}-{self.runs}"
        run.mkdir()
        env, iface = None, Link.SERVER_IF
        if server == "dhcpd":
            (run / "leases").touch()
            args = [self.tools["dhcpd"], "-4", "-f", "-d", "-cf", self.out / "dhcpd.conf",
                    "-lf", run / "leases", "-pf", run / "pid", iface]
            ready = "Server starting service."
        elif server == "kea-dhcp4":
            conf = json.loads((self.out / "kea-dhcp4.conf").read_text())
            conf["Dhcp4"]["lease-database"]["name"] = str(run / "leases4.csv")
            (run / "kea.conf").write_text(json.dumps(conf))
            env = {k: str(run) for k in ("KEA_PIDFILE_DIR", "KEA_LOCKFILE_DIR",
                                         "KEA_LOG_FILE_DIR")}
            args = [self.tools["kea-dhcp4"], "-c", run / "kea.conf"]
            ready = "DHCP4_STARTED"
        else:  # dnsmasq: cinv's file as its configuration, DNS off, this interface only
            args = [self.tools["dnsmasq"], "-d", "-C", self.out / "dnsmasq" / "cinv.conf",
                    "--port=0", f"--interface={iface}", "--bind-interfaces",
                    f"--dhcp-leasefile={run / 'leases'}", f"--pid-file={run / 'pid'}"]
            ready = "DHCP, IP range"
        self.server = Process(server, args, run / "server.log", env=env, netns=self.link.server)
        wait_for(lambda: ready in self.server.log_text(), 30, f"{server} to start", self.server)

    def ask(self, mac: str, arch: str, user_class: str | None = None,
            vendor_class: str | None = None) -> dict:
        """busybox udhcpc with this MAC, option 93 and perhaps a user class (option 77, as
        iPXE sends it: the bytes of the name) and a vendor class (option 60, as UEFI HTTP
        boot firmware sends "HTTPClient:Arch:00016:UNDI:003001"): what it was told, with
        the answer's vendor class (udhcpc's $vendor) when the server sent one."""
        self.link.client_mac(mac)
        self.runs += 1
        run = self.tmp / f"client-{self.runs}"
        run.mkdir()
        result = run / "bound"
        script = run / "script.sh"
        script.write_text('#!/bin/sh\n[ "$1" = bound ] || exit 0\n'
                          'printf "%s\\n" "ip=$ip" "siaddr=$siaddr" "boot_file=$boot_file" '
                          f'"bootfile=$bootfile" "vendor=$vendor" > {result}.tmp\n'
                          f'mv {result}.tmp {result}\n')
        script.chmod(0o755)
        extra = []
        if user_class:
            extra += ["-x", f"0x4d:{user_class.encode().hex()}"]
        if vendor_class:
            extra += ["-V", vendor_class]
        client = Process("udhcpc", [self.tools["busybox"], "udhcpc", "-i", Link.CLIENT_IF,
                                    "-n", "-q", "-f", "-t", "5", "-T", "2", "-O", "60",
                                    "-x", f"0x5d:{arch.replace(':', '')}", *extra,
                                    "-s", script],
                         run / "client.log", netns=self.link.client)
        wait_for(lambda: result.exists() or client.popen.poll() is not None, TIMEOUT,
                 "udhcpc to get a lease", step=0.05)
        client.stop()
        if not result.exists():
            pytest.fail(f"no lease:\n{client.log_text()}\n--- server:\n"
                        f"{self.server.log_text() if self.server else ''}")
        got = dict(line.split("=", 1) for line in result.read_text().splitlines())
        file = got["boot_file"] or got["bootfile"] or None  # the file field, or option 67
        server = got["siaddr"] if got["siaddr"] not in ("", "0.0.0.0") else None
        out = {"ip": got["ip"], "next_server": server, "filename": file}
        if got["vendor"]:
            out["vendor_class"] = got["vendor"]
        return out

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.link.close()


@pytest.fixture
def lab(tmp_path):
    lab = None
    try:
        lab = PxeLab(tmp_path)
        yield lab
    finally:
        if lab is not None:
            lab.close()


CHAIN = """dhcp:
  next_server: 192.0.2.5
  provisioning: {bios: undionly.kpxe, uefi: ipxe.efi, ipxe: 'http://192.0.2.5/boot.ipxe',
                 uefi_http: 'http://192.0.2.5/ipxe.efi'}
"""
HTTP = "00:10"  # option 93: x64 UEFI HTTP boot
HTTP_VENDOR = "HTTPClient:Arch:00016:UNDI:003001"  # what the firmware sends in option 60


@pytest.fixture
def chain(tmp_path):
    lab = None
    try:
        lab = PxeLab(tmp_path, CHAIN)
        yield lab
    finally:
        if lab is not None:
            lab.close()


@pytest.mark.parametrize("server", ["dhcpd", "kea-dhcp4", "dnsmasq"])
def test_a_provisioning_host_netboots_and_an_active_one_boots_from_disk(lab, server):
    lab.render()
    lab.serve(server)
    assert lab.ask(WEB1, UEFI) == {"ip": "192.0.2.20", "next_server": "192.0.2.5",
                                   "filename": "ipxe.efi"}
    assert lab.ask(WEB1, BIOS) == {"ip": "192.0.2.20", "next_server": "192.0.2.5",
                                   "filename": "undionly.kpxe"}
    # no boot file; dnsmasq always names itself as the next server, the others name none
    itself = "192.0.2.1" if server == "dnsmasq" else None
    assert lab.ask(WEB2, UEFI) == {"ip": "192.0.2.21", "next_server": itself, "filename": None}
    r = invoke("-C", lab.root, "host", "state", "web1", "active")
    assert r.code == 0, r
    lab.render()
    lab.serve(server)
    assert lab.ask(WEB1, UEFI) == {"ip": "192.0.2.20", "next_server": itself, "filename": None}


@pytest.mark.parametrize("server", ["dhcpd", "kea-dhcp4", "dnsmasq"])
def test_ipxe_chainloads_uefi_http_boots_and_a_hosts_own_file_waits_for_provisioning(
        chain, server):
    """Issue 23 item 9. A PXE ROM gets undionly.kpxe; the iPXE it starts asks again with its
    user class and gets the script (no loop); UEFI HTTP boot gets the URL, with "HTTPClient"
    in the answer's vendor class; plain UEFI PXE still ipxe.efi. A host's own boot file
    (web2's dhcp.provisioning) is served only while it is provisioning."""
    r = invoke("-C", chain.root, "host", "set", "web2",
               "interfaces.eth0.dhcp.provisioning=http://192.0.2.5/web2.ipxe")
    assert r.code == 0, r
    chain.render()
    chain.serve(server)
    ipxe, url = "http://192.0.2.5/boot.ipxe", "http://192.0.2.5/ipxe.efi"
    assert chain.ask(WEB1, BIOS)["filename"] == "undionly.kpxe"
    assert chain.ask(WEB1, BIOS, user_class="iPXE")["filename"] == ipxe
    assert chain.ask(WEB1, UEFI, user_class="iPXE")["filename"] == ipxe
    got = chain.ask(WEB1, HTTP, vendor_class=HTTP_VENDOR)
    assert (got["ip"], got["filename"], got.get("vendor_class")) == (
        "192.0.2.20", url, "HTTPClient"), got
    got = chain.ask(WEB1, UEFI)
    assert (got["filename"], got.get("vendor_class")) == ("ipxe.efi", None), got
    # web2 is active: neither the network's files nor its own
    for kind in ({}, {"user_class": "iPXE"}):
        assert chain.ask(WEB2, BIOS, **kind)["filename"] is None
    r = invoke("-C", chain.root, "host", "state", "web2", "provisioning")
    assert r.code == 0, r
    chain.render()
    chain.serve(server)
    for kind in ({}, {"user_class": "iPXE"}):
        got = chain.ask(WEB2, BIOS, **kind)
        assert (got["ip"], got["filename"]) == ("192.0.2.21", "http://192.0.2.5/web2.ipxe")
