"""libvirt/<parent>.list: each hypervisor's domain files, one a line, so a deploy job copies
exactly a hypervisor's domains (`rsync --files-from=libvirt/hv1.example.com.list libvirt/
hv1:/etc/libvirt/cinv/`), and moving a VM shows up as a change in the rendered output."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import invoke

EXAMPLE = Path(__file__).resolve().parents[1] / "inventory"


def lists(out: Path) -> dict[str, list[str]]:
    return {p.name: p.read_text().splitlines() for p in sorted((out / "libvirt").glob("*.list"))}


def test_each_hypervisor_lists_its_domains_and_a_move_changes_both_lists(tmp_path):
    root = tmp_path / "inv"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    out = tmp_path / "out"
    assert invoke("-C", root, "render", "libvirt", "--out", out).code == 0
    before = lists(out)
    assert before == {
        "hv1.example.com.list": ["db1.prod.example.com.xml", "mon1.prod.example.com.xml",
                                 "ns1.example.com.xml", "web1.prod.example.com.xml"],
        "hv2.example.com.list": ["ci1.prod.example.com.xml", "mail1.prod.example.com.xml",
                                 "ns2.example.com.xml", "web2.prod.example.com.xml"]}
    for files in before.values():  # every listed file is a rendered domain
        assert all((out / "libvirt" / f).is_file() for f in files)
    rec = root / "hosts" / "vms" / "db1.prod.example.com.yaml"
    rec.write_text(rec.read_text().replace("parent: hv1.example.com", "parent: hv2.example.com"))
    r = invoke("-C", root, "render", "libvirt", "--out", out, "--check")
    assert r.code == 1
    assert "changed: libvirt/hv1.example.com.list" in r.out + r.err
    assert "changed: libvirt/hv2.example.com.list" in r.out + r.err
    assert invoke("-C", root, "render", "libvirt", "--out", out).code == 0
    after = lists(out)
    assert "db1.prod.example.com.xml" not in after["hv1.example.com.list"]
    assert after["hv2.example.com.list"][:2] == ["ci1.prod.example.com.xml",
                                                 "db1.prod.example.com.xml"]


def test_a_hypervisor_without_domains_has_no_list(tmp_path):
    root = tmp_path / "inv"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    for rec in (root / "hosts" / "vms").glob("*.yaml"):
        rec.write_text(rec.read_text().replace("parent: hv2.example.com",
                                               "parent: hv1.example.com"))
    out = tmp_path / "out"
    assert invoke("-C", root, "render", "libvirt", "--out", out).code == 0
    assert list(lists(out)) == ["hv1.example.com.list"]
    assert len(lists(out)["hv1.example.com.list"]) == 8


def test_what_leaves_a_hypervisors_list_is_named_to_undefine(inventory):
    """Issue 23: retiring a VM dropped it from libvirt/<parent>.list without a word that its
    domain still runs. The retirement and the removal say so, and the render that takes a
    domain off a list names it (a retired, removed or moved VM), but not a renamed VM's domain,
    which keeps its name (and the rename says that)."""
    inv = inventory
    for hv in ("hv1", "hv2"):
        inv.ok("host", "add", f"{hv}.example.com", "--kind", "physical", "--network", "mgmt")
    for vm in ("vm1", "vm2", "vm3", "vm4"):
        inv.ok("host", "add", vm, "--kind", "virtual", "--network", "prod", "--parent", "hv1")
    inv.ok("render")
    r = inv.ok("host", "state", "vm1", "retired")
    assert r.out.splitlines()[1] == (
        "  its domain vm1.prod.example.com still runs on hv1.example.com until undefined there "
        "(virsh undefine vm1.prod.example.com; its disks stay); the next render takes it off "
        "libvirt/hv1.example.com.list")
    assert "its domain vm2.prod.example.com still runs on hv1" in inv.ok("host", "rm", "vm2").out
    inv.ok("host", "move", "vm3", "--parent", "hv2")
    r = inv.ok("host", "rename", "vm4", "web4")
    uuid = inv.load().hosts["web4.prod.example.com"].libvirt.uuid
    assert r.out.splitlines()[1] == (
        f"  its libvirt domain keeps the name vm4.prod.example.com and uuid {uuid} (pinned in "
        "the record's libvirt: block), so `virsh define` updates that domain; to rename the "
        "domain too, `virsh domrename` it and set libvirt.name=web4.prod.example.com")
    r = inv.ok("render")
    assert [line for line in r.lines if line.startswith("libvirt:")] == [
        f"libvirt: vm{n}.prod.example.com is no longer in libvirt/hv1.example.com.list; if it "
        f"still runs on hv1.example.com, undefine it there (virsh undefine vm{n}.prod.example."
        "com; its disks stay)" for n in (1, 2, 3)]
    assert not [line for line in inv.ok("render").lines if line.startswith("libvirt:")]
