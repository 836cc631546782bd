"""cinv audit leases on the lease files real DHCP servers write.

ISC dhcpd (-4, -6) and kea-dhcp4/6 serve the rendered example inventory in a network namespace
(see test_serve_dhcp.Lab); a client wearing a host's MAC and one wearing a MAC no host has ask
for leases; the audit of the lease file the server wrote names the stranger (with its pool
address) and not the host. ISC dhcpd records no lease for a host with a fixed address (Kea
records its reservation as one), so there only the stranger is in the file. Nothing leaves the
namespaces; needs root like the DHCP tests.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import invoke
from test_serve_dhcp import UNKNOWN_MAC, Lab

from cinv.audit import leases

KNOWN_MAC = "52:54:00:00:00:01"  # web1.prod.example.com: 192.0.2.20, 2001:db8:0:1::20


@pytest.fixture
def lab(tmp_path):
    lab = None
    try:
        lab = Lab(tmp_path)
        yield lab
    finally:
        if lab is not None:
            lab.close()


def lease_file(lab: Lab, server: str) -> Path:
    run = lab.tmp / f"{server}-{lab.runs}"
    if server.startswith("dhcpd"):
        return run / "leases"
    return run / f"leases{server[-1]}.csv"


def audit(lab: Lab, path: Path):
    r = invoke("-C", lab.root, "audit", "leases", path, "--format", "json")
    return r, [(f["kind"], f["subject"], f["expected"], f["actual"])
               for f in json.loads(r.out or "[]")]


@pytest.mark.parametrize("server", ["dhcpd", "kea-dhcp4"])
def test_the_stranger_is_named_and_the_host_is_not(lab, server):
    lab.serve(server, "prod")
    path = lease_file(lab, server)
    assert lab.lease4(KNOWN_MAC)["ipv4"] == "192.0.2.20"
    stranger = lab.lease4(UNKNOWN_MAC, hostname="stranger-pc")["ipv4"]
    lab.stop_server()
    found = {lease.mac: lease.shown
             for lease in leases.active(leases.read_files([(path, "x")]))}
    host = {} if server == "dhcpd" else {0x525400000001: "192.0.2.20"}
    assert found == {**host, 0x020000C14E01: stranger}
    r, findings = audit(lab, path)
    assert r.code == 1, r
    assert findings == [("unknown-mac", UNKNOWN_MAC, None, stranger)]
    # with its clues: the name it sent and since when (issue 23)
    note = json.loads(r.out)[0]["note"]
    assert re.fullmatch(r'vendor: locally administered \(no vendor\); client-hostname '
                        r'"stranger-pc"; since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', note), note


def test_a_v6_lease_of_a_host_agrees(lab):
    lab.serve("kea-dhcp6", "prod")
    path = lease_file(lab, "kea-dhcp6")
    assert lab.lease6(KNOWN_MAC)["ipv6"] == "2001:db8:0:1::20"
    lab.stop_server()
    found = leases.active(leases.read_files([(path, "x")]))
    assert [(lease.shown, lease.kind, lease.mac) for lease in found] == [
        ("2001:db8:0:1::20", "na", 0x525400000001)]
    r, findings = audit(lab, path)
    assert (r.code, findings) == (0, []), r


def test_a_v6_stranger_is_named_by_the_mac_in_its_duid(lab):
    """dhcpd -6 with a dynamic range added to the rendered subnet: dhclient's DUID-LLT carries
    the stranger's MAC, which is what the audit names."""
    conf = lab.out / "dhcpd6.conf"
    conf.write_text(conf.read_text().replace(
        '  option dhcp6.domain-search "prod.example.com";\n',
        '  option dhcp6.domain-search "prod.example.com";\n'
        "  range6 2001:db8:0:1::1000 2001:db8:0:1::10ff;\n", 1))
    lab.serve("dhcpd6", "prod")
    path = lease_file(lab, "dhcpd6")
    got = lab.lease6(UNKNOWN_MAC)["ipv6"]
    assert got.startswith("2001:db8:0:1::10")
    assert lab.lease6(KNOWN_MAC)["ipv6"] == "2001:db8:0:1::20"  # fixed: not in the file
    lab.stop_server()
    found = leases.active(leases.read_files([(path, "x")]))
    assert [(lease.shown, lease.kind, lease.mac) for lease in found] == [
        (got, "na", 0x020000C14E01)]
    r, findings = audit(lab, path)
    assert r.code == 1
    assert findings == [("unknown-mac", UNKNOWN_MAC, None, got)]
