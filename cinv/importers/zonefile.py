"""Reading a zone file with dnspython's zone parser, for `cinv import zone`: every record of
the file and its $INCLUDEs in file order, each with the file:line it came from.

dnspython reads each piece of a file between $INCLUDE lines (its Reader's state carried from
piece to piece); cinv resolves $INCLUDE itself, through cinv.paths: a relative name inside the
zone file's folder (with --root DIR, anywhere inside DIR: `../db.common`), an absolute name under
--root DIR. The zone origin dnspython is given is the
root, so it drops no name as out of zone: the importer lists those, with their lines. A byte
that is not UTF-8 is fine in a comment; in data it is refused naming its line.
"""
from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError

MAX_ZONE_FILE = 64 << 20  # a zone of 50,000 records is a few MB
MAX_FILES = 64  # files one import may read ($INCLUDE)
MAX_DEPTH = 8
# $GENERATE: BIND's own range rule (start <= stop, step >= 1, each at most 2**31-1: named
# refuses "invalid range" beyond), and, unlike named (which runs 2**31 iterations), a count:
# a /16's worth of reverse records per line, four such in one import.
GENERATE_MAX = 2**31 - 1
GENERATE_LINE = 65_536
GENERATE_TOTAL = 262_144
DIRECTIVES = {"$GENERATE", "$ORIGIN", "$TTL"}
_INCLUDE = re.compile(r"^\$include(?=[ \t;]|$)", re.IGNORECASE)
_STATE = ("current_origin", "last_name", "last_ttl", "last_ttl_known", "default_ttl",
          "default_ttl_known", "default_ttl_from_soa")


@dataclass
class Row:
    name: str  # absolute, lower-case, no final dot
    ttl: int
    rdata: object  # dnspython rdata
    where: str  # file:line


# --- parsing with dnspython -----------------------------------------------------------------

class _Txn:
    """What dns.zonefile.Reader writes into: every record with the line it started on. The
    zone origin it reports is the root, so dnspython drops no name as out of zone: cinv lists
    those itself, with their lines."""

    def __init__(self, shown: str):
        import dns.name
        self.manager = self
        self.root = dns.name.root
        self.shown = shown
        self.rows: list[tuple] = []
        self.reader = None

    def origin_information(self):
        return self.root, False, self.root

    def check_put_rdataset(self, check) -> None:
        pass  # CNAME beside other data is found after reading, with both lines

    def _set_origin(self, origin) -> None:
        pass

    def add(self, name, ttl, rdata) -> None:
        self.rows.append((name, ttl, rdata, f"{self.shown}:{self.reader.line}"))


def _reader_class():
    import dns.zonefile

    class Reader(dns.zonefile.Reader):
        line = 0
        budget: _Generated

        def _rr_line(self):
            self.line = self.tok.line_number
            return super()._rr_line()

        def _generate_line(self):
            self.line = self.tok.line_number
            token = self.tok.get()
            self.tok.unget(token)
            self.budget.take(token.value if token.is_identifier() else "",
                             f"{self.tok.filename}:{self.line}")
            return super()._generate_line()
    return Reader


class _Generated:
    """How many records the $GENERATE lines of one import make, counted before each line
    runs: a range beyond BIND's rule or the counts is refused at its file:line, before any
    record of it is made."""

    def __init__(self):
        self.total = 0

    def take(self, text: str, where: str) -> None:
        import dns.exception
        import dns.grange
        try:
            start, stop, step = dns.grange.from_text(text)
        except (dns.exception.DNSException, ValueError, AssertionError):
            return  # dnspython's own message names what is wrong with it
        at = f"{where}: $GENERATE {text}"
        if max(start, stop, step) > GENERATE_MAX:
            raise CinvError(f"{at}: invalid range (start, stop and step are at most "
                            f"{GENERATE_MAX}, as named has them); refusing")
        count = (stop - start) // step + 1
        if count > GENERATE_LINE:
            raise CinvError(f"{at}: makes {count} records, over the limit of {GENERATE_LINE} "
                            "per line; refusing")
        self.total += count
        if self.total > GENERATE_TOTAL:
            raise CinvError(f"{at}: the $GENERATE lines make more than {GENERATE_TOTAL} "
                            "records in all; refusing")


class _Parser:
    """The top file and its $INCLUDEs, each cut at its $INCLUDE lines into pieces that one
    dnspython Reader each reads, the reader's state carried from piece to piece."""

    def __init__(self, top: Path, shown: str, root: Path | None):
        self.base = top.resolve().parent
        self.root = root
        self.files = 0
        self.stack: list[Path] = []
        self.rows: list[tuple] = []
        self.reader_class = _reader_class()
        self.generated = _Generated()

    def file(self, path: Path, shown: str, state: dict, depth: int) -> None:
        real = path.resolve()
        if real in self.stack:
            raise CinvError(f"{shown}: $INCLUDE loop ({' -> '.join(p.name for p in self.stack)}"
                            f" -> {real.name}); refusing")
        self.files += 1
        if self.files > MAX_FILES or depth > MAX_DEPTH:
            raise CinvError(f"{shown}: more than {MAX_FILES} files or {MAX_DEPTH} levels of "
                            "$INCLUDE; refusing")
        self.stack.append(real)
        text = read_zone_text(path, shown)
        lines = text.split("\n")
        start = 0
        for i, line in enumerate(lines):
            if _INCLUDE.match(line):
                self.piece("\n".join(lines[start:i]), shown, start + 1, state)
                self.include(line, shown, i + 1, path, state, depth)
                start = i + 1
        self.piece("\n".join(lines[start:]), shown, start + 1, state)
        self.stack.pop()

    def piece(self, text: str, shown: str, first_line: int, state: dict) -> None:
        import dns.exception
        import dns.rdataclass
        import dns.tokenizer
        if not text.strip():
            return
        txn = _Txn(shown)
        tok = dns.tokenizer.Tokenizer(io.StringIO(text), shown)
        tok.line_number = first_line
        reader = self.reader_class(tok, dns.rdataclass.IN, txn, allow_directives=DIRECTIVES)
        reader.budget = self.generated
        txn.reader = reader
        for key in _STATE:
            setattr(reader, key, state[key])
        try:
            reader.read()
        except dns.exception.DNSException as e:
            line = reader.line or tok.line_number
            lines = text.split("\n")
            at = lines[line - first_line] if 0 <= line - first_line < len(lines) else ""
            raise CinvError(f"{shown}:{line}: {_why(e, at)}") from None
        except (UnicodeError, ValueError) as e:
            raise CinvError(f"{shown}:{reader.line or tok.line_number}: {e}") from None
        for key in _STATE:
            state[key] = getattr(reader, key)
        self.rows.extend(txn.rows)

    def include(self, line: str, shown: str, lineno: int, path: Path, state: dict,
                depth: int) -> None:
        import dns.exception
        import dns.name
        import dns.tokenizer
        tok = dns.tokenizer.Tokenizer(io.StringIO(line), shown)
        try:
            tok.get()  # $INCLUDE
            target = tok.get()
            origin_tok = tok.get()
            origin = state["current_origin"]
            if origin_tok.is_identifier():
                origin = dns.name.from_text(origin_tok.value, origin)
        except dns.exception.DNSException as e:
            raise CinvError(f"{shown}:{lineno}: $INCLUDE: {_why(e, line)}") from None
        name = target.value
        if not (target.is_identifier() or target.is_quoted_string()) or not name:
            raise CinvError(f"{shown}:{lineno}: $INCLUDE wants a file name")
        try:
            if name.startswith("/"):
                if self.root is None:
                    raise CinvError(f"{shown}:{lineno}: $INCLUDE {name}: an absolute path is "
                                    "read only under --root DIR (the folder standing for /)")
                found = paths.resolve_inside(self.root, name.lstrip("/"), "$INCLUDE file")
            elif self.root is not None:  # inside the tree given: '../db.common' may climb
                rel = posixpath.normpath(posixpath.join(
                    posixpath.relpath(self.base.as_posix(), self.root.resolve().as_posix()),
                    name))
                found = paths.resolve_inside(self.root, rel, "$INCLUDE file")
            else:
                found = paths.resolve_inside(self.base, name, "$INCLUDE file")
        except paths.UnsafePath as e:
            hint = "" if self.root is not None else \
                " (to read files above the zone file's folder, give --root DIR, the tree's top)"
            raise CinvError(f"{shown}:{lineno}: {e}; refusing{hint}") from None
        if not found.is_file():
            raise CinvError(f"{shown}:{lineno}: $INCLUDE {name}: no such file ({found})")
        inner = dict(state, current_origin=origin, last_name=origin)
        inner_shown = name if name.startswith("/") else \
            posixpath.normpath(posixpath.join(posixpath.dirname(shown), name))
        self.file(found, inner_shown, inner, depth + 1)


def _why(e: Exception, line: str) -> str:
    message = str(e) or type(e).__name__
    message = re.sub(r"^\S+:\d+: ", "", message)
    message = message.replace("caught exception ", "")
    if any("\udc80" <= c <= "\udcff" for c in line):
        message += " (the line holds bytes that are not UTF-8: fine in a comment, not in data)"
    return message or "syntax error"


def read_zone_text(path: Path, shown: str) -> str:
    """A zone file as text: UTF-8, with any other byte kept aside (fine in comments)."""
    try:
        if not path.is_file():
            raise CinvError(f"{shown}: not a regular file")
        size = path.stat().st_size
        if size > MAX_ZONE_FILE:
            raise CinvError(f"{shown}: {size} bytes is over the import limit of {MAX_ZONE_FILE}")
        with open(path, "rb") as f:
            raw = f.read(MAX_ZONE_FILE + 1)
    except OSError as e:
        raise CinvError(f"{shown}: cannot be read: {e.strerror or e}") from None
    if b"\0" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
        raise CinvError(f"{shown}:{line}: holds a NUL byte (not a zone file)")
    text = raw.decode("utf-8", "surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n")


def parse(path: Path, shown: str, zone: str, root: Path | None = None) -> list[Row]:
    """Every record of the file and its includes, in file order, with absolute names."""
    import dns.name
    origin = dns.name.from_text(zone + ".")
    state = {"current_origin": origin, "last_name": origin, "last_ttl": 0,
             "last_ttl_known": False, "default_ttl": 0, "default_ttl_known": False,
             "default_ttl_from_soa": False}
    parser = _Parser(path, shown, root)
    parser.file(path, shown, state, 0)
    return [Row(n.to_text(omit_final_dot=True).lower() or ".", ttl, rd, where)
            for n, ttl, rd, where in parser.rows]
