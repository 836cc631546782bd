"""How full a network is: counts and a block map for `cinv net show`. Pure functions."""
from __future__ import annotations

from bisect import bisect_left, bisect_right

from cinv.allocate import ipv4_blocked
from cinv.records.model import Network

LEGEND = "# used  . free  r reserved/gateway  p DHCP pool  - network/broadcast"


def _overlap(a: int, b: int, spans) -> int:
    return sum(max(0, min(b, y) - max(a, x) + 1) for x, y in spans)


def ipv4_usage(net: Network, used: set[int], columns: int = 64, max_rows: int = 16):
    """(counts, rows): counts of used/free/reserved/pool addresses, and the block map."""
    v4 = net.ipv4
    first, last = int(v4.network_address), int(v4.broadcast_address)
    total = last - first + 1
    edges = []
    if v4.prefixlen <= 30:
        edges = [(first, first), (last, last)]
    pool = [net.dhcp_pool] if net.dhcp_pool else []
    reserved = [s for s in ipv4_blocked(net) if s not in edges and s not in pool]
    held = sorted(a for a in used if first <= a <= last)
    in_pool = sum(1 for a in held if pool and pool[0][0] <= a <= pool[0][1])
    counts = {
        "size": total,
        "used": len(held),
        "pool": _overlap(first, last, pool) - in_pool,
        "reserved": _merged_count(reserved, pool + edges, first, last),
    }
    counts["free"] = total - len(edges) - counts["used"] - counts["pool"] - counts["reserved"]
    per_cell = max(1, -(-total // (columns * max_rows)))
    cells = -(-total // per_cell)
    chars = []
    for c in range(cells):
        a = first + c * per_cell
        b = min(last, a + per_cell - 1)
        n_used = bisect_right(held, b) - bisect_left(held, a)
        if n_used:
            chars.append("#")
        elif _overlap(a, b, edges) == b - a + 1:
            chars.append("-")
        elif _overlap(a, b, pool):
            chars.append("p")
        elif _overlap(a, b, reserved) == b - a + 1 - _overlap(a, b, edges):
            chars.append("r")
        else:
            chars.append(".")
    rows = ["".join(chars[i:i + columns]) for i in range(0, len(chars), columns)]
    return counts, rows, per_cell


def _merged_count(spans, exclude, first, last) -> int:
    """Addresses in the union of spans within [first, last], not counting `exclude` spans."""
    merged: list[list[int]] = []
    for a, b in sorted((max(a, first), min(b, last)) for a, b in spans if b >= first and a <= last):
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    total = sum(b - a + 1 for a, b in merged)
    return total - sum(_overlap(a, b, exclude) for a, b in merged)
