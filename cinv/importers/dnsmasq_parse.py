"""dnsmasq configuration files as dnsmasq reads them: one `option=value` (or bare `option`) a
line, `#` comments, and the items of the lines cinv maps (dhcp-host, dhcp-range, dhcp-option,
host-record, cname, address) told apart as dnsmasq tells them apart.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

from cinv.importers import read_text
from cinv.records import values

_LEASE = re.compile(r"^(?:infinite|deprecated|\d+[smhdw]?)\Z", re.IGNORECASE)
_MAC_WILD = re.compile(r"^(?:\d{1,2}-)?[0-9a-fA-F*]{1,2}(?:[:-][0-9a-fA-F*]{1,2}){5}\Z")


@dataclass
class Line:
    key: str
    value: str | None  # None: a bare option (`bind-interfaces`)
    where: str

    def show(self) -> str:
        text = self.key if self.value is None else f"{self.key}={self.value}"
        return text[:100]


def lines(path: Path, shown: str) -> list[Line]:
    """The options of one file, in order (a leading `--` is allowed, as on the command line;
    a `#` after a blank starts a comment, as dnsmasq takes it outside quotes)."""
    out = []
    for n, raw in enumerate(read_text(path, shown).splitlines(), 1):
        text = _strip_comment(raw).strip()
        if not text:
            continue
        if text.startswith("--"):
            text = text[2:]
        key, sep, value = text.partition("=")
        out.append(Line(key.strip().lower(), value.strip() if sep else None, f"{shown}:{n}"))
    return out


def _strip_comment(raw: str) -> str:
    quoted = False
    for i, c in enumerate(raw):
        if c == '"':
            quoted = not quoted
        elif c == "#" and not quoted and (i == 0 or raw[i - 1].isspace()):
            return raw[:i]
    return raw


def split(value: str) -> list[str]:
    """A value's comma-separated items, blanks around them dropped, quotes kept together."""
    out, buf, quoted = [], "", False
    for c in value:
        if c == '"':
            quoted = not quoted
        if c == "," and not quoted:
            out.append(buf.strip())
            buf = ""
        else:
            buf += c
    return [*out, buf.strip()]


@dataclass
class Host:
    """The items of a dhcp-host line."""

    macs: list[int] = field(default_factory=list)
    client_id: str | None = None  # id:... (a DHCPv4 client id, or a DHCPv6 DUID)
    ipv4: str | None = None
    ipv6: list[str] = field(default_factory=list)
    name: str | None = None
    set_tags: list[str] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)  # (item, why not kept)


def host_items(value: str) -> Host:
    """dhcp-host=[<hwaddr>...][,id:<client_id>|*][,set:<tag>][,tag:<tag>][,<ipaddr>]
    [,[<ipv6addr>]...][,<hostname>][,<lease_time>][,ignore]"""
    h = Host()
    for item in split(value):
        low = item.lower()
        if not item:
            continue
        if low.startswith("id:"):
            h.client_id = item[3:]
        elif low.startswith("set:"):
            h.set_tags.append(item[4:])
        elif low.startswith(("tag:", "net:")):
            h.other.append((item, "a condition on a tag; cinv's reservation has none"))
        elif item.startswith("[") and item.endswith("]"):
            h.ipv6.append(item[1:-1])
        elif low == "ignore":
            h.other.append((item, "the server ignores this client: not a reservation"))
        elif _LEASE.match(item):
            h.other.append((item, "a lease time; cinv's servers give their own"))
        elif _MAC_WILD.match(item) and not _is_ipv4(item):
            _mac(item, h)
        elif _is_ipv4(item):
            h.ipv4 = item
        else:
            h.name = item
    return h


def _mac(item: str, h: Host) -> None:
    """A MAC item: `1-` (Ethernet) before it is allowed; a wildcard, another hardware type or
    a MAC no interface may hold is listed."""
    text = item[2:] if item.startswith("1-") else item
    if "*" in text:
        h.other.append((item, "a MAC with wildcards matches many clients: not a reservation"))
    elif re.match(r"^\d{1,2}-", text):
        h.other.append((item, "a hardware address of another type than Ethernet"))
    else:
        try:
            h.macs.append(values.mac_to_int(values.normalise_mac(text)))
        except ValueError as e:
            h.other.append((item, str(e)))


def _is_ipv4(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 4
    except ValueError:
        return False


@dataclass
class Range:
    """The items of a dhcp-range line."""

    family: int = 4
    first: str | None = None
    last: str | None = None
    mode: str | None = None  # static, proxy, ra-only ... (None: a dynamic range)
    netmask: str | None = None  # IPv4: the netmask; IPv6: the prefix length
    set_tags: list[str] = field(default_factory=list)
    other: list[tuple[str, str]] = field(default_factory=list)


_MODES6 = ("ra-only", "ra-names", "ra-stateless", "slaac", "ra-advrouter", "off-link")


def range_items(value: str) -> Range:
    """dhcp-range=[tag:<tag>[,tag:<tag>],][set:<tag>,]<start-addr>[,<end-addr>|<mode>]
    [,<netmask>[,<broadcast>]][,<lease time>] and the IPv6 form with a prefix length."""
    r = Range()
    addrs: list[str] = []
    for item in split(value):
        low = item.lower()
        if not item:
            continue
        if low.startswith("set:"):
            r.set_tags.append(item[4:])
        elif low.startswith(("tag:", "net:")):
            r.other.append((item, "a condition on a tag; cinv's range has none"))
        elif low in ("static", "proxy", *_MODES6) or low.startswith("constructor:"):
            r.mode = low if r.mode is None or low in ("static", "proxy") or \
                low.startswith("constructor:") else r.mode
            if low not in ("static", "proxy") and not low.startswith("constructor:"):
                r.other.append((item, "a router-advertisement mode; cinv renders its own"))
        elif is_address(item):
            addrs.append(item)
        elif item.isdigit() and addrs and ":" in addrs[0] and r.netmask is None \
                and int(item) <= 128:
            r.netmask = item  # an IPv6 prefix length
        elif _LEASE.match(item):
            r.other.append((item, "a lease time; cinv's servers give their own"))
        else:
            r.other.append((item, "not an item of a range cinv reads"))
    r.family = 6 if addrs and ":" in addrs[0] else 4
    if addrs:
        r.first = addrs.pop(0)
    if addrs and (r.family == 6 or r.mode is None):
        r.last = addrs.pop(0)
    if addrs and r.family == 4:
        r.netmask = addrs.pop(0)
        if addrs:
            addrs.pop(0)  # the broadcast address: what the netmask says
    r.other += [(a, "not an item of a range cinv reads") for a in addrs]
    return r


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
