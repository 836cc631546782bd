"""libvirt data for the templates: a domain per virtual host and an index per hypervisor.

A domain cinv made gets cinv's defaults (kvm, x86_64 hvm booting from disk, acpi/apic, a qcow2
virtio disk per hardware.disks entry, a virtio NIC per interface, a serial console). An
imported domain is rendered from its record's `libvirt:` block: its name, uuid, type, <os>,
currentMemory, emulator, disks and NIC details as modelled, and every element it keeps
verbatim (already validated and serialised by cinv/records/libvirtdom.py), in place of the defaults.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from markupsafe import Markup

from cinv.records.model import Host, Libvirt, Settings
from cinv.render.item import Item

DEFAULT_BOOT = ["hd"]


def disk_target(index: int) -> str:
    """vda, vdb, ... vdz, vdaa, vdab, ... (the kernel's naming)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return f"vd{letters}"


def host_fields(host: Host, settings: Settings, out: dict) -> None:
    """uuid, domain_name and the disks cinv derives from hardware.disks (every host has them,
    for user templates)."""
    image_dir = settings.image_dir.rstrip("/")
    domain = host.libvirt.name or host.name  # a renamed VM keeps its domain's disk files too
    out["disks"] = [Item({"name": d.name, "size": d.size, "size_kib": d.size // 1024,
                          "file": f"{image_dir}/{domain}-{n}.qcow2",
                          "target": disk_target(n)})
                    for n, d in enumerate(host.hardware.disks)]
    out["uuid"] = host.libvirt.uuid or Libvirt.derived_uuid(host.name)
    out["domain_name"] = host.libvirt.name or host.name


def domain_fields(host: Host, out: dict) -> None:
    """out["lv"]: what libvirt-domain.xml.j2 writes for a virtual host."""
    lv = host.libvirt
    os_ = lv.os
    nics = []
    for iface in out["interfaces"]:
        nic = lv.interfaces.get(iface["name"])
        if nic is not None:
            kind, source, model, xml = nic.type, nic.source, nic.model, nic.xml
        elif iface["bridge"]:
            kind, source, model, xml = "bridge", iface["bridge"], "virtio", []
        else:
            kind, source, model, xml = "network", iface["network"] or "default", "virtio", []
        nics.append(Item(type=kind, source=source, model=model, mac=iface["mac"],
                         xml=_markup(xml)))
    out["lv"] = Item(
        type=lv.type or "kvm",
        current_memory_kib=(lv.current_memory if lv.current_memory is not None
                            else out["memory"]) // 1024,
        os=Item(type=os_.type if os_ else "hvm", arch=os_.arch if os_ else "x86_64",
                machine=os_.machine if os_ else None, firmware=os_.firmware if os_ else None,
                loader=_with_path(os_.loader if os_ else {}),
                nvram=_with_path(os_.nvram if os_ else {}),
                boot=list(os_.boot) if os_ else DEFAULT_BOOT,
                xml=_markup(os_.xml if os_ else [])),
        emulator=lv.emulator,
        disks=_disks(host, out) if lv.disks is not None else [
            Item(type="file", device="disk", driver=[("name", "qemu"), ("type", "qcow2")],
                 source_attr="file", source=[("file", d["file"])], target=d["target"],
                 bus="virtio", readonly=False, shareable=False, xml=[])
            for d in out["disks"]],
        nics=nics,
        xml=_markup(lv.xml),
        devices=_markup(lv.devices),
        defaults=not lv.keeps_xml,
    )


def _disks(host: Host, out: dict) -> list[Item]:
    items = []
    for d in host.libvirt.disks:
        driver = []
        if d.format or d.driver:
            driver = [("name", "qemu")] + ([("type", d.format)] if d.format else []) + \
                [(k, v) for k, v in d.driver.items() if k != "name"]
        if d.source is None:
            source = []
        elif d.type == "volume":
            pool, volume = d.source.split("/", 1)
            source = [("pool", pool), ("volume", volume)]
        else:
            source = [({"file": "file", "block": "dev", "dir": "dir"}[d.type], d.source)]
        items.append(Item(type=d.type, device=d.device, driver=driver, source=source,
                          target=d.target, bus=d.bus, readonly=d.readonly,
                          shareable=d.shareable, xml=_markup(d.xml)))
    return items


def _with_path(attrs: dict) -> Item | None:
    if not attrs:
        return None
    return Item(path=attrs.get("path"),
                attrs=[(k, v) for k, v in attrs.items() if k != "path"])


def _markup(kept: list[str]) -> list[Markup]:
    """Kept elements are cinv's own serialisation of a validated tree
    (cinv/records/libvirtdom.py)."""
    return [Markup(x) for x in kept]


def hypervisors(virtual_hosts: list[dict]) -> list[Item]:
    """[{name: parent, domains: [<fqdn>.xml ...]}] for every parent of a virtual host."""
    by_parent: dict[str, list[str]] = {}
    for host in virtual_hosts:
        if host["parent"]:
            by_parent.setdefault(host["parent"], []).append(f"{host['name']}.xml")
    return [Item(name=p, domains=sorted(files)) for p, files in sorted(by_parent.items())]


_NAME = re.compile(r"<name>([^<]*)</name>")


def _list_files(text: str) -> set[str]:
    return {line for line in text.splitlines() if line.endswith(".xml")}


def _domain_name(path: Path) -> str | None:
    try:
        found = _NAME.search(path.read_text(errors="replace"))
    except OSError:
        return None
    return html.unescape(found.group(1)) if found else None


def taken_off(out: Path, stage, stale: list[str]) -> list[tuple[str, str]]:
    """(hypervisor, domain name) of each domain a render takes off a hypervisor's list
    (libvirt/<parent>.list): its VM was retired, removed or moved elsewhere, and the domain
    may still run there until someone undefines it. A domain the list still holds under
    another file (a renamed VM keeps its domain) is not one. stage: the render's writer.Stage
    before it is applied (new contents of changed files in its temporary files)."""
    def now(rel: str) -> Path:
        """Where a file's new bytes are: its temporary file (a path kept as a string), or
        the file itself when the render leaves it as it is."""
        tmp = stage.tmps.get(rel)
        return Path(tmp) if tmp else out / rel

    changed = [rel for rel in (*stage.tmps, *stale)
               if rel.startswith("libvirt/") and rel.endswith(".list")]
    out_list = []
    for rel in sorted(changed):
        try:
            before = _list_files((out / rel).read_text(errors="replace"))
        except OSError:
            continue  # a new list
        after = _list_files(now(rel).read_text(errors="replace")) \
            if rel in stage.targets else set()
        if not before - after:
            continue
        kept = {_domain_name(now(f"libvirt/{f}")) for f in after}
        parent = rel[len("libvirt/"):-len(".list")]
        for file in sorted(before - after):
            name = _domain_name(out / "libvirt" / file)
            if name is not None and name not in kept:
                out_list.append((parent, name))
    return out_list
