"""cinv plan / cinv apply against a real named on 127.0.0.1: zones read by AXFR and changed by
RFC 2136 UPDATEs signed with TSIG (allow-update for the key only).

named starts from the zones `cinv render dns` wrote for a copy of the example inventory in
git. The tests change the inventory through cinv, plan, apply, and then ask named itself
(AXFR) whether it answers what the inventory says; they add records of their own on other
names first (an ACME challenge, a DDNS client) and check those survive.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import git, invoke
from deployservers import Primary, example_inventory, servers_file, serving

from cinv import deploy
from cinv.deploy.servers import load_servers
from cinv.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
PROD = "prod.example.com"
REV4 = "2.0.192.in-addr.arpa"


@pytest.fixture
def site(tmp_path):
    """(inventory root, running primary, servers file)."""
    root = example_inventory(tmp_path)
    with serving(root, tmp_path) as primary:
        yield root, primary, servers_file(tmp_path, primary)


def cinv(root: Path, *args, input: str | None = None):
    return invoke("-C", root, *args, input=input)


def rendered_records(root: Path, tmp: Path, zone: str) -> dict:
    """{(owner, type): (ttl, {data})} of the zone as `cinv render dns` writes it now."""
    import dns.rdatatype
    import dns.zone
    out = tmp / "now"
    assert invoke("-C", root, "render", "dns", "--out", out).code == 0
    z = dns.zone.from_file(str(out / "dns" / f"db.{zone}"), origin=zone, relativize=False)
    return {(n.to_text().lower(), dns.rdatatype.to_text(r.rdtype)): (r.ttl,
                                                                      {d.to_text().lower()
                                                                       for d in r})
            for n, node in z.nodes.items() for r in node.rdatasets}


def agrees(primary: Primary, root: Path, tmp: Path, zone: str) -> dict:
    """named answers every RRset the inventory renders, with its data and TTL (the SOA but its
    serial); returns the server's records that the inventory does not render."""
    want = rendered_records(root, tmp, zone)
    got = primary.records(zone)
    for key, (ttl, datas) in want.items():
        assert key in got, f"{key} missing on the server"
        if key[1] == "SOA":
            strip = {" ".join(d.split()[:2] + d.split()[3:]) for d in datas}
            assert {" ".join(d.split()[:2] + d.split()[3:]) for d in got[key][1]} == strip
        else:
            assert got[key] == (ttl, datas), key
    return {k: v for k, v in got.items() if k not in want}


def subjects(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.startswith("  ")]


FOREIGN = [("_acme-challenge.web1", 60, "TXT", '"acme-token"'),
           ("laptop", 300, "A", "192.0.2.150")]


def adopt(root: Path, servers: Path) -> None:
    """The first apply to servers loaded from rendered files: it records the commit deployed
    in each zone, and changes nothing else."""
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2, r
    assert all(s.startswith("+ _cinv-deploy.") and " TXT " in s for s in subjects(r.out)), r
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0


def test_apply_carries_the_inventory_and_leaves_other_names(site, tmp_path):
    root, primary, servers = site
    adopt(root, servers)
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 0 and r.out.endswith("Plan: nothing to change on 1 server\n"), r
    primary.update(PROD, adds=FOREIGN)  # records of names the inventory does not hold
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 0, r  # ... are not cinv's: nothing to change
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod", "--parent",
         "hv1", "--ipv4", "192.0.2.99", "--ipv6", "2001:db8:0:1::99")
    assert cinv(root, "host", "set", "web1", "interfaces.eth0.aliases=[www,shop]").code == 0
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2, r
    assert subjects(r.out) == [
        "+ 9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR "
        "3600 web9.prod.example.com.",
        "+ 99.2.0.192.in-addr.arpa. PTR 3600 web9.prod.example.com.",
        "+ shop.prod.example.com. CNAME 3600 web1.prod.example.com.",
        "+ web9.prod.example.com. A 3600 192.0.2.99",
        "+ web9.prod.example.com. AAAA 3600 2001:db8:0:1::99"]
    assert r.out.endswith("Plan: 5 to add, 0 to change, 0 to delete on 1 of 1 server\n")
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0, r
    assert f"dns 127.0.0.1 port {primary.port}, zone {PROD}: applied: 3 changes in 1 UPDATE" \
        in r.out
    for zone in (PROD, REV4):
        extra = agrees(primary, root, tmp_path, zone)
        assert set(extra) == ({(f"_cinv-deploy.{zone}.", "TXT")} | (
            {(f"_acme-challenge.web1.{PROD}.", "TXT"), (f"laptop.{PROD}.", "A")}
            if zone == PROD else set()))
    # a second apply finds nothing
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 0, r
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0 and "Nothing to change." in r.out, r
    # names the inventory no longer holds (removed, retired) lose their records, others stay
    assert cinv(root, "host", "rm", "web9").code == 0
    assert cinv(root, "host", "state", "mail1", "retired").code == 0
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2, r
    prod = [s for s in subjects(r.out) if PROD + ". " in s and ".arpa" not in s]
    assert prod == ["- mail.prod.example.com. CNAME 3600 mail1.prod.example.com.",
                    "- mail1.prod.example.com. A 3600 192.0.2.23",
                    "- mail1.prod.example.com. AAAA 3600 2001:db8:0:1::23",
                    "- smtp.prod.example.com. CNAME 3600 mail1.prod.example.com.",
                    "- web9.prod.example.com. A 3600 192.0.2.99",
                    "- web9.prod.example.com. AAAA 3600 2001:db8:0:1::99"], r.out
    r = cinv(root, "apply", "--servers", servers, "--yes", "--force")
    assert r.code == 0, r
    extra = agrees(primary, root, tmp_path, PROD)
    assert (f"laptop.{PROD}.", "A") in extra and (f"web9.{PROD}.", "A") not in extra
    assert cinv(root, "plan", "--servers", servers).code == 0


def test_one_change_is_one_small_update(site, tmp_path):
    root, primary, servers = site
    adopt(root, servers)
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod", "--ipv4",
         "192.0.2.99", "--ipv6", "none")
    r = cinv(root, "plan", "--servers", servers, "--format", "json")
    assert r.code == 2, r
    plan = json.loads(r.out)
    steps = [s for s in plan["steps"] if s["changes"]]
    assert [(s["zone"], [(c["action"], c["subject"]) for c in s["changes"]]) for s in steps] == [
        (REV4, [("add", "99.2.0.192.in-addr.arpa. PTR")]),
        (PROD, [("add", "web9.prod.example.com. A")])]
    assert plan["totals"] == {"add": 2, "change": 0, "delete": 0} and plan["pending"]
    before = primary.log().count("approved")
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0, r
    assert r.out.count("1 change in 1 UPDATE (1 RRset operation)") == 2, r.out
    # named logs each signed UPDATE it takes once ("signer ... approved"): two zones, two
    assert primary.log().count("approved") - before == 2, primary.log()


def test_over_the_safety_limit_needs_force(site, tmp_path):
    root, primary, servers = site
    serial = primary.serial(PROD)
    for host in ("web1", "web2", "db1", "ci1", "mon1"):
        assert cinv(root, "host", "state", host, "retired").code == 0
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2
    assert "! would delete 12 of the " in r.out and "apply needs --force" in r.out, r.out
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 1
    assert "apply refused: a step is over the safety limit; nothing was changed" in r.err, r
    assert primary.serial(PROD) == serial and (f"web1.{PROD}.", "A") in primary.records(PROD)
    r = cinv(root, "apply", "--servers", servers, "--yes", "--force")
    assert r.code == 0, r
    assert (f"web1.{PROD}.", "A") not in primary.records(PROD)


def test_a_zone_changed_since_the_plan_is_left_whole(site, tmp_path):
    """Another writer (a DDNS client) changes the zone between plan and apply: the UPDATE's
    SOA prerequisite fails and nothing of that zone changes; the other zone goes through."""
    root, primary, servers = site
    adopt(root, servers)
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod", "--ipv4",
         "192.0.2.99", "--ipv6", "none")
    ws = Workspace(root)
    planned = deploy.plan(ws, load_servers(str(servers), root))
    primary.update(PROD, adds=[("laptop", 300, "A", "192.0.2.150")])
    outcomes, _sha = deploy.apply(ws, planned)
    by_zone = {o.step.unit: o for o in outcomes}
    assert not by_zone[PROD].ok
    assert "the zone changed on the server since the plan" in by_zone[PROD].text
    assert (f"web9.{PROD}.", "A") not in primary.records(PROD)
    assert by_zone[REV4].ok and (f"99.{REV4}.", "PTR") in primary.records(REV4)
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0 and "1 change in 1 UPDATE" in r.out, r
    assert (f"web9.{PROD}.", "A") in primary.records(PROD)
    assert (f"laptop.{PROD}.", "A") in primary.records(PROD)


def test_a_server_ahead_keeps_its_serial_rising_and_the_floor_is_recorded(tmp_path):
    """The server's zone came from elsewhere with date serials, above what the inventory
    renders: apply sets the server's + 1 and records it as the zone's floor, so a rendered
    zone file never goes below it either."""
    root = example_inventory(tmp_path)

    def ahead(out: Path) -> None:
        zone_file = out / "dns" / f"db.{PROD}"
        text = zone_file.read_text()
        old = text.split("\t; serial")[0].rsplit("\t", 1)[1]
        zone_file.write_text(text.replace(f"{old}\t; serial", "2099123199\t; serial"))

    with serving(root, tmp_path, ahead) as primary:
        servers = servers_file(tmp_path, primary)
        cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod")
        r = cinv(root, "apply", "dns", "--servers", servers, "--yes")
        assert r.code == 0, r
        assert primary.serial(PROD) == 2099123200
        assert "Recorded the serial floors in the inventory" in r.out
        assert git(root, "log", "-1", "--format=%s").strip() == \
            f"Record serial floor set by cinv apply: {PROD} 2099123200"
        assert "serial_floor: 2099123200" in (root / "zones" / f"{PROD}.yaml").read_text()
        rendered = tmp_path / "after"
        assert invoke("-C", root, "render", "dns", "--out", rendered).code == 0
        assert "2099123201\t; serial" in (rendered / "dns" / f"db.{PROD}").read_text()
        assert cinv(root, "plan", "--servers", servers).code == 0


def test_servers_that_refuse_or_do_not_answer_are_errors(site, tmp_path):
    root, primary, servers = site
    text = servers.read_text()
    key = Path(text.split("secret_file: ")[1].split("}")[0])
    bad = key.read_text().replace(primary.secret, "AAAA" + primary.secret[4:])
    wrong = tmp_path / "operator" / "wrong.key"
    wrong.write_text(bad)
    wrong.chmod(0o600)
    other = tmp_path / "operator" / "wrong.yaml"
    other.write_text(text.replace(str(key), str(wrong)))
    r = cinv(root, "plan", "--servers", other)
    assert r.code == 1, r
    assert f"dns 127.0.0.1 port {primary.port}, zone example.com: ERROR:" in r.out, r.out
    silent = tmp_path / "operator" / "silent.yaml"
    silent.write_text(text.replace(f"port: {primary.port}", "port: 9")
                      .replace("tsig:", "timeout: 0.5\n    tsig:"))
    r = cinv(root, "plan", "dns", "--servers", silent)
    assert r.code == 1 and "could not be planned" in r.out, r
    r = cinv(root, "apply", "--servers", silent, "--yes")
    assert r.code == 1 and "not planned, left as it is" in r.err, r


def test_the_servers_file_is_the_operators(site, tmp_path):
    root, primary, servers = site
    inside = root / "servers.yaml"
    inside.write_text(servers.read_text())
    r = cinv(root, "plan", "--servers", inside)
    assert r.code == 1 and "lies inside the inventory" in r.err, r
    link = tmp_path / "operator" / "link.yaml"
    link.symlink_to(inside)
    r = cinv(root, "plan", "--servers", link)
    assert r.code == 1 and "lies inside the inventory" in r.err, r
    r = invoke("-C", root, "plan", env={"CINV_SERVERS": str(servers)})
    assert r.code == 2 and "_cinv-deploy" in r.out, r  # planned: the markers of a first apply
    r = invoke("-C", root, "plan", env={"CINV_SERVERS": ""})
    assert r.code == 1 and "name the servers file: --servers FILE or $CINV_SERVERS" in r.err
    key = Path(servers.read_text().split("secret_file: ")[1].split("}")[0])
    key.chmod(0o644)
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 1 and "others may read it" in r.err, r
    key.chmod(0o600)
    secret_inside = root / "tsig.key"
    shutil.copy(key, secret_inside)
    secret_inside.chmod(0o600)
    moved = tmp_path / "operator" / "moved.yaml"
    moved.write_text(servers.read_text().replace(str(key), str(secret_inside)))
    r = cinv(root, "plan", "--servers", moved)
    assert r.code == 1 and "secret file" in r.err and "inside the inventory" in r.err, r
    broken = tmp_path / "operator" / "broken.yaml"
    broken.write_text("dns:\n  - server: ns1.example.com\n    porrt: 53\n")
    r = cinv(root, "plan", "--servers", broken)
    assert r.code == 1
    assert f"{broken}:3: dns[0].porrt: unknown key" in r.err, r


def test_plan_with_a_ref_reads_that_commit_and_apply_refuses_it(site, tmp_path):
    root, primary, servers = site
    adopt(root, servers)
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod")
    r = cinv(root, "--ref", "HEAD~1", "plan", "--servers", servers)
    assert r.code == 0, r  # the commit before the add: what named serves
    r = cinv(root, "--ref", "HEAD", "apply", "--servers", servers, "--yes")
    assert r.code == 1 and "--ref is for `cinv plan`" in r.err, r


def test_a_change_set_larger_than_one_message_goes_as_a_chain(site, tmp_path):
    """3,000 new records do not fit one DNS message (64 KiB): several UPDATEs, each with the
    SOA the one before set as its prerequisite, and the server holds them all."""
    root, primary, servers = site
    adopt(root, servers)
    lines = "".join(f'  r{n}: [{{type: TXT, value: "record {n:04d} of a large change"}}]\n'
                    for n in range(3000))
    (root / "zones").mkdir(exist_ok=True)
    (root / "zones" / "example.com.yaml").write_text("records:\n" + lines)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "3,000 records")
    r = cinv(root, "apply", "dns", "--servers", servers, "--yes")
    assert r.code == 0, r
    updates = int(r.out.split("zone example.com: applied: 3000 changes in ")[1].split()[0])
    assert updates >= 2, r.out
    got = primary.records("example.com")
    assert all((f"r{n}.example.com.", "TXT") in got for n in range(3000))
    assert cinv(root, "plan", "dns", "--servers", servers).code == 0


def test_what_apply_remembers_is_what_the_server_holds(site, tmp_path):
    """After apply, cinv keeps each zone as the server then holds it (the records read, with
    the UPDATE's operations done) and notes it in sync: the next plan transfers and compares
    nothing. What it kept equals a fresh transfer, and a plan without any of it agrees."""
    from cinv.audit import dns as reader
    from cinv.deploy.dns import _cache_name
    from cinv.records import cache
    root, primary, servers = site
    adopt(root, servers)
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod", "--ipv4",
         "192.0.2.99", "--ipv6", "2001:db8:0:1::99")
    assert cinv(root, "host", "set", "web1", "interfaces.eth0.aliases=[shop]").code == 0
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    server = load_servers(str(servers), root).dns[0]
    for zone in (PROD, REV4):
        kept = cache.read(root, _cache_name(server, zone))
        fresh = reader.read_transfer("127.0.0.1", primary.port, zone, 10, server.tsig)
        assert kept == fresh.records, zone
        index = cache.read(root, _cache_name(server))
        assert index[zone][0] == fresh.soa.serial
    before = primary.log().count("AXFR started")
    assert cinv(root, "plan", "--servers", servers).code == 0
    assert primary.log().count("AXFR started") == before  # nothing transferred again
    for path in (root / ".cinv" / "cache").glob("deploy-*"):
        path.unlink()
    assert cinv(root, "plan", "--servers", servers).code == 0
    assert primary.log().count("AXFR started") > before
