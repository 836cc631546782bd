"""Git workflow: reading any ref without a checkout, semantic diff, history, safe merges."""
from __future__ import annotations

import json

import pytest


@pytest.fixture
def branches(inventory):
    """main with web1; branch customer-b adds web2 and changes web1's cpus."""
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod", "--cpus", "2")
    inventory.git("branch", "-M", "main")
    inventory.git("checkout", "-q", "-b", "customer-b")
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "set", "web1", "hardware.cpus=8")
    inventory.git("checkout", "-q", "main")
    return inventory


def test_ref_reads_another_branch_without_touching_the_work_tree(branches):
    before = branches.snapshot()
    r = branches.ok("--ref", "customer-b", "host", "list", "--format", "names")
    assert r.lines == ["web1.prod.example.com", "web2.prod.example.com"]
    r = branches.ok("host", "list", "--format", "names")
    assert r.lines == ["web1.prod.example.com"]
    shown = json.loads(branches.ok("--ref", "customer-b", "host", "show", "web1",
                                   "--format", "json").out)
    assert shown["hardware"]["cpus"] == 8
    assert branches.ok("--ref", "customer-b", "check").code == 0
    assert "prod" in branches.ok("--ref", "customer-b", "net", "list").out
    assert branches.snapshot() == before
    assert branches.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_ref_reads_a_commit_and_a_tag(branches):
    branches.git("tag", "v1", "HEAD~1")
    names = branches.ok("--ref", "v1", "host", "list", "--format", "names").lines
    assert names == []
    names = branches.ok("--ref", "HEAD", "host", "list", "--format", "names").lines
    assert names == ["web1.prod.example.com"]


def test_ref_is_refused_by_writing_commands(branches):
    before = branches.snapshot()
    for args in (("host", "add", "x", "--kind", "virtual", "--network", "prod"),
                 ("host", "set", "web1", "hardware.cpus=4"),
                 ("host", "state", "web1", "maintenance"),
                 ("host", "rm", "web1"),
                 ("iface", "add", "web1", "--network", "mgmt"),
                 ("net", "add", "x", "--ipv4", "203.0.113.0/24")):
        r = branches.run("--ref", "customer-b", *args)
        assert r.code == 1, (args, r)
        assert "--ref only reads" in r.err
        assert len(r.err.strip().splitlines()) == 1
    assert branches.snapshot() == before


def test_unknown_ref_is_one_clear_line(branches):
    r = branches.run("--ref", "no-such-branch", "host", "list")
    assert r.code == 1
    assert r.err.strip() == "cinv: --ref no-such-branch: no such branch, tag or commit"


def test_diff_work_tree_against_head(branches):
    assert branches.ok("diff").out == ""
    branches.ok("host", "set", "web1", "hardware.cpus=4", "--no-commit")
    branches.ok("host", "add", "db1", "--kind", "virtual", "--network", "prod", "--ipv4",
                "192.0.2.50", "--ipv6", "none", "--no-commit")
    lines = branches.ok("diff").lines
    assert "~ host web1.prod.example.com: hardware.cpus 2 -> 4" in lines
    assert any(line.startswith("+ host db1.prod.example.com (192.0.2.50") for line in lines)


def test_diff_between_two_customer_branches(branches):
    lines = branches.ok("diff", "main", "customer-b").lines
    assert any(line.startswith("+ host web2.prod.example.com (192.0.2.11") for line in lines)
    assert "~ host web1.prod.example.com: hardware.cpus 2 -> 8" in lines
    back = branches.ok("diff", "customer-b", "main").lines
    assert ("- host web2.prod.example.com (192.0.2.11, 2001:db8:0:1::3, 52:54:00:00:00:02)"
            in back)
    data = json.loads(branches.ok("diff", "main", "customer-b", "--format", "json").out)
    changed = next(d for d in data if d["name"] == "web1.prod.example.com")
    assert changed["status"] == "changed"
    assert changed["changes"] == [{"field": "hardware.cpus", "from": 2, "to": 8}]
    added = next(d for d in data if d["name"] == "web2.prod.example.com")
    assert added["status"] == "added" and added["record"]["kind"] == "virtual"


def test_diff_reports_address_changes_interfaces_and_networks(branches):
    branches.ok("host", "set", "web1", "interfaces.eth0.ipv4=192.0.2.77")
    branches.ok("iface", "add", "web1", "--network", "mgmt", "--name", "eth1")
    branches.ok("net", "add", "backup", "--ipv4", "203.0.113.0/24")
    lines = branches.ok("diff", "HEAD~3", "HEAD").lines
    assert "~ host web1.prod.example.com: interfaces.eth0.ipv4 192.0.2.10 -> 192.0.2.77" in lines
    assert "~ host web1.prod.example.com: interfaces.eth1 added" in lines
    assert "+ network backup (203.0.113.0/24)" in lines


def test_history_newest_first_and_follows_a_move(branches):
    inv = branches
    inv.ok("host", "set", "web1", "hardware.cpus=3")
    inv.ok("host", "state", "web1", "maintenance")
    (inv.root / "hosts" / "web").mkdir()
    inv.git("mv", "hosts/web1.prod.example.com.yaml", "hosts/web/web1.prod.example.com.yaml")
    inv.git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "Group web hosts")
    r = inv.ok("host", "history", "web1")
    messages = [line.split("  ", 3)[3] for line in r.lines]
    assert messages == ["Group web hosts",
                        "Move host web1.prod.example.com from active to maintenance",
                        "Change host web1.prod.example.com: hardware.cpus: 2 -> 3",
                        messages[3]]
    assert messages[3].startswith("Add host web1.prod.example.com (192.0.2.10")
    data = json.loads(inv.ok("host", "history", "web1", "--format", "json").out)
    assert data[0]["author"] and data[0]["date"] and len(data[0]["commit"]) == 40


def test_history_of_a_removed_host(branches):
    branches.ok("host", "rm", "web1")
    r = branches.ok("host", "history", "web1.prod.example.com")
    assert "Remove host web1.prod.example.com" in r.lines[0]
    assert len(r.lines) == 2


def test_merge_of_two_branches_that_allocated_the_same_address_is_caught(inventory):
    inv = inventory
    inv.git("branch", "-M", "main")
    inv.git("checkout", "-q", "-b", "alice")
    inv.ok("host", "add", "app1", "--kind", "virtual", "--network", "prod")
    inv.git("checkout", "-q", "main")
    inv.git("checkout", "-q", "-b", "bob")
    inv.ok("host", "add", "app2", "--kind", "virtual", "--network", "prod")
    inv.git("checkout", "-q", "main")
    inv.git("merge", "-q", "--no-edit", "alice")
    # Different files, so git merges cleanly ...
    inv.git("-c", "user.name=t", "-c", "user.email=t@t", "merge", "-q", "--no-edit", "bob")
    # ... but both hosts hold 192.0.2.10 and the same MAC: check must stop the deploy.
    r = inv.run("check")
    assert r.code == 1
    text = r.out
    assert ("hosts/app1.prod.example.com.yaml:" in text
            and "IPv4 address 192.0.2.10 is also held by hosts/app2.prod.example.com.yaml" in text)
    assert "IPv4 address 192.0.2.10 is also held by hosts/app1.prod.example.com.yaml" in text
    assert "MAC 52:54:00:00:00:01 is also held by" in text
    assert inv.run("render", "--out", inv.root / "build").code == 1
