"""Boot and DHCP options (`dhcp:` on networks and interfaces): the option table, validation with
path:line, rendering into dhcpd, dhcpd6, Kea 4/6 and dnsmasq (each file through its own checker),
state-driven netboot that changes only the provisioning host's entries, and pools that leave
reserved addresses out."""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from checkers import check_dhcpd, check_dnsmasq, check_kea
from conftest import BASE_FILES, invoke, write_files

from cinv import check
from cinv.records import dhcpopts, load

WEB1 = "hosts/web1.prod.example.com.yaml"
PROD = "networks/prod.yaml"

SAMPLE = {  # a value of every type, as a record may write it
    "ip": "192.0.2.40", "ips": "192.0.2.41, 192.0.2.42", "ip6s": ["2001:db8:0:1::41"],
    "text": "/srv/boot/x_y-1.0+z", "fqdn": "boot.example.com",
    "fqdns": ["prod.example.com", "example.com"], "uint8": 8, "uint16": 1400,
    "uint32": 86400, "int32": -3600, "bool": True,
}


def problems(files: dict, tmp_path: Path) -> list[str]:
    root = write_files(tmp_path / "inv", files)
    return [p.text() for p in check.run(load.load_inventory(load.DirSource(root)))]


def render(files: dict, tmp_path: Path, name: str = "out") -> Path:
    root = write_files(tmp_path / f"inv-{name}", files)
    out = tmp_path / name
    r = invoke("-C", root, "render", "dhcpd", "kea", "dnsmasq", "--out", out)
    assert r.code == 0, r
    return out


def with_dhcp(network_dhcp: str = "", iface_dhcp: str = "", state: str = "active") -> dict:
    files = dict(BASE_FILES)
    files[PROD] += network_dhcp
    files[WEB1] = files[WEB1].replace("state: active", f"state: {state}") + iface_dhcp
    return files


def yaml_options(indent: str) -> str:
    """Every option of the table with a sample value, one `name: value` line each."""
    return "".join(f"{indent}{name}: {json.dumps(SAMPLE[opt.type])}\n"
                   for name, opt in sorted(dhcpopts.OPTIONS.items()))


# --- the table ----------------------------------------------------------------------------

def test_every_option_has_names_in_all_three_servers_and_a_known_type():
    assert len(dhcpopts.OPTIONS) >= 40
    for name, opt in dhcpopts.OPTIONS.items():
        assert opt.type in SAMPLE, name
        assert name.startswith("dhcp6.") == (opt.family == 6)
        assert dhcpopts.lookup(opt.kea if opt.family == 4 else f"dhcp6.{opt.kea}") is opt
        if not opt.dnsmasq.isdigit():  # dnsmasq knows a few options by number only
            assert dhcpopts.lookup(opt.dnsmasq_key) is opt
    codes = [(o.family, o.code) for o in dhcpopts.OPTIONS.values()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("spelling, stored", [
    ("ntp-servers", "ntp-servers"), ("option:ntp-server", "ntp-servers"),
    ("ntp-server", "ntp-servers"), ("boot-file-name", "bootfile-name"),
    ("option:mtu", "interface-mtu"), ("dhcp6.dns-servers", "dhcp6.name-servers"),
    ("option6:dns-server", "dhcp6.name-servers"), ("NTP-Servers", "ntp-servers"),
])
def test_any_servers_name_is_stored_as_dhcpds(spelling, stored):
    assert dhcpopts.lookup(spelling).name == stored


def test_every_option_on_network_and_interface_passes_every_checker(tmp_path):
    """All options of the table at once, on a network and on an interface, v4 and v6."""
    net = "dhcp:\n  next_server: 192.0.2.5\n  filename: pxelinux.0\n  interface: lo\n" \
        "  options:\n" + yaml_options("    ")
    iface = "    dhcp:\n      next_server: 192.0.2.6\n      filename: grubx64.efi\n" \
        "      options:\n" + yaml_options("        ")
    files = with_dhcp(net, iface)
    assert problems(files, tmp_path) == []
    out = render(files, tmp_path)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    check_dnsmasq(out)
    dhcpd = (out / "dhcpd.conf").read_text() + (out / "dhcpd6.conf").read_text()
    kea = {f: json.loads((out / f"kea-dhcp{f}.conf").read_text())[f"Dhcp{f}"] for f in "46"}
    dnsmasq = (out / "dnsmasq" / "cinv.conf").read_text()
    for name, opt in dhcpopts.OPTIONS.items():
        value = dhcpopts.parse_value(opt, SAMPLE[opt.type])
        assert dhcpd.count(f"option {name} {dhcpopts.dhcpd(opt, value)};") == 2, name
        subnet = next(s for s in kea[str(opt.family)][f"subnet{opt.family}"]
                      if s["subnet"] in ("192.0.2.0/24", "2001:db8:0:1::/64"))
        assert {"name": opt.kea, "data": dhcpopts.kea(opt, value)} in subnet["option-data"]
        assert f"dhcp-option=tag:prod{'-v6' if opt.family == 6 else ''},{opt.dnsmasq_key}," \
            f"{dhcpopts.dnsmasq(opt, value)}\n" in dnsmasq, name
    assert 'host web1.prod.example.com-eth0 {\n  hardware ethernet 52:54:00:00:00:01;\n' \
        '  fixed-address 192.0.2.11;\n  option host-name "/srv/boot/x_y-1.0+z";\n' in dhcpd


@pytest.mark.parametrize("network_dhcp, line, message", [
    ("dhcp:\n  options:\n    ntp-server: 192.0.2.1\n    nttp-servers: 1.2.3.4\n", 13,
     "dhcp.options.nttp-servers: 'nttp-servers' is not a DHCP option cinv knows (did you mean "
     "'ntp-servers'?)"),
    ("dhcp:\n  options:\n    root-path: '/a b'\n", 12,
     "dhcp.options.root-path: '/a b' is not DHCP text"),
    ("dhcp:\n  options:\n    root-path: '/a\"b'\n", 12,
     "dhcp.options.root-path: '/a\"b' is not DHCP text"),
    ("dhcp:\n  options:\n    root-path: '/a,b'\n", 12,
     "dhcp.options.root-path: '/a,b' is not DHCP text"),
    ("dhcp:\n  options:\n    root-path: \"/a\\nb\"\n", 12,
     "dhcp.options.root-path: '/a\\nb' is not DHCP text"),
    ("dhcp:\n  options:\n    ntp-servers: [192.0.2.1, ntp.example.com]\n", 12,
     "dhcp.options.ntp-servers: 'ntp.example.com' is not an IPv4 address"),
    ("dhcp:\n  options:\n    interface-mtu: 70000\n", 12,
     "dhcp.options.interface-mtu: 70000 is not a whole number from 0 to 65535"),
    ("dhcp:\n  options:\n    ntp-servers: 1.2.3.4\n    option:ntp-server: 1.2.3.5\n", 13,
     "dhcp.options.option:ntp-server: option ntp-servers is given twice"),
    ("dhcp:\n  filename: 'a;b'\n", 11, "dhcp.filename: 'a;b' is not DHCP text"),
    ("dhcp:\n  next_server: tftp.example.com\n", 11,
     "dhcp.next_server: 'tftp.example.com' is not an IPv4 address"),
    ("dhcp:\n  provisioning: {bios: undionly.kpxe, uefi_http: ipxe.efi}\n", 11,
     "dhcp.provisioning.uefi_http: 'ipxe.efi' is not an http:// or https:// URL"),
    ("dhcp:\n  provisioning: {}\n", 11, "dhcp.provisioning: name at least one boot file"),
    ("dhcp:\n  provisioning: {ipxe: 'http://x/a b'}\n", 11,
     "dhcp.provisioning.ipxe: 'http://x/a b' is not DHCP text"),
    ("dhcp:\n  interface: 'eth0; rm'\n", 11, "dhcp.interface: 'eth0; rm' is not an interface"),
    ("dhcp:\n  next-server: 192.0.2.5\n", 11,
     "dhcp.next-server: unknown key (did you mean 'next_server'?)"),
])
def test_bad_dhcp_values_are_problems_with_their_line(tmp_path, network_dhcp, line, message):
    got = problems(with_dhcp(network_dhcp), tmp_path)
    assert len(got) == 1 and got[0].startswith(f"{PROD}:{line}: {message}"), got


def test_an_interface_names_one_own_boot_file_and_no_server_interface(tmp_path):
    iface = "    dhcp:\n      provisioning: {bios: a, uefi: b}\n      interface: eth1\n"
    got = problems(with_dhcp(iface_dhcp=iface), tmp_path)
    assert [g.split(": ", 1)[1] for g in got] == [
        "interfaces[0].dhcp.provisioning: expected one boot file name (this host's own, only "
        "while it is provisioning; a network's provisioning names files by client)",
        "interfaces[0].dhcp.interface: unknown key (allowed: next_server, filename, "
        "provisioning, options)"]


def test_options_are_stored_normalised(tmp_path):
    net = "dhcp:\n  options:\n    option:ntp-server: '192.0.2.1,192.0.2.2'\n    Boot-Size: '12'\n"
    inv = load.load_inventory(load.DirSource(write_files(tmp_path / "i", with_dhcp(net))))
    assert inv.networks["prod"].to_dict()["dhcp"] == {
        "options": {"boot-size": 12, "ntp-servers": ["192.0.2.1", "192.0.2.2"]}}


# --- state-driven netboot -----------------------------------------------------------------

PXE = ("dhcp:\n  next_server: 192.0.2.5\n"
       "  provisioning: {bios: undionly.kpxe, uefi: ipxe.efi}\n")


def changed_lines(a: Path, b: Path) -> dict[str, list[str]]:
    out = {}
    for rel in ("dhcpd.conf", "dhcpd6.conf", "kea-dhcp4.conf", "kea-dhcp6.conf",
                "dnsmasq/cinv.conf"):
        old, new = (a / rel).read_text().splitlines(), (b / rel).read_text().splitlines()
        out[rel] = [line for line in difflib.unified_diff(old, new, n=0, lineterm="")
                    if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return out


def test_provisioning_boots_by_architecture_and_changes_only_that_hosts_entries(tmp_path):
    active = render(with_dhcp(PXE), tmp_path, "active")
    prov = render(with_dhcp(PXE, state="provisioning"), tmp_path, "prov")
    for out in (active, prov):
        check_dhcpd(out)
        check_kea(out, tmp_path)
        check_dnsmasq(out)
    diff = changed_lines(active, prov)
    assert diff["dhcpd6.conf"] == [] and diff["kea-dhcp6.conf"] == []
    # next_server serves the provisioning files only: no subnet-wide next-server
    assert "next-server" not in (active / "dhcpd.conf").read_text()
    assert diff["dhcpd.conf"] == [
        "+  # provisioning: boot by the client's architecture (option 93)",
        "+  next-server 192.0.2.5;",
        f"+  if {dhcpopts.uefi_test_dhcpd()} {{",
        '+    filename "ipxe.efi";', "+  } else {", '+    filename "undionly.kpxe";', "+  }"]
    # inside web1's host block, right after its host-name
    text = (prov / "dhcpd.conf").read_text()
    start = text.index("host web1.prod.example.com-eth0 {")
    assert start < text.index("ipxe.efi") < text.index("\n}\n", start)
    kea = json.loads((prov / "kea-dhcp4.conf").read_text())["Dhcp4"]
    web1 = next(r for s in kea["subnet4"] for r in s["reservations"]
                if r["hw-address"] == "52:54:00:00:00:01")
    assert web1["client-classes"] == ["cinv-provisioning-prod"]
    assert [c["name"] for c in kea["client-classes"]] == [
        "cinv-provisioning-prod", "cinv-prod-uefi", "cinv-prod-bios"]  # also while active
    assert diff["kea-dhcp4.conf"] == ['+            "client-classes": [',
                                      '+              "cinv-provisioning-prod"', "+            ],"]
    tag = "cinv-web1.prod.example.com-eth0"
    assert diff["dnsmasq/cinv.conf"] == [
        "-dhcp-host=52:54:00:00:00:01,192.0.2.11,[2001:db8:0:1::11],web1",
        f"+dhcp-host=52:54:00:00:00:01,192.0.2.11,[2001:db8:0:1::11],web1,set:{tag}",
        f"+dhcp-boot=tag:{tag},tag:cinv-uefi,ipxe.efi,,192.0.2.5",
        f"+dhcp-boot=tag:{tag},tag:!cinv-uefi,undionly.kpxe,,192.0.2.5"]


def test_an_interfaces_own_filename_wins_over_provisioning(tmp_path):
    out = render(with_dhcp(PXE, "    dhcp: {filename: rescue.efi}\n", "provisioning"),
                 tmp_path)
    text = (out / "dhcpd.conf").read_text()
    assert 'filename "rescue.efi";' in text and "pxe-system-type" not in text


# --- pools and reservations inside them ---------------------------------------------------

def test_a_reservation_inside_the_pool_is_left_out_of_every_pool(tmp_path):
    files = dict(BASE_FILES)
    files[WEB1] = files[WEB1].replace("ipv4: 192.0.2.11", "ipv4: 192.0.2.210")
    assert problems(files, tmp_path) == [
        f"{WEB1}:11: warning: interfaces[0].ipv4: 192.0.2.210 lies in the DHCP pool of network "
        "prod; the rendered pools leave it out"]
    out = render(files, tmp_path)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    check_dnsmasq(out)
    assert re.findall(r"range (\S+) (\S+);", (out / "dhcpd.conf").read_text()) == [
        ("192.0.2.200", "192.0.2.209"), ("192.0.2.211", "192.0.2.250")]
    kea = json.loads((out / "kea-dhcp4.conf").read_text())["Dhcp4"]
    assert [p["pool"] for s in kea["subnet4"] for p in s.get("pools", [])] == [
        "192.0.2.200 - 192.0.2.209", "192.0.2.211 - 192.0.2.250"]
    assert re.findall(r"dhcp-range=set:prod,([^,]+),([^,]+),",
                      (out / "dnsmasq" / "cinv.conf").read_text()) == [
        ("192.0.2.200", "192.0.2.209"), ("192.0.2.211", "192.0.2.250")]


# --- the DHCP server's interface ----------------------------------------------------------

def test_a_network_names_the_dhcp_servers_interface_for_kea(empty_inventory, tmp_path):
    inv = empty_inventory
    r = inv.ok("net", "add", "lan", "--ipv4", "10.3.0.0/24", "--ipv6", "2001:db8:3::/64",
               "--domain", "lan.example.com", "--dhcp-interface", "lo")
    assert "dhcp:\n  interface: lo\n" in r.out and "dhcp:\n  interface: lo\n" in \
        inv.read("networks/lan.yaml")
    inv.ok("net", "add", "other", "--ipv4", "10.4.0.0/24")  # names none: Kea picks by address
    out = tmp_path / "out"
    inv.ok("render", "kea", "dhcpd", "dnsmasq", "--out", out)
    check_kea(out, tmp_path)  # kea -t checks the interface exists: lo does
    check_dhcpd(out)
    check_dnsmasq(out)
    for family in "46":
        root = json.loads((out / f"kea-dhcp{family}.conf").read_text())[f"Dhcp{family}"]
        subnets = {s["subnet"]: s for s in root[f"subnet{family}"]}
        assert subnets["10.3.0.0/24" if family == "4" else "2001:db8:3::/64"]["interface"] == "lo"
        assert "interface" not in subnets.get("10.4.0.0/24", {})
        assert root["interfaces-config"]["interfaces"] == ["*"]
    assert "# network lan (served on interface lo:" in (out / "dhcpd.conf").read_text()


def test_named_server_interfaces_are_added_to_what_kea_listens_on(tmp_path):
    files = with_dhcp("dhcp:\n  interface: lo\n")
    files["cinv.yaml"] += "kea:\n  interfaces: [eth9]\n"
    out = render(files, tmp_path)
    root = json.loads((out / "kea-dhcp6.conf").read_text())["Dhcp6"]
    assert root["interfaces-config"]["interfaces"] == ["eth9", "lo"]


def test_init_and_net_add_help_say_how_kea_dhcpv6_finds_its_subnet(tmp_path):
    r = invoke("init", tmp_path / "new")
    assert r.code == 0 and "--dhcp-interface IF" in r.out and "kea-dhcp6" in r.out
    r = invoke("net", "add", "--help")
    assert "--dhcp-interface IF" in r.out and "selects the subnet" in r.out.replace("\n", " ")


# --- options by their dotted names, and the listing (issue 23 item 10) ----------------------

def test_an_option_whose_name_holds_a_dot_is_set_with_the_dotted_syntax(inventory):
    inv = inventory
    inv.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    key = "interfaces.eth0.dhcp.options.dhcp6.name-servers"
    inv.ok("host", "set", "web1", f"{key}=2001:db8::53,2001:db8::54")
    rec = inv.load().hosts["web1.prod.example.com"]
    assert rec.interfaces[0].dhcp.options == {"dhcp6.name-servers": ["2001:db8::53",
                                                                     "2001:db8::54"]}
    assert inv.subjects()[0] == ("Change host web1.prod.example.com: interfaces.eth0.dhcp"
                                 ".options.dhcp6.name-servers: +2001:db8::53 +2001:db8::54")
    # Kea's spelling names the same option: it replaces the value, never a second entry
    inv.ok("host", "set", "web1", "interfaces.eth0.dhcp.options.dhcp6.dns-servers=2001:db8::55")
    rec = inv.load().hosts["web1.prod.example.com"]
    assert rec.interfaces[0].dhcp.options == {"dhcp6.name-servers": ["2001:db8::55"]}
    inv.ok("host", "set", "web1", f"{key}=")
    assert inv.load().hosts["web1.prod.example.com"].interfaces[0].dhcp is None
    inv.ok("net", "set", "prod", "dhcp.options.dhcp6.domain-search=prod.example.com,example.com",
           "dhcp.options.option:ntp-server=192.0.2.123")
    assert inv.load().networks["prod"].dhcp.options == {
        "dhcp6.domain-search": ["prod.example.com", "example.com"],
        "ntp-servers": ["192.0.2.123"]}
    r = inv.run("net", "set", "prod", "dhcp.options.dhcp6.name-srevers=2001:db8::53")
    assert r.code == 1 and re.fullmatch(
        r"networks/prod\.yaml:\d+: dhcp\.options\.dhcp6\.name-srevers: 'dhcp6\.name-srevers' is "
        r"not a DHCP option cinv knows \(did you mean 'dhcp6\.name-servers'\?\)\n", r.err), r


def test_dhcp_options_lists_every_option_by_each_servers_name(run_cli):
    r = run_cli("dhcp", "options")
    assert r.code == 0 and r.lines[0].split() == ["DHCPD", "(STORED)", "FAMILY", "CODE", "KEA",
                                                  "DNSMASQ", "TYPE"]
    rows = [line.split() for line in r.lines[1:]]
    assert sorted(row[0] for row in rows) == sorted(dhcpopts.OPTIONS)
    for name, family, code, kea, dnsmasq, *_type in rows:
        opt = dhcpopts.OPTIONS[name]
        assert (family, int(code)) == (f"v{opt.family}", opt.code)
        for spelling in (kea if opt.family == 4 else f"dhcp6.{kea}", dnsmasq):
            if not spelling.isdigit():  # dnsmasq knows some only by number
                assert dhcpopts.lookup(spelling) is opt, spelling
    six = json.loads(run_cli("dhcp", "options", "-6", "--format", "json").out)
    assert {o["dhcpd"] for o in six} == set(dhcpopts.known_names(6))
    assert six[0] == {"dhcpd": "dhcp6.name-servers", "family": 6, "code": 23,
                      "kea": "dns-servers", "dnsmasq": "option6:dns-server",
                      "type": "IPv6 addresses"}
    assert [line.split()[0] for line in run_cli("dhcp", "options", "ntp").lines[1:]] == [
        "ntp-servers", "nntp-server", "dhcp6.sntp-servers"]
    r = run_cli("dhcp", "options", "nosuch")
    assert r.code == 1 and r.err.startswith("cinv: no DHCP option cinv knows has 'nosuch'")
