"""libvirt domain XML (`virsh dumpxml`, or a hand-written file): a virtual host that renders
back as the same machine.

The host gets what cinv models in its own fields (vcpus, memory, description, interfaces on
the network whose bridge or name the NIC names, with their MACs); the record's `libvirt:` block
keeps the domain's name (the FQDN is a separate thing), uuid, type, <os> (machine, loader,
nvram, boot order ...), currentMemory, emulator, disks (path, format, bus, target; a domain XML
has no sizes), each NIC's source and model, and every other element verbatim (features, cpu,
clock, graphics, video, controllers, passthrough ...), which render re-emits. An element cinv
may not keep (a namespaced extension such as `qemu:commandline`, an emulator outside the system
folders) is listed with its line, as is runtime state (`id`, a disk source's `index`), and so is
what would reach the hypervisor past the operator's allowance (cinv/check/hostreach.py: a <script>
or <bootloader>, a host path outside libvirt.image_dir, a <seclabel> lifting confinement, a host
device, a secret).

The XML is untrusted: DOCTYPE and ENTITY declarations are refused before parsing (no entity
expansion, no external entities), and the file is bounded like every import.
"""
from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from cinv import names
from cinv.check import hostreach
from cinv.errors import CinvError
from cinv.importers import Findings, FoundHost, FoundIface, domains, host_name, read_text
from cinv.records import libvirtdom, values
from cinv.records.model import Inventory

# libvirt's scaled integers (docs: formatdomain.html#memory-allocation)
_UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "k": 1 << 10, "kib": 1 << 10, "mb": 10**6,
          "m": 1 << 20, "mib": 1 << 20, "gb": 10**9, "g": 1 << 30, "gib": 1 << 30,
          "tb": 10**12, "t": 1 << 40, "tib": 1 << 40}
_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SLUG = re.compile(r"[^a-z0-9.-]+")


# --- parsing with line numbers ------------------------------------------------------------

class Tree:
    """A parsed document: the root element, and the line and prefixed name of each element."""

    def __init__(self, root: ET.Element, lines: dict, qnames: dict):
        self.root, self._lines, self._qnames = root, lines, qnames

    def line(self, elem: ET.Element) -> int:
        return self._lines.get(id(elem), 0)

    def qname(self, elem: ET.Element) -> str:
        return self._qnames.get(id(elem), elem.tag)


def parse_xml(text: str, shown: str) -> Tree:
    if _DECL.search(text.encode()):
        raise CinvError(f"{shown}: DOCTYPE or ENTITY declarations are not accepted in a domain "
                        "XML; refusing")
    parser = expat.ParserCreate(namespace_separator="}")
    parser.namespace_prefixes = True
    stack: list[ET.Element] = []
    lines: dict[int, int] = {}
    qnames: dict[int, str] = {}
    top: list[ET.Element] = []

    def name_of(raw: str) -> tuple[str, str]:
        parts = raw.split("}")
        if len(parts) == 1:
            return raw, raw
        uri, local = parts[0], parts[1]
        prefix = parts[2] if len(parts) > 2 else ""
        return f"{{{uri}}}{local}", f"{prefix}:{local}" if prefix else local

    def start(raw, attrs):
        tag, qname = name_of(raw)
        elem = ET.Element(tag, {name_of(k)[0]: v for k, v in attrs.items()})
        lines[id(elem)] = parser.CurrentLineNumber
        qnames[id(elem)] = qname
        if stack:
            stack[-1].append(elem)
        else:
            top.append(elem)
        stack.append(elem)

    def end(_name):
        stack.pop()

    def data(text):
        if not stack:
            return
        parent = stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text, True)
    except expat.ExpatError as e:
        raise CinvError(f"{shown}:{e.lineno}: not well-formed XML ({expat.errors.messages[e.code]})"
                        ) from None
    return Tree(top[0], lines, qnames)


def scaled(elem: ET.Element, default_unit: str, where: str) -> int:
    unit = (elem.get("unit") or default_unit).lower()
    text = (elem.text or "").strip()
    if unit not in _UNITS or not text.isdigit() or len(text) > 20:
        raise ValueError(f"{where}: <{elem.tag}> {text!r} {unit!r} is not a size")
    return int(text) * _UNITS[unit]


# --- the domain ---------------------------------------------------------------------------

def read(paths: list[tuple[Path, str]], inv: Inventory, parent: str | None) -> Findings:
    found = Findings(source=", ".join(shown for _, shown in paths))
    first: dict[str, FoundHost] = {}  # host name and uuid -> the domain that gave it
    for path, shown in paths:
        host = _Domain(parse_xml(read_text(path, shown), shown), shown, inv, found).host()
        if host is None:
            continue
        uuid = host.libvirt.get("uuid")
        earlier = first.get(host.name) or (first.get(uuid) if uuid else None)
        if earlier is not None:  # one host is one domain: the first one given is imported
            same = "name" if earlier.name == host.name else f"uuid {uuid}"
            found.skip(host.where, f"domain {host.libvirt['name']!r}", f"the domain of "
                       f"{earlier.where} has the same {same} (host {earlier.name}); one host "
                       "is one domain, so this one is not imported")
            continue
        first[host.name] = host
        if uuid:
            first[uuid] = host
        host.parent = parent
        found.hosts.append(host)
    return found


# a relative file name (not a template's placeholder such as @DISK@ or ${DISK}, refused)
_RELATIVE = re.compile(r"^(?:\./|\.\./)*[A-Za-z0-9_+-][A-Za-z0-9._+/-]*\Z")


class _Domain:
    def __init__(self, tree: Tree, shown: str, inv: Inventory, found: Findings):
        self.tree, self.shown, self.inv, self.found = tree, shown, inv, found
        self.lv: dict = {}
        self.reach = hostreach.Reach(inv.settings.image_dir)

    def why_not(self, elem: ET.Element, place: str) -> str | None:
        """Why an element may not be kept at place: libvirtdom's rule, then what it reaches
        on the hypervisor (cinv/check/hostreach.py)."""
        return libvirtdom.why_not_kept(elem, place) or self.reach.element(elem)

    def at(self, elem: ET.Element) -> str:
        return f"{self.shown}:{self.tree.line(elem)}"

    def skip(self, elem: ET.Element, what: str, why: str) -> None:
        self.found.skip(self.at(elem), what, why)

    def keep(self, elem: ET.Element, place: str, into: list) -> bool:
        """Keep an element verbatim at `place`, or list it (with the reason) and return False."""
        why = self.why_not(elem, place)
        if why:
            self.skip(elem, f"<{self.tree.qname(elem)}>", f"not kept: {why}")
            return False
        into.append(libvirtdom.serialize(elem))
        return True

    def host(self) -> FoundHost | None:
        root = self.tree.root
        if root.tag != "domain":
            raise CinvError(f"{self.shown}: the root element is <{root.tag}>, not <domain>")
        host = FoundHost(name="", where=self.at(root), kind="virtual")
        for key, value in root.attrib.items():
            if key == "type" and libvirtdom.DOMAIN_TYPES.match(value):
                self.lv["type"] = value
            else:
                self.skip(root, f"domain {key}='{value}'", "runtime state or an attribute "
                          "cinv does not keep" if key == "id" else "not a domain type cinv "
                          "keeps" if key == "type" else "an attribute cinv does not keep")
        kept: list[str] = []
        raw_name = ""
        for elem in root:
            tag = elem.tag
            if tag == "name":
                raw_name = (elem.text or "").strip()
            elif tag == "uuid":
                self._uuid(elem)
            elif tag == "memory":
                host.memory = self._size(elem, "memory")
            elif tag == "currentMemory":
                self.lv["current_memory"] = self._size(elem, "currentMemory")
            elif tag == "vcpu":
                host.cpus = self._vcpu(elem)
            elif tag == "description" and self._one_line(elem):
                host.description = (elem.text or "").strip()
            elif tag == "os":
                self._os(elem)
            elif tag == "devices":
                host.interfaces = self._devices(elem)
                host.disks = self._disk_sizes(elem)
            else:
                self.keep(elem, "domain", kept)
        if kept:
            self.lv["xml"] = kept
        if self.lv.get("current_memory") is not None and self.lv["current_memory"] == host.memory:
            del self.lv["current_memory"]
        if "current_memory" in self.lv:
            self.lv["current_memory"] = values.format_size(self.lv["current_memory"])
        return self._named(host, raw_name, root)

    def _named(self, host: FoundHost, raw: str, root: ET.Element) -> FoundHost | None:
        try:
            self.lv["name"] = libvirtdom.domain_name(raw)
        except ValueError as e:
            self.skip(root, f"domain name {raw!r}", f"{e}; the domain is not imported")
            return None
        first = host.interfaces[0].network if host.interfaces else None
        slug = raw.lower()
        if not any(slug.endswith("." + d) for d in domains(self.inv)):
            slug = slug.replace(".", "-")  # ubuntu18.04: a name, not an FQDN
        slug = re.sub(r"-{2,}", "-", _SLUG.sub("-", slug.replace("_", "-"))).strip("-.")
        fqdn, why = host_name(slug or "domain", self.inv.domain_of(first))
        if fqdn is None:
            self.skip(root, f"domain {raw!r}", why)
            return None
        host.name = fqdn
        host.libvirt = {k: self.lv[k] for k in libvirtdom.LIBVIRT_KEYS if k in self.lv}
        return host

    def _uuid(self, elem):
        try:
            self.lv["uuid"] = libvirtdom.domain_uuid((elem.text or "").strip())
        except ValueError as e:
            self.skip(elem, "uuid", str(e))

    def _size(self, elem, what: str) -> int | None:
        try:
            size = scaled(elem, "KiB", self.shown)
        except ValueError as e:
            self.skip(elem, what, str(e))
            return None
        others = {k: v for k, v in elem.attrib.items() if k != "unit"}
        if others:
            self.skip(elem, f"<{what}> {others}", "attributes cinv does not keep")
        return size

    def _vcpu(self, elem) -> int | None:
        text = (elem.text or "").strip()
        others = {k: v for k, v in elem.attrib.items() if (k, v) != ("placement", "static")}
        if others:
            self.skip(elem, f"<vcpu> {others}", "cinv writes placement='static' and the count "
                      "only")
        if text.isdigit() and 1 <= int(text) <= 4096:
            return int(text)
        self.skip(elem, f"vcpu {text!r}", "not a number of cpus from 1 to 4096")
        return None

    def _one_line(self, elem) -> bool:
        text = (elem.text or "").strip()
        return bool(text) and len(text) <= 1000 and "\n" not in text and not len(elem) \
            and not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", text)

    # --- <os> ---------------------------------------------------------------------------

    def _os(self, elem):
        os_: dict = {}
        for key, value in elem.attrib.items():
            if key == "firmware" and value in ("efi", "bios"):
                os_["firmware"] = value
            else:
                self.skip(elem, f"<os {key}='{value}'>", "an attribute cinv does not keep")
        kept: list[str] = []
        for child in elem:
            tag = child.tag
            if tag == "type":
                os_["type"] = (child.text or "hvm").strip()
                for key, value in child.attrib.items():
                    if key in ("arch", "machine"):
                        os_[key] = value
                    else:
                        self.skip(child, f"<type {key}='{value}'>", "an attribute cinv does "
                                  "not keep")
            elif tag in ("loader", "nvram") and not len(child):
                attrs = dict(child.attrib)
                if (child.text or "").strip():
                    attrs["path"] = child.text.strip()
                why = self.reach.element(child)
                if why:
                    self.skip(child, f"<{tag}>", f"not kept: {why}")
                else:
                    os_[tag] = attrs
            elif tag == "boot" and set(child.attrib) == {"dev"}:
                os_.setdefault("boot", []).append(child.get("dev"))
            else:
                self.keep(child, "os", kept)
        if kept:
            os_["xml"] = kept
        self.lv["os"] = os_

    # --- <devices> ----------------------------------------------------------------------

    def _devices(self, devices) -> list[FoundIface]:
        kept: list[str] = []
        disks: list[dict] = []
        ifaces: list[FoundIface] = []
        # Kept elements are written after the disks and interfaces cinv models: once a disk
        # (or an interface) is kept as is, those after it are kept too, so that every disk and
        # every NIC keeps its place (the guest's vda/vdb, eth0/eth1 and boot order follow it).
        disk_kept = nic_kept = False
        for elem in devices:
            tag = elem.tag
            if tag == "emulator":
                self._emulator(elem)
            elif tag == "disk":
                disk = self._disk(elem) if not disk_kept else None
                if disk is not None:
                    disks.append(disk)
                else:
                    disk_kept = True
                    self.keep(elem, "devices", kept)
            elif tag == "interface":
                iface, why = self._interface(elem) if not nic_kept else \
                    (None, "an interface before it is kept as is, and NICs keep their order")
                if iface is not None:
                    ifaces.append(iface)
                    continue
                nic_kept = True
                if self.keep(elem, "devices", kept):
                    mac = elem.find("mac")
                    self.found.notes.append(
                        f"{self.at(elem)}: interface ({elem.get('type')}"
                        f"{', ' + mac.get('address', '') if mac is not None else ''}) kept as is "
                        f"in the domain, not as an inventory interface ({why}), so its MAC is "
                        "not checked against the inventory")
            else:
                self.keep(elem, "devices", kept)
        self.lv["disks"] = disks
        if kept:
            self.lv["devices"] = kept
        return ifaces

    def _emulator(self, elem):
        path = (elem.text or "").strip()
        try:
            self.lv["emulator"] = libvirtdom.emulator(path)
        except ValueError as e:
            self.skip(elem, f"emulator {path}", f"{e}; libvirt picks its default")

    def _disk(self, elem) -> dict | None:
        """A disk cinv can model, as stored; None: keep the element verbatim instead."""
        kind, device = elem.get("type", "file"), elem.get("device", "disk")
        if set(elem.attrib) - {"type", "device"} or kind not in libvirtdom.DISK_TYPES \
                or device not in libvirtdom.DISK_DEVICES:
            return None
        disk: dict = {"device": device, "type": kind}
        xml: list[str] = []
        for child in elem:
            tag = child.tag
            if tag == "driver":
                if len(child) or child.get("name") != "qemu":
                    return None  # another backend, or none named (cinv writes name='qemu')
                if child.get("type"):
                    disk["format"] = child.get("type")
                extra = {k: v for k, v in child.attrib.items() if k not in ("name", "type")}
                if extra or "type" in child.attrib:
                    if extra:
                        disk["driver"] = extra
                else:  # a bare <driver name='qemu'/>: kept, so it is written back
                    disk["driver"] = dict(child.attrib)
            elif tag == "source":
                source = self._disk_source(child, kind)
                if source is False or (source and kind != "volume" and source.startswith("/")
                                       and self.reach.path(source)):
                    return None  # kept as is, or listed with what it reaches
                if source is not None:
                    disk["source"] = source
            elif tag == "target":
                if set(child.attrib) - {"dev", "bus"}:
                    return None
                for key in ("dev", "bus"):
                    if child.get(key):
                        disk["target" if key == "dev" else "bus"] = child.get(key)
            elif tag in ("readonly", "shareable") and not child.attrib and not len(child):
                disk[tag] = True
            elif tag == "capacity":
                continue  # cinv's own hint of a disk's size (hardware.disks), not libvirt's
            elif self.why_not(child, "disk") is None:
                xml.append(libvirtdom.serialize(child))
            else:
                return None
        if xml:
            disk["xml"] = xml
        return disk

    def _disk_source(self, elem, kind: str):
        """The source as stored (a path, or pool/volume); None for none; False: not modelled."""
        attrs = dict(elem.attrib)
        if "index" in attrs:
            self.skip(elem, f"disk source index='{attrs.pop('index')}'", "runtime state, not "
                      "configuration")
        if len(elem):
            return False
        if kind == "volume":
            if set(attrs) != {"pool", "volume"}:
                return False
            return f"{attrs['pool']}/{attrs['volume']}"
        key = {"file": "file", "block": "dev", "dir": "dir"}[kind]
        if set(attrs) - {key}:
            return False
        source = attrs.get(key)
        if source is not None and _RELATIVE.match(source):
            return self._relative(elem, source)
        return source

    def _relative(self, elem, source: str) -> str:
        """A relative source path (`./RDPWindows.qcow2`, kept beside a domain XML to be
        edited before use): libvirt's schema takes absolute paths only, so it is placed in
        libvirt.image_dir (cinv.yaml), said as a warning at its line."""
        image_dir = self.inv.settings.image_dir.rstrip("/") or "/"
        path = posixpath.normpath(posixpath.join(image_dir, source))
        self.found.notes.append(
            f"{self.at(elem)}: warning: disk source {source!r} is a relative path (libvirt "
            f"wants an absolute one); imported as {path} (in libvirt.image_dir); if the "
            "image lies elsewhere, correct libvirt.disks in the record")
        return path

    def _interface(self, elem) -> tuple[FoundIface | None, str]:
        """An interface on a cinv network with its NIC details, or (None, why it is not one)."""
        kind = elem.get("type", "")
        if kind not in libvirtdom.NIC_TYPES:
            return None, f"type {kind!r}: cinv maps bridge and network interfaces"
        source = elem.find("source")
        if set(elem.attrib) != {"type"} or source is None or set(source.attrib) != {kind} \
                or len(source):
            return None, "its attributes or source hold more than cinv models"
        name = source.get(kind)
        by_bridge = {n.bridge: n for n in self.inv.networks.values() if n.bridge}
        net = by_bridge.get(name) if kind == "bridge" else \
            (self.inv.networks.get(name) or by_bridge.get(name))
        mac_elem = elem.find("mac")
        mac_text = mac_elem.get("address") if mac_elem is not None else None
        if net is None:
            return None, (f"no network has bridge {name!r}: cinv net add ... --bridge {name}"
                          if kind == "bridge" else f"no network is named {name!r} or has it as "
                          "its bridge")
        iface = FoundIface(where=self.at(elem), network=net.name)
        if mac_text:
            try:
                iface.mac = values.mac_to_int(values.normalise_mac(mac_text))
            except ValueError as e:
                return None, str(e)
        nic: dict = {"type": kind, "source": name}
        xml: list[str] = []
        for child in elem:
            if child.tag in ("source", "mac"):
                continue
            if child.tag == "model" and set(child.attrib) == {"type"} and not len(child):
                nic["model"] = child.get("type")
            elif self.why_not(child, "interface") is None:
                xml.append(libvirtdom.serialize(child))
            else:
                return None, f"<{child.tag}> is more than cinv models"
        if xml:
            nic["xml"] = xml
        iface.libvirt = nic
        return iface, ""

    def _disk_sizes(self, devices) -> list | None:
        """hardware.disks from cinv's own <capacity> hints; a domain XML has no sizes."""
        out = []
        for disk in devices.findall("disk"):
            capacity = disk.find("capacity")
            if capacity is None or disk.get("device", "disk") != "disk":
                continue
            try:
                size = scaled(capacity, "bytes", self.shown)
            except ValueError as e:
                self.skip(capacity, "disk capacity", str(e))
                continue
            target = disk.find("target")
            dev = target.get("dev") if target is not None else None
            try:
                name = names.check_ifname(dev) if dev else None
            except ValueError:
                name = None
            out.append((name, size))
        return out or None
