"""The rules of zones' own records (cinv/check/zones.py): each with failing and passing examples,
asserting the exact path:line and message. Base: conftest.BASE_FILES (hv1 192.0.2.10 and bmc
198.51.100.10; web1.prod 192.0.2.11 with alias www.prod) plus a zones file per test."""
from __future__ import annotations

import pytest

from cinv import check
from cinv.records import load

COVERED: set[str] = set()
Z = "zones/example.com.yaml"
P = "zones/prod.example.com.yaml"
R = "zones/2.0.192.in-addr.arpa.yaml"


def covers(*names):
    def mark(fn):
        COVERED.update(names)
        return fn
    return mark


@pytest.fixture
def problems(tmp_path, make_files, base_files):
    """Write the base inventory plus these files; `cinv check`'s lines."""
    runs = []

    def run(files: dict, severity: str | None = None) -> list[str]:
        runs.append(1)
        root = make_files(tmp_path / f"inv{len(runs)}", {**base_files, **files})
        return [p.text() for p in check.run(load.load_inventory(load.DirSource(root)))
                if severity is None or p.severity == severity]
    return run


def test_a_zone_with_every_kind_of_record_is_clean(problems):
    assert problems({Z: """\
ttl: 600
records:
  "@":
    - {type: MX, value: "10 mail"}
    - {type: TXT, value: "v=spf1 mx -all"}
    - {type: CAA, value: '0 issue "letsencrypt.org"'}
  "*": [{type: A, value: 192.0.2.80}]
  _sip._tcp: [{type: SRV, value: "10 60 5060 mail", ttl: 300}]
  mail: [{type: A, value: 192.0.2.25}, {type: A, value: 192.0.2.26}]
  sip: [{type: CNAME, value: mail}]
  lab: [{type: NS, value: ns1.lab}]
  ns1.lab: [{type: A, value: 192.0.2.53}]
  hv1:
    - {type: SSHFP, value: "4 2 0123456789abcdef0123456789abcdef0123456789abcdef012345678\
        9abcdef"}
    - {type: A, value: 192.0.2.10, ttl: 60}
  _443._tcp.mail:
    - {type: TLSA, value: "3 1 1 63249234698263498798794b61584a61df7578dd978ea6cb20891d838\
        3bac75e"}
  enum: [{type: NAPTR, value: '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'}]
  long: [{type: TXT, value: [one, two]}]
""", R: """\
records:
  "11": [{type: PTR, value: www.prod.example.com.}]
  "99": [{type: PTR, value: printer.example.com.}]
"""}) == []


@covers("zone_records_parse")
@pytest.mark.parametrize("record, message", [
    ("{type: MX, value: '10'}", "records.m: MX: MX '10': expecting an identifier"),
    ("{type: A, value: 192.0.2.300}", "records.m: A: A '192.0.2.300': not an IPv4 address"),
    ("{type: CAA, value: '0 issue'}", "records.m: CAA: CAA '0 issue': expecting a string"),
    ("{type: TXT, value: ['" + "x" * 256 + "']}",
     "records.m: TXT: one TXT string holds at most 255 bytes; 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"
     "... has 256 (split it)"),
])
def test_malformed_data(problems, record, message):
    assert problems({Z: f"records:\n  m: [{record}]\n"}) == [f"{Z}:2: {message}"]


@covers("zone_records_parse")
def test_apex_ns_apex_cname_and_wildcard_ns(problems):
    assert problems({Z: """\
records:
  "@":
    - {type: NS, value: ns9.example.net.}
  "*.w":
    - {type: NS, value: ns1.example.net.}
"""}, "error") == [
        f"{Z}:3: records.@: NS: the apex NS records are cinv.yaml's dns.nameservers (the "
        "inventory owns them)",
        f"{Z}:5: records.*.w: NS: a wildcard cannot hold NS records (named refuses the zone)"]
    assert problems({P: "records:\n  '@': [{type: CNAME, value: x.example.net.}]\n"}) == [
        f"{P}:2: records.@: CNAME: a CNAME cannot sit at the apex (beside the SOA and NS)"]


@covers("zone_records_in_their_zone")
def test_a_record_in_a_child_zone_cinv_serves(problems):
    assert problems({Z: "records:\n  x.prod: [{type: TXT, value: hello}]\n"}) == [
        f"{Z}:2: records.x.prod: TXT: x.prod.example.com lies in zone prod.example.com, which "
        "cinv serves too: put it in zones/prod.example.com.yaml"]
    assert problems({P: "records:\n  x: [{type: TXT, value: hello}]\n"}) == []


@covers("zone_records_check_names")
def test_names_check_names_refuses(problems):
    assert problems({Z: """\
records:
  x_y: [{type: A, value: 192.0.2.1}]
  m: [{type: MX, value: 10 a_b}]
  ok_txt: [{type: TXT, value: fine}]
"""}, "error") == [
        f"{Z}:2: records.x_y: A: x_y.example.com is not a host name (letters, digits, inner "
        "hyphens), which named requires of the owner of an A record",
        f"{Z}:3: records.m: MX: its target a_b.example.com is not a host name (letters, digits, "
        "inner hyphens), which named requires here"]
    assert problems({R: "records:\n  '7': [{type: PTR, value: a_b.example.com.}]\n"}) == [
        f"{R}:2: records.7: PTR: its target a_b.example.com is not a host name (letters, "
        "digits, inner hyphens), which named requires here"]


@covers("zone_rrsets_consistent")
def test_cname_beside_other_data_and_two_ttls(problems):
    assert problems({Z: """\
records:
  mail:
    - {type: CNAME, value: other.example.net.}
    - {type: TXT, value: hi}
  rr:
    - {type: A, value: 192.0.2.1, ttl: 60}
    - {type: A, value: 192.0.2.2}
"""}) == [
        f"{Z}:3: records.mail: CNAME: a CNAME cannot sit beside other data at "
        "mail.example.com (here TXT records)",
        f"{Z}:6: records.rr: A: the A records of rr.example.com have different TTLs (default, "
        "60); one RRset has one TTL",
        f"{Z}:7: records.rr: A: the A records of rr.example.com have different TTLs (default, "
        "60); one RRset has one TTL"]


@covers("zone_records_and_hosts")
def test_records_that_would_change_what_a_host_answers(problems):
    assert problems({Z: """\
records:
  hv1:
    - {type: A, value: 192.0.2.99}
  bmc.hv1:
    - {type: CNAME, value: mail}
  web:
    - {type: NS, value: ns.example.net.}
""", P: """\
records:
  www:
    - {type: TXT, value: hi}
""", R: """\
records:
  "10":
    - {type: PTR, value: other.example.com.}
"""}) == [
        f"{R}:3: records.10: PTR: 192.0.2.10 belongs to host hv1.example.com "
        "(hosts/hv1.example.com.yaml), whose PTR is hv1.example.com; a record here may only "
        "add a PTR to another name of that host",
        f"{Z}:3: records.hv1: A: hv1.example.com is a name of host hv1.example.com, whose A "
        "record comes from its interface (hosts/hv1.example.com.yaml); a record here would "
        "change what it answers",
        f"{Z}:5: records.bmc.hv1: CNAME: bmc.hv1.example.com is a name of host hv1.example.com "
        "(hosts/hv1.example.com.yaml); a record here would change what it answers",
        f"{P}:3: records.www: TXT: www.prod.example.com is an alias (CNAME) of host "
        "web1.prod.example.com (hosts/web1.prod.example.com.yaml); a record here would change "
        "what it answers"]


@covers("zone_records_and_hosts")
def test_a_delegation_above_a_host(problems, base_files):
    assert problems({P: "records:\n  web1: [{type: DNAME, value: other.example.net.}]\n"}) \
        == []  # a DNAME changes what lies below it, not its own name
    assert problems({Z: "records:\n  hv1: [{type: NS, value: ns1.example.net.}]\n"}) == [
        f"{Z}:2: records.hv1: NS: bmc.hv1.example.com of host hv1.example.com "
        "(hosts/hv1.example.com.yaml) lies below this delegation, so named would no longer "
        "answer it",
        f"{Z}:2: records.hv1: NS: hv1.example.com is a name of host hv1.example.com "
        "(hosts/hv1.example.com.yaml); a record here would change what it answers"]


@covers("zone_records_and_hosts")
def test_what_records_may_add_at_hosts_names(problems, base_files):
    """MX, TXT and SSHFP at a host's name, an A repeating its address (its TTL), an extra PTR
    to another name of the host holding the address: all allowed."""
    assert problems({Z: """\
records:
  hv1:
    - {type: MX, value: 10 hv1}
    - {type: A, value: 192.0.2.10, ttl: 60}
""", R: """\
records:
  "11":
    - {type: PTR, value: www.prod.example.com.}
    - {type: PTR, value: web1.prod.example.com.}
    - {type: PTR, value: printer.example.com.}
"""}) == [
        f"{R}:5: records.11: PTR: 192.0.2.11 belongs to host web1.prod.example.com "
        "(hosts/web1.prod.example.com.yaml), whose PTR is web1.prod.example.com; a record here "
        "may only add a PTR to another name of that host"]


@covers("zone_records_and_hosts")
def test_host_names_in_records_compare_without_case(problems, base_files):
    """DNS names are case-insensitive: ocf.berkeley.edu's reverse zone writes
    `18 PTR reef.OCF.Berkeley.EDU.` for a host's extra name, and a CNAME restating an alias
    with its own TTL may spell the host's name in capitals."""
    assert problems({R: """\
records:
  "11":
    - {type: PTR, value: WWW.Prod.Example.COM.}
""", P: """\
records:
  www:
    - {type: CNAME, value: Web1.PROD.example.com., ttl: 60}
"""}) == []


@covers("zone_targets_have_addresses")
def test_targets_without_address_and_data_below_a_delegation_are_warnings(problems):
    assert problems({Z: """\
records:
  m: [{type: MX, value: 10 nowhere}]
  lab: [{type: NS, value: ns1.lab}]
  x.lab: [{type: TXT, value: hidden}]
  srv: [{type: SRV, value: 0 0 1 hv1}]
"""}) == [
        f"{Z}:2: warning: records.m: MX: nowhere.example.com has no address record (A or AAAA) "
        "in this zone",
        f"{Z}:3: warning: records.lab: NS: ns1.lab.example.com has no address record (A or "
        "AAAA) in this zone",
        f"{Z}:4: warning: records.x.lab: TXT: x.lab.example.com lies below the delegation "
        "lab.example.com; named answers with the referral, not this record"]
