"""The host index (cinv/records/index.py) kept in buckets: whatever changed in the host files since
it
was written, folded in or made anew, its answers are those of the records as they are; and
the lowest free value found by bisecting is the one the sets give."""
from __future__ import annotations

import ipaddress
import random
import time
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinv import allocate
from cinv.records import cache, index, indexbuild, load

TEMPLATE = """kind: {kind}
state: {state}
{parent}interfaces:
  - name: eth0
    mac: '52:54:00:00:{m:02x}:{n:02x}'
    network: {net}
    ipv4: 192.0.2.{a}
{aliases}"""


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


def write_host(root, rng: random.Random, n: int) -> str:
    rel = f"hosts/g{n % 3}/h{n}.prod.example.com.yaml"
    parent = f"parent: h{rng.randrange(0, 40)}.prod.example.com\n" if rng.random() < 0.3 else ""
    aliases = f"    aliases: [al{rng.randrange(0, 30)}]\n" if rng.random() < 0.3 else ""
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(TEMPLATE.format(
        kind=rng.choice(["virtual", "physical"]), state=rng.choice(["active", "retired"]),
        parent=parent, m=rng.randrange(0, 3), n=rng.randrange(0, 40),
        net=rng.choice(["prod", "mgmt"]), a=rng.randrange(10, 60), aliases=aliases))
    return rel


def expected(root, idx: index.Index) -> tuple[dict, dict, dict]:
    """(facts by path, holders by (kind, value), used by family) of the records as they are."""
    inv = load.load_inventory(load.DirSource(root))
    facts = {}
    for rel in sorted(r for r in load.DirSource(root).walk("hosts", []) if r.endswith(".yaml")):
        name = load.host_name_of(rel)
        host = load.load_host(load.DirSource(root), rel, name, []) if name else None
        if host is not None:
            facts[rel] = index.facts_of(host)
    holders: dict = {}
    for rel, f in facts.items():
        for key in idx.map_keys(f):
            holders.setdefault(key, []).append(rel)
    used = {fam: sorted({k[1] for k in holders if k[0] == fam}) for fam in index.FAMILIES}
    assert inv is not None
    return facts, holders, used


def test_the_index_answers_as_the_records_do_after_any_changes(inventory, monkeypatch):
    rng = random.Random(7)
    root = inventory.root
    monkeypatch.setattr(index, "PER_BUCKET", 4)  # many buckets, even for a few hosts
    monkeypatch.setattr(indexbuild, "FEW", 3)
    rels = [write_host(root, rng, n) for n in range(40)]
    base = load.load_networks(load.DirSource(root))
    for step in range(12):
        idx = indexbuild.build(root, base.networks, base.settings.domain)
        facts, holders, used = expected(root, idx)
        for rel in rels:
            assert idx.facts(rel) == facts.get(rel), (step, rel)
        for key, want in holders.items():
            assert sorted(idx.holders(*key)) == sorted(want), (step, key)
        for fam in index.FAMILIES:
            assert list(idx.used_sorted(fam)) == used[fam], (step, fam)
        for rel, f in facts.items():
            assert idx.rel_of(f[0]) == rel
        # change some files (a few: folded in; many: made anew), remove one, add one
        for n in rng.sample(range(40), 2 if step % 4 else 15):
            write_host(root, rng, n)
        victim = root / rng.choice(rels)
        if victim.exists() and step % 3 == 0:
            victim.unlink()
        if step == 5:  # a bucket another command replaced since: the index is made anew
            files = sorted((root / ".cinv" / "cache").glob("index-m*.marshal"))
            files[0].unlink()


@settings(max_examples=300, deadline=None)
@given(used=st.sets(st.integers(0, 60), max_size=50), extra=st.sets(st.integers(0, 60),
                                                                    max_size=5),
       blocked=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8)), max_size=3),
       first=st.integers(0, 30), span=st.integers(0, 40))
def test_the_lowest_free_value_by_bisecting_is_the_sets(used, extra, blocked, first, span):
    blocked = [(a, a + w) for a, w in blocked]
    last = first + span
    want = list(allocate.free_values(first, last, blocked, used | extra))
    taken = allocate.Taken(array("Q", sorted(used)), extra)
    assert list(allocate.free_values(first, last, blocked, taken)) == want
    assert allocate.lowest_free(first, last, blocked, taken) == (want[0] if want else None)
    for value in range(0, 70):
        assert (value in taken) == (value in used | extra)


def test_a_file_removed_within_the_racy_window_leaves_the_index(inventory, monkeypatch):
    """A host file written within the racy window (its stat cannot be trusted yet) is folded
    in again next time, yet known to the index: removed without cinv by then, its facts go
    with it."""
    inv = inventory
    inv.ok("host", "add", "old", "--kind", "physical", "--network", "prod", "--no-commit")
    now = time.time_ns()  # files written from now on are racy, whatever the clock says then
    monkeypatch.setattr(cache, "is_racy", lambda key, _now: max(key[2], key[3]) >= now)
    inv.ok("host", "add", "brief", "--kind", "physical", "--network", "prod", "--ipv4",
           "192.0.2.77", "--no-commit")
    rel = "hosts/brief.prod.example.com.yaml"
    (inv.root / rel).unlink()  # by hand, at once
    base = load.load_networks(load.DirSource(inv.root))
    idx = indexbuild.build(inv.root, base.networks, base.settings.domain)
    assert idx.facts(rel) is None
    assert idx.holders("v4", int(ipaddress.IPv4Address("192.0.2.77"))) == []
    assert "brief.prod.example.com" not in idx.names
