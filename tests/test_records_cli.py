"""cinv record add / rm / list on a git inventory: what is stored, the commits, what is refused
(exit 1, nothing written) and that allocation leaves records' addresses alone."""
from __future__ import annotations

import json

import yaml


def stored(inventory, zone: str) -> dict:
    return yaml.safe_load(inventory.read(f"zones/{zone}.yaml"))


def test_add_list_and_remove_records(inventory):
    n = inventory.commit_count()
    r = inventory.ok("record", "add", "example.com", "@", "MX", "10 mail")
    assert r.out == ("Added example.com MX 10 mail.example.com. (zones/example.com.yaml:3)\n")
    inventory.ok("record", "add", "example.com", "mail", "A", "192.0.2.25", "--ttl", "300")
    inventory.ok("record", "add", "example.com", "_sip._tcp.example.com.", "SRV",
                 "10 60 5060 sip.example.net.")
    inventory.ok("record", "add", "example.com", "@", "TXT", "v=spf1 mx -all")
    assert inventory.commit_count() == n + 4
    assert inventory.subjects()[:2] == [
        'Add record example.com TXT "v=spf1 mx -all" to zone example.com',
        "Add record _sip._tcp.example.com SRV 10 60 5060 sip.example.net. to zone example.com"]
    assert stored(inventory, "example.com") == {"records": {
        "@": [{"type": "MX", "value": "10 mail"}, {"type": "TXT", "value": "v=spf1 mx -all"}],
        "_sip._tcp": [{"type": "SRV", "value": "10 60 5060 sip.example.net."}],
        "mail": [{"type": "A", "value": "192.0.2.25", "ttl": 300}]}}
    r = inventory.ok("record", "list")
    assert r.out.splitlines() == [
        "ZONE         NAME       TTL   TYPE  VALUE",
        "example.com  @          3600  MX    10 mail",
        "example.com  @          3600  TXT   v=spf1 mx -all",
        "example.com  _sip._tcp  3600  SRV   10 60 5060 sip.example.net.",
        "example.com  mail       300   A     192.0.2.25"]
    items = json.loads(inventory.ok("record", "list", "example.com", "--format", "json").out)
    assert items[3] == {"zone": "example.com", "name": "mail", "fqdn": "mail.example.com",
                        "type": "A", "value": "192.0.2.25", "ttl": 300}
    r = inventory.ok("record", "rm", "example.com", "@", "MX", "10 mail.example.com.")
    assert r.out == "Removed example.com MX 10 mail.example.com.\n"
    assert inventory.subjects()[0] == ("Remove record example.com MX 10 mail.example.com. from "
                                       "zone example.com")
    inventory.ok("record", "rm", "example.com", "mail", "A")
    assert "mail" not in stored(inventory, "example.com")["records"]
    assert inventory.problems() == []


def test_a_zone_cinv_does_not_serve_yet_is_made_by_its_first_record(inventory):
    r = inventory.ok("record", "add", "example.org", "@", "A", "203.0.113.5")
    assert r.out.startswith("New zone example.org (zones/example.org.yaml).\n")
    assert inventory.subjects()[0] == ("Add record example.org A 203.0.113.5 to zone "
                                       "example.org (a new zone)")
    r = inventory.ok("record", "add", "prod.example.com", "x", "TXT", "hello")
    assert "New zone" not in r.out  # prod.example.com is a network's domain: served already
    out = inventory.root / "build"
    inventory.ok("render", "dns")
    assert (out / "dns" / "db.example.org").is_file()
    assert 'zone "example.org"' in (out / "dns" / "named.conf.zones").read_text()


def test_refused_changes_write_nothing(inventory):
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                 "--ipv4", "192.0.2.20", "--ipv6", "none")
    inventory.ok("record", "add", "example.com", "@", "MX", "10 mail")
    snap = inventory.snapshot()
    for args, err in [
        (("prod.example.com", "web1", "CNAME", "x.example.net."),
         "zones/prod.example.com.yaml:3: records.web1: CNAME: web1.prod.example.com is a name "
         "of host web1.prod.example.com (hosts/web1.prod.example.com.yaml); a record here "
         "would change what it answers\n"),
        (("example.com", "@", "MX", "10"), "cinv: value: MX '10': expecting an identifier\n"),
        (("example.com", "@", "MX", "10 mail"),
         "cinv: zone example.com has this record already: example.com MX 10 mail.example.com. "
         "(zones/example.com.yaml:3)\n"),
        (("example.com", "@", "NS", "ns9.example.net."),
         "zones/example.com.yaml:5: records.@: NS: the apex NS records are cinv.yaml's "
         "dns.nameservers (the inventory owns them)\n"),
        (("example.com", "a b", "A", "192.0.2.1"),
         "cinv: name: 'a b': label 'a b' may hold only letters, digits, '-', '_' and '/' (and "
         "'*' alone as the leftmost label), 1 to 63 of them\n"),
        (("example.com", "x", "SOA", "a. b. 1 2 3 4 5"),
         "cinv: type: SOA: the SOA is cinv's (cinv.yaml dns: primary_ns, hostmaster, ttl)\n"),
        (("example.com", "x", "A", "192.0.2.1", "--ttl", "-1"),
         "cinv: --ttl: -1 is not between 0 and 2147483647\n"),
    ]:
        r = inventory.run("record", "add", *args)
        assert (r.code, r.err) == (1, err), args
    r = inventory.run("record", "rm", "example.com", "@", "MX", "20 other")
    assert (r.code, r.err) == (1, "cinv: zone example.com has no MX record at example.com with "
                                  "data 20 other\n")
    r = inventory.run("record", "rm", "example.net", "@", "MX")
    assert r.code == 1 and "zone example.net has no file zones/example.net.yaml" in r.err
    assert inventory.snapshot() == snap


def test_hosts_are_checked_against_zone_records_and_records_addresses_are_not_allocated(
        inventory):
    inventory.ok("record", "add", "prod.example.com", "shop", "CNAME", "x.example.net.")
    inventory.ok("record", "add", "prod.example.com", "vip", "A", "192.0.2.10")
    snap = inventory.snapshot()
    r = inventory.run("host", "add", "shop", "--kind", "virtual", "--network", "prod")
    assert r.code == 1 and "records.shop: CNAME: shop.prod.example.com is a name of host " \
        "shop.prod.example.com" in r.err
    assert inventory.snapshot() == snap
    r = inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert "ipv4: 192.0.2.11" in r.out  # .10 is the record's (.2 - .9 are reserved)


def test_no_commit(inventory):
    n = inventory.commit_count()
    inventory.ok("record", "add", "example.com", "@", "MX", "10 mail", "--no-commit")
    assert inventory.commit_count() == n
    assert inventory.git("status", "--porcelain", "--untracked-files=all") == \
        "?? zones/example.com.yaml\n"


def serial(inventory, zone: str) -> int:
    text = (inventory.root / "build" / "dns" / f"db.{zone}").read_text()
    return int(text.split("(", 1)[1].split()[0])


def test_a_record_change_moves_its_zones_serial_only(inventory):
    inventory.ok("record", "add", "example.com", "@", "MX", "10 mail")
    inventory.ok("render", "dns")
    before = {z: serial(inventory, z) for z in ("example.com", "prod.example.com")}
    inventory.ok("render", "dns")
    assert {z: serial(inventory, z) for z in before} == before  # the same commit: the same
    inventory.ok("record", "add", "example.com", "@", "TXT", "v=spf1 mx -all")
    inventory.ok("render", "dns")
    assert serial(inventory, "example.com") > before["example.com"]
    assert serial(inventory, "prod.example.com") == before["prod.example.com"]
    assert '@\tIN\tTXT\t"v=spf1 mx -all"' in \
        (inventory.root / "build" / "dns" / "db.example.com").read_text()


def test_diff_shows_zone_records(inventory):
    """As octoDNS's plan shows them (issue 23 item 5): each record added or removed with the
    TTL it is served with, as a number, and its data as named reads it; a TTL change; a zone
    added or removed with its records."""
    inventory.ok("record", "add", "example.com", "@", "MX", "10 mail")
    inventory.ok("record", "add", "example.com", "old", "A", "192.0.2.79", "--ttl", "300")
    inventory.ok("record", "add", "example.com", "www", "A", "192.0.2.80", "--ttl", "60",
                 "--no-commit")
    inventory.ok("record", "rm", "example.com", "@", "MX", "--no-commit")
    inventory.ok("record", "add", "example.com", "@", "TXT", "v=spf1 mx -all", "--no-commit")
    inventory.ok("record", "rm", "example.com", "old", "A", "--no-commit")
    inventory.ok("record", "add", "example.com", "old", "A", "192.0.2.79", "--ttl", "600",
                 "--no-commit")
    inventory.ok("record", "add", "example.org", "@", "A", "203.0.113.5", "--no-commit")
    assert inventory.ok("diff").out.splitlines() == [
        "- zone example.com: @ 3600 MX 10 mail.example.com.",
        '+ zone example.com: @ 3600 TXT "v=spf1 mx -all"',
        "~ zone example.com: old A 192.0.2.79: ttl 300 -> 600",
        "+ zone example.com: www 60 A 192.0.2.80",
        "+ zone example.org",
        "+ zone example.org: @ 3600 A 203.0.113.5"]
    inventory.git("add", "-A")
    inventory.git("commit", "-qm", "records")
    zone = inventory.root / "zones" / "example.com.yaml"
    zone.write_text("ttl: 900\n" + zone.read_text())
    (inventory.root / "zones" / "example.org.yaml").unlink()
    assert inventory.ok("diff").out.splitlines() == [
        "~ zone example.com: ttl (unset) -> 900",
        '~ zone example.com: @ TXT "v=spf1 mx -all": ttl 3600 -> 900',
        "- zone example.org",
        "- zone example.org: @ 3600 A 203.0.113.5"]
    data = json.loads(inventory.ok("diff", "--format", "json").out)
    assert data[1] == {"kind": "zone", "name": "example.org", "status": "removed",
                       "changes": [{"field": "@ A 203.0.113.5", "from": 3600, "to": None}]}
