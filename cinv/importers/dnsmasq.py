"""Hosts (and with --networks, ranges as networks) of dnsmasq configuration files, read in the
order given (dnsmasq.conf, then the files of its conf-dir).

`dhcp-host` lines become hosts: their MACs the interface's mac and other_macs, `id:` a DHCPv6
DUID (with an IPv6 address; `id:01:<MAC>` a DHCPv4 client id that is a MAC), the addresses,
the name (a short name in the network's domain, or `domain=`'s); `host-record` names and
addresses become hosts and their extra names; `cname` an alias of a host, else a CNAME record;
`address=/name/ip` the records `name` and `*.name` (as dnsmasq answers for the name and every
name below it). With --networks a `dhcp-range` becomes a network (its netmask, or the /24 that
holds it, said as a warning, since dnsmasq takes the prefix from its interface) with the range
as pool, and `domain=`, `dhcp-option` and `dhcp-boot` lines without a tag, or with the range's
tag, its fields; those with a host's `set:` tag go to that host. Everything else is listed
with its file:line.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cinv import names
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    FoundRecord,
    FoundZone,
    domains,
    fold_interfaces,
    host_name,
    mac_of_client_id,
    network_holding,
    subnets,
)
from cinv.importers import dnsmasq_parse as parse
from cinv.importers.dhcpd_scope import dhcp_block
from cinv.importers.kea import generated_name
from cinv.records import dhcpopts, values, zones
from cinv.records.model import Inventory

_BY_CODE = {(o.family, o.code): o for o in dhcpopts.OPTIONS.values()}
_HANDLED = ("dhcp-range", "dhcp-host", "host-record", "cname", "address", "dhcp-option",
            "dhcp-option-force", "dhcp-boot", "domain")


@dataclass
class _Net:
    """A network of this import: its prefix, fields and tags (from dhcp-range lines)."""

    prefix: ipaddress.IPv4Network | ipaddress.IPv6Network
    where: str
    fields: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    tags: set = field(default_factory=set)


def read(paths: list[tuple[Path, str]], inv: Inventory, networks: bool = False) -> Findings:
    found = Findings(source=", ".join(shown for _, shown in paths))
    rows = [row for path, shown in paths for row in parse.lines(path, shown)]
    _Reader(inv, found, networks).read(rows)
    found.sort_unmapped()
    return found


class _Reader:
    def __init__(self, inv: Inventory, found: Findings, networks: bool):
        self.inv, self.found, self.networks = inv, found, networks
        self.nets = dict(inv.networks)
        self.mine: list[_Net] = []
        self.domain: str | None = None  # domain= without a range
        self.domain_ranges: list[tuple] = []  # (prefix, domain) of domain= with a range
        self.hosts: list[FoundHost] = []
        self.host_tags: dict[str, list[FoundIface]] = {}
        self.mac_tags: list[tuple[parse.Line, list[int], list[str]]] = []  # MACs' set: tags
        self.records: dict[str, FoundZone] = {}

    def skip(self, row: parse.Line, why: str, what: str | None = None) -> None:
        self.found.skip(row.where, what or row.show(), why)

    def read(self, rows: list[parse.Line]) -> None:
        for row in rows:
            if row.key not in _HANDLED:
                self.skip(row, "dnsmasq setting; cinv does not keep it" if row.key not in (
                    "conf-file", "conf-dir", "addn-hosts", "dhcp-hostsfile", "dhcp-optsfile")
                    else "a file of its own: give it to the import, if it holds these lines")
        for row in rows:
            if row.key == "domain":
                self.domain_line(row)
        for row in rows:
            if row.key == "dhcp-range":
                self.range(row)
        options = [r for r in rows if r.key in ("dhcp-option", "dhcp-option-force", "dhcp-boot")]
        later = [r for r in options if not self.option(r, hosts=False)]
        self.place_networks()  # before the hosts: their names take the networks' domains
        for row in rows:
            {"dhcp-host": self.dhcp_host, "host-record": self.host_record,
             "address": self.address}.get(row.key, lambda _r: None)(row)
        self.tag_macs()
        for row in later:  # options of a dhcp-host's set: tag
            self.option(row, hosts=True)
        for row in rows:
            if row.key == "cname":
                self.cname(row)
        self.found.hosts = fold_interfaces(self.hosts, self.inv, domains(self.inv))
        self.found.zones = list(self.records.values())

    # --- networks -----------------------------------------------------------------------

    def domain_line(self, row: parse.Line) -> None:
        items = parse.split(row.value or "")
        try:
            domain = names.check_fqdn(items[0].rstrip(".").lower())
        except (ValueError, IndexError) as e:
            self.skip(row, str(e) or "no domain")
            return
        if len(items) == 1:
            self.domain = domain
            return
        prefix = _prefix(items[1:3])
        if prefix is None:
            self.skip(row, "the range of this domain is not one cinv reads")
            return
        self.domain_ranges.append((prefix, domain))

    def range(self, row: parse.Line) -> None:
        r = parse.range_items(row.value or "")
        for item, why in r.other:
            self.skip(row, why, f"{row.key}={row.value} ({item})")
        if r.first is None or (r.mode or "").startswith(("proxy", "constructor:")):
            why = "a proxy range serves no addresses of its own" if r.mode == "proxy" else \
                "dnsmasq takes its prefix from the interface" if r.mode else "no address"
            self.skip(row, f"{why}; not imported")
            return
        prefix, assumed = self.range_prefix(r)
        if prefix is None:
            self.skip(row, "not a range cinv reads")
            return
        if not self.networks:
            self.skip(row, "networks are imported only with --networks")
            return
        net = next((n for n in self.mine if n.prefix == prefix), None)
        if net is None:
            net = _Net(prefix, row.where)
            self.mine.append(net)
        elif r.family == 4 and r.mode is None and "dhcp_pool" in net.fields:
            self.skip(row, "cinv keeps one dynamic range per network")
            return
        net.tags.update(r.set_tags)
        if assumed:
            self.found.notes.append(f"{row.where}: warning: dhcp-range names no netmask "
                                    f"(dnsmasq takes it from its interface): imported as "
                                    f"{prefix}; correct it with cinv net set if the "
                                    "network is another")
        if r.family == 6:
            if r.mode is None and r.last is not None:
                self.skip(row, "cinv keeps no IPv6 dynamic range; the prefix is imported")
        elif r.mode is None and r.last is not None:
            same = subnets.same_prefix(self.nets, prefix)
            subnets.pool(net.fields, prefix, same.gateway4 if same is not None else None,
                         r.first, r.last, row.where, row.show(), self.found)

    def range_prefix(self, r: parse.Range):
        """(prefix, whether cinv assumed it) of a range."""
        try:
            first = ipaddress.ip_address(r.first)
            if r.netmask is not None:
                return ipaddress.ip_network(f"{first}/{r.netmask}", strict=False), False
        except ValueError:
            return None, False
        held = network_holding(self.nets.values(), first)
        if held is not None:
            return (held.ipv4 if first.version == 4 else held.ipv6), False
        if first.version == 6:
            return None, False
        net = ipaddress.ip_network(f"{first}/24", strict=False)
        try:
            last = ipaddress.ip_address(r.last or r.first)
        except ValueError:
            return None, False
        while last not in net:
            net = net.supernet()
        return net, True

    def place_networks(self) -> None:
        for net in self.mine:
            params = dict(net.params)
            domain = next((d for p, d in self.domain_ranges
                           if p.version == net.prefix.version and net.prefix.subnet_of(p)),
                          None) or self.domain
            if domain and "domain-name" not in params:
                params["domain-name"] = domain
            f = subnets.fields(net.prefix, params)
            f.update({k: v for k, v in net.fields.items() if k not in f})
            subnets.place(net.prefix, f, self.nets, self.found, net.where,
                          next(iter(sorted(net.tags)), None),
                          "import the file with the IPv4 range first")

    # --- hosts --------------------------------------------------------------------------

    def dhcp_host(self, row: parse.Line) -> None:
        h = parse.host_items(row.value or "")
        for item, why in h.other:
            self.skip(row, why, f"dhcp-host={row.value} ({item})")
        if h.macs and h.set_tags and not (h.name or h.ipv4 or h.ipv6 or h.client_id):
            self.mac_tags.append((row, h.macs, h.set_tags))  # only tags these MACs
            return
        iface = FoundIface(where=row.where)
        if h.macs:
            iface.mac, iface.other_macs = h.macs[0], h.macs[1:]
        if h.client_id is not None:
            self.client_id(row, h, iface)
        try:
            iface.ipv4 = values.parse_ip(h.ipv4, 4) if h.ipv4 else None
            iface.ipv6 = values.parse_ip(h.ipv6[0], 6) if h.ipv6 else None
        except ValueError as e:
            self.skip(row, str(e))
            return
        for extra in h.ipv6[1:]:
            self.skip(row, "cinv keeps one IPv6 address per interface", f"[{extra}]")
        if not iface.macs and iface.duid is None:
            if not h.other and h.client_id is None:
                self.skip(row, "neither a MAC nor a DUID: dnsmasq gives this name an "
                          "address only by that name; not a reservation cinv keeps")
            return
        host = self.host(row, iface, h.name)
        if host is not None:
            for tag in h.set_tags:
                self.host_tags.setdefault(tag, []).append(iface)

    def tag_macs(self) -> None:
        """dhcp-host=<MAC>,set:<tag> lines: the tag goes to the interface another dhcp-host
        line gives that MAC (its options then come with it)."""
        by_mac = {mac: i for h in self.hosts for i in h.interfaces for mac in i.macs}
        for row, macs, tags in self.mac_tags:
            ifaces = [by_mac[m] for m in macs if m in by_mac]
            if not ifaces:
                self.skip(row, "tags a MAC no dhcp-host line of this import reserves")
            for tag in tags:
                self.host_tags.setdefault(tag, []).extend(ifaces)

    def client_id(self, row: parse.Line, h: parse.Host, iface: FoundIface) -> None:
        cid = h.client_id
        if cid == "*":
            return  # ignore the client id, match the MAC: cinv's reservation does
        if h.ipv6:
            try:
                iface.duid = values.parse_duid(cid)
            except ValueError as e:
                self.skip(row, str(e), f"id:{cid}")
            return
        mac = mac_of_client_id(cid)
        if not h.macs and mac is not None:
            iface.mac = mac
            self.found.notes.append(f"{row.where}: the client id {cid} is the Ethernet MAC "
                                    "after 01: the reservation keys on that MAC")
            return
        self.skip(row, "a DHCPv4 client id: cinv keys DHCPv4 reservations on the MAC",
                  f"id:{cid}")

    def host(self, row: parse.Line, iface: FoundIface, raw: str | None,
             extra: list[str] = ()) -> FoundHost | None:
        addr = iface.ipv4 or iface.ipv6
        net = network_holding(self.nets.values(), addr) if addr is not None else None
        if net is None and addr is None and len(self.nets) == 1:
            net = next(iter(self.nets.values()))  # the one network a MAC-only host can be on
        if net is None:
            why = f"no network holds {addr}" if addr is not None else \
                "no address tells its network"
            self.skip(row, f"{why}; add the network (cinv net add) or use --networks")
            return None
        iface.network = net.name
        domain = net.domain or self.domain or self.inv.settings.domain
        if not raw:
            raw = generated_name(iface)
            self.found.notes.append(f"{row.where}: {row.key} names no host: named {raw}")
        fqdn, why = host_name(raw, domain)
        if fqdn is None:
            self.skip(row, why)
            return None
        for name in extra:
            label, why = host_name(name, domain)
            if label is None:
                self.skip(row, why, name)
            elif label != fqdn:
                iface.names.append(label)
        host = FoundHost(name=fqdn, where=row.where, interfaces=[iface])
        self.hosts.append(host)
        return host

    def host_record(self, row: parse.Line) -> None:
        items = [i for i in parse.split(row.value or "") if i]
        names_, addrs = [], []
        for item in items:
            (addrs if parse.is_address(item) else names_).append(item)
        if names_ and names_[-1].isdigit():
            self.skip(row, "a TTL; cinv gives its zones' TTL", f"{row.key} TTL {names_[-1]}")
            names_ = names_[:-1]
        iface = FoundIface(where=row.where)
        for a in addrs:
            addr = ipaddress.ip_address(a)
            if getattr(iface, f"ipv{addr.version}") is not None:
                self.skip(row, "cinv keeps one address of each family per interface", a)
            else:
                setattr(iface, f"ipv{addr.version}", addr)
        if not names_ or not addrs:
            self.skip(row, "a host-record needs a name and an address")
            return
        self.host(row, iface, names_[0], names_[1:])

    def cname(self, row: parse.Line) -> None:
        items = [i for i in parse.split(row.value or "") if i]
        if items and items[-1].isdigit():
            self.skip(row, "a TTL; cinv gives its zones' TTL", f"cname TTL {items[-1]}")
            items = items[:-1]
        if len(items) < 2:
            self.skip(row, "a cname needs a name and a target")
            return
        target = items[-1].rstrip(".").lower()
        iface = self.iface_named(target, row.where)
        for alias in items[:-1]:
            alias = alias.rstrip(".").lower()
            if iface is not None:
                iface.aliases.append(alias)
            else:
                self.record(row, alias, "CNAME", target + ".")

    def iface_named(self, fqdn: str, where: str) -> FoundIface | None:
        """The first interface of a host of this import or the inventory, to take aliases."""
        for host in self.hosts:
            if host.name == fqdn:
                return host.interfaces[0]
        host = self.inv.hosts.get(fqdn)
        if host is None or host.retired or not host.interfaces:
            return None
        first = host.interfaces[0]
        iface = FoundIface(where=where, network=first.network, name=first.name, mac=first.mac,
                           ipv4=first.ipv4, ipv6=first.ipv6)
        self.hosts.append(FoundHost(name=fqdn, where=where, interfaces=[iface]))
        return iface

    def address(self, row: parse.Line) -> None:
        parts = (row.value or "").split("/")
        if len(parts) < 3 or parts[0]:
            self.skip(row, "not address=/name/.../address")
            return
        domains_, target = parts[1:-1], parts[-1]
        if target in ("", "#", "0.0.0.0", "::") or not parse.is_address(target):
            self.skip(row, "answers no address (a block list); not a record")
            return
        rtype = "A" if ipaddress.ip_address(target).version == 4 else "AAAA"
        for name in domains_:
            name = name.strip(".").lower()
            if not name or name == "#":
                self.skip(row, "every name: not a record", f"address=/{name}/")
                continue
            self.record(row, name, rtype, target)
            self.record(row, f"*.{name}", rtype, target)

    def record(self, row: parse.Line, name: str, rtype: str, value: str) -> None:
        served = {self.inv.settings.domain, *self.inv.managed_domains(),
                  *(n.domain for n in self.nets.values() if n.domain),
                  *([self.domain] if self.domain else [])}
        zone = zones.zone_of(name.lstrip("*."), served) if name.startswith("*.") else \
            zones.zone_of(name, served)
        if zone is None:
            self.skip(row, "outside every zone the inventory serves", f"{name} {rtype}")
            return
        owner = zones.relative(name, zone) if not name.startswith("*.") else \
            "*" + ("" if name[2:] == zone else "." + zones.relative(name[2:], zone))
        fz = self.records.setdefault(zone, FoundZone(name=zone, where=row.where))
        fz.records.append(FoundRecord(owner, rtype, value, None, row.where))

    # --- options ------------------------------------------------------------------------

    def option(self, row: parse.Line, hosts: bool) -> bool:
        """Apply a dhcp-option or dhcp-boot line to the networks (hosts=False) or to the
        hosts of its tag (hosts=True); False: it is for hosts, to be applied later."""
        items = parse.split(row.value or "")
        tags = []
        while items and items[0].lower().startswith(("tag:", "net:")):
            tags.append(items.pop(0).split(":", 1)[1])
        nets = [n for n in self.mine if tags and tags[0] in n.tags]
        if not hosts and len(tags) == 1 and not nets and not tags[0].startswith("!"):
            return False
        got = self.boot(row, items) if row.key == "dhcp-boot" else self.dhcp_option(row, items)
        if got is None:
            return True
        if hosts:
            ifaces = self.host_tags.get(tags[0], [])
            if not ifaces:
                self.skip(row, f"tag {tags[0]} is set by no range or host of this import")
            for iface in ifaces:
                _add_to_host(iface, got)
        else:
            for params in self.net_scopes(row, tags, nets):
                params.update(got)
        return True

    def boot(self, row: parse.Line, items: list[str]) -> dict | None:
        try:
            out = {"filename": dhcpopts.filename(items[0])}
            if len(items) >= 3 and items[2]:
                out["next-server"] = dhcpopts.ipv4(items[2])
            return out
        except (ValueError, IndexError) as e:
            self.skip(row, str(e) or "no boot file")
            return None

    def dhcp_option(self, row: parse.Line, items: list[str]) -> dict | None:
        if not items or items[0].lower().startswith(("encap:", "vi-encap:", "vendor:")):
            self.skip(row, "a vendor or encapsulated option; cinv keeps the options of its "
                      "table")
            return None
        name, data = items[0].lower(), [i.strip("[]") for i in items[1:]]
        opt = _BY_CODE.get((4, int(name))) if name.isdigit() else \
            _BY_CODE.get((6, int(name[8:]))) if name.startswith("option6:") and \
            name[8:].isdigit() else dhcpopts.lookup(name)
        if opt is None:
            self.skip(row, "not an option cinv knows (see the README's table of DHCP options)")
            return None
        if not [d for d in data if d] or any(d in ("0.0.0.0", "::") for d in data):
            self.skip(row, "no value, or dnsmasq's own address (0.0.0.0): cinv keeps options "
                      "with a value")
            return None
        if row.key == "dhcp-option-force":
            self.skip(row, "forced: cinv's servers send an option as a client asks for it",
                      f"{row.key} (the option is imported)")
        try:
            value = dhcpopts.parse_value(opt, data if opt.type in ("ips", "ip6s", "fqdns")
                                         else ",".join(data))
        except ValueError as e:
            self.skip(row, str(e))
            return None
        return {opt.name: value}

    def net_scopes(self, row: parse.Line, tags: list[str], nets: list[_Net]) -> list[dict]:
        """The parameters of the networks an option goes to: every network of the import (no
        tag), or those of the ranges with its set: tag."""
        if not tags:
            if not self.networks:
                self.skip(row, "network parameter: imported into networks with --networks")
                return []
            if not self.mine:
                self.skip(row, "applies to no range of this import")
            return [n.params for n in self.mine]
        if len(tags) > 1 or tags[0].startswith("!"):
            self.skip(row, "a condition on several tags, or a negated one; cinv's options have "
                      "none")
            return []
        return [n.params for n in nets]


def _add_to_host(iface: FoundIface, got: dict) -> None:
    """Options of a dhcp-host's tag into its interface's dhcp block."""
    d = iface.dhcp or {}
    params = {**({"next-server": d["next_server"]} if "next_server" in d else {}),
              **({"filename": d["filename"]} if "filename" in d else {}),
              **d.get("options", {}), **got}
    iface.host_name = params.pop("host-name", iface.host_name)
    iface.dhcp = dhcp_block(params) or None


def _prefix(items: list[str]):
    """The prefix of a domain= range: a.b.c.d/len, or first,last (the smallest prefix)."""
    try:
        if len(items) >= 1 and "/" in items[0]:
            return ipaddress.ip_network(items[0], strict=False)
        first, last = ipaddress.ip_address(items[0]), ipaddress.ip_address(items[1])
        net = ipaddress.ip_network(f"{first}/{first.max_prefixlen}")
        while last not in net:
            net = net.supernet()
        return net
    except (ValueError, IndexError):
        return None
