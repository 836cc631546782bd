"""cinv audit dns: zones transferred (AXFR) from a real named on 127.0.0.1 against what
`cinv render dns` writes.

named serves the rendered zones of a copy of the example inventory, allowing transfers to
127.0.0.1 only, once exactly as rendered (exit 0) and once with records added, removed and
changed by hand (and a new SOA serial, which does not count). Nothing but 127.0.0.1 is
contacted.
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import time
from pathlib import Path

import pytest
from conftest import git, invoke
from serving import free_port
from test_serve_dns import Named

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
ZONES = ["0-26.100.51.198.in-addr.arpa", "1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
         "100.51.198.in-addr.arpa", "2.0.192.in-addr.arpa", "example.com", "mgmt.example.com",
         "prod.example.com"]


class TransferringNamed(Named):
    """named as the DNS tests run it, allowing zone transfers to 127.0.0.1 (or to nobody)."""

    def __init__(self, out: Path, tmp: Path, allow: str = "127.0.0.1;"):
        super().__init__(out, tmp)
        self.allow = allow

    def conf(self, port: int) -> Path:
        path = super().conf(port)
        path.write_text(path.read_text().replace("allow-transfer { none; };",
                                                 f"allow-transfer {{ {self.allow} }};"))
        return path


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "inv"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Example inventory")
    out = tmp_path / "out"
    r = invoke("-C", root, "render", "dns", "--out", out)
    assert r.code == 0, r
    return root, out


def serve(out: Path, tmp: Path, allow: str = "127.0.0.1;") -> TransferringNamed:
    server = TransferringNamed(out, tmp, allow)
    server.start()
    return server


def audit(root: Path, port: int, *args: str, ref: tuple = ()):
    r = invoke("-C", root, *ref, "audit", "dns", "--server", "127.0.0.1", "--port", port,
               *args, "--format", "json")
    return r, [(f["kind"], f["subject"], f["expected"], f["actual"], f["note"])
               for f in json.loads(r.out or "[]")]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_exactly_the_rendered_zones_agree(site, tmp_path):
    root, out = site
    named = serve(out, tmp_path)
    try:
        snap = (sorted((p, p.read_bytes()) for p in root.rglob("*.yaml")),
                git(root, "rev-parse", "HEAD"))
        r, found = audit(root, named.port)
        assert (r.code, found) == (0, []), r
        assert r.err == "dns 127.0.0.1: agrees with the inventory\n"
        r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", named.port)
        assert (r.code, r.out) == (0, "")
        assert (sorted((p, p.read_bytes()) for p in root.rglob("*.yaml")),
                git(root, "rev-parse", "HEAD")) == snap
        assert git(root, "status", "--porcelain") == ""
        # a customer branch with one more host: the server lacks its records
        git(root, "checkout", "-q", "-b", "customer-a")
        r = invoke("-C", root, "host", "add", "app1", "--kind", "virtual", "--network", "prod",
                   "--ipv4", "192.0.2.77", "--ipv6", "none")
        assert r.code == 0, r
        git(root, "checkout", "-q", "-")
        r, found = audit(root, named.port, "--zone", "prod.example.com", "--zone",
                         "2.0.192.in-addr.arpa", ref=("--ref", "customer-a"))
        assert r.code == 1
        assert [(k, s, e) for k, s, e, _a, _n in found] == [
            ("missing-record", "77.2.0.192.in-addr.arpa. PTR",
             "3600 app1.prod.example.com."),
            ("missing-record", "app1.prod.example.com. A", "3600 192.0.2.77")]
        assert audit(root, named.port)[0].code == 0  # the work tree is still main
    finally:
        named.stop()


def test_added_removed_and_changed_records_are_found(site, tmp_path):
    root, out = site
    dns = out / "dns"
    prod = dns / "db.prod.example.com"
    text = prod.read_text()
    serial = re.search(r"(\d+)\t; serial", text).group(1)
    edit(prod, f"{serial}\t; serial", f"{int(serial) + 7}\t; serial")  # not a difference
    edit(prod, "db1\tIN\tA\t192.0.2.22\n", "db1\tIN\tA\t192.0.2.122\n")
    edit(prod, "web1\tIN\tAAAA\t2001:db8:0:1::20\n", "")
    edit(prod, "www\tIN\tCNAME\tweb1.prod.example.com.\n",
         "www\tIN\tCNAME\tweb1.prod.example.com.\nold\tIN\tA\t192.0.2.99\n"
         "old\tIN\tTXT\t\"left behind\"\n")
    edit(prod, "mail1\tIN\tA\t192.0.2.23\n", "mail1\t60\tIN\tA\t192.0.2.23\n")
    # the mgmt zone is not served at all
    conf = dns / "named.conf.zones"
    conf.write_text(re.sub(r'zone "mgmt\.example\.com" \{[^}]*\};\n', "", conf.read_text()))
    named = serve(out, tmp_path)
    try:
        r, found = audit(root, named.port)
        assert r.code == 1, r
        assert found == [
            ("different-record", "db1.prod.example.com. A", "3600 192.0.2.22",
             "3600 192.0.2.122", "zone prod.example.com"),
            ("different-record", "mail1.prod.example.com. A", "3600 192.0.2.23",
             "60 192.0.2.23", "zone prod.example.com"),
            ("extra-record", "old.prod.example.com. A", None, "3600 192.0.2.99",
             "zone prod.example.com"),
            ("extra-record", "old.prod.example.com. TXT", None, '3600 "left behind"',
             "zone prod.example.com"),
            ("missing-record", "web1.prod.example.com. AAAA", "3600 2001:db8:0:1::20", None,
             "zone prod.example.com"),
            ("missing-zone", "mgmt.example.com", "served",
             "not served (no authoritative answer for its SOA)", ""),
        ]
        assert r.err == "dns 127.0.0.1: 6 differences from the inventory\n"
        # one zone only, and the table
        r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", named.port,
                   "--zone", "example.com.")
        assert (r.code, r.out) == (0, ""), r
        r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", named.port,
                   "--zone", "PROD.example.com")
        assert r.code == 1 and len(r.out.splitlines()) == 6
        assert r.out.splitlines()[1].split()[:2] == ["different-record", "db1.prod.example.com."]
    finally:
        named.stop()


def test_a_refused_transfer_and_a_silent_server_are_one_line(site, tmp_path):
    root, out = site
    named = serve(out, tmp_path, allow="none;")
    try:
        r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", named.port)
        assert r.code == 1 and r.out == ""
        assert r.err == (f"cinv: dns 127.0.0.1 port {named.port}: zone "
                         "0-26.100.51.198.in-addr.arpa: the transfer was refused (REFUSED); "
                         "allow transfers to this host (named: allow-transfer)\n")
    finally:
        named.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # takes, never answers
        silent.bind(("127.0.0.1", free_port()))
        port = silent.getsockname()[1]
        start = time.monotonic()
        r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", port,
                   "--timeout", "0.5")
        assert time.monotonic() - start < 10
    assert (r.code, r.err) == (1, f"cinv: dns 127.0.0.1 port {port}: no answer within 0.5 s "
                                  "(--timeout)\n")


def test_bad_usage_exits_2(site):
    root, _out = site
    r = invoke("-C", root, "audit", "dns", "--server", "ns1.example.com")
    assert r.code == 2 and "'ns1.example.com' is not an IP address" in r.err
    r = invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--zone", "example.org")
    assert r.code == 2 and "example.org: not a zone of the inventory" in r.err
    assert "prod.example.com" in r.err
    assert invoke("-C", root, "audit", "dns").code == 2
    assert invoke("-C", root, "audit", "dns", "--server", "127.0.0.1", "--port", "0").code == 2


def test_the_rendered_zones_are_read_in_memory(site):
    """What the audit expects is what render writes: the same records, no file written."""
    from cinv import audit
    from cinv.audit.dns import read_zone_text
    from cinv.workspace import Workspace
    root, out = site
    before = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts)
    expected = audit.expected_zones(Workspace(root))
    assert sorted(expected) == ZONES
    for zone in ZONES:
        text = (out / "dns" / f"db.{zone}").read_text()
        assert expected[zone] == read_zone_text(text, zone, zone)
    assert ("www.prod.example.com.", "CNAME") in expected["prod.example.com"]
    after = sorted(p.relative_to(root) for p in root.rglob("*") if ".git" not in p.parts
                   and ".cinv" not in p.parts)
    assert after == [p for p in before if ".cinv" not in p.parts]
