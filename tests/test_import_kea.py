"""cinv import kea: Kea's JSON with comments and includes, the plan (one commit, re-runs, what
is listed), and real Kea configurations (tests/corpus/kea, sources in tests/corpus/SOURCES.md)
imported whole, rendered, accepted by kea-dhcp4/6 -t, dhcpd -t and dnsmasq --test, and every
reservation of the source found in the rendered files (or listed at its file:line)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkers import check_dhcpd, check_dnsmasq, require, run

from cinv.errors import CinvError
from cinv.importers import kea_parse
from cinv.records import dhcpopts, values

CORPUS = Path(__file__).parent / "corpus" / "kea"

SAMPLE = """\
// a Kea file as people write it: every comment style Kea reads
{
"Dhcp4": {
  "interfaces-config": { "interfaces": [ "eth0" ] },
  # global options, inherited by the subnets
  "option-data": [ { "name": "domain-name-servers", "data": "192.0.2.53, 192.0.2.54" },
                   { "name": "domain-name", "data": "lan.example.com" } ],
  "client-classes": [ { "name": "voip", "test": "substring(option[60].hex,0,6) == 'Aastra'" } ],
  "valid-lifetime": 4000,
  /* the subnet */
  "subnet4": [
    {
      "id": 7,
      "subnet": "192.0.2.0/24",
      "pools": [ { "pool": "192.0.2.1 - 192.0.2.254" } ],
      "option-data": [ { "name": "routers", "data": "192.0.2.1" },
                       { "code": 42, "data": "192.0.2.123" } ],
      "reservations": [
        { "hw-address": "1a:1b:1c:1d:1e:1f", "ip-address": "192.0.2.10", "hostname": "nas" },
        { "hw-address": "AA-BB-CC-DD-EE-01", "ip-address": "192.0.2.11",
          "option-data": [ { "name": "root-path", "data": "/srv/nfs/pxe" } ],
          "boot-file-name": "pxelinux.0", "next-server": "192.0.2.3" },
        { "client-id": "01:aa:bb:cc:dd:ee:03", "ip-address": "192.0.2.12", "hostname": "win" },
        { "circuit-id": "'charter950'", "ip-address": "192.0.2.13" },
        { "hw-address": "aa:bb:cc:dd:ee:02", "ip-address": "192.0.2.10", "hostname": "nas-wifi" },
      ]
    }
  ]
}
}
"""


def write(tmp_path: Path, text: str, name: str = "kea-dhcp4.conf") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the reader ---------------------------------------------------------------------------

def test_comments_trailing_commas_and_where_each_value_stands(tmp_path):
    doc = kea_parse.parse(write(tmp_path, SAMPLE), "k.conf")
    subnet = doc["Dhcp4"]["subnet4"][0]
    assert subnet.where == "k.conf:12" and subnet.at("reservations") == "k.conf:18"
    reservations = subnet["reservations"]
    assert len(reservations) == 5 and reservations.item_where[4] == "k.conf:25"
    assert doc["Dhcp4"]["valid-lifetime"] == 4000


def test_an_include_is_spliced_in_where_it_stands(tmp_path):
    (tmp_path / "hosts.json").write_text('[ { "hw-address": "52:54:00:00:00:01",\n'
                                         '    "ip-address": "192.0.2.9" } ]\n')
    (tmp_path / "part.json").write_text('{ "id": 1, "subnet": "192.0.2.0/24" },\n')
    conf = write(tmp_path, '{ "Dhcp4": { "subnet4": [ <?include "part.json"?>\n'
                 '  { "subnet": "198.51.100.0/24",\n'
                 '    "reservations": <?include "hosts.json"?> } ] } }\n')
    doc = kea_parse.parse(conf, "kea.conf")
    first, second = doc["Dhcp4"]["subnet4"]
    assert first.where == "part.json:1" and second.where == "kea.conf:2"
    assert second["reservations"].item_where == ["hosts.json:1"]


@pytest.mark.parametrize("text, message", [
    ('{ "Dhcp4": { "subnet4": [ } }', "k.conf:1: unexpected '}' where a value was expected"),
    ('{ "Dhcp4":\n  { "a": 1 "b": 2 } }', "k.conf:2: ',' or '}' expected after the value of 'a'"),
    ('{ "Dhcp4": {} /* open', "k.conf:1: a /* comment is not closed"),
    ('{ "a": "x\n" }', "k.conf:1: a string is not closed on its line"),
    ('{ "a": <?include "nowhere.json"?> }', 'k.conf:1: include "nowhere.json": nowhere.json '
     "does not exist"),
    ('{ "a": <?include "../outside.json"?> }', "lies outside"),
    ('{ "a": 1 } { "b": 2 }', "k.conf:1: more after the configuration's closing brace"),
])
def test_a_file_kea_would_refuse_is_refused_at_its_line(tmp_path, text, message):
    with pytest.raises(CinvError, match=message.replace("(", r"\(").replace("*", r"\*")):
        kea_parse.parse(write(tmp_path, text, "k.conf"), "k.conf")


def test_an_include_loop_is_refused(tmp_path):
    write(tmp_path, '{ "a": <?include "b.json"?> }', "a.json")
    write(tmp_path, '[ <?include "a.json"?> ]', "b.json")
    with pytest.raises(CinvError, match=r"include loop \(a.json -> b.json -> a.json\)"):
        kea_parse.parse(tmp_path / "a.json", "a.json")


# --- the plan -----------------------------------------------------------------------------

def test_reservations_subnets_and_options_in_one_commit(empty_inventory, tmp_path):
    conf = write(tmp_path, SAMPLE)
    inv = empty_inventory
    snap = inv.snapshot()
    dry = inv.ok("import", "kea", conf, "--networks", "--dry-run")
    assert inv.snapshot() == snap and "Dry run: nothing written." in dry.out
    commits = inv.commit_count()
    r = inv.ok("import", "kea", conf, "--networks")
    assert inv.commit_count() == commits + 1
    assert inv.subjects()[0] == f"Import {conf}: 1 network created, 3 hosts created"
    out = r.out
    assert ("create host nas.lan.example.com: eth0 1a:1b:1c:1d:1e:1f (and aa:bb:cc:dd:ee:02) "
            "192.0.2.10 on lan") in out
    assert f"note: {conf}:20: reservation hw-address AA-BB-CC-DD-EE-01 has no hostname: " \
        "named host-192-0-2-11" in out
    assert f"note: {conf}:23: the client id 01:aa:bb:cc:dd:ee:03 is the Ethernet MAC" in out
    assert (f"{conf}:24: reservation circuit-id 'charter950': keyed on circuit-id: cinv keys "
            "DHCPv4 reservations on the MAC; not imported") in out
    assert f"{conf}:8: client class 'voip': client classes are not part of the inventory" in out
    assert f"{conf}:9: valid-lifetime: server parameter; cinv does not keep it" in out
    assert (f"note: {conf}:15: warning: the range 192.0.2.1-192.0.2.254 holds the router "
            "192.0.2.1, which the server never leases; imported as 192.0.2.2-192.0.2.254") in out
    net = inv.load().networks["lan"]
    assert (str(net.gateway4), net.domain, net.kea_subnet_id) == ("192.0.2.1", "lan.example.com", 7)
    assert [str(a) for a in net.dns_servers] == ["192.0.2.53", "192.0.2.54"]
    assert net.dhcp.options == {"ntp-servers": ["192.0.2.123"]}
    pxe = inv.load().hosts["host-192-0-2-11.lan.example.com"].interfaces[0]
    assert (pxe.dhcp.filename, pxe.dhcp.next_server, pxe.dhcp.options) == (
        "pxelinux.0", "192.0.2.3", {"root-path": "/srv/nfs/pxe"})
    assert inv.problems() == [] or all(p.severity == "warning" for p in inv.problems())
    snap = inv.snapshot()
    assert "Nothing to change." in inv.ok("import", "kea", conf, "--networks").out
    assert inv.snapshot() == snap


def test_without_networks_reservations_go_to_the_inventorys_networks(inventory, tmp_path):
    conf = write(tmp_path, SAMPLE)
    r = inventory.ok("import", "kea", conf)
    assert f"{conf}:12: subnet 192.0.2.0/24: networks are imported only with --networks" in r.out
    assert "create host nas.prod.example.com: eth0 1a:1b:1c:1d:1e:1f" in r.out
    assert f"{conf}:6: option-data: network parameter: imported into networks with --networks" \
        in r.out


# --- the corpus ---------------------------------------------------------------------------

# case: (family, reservations that must be compared at least)
CASES = {
    "isc-kea4-reservations.json": (4, 2),
    "isc-kea4-global-reservations.json": (4, 2),
    "isc-kea4-shared-network.json": (4, 0),
    "isc-kea4-classify2.json": (4, 5),
    "isc-kea4-comments.json": (4, 1),
    "isc-kea6-reservations.json": (6, 3),
    "isc-kea6-global-reservations.json": (6, 3),
    "isc-kea6-shared-network.json": (6, 0),
    "isc-kea6-classify2.json": (6, 4),
    "isc-kea6-duid.json": (6, 0),
    "agoodkind-kea-dhcp4.conf": (4, 5),
    "agoodkind-kea-dhcp6.conf": (6, 5),
    "spectre63-kea-dhcp6.conf": (6, 3),
    "ottorei-juniper-ztp-kea-dhcp4.conf": (4, 0),
    "svdleer-kea-dhcp6.conf": (6, 20),
}


def source_reservations(doc, family: int) -> list[tuple[str, dict]]:
    """(file:line, reservation) of every reservation of the file: global, in subnets, in the
    subnets of shared networks."""
    server = doc[f"Dhcp{family}"]
    subnets = [s for s in server.get(f"subnet{family}", [])]
    for shared in server.get("shared-networks", []):
        subnets += shared.get(f"subnet{family}", [])
    out = list(zip(server.get("reservations", []),
                   getattr(server.get("reservations"), "item_where", [])))
    for sub in subnets:
        rs = sub.get("reservations", [])
        out += list(zip(rs, getattr(rs, "item_where", [])))
    return [(where, r) for r, where in out]


def kea_on_this_machine(out: Path, tmp: Path) -> None:
    """kea-dhcp4/6 -t on the rendered files, with the source's interface names (a subnet's
    `interface`, which kea-dhcp6 -t looks up on the machine it runs on) made `lo`."""
    env = {"KEA_PIDFILE_DIR": str(tmp), "KEA_LOCKFILE_DIR": str(tmp), "KEA_LOG_FILE_DIR": str(tmp)}
    for family in ("4", "6"):
        conf = json.loads((out / f"kea-dhcp{family}.conf").read_text())
        root = conf[f"Dhcp{family}"]
        root["interfaces-config"]["interfaces"] = ["*"]
        for subnet in root[f"subnet{family}"]:
            if "interface" in subnet:
                subnet["interface"] = "lo"
        (tmp / f"kea{family}.json").write_text(json.dumps(conf))
        run([require(f"kea-dhcp{family}"), "-t", tmp / f"kea{family}.json"],
            f"kea-dhcp{family} -t", env)


def rendered_reservations(out: Path, family: int) -> dict[str, dict]:
    root = json.loads((out / f"kea-dhcp{family}.conf").read_text())[f"Dhcp{family}"]
    return {r.get("hw-address") or f"duid:{r['duid']}": r
            for s in root[f"subnet{family}"] for r in s["reservations"]}


def _key(r: dict, family: int) -> str | None:
    """What the rendered reservation is keyed on, or None (a reservation cinv cannot key:
    it must be listed)."""
    try:
        if family == 6 and "duid" in r:
            return f"duid:{values.parse_duid(r['duid'])}"
        if "hw-address" in r:
            return values.normalise_mac(r["hw-address"])
        if family == 4 and "client-id" in r and str(r["client-id"]).lower().startswith("01:"):
            return values.normalise_mac(":".join(str(r["client-id"]).split(":")[1:]))
    except ValueError:
        return None
    return None


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_reservation_of_a_real_kea_file_is_rendered_or_listed(empty_inventory, tmp_path,
                                                                    case):
    family, at_least = CASES[case]
    source = CORPUS / case
    inv = empty_inventory
    r = inv.ok("import", "kea", source, "--networks")
    listed = {line.split(": ", 1)[0].strip() for line in r.out.splitlines()
              if line.startswith("  " + str(CORPUS))}
    check = inv.run("check")
    assert check.code == 0, check
    out = tmp_path / "out"
    inv.ok("render", "dhcpd", "kea", "dnsmasq", "--out", out)
    check_dhcpd(out)
    kea_on_this_machine(out, tmp_path)
    check_dnsmasq(out)
    rendered = rendered_reservations(out, family)
    dhcpd_text = (out / f"dhcpd{'6' if family == 6 else ''}.conf").read_text()
    compared = 0
    for where, res in source_reservations(kea_parse.parse(source, str(source)), family):
        key = _key(res, family)
        if where in listed or key is None:
            assert where in listed, (where, res)  # not imported: said at its line
            continue
        if family == 6 and not res.get("ip-addresses"):
            # no address: nothing for a DHCPv6 server to hand out; the host keeps the identifier
            held = {f"duid:{i.duid}" if key.startswith("duid:") else i.mac_str
                    for h in inv.load().hosts.values() for i in h.interfaces}
            assert key in held, (where, res)
            compared += 1
            continue
        got = rendered[key]
        if family == 4 and "ip-address" in res:
            assert got["ip-address"] == res["ip-address"], (where, got)
        if family == 6 and res.get("ip-addresses"):
            assert got["ip-addresses"] == [str(values.parse_ip(res["ip-addresses"][0], 6))]
        if isinstance(res.get("hostname"), str) and res["hostname"].strip():
            want = res["hostname"].lower().replace("_", "-").rstrip(".")
            assert got["hostname"] == want or got["hostname"].startswith(want + "."), (res, got)
        for opt in res.get("option-data", []):
            name = opt.get("name", "")
            known = dhcpopts.lookup(name if family == 4 else f"dhcp6.{name}")
            if known is None or opt.get("space", f"dhcp{family}") != f"dhcp{family}":
                continue
            assert {"name": known.kea, "data": opt["data"].replace(" ", "")} in [
                {"name": o["name"], "data": o["data"].replace(" ", "")}
                for o in got.get("option-data", [])], (where, opt, got)
        ident = key[5:] if key.startswith("duid:") else key
        assert ident in dhcpd_text, (where, ident)
        compared += 1
    assert compared >= at_least


def test_a_file_kea_itself_refuses_is_refused_naming_its_line(empty_inventory, tmp_path):
    """muellerjoel/lx2162a's kea-dhcp6.conf (kept in SOURCES.md as a refusal) gives one option
    `"data": "a", "b"`: not JSON, and Kea refuses the file as well."""
    conf = write(tmp_path, '{ "Dhcp6": { "option-data": [\n  { "name": "dns-servers",\n'
                 '    "data": "2a02:168:a774::1", "2a02:168:a774::2" } ] } }\n')
    snap = empty_inventory.snapshot()
    r = empty_inventory.run("import", "kea", conf)
    assert r.code == 1 and r.err == f"cinv: {conf}:3: ':' expected after the key " \
        "'2a02:168:a774::2'\n", r
    assert empty_inventory.snapshot() == snap


def test_the_corpus_covers_what_real_files_hold():
    text = "".join(p.read_text(errors="replace") for p in CORPUS.iterdir())
    for needle in ('"duid"', '"hw-address"', '"client-id"', '"shared-networks"', "//", "#",
                   '"client-classes"', '"boot-file-name"', '"option-data"', '"prefixes"',
                   '"pd-pools"', '"ip-addresses"', "\"hostname\""):
        assert needle in text, needle
    assert {p.name for p in CORPUS.iterdir()} == set(CASES)
