"""A cold load parses host files in processes that write the parse cache's buckets themselves,
and `cinv check` makes the host index in a child beside its rules: each must leave exactly what
the one-file-at-a-time way leaves (the same records, problems and cache; the same index as one
made anew from the host files, whatever they hold).
"""
from __future__ import annotations

import marshal
import shutil

import pytest
from richinv import rich_inventory

from cinv.records import cache, index, indexbuild, load
from cinv.workspace import Workspace

VM1 = "hosts/net000/vm000001.net000.example.com.yaml"


@pytest.fixture
def rich(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)
    return rich_inventory(tmp_path / "inv")


def _loaded(root, monkeypatch, parallel_min: int):
    monkeypatch.setattr(load, "PARALLEL_MIN", parallel_min)
    inv = load.load_inventory(load.DirSource(root), root, keys=cache.scan(root))
    hosts = {name: host.to_tuple() for name, host in inv.hosts.items()}
    problems = [(p.path, p.line, p.message, p.severity, p.code) for p in inv.problems]
    buckets = {b: cache.read(root, f"hosts.{b}") for b in range(cache.BUCKETS)}
    return hosts, problems, buckets


def test_parsing_in_processes_caches_what_parsing_here_caches(rich, monkeypatch):
    here = _loaded(rich, monkeypatch, 10**9)
    assert len(here[0]) > 300 and any(here[2].values())
    shutil.rmtree(rich / ".cinv" / "cache")
    assert _loaded(rich, monkeypatch, 10) == here  # every file parsed by the processes
    assert _loaded(rich, monkeypatch, 10) == here  # and read back from what they wrote
    # some files changed, one removed, one new: the processes parse those and keep the rest
    text = (rich / VM1).read_text()
    (rich / VM1).write_text(text.replace("state: active", "state: maintenance"))
    (rich / "hosts/net000/vm000002.net000.example.com.yaml").unlink()
    (rich / "hosts/new.net000.example.com.yaml").write_text(
        "kind: virtual\ninterfaces:\n- name: eth0\n  network: net000\n")
    (rich / "hosts/broken.net000.example.com.yaml").write_text("kind: [\n")
    there = _loaded(rich, monkeypatch, 2)
    shutil.rmtree(rich / ".cinv" / "cache")
    assert _loaded(rich, monkeypatch, 10**9) == there
    assert any("broken" in p[0] for p in there[1])


def _same_index(root) -> None:
    base = load.load_networks(load.DirSource(root))
    host_keys = {rel: key for rel, key in cache.scan(root).items()
                 if rel.startswith("hosts/") and rel.endswith(".yaml")}
    made = cache.read(root, indexbuild.MANIFEST)  # by check's child: nothing left to fold in
    assert made is not None and made[2] == host_keys
    kept = indexbuild.build(root, base.networks, base.settings.domain)
    anew = indexbuild.anew(index.Index(None, base.networks, base.settings.domain), host_keys,
                           load.DirSource(root), indexbuild.buckets_for(len(host_keys)))
    for rel in host_keys:
        facts = kept.facts(rel)
        assert facts == anew.facts(rel), rel
        for family, value in kept.map_keys(facts) if facts is not None else ():
            assert sorted(kept.holders(family, value)) == sorted(anew.holders(family, value))
    assert kept.used_values == anew.used_values


@pytest.mark.parametrize("parallel_min", [10, 10**9], ids=["facts-from-processes", "cache"])
def test_check_makes_the_index_beside_its_rules(rich, monkeypatch, parallel_min):
    monkeypatch.setattr(indexbuild, "BESIDE_MIN", 10)
    monkeypatch.setattr(load, "PARALLEL_MIN", parallel_min)
    shutil.rmtree(rich / ".cinv" / "cache")  # as in a fresh clone (the set-up made one)
    _problems, hosts, _networks = Workspace(rich).checked()
    assert hosts > 300
    _same_index(rich)
    # behind after changes made by hand: a full check folds them in
    for n in range(indexbuild.FEW + 1):
        (rich / f"hosts/new{n}.net000.example.com.yaml").write_text(
            "kind: virtual\ninterfaces:\n- name: eth0\n  network: net000\n"
            f"  ipv4: 10.0.2.{100 + n}\n")
    (rich / ".cinv" / "cache" / "check-base.marshal").unlink()
    Workspace(rich).checked()
    _same_index(rich)


@pytest.mark.parametrize("parallel_min", [10, 10**9], ids=["facts-from-processes", "cache"])
def test_the_index_beside_a_host_file_that_is_not_a_host(rich, monkeypatch, parallel_min):
    monkeypatch.setattr(indexbuild, "BESIDE_MIN", 10)
    monkeypatch.setattr(load, "PARALLEL_MIN", parallel_min)
    shutil.rmtree(rich / ".cinv" / "cache")
    (rich / "hosts/broken.net000.example.com.yaml").write_text("kind: [\n")
    (rich / "hosts/twin.net000.example.com.yaml").write_text(
        (rich / VM1).read_text())  # a second file naming vm000001's addresses and MAC
    problems, _hosts, _networks = Workspace(rich).checked()
    assert any(p.path.endswith("broken.net000.example.com.yaml") and p.severity == "error"
               for p in problems)
    _same_index(rich)  # as the first host add would have made it


def test_the_parsing_processes_hand_over_each_files_index_facts(rich, monkeypatch):
    """What the index beside a cold check is given instead of reading the parse cache again:
    the facts of every host file (None for one that is not a host), as the records loaded."""
    monkeypatch.setattr(load, "PARALLEL_MIN", 10)
    (rich / "hosts/broken.net000.example.com.yaml").write_text("kind: [\n")
    shutil.rmtree(rich / ".cinv" / "cache")
    facts: list = []
    inv = load.load_inventory(load.DirSource(rich), rich, keys=cache.scan(rich), facts=facts)
    hosts = {host.path: index.facts_of(host) for host in inv.hosts.values()}
    assert len(hosts) > 300
    given = {rel: f for blob in facts for rel, f in marshal.loads(blob).items()}
    assert given == {**hosts, "hosts/broken.net000.example.com.yaml": None}
    # nothing to parse: no process, nothing handed over (the index reads the parse cache)
    facts.clear()
    load.load_inventory(load.DirSource(rich), rich, keys=cache.scan(rich), facts=facts)
    assert facts == []


PER_HOST_PROBLEMS = {  # files whose problems come from the per-host rules, of several kinds
    "hosts/p1.net000.example.com.yaml": "kind: physical\ninterfaces:\n- name: eth0\n"
    "  network: net000\n  ipv4: 192.0.2.10\n- name: eth0\n  network: nowhere\n",
    "hosts/p2.net000.example.com.yaml": "kind: physical\ninterfaces:\n- name: eth0\n"
    "  network: net000\n  aliases: [pypi.org]\nvars: {ansible_connection: local}\n",
    "hosts/p3.net000.example.com.yaml": "kind: physical\ninterfaces:\n- name: eth0\n"
    "  network: net000\n  other_macs: ['52:54:00:aa:00:01']\n",
    # a second file of vm000001's name (dropped as a duplicate): its own problems are not
    # the host's
    "hosts/zz/vm000001.net000.example.com.yaml": "kind: virtual\ninterfaces:\n- name: eth0\n"
    "  network: net000\n  ipv4: 198.51.100.1\n",
}


def test_the_per_host_rules_run_by_the_parsing_processes_find_what_check_finds(rich,
                                                                            monkeypatch):
    """A cold load runs the rules that need no other host in the processes that parse; the
    check then runs them on the other hosts only. Same problems as the check run here."""
    from cinv import check
    for rel, text in PER_HOST_PROBLEMS.items():
        (rich / rel).parent.mkdir(exist_ok=True)
        (rich / rel).write_text(text)
    monkeypatch.setattr(load, "PARALLEL_MIN", 10)
    shutil.rmtree(rich / ".cinv" / "cache")
    inv = load.load_inventory(load.DirSource(rich), rich, keys=cache.scan(rich),
                              precheck=check.per_host_problems)
    paths = {host.path for host in inv.hosts.values()}
    assert inv.prechecked is not None and inv.prechecked[0] == paths
    there = check.run(inv)
    inv.prechecked = None
    here = check.run(inv)
    assert there == here
    codes = {p.code for p in here if p.path in PER_HOST_PROBLEMS}
    assert {"address", "unknown-network", "duplicate-interface", "outside-domain",
            "ansible-var", "other-macs"} <= codes
    assert not any(p.path == "hosts/zz/vm000001.net000.example.com.yaml"
                   and p.code == "address" for p in here)
    # and so `cinv check` cold, with processes and without
    shutil.rmtree(rich / ".cinv" / "cache")
    cold = Workspace(rich).checked()[0]
    shutil.rmtree(rich / ".cinv" / "cache")
    monkeypatch.setattr(load, "PARALLEL_MIN", 10**9)
    assert Workspace(rich).checked()[0] == cold


def test_records_of_one_layout_share_their_lines(rich, monkeypatch):
    """The lines of each key (for messages) are one dict among records laid out alike, in
    records parsed by the processes and read back from the cache, and each is the record's own."""
    for parallel_min in (10, 10**9):  # parsed in processes (cache written); read from the cache
        monkeypatch.setattr(load, "PARALLEL_MIN", parallel_min)
        inv = load.load_inventory(load.DirSource(rich), rich, keys=cache.scan(rich))
        vms = [h for h in inv.hosts.values() if h.name.startswith("vm0")]
        assert len(vms) > 200 and len({id(h.lines) for h in vms}) < len(vms) / 10
        for host in inv.hosts.values():
            alone = load.load_host(load.DirSource(rich), host.path, host.name, [])
            assert host.lines == alone.lines, host.path
            assert [i.lines for i in host.interfaces] == [i.lines for i in alone.interfaces]
