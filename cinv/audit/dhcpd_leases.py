"""ISC dhcpd.leases (dhcpd -4 and -6) as Lease values.

The file is a log: a lease is written again each time it changes, and the LAST declaration of
an address wins. In use are leases in `binding state active` whose `ends` lies ahead (or is
`never`); a lease written without a binding state (dhcpd 3 and older) is active until it ends,
the rule dhcpd itself applies when it reads one. A v6 IA (`ia-na`, `ia-ta`, `ia-pd`) written
again replaces its earlier declaration, so an address it no longer lists is no longer its; its
MAC is the link-layer address in the DUID (LLT or LL of Ethernet type), if any.

Why our own reader and not the `isc-dhcp-leases` package: on real lease files (tests/corpus/
leases/) it drops abandoned leases and every lease without `hardware` silently, and stops with a
KeyError on a file written without binding states; a lease file cinv reads is taken whole or
refused at file:line.
"""
from __future__ import annotations

import calendar
import functools
import ipaddress
import re
import socket

from cinv.audit.lease import (
    NA,
    NEVER,
    PD,
    TA,
    V4,
    Lease,
    duid_mac,
    hex_bytes,
    parse_mac,
    statement,
    unescape,
)
from cinv.errors import CinvError


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


_TOKEN = re.compile(r"""
    (?P<nl>\n)
  | [ \t\r\f\v]+
  | \#[^\n]*
  | "(?P<str>(?:[^"\\\n]|\\.)*)"
  | (?P<punct>[{};])
  | (?P<word>[^\s{};"\#]+)
""", re.VERBOSE)
# top-level declarations cinv does not need: skipped with their bodies
_SKIPPED = {"server-duid", "authoring-byte-order", "failover", "host", "group", "subgroup",
            "class", "subclass", "lease-id-format"}
_IA_KINDS = {"ia-na": NA, "ia-ta": TA, "ia-pd": PD}


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


def _fast_fields(body: str) -> dict:
    """The statements a lease check needs from a block the second regex matched: {name: the
    rest of its line}, the first of each (dhcpd writes each once); uid and client-hostname
    are read later (Lease), for the few leases that are shown."""
    fields = {}
    for key in FAST_FIELDS:
        value = statement(body, key)
        if value is not None:
            fields[key] = value
    return fields


def finish(value: int, entry) -> Lease | None:
    """A state entry as a Lease: the regexes leave (file, line, body, ...) tuples, read only
    for the declarations that stay the last of their address."""
    if type(entry) is not tuple:
        return entry
    if len(entry) == 6:  # ends, binding state and hardware ethernet in hand
        return _common_lease4(value, *entry)
    return _lease4(value, entry[0], entry[1], _fast_fields(entry[2]), entry[2])


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
            raw = unescape(id_tok.text[1:-1])
        elif re.fullmatch(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})*", id_tok.text):
            raw = bytes(int(x, 16) for x in id_tok.text.split(":"))
        if raw is None or len(raw) < 5:
            raise CinvError(f"{self.where(id_tok)}: {id_tok.text!r} is not an IAID and DUID")
        duid = raw[4:]
        mac, client = duid_mac(duid), hex_bytes(duid)
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
