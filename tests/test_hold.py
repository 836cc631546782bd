"""Freed addresses and MACs wait for allocate.hold_days before `auto` (and `net free`) hand them
out again; the history of what was freed is read from git, only over the hold window, and cached
per commit."""
from __future__ import annotations

import email.utils
import time

import pytest
import yaml
from conftest import Inventory

from cinv.git import freed, gitstore
from cinv.records.model import Settings


def days_ago(days: float) -> dict:
    """An environment that dates cinv's commit (committer and author) days back."""
    stamp = email.utils.formatdate(time.time() - days * 86400)
    return {"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}


def iface_of(r) -> dict:
    return yaml.safe_load(r.out)["interfaces"][0]


def add(inv: Inventory, name: str, *args) -> dict:
    return iface_of(inv.ok("host", "add", name, "--kind", "virtual", "--network", "mgmt", *args))


@pytest.fixture
def inv(inventory) -> Inventory:
    add(inventory, "a")  # 198.51.100.2, 52:54:00:00:00:01
    add(inventory, "b")  # 198.51.100.3, 52:54:00:00:00:02
    return inventory


def test_a_removed_hosts_values_are_held_back(inv):
    inv.ok("host", "rm", "a")
    got = add(inv, "c")
    assert (got["ipv4"], got["mac"]) == ("198.51.100.4", "52:54:00:00:00:03")
    assert inv.ok("net", "free", "mgmt", "--count", "2").out == "198.51.100.5\n198.51.100.6\n"


def test_after_the_hold_time_they_are_free_again(inv):
    inv.run("host", "rm", "a", env=days_ago(8))
    got = add(inv, "c")
    assert (got["ipv4"], got["mac"]) == ("198.51.100.2", "52:54:00:00:00:01")


def test_hold_days_set_in_cinv_yaml(inv):
    settings = inv.read("cinv.yaml").replace("hold_days: 7", "hold_days: 30")
    (inv.root / "cinv.yaml").write_text(settings)
    inv.git("commit", "-qam", "hold for a month")
    inv.run("host", "rm", "a", env=days_ago(8))
    assert add(inv, "c")["ipv4"] == "198.51.100.4"
    (inv.root / "cinv.yaml").write_text(settings.replace("hold_days: 30", "hold_days: 0"))
    inv.git("commit", "-qam", "no hold")
    assert add(inv, "d")["ipv4"] == "198.51.100.2"


@pytest.mark.parametrize("free", [
    ("host", "state", "a", "retired"),
    ("iface", "rm", "a", "eth0"),
    ("iface", "set", "a", "eth0", "--ipv4", "auto", "--mac", "auto"),
    ("host", "set", "a", "interfaces.eth0.ipv4=198.51.100.30", "interfaces.eth0.mac=none"),
], ids=["retire", "iface rm", "iface set", "host set"])
def test_every_way_of_freeing_holds_back(inv, free):
    inv.ok(*free)
    got = add(inv, "c")
    assert got["ipv4"] != "198.51.100.2" and got["mac"] != "52:54:00:00:00:01", got


def test_a_value_moved_to_another_host_in_one_commit_is_not_freed(inv):
    inv.ok("host", "rename", "a", "a2")
    assert freed.Freed(inv.root, Settings()).entries() == {}


def test_given_explicitly_a_held_value_is_taken(inv):
    inv.ok("host", "rm", "a")
    got = add(inv, "c", "--ipv4", "198.51.100.2", "--mac", "52:54:00:00:00:01")
    assert (got["ipv4"], got["mac"]) == ("198.51.100.2", "52:54:00:00:00:01")


def test_changes_without_a_commit_are_remembered(inv):
    inv.ok("host", "rm", "a", "--no-commit")
    assert add(inv, "c", "--no-commit")["ipv4"] == "198.51.100.4"


def test_outside_git_a_machine_remembers(tmp_path, base_files, make_files, run_cli):
    root = make_files(tmp_path / "plain", base_files)
    assert run_cli("-C", root, "host", "rm", "web1").code == 0
    r = run_cli("-C", root, "host", "add", "web2", "--kind", "virtual", "--network", "prod")
    assert iface_of(r)["ipv4"] == "192.0.2.12" and iface_of(r)["mac"] == "52:54:00:00:00:02"


def test_a_full_network_says_when_a_held_address_is_free(inventory):
    inventory.ok("net", "add", "tiny", "--ipv4", "10.0.0.0/30")
    inventory.ok("host", "add", "a", "--kind", "virtual", "--network", "tiny")
    inventory.ok("host", "add", "b", "--kind", "virtual", "--network", "tiny")
    inventory.ok("host", "rm", "a")
    r = inventory.run("host", "add", "c", "--kind", "virtual", "--network", "tiny")
    assert r.code == 1
    assert r.err.startswith("cinv: network tiny (10.0.0.0/30) has no free IPv4 address left but "
                            "1 freed within the hold time (allocate.hold_days in cinv.yaml); the "
                            "first is free again from 20")
    assert r.err.endswith(" UTC\n")


def test_net_free_is_what_auto_takes_with_holds(inv):
    for name in ("c", "d", "e"):
        add(inv, name)
    inv.ok("host", "rm", "c")
    inv.run("host", "rm", "a", env=days_ago(10))
    listed = inv.ok("net", "free", "mgmt", "--count", "3").out.split()
    assert listed == ["198.51.100.2", "198.51.100.7", "198.51.100.8"]
    assert [add(inv, n)["ipv4"] for n in ("x", "y", "z")] == listed


# --- the history walk: only the window, cached, incremental ---------------------------------

def test_the_walk_is_bounded_by_the_window_and_cached_per_commit(inv, monkeypatch):
    calls = []
    real = gitstore.host_changes

    def spy(root, since, base=None, tip="HEAD"):
        calls.append((since, base))
        return real(root, since, base, tip)
    monkeypatch.setattr(gitstore, "host_changes", spy)
    (inv.root / ".cinv" / "cache" / "freed.marshal").unlink()
    now = time.time()
    first = freed.Freed(inv.root, Settings(), now=now).entries()
    assert first == {} and len(calls) == 1 and calls[0][1] is None
    assert abs(calls[0][0] - (now - 7 * 86400)) < 1  # only the hold window of the history
    freed.Freed(inv.root, Settings(), now=now + 5).entries()
    assert len(calls) == 1  # same HEAD: from the cache, no git log at all
    head = inv.head()
    inv.ok("host", "rm", "a")
    entries = freed.Freed(inv.root, Settings(), now=now + 10).entries()
    assert calls[-1][1] == head  # only the commits since the cached one
    assert {k: v[1] for k, v in entries.items()} == {
        ("v4", int.from_bytes(bytes([198, 51, 100, 2]), "big")): "a.mgmt.example.com",
        ("mac", 0x525400000001): "a.mgmt.example.com"}


def test_a_switched_branch_walks_its_own_window(inv):
    inv.git("branch", "-M", "main")
    inv.git("checkout", "-q", "-b", "other")
    inv.ok("host", "rm", "a")
    assert add(inv, "c")["ipv4"] == "198.51.100.4"
    inv.git("checkout", "-q", "main")
    inv.run("host", "rm", "a", env=days_ago(10))  # on main, a went long ago
    assert add(inv, "d")["ipv4"] == "198.51.100.2"
