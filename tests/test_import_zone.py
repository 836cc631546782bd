"""cinv import zone: the master-file reader, and A/AAAA/CNAME to hosts, addresses and aliases."""
from __future__ import annotations

from pathlib import Path

import pytest

from cinv.errors import CinvError
from cinv.importers import zone

SAMPLE = Path(__file__).parent / "data" / "import" / "zone" / "db.prod.example.com"


def test_entries_join_parentheses_drop_comments_and_keep_quoted_semicolons():
    text = ('@ IN SOA ns1. host. ( 1 ; serial\n  2 3\n 4 5 )\n'
            '  IN NS ns1.\n'
            'x TXT "a ; b" ; comment\n')
    got = [(e.tokens, e.line, e.blank_owner) for e in zone.entries(text, "f")]
    assert got == [(["@", "IN", "SOA", "ns1.", "host.", "1", "2", "3", "4", "5"], 1, False),
                   (["IN", "NS", "ns1."], 4, True),
                   (["x", "TXT", '"a ; b"'], 5, False)]


@pytest.mark.parametrize("text, message", [
    ("@ SOA a. b. ( 1 2\n", "f:1: '\\(' is never closed"),
    ("a A 1.2.3.4 )\n", "f:1: '\\)' without '\\('"),
    ('a TXT "open\n', "runs past the end of the line"),
    ("  A 192.0.2.1\n", "the first record has no owner"),
])
def test_malformed_zone_files_are_refused(tmp_path, inventory, text, message):
    (tmp_path / "f").write_text(text)
    with pytest.raises(CinvError, match=message):
        zone.read(tmp_path / "f", "f", inventory.load(), "prod.example.com")


def test_ttl_and_class_in_either_order_and_relative_absolute_and_at_names(tmp_path, inventory):
    (tmp_path / "db").write_text(
        "$TTL 1h\n"
        "a 300 IN A 192.0.2.31\n"
        "b IN 300 A 192.0.2.32\n"
        "c.prod.example.com. A 192.0.2.33\n"
        "$ORIGIN sub.prod.example.com.\n"
        "d 1h30m AAAA 2001:db8:0:1::34\n"
        "e CH A 192.0.2.35\n"
        "$INCLUDE other.zone\n")
    found = zone.read(tmp_path / "db", "db", inventory.load(), "prod.example.com")
    got = {h.name: [(i.network, str(i.ipv4), str(i.ipv6)) for i in h.interfaces]
           for h in found.hosts}
    assert got == {"a.prod.example.com": [("prod", "192.0.2.31", "None")],
                   "b.prod.example.com": [("prod", "192.0.2.32", "None")],
                   "c.prod.example.com": [("prod", "192.0.2.33", "None")],
                   "d.sub.prod.example.com": [("prod", "None", "2001:db8:0:1::34")]}
    assert [u.text() for u in found.unmapped] == [
        "db:7: e.sub.prod.example.com CH A 192.0.2.35: class CH is not IN",
        "db:8: $INCLUDE other.zone: directive not supported"]


def test_sample_zone_imports_hosts_addresses_and_aliases(inventory):
    commits = inventory.commit_count()
    r = inventory.ok("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert inventory.commit_count() == commits + 1
    assert inventory.subjects()[0] == f"Import {SAMPLE}: 5 hosts created"
    out = r.out
    assert ("create host web1.prod.example.com: eth0 192.0.2.20 2001:db8:0:1::20 on prod "
            "(aliases www)") in out
    assert "create host mail1.prod.example.com: eth0 192.0.2.23 on prod (aliases smtp, imap)" \
        in out
    assert "create host web3.prod.example.com" in out  # "Web3" lower-cased
    assert "create host build1.lab.prod.example.com" in out  # after $ORIGIN
    for line in (f"{SAMPLE}:3: prod.example.com SOA: zone data",
                 f"{SAMPLE}:11: prod.example.com MX 10 mail1: record type MX",
                 'TXT "v=spf1 mx -all ; not a comment": record type TXT',
                 "_sip._tcp.prod.example.com SRV 0 5 5060 web1: record type SRV",
                 "*.prod.example.com A 192.0.2.99: wildcards",
                 "legacy.prod.example.com A 203.0.113.7: no network holds 203.0.113.7",
                 "ftp.prod.example.com CNAME files.example.org: its target is neither"):
        assert line in out
    web1 = inventory.read("hosts/web1.prod.example.com.yaml")
    assert "  aliases:\n  - www\n" in web1 and "ipv6: 2001:db8:0:1::20" in web1
    assert inventory.problems() == []
    snap = inventory.snapshot()
    r = inventory.ok("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert "Nothing to change." in r.out and inventory.snapshot() == snap


def test_zone_names_are_matched_to_existing_hosts_and_aliases_to_inventory_hosts(inventory,
                                                                                tmp_path):
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "none")
    (tmp_path / "db").write_text("web1 AAAA 2001:db8:0:1::20\nshop CNAME web1\n")
    r = inventory.ok("import", "zone", tmp_path / "db", "--zone", "prod.example.com")
    assert ("update host web1.prod.example.com: interfaces.eth0.aliases = [shop], "
            "interfaces.eth0.ipv6 = 2001:db8:0:1::20") in r.out
    assert len(list((inventory.root / "hosts").glob("*.yaml"))) == 1


def test_an_address_held_by_another_host_stops_the_zone_import(inventory, tmp_path):
    inventory.ok("host", "add", "old", "--kind", "physical", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "none")
    snap = inventory.snapshot()
    r = inventory.run("import", "zone", SAMPLE, "--zone", "prod.example.com")
    assert r.code == 1
    assert "address 192.0.2.20 of web1.prod.example.com is already held by old" in r.err
    assert inventory.snapshot() == snap


def test_the_sample_is_a_zone_named_accepts(tmp_path):
    from checkers import require, run
    run([require("named-checkzone"), "prod.example.com", SAMPLE], "named-checkzone")
