"""`cinv check --refs PATTERN`: MACs everywhere and addresses on shared networks, clashing
across branches, read from git objects; and the CI recipe's step that runs it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Inventory, git, invoke

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "ci" / "cinv-ci.sh"


@pytest.fixture
def customers(inventory) -> Inventory:
    """main: web1 on prod. customer-a adds a1 (prod), customer-b adds b1 (prod) and a private
    network lab with l1, customer-c adds c1 on its own network lab: each valid alone."""
    inv = inventory
    inv.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inv.git("branch", "-M", "main")
    for branch, host, extra in (("customer-a", "a1", None), ("customer-b", "b1", "l1"),
                                ("customer-c", None, "c1")):
        inv.git("checkout", "-q", "-b", branch, "main")
        if host:
            inv.ok("host", "add", host, "--kind", "virtual", "--network", "prod")
        if extra:
            inv.ok("net", "add", "lab", "--ipv4", "10.5.0.0/24")
            inv.ok("host", "add", extra, "--kind", "virtual", "--network", "lab")
    inv.git("checkout", "-q", "main")
    return inv


A1 = "hosts/a1.prod.example.com.yaml"
B1 = "hosts/b1.prod.example.com.yaml"


def clashes(r) -> list[str]:
    """The problem lines, without warnings and the summary."""
    return [line for line in r.out.splitlines()[:-1] if ": warning: " not in line]


def test_clashes_between_other_branches(customers):
    before = customers.snapshot()
    r = customers.run("check", "--refs", "customer-*")
    assert r.code == 1, r
    c1 = "hosts/c1.example.com.yaml"
    assert clashes(r) == [
        f"customer-a:{A1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02 is also held by "
        f"b1.prod.example.com in branch customer-b ({B1}), c1.example.com in branch customer-c "
        f"({c1})",
        f"customer-a:{A1}:7: interfaces[0].ipv4: IPv4 address 192.0.2.11 on network prod is "
        f"also held by b1.prod.example.com in branch customer-b ({B1})",
        f"customer-a:{A1}:8: interfaces[0].ipv6: IPv6 address 2001:db8:0:1::3 on network prod "
        f"is also held by b1.prod.example.com in branch customer-b ({B1})",
        f"customer-b:{B1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02 is also held by "
        f"a1.prod.example.com in branch customer-a ({A1}), c1.example.com in branch customer-c "
        f"({c1})",
        f"customer-b:{B1}:7: interfaces[0].ipv4: IPv4 address 192.0.2.11 on network prod is "
        f"also held by a1.prod.example.com in branch customer-a ({A1})",
        f"customer-b:{B1}:8: interfaces[0].ipv6: IPv6 address 2001:db8:0:1::3 on network prod "
        f"is also held by a1.prod.example.com in branch customer-a ({A1})",
        "customer-b:hosts/l1.example.com.yaml:7: interfaces[0].ipv4: IPv4 address 10.5.0.1 on "
        f"network lab is also held by c1.example.com in branch customer-c ({c1})",
        f"customer-c:{c1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02 is also held by "
        f"a1.prod.example.com in branch customer-a ({A1}), b1.prod.example.com in branch "
        f"customer-b ({B1})",
        f"customer-c:{c1}:7: interfaces[0].ipv4: IPv4 address 10.5.0.1 on network lab is also "
        "held by l1.example.com in branch customer-b (hosts/l1.example.com.yaml)",
    ]
    assert r.out.splitlines()[-1] == "1 host, 2 networks: 9 errors, 0 warnings"
    assert customers.snapshot() == before  # nothing checked out, nothing written


def test_the_checked_out_branch_is_this_inventory(customers):
    customers.git("checkout", "-q", "customer-a")
    r = customers.run("check", "--refs", "customer-*")
    assert r.code == 1
    assert clashes(r)[0] == (
        f"{A1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02 is also held by b1.prod.example.com "
        f"in branch customer-b ({B1}), c1.example.com in branch customer-c "
        "(hosts/c1.example.com.yaml)")
    assert not any(line.startswith("customer-a:") for line in r.out.splitlines())
    # the lab networks of customer-b and -c are one network by name: l1 and c1 clash there,
    # but lab is not this inventory's: its prod hosts are not compared with them
    r = customers.run("check", "--refs", "customer-[bc]")
    assert "on network lab" in r.out


def test_no_clash_when_branches_differ(customers):
    r = customers.run("check", "--refs", "customer-a")
    assert (r.code, clashes(r)) == (0, [])
    r = customers.run("check", "--refs", "nothing-*")
    assert r.code == 0


def test_a_host_in_two_branches_is_one_host(customers):
    customers.git("checkout", "-q", "-b", "customer-d", "customer-a")
    customers.ok("host", "set", "a1", "description=changed here")
    customers.git("checkout", "-q", "main")
    r = customers.run("check", "--refs", "customer-[ad]")
    assert (r.code, clashes(r)) == (0, [])


def test_remote_tracking_branches_of_a_ci_clone(customers, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--branch", "main", str(customers.root), str(clone)],
                   check=True)
    r = invoke("-C", clone, "check", "--refs", "customer-*")
    assert r.code == 1
    assert f"origin/customer-a:{A1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02" in r.out


def test_refs_outside_git(tmp_path, base_files, make_files):
    root = make_files(tmp_path / "plain", base_files)
    r = invoke("-C", root, "check", "--refs", "x*")
    assert (r.code, r.err) == (1, f"cinv: --refs: {root.resolve()} is not in a git repository\n")


def test_the_ci_recipe_step(customers, tmp_path):
    for tool in ("dhcpd", "kea-dhcp4", "named-checkzone", "virt-xml-validate", "dnsmasq"):
        if shutil.which(tool, path=os.environ["PATH"] + ":/usr/sbin:/sbin") is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{tool} is not installed")
            pytest.skip(f"{tool} is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "cinv").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cinv "$@"\n')
    (bindir / "cinv").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CINV_", "CI_", "GITHUB_"))}
    env.update(PATH=f"{bindir}:{env['PATH']}", CINV_INSTALL="never",
               CINV_OUT=str(tmp_path / "out"))
    git(customers.root, "checkout", "-q", "customer-a")

    def run(**more):
        return subprocess.run(["bash", str(SCRIPT)], cwd=customers.root, env={**env, **more},
                              capture_output=True, text=True, timeout=300)
    p = run()
    assert p.returncode == 0, p.stdout + p.stderr  # without CINV_CHECK_REFS: no such step
    assert "--refs" not in p.stdout
    p = run(CINV_CHECK_REFS="customer-*")
    assert p.returncode == 1
    assert "check --refs customer-*" in p.stdout
    assert f"{A1}:5: interfaces[0].mac: MAC 52:54:00:00:00:02 is also held by" in p.stdout
    assert p.stderr.strip().splitlines()[-1] == (
        "cinv-ci: FAILED: cinv check --refs customer-* found clashes with other branches "
        "(listed above)")
    assert run(CINV_CHECK_REFS="main").returncode == 0  # web1 there is web1 here: one host
