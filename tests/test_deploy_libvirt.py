"""cinv plan / cinv apply against libvirtd (qemu driver) started by the test in namespaces of its
own (deployservers.Libvirtd): define the guests of hv1, redefine one that changed, undefine a
retired one with its disk image kept, and leave a domain the inventory does not hold alone.
No guest is started; the one test that needs a running guest reads libvirt's test driver from
a node file, where the domains it names run.
"""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from conftest import git, invoke
from deployservers import Libvirtd, example_inventory, servers_file

REPO = Path(__file__).resolve().parents[1]
HV1_GUESTS = {"db1.prod.example.com", "mon1.prod.example.com", "ns1.example.com",
              "web1.prod.example.com"}
FOREIGN = """<domain type='kvm'>
  <name>legacy-vm</name>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
"""


@pytest.fixture(scope="module")
def libvirtd(tmp_path_factory):
    daemon = Libvirtd(tmp_path_factory.mktemp("libvirtd"))
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def site(tmp_path, libvirtd):
    """(inventory root, libvirtd, servers file, image dir): hv1's hypervisor holds only a
    domain of its own (legacy-vm) at the start."""
    for name in libvirtd.virsh("list", "--all", "--name").split():
        libvirtd.virsh("undefine", name)
    libvirtd.virsh("define", _write(tmp_path / "legacy.xml", FOREIGN))
    root = example_inventory(tmp_path)
    images = tmp_path / "images"
    images.mkdir()
    settings = root / "cinv.yaml"
    settings.write_text(re.sub(r"image_dir: .*", f"image_dir: {images}", settings.read_text()))
    git(root, "commit", "-q", "-am", "Images in the test's folder")
    for guest in HV1_GUESTS:  # their disk images, which apply never removes
        (images / f"{guest}-0.qcow2").write_bytes(b"QFI\xfb")
    servers = servers_file(tmp_path, libvirt=[("hv1.example.com", libvirtd.uri)])
    return root, libvirtd, servers, images


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def cinv(root: Path, *args):
    return invoke("-C", root, *args)


def domains(daemon: Libvirtd) -> set[str]:
    return set(daemon.virsh("list", "--all", "--name").split())


def info(daemon: Libvirtd, name: str) -> dict:
    return dict(re.findall(r"^([^:\n]+):\s*(.*)$", daemon.virsh("dominfo", name), re.M))


def test_apply_defines_the_guests_and_touches_nothing_else(site):
    root, daemon, servers, _images = site
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2, r
    added = sorted(re.findall(r"^  \+ domain (\S+) ", r.out, re.M))
    assert added == sorted(HV1_GUESTS)
    assert "note: libvirt" in r.out and "1 domain the inventory does not hold: left alone" \
        in r.out
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0, r
    assert "applied: 4 defined, 0 undefined (storage kept)" in r.out
    assert domains(daemon) == HV1_GUESTS | {"legacy-vm"}
    assert daemon.virsh("list", "--name").split() == []  # nothing started
    web1 = info(daemon, "web1.prod.example.com")
    assert web1["Max memory"] == "4194304 KiB" and web1["CPU(s)"] == "2"
    assert web1["UUID"] == str(uuid.uuid5(uuid.NAMESPACE_DNS, "web1.prod.example.com"))
    assert "52:54:00:00:00:01" in daemon.virsh("domiflist", "web1.prod.example.com")
    assert cinv(root, "plan", "--servers", servers).code == 0
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0 and "Nothing to change." in r.out


def test_one_change_redefines_one_guest_and_a_retired_one_goes(site):
    root, daemon, servers, images = site
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    cinv(root, "host", "set", "web1", "hardware.memory=8GiB")
    r = cinv(root, "plan", "--servers", servers, "--format", "json")
    assert r.code == 2
    (step,) = json.loads(r.out)["steps"]
    assert [(c["action"], c["subject"], c["old"], c["new"]) for c in step["changes"]] == [
        ("change", "domain web1.prod.example.com (guest web1.prod.example.com)",
         "memory 4GiB", "memory 8GiB")]
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    assert info(daemon, "web1.prod.example.com")["Max memory"] == "8388608 KiB"
    cinv(root, "host", "state", "mon1", "retired")
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2
    assert "- domain mon1.prod.example.com (guest mon1.prod.example.com, retired) uuid " in r.out
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0 and "1 undefined (storage kept)" in r.out, r
    assert domains(daemon) == HV1_GUESTS - {"mon1.prod.example.com"} | {"legacy-vm"}
    assert (images / "mon1.prod.example.com-0.qcow2").read_bytes() == b"QFI\xfb"
    assert cinv(root, "plan", "--servers", servers).code == 0


def test_a_definition_edited_by_hand_is_put_back(site, tmp_path):
    root, daemon, servers, _images = site
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    xml = daemon.virsh("dumpxml", "--inactive", "db1.prod.example.com")
    edited = re.sub(r"<vcpu placement='static'>\d+</vcpu>", "<vcpu placement='static'>1</vcpu>",
                    xml)
    daemon.virsh("define", _write(tmp_path / "edited.xml", edited))
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2
    assert "~ domain db1.prod.example.com (guest db1.prod.example.com): vcpus 1 -> vcpus 4" \
        in r.out, r.out
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    assert info(daemon, "db1.prod.example.com")["CPU(s)"] == "4"


def test_what_apply_will_not_do_is_listed_and_left(site, tmp_path):
    """A domain with a guest's name but another uuid is not redefined over; a retired guest
    that runs is not undefined (nor stopped)."""
    root, daemon, servers, _images = site
    other = FOREIGN.replace("legacy-vm", "ns1.example.com")
    daemon.virsh("define", _write(tmp_path / "ns1.xml", other))
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 1, r
    assert "! not done: domain ns1.example.com: its uuid is " in r.out
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 1 and "applied: 3 defined" in r.out, r
    assert "524288" in daemon.virsh("dumpxml", "ns1.example.com")  # still the other one
    cinv(root, "host", "state", "mon1", "retired")
    mon1 = str(uuid.uuid5(uuid.NAMESPACE_DNS, "mon1.prod.example.com"))
    node = _write(tmp_path / "node.xml", f"""<node>
  <domain type="test"><name>mon1.prod.example.com</name><uuid>{mon1}</uuid>
    <memory>8388608</memory><vcpu>2</vcpu><os><type>hvm</type></os></domain>
</node>
""")
    running = servers_file(tmp_path / "t", libvirt=[("hv2.example.com", f"test://{node}")])
    r = cinv(root, "plan", "--servers", running)
    assert r.code == 1, r
    assert "! not done: domain mon1.prod.example.com (guest mon1.prod.example.com, retired): " \
        "running; cinv starts and stops no guest" in r.out, r.out
