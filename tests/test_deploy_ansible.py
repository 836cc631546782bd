"""examples/ansible/deploy-files.yml, run by the real ansible-playbook against localhost
(connection local) into a temporary folder: every rendered file that servers read from disk is
installed after the server's own checker accepted it, the service's reload runs only when a
file changed (the reload commands write marker files here), a second run changes nothing, and
a file the checker refuses is never installed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkers import require
from conftest import invoke

REPO = Path(__file__).resolve().parents[1]
PLAYBOOK = REPO / "examples" / "ansible" / "deploy-files.yml"
GROUPS = ("cinv_dhcpd", "cinv_kea_files", "cinv_dnsmasq", "cinv_dns_files", "cinv_hosts_file")
SERVICES = ("dhcpd", "kea", "dnsmasq", "named")


@pytest.fixture
def rendered(tmp_path):
    out = tmp_path / "out"
    r = invoke("-C", REPO / "inventory", "render", "--out", out)
    assert r.code == 0, r
    return out


def playbook(tmp: Path, out: Path, dest: Path) -> subprocess.CompletedProcess:
    tool = require("ansible-playbook")
    for checker in ("dhcpd", "kea-dhcp4", "kea-dhcp6", "dnsmasq", "named-checkzone",
                    "named-checkconf"):
        require(checker)
    inventory = tmp / "hosts.json"
    local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {
        "hosts": {"localhost": local},
        "children": {g: {"hosts": {"localhost": {}}} for g in GROUPS}}}))
    extra = {"cinv_out": str(out), "cinv_dest": str(dest),
             **{f"cinv_reload_{s}": f"touch {dest}/reloaded-{s}" for s in SERVICES}}
    env = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
           "ANSIBLE_HOME": str(tmp / "ansible"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_RETRY_FILES_ENABLED": "false",
           "PATH": os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])}
    return subprocess.run([tool, "-i", inventory, PLAYBOOK, "-e", json.dumps(extra)],
                          capture_output=True, text=True, env=env, timeout=600)


def recap(output: str) -> dict:
    m = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                  r"failed=(\d+)", output)
    assert m, output
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m.groups())))


INSTALLED = {"dhcpd.conf": "etc/dhcp/cinv/dhcpd.conf", "dhcpd6.conf": "etc/dhcp/cinv/dhcpd6.conf",
             "kea-dhcp4.conf": "etc/kea/kea-dhcp4.conf", "kea-dhcp6.conf": "etc/kea/kea-dhcp6.conf",
             "dnsmasq/cinv.conf": "etc/dnsmasq.d/cinv.conf",
             "dns/named.conf.zones": "var/lib/cinv/dns/named.conf.zones"}


def test_the_playbook_installs_checked_files_and_reloads_on_change(rendered, tmp_path):
    dest = tmp_path / "root"
    (dest / "etc").mkdir(parents=True)
    (dest / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n")
    proc = playbook(tmp_path, rendered, dest)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert recap(proc.stdout)["failed"] == 0
    for rel, installed in INSTALLED.items():
        assert (dest / installed).read_bytes() == (rendered / rel).read_bytes(), rel
    zones = sorted(p.name for p in (rendered / "dns").glob("db.*"))
    assert sorted(p.name for p in (dest / "var/lib/cinv/dns").glob("db.*")) == zones
    hosts = (dest / "etc" / "hosts").read_text()
    assert hosts.startswith("127.0.0.1\tlocalhost\n")  # what was there stays
    assert (rendered / "hosts").read_text().strip() in hosts
    for service in SERVICES:
        assert (dest / f"reloaded-{service}").exists(), service
        (dest / f"reloaded-{service}").unlink()
    again = playbook(tmp_path, rendered, dest)
    assert again.returncode == 0 and recap(again.stdout)["changed"] == 0, again.stdout
    assert not any((dest / f"reloaded-{s}").exists() for s in SERVICES)


def test_a_file_its_checker_refuses_is_not_installed(rendered, tmp_path):
    dest = tmp_path / "root"
    assert playbook(tmp_path, rendered, dest).returncode == 0
    (dest / "reloaded-dhcpd").unlink()
    before = (dest / "etc/dhcp/cinv/dhcpd.conf").read_bytes()
    broken = tmp_path / "broken"
    shutil.copytree(rendered, broken)
    with open(broken / "dhcpd.conf", "a") as f:
        f.write("host broken { hardware ethernet zz:zz; }\n")
    proc = playbook(tmp_path, broken, dest)
    assert proc.returncode != 0 and recap(proc.stdout)["failed"] == 1, proc.stdout
    assert "failed to validate" in proc.stdout
    assert (dest / "etc/dhcp/cinv/dhcpd.conf").read_bytes() == before
    assert not (dest / "reloaded-dhcpd").exists()
