"""One DHCP lease as a plain value, and what the lease file readers share: MACs (read with
netaddr), the MAC inside a DUID, client ids as hex. The readers: dhcpd_leases.py (ISC) and
leases.py (Kea, and the entry that reads any mix of files)."""
from __future__ import annotations

import ipaddress
import re

NEVER = float("inf")
# kinds of lease: v4, and the v6 IA types
V4, NA, TA, PD = "v4", "na", "ta", "pd"


class Lease:
    """One lease as the server last recorded it. The address is kept as (version, integer);
    `address` makes the ipaddress object when one is shown."""

    __slots__ = ("version", "value", "kind", "where", "state", "ends", "mac", "_client",
                 "prefixlen", "_hostname", "_body", "_starts")

    def __init__(self, version: int, value: int, kind: str, where: str, state: str,
                 ends: float, mac: int | None = None, client_raw: str | None = None,
                 prefixlen: int | None = None, hostname: str | None = None,
                 body: str | None = None, starts: float | None = None):
        self.version, self.value, self.kind, self.where = version, value, kind, where
        self.state = state  # active, free, ... (Kea: assigned, declined, expired-reclaimed, ..)
        self.ends = ends  # POSIX time; NEVER for a lease without end
        self.mac = mac
        self._client = client_raw  # client id / DUID as written (decoded on use: `client`)
        self.prefixlen = prefixlen  # pd only
        self._hostname = hostname
        self._body = body  # an ISC lease's statements, read for uid and hostname on use
        self._starts = starts  # Kea: when the client last renewed (expire - valid_lifetime)

    @property
    def client_raw(self) -> str | None:
        if self._client is None and self._body is not None:
            self._client = statement(self._body, "uid")
        return self._client

    @property
    def hostname(self) -> str | None:
        if self._hostname is None and self._body is not None:
            name = statement(self._body, "client-hostname")
            self._hostname = name.strip('"') if name else None
        return self._hostname

    @property
    def starts(self) -> str | None:
        """When the lease began (ISC `starts`; Kea: its last renewal), as UTC text."""
        if self._starts is not None:
            return _utc(self._starts)
        text = statement(self._body, "starts") if self._body is not None else None
        if text is None:
            return None
        m = _ISC_DATE.fullmatch(text)
        if m:
            return f"{m.group(1)}-{m.group(2)}-{m.group(3)} {m.group(4)} UTC"
        if text.startswith("epoch ") and text[6:].isdigit():
            return _utc(float(text[6:]))
        return None

    def __repr__(self) -> str:
        return (f"Lease({self.shown} {self.kind} {self.state} ends={self.ends} "
                f"mac={self.mac} at {self.where})")

    def active(self, now: float) -> bool:
        return self.state in ("active", "assigned") and self.ends > now

    @property
    def address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return (ipaddress.IPv4Address if self.version == 4 else ipaddress.IPv6Address)(
            self.value)

    @property
    def client(self) -> str | None:
        """The client identifier (uid, client-id or DUID) as lower-case hex; one that is
        neither quoted nor hex octets is refused at its file:line (it is printed)."""
        if self.client_raw is None:
            return None
        try:
            return ident_hex(self.client_raw)
        except ValueError as e:
            from cinv.errors import CinvError
            raise CinvError(f"{self.where}: {e}") from None

    @property
    def shown(self) -> str:
        return f"{self.address}/{self.prefixlen}" if self.kind == PD else str(self.address)


_ISC_DATE = re.compile(r"\d (\d{4})/(\d\d)/(\d\d) (\d\d:\d\d:\d\d)")


def _utc(when: float) -> str:
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))


# --- MACs, DUIDs, client ids ----------------------------------------------------------------

_CANONICAL_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")
# six octets (one or two digits, as dhcpd's %x may write them), Cisco's dotted or bare hex; a
# bare "00:11:22" netaddr would take as two 24-bit halves is not a lease's MAC
_MAC_SHAPE = re.compile(r"[0-9a-fA-F]{1,2}([:-])[0-9a-fA-F]{1,2}(?:\1[0-9a-fA-F]{1,2}){4}"
                        r"|[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}|[0-9a-fA-F]{12}")


def parse_mac(text: str) -> int | None:
    """A MAC as a 48-bit integer, read by netaddr; None for all zeros (what dhcpd writes for a
    lease that had no client). The lower-case colon form takes a fast path."""
    text = text.strip()
    if _CANONICAL_MAC.match(text):
        value = int(text.replace(":", ""), 16)
    else:
        import netaddr  # imported when needed: most lease files take the fast path
        try:
            if not _MAC_SHAPE.fullmatch(text):
                raise ValueError
            value = int(netaddr.EUI(text, version=48))
        except (netaddr.AddrFormatError, TypeError, ValueError):
            raise ValueError(f"{text!r} is not a MAC address") from None
    return value or None


def duid_mac(duid: bytes) -> int | None:
    """The Ethernet address inside a DUID-LLT (type 1) or DUID-LL (type 3), else None."""
    if len(duid) == 14 and duid[:4] == b"\x00\x01\x00\x01":
        return int.from_bytes(duid[8:], "big") or None
    if len(duid) == 10 and duid[:4] == b"\x00\x03\x00\x01":
        return int.from_bytes(duid[4:], "big") or None
    return None


def hex_bytes(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


_HEX_OCTETS = re.compile(r"[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2})*\Z")


def ident_hex(value: str) -> str:
    """A uid or DUID, quoted (dhcpd's octal escapes) or as a hex list, as lower-case hex; a
    ValueError for anything else (a lease file written by hand, or to attack a terminal)."""
    value = value.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return hex_bytes(unescape(value[1:-1]))
    return hex_octets(value, "client id")


def hex_octets(value: str, what: str) -> str:
    """value, hex octets with colons (01:52:54:00:aa:bb), lower-case; else a ValueError."""
    if not _HEX_OCTETS.match(value):
        raise ValueError(f"{what} {value[:60]!r} is not hex octets (such as 01:52:54:00:aa:bb)")
    return value.lower()


_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {b"t": b"\t", b"r": b"\r", b"n": b"\n", b"b": b"\b"}


def unescape(text: str) -> bytes:
    """A quoted string of the lease file as bytes (octal, hex and C escapes, as dhcpd's lexer)."""
    raw = text.encode("utf-8", errors="surrogateescape")
    if b"\\" not in raw:
        return raw

    def one(m: re.Match) -> bytes:
        if m.group(1):
            return bytes([int(m.group(1), 8) & 255])
        if m.group(2):
            return bytes([int(m.group(2), 16)])
        return _SIMPLE_ESCAPES.get(m.group(3), m.group(3))
    return _ESCAPE.sub(one, raw)


def statement(body: str, key: str) -> str | None:
    """The rest of the line of the first `key` statement of an ISC lease block (one statement
    a line, each ending in ';'), or None. str.find, not a regex: a few C calls."""
    i = body.find(key)
    while i >= 0:
        start = body.rfind("\n", 0, i) + 1
        after = i + len(key)
        if body[after:after + 1] in (" ", "\t") and (start == i or body[start:i].isspace()):
            return body[after:body.find("\n", after)].strip().removesuffix(";").rstrip()
        i = body.find(key, after)
    return None
