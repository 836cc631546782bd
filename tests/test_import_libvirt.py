"""cinv import libvirt: domain XML (as virsh dumpxml writes it) to virtual hosts."""
from __future__ import annotations

import subprocess
from pathlib import Path

DATA = Path(__file__).parent / "data" / "import" / "libvirt"


def test_a_realistic_domain_becomes_a_virtual_host_on_its_bridges_network(inventory):
    inventory.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
                 "--mac", "0c:c4:7a:10:00:01")
    commits = inventory.commit_count()
    r = inventory.ok("import", "libvirt", DATA / "app1.xml", "--parent", "hv1")
    assert inventory.commit_count() == commits + 1
    assert inventory.subjects()[0] == f"Import {DATA / 'app1.xml'}: 1 host created"
    assert "create host app1.prod.example.com: eth0 52:54:00:c0:ff:ee on prod" in r.out
    rec = inventory.read("hosts/app1.prod.example.com.yaml")
    for line in ("kind: virtual", "description: Billing application server",
                 "parent: hv1.example.com", "  cpus: 4", "  memory: 8GiB",
                 "mac: '52:54:00:c0:ff:ee'"):
        assert line in rec
    assert "disks" not in rec  # a domain XML gives no disk size
    shown = str(DATA / "app1.xml")
    for line in (f"{shown}: disk vda (/var/lib/libvirt/images/app1.qcow2): the domain XML "
                 "gives no size",
                 f"{shown}: disk sda (no source): a cdrom, not a disk",
                 f"{shown}: interface 1 (network 52:54:00:c0:ff:ef): no network is named "
                 "'default'",
                 f"{shown}: devices console, controller, graphics, memballoon, serial: "
                 "hypervisor settings",
                 f"{shown}: uuid 0b3f8a56-51e4-4c4e-9f1a-0d9b3f1c2a11: cinv derives"):
        assert line in r.out
    assert inventory.problems() == []
    snap = inventory.snapshot()
    r = inventory.ok("import", "libvirt", DATA / "app1.xml", "--parent", "hv1")
    assert "Nothing to change." in r.out and inventory.snapshot() == snap


def test_a_host_known_by_mac_is_updated_to_virtual_with_its_sizes(inventory):
    inventory.ok("host", "add", "billing", "--kind", "physical", "--network", "prod",
                 "--mac", "52:54:00:c0:ff:ee")
    r = inventory.ok("import", "libvirt", DATA / "app1.xml")
    assert ("update host billing.prod.example.com: matched by MAC (named app1.prod.example.com "
            "in the source); description = Billing application server, hardware.cpus = 4, "
            "hardware.memory = 8GiB, kind physical -> virtual") in r.out
    assert not inventory.host_file("app1.prod.example.com").exists()


def test_libvirts_own_test_domain_imports_cleanly(inventory, tmp_path):
    from checkers import require
    virsh = require("virsh")
    xml = subprocess.run([virsh, "-c", "test:///default", "dumpxml", "test"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    (tmp_path / "test.xml").write_text(xml)
    inventory.ok("net", "add", "default", "--ipv4", "192.168.122.0/24", "--bridge", "virbr0")
    r = inventory.ok("import", "libvirt", tmp_path / "test.xml")
    assert "create host test.example.com: eth0 aa:bb:cc:dd:ee:ff on default" in r.out
    rec = inventory.read("hosts/test.example.com.yaml")
    assert "kind: virtual" in rec and "  cpus: 2" in rec and "  memory: 8GiB" in rec
    assert "disk vda (/guest/diskimage1): the domain XML gives no size" in r.out
    assert inventory.problems() == []
    assert (DATA / "test-default.xml").read_text() == xml  # the stored sample is virsh's own


def test_capacity_gives_a_disk_size(inventory, tmp_path):
    text = (DATA / "test-default.xml").read_text().replace(
        "<target dev='vda' bus='virtio'/>",
        "<target dev='vda' bus='virtio'/><capacity unit='GiB'>20</capacity>")
    (tmp_path / "t.xml").write_text(text)
    inventory.ok("import", "libvirt", tmp_path / "t.xml")
    assert "  disks:\n  - name: vda\n    size: 20GiB\n" in \
        inventory.read("hosts/test.example.com.yaml")


def test_entity_declarations_are_refused_and_nothing_is_written(inventory, tmp_path):
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<domain><name>&b;</name></domain>\n')
    (tmp_path / "bomb.xml").write_text(bomb)
    snap = inventory.snapshot()
    r = inventory.run("import", "libvirt", tmp_path / "bomb.xml")
    assert r.code == 1
    assert "DOCTYPE or ENTITY declarations are not accepted" in r.err
    assert inventory.snapshot() == snap


def test_not_a_domain_or_broken_xml_is_one_clear_line(inventory, tmp_path):
    (tmp_path / "net.xml").write_text("<network><name>x</name></network>")
    (tmp_path / "broken.xml").write_text("<domain><name>x</name>\n<vcpu>2</domain>")
    r = inventory.run("import", "libvirt", tmp_path / "net.xml")
    assert r.code == 1 and "the root element is <network>, not <domain>" in r.err
    r = inventory.run("import", "libvirt", tmp_path / "broken.xml")
    assert r.code == 1 and "broken.xml:2: not well-formed XML" in r.err
    assert "Traceback" not in r.err
