"""cinv import zone: dnspython's parser, the mapping to hosts, extra names, aliases and zone
records, what is refused (and where), and that --dry-run exits as the real run would."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

SAMPLE = Path(__file__).parent / "data" / "import" / "zone" / "db.prod.example.com"
HEAD = ("$TTL 3600\n@ SOA ns1.example.com. hostmaster.example.com. 1 2 3 4 5\n"
        "@ NS ns1.example.com.\n")


def zone_file(tmp_path: Path, body: str, name: str = "db", head: str = HEAD) -> Path:
    path = tmp_path / name
    path.write_text(head + body)
    return path


def records(inventory, zone: str) -> dict:
    return yaml.safe_load(inventory.read(f"zones/{zone}.yaml"))


def both(inventory, *args):
    """The dry run, then the real run; they must exit alike."""
    dry = inventory.run(*args, "--dry-run")
    snap = inventory.snapshot()
    real = inventory.run(*args)
    assert dry.code == real.code, (dry, real)
    if real.code:
        assert inventory.snapshot() == snap and dry.err == real.err
    return real


def test_sample_zone_imports_hosts_aliases_and_every_other_record(inventory):
    commits = inventory.commit_count()
    r = inventory.ok("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert inventory.commit_count() == commits + 1
    assert inventory.subjects()[0] == (f"Import {SAMPLE}: 5 hosts created, 1 zone created")
    assert ("create host web1.prod.example.com: eth0 192.0.2.20 2001:db8:0:1::20 on prod "
            "(aliases www)") in r.out
    assert "create host mail1.prod.example.com: eth0 192.0.2.23 on prod (aliases smtp, imap)" \
        in r.out
    assert "create host web3.prod.example.com" in r.out  # "Web3" lower-cased
    assert "create host build1.lab.prod.example.com" in r.out  # after $ORIGIN
    assert f"{SAMPLE}:3: SOA serial 2024031501 kept as the serial floor of prod.example.com " \
        "(rendered serials stay above it; scheme date), timers refresh 10800, retry 900, " \
        "expire 1209600, minimum 300" in r.out
    assert f"{SAMPLE}:9: the apex NS of prod.example.com are the inventory's (cinv.yaml " \
        "dns.nameservers: ns1.example.net.), not imported" in r.out
    assert "Not mapped" not in r.out
    assert records(inventory, "prod.example.com") == {
        "soa": {"refresh": 10800, "retry": 900, "expire": 1209600, "minimum": 300},
        "serial": "date", "serial_floor": 2024031501, "records": {
        "@": [{"type": "MX", "value": "10 mail1"},
              {"type": "TXT", "value": "v=spf1 mx -all ; not a comment"}],
        "*": [{"type": "A", "value": "192.0.2.99"}],
        "_sip._tcp": [{"type": "SRV", "value": "0 5 5060 web1"}],
        "ftp": [{"type": "CNAME", "value": "files.example.org."}],
        "legacy": [{"type": "A", "value": "203.0.113.7"}],
        # TTLs other than the zone's: a record repeating the host's data keeps them
        "web2": [{"type": "A", "value": "192.0.2.21", "ttl": 300}],
        "www": [{"type": "CNAME", "value": "web1", "ttl": 300}]}}
    web1 = inventory.read("hosts/web1.prod.example.com.yaml")
    assert "  aliases:\n  - www\n" in web1 and "ipv6: 2001:db8:0:1::20" in web1
    assert inventory.problems() == []
    snap = inventory.snapshot()
    r = inventory.ok("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert "Nothing to change." in r.out and inventory.snapshot() == snap


def test_two_names_on_one_address_and_round_robin(inventory, tmp_path):
    f = zone_file(tmp_path, "web1 A 192.0.2.20\n AAAA 2001:db8:0:1::20\n"
                            "shop A 192.0.2.20\n AAAA 2001:db8:0:1::20\n"
                            "v4only A 192.0.2.20\n"
                            "rr A 192.0.2.30\nrr A 192.0.2.31\n")
    r = both(inventory, "import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 0, r
    assert ("create host web1.prod.example.com: eth0 192.0.2.20 2001:db8:0:1::20 on prod "
            "(names shop)") in r.out
    assert records(inventory, "prod.example.com")["records"] == {
        "rr": [{"type": "A", "value": "192.0.2.30"}, {"type": "A", "value": "192.0.2.31"}],
        "v4only": [{"type": "A", "value": "192.0.2.20"}]}  # A only: not the host's name
    assert inventory.problems() == []
    # an existing host's address: the name becomes an extra name of that interface
    f2 = zone_file(tmp_path, "alias2 A 192.0.2.20\n AAAA 2001:db8:0:1::20\n", "db2")
    r = inventory.ok("import", "zone", f2, "--zone", "prod.example.com")
    assert "update host web1.prod.example.com: interfaces.eth0.names [shop] -> [shop, " \
        "alias2]" in r.out


def test_names_outside_the_zone_refuse_the_import_listing_each(inventory, tmp_path):
    f = zone_file(tmp_path, "ok A 192.0.2.20\n$ORIGIN other.org.\nevil A 192.0.2.21\n"
                            "$ORIGIN .\nexample.com. A 192.0.2.22\n")
    r = both(inventory, "import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 1
    assert r.err.splitlines() == [
        f"{f}:6: evil.other.org: lies outside the zone prod.example.com; an import never writes "
        "a name outside the zone it imports (nothing was written)",
        f"{f}:8: example.com: lies outside the zone prod.example.com; an import never writes a "
        "name outside the zone it imports (nothing was written)"]
    assert not list((inventory.root / "hosts").glob("*.yaml"))


def test_origin_dot_keeps_the_apex(inventory, tmp_path):
    f = zone_file(tmp_path, "", head="$ORIGIN .\n$TTL 300\nprod.example.com IN SOA ns. h. 1 2 3 "
                  "4 5\n\tNS ns1.example.com.\n\tMX 10 mail.prod.example.com.\n"
                  "$ORIGIN prod.example.com.\nmail A 192.0.2.25\n")
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    assert "create host mail.prod.example.com" in r.out
    assert records(inventory, "prod.example.com") == {
        "ttl": 300, "soa": {"refresh": 2, "retry": 3, "expire": 4, "minimum": 5},
        "serial": "counter", "serial_floor": 1, "records": {
            "@": [{"type": "MX", "value": "10 mail"}]}}


def test_a_reverse_zone_makes_no_hosts_and_checks_ptrs(inventory, tmp_path):
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "none")
    f = zone_file(tmp_path, "20 PTR web1.prod.example.com.\n21 PTR other.example.com.\n"
                            "22 PTR web1.prod.example.com.\n"
                            "weird A 192.0.2.5\nsub NS ns.example.net.\n")
    r = both(inventory, "import", "zone", f, "--zone", "2.0.192.in-addr.arpa")
    assert r.code == 0, r
    assert "create host" not in r.out
    assert records(inventory, "2.0.192.in-addr.arpa")["records"] == {
        "21": [{"type": "PTR", "value": "other.example.com."}],
        "22": [{"type": "PTR", "value": "web1.prod.example.com."}],
        "sub": [{"type": "NS", "value": "ns.example.net."}],
        "weird": [{"type": "A", "value": "192.0.2.5"}]}
    f2 = zone_file(tmp_path, "20 PTR wrong.example.com.\n", "db2")
    r = inventory.ok("import", "zone", f2, "--zone", "2.0.192.in-addr.arpa")
    assert (f"{f2}:4: 20.2.0.192.in-addr.arpa PTR wrong.example.com: 192.0.2.20 belongs to host "
            "web1.prod.example.com (hosts/web1.prod.example.com.yaml), whose PTR is "
            "web1.prod.example.com") in r.out


def test_a_ptr_to_a_hosts_other_name_alone_is_listed(inventory, tmp_path):
    """ocf.berkeley.edu: `hosting` and `death` share an address (hosting is the host, death
    its extra name); the reverse zone's PTR names death only. cinv always answers the host's
    own PTR there, so the answer cannot be the source's: that PTR is listed, not kept. Beside
    the host's own name it is kept, as an extra PTR."""
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "none")
    inventory.ok("host", "set", "web1", "interfaces.0.names=[www]")
    f = zone_file(tmp_path, "20 PTR WWW.prod.example.com.\n")
    r = both(inventory, "import", "zone", f, "--zone", "2.0.192.in-addr.arpa")
    assert (f"{f}:4: 20.2.0.192.in-addr.arpa PTR www.prod.example.com: 192.0.2.20 belongs to "
            "host web1.prod.example.com (hosts/web1.prod.example.com.yaml), whose PTR "
            "web1.prod.example.com cinv always answers; the source answers without it, so its "
            "PTRs to the host's other names are not kept either") in r.out, r.out
    g = zone_file(tmp_path, "20 PTR WWW.prod.example.com.\n20 PTR web1.prod.example.com.\n",
                  "db2")
    r = inventory.ok("import", "zone", g, "--zone", "2.0.192.in-addr.arpa")
    assert "Not mapped" not in r.out
    assert records(inventory, "2.0.192.in-addr.arpa")["records"] == {
        "20": [{"type": "PTR", "value": "WWW.prod.example.com."}]}


def test_latin1_byte_in_a_comment_is_fine_in_data_it_is_refused(inventory, tmp_path):
    f = tmp_path / "db"
    f.write_bytes(HEAD.encode() + b"; caf\xe9 du coin\nweb A 192.0.2.20 ; \xe9t\xe9\n")
    inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    g = tmp_path / "db2"
    g.write_bytes(HEAD.encode() + b"t TXT caf\xe9\n")
    r = both(inventory, "import", "zone", g, "--zone", "prod.example.com")
    assert r.code == 1 and r.err.startswith(f"cinv: {g}:4: ")
    assert "not UTF-8" in r.err


def test_generate(inventory, tmp_path):
    f = zone_file(tmp_path, "$GENERATE 10-12 vm$ A 192.0.2.$\n"
                            "$GENERATE 1-2 $.rr A 192.0.2.${50,0,d}\n")
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    for n in (10, 11, 12):
        assert f"create host vm{n}.prod.example.com: eth0 192.0.2.{n} on prod" in r.out
    assert "create host 1.rr.prod.example.com: eth0 192.0.2.51 on prod" in r.out


def test_include_inside_the_folder_or_under_root(inventory, tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "web.inc").write_text("web A 192.0.2.20\n$ORIGIN x.example.org.\n")
    f = zone_file(tmp_path, "$INCLUDE keys/web.inc\nafter A 192.0.2.21\n"
                            '$INCLUDE "keys/web.inc" lab.prod.example.com.\n')
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    assert "create host web.prod.example.com" in r.out
    assert "create host after.prod.example.com" in r.out  # the include's $ORIGIN ended with it
    assert "web.lab.prod.example.com" in r.out
    root = tmp_path / "root"
    (root / "etc" / "bind").mkdir(parents=True)
    (root / "etc" / "bind" / "more.inc").write_text("more A 192.0.2.22\n")
    g = zone_file(tmp_path, "$INCLUDE /etc/bind/more.inc\n", "db2")
    r = inventory.run("import", "zone", g, "--zone", "prod.example.com")
    assert r.code == 1 and r.err == (f"cinv: {g}:4: $INCLUDE /etc/bind/more.inc: an absolute "
                                     "path is read only under --root DIR (the folder standing "
                                     "for /)\n")
    r = inventory.ok("import", "zone", g, "--zone", "prod.example.com", "--root", root)
    assert "create host more.prod.example.com" in r.out


def test_an_include_above_the_zone_files_folder_is_read_inside_root(inventory, tmp_path):
    """A real tree (ocf/dns: etc/zones/db.x holds `$INCLUDE ../db.ocf`): with --root naming
    the tree's top the include is read, and listed as the path it names; above --root, or
    without it, it is refused naming file:line."""
    zones = tmp_path / "tree" / "etc" / "zones"
    zones.mkdir(parents=True)
    (zones.parent / "db.common").write_text("common A 192.0.2.30\n")
    f = zone_file(zones, "$INCLUDE ../db.common\n")
    r = inventory.run("import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 1 and r.err == (
        f"cinv: {f}:4: $INCLUDE file '../db.common' has an empty, '.' or '..' component; "
        "refusing (to read files above the zone file's folder, give --root DIR, the tree's "
        "top)\n")
    r = inventory.run("import", "zone", f, "--zone", "prod.example.com", "--root", zones)
    assert r.code == 1 and "'../db.common' has an empty, '.' or '..' component" in r.err
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com",
                     "--root", tmp_path / "tree", "--dry-run")
    assert "create host common.prod.example.com: eth0 192.0.2.30 on prod" in r.out
    g = zone_file(zones, "$INCLUDE ../db.common\ncommon TXT \"x\"\ncommon CNAME y\n", "db2")
    r = inventory.run("import", "zone", g, "--zone", "prod.example.com", "--root", tmp_path)
    assert r.code == 1 and f"(A at {zones.parent / 'db.common'}:1" in r.err, r


def test_a_name_on_the_first_interfaces_label_stays_its_own_host(inventory, tmp_path):
    """esgob.com has vmgw1 A .248 and eth0.vmgw1 A .234. cinv renders a second interface as
    <if>.<host>, but never the first (that one is <host> itself): eth0.vmgw1 folded into
    vmgw1's eth0 overwrote .248, silently. It is its own host; eth1.vmgw1 is vmgw1's eth1."""
    f = zone_file(tmp_path, "vm1 A 192.0.2.20\neth0.vm1 A 192.0.2.21\neth1.vm1 A 192.0.2.22\n")
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    assert "create host vm1.prod.example.com: eth0 192.0.2.20 on prod; eth1 192.0.2.22 on " \
        "prod" in r.out, r.out
    assert "create host eth0.vm1.prod.example.com: eth0 192.0.2.21 on prod" in r.out
    r = inventory.ok("import", "zone", f, "--zone", "prod.example.com")
    assert "Nothing to change." in r.out


def test_a_network_broadcast_or_gateway_address_is_kept_as_a_record(inventory, tmp_path):
    """esgob.com names its /26's network and broadcast addresses (network.llain.yr,
    broadcast.llain.yr): no host may hold them, so they stay records, and the import goes
    through."""
    f = zone_file(tmp_path, "net0 A 198.51.100.0\nbcast A 198.51.100.63\n"
                            "gw A 198.51.100.1\nok A 198.51.100.10\n")
    r = inventory.ok("import", "zone", f, "--zone", "mgmt.example.com")
    assert "create host ok.mgmt.example.com: eth0 198.51.100.10 on mgmt" in r.out
    assert "net0" not in r.out.split("create zone")[0]
    assert records(inventory, "mgmt.example.com")["records"] == {
        "bcast": [{"type": "A", "value": "198.51.100.63"}],
        "gw": [{"type": "A", "value": "198.51.100.1"}],
        "net0": [{"type": "A", "value": "198.51.100.0"}]}


@pytest.mark.parametrize("line, why", [
    ("$INCLUDE ../outside.inc", "has an empty, '.' or '..' component"),
    ("$INCLUDE .hidden/k.inc", "has a hidden component"),
    ("$INCLUDE link.inc", "leads outside"),
    ("$INCLUDE db", "$INCLUDE loop"),
    ("$INCLUDE missing.inc", "no such file"),
])
def test_unsafe_or_broken_includes_are_refused(inventory, tmp_path, line, why):
    (tmp_path.parent / "outside.inc").write_text("x A 192.0.2.9\n")
    os.symlink(tmp_path.parent / "outside.inc", tmp_path / "link.inc")
    f = zone_file(tmp_path, line + "\n")
    snap = inventory.snapshot()
    r = both(inventory, "import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 1 and why in r.err and (f"{f}:4: " in r.err or "loop" in r.err), r
    assert inventory.snapshot() == snap


def test_cname_beside_other_data_is_refused_naming_both_lines(inventory, tmp_path):
    f = zone_file(tmp_path, "x CNAME y\nx TXT hello\n")
    r = both(inventory, "import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 1
    assert r.err == (f"{f}:4: x.prod.example.com: a CNAME beside other data (TXT at {f}:5); "
                     "named refuses this zone, and so does cinv\n")


@pytest.mark.parametrize("body, message", [
    ("x TXT \"open\n", "newline in quoted string"),
    ("x A 1.2.3\n", "malformed"),
    ("x BOGUS 1\n", "unknown rdatatype 'BOGUS'"),
    ("x CH A 1.2.3.4\n", "RR class is not zone's class"),
])
def test_malformed_records_are_refused_with_file_and_line(inventory, tmp_path, body, message):
    f = zone_file(tmp_path, body)
    r = both(inventory, "import", "zone", f, "--zone", "prod.example.com")
    assert r.code == 1 and r.err.startswith(f"cinv: {f}:4: ") and message in r.err, r


def test_an_address_held_by_another_host_becomes_its_extra_name(inventory):
    inventory.ok("host", "add", "old", "--kind", "physical", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "2001:db8:0:1::20")
    r = inventory.ok("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert "update host old.prod.example.com: interfaces.eth0.names = [web1]" in r.out
    assert inventory.problems() == []


def test_the_sample_is_a_zone_named_accepts():
    from checkers import require, run
    run([require("named-checkzone"), "prod.example.com", SAMPLE], "named-checkzone")


def test_a_reverse_zone_over_an_rfc2317_block(inventory, tmp_path):
    """mgmt is 198.51.100.0/26: cinv serves its PTRs from the child zone 0-26.100.51.198...,
    reached by CNAMEs in the /24 zone. A source PTR in the block moves to the child (it answers
    through the CNAME); the host's own PTR is already there; the delegation is cinv's."""
    inventory.ok("host", "add", "bmc1", "--kind", "physical", "--network", "mgmt",
                 "--ipv4", "198.51.100.11")
    f = zone_file(tmp_path, "11 PTR bmc1.mgmt.example.com.\n12 PTR other.example.com.\n"
                            "12 TXT note\n70 PTR outside.example.com.\n"
                            "0-26 NS ns1.example.net.\n")
    r = inventory.ok("import", "zone", f, "--zone", "100.51.198.in-addr.arpa")
    assert r.out.splitlines()[1:3] == [
        "  create zone 0-26.100.51.198.in-addr.arpa: 1 record "
        "(zones/0-26.100.51.198.in-addr.arpa.yaml)",
        "  create zone 100.51.198.in-addr.arpa: 1 record, serial floor 1, serial scheme counter, "
        "SOA timers refresh 2 retry 3 expire 4 minimum 5 (zones/100.51.198.in-addr.arpa.yaml)"]
    assert _left(r.out) == [
        f"{f}:8: 0-26.100.51.198.in-addr.arpa NS: 0-26.100.51.198.in-addr.arpa is a zone cinv "
        "serves; its delegation is cinv's",
        f"{f}:6: 12.100.51.198.in-addr.arpa TXT: cinv writes the RFC 2317 CNAME of this "
        "address here"]
    assert records(inventory, "0-26.100.51.198.in-addr.arpa") == {"records": {
        "12": [{"type": "PTR", "value": "other.example.com."}]}}
    assert inventory.problems() == []


def _left(out: str) -> list[str]:
    lines = out.split("Not mapped", 1)[1].splitlines()[1:]
    return [x.strip() for x in lines if x.startswith("  ")]
