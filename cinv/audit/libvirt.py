"""The domains of a libvirt host as plain values, read with `virsh -c URI`.

Why virsh and not libvirt's Python binding: the binding is a C extension built against the
host's libvirt headers (no wheel on PyPI), so it cannot be a plain dependency of cinv; virsh
(libvirt-clients) is on every hypervisor and admin box already, speaks every URI the binding
does (qemu+ssh://, test:///...), and its output, `dumpxml`, is the domain XML that cinv's
libvirt importer and renderer speak. Two virsh runs whatever the number of domains: one lists
the UUIDs, one dumps every domain's XML. virsh runs in a session of its own with no input, so
an ssh URI that would ask for a password fails at once instead of waiting; it is killed (with
its ssh) when the timeout passes.

A domain XML, from a hypervisor or from `cinv render libvirt`, reads into the same `Domain`, so
comparing the two compares what cinv would define with what runs.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from cinv.errors import CinvError
from cinv.importers.libvirt import parse_xml, scaled
from cinv.records import values

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_DIGEST = re.compile(r"[0-9a-f]{64}\Z")
DEPLOY_NS = "urn:x-cinv:deploy:1"  # the metadata element `cinv apply` defines a domain with
MAX_DOMAINS = 100_000


@dataclass
class Domain:
    name: str
    uuid: str
    memory_kib: int | None
    vcpus: int | None
    interfaces: list[tuple[str | None, str]] = field(default_factory=list)  # (MAC, source)
    disks: list[str] = field(default_factory=list)  # "vda /path/file", by target
    running: bool = False
    where: str = ""
    deployed: str | None = None  # the digest `cinv apply` left in its metadata, if any

    def field(self, key: str) -> str | None:
        """One compared field as text (what a finding shows)."""
        if key == "name":
            return self.name
        if key == "uuid":
            return self.uuid
        if key == "memory":
            return None if self.memory_kib is None else values.format_size(self.memory_kib * 1024)
        if key == "vcpus":
            return None if self.vcpus is None else str(self.vcpus)
        if key == "macs":
            return ", ".join(sorted(m or "(none)" for m, _s in self.interfaces)) or "(none)"
        if key == "disks":
            return ", ".join(self.disks) or "(none)"
        raise KeyError(key)


def read_domain(text: str, shown: str) -> Domain:
    """A domain XML (untrusted: the importer's parse refuses DOCTYPE and entities) as a
    Domain."""
    parsed = parse_xml(text, shown)
    root = getattr(parsed, "root", parsed)  # the element, or a tree that also keeps lines
    if root.tag != "domain":
        raise CinvError(f"{shown}: the root element is <{root.tag}>, not <domain>")
    name = (root.findtext("name") or "").strip()
    uuid = (root.findtext("uuid") or "").strip().lower()
    memory = vcpus = None
    elem = root.find("memory")
    if elem is not None:
        try:
            memory = scaled(elem, "KiB", shown) // 1024
        except ValueError as e:
            raise CinvError(str(e)) from None
    text_vcpu = (root.findtext("vcpu") or "").strip()
    if text_vcpu.isdigit():
        vcpus = int(text_vcpu)
    devices = root.find("devices")
    devices = devices if devices is not None else ET.Element("devices")
    interfaces = []
    for iface in devices.findall("interface"):
        mac_elem = iface.find("mac")
        mac = None
        if mac_elem is not None and mac_elem.get("address"):
            try:
                mac = values.mac_str(values.mac_to_int(mac_elem.get("address")))
            except ValueError as e:
                raise CinvError(f"{shown}: interface mac: {e}") from None
        interfaces.append((mac, _source(iface)))
    disks = []
    for n, disk in enumerate(devices.findall("disk")):
        if disk.get("device", "disk") != "disk":
            continue  # cdroms and floppies come and go
        target = disk.find("target")
        dev = target.get("dev") if target is not None else None
        src = disk.find("source")
        path = next((src.get(k) for k in ("file", "dev", "volume", "name")
                     if src is not None and src.get(k)), None)
        disks.append(f"{dev or f'#{n}'} {path or '(no source)'}")
    deployed = None
    metadata = root.find("metadata")
    if metadata is not None:
        mark = metadata.find(f"{{{DEPLOY_NS}}}deploy")
        if mark is not None and _DIGEST.match(mark.get("digest") or ""):
            deployed = mark.get("digest")
    return Domain(name, uuid, memory, vcpus, sorted(interfaces, key=lambda i: i[0] or ""),
                  sorted(disks), running=root.get("id") not in (None, "-1"), where=shown,
                  deployed=deployed)


def _source(iface: ET.Element) -> str:
    """What an interface plugs into, as `bridge NAME`, `network NAME` or its type."""
    kind = iface.get("type", "")
    src = iface.find("source")
    if src is not None:
        for attr in ("bridge", "network", "dev"):
            if src.get(attr):
                return f"{kind} {src.get(attr)}" if kind in ("bridge", "network") \
                    else f"{kind} {attr} {src.get(attr)}"
    return kind or "(unknown)"


# --- virsh ---------------------------------------------------------------------------------

def virsh(uri: str, command: str, timeout: float) -> str:
    """Run one virsh command string against URI; one clear line when it fails or hangs."""
    code, out, err = run_virsh(uri, command, timeout)
    if code != 0:
        raise CinvError(f"libvirt {uri}: {virsh_error(err, code)}")
    return out


def virsh_error(err: str, code: int) -> str:
    """virsh's error lines, as one line."""
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    errors = [ln.removeprefix("error: ") for ln in lines if ln.startswith("error:")]
    return "; ".join(errors or lines[-1:]) or f"virsh exited {code}"


def run_virsh(uri: str, command: str, timeout: float,
              quiet: bool = True) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one virsh command string (several commands separated by
    ';' run in order, and go on after one fails; quiet=False: each says what it did);
    CinvError when virsh is missing or hangs."""
    args = ["virsh", *(["--quiet"] if quiet else []), "-c", uri, command]
    env = {**os.environ, "LC_ALL": "C"}
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True)
    except FileNotFoundError:
        raise CinvError("virsh is not installed (Debian: apt install libvirt-clients)") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise CinvError(f"libvirt {uri}: no answer within {timeout:g} s (--timeout)") from None
    return proc.returncode, out, err


def _uuids(uri: str, listing: str) -> list[str]:
    uuids = [line.strip().lower() for line in listing.splitlines() if line.strip()]
    bad = [u for u in uuids if not _UUID.match(u)]
    if bad:
        raise CinvError(f"libvirt {uri}: virsh listed {bad[0][:60]!r}, not a domain UUID")
    if len(uuids) > MAX_DOMAINS:
        raise CinvError(f"libvirt {uri}: more than {MAX_DOMAINS} domains; refused")
    return uuids


def list_domains(uri: str, timeout: float, inactive: bool = False) -> list[Domain]:
    """Every domain (running or not) of the libvirt host at URI. inactive: the definitions
    as they are stored (what `virsh define` changed), not those the running guests use; then
    `running` is asked of virsh separately."""
    uuids = _uuids(uri, virsh(uri, "list --all --uuid", timeout))
    if not uuids:
        return []
    flag = " --inactive" if inactive else ""
    out = virsh(uri, "; ".join(f"dumpxml{flag} {u}" for u in sorted(uuids)), timeout)
    docs = [d.strip() + "</domain>" for d in out.split("</domain>") if d.strip()]
    if len(docs) != len(uuids):
        raise CinvError(f"libvirt {uri}: asked for {len(uuids)} domain XMLs, got {len(docs)}")
    domains = [read_domain(doc, f"{uri} domain {uuid}") for uuid, doc in zip(sorted(uuids), docs)]
    running = set(_uuids(uri, virsh(uri, "list --uuid", timeout))) if inactive else None
    for domain in domains:
        domain.where = uri
        if running is not None:
            domain.running = domain.uuid in running
    return domains
