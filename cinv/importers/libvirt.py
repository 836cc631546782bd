"""libvirt domain XML as `virsh dumpxml` writes it: a virtual host with vcpus, memory, disks and
interfaces (MAC; bridge -> the network with that bridge).

The XML is untrusted: DOCTYPE and ENTITY declarations are refused before parsing (no entity
expansion, no external entities), and the file is bounded like every import. A domain XML carries
no disk sizes: a `<capacity unit=...>` child of a disk is used when present (cinv's own libvirt
render does not write one); a disk without a size is listed as unmapped and the host's recorded
disks are left as they are.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from cinv import names, values
from cinv.errors import CinvError
from cinv.importers import Findings, FoundHost, FoundIface, host_name, read_text
from cinv.model import Inventory

# libvirt's scaled integers (docs: formatdomain.html#memory-allocation)
_UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "k": 1 << 10, "kib": 1 << 10, "mb": 10**6,
          "m": 1 << 20, "mib": 1 << 20, "gb": 10**9, "g": 1 << 30, "gib": 1 << 30,
          "tb": 10**12, "t": 1 << 40, "tib": 1 << 40}
_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RECORDED = {"disk", "interface", "emulator"}


def parse_xml(text: str, shown: str) -> ET.Element:
    if _DECL.search(text.encode()):
        raise CinvError(f"{shown}: DOCTYPE or ENTITY declarations are not accepted in a domain "
                        "XML; refusing")
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        raise CinvError(f"{shown}:{e.position[0]}: not well-formed XML ({e})") from None


def scaled(elem: ET.Element, default_unit: str, where: str) -> int:
    unit = (elem.get("unit") or default_unit).lower()
    text = (elem.text or "").strip()
    if unit not in _UNITS or not text.isdigit() or len(text) > 20:
        raise ValueError(f"{where}: <{elem.tag}> {text!r} {unit!r} is not a size")
    return int(text) * _UNITS[unit]


def read(paths: list[tuple[Path, str]], inv: Inventory, parent: str | None) -> Findings:
    found = Findings(source=", ".join(shown for _, shown in paths))
    for path, shown in paths:
        host = _domain(parse_xml(read_text(path, shown), shown), shown, inv, found)
        if host is not None:
            host.parent = parent
            found.hosts.append(host)
    return found


def _line(shown: str) -> str:
    return shown  # ElementTree keeps no line numbers


def _domain(root: ET.Element, shown: str, inv: Inventory, found: Findings) -> FoundHost | None:
    where = _line(shown)
    if root.tag != "domain":
        raise CinvError(f"{shown}: the root element is <{root.tag}>, not <domain>")
    raw = (root.findtext("name") or "").strip()
    host = FoundHost(name="", where=where, kind="virtual")
    vcpu = root.find("vcpu")
    if vcpu is not None:
        text = (vcpu.text or "").strip()
        if text.isdigit() and 1 <= int(text) <= 4096:
            host.cpus = int(text)
        else:
            found.skip(where, f"vcpu {text!r}", "not a number of cpus from 1 to 4096")
    memory = root.find("memory")
    if memory is not None:
        try:
            host.memory = scaled(memory, "KiB", shown)
        except ValueError as e:
            found.skip(where, "memory", str(e))
    description = (root.findtext("description") or root.findtext("title") or "").strip()
    if description:
        host.description = description[:1000]
    devices = root.find("devices")
    devices = devices if devices is not None else ET.Element("devices")
    disks = _disks(devices, shown, found)
    if disks:
        host.disks = disks
    host.interfaces = _interfaces(devices, shown, inv, found)
    others = sorted({d.tag for d in devices if d.tag not in _RECORDED})
    if others:
        found.skip(where, f"devices {', '.join(others)}", "hypervisor settings cinv does not "
                   "record (its libvirt render writes its own)")
    if root.findtext("uuid"):
        found.skip(where, f"uuid {root.findtext('uuid').strip()}", "cinv derives a domain's "
                   "UUID from its name")
    first = host.interfaces[0].network if host.interfaces else None
    fqdn, why = host_name(raw, inv.domain_of(first))
    if fqdn is None:
        found.skip(where, f"domain {raw!r}", why)
        return None
    host.name = fqdn
    return host


def _disks(devices: ET.Element, shown: str, found: Findings) -> list:
    out = []
    for n, disk in enumerate(devices.findall("disk")):
        target = disk.find("target")
        dev = target.get("dev") if target is not None else None
        source = disk.find("source")
        src = next((source.get(k) for k in ("file", "dev", "volume", "name")
                    if source is not None and source.get(k)), "no source")
        what = f"disk {dev or n} ({src})"
        if disk.get("device", "disk") != "disk":
            found.skip(_line(shown), what, f"a {disk.get('device')}, not a disk")
            continue
        capacity = disk.find("capacity")
        if capacity is None:
            found.skip(_line(shown), what, "the domain XML gives no size; set it with `cinv "
                       "host set NAME hardware.disks='[{size: 20GiB}]'`")
            continue
        try:
            size = scaled(capacity, "bytes", shown)
        except ValueError as e:
            found.skip(_line(shown), what, str(e))
            continue
        try:
            name = names.check_ifname(dev) if dev else None
        except ValueError:
            name = None
        out.append((name, size))
    return out


def _interfaces(devices: ET.Element, shown: str, inv: Inventory, found: Findings) -> list:
    out = []
    by_bridge = {n.bridge: n for n in inv.networks.values() if n.bridge}
    for n, elem in enumerate(devices.findall("interface")):
        kind = elem.get("type", "")
        source = elem.find("source")
        mac_elem = elem.find("mac")
        mac_text = mac_elem.get("address") if mac_elem is not None else None
        what = f"interface {n} ({kind}{' ' + mac_text if mac_text else ''})"
        net = None
        if kind == "bridge" and source is not None:
            net = by_bridge.get(source.get("bridge"))
            why = f"no network has bridge {source.get('bridge')!r} (cinv net add ... --bridge)"
        elif kind == "network" and source is not None:
            name = source.get("network")
            net = inv.networks.get(name) or by_bridge.get(name)
            why = f"no network is named {name!r} or has it as its bridge"
        else:
            why = f"type {kind!r} interfaces are not mapped to networks"
        if net is None:
            found.skip(_line(shown), what, why)
            continue
        iface = FoundIface(where=_line(shown), network=net.name)
        if mac_text:
            try:
                iface.mac = values.mac_to_int(values.normalise_mac(mac_text))
            except ValueError as e:
                found.skip(_line(shown), what, str(e))
                continue
        out.append(iface)
    return out
