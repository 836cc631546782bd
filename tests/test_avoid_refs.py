"""allocate.avoid_refs (issue 23 item 4): two customer branches made from main gave their first
new VM the same IPv4, IPv6 and MAC, found only afterwards by `check --refs`. With the branches'
patterns in cinv.yaml, `host add`, `iface set ... auto`, `host set ...=auto` and `net free` skip
every MAC and address held on them (addresses on networks of the same name), read from git's
objects; the branch's own HEAD is not another ref."""
from __future__ import annotations

import pytest
import yaml
from conftest import Inventory


def avoid(inv: Inventory, patterns: str = "['customer-*']", hold_days: int = 7) -> None:
    text = inv.read("cinv.yaml").replace("allocate:\n  hold_days: 7\n",
                                         f"allocate:\n  hold_days: {hold_days}\n"
                                         f"  avoid_refs: {patterns}\n")
    assert "avoid_refs" in text
    (inv.root / "cinv.yaml").write_text(text)
    inv.git("commit", "-qam", "avoid the customer branches")


def first_iface(r) -> dict:
    iface = yaml.safe_load(r.out)["interfaces"][0]
    return {k: iface.get(k) for k in ("mac", "ipv4", "ipv6")}


def branches(inv: Inventory) -> None:
    inv.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inv.git("branch", "-M", "main")
    inv.git("branch", "customer-a")
    inv.git("branch", "customer-b")


@pytest.mark.parametrize("avoiding", [True, False], ids=["avoid_refs", "without"])
def test_two_customer_branches_get_different_values(inventory, avoiding):
    if avoiding:
        avoid(inventory)
    branches(inventory)
    got = {}
    for branch in ("customer-a", "customer-b"):
        inventory.git("checkout", "-q", branch)
        got[branch] = first_iface(inventory.ok("host", "add", f"{branch[-1]}1", "--kind",
                                               "virtual", "--network", "prod"))
    a, b = got["customer-a"], got["customer-b"]
    inventory.git("checkout", "-q", "main")
    r = inventory.run("check", "--refs", "customer-*")
    if avoiding:
        assert all(a[k] != b[k] for k in a), got
        assert r.code == 0, r
    else:  # what issue 23 found: the same three values, a clash found only afterwards
        assert a == b, got
        assert r.code == 1 and r.out.count("is also held by") == 6, r


def test_every_auto_skips_what_the_other_branches_hold(inventory):
    avoid(inventory)
    branches(inventory)
    inventory.git("checkout", "-q", "customer-a")
    a1 = first_iface(inventory.ok("host", "add", "a1", "--kind", "virtual", "--network",
                                  "prod"))
    a2 = first_iface(inventory.ok("host", "add", "a2", "--kind", "virtual", "--network",
                                  "prod"))
    inventory.git("checkout", "-q", "customer-b")
    free = inventory.ok("net", "free", "prod", "--count", "3").lines
    assert a1["ipv4"] not in free and a2["ipv4"] not in free
    assert a1["ipv6"] not in inventory.ok("net", "free", "prod", "-6", "--count", "3").lines
    b1 = first_iface(inventory.ok("host", "add", "b1", "--kind", "virtual", "--network",
                                  "prod"))
    assert b1["ipv4"] == free[0]
    assert not {a1["mac"], a2["mac"]} & {b1["mac"]}
    # customer-a moves on: its new host is seen (the cache is by commit, never stale)
    inventory.git("checkout", "-q", "customer-a")
    a3 = first_iface(inventory.ok("host", "add", "a3", "--kind", "virtual", "--network",
                                  "prod"))
    inventory.git("checkout", "-q", "customer-b")
    r = inventory.ok("iface", "set", "b1", "eth0", "--ipv4", "auto", "--ipv6", "auto",
                     "--mac", "auto")
    now = first_iface(inventory.ok("host", "show", "b1"))
    held_there = {v for i in (a1, a2, a3) for v in i.values()}
    assert not set(now.values()) & held_there, (r.out, now)
    inventory.ok("host", "set", "b1", "interfaces.eth0.ipv4=auto")
    assert first_iface(inventory.ok("host", "show", "b1"))["ipv4"] not in held_there
    inventory.git("checkout", "-q", "main")
    assert inventory.run("check", "--refs", "customer-*").code == 0


def test_the_branchs_own_head_is_not_another_ref(inventory):
    """On customer-a, whose own name matches: what its HEAD holds is not skipped as another
    branch's (with no hold time, a host removed without a commit frees its values at once)."""
    avoid(inventory, hold_days=0)
    branches(inventory)
    inventory.git("checkout", "-q", "customer-a")
    a1 = first_iface(inventory.ok("host", "add", "a1", "--kind", "virtual", "--network",
                                  "prod"))
    inventory.ok("host", "rm", "a1", "--no-commit")
    assert inventory.ok("net", "free", "prod", "--count", "1").out == f"{a1['ipv4']}\n"
    # a branch at the same commit is this branch's state too
    inventory.git("branch", "customer-a-copy")
    assert inventory.ok("net", "free", "prod", "--count", "1").out == f"{a1['ipv4']}\n"


def test_its_remote_tracking_twin_is_not_another_ref(inventory, tmp_path):
    avoid(inventory, hold_days=0)
    branches(inventory)
    clone = Inventory(tmp_path / "clone")
    inventory.git("clone", "-q", "-b", "customer-a", str(inventory.root), str(clone.root))
    a1 = first_iface(clone.ok("host", "add", "a1", "--kind", "virtual", "--network", "prod"))
    clone.git("push", "-q", "origin", "customer-a")
    clone.git("fetch", "-q", "origin")
    clone.ok("host", "rm", "a1", "--no-commit")  # origin/customer-a holds it; it is ours
    assert clone.ok("net", "free", "prod", "--count", "1").out == f"{a1['ipv4']}\n"
    # the other customer's remote-tracking branch is another ref
    other = Inventory(tmp_path / "other")
    inventory.git("clone", "-q", "-b", "customer-b", str(inventory.root), str(other.root))
    other.git("fetch", "-q", "origin")
    assert other.ok("net", "free", "prod", "--count", "1").out != f"{a1['ipv4']}\n"


def test_private_networks_and_retired_hosts_hold_nothing_for_others(inventory):
    """Addresses only on networks of the same name (a customer's private `lab` is its own);
    a retired host on another branch holds nothing."""
    avoid(inventory)
    branches(inventory)
    inventory.git("checkout", "-q", "customer-a")
    inventory.ok("net", "add", "lab", "--ipv4", "10.5.0.0/24")
    l1 = first_iface(inventory.ok("host", "add", "l1", "--kind", "virtual", "--network", "lab",
                                  "--mac", "02:00:00:00:00:01"))
    a1 = first_iface(inventory.ok("host", "add", "a1", "--kind", "virtual", "--network",
                                  "prod"))
    inventory.ok("host", "state", "a1", "retired")
    inventory.git("checkout", "-q", "customer-b")
    inventory.ok("net", "add", "lab2", "--ipv4", "10.5.0.0/24")  # same prefix, another name
    assert inventory.ok("net", "free", "lab2", "--count", "1").out == f"{l1['ipv4']}\n"
    assert inventory.ok("net", "free", "prod", "--count", "1").out == f"{a1['ipv4']}\n"


def test_bad_patterns_are_refused_by_check(inventory):
    text = inventory.read("cinv.yaml").replace("  hold_days: 7\n",
                                               "  hold_days: 7\n  avoid_refs: ['-x', 3]\n")
    (inventory.root / "cinv.yaml").write_text(text)
    r = inventory.run("check")
    assert r.code == 1
    assert "allocate.avoid_refs[0]: '-x' is not a branch name pattern" in r.out
    assert "allocate.avoid_refs[1]: 3 is not a branch name pattern" in r.out
