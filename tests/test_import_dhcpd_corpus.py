"""Real dhcpd.conf trees (tests/corpus/dhcpd, sources in tests/corpus/SOURCES.md) imported
whole, rendered, and checked: the rendered dhcpd.conf/dhcpd6.conf and Kea files pass their own
checkers, and every host reservation of the source (MAC, address, host-level options,
next-server, filename) is in the rendered dhcpd file and in Kea, or is listed as not mapped at
its file:line. The source is read here by a small evaluator of its own (dhcpd's scoping: a
host's parameters are its block's and those of the groups around it below its subnet)."""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path

import netaddr
import pytest
from checkers import check_kea, require, run

from cinv.importers import dhcpd_parse
from cinv.records import dhcpopts

CORPUS = Path(__file__).parent / "corpus" / "dhcpd"

# case: (top file, root for absolute includes, reservations that must be compared at least)
CASES = {
    "isc-example": ("dhcpd.conf", None, 2),
    "isc-failover": ("dhcpd.conf", None, 0),
    "isc-dhcpv6": ("dhcpd6.conf", None, 1),  # a host keyed by its DUID
    "vmware-vmnet8": ("dhcpd.conf", None, 1),
    "fedora-rdu3": ("dhcpd.conf", None, 125),
    "fedora-cloud": ("dhcpd.conf", None, 45),
    "wikimedia": ("etc/dhcp/dhcpd.conf", ".", 600),
    "ocp4-metal": ("dhcpd.conf", None, 6),
    "two-subnets-groups": ("dhcpd.conf", None, 4),
    # the second corpus (other authors and styles)
    "tildaslash": ("etc/dhcp/dhcpd.conf", ".", 1),
    "onie-vivso": ("dhcpd.conf", None, 0),
    "cumulus-ztp": ("etc/dhcp/dhcpd.conf", ".", 13),
    "ocp4-scalelab": ("dhcpd.conf", None, 5),
    "juniper-ztp": ("dhcpd.conf", None, 1),
    "ddns-group": ("dhcpd.conf", None, 1),
    "llnl-pxelinux": ("dhcpd.conf", None, 10),
    "tihlde-on-expiry": ("dhcpd.conf", None, 0),
    "paocloud-v6": ("dhcpd6.conf", None, 0),
    "isc-docsis-v6": ("dhcpd6.conf", None, 0),
}


@dataclass
class Reservation:
    where: str
    mac: str  # the MAC, or "duid:<DUID>" for a host keyed on its DHCPv6 client id
    fixed: list[str] = field(default_factory=list)  # (fixed-address or -address6, where)
    params: dict = field(default_factory=dict)  # key -> (items, where)


def reservations(parsed: dhcpd_parse.Parsed) -> list[Reservation]:
    out: list[Reservation] = []

    def walk(stmts, inherited: dict, boundary: bool):
        """Parameters of a subnet, shared-network or the global scope are the network's, not
        the host's: a host gets those of its groups below them, and its own."""
        own = dict(inherited)
        if not boundary:
            for st in stmts:
                if st.block is None and not st.bad and _param_key(st):
                    own[_param_key(st)] = (_items(st), st.where)
        for st in stmts:
            if st.block is None or st.bad:
                continue
            head = st.head
            if head == "host":
                _host(st, own)
            elif head in ("group",):
                walk(st.block, own, False)
            elif head in ("subnet", "subnet6", "shared-network"):
                walk(st.block, {}, True)

    def _host(st, inherited):
        params = dict(inherited)
        mac, fixed, duid = None, [], None
        for inner in st.block:
            if inner.head == "host-identifier" and inner.arg(2).lower() == "dhcp6.client-id":
                duid = _duid(inner.arg(3))
            elif inner.head == "hardware" and inner.arg(1).lower() == "ethernet":
                try:
                    eui = netaddr.EUI(inner.arg(2))
                    mac = str(eui).replace("-", ":").lower() if eui.version == 48 else None
                except netaddr.AddrFormatError:
                    mac = None
            elif inner.head in ("fixed-address", "fixed-address6"):
                fixed.append((inner.arg(1), inner.where))
            elif _param_key(inner):
                params[_param_key(inner)] = (_items(inner), inner.where)
        if duid is not None:
            out.append(Reservation(st.where, f"duid:{duid}", fixed, params))
        elif mac is not None and not int(mac[:2], 16) & 1:
            out.append(Reservation(st.where, mac, fixed, params))

    walk(parsed.statements, {}, True)
    return out


def _duid(text: str) -> str | None:
    """A DUID as octets (its own reading, not cinv's)."""
    try:
        return ":".join(f"{int(p, 16):02x}" for p in text.split(":"))
    except ValueError:
        return None


def _param_key(st) -> str | None:
    if st.head == "option" and st.arg(1).lower() in dhcpopts.OPTIONS and \
            (len(st.words) < 3 or st.arg(2).lower() != "code"):
        return st.arg(1).lower()
    return st.head if st.head in ("next-server", "filename") else None


def _items(st) -> list[str]:
    words = st.words[2:] if st.head == "option" else st.words[1:]
    return [w.text for w in words if w.quoted or w.text != ","]


def _value(key: str, items: list[str]):
    """The value as cinv would hold it, or None (then the importer had to list it)."""
    try:
        if key == "filename":
            return dhcpopts.filename(items[0])
        if key == "next-server":
            return dhcpopts.ipv4(items[0])
        opt = dhcpopts.OPTIONS[key]
        return dhcpopts.parse_value(opt, items if opt.type in ("ips", "ip6s", "fqdns")
                                    else items[0])
    except (ValueError, IndexError):
        return None


def rendered_hosts(path: Path) -> dict[str, dict]:
    """MAC -> {key: items} of the host blocks of a rendered dhcpd file."""
    out = {}
    for st in dhcpd_parse.parse(path, path.name).statements:
        if st.head != "host":
            continue
        block = {}
        for inner in st.block:
            if inner.head == "hardware":
                block["mac"] = inner.arg(2)
            elif inner.head == "host-identifier":
                block["mac"] = f"duid:{inner.arg(3)}"
            elif inner.head in ("fixed-address", "fixed-address6"):
                block["fixed"] = inner.arg(1)
            elif _param_key(inner):
                block[_param_key(inner)] = _items(inner)
        out[block["mac"]] = block
    return out


def kea_reservations(path: Path, family: str) -> dict[str, dict]:
    root = json.loads(path.read_text())[f"Dhcp{family}"]
    return {r["hw-address"] if "hw-address" in r else f"duid:{r['duid']}": r
            for s in root[f"subnet{family}"] for r in s["reservations"]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_reservation_of_a_real_tree_is_rendered_or_listed(empty_inventory, tmp_path,
                                                                 case, monkeypatch):
    top, root, at_least = CASES[case]
    source = CORPUS / case / top
    args = ["--root", CORPUS / case / root] if root else []
    # where neither address nor subnet tells a host's network, the user names one
    empty_inventory.ok("net", "add", "rest", "--ipv4", "100.64.0.0/16")
    r = empty_inventory.ok("import", "dhcpd", source, "--networks", "--network", "rest", *args)
    listed = {line.split(": ", 1)[0].strip() for line in r.out.splitlines()
              if line.startswith("  /") or line.startswith("  " + str(CORPUS))}
    check = empty_inventory.run("check")
    assert check.code == 0, check
    out = tmp_path / "out"
    empty_inventory.ok("render", "dhcpd", "kea", "--out", out)
    dhcpd = require("dhcpd")
    run([dhcpd, "-4", "-t", "-q", "-cf", out / "dhcpd.conf", "-lf", "/dev/null"], "dhcpd -t")
    run([dhcpd, "-6", "-t", "-q", "-cf", out / "dhcpd6.conf", "-lf", "/dev/null"], "dhcpd -6")
    check_kea(out, tmp_path)

    v6 = top.startswith("dhcpd6")
    hosts = rendered_hosts(out / ("dhcpd6.conf" if v6 else "dhcpd.conf"))
    kea = kea_reservations(out / f"kea-dhcp{'6' if v6 else '4'}.conf", "6" if v6 else "4")
    parsed = dhcpd_parse.parse(source, str(source), CORPUS / case / root if root else None)
    compared = 0
    for res in reservations(parsed):
        if res.where in listed:
            continue  # not imported (a clash, no network ...), and said so at its line
        got, reservation = hosts[res.mac], kea[res.mac]
        for value, where in res.fixed:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                assert where in listed or got.get("fixed"), (res, got)  # a name: resolved
                continue
            assert got.get("fixed") == value, (res, got)
            assert value in (reservation.get("ip-address"), *reservation.get("ip-addresses", []))
        for key, (items, where) in res.params.items():
            want = _value(key, items)
            if want is None:
                assert where in listed, (res, key)
                continue
            if key == "host-name":
                name = got[key][0]
                assert name.lower().rstrip(".") == want.lower().rstrip("."), (res, got)
                assert reservation["hostname"] == name
                continue
            assert _value(key, got.get(key, [])) == want, (res, key, got)
            if key in ("next-server", "filename"):
                kea_key = "next-server" if key == "next-server" else "boot-file-name"
                assert reservation[kea_key] == want
            else:
                opt = dhcpopts.OPTIONS[key]
                assert {"name": opt.kea, "data": dhcpopts.kea(opt, want)} in \
                    reservation.get("option-data", []), (res, key, reservation)
        compared += 1
    assert compared >= at_least


def test_the_corpus_covers_what_real_trees_hold():
    text = "".join(p.read_text(errors="replace") for p in CORPUS.rglob("*") if p.is_file())
    for needle in ("shared-network", "group {", "class \"", "failover peer", 'include "/etc',
                   "pxelinux", "next-server", "filename", "fixed-address6", "subnet6",
                   "option routers rtr-", "0:0:c0:5d:bd:95",
                   # the second corpus
                   "on expiry", "= encapsulate", "host-identifier option", "site-option-space",
                   "vendor-encapsulated-options", "allow members of", "load balance max",
                   "fixed-address printer;", "key dhcpupdate", "0C:C4:7A:8E:B5:66 ;"):
        assert needle in text, needle
    assert len(CASES) >= 18 and {p.name for p in CORPUS.iterdir()} == set(CASES)


def test_a_tree_and_its_zone_meet_in_one_inventory(empty_inventory):
    """tildaslash.com keeps its zone and its dhcpd.conf side by side. Imported after the zone,
    the dhcpd file's `fixed-address printer` (a short name in the file's domain-name) gives
    the zone's hosts their MACs; but its `testhost` reserves 192.168.2.128, which the zone's
    $GENERATE names vmdhcp128: the import is refused naming both, and nothing is written."""
    inv = empty_inventory
    inv.ok("net", "add", "vm", "--ipv4", "192.168.2.0/24", "--domain", "int.tildaslash.com")
    inv.ok("net", "add", "lan", "--ipv4", "192.168.0.0/24", "--domain", "int.tildaslash.com")
    zone = Path(__file__).parent / "corpus" / "zones" / "tildaslash-int.tildaslash.com"
    inv.ok("import", "zone", zone, "--zone", "int.tildaslash.com")
    tree = CORPUS / "tildaslash"
    conf = tree / "etc" / "dhcp" / "dhcpd.conf"
    snap = inv.snapshot()
    for extra in ((), ("--dry-run",)):
        r = inv.run("import", "dhcpd", conf, "--root", tree, "--networks", *extra)
        assert r.code == 1 and r.err.endswith(
            f"{conf}:41: address 192.168.2.128 of testhost.int.tildaslash.com is already held "
            "by vmdhcp128.int.tildaslash.com (hosts/vmdhcp128.int.tildaslash.com.yaml)\n"), r
    assert inv.snapshot() == snap
    for name, mac in (("printer", "00:23:7d:68:17:f1"), ("2tb", "02:50:43:61:2f:49"),
                      ("ninja02", "d4:94:a1:8b:39:97")):
        assert f"update host {name}.int.tildaslash.com: interfaces.eth0.mac = {mac}" in r.out
    assert "a name neither this file nor the inventory gives an address" not in r.out
