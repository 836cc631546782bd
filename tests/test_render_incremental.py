"""A render that keeps every host's parts (cinv/output/incremental.py) writes exactly what a render
from scratch writes, after every kind of change; one made by a process per core exactly what one
process makes.

Each step changes the rich inventory (tests/richinv.py), then renders it three ways, each into
its own copy of the output dir as the last step left it (so the manifests and zone serials have
the same past): with the parts kept so far (the real case), from scratch (a copy of the
inventory without .cinv/cache), and by the templates alone (no per-host parts at all). The three
output dirs must be byte-identical, manifest included.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import git, invoke
from richinv import rich_inventory

from cinv.output import incremental
from cinv.records import cache
from cinv.render import fast, parts, splice

VM = "hosts/net000/vm000001.net000.example.com.yaml"


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    """Files are cached the moment they are written: the hardest case for the keys."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".cinv-state"}


class Renders:
    def __init__(self, root: Path, tmp: Path, monkeypatch):
        self.root, self.tmp, self.mp = root, tmp, monkeypatch
        self.out = tmp / "out"
        self.step = 0
        self.ways: list[str] = []  # how each render with kept parts was made
        real = incremental._spliced

        def spliced(*args, **kwargs):
            try:
                made = real(*args, **kwargs)
            except splice.Mismatch:
                self.ways.append("full")
                raise
            self.ways.append("splice")
            return made
        monkeypatch.setattr(incremental, "_spliced", spliced)

    def render(self, where: Path, root: Path, *args: str) -> None:
        r = invoke("-C", root, "render", *args, "--out", where)
        assert r.code == 0, r

    def three_ways(self, *args: str, way: str | None = None) -> dict[str, bytes]:
        """Render the three ways from the same output dir; they must agree. way: how the
        render with kept parts must be made ("splice" or "full")."""
        self.step += 1
        base = self.tmp / f"base{self.step}"
        if self.out.exists():
            shutil.copytree(self.out, base, symlinks=True)
        results = {}
        # from scratch: the inventory without any cache
        scratch = self.tmp / f"scratch{self.step}"
        shutil.copytree(self.root, scratch, symlinks=True,
                        ignore=shutil.ignore_patterns(".cinv"))
        out = self.tmp / f"s{self.step}"
        if base.exists():
            shutil.copytree(base, out, symlinks=True)
        self.render(out, scratch, *args)
        results["scratch"] = files(out)
        # by the templates alone: no per-host parts, no kept parts
        out = self.tmp / f"t{self.step}"
        if base.exists():
            shutil.copytree(base, out, symlinks=True)
        with self.mp.context() as m:
            m.setattr(fast, "FAST", ())
            m.setattr(incremental, "applies", lambda *a: False)
            self.render(out, self.root, *args)
        results["templates"] = files(out)
        # with the parts kept so far (last: the others must not see what it keeps)
        self.ways.clear()
        self.render(self.out, self.root, *args)
        results["kept"] = files(self.out)
        if way is not None:
            assert (self.ways or ["full"]) == [way], f"step {self.step}: {self.ways}"
        for way in ("scratch", "templates"):
            differ = sorted(rel for rel in set(results[way]) | set(results["kept"])
                            if results[way].get(rel) != results["kept"].get(rel))
            assert differ == [], f"step {self.step}: kept vs {way}: {differ[:6]}"
        return results["kept"]


@pytest.fixture
def renders(tmp_path, monkeypatch):
    monkeypatch.setattr(parts, "PARALLEL_MIN", 50)  # workers, even for a few hosts
    root = rich_inventory(tmp_path / "inv", generated=120)
    return Renders(root, tmp_path, monkeypatch)


def racy_from(monkeypatch, now_ns: int) -> None:
    """Files written from now on are racy (their stat cannot be trusted yet), those before
    are not, however long the commands take."""
    monkeypatch.setattr(cache, "is_racy", lambda key, _now: max(key[2], key[3]) >= now_ns)


def report_data(files: dict[str, bytes]) -> dict:
    """{network: its data} of the report page's JSON."""
    page = files["report/index.html"].decode()
    text = page.split('id="cinv-data">', 1)[1].split("</script>", 1)[0]
    return {net["name"]: net for net in json.loads(text)["networks"]}


def ok(root: Path, *args: str) -> str:
    r = invoke("-C", root, *args)
    assert r.code == 0, r
    return r.out


def test_every_kind_of_change_renders_as_from_scratch(renders):
    root = renders.root
    first = renders.three_ways(way="full")
    assert len([r for r in first if r.startswith("libvirt/")]) > 100
    ok(root, "host", "add", "new1", "--kind", "virtual", "--network", "net000",
       "--parent", "hv00000.net000.example.com")
    renders.three_ways(way="splice")
    ok(root, "host", "rm", "vm000002.net000.example.com")
    renders.three_ways(way="splice")
    ok(root, "host", "rename", "vm000003.net000.example.com", "renamed3")
    renders.three_ways(way="splice")
    ok(root, "host", "state", "vm000004.net000.example.com", "maintenance")
    ok(root, "host", "state", "pool.prod.example.com", "retired")  # its address was in a pool
    renders.three_ways(way="splice")
    ok(root, "net", "set", "net000", "vlan=999")  # every host on it changes
    renders.three_ways(way="full")
    ok(root, "record", "add", "prod.example.com", "ftp", "A", "192.0.2.98")
    renders.three_ways(way="full")
    # settings: the SOA and the Ansible host variable of every host
    text = (root / "cinv.yaml").read_text().replace("ttl: 1800", "ttl: 900")
    (root / "cinv.yaml").write_text(text.replace("host: ip", "host: fqdn"))
    git(root, "commit", "-qam", "settings")
    renders.three_ways()
    # a hand edit that keeps size and mtime, not committed (the report says so)
    path = root / VM
    st = os.stat(path)
    path.write_text(path.read_text().replace("Guest 1", "Guest X"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = renders.three_ways()
    assert b"Guest X" in after["libvirt/vm000001.net000.example.com.xml"]
    assert b"uncommitted changes" in after["report/index.html"]


def test_a_splice_after_each_kind_of_host_change(renders):
    """The changes a splice makes (every file edited where the changed hosts' bytes sit), and
    the few it leaves to a full render, each checked against the two other ways."""
    root = renders.root
    renders.three_ways(way="full")
    steps = [
        # an address inside the pool moves (dhcpd, Kea, dnsmasq pools), a new MAC (Kea order)
        (["iface", "set", "pool.prod.example.com", "eth0", "--ipv4", "192.0.2.211"], "splice"),
        (["iface", "set", "multi.prod.example.com", "eth0", "--mac", "00:25:90:00:02:99"],
         "splice"),
        # Ansible groups made and emptied; tags that differ in case
        (["host", "set", "multi.prod.example.com", "tags=web,fresh"], "splice"),
        # capacity: a guest moves between hypervisors, a guest becomes a physical host
        (["host", "set", "vm000005.net000.example.com", "parent=hv00001.net000.example.com"],
         "splice"),
        (["host", "set", "vm000006.net000.example.com", "kind=physical"], "splice"),
        # a host on the IPv6 /56: a /64 of its own (dnsmasq's ranges)
        (["host", "add", "sixer", "--kind", "virtual", "--network", "six",
          "--parent", "hv1.example.com"], "splice"),
        # aliases and extra names: records in other zones, CNAMEs, /etc/hosts names
        (["host", "set", "vm000007.net000.example.com",
          "interfaces.eth0.aliases=[al7, al7b.prod.example.com]",
          "interfaces.eth0.names=[extra7.prod.example.com]"], "splice"),
        # boot entries: out of provisioning
        (["host", "state", "prov.prod.example.com", "active"], "splice"),
        # an interface moves to another network (two subnets, two maps, reverse zones)
        (["iface", "set", "vm000009.net000.example.com", "eth0", "--network", "prod"],
         "splice"),
        # a second interface, then gone again
        (["iface", "add", "vm000010.net000.example.com", "--network", "mgmt", "--name",
          "bmc"], "splice"),
        (["iface", "rm", "vm000010.net000.example.com", "bmc"], "splice"),
        # the last guest of a hypervisor leaves it; its first guest comes (its own record is
        # not at hand: a full render)
        (["host", "set", "pool.prod.example.com", "parent=hv00002.net000.example.com"],
         "splice"),
        (["host", "add", "g1", "--kind", "virtual", "--network", "prod",
          "--parent", "boot.prod.example.com"], "full"),
        # a nameserver's own host: its address is glue in a parent zone (a full render)
        (["host", "set", "ns1.prod.example.com", "description=the nameserver"], "full"),
        # two hosts at once, one retired
        (["host", "state", "vm000011.net000.example.com", "retired"], None),
        (["host", "add", "twin", "--kind", "physical", "--network", "tiny"], "splice"),
    ]
    for args, way in steps:
        ok(root, *args)
        if way is not None:
            renders.three_ways(way=way)
    # a hand edit, not committed: the report says so
    path = root / VM.replace("000001", "000012")
    path.write_text(path.read_text().replace("Guest 12", "Guest twelve"))
    after = renders.three_ways(way="splice")
    assert b"Guest twelve" in after["libvirt/vm000012.net000.example.com.xml"]
    assert b"uncommitted changes" in after["report/index.html"]


def test_a_splice_of_other_macs_duids_aliases_short_names_and_zone_settings(renders):
    """What a host's entries hold besides one MAC and address (other MACs: a dhcpd block, a
    Kea reservation and a dnsmasq MAC each; a DUID keying DHCPv6; aliases), what they turn on
    for the whole file (Kea's ip-reservations-unique, off while an address is reserved twice),
    the short names /etc/hosts and dnsmasq leave out when two hosts share one, and a zone's own
    SOA timers, serial scheme and floor in the head a splice writes: each as a full render
    makes it. A change of what unchanged hosts' lines hold (a short name shared now, or no
    more; a zone's settings) gives way to a full render."""
    root = renders.root
    renders.three_ways(way="full")
    laptop = "laptop.prod.example.com"
    steps = [
        # one more MAC: a dhcpd block <block>-4, one more Kea reservation, dnsmasq's MACs
        (["host", "set", laptop,
          "interfaces.eth0.other_macs=00:25:90:00:04:02,00:25:90:00:04:03,00:25:90:00:04:06"],
         "splice"),
        # no address reserved twice any more: Kea's ip-reservations-unique goes
        (["host", "set", laptop, "interfaces.eth0.other_macs="], "splice"),
        (["host", "set", laptop, "interfaces.eth0.other_macs=00:25:90:00:04:02"], "splice"),
        # a DUID changed, then gone (DHCPv6 by MAC again), then back
        (["host", "set", laptop, "interfaces.eth0.duid=00:03:00:01:00:25:90:00:04:09"],
         "splice"),
        (["host", "set", laptop, "interfaces.eth0.duid="], "splice"),
        (["host", "set", laptop, "interfaces.v6.duid=00:03:00:01:00:25:90:00:04:0a"],
         "splice"),
        # a host with aliases and extra names: one alias renamed (CNAMEs, /etc/hosts, dnsmasq)
        (["host", "set", "multi.prod.example.com",
          "interfaces.eth0.aliases=[mail2, smtp.example.com]"], "splice"),
        # a third web1: the short name was shared already
        (["host", "add", "web1", "--kind", "physical", "--network", "mgmt"], "splice"),
        # a second pool: the first one's short name leaves /etc/hosts and dnsmasq, and
        # comes back when it goes
        (["host", "add", "pool", "--kind", "physical", "--network", "tiny"], "full"),
        (["host", "rm", "pool.tiny.example.com"], "full"),
    ]
    for args, way in steps:
        ok(root, *args)
        renders.three_ways(way=way)
    # an address held back (freed within allocate.hold_days) once the removal is committed:
    # the report's map of a network no changed host is on
    ok(root, "host", "rm", "vm000013.net000.example.com", "--no-commit")
    renders.three_ways(way="splice")
    git(root, "commit", "-qam", "vm000013 removed")
    after = renders.three_ways(way="splice")
    assert report_data(after)["net000"]["v4"]["counts"]["held"] == 1
    # the zone's own SOA timers, serial scheme and floor: every line of its head
    zone = root / "zones" / "prod.example.com.yaml"
    zone.write_text(zone.read_text() + "soa: {refresh: 7200, retry: 600, minimum: 60}\n"
                    "serial: counter\nserial_floor: 3000000000\n")
    git(root, "commit", "-qam", "zone settings")
    after = renders.three_ways(way="full")
    assert b"7200" in after["dns/db.prod.example.com"]
    # a host change in that zone: the splice writes its head with them
    ok(root, "host", "add", "z1", "--kind", "physical", "--network", "prod")
    after = renders.three_ways(way="splice")
    head = after["dns/db.prod.example.com"].split(b"z1", 1)[0]
    assert b"7200" in head and b"3000000002" in head, head[:400]


def test_a_host_removed_while_its_file_was_racy_leaves_the_render(renders, monkeypatch):
    """A host file written within the racy window has its parts made again next time (its
    stat cannot be trusted yet), yet is known to the kept parts: removed by then, its parts
    go with it."""
    root = renders.root
    renders.three_ways()
    racy_from(monkeypatch, time.time_ns())
    ok(root, "host", "add", "brief", "--kind", "physical", "--network", "tiny")
    assert b"brief" in renders.three_ways()["hosts"]
    ok(root, "host", "rm", "brief.tiny.example.com")
    after = renders.three_ways()
    assert b"brief" not in after["hosts"] and b"brief" not in after["dhcpd.conf"]


def test_a_splice_is_refused_by_an_output_file_not_as_left(renders):
    """Every output file's stat is checked first: one edited by hand, or gone, is written
    again by a full render."""
    renders.three_ways(way="full")
    ok(renders.root, "host", "add", "n1", "--kind", "virtual", "--network", "net000")
    (renders.out / "hosts").write_bytes(b"edited\n")
    renders.three_ways(way="full")
    ok(renders.root, "host", "add", "n2", "--kind", "virtual", "--network", "net000")
    (renders.out / "libvirt" / "vm000005.net000.example.com.xml").unlink()
    renders.three_ways(way="full")
    ok(renders.root, "host", "add", "n3", "--kind", "virtual", "--network", "net000")
    renders.three_ways(way="splice")


def test_an_override_and_its_removal(renders):
    root = renders.root
    renders.three_ways()
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "hosts.j2").write_text(
        "{% for line in inv.address_lines %}{{ line.address }} {{ line.names[0] }}\n"
        "{% endfor %}")
    overridden = renders.three_ways()
    assert overridden["hosts"].startswith(b"10.0.0.10 hv00000.net000.example.com\n")
    (root / "templates" / "hosts.j2").unlink()
    ok(root, "host", "add", "new2", "--kind", "physical", "--network", "net000")
    back = renders.three_ways()
    assert back["hosts"].startswith(b"# /etc/hosts entries written by cinv")


def test_some_targets_then_all(renders):
    root = renders.root
    renders.three_ways("dns", "libvirt")
    ok(root, "host", "add", "new3", "--kind", "virtual", "--network", "net000")
    renders.three_ways("kea")
    renders.three_ways()


def test_an_output_file_edited_by_hand_is_written_again(renders):
    renders.three_ways()
    xml = renders.out / "libvirt" / "vm000005.net000.example.com.xml"
    good = xml.read_bytes()
    xml.write_bytes(good.replace(b"<vcpu", b"<vcpu x='1'"))
    r = invoke("-C", renders.root, "render", "--out", renders.out)
    assert r.code == 0 and "wrote libvirt/vm000005.net000.example.com.xml" in r.out, r
    assert xml.read_bytes() == good


def test_a_refused_render_stages_nothing(renders):
    """check's errors refuse the render (from the process beside it): nothing written, no
    temporary file left."""
    renders.three_ways()
    before = files(renders.out)
    path = renders.root / VM
    path.write_text(path.read_text().replace("network: net000", "network: nowhere"))
    r = invoke("-C", renders.root, "render", "--out", renders.out)
    assert r.code == 1 and "unknown network 'nowhere'" in r.err, r
    assert files(renders.out) == before
    assert not [p for p in renders.out.rglob(".*") if ".tmp-" in p.name]


@pytest.mark.parametrize("how", ["own process", "no process to be had", "process failing"])
def test_check_beside_the_render(renders, monkeypatch, how):
    """check runs in a fresh process beside the render (cinv/output/checkproc.py); when that
    process cannot be started or fails, the render checks in its own process: the same
    refusal either way."""
    import sys
    started = []
    real = incremental.CheckJob.start

    def spy(self):
        real(self)
        started.append(self.proc is not None)
    monkeypatch.setattr(incremental.CheckJob, "start", spy)
    monkeypatch.setattr(splice, "likely", lambda *args: False)  # a render made in full
    if how == "no process to be had":
        monkeypatch.setattr(sys, "executable", str(renders.tmp / "no-such-python"))
    elif how == "process failing":
        failing = renders.tmp / "failing-python"
        failing.write_text("#!/bin/sh\nexit 3\n")
        failing.chmod(0o755)
        monkeypatch.setattr(sys, "executable", str(failing))
    path = renders.root / VM
    path.write_text(path.read_text().replace("network: net000", "network: nowhere"))
    r = invoke("-C", renders.root, "render", "--out", renders.out)
    assert r.code == 1 and "unknown network 'nowhere'" in r.err, r
    assert started[:1] == [how != "no process to be had"]


def test_a_splice_checks_the_change_in_its_own_process(renders, monkeypatch):
    """A render that will be a splice updates the last full check by the change (checkdelta),
    here: no process, and the same refusal."""
    renders.three_ways(way="full")
    ok(renders.root, "check")  # the last full check (the check process found the files racy)

    def no_process(self):
        raise AssertionError("a check process was started")
    monkeypatch.setattr(incremental.CheckJob, "start", no_process)
    ok(renders.root, "host", "add", "n1", "--kind", "virtual", "--network", "net000")
    renders.ways.clear()
    renders.render(renders.out, renders.root)
    assert renders.ways == ["splice"]
    path = renders.root / VM
    path.write_text(path.read_text().replace("network: net000", "network: nowhere"))
    r = invoke("-C", renders.root, "render", "--out", renders.out)
    assert r.code == 1 and "unknown network 'nowhere'" in r.err, r


def test_the_check_process_never_imports_from_the_inventory(renders, monkeypatch, tmp_path):
    """A branch may commit a cinv/ package at the inventory's top, and CI renders with the
    inventory as the current directory: the check process runs cinv's own code, never that."""
    from cinv.workspace import Workspace
    marker = tmp_path / "ran-the-branch's-code"
    hostile = renders.root / "cinv" / "render"
    hostile.mkdir(parents=True)
    (renders.root / "cinv" / "__init__.py").write_text(f"open({str(marker)!r}, 'w')\n")
    (hostile / "__init__.py").write_text("")
    (hostile / "checkproc.py").write_text(f"open({str(marker)!r}, 'w')\n")

    def not_here(*_args, **_kwargs):
        raise AssertionError("the check was computed in the render's own process")
    monkeypatch.setattr(Workspace, "check_result", not_here)
    monkeypatch.chdir(renders.root)
    monkeypatch.setenv("PYTHONPATH", str(renders.root))
    r = invoke("-C", renders.root, "render", "--out", renders.out)
    assert r.code == 0, r
    assert not marker.exists()


def test_workers_and_one_process_write_the_same(tmp_path, monkeypatch):
    root = rich_inventory(tmp_path / "inv", generated=200)
    outs = []
    made = []
    real = parts.Maker.make_in_workers
    told = []  # the assemblers forked while the workers made the parts, told once done
    real_go = incremental.Waiting.go

    def counted(self, by_bucket, workers, meanwhile=None):
        made.append((workers, meanwhile is not None))
        return real(self, by_bucket, workers, meanwhile)

    def go(self, got):
        child = real_go(self, got)
        told.append(child is not None)
        return child
    monkeypatch.setattr(parts.Maker, "make_in_workers", counted)
    monkeypatch.setattr(incremental.Waiting, "go", go)
    for parallel_min in (1, 10**9):
        monkeypatch.setattr(parts, "PARALLEL_MIN", parallel_min)
        shutil.rmtree(root / ".cinv" / "cache", ignore_errors=True)
        r = invoke("-C", root, "render", "--out", tmp_path / f"out{parallel_min}")
        assert r.code == 0, r
        outs.append(files(tmp_path / f"out{parallel_min}"))
    assert made and made[0][0] > 1 and made[0][1]  # the first by workers, the second not
    assert told == [True] * 3  # two groups of targets and the report, forked early
    assert outs[0] == outs[1]
    assert len(outs[0]) > 200
