"""`cinv diff --render`: the unified diff of the rendered files between two refs (or a ref and
the work tree), for merge-request review."""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest


@pytest.fixture
def two(inventory):
    """ns1 and web1 committed; then web2 in a second commit."""
    inventory.ok("host", "add", "ns1.example.com", "--kind", "physical", "--network", "mgmt",
                 "--mac", "00:16:3e:00:00:53")
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    time.sleep(1.1)  # a later commit time: zone serials move
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    return inventory


def files(lines: str) -> list[str]:
    return re.findall(r"^\+\+\+ (\S+)", lines, re.M)


def test_a_change_as_unified_diffs_of_the_rendered_files(two):
    r = two.run("diff", "--render", "HEAD~1", "HEAD")
    assert r.code == 1, r  # something differs, as `git diff --exit-code`
    assert r.err == ""
    out = r.out
    assert "--- a/dhcpd.conf\n+++ b/dhcpd.conf\n" in out
    assert ("+host web2.prod.example.com-eth0 {\n+  hardware ethernet 52:54:00:00:00:02;\n"
            "+  fixed-address 192.0.2.11;\n") in out
    assert "--- /dev/null\n+++ b/libvirt/web2.prod.example.com.xml\n@@ -0,0 +1," in out
    assert "+web2\tIN\tA\t192.0.2.11\n" in out
    assert files(out) == sorted(files(out))  # in path order
    assert "b/report/index.html" not in files(out)  # a page to look at, named to be diffed
    # zones with new records show their new serial; untouched zones do not appear
    prod = out.split("+++ b/dns/db.prod.example.com\n")[1].split("\n--- ")[0]
    assert re.search(r"^-\t\t\d+\t; serial\n\+\t\t\d+\t; serial$", prod, re.M)
    assert "b/dns/db.mgmt.example.com" not in files(out)
    assert "b/dns/db.example.com" not in files(out)


def test_no_difference_is_empty_and_exit_0(two):
    r = two.run("diff", "--render", "HEAD", "HEAD")
    assert (r.code, r.out, r.err) == (0, "", "")
    r = two.run("diff", "--render")  # HEAD and the clean work tree
    assert (r.code, r.out) == (0, "")


def test_the_work_tree_by_default_and_target_selection(two):
    host = two.host_file("web1.prod.example.com")
    host.write_text(host.read_text() + "description: edited\n")
    r = two.run("diff", "--render")
    assert r.code == 1
    assert "+  <description>edited</description>\n" in r.out
    r = two.run("diff", "--render", "HEAD~1")  # FROM only: to the work tree
    assert "+++ b/libvirt/web2.prod.example.com.xml" in r.out
    assert "+  <description>edited</description>\n" in r.out
    r = two.run("diff", "--render", "HEAD~1", "HEAD", "dns", "hosts")
    assert r.code == 1
    assert set(files(r.out)) <= {"b/hosts"} | {f for f in files(r.out) if f.startswith("b/dns/")}
    assert "b/hosts" in files(r.out)
    r = two.run("diff", "--render", "HEAD", "libvirt")  # a target right after FROM
    assert files(r.out) == ["b/libvirt/web1.prod.example.com.xml"]


def test_a_zone_whose_records_are_back_keeps_its_serial(two, tmp_path):
    """A branch that adds and removes a host has the same prod zone as main, but its own
    history gives that zone another serial: the review shows no change."""
    two.git("branch", "-M", "main")
    two.git("checkout", "-q", "-b", "topic")
    time.sleep(1.1)
    two.ok("host", "add", "tmp1", "--kind", "virtual", "--network", "prod")
    time.sleep(1.1)
    two.ok("host", "rm", "tmp1")
    # rendered on their own, the two refs' zones differ in the serial only
    two.ok("--ref", "main", "render", "dns", "--out", tmp_path / "main")
    two.ok("--ref", "topic", "render", "dns", "--out", tmp_path / "topic")
    a = (tmp_path / "main" / "dns" / "db.prod.example.com").read_text()
    b = (tmp_path / "topic" / "dns" / "db.prod.example.com").read_text()
    assert a != b and re.sub(r"\d+\t; serial", "", a) == re.sub(r"\d+\t; serial", "", b)
    r = two.run("diff", "--render", "main", "topic")
    assert (r.code, r.out) == (0, "")


def test_the_diff_applies_to_the_from_render_and_gives_the_to_render(two, tmp_path):
    git = shutil.which("git")
    old, new = tmp_path / "old", tmp_path / "new"
    two.ok("--ref", "HEAD~1", "render", "--out", old)
    two.ok("--ref", "HEAD", "render", "--out", new)
    r = two.run("diff", "--render", "HEAD~1", "HEAD")
    patch = tmp_path / "review.diff"
    patch.write_text(r.out)
    subprocess.run([git, "apply", "--unsafe-paths", f"--directory={old.name}", str(patch)],
                   cwd=tmp_path, check=True)

    def tree(root: Path) -> dict:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and not p.name.startswith(".cinv") and "report" not in p.parts}
    assert tree(old) == tree(new)


def test_report_when_named_without_history(two):
    r = two.run("diff", "--render", "HEAD~1", "HEAD", "report")
    assert r.code == 1
    assert files(r.out) == ["b/report/index.html"]
    assert "-<p class=\"meta\">2 hosts (not retired), 2 networks.</p>" in r.out
    assert two.head() not in r.out  # neither commit named: they differ by nature


def test_errors_are_one_line(two):
    r = two.run("diff", "--render", "HEAD~1", "HEAD", "nosuch")
    assert r.code == 1 and r.err.startswith("cinv: unknown target nosuch (known: ") and not r.out
    (two.root / "hosts" / "bad.example.com.yaml").write_text("kind: robot\n")
    r = two.run("diff", "--render")
    assert r.code == 1 and len(r.err.splitlines()) == 1
    assert r.err.startswith("cinv: TO (the work tree): `cinv check` reports 1 error there")
    assert "hosts/bad.example.com.yaml:1" in r.err
    r = two.run("diff", "HEAD", "HEAD", "dns")
    assert r.code == 2 and "go with --render" in r.err
    r = two.run("diff", "--render", "--format", "json")
    assert r.code == 2 and "--render prints a unified diff" in r.err
