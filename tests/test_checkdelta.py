"""`cinv check` after a few host files changed (cinv/checkdelta.py) says exactly what a full check
says, after every kind of change that makes or clears a problem between records.

The rich inventory (tests/richinv.py) is committed and checked in full (the base); then each
step changes host files in the work tree (the changes pile up, so later steps compare several
changed files against the base) and the updated result must equal a full load and check of the
same files, problem for problem, with the same counts.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke
from richinv import rich_inventory

from cinv import check, checkdelta
from cinv.records import cache, load
from cinv.workspace import Workspace

VM1 = "hosts/net000/vm000001.net000.example.com.yaml"
VM2 = "hosts/net000/vm000002.net000.example.com.yaml"
HV0 = "hosts/net000/hv00000.net000.example.com.yaml"
NS1 = "hosts/ns1.prod.example.com.yaml"
MULTI = "hosts/multi.prod.example.com.yaml"


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    return rich_inventory(tmp_path_factory.mktemp("delta") / "inv", generated=60)


def full(root: Path) -> tuple:
    inv = load.load_inventory(load.DirSource(root), None)
    problems = check.run(inv)
    return (sorted((p.path, p.line, p.message, p.severity, p.code) for p in problems),
            len(inv.hosts), len(inv.networks))


def updated(root: Path) -> tuple | None:
    hit = checkdelta.updated(root, cache.scan(root))
    return None if hit is None else (sorted(map(tuple, hit[0])), hit[1], hit[2])


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


def vm(name: str, ipv4: str, mac: str, parent: str = "hv00000.net000.example.com",
       extra: str = "") -> str:
    return (f"kind: virtual\nstate: active\nparent: {parent}\n{extra}"
            f"interfaces:\n  - name: eth0\n    mac: '{mac}'\n    network: net000\n"
            f"    ipv4: {ipv4}\n")


STEPS = [
    ("a new host, no problem", lambda r: (r / "hosts/net000/new1.net000.example.com.yaml")
     .write_text(vm("new1", "10.0.1.200", "52:54:00:ee:00:01"))),
    ("an address held twice (an error at both ends)", lambda r: edit(
        r, VM2, "ipv4: 10.0.0.12", "ipv4: 10.0.0.11")),
    ("a third holder: both messages name all the others", lambda r: (
        r / "hosts/net000/new2.net000.example.com.yaml").write_text(
        vm("new2", "10.0.0.11", "52:54:00:ee:00:02"))),
    ("a MAC held twice", lambda r: edit(r, "hosts/net000/new1.net000.example.com.yaml",
                                        "52:54:00:ee:00:01", "52:54:00:00:00:01")),
    ("a hypervisor removed: its guests' parent is unknown", lambda r: (r / HV0).unlink()),
    ("a file that is not YAML", lambda r: (r / VM1).write_text("kind: [virtual\n")),
    ("a name outside every managed domain", lambda r: (
        r / "hosts/pypi.org.yaml").write_text(vm("x", "10.0.1.201", "52:54:00:ee:00:03",
                                                  parent="hv00001.net000.example.com"))),
    ("an alias that is another host's name", lambda r: edit(
        r, "hosts/net000/new2.net000.example.com.yaml", "    ipv4: 10.0.0.11\n",
        "    ipv4: 10.0.1.202\n    aliases: [vm000003]\n")),
    ("the nameserver removed", lambda r: (r / NS1).unlink()),
    ("a guest bigger than its hypervisor", lambda r: (
        r / "hosts/net000/big.net000.example.com.yaml").write_text(vm(
            "big", "10.0.1.203", "52:54:00:ee:00:04", parent="hv00001.net000.example.com",
            extra="hardware:\n  cpus: 512\n  memory: 4TiB\n"))),
    ("a host on a zone record's name", lambda r: (
        r / "hosts/www2.prod.example.com.yaml").write_text(
        "kind: physical\nstate: active\ninterfaces:\n  - name: eth0\n    mac: "
        "'00:25:90:ee:00:05'\n    network: prod\n    ipv4: 192.0.2.77\n")),
    ("a retired host keeps its address", lambda r: edit(r, MULTI, "state: active",
                                                        "state: retired")),
    ("things put back", lambda r: (edit(r, VM2, "ipv4: 10.0.0.11", "ipv4: 10.0.0.12"),
                                   (r / "hosts/pypi.org.yaml").unlink())),
]


def test_each_change_checks_as_a_full_check(rich, tmp_path):
    import shutil
    root = tmp_path / "inv"
    shutil.copytree(rich, root, symlinks=True)
    r = invoke("-C", root, "check")  # full: the base is the commit, as checked
    assert r.code == 0, r
    assert cache.read(root, checkdelta.BASE) is not None
    seen_errors = 0
    for what, step in STEPS:
        step(root)
        want = full(root)
        got = updated(root)
        assert got is not None, what
        assert got == want, (what, sorted(set(want[0]) ^ set(got[0]))[:6])
        seen_errors += bool(check.errors([check.Problem(*p) for p in want[0]]))
    assert seen_errors >= 8  # the steps did make problems, and then cleared some
    # the command says the same as the full result of the last step
    r = invoke("-C", root, "check")
    assert r.code == 1 and f"{want[1]} hosts" in r.out


def test_a_full_check_where_a_delta_cannot_say(rich, tmp_path):
    import shutil
    root = tmp_path / "inv"
    shutil.copytree(rich, root, symlinks=True)
    assert invoke("-C", root, "check").code == 0
    edit(root, VM1, "ipv4: 10.0.0.11", "ipv4: 10.0.0.99")
    assert updated(root) is not None
    # a network changed: every host on it may change
    (root / "networks" / "net000.yaml").write_text(
        (root / "networks" / "net000.yaml").read_text() + "description: changed\n")
    assert updated(root) is None
    shutil.rmtree(root)
    shutil.copytree(rich, root, symlinks=True)
    assert invoke("-C", root, "check").code == 0
    # more files than a delta is for
    for i in range(checkdelta.MAX_CHANGED + 1):
        (root / f"hosts/net000/m{i}.net000.example.com.yaml").write_text(
            vm("m", f"10.0.2.{i + 1}", f"52:54:00:ef:00:{i:02x}"))
    assert updated(root) is None
    # a host name recorded in two folders: which one counts is the full load's
    for i in range(checkdelta.MAX_CHANGED + 1):
        (root / f"hosts/net000/m{i}.net000.example.com.yaml").unlink()
    (root / "hosts" / "other").mkdir()
    (root / "hosts/other/vm000004.net000.example.com.yaml").write_text(
        vm("d", "10.0.2.250", "52:54:00:ef:01:01"))
    assert updated(root) is None
    assert Workspace(root=root).checked()[0] == [check.Problem(*p) for p in full(root)[0]]


def test_no_base_without_a_clean_commit(rich, tmp_path):
    """Uncommitted host files at the full check: git does not hold what it was computed from."""
    import shutil
    root = tmp_path / "inv"
    shutil.copytree(rich, root, symlinks=True)
    edit(root, VM1, "ipv4: 10.0.0.11", "ipv4: 10.0.0.98")
    assert invoke("-C", root, "check").code == 0
    assert cache.read(root, checkdelta.BASE) is None
