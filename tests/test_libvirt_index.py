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
