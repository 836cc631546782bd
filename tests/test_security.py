"""Security round 2 (issue 18): a hostile merge request must not reach outside the inventory.

Every test is written as the attack: a branch `mr` carrying hostile files is committed in a
temporary inventory repository, then the command a user or CI runs on it (`cinv render`,
`cinv --ref mr render --out X`, `cinv check`, `render --check`). Each asserts that nothing
outside the inventory and the output dir was read into outputs, written or removed, and, where
the hostile value lives in the inventory's files, that `cinv check` reports it as an error at
path:line. SECURITY.md names the test of each rule.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Result, git

SECRET = "SECRET-7f3a9c"  # planted outside the inventory; must never reach an output


class Site:
    """An inventory (main: one hypervisor and one VM, rendered into build/) and, beside it, a
    victim folder of files a hostile branch aims at."""

    def __init__(self, inv, tmp_path: Path):
        self.inv = inv
        self.root = inv.root
        self.tmp = tmp_path
        self.victim = tmp_path / "victim"
        (self.victim / "sub").mkdir(parents=True)
        (self.victim / "secret.txt").write_text(f"{SECRET}\n")
        (self.victim / "sub" / "keep.txt").write_text("keep me\n")
        self.victim_before = self.state(self.victim)

    @staticmethod
    def state(folder: Path) -> dict:
        """Every entry below a folder, with a file's bytes or a link's target."""
        out = {}
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path))
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel] = "dir"
        return out

    def run(self, *args, env=None) -> Result:
        return self.inv.run(*args, env=env)

    def branch(self, files: dict | None = None, links: dict | None = None,
               name: str = "mr") -> None:
        """Commit a hostile branch (force-adding ignored paths too) and check it out, as CI
        does with a merge request."""
        self.inv.git("checkout", "-q", "-b", name)
        for rel, text in (files or {}).items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.is_file():
                path.unlink()
            path.write_text(text)
        for rel, target in (links or {}).items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                import shutil
                shutil.rmtree(path)
            path.symlink_to(target)
        self.inv.git("add", "-A", "-f", ".")
        self.inv.git("commit", "-q", "-m", "A merge request")
        self.inv.git("clean", "-q", "-fdx")  # what CI has: a fresh checkout of the branch

    def main(self) -> None:
        self.inv.git("checkout", "-q", "-f", "main")
        self.inv.git("clean", "-q", "-fdx")

    def assert_victim_untouched(self) -> None:
        assert self.state(self.victim) == self.victim_before

    def assert_no_secret(self, *folders: Path) -> None:
        for folder in folders:
            for path in folder.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    assert SECRET.encode() not in path.read_bytes(), path

    def settings(self, render: str) -> str:
        """main's cinv.yaml with its render: block replaced by `render` (YAML text)."""
        lines, skip = [], False
        for line in (self.root / "cinv.yaml").read_text().splitlines():
            if line.startswith("render:"):
                skip = True
                continue
            if skip and line.startswith(" "):
                continue
            skip = False
            lines.append(line)
        return "\n".join(lines) + "\n" + render

    def check_errors(self, ref: str | None = None) -> list[str]:
        args = ("--ref", ref, "check") if ref else ("check",)
        r = self.run(*args)
        assert "Traceback" not in r.err and "internal error" not in r.err, r
        return [line for line in r.out.splitlines() if ": warning: " not in line]


@pytest.fixture
def site(inventory, tmp_path) -> Site:
    return make_site(inventory, tmp_path)


def make_site(inventory, tmp_path) -> Site:
    """main with a hypervisor and a VM, rendered into build/ (tests/test_security3.py too)."""
    inventory.ok("host", "add", "hv1", "--kind", "physical", "--network", "prod",
                 "--mac", "00:25:90:00:00:01", "--cpus", "8", "--memory", "32GiB")
    inventory.ok("host", "add", "web", "--kind", "virtual", "--network", "prod", "--parent",
                 "hv1")
    inventory.git("branch", "-M", "main")
    inventory.ok("render")
    return Site(inventory, tmp_path)


def one_line(r: Result) -> str:
    assert r.code == 1, r
    assert "Traceback" not in r.err and "internal error" not in r.err, r
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r
    return lines[0]


def refused_render(r: Result) -> list[str]:
    """render refused because check found errors: those are listed, then one summary line."""
    assert r.code == 1, r
    assert "Traceback" not in r.err and "internal error" not in r.err, r
    assert r.err.strip().splitlines()[-1].startswith("cinv: render refused"), r
    return r.err.strip().splitlines()[:-1]


# --- 1. manifest entries are never removed outside the output dir -----------------------------

def hostile_manifest(site: Site, out: str) -> dict:
    entry = {"target": "hosts", "sha256": "0" * 64}
    victim = site.victim
    rel_up = os.path.relpath(victim, site.root / out)
    manifest = {"version": 1, "zones": {}, "files": {
        f"{rel_up}/secret.txt": entry, str(victim / "sub" / "keep.txt"): entry,
        "hosts/../../x": entry, ".git/config": entry, "escape/secret.txt": entry}}
    return {f"{out}/.cinv-manifest.json": json.dumps(manifest)}


@pytest.mark.parametrize("out", ["build", "cinv-out/mr"])
def test_1_manifest_entries_outside_the_output_dir_are_ignored(site, out):
    # The branch commits main's build/ under its own manifest, which names none of those files:
    # the report page (it lists the branch's own commit) would differ and be refused as foreign.
    shutil.rmtree(site.root / "build" / "report", ignore_errors=True)
    files = hostile_manifest(site, out)
    site.branch(files, links={f"{out}/escape": str(site.victim)})
    git_config = (site.root / ".git" / "config").read_bytes()
    r = site.run("render", "--check", "--out", site.root / out)
    assert "Traceback" not in r.err
    assert not [line for line in r.out.splitlines() if line.startswith("stale:")], r
    r = site.run("render", "--out", site.root / out)
    assert r.code == 0, r
    assert "removed" not in "".join(r.out.splitlines()[:-1]), r
    warnings = [line for line in r.err.splitlines() if "ignored" in line or "not removed" in line]
    assert len(warnings) == 5, r  # each hostile entry is named
    site.assert_victim_untouched()
    assert (site.root / ".git" / "config").read_bytes() == git_config
    # the next manifest holds only what cinv wrote
    manifest = json.loads((site.root / out / ".cinv-manifest.json").read_text())
    assert all(not k.startswith((".", "/")) and ".." not in k and not k.startswith("escape")
               for k in manifest["files"])


# --- 2. templates through a symlinked folder -------------------------------------------------

def leak_target(template: str) -> str:
    return f"""render:
  out: build
  targets:
    leak: {{template: "{template}", each: once, path: leak.txt}}
"""  # noqa: E501


@pytest.mark.parametrize("how", ["target", "include", "deep"])
def test_2_templates_never_read_through_a_symlink_out(site, how, monkeypatch):
    monkeypatch.setenv("CINV_TEST_TOKEN", SECRET)  # as a CI job's token would be
    secret = str(site.victim / "secret.txt").lstrip("/")
    if how == "target":
        files = {"cinv.yaml": site.settings(leak_target(f"root/{secret}"))}
        links = {"templates/root": "/"}
    elif how == "include":
        files = {"cinv.yaml": site.settings(leak_target("leak.j2")),
                 "templates/leak.j2": '{% include "root/proc/self/environ" %}\n'}
        links = {"templates/root": "/"}
    else:
        files = {"cinv.yaml": site.settings(leak_target(f"a/b/root/{secret}")),
                 "templates/a/b/keep.j2": "x\n"}
        links = {"templates/a/b/root": "/"}
    site.branch(files, links)
    r = site.run("render")
    assert r.code == 1, r
    site.assert_no_secret(site.root / "build")
    assert not (site.root / "build" / "leak.txt").exists()
    errors = site.check_errors()
    assert any(e.startswith("templates/") and "is a symlink" in e for e in errors), errors
    # from git objects a symlink is never followed either
    site.main()
    out = site.tmp / "ref-out"
    r = site.run("--ref", "mr", "render", "--out", out)
    assert r.code == 1 and "Traceback" not in r.err, r
    if out.exists():
        site.assert_no_secret(out)
    assert any("is a symlink" in e for e in site.check_errors("mr"))


def test_2_builtin_templates_stay_in_their_folder(site):
    site.branch({"cinv.yaml": site.settings(leak_target("over.j2")),
                 "templates/over.j2": '{% include "../../../../../../../etc/passwd" %}\n'})
    r = site.run("render")
    assert r.code == 1 and "Traceback" not in r.err, r
    assert not (site.root / "build" / "leak.txt").exists()


# --- 3. a merge request never reaches .git (code execution through core.fsmonitor) -----------

def test_3_output_never_lands_in_git_or_the_inventory_root(site):
    marker = site.tmp / "pwned"
    config = f"[core]\n\tfsmonitor = touch {marker}\n"
    entry = {"target": "evil", "sha256": "0" * 64}
    site.branch({
        "cinv.yaml": site.settings(
            'render:\n  out: "."\n  targets:\n'
            '    evil: {template: evil.j2, each: once, path: ".git/config"}\n'),
        "templates/evil.j2": config,
        ".cinv-manifest.json": json.dumps({"version": 1, "zones": {},
                                           "files": {".git/config": entry}})})
    git_config = (site.root / ".git" / "config").read_bytes()
    lines = refused_render(site.run("render"))
    assert any(line.startswith("cinv.yaml:") and "render.out" in line for line in lines), lines
    assert (site.root / ".git" / "config").read_bytes() == git_config
    site.inv.git("status")  # the next git call runs no command
    assert not marker.exists()
    errors = site.check_errors()
    assert any(e.startswith("cinv.yaml:") and "render.out" in e for e in errors), errors
    # the operator's --out may not name the inventory or its .git either
    for out in (site.root, site.root / ".git", site.root / "hosts"):
        line = one_line(site.run("render", "--out", out))
        assert "output dir" in line
    # a hidden output path is refused wherever the output dir is
    site.main()
    site.branch({"cinv.yaml": site.settings(
        'render:\n  targets:\n'
        '    evil: {template: hosts.j2, each: once, path: ".ssh/authorized_keys"}\n')},
        name="mr2")
    out = site.tmp / "o"
    lines = refused_render(site.run("render", "--out", out))
    assert any(line.startswith("cinv.yaml:") and "render.targets.evil.path" in line
               and "hidden component" in line for line in lines), lines
    assert not (out / ".ssh").exists()
    # written as a template, the path is refused when rendered
    site.main()
    site.branch({"cinv.yaml": site.settings(
        'render:\n  targets:\n'
        '    evil: {template: hosts.j2, each: once, path: "{{ \'.ssh\' }}/x"}\n')},
        name="mr3")
    line = one_line(site.run("render", "--out", out))
    assert "hidden component" in line
    assert not (out / ".ssh").exists()


# --- 4. render.out of cinv.yaml stays inside the inventory ----------------------------------

@pytest.mark.parametrize("value", ["ABS", "../victim", "build/../../victim", "LINK"])
def test_4_render_out_from_a_branch_stays_inside(site, value):
    links = {}
    if value == "ABS":
        value = str(site.victim)
    elif value == "LINK":
        value, links = "out", {"out": str(site.victim)}
    site.branch({"cinv.yaml": site.settings(
        f'render:\n  out: "{value}"\n  targets:\n'
        '    drop: {template: hosts.j2, each: once, path: "bin/sudo"}\n')}, links)
    r = site.run("render")
    assert r.code == 1 and "Traceback" not in r.err, r
    site.assert_victim_untouched()
    errors = site.check_errors()
    assert any(e.startswith("cinv.yaml:") and "render.out" in e for e in errors), errors
    r = site.run("--ref", "mr", "render", "--check")
    assert r.code == 1 and "render.out" in r.err and "Traceback" not in r.err, r
    site.assert_victim_untouched()


# --- 5. --ref never reaches git as an option -------------------------------------------------

def test_5_ref_that_looks_like_an_option_is_refused(site):
    target = site.victim / "written-by-git-log"
    site.inv.git("update-ref", f"refs/heads/--output={target}", "HEAD")
    r = site.run(f"--ref=--output={target}", "render", "--out", site.tmp / "o")
    line = one_line(r)
    assert "--output=" in line and "must not" in line
    r = site.run("diff", "--", f"--output={target}")
    one_line(r)
    assert not target.exists()
    site.assert_victim_untouched()


# --- 6. IPv6 scope ids and every string that reaches a config file ---------------------------

PROD = {
    "domain": "domain: prod.example.com",
    "ipv4": "ipv4: 192.0.2.0/24",
    "gateway4": "gateway4: 192.0.2.1",
    "ipv6": "ipv6: 2001:db8:0:1::/64",
    "gateway6": "gateway6: 2001:db8:0:1::1",
    "dhcp_pool": "dhcp_pool: 192.0.2.200-192.0.2.250",
    "reserved": "reserved: [192.0.2.2-192.0.2.9]",
    "bridge": "bridge: br-prod",
    "dns_servers": "dns_servers: [192.0.2.53]",
}
SCOPED = {
    "dns_servers": 'dns_servers: ["2001:db8:0:1::53%x; }\\nhost evil { hardware ethernet '
                   '00:00:00:00:00:66; fixed-address6 2001:db8:0:1::66;"]',
    "gateway6": 'gateway6: "2001:db8:0:1::1%x,evil"',
    "reserved": 'reserved: ["2001:db8:0:1::5%x"]',
}


@pytest.mark.parametrize("field", SCOPED)
def test_6_scope_ids_are_refused(site, field):
    lines = [SCOPED[field] if key == field else line for key, line in PROD.items()]
    site.branch({"networks/prod.yaml": "\n".join(lines) + "\n"})
    line_no = list(PROD).index(field) + 1
    errors = refused_render(site.run("render"))
    assert any(line.startswith(f"networks/prod.yaml:{line_no}: {field}") and "scope id" in line
               for line in errors), errors
    assert any(e.startswith(f"networks/prod.yaml:{line_no}: ") for e in site.check_errors())
    for path in (site.root / "build").rglob("*"):
        if path.is_file():
            assert b"evil" not in path.read_bytes(), path


def test_6_scope_ids_do_not_come_in_through_import(site, tmp_path):
    conf = tmp_path / "dhcpd6.conf"
    conf.write_text('subnet6 2001:db8:0:1::/64 {\n'
                    '  option dhcp6.name-servers fe80::1%eth0, 2001:db8:0:1::53;\n}\n')
    r = site.run("import", "dhcpd", conf, "--networks")
    assert "Traceback" not in r.err, r
    assert (f"{conf}:2: option dhcp6.name-servers fe80::1%eth0, 2001:db8:0:1::53: "
            "'fe80::1%eth0' carries a scope id") in r.out, r
    for path in (site.root / "networks").glob("*.yaml"):
        assert "%" not in path.read_text(), path


# --- 7. names outside every managed domain ---------------------------------------------------

def test_7_names_outside_the_managed_domains_are_refused(site):
    web = site.root / "hosts" / "web.prod.example.com.yaml"
    text = web.read_text().replace("  network: prod\n", "  network: prod\n"
                                   "  aliases: [pypi.org]\n")
    hv1 = (site.root / "hosts" / "hv1.prod.example.com.yaml").read_text()
    evil = hv1.replace("00:25:90:00:00:01", "00:25:90:00:00:99").replace(
        "192.0.2.10", "192.0.2.99")
    evil = "\n".join(line for line in evil.splitlines() if "ipv6" not in line) + "\n"
    site.branch({"hosts/web.prod.example.com.yaml": text, "hosts/github.com.yaml": evil})
    lines = refused_render(site.run("render"))
    assert any(line.startswith("hosts/github.com.yaml:1: name: github.com lies outside")
               for line in lines), lines
    alias_line = text.splitlines().index("  aliases: [pypi.org]") + 1
    assert any(line.startswith(f"hosts/web.prod.example.com.yaml:{alias_line}: "
                               "interfaces[0].aliases: pypi.org lies outside") for line in lines)
    for path in (site.root / "build").rglob("*"):
        if path.is_file():
            assert b"pypi.org" not in path.read_bytes(), path
            assert b"github.com" not in path.read_bytes(), path


# --- 8. user templates are bounded in time, memory and output --------------------------------

BOMBS = {
    "loop": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
             "{% endfor %}", "longer than"),
    "format": ('{{ "%0999999999d"|format(1) }}', "memory"),
    "repeat": ('{{ "a" * 10**10 }}', "over the limit"),
    "power": ("{{ 10 ** 100000000 }}", "bits"),
    "output": ('{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}', "over the limit"),
}


def run_limited(root, *args, env=None, timeout=60) -> Result:
    """cinv in a process with a memory ceiling (so an unbounded template cannot take the
    machine down) and a wall-clock limit."""
    def ceiling():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    try:
        p = subprocess.run([sys.executable, "-m", "cinv", "-C", str(root), *map(str, args)],
                           env={**os.environ, **(env or {})}, capture_output=True, text=True,
                           timeout=timeout, preexec_fn=ceiling)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cinv {' '.join(map(str, args))} ran for more than {timeout} s")
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.mark.parametrize("bomb", BOMBS)
def test_8_user_templates_are_bounded(site, bomb):
    template, why = BOMBS[bomb]
    site.branch({"cinv.yaml": site.settings(leak_target("bomb.j2")),
                 "templates/bomb.j2": template + "\n"})
    r = run_limited(site.root, "render", env={"CINV_TEMPLATE_TIMEOUT": "3"})
    line = one_line(r)
    assert "target leak" in line and why in line, line
    assert not (site.root / "build" / "leak.txt").exists()


def test_8_builtin_templates_are_not_bounded_and_timeout_is_checked(site):
    line = one_line(site.run("render", env={"CINV_TEMPLATE_TIMEOUT": "abc"}))
    assert line == "cinv: CINV_TEMPLATE_TIMEOUT='abc': not a number of seconds (more than 0)" \
        or "CINV_TEMPLATE_TIMEOUT" in line
    # cinv's own templates run outside the bounds (a tiny timeout does not stop them)
    r = site.run("render", "--out", site.tmp / "o", env={"CINV_TEMPLATE_TIMEOUT": "0.000001"})
    assert r.code == 0, r


# --- 9. hosts/, networks/, templates/ and cinv.yaml themselves ---------------------------------

def outside_inventory(site: Site) -> Path:
    """A copy of main's inventory files outside it, each carrying the secret."""
    other = site.victim / "other"
    (other / "hosts").mkdir(parents=True)
    (other / "networks").mkdir()
    (other / "templates").mkdir()
    (other / "zones").mkdir()
    (other / "zones" / "example.com.yaml").write_text(f"# {SECRET}\nrecords: {{}}\n")
    for p in (site.root / "hosts").glob("*.yaml"):
        text = p.read_text().replace("kind:", f"description: {SECRET}\nkind:", 1)
        (other / "hosts" / p.name).write_text(text)
    for p in (site.root / "networks").glob("*.yaml"):
        (other / "networks" / p.name).write_text(f"description: {SECRET}\n" + p.read_text())
    (other / "templates" / "hosts.j2").write_text(f"{SECRET}\n")
    (other / "cinv.yaml").write_text((site.root / "cinv.yaml").read_text()
                                     .replace("render:", f"# {SECRET}\nrender:"))
    site.victim_before = site.state(site.victim)
    return other


@pytest.mark.parametrize("top", ["hosts", "networks", "templates", "zones", "cinv.yaml"])
def test_9_top_level_inputs_are_not_followed_out(site, top):
    other = outside_inventory(site)
    site.branch(links={top: str(other / top)})
    r = site.run("render")
    assert r.code == 1 and "Traceback" not in r.err, r
    assert SECRET not in r.out + r.err
    site.assert_no_secret(site.root / "build")
    errors = site.check_errors()
    assert any(e.startswith(f"{top}:") and "symlink" in e for e in errors), errors
    assert SECRET not in "\n".join(errors)
    site.assert_victim_untouched()


# --- 10. cinv's own state (.cinv/) is never read or written through a symlink -----------------

@pytest.mark.parametrize("what", [".cinv", ".cinv/lock", ".cinv/render.lock", ".cinv/cache"])
def test_10_committed_state_symlinks_are_never_followed(site, what):
    import shutil
    shutil.rmtree(site.root / ".cinv")
    files = {} if what == ".cinv" else {".cinv/.gitignore": "*\n",
                                         ".cinv/readme": "committed\n"}
    site.branch(files, links={what: str(site.victim / "sub")})
    for args in (("render",), ("host", "add", "vm9", "--kind", "virtual", "--network", "prod"),
                 ("check",)):
        r = site.run(*args)
        assert "Traceback" not in r.err and "internal error" not in r.err, r
    site.assert_victim_untouched()
    r = site.run("check")
    assert ".cinv: warning: is committed to git" in r.out, r
    assert f"{what}: is a symlink; cinv keeps its own state there" in r.out, r
    assert r.code == 1


def test_10_a_forged_cache_is_not_believed(site, tmp_path):
    """A branch that commits .cinv/cache cannot make `cinv --ref other check` pass: a cache
    is believed only in the .cinv/ folder that wrote it."""
    from cinv.records import cache
    web = site.root / "hosts" / "web.prod.example.com.yaml"
    site.branch({"hosts/web.prod.example.com.yaml": web.read_text().replace(
        "kind: virtual", "kind: bogus")}, name="evil")
    tree = site.inv.git("rev-parse", "evil^{tree}").strip()
    forger = tmp_path / "forger"
    forger.mkdir()
    cache.write(forger, "check", (f"ref:{tree}", ([], 2, 1)))  # "no problems"
    site.main()
    site.branch({".cinv/.gitignore": "", ".cinv/cache/check.marshal": ""})
    (site.root / ".cinv" / "cache" / "check.marshal").write_bytes(
        (forger / ".cinv" / "cache" / "check.marshal").read_bytes())
    site.inv.git("add", "-f", ".cinv")
    site.inv.git("commit", "-q", "-m", "and a cache")
    clone = tmp_path / "ci-clone"
    git(tmp_path, "clone", "-q", "-b", "mr", str(site.root), str(clone))
    git(clone, "branch", "-q", "evil", "origin/evil")
    from conftest import invoke
    r = invoke("-C", clone, "--ref", "evil", "check")
    assert r.code == 1 and "kind" in r.out, r
    assert ".cinv: warning: is committed to git" in invoke("-C", clone, "check").out


# --- 11. numbers -----------------------------------------------------------------------------

BIG = {  # the last line of a record, and the line a problem is reported at
    "cpus": ("hardware:\n  cpus: " + "9" * 5000, 8),
    "memory": ("hardware:\n  memory: " + "9" * 30 + "GiB", 8),
    "disk": ("hardware:\n  disks: [" + "9" * 21 + "]", 8),
    "vars-hex": ("vars:\n  big: 0x" + "f" * 5000, 7),
    "vars-int": ("vars:\n  big: " + "9" * 30, 7),
    "vars-float": ("vars:\n  big: 1.0e999", 7),
    "tags": ("tags: [" + "9" * 5000 + "]", 7),
    "description": ("description: " + "9" * 5000, 7),
}


@pytest.mark.parametrize("field", BIG)
def test_11_huge_numbers_are_problems_at_their_line(site, field):
    extra, line_no = BIG[field]
    record = ("kind: physical\ninterfaces:\n- name: eth0\n  mac: '00:25:90:00:00:42'\n"
              "  network: prod\n  ipv4: 192.0.2.42\n" + extra + "\n")
    site.branch({"hosts/big.prod.example.com.yaml": record})
    errors = refused_render(site.run("render"))
    assert any(e.startswith(f"hosts/big.prod.example.com.yaml:{line_no}:")
               for e in errors), errors
    for args in (("host", "list"), ("check",), ("--ref", "mr", "check")):
        r = site.run(*args)
        assert "internal error" not in r.err and "Traceback" not in r.err, r


# --- 12. read-only inventories, odd settings, every revision --------------------------------

def test_12_lock_timeout_is_checked(site):
    line = one_line(site.run("host", "add", "vm9", "--kind", "virtual", "--network", "prod",
                             env={"CINV_LOCK_TIMEOUT": "abc"}))
    assert line == "cinv: CINV_LOCK_TIMEOUT='abc': not a number of seconds (0 or more)"


def test_12_previous_branch_revision(site):
    r = site.run("--ref", "@{-1}", "host", "list")
    assert r.code == 1 and "internal error" not in r.err and "@{-1}" in r.err, r
    site.inv.git("checkout", "-q", "-b", "other")
    site.inv.git("checkout", "-q", "main")
    r = site.run("--ref", "@{-1}", "host", "list", "--format", "names")
    assert r.code == 0 and "web.prod.example.com" in r.out, r


def test_12_read_only_inventory_renders_into_a_writable_dir(site, tmp_path):
    import shutil
    assert (site.root / ".cinv" / "render.lock").is_file()  # an earlier render made it
    ro = tmp_path / "ro"
    shutil.copytree(site.root, ro, symlinks=True)
    out = tmp_path / "out"
    for path in [ro, *ro.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    # root writes through any permission: run without the capabilities that allow it
    prefix = ["setpriv", "--bounding-set=-dac_override,-fowner"] if os.geteuid() == 0 else []
    try:
        p = subprocess.run([*prefix, sys.executable, "-m", "cinv", "-C", str(ro), "render",
                            "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert (out / "dhcpd.conf").is_file()
    finally:
        for path in [ro, *ro.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)


# --- 6. the audit: every field that reaches a rendered file, refused when it would break it ----
# (SECURITY.md's table names these cases; free text is tested escaped in test_hostile.py)

CINV = "cinv.yaml"
NET = "networks/prod.yaml"
WEB = "hosts/web1.prod.example.com.yaml"
NS = "  nameservers: [ns1.example.net.]"
FIELDS = {  # case: (file, line replaced (None: append), new text, line reported, field named)
    "settings.domain": (CINV, "domain: example.com", 'domain: "example.com; evil"', 1, "domain"),
    "settings.mac_prefix": (CINV, 'mac_prefix: "52:54:00"', 'mac_prefix: "52:54:00;x"', 2,
                            "mac_prefix"),
    "dns.primary_ns": (CINV, "  primary_ns: ns1.example.net.", '  primary_ns: "ns1 ; evil."', 4,
                       "dns.primary_ns"),
    "dns.nameservers": (CINV, "  nameservers: [ns1.example.net.]",
                        '  nameservers: ["ns1.example.net. }"]', 5, "dns.nameservers"),
    "dns.hostmaster": (CINV, NS, NS + '\n  hostmaster: "a b@example.com"', 6,
                       "dns.hostmaster"),
    "dns.ttl": (CINV, NS, NS + '\n  ttl: "3600; evil"', 6, "dns.ttl"),
    "libvirt.image_dir": (CINV, None, "libvirt:\n  image_dir: \"/var/lib/'/><evil\"", 7,
                          "libvirt.image_dir"),
    "kea.interfaces": (CINV, None, 'kea:\n  interfaces: ["eth0\\"}"]', 7, "kea.interfaces"),
    "render.out": (CINV, None, "render:\n  out: /etc", 7, "render.out"),
    "render.targets.template": (CINV, None, "render:\n  targets:\n    x: {template: ../x.j2, "
                                "path: x}", 8, "render.targets.x.template"),
    "render.targets.path": (CINV, None, 'render:\n  targets:\n    x: {template: x.j2, '
                            'path: "a\\nb"}', 8, "render.targets.x.path"),
    "network.domain": (NET, "domain: prod.example.com", 'domain: "prod.example.com;"', 1,
                       "domain"),
    "network.ipv4": (NET, "ipv4: 192.0.2.0/24", 'ipv4: "192.0.2.0/24 {"', 2, "ipv4"),
    "network.gateway4": (NET, "gateway4: 192.0.2.1", 'gateway4: "192.0.2.1;"', 3, "gateway4"),
    "network.ipv6": (NET, "ipv6: 2001:db8:0:1::/64", 'ipv6: "2001:db8:0:1::%x/64"', 4, "ipv6"),
    "network.gateway6": (NET, "gateway6: 2001:db8:0:1::1", 'gateway6: "2001:db8:0:1::1%x"', 5,
                         "gateway6"),
    "network.ipv6_mode": (NET, "ipv6_mode: sequential", 'ipv6_mode: "eui64;"', 6, "ipv6_mode"),
    "network.dhcp_pool": (NET, "dhcp_pool: 192.0.2.200-192.0.2.250",
                          'dhcp_pool: "192.0.2.200-192.0.2.250,1h"', 7, "dhcp_pool"),
    "network.reserved": (NET, "reserved: [192.0.2.2-192.0.2.9]", 'reserved: ["fe80::1%x"]', 8,
                         "reserved"),
    "network.bridge": (NET, "bridge: br-prod", "bridge: \"br0'/><x\"", 9, "bridge"),
    "network.dns_servers": (NET, None, 'dns_servers: ["192.0.2.53, 6.6.6.6"]', 10,
                            "dns_servers"),
    "network.vlan": (NET, None, 'vlan: "10; evil"', 10, "vlan"),
    "network.subnet_id": (NET, None, "subnet_id: 1" + "0" * 30, 10, "subnet_id"),
    "network.description": (NET, None, 'description: "a\\nsubnet"', 10, "description"),
    "host.kind": (WEB, "kind: virtual", 'kind: "virtual;"', 1, "kind"),
    "host.state": (WEB, "state: active", "state: actives", 2, "state"),
    "host.parent": (WEB, "parent: hv1.example.com", 'parent: "hv1.example.com;"', 3, "parent"),
    "hardware.cpus": (WEB, "  cpus: 2", '  cpus: "2; evil"', 5, "hardware.cpus"),
    "hardware.memory": (WEB, "  memory: 4GiB", "  memory: 4GiB'/>", 6, "hardware.memory"),
    "interface.name": (WEB, "  - name: eth0", '  - name: "eth0;"', 8, "interfaces[0].name"),
    "interface.mac": (WEB, '    mac: "52:54:00:00:00:01"', '    mac: "52:54:00:00:00:01;"', 9,
                      "interfaces[0].mac"),
    "interface.network": (WEB, "    network: prod", '    network: "prod}"', 10,
                          "interfaces[0].network"),
    "interface.ipv4": (WEB, "    ipv4: 192.0.2.11", '    ipv4: "192.0.2.11,6.6.6.6"', 11,
                       "interfaces[0].ipv4"),
    "interface.ipv6": (WEB, "    ipv6: 2001:db8:0:1::11", '    ipv6: "2001:db8:0:1::11%eth0"',
                       12, "interfaces[0].ipv6"),
    "interface.aliases": (WEB, "    aliases: [www]", '    aliases: ["www ; evil"]', 13,
                          "interfaces[0].aliases"),
    "interface.aliases-outside": (WEB, "    aliases: [www]", "    aliases: [pypi.org]", 13,
                                  "interfaces[0].aliases"),
    "interface.names": (WEB, "    aliases: [www]", '    aliases: [www]\n    names: ["a b"]', 14,
                        "interfaces[0].names"),
    "interface.names-outside": (WEB, "    aliases: [www]",
                                "    aliases: [www]\n    names: [pypi.org]", 14,
                                "interfaces[0].names"),
    "host.tags": (WEB, None, 'tags: ["a;b"]', 14, "tags"),
    "host.description": (WEB, None, 'description: "a\\nb"', 14, "description"),
    "host.location": (WEB, None, 'location: "a\\u2028b"', 14, "location"),
    "hardware.vendor": (WEB, "  memory: 4GiB", '  memory: 4GiB\n  vendor: "a\\rb"', 7,
                        "hardware.vendor"),
    "hardware.disks.size": (WEB, "  memory: 4GiB", "  memory: 4GiB\n  disks: [1 GiB; x]", 7,
                            "hardware.disks[0]"),
    "hardware.disks.name": (WEB, "  memory: 4GiB", '  memory: 4GiB\n  disks: [{name: "v;d",'
                            ' size: 1GiB}]', 7, "hardware.disks[0].name"),
    "libvirt.name": (WEB, None, "libvirt:\n  name: \"web'/><x\"", 15, "libvirt.name"),
    "libvirt.uuid": (WEB, None, "libvirt:\n  uuid: \"x'/>\"", 15, "libvirt.uuid"),
    "vars.key": (WEB, None, 'vars:\n  "a-b": 1', 14, "vars"),
    "vars.text": (WEB, None, 'vars:\n  a: "x\\ny"', 14, "vars"),
    "vars.int": (WEB, None, "vars:\n  a: 0x1" + "0" * 16, 14, "vars"),
    "dhcp.options.name": (NET, None, 'dhcp:\n  options:\n    "ntp-servers;x": 192.0.2.1', 12,
                          "dhcp.options"),
    "dhcp.options.text": (NET, None, "dhcp:\n  options:\n    root-path: '/a\"; evil'", 12,
                          "dhcp.options.root-path"),
    "dhcp.options.address": (NET, None, 'dhcp:\n  options:\n    ntp-servers: ["fe80::1%x"]',
                             12, "dhcp.options.ntp-servers"),
    "dhcp.filename": (NET, None, 'dhcp:\n  filename: "a.efi,,6.6.6.6"', 11, "dhcp.filename"),
    "dhcp.provisioning": (NET, None, "dhcp:\n  provisioning: {bios: 'x\"', uefi: y}", 11,
                          "dhcp.provisioning.bios"),
    "dhcp.next_server": (NET, None, 'dhcp:\n  next_server: "192.0.2.5;"', 11,
                         "dhcp.next_server"),
    "dhcp.interface": (NET, None, 'dhcp:\n  interface: "eth0\\""', 11, "dhcp.interface"),
    "libvirt.type": (WEB, None, "libvirt:\n  type: \"kvm'/><x\"", 15, "libvirt.type"),
    "libvirt.os.machine": (WEB, None, "libvirt:\n  os: {machine: \"q35'/>\"}", 15,
                           "libvirt.os.machine"),
    "libvirt.interfaces.source": (WEB, None, "libvirt:\n  interfaces:\n    eth0: {type: "
                                  "bridge, source: \"br0'/>\"}", 16,
                                  "libvirt.interfaces.eth0.source"),
    "libvirt.disks.source": (WEB, None, "libvirt:\n  disks: [{source: \"/a\\nb\"}]", 15,
                             "libvirt.disks[0].source"),
    "libvirt.disks.driver": (WEB, None, "libvirt:\n  disks: [{source: /a, driver: "
                             "{\"x'/><y\": z}}]", 15, "libvirt.disks[0].driver"),
    "libvirt.emulator": (WEB, None, "libvirt:\n  emulator: /bin/sh", 15, "libvirt.emulator"),
    "libvirt.xml.close": (WEB, None, "libvirt:\n  xml: ['<cpu/></domain><domain>']", 15,
                          "libvirt.xml[0]"),
    "libvirt.xml.namespace": (WEB, None, "libvirt:\n  xml: [\"<q:commandline xmlns:q='urn:x'/>"
                              "\"]", 15, "libvirt.xml[0]"),
    "libvirt.devices.tag": (WEB, None, "libvirt:\n  devices: ['<emulator>/bin/sh</emulator>']",
                            15, "libvirt.devices[0]"),
}


@pytest.mark.parametrize("case", FIELDS)
def test_6_field_audit(make_files, base_files, tmp_path, case):
    from cinv import check
    from cinv.records import load
    rel, old, new, line, field = FIELDS[case]
    text = base_files[rel]
    if old is None:  # a field the base file lacks: appended
        text = text + new + "\n"
    else:
        assert old in text, case
        text = text.replace(old, new)
    base_files[rel] = text
    root = make_files(tmp_path / "inv", base_files)
    problems = check.errors(check.run(load.load_inventory(load.DirSource(root))))
    assert any(p.path == rel and p.line == line and field in p.message for p in problems), \
        [p.text() for p in problems]
