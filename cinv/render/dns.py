"""DNS zones from the view: forward zones per domain, reverse zones per network, in one pass.

Forward: one zone per network domain and the default domain. A name belongs to the zone of its
longest matching domain suffix; a child zone we also serve is delegated from its parent (NS, plus
glue for nameservers inside it). The first interface carries the host's name, the others
<ifname>.<host>; aliases are CNAMEs to the name of their interface.

Reverse IPv4: one zone per /24 a network covers (a /22 gives four; networks shorter than /16 use
zones at the octet boundary instead of thousands of /24s). A network smaller than /24 gets an
RFC 2317 child zone "<first>-<len>.<c>.<b>.<a>.in-addr.arpa" holding its PTRs, and the parent /24
zone "<c>.<b>.<a>.in-addr.arpa" delegates it: NS records for the child plus a CNAME
"<n> -> <n>.<first>-<len>" for every address of the block. Reverse IPv6: one ip6.arpa zone per
prefix at the nibble boundary (a prefix that is not a multiple of 4 splits into the 2, 4 or 8
zones of the next nibble boundary). Every PTR target is absolute. No $GENERATE anywhere.
"""
from __future__ import annotations

import hashlib
import ipaddress

from cinv.errors import CinvError
from cinv.render.view import Item

REFRESH, RETRY, EXPIRE, MINIMUM = 3600, 900, 1209600, 300
TYPE_ORDER = {"NS": 0, "A": 1, "AAAA": 2, "CNAME": 3, "PTR": 4}


def _label_key(label: str):
    return (0, int(label), "") if label.isdigit() else (1, 0, label)


def _record_key(rec: tuple) -> tuple:
    owner, rtype, data = rec
    labels = () if owner == "@" else tuple(_label_key(x) for x in reversed(owner.split(".")))
    return (labels, TYPE_ORDER.get(rtype, 9), data)


def relative(fqdn: str, zone: str) -> str:
    return "@" if fqdn == zone else fqdn[: -len(zone) - 1]


def v4_zone_name(value: int, bits: int) -> str:
    octets = [str((value >> (24 - 8 * i)) & 255) for i in range(bits // 8)]
    return ".".join(reversed(octets)) + ".in-addr.arpa"


def v6_zone_name(value: int, bits: int) -> str:
    nibbles = f"{value:032x}"[: bits // 4]
    return ".".join(reversed(nibbles)) + ".ip6.arpa"


def zone_file(name: str) -> str:
    return f"db.{name}"


class ZoneSet:
    """Collects records per zone, then turns them into sorted zone dicts for the templates."""

    def __init__(self, view):
        self.view = view
        dns = view.settings["dns"]
        self.dns = dns
        self.records: dict[str, list[tuple]] = {}
        self.kinds: dict[str, str] = {}

    def add_zone(self, name: str, kind: str) -> None:
        if name not in self.records:
            self.records[name] = [("@", "NS", ns) for ns in self.dns["nameservers"]]
            self.kinds[name] = kind

    def result(self) -> list[dict]:
        out = []
        head = f"{self.dns['ttl']} {self.dns['primary_ns']} {self.dns['hostmaster']}\n"
        for name in sorted(self.records, key=lambda z: tuple(reversed(z.split(".")))):
            recs = sorted(set(self.records[name]), key=_record_key)
            digest = hashlib.sha256((head + "\n".join(" ".join(r) for r in recs)).encode())
            out.append(Item({
                "name": name, "file": zone_file(name), "kind": self.kinds[name],
                "ttl": self.dns["ttl"], "primary_ns": self.dns["primary_ns"],
                "hostmaster": self.dns["hostmaster"], "nameservers": self.dns["nameservers"],
                "refresh": REFRESH, "retry": RETRY, "expire": EXPIRE, "minimum": MINIMUM,
                "records": [Item(name=o, type=t, data=d) for o, t, d in recs],
                "digest": digest.hexdigest(),
            }))
        return out


def build_zones(view, strict: bool = True) -> list[dict]:
    """Every zone with its records. strict: refuse an in-zone nameserver without an address
    (off when zones are only compared, e.g. for serials of past commits)."""
    zs = ZoneSet(view)
    domains = {view.settings["domain"]} | {n["domain"] for n in view.networks}
    for d in domains:
        zs.add_zone(d, "forward")

    def zone_of(fqdn: str):
        labels = fqdn.split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:])
            if suffix in domains:
                return suffix
        return None

    # forward records
    addresses: dict[str, list[tuple[str, str]]] = {}
    for host in view.hosts:
        for iface in host["interfaces"]:
            fqdn = iface["fqdn"]
            zone = zone_of(fqdn)
            addrs = [(t, iface[k]) for t, k in (("A", "ipv4"), ("AAAA", "ipv6")) if iface[k]]
            if not addrs:
                continue
            if zone is None:
                view.warnings.append(f"dns: {fqdn} lies in none of the zones "
                                     f"({', '.join(sorted(domains))}); left out of DNS")
                continue
            addresses[fqdn] = addrs
            owner = relative(fqdn, zone)
            zs.records[zone].extend((owner, t, a) for t, a in addrs)
            for alias in iface["aliases"]:
                azone = zone_of(alias)
                if azone is None or alias == azone:
                    why = "is a zone apex" if azone else "lies in none of the zones"
                    view.warnings.append(f"dns: alias {alias} of {host['name']} {why}; "
                                         "left out of DNS")
                    continue
                zs.records[azone].append((relative(alias, azone), "CNAME", f"{fqdn}."))

    # delegations of child zones we also serve, with glue for nameservers inside them
    for child in domains:
        parent = zone_of(child.split(".", 1)[1]) if "." in child else None
        if parent is None:
            continue
        for ns in view.settings["dns"]["nameservers"]:
            zs.records[parent].append((relative(child, parent), "NS", ns))
            target = ns.rstrip(".")
            if target == child or target.endswith("." + child):
                for rtype, addr in addresses.get(target, []):
                    zs.records[parent].append((relative(target, parent), rtype, addr))
    for ns in view.settings["dns"]["nameservers"]:
        target = ns.rstrip(".")
        zone = zone_of(target)
        if strict and zone is not None and target not in addresses:
            raise CinvError(f"cinv.yaml: dns.nameservers: {ns} lies in zone {zone} but no host "
                            "has that name and an address, so named would refuse the zone; add "
                            "that host or name another nameserver")

    _reverse4(view, zs)
    _reverse6(view, zs)
    return zs.result()


def _reverse4(view, zs: ZoneSet) -> None:
    blocks: dict[tuple[int, int], str] = {}  # (bits, value >> (32 - bits)) -> zone
    children: dict[int, list[tuple[int, int, str]]] = {}  # /24 key -> (first, last, zone)
    for net in view.model.networks.values():
        p = net.ipv4
        if p is None:
            continue
        first, last, plen = int(p.network_address), int(p.broadcast_address), p.prefixlen
        if plen > 24:
            label = f"{first & 255}-{plen}"
            parent = v4_zone_name(first & ~255, 24)
            child = f"{label}.{parent}"
            zs.add_zone(parent, "reverse4-parent")
            zs.add_zone(child, "reverse4-rfc2317")
            children.setdefault(first >> 8, []).append((first, last, child))
            for ns in zs.dns["nameservers"]:
                zs.records[parent].append((label, "NS", ns))
            for a in range(first, last + 1):
                zs.records[parent].append((str(a & 255), "CNAME", f"{a & 255}.{label}"))
            continue
        bits = 24 if plen >= 16 else (16 if plen > 8 else 8)
        for key in range(first >> (32 - bits), (last >> (32 - bits)) + 1):
            name = v4_zone_name(key << (32 - bits), bits)
            blocks[(bits, key)] = name
            zs.add_zone(name, "reverse4")
    bit_sizes = sorted({b for b, _ in blocks}, reverse=True)
    for host in view.hosts:
        for iface in host["interfaces"]:
            if not iface["ipv4"]:
                continue
            a = int(ipaddress.IPv4Address(iface["ipv4"]))
            target = iface["fqdn"] + "."
            for first, last, child in children.get(a >> 8, ()):
                if first <= a <= last:
                    zs.records[child].append((str(a & 255), "PTR", target))
                    break
            else:
                for bits in bit_sizes:
                    zone = blocks.get((bits, a >> (32 - bits)))
                    if zone is not None:
                        owner = ".".join(str((a >> (8 * i)) & 255)
                                         for i in range((32 - bits) // 8))
                        zs.records[zone].append((owner, "PTR", target))
                        break


def _reverse6(view, zs: ZoneSet) -> None:
    blocks: dict[tuple[int, int], str] = {}
    for net in view.model.networks.values():
        p = net.ipv6
        if p is None:
            continue
        bits = max(4, -(-p.prefixlen // 4) * 4)
        base = int(p.network_address) >> (128 - bits)
        for key in range(base, base + (1 << (bits - p.prefixlen))):
            name = v6_zone_name(key << (128 - bits), bits)
            blocks[(bits, key)] = name
            zs.add_zone(name, "reverse6")
    bit_sizes = sorted({b for b, _ in blocks}, reverse=True)
    for host in view.hosts:
        for iface in host["interfaces"]:
            if not iface["ipv6"]:
                continue
            a = int(ipaddress.IPv6Address(iface["ipv6"]))
            for bits in bit_sizes:
                zone = blocks.get((bits, a >> (128 - bits)))
                if zone is not None:
                    rest = f"{a:032x}"[bits // 4:]
                    zs.records[zone].append((".".join(reversed(rest)), "PTR",
                                             iface["fqdn"] + "."))
                    break
