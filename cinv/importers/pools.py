"""A source's dynamic range as a network's `dhcp_pool`: clipped to what the server really leases.

cinv's pools never hold the network's network or broadcast address (of a /30 or larger) or its
gateway, and `cinv check` refuses one that does. Real files often write a range from .0 or to
.255, or over the router (dhcpd accepts them: it never leases the network or broadcast address,
and pings an address before offering it, so the router's stays taken). Such a range is imported
clipped, with a warning at its file:line; a router inside the range (not at an end) leaves two
pieces, of which the larger is kept and the other listed. A range reaching outside its subnet is
refused by the server itself: listed, not imported.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass
class Clipped:
    pool: tuple[str, str] | None  # (first, last) to import, or None
    warning: str | None = None  # what was clipped, for the plan's notes (a warning)
    dropped: str | None = None  # what is not imported, and why (listed as not mapped)


def clip(prefix: ipaddress.IPv4Network, gateway, first: str, last: str) -> Clipped:
    """The range first-last of the subnet prefix (gateway: its gateway4 or None)."""
    try:
        a, b = ipaddress.IPv4Address(first), ipaddress.IPv4Address(last)
    except ValueError:
        return Clipped(None, dropped="not a range of IPv4 addresses")
    if a > b:
        a, b = b, a  # dhcpd takes a range high to low as well
    if a not in prefix or b not in prefix:
        return Clipped(None, dropped=f"reaches outside the subnet {prefix}, which the server "
                                     "refuses too")
    cut = []
    if prefix.prefixlen <= 30:
        if a == prefix.network_address:
            a += 1
            cut.append(f"the network address {prefix.network_address}")
        if b == prefix.broadcast_address:
            b -= 1
            cut.append(f"the broadcast address {prefix.broadcast_address}")
    dropped = None
    gw = ipaddress.IPv4Address(gateway) if gateway is not None else None
    if gw is not None and a <= gw <= b:
        cut.append(f"the router {gw}")
        if gw == a:
            a += 1
        elif gw == b:
            b -= 1
        else:
            low, high = (a, gw - 1), (gw + 1, b)
            keep, other = (high, low) if int(high[1]) - int(high[0]) >= \
                int(low[1]) - int(low[0]) else (low, high)
            a, b = keep
            dropped = (f"{other[0]}-{other[1]}: the part of the range on the other side of the "
                       f"router {gw}; cinv keeps one pool per network, the larger part")
    if not cut:
        return Clipped((str(a), str(b)))
    if a > b:
        return Clipped(None, dropped=f"holds only {' and '.join(cut)}, which are never leased")
    return Clipped((str(a), str(b)),
                   warning=f"the range {first}-{last} holds {' and '.join(cut)}, which the "
                           f"server never leases; imported as {a}-{b}", dropped=dropped)
