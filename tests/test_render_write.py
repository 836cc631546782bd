"""Writing rendered files: only changes, stale files removed, foreign files untouched, --check,
refusal on check errors; user targets, template overrides and the sandbox."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import invoke
from test_render import EXAMPLE, files_of


@pytest.fixture
def example(tmp_path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    return root


def render(root, out, *args):
    return invoke("-C", root, "render", "--out", out, *args)


def test_unchanged_files_are_not_rewritten(example, tmp_path):
    out = tmp_path / "out"
    assert render(example, out).code == 0
    before = {p: p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    r = render(example, out)
    assert r.code == 0, r
    assert r.out.strip().endswith("0 written, 26 unchanged, 0 removed")  # + report, 2 .list
    assert {p: p.stat().st_ino for p in out.rglob("*") if p.is_file()} == before


def test_check_reports_changed_missing_and_stale_and_writes_nothing(example, tmp_path):
    out = tmp_path / "out"
    assert render(example, out).code == 0
    r = render(example, out, "--check")
    assert r.code == 0, r
    assert "up to date" in r.out
    (out / "hosts").write_text("edited by hand\n")
    (out / "dhcpd.conf").unlink()
    (example / "hosts" / "vms" / "ci1.prod.example.com.yaml").unlink()
    snapshot = files_of(out)
    r = render(example, out, "--check")
    assert r.code == 1
    lines = r.out.splitlines()
    assert "changed: hosts" in lines
    assert "missing: dhcpd.conf" in lines
    assert "stale: libvirt/ci1.prod.example.com.xml" in lines
    assert "changed: kea-dhcp4.conf" in lines  # ci1's reservation is gone
    assert files_of(out) == snapshot


def test_removing_a_vm_removes_its_xml_and_nothing_else(example, tmp_path):
    out = tmp_path / "out"
    assert render(example, out).code == 0
    (out / "libvirt" / "notes.txt").write_text("mine\n")
    (out / "README").write_text("mine too\n")
    (example / "hosts" / "vms" / "ci1.prod.example.com.yaml").unlink()
    r = render(example, out)
    assert r.code == 0, r
    assert "removed libvirt/ci1.prod.example.com.xml" in r.out
    assert not (out / "libvirt" / "ci1.prod.example.com.xml").exists()
    assert (out / "libvirt" / "web1.prod.example.com.xml").exists()
    assert (out / "libvirt" / "notes.txt").read_text() == "mine\n"
    assert (out / "README").read_text() == "mine too\n"
    assert "ci1" not in (out / ".cinv-manifest.json").read_text()


def test_stale_files_of_other_targets_survive_a_partial_render(example, tmp_path):
    out = tmp_path / "out"
    assert render(example, out).code == 0
    assert render(example, out, "hosts").code == 0
    assert (out / "dhcpd.conf").exists() and (out / "libvirt").is_dir()


def test_foreign_file_at_an_output_path_is_not_overwritten(example, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "hosts").write_text("127.0.0.1 localhost\n")
    r = render(example, out)
    assert r.code == 1
    assert "cinv did not write" in r.err and "hosts" in r.err
    assert (out / "hosts").read_text() == "127.0.0.1 localhost\n"
    assert not (out / "dhcpd.conf").exists()


def test_render_refuses_while_check_reports_errors(example, tmp_path):
    path = example / "hosts" / "vms" / "web2.prod.example.com.yaml"
    path.write_text(path.read_text().replace("192.0.2.21", "192.0.2.20"))
    out = tmp_path / "out"
    r = render(example, out)
    assert r.code == 1
    assert "render refused" in r.err
    assert "192.0.2.20" in r.err
    assert not out.exists()


def test_default_out_dir_comes_from_settings(example):
    r = invoke("-C", example, "render", "hosts")
    assert r.code == 0, r
    assert (example / "build" / "hosts").is_file()


def test_ref_renders_the_committed_state(inventory, tmp_path):
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    tag = inventory.head()
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    out = tmp_path / "out"
    r = invoke("-C", inventory.root, "--ref", tag, "render", "--out", out, "hosts")
    assert r.code == 0, r
    hosts = (out / "hosts").read_text()
    assert "web1.prod.example.com" in hosts and "web2" not in hosts


# --- user targets, overrides, sandbox ------------------------------------------------------

def add_target(root: Path, name: str, spec: str) -> None:
    settings = root / "cinv.yaml"
    text = settings.read_text().replace("  targets: {}\n", f"  targets:\n    {name}: {spec}\n")
    assert text != settings.read_text()
    settings.write_text(text)


def test_user_target_per_host(example, tmp_path):
    add_target(example, "prom", '{template: prom.yml.j2, each: host, '
                        'path: "prometheus/{{ host.name }}.yml"}')
    (example / "templates" / "prom.yml.j2").write_text(
        "- targets: ['{{ host.name }}:9100']\n  labels: {kind: {{ host.kind }}}\n")
    out = tmp_path / "out"
    r = render(example, out, "prom")
    assert r.code == 0, r
    got = sorted(p.name for p in (out / "prometheus").iterdir())
    assert len(got) == 10 and "web1.prod.example.com.yml" in got and "web0" not in " ".join(got)
    assert (out / "prometheus" / "hv1.example.com.yml").read_text() == \
        "- targets: ['hv1.example.com:9100']\n  labels: {kind: physical}\n"


def test_inventory_template_overrides_builtin(example, tmp_path):
    (example / "templates" / "hosts.j2").write_text(
        "{% for l in inv.address_lines %}{{ l.address }} {{ l.names[0] }}\n{% endfor %}")
    out = tmp_path / "out"
    assert render(example, out, "hosts").code == 0
    assert (out / "hosts").read_text().splitlines()[0] == "192.0.2.11 hv1.example.com"


@pytest.mark.parametrize("body", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ inv.model.__dict__ }}",
    "{{ inv.hosts.append(1) }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_sandbox_refuses_code(example, tmp_path, body):
    (example / "templates" / "hosts.j2").write_text("ok\n" + body + "\n")
    r = render(example, tmp_path / "out", "hosts")
    assert r.code == 1
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert r.err.startswith("cinv: templates/hosts.j2:2: ")
    assert "Traceback" not in r.err
    assert not (tmp_path / "out" / "hosts").exists()


def test_undefined_name_is_one_line_with_template_line_and_name(example, tmp_path):
    (example / "templates" / "hosts.j2").write_text(
        "# header\n{% for h in inv.hosts %}\n{{ h.nmae }}\n{% endfor %}\n")
    r = render(example, tmp_path / "out", "hosts")
    assert r.code == 1
    assert r.err.strip() == ("cinv: templates/hosts.j2:3: undefined: 'record object' has no "
                             "attribute 'nmae' (rendering target hosts)")


def test_syntax_error_is_one_line(example, tmp_path):
    (example / "templates" / "hosts.j2").write_text("a\n{% for %}\n")
    r = render(example, tmp_path / "out", "hosts")
    assert r.code == 1
    assert r.err.startswith("cinv: templates/hosts.j2:2: syntax error:")
    assert len(r.err.strip().splitlines()) == 1


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "a/../../b", ".cinv-x",
                                  "{{ '../' }}x"])
def test_user_target_path_must_stay_inside(example, tmp_path, path):
    add_target(example, "bad", f'{{template: bad.j2, each: once, path: "{path}"}}')
    (example / "templates" / "bad.j2").write_text("x\n")
    out = tmp_path / "sub" / "out"
    r = render(example, out, "bad")
    assert r.code == 1, r
    assert "not a plain relative path" in r.err or "is not a template" in r.err \
        or "render.targets" in r.err
    assert not (tmp_path / "sub" / "escape.txt").exists()
    assert not (tmp_path / "x").exists()


def test_symlink_in_out_dir_is_not_followed(example, tmp_path):
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "libvirt").symlink_to(elsewhere)
    r = render(example, out, "libvirt")
    assert r.code == 1
    assert "outside" in r.err
    assert list(elsewhere.iterdir()) == []


def test_a_killed_renders_temp_files_are_cleared_and_renders_take_turns(example, tmp_path):
    from cinv.records import lock
    out = tmp_path / "out"
    assert render(example, out).code == 0
    stale = out / "libvirt" / ".web1.prod.example.com.xml.tmp-999999-deadbeef"
    stale.write_bytes(b"<half")
    # and the mark a render leaves in .cinv/ until its files are in place (a killed one's
    # stays: only then is the output dir walked for temporary files)
    from cinv.render import outstate
    (lock.state_dir(example) / f"{outstate.name_of(out)}.pending").write_bytes(b"")
    (out / "hosts").write_text("edited\n")  # so the next render does real work
    assert render(example, out).code == 0
    assert not stale.exists()
    with lock.file_lock(lock.state_dir(example) / "render.lock", "the render lock"):
        r = invoke("-C", example, "render", "--out", out, env={"CINV_LOCK_TIMEOUT": "0.3"})
    assert r.code == 1
    assert "render.lock: another cinv process has held the render lock" in r.err
