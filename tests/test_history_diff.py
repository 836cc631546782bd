"""History and diff you can rely on, and foot-guns on the deploy path (issue 17): every revision
git accepts for --ref and diff, a host's own history through renames and removal, renames in
diff, no silent fallback outside an inventory, and no --ref render over the work tree's build/."""
from __future__ import annotations

import json
import os
import time

import pytest
from conftest import invoke


@pytest.fixture
def four(inventory):
    """vm01..vm04 on mgmt (IPv4 only), one commit each: records alike but for address and MAC
    (git's similarity guesses take them for copies of each other)."""
    for n in range(1, 5):
        inventory.ok("host", "add", f"vm0{n}", "--kind", "virtual", "--network", "mgmt")
    inventory.git("branch", "-M", "main")
    return inventory


def subjects(r) -> list[str]:
    return [line.split("  ", 3)[3] for line in r.out.splitlines()]


def rename(inv, old: str, new: str, edit: tuple[str, str] | None = None,
           message: str | None = None) -> None:
    """What `cinv host rename OLD NEW` commits: the record moved, in one commit whose message
    starts "Rename host OLD to NEW" (here with an optional edit in the same commit)."""
    inv.git("mv", f"hosts/{old}.yaml", f"hosts/{new}.yaml")
    if edit:
        path = inv.root / "hosts" / f"{new}.yaml"
        path.write_text(path.read_text().replace(*edit))
        inv.git("add", f"hosts/{new}.yaml")
    inv.git("commit", "-q", "-m", message or f"Rename host {old} to {new}")


# --- (a) every revision git accepts ------------------------------------------------------------

def test_every_revision_syntax_works_for_ref_and_diff(four):
    four.git("tag", "v1", "HEAD~1")
    four.git("checkout", "-q", "-b", "side")
    four.git("checkout", "-q", "main")
    short = four.git("rev-parse", "--short", "HEAD~2").strip()
    expect = {  # revision -> hosts it has
        "HEAD~3": ["vm01"], "v1": ["vm01", "vm02", "vm03"], short: ["vm01", "vm02"],
        "main@{1}": ["vm01", "vm02", "vm03", "vm04"], "@{-1}": ["vm01", "vm02", "vm03", "vm04"],
        "HEAD@{yesterday}": [],  # the reflog's oldest entry: the inventory as first made
        "side": ["vm01", "vm02", "vm03", "vm04"],
    }
    for rev, hosts in expect.items():
        r = four.run("--ref", rev, "host", "list", "--format", "names")
        assert r.code == 0, (rev, r)
        assert [n.split(".")[0] for n in r.lines] == hosts, rev
        r = four.run("diff", rev)
        assert r.code == 0 and "Traceback" not in r.err, (rev, r)
        added = {line.split()[2].split(".")[0] for line in r.lines if line.startswith("+ host")}
        assert added == {f"vm0{n}" for n in range(1, 5)} - set(hosts), rev


@pytest.mark.parametrize("rev", ["no-such-branch", "main@{99}", "HEAD~99", "a..b", "x\ty"])
def test_an_unknown_revision_is_one_line_naming_it(four, rev):
    for args in (("--ref", rev, "host", "list"), ("diff", rev), ("diff", "HEAD", rev)):
        r = four.run(*args)
        assert r.code == 1 and "Traceback" not in r.err and "internal error" not in r.err, r
        lines = r.err.strip().splitlines()
        assert len(lines) == 1, r
        assert (rev if rev.isprintable() else repr(rev)) in lines[0], r


def test_a_revision_starting_with_a_dash_is_refused(four):
    r = four.run("--ref", "-p", "host", "list")
    assert r.code == 1 and "'-p'" in r.err and "must not" in r.err, r
    r = four.run("diff", "--", "--all")
    assert r.code == 1 and "'--all'" in r.err, r


# --- (b) a host's own history -----------------------------------------------------------------

def test_history_lists_only_the_records_own_commits(four):
    # git's copy and rename guesses would list vm01..vm03's commits for the alike vm04
    r = four.ok("host", "history", "vm04")
    assert [s.split(" (")[0] for s in subjects(r)] == ["Add host vm04.mgmt.example.com"]
    four.ok("host", "rm", "vm02")
    four.ok("host", "add", "vm05", "--kind", "virtual", "--network", "mgmt")  # vm02's address
    r = four.ok("host", "history", "vm05")
    assert [s.split(" (")[0] for s in subjects(r)] == ["Add host vm05.mgmt.example.com"]


@pytest.mark.parametrize("name", ["vm02", "vm02.mgmt.example.com"])
def test_history_of_a_removed_host_ends_with_its_removal(four, name):
    four.ok("host", "set", "vm02", "description=first")
    four.ok("host", "rm", "vm02")
    r = four.ok("host", "history", name)
    got = [s.split(" (")[0] for s in subjects(r)]
    assert got[0] == "Remove host vm02.mgmt.example.com"
    assert got[-1] == "Add host vm02.mgmt.example.com" and len(got) == 3, got


def test_history_follows_a_rename_made_by_cinv(four):
    four.ok("host", "set", "vm03", "description=before")
    rename(four, "vm03.mgmt.example.com", "app1.mgmt.example.com", ("before", "after"))
    four.ok("host", "set", "app1", "description=later")
    r = four.ok("host", "history", "app1", "--format", "json")
    got = json.loads(r.out)
    assert [c["message"].split(":")[0].split(" (")[0] for c in got] == [
        "Change host app1.mgmt.example.com",
        "Rename host vm03.mgmt.example.com to app1.mgmt.example.com",
        "Change host vm03.mgmt.example.com", "Add host vm03.mgmt.example.com"], got
    assert [c["path"] for c in got] == ["hosts/app1.mgmt.example.com.yaml"] * 2 + [
        "hosts/vm03.mgmt.example.com.yaml"] * 2
    assert not any("vm01" in c["message"] or "vm02" in c["message"] for c in got)


def test_history_follows_a_move_between_folders_but_never_guesses(four):
    (four.root / "hosts" / "web").mkdir()
    four.git("mv", "hosts/vm04.mgmt.example.com.yaml", "hosts/web/")
    four.git("commit", "-q", "-m", "Group the web servers")
    r = four.ok("host", "history", "vm04")
    assert [s.split(" (")[0] for s in subjects(r)] == [
        "Group the web servers", "Add host vm04.mgmt.example.com"]
    # a record removed and another added with different content in one commit: no rename
    four.git("rm", "-q", "hosts/vm01.mgmt.example.com.yaml")
    text = (four.root / "hosts" / "vm02.mgmt.example.com.yaml").read_text()
    (four.root / "hosts" / "db1.mgmt.example.com.yaml").write_text(
        text.replace("198.51.100.", "198.51.100.4"))
    four.git("add", "hosts")
    four.git("commit", "-q", "-m", "Swap vm01 for db1")
    r = four.ok("host", "history", "db1")
    assert subjects(r) == ["Swap vm01 for db1"]


# --- (c) diff shows a rename as a rename -------------------------------------------------------

def test_diff_shows_a_rename_with_its_field_changes(four):
    rename(four, "vm03.mgmt.example.com", "app1.mgmt.example.com", ("state: active",
                                                                     "state: maintenance"))
    r = four.ok("diff", "HEAD~1", "HEAD")
    assert r.lines == ["> host vm03.mgmt.example.com -> app1.mgmt.example.com (renamed)",
                       "~ host app1.mgmt.example.com: state active -> maintenance"]
    r = four.ok("diff", "HEAD~1", "HEAD", "--format", "json")
    assert json.loads(r.out) == [{"kind": "host", "name": "app1.mgmt.example.com",
                                  "status": "renamed", "from": "vm03.mgmt.example.com",
                                  "changes": [{"field": "state", "from": "active",
                                               "to": "maintenance"}]}]
    # uncommitted, on top: chained through the work tree
    four.git("mv", "hosts/app1.mgmt.example.com.yaml", "hosts/app2.mgmt.example.com.yaml")
    assert four.ok("diff").lines == [
        "> host app1.mgmt.example.com -> app2.mgmt.example.com (renamed)"]
    assert four.ok("diff", "HEAD~1").lines[0] == (
        "> host vm03.mgmt.example.com -> app2.mgmt.example.com (renamed)")


def test_diff_never_calls_a_reused_address_a_rename(four):
    four.ok("host", "rm", "vm02")
    four.ok("host", "add", "vm05", "--kind", "virtual", "--network", "mgmt")
    r = four.ok("diff", "HEAD~2", "HEAD")
    assert r.lines[0] == "- host vm02.mgmt.example.com (198.51.100.3, 52:54:00:00:00:02)"
    assert r.lines[1].startswith("+ host vm05.mgmt.example.com")


# --- (d) outside an inventory ------------------------------------------------------------------

@pytest.mark.parametrize("args", [("check",), ("render",), ("host", "list"), ("net", "list"),
                                  ("host", "add", "x", "--kind", "physical")])
def test_outside_an_inventory_every_command_says_so(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    r = invoke(*args)
    assert r.code == 1 and "Traceback" not in r.err, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r
    assert "not an inventory" in lines[0] and "-C" in lines[0] and "cinv init" in lines[0]
    assert not (tmp_path / "build").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_example_inventory_is_named_explicitly(tmp_path, monkeypatch):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    monkeypatch.chdir(repo)
    r = invoke("-C", "inventory", "check")
    assert r.code == 0, r


# --- (e) --ref render never overwrites the checked-out branch's output -------------------------

def test_ref_render_without_out_is_refused(four):
    four.ok("render")
    before = {p: p.read_bytes() for p in (four.root / "build").rglob("*") if p.is_file()}
    four.git("checkout", "-q", "-b", "customer-b")
    four.ok("host", "add", "b1", "--kind", "virtual", "--network", "mgmt")
    four.git("checkout", "-q", "main")
    r = four.run("--ref", "customer-b", "render")
    assert r.code == 1 and len(r.err.strip().splitlines()) == 1, r
    assert "--out" in r.err
    assert {p: p.read_bytes() for p in (four.root / "build").rglob("*") if p.is_file()} == before
    r = four.run("--ref", "customer-b", "render", "--check")  # reads build/, writes nothing
    assert r.code == 1 and "b1.mgmt.example.com" in r.out, r
    four.ok("--ref", "customer-b", "render", "--out", four.root.parent / "b")
    assert "b1.mgmt.example.com" in (four.root.parent / "b" / "hosts").read_text()


# --- diff --since DATE, and git's reflog warning passed on (issue 23 item 6) ------------------

def test_diff_since_a_date_goes_by_commit_date(inventory):
    now = int(time.time())
    for n, days in ((1, 10), (2, 5), (3, 1)):
        when = f"@{now - days * 86400} +0000"
        r = inventory.run("host", "add", f"vm0{n}", "--kind", "virtual", "--network", "mgmt",
                          env={"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when})
        assert r.code == 0, r
    vm01 = inventory.git("rev-parse", "HEAD~2").strip()
    r = inventory.ok("diff", "--since", "7 days ago")
    assert [line.split(" (")[0] for line in r.lines] == ["+ host vm02.mgmt.example.com",
                                                         "+ host vm03.mgmt.example.com"]
    assert r.err.startswith(f"cinv: --since 7 days ago: from commit {vm01[:12]} of ")
    when = time.strftime("%Y-%m-%d", time.localtime(now - 3 * 86400))
    r = inventory.ok("diff", "--since", when, "HEAD~1")  # to vm02's commit: nothing
    assert r.out == ""
    r = inventory.run("diff", "--since", "30 days ago")
    assert r.code == 1 and r.err.startswith("cinv: --since 30 days ago: HEAD has no commit at "
                                            "or before "), r
    r = inventory.run("diff", "--since", "last tuesday-ish")
    assert r.code == 1 and "is not a date" in r.err, r  # never git's "now" for unknown text


def test_a_reflog_date_on_a_fresh_clone_says_what_git_said(inventory, tmp_path):
    inventory.ok("host", "add", "vm01", "--kind", "virtual", "--network", "mgmt")
    clone = tmp_path / "clone"
    inventory.git("clone", "-q", str(inventory.root), str(clone))
    r = invoke("-C", clone, "diff", "HEAD@{yesterday}")
    assert r.code == 0 and r.out == "", r  # HEAD@{yesterday} is the clone itself
    assert r.err.startswith("cinv: warning: diff FROM HEAD@{yesterday}: log for 'HEAD' only "
                            "goes back to "), r
    assert "`cinv diff --since DATE` goes by commit date" in r.err
    r = invoke("-C", clone, "--ref", "HEAD@{yesterday}", "host", "list", "--format", "names")
    assert r.out == "vm01.mgmt.example.com\n"
    assert r.err.startswith("cinv: warning: --ref HEAD@{yesterday}: log for 'HEAD' only "), r
