"""Text, table, JSON and YAML presentation of records (for the CLI; no click here)."""
from __future__ import annotations

import ipaddress
import json

from cinv import printable, usage
from cinv.records import yamlio
from cinv.records.model import Host, Inventory, Network
from cinv.records.values import format_size


def table(rows: list[list[str]], header: list[str]) -> str:
    """Aligned columns; a cell holding a control character shows it escaped (printable.line):
    one row is one line whatever a value holds."""
    rows = [header] + [[printable.line(c) if c else "-" for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def records(items: list[dict], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(items, indent=2)
    return yamlio.dump(items).rstrip()


def record(item: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(item, indent=2)
    return yamlio.dump(item).rstrip()


def hosts(hosts: list[Host], fmt: str) -> str:
    if fmt == "names":
        return "\n".join(h.name for h in hosts)
    if fmt in ("json", "yaml"):
        return records([h.to_dict(with_name=True) for h in hosts], fmt)
    rows = []
    for h in hosts:
        v4 = next((i.ipv4 for i in h.interfaces if i.ipv4 is not None), None)
        v6 = next((i.ipv6 for i in h.interfaces if i.ipv6 is not None), None)
        mac = next((i.mac_str for i in h.interfaces if i.mac is not None), None)
        rows.append([h.name, h.kind, h.state, str(v4 or ""), str(v6 or ""), mac or "",
                     h.parent or "", ",".join(h.tags)])
    return table(rows, ["NAME", "KIND", "STATE", "IPV4", "IPV6", "MAC", "PARENT", "TAGS"])


FOUND_COLUMNS = ("host", "interface", "network", "state", "ipv4", "ipv6", "mac", "match")


def found(rows: list[dict], fmt: str) -> str:
    """`cinv find`'s answer: a table, or a JSON array of the rows."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    return table([[r[c] or "" for c in FOUND_COLUMNS] for r in rows],
                 [c.upper() for c in FOUND_COLUMNS])


def networks(inv: Inventory, fmt: str) -> str:
    nets = [inv.networks[n] for n in sorted(inv.networks)]
    if fmt == "names":
        return "\n".join(n.name for n in nets)
    if fmt in ("json", "yaml"):
        return records([n.to_dict(with_name=True) for n in nets], fmt)
    count: dict = {}
    for h in inv.active_hosts():
        for n in {i.network for i in h.interfaces}:
            count[n] = count.get(n, 0) + 1
    rows = [[n.name, n.domain or inv.settings.domain, str(n.ipv4 or ""), str(n.ipv6 or ""),
             str(n.vlan or ""), n.bridge or "", str(count.get(n.name, 0))] for n in nets]
    return table(rows, ["NAME", "DOMAIN", "IPV4", "IPV6", "VLAN", "BRIDGE", "HOSTS"])


def network(inv: Inventory, net: Network, used4: set[int], used6: set[int], fmt: str) -> str:
    counts = rows = None
    if net.ipv4 is not None:
        counts, rows, per_cell = usage.ipv4_usage(net, used4)
    v6_used = sum(1 for a in used6 if net.ipv6 is not None
                  and ipaddress.IPv6Address(a) in net.ipv6)
    if fmt in ("json", "yaml"):
        data = net.to_dict(with_name=True)
        data["usage"] = {"ipv4": counts, "ipv6": {"used": v6_used}}
        return record(data, fmt)
    lines = [f"network {net.name}"]
    for key, value in net.to_dict().items():
        if isinstance(value, dict):  # dhcp: as it is written in networks/NAME.yaml
            lines.append(f"  {key}:")
            lines += [f"    {line}" for line in yamlio.dump(value).rstrip().splitlines()]
        else:
            lines.append(f"  {key + ':':<12} "
                         f"{', '.join(value) if isinstance(value, list) else value}")
    if counts:
        lines.append("")
        lines.append(f"IPv4 {net.ipv4}: {counts['used']} used, {counts['free']} free, "
                     f"{counts['reserved']} reserved, {counts['pool']} in the DHCP pool "
                     f"(of {counts['size']})")
        scale = "one address" if per_cell == 1 else f"{per_cell} addresses"
        lines.append(f"  each mark is {scale}; {usage.LEGEND}")
        base = int(net.ipv4.network_address)
        step = per_cell * len(rows[0]) if rows else 0
        for i, row in enumerate(rows):
            lines.append(f"  {str(ipaddress.IPv4Address(base + i * step)):>15}  {row}")
    if net.ipv6 is not None:
        lines.append("")
        lines.append(f"IPv6 {net.ipv6}: {v6_used} used ({net.ipv6_mode})")
    return "\n".join(lines)


def size(value: int | None) -> str:
    return format_size(value) if value is not None else ""
