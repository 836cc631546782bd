"""cinv import libvirt: domain XML to virtual hosts that render back as the same machine.

The corpus test takes real domains from public repositories (tests/corpus/libvirt, sources in
tests/corpus/SOURCES.md): each is imported into a fresh inventory, rendered, validated, and
defined in libvirt's test driver after the source itself; the rendered file must update that
domain (same name and uuid: still one domain) and `virsh dumpxml` must print the same machine
for both, element by element.
"""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from checkers import require, run

DATA = Path(__file__).parent / "data" / "import" / "libvirt"
# The operator's allowance for domains they trust whole (cinv/check/hostreach.py): host paths
# outside
# libvirt.image_dir, scripts, security labels, host devices and secrets. Without it each such
# element is listed, not kept (tests/test_security3.py::test_4_...).
TRUSTED = ("CINV_LIBVIRT_ALLOW", "/ programs seclabel hostdev secrets")
CORPUS = Path(__file__).parent / "corpus" / "libvirt"
MARK = re.compile(r"@@(\w+)@@")


def virsh(*commands: str) -> dict[str, str]:
    """Run commands in one test-driver connection; the output of each by its label."""
    tool = require("virsh")
    script = "; ".join(f"echo @@{label}@@; {command}" for label, command in commands)
    proc = subprocess.run([tool, "-q", "-c", "test:///default", script], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "error" not in proc.stderr.lower(), proc.stdout + proc.stderr
    parts = MARK.split(proc.stdout)
    return {label: text.strip() for label, text in zip(parts[1::2], parts[2::2])}


def elements(xml: str) -> list[str]:
    """The top-level elements of a domain as canonical one-line strings."""
    root = ET.fromstring(xml)
    return [re.sub(r">\s+<", "><", ET.tostring(child, encoding="unicode").strip())
            for child in root]


def same_machine(source: Path, rendered: Path) -> tuple[list[str], list[str], list[str]]:
    """dumpxml of the source, then of the rendered file defined over it; and the domain list.
    A source without a uuid gets a random one from libvirt, which cinv cannot know: that one
    is undefined first."""
    name = ET.parse(rendered).getroot().findtext("name")
    renew = ET.parse(source).getroot().find("uuid") is None
    out = virsh(("a", f"define --validate {source}"), ("src", f"dumpxml {name}"),
                *([("u", f"undefine {name}")] if renew else []),
                ("b", f"define --validate {rendered}"), ("ren", f"dumpxml {name}"),
                ("list", "list --all --name"))
    return elements(out["src"]), elements(out["ren"]), sorted(out["list"].split())


def forget_generated(elements_: list[str], source: Path) -> list[str]:
    """libvirt makes up what a source leaves out: a NIC's MAC, an Open vSwitch port's
    interfaceid. The source defined in the test driver gets random ones, the rendered domain
    cinv's; where the source gives none they are no part of the machine, and not compared."""
    nics = ET.parse(source).getroot().findall("devices/interface")
    out = []
    for text in elements_:
        if not text.startswith("<devices"):
            out.append(text)
            continue
        devices = ET.fromstring(text)
        for nic, src in zip(devices.findall("interface"), nics):
            if src.find("mac") is None and nic.find("mac") is not None:
                nic.remove(nic.find("mac"))
            params = nic.find("virtualport/parameters")
            if src.find("virtualport/parameters") is None and params is not None:
                params.attrib.pop("interfaceid", None)
        out.append(ET.tostring(devices, encoding="unicode"))
    return out


def import_and_render(inventory, *files: Path) -> Path:
    for net in (("default", "192.168.122.0/24", None), ("lan", "10.0.0.0/24", "br0"),
                ("lab", "10.1.0.0/24", "linhbr")):
        args = ["net", "add", net[0], "--ipv4", net[1]]
        inventory.ok(*args, *(["--bridge", net[2]] if net[2] else []))
    inventory.ok("import", "libvirt", *files)
    out = inventory.root / "out"
    inventory.ok("render", "libvirt", "--out", out)
    return out


# --- the corpus ---------------------------------------------------------------------------

# Corpus files cinv cannot take whole: templates whose placeholders stand where paths or the
# domain's name belong (each test below says what happens to them).
NOT_WHOLE = {"fr33m0nk-aarch64-nix.xml", "xkata-template-name.xml"}
# Domains whose disks name relative paths (libvirt's schema refuses them): imported with each
# path placed in libvirt.image_dir, said at its line (the test below).
RELATIVE = {"fmstrat-winapps-rdpwindows.xml"}


@pytest.mark.parametrize("source", sorted(p for p in CORPUS.glob("*.xml")
                                          if p.name not in NOT_WHOLE | RELATIVE),
                         ids=lambda p: p.stem)
def test_a_corpus_domain_renders_back_as_the_same_machine(empty_inventory, source,
                                                         monkeypatch):
    monkeypatch.setenv(*TRUSTED)
    out = import_and_render(empty_inventory, source)
    assert empty_inventory.problems() == []
    [rendered] = sorted((out / "libvirt").glob("*.xml"))
    run([require("virt-xml-validate"), rendered, "domain"], "virt-xml-validate")
    before, after, names = same_machine(source, rendered)
    assert names == sorted(["test", ET.parse(source).getroot().findtext("name")])
    if ET.parse(source).getroot().find("uuid") is None:  # libvirt made one up for the source
        before = [e for e in before if not e.startswith("<uuid>")]
        after = [e for e in after if not e.startswith("<uuid>")]
    assert forget_generated(after, source) == forget_generated(before, source)
    compared = {e.split(">", 1)[0].split()[0][1:] for e in before}
    assert {"name", "memory", "vcpu", "os", "devices"} <= compared


@pytest.mark.parametrize("name", sorted(RELATIVE))
def test_relative_disk_paths_are_placed_in_the_image_dir_and_said_at_their_lines(
        empty_inventory, tmp_path, name):
    """WinApps keeps its domain beside ./RDPWindows.qcow2 and two ISOs: the domain comes in
    whole, each relative source at its line is a warning naming the absolute path it became,
    and the rendered domain is the source's machine with exactly those paths changed."""
    source = CORPUS / name
    text = source.read_text()
    relative = re.findall(r"<source file='(\.[^']*)'", text)
    assert relative  # the case this test is about
    r = empty_inventory.ok("import", "libvirt", source, "--dry-run")
    lines = {n + 1 for n, line in enumerate(text.splitlines()) if "<source file='./" in line}
    for path, line in zip(relative, sorted(lines)):
        assert (f"note: {source}:{line}: warning: disk source {path!r} is a relative path "
                f"(libvirt wants an absolute one); imported as /var/lib/libvirt/images/"
                f"{path[2:]} (in libvirt.image_dir)") in r.out
    out = import_and_render(empty_inventory, source)
    assert empty_inventory.problems() == []
    [rendered] = sorted((out / "libvirt").glob("*.xml"))
    run([require("virt-xml-validate"), rendered, "domain"], "virt-xml-validate")
    placed = tmp_path / name  # the source with the relative paths as the import placed them
    placed.write_text(text.replace("file='./", "file='/var/lib/libvirt/images/"))
    before, after, _names = same_machine(placed, rendered)
    assert forget_generated(after, placed) == forget_generated(before, placed)


def test_a_template_with_placeholder_paths_is_refused_naming_each(empty_inventory,
                                                                  monkeypatch):
    """fr33m0nk/libvirt-nix keeps its aarch64 domain as a template: @LOADER@, @NVRAM@ and
    @DISK@ stand where absolute paths belong. Nothing is written; each field is named."""
    monkeypatch.chdir(CORPUS)
    snap = empty_inventory.snapshot()
    for extra in ((), ("--dry-run",)):
        r = empty_inventory.run("import", "libvirt", "fr33m0nk-aarch64-nix.xml", *extra)
        assert r.code == 1 and r.err == "".join(
            f"fr33m0nk-aarch64-nix.xml:28: host lc-nix-libvirt.example.com: libvirt.{field}: "
            f"'@{value}@' is not an absolute path\n"
            for field, value in (("os.loader", "LOADER"), ("os.nvram", "NVRAM"),
                                 ("disks[0].source", "DISK"))), r
    assert empty_inventory.snapshot() == snap


def test_a_domain_named_by_a_placeholder_is_listed_not_imported(empty_inventory, monkeypatch):
    """X-KATA-Unikernel's agent/domain.xml is named `$` (filled in by its program)."""
    monkeypatch.chdir(CORPUS)
    snap = empty_inventory.snapshot()
    r = empty_inventory.ok("import", "libvirt", "xkata-template-name.xml")
    assert "  (nothing found to import)\n" in r.out
    assert "Not mapped (2):\n" in r.out  # its disk on /home/#/.ops/images, then its name
    assert "\n  xkata-template-name.xml:1: domain name '$': '$' is not a libvirt " \
        "domain name (letters, digits, '_', '.', '+', '-'; at most 64); the domain is not " \
        "imported\n" in r.out
    assert empty_inventory.snapshot() == snap


def test_the_corpus_covers_what_real_domains_hold():
    text = "".join(p.read_text() for p in CORPUS.glob("*.xml"))
    for needle in ("machine='pc-q35", "machine='pc-i440fx", "type='pflash'", "<nvram",
                   "interface type='bridge'", "interface type='network'", "device='cdrom'",
                   "graphics type='spice'", "graphics type='vnc'", "<hostdev",
                   "<cpu mode='host-passthrough'", "type='qemu'",
                   # the second corpus
                   "arch='aarch64'", "arch='ppc64'", "<domain type='lxc'>", "<domain type='xen'>",
                   "interface type='direct'", "interface type='vhostuser'", "<tpm model=",
                   "<filesystem type='mount'", "<numatune>", "<seclabel type='dynamic'",
                   "<hugepages/>", "<memoryBacking>", "<redirdev", "<rng model=", "<sound",
                   "<virtualport type='openvswitch'/>", "protocol='rbd'", "<iothreads>",
                   "domain type='kvm' id='", "<metadata>"):
        assert needle in text.replace('"', "'"), needle
    assert len(list(CORPUS.glob("*.xml"))) >= 20


# --- what a record keeps ------------------------------------------------------------------

def test_a_realistic_domain_keeps_its_name_uuid_and_every_element(inventory):
    inventory.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
                 "--mac", "0c:c4:7a:10:00:01")
    commits = inventory.commit_count()
    r = inventory.ok("import", "libvirt", DATA / "app1.xml", "--parent", "hv1")
    assert inventory.commit_count() == commits + 1
    assert inventory.subjects()[0] == f"Import {DATA / 'app1.xml'}: 1 host created"
    assert "create host app1.prod.example.com: eth0 52:54:00:c0:ff:ee on prod" in r.out
    shown = str(DATA / "app1.xml")
    assert f"{shown}:1: domain id='7': runtime state" in r.out
    assert f"{shown}:34: disk source index='2': runtime state, not configuration" in r.out
    assert (f"note: {shown}:54: interface (network, 52:54:00:c0:ff:ef) kept as is in the "
            "domain, not as an inventory interface (no network is named 'default'") in r.out
    host = inventory.load().hosts["app1.prod.example.com"]
    lv = host.libvirt
    assert (host.kind, host.parent, host.description) == \
        ("virtual", "hv1.example.com", "Billing application server")
    assert (host.hardware.cpus, host.hardware.memory, host.hardware.disks) == (4, 8 << 30, [])
    assert (lv.name, lv.uuid, lv.type) == ("app1", "0b3f8a56-51e4-4c4e-9f1a-0d9b3f1c2a11",
                                           "kvm")
    assert (lv.os.arch, lv.os.machine, lv.os.boot) == ("x86_64", "pc-q35-7.2", ["hd"])
    assert [(d.device, d.source, d.format, d.bus, d.target, d.readonly) for d in lv.disks] == [
        ("disk", "/var/lib/libvirt/images/app1.qcow2", "qcow2", "virtio", "vda", False),
        ("cdrom", None, "raw", "sata", "sda", True)]
    assert lv.interfaces["eth0"].to_dict() == {
        "type": "bridge", "source": "br-prod", "model": "virtio",
        "xml": ["<target dev='vnet3'/>", "<alias name='net0'/>"]}
    assert "<cpu mode='host-passthrough' check='none' migratable='on'/>" in lv.xml
    assert "<graphics type='vnc' port='5903' autoport='yes' listen='127.0.0.1'/>" in lv.devices
    assert any(x.startswith("<metadata><libosinfo xmlns='http://libosinfo.org/") for x in lv.xml)
    assert inventory.problems() == []
    snap = inventory.snapshot()
    r = inventory.ok("import", "libvirt", DATA / "app1.xml", "--parent", "hv1")
    assert "Nothing to change." in r.out and inventory.snapshot() == snap


ORDERED = """<domain type='kvm'>
  <name>ordered</name>
  <uuid>5a1e0c5e-8d4b-4f0e-9a57-1c3b2d4e5f60</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <emulator>/usr/libexec/libvirt_lxc</emulator>
    <disk type='network' device='disk'>
      <source protocol='rbd' name='pool/ordered'><host name='ceph1' port='6789'/></source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/ordered-data.qcow2'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver type='raw' cache='none'/>
      <source file='/var/lib/libvirt/images/seed.img'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <interface type='direct'>
      <mac address='52:54:00:0d:00:01'/>
      <source dev='eth0' mode='bridge'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:0d:00:02'/>
      <source bridge='br-prod'/>
    </interface>
  </devices>
</domain>
"""


def test_disks_and_nics_keep_their_order_arch_and_driver_as_written(inventory, tmp_path,
                                                                    monkeypatch):
    """From the second corpus: cloud_platform's rbd disk before a file disk (rendered after
    it, the guest's vda became the CD), fortress-shell's `<driver type=...>` without a name and
    `<type>hvm</type>` without an arch (written back as name='qemu' and x86_64: another machine
    for a driver whose default differs), and a macvtap NIC before a bridge one. Once a disk or
    NIC is kept as is, those after it are kept as is too; nothing is added."""
    monkeypatch.setenv(*TRUSTED)  # its macvtap NIC and rbd secret
    source = tmp_path / "ordered.xml"
    source.write_text(ORDERED)
    r = inventory.ok("import", "libvirt", source)
    assert "create host ordered.example.com: no interfaces" in r.out, r.out
    assert f"note: {source}:27: interface (bridge, 52:54:00:0d:00:02) kept as is in the domain, " \
        "not as an inventory interface (an interface before it is kept as is, and NICs keep " \
        "their order)" in r.out
    lv = inventory.load().hosts["ordered.example.com"].libvirt
    assert (lv.emulator, lv.os.arch, lv.disks) == ("/usr/libexec/libvirt_lxc", None, [])
    out = tmp_path / "out"
    inventory.ok("render", "libvirt", "--out", out)
    rendered = out / "libvirt" / "ordered.example.com.xml"
    text = rendered.read_text()
    assert "<type>hvm</type>" in text and "<driver type='raw' cache='none'/>" in text
    assert [d.find("target").get("dev") for d in ET.parse(rendered).findall("devices/disk")] \
        == ["vda", "vdb", "vdc"]
    assert [i.get("type") for i in ET.parse(rendered).findall("devices/interface")] == \
        ["direct", "bridge"]


def test_two_domains_for_one_host_in_one_import_import_the_first(inventory, tmp_path):
    """Three corpus domains are named win10 (three people's gaming VMs) and libvirt's two Xen
    test domains share name and uuid: given together, the later ones replaced the earlier
    in silence. One host is one domain: the first is imported, each later one listed."""
    a = CORPUS / "justarchi-win10.xml"
    b = CORPUS / "eva4ever-win10.xml"
    r = inventory.ok("import", "libvirt", a, b)
    assert "Summary: 1 host created," in r.out
    assert (f"{b}:8: domain 'win10': the domain of {a}:8 has the same name (host "
            "win10.example.com); one host is one domain, so this one is not imported") in r.out
    assert inventory.load().hosts["win10.example.com"].libvirt.uuid == \
        ET.parse(a).getroot().findtext("uuid")
    c = tmp_path / "copy.xml"  # another name, the same uuid as eva4ever's win10
    c.write_text(b.read_text().replace("<name>win10</name>", "<name>win10-copy</name>"))
    r = inventory.ok("import", "libvirt", b, c, "--dry-run")
    uuid = ET.parse(b).getroot().findtext("uuid")
    assert (f"{c}:8: domain 'win10-copy': the domain of {b}:8 has the same uuid {uuid} (host "
            "win10.example.com); one host is one domain, so this one is not imported") in r.out


def test_the_rendered_domain_updates_the_original_not_a_second_one(inventory, tmp_path):
    inventory.ok("import", "libvirt", DATA / "app1.xml")
    out = tmp_path / "out"
    inventory.ok("render", "libvirt", "--out", out)
    rendered = out / "libvirt" / "app1.prod.example.com.xml"
    assert "<name>app1</name>" in rendered.read_text()  # the domain's name, not the FQDN
    before, after, names = same_machine(DATA / "app1.xml", rendered)
    assert names == ["app1", "test"]
    assert after == before


def test_libvirts_own_test_domain_comes_back_whole(inventory, tmp_path):
    xml = virsh(("x", "dumpxml test"))["x"]
    assert (DATA / "test-default.xml").read_text().strip() == xml  # virsh's own
    inventory.ok("net", "add", "default", "--ipv4", "192.168.122.0/24", "--bridge", "virbr0")
    r = inventory.ok("import", "libvirt", DATA / "test-default.xml")
    assert "create host test.example.com: eth0 aa:bb:cc:dd:ee:ff on default" in r.out
    rec = inventory.read("hosts/test.example.com.yaml")
    assert "kind: virtual" in rec and "  cpus: 2" in rec and "  memory: 8GiB" in rec
    assert "current_memory: 2GiB" in rec and "type: test" in rec
    assert inventory.problems() == []
    inventory.ok("render", "libvirt", "--out", tmp_path / "out")
    rendered = tmp_path / "out" / "libvirt" / "test.example.com.xml"
    out = virsh(("a", "dumpxml test"), ("b", f"define --validate {rendered}"),
                ("c", "dumpxml test"), ("list", "list --all --name"))
    assert out["list"].split() == ["test"]
    assert elements(out["c"]) == elements(out["a"])


def test_capacity_gives_a_disk_size(inventory, tmp_path):
    text = (DATA / "test-default.xml").read_text().replace(
        "<target dev='vda' bus='virtio'/>",
        "<target dev='vda' bus='virtio'/><capacity unit='GiB'>20</capacity>")
    (tmp_path / "t.xml").write_text(text)
    inventory.ok("import", "libvirt", tmp_path / "t.xml")
    assert "  disks:\n  - name: vda\n    size: 20GiB\n" in \
        inventory.read("hosts/test.example.com.yaml")


def test_a_host_known_by_mac_is_updated_to_virtual_with_its_sizes(inventory):
    inventory.ok("host", "add", "billing", "--kind", "physical", "--network", "prod",
                 "--mac", "52:54:00:c0:ff:ee")
    r = inventory.ok("import", "libvirt", DATA / "app1.xml")
    assert ("update host billing.prod.example.com: matched by MAC (named app1.prod.example.com "
            "in the source); description = Billing application server, hardware.cpus = 4, "
            "hardware.memory = 8GiB, kind physical -> virtual, libvirt.devices = [<controller ") \
        in r.out
    assert not inventory.host_file("app1.prod.example.com").exists()
    assert inventory.load().hosts["billing.prod.example.com"].libvirt.name == "app1"


def test_an_extension_outside_metadata_is_listed_with_its_line(inventory):
    r = inventory.ok("import", "libvirt", CORPUS / "justarchi-win10.xml")
    assert (f"{CORPUS / 'justarchi-win10.xml'}:125: <qemu:commandline>: not kept: a namespaced "
            "element") in r.out
    assert "commandline" not in inventory.read("hosts/win10.example.com.yaml")


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


# --- kept XML in a record is validated, not trusted ---------------------------------------

KEPT = "hosts/vm.prod.example.com.yaml"


@pytest.mark.parametrize("block, message", [
    ("xml: [\"<features/></domain><domain>\"]", "is not one well-formed XML element"),
    ("xml: [\"<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'/>\"]",
     "a namespaced element"),
    ("xml: [\"<devices><disk/></devices>\"]", "<devices> is not kept inside <domain>"),
    ("xml: [\"<name>other</name>\"]", "<name> is not kept inside <domain>"),
    ("devices: [\"<emulator>/bin/sh</emulator>\"]", "<emulator> is not kept inside <devices>"),
    ("os: {xml: [\"<type>hvm</type>\"]}", "<type> is not kept inside <os>"),
    ("xml: [\"<!DOCTYPE x><features/>\"]", "holds a DOCTYPE"),
    ("xml: [\"<features><x:y xmlns:x='u'/></features>\"]", "namespaced element"),
    ("emulator: /bin/sh", "is not an emulator cinv keeps"),
    ("emulator: /usr/lib/xen-../bin/qemu-dm", "is not an emulator cinv keeps"),
    ("emulator: /usr/lib/libvirt/../../../bin/libvirt_lxc", "is not an emulator cinv keeps"),
    ("disks: [{source: relative/path}]", "is not an absolute path"),
    ("disks: [{source: /a, driver: {name: tap}}]", "cinv writes qemu disks"),
    ("interfaces: {eth9: {type: bridge, source: br0}}", "the host has no interface 'eth9'"),
    ("name: 'a/b'", "is not a libvirt domain name"),
])
def test_a_record_cannot_inject_xml(inventory, block, message):
    (inventory.root / KEPT).write_text(
        "kind: virtual\ninterfaces:\n  - name: eth0\n    network: prod\n"
        f"libvirt:\n  {block}\n")
    r = inventory.run("check")
    assert r.code == 1 and message in r.out + r.err, r
    assert inventory.run("render", "libvirt", "--out", inventory.root / "o").code == 1


def test_kept_xml_is_stored_and_written_as_cinv_serialises_it(inventory, tmp_path):
    (inventory.root / KEPT).write_text(
        "kind: virtual\nlibvirt:\n  xml:\n"
        "    - \"<title>a &amp; b &lt;c&gt; 'q'</title>\"\n"
        "    - \"<features>\\n  <acpi/>   <apic/>\\n</features>\"\n")
    assert inventory.problems() == []
    lv = inventory.load().hosts["vm.prod.example.com"].libvirt
    assert lv.xml == ["<title>a &amp; b &lt;c&gt; 'q'</title>",
                      "<features><acpi/><apic/></features>"]
    inventory.ok("render", "libvirt", "--out", tmp_path / "o")
    text = (tmp_path / "o" / "libvirt" / "vm.prod.example.com.xml").read_text()
    assert "  <title>a &amp; b &lt;c&gt; 'q'</title>\n" in text
    assert "<on_poweroff>" not in text  # a domain that keeps elements gets no defaults
    run([require("virt-xml-validate"), tmp_path / "o" / "libvirt" / "vm.prod.example.com.xml",
         "domain"], "virt-xml-validate")
