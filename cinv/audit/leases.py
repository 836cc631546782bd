"""DHCP lease databases as plain values: ISC dhcpd.leases (v4 and v6) and Kea memfile CSV.

Both formats are logs: a lease is written again each time it changes, so the LAST declaration of
an address wins (Kea's lease file cleanup keeps older rows in FILE.2 and FILE.1: give them in
that order, before FILE). What is left is filtered to the leases in use at `now`:

- ISC: `binding state active` and `ends` in the future (or `never`). A lease written without a
  binding state (lease files of dhcpd 3 and older) is active while it has not ended, which is the
  rule dhcpd itself applies when it reads one. A v6 IA (`ia-na`, `ia-ta`, `ia-pd`) written again
  replaces its earlier declaration, so an address it no longer lists is no longer its.
- Kea: `state` 0 (assigned), `valid_lifetime` not 0 (a row with 0 records a deleted lease) and
  `expire` in the future; the columns are found by their names in the header, as Kea 2.x writes
  it (with or without `pool_id`, `hwtype`, `hwaddr_source`).

The client's MAC is the lease's `hardware ethernet` (ISC v4), its `hwaddr` (Kea), else the
link-layer address inside a DUID-LLT or DUID-LL of Ethernet type (v6), else none.

Why our own parser and not the `isc-dhcp-leases` package: on real lease files (tests/corpus/
leases/) it drops abandoned leases and every lease without `hardware` silently, and stops with a
KeyError on a file written without binding states; a lease file cinv reads is taken whole or
refused at file:line.
"""
from __future__ import annotations

import calendar
import functools
import ipaddress
import os
import re
import socket
import time
from pathlib import Path

from cinv.errors import CinvError

MAX_LEASE_FILE = 1 << 30  # busy servers keep hundreds of MB; a hard stop against odd files
NEVER = float("inf")
KEA_INFINITE = 0xFFFFFFFF  # Kea's valid_lifetime of a lease that never expires

# kinds of lease: v4, and the v6 IA types
V4, NA, TA, PD = "v4", "na", "ta", "pd"


class Lease:
    """One lease as the server last recorded it. The address is kept as (version, integer);
    `address` makes the ipaddress object when one is shown."""

    __slots__ = ("version", "value", "kind", "where", "state", "ends", "mac", "_client",
                 "prefixlen", "_hostname", "_body")

    def __init__(self, version: int, value: int, kind: str, where: str, state: str,
                 ends: float, mac: int | None = None, client_raw: str | None = None,
                 prefixlen: int | None = None, hostname: str | None = None,
                 body: str | None = None):
        self.version, self.value, self.kind, self.where = version, value, kind, where
        self.state = state  # active, free, ... (Kea: assigned, declined, expired-reclaimed, ..)
        self.ends = ends  # POSIX time; NEVER for a lease without end
        self.mac = mac
        self._client = client_raw  # client id / DUID as written (decoded on use: `client`)
        self.prefixlen = prefixlen  # pd only
        self._hostname = hostname
        self._body = body  # an ISC lease's statements, read for uid and hostname on use

    @property
    def client_raw(self) -> str | None:
        if self._client is None and self._body is not None:
            self._client = _fast_fields(self._body, ("uid",)).get("uid")
        return self._client

    @property
    def hostname(self) -> str | None:
        if self._hostname is None and self._body is not None:
            name = _fast_fields(self._body, ("client-hostname",)).get("client-hostname")
            self._hostname = name.strip('"') if name else None
        return self._hostname

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
        """The client identifier (uid, client-id or DUID) as lower-case hex."""
        return None if self.client_raw is None else ident_hex(self.client_raw)

    @property
    def shown(self) -> str:
        return f"{self.address}/{self.prefixlen}" if self.kind == PD else str(self.address)


# --- MACs, DUIDs and times ----------------------------------------------------------------

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


def _hex(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def ident_hex(value: str) -> str:
    """A uid or DUID, quoted (dhcpd's octal escapes) or as a hex list, as lower-case hex."""
    value = value.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return _hex(_unescape(value[1:-1]))
    return value.lower()


@functools.lru_cache(maxsize=4096)
def _day(date: str) -> int | None:
    """YYYY/MM/DD as the POSIX time of its midnight (UTC), or None."""
    parts = date.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        y, mo, d = map(int, parts)
        if 1 <= y and 1 <= mo <= 12 and 1 <= d <= calendar.monthrange(y, mo)[1]:
            return calendar.timegm((y, mo, d, 0, 0, 0))
    return None


def _isc_date(text: str, where: str) -> float:
    """`W YYYY/MM/DD HH:MM:SS` (UTC), `epoch N` (db-time-format local) or `never`."""
    if len(text) == 21 and text[1] == " " and text[15] == ":" == text[18]:  # as dhcpd writes
        day = _day(text[2:12])
        if day is not None and text[13:21].replace(":", "").isdigit():
            h, mi, sec = int(text[13:15]), int(text[16:18]), int(text[19:21])
            if h < 24 and mi < 60 and sec < 61:
                return float(day + h * 3600 + mi * 60 + sec)
    args = text.split()
    if len(args) == 3 and args[0].isdigit():
        day, clock = _day(args[1]), args[2].split(":")
        if day is not None and len(clock) == 3 and all(p.isdigit() for p in clock):
            h, mi, sec = map(int, clock)
            if h < 24 and mi < 60 and sec < 61:
                return float(day + h * 3600 + mi * 60 + sec)
    if args == ["never"]:
        return NEVER
    if len(args) == 2 and args[0] == "epoch" and args[1].isdigit():
        return float(args[1])
    raise CinvError(f"{where}: {text!r} is not a date (W YYYY/MM/DD HH:MM:SS, epoch N or "
                    "never)")


# --- reading files ------------------------------------------------------------------------

def read_bytes(path: Path, shown: str) -> bytes:
    """A regular file's bytes, one clear line when it cannot be read."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not (st.st_mode & 0o170000) == 0o100000:
                raise CinvError(f"{shown}: not a regular file")
            if st.st_size > MAX_LEASE_FILE:
                raise CinvError(f"{shown}: {st.st_size} bytes; lease files over "
                                f"{MAX_LEASE_FILE >> 20} MiB are refused")
            return f.read()
    except OSError as e:
        raise CinvError(f"{shown}: cannot read: {e.strerror or e}") from None


def read_files(paths: list[tuple[Path, str]]) -> list[Lease]:
    """Every lease the files record, the last declaration of each winning; files are read in
    the order given and may be of either format (told apart by their first line)."""
    state: dict = {}
    for path, shown in paths:
        _read_text(read_bytes(path, shown).decode("utf-8", errors="replace"), shown, state)
    return _finish(state)


def read_files_text(text: str, shown: str) -> list[Lease]:
    """The leases of one file's text (read_files for a file already read)."""
    state: dict = {}
    _read_text(text, shown, state)
    return _finish(state)


def _read_text(text: str, shown: str, state: dict) -> None:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("#") and "address" in (f.strip() for f in first.split(",")):
        _read_kea(text, shown, state)
    else:
        IscReader(text, shown, state).read()


def _finish(state: dict) -> list[Lease]:
    out = []
    for value, lease in state.items():
        if type(lease) is tuple:  # an ISC lease read by a regex: its fields on demand
            if len(lease) == 6:  # ends, binding state and hardware ethernet in hand
                lease = _common_lease4(value, *lease)
            else:
                lease = _lease4(value, lease[0], lease[1], _fast_fields(lease[2]), lease[2])
        if lease is not None:
            out.append(lease)
    return out


def active(leases: list[Lease], now: float | None = None) -> list[Lease]:
    now = time.time() if now is None else now
    return [lease for lease in leases if lease.active(now)]


# --- Kea memfile CSV ----------------------------------------------------------------------

KEA_STATES = {0: "assigned", 1: "declined", 2: "expired-reclaimed", 3: "released",
              4: "registered"}
KEA_V6_TYPES = {0: NA, 1: TA, 2: PD}
# the columns a lease needs (state came with Kea 1.1; without it a lease is assigned)
_KEA4 = ("address", "valid_lifetime", "expire")
_KEA6 = ("address", "duid", "valid_lifetime", "expire", "lease_type")


def _read_kea(text: str, shown: str, state: dict) -> None:
    lines = text.lstrip("\ufeff").split("\n")
    header = [h.strip() for h in lines[0].strip().split(",")]
    v6 = "duid" in header
    missing = [c for c in (_KEA6 if v6 else _KEA4) if c not in header]
    if missing:
        raise CinvError(f"{shown}:1: a Kea lease file header without {', '.join(missing)} "
                        f"(has: {lines[0].strip()})")
    col = {name: i for i, name in enumerate(header)}
    width = len(header)
    ia, ie, il, ist = col["address"], col["expire"], col["valid_lifetime"], col.get("state")
    ihw, ihost = col.get("hwaddr"), col.get("hostname")
    iduid, itype, iplen = col.get("duid"), col.get("lease_type"), col.get("prefix_len")
    iclient = col.get("client_id")
    for n, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{shown}:{n}"
        row = line.split(",")
        if len(row) != width:
            raise CinvError(f"{where}: {len(row)} fields where the header names {width}")
        try:
            address = ipaddress.ip_address(row[ia])
            lifetime, expire = int(row[il]), int(row[ie])
            code = int(row[ist]) if ist is not None and row[ist] else 0
            kind = KEA_V6_TYPES[int(row[itype])] if v6 else V4
        except (ValueError, KeyError) as e:
            raise CinvError(f"{where}: not a Kea lease ({e})") from None
        if (address.version == 6) != v6:
            raise CinvError(f"{where}: {address} in a DHCPv{'6' if v6 else '4'} lease file")
        key = (kind, int(address)) if v6 else int(address)
        if lifetime == 0:  # Kea records a deleted lease this way
            state[key] = None
            continue
        mac = client = None
        try:
            if ihw is not None and row[ihw]:
                mac = parse_mac(row[ihw])
            if v6 and row[iduid]:
                duid = bytes.fromhex(row[iduid].replace(":", ""))
                mac = mac or duid_mac(duid)
                client = _hex(duid)
            elif iclient is not None and row[iclient]:
                client = row[iclient]
            plen = int(row[iplen]) if kind == PD and iplen is not None else None
        except ValueError as e:
            raise CinvError(f"{where}: {e}") from None
        hostname = row[ihost].replace("&#x2c", ",") if ihost is not None and row[ihost] else None
        state[key] = Lease(address.version, int(address), kind, where,
                           KEA_STATES.get(code, f"state {code}"),
                           NEVER if lifetime == KEA_INFINITE else float(expire), mac, client,
                           plen, hostname)


# --- ISC dhcpd.leases ---------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<nl>\n)
  | [ \t\r\f\v]+
  | \#[^\n]*
  | "(?P<str>(?:[^"\\\n]|\\.)*)"
  | (?P<punct>[{};])
  | (?P<word>[^\s{};"\#]+)
""", re.VERBOSE)
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {b"t": b"\t", b"r": b"\r", b"n": b"\n", b"b": b"\b"}
# top-level declarations cinv does not need: skipped with their bodies
_SKIPPED = {"server-duid", "authoring-byte-order", "failover", "host", "group", "subgroup",
            "class", "subclass", "lease-id-format"}
_IA_KINDS = {"ia-na": NA, "ia-ta": TA, "ia-pd": PD}


def _unescape(text: str) -> bytes:
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


# A lease as dhcpd writes it: `lease A {` alone on its line, then one statement a line (quoted
# strings closed, no braces or comment outside them), then `}`. Most of them hold `ends`,
# `binding state` and `hardware ethernet` in this order: one C-level regex matches such a
# block and captures the three. Other blocks of that layout are matched by a second regex and
# their statements found with str.find; everything else (v6 IAs, failover state, hand-edited
# layouts, damage) goes through the tokenizer, which is strict. Together they consume every
# byte of the file, in order.
_STMT_LINE = r'[ \t]+[^\n{}#"]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"[^\n{}#"]*)*;[ \t]*\n'
_FAST_LEASE = re.compile(r'^lease ([0-9.]+) \{[ \t]*\n((?:' + _STMT_LINE
                         + r')*)\}[ \t]*(?:\n|\Z)', re.MULTILINE)
_COMMON_LEASE = re.compile(
    r'^lease ([0-9.]+) \{[ \t]*\n('
    r'(?:' + _STMT_LINE + r')*?[ \t]+ends[ \t]+([^;\n]*?)[ \t]*;[ \t]*\n'
    r'(?:' + _STMT_LINE + r')*?[ \t]+binding state[ \t]+([\w-]+)[ \t]*;[ \t]*\n'
    r'(?:' + _STMT_LINE + r')*?[ \t]+hardware[ \t]+ethernet[ \t]+([0-9a-fA-F:]+)[ \t]*;[ \t]*\n'
    r'(?:' + _STMT_LINE + r')*)\}[ \t]*(?:\n|\Z)', re.MULTILINE)
FAST_FIELDS = ("binding state", "ends", "hardware")


def _fast_fields(body: str, keys=FAST_FIELDS) -> dict:
    """The statements a lease check needs, from a block the fast pattern matched (one
    statement a line, each ending in ';'): {name: the rest of its line}, the first of each
    (dhcpd writes each once). str.find instead of a regex: a few C calls a field; uid and
    client-hostname are read later, for the few leases that are shown."""
    fields = {}
    for key in keys:
        i = body.find(key)
        while i >= 0:
            start = body.rfind("\n", 0, i) + 1
            after = i + len(key)
            if body[after:after + 1] in (" ", "\t") and (start == i or body[start:i].isspace()):
                fields[key] = body[after:body.find("\n", after)].strip().removesuffix(";") \
                    .rstrip()
                break
            i = body.find(key, after)
    return fields


def _statement_line(shown: str, line: int, body: str, key: str) -> str:
    """file:line of the first `key` statement of a fast-path lease starting at `line`."""
    for n, text in enumerate(body.split("\n"), start=line + 1):
        if text.strip().startswith(key):
            return f"{shown}:{n}"
    return f"{shown}:{line}"


def _common_lease4(value: int, shown: str, line: int, body: str, ends: str, binding: str,
                   hardware: str) -> Lease:
    """A lease the first regex read: the common case, kept short (50,000 of them take
    a tenth of a second); anything odd in it goes the general way, which says where."""
    try:
        digits = hardware.replace(":", "")
        if len(hardware) == 17 and hardware[2::3] == ":::::" and len(digits) == 12:
            mac = int(digits, 16) or None
        else:
            mac = parse_mac(hardware)
        return Lease(4, value, V4, f"{shown}:{line}", binding, _isc_date(ends, ""), mac,
                     None, None, None, body)
    except (CinvError, ValueError):
        return _lease4(value, shown, line, {"ends": ends, "binding state": binding,
                                            "hardware": f"ethernet {hardware}"}, body)


def _lease4(value: int, shown: str, line: int, fields: dict, body: str | None = None,
            lines: dict | None = None) -> Lease:
    """A v4 lease from its statements: {name: the rest of its line}; the line of each is in
    `lines` (tokenizer) or found in `body` (fast path) when an error names it."""
    where = f"{shown}:{line}"

    def at(key: str) -> str:
        if lines and key in lines:
            return f"{shown}:{lines[key]}"
        return _statement_line(shown, line, body, key) if body is not None else where

    # without a binding state, dhcpd holds a lease active until it ends (active() checks)
    binding = fields.get("binding state", "active")
    ends = NEVER
    if "ends" in fields:
        try:
            ends = _isc_date(fields["ends"], where)
        except CinvError as e:
            raise CinvError(f"{at('ends')}{str(e)[len(where):]}") from None
    mac = None
    hardware = fields.get("hardware")
    if hardware is not None and hardware.startswith("ethernet "):
        try:
            mac = parse_mac(hardware[9:])
        except ValueError as e:
            raise CinvError(f"{at('hardware')}: hardware ethernet: {e}") from None
    return Lease(4, value, V4, where, binding, ends, mac, fields.get("uid"), None,
                 fields.get("client-hostname", "").strip('"') or None, body)


class _Token:
    __slots__ = ("kind", "text", "line")

    def __init__(self, kind: str, text: str, line: int):
        self.kind, self.text, self.line = kind, text, line


class IscReader:
    """dhcpd.leases: declarations of leases (v4) and IAs (v6); what else the server writes
    there (failover state, server-duid, OMAPI hosts and classes) is skipped whole; anything
    unknown stops the read at its file:line."""

    def __init__(self, text: str, shown: str, state: dict):
        self.text = text
        self.shown = shown
        self.state = state
        self.tokens: list[_Token] = []
        self.pos = 0
        self.ia_held: dict = {}  # IA id -> keys of the addresses its last declaration held
        self.ia_owner: dict = {}  # address key -> IA id of the declaration that last wrote it

    def read(self) -> None:
        text, pos, line, shown, state = self.text, 0, 1, self.shown, self.state
        inet_pton, af, from_bytes = socket.inet_pton, socket.AF_INET, int.from_bytes
        for m in _COMMON_LEASE.finditer(text):
            start = m.start()
            if start > pos and not text[pos:start].isspace():
                self.read_blocks(text[pos:start], line)
            line += text.count("\n", pos, start)
            try:
                value = from_bytes(inet_pton(af, m.group(1)), "big")
            except OSError:
                raise CinvError(f"{shown}:{line}: {m.group(1)!r} is not an IPv4 address") \
                    from None
            # read further only if it stays the last declaration of its address
            state[value] = (shown, line, m.group(2), m.group(3), m.group(4), m.group(5))
            pos = m.end()
            line += text.count("\n", start, pos)
        if pos < len(text) and not text[pos:].isspace():
            self.read_blocks(text[pos:], line)

    def read_blocks(self, text: str, line: int) -> None:
        """Lease blocks of dhcpd's layout in another order or with statements missing (the
        second regex), and what is not a lease block at all (the tokenizer)."""
        pos, shown, state = 0, self.shown, self.state
        for m in _FAST_LEASE.finditer(text):
            start = m.start()
            if start > pos and not text[pos:start].isspace():
                self.read_tokens(text[pos:start], line)
            line += text.count("\n", pos, start)
            try:
                value = int(ipaddress.IPv4Address(m.group(1)))
            except ValueError:
                raise CinvError(f"{shown}:{line}: {m.group(1)!r} is not an IPv4 address") \
                    from None
            state[value] = (shown, line, m.group(2))
            pos = m.end()
            line += text.count("\n", start, pos)
        if pos < len(text) and not text[pos:].isspace():
            self.read_tokens(text[pos:], line)

    # --- the tokenizer and the declarations it reads -------------------------------------

    def read_tokens(self, text: str, line: int) -> None:
        self.tokens, self.pos = self.tokenize(text, line), 0
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok.kind == "word" and tok.text == "lease":
                self.pos += 1
                self.lease4(tok)
            elif tok.kind == "word" and tok.text in _IA_KINDS:
                self.pos += 1
                self.ia(tok)
            elif tok.kind == "word" and tok.text in _SKIPPED:
                self.statement()
            else:
                raise CinvError(f"{self.where(tok)}: {tok.text!r} is not a declaration of a "
                                "dhcpd lease file (lease, ia-na, ia-ta, ia-pd, failover, "
                                "server-duid, host, ...)")

    def tokenize(self, text: str, line: int) -> list[_Token]:
        out, pos = [], 0
        for m in _TOKEN.finditer(text):
            if m.start() != pos:
                break
            pos = m.end()
            kind = m.lastgroup
            if kind is None:
                continue
            if kind == "nl":
                line += 1
            elif kind == "str":
                out.append(_Token("str", m.group(0), line))
            else:
                out.append(_Token(kind, m.group(0), line))
        if pos != len(text):
            raise CinvError(f"{self.shown}:{line}: cannot read {text[pos:pos + 20]!r} (an "
                            "unterminated string?)")
        return out

    def where(self, tok: _Token | None = None) -> str:
        if tok is None:
            tok = self.tokens[min(self.pos, len(self.tokens) - 1)] if self.tokens else None
        return f"{self.shown}:{tok.line if tok is not None else 1}"

    def next(self, what: str) -> _Token:
        if self.pos >= len(self.tokens):
            raise CinvError(f"{self.where()}: the file ends inside a declaration (expected "
                            f"{what})")
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str) -> _Token:
        tok = self.next(repr(text))
        if tok.text != text or tok.kind == "str":
            raise CinvError(f"{self.where(tok)}: expected {text!r}, found {tok.text!r}")
        return tok

    def at_close(self) -> bool:
        """Consume a '}' if it comes next."""
        tok = self.next("'}'")
        if tok.kind == "punct" and tok.text == "}":
            return True
        self.pos -= 1
        return False

    def statement(self) -> tuple[_Token, list[_Token]]:
        """One statement up to its ';' (a nested block such as `on expiry { ... }` is skipped
        whole): (its first token, the rest)."""
        first = self.next("a statement")
        if first.kind == "punct" and first.text == ";":
            return first, []
        args: list[_Token] = []
        while True:
            tok = self.next("';'")
            if tok.kind == "punct":
                if tok.text == ";":
                    return first, args
                if tok.text == "{":
                    self.skip_block()
                    return first, args
                raise CinvError(f"{self.where(tok)}: unexpected '}}' in {first.text!r}")
            args.append(tok)

    def skip_block(self) -> None:
        depth = 1
        while depth:
            tok = self.next("'}'")
            if tok.kind == "punct":
                depth += {"{": 1, "}": -1}.get(tok.text, 0)

    def address(self, tok: _Token, version: int, prefix: bool = False):
        try:
            value = ipaddress.ip_network(tok.text) if prefix else ipaddress.ip_address(tok.text)
            if value.version == version and tok.kind == "word":
                return value
        except ValueError:
            pass
        what = "prefix" if prefix else "address"
        raise CinvError(f"{self.where(tok)}: {tok.text!r} is not an IPv{version} {what}")

    def body(self) -> tuple[dict, dict]:
        """Statements up to the closing '}': ({name: the rest as text}, {name: line}) for
        binding state, ends, hardware, uid, client-hostname (the first of each, as the fast
        path takes them)."""
        fields: dict = {}
        lines: dict = {}
        while not self.at_close():
            first, args = self.statement()
            words = [a.text for a in args]
            name = None
            if first.text == "binding" and words[:1] == ["state"]:
                if len(words) != 2:
                    raise CinvError(f"{self.where(first)}: binding state needs one state")
                name, value = "binding state", words[1]
            elif first.text in ("ends", "hardware", "uid", "client-hostname"):
                name, value = first.text, " ".join(words)
            if name is not None and name not in fields:
                fields[name], lines[name] = value, first.line
        return fields, lines

    def lease4(self, start: _Token) -> None:
        address = self.address(self.next("an address"), 4)
        self.expect("{")
        fields, lines = self.body()
        self.state[int(address)] = _lease4(int(address), self.shown, start.line, fields,
                                           lines=lines)

    def ia(self, start: _Token) -> None:
        kind = _IA_KINDS[start.text]
        id_tok = self.next("an IAID and DUID")
        raw = None
        if id_tok.kind == "str":
            raw = _unescape(id_tok.text[1:-1])
        elif re.fullmatch(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*", id_tok.text):
            raw = bytes(int(x, 16) for x in id_tok.text.split(":"))
        if raw is None or len(raw) < 5:
            raise CinvError(f"{self.where(id_tok)}: {id_tok.text!r} is not an IAID and DUID")
        duid = raw[4:]
        mac, client = duid_mac(duid), _hex(duid)
        self.expect("{")
        held = []
        while not self.at_close():
            tok = self.tokens[self.pos]
            if tok.kind == "word" and tok.text in ("iaaddr", "iaprefix"):
                self.pos += 1
                if (tok.text == "iaprefix") != (kind == PD):
                    raise CinvError(f"{self.where(tok)}: {tok.text} in an {start.text}")
                held.append(self.ia_address(tok, kind, mac, client, raw))
            else:
                self.statement()
        # this declaration replaces the IA's earlier one: what it no longer holds is not its
        ia_id = (kind, raw)
        for key in self.ia_held.get(ia_id, ()):
            if key not in held and self.ia_owner.get(key) == ia_id:
                self.state[key] = None
                del self.ia_owner[key]
        self.ia_held[ia_id] = held

    def ia_address(self, start: _Token, kind: str, mac, client, ia_raw: bytes) -> tuple:
        target = self.address(self.next("an address"), 6, prefix=kind == PD)
        self.expect("{")
        fields, lines = self.body()
        ends = NEVER
        if "ends" in fields:
            ends = _isc_date(fields["ends"], f"{self.shown}:{lines['ends']}")
        if kind == PD:
            address, plen = target.network_address, target.prefixlen
        else:
            address, plen = target, None
        key = (kind, int(address))
        self.state[key] = Lease(6, int(address), kind, self.where(start),
                                fields.get("binding state", "active"), ends, mac, client, plen)
        self.ia_owner[key] = (kind, ia_raw)
        return key
