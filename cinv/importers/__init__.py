"""Bringing existing hosts in: readers of foreign files, and the plan that applies what they found.

Each reader (dhcpd.py, zone.py, libvirt.py) turns an untrusted file into `Findings`: hosts with
qualified, valid names and interfaces already placed on networks, networks (dhcpd --networks), and
everything it could not map as `Unmapped` lines. `plan.py` matches findings against the inventory
(by MAC, then by name), decides create / update / skip, finds conflicts and applies the result as
one commit. Readers never write and never look anything up outside the file and the inventory
(no DNS).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cinv import names, printable
from cinv.errors import CinvError
from cinv.records import values
from cinv.records.load import MAX_FILE_SIZE
from cinv.records.model import Inventory, Macs, Network


@dataclass
class FoundIface(Macs):
    where: str
    network: str | None = None
    mac: int | None = None
    ipv4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Address | None = None
    name: str | None = None  # the interface name when the source says (zone: <if>.<host>)
    aliases: list[str] = field(default_factory=list)  # FQDNs
    names: list[str] = field(default_factory=list)  # FQDNs with their own A/AAAA (zone)
    dhcp: dict | None = None  # the interface's dhcp block as stored (dhcpd host options)
    host_name: str | None = None  # the host name a DHCP server sends for it (host-name option)
    libvirt: dict | None = None  # the NIC as libvirt.interfaces.<name> stores it
    other_macs: list[int] = field(default_factory=list)  # more MACs that take its reservation
    duid: str | None = None  # the DHCPv6 client's DUID (normalised)


@dataclass
class FoundHost:
    name: str  # a valid, lower-case FQDN
    where: str
    interfaces: list[FoundIface] = field(default_factory=list)
    kind: str | None = None
    parent: str | None = None
    cpus: int | None = None
    memory: int | None = None
    disks: list[tuple[str | None, int]] | None = None  # (name, bytes); None: not known
    description: str | None = None
    libvirt: dict | None = None  # the record's libvirt block as stored (replaces the old one)


@dataclass
class FoundNetwork:
    name: str
    where: str
    fields: dict  # the record as stored (networks/<name>.yaml), only the keys the source knows


@dataclass
class FoundRecord:
    owner: str  # relative to its zone ("@" the apex)
    type: str
    value: str | list  # as zones/<zone>.yaml keeps it
    ttl: int | None
    where: str  # file:line of the source


@dataclass
class FoundZone:
    """A zone's own records found in a source (zone files): added to zones/<name>.yaml."""

    name: str
    where: str
    ttl: int | None = None  # the zone's default TTL, where the source's differs
    records: list[FoundRecord] = field(default_factory=list)
    soa: dict | None = None  # the source's SOA timers (refresh, retry, expire, minimum)
    serial_floor: int | None = None  # the source's SOA serial: the zone's serial stays above it
    serial_scheme: str | None = None  # the scheme the source's serial looks like (date ...)


@dataclass(frozen=True)
class Unmapped:
    where: str
    what: str
    why: str

    def text(self) -> str:
        """One line: the file's names and statements are untrusted (printable.line)."""
        return printable.line(f"{self.where}: {self.what}: {self.why}")


@dataclass
class Findings:
    source: str  # the file as the user named it (for messages and the commit)
    hosts: list[FoundHost] = field(default_factory=list)
    networks: list[FoundNetwork] = field(default_factory=list)
    zones: list[FoundZone] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dns: dict | None = None  # cinv.yaml dns: keys to take (a zone's apex NS and SOA names)

    def skip(self, where: str, what: str, why: str) -> None:
        self.unmapped.append(Unmapped(where, what, why))

    def sort_unmapped(self) -> None:
        """In the order of the source: file by file (as first named), line by line."""
        files: dict = {}
        for u in self.unmapped:
            files.setdefault(u.where.rpartition(":")[0], len(files))
        self.unmapped.sort(key=lambda u: (files[u.where.rpartition(":")[0]],
                                          int(u.where.rpartition(":")[2] or 0)))


# --- reading untrusted files --------------------------------------------------------------

def read_text(path: Path, shown: str, errors: str = "strict") -> str:
    """A regular file of at most MAX_FILE_SIZE bytes, as UTF-8 text (errors="surrogateescape":
    bytes that are not UTF-8 become surrogate escapes, for the caller to find)."""
    try:
        if not path.is_file():
            raise CinvError(f"{shown}: not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise CinvError(f"{shown}: {size} bytes is over the import limit of "
                            f"{MAX_FILE_SIZE} bytes per file")
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_SIZE + 1)
    except OSError as e:
        raise CinvError(f"{shown}: cannot be read: {e.strerror or e}") from None
    if len(raw) > MAX_FILE_SIZE:
        raise CinvError(f"{shown}: over the import limit of {MAX_FILE_SIZE} bytes per file")
    try:
        return raw.decode("utf-8", errors)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise CinvError(f"{shown}:{line}: is not UTF-8 text") from None


def mac_of_client_id(text) -> int | None:
    """The MAC inside a DHCPv4 client id of hardware type 1 (Ethernet: 01 and six octets, what
    most clients send), or None."""
    parts = str(text).lower().replace("-", ":").split(":")
    if len(parts) != 7 or parts[0] not in ("1", "01"):
        return None
    try:
        mac = values.mac_to_int(":".join(parts[1:]))
    except ValueError:
        return None
    return mac if values.mac_problem(mac) is None else None


# --- names --------------------------------------------------------------------------------

def host_name(raw: str, domain: str | None) -> tuple[str | None, str | None]:
    """(fqdn, None) or (None, why): lower-cased, '_' made '-', a short name gets the domain."""
    text = raw.strip().lower().replace("_", "-")
    try:
        return names.qualify(text, domain), None
    except ValueError as e:
        return None, f"not a valid host name ({e})"


def network_holding(networks, addr) -> Network | None:
    """The network whose IPv4 or IPv6 prefix holds the address (the longest prefix wins)."""
    best = None
    for net in networks:
        prefix = net.ipv4 if addr.version == 4 else net.ipv6
        if prefix is not None and addr in prefix:
            if best is None or prefix.prefixlen > (best.ipv4 if addr.version == 4
                                                   else best.ipv6).prefixlen:
                best = net
    return best


def domains(inv: Inventory) -> set[str]:
    """Names that are domains, not hosts: the default domain and every network's domain."""
    return {inv.settings.domain, *(n.domain for n in inv.networks.values() if n.domain)}


def fold_interfaces(hosts: list[FoundHost], inv: Inventory, not_hosts: set[str]) -> list[FoundHost]:
    """A name <label>.<host> where <host> is a host (in the inventory or in the same import) is
    the interface <label> of that host, as cinv renders second interfaces. Names in not_hosts
    (domains, a zone's apex) never count as hosts, so www.example.com stays a host of its own."""
    found = {h.name: h for h in hosts}
    known = (set(found) | set(inv.hosts)) - not_hosts

    def first_ifname(name: str) -> str | None:
        """The name of that host's first interface, which cinv renders as the host's own name
        (never <if>.<host>): eth0.vm1 beside vm1 is another name, not vm1's eth0."""
        ifaces = inv.hosts[name].interfaces if name in inv.hosts else found[name].interfaces
        if not ifaces:
            return None
        return ifaces[0].name or ("eth0" if name not in inv.hosts else None)

    out: list[FoundHost] = []
    moved: dict[str, list[FoundIface]] = {}
    for h in hosts:
        label, _, rest = h.name.partition(".")
        if rest in known and h.name not in inv.hosts and _ifname_ok(label) \
                and label != first_ifname(rest):
            for iface in h.interfaces:
                iface.name = label
            moved.setdefault(rest, []).extend(h.interfaces)
        else:
            out.append(h)
    for h in out:
        h.interfaces.extend(moved.pop(h.name, []))
    for name, ifaces in moved.items():  # the host is only in the inventory
        out.append(FoundHost(name=name, where=ifaces[0].where, interfaces=ifaces))
    return out


def _ifname_ok(label: str) -> bool:
    try:
        names.check_ifname(label)
    except ValueError:
        return False
    return True
