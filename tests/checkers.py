"""The real servers' own checkers, run on rendered files, and inventories to feed them.

`require(tool)` gives the tool's path; without it a developer machine skips the test and CI
(env CI=true) fails it. Each `check_*` runs one checker over an output dir and fails the test
with the checker's own output when it refuses a file.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VENV_BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
EXTRA_PATH = ["/usr/sbin", "/sbin", "/usr/bin"]


def require(tool: str) -> str:
    """The path of a checker; pytest.skip on a dev machine, pytest.fail under CI=true."""
    import sys
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""),
                              *EXTRA_PATH])
    path = shutil.which(tool, path=search)
    if path:
        return path
    message = f"checker {tool} is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


def run(args: list, what: str, env: dict | None = None, ok=(0,)) -> str:
    """The checker's stdout (its data; what it says on stderr, such as a library's deprecation
    warning, is never parsed); the test fails with both when it refuses."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    if proc.returncode not in ok:
        output = (proc.stdout + proc.stderr).strip()
        pytest.fail(f"{what}: {' '.join(map(str, args))} exited {proc.returncode}:\n{output}")
    return proc.stdout.strip()


# --- one function per checker --------------------------------------------------------------

def check_dhcpd(out: Path) -> None:
    dhcpd = require("dhcpd")
    run([dhcpd, "-4", "-t", "-q", "-cf", out / "dhcpd.conf", "-lf", "/dev/null"], "dhcpd -t")
    run([dhcpd, "-6", "-t", "-q", "-cf", out / "dhcpd6.conf", "-lf", "/dev/null"], "dhcpd -6 -t")


def check_kea(out: Path, tmp: Path) -> None:
    env = {"KEA_PIDFILE_DIR": str(tmp), "KEA_LOCKFILE_DIR": str(tmp),
           "KEA_LOG_FILE_DIR": str(tmp)}
    for family in ("4", "6"):
        kea = require(f"kea-dhcp{family}")
        run([kea, "-t", out / f"kea-dhcp{family}.conf"], f"kea-dhcp{family} -t", env)


def zone_files(out: Path) -> dict[str, Path]:
    """{zone name: file} from named.conf.zones."""
    text = (out / "dns" / "named.conf.zones").read_text()
    pairs = re.findall(r'zone "([^"]+)" \{\s*type primary;\s*file "([^"]+)";', text)
    assert pairs, "named.conf.zones holds no zone"
    return {zone: out / "dns" / f for zone, f in pairs}


def check_zones(out: Path, tmp: Path) -> dict[str, Path]:
    checkzone = require("named-checkzone")
    zones = zone_files(out)
    for zone, path in zones.items():
        run([checkzone, "-i", "local", "-k", "fail", "-n", "fail", zone, path],
            f"named-checkzone {zone}")
    checkconf = require("named-checkconf")
    conf = tmp / "named.conf"
    conf.write_text(f'options {{ directory "{out / "dns"}"; }};\n'
                    f'include "{out / "dns" / "named.conf.zones"}";\n')
    run([checkconf, "-z", conf], "named-checkconf -z")
    return zones


def check_libvirt(out: Path) -> list[Path]:
    validate = require("virt-xml-validate")
    virsh = require("virsh")
    domains = sorted((out / "libvirt").glob("*.xml")) if (out / "libvirt").is_dir() else []
    import xml.etree.ElementTree as ET
    for path in domains:
        run([validate, path, "domain"], "virt-xml-validate")
        name = ET.parse(path).getroot().findtext("name")  # the domain's, not always the FQDN
        run([virsh, "-q", "-c", "test:///default",
             f"define --validate {path}; undefine {name}"], "virsh define --validate")
    return domains


def check_dnsmasq(out: Path) -> None:
    dnsmasq = require("dnsmasq")
    run([dnsmasq, "--test", "-C", out / "dnsmasq" / "cinv.conf"], "dnsmasq --test")


def check_ansible(out: Path, tmp: Path) -> dict:
    import json
    tool = require("ansible-inventory")
    env = {"ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"), "ANSIBLE_HOME": str(tmp / "ansible"),
           "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true", "ANSIBLE_NOCOLOR": "1"}
    text = run([tool, "-i", out / "ansible" / "inventory.yaml", "--list"], "ansible-inventory",
               env)
    return json.loads(text)


def check_all(out: Path, tmp: Path) -> None:
    check_dhcpd(out)
    check_kea(out, tmp)
    check_zones(out, tmp)
    check_libvirt(out)
    check_dnsmasq(out)
    check_ansible(out, tmp)


# --- generated inventories -----------------------------------------------------------------

NETWORKS = {
    # /22 (four reverse /24 zones), pool, v4 + v6 /64
    "wide": """domain: wide.example.net
ipv4: 10.1.0.0/22
gateway4: 10.1.0.1
ipv6: 2001:db8:a::/64
gateway6: 2001:db8:a::1
dhcp_pool: 10.1.3.200-10.1.3.250
dns_servers: [10.1.0.53, 2001:db8:a::53]
bridge: br-wide
vlan: 11
""",
    # /26 (RFC 2317), v6 /62 (not on a nibble: four /64 zones), no bridge
    "small": """domain: small.example.net
ipv4: 10.2.0.64/26
gateway4: 10.2.0.65
ipv6: 2001:db8:b:4::/62
dns_servers: [10.2.0.66]
""",
    # /29 (RFC 2317, sharing the parent /24 with "small"), the default domain
    "tiny": """domain: example.net
ipv4: 10.2.0.8/29
gateway4: 10.2.0.9
bridge: br-tiny
""",
    # IPv6 only, /64, a sub-domain of another zone
    "six": """domain: v6.wide.example.net
ipv6: 2001:db8:f::/64
gateway6: 2001:db8:f::1
bridge: br-six
""",
}


def _iface(name, net, mac, ipv4=None, ipv6=None, aliases=()):
    lines = [f"  - name: {name}", f"    network: {net}"]
    if mac is not None:
        lines.append(f"    mac: '{mac}'")
    if ipv4:
        lines.append(f"    ipv4: {ipv4}")
    if ipv6:
        lines.append(f"    ipv6: {ipv6}")
    if aliases:
        lines.append(f"    aliases: [{', '.join(aliases)}]")
    return "\n".join(lines)


def generated_files(hosts: int = 24) -> dict[str, str]:
    """A varied inventory: several networks (/22, /26, /29, /62, /64, v6-only), hosts with
    several interfaces and aliases, a retired VM, names starting with digits, descriptions with
    characters every output format must escape."""
    files = {
        "cinv.yaml": """domain: example.net
dns:
  ttl: 600
  primary_ns: ns1.example.net.
  hostmaster: hostmaster@example.net
  nameservers: [ns1.example.net., ns.elsewhere.org.]
libvirt:
  image_dir: /srv/images
kea:
  interfaces: ["*"]
""",
        "hosts/ns1.example.net.yaml": "kind: physical\nstate: active\ninterfaces:\n"
        + _iface("eth0", "tiny", "00:16:3e:00:00:01", "10.2.0.10") + "\n",
    }
    files.update({f"networks/{n}.yaml": text for n, text in NETWORKS.items()})
    for n in range(hosts):
        mac = f"52:54:00:10:{n >> 8:02x}:{n & 255:02x}"
        name = f"{n}vm.wide.example.net" if n % 7 == 3 else f"vm{n:03d}.wide.example.net"
        ifaces = [_iface("eth0", "wide", mac, f"10.1.{n // 200}.{10 + n % 200}",
                         f"2001:db8:a::{n + 100:x}",
                         aliases=([f"svc{n}"] if n % 3 == 0 else [])
                         + ([f"api{n}.example.net"] if n % 5 == 0 else []))]
        if n % 2 == 0:
            ifaces.append(_iface("eth1", "small", f"52:54:00:20:{n >> 8:02x}:{n & 255:02x}",
                                 f"10.2.0.{70 + n}", f"2001:db8:b:{4 + n % 4}::{n + 10:x}"))
        if n % 4 == 0:
            ifaces.append(_iface("data", "six", f"52:54:00:30:{n >> 8:02x}:{n & 255:02x}",
                                 None, f"2001:db8:f::{n + 10:x}"))
        disks = "\n".join(f"    - size: {10 * (d + 1)}GiB" for d in range(1 + n % 3))
        memory = "" if n % 6 == 5 else f"  memory: {1 + n % 4}GiB\n"
        state = "retired" if n == hosts - 1 else "active"
        files[f"hosts/vms/{name}.yaml"] = (
            f"kind: virtual\nstate: {state}\n"
            f"description: 'VM {n} <a&b> \"quoted\"; {{braces}} # not a comment'\n"
            f"tags: [gen, group-{n % 3}]\n"
            f"hardware:\n  cpus: {1 + n % 4}\n{memory}  disks:\n{disks}\n"
            "interfaces:\n" + "\n".join(ifaces) + "\n")
    files["hosts/tiny1.example.net.yaml"] = "kind: physical\nstate: active\ninterfaces:\n" \
        + _iface("eth0", "tiny", "00:16:3e:00:00:02", "10.2.0.11", aliases=["gw-tiny"]) + "\n"
    return files


def write_inventory(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
