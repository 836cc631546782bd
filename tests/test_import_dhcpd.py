"""cinv import dhcpd: the parser on real-world files, the plan, one commit, re-runs, conflicts."""
from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import pytest
from conftest import MGMT, PROD, invoke

from cinv.errors import CinvError
from cinv.importers import dhcpd

DATA = Path(__file__).parent / "data" / "import" / "dhcpd"
SAMPLE = DATA / "dhcpd.conf"


def words(stmts):
    return [[w.text for w in s.words] for s in stmts]


# --- the parser ---------------------------------------------------------------------------

def test_tokenizer_keeps_quoted_hash_and_semicolon_and_drops_comments():
    toks = dhcpd.tokenize('option x "a # b; c\\"d"; # gone ; {\nhost y {}', "f")
    assert [(t.text, t.quoted) for t in toks] == [
        ("option", False), ("x", False), ('a # b; c"d', True), (";", False),
        ("host", False), ("y", False), ("{", False), ("}", False)]
    assert toks[-1].line == 2


def test_nested_blocks_and_includes_relative_to_the_including_file():
    stmts = dhcpd.parse(SAMPLE, "dhcpd.conf").statements
    heads = [s.head for s in stmts]
    assert heads[:3] == ["ddns-update-style", "authoritative", "default-lease-time"]
    shared = next(s for s in stmts if s.head == "shared-network")
    subnet = shared.block[0]
    assert words([subnet])[0] == ["subnet", "192.0.2.0", "netmask", "255.255.255.0"]
    assert subnet.block[-1].head == "pool"
    # conf.d/lab.conf includes "lab-extra.conf" from its own folder, not from the top one
    assert any(s.where.startswith("conf.d/lab-extra.conf:") for s in stmts)
    assert next(s for s in stmts if s.arg(1) == "lab1").where == "conf.d/lab.conf:9"


@pytest.mark.parametrize("text, message", [
    ("host a { fixed-address 192.0.2.1 }", "f:1: statement 'fixed-address ...' lacks its ';'"),
    ("group {\n host a { }\n", "f:1: 'group ... {' is never closed"),
    ("}\n", "f:1: '}' without a matching '{'"),
    ('option x "open\n', "f:1: a quoted string is not closed"),
    ("{ a; }", "'{' without a declaration"),
])
def test_malformed_files_are_refused_with_file_and_line(tmp_path, text, message):
    (tmp_path / "f").write_text(text)
    with pytest.raises(CinvError, match=message.replace("{", r"\{").replace("}", r"\}")):
        dhcpd.parse(tmp_path / "f", "f").statements


def test_include_loop_is_refused(tmp_path):
    (tmp_path / "a.conf").write_text('include "b.conf";\n')
    (tmp_path / "b.conf").write_text('host x { hardware ethernet 52:54:00:00:00:01; }\n'
                                     'include "a.conf";\n')
    with pytest.raises(CinvError, match=r"include loop \(a.conf -> b.conf -> a.conf\)"):
        dhcpd.parse(tmp_path / "a.conf", "a.conf")


@pytest.mark.parametrize("target", ["../outside.conf", "/etc/passwd", "sub/../../outside.conf"])
def test_includes_may_not_leave_the_top_files_folder(tmp_path, target):
    (tmp_path / "outside.conf").write_text("authoritative;\n")
    top = tmp_path / "dhcp"
    (top / "sub").mkdir(parents=True)
    (top / "dhcpd.conf").write_text(f'include "{target}";\n')
    with pytest.raises(CinvError, match="lies outside .*refusing"):
        dhcpd.parse(top / "dhcpd.conf", "dhcpd.conf")


def test_an_oversized_file_is_refused(tmp_path):
    (tmp_path / "big.conf").write_text("# x\n" * 300_000)
    with pytest.raises(CinvError, match="over the import limit"):
        dhcpd.parse(tmp_path / "big.conf", "big.conf")


# --- the plan and the commit --------------------------------------------------------------

def test_dry_run_prints_the_plan_and_changes_nothing(inventory):
    before = inventory.snapshot()
    r = inventory.ok("import", "dhcpd", SAMPLE, "--dry-run")
    assert inventory.snapshot() == before
    out = r.out
    assert "create host web1.prod.example.com: eth0 52:54:00:aa:00:01 192.0.2.20 on prod" in out
    # a capitalised name is lower-cased; '_' becomes '-'
    assert "create host web2.prod.example.com:" in out
    assert "create host printer-2nd-floor.prod.example.com:" in out
    # without --networks, subnets (and the lab hosts on a network cinv lacks) are listed
    assert f"{SAMPLE}:19: subnet 192.0.2.0/24: networks are imported only with --networks" in out
    assert "host lab1: no network holds 10.20.0.11" in out
    assert "fixed-address gone.example.org: a name neither this file nor the inventory" in out
    assert "hardware token-ring 00:00:00:00:00:01: host parameter cinv does not keep" in out
    assert "class \"voip\" {...}: 'class' blocks are not part of the inventory" in out
    assert f"{SAMPLE}:9: authoritative: server or group parameter" in out
    assert "Dry run: nothing written." in out


def test_a_real_run_is_one_commit_and_a_rerun_changes_nothing(inventory):
    commits = inventory.commit_count()
    r = inventory.ok("import", "dhcpd", SAMPLE, "--networks")
    assert inventory.commit_count() == commits + 1
    assert inventory.subjects()[0] == (f"Import {SAMPLE}: 1 network created, 1 network updated, "
                                       "6 hosts created")
    assert "Imported: 1 network created" in r.out
    web2 = inventory.read("hosts/web2.prod.example.com.yaml")
    assert "mac: '52:54:00:aa:00:02'" in web2 and "ipv4: 192.0.2.21" in web2
    assert "kind: physical" in web2
    lab = inventory.read("networks/lab.yaml")
    assert "ipv4: 10.20.0.0/24" in lab and "gateway4: 10.20.0.1" in lab
    assert "dhcp_pool: 10.20.0.100-10.20.0.199" in lab and "domain: lab.example.com" in lab
    assert inventory.problems() == []
    snap = inventory.snapshot()
    r = inventory.ok("import", "dhcpd", SAMPLE, "--networks")
    assert inventory.snapshot() == snap
    assert "Nothing to change." in r.out and "skip   host web1.prod.example.com: unchanged" in r.out


def test_no_commit_writes_without_committing(inventory):
    commits = inventory.commit_count()
    inventory.ok("import", "dhcpd", SAMPLE, "--no-commit")
    assert inventory.commit_count() == commits
    assert inventory.host_file("web1.prod.example.com").exists()


def test_hosts_are_matched_by_mac_then_by_name_and_updated_not_duplicated(inventory):
    # same MAC, another name: matched by MAC, updated in place
    inventory.ok("host", "add", "frontend", "--kind", "virtual", "--network", "prod",
                 "--mac", "52:54:00:aa:00:01", "--ipv4", "192.0.2.60", "--ipv6", "none")
    # same name, no MAC yet: matched by name; its fixed-address is a name the inventory knows
    inventory.ok("host", "add", "db1", "--kind", "virtual", "--network", "prod", "--mac", "auto",
                 "--ipv4", "192.0.2.22", "--ipv6", "none")
    r = inventory.ok("import", "dhcpd", SAMPLE)
    assert ("update host frontend.prod.example.com: matched by MAC (named "
            "web1.prod.example.com in the source); "
            "interfaces.eth0.dhcp.options.domain-name = prod.example.com, "
            "interfaces.eth0.ipv4 192.0.2.60 -> 192.0.2.20") in r.out
    assert not inventory.host_file("web1.prod.example.com").exists()
    line = next(x for x in r.out.splitlines() if "update host db1.prod.example.com: " in x)
    # `option host-name "db1"` is what dhcpd sends; cinv would send the FQDN: it is kept
    assert "interfaces.eth0.dhcp.options.host-name = db1" in line
    assert "interfaces.eth0.mac 52:54:00:00:00:01 -> 52:54:00:aa:00:03" in line
    db1 = inventory.read("hosts/db1.prod.example.com.yaml")
    assert "mac: '52:54:00:aa:00:03'" in db1 and "ipv4: 192.0.2.22" in db1


def test_a_second_interface_folds_into_its_host(inventory):
    inventory.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
                 "--mac", "0c:c4:7a:10:00:01", "--ipv4", "192.0.2.11", "--ipv6", "none")
    r = inventory.ok("import", "dhcpd", SAMPLE)
    assert ("update host hv1.example.com: interfaces.bmc = (added), interfaces.bmc.ipv4 = "
            "198.51.100.11, interfaces.bmc.mac = 0c:c4:7a:20:00:01, interfaces.bmc.network = "
            "mgmt") in r.out
    assert not inventory.host_file("bmc.hv1.example.com").exists()


def test_an_address_held_by_another_record_stops_the_import(inventory):
    inventory.ok("host", "add", "other", "--kind", "physical", "--network", "prod",
                 "--mac", "00:11:22:33:44:55", "--ipv4", "192.0.2.21", "--ipv6", "none")
    snap = inventory.snapshot()
    r = inventory.run("import", "dhcpd", SAMPLE)
    assert r.code == 1
    assert "import refused, nothing written" in r.err
    assert (f"{SAMPLE}:39: address 192.0.2.21 of web2.prod.example.com is already held by "
            "other.prod.example.com (hosts/other.prod.example.com.yaml)") in r.err
    assert inventory.snapshot() == snap
    dry = inventory.run("import", "dhcpd", SAMPLE, "--dry-run")  # exits as the real run
    assert dry.code == 1 and "Refused (nothing will be written):" in dry.out
    assert dry.err == r.err
    assert inventory.snapshot() == snap


def test_a_result_that_fails_check_is_refused(inventory, tmp_path):
    conf = tmp_path / "dhcpd.conf"
    conf.write_text("host gw { hardware ethernet 52:54:00:01:02:03; "
                    "fixed-address 192.0.2.1; }\n")
    snap = inventory.snapshot()
    r = inventory.run("import", "dhcpd", conf)
    assert r.code == 1
    assert "would not pass `cinv check`" in r.err
    assert "192.0.2.1 is the gateway of network prod" in r.err
    assert inventory.snapshot() == snap


def test_untrusted_names_and_macs_are_listed_not_imported(inventory, tmp_path):
    conf = tmp_path / "dhcpd.conf"
    conf.write_text('host "../../etc/evil" { hardware ethernet 52:54:00:01:02:03; '
                    'fixed-address 192.0.2.40; }\n'
                    'host bad { hardware ethernet ff:ff:ff:ff:ff:ff; fixed-address 192.0.2.41; }\n'
                    'host noaddr { hardware ethernet 52:54:00:01:02:04; }\n')
    r = inventory.ok("import", "dhcpd", conf)
    assert "host ../../etc/evil: not a valid host name" in r.out
    assert "ff:ff:ff:ff:ff:ff is the broadcast address" in r.out
    assert "host noaddr: no address and no subnet tells its network" in r.out
    assert sorted(p.name for p in (inventory.root / "hosts").rglob("*.yaml")) == \
        ["bad.prod.example.com.yaml"]
    r = inventory.ok("import", "dhcpd", conf, "--network", "mgmt")
    assert "create host noaddr.mgmt.example.com: eth0 52:54:00:01:02:04 on mgmt" in r.out


def test_network_is_only_for_hosts_without_an_address(inventory, tmp_path):
    """ISC's DHCPv6 test file reserves 3ffe:aaaa:aaaa:aaaa::ffff, in no network: it went to the
    --network fallback (an IPv4-only network), which check refuses, so nothing imported at
    all. A host whose address no network holds is listed; --network places only hosts with
    neither an address nor a subnet."""
    conf = tmp_path / "dhcpd6.conf"
    conf.write_text("host far { hardware ethernet 52:54:00:01:02:05; "
                    "fixed-address6 3ffe:aaaa::ffff; }\n"
                    "host near { hardware ethernet 52:54:00:01:02:06; }\n")
    r = inventory.ok("import", "dhcpd", conf, "--network", "mgmt")
    assert f"{conf}:1: host far: no network holds 3ffe:aaaa::ffff" in r.out
    assert "create host near.mgmt.example.com: eth0 52:54:00:01:02:06 on mgmt" in r.out


def test_the_sample_is_a_file_dhcpd_itself_accepts(tmp_path):
    from checkers import require, run
    tool = require("dhcpd")
    work = tmp_path / "dhcp"
    shutil.copytree(DATA, work)
    # dhcpd reads includes relative to its working directory, cinv relative to the includer
    shutil.copy(work / "conf.d" / "lab-extra.conf", work / "lab-extra.conf")
    run(["sh", "-c", f"cd {work} && {tool} -t -cf dhcpd.conf"], "dhcpd -t")


# --- sloppy ranges, two host blocks on one address, DHCPv6 by DUID ---------------------------

SLOPPY = """\
option domain-name "lan.example.com";
subnet 192.168.1.0 netmask 255.255.255.0 {
  option routers 192.168.1.1;
  range 192.168.1.1 192.168.1.254;
}
subnet 192.168.2.0 netmask 255.255.255.0 {
  option routers 192.168.2.254;
  range 192.168.2.0 192.168.2.255;
}
subnet 192.168.3.0 netmask 255.255.255.0 {
  option routers 192.168.3.100;
  range 192.168.3.10 192.168.3.200;
  host printer { hardware ethernet 00:11:22:33:44:01; fixed-address 192.168.3.5; }
}
"""


def test_a_range_over_the_router_or_the_network_address_is_clipped(empty_inventory, tmp_path):
    """dhcpd accepts a range holding the router, or running from the network to the
    broadcast address (it never leases them); cinv's pools hold none of them. The file comes in
    whole: each range clipped to what dhcpd leases, with a warning at its line; a router in
    the middle keeps the larger part and lists the other."""
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(SLOPPY)
    from checkers import require, run
    run([require("dhcpd"), "-t", "-q", "-cf", conf, "-lf", "/dev/null"], "dhcpd -t")
    dry = empty_inventory.ok("import", "dhcpd", conf, "--networks", "--dry-run")
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks")
    for out in (dry.out, r.out):
        assert (f"note: {conf}:4: warning: the range 192.168.1.1-192.168.1.254 holds the router "
                "192.168.1.1, which the server never leases; imported as "
                "192.168.1.2-192.168.1.254") in out
        assert (f"note: {conf}:8: warning: the range 192.168.2.0-192.168.2.255 holds the network "
                "address 192.168.2.0 and the broadcast address 192.168.2.255 and the router "
                "192.168.2.254, which the server never leases; imported as "
                "192.168.2.1-192.168.2.253") in out
        assert (f"{conf}:12: range 192.168.3.10 192.168.3.200: 192.168.3.10-192.168.3.99: the "
                "part of the range on the other side of the router 192.168.3.100; cinv keeps "
                "one pool per network, the larger part") in out
    pools = [empty_inventory.load().networks[n].dhcp_pool for n in
             ("lan", "net-192-168-2-0-24", "net-192-168-3-0-24")]
    assert [tuple(str(ipaddress.IPv4Address(a)) for a in p) for p in pools] == [
        ("192.168.1.2", "192.168.1.254"), ("192.168.2.1", "192.168.2.253"),
        ("192.168.3.101", "192.168.3.200")]
    assert "create host printer.lan.example.com" in r.out
    assert empty_inventory.problems() == []


def test_a_range_outside_its_subnet_is_listed_and_the_rest_imported(empty_inventory, tmp_path):
    conf = tmp_path / "dhcpd.conf"
    conf.write_text("subnet 10.0.0.0 netmask 255.255.255.0 {\n  range 10.0.0.10 10.0.1.20;\n"
                    "  host a { hardware ethernet 00:11:22:33:44:02;"
                    " fixed-address 10.0.0.5; }\n}\n")
    r = empty_inventory.ok("import", "dhcpd", conf, "--networks")
    assert (f"{conf}:2: range 10.0.0.10 10.0.1.20: reaches outside the subnet 10.0.0.0/24, "
            "which the server refuses too") in r.out
    assert "dhcp_pool" not in empty_inventory.read("networks/net-10-0-0-0-24.yaml")
    assert "create host a.example.com" in r.out


LAPTOP = """\
subnet 192.0.2.0 netmask 255.255.255.0 {
  host laptop { hardware ethernet 00:11:22:33:44:55; fixed-address 192.0.2.60; }
  host laptop-wifi { hardware ethernet 00:11:22:33:44:66; fixed-address 192.0.2.60; }
  host dock { hardware ethernet 00:11:22:33:44:77; fixed-address 192.0.2.60;
              option host-name "dock"; }
}
"""


def test_two_host_blocks_on_one_address_keep_both_macs(inventory, tmp_path):
    """A laptop's wired and wireless NICs in two host blocks with one fixed-address: the
    later MAC becomes one of the first's other_macs (said at its line), and render gives
    every MAC the reservation in dhcpd, Kea and dnsmasq, which their checkers accept."""
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(LAPTOP)
    r = inventory.ok("import", "dhcpd", conf)
    assert ("create host laptop.prod.example.com: eth0 00:11:22:33:44:55 (and "
            "00:11:22:33:44:66, 00:11:22:33:44:77) 192.0.2.60 on prod") in r.out
    assert (f"note: {conf}:3: host laptop-wifi.prod.example.com: MAC 00:11:22:33:44:66 takes "
            "192.0.2.60 of laptop.prod.example.com in turn: kept as another MAC of that "
            "interface (other_macs), which gets that interface's reservation") in r.out
    assert (f"{conf}:4: host dock.prod.example.com: its own host name or options differ from "
            "those of laptop.prod.example.com; its MAC gets laptop.prod.example.com's") in r.out
    record = inventory.read("hosts/laptop.prod.example.com.yaml")
    assert "other_macs:\n  - '00:11:22:33:44:66'\n  - '00:11:22:33:44:77'\n" in record
    assert "wifi" not in " ".join(p.name for p in (inventory.root / "hosts").iterdir())
    snap = inventory.snapshot()
    assert "Nothing to change." in inventory.ok("import", "dhcpd", conf).out
    assert inventory.snapshot() == snap
    out = tmp_path / "out"
    inventory.ok("render", "dhcpd", "kea", "dnsmasq", "--out", out)
    from checkers import check_dhcpd, check_dnsmasq, check_kea
    check_dhcpd(out)
    check_kea(out, tmp_path)
    check_dnsmasq(out)
    dhcpd_text = (out / "dhcpd.conf").read_text()
    for block, mac in (("eth0", "55"), ("eth0-2", "66"), ("eth0-3", "77")):
        assert (f"host laptop.prod.example.com-{block} {{\n  hardware ethernet "
                f"00:11:22:33:44:{mac};\n  fixed-address 192.0.2.60;\n") in dhcpd_text
    kea = json.loads((out / "kea-dhcp4.conf").read_text())["Dhcp4"]
    assert kea["ip-reservations-unique"] is False
    assert sorted((r["hw-address"], r["ip-address"]) for r in kea["subnet4"][0]["reservations"]
                  if r["hostname"] == "laptop.prod.example.com") == [
        (f"00:11:22:33:44:{m}", "192.0.2.60") for m in ("55", "66", "77")]
    assert ("dhcp-host=00:11:22:33:44:55,00:11:22:33:44:66,00:11:22:33:44:77,192.0.2.60,laptop\n"
            in (out / "dnsmasq" / "cinv.conf").read_text())


def test_cinvs_own_dhcpd_conf_with_other_macs_imports_back_the_same(inventory, tmp_path):
    """Rendered blocks <fqdn>-<if>-2 ... (the other MACs, also of a known client without an
    address) come back as the same interfaces of a fresh inventory."""
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(LAPTOP.replace('\n              option host-name "dock";', ""))
    inventory.ok("import", "dhcpd", conf)
    inventory.ok("host", "set", "laptop", "interfaces.eth0.other_macs=00:11:22:33:44:66")
    inventory.ok("iface", "add", "laptop", "--network", "prod", "--name", "usb", "--ipv4",
                 "none", "--ipv6", "none", "--mac", "00:11:22:33:44:88")
    inventory.ok("host", "set", "laptop", "interfaces.usb.other_macs=00:11:22:33:44:99")
    out = tmp_path / "out"
    inventory.ok("render", "dhcpd", "--out", out)
    want = inventory.read("hosts/laptop.prod.example.com.yaml")
    fresh = tmp_path / "fresh"
    assert invoke("init", fresh, "--domain", "example.com").code == 0
    for args in (PROD, MGMT):
        assert invoke("-C", fresh, *args).code == 0
    r = invoke("-C", fresh, "import", "dhcpd", out / "dhcpd.conf", "--network", "prod")
    assert r.code == 0, r
    assert (fresh / "hosts/laptop.prod.example.com.yaml").read_text() == want
    assert sorted(p.name for p in (fresh / "hosts").glob("*.yaml")) == [
        "laptop.prod.example.com.yaml"]


DHCPD6 = """\
subnet6 2001:db8:0:1::/64 {
  host ws1 {
    host-identifier option dhcp6.client-id 00:01:00:01:28:4f:a1:b2:00:11:22:33:44:55;
    fixed-address6 2001:db8:0:1::70;
  }
  host sensor { host-identifier option dhcp6.client-id 0:3:0:1:0:11:22:33:44:aa;
                fixed-address6 2001:db8:0:1::71; }
  host bad { host-identifier option dhcp6.client-id 01:02:03:04:05:0a:0b:0c:0d:0e;
             fixed-address6 2001:db8:0:1::72; }
  host relay { host-identifier option dhcp6.subscriber-id "x";
               fixed-address6 2001:db8:0:1::73; }
}
"""


def test_dhcpv6_hosts_keyed_by_duid_keep_it(inventory, tmp_path):
    """`host-identifier option dhcp6.client-id` becomes the interface's duid (DUID-LLT, a
    DUID-LL written with one-digit octets, and one of no known type, which check warns
    about); another identifier is listed at its line. Rendered, the reservation keys on the DUID
    in dhcpd6, Kea and dnsmasq, and each checker accepts it."""
    conf = tmp_path / "dhcpd6.conf"
    conf.write_text(DHCPD6)
    from checkers import check_dhcpd, check_dnsmasq, check_kea, require, run
    run([require("dhcpd"), "-6", "-t", "-q", "-cf", conf, "-lf", "/dev/null"], "dhcpd -6 -t")
    r = inventory.ok("import", "dhcpd", conf)
    assert ("create host ws1.prod.example.com: eth0 duid 00:01:00:01:28:4f:a1:b2:00:11:22:33:44:55"
            " 2001:db8:0:1::70 on prod") in r.out
    assert ("create host sensor.prod.example.com: eth0 duid 00:03:00:01:00:11:22:33:44:aa "
            "2001:db8:0:1::71 on prod") in r.out
    assert ("create host bad.prod.example.com: eth0 duid 01:02:03:04:05:0a:0b:0c:0d:0e "
            "2001:db8:0:1::72 on prod") in r.out  # taken: check warns about its type
    assert ("hosts/bad.prod.example.com.yaml:5: warning: interfaces[0].duid: "
            "01:02:03:04:05:0a:0b:0c:0d:0e: type 258") in inventory.run("check").out
    assert f"{conf}:10: host-identifier option dhcp6.subscriber-id \"x\": cinv " \
        "keys a DHCPv6 reservation on the client's DUID" in r.out
    assert "duid: '00:01:00:01:28:4f:a1:b2:00:11:22:33:44:55'" in \
        inventory.read("hosts/ws1.prod.example.com.yaml")
    out = tmp_path / "out"
    inventory.ok("render", "dhcpd", "kea", "dnsmasq", "--out", out)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    check_dnsmasq(out)
    assert ("host ws1.prod.example.com-eth0 {\n  host-identifier option dhcp6.client-id "
            "00:01:00:01:28:4f:a1:b2:00:11:22:33:44:55;\n  fixed-address6 2001:db8:0:1::70;\n}"
            in (out / "dhcpd6.conf").read_text())
    kea = json.loads((out / "kea-dhcp6.conf").read_text())["Dhcp6"]
    assert {"duid": "00:03:00:01:00:11:22:33:44:aa", "hostname": "sensor.prod.example.com",
            "ip-addresses": ["2001:db8:0:1::71"]} in kea["subnet6"][0]["reservations"]
    assert "dhcp-host=id:00:01:00:01:28:4f:a1:b2:00:11:22:33:44:55,[2001:db8:0:1::70],ws1\n" in \
        (out / "dnsmasq" / "cinv.conf").read_text()
    snap = inventory.snapshot()
    assert "Nothing to change." in inventory.ok("import", "dhcpd", conf).out
    assert inventory.snapshot() == snap
