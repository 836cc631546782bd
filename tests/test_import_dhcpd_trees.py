"""cinv import dhcpd on trees as people keep them: inheritance of options, host options and boot
settings, names standing for addresses, reservations inside a pool, MAC spellings, absolute
includes under --root, trees of hundreds of files, bytes that are not UTF-8, and a dry run that
exits as the real run would, with every message at the source's file:line."""
from __future__ import annotations

import json
import os

import pytest
from checkers import check_dhcpd, check_kea

TREE = """\
option domain-name "example.org";
option domain-name-servers 192.0.2.53, 192.0.2.54;
option ntp-servers time.example.org;  # a name: given an address by the host block below
next-server 192.0.2.5;

shared-network office {
  option routers 192.0.2.1;
  option interface-mtu 1400;
  subnet 192.0.2.0 netmask 255.255.255.0 {
    range 192.0.2.100 192.0.2.199;
    host time { hardware ethernet 0:0:c0:5d:bd:95; fixed-address 192.0.2.12; }
    group {
      option domain-name-servers 192.0.2.99;
      filename "pxelinux.0";
      host pxe1 { hardware ethernet 52-54-00-00-00-0A; fixed-address 192.0.2.150; }
      host pxe2 {
        hardware ethernet 5254.0000.000b;
        fixed-address 192.0.2.11;
        option host-name "pxe-two";
        next-server 192.0.2.6;
        option root-path "/srv/nfs/pxe2";
      }
    }
  }
}
subnet 198.51.100.0 netmask 255.255.255.192 {
  option routers rtr.elsewhere.example;  # a name nothing here gives an address
}
"""


def write(root, rel: str, text: str | bytes):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def test_options_are_inherited_as_dhcpd_inherits_them(empty_inventory, tmp_path):
    conf = write(tmp_path, "dhcpd.conf", TREE)
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks")
    inv = empty_inventory.load()
    office = inv.networks["office"]
    # global and shared-network parameters reach the subnet; the NTP server's name is resolved
    assert (str(office.gateway4), office.domain, [str(a) for a in office.dns_servers]) == \
        ("192.0.2.1", "example.org", ["192.0.2.53", "192.0.2.54"])
    assert office.dhcp.to_dict() == {"next_server": "192.0.2.5", "options": {
        "interface-mtu": 1400, "ntp-servers": ["192.0.2.12"]}}
    # `option routers <name>` nothing resolves: listed, the network imported without a gateway
    other = next(n for n in inv.networks.values() if str(n.ipv4) == "198.51.100.0/26")
    assert other.gateway4 is None and other.domain == "example.org"
    assert (f"{conf}:27: option routers rtr.elsewhere.example: a name neither this file nor "
            "the inventory gives an address (no DNS lookups are made)") in r.out
    # host options: the host's own block and the group around it, below the subnet
    pxe1 = inv.hosts["pxe1.example.org"].interfaces[0]
    assert pxe1.dhcp.to_dict() == {"filename": "pxelinux.0",
                                   "options": {"domain-name-servers": ["192.0.2.99"]}}
    pxe2 = inv.hosts["pxe-two.example.org"].interfaces[0]
    assert pxe2.mac_str == "52:54:00:00:00:0b"
    assert pxe2.dhcp.to_dict() == {"next_server": "192.0.2.6", "filename": "pxelinux.0",
                                   "options": {"domain-name-servers": ["192.0.2.99"],
                                               "host-name": "pxe-two",  # as dhcpd sends it
                                               "root-path": "/srv/nfs/pxe2"}}
    # single-digit octets, as dhcpd's own example writes them
    assert inv.hosts["time.example.org"].interfaces[0].mac_str == "00:00:c0:5d:bd:95"
    # a reservation inside the range is taken, with a warning at the source's line
    assert str(inv.hosts["pxe1.example.org"].interfaces[0].ipv4) == "192.0.2.150"
    assert (f"note: {conf}:15: warning: host pxe1.example.org (new record "
            "hosts/pxe1.example.org.yaml): interfaces[0].ipv4: 192.0.2.150 lies in the DHCP "
            "pool of network office") in r.out
    assert empty_inventory.run("check").code == 0
    out = tmp_path / "out"
    empty_inventory.ok("render", "dhcpd", "kea", "--out", out)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    text = (out / "dhcpd.conf").read_text()
    assert "  range 192.0.2.100 192.0.2.149;\n  range 192.0.2.151 192.0.2.199;\n" in text
    assert ('host pxe-two.example.org-eth0 {\n  hardware ethernet 52:54:00:00:00:0b;\n'
            '  fixed-address 192.0.2.11;\n  option host-name "pxe-two";\n'
            '  option domain-name-servers 192.0.2.99;\n  option root-path "/srv/nfs/pxe2";\n'
            '  next-server 192.0.2.6;\n  filename "pxelinux.0";\n}\n') in text
    kea = json.loads((out / "kea-dhcp4.conf").read_text())["Dhcp4"]
    pools = [p["pool"] for s in kea["subnet4"] for p in s.get("pools", [])]
    assert pools == ["192.0.2.100 - 192.0.2.149", "192.0.2.151 - 192.0.2.199"]
    snap = empty_inventory.snapshot()
    empty_inventory.ok("import", "dhcpd", conf, "--networks")
    assert empty_inventory.snapshot() == snap  # a re-run changes nothing


def test_short_names_resolve_in_the_scopes_domain_name(inventory, tmp_path):
    """tildaslash.com's dhcpd.conf reserves `host printer { ... fixed-address printer; }` with
    `option domain-name "int.tildaslash.com"`, and its zone (imported first) holds those hosts:
    dhcpd would find printer.int.tildaslash.com by searching that domain, and so does cinv,
    in the inventory (no DNS lookups). A host naming itself no longer loses the inventory's
    answer, nor does a name qualified in the file's own host blocks."""
    inventory.ok("host", "add", "printer", "--kind", "physical", "--network", "prod",
                 "--ipv4", "192.0.2.30", "--ipv6", "none", "--mac", "02:00:00:00:00:01")
    conf = write(tmp_path, "dhcpd.conf", """\
option domain-name "prod.example.com";
option ntp-servers printer;
host printer { hardware ethernet 02:50:43:61:2f:49; fixed-address printer; }
host other { hardware ethernet 02:50:43:61:2f:4a; fixed-address printer.example.net; }
""")
    r = inventory.ok("import", "dhcpd", conf, "--network", "prod")
    assert "update host printer.prod.example.com: interfaces.eth0.mac 02:00:00:00:00:01 -> " \
        "02:50:43:61:2f:49" in r.out, r.out
    assert f"{conf}:4: fixed-address printer.example.net: a name neither this file nor the " \
        "inventory gives an address (no DNS lookups are made)" in r.out
    assert f"{conf}:3:" not in r.out


def test_absolute_includes_are_read_under_root_and_nowhere_else(empty_inventory, tmp_path):
    root = tmp_path / "backup"
    conf = write(root, "etc/dhcp/dhcpd.conf",
                 'include "/etc/dhcp/subnets.conf";\ngroup {\n'
                 '  include "/etc/dhcp/hosts.d/a.conf";\n  include "/etc/passwd";\n}\n')
    write(root, "etc/dhcp/subnets.conf", "subnet 10.9.0.0 netmask 255.255.255.0 "
          "{ option routers 10.9.0.1; }\n")
    write(root, "etc/dhcp/hosts.d/a.conf", "host a1 { hardware ethernet 52:54:00:09:00:01; "
          "fixed-address 10.9.0.11; }\n")
    r = empty_inventory.run("import", "dhcpd", conf, "--networks")
    assert r.code == 1 and "give --root DIR" in r.err  # /etc/dhcp is not the tree's folder
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks", "--root", root)
    assert "create host a1.example.com: eth0 52:54:00:09:00:01 10.9.0.11 on" in r.out
    # /etc/passwd under the root does not exist: listed, and the real one is never read
    assert (f'{conf}:4: include "/etc/passwd": /etc/passwd does not exist under --root') in r.out
    os.symlink("/etc", root / "etc" / "dhcp" / "hosts.d" / "out")
    write(root, "etc/dhcp/hosts.d/a.conf", 'include "/etc/dhcp/hosts.d/out/hostname";\n')
    r = empty_inventory.run("import", "dhcpd", conf, "--root", root)
    assert r.code == 1 and "lies outside" in r.err and "Traceback" not in r.err


def test_a_tree_of_hundreds_of_included_files(empty_inventory, tmp_path):
    lines = ["subnet 10.8.0.0 netmask 255.255.252.0 { option routers 10.8.0.1; }"]
    for n in range(250):
        sub = f"hosts/{n // 50}/h{n}.conf"
        write(tmp_path, sub, f"host h{n} {{ hardware ethernet 52:54:00:08:{n >> 8:02x}:"
              f"{n & 255:02x}; fixed-address 10.8.{n // 200}.{10 + n % 200}; }}\n")
        lines.append(f'include "{sub}";')
    conf = write(tmp_path, "dhcpd.conf", "\n".join(lines) + "\n")
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks")
    assert "250 hosts created" in r.out
    assert len(list((empty_inventory.root / "hosts").glob("*.yaml"))) == 250


def test_an_include_loop_is_refused(empty_inventory, tmp_path):
    conf = write(tmp_path, "a.conf", 'include "b.conf";\n')
    write(tmp_path, "b.conf", 'include "a.conf";\n')
    r = empty_inventory.run("import", "dhcpd", conf)
    assert r.code == 1 and "include loop (a.conf -> b.conf -> a.conf)" in r.err


def test_bytes_that_are_not_utf8_in_comments_are_tolerated(empty_inventory, tmp_path):
    conf = write(tmp_path, "dhcpd.conf", b"# Ger\xe4te im B\xfcro\n"
                 b"subnet 10.7.0.0 netmask 255.255.255.0 { }\n"
                 b"host drucker { hardware ethernet 52:54:00:07:00:01; fixed-address 10.7.0.9; "
                 b"}  # Drucker im 2. OG \xa9\n"
                 b"host caf\xe9 { hardware ethernet 52:54:00:07:00:02; "
                 b"fixed-address 10.7.0.10; }\n")
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks")
    assert "create host drucker.example.com" in r.out
    assert f"{conf}:4: host caf" in r.out and "not UTF-8" in r.out


@pytest.mark.parametrize("body, refused", [
    ("host gw { hardware ethernet 52:54:00:01:02:03; fixed-address 192.0.2.1; }\n", True),
    ("host ok { hardware ethernet 52:54:00:01:02:03; fixed-address 192.0.2.77; }\n", False),
])
def test_a_dry_run_exits_as_the_real_run_would(inventory, tmp_path, body, refused):
    conf = write(tmp_path, "dhcpd.conf", "# hosts\n" + body)
    dry = inventory.run("import", "dhcpd", conf, "--dry-run")
    snap = inventory.snapshot()
    real = inventory.run("import", "dhcpd", conf)
    assert dry.code == real.code == (1 if refused else 0), (dry, real)
    if refused:
        assert inventory.snapshot() == snap
        # at the source's line, naming the record that would have been written
        message = (f"{conf}:2: host gw.prod.example.com (new record "
                   "hosts/gw.prod.example.com.yaml): interfaces[0].ipv4: 192.0.2.1 is the "
                   "gateway of network prod")
        assert message in dry.out and message in real.err
        assert not any(line.startswith("hosts/") for line in real.err.splitlines())
