"""cinv export cdist / ansible: hand the hosts to configuration management."""
from __future__ import annotations

import os
from pathlib import Path

from conftest import invoke

EXAMPLE = Path(__file__).resolve().parents[1] / "inventory"


def test_cdist_layout_one_file_per_host_with_its_tags(tmp_path):
    out = tmp_path / "cdist"
    r = invoke("-C", EXAMPLE, "export", "cdist", out)
    assert r.code == 0, r
    names = invoke("-C", EXAMPLE, "host", "list", "--format", "names").out.split()
    assert sorted(os.listdir(out)) == sorted(names)  # the same hosts `xargs cdist config` gets
    assert "web0.prod.example.com" not in names  # retired
    assert (out / "web1.prod.example.com").read_text() == (
        "web\ncustomer-a\nkind:virtual\nstate:active\nnetwork:prod\nparent:hv1.example.com\n")
    assert (out / "hv1.example.com").read_text() == (
        "hypervisor\nkvm\nkind:physical\nstate:active\nnetwork:prod\nnetwork:mgmt\n")
    assert r.out.endswith(f"{len(names)} written, 0 unchanged, 0 removed.\n")


def test_cdist_export_rewrites_only_changes_and_removes_stale_hosts(tmp_path, inventory):
    out = tmp_path / "cdist"
    inventory.ok("host", "add", "a", "--kind", "virtual", "--network", "prod", "--tag", "web")
    inventory.ok("host", "add", "b", "--kind", "physical", "--network", "mgmt",
                 "--mac", "00:11:22:33:44:55")
    inventory.ok("export", "cdist", out)
    (out / "README").write_text("not a host file\n")
    (out / "gone.example.com").write_text("old\n")
    inventory.ok("host", "state", "b", "retired")
    r = inventory.ok("export", "cdist", out)
    assert f"removed {out / 'b.mgmt.example.com'}" in r.out
    assert f"removed {out / 'gone.example.com'}" in r.out
    assert "0 written, 1 unchanged, 2 removed." in r.out
    assert sorted(os.listdir(out)) == ["README", "a.prod.example.com"]


def test_cdist_export_refuses_to_write_through_a_symlink(tmp_path, inventory):
    inventory.ok("host", "add", "a", "--kind", "virtual", "--network", "prod")
    out = tmp_path / "cdist"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (out / "a.prod.example.com").symlink_to(victim)
    r = inventory.run("export", "cdist", out)
    assert r.code == 1 and "symlink" in r.err
    assert victim.read_text() == "keep\n"


def test_ansible_export_is_the_ansible_render_target(tmp_path):
    r = invoke("-C", EXAMPLE, "export", "ansible")
    assert r.code == 0, r
    rendered = invoke("-C", EXAMPLE, "render", "ansible", "--out", tmp_path)
    assert rendered.code == 0, rendered
    assert r.out == (tmp_path / "ansible" / "inventory.yaml").read_text()
    assert "web1.prod.example.com" in r.out


def test_exports_refuse_an_inventory_with_check_errors(inventory, tmp_path):
    (inventory.root / "hosts" / "x.example.com.yaml").write_text("kind: robot\n")
    for args in (("export", "cdist", tmp_path / "c"), ("export", "ansible")):
        r = inventory.run(*args)
        assert r.code == 1 and "x.example.com.yaml:1: kind" in r.err, r
