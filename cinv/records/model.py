"""Plain value objects of an inventory: no I/O, no click, no YAML.

Addresses are kept as ipaddress objects and MACs as 48-bit integers; `to_dict` gives the record in
the contract's schema and key order, normalised (what is stored and what --format prints).
"""
from __future__ import annotations

import hashlib
import ipaddress
import uuid
import zlib
from dataclasses import dataclass, field

from cinv.records.values import format_size, mac_str, range_str
from cinv.records.yamlio import Quoted

KINDS = ("physical", "virtual")
STATES = ("planned", "provisioning", "active", "maintenance", "retired")
IPV6_MODES = ("sequential", "eui64")
# Lifecycle (README "Lifecycle" and `cinv host state --help` list exactly these): a host may be
# retired from any state but retired itself (retiring keeps the record and holds its addresses
# back; see allocate's hold time), only a retired host may be planned again, and a host in
# service (active, maintenance) may be rebuilt: back to provisioning, keeping its addresses.
TRANSITIONS = {
    "planned": ("provisioning", "retired"),
    "provisioning": ("active", "planned", "retired"),
    "active": ("maintenance", "provisioning", "retired"),
    "maintenance": ("active", "provisioning", "retired"),
    "retired": ("planned",),
}


@dataclass(slots=True)
class Dhcp:
    """Boot and DHCP options of a network or an interface (an interface's win). `options` maps
    an option's ISC dhcpd name to its normalised value (see cinv/records/dhcpopts.py).
    `provisioning`: a network's boot files by client ({bios, uefi, ipxe, uefi_http}) for its
    hosts in state provisioning; an interface's is one file, its host's own, only while
    provisioning.
    `interface` (the DHCP server's interface) belongs to networks only."""

    next_server: str | None = None
    filename: str | None = None
    options: dict = field(default_factory=dict)
    provisioning: dict | str | None = None
    interface: str | None = None

    def to_dict(self) -> dict:
        out: dict = {}
        for key in ("interface", "next_server", "filename"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.provisioning:
            out["provisioning"] = (dict(self.provisioning) if isinstance(self.provisioning, dict)
                                   else self.provisioning)
        if self.options:
            out["options"] = {k: (list(v) if isinstance(v, list) else v)
                              for k, v in sorted(self.options.items())}
        return out

    def to_tuple(self) -> tuple:
        return (self.next_server, self.filename, self.options, self.provisioning, self.interface)


class Macs:
    """An interface's MACs (its `mac` and `other_macs`), for the model's and an importer's."""
    __slots__ = ()

    @property
    def mac_str(self) -> str | None:
        return mac_str(self.mac) if self.mac is not None else None

    @property
    def macs(self) -> list[int]:
        """Every MAC of the interface: its own, then the others that may take its place."""
        return ([self.mac] if self.mac is not None else []) + self.other_macs


@dataclass(slots=True)
class Interface(Macs):
    name: str
    network: str | None = None
    mac: int | None = None
    ipv4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Address | None = None
    aliases: list[str] = field(default_factory=list)
    line: int = 0
    lines: dict = field(default_factory=dict, repr=False, compare=False)
    names: list[str] = field(default_factory=list)  # extra names with their own A/AAAA
    dhcp: Dhcp | None = None
    # more NICs that may take this interface's DHCP reservation, one at a time (a laptop's
    # wired and wireless MACs on one address)
    other_macs: list[int] = field(default_factory=list)
    duid: str | None = None  # the DHCPv6 client's DUID: its DHCPv6 reservation keys on it

    def to_dict(self) -> dict:
        out: dict = {"name": self.name}
        if self.mac is not None:
            out["mac"] = Quoted(mac_str(self.mac))
        if self.other_macs:
            out["other_macs"] = [Quoted(mac_str(m)) for m in self.other_macs]
        if self.duid is not None:
            out["duid"] = Quoted(self.duid)
        if self.network is not None:
            out["network"] = self.network
        if self.ipv4 is not None:
            out["ipv4"] = str(self.ipv4)
        if self.ipv6 is not None:
            out["ipv6"] = str(self.ipv6)
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.names:
            out["names"] = list(self.names)
        if self.dhcp is not None and self.dhcp.to_dict():
            out["dhcp"] = self.dhcp.to_dict()
        return out


@dataclass(slots=True)
class Disk:
    size: int
    name: str | None = None

    def to_dict(self) -> dict:
        out: dict = {}
        if self.name:
            out["name"] = self.name
        out["size"] = format_size(self.size)
        return out


@dataclass(slots=True)
class Hardware:
    cpus: int | None = None
    memory: int | None = None
    disks: list[Disk] = field(default_factory=list)
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None

    def to_dict(self) -> dict:
        out: dict = {}
        if self.cpus is not None:
            out["cpus"] = self.cpus
        if self.memory is not None:
            out["memory"] = format_size(self.memory)
        if self.disks:
            out["disks"] = [d.to_dict() for d in self.disks]
        for key in ("vendor", "model", "serial"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


@dataclass(slots=True)
class LibvirtDisk:
    """A disk as the libvirt domain has it (no size needed): path, format, bus, target."""

    device: str = "disk"  # disk | cdrom | floppy | lun
    type: str = "file"  # file | block | volume | dir
    source: str | None = None  # a path; "pool/volume" for type volume; None: an empty drive
    format: str | None = None  # the driver type: qcow2, raw, ...
    bus: str | None = None
    target: str | None = None
    readonly: bool = False
    shareable: bool = False
    driver: dict = field(default_factory=dict)  # other <driver> attributes (cache, io, ...)
    xml: list[str] = field(default_factory=list)  # other child elements, kept verbatim

    def to_dict(self) -> dict:
        out: dict = {"device": self.device, "type": self.type}
        for key in ("source", "format", "bus", "target"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("readonly", "shareable"):
            if getattr(self, key):
                out[key] = True
        if self.driver:
            out["driver"] = dict(self.driver)
        if self.xml:
            out["xml"] = list(self.xml)
        return out

    def to_tuple(self) -> tuple:
        return (self.device, self.type, self.source, self.format, self.bus, self.target,
                self.readonly, self.shareable, self.driver, tuple(self.xml))

    @classmethod
    def from_tuple(cls, t: tuple) -> LibvirtDisk:
        *head, xml = t
        return cls(*head, list(xml))


@dataclass(slots=True)
class LibvirtNic:
    """How an interface appears in the domain: `bridge` or `network` source, NIC model, and
    its other child elements (PCI address, driver, boot order ...) kept verbatim."""

    type: str = "bridge"  # bridge | network
    source: str = ""
    model: str | None = None
    xml: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out: dict = {"type": self.type, "source": self.source}
        if self.model is not None:
            out["model"] = self.model
        if self.xml:
            out["xml"] = list(self.xml)
        return out


@dataclass(slots=True)
class LibvirtOS:
    """<os>: type, arch, machine, firmware; loader and nvram as {path, attribute: value}; boot
    devices in order; other children (bootmenu, smbios, kernel ...) kept verbatim."""

    type: str = "hvm"
    arch: str | None = None
    machine: str | None = None
    firmware: str | None = None
    loader: dict = field(default_factory=dict)
    nvram: dict = field(default_factory=dict)
    boot: list[str] = field(default_factory=list)
    xml: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out: dict = {"type": self.type}
        for key in ("arch", "machine", "firmware"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        for key in ("loader", "nvram"):
            if getattr(self, key):
                out[key] = dict(getattr(self, key))
        for key in ("boot", "xml"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out


@dataclass(slots=True)
class Libvirt:
    """What a libvirt domain keeps across import and render. `name` (may differ from the host's
    FQDN) and `uuid` (derived from the host name when absent); for an imported domain also its
    type, <os>, currentMemory, emulator, disks (replacing the ones cinv derives from
    hardware.disks), per-interface NIC details, and every other element verbatim: `xml` at the
    top level (features, cpu, clock ...), `devices` inside <devices> (graphics, video ...)."""

    name: str | None = None
    uuid: str | None = None
    type: str | None = None
    current_memory: int | None = None
    os: LibvirtOS | None = None
    emulator: str | None = None
    disks: list[LibvirtDisk] | None = None
    interfaces: dict[str, LibvirtNic] = field(default_factory=dict)
    xml: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)

    @property
    def keeps_xml(self) -> bool:
        """A domain that keeps elements is rendered from them, without cinv's defaults."""
        return bool(self.xml or self.devices)

    def to_dict(self) -> dict:
        out: dict = {}
        for key in ("name", "uuid", "type"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.current_memory is not None:
            out["current_memory"] = format_size(self.current_memory)
        if self.os is not None:
            out["os"] = self.os.to_dict()
        if self.emulator is not None:
            out["emulator"] = self.emulator
        if self.disks is not None:
            out["disks"] = [d.to_dict() for d in self.disks]
        if self.interfaces:
            out["interfaces"] = {k: v.to_dict() for k, v in self.interfaces.items()}
        for key in ("xml", "devices"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out

    def to_tuple(self) -> tuple:
        os_ = self.os
        return (self.name, self.uuid, self.type, self.current_memory,
                None if os_ is None else (os_.type, os_.arch, os_.machine, os_.firmware,
                                          os_.loader, os_.nvram, tuple(os_.boot),
                                          tuple(os_.xml)),
                self.emulator,
                None if self.disks is None else tuple(d.to_tuple() for d in self.disks),
                {k: (n.type, n.source, n.model, tuple(n.xml))
                 for k, n in self.interfaces.items()},
                tuple(self.xml), tuple(self.devices))

    @classmethod
    def from_tuple(cls, t: tuple) -> Libvirt:
        name, uuid_, type_, current, os_, emulator, disks, nics, xml, devices = t
        if os_ is not None:
            o_type, arch, machine, firmware, loader, nvram, boot, o_xml = os_
            os_ = LibvirtOS(o_type, arch, machine, firmware, loader, nvram, list(boot),
                            list(o_xml))
        return cls(name, uuid_, type_, current, os_, emulator,
                   None if disks is None else [LibvirtDisk.from_tuple(d) for d in disks],
                   {k: LibvirtNic(nt, src, model, list(nx))
                    for k, (nt, src, model, nx) in nics.items()},
                   list(xml), list(devices))

    @staticmethod
    def derived_uuid(host_name: str) -> str:
        """The UUID a domain gets when its record keeps none: str(uuid.uuid5(NAMESPACE_DNS,
        the host's name)), without the UUID object (a first render makes 50,000)."""
        h = bytearray(hashlib.sha1(_DNS_NAMESPACE + host_name.encode("utf-8")).digest()[:16])
        h[6] = (h[6] & 0x0F) | 0x50  # version 5
        h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
        x = h.hex()
        return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_DNS_NAMESPACE = uuid.NAMESPACE_DNS.bytes
_LINES: dict[tuple, dict] = {}


def shared_lines(lines: dict) -> dict:
    """One dict for every record whose keys sit on the same lines (records cinv wrote share
    their layout): a fifth of a loaded host's memory. Made where a record becomes a tuple (in
    the processes that parse, and before a cache is written); pickle and marshal keep one
    object given twice as one, so records made from the tuples share them too. Read only, as
    every record's lines are once parsed."""
    try:
        key = tuple(lines.items())
        kept = _LINES.get(key)
    except (TypeError, AttributeError):
        return lines
    if kept is None:
        if len(_LINES) >= 1 << 16:
            _LINES.clear()
        kept = _LINES[key] = lines
    return kept


@dataclass(slots=True)
class Host:
    name: str
    kind: str
    state: str = "active"
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    parent: str | None = None
    location: str | None = None
    hardware: Hardware = field(default_factory=Hardware)
    interfaces: list[Interface] = field(default_factory=list)
    vars: dict = field(default_factory=dict)
    path: str = ""
    line: int = 1
    lines: dict = field(default_factory=dict, repr=False, compare=False)
    libvirt: Libvirt = field(default_factory=Libvirt)

    @property
    def retired(self) -> bool:
        return self.state == "retired"

    @property
    def short(self) -> str:
        return self.name.split(".", 1)[0]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def interface(self, name: str) -> Interface | None:
        return next((i for i in self.interfaces if i.name == name), None)

    def to_tuple(self) -> tuple:
        """Builtins only (for marshal): the cache's form of a parsed, validated record."""
        hw = self.hardware
        return (self.name, self.kind, self.state, self.description, tuple(self.tags),
                self.parent, self.location,
                (hw.cpus, hw.memory, tuple((d.size, d.name) for d in hw.disks), hw.vendor,
                 hw.model, hw.serial),
                tuple((i.name, i.network, i.mac, None if i.ipv4 is None else int(i.ipv4),
                       None if i.ipv6 is None else int(i.ipv6), tuple(i.aliases), i.line,
                       shared_lines(i.lines), tuple(i.names),
                       None if i.dhcp is None else i.dhcp.to_tuple(), tuple(i.other_macs), i.duid)
                      for i in self.interfaces),
                self.vars, self.path, self.line, shared_lines(self.lines),
                self.libvirt.to_tuple())

    @classmethod
    def from_tuple(cls, t: tuple) -> Host:
        (name, kind, state, description, tags, parent, location, hw, ifaces, vars_, path,
         line, lines, libvirt) = t
        cpus, memory, disks, vendor, model_, serial = hw
        return cls(name, kind, state, description, list(tags), parent, location,
                   Hardware(cpus, memory, [Disk(size, dname) for size, dname in disks], vendor,
                            model_, serial),
                   [Interface(iname, network, mac,
                              None if v4 is None else ipaddress.IPv4Address(v4),
                              None if v6 is None else ipaddress.IPv6Address(v6),
                              list(aliases), iline, ilines, list(inames),
                              None if dhcp is None else Dhcp(*dhcp), list(others), duid)
                    for iname, network, mac, v4, v6, aliases, iline, ilines, inames, dhcp,
                    others, duid in ifaces],
                   vars_, path, line, lines, Libvirt.from_tuple(libvirt))

    def to_dict(self, with_name: bool = False) -> dict:
        out: dict = {"name": self.name} if with_name else {}
        out["kind"] = self.kind
        out["state"] = self.state
        for key in ("description", "tags", "parent", "location"):
            value = getattr(self, key)
            if value:
                out[key] = list(value) if key == "tags" else value
        hardware = self.hardware.to_dict()
        if hardware:
            out["hardware"] = hardware
        if self.interfaces:
            out["interfaces"] = [i.to_dict() for i in self.interfaces]
        libvirt = self.libvirt.to_dict()
        if libvirt:
            out["libvirt"] = libvirt
        if self.vars:
            out["vars"] = self.vars
        return out


@dataclass(slots=True)
class Network:
    name: str
    domain: str | None = None
    ipv4: ipaddress.IPv4Network | None = None
    gateway4: ipaddress.IPv4Address | None = None
    ipv6: ipaddress.IPv6Network | None = None
    gateway6: ipaddress.IPv6Address | None = None
    ipv6_mode: str = "sequential"
    dhcp_pool: tuple[int, int] | None = None  # IPv4 first, last as integers
    reserved: list[tuple[int, int, int]] = field(default_factory=list)  # (version, first, last)
    dns_servers: list = field(default_factory=list)
    vlan: int | None = None
    bridge: str | None = None
    subnet_id: int | None = None
    description: str | None = None
    dhcp: Dhcp | None = None
    path: str = ""
    line: int = 1
    lines: dict = field(default_factory=dict, repr=False, compare=False)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    @property
    def kea_subnet_id(self) -> int:
        """Stable across additions and removals of other networks: stored, or derived from
        the name (CRC-32, 1 .. 2**31-1); `cinv check` refuses two networks with one id."""
        if self.subnet_id is not None:
            return self.subnet_id
        return zlib.crc32(self.name.encode()) % (2**31 - 1) + 1

    def unfit(self, addr) -> str | None:
        """Why `addr` cannot be a host's address on this network (None when it can): outside
        its prefix, its network or broadcast address, the Subnet-Router anycast address, or
        its gateway. `cinv check` refuses such an address; an importer keeps it as a record."""
        if addr.version == 4:
            prefix, gateway = self.ipv4, self.gateway4
            if prefix is None:
                return f"is on network {self.name}, which has no IPv4 prefix"
        else:
            prefix, gateway = self.ipv6, self.gateway6
            if prefix is None:
                return f"is on network {self.name}, which has no IPv6 prefix"
        if addr not in prefix:
            return f"is outside network {self.name} ({prefix})"
        if addr.version == 4 and prefix.prefixlen <= 30:
            if addr == prefix.network_address:
                return f"is the network address of {prefix}"
            if addr == prefix.broadcast_address:
                return f"is the broadcast address of {prefix}"
        if addr.version == 6 and addr == prefix.network_address and prefix.prefixlen < 127:
            return "is the Subnet-Router anycast address"
        if addr == gateway:
            return f"is the gateway of network {self.name}"
        return None

    def to_dict(self, with_name: bool = False) -> dict:
        out: dict = {"name": self.name} if with_name else {}
        if self.description:
            out["description"] = self.description
        if self.domain:
            out["domain"] = self.domain
        if self.ipv4 is not None:
            out["ipv4"] = str(self.ipv4)
        if self.gateway4 is not None:
            out["gateway4"] = str(self.gateway4)
        if self.ipv6 is not None:
            out["ipv6"] = str(self.ipv6)
        if self.gateway6 is not None:
            out["gateway6"] = str(self.gateway6)
        if self.ipv6 is not None:
            out["ipv6_mode"] = self.ipv6_mode
        if self.dhcp_pool is not None:
            out["dhcp_pool"] = range_str(4, *self.dhcp_pool)
        if self.reserved:
            out["reserved"] = [range_str(*r) for r in self.reserved]
        if self.dns_servers:
            out["dns_servers"] = [str(a) for a in self.dns_servers]
        if self.vlan is not None:
            out["vlan"] = self.vlan
        if self.bridge:
            out["bridge"] = self.bridge
        if self.subnet_id is not None:
            out["subnet_id"] = self.subnet_id
        if self.dhcp is not None and self.dhcp.to_dict():
            out["dhcp"] = self.dhcp.to_dict()
        return out


# The nameserver of an inventory that names none: out of every zone cinv writes, so it needs no
# host and no glue, and named loads the zones (BIND's own empty zones, db.empty, name it too).
# `cinv check` warns about it until dns.nameservers names the real ones.
PLACEHOLDER_NS = "localhost."
HOLD_DAYS = 7  # default of allocate.hold_days in cinv.yaml (see cinv/git/freed.py)
# capacity.overcommit in cinv.yaml: a parent may hold guests up to ratio x its own cpus, memory
# and disk; the defaults are what a KVM shop runs (vCPUs shared, memory and disk not).
OVERCOMMIT = {"cpus": 4, "memory": 1, "disk": 1}


SOA_TIMERS = ("refresh", "retry", "expire", "minimum")  # a zone's own SOA timers, in SOA order
SERIAL_SCHEMES = ("unixtime", "date", "counter")


@dataclass(slots=True)
class ZoneRecord:
    """One record of a zone's own (zones/<zone>.yaml): what no host carries."""

    owner: str  # relative to the zone: "@" (the apex), "www", "*.lab", "_sip._tcp"
    type: str  # the upper-case mnemonic: MX, TXT, SRV, TYPE65534 ...
    value: str | list  # zone-file text, names relative to the zone; TXT also a list of strings
    ttl: int | None = None  # None: the zone's default
    line: int = 0
    path: str | None = None  # where it came from, when not its zone's file (an import's source)


def owner_key(owner: str) -> tuple:
    """The order of a zone's owners: the apex first, then by labels from the right."""
    if owner == "@":
        return ()
    return tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in reversed(owner.split(".")))


@dataclass(slots=True)
class Zone:
    """A zone cinv serves, known from zones/<name>.yaml: its default TTL and its own records.
    (Zones of network domains and reverse zones exist without a file; a file adds to them.)"""

    name: str
    ttl: int | None = None  # the zone's default TTL ($TTL); None: cinv.yaml's dns.ttl
    records: list[ZoneRecord] = field(default_factory=list)
    path: str = ""
    line: int = 1
    lines: dict = field(default_factory=dict, repr=False, compare=False)
    soa: dict = field(default_factory=dict)  # the zone's own SOA timers: refresh, retry, ...
    serial: str | None = None  # the serial scheme: unixtime | date | counter (None: unixtime)
    serial_floor: int | None = None  # a serial the zone had (import, apply): render stays above

    @property
    def scheme(self) -> str:
        return self.serial or "unixtime"

    def fqdn(self, owner: str) -> str:
        return self.name if owner == "@" else f"{owner}.{self.name}"

    def where(self, record: ZoneRecord) -> tuple[str, int]:
        return (record.path or self.path, record.line or self.line)

    def to_tuple(self) -> tuple:
        """Builtins only (for marshal): the cache's form of a parsed, validated zone file."""
        return (self.name, self.ttl, [(r.owner, r.type, r.value, r.ttl, r.line)
                                      for r in self.records], self.path, self.line, self.lines,
                self.soa, self.serial, self.serial_floor)

    @classmethod
    def from_tuple(cls, t: tuple) -> Zone:
        name, ttl, records, path, line, lines, soa, serial, floor = t
        return cls(name, ttl, [ZoneRecord(*r) for r in records], path, line, lines, soa, serial,
                   floor)

    def by_owner(self) -> list[tuple[str, list[ZoneRecord]]]:
        """Owners in DNS order (the apex first), each owner's records by type and value: the
        order of the stored file, however records were added."""
        groups: dict[str, list] = {}
        for r in self.records:
            groups.setdefault(r.owner, []).append(r)
        return [(owner, sorted(groups[owner], key=lambda r: (r.type, str(r.value))))
                for owner in sorted(groups, key=owner_key)]

    def to_dict(self) -> dict:
        """As stored (see by_owner for the order)."""
        out: dict = {}
        if self.ttl is not None:
            out["ttl"] = self.ttl
        if self.soa:
            out["soa"] = {k: self.soa[k] for k in SOA_TIMERS if k in self.soa}
        if self.serial is not None:
            out["serial"] = self.serial
        if self.serial_floor is not None:
            out["serial_floor"] = self.serial_floor
        records: dict = {}
        for owner, recs in self.by_owner():
            items = []
            for r in recs:
                item: dict = {"type": r.type, "value": list(r.value) if isinstance(r.value, list)
                              else r.value}
                if r.ttl is not None:
                    item["ttl"] = r.ttl
                items.append(item)
            records[owner] = items
        out["records"] = records
        return out


@dataclass(slots=True)
class DnsSettings:
    ttl: int = 3600
    primary_ns: str = PLACEHOLDER_NS
    hostmaster: str = "hostmaster.example.com."
    nameservers: list[str] = field(default_factory=lambda: [PLACEHOLDER_NS])


@dataclass(slots=True)
class AnsibleSettings:
    """The Ansible inventory's own settings: what `ansible_host` is (the host's first address,
    or its FQDN), vars of the group `all`, and vars of any group by name."""

    host: str = "ip"  # ip | fqdn
    vars: dict = field(default_factory=dict)
    group_vars: dict = field(default_factory=dict)


@dataclass(slots=True)
class Target:
    """A render target: a template rendered once, per host, per network or per zone."""

    name: str
    template: str
    each: str = "once"
    path: str = ""


@dataclass(slots=True)
class Settings:
    domain: str = "example.com"
    mac_prefix: str = "52:54:00"
    dns: DnsSettings = field(default_factory=DnsSettings)
    render_out: str = "build"
    targets: dict[str, Target] = field(default_factory=dict)
    image_dir: str = "/var/lib/libvirt/images"
    auto_commit: bool = True
    kea_interfaces: list[str] = field(default_factory=lambda: ["*"])
    ansible: AnsibleSettings = field(default_factory=AnsibleSettings)
    hold_days: float = HOLD_DAYS  # allocate.hold_days: a freed address or MAC waits this long
    overcommit: dict = field(default_factory=lambda: dict(OVERCOMMIT))  # capacity.overcommit
    avoid_refs: list[str] = field(default_factory=list)  # allocate.avoid_refs: branch patterns
    path: str = "cinv.yaml"
    lines: dict = field(default_factory=dict, repr=False, compare=False)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


@dataclass(slots=True)
class Inventory:
    """Everything loaded: settings, networks and hosts by name, and the problems met loading."""

    settings: Settings
    networks: dict[str, Network] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    zones: dict[str, Zone] = field(default_factory=dict)  # zones/<name>.yaml, by zone name
    # (paths, problem tuples): the per-host rules' problems of those host files, found by
    # the processes that parsed them (see cinv.check.run); None: none were
    prechecked: tuple | None = field(default=None, repr=False, compare=False)


    def active_hosts(self):
        # the state compared here, not through the property: the check's rules walk the hosts
        # this way 17 times (850,000 property calls at 50,000 hosts)
        return (h for h in self.hosts.values() if h.state != "retired")

    def children(self, name: str) -> list[Host]:
        return [h for h in self.hosts.values() if h.parent == name]

    def managed_domains(self) -> set[str]:
        """The DNS domains this inventory manages: cinv.yaml's domain, each network's domain
        and each zone of zones/ (forward or reverse). Every name a host carries must lie under
        one of them (check: names_in_managed_domains)."""
        return ({self.settings.domain} | {n.domain for n in self.networks.values() if n.domain}
                | set(self.zones))

    def domain_of(self, network: str | None) -> str:
        net = self.networks.get(network) if network else None
        return (net.domain if net is not None and net.domain else None) or self.settings.domain

    def alias_fqdn(self, alias: str, iface: Interface) -> str:
        """An alias with no dot is a label in the interface's network domain."""
        return alias if "." in alias else f"{alias}.{self.domain_of(iface.network)}"

    def dns_names(self, host: Host):
        """(fqdn, interface, is_alias) for every DNS name a host owns: the first interface
        carries the host's own name, the others <ifname>.<host>, and aliases are CNAMEs."""
        for index, iface in enumerate(host.interfaces):
            yield (host.name if index == 0 else f"{iface.name}.{host.name}"), iface, False
            for alias in iface.aliases:
                yield self.alias_fqdn(alias, iface), iface, True

    def extra_names(self, host: Host):
        """(fqdn, interface) for every name of an interface's `names:`: A/AAAA records of that
        interface's addresses under another name (the PTR stays the host's own)."""
        for iface in host.interfaces:
            for name in iface.names:
                yield self.alias_fqdn(name, iface), iface


# --- the host index's facts of a host (cinv/records/index.py) ---------------------------------

def facts_of(host: Host) -> tuple:
    """(name, state, parent, ((ifname, network, v4, v6, macs, aliases, names, duid), ...))."""
    return (host.name, host.state, host.parent, tuple(
        (i.name, i.network, int(i.ipv4) if i.ipv4 is not None else None,
         int(i.ipv6) if i.ipv6 is not None else None, tuple(i.macs), tuple(i.aliases),
         tuple(i.names), i.duid)
        for i in host.interfaces))


def facts_of_tuple(t: tuple) -> tuple:
    """facts_of(Host.from_tuple(t)), without making the Host (a parsing process makes them
    beside the parse: see load._parse_bucket)."""
    return (t[0], t[2], t[5], tuple(
        (i[0], i[1], i[3], i[4], i[10] if i[2] is None else (i[2], *i[10]), i[5], i[8], i[11])
        for i in t[8]))
