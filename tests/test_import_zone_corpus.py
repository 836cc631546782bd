"""Real zone files (tests/corpus/zones, sources in tests/corpus/SOURCES.md) through the whole
round trip: `cinv import zone` into a fresh inventory that manages the files' subnets, `cinv
render dns`, named-checkzone, then named serving the rendered zones on 127.0.0.1 answers every
RRset of the source (apart from the SOA and the apex NS) with the same type, data and TTL.
What an import lists as not taken is asserted exactly (file:line) and is all that is left out;
a file cinv cannot take whole is refused naming file:line. Re-importing changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import dns.name
import dns.rdatatype
import dns.zone
import pytest
from checkers import check_zones, zone_files
from conftest import invoke, tree_snapshot
from zonefidelity import Expected, Server, delegations, differences, source_rrsets

CORPUS = Path(__file__).parent / "corpus" / "zones"


@dataclass
class Case:
    id: str
    domain: str
    networks: list[tuple]  # `cinv net add` arguments
    imports: list[tuple[str, str]]  # (corpus file, --zone), in order
    # (file, line) of everything an import lists as not taken, per file
    left_out: dict[str, list[int]] = field(default_factory=dict)
    root: str | None = None  # --root (under the corpus), for $INCLUDEs above a file's folder


CASES = [
    Case("okd-lab", "example.com",
         [("lab", "--ipv4", "172.16.255.0/24", "--domain", "lab.example.com")],
         [("myocp-db.ocp.lab.example.com", "lab.example.com"),
          ("myocp-db.172.16.255.lab.example.com", "255.16.172.in-addr.arpa")],
         {"myocp-db.172.16.255.lab.example.com": [17]}),
    Case("okd-origin", "example.com",
         [("okd", "--ipv4", "10.254.9.0/24", "--domain", "okd.zby.icdc.io")],
         [("icdc-db.okd.zby.icdc.io", "okd.zby.icdc.io")]),
    Case("public-company", "example.com",
         [("dc", "--ipv4", "178.172.238.0/24", "--domain", "ibacloud.by")],
         [("icdc-db.ibacloud.by", "ibacloud.by")]),
    Case("reverse-only", "example.com", [],
         [("icdc-db.10.254.28", "28.254.10.in-addr.arpa")]),
    Case("mail-company", "example.com",
         [("lan", "--ipv4", "192.168.100.0/24", "--domain", "redhat.net")],
         [("rhce-redhat.net.zone.db", "redhat.net")]),
    Case("lab-swapped-ptrs", "example.com",
         [("lan", "--ipv4", "192.168.122.0/24", "--domain", "example.com")],
         [("rhce-master.example.com.zone.db", "example.com"),
          ("rhce-122.168.192.in-addr.arpa.db", "122.168.192.in-addr.arpa")],
         {"rhce-122.168.192.in-addr.arpa.db": [13, 14, 15, 16, 19]}),
    Case("university", "example.com",
         [("intra", "--ipv4", "172.16.0.0/23", "--domain", "intranet.woodytoys")],
         [("ephec-intranet.woodytoys", "intranet.woodytoys"),
          ("ephec-0.16.172.in-addr.arpa", "0.16.172.in-addr.arpa")],
         {"ephec-0.16.172.in-addr.arpa": [15, 17, 18]}),
    Case("origin-dot", "example.com",
         [("home", "--ipv4", "10.9.9.0/24", "--ipv6", "2601:645:8103:e3a0::/64",
           "--domain", "nono.io")],
         [("cunnie-nono.io", "nono.io")]),
    Case("wildcards", "example.com",
         [("web", "--ipv4", "1.2.3.0/24", "--domain", "wtest.com")],
         [("pdns-wtest.com", "wtest.com")]),
    Case("many-types", "example.org",
         [("lan", "--ipv4", "192.168.0.0/24", "--domain", "example.com")],
         [("pdns-lots-rr-types.example.com", "example.com")]),
    Case("generate-names", "example.com",
         [("t", "--ipv4", "192.0.2.0/24", "--domain", "tld2")],
         [("bind9-rrl-tld2.db", "tld2")]),
    Case("reverse-v6", "example.com",
         [("v6", "--ipv4", "192.0.2.0/24", "--ipv6", "cafe:cafe::/64",
           "--domain", "v6.example.com")],
         [("bind9-e.f.a.c.e.f.a.c.ip6.arpa.db", "e.f.a.c.e.f.a.c.ip6.arpa")]),
]

# The second corpus: other authors and styles (sources in tests/corpus/SOURCES.md).
CASES += [
    Case("university-include-v6", "example.com",
         [("ocf", "--ipv4", "169.229.226.0/24", "--ipv6", "2607:f140:8801::/64",
           "--domain", "ocf.berkeley.edu")],
         [("ocf/etc/zones/db.ocf.berkeley.edu", "ocf.berkeley.edu"),
          ("ocf/etc/zones/db.226.229.169.in-addr.arpa", "226.229.169.in-addr.arpa"),
          ("ocf/etc/zones/db.0.0.0.0.1.0.8.8.0.4.1.f.7.0.6.2.ip6.arpa",
           "0.0.0.0.1.0.8.8.0.4.1.f.7.0.6.2.ip6.arpa")],
         # PTRs naming another host than the forward zone's A at that address (hozer-70 at
         # .70 is named fallingrocks by the reverse zones), and one naming only an extra name
         # of the host (death, not hosting, at .23)
         {"ocf/etc/zones/db.226.229.169.in-addr.arpa": [29, 30, 31, 54, 255],
          "ocf/etc/zones/db.0.0.0.0.1.0.8.8.0.4.1.f.7.0.6.2.ip6.arpa": [31, 32, 33, 50, 244]},
         root="ocf"),
    Case("student-delegations", "example.com",
         [("ucll", "--ipv4", "193.191.177.0/24", "--ipv6", "2001:6a8:2880:a077::/64",
           "--domain", "bjarne-huijs.sb.uclllabs.be")],
         [("uclllabs-db.bjarne-huijs.sb.uclllabs.be", "bjarne-huijs.sb.uclllabs.be"),
          ("uclllabs-db.193.191", "191.193.in-addr.arpa")]),
    Case("sshfp-tlsa-spf-idn", "example.com",
         [("dc", "--ipv4", "78.153.202.0/24", "--ipv6", "2a01:a8:201::/64",
           "--domain", "talideon.com")],
         [("kgaughan-talideon.com", "talideon.com"),
          ("kgaughan-stereochro.me", "stereochro.me"),
          ("kgaughan-xn--cat-rma.eu", "xn--cat-rma.eu")]),
    Case("ttl-changes-escaped-txt", "example.com", [],
         [("bsdlp-voltaire.sh", "voltaire.sh")]),
    Case("ip6-wildcard-ptr", "example.com", [],
         [("bsdlp-0.c.d.7.0.6.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa",
           "0.c.d.7.0.6.0.f.1.0.7.4.0.1.0.0.2.ip6.arpa")]),
    Case("generate-homelab", "example.com",
         [("vm", "--ipv4", "192.168.2.0/24", "--domain", "int.tildaslash.com"),
          ("lan", "--ipv4", "192.168.0.0/24", "--domain", "int.tildaslash.com")],
         [("tildaslash-int.tildaslash.com", "int.tildaslash.com"),
          ("tildaslash-2.168.192.in-addr.arpa", "2.168.192.in-addr.arpa"),
          ("tildaslash-0.168.192.in-addr.arpa", "0.168.192.in-addr.arpa")]),
    Case("dn42-tld-and-16", "example.com",
         [("core", "--ipv4", "10.127.2.0/24", "--ipv6", "fd10:127:5f37:59df::/64",
           "--domain", "neo"),
          ("loop", "--ipv4", "10.127.255.0/24", "--domain", "neo")],
         [("neonetwork-neonetwork", "neo"), ("neonetwork-db.10.127", "127.10.in-addr.arpa")]),
    Case("origin-per-delegation", "example.com", [],
         [("orion-db.orionet.re", "orionet.re")]),
    Case("loc-sshfp-at-hosts", "example.com",
         [("xs4all", "--ipv4", "82.94.160.0/24", "--ipv6", "2001:888:2000:73::/64",
           "--domain", "piratenpartij.nl")],
         [("ppnl-piratenpartij.nl", "piratenpartij.nl")]),
    Case("isp-classless", "example.com",
         [("esgob", "--ipv4", "195.177.253.0/24", "--ipv6", "2001:67c:1b40::/48",
           "--domain", "esgob.com"),
          ("yr", "--ipv4", "185.19.150.192/26", "--domain", "llain.yr.esgob.com")],
         [("esgob-db.esgob.com", "esgob.com"),
          ("esgob-db.150.19.185.in-addr.arpa", "150.19.185.in-addr.arpa"),
          ("esgob-db.169.92.155.90.in-addr.arpa", "169.92.155.90.in-addr.arpa")]),
]

_LISTED = re.compile(r"^  (\S+):(\d+): (\S+) (\S+)(?: (.*?))?: ")


def _left_out(text: str) -> list[tuple[str, int, str, str, str | None]]:
    """(file, line, name, type, data) of each item an import lists under "Not mapped"."""
    lines = text.split("Not mapped", 1)[1].splitlines()[1:] if "Not mapped" in text else []
    out = []
    for line in lines:
        m = _LISTED.match(line)
        if not m:
            break
        out.append((Path(m[1]).name, int(m[2]), m[3], m[4], m[5]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_import_render_and_serve_answers_every_rrset(case, tmp_path, monkeypatch):
    root = tmp_path / "inv"
    r = invoke("init", root, "--domain", case.domain, "--nameserver", "ns1.example.net")
    assert r.code == 0, r
    for net in case.networks:
        assert invoke("-C", root, "net", "add", *net).code == 0
    skipped: dict[str, list] = {}
    extra = ("--root", CORPUS / case.root) if case.root else ()
    for file, zone in case.imports:
        r = invoke("-C", root, "import", "zone", CORPUS / file, "--zone", zone, *extra)
        assert r.code == 0, r
        listed = _left_out(r.out)
        got = [line if f == Path(file).name else f"{f}:{line}" for f, line, *_ in listed]
        assert sorted(got, key=str) == sorted(case.left_out.get(file, []), key=str), r.out
        skipped[file] = listed
    snap = tree_snapshot(root)
    for file, zone in case.imports:  # re-importing changes nothing
        r = invoke("-C", root, "import", "zone", CORPUS / file, "--zone", zone, *extra)
        assert r.code == 0 and "Nothing to change." in r.out, r
    assert tree_snapshot(root) == snap
    r = invoke("-C", root, "check")
    assert r.code == 0, r
    out = tmp_path / "out"
    r = invoke("-C", root, "render", "dns", "--out", out)
    assert r.code == 0, r
    check_zones(out, tmp_path)
    server = Server(out, tmp_path, sorted(zone_files(out)))
    server.start()
    try:
        wrong, asked = [], 0
        for file, zone in case.imports:
            with monkeypatch.context() as m:  # dnspython reads $INCLUDE from the cwd
                m.chdir((CORPUS / file).parent)
                expected = source_rrsets(CORPUS / file, zone)
            expected = _without(expected, skipped[file])
            asked += len(expected)
            wrong += differences(server, expected, delegations(expected, zone))
    finally:
        server.stop()
    assert not wrong, "\n".join(wrong)
    assert asked > 0


def _without(expected, listed):
    """The source's RRsets less the data an import listed as not taken."""
    out = []
    for e in expected:
        drop = {(data or "").rstrip(".").lower() for _f, _l, name, rtype, data in listed
                if dns.name.from_text(name + ".") == e.name
                and rtype == dns.rdatatype.to_text(e.rdtype)}
        rdatas = frozenset(r for r in e.rdatas if r.to_text().rstrip(".").lower() not in drop)
        if rdatas:
            out.append(Expected(e.name, e.rdtype, e.ttl, rdatas))
    return out


REFUSED = [
    # (file, --zone, the one line on stderr) - each of these named refuses as well, but for
    # good-generate-modifier, whose negative nibble offset dnspython's $GENERATE refuses
    ("pdns-test.com", "test.com", "pdns-test.com:36: string too long"),
    ("wikitide-rosettacode.org", "rosettacode.org",
     "wikitide-rosettacode.org:4: 20230807000001 is not an unsigned 32-bit integer"),
    ("ephec-db.l2-5.ephec-ti.be", "l2-5.ephec-ti.be",
     "ephec-db.l2-5.ephec-ti.be:31: newline in quoted string"),
    ("bind9-good-generate-modifier.db", "example",
     "bind9-good-generate-modifier.db:10: negative $GENERATE value in nibble mode"),
]


@pytest.mark.parametrize("file, zone, message", REFUSED, ids=[r[0] for r in REFUSED])
def test_files_cinv_cannot_take_whole_are_refused_naming_file_and_line(file, zone, message,
                                                                       empty_inventory,
                                                                       monkeypatch):
    monkeypatch.chdir(CORPUS)
    snap = empty_inventory.snapshot()
    for extra in ((), ("--dry-run",)):
        r = empty_inventory.run("import", "zone", file, "--zone", zone, *extra)
        assert (r.code, r.err) == (1, f"cinv: {message}\n")
    assert empty_inventory.snapshot() == snap


def test_a_zone_given_too_narrow_lists_every_name_outside_it(empty_inventory, monkeypatch):
    """cunnie-nono.io starts with `$ORIGIN .`: imported as pve.nono.io, all but kvm.pve lies
    outside; every one of those records is listed with its line, and nothing is written."""
    monkeypatch.chdir(CORPUS)
    snap = empty_inventory.snapshot()
    r = empty_inventory.run("import", "zone", "cunnie-nono.io", "--zone", "pve.nono.io")
    assert r.code == 1
    lines = r.err.splitlines()
    z = dns.zone.from_file(str(CORPUS / "cunnie-nono.io"), "nono.io.", relativize=False)
    pve = dns.name.from_text("pve.nono.io.")
    outside = sum(len(rds) for name, rds in z.iterate_rdatasets() if not name.is_subdomain(pve))
    assert len(lines) == outside > 60
    assert lines[0] == ("cunnie-nono.io:3: nono.io: lies outside the zone pve.nono.io; an import "
                        "never writes a name outside the zone it imports (nothing was written)")
    assert all(re.match(r"cunnie-nono\.io:\d+: \S+: lies outside the zone pve\.nono\.io", x)
               for x in lines)
    assert not any(":57: kvm.pve" in x for x in lines)
    assert empty_inventory.snapshot() == snap
