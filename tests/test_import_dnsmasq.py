"""cinv import dnsmasq: the lines it maps, the plan (one commit, re-runs, what is listed), and
real dnsmasq configurations (tests/corpus/dnsmasq, sources in tests/corpus/SOURCES.md)
imported whole, rendered, accepted by dnsmasq --test, kea-dhcp4 -t, dhcpd -t and
named-checkzone, and every dhcp-host, host-record and address= line of the source found in
the rendered files (or listed at its file:line)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from checkers import check_dhcpd, check_dnsmasq, check_kea, check_zones

from cinv.importers import dnsmasq_parse
from cinv.records import values

CORPUS = Path(__file__).parent / "corpus" / "dnsmasq"

SAMPLE = """\
# a home router
domain-needed
domain=home.example.com
interface=br0
dhcp-range=set:lan,192.168.1.100,192.168.1.200,12h
dhcp-option=option:router,192.168.1.1
dhcp-option=6,192.168.1.1
dhcp-option=tag:lan,option:ntp-server,192.168.1.1
dhcp-host=00:11:22:33:44:55,00:11:22:33:44:66,192.168.1.10,laptop
dhcp-host=aa:bb:cc:dd:ee:ff,set:pxe,192.168.1.11,pxeclient
dhcp-boot=tag:pxe,pxelinux.0,boothost,192.168.1.2
dhcp-host=id:01:de:ad:be:ef:00:01,192.168.1.12,winbox
dhcp-host=00:20:e0:3b:13:*,ignore
dhcp-host=id:00:01:00:01:2a:3b:4c:5d:00:11:22:33:44:77,[2001:db8:1::20],ws1
host-record=nas.home.example.com,nas,files,192.168.1.5
cname=media.home.example.com,nas.home.example.com
cname=www.home.example.com,router.home.example.com
address=/apps.home.example.com/192.168.1.20
address=/doubleclick.net/0.0.0.0
"""


def test_the_items_of_dhcp_host_and_dhcp_range_lines():
    h = dnsmasq_parse.host_items("11:22:33:44:55:66,12:34:56:78:90:12,set:x,192.168.0.2,lap,1h")
    assert [values.mac_str(m) for m in h.macs] == ["12:34:56:78:90:12"]
    assert h.other[0] == ("11:22:33:44:55:66", "11:22:33:44:55:66 is a multicast address "
                                                "(lowest bit of the first octet set)")
    assert (h.ipv4, h.name, h.set_tags) == ("192.168.0.2", "lap", ["x"])
    h = dnsmasq_parse.host_items("id:00:03:00:01:aa:bb:cc:dd:ee:ff,[2001:db8::5],fred")
    assert (h.client_id, h.ipv6, h.name) == ("00:03:00:01:aa:bb:cc:dd:ee:ff", ["2001:db8::5"],
                                             "fred")
    r = dnsmasq_parse.range_items("tag:eth1,192.168.1.0,static,255.255.255.0,infinite")
    assert (r.first, r.last, r.mode, r.netmask) == ("192.168.1.0", None, "static",
                                                    "255.255.255.0")
    r = dnsmasq_parse.range_items("::1,::400,constructor:eth0,ra-names,64,12h")
    assert (r.family, r.mode, r.netmask) == (6, "constructor:eth0", "64")


def test_a_home_router_in_one_commit(empty_inventory, tmp_path):
    conf = tmp_path / "dnsmasq.conf"
    conf.write_text(SAMPLE)
    inv = empty_inventory
    snap = inv.snapshot()
    dry = inv.ok("import", "dnsmasq", conf, "--networks", "--dry-run")
    assert inv.snapshot() == snap and "Dry run: nothing written." in dry.out
    r = inv.ok("import", "dnsmasq", conf, "--networks")
    assert inv.subjects()[0] == (f"Import {conf}: 1 network created, 4 hosts created, "
                                 "1 zone created")
    out = r.out
    assert ("create host laptop.home.example.com: eth0 00:11:22:33:44:55 (and "
            "00:11:22:33:44:66) 192.168.1.10 on lan") in out
    assert ("create host nas.home.example.com: eth0 192.168.1.5 on lan (names files) "
            "(aliases media)") in out
    assert f"note: {conf}:12: the client id 01:de:ad:be:ef:00:01 is the Ethernet MAC" in out
    assert (f"note: {conf}:5: warning: dhcp-range names no netmask (dnsmasq takes it from its "
            "interface): imported as 192.168.1.0/24") in out
    assert (f"{conf}:13: dhcp-host=00:20:e0:3b:13:*,ignore (00:20:e0:3b:13:*): a MAC with "
            "wildcards matches many clients: not a reservation") in out
    assert (f"{conf}:14: dhcp-host=id:00:01:00:01:2a:3b:4c:5d:00:11:22:33:44:77,"
            "[2001:db8:1::20],ws1: no network holds 2001:db8:1::20") in out
    assert f"{conf}:19: address=/doubleclick.net/0.0.0.0: answers no address" in out
    assert f"{conf}:4: interface=br0: dnsmasq setting; cinv does not keep it" in out
    loaded = inv.load()
    net = loaded.networks["lan"]
    assert (str(net.gateway4), net.domain, net.dhcp.options) == (
        "192.168.1.1", "home.example.com", {"ntp-servers": ["192.168.1.1"]})
    pxe = loaded.hosts["pxeclient.home.example.com"].interfaces[0].dhcp
    assert (pxe.filename, pxe.next_server) == ("pxelinux.0", "192.168.1.2")
    zone = loaded.zones["home.example.com"]
    assert sorted((r.owner, r.type, r.value) for r in zone.records) == [
        ("*.apps", "A", "192.168.1.20"), ("apps", "A", "192.168.1.20"),
        ("www", "CNAME", "router.home.example.com.")]
    assert inv.problems() == []
    snap = inv.snapshot()
    assert "Nothing to change." in inv.ok("import", "dnsmasq", conf, "--networks").out
    assert inv.snapshot() == snap


# --- the corpus ---------------------------------------------------------------------------

# case: (files, `cinv net add` arguments the user gives first, --networks, dhcp-host lines that
# must be compared at least)
CASES = {
    "lux4rd0": (["lux4rd0-04-pihole-static-dhcp.conf"],
                [["lan", "--ipv4", "10.10.0.0/16", "--domain", "home.example.com"]], False, 147),
    "blakeshome": (["blakeshome/03-blakeshome.conf", "blakeshome/04-bypass.conf",
                    "blakeshome/04-pihole-static-dhcp.conf", "blakeshome/05-dhcp-settings.conf"],
                   [["lan", "--ipv4", "192.168.2.0/24", "--domain", "blakeshome.com"]], False, 3),
    "jgwehr": (["jgwehr/02-pihole-dhcp.conf", "jgwehr/04-pihole-static-dhcp.conf"],
               [["home", "--ipv4", "192.168.1.0/24"]], True, 15),
    "bcc": (["bcc/02.local.conf", "bcc/04-pihole-static-dhcp.conf"],
            [["lan", "--ipv4", "192.168.6.0/24"]], False, 3),
    "cargo2k": (["cargo2k-dnsmasq.conf"], [], True, 0),
    "miiraheart": (["miiraheart-openshift.conf"],
                   [["lan", "--ipv4", "192.168.1.0/24", "--domain", "smartek.com"]], False, 0),
}


def source_lines(path: Path, key: str) -> list[tuple[str, str]]:
    """(file:line, value) of the source's `key=` lines, as dnsmasq reads them."""
    return [(line.where, line.value) for line in dnsmasq_parse.lines(path, str(path))
            if line.key == key]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_host_line_of_a_real_dnsmasq_config_is_rendered_or_listed(empty_inventory,
                                                                        tmp_path, case):
    files, nets, networks, at_least = CASES[case]
    inv = empty_inventory
    for net in nets:
        inv.ok("net", "add", *net)
    sources = [CORPUS / f for f in files]
    r = inv.ok("import", "dnsmasq", *sources, *(["--networks"] if networks else []))
    listed = {line.split(": ", 1)[0].strip() for line in r.out.splitlines()
              if line.startswith("  " + str(CORPUS))}
    assert inv.run("check").code == 0
    out = tmp_path / "out"
    inv.ok("render", "--out", out)
    check_dnsmasq(out)
    check_dhcpd(out)
    check_kea(out, tmp_path)
    zones = check_zones(out, tmp_path)
    rendered = (out / "dnsmasq" / "cinv.conf").read_text()
    kea = {r["hw-address"]: r for s in json.loads((out / "kea-dhcp4.conf").read_text())
           ["Dhcp4"]["subnet4"] for r in s["reservations"]}
    compared = 0
    for path in sources:
        for where, value in source_lines(path, "dhcp-host"):
            items = value.split(",")
            macs = [i.lower() for i in items
                    if re.fullmatch(r"([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}", i)]
            addr = next((i for i in items if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", i)), None)
            tags_only = macs and not addr and all(i.startswith("set:") or i in macs or
                                                  i.lower() in macs for i in items)
            if where in listed or tags_only:
                continue
            assert macs, (where, value)  # nothing else is taken without being listed
            line = next(x for x in rendered.splitlines() if x.startswith(f"dhcp-host={macs[0]}"))
            assert line.startswith("dhcp-host=" + ",".join(macs)), (where, line)
            if addr:
                assert f",{addr}," in line + ",", (where, line)
                assert kea[macs[0]]["ip-address"] == addr
            compared += 1
        for where, value in source_lines(path, "host-record"):
            name = value.split(",")[0].lower()
            assert where in listed or f"host-record={name}," in rendered, (where, value)
        for where, value in source_lines(path, "address"):
            if where in listed:
                continue
            *names_, addr = value.strip("/").split("/")
            for name in names_:
                name = name.strip(".").lower()
                zone = next(z for z in sorted(zones, key=len, reverse=True)
                            if name == z or name.endswith("." + z))
                text = zones[zone].read_text()
                rel = "@" if name == zone else name[:-len(zone) - 1]
                wild = "*" if name == zone else f"*.{rel}"
                for owner in (rel, wild):
                    assert re.search(rf"^{re.escape(owner)}\t.*\tA\t{re.escape(addr)}$", text,
                                     re.M), (where, owner, zone)
    assert compared >= at_least


def test_the_corpus_covers_what_real_files_hold():
    text = "".join(p.read_text() for p in CORPUS.rglob("*") if p.is_file())
    for needle in ("dhcp-host=", "dhcp-range=", "dhcp-option=", "address=/", "domain=",
                   "set:", "tag:", "option6:", "constructor:", "infinite"):
        assert needle in text, needle
    assert len(CASES) >= 6
