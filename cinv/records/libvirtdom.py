"""The `libvirt:` block of a host record: parsing and validation, and the rule for the domain XML
cinv keeps verbatim.

cinv models what it renders itself (name, uuid, domain type, <os>, currentMemory, emulator,
disks, NIC source and model); every other element of an imported domain is kept as XML text and
re-emitted. Kept XML is untrusted input like any record field, so each piece must be exactly one
well-formed element (no DOCTYPE, entities or processing instructions) whose tag is allowed where
it is kept (`features` at the top of the domain, `graphics` inside <devices>, ...), with no
namespaced element outside <metadata> (so no `qemu:commandline`), at most 64 KiB and 20 levels
deep. It is stored, and rendered, as cinv serialises the parsed tree, never as typed: a kept
element cannot close its parent or open another.
"""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

from cinv.records import values
from cinv.records.model import Libvirt, LibvirtDisk, LibvirtNic, LibvirtOS

MAX_KEPT = 64 * 1024
MAX_DEPTH = 20
_DECL = re.compile(r"<!|<\?")

# Where kept elements may stand, and which. Elements cinv writes itself are not among them.
ALLOWED = {
    "domain": {
        "title", "description", "metadata", "maxMemory", "memoryBacking", "blkiotune",
        "memtune", "numatune", "vcpus", "cputune", "iothreads", "iothreadids",
        "defaultiothread", "resource", "sysinfo", "idmap", "features", "cpu", "clock",
        "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "pm", "perf", "seclabel",
        "keywrap", "launchSecurity", "genid", "bootloader", "bootloader_args",
        "throttlegroups",
    },
    "devices": {
        "disk", "controller", "lease", "filesystem", "interface", "input", "sound", "hostdev",
        "graphics", "video", "console", "serial", "parallel", "channel", "smartcard",
        "redirdev", "redirfilter", "hub", "watchdog", "memballoon", "rng", "tpm", "panic",
        "shmem", "memory", "iommu", "vsock", "audio", "crypto", "pstore", "nvram",
    },
    "os": {
        "bootmenu", "smbios", "bios", "kernel", "initrd", "cmdline", "dtb", "acpi", "firmware",
        "init", "initarg", "initenv", "initdir", "inituser", "initgroup", "idmap", "shim",
    },
    "disk": {
        "address", "boot", "serial", "wwn", "vendor", "product", "alias", "iotune",
        "encryption", "blockio", "geometry", "transient", "backingStore", "mirror", "auth",
        "reservations", "throttlefilters",
    },
    "interface": {
        "address", "driver", "target", "link", "boot", "rom", "mtu", "vlan", "bandwidth",
        "virtualport", "filterref", "tune", "coalesce", "alias", "ip", "route", "guest",
        "backend", "acpi", "teaming", "port", "portForward",
    },
}

DOMAIN_TYPES = re.compile(r"^[a-z]{2,12}\Z")
_ARCH = re.compile(r"^[a-z0-9_]{1,24}\Z")
_MACHINE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}\Z")
_WORD = re.compile(r"^[A-Za-z0-9_.+-]{1,64}\Z")
_ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}\Z")
_DOMAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}\Z")
# The programs libvirt's drivers run, in their system folders: QEMU/KVM, the LXC driver's
# libvirt_lxc, and the device model Xen's libxl starts for HVM guests.
_EMULATOR = re.compile(r"^(?:/usr(/local)?/(s?bin|libexec)/(qemu-system-[a-z0-9_]+|qemu-kvm|kvm|"
                       r"qemu)|/usr/(libexec|lib|lib64)(/libvirt)?/libvirt_lxc"
                       r"|/usr/(libexec|lib|lib64)/xen(-[0-9]+(\.[0-9]+)*)?/bin/"
                       r"(qemu-system-i386|qemu-dm))\Z")
_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
DISK_DEVICES = ("disk", "cdrom", "floppy", "lun")
DISK_TYPES = ("file", "block", "volume", "dir")
NIC_TYPES = ("bridge", "network")
BOOT_DEVICES = ("hd", "cdrom", "network", "fd")
LOADER_ATTRS = ("readonly", "type", "secure", "stateless", "format")
NVRAM_ATTRS = ("template", "format", "templateFormat")
LIBVIRT_KEYS = ("name", "uuid", "type", "current_memory", "os", "emulator", "disks",
                "interfaces", "xml", "devices")
OS_KEYS = ("type", "arch", "machine", "firmware", "loader", "nvram", "boot", "xml")
DISK_KEYS = ("device", "type", "source", "format", "bus", "target", "readonly", "shareable",
             "driver", "xml")
NIC_KEYS = ("type", "source", "model", "xml")


# --- kept XML -----------------------------------------------------------------------------

def why_not_kept(elem: ET.Element, place: str) -> str | None:
    """Why an element may not be kept at `place` (None: it may)."""
    tag = elem.tag
    if not isinstance(tag, str):
        return "not an element"
    if tag.startswith("{"):
        return ("a namespaced element (a hypervisor command line or another extension) is "
                "kept only inside <metadata>")
    if tag not in ALLOWED[place]:
        return f"<{tag}> is not kept inside <{place}> (cinv writes it, or libvirt has no such " \
            "element there)"
    return _check_tree(elem, tag == "metadata", 1)


def _check_tree(elem: ET.Element, namespaced_ok: bool, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    for key, value in elem.attrib.items():
        if key.startswith("{"):
            return f"namespaced attribute {key} on <{_local(elem.tag)}>"
        if _BAD.search(value):
            return f"a control character in attribute {key}"
    if _BAD.search((elem.text or "").replace("\n", " ").replace("\t", " ")):
        return f"a control character in <{_local(elem.tag)}>"
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        if child.tag.startswith("{") and not namespaced_ok:
            return f"namespaced element {child.tag} inside <{_local(elem.tag)}>"
        why = _check_tree(child, namespaced_ok, depth + 1)
        if why:
            return why
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _esc(text: str, attr: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        text = text.replace("'", "&apos;").replace('"', "&quot;").replace("\n", "&#10;") \
            .replace("\t", "&#9;").replace("\r", "&#13;")
    return text


def serialize(elem: ET.Element, default_ns: str | None = None) -> str:
    """One element as one line of XML: attributes in their order, single-quoted; whitespace
    between elements dropped; comments dropped."""
    tag, ns = elem.tag, None
    if tag.startswith("{"):
        ns, tag = tag[1:].split("}", 1)
    parts = [tag]
    if ns != default_ns:
        parts.append(f"xmlns='{_esc(ns or '', True)}'")
    for key, value in elem.attrib.items():
        parts.append(f"{key}='{_esc(value, True)}'")
    inner = _esc((elem.text or "").strip())
    for child in elem:
        if isinstance(child.tag, str):
            inner += serialize(child, ns)
        inner += _esc((child.tail or "").strip())
    head = " ".join(parts)
    return f"<{head}>{inner}</{tag}>" if inner else f"<{head}/>"


def parse_kept(text, place: str) -> str:
    """A kept element given as text, validated for its place and returned as cinv writes it."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not XML text")
    if len(text) > MAX_KEPT:
        raise ValueError(f"is longer than {MAX_KEPT} characters")
    if _DECL.search(text):
        raise ValueError("holds a DOCTYPE, ENTITY or processing instruction")
    try:
        elem = ET.fromstring(text)
    except ET.ParseError as e:
        raise ValueError(f"is not one well-formed XML element ({e})") from None
    why = why_not_kept(elem, place)
    if why:
        raise ValueError(why)
    return serialize(elem)


# --- the modelled fields --------------------------------------------------------------------

def domain_name(value) -> str:
    """A libvirt domain name: letters, digits, '_', '.', '+', '-' (at most 64)."""
    if not isinstance(value, str) or not _DOMAIN_NAME.match(value):
        raise ValueError(f"{value!r} is not a libvirt domain name (letters, digits, '_', '.', "
                         "'+', '-'; at most 64)")
    return value


def domain_uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID") from None


def path(value) -> str:
    """An absolute path on the hypervisor: one line, at most 1,024 characters."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 1024 \
            or _BAD.search(value):
        raise ValueError(f"{value!r} is not an absolute path")
    return value


def _pattern(regex: re.Pattern, what: str):
    def parse(value) -> str:
        if not isinstance(value, str) or not regex.match(value):
            raise ValueError(f"{value!r} is not {what}")
        return value
    return parse


def _choice(options):
    def parse(value) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return value
    return parse


def emulator(value) -> str:
    """Only a QEMU binary (or libvirt_lxc, or Xen's device model) in a system folder: the
    emulator is what libvirt runs."""
    if not isinstance(value, str) or not _EMULATOR.match(value):
        raise ValueError(f"{value!r} is not an emulator cinv keeps (/usr/bin/qemu-system-ARCH, "
                         "/usr/libexec/qemu-kvm, /usr/libexec/libvirt_lxc, "
                         "/usr/lib/xen/bin/qemu-system-i386, ...)")
    return value


def _attrs(allowed):
    def parse(value) -> dict:
        if not isinstance(value, dict):
            raise ValueError("expected a mapping of attributes")
        out = {}
        for key, item in value.items():
            if key == "path":
                out["path"] = path(item)
            elif key in allowed:
                out[key] = _attr_value(key, item)
            else:
                raise ValueError(f"{key!r} is not one of path, {', '.join(allowed)}")
        return out
    return parse


def _attr_value(key, value) -> str:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if not isinstance(value, str) or len(value) > 256 or _BAD.search(value):
        raise ValueError(f"{key}: {value!r} is not an attribute value")
    return value


def _driver(value) -> dict:
    if not isinstance(value, dict):
        raise ValueError("expected a mapping of <driver> attributes")
    out = {}
    for key, item in value.items():
        if key == "name" and item != "qemu":
            raise ValueError(f"driver name {item!r}: cinv writes qemu disks")
        if not isinstance(key, str) or not _ATTR_NAME.match(key) or key == "type":
            raise ValueError(f"{key!r} is not a <driver> attribute cinv keeps here (its type "
                             "is format)")
        out[key] = _attr_value(key, item)
    return out


def _volume(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[^/\s]{1,255}/[^/\s]{1,255}", value):
        raise ValueError(f"{value!r} is not pool/volume")
    return value


def _lines_of(lines: dict, key: str, seq) -> None:
    """lines[f"{key}[i]"]: the line of each item of a sequence (for cinv/check/hostreach.py)."""
    if hasattr(seq, "line_of"):
        for index in range(len(seq)):
            lines[f"{key}[{index}]"] = seq.line_of(index)


def parse(r, lv, ifnames: list[str], lines: dict | None = None) -> Libvirt:
    """The libvirt block (r: schema.Reader collecting problems). lines: filled with the line
    of each item that names a host path or keeps XML, "libvirt.devices[2]" -> 14."""
    lines = {} if lines is None else lines
    p = "libvirt."
    r.keys(lv, LIBVIRT_KEYS, p)
    out = Libvirt(name=r.field(lv, "name", domain_name, p),
                  uuid=r.field(lv, "uuid", domain_uuid, p),
                  type=r.field(lv, "type", _pattern(DOMAIN_TYPES, "a domain type"), p),
                  current_memory=r.field(lv, "current_memory", values.parse_size, p),
                  emulator=r.field(lv, "emulator", emulator, p))
    os_map = r.mapping(lv.get("os"), f"{p}os", lv.line_of("os"))
    if os_map is not None:
        out.os = _parse_os(r, os_map, f"{p}os.")
        for key in ("loader", "nvram"):
            lines[f"{p}os.{key}.path"] = lines[f"{p}os.{key}.template"] = os_map.line_of(key)
        _lines_of(lines, f"{p}os.xml", os_map.get("xml"))
    if lv.get("disks") is not None:
        out.disks = []
        disks = r.sequence(lv, "disks", f"{p}disks")
        for index, item in enumerate(disks):
            m = r.mapping(item, f"{p}disks[{index}]", disks.line_of(index))
            if m is not None:
                out.disks.append(_parse_disk(r, m, f"{p}disks[{index}]."))
                lines[f"{p}disks[{index}].source"] = m.line_of("source")
                _lines_of(lines, f"{p}disks[{index}].xml", m.get("xml"))
    nics = r.mapping(lv.get("interfaces"), f"{p}interfaces", lv.line_of("interfaces"))
    for ifname, item in (nics or {}).items():
        prefix = f"{p}interfaces.{ifname}."
        if ifname not in ifnames:
            r.error(nics.line_of(ifname), f"{prefix[:-1]}: the host has no interface "
                    f"{ifname!r} (interfaces: {', '.join(ifnames) or 'none'})")
            continue
        m = r.mapping(item, prefix[:-1], nics.line_of(ifname))
        if m is not None:
            r.keys(m, NIC_KEYS, prefix)
            out.interfaces[ifname] = LibvirtNic(
                type=r.field(m, "type", _choice(NIC_TYPES), prefix, required=True,
                             default="bridge"),
                source=r.field(m, "source", _pattern(_WORD, "a bridge or network name"),
                               prefix, required=True, default=""),
                model=r.field(m, "model", _pattern(_WORD, "a NIC model"), prefix),
                xml=r.items(m, "xml", lambda v: parse_kept(v, "interface"), prefix))
            _lines_of(lines, f"{prefix}xml", m.get("xml"))
    out.xml = r.items(lv, "xml", lambda v: parse_kept(v, "domain"), p)
    out.devices = r.items(lv, "devices", lambda v: parse_kept(v, "devices"), p)
    _lines_of(lines, f"{p}xml", lv.get("xml"))
    _lines_of(lines, f"{p}devices", lv.get("devices"))
    return out


def _parse_os(r, m, p: str) -> LibvirtOS:
    r.keys(m, OS_KEYS, p)
    return LibvirtOS(
        type=r.field(m, "type", _pattern(re.compile(r"^[a-z]{1,12}\Z"), "an OS type"), p,
                     default="hvm"),
        arch=r.field(m, "arch", _pattern(_ARCH, "an architecture"), p),
        machine=r.field(m, "machine", _pattern(_MACHINE, "a machine type"), p),
        firmware=r.field(m, "firmware", _choice(("efi", "bios")), p),
        loader=r.field(m, "loader", _attrs(LOADER_ATTRS), p, default={}),
        nvram=r.field(m, "nvram", _attrs(NVRAM_ATTRS), p, default={}),
        boot=r.items(m, "boot", _choice(BOOT_DEVICES), p),
        xml=r.items(m, "xml", lambda v: parse_kept(v, "os"), p))


def _parse_disk(r, m, p: str) -> LibvirtDisk:
    r.keys(m, DISK_KEYS, p)
    disk = LibvirtDisk(
        device=r.field(m, "device", _choice(DISK_DEVICES), p, default="disk"),
        type=r.field(m, "type", _choice(DISK_TYPES), p, default="file"),
        format=r.field(m, "format", _pattern(_WORD, "a disk format"), p),
        bus=r.field(m, "bus", _pattern(re.compile(r"^[a-z0-9]{1,16}\Z"), "a disk bus"), p),
        target=r.field(m, "target", _pattern(re.compile(r"^[a-z0-9]{1,16}\Z"),
                                              "a target device"), p),
        readonly=bool(r.field(m, "readonly", _bool, p, default=False)),
        shareable=bool(r.field(m, "shareable", _bool, p, default=False)),
        driver=r.field(m, "driver", _driver, p, default={}),
        xml=r.items(m, "xml", lambda v: parse_kept(v, "disk"), p))
    disk.source = r.field(m, "source", _volume if disk.type == "volume" else path, p)
    return disk


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value
