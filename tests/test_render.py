"""Render targets: golden files for the example inventory, and the real servers' checkers on the
example and on generated inventories (set CINV_UPDATE_GOLDEN=1 to rewrite the golden files)."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from checkers import (
    check_all,
    check_ansible,
    check_dhcpd,
    check_dnsmasq,
    check_kea,
    check_libvirt,
    check_zones,
    generated_files,
    write_inventory,
)
from conftest import invoke

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
GOLDEN = Path(__file__).resolve().parent / "golden" / "example"
MANIFEST = ".cinv-manifest.json"


STATE = ".cinv-state"  # cinv's private stat notes: not output


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != STATE}


def render(root: Path, out: Path, *targets: str):
    r = invoke("-C", root, "render", "--out", out, *targets)
    assert r.code == 0, r
    return r


@pytest.fixture
def example(tmp_path) -> Path:
    """The example inventory copied out of git: serials come from the manifest counter (1)."""
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    return root


@pytest.fixture
def generated(tmp_path) -> Path:
    root = write_inventory(tmp_path / "gen", generated_files())
    r = invoke("-C", root, "check")
    assert r.code == 0, r
    return root


def test_example_matches_golden_files(example, tmp_path):
    out = tmp_path / "out"
    render(example, out)
    got = {k: v for k, v in files_of(out).items() if k != MANIFEST}
    if os.environ.get("CINV_UPDATE_GOLDEN") == "1":
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in got.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    want = files_of(GOLDEN)
    assert sorted(got) == sorted(want)
    for rel in want:
        assert got[rel].decode() == want[rel].decode(), rel


def test_example_passes_every_checker(example, tmp_path):
    out = tmp_path / "out"
    render(example, out)
    check_all(out, tmp_path)
    assert len(check_libvirt(out)) == 8  # every active VM; retired web0 has none


def test_generated_inventory_passes_every_checker(generated, tmp_path):
    out = tmp_path / "out"
    render(generated, out)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    zones = check_zones(out, tmp_path)
    domains = check_libvirt(out)
    check_dnsmasq(out)
    listing = check_ansible(out, tmp_path)
    # /22 -> four /24 reverse zones; /26 and /29 -> RFC 2317 children of one parent /24
    for zone in ("0.1.10.in-addr.arpa", "1.1.10.in-addr.arpa", "2.1.10.in-addr.arpa",
                 "3.1.10.in-addr.arpa", "64-26.0.2.10.in-addr.arpa", "8-29.0.2.10.in-addr.arpa",
                 "0.2.10.in-addr.arpa", "example.net", "wide.example.net", "small.example.net",
                 "v6.wide.example.net"):
        assert zone in zones
    # /62 -> four /64 zones at the nibble boundary; /64 -> one
    v6 = sorted(z for z in zones if z.endswith("b.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"))
    assert [z.split(".")[0] for z in v6] == ["4", "5", "6", "7"]
    assert "0.0.0.0.a.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" in zones
    # 23 active VMs (the 24th is retired)
    assert len(domains) == 23
    assert len(listing["kind_virtual"]["hosts"]) == 23
    assert "vm023.wide.example.net" not in listing["_meta"]["hostvars"]


def test_retired_hosts_appear_nowhere(generated, tmp_path):
    out = tmp_path / "out"
    render(generated, out)
    for rel, data in files_of(out).items():
        text = data.decode()
        assert "vm023" not in text, rel
        assert "52:54:00:10:00:17" not in text, rel  # its MAC


def test_dns_records(generated, tmp_path):
    out = tmp_path / "out"
    render(generated, out)
    dns = out / "dns"
    wide = (dns / "db.wide.example.net").read_text()
    assert re.search(r"^vm000\tIN\tA\t10\.1\.0\.10$", wide, re.M)
    assert re.search(r"^eth1\.vm000\tIN\tA\t10\.2\.0\.70$", wide, re.M)  # second interface
    assert re.search(r"^svc0\tIN\tCNAME\tvm000\.wide\.example\.net\.$", wide, re.M)
    assert re.search(r"^v6\tIN\tNS\tns1\.example\.net\.$", wide, re.M)  # delegation of child
    top = (dns / "db.example.net").read_text()
    assert re.search(r"^api0\tIN\tCNAME\tvm000\.wide\.example\.net\.$", top, re.M)
    child = (dns / "db.64-26.0.2.10.in-addr.arpa").read_text()
    assert re.search(r"^70\tIN\tPTR\teth1\.vm000\.wide\.example\.net\.$", child, re.M)
    parent = (dns / "db.0.2.10.in-addr.arpa").read_text()
    assert re.search(r"^70\tIN\tCNAME\t70\.64-26$", parent, re.M)
    assert re.search(r"^64-26\tIN\tNS\tns1\.example\.net\.$", parent, re.M)
    assert len(re.findall(r"\tCNAME\t\d+\.64-26$", parent, re.M)) == 64
    assert len(re.findall(r"\tCNAME\t\d+\.8-29$", parent, re.M)) == 8
    for path in dns.glob("db.*arpa"):
        for line in path.read_text().splitlines():
            if "\tPTR\t" in line:
                assert line.endswith("."), (path.name, line)
    assert "$GENERATE" not in "".join(p.read_text() for p in dns.iterdir())


def test_example_excerpts(example, tmp_path):
    out = tmp_path / "out"
    render(example, out)
    dhcpd = (out / "dhcpd.conf").read_text()
    assert ("host web1.prod.example.com-eth0 {\n  hardware ethernet 52:54:00:00:00:01;\n"
            "  fixed-address 192.0.2.20;\n") in dhcpd
    assert "range 192.0.2.200 192.0.2.250;" in dhcpd
    import json
    kea = json.loads((out / "kea-dhcp4.conf").read_text())
    subnets = {s["subnet"]: s for s in kea["Dhcp4"]["subnet4"]}
    assert kea["Dhcp4"]["interfaces-config"]["interfaces"] == ["*"]
    prod = subnets["192.0.2.0/24"]
    assert prod["pools"] == [{"pool": "192.0.2.200 - 192.0.2.250"}]
    assert {"hw-address": "52:54:00:00:00:01", "ip-address": "192.0.2.20",
            "hostname": "web1.prod.example.com"} in prod["reservations"]
    from cinv.records.model import Network
    assert prod["id"] == Network(name="prod").kea_subnet_id
    xml = (out / "libvirt" / "web1.prod.example.com.xml").read_text()
    assert "<source bridge='br-prod'/>" in xml
    assert "/var/lib/libvirt/images/web1.prod.example.com-0.qcow2" in xml
    assert "<memory unit='KiB'>4194304</memory>" in xml
    hosts = (out / "hosts").read_text()
    assert "192.0.2.20\tweb1.prod.example.com www.prod.example.com web1\n" in hosts
    assert "web0" not in hosts


def test_two_renders_of_one_commit_are_identical(inventory, tmp_path):
    for name in ("web1", "web2"):
        inventory.ok("host", "add", name, "--kind", "virtual", "--network", "prod")
    a, b = tmp_path / "a", tmp_path / "b"
    render(inventory.root, a)
    render(inventory.root, b)
    assert files_of(a) == files_of(b)
    assert len(files_of(a)) > 10


def test_render_one_target_and_unknown_target(example, tmp_path):
    out = tmp_path / "out"
    render(example, out, "hosts", "kea")
    assert sorted(files_of(out)) == [MANIFEST, "hosts", "kea-dhcp4.conf", "kea-dhcp6.conf"]
    r = invoke("-C", example, "render", "--out", out, "nosuch")
    assert r.code == 1
    assert "unknown target nosuch" in r.err and "dhcpd" in r.err


def test_a_short_name_two_hosts_share_is_left_out_of_hosts_and_dnsmasq(inventory):
    """Issue 23: web1.prod and web1.mgmt gave /etc/hosts and dnsmasq two `web1`s (first match
    wins). The second host's add warns for both (its neighbours by short name), check says so
    after it (the incremental check too), and both files leave `web1` out, from kept parts
    and by the templates alike, until one of the two is gone."""
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inventory.ok("check")  # the full check that later ones update
    r = inventory.ok("host", "add", "web1.mgmt.example.com", "--kind", "virtual",
                     "--network", "mgmt")
    assert r.err.count("warning: name: the short name web1 is also that of") == 2, r
    r = inventory.ok("check")
    assert r.out.count("warning: name: the short name web1 is also that of") == 2, r
    out = inventory.root / "build"
    inventory.ok("render", "hosts", "dnsmasq")
    for rel in ("hosts", "dnsmasq/cinv.conf"):
        text = (out / rel).read_text()
        assert not re.search(r"[\s,]web1(\s|$)", text), (rel, text)
        assert "web1.prod.example.com" in text and "web1.mgmt.example.com" in text
    fresh = inventory.root.parent / "by-templates"
    shutil.copytree(inventory.root, fresh, ignore=shutil.ignore_patterns(".cinv"))
    (fresh / "templates" / "hosts.j2").write_text(
        (REPO / "templates" / "hosts.j2").read_text())  # an override: the template's path
    assert invoke("-C", fresh, "render", "hosts").code == 0
    assert (fresh / "build" / "hosts").read_text() == (out / "hosts").read_text()
    inventory.ok("host", "rm", "web1.mgmt.example.com")
    inventory.ok("render", "hosts", "dnsmasq")
    assert "\tweb1.prod.example.com web1\n" in (out / "hosts").read_text()
    assert re.search(r"^dhcp-host=52:54:00:00:00:01,[^\n]*,web1$",
                     (out / "dnsmasq" / "cinv.conf").read_text(), re.M)
