"""The shipped CI recipe: examples/ci/cinv-ci.sh on a sample inventory repo with two customer
branches (what .gitlab-ci.yml and github-actions.yml run on every push)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from checkers import require

CI_DIR = Path(__file__).resolve().parents[1] / "examples" / "ci"
SCRIPT = CI_DIR / "cinv-ci.sh"
CHECKERS = ("dhcpd", "kea-dhcp4", "kea-dhcp6", "named-checkzone", "named-checkconf",
            "virt-xml-validate", "dnsmasq")
# What the CI platform or the caller's shell may set; each test sets its own.
_CI_VARS = ("CI_COMMIT_REF_SLUG", "GITHUB_REF_NAME", "GITHUB_OUTPUT", "CINV_INVENTORY",
            "CINV_OUT", "CINV_BRANCH", "CINV_INSTALL", "CINV_PIP_SPEC", "CINV_VENV",
            "CINV_ALLOW_MISSING_CHECKERS", "CINV_DIFF_BASE", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
            "GITHUB_BASE_REF", "CI_DEFAULT_BRANCH", "GITHUB_STEP_SUMMARY")


def cinv_bin() -> str:
    found = shutil.which("cinv", path=str(Path(sys.executable).parent)) or shutil.which("cinv")
    assert found, "the cinv console script is not installed next to this Python"
    return found


def run_script(inv, out_base: Path, path: str | None = None, **env) -> subprocess.CompletedProcess:
    """The recipe as CI runs it: in the inventory's top directory, cinv already on PATH."""
    full = {k: v for k, v in os.environ.items() if k not in _CI_VARS}
    full["PATH"] = path or os.pathsep.join([str(Path(cinv_bin()).parent), full.get("PATH", "")])
    full.update({"CINV_OUT": str(out_base), "CINV_INSTALL": "never", **env})
    return subprocess.run(["bash", str(SCRIPT)], cwd=inv.root, env=full, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def customers(inventory):
    """main with ns1 (the zones' nameserver, which needs an address), web1 and db1; branch
    customer-b adds web2 and mail1 on top."""
    inventory.ok("host", "add", "ns1.example.com", "--kind", "physical", "--network", "mgmt",
                 "--mac", "00:16:3e:00:00:53")
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "add", "db1", "--kind", "virtual", "--network", "mgmt")
    inventory.git("branch", "-M", "main")
    inventory.git("checkout", "-q", "-b", "customer-b")
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "add", "mail1", "--kind", "virtual", "--network", "prod")
    inventory.git("checkout", "-q", "main")
    return inventory


def test_ci_files_call_the_one_script_and_publish_the_branch_output():
    gitlab = yaml.safe_load((CI_DIR / ".gitlab-ci.yml").read_text())
    job = gitlab["cinv"]
    assert any("cinv-ci.sh" in line or "CINV_CI_SCRIPT" in line for line in job["script"])
    assert gitlab["variables"]["CINV_CI_SCRIPT"].endswith("cinv-ci.sh")
    assert job["artifacts"]["paths"][:2] == ["$CINV_OUT/$CI_COMMIT_REF_SLUG/",
                                             "$CINV_OUT/$CI_COMMIT_REF_SLUG.render.diff"]
    # the deploy half: the plan next to the diff, the apply on the default branch, one at a time
    assert job["script"][1] == 'bash "$CINV_DEPLOY_SCRIPT"'
    assert gitlab["variables"]["CINV_DEPLOY_SCRIPT"].endswith("cinv-deploy.sh")
    assert "$CINV_OUT/$CI_COMMIT_REF_SLUG.plan.txt" in job["artifacts"]["paths"]
    assert job["resource_group"] == "cinv-$CI_COMMIT_REF_SLUG"
    assert job["artifacts"]["when"] == "always"
    assert gitlab["variables"]["GIT_DEPTH"] == "0"
    # merge request pipelines run (they give CI_MERGE_REQUEST_TARGET_BRANCH_NAME, the diff's
    # base), and a branch with one open does not run twice
    rules = gitlab["workflow"]["rules"]
    assert rules[0] == {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}
    assert rules[1] == {"if": "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", "when": "never"}
    assert "rules" not in job

    github = yaml.safe_load((CI_DIR / "github-actions.yml").read_text())
    assert github[True]["push"]["branches"] == ["**"]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in github[True]  # github.base_ref, the diff's base, is set there
    assert github["jobs"]["cinv"]["env"]["CINV_BRANCH"] == (
        "${{ github.head_ref || github.ref_name }}")  # not the PR's "<number>/merge"
    steps = github["jobs"]["cinv"]["steps"]
    run = [s for s in steps if s.get("id") == "cinv"][0]
    assert "cinv-ci.sh" in run["run"]
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")][0]
    assert upload["with"]["path"].splitlines()[:2] == [
        "${{ env.CINV_OUT }}/${{ steps.cinv.outputs.branch }}/",
        "${{ env.CINV_OUT }}/${{ steps.cinv.outputs.branch }}.render.diff"]
    assert "${{ env.CINV_OUT }}/${{ steps.cinv.outputs.branch }}.plan.*" in \
        upload["with"]["path"].splitlines()
    deploy = [s for s in steps if "cinv-deploy.sh" in s.get("run", "")][0]
    assert steps.index(deploy) == steps.index(run) + 1
    assert deploy["env"]["APPLY_SERVERS"] == "${{ secrets.CINV_SERVERS }}"
    assert upload["if"] == "always()"  # the report and the diff help most when a check failed
    assert github["jobs"]["cinv"]["container"]["options"] == "--privileged"  # bubblewrap
    # pinned to a commit id (no tag that cinv's repository lacks), and the sandbox installed
    for spec in (github["jobs"]["cinv"]["env"]["CINV_PIP_SPEC"],
                 gitlab["variables"]["CINV_PIP_SPEC"]):
        assert re.fullmatch(r"git\+https://\S+@[0-9a-f]{40}", spec), spec
    assert "bubblewrap" in steps[0]["run"] and "bubblewrap" in job["before_script"][1]
    checkout = [s for s in steps if s.get("uses", "").startswith("actions/checkout")][0]
    assert checkout["with"]["fetch-depth"] == 0
    assert github["jobs"]["cinv"]["env"]["CINV_DIFF_BASE"] == (
        "${{ github.base_ref || github.event.repository.default_branch }}")


def test_passes_on_both_customer_branches_with_every_checker(customers, tmp_path):
    for tool in CHECKERS:
        require(tool)  # a dev machine without them skips; CI=true fails
    out = tmp_path / "published"
    github_output = tmp_path / "github-output"
    r = run_script(customers, out, GITHUB_OUTPUT=str(github_output))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cinv-ci: passed" in r.stdout
    for checker in ("dhcpd -4 -t", "dhcpd -6 -t", "kea-dhcp4 -t", "kea-dhcp6 -t",
                    "named-checkzone prod.example.com", "named-checkzone 2.0.192.in-addr.arpa",
                    "named-checkconf -z", "virt-xml-validate libvirt/web1.prod.example.com.xml",
                    "dnsmasq --test"):
        assert f"cinv-ci: ok: {checker}" in r.stdout, checker
    assert "refused" not in r.stdout + r.stderr
    main = out / "main"
    assert "web1.prod.example.com" in (main / "hosts").read_text()
    assert "web2" not in (main / "hosts").read_text()
    assert github_output.read_text() == f"branch=main\nout={main}\n"

    customers.git("checkout", "-q", "customer-b")
    r = run_script(customers, out, GITHUB_REF_NAME="customer-b")
    assert r.returncode == 0, r.stdout + r.stderr
    b = out / "customer-b"
    assert "web2.prod.example.com" in (b / "hosts").read_text()
    assert sorted(p.name for p in (b / "libvirt").iterdir()) == [
        "db1.mgmt.example.com.xml", "mail1.prod.example.com.xml", "web1.prod.example.com.xml",
        "web2.prod.example.com.xml"]
    # each branch is published on its own: main's output is untouched by customer-b's run
    assert "web2" not in (main / "hosts").read_text()


def test_branch_folder_comes_from_the_ci_platform_and_is_made_safe(customers, tmp_path):
    allow = {"CINV_ALLOW_MISSING_CHECKERS": "1"}
    r = run_script(customers, tmp_path / "o", CI_COMMIT_REF_SLUG="feature-x",
                   GITHUB_REF_NAME="ignored", **allow)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "o" / "feature-x" / "hosts").is_file()
    r = run_script(customers, tmp_path / "o", GITHUB_REF_NAME="customer/b c", **allow)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "o" / "customer-b-c" / "hosts").is_file()
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["customer-b-c", "feature-x"]


def test_fails_on_a_duplicate_address_and_renders_nothing(customers, tmp_path):
    customers.git("checkout", "-q", "-b", "broken")
    ipv4 = yaml.safe_load(customers.read("hosts/web1.prod.example.com.yaml"))[
        "interfaces"][0]["ipv4"]
    (customers.root / "hosts" / "web9.prod.example.com.yaml").write_text(
        "kind: virtual\nstate: active\ninterfaces:\n  - name: eth0\n    network: prod\n"
        f"    mac: '52:54:00:99:99:99'\n    ipv4: {ipv4}\n")
    customers.git("add", "hosts")
    customers.git("commit", "-q", "-m", "web9 copied from web1 by hand")

    r = run_script(customers, tmp_path / "o", CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        "cinv-ci: FAILED: cinv check found problems in the inventory (listed above)")
    problems = [line for line in r.stdout.splitlines() if line.startswith("hosts/web9")]
    assert problems and all(ipv4 in line for line in problems), r.stdout
    assert any("hosts/web1.prod.example.com.yaml" in line for line in problems), r.stdout
    assert "Traceback" not in r.stderr
    assert not any((tmp_path / "o" / "broken").iterdir())  # nothing rendered to publish


def test_a_missing_checker_fails_unless_allowed(customers, tmp_path):
    # a PATH with the shell tools, git and cinv but none of /usr/bin's checkers
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "git", "tr", "grep", "sed", "mktemp", "rm", "mkdir", "env", "printf",
                 "cat", "bwrap"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "cinv").symlink_to(cinv_bin())
    path = str(bin_dir)
    r = run_script(customers, tmp_path / "o", path=path)
    assert r.returncode == 1, r.stdout + r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("cinv-ci: FAILED: checker ") and "is not installed" in last
    assert "CINV_ALLOW_MISSING_CHECKERS=1" in last

    r = run_script(customers, tmp_path / "o", path=path, CINV_ALLOW_MISSING_CHECKERS="1")
    assert "is not installed; skipped" in r.stdout
    assert "named-checkzone" in r.stdout  # named-checkzone lives in /usr/bin: skipped
    assert r.returncode == 0, r.stdout + r.stderr


def test_install_settings_are_checked(customers, tmp_path):
    r = run_script(customers, tmp_path / "o", CINV_INSTALL="sometimes")
    assert r.returncode == 1
    assert "CINV_INSTALL must be auto, always or never" in r.stderr
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "git", "tr", "sed", "mkdir", "printf"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    r = run_script(customers, tmp_path / "o", path=str(bin_dir))  # CINV_INSTALL=never, no cinv
    assert r.returncode == 1
    assert r.stderr.strip() == "cinv-ci: FAILED: cinv is not on PATH (CINV_INSTALL=never)"


def test_init_points_to_the_pre_commit_hook(tmp_path):
    from conftest import invoke
    hooks = yaml.safe_load((CI_DIR.parents[1] / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["cinv-check"]
    r = invoke("init", tmp_path / "inv", "--domain", "example.com")
    assert r.code == 0, r
    assert "pre-commit hook id cinv-check" in r.out


# --- a pinned source, any branch, and a clean `git status` by hand ------------------------------

def fake_venv(tmp_path: Path) -> Path:
    """A virtualenv whose python records what pip was asked to install; its cinv is the real
    one."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {venv}/pip-args\n')
    python.chmod(0o755)
    (venv / "bin" / "cinv").symlink_to(cinv_bin())
    return venv


@pytest.mark.parametrize("spec", ["", "cinv", "cinv==0.1.0", "git+https://example.org/cinv.git",
                                  "git+https://example.org/cinv.git@main",
                                  "git+ssh://git@example.org/cinv.git",
                                  "https://example.org/cinv-0.1.0.tar.gz"])
def test_an_unpinned_source_is_refused(customers, tmp_path, spec):
    venv = fake_venv(tmp_path)
    r = run_script(customers, tmp_path / "o", CINV_INSTALL="always", CINV_PIP_SPEC=spec,
                   CINV_VENV=str(venv))
    assert r.returncode == 1, r.stdout + r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("cinv-ci: FAILED: ") and "CINV_PIP_SPEC" in last, last
    assert not (venv / "pip-args").exists()  # nothing was installed


@pytest.mark.parametrize("pin", ["0123456789abcdef0123456789abcdef01234567", "v0.1.0"])
def test_a_pinned_source_is_installed(customers, tmp_path, pin):
    venv = fake_venv(tmp_path)
    spec = f"git+https://git.example.org/tools/cinv.git@{pin}"
    r = run_script(customers, tmp_path / "o", CINV_INSTALL="always", CINV_PIP_SPEC=spec,
                   CINV_VENV=str(venv), CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (venv / "pip-args").read_text() == f"-m pip install --quiet {spec}\n"
    assert f"cinv-ci: using {venv}/bin/cinv" in r.stdout


def test_requirements_with_hashes_are_installed_with_require_hashes(customers, tmp_path):
    venv = fake_venv(tmp_path)
    req = tmp_path / "cinv-requirements.txt"
    req.write_text("cinv==0.1.0 --hash=sha256:" + "0" * 64 + "\n")
    r = run_script(customers, tmp_path / "o", CINV_INSTALL="always", CINV_VENV=str(venv),
                   CINV_REQUIREMENTS=str(req), CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (venv / "pip-args").read_text() == f"-m pip install --quiet --require-hashes -r {req}\n"


def test_any_branch_is_checked_through_ref(customers, tmp_path):
    out = tmp_path / "o"
    r = run_script(customers, out, CINV_REF="customer-b", CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "cinv-ci: cinv --ref customer-b check" in r.stdout
    assert "web2.prod.example.com" in (out / "customer-b" / "hosts").read_text()
    assert customers.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    r = run_script(customers, out, CINV_REF="--output=/tmp/x", CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 1 and "starts with '-'" in r.stderr


def test_by_hand_the_output_is_ignored_by_git(customers):
    full = {k: v for k, v in os.environ.items() if k not in _CI_VARS}
    full["PATH"] = os.pathsep.join([str(Path(cinv_bin()).parent), full.get("PATH", "")])
    full.update({"CINV_INSTALL": "never", "CINV_ALLOW_MISSING_CHECKERS": "1"})
    r = subprocess.run(["bash", str(SCRIPT)], cwd=customers.root, env=full, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (customers.root / "cinv-out" / "main" / "hosts").is_file()
    assert customers.git("status", "--porcelain", "--untracked-files=all") == ""


def test_publishes_the_report_and_the_rendered_diff_against_the_base(customers, tmp_path):
    allow = {"CINV_ALLOW_MISSING_CHECKERS": "1"}
    customers.git("checkout", "-q", "customer-b")
    web2 = customers.host_file("web2.prod.example.com")
    web2.write_text(web2.read_text() + "description: 'see ````quoted````'\n")
    customers.git("commit", "-q", "-am", "web2: a description with backticks")
    out = tmp_path / "o"
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    r = run_script(customers, out, GITHUB_REF_NAME="customer-b", GITHUB_BASE_REF="main",
                   GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs), **allow)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (out / "customer-b" / "report" / "index.html").is_file()
    diff = (out / "customer-b.render.diff").read_text()
    assert "--- a/dhcpd.conf\n+++ b/dhcpd.conf\n" in diff
    assert "+host web2.prod.example.com-eth0 {" in diff and "mail1" in diff
    assert "+++ b/libvirt/web2.prod.example.com.xml" in diff
    assert diff in r.stdout  # in the job log
    text = summary.read_text()
    assert text.startswith("### cinv: rendered files against main\n\n`````diff\n")
    assert text.endswith("\n`````\n") and diff in text  # a fence no line of it can end
    assert f"diff={out / 'customer-b.render.diff'}" in outputs.read_text()

    # a CI clone holding only its own branch: the base is fetched from origin
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", "customer-b",
                    str(customers.root), str(clone)], check=True)

    class Clone:
        root = clone
    r = run_script(Clone, tmp_path / "o2", CI_COMMIT_REF_SLUG="customer-b",
                   CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", **allow)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "o2" / "customer-b.render.diff").read_text() == diff

    # on the base branch itself there is nothing to compare; an unknown base fails the job
    customers.git("checkout", "-q", "main")
    r = run_script(customers, out, CI_DEFAULT_BRANCH="main", **allow)
    assert r.returncode == 0 and "HEAD is main; nothing to compare" in r.stdout
    r = run_script(customers, out, CINV_DIFF_BASE="nosuch", **allow)
    assert r.returncode == 1
    assert r.stderr.strip().endswith("CINV_DIFF_BASE: no branch 'nosuch' here or at origin")


def test_checks_the_configuration_not_the_runners_network_cards(customers, tmp_path):
    """Kea's -t refuses an interface the machine lacks: the recipe checks a copy without the
    interface names (and says so), so a DHCP server on eth7 passes on any runner (and in the
    sandbox, which has no network card at all)."""
    for tool in CHECKERS:
        require(tool)
    customers.ok("net", "set", "prod", "dhcp.interface=eth7")
    settings = customers.root / "cinv.yaml"
    settings.write_text(settings.read_text() + "kea:\n  interfaces: [eth7, eth8/192.0.2.1]\n")
    customers.git("commit", "-q", "-am", "Serve DHCP on eth7")
    kea4 = tmp_path / "o" / "main" / "kea-dhcp4.conf"
    r = run_script(customers, tmp_path / "o")
    assert r.returncode == 0, r.stdout + r.stderr
    assert '"interface": "eth7"' in kea4.read_text()  # the published file keeps its names
    for family in (4, 6):
        assert f"cinv-ci: kea-dhcp{family} -t checks a copy without the interface names eth7 " \
            "eth8/192.0.2.1 (the runner's network cards are not the DHCP server's)" in r.stdout
        assert f"cinv-ci: ok: kea-dhcp{family} -t" in r.stdout
    assert "checkers run in bubblewrap" in r.stdout


def test_a_branch_is_checked_against_its_base(customers, tmp_path):
    """The merge target pins the domains a branch may manage (cinv check --base)."""
    customers.git("checkout", "-q", "customer-b")
    (customers.root / "zones").mkdir(exist_ok=True)
    (customers.root / "zones" / "pypi.org.yaml").write_text(
        'records:\n  www: [{type: A, value: 192.0.2.80}]\n')
    customers.git("add", "zones")
    customers.git("commit", "-q", "-m", "claim pypi.org")
    for env in ({"GITHUB_BASE_REF": "main"}, {"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}):
        r = run_script(customers, tmp_path / "o", CINV_ALLOW_MISSING_CHECKERS="1", **env)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "cinv-ci: cinv  check --base main" in r.stdout
        assert "zones/pypi.org.yaml:1: zone: pypi.org lies under no domain that " in r.stdout
        assert r.stderr.strip().endswith("cinv check found problems in the inventory "
                                          "(listed above)")
    # the same branch read through --ref from main's checkout
    customers.git("checkout", "-q", "main")
    r = run_script(customers, tmp_path / "o", CINV_REF="customer-b", CINV_DIFF_BASE="main",
                   CINV_ALLOW_MISSING_CHECKERS="1")
    assert r.returncode == 1 and "zones/pypi.org.yaml:1: zone: pypi.org" in r.stdout, r.stdout
