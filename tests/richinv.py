"""A rich inventory for comparing renders: every feature the built-in targets draw, many times.

Networks: IPv4 and IPv6 with a pool, DHCP options, provisioning boot files, a server interface;
an IPv6-only /56 (its /64 ranges come from the hosts); a /26 (an RFC 2317 child zone); a /22 of
generated hosts. Hosts: hypervisors and VMs from bench/gen.py; multi-interface hosts with
aliases and extra names, interfaces without addresses or without a MAC, interfaces with other
MACs and DUIDs (a DUID-only one too), own DHCP options, boot
files, provisioning, retired and planned ones, descriptions with markup characters and non-ASCII
text, tags that differ in case, vars; the real libvirt domains of tests/corpus/libvirt imported
(kept XML, firmware, loaders, disks of every kind). zones/: records that restate a host's with a
TTL, a delegation, a reverse zone below a network's own. Ansible vars and group vars.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import BASE_FILES, git, invoke, write_files

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import gen  # noqa: E402

SETTINGS = """\
domain: example.com
mac_prefix: "52:54:00"
dns:
  ttl: 1800
  primary_ns: ns1.example.net.
  nameservers: [ns1.example.net., ns1.prod.example.com.]
kea:
  interfaces: [eth1]
ansible:
  host: ip
  vars: {ntp: [ntp1.example.com], quoted: "<&> \\"q\\" ü"}
  group_vars:
    tag_web: {http_port: 8080}
    Kind_Extra: {x: 1}
"""

PROD_DHCP = """\
description: Production <&> "net"
vlan: 10
dhcp:
  interface: eth1
  next_server: 192.0.2.5
  provisioning: {bios: undionly.kpxe, uefi: ipxe.efi}
  options:
    ntp-servers: [192.0.2.7]
    domain-search: [prod.example.com, example.com]
    dhcp6.name-servers: ["2001:db8:0:1::53"]
"""

V6ONLY = """\
domain: six.example.com
ipv6: 2001:db8:100::/56
gateway6: 2001:db8:100::1
"""

TINY = """\
domain: tiny.example.com
ipv4: 203.0.113.64/26
gateway4: 203.0.113.65
dhcp:
  next_server: 203.0.113.66
  provisioning: {uefi: snponly.efi, ipxe: 'http://203.0.113.66/boot.ipxe',
                 uefi_http: 'http://203.0.113.66/ipxe.efi'}
"""

ZONE_PROD = """\
ttl: 600
records:
  "@": [{type: MX, value: "10 mail"}, {type: TXT, value: "v=spf1 mx -all"}]
  www2: [{type: CNAME, value: web1}]
  web1: [{type: A, value: 192.0.2.11, ttl: 60}]
  lab: [{type: NS, value: ns1.lab}]
  ns1.lab: [{type: A, value: 192.0.2.99}]
"""

ZONE_REVERSE = """\
records:
  "99": [{type: PTR, value: ns1.lab.prod.example.com.}]
"""


def host(kind: str, ifaces: list[str], state: str = "active", extra: str = "") -> str:
    return f"kind: {kind}\nstate: {state}\n{extra}interfaces:\n" + "".join(ifaces)


def iface(name: str, mac: str | None, network: str | None, v4: str | None = None,
          v6: str | None = None, more: str = "") -> str:
    out = f"  - name: {name}\n"
    if mac:
        out += f"    mac: '{mac}'\n"
    if network:
        out += f"    network: {network}\n"
    if v4:
        out += f"    ipv4: {v4}\n"
    if v6:
        out += f"    ipv6: {v6}\n"
    return out + more


def hand_made() -> dict[str, str]:
    files = dict(BASE_FILES)
    files["cinv.yaml"] = SETTINGS
    files["networks/prod.yaml"] += PROD_DHCP
    files["networks/six.yaml"] = V6ONLY
    files["networks/tiny.yaml"] = TINY
    files["zones/prod.example.com.yaml"] = ZONE_PROD
    files["zones/99.2.0.192.in-addr.arpa.yaml"] = ZONE_REVERSE
    files["hosts/ns1.prod.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:01:01", "prod", "192.0.2.53", "2001:db8:0:1::53")])
    files["hosts/multi.prod.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:02:01", "prod", "192.0.2.20", "2001:db8:0:1::20",
              "    aliases: [mail, smtp.example.com]\n    names: [shop, imap.prod.example.com]\n"
              "    dhcp:\n      options: {host-name: multi-web, ntp-servers: [192.0.2.8]}\n"),
        iface("bmc", "00:25:90:00:02:02", "mgmt", "198.51.100.20"),
        iface("six", "00:25:90:00:02:03", "six", None, "2001:db8:100:5::20"),
        iface("tiny", "00:25:90:00:02:04", "tiny", "203.0.113.70"),
        iface("nomac", None, "prod", "192.0.2.21"),
        iface("noaddr", "00:25:90:00:02:05", "prod"),
    ], extra="description: \"Multi <b>&amp;</b> 'host' – ünïcode\"\ntags: [web, Web, db]\n"
             "location: dc1/r1\nvars: {role: \"a&b\", list: [1, 2]}\n"
             "hardware:\n  cpus: 4\n  memory: 8GiB\n  disks:\n    - size: 1TiB\n"
             "  vendor: ACME <x>\n  serial: SN&1\n")
    files["hosts/boot.prod.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:03:01", "prod", "192.0.2.30", None,
              "    dhcp:\n      filename: rescue.efi\n      next_server: 192.0.2.6\n")],
        state="provisioning")
    files["hosts/prov.prod.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:03:02", "prod", "192.0.2.31")], state="provisioning")
    files["hosts/own.prod.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:03:06", "prod", "192.0.2.33", None,
              "    dhcp:\n      provisioning: 'http://192.0.2.5/own.ipxe'\n")],
        state="provisioning")
    files["hosts/web1.tiny.example.com.yaml"] = host("physical", [  # web1's short name twice
        iface("eth0", "00:25:90:00:03:08", "tiny", "203.0.113.72")])
    files["hosts/prov.tiny.example.com.yaml"] = host("physical", [
        iface("eth0", "00:25:90:00:03:07", "tiny", "203.0.113.71")], state="provisioning")
    files["hosts/pool.prod.example.com.yaml"] = host("virtual", [
        iface("eth0", "52:54:00:00:03:03", "prod", "192.0.2.210")],
        extra="parent: hv1.example.com\n")
    files["hosts/old.prod.example.com.yaml"] = host("virtual", [
        iface("eth0", "52:54:00:00:03:04", "prod", "192.0.2.32")], state="retired",
        extra="parent: hv1.example.com\n")
    files["hosts/plan.six.example.com.yaml"] = host("virtual", [
        iface("eth0", "52:54:00:00:03:05", "six", None, "2001:db8:100:9::5")], state="planned",
        extra="description: ''\nhardware:\n  disks:\n    - size: 10GiB\n    - size: 20GiB\n")
    files["hosts/laptop.prod.example.com.yaml"] = host("physical", [  # wired, wireless, dock
        iface("eth0", "00:25:90:00:04:01", "prod", "192.0.2.40", "2001:db8:0:1::40",
              "    other_macs: ['00:25:90:00:04:02', '00:25:90:00:04:03']\n"
              "    duid: '00:01:00:01:2a:3b:4c:5d:00:25:90:00:04:01'\n"
              "    dhcp:\n      options: {ntp-servers: [192.0.2.9]}\n"),
        iface("v6", None, "six", None, "2001:db8:100:6::40",
              "    duid: '00:04:7f:1c:0a:6b:2e:5d:4e:90:a4:b5:c6:d7:e8:f9:00:11'\n"
              "    dhcp:\n      options: {dhcp6.sntp-servers: ['2001:db8:100::123']}\n"),
        iface("known", "00:25:90:00:04:04", "prod", None, None,
              "    other_macs: ['00:25:90:00:04:05']\n"),
    ])
    files["hosts/web1.prod.example.com.yaml"] = files["hosts/web1.prod.example.com.yaml"].replace(
        "52:54:00:00:00:01", "52:54:00:aa:00:01")
    return files


def gitinit(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "rich")


def rich_inventory(root: Path, generated: int = 300) -> Path:
    """The rich inventory at root (a git repository, one commit)."""
    if generated:
        gen.generate(root, generated, use_git=False)
    write_files(root, hand_made())
    (root / ".gitignore").write_text("/build/\n/.cinv/\n")
    for net in (("default", "192.168.122.0/24", None), ("lan", "10.200.0.0/24", "br0"),
                ("lab", "10.201.0.0/24", "linhbr")):
        args = ["-C", root, "net", "add", net[0], "--ipv4", net[1], "--no-commit"]
        r = invoke(*args, *(["--bridge", net[2]] if net[2] else []))
        assert r.code == 0, r
    from test_import_libvirt import NOT_WHOLE  # templates with placeholders: refused
    corpus = sorted(p for p in (REPO / "tests" / "corpus" / "libvirt").glob("*.xml")
                    if p.name not in NOT_WHOLE)
    r = invoke("-C", root, "import", "libvirt", *corpus, "--no-commit")
    assert r.code == 0, r
    gitinit(root)
    return root
