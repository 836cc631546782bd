"""cinv audit libvirt: a libvirt host's domains (through virsh) against the inventory's VMs.

The hypervisor is libvirt's own test driver with a node file written here (`test:///path`):
the domains `cinv render libvirt` writes for some VMs, some of them changed by hand, a domain
nobody recorded, a retired VM's and one recorded on another hypervisor. Nothing but virsh and
the test driver is contacted.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from checkers import require
from conftest import git, invoke

from cinv import audit
from cinv.records import load
from cinv.records.model import Inventory
from cinv.render.view import View

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
WEB2_UUID = "0f6c2f0e-5b8e-4c7c-9a55-6f3e2d9a7b21"


@pytest.fixture
def lab(tmp_path):
    """The example inventory in git (web2 keeps its domain's own name and uuid), and its
    rendered libvirt XML."""
    require("virsh")
    root = tmp_path / "inv"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    with open(root / "hosts/vms/web2.prod.example.com.yaml", "a") as f:
        f.write(f"libvirt:\n  name: www2\n  uuid: {WEB2_UUID}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Example inventory")
    out = tmp_path / "out"
    r = invoke("-C", root, "render", "libvirt", "--out", out)
    assert r.code == 0, r
    return root, out / "libvirt"


def node(tmp_path: Path, domains: dict[str, str]) -> str:
    """A test-driver node file holding these domain XMLs; its URI."""
    entries = []
    for name, xml in domains.items():
        path = tmp_path / f"dom-{name}.xml"
        path.write_text(xml)
        entries.append(f'  <domain file="{path}"/>')
    (tmp_path / "node.xml").write_text("<node>\n" + "\n".join(entries) + "\n</node>\n")
    return f"test://{tmp_path / 'node.xml'}"


STRANGER = """<domain type='test'>
  <name>stranger</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='bridge'><source bridge='br-prod'/><mac address='52:54:00:99:99:99'/>
    </interface>
  </devices>
</domain>
"""


def run(root: Path, uri: str, *args: str):
    r = invoke("-C", root, "audit", "libvirt", "--connect", uri, *args, "--format", "json")
    return r, [(f["kind"], f["subject"], f["expected"], f["actual"]) for f in
               json.loads(r.out or "[]")]


def test_rendered_changed_and_stranger_domains(lab, tmp_path):
    root, rendered = lab
    xml = {p.stem: p.read_text() for p in rendered.glob("*.xml")}
    db1 = (xml["db1.prod.example.com"]
           .replace("<memory unit='KiB'>16777216</memory>", "<memory unit='KiB'>2097152</memory>")
           .replace("<vcpu placement='static'>4</vcpu>", "<vcpu placement='static'>8</vcpu>")
           .replace("52:54:00:00:00:03", "52:54:00:00:00:33")
           .replace("db1.prod.example.com-0.qcow2", "db1-old.qcow2"))
    mon1 = (xml["mon1.prod.example.com"]
            .replace("<name>mon1.prod.example.com</name>", "<name>monitoring</name>")
            .replace("bridge='br-prod'", "bridge='br-old'"))
    web0_uuid = str(uuid.uuid5(uuid.NAMESPACE_DNS, "web0.prod.example.com"))
    web0 = STRANGER.replace("stranger", "web0.prod.example.com").replace(
        "11111111-2222-3333-4444-555555555555", web0_uuid)
    uri = node(tmp_path, {"web1": xml["web1.prod.example.com"], "db1": db1, "mon1": mon1,
                          "web2": xml["web2.prod.example.com"], "web0": web0,
                          "stranger": STRANGER})
    assert "<name>www2</name>" in xml["web2.prod.example.com"]
    snap = (sorted(p.read_bytes() for p in root.rglob("*.yaml")), git(root, "rev-parse", "HEAD"))
    r, found = run(root, uri, "--parent", "hv1")
    assert r.code == 1, r
    db1_s = "db1.prod.example.com (domain db1.prod.example.com)"
    mon1_s = "mon1.prod.example.com (domain monitoring)"
    assert found == [
        ("disks", db1_s, "vda /var/lib/libvirt/images/db1.prod.example.com-0.qcow2",
         "vda /var/lib/libvirt/images/db1-old.qcow2"),
        ("macs", db1_s, "52:54:00:00:00:03", "52:54:00:00:00:33"),
        ("memory", db1_s, "16GiB", "2GiB"),
        ("missing-domain", "ns1.example.com", "ns1.example.com", None),
        ("name", mon1_s, "mon1.prod.example.com", "monitoring"),
        ("network", f"{mon1_s} 52:54:00:00:00:05", "bridge br-prod", "bridge br-old"),
        ("retired-domain", "web0.prod.example.com (domain web0.prod.example.com)",
         "no domain (retired)", "running"),
        ("unknown-domain", "stranger", None,
         "uuid 11111111-2222-3333-4444-555555555555, running"),
        ("vcpus", db1_s, "4", "8"),
        ("wrong-parent", "web2.prod.example.com (domain www2)", "hv2.example.com",
         "hv1.example.com"),
    ]
    assert all(f["where"] == uri for f in json.loads(r.out))
    assert r.err.strip() == f"libvirt {uri}: 10 differences from the inventory"
    assert (sorted(p.read_bytes() for p in root.rglob("*.yaml")),
            git(root, "rev-parse", "HEAD")) == snap
    assert git(root, "status", "--porcelain") == ""
    # the table names the same
    r = invoke("-C", root, "audit", "libvirt", "--connect", uri, "--parent", "hv1.example.com")
    assert r.code == 1 and len(r.out.splitlines()) == 11
    assert r.out.splitlines()[1].split()[:2] == ["disks", "db1.prod.example.com"]


def test_exactly_the_rendered_domains_agree(lab, tmp_path):
    root, rendered = lab
    inv = load.load_inventory(load.DirSource(root))
    mine = [h for h in inv.active_hosts() if h.parent == "hv2.example.com"]
    uri = node(tmp_path, {h.short: (rendered / f"{h.name}.xml").read_text() for h in mine})
    r, found = run(root, uri, "--parent", "hv2")
    assert (r.code, found) == (0, []), r
    assert r.out.strip() == "[]" and "agrees with the inventory" in r.err
    # without --parent (the URI names no host) domains are still matched, nothing is missing
    r, found = run(root, uri)
    assert (r.code, found) == (0, [])
    assert "missing ones are not looked for" in r.err
    # at another parent every one is recorded elsewhere, and hv1's VMs are missing
    r, found = run(root, uri, "--parent", "hv1")
    assert {k for k, *_ in found} == {"wrong-parent", "missing-domain"}
    assert sum(1 for k, *_ in found if k == "wrong-parent") == len(mine)


def test_a_customer_branch_by_ref(lab, tmp_path):
    root, rendered = lab
    uri = node(tmp_path, {"web1": (rendered / "web1.prod.example.com.xml").read_text()})
    git(root, "checkout", "-q", "-b", "customer-a")
    r = invoke("-C", root, "host", "rm", "web1.prod.example.com")
    assert r.code == 0, r
    git(root, "checkout", "-q", "-")
    r, found = run(root, uri)
    assert found == []
    r = invoke("-C", root, "--ref", "customer-a", "audit", "libvirt", "--connect", uri,
               "--format", "json")
    assert r.code == 1
    assert [(f["kind"], f["subject"]) for f in json.loads(r.out)] == [
        ("unknown-domain", "web1.prod.example.com")]


def test_libvirts_default_test_host_has_a_stranger(lab):
    root, _rendered = lab
    r, found = run(root, "test:///default")
    assert r.code == 1
    assert found == [("unknown-domain", "test", None,
                      "uuid 6695eb01-f6a4-8304-79aa-97f2502e193f, running")]


def test_an_unreachable_host_or_a_bad_parent_is_one_line(lab, tmp_path):
    root, _rendered = lab
    r = invoke("-C", root, "audit", "libvirt", "--connect", f"test://{tmp_path}/none.xml")
    assert r.code == 1 and r.out == ""
    assert r.err.startswith(f"cinv: libvirt test://{tmp_path}/none.xml: failed to connect to "
                            "the hypervisor")
    assert len(r.err.splitlines()) == 1
    r = invoke("-C", root, "audit", "libvirt", "--connect", "test:///default", "--parent",
               "nosuch")
    assert (r.code, r.err) == (1, "cinv: no host 'nosuch' in the inventory\n")
    assert invoke("-C", root, "audit", "libvirt").code == 2


def test_a_hanging_virsh_is_killed_at_the_timeout(lab, tmp_path, monkeypatch):
    root, _rendered = lab
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "virsh.pid"
    fake = bin_dir / "virsh"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    r = invoke("-C", root, "audit", "libvirt", "--connect", "qemu+ssh://hv1.example.com/system",
               "--timeout", "0.5")
    assert time.monotonic() - start < 10
    assert (r.code, r.err) == (1, "cinv: libvirt qemu+ssh://hv1.example.com/system: no answer "
                                  "within 0.5 s (--timeout)\n")
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_domain_identity_is_the_one_render_writes(lab):
    root, _rendered = lab
    inv = load.load_inventory(load.DirSource(root))
    view = View(inv)
    for host in view.virtual_hosts:
        assert audit.domain_identity(inv.hosts[host["name"]]) == (host["uuid"],
                                                                  host["domain_name"])
    assert audit.domain_identity(inv.hosts["web2.prod.example.com"]) == (WEB2_UUID, "www2")


def test_the_parent_may_come_from_the_uri():
    inv = load.load_inventory(load.DirSource(EXAMPLE))
    assert audit._parent_of_uri("qemu+ssh://root@hv1.example.com/system", inv) == \
        "hv1.example.com"
    assert audit._parent_of_uri("qemu+ssh://hv2/system", inv) == "hv2.example.com"
    assert audit._parent_of_uri("qemu:///system", inv) is None
    assert audit._parent_of_uri("qemu+tcp://10.0.0.9/system", inv) is None
    assert isinstance(inv, Inventory)
