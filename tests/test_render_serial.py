"""SOA serials: the commit time of a zone's last change in git, stable per commit, rising with
every change and never backwards; a manifest counter outside git."""
from __future__ import annotations

import json
import re
import shutil
import time

from conftest import git, invoke
from test_render import EXAMPLE

SERIAL = re.compile(r"^\s+(\d+)\s+; serial$", re.M)


def serials(out) -> dict[str, int]:
    got = {}
    for path in (out / "dns").glob("db.*"):
        got[path.name[3:]] = int(SERIAL.search(path.read_text()).group(1))
    assert all(0 < s < 2**32 for s in got.values())
    return got


def bodies(out) -> dict[str, str]:
    return {p.name[3:]: SERIAL.sub("", p.read_text()) for p in (out / "dns").glob("db.*")}


def render(root, out, *args):
    r = invoke("-C", root, *args, "render", "--out", out, "dns")
    assert r.code == 0, r
    return serials(out)


def at(monkeypatch, when: int) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0000")
    monkeypatch.setenv("GIT_AUTHOR_DATE", f"{when} +0000")


def test_serial_follows_the_last_change_of_each_zone(inventory, tmp_path, monkeypatch):
    t0 = int(time.time()) + 1000
    out = tmp_path / "out"
    at(monkeypatch, t0)
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    first = render(inventory.root, out)
    assert first["prod.example.com"] == t0
    assert first["2.0.192.in-addr.arpa"] == t0
    assert first["mgmt.example.com"] < t0  # untouched since the network was added
    assert render(inventory.root, tmp_path / "again") == first  # same commit, same serials

    at(monkeypatch, t0 + 100)
    inventory.ok("host", "add", "db1", "--kind", "virtual", "--network", "mgmt")
    second = render(inventory.root, out)
    assert second["mgmt.example.com"] == t0 + 100
    assert second["prod.example.com"] == t0  # no change to prod
    assert second["example.com"] == first["example.com"]

    # an uncommitted change: the zone's serial + 1, and a fresh dir agrees
    path = inventory.host_file("web1.prod.example.com")
    path.write_text(path.read_text().replace("ipv4: 192.0.2.10", "ipv4: 192.0.2.99"))
    dirty = render(inventory.root, out)
    assert dirty["prod.example.com"] == t0 + 1
    assert render(inventory.root, tmp_path / "fresh")["prod.example.com"] == t0 + 1
    assert dirty["mgmt.example.com"] == t0 + 100

    at(monkeypatch, t0 + 200)
    inventory.git("commit", "-q", "-am", "Move web1")
    assert render(inventory.root, out)["prod.example.com"] == t0 + 200


def test_serials_never_go_backwards_and_move_only_with_content(inventory, tmp_path,
                                                               monkeypatch):
    t0 = int(time.time()) + 1000
    steps = [("web1", "prod"), ("web2", "prod"), ("bmc1", "mgmt"), ("web3", "prod")]
    for i, (name, net) in enumerate(steps):
        at(monkeypatch, t0 + 10 * i)
        inventory.ok("host", "add", name, "--kind", "virtual", "--network", net)
    at(monkeypatch, t0 + 10)  # a commit whose clock went backwards
    inventory.ok("host", "rm", "web2.prod.example.com")
    commits = inventory.git("log", "--first-parent", "--format=%H").split()[::-1]
    previous_serials, previous_bodies = {}, {}
    for n, sha in enumerate(commits):
        out = tmp_path / f"out{n}"
        got = render(inventory.root, out, "--ref", sha)
        body = bodies(out)
        for zone, serial in got.items():
            if zone in previous_serials:
                assert serial >= previous_serials[zone], (zone, sha)
                assert (serial != previous_serials[zone]) == (body[zone] !=
                                                              previous_bodies[zone]), zone
        previous_serials, previous_bodies = got, body


def test_same_second_commits_still_raise_the_serial(inventory, tmp_path, monkeypatch):
    t0 = int(time.time()) + 1000
    at(monkeypatch, t0)
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    assert render(inventory.root, tmp_path / "out")["prod.example.com"] == t0 + 1


def test_cache_gives_the_same_answer(inventory, tmp_path, monkeypatch):
    t0 = int(time.time()) + 1000
    at(monkeypatch, t0)
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    cached = render(inventory.root, tmp_path / "a")
    assert (inventory.root / ".cinv" / "serials.json").is_file()
    (inventory.root / ".cinv" / "serials.json").unlink()
    assert render(inventory.root, tmp_path / "b") == cached


def test_a_history_of_one_commit_is_cached_too(tmp_path, monkeypatch):
    """A fresh inventory's first render walks one commit; the next render, after a change,
    stops at it instead of listing again every path that commit added."""
    from cinv.git import gitstore
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the inventory")
    first = git(root, "rev-parse", "HEAD").strip()
    render(root, tmp_path / "a")
    assert first in (root / ".cinv" / "serials.json").read_text()
    r = invoke("-C", root, "host", "add", "web9", "--kind", "virtual", "--network", "prod")
    assert r.code == 0, r
    walks = tmp_path / "walks"  # written by the render's processes (forked: no list)
    real = gitstore.inventory_changes

    def spy(*args, **kwargs):
        walk = real(*args, **kwargs)
        with walks.open("a") as f:
            f.write(json.dumps([(sha, paths) for sha, _when, _parent, paths in walk]) + "\n")
        return walk
    monkeypatch.setattr(gitstore, "inventory_changes", spy)
    cached = render(root, tmp_path / "b")
    walk = json.loads(walks.read_text().splitlines()[0])
    assert walk[1:] == [[first, []]]  # the first commit's paths are not listed again
    (root / ".cinv" / "serials.json").unlink()
    assert render(root, tmp_path / "c") == cached


def test_outside_git_a_manifest_counter(tmp_path):
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    out = tmp_path / "out"
    first = render(root, out)
    assert set(first.values()) == {1}
    assert render(root, out) == first
    path = root / "hosts" / "vms" / "web2.prod.example.com.yaml"
    path.write_text(path.read_text().replace("192.0.2.21", "192.0.2.99"))
    second = render(root, out)
    assert second["prod.example.com"] == 2
    assert second["2.0.192.in-addr.arpa"] == 2
    assert second["mgmt.example.com"] == 1
    assert render(root, out) == second


def test_the_history_walk_loads_only_what_each_commit_changed(inventory, tmp_path,
                                                              monkeypatch):
    """A fresh clone walks the whole history once: a commit that changed host records costs
    those records, not a load of the whole inventory at that commit."""
    from cinv.git import gitstore
    from cinv.records import load
    for n in range(6):
        inventory.ok("host", "add", f"vm{n}", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "set", "vm1", "hardware.cpus=4")  # no DNS change
    real_load, real_blobs = load.load_inventory, gitstore.read_blobs
    log = tmp_path / "calls"  # a file: a render makes its files in child processes

    def note(*words: str) -> None:
        with open(log, "a") as f:
            f.write(" ".join(words) + "\n")

    def counting_load(source, *args, **kwargs):
        if isinstance(source, gitstore.GitRefSource):
            note("whole", source.commit.hexsha)
        return real_load(source, *args, **kwargs)

    def counting_blobs(root, sha, rels):
        for rel in rels:
            note("blob", rel)
        return real_blobs(root, sha, rels)
    monkeypatch.setattr(load, "load_inventory", counting_load)
    monkeypatch.setattr(gitstore, "read_blobs", counting_blobs)
    out = tmp_path / "out"
    render(inventory.root, out)
    calls = [line.split() for line in log.read_text().splitlines()]
    whole = [c[1] for c in calls if c[0] == "whole"]
    blobs = [c[1] for c in calls if c[0] == "blob"]
    # Whole loads only around the two commits that changed networks (net add prod, mgmt).
    assert len(whole) == 4
    # Each of the 7 host commits read its one record, before and after.
    assert sorted(set(blobs)) == sorted(f"hosts/vm{n}.prod.example.com.yaml" for n in range(6))
    assert len(blobs) == 14
    # The cpus change moved no zone: HEAD's serials are those of the commit before it.
    before = tmp_path / "before"
    render(inventory.root, before, "--ref", "HEAD~1")
    assert serials(out) == serials(before)
