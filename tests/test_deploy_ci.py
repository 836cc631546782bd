"""examples/ci/cinv-deploy.sh against a real named: in a merge request it plans (the plan next to
the rendered diff), on the default branch it applies only when the protected variable
CINV_DEPLOY=apply says so, with the writing servers file of CINV_SERVERS."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke
from deployservers import example_inventory, servers_file, serving

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "examples" / "ci" / "cinv-deploy.sh"


@pytest.fixture
def site(tmp_path):
    root = example_inventory(tmp_path, "main")
    with serving(root, tmp_path) as primary:
        servers = servers_file(tmp_path, primary)
        assert invoke("-C", root, "apply", "--servers", servers, "--yes").code == 0
        assert invoke("-C", root, "host", "add", "web9", "--kind", "virtual", "--network",
                      "prod", "--ipv4", "192.0.2.99").code == 0
        yield root, primary, servers


def script(root: Path, env: dict) -> subprocess.CompletedProcess:
    full = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ["HOME"], "CINV_OUT": str(root / "cinv-out"),
            "CI_DEFAULT_BRANCH": "main", **env}
    return subprocess.run(["bash", SCRIPT], cwd=root, env=full, capture_output=True, text=True,
                          timeout=300)


def test_a_merge_request_gets_the_plan_and_nothing_is_applied(site):
    root, primary, servers = site
    proc = script(root, {"CI_MERGE_REQUEST_IID": "7", "CI_COMMIT_REF_SLUG": "add-web9",
                         "CINV_PLAN_SERVERS": str(servers), "CINV_SERVERS": str(servers),
                         "CINV_DEPLOY": "apply"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plan = (root / "cinv-out" / "add-web9.plan.txt").read_text()
    assert "+ web9.prod.example.com. A 3600 192.0.2.99" in plan
    assert "changes pending" in proc.stdout
    assert ("web9.prod.example.com.", "A") not in primary.records("prod.example.com")


def test_the_default_branch_applies_only_when_the_operator_says_so(site):
    root, primary, servers = site
    base = {"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_SLUG": "main",
            "CINV_PLAN_SERVERS": str(servers)}
    proc = script(root, base)
    assert proc.returncode == 0, proc.stderr
    assert "the apply is off" in proc.stdout
    assert ("web9.prod.example.com.", "A") not in primary.records("prod.example.com")
    proc = script(root, {**base, "CINV_DEPLOY": "apply"})
    assert proc.returncode == 1
    assert "cinv-deploy: FAILED: CINV_DEPLOY=apply but CINV_SERVERS names no servers file" \
        in proc.stderr
    proc = script(root, {**base, "CINV_DEPLOY": "apply", "CINV_SERVERS": str(servers)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "applied" in (root / "cinv-out" / "main.apply.txt").read_text()
    assert ("web9.prod.example.com.", "A") in primary.records("prod.example.com")
    proc = script(root, base)
    assert proc.returncode == 0 and "the servers agree with the inventory" in proc.stdout


def test_a_server_that_cannot_be_planned_fails_the_job(site, tmp_path):
    root, primary, servers = site
    silent = tmp_path / "operator" / "silent.yaml"
    silent.write_text(servers.read_text().replace(f"port: {primary.port}", "port: 9")
                      .replace("tsig:", "timeout: 0.5\n    tsig:"))
    proc = script(root, {"CI_COMMIT_REF_SLUG": "x", "CINV_PLAN_SERVERS": str(silent)})
    assert proc.returncode == 1
    assert "cinv-deploy: FAILED: cinv plan could not plan every server" in proc.stderr
