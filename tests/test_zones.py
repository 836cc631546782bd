"""zones/<zone>.yaml: the schema, what render/dns.py makes of it (checked by named-checkzone and
served by named on 127.0.0.1 with every record type and TTL), interfaces' names:, a zone known
only from zones/, and the functions other parts use (managed domains, zone records)."""
from __future__ import annotations

import pytest
from checkers import check_zones, zone_files
from conftest import invoke, write_files
from zonefidelity import Expected, Server, differences

from cinv import check
from cinv.records import load, zones
from cinv.records.model import ZoneRecord
from cinv.render import view as render_view

Z = "zones/example.com.yaml"


def problems(root) -> list[str]:
    return [p.text() for p in check.run(load.load_inventory(load.DirSource(root)))]


# --- schema ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("records: [a]\n", "zones/example.com.yaml:1: records: expected a mapping, got LList"),
    ("ttl: -1\nrecords: {}\n", "zones/example.com.yaml:1: ttl: -1 is not between 0 and "
     "2147483647"),
    ("records:\n  a b: [{type: A, value: 192.0.2.1}]\n", "zones/example.com.yaml:2: records: "
     "'a b': label 'a b' may hold only letters, digits, '-', '_' and '/' (and '*' alone as the "
     "leftmost label), 1 to 63 of them"),
    ("records:\n  x.other.org.: [{type: A, value: 192.0.2.1}]\n", "zones/example.com.yaml:2: "
     "records: x.other.org. lies outside the zone example.com"),
    ("records:\n  a: [{type: SOA, value: x}]\n", "zones/example.com.yaml:2: records.a[0].type: "
     "SOA: the SOA is cinv's (cinv.yaml dns: primary_ns, hostmaster, ttl)"),
    ("records:\n  a: [{type: RRSIG, value: x}]\n", "zones/example.com.yaml:2: "
     "records.a[0].type: RRSIG: signatures are made by the signer (named's dnssec-policy), not "
     "kept"),
    ("records:\n  a: [{type: NOPE, value: x}]\n", "zones/example.com.yaml:2: records.a[0].type: "
     "'NOPE' is not a record type dnspython knows"),
    ("records:\n  a: [{type: A}]\n", "zones/example.com.yaml:2: records.a[0].value: missing "
     "(required)"),
    ("records:\n  a: [{type: A, value: 192.0.2.1, tll: 5}]\n", "zones/example.com.yaml:2: "
     "records.a[0].tll: unknown key (did you mean 'ttl'?)"),
    ("records:\n  a:\n  - {type: A, value: 192.0.2.1}\n  - {type: A, value: 192.0.2.1}\n",
     "zones/example.com.yaml:4: records.a[1]: the same A record as line 3"),
    ("records:\n  a: [{type: MX, value: [10, mail]}]\n", "zones/example.com.yaml:2: "
     "records.a[0].value: a list of strings is a TXT/SPF value"),
])
def test_zone_file_schema(tmp_path, base_files, text, message):
    root = write_files(tmp_path, {**base_files, Z: text})
    assert problems(root) == [message]


def test_zone_file_names_and_owner_forms(tmp_path, base_files):
    root = write_files(tmp_path, {**base_files, "zones/Bad_Zone.yaml": "records: {}\n",
                                  "zones/example.net.yml": "records: {}\n",
                                  "zones/example.org.yaml": "records:\n"
                                  "  WWW.example.org.: [{type: A, value: 192.0.2.1}]\n"
                                  "  example.org.: [{type: TXT, value: apex}]\n"})
    assert problems(root) == [
        "zones/Bad_Zone.yaml: file name: 'Bad_Zone': label 'bad_zone' may hold only letters, "
        "digits and inner hyphens (RFC 1123) (zones/<zone>.yaml)",
        "zones/example.net.yml: warning: not read: zone files end in .yaml"]
    inv = load.load_inventory(load.DirSource(root))
    assert [(r.owner, r.type) for r in inv.zones["example.org"].records] == [("www", "A"),
                                                                           ("@", "TXT")]
    assert "example.org" in inv.managed_domains()
    assert inv.managed_domains() >= {"example.com", "prod.example.com", "mgmt.example.com"}


@pytest.mark.parametrize("value, text", [
    ("v=spf1 mx -all", '"v=spf1 mx -all"'),  # plain text: one string, spaces and all
    (["one", "two words"], '"one" "two words"'),  # a list: one string each
    ('"a\\"b" "c;d"', '"a\\"b" "c;d"'),  # zone-file text: quoted, escapes kept
    ("x" * 300, '"' + "x" * 255 + '" "' + "x" * 45 + '"'),  # long: 255-byte strings
    ("é" * 200, '"' + "\\195\\169" * 127 + '" "' + "\\195\\169" * 73 + '"'),  # never a split
    ('say "hi"', '"say \\"hi\\""'),
])
def test_txt_values(value, text):
    assert zones.rdata_text("example.com", ZoneRecord("@", "TXT", value)) == text


@pytest.mark.parametrize("type_, value, text", [
    ("MX", "10 mail", "10 mail.example.com."),
    ("MX", "0 .", "0 ."),
    ("SRV", "10 60 5060 sip.example.net.", "10 60 5060 sip.example.net."),
    ("CNAME", "@", "example.com."),
    ("CAA", '0 issuewild ";"', '0 issuewild ";"'),
    ("NAPTR", '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .',
     '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'),
    ("TYPE65534", "\\# 3 414243", "\\# 3 414243"),
    ("AAAA", "2001:DB8::1", "2001:db8::1"),
])
def test_data_is_written_as_named_reads_it(type_, value, text):
    assert zones.rdata_text("example.com", ZoneRecord("x", type_, value)) == text


# --- rendering and serving -------------------------------------------------------------------

RICH = """\
ttl: 600
records:
  "@":
    - {type: MX, value: "10 mail"}
    - {type: TXT, value: "v=spf1 mx -all"}
    - {type: CAA, value: '0 issue "letsencrypt.org"', ttl: 86400}
  "*.apps": [{type: A, value: 192.0.2.80}]
  _sip._tcp: [{type: SRV, value: "10 60 5060 mail", ttl: 300}]
  mail:
    - {type: A, value: 192.0.2.25}
    - {type: A, value: 192.0.2.26}
    - {type: AAAA, value: "2001:db8:0:1::25"}
  smtp: [{type: CNAME, value: mail}]
  lab: [{type: NS, value: ns1.lab}, {type: NS, value: ns2.example.net.}]
  ns1.lab: [{type: A, value: 192.0.2.53}]
  dkim._domainkey: [{type: TXT, value: "v=DKIM1; k=rsa; p=%s"}]
  multi: [{type: TXT, value: [first, second string]}]
  hv1:
    - {type: SSHFP, value: "4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
    - {type: A, value: 192.0.2.10, ttl: 60}
  _443._tcp.mail: [{type: TLSA, value: "3 1 1 0123456789abcdef0123456789abcdef0123456789abcd\\
      ef0123456789abcdef"}]
  enum: [{type: NAPTR, value: '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'}]
  d: [{type: DNAME, value: example.net.}]
  odd: [{type: TYPE65534, value: '\\# 3 414243', ttl: 5}]
""" % ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A" * 12)

PUBLIC = """\
records:
  "@": [{type: A, value: 203.0.113.5}, {type: MX, value: "0 ."}]
  www: [{type: CNAME, value: "@", ttl: 120}]
"""

REVERSE = """\
records:
  "99": [{type: PTR, value: printer.example.com.}]
  "11": [{type: PTR, value: www.prod.example.com.}]
"""


@pytest.fixture
def served(tmp_path, base_files):
    """The base inventory with zone records (example.com, a public zone example.org only in
    zones/, a reverse zone's own records) and web1 carrying names: [shop]; rendered and served."""
    files = {**base_files, Z: RICH, "zones/example.org.yaml": PUBLIC,
             "zones/2.0.192.in-addr.arpa.yaml": REVERSE}
    files["hosts/web1.prod.example.com.yaml"] = files["hosts/web1.prod.example.com.yaml"] \
        .replace("    aliases: [www]\n", "    aliases: [www]\n    names: [shop]\n")
    root = write_files(tmp_path / "inv", files)
    assert problems(root) == []
    out = tmp_path / "out"
    r = invoke("-C", root, "render", "--out", out)
    assert r.code == 0, r
    check_zones(out, tmp_path)
    server = Server(out, tmp_path, ["example.com", "example.org"])
    server.start()
    yield server, out, root
    server.stop()


def expected(zone: str, text: str) -> list[Expected]:
    import dns.zone
    z = dns.zone.from_text(f"$ORIGIN {zone}.\n$TTL 3600\n@ SOA a. b. 1 2 3 4 5\n@ NS a.\n{text}",
                           relativize=False)
    return [Expected(n, r.rdtype, r.ttl, frozenset(r)) for n, r in z.iterate_rdatasets()
            if r.rdtype not in (dns.rdatatype.SOA, dns.rdatatype.NS) or n != z.origin]


def test_every_record_type_is_served_with_its_ttl(served):
    server, _out, _root = served
    want = expected("example.com", """\
@ 600 MX 10 mail
@ 600 TXT "v=spf1 mx -all"
@ 86400 CAA 0 issue "letsencrypt.org"
*.apps 600 A 192.0.2.80
_sip._tcp 300 SRV 10 60 5060 mail
mail 600 A 192.0.2.25
mail 600 A 192.0.2.26
mail 600 AAAA 2001:db8:0:1::25
smtp 600 CNAME mail
lab 600 NS ns1.lab
lab 600 NS ns2.example.net.
ns1.lab 600 A 192.0.2.53
multi 600 TXT "first" "second string"
hv1 600 SSHFP 4 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
hv1 60 A 192.0.2.10
hv1 600 AAAA 2001:db8:0:1::10
bmc.hv1 600 A 198.51.100.10
enum 600 NAPTR 100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .
d 600 DNAME example.net.
odd 5 TYPE65534 \\# 3 414243
""") + expected("prod.example.com", """\
web1 3600 A 192.0.2.11
web1 3600 AAAA 2001:db8:0:1::11
shop 3600 A 192.0.2.11
shop 3600 AAAA 2001:db8:0:1::11
www 3600 CNAME web1
""") + expected("example.org", """\
@ 3600 A 203.0.113.5
@ 3600 MX 0 .
www 120 CNAME example.org.
""") + expected("2.0.192.in-addr.arpa", """\
99 3600 PTR printer.example.com.
11 3600 PTR web1.prod.example.com.
11 3600 PTR www.prod.example.com.
10 3600 PTR hv1.example.com.
""")
    import dns.name
    cuts = {dns.name.from_text("lab.example.com.")}
    assert differences(server, want, cuts) == []
    # the long DKIM key: one TXT record of 255-byte strings that join to the whole key
    r = server.ask(dns.name.from_text("dkim._domainkey.example.com."), dns.rdatatype.TXT)
    (txt,) = r.answer[0]
    assert b"".join(txt.strings) == ("v=DKIM1; k=rsa; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"
                                     * 12).encode()
    assert [len(s) for s in txt.strings] == [255, 147]


def test_the_ptr_stays_the_hosts_own_name_and_zone_only_zones_are_listed(served):
    _server, out, root = served
    assert {"example.org", "example.com", "2.0.192.in-addr.arpa"} <= set(zone_files(out))
    hosts = (out / "hosts").read_text()
    assert "192.0.2.11\tweb1.prod.example.com shop.prod.example.com www.prod.example.com web1" \
        in hosts
    assert "host-record=web1.prod.example.com,shop.prod.example.com,192.0.2.11," in \
        (out / "dnsmasq" / "cinv.conf").read_text()
    records = render_view.zone_records(load.load_inventory(load.DirSource(root)))
    assert ("shop.prod.example.com.", 3600, "A", "192.0.2.11") in records["prod.example.com"]
    assert ("hv1.example.com.", 60, "A", "192.0.2.10") in records["example.com"]
    assert ("odd.example.com.", 5, "TYPE65534", "\\# 3 414243") in records["example.com"]


def test_names_must_be_unique_and_reach_no_other_host(tmp_path, base_files):
    files = dict(base_files)
    files["hosts/web1.prod.example.com.yaml"] = files["hosts/web1.prod.example.com.yaml"] \
        .replace("    aliases: [www]\n", "    aliases: [www]\n    names: [hv1.example.com]\n")
    root = write_files(tmp_path, files)
    assert problems(root) == [
        "hosts/web1.prod.example.com.yaml:14: interfaces[0].names: DNS name hv1.example.com is "
        "also used by hosts/hv1.example.com.yaml"]


def test_a_reverse_zone_below_the_networks_takes_their_ptrs(tmp_path, base_files):
    """zones/ may hold a reverse zone deeper than a network's (here one address of prod's /24):
    the PTR of the host holding that address goes there, and the /24 delegates it."""
    root = write_files(tmp_path, {**base_files,
                                  "zones/10.2.0.192.in-addr.arpa.yaml": "records: {}\n"})
    assert problems(root) == []
    records = render_view.zone_records(load.load_inventory(load.DirSource(root)))
    assert ("10.2.0.192.in-addr.arpa.", 3600, "PTR", "hv1.example.com.") in \
        records["10.2.0.192.in-addr.arpa"]
    assert ("10.2.0.192.in-addr.arpa.", 3600, "NS", "ns1.example.net.") in \
        records["2.0.192.in-addr.arpa"]
    assert not any(r[2] == "PTR" and r[3] == "hv1.example.com."
                   for r in records["2.0.192.in-addr.arpa"])


# --- the zone file emitter -------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cinv.records import yamlio  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_scalar = st.one_of(_text, st.integers(-10**6, 10**6), st.none(), st.booleans())
_record = st.fixed_dictionaries({"type": _text, "value": st.one_of(_text, st.lists(_text,
                                                                                     max_size=3))},
                                optional={"ttl": st.integers(0, 2**31 - 1)})


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({"records": st.dictionaries(_text, st.lists(_record, max_size=3),
                                                         max_size=5)},
                             optional={"ttl": _scalar}))
def test_the_zone_file_emitter_reads_back_as_written(data):
    """Whatever strings records hold (quotes, colons, '#', numbers, non-ASCII, control
    characters), dump_block writes YAML that loads back to the same data, and says which line
    each record starts on."""
    lines: dict = {}
    text = yamlio.dump_block(data, lines)
    assert yamlio.load(text) == data
    rows = text.splitlines()
    for (_records, owner, index), line in lines.items():
        assert rows[line - 1].lstrip().startswith("- ")
        assert list(data["records"][owner])[index]
