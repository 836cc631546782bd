"""ISC dhcpd.conf as written: a tokenizer, and a reader of a file and its includes into nested
statements that remember their file:line.

Includes: a relative name is read relative to the including file, an absolute one inside the
top file's folder; with `root` (`--root DIR`, the folder a copied tree lies in), an absolute
name is read under DIR instead. Every path goes through cinv/paths.py: nothing outside the
allowed folder is read. An include that is missing is listed (as dhcpd would refuse it); a loop
is refused. There is no fixed cap on the number of files: a tree may hold thousands, bounded by
MAX_FILES and MAX_BYTES against runaway trees. Both count every read: a file included twice
(by two files, a diamond rather than a loop) counts twice, as dhcpd reads it twice, and a
file that would pass MAX_BYTES is refused at its include before it is read. Bytes that are not
UTF-8 are tolerated in comments; a statement holding them is listed, not read.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError
from cinv.importers import Unmapped, read_text

MAX_DEPTH = 32  # nested blocks
MAX_FILES = 20_000  # files one import may read
# bytes one import may read, all files together (and a file again each time it is included):
# 8 times the limit of one file; parsing takes about 40 times the text in memory
MAX_BYTES = 8 << 20
MAX_NESTING = 64  # include chain length
_PUNCT = "{};,"


@dataclass
class Token:
    text: str
    line: int
    quoted: bool = False

    @property
    def bad(self) -> bool:
        """Holds bytes that were not UTF-8 (kept as surrogate escapes)."""
        return any("\udc80" <= c <= "\udcff" for c in self.text)


@dataclass
class Statement:
    words: list[Token]
    where: str
    block: list[Statement] | None = None  # the body of `head { ... }`

    @property
    def head(self) -> str:
        return self.words[0].text.lower() if self.words else ""

    def arg(self, n: int) -> str:
        return self.words[n].text if len(self.words) > n else ""

    @property
    def bad(self) -> bool:
        return any(w.bad for w in self.words)

    def show(self) -> str:
        text = " ".join(f'"{w.text}"' if w.quoted else w.text for w in self.words)
        text = text.replace(" , ", ", ").encode("utf-8", "replace").decode("utf-8")
        return text[:80] + (" {...}" if self.block is not None else "")


@dataclass
class Parsed:
    statements: list[Statement]
    unmapped: list[Unmapped] = field(default_factory=list)
    files: int = 0


def tokenize(text: str, shown: str) -> list[Token]:
    out: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c == '"':
            start_line, i, buf = line, i + 1, []
            while True:
                if i >= n:
                    raise CinvError(f"{shown}:{start_line}: a quoted string is not closed")
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == "\\" and i + 1 < n:
                    nxt = text[i + 1]
                    buf.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                    i += 2
                    continue
                if c == "\n":
                    line += 1
                buf.append(c)
                i += 1
            out.append(Token("".join(buf), start_line, quoted=True))
        elif c in _PUNCT:
            out.append(Token(c, line))
            i += 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in _PUNCT + '"#':
                i += 1
            out.append(Token(text[start:i], line))
    return out


class _Reader:
    """Parses the top file and its includes into one list of statements."""

    def __init__(self, top: Path, shown: str, root: Path | None):
        self.top_dir = top.resolve().parent
        self.root = root.resolve() if root is not None else None
        self.base = self.root or self.top_dir
        self.shown = shown
        self.stack: list[Path] = []
        self.result = Parsed([])
        self.bytes = 0

    def read(self, path: Path, shown: str, where: str | None = None) -> list[Statement]:
        """The statements of a file (where: the include naming it)."""
        real = path.resolve()
        if real in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack, real])
            raise CinvError(f"{shown}: include loop ({chain}); refusing")
        if len(self.stack) >= MAX_NESTING:
            raise CinvError(f"{shown}: includes nested more than {MAX_NESTING} deep; refusing")
        self.result.files += 1
        if self.result.files > MAX_FILES:
            raise CinvError(f"{shown}: more than {MAX_FILES} files included; refusing")
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # read_text says why it cannot be read
        if self.bytes + size > MAX_BYTES:
            raise CinvError(f"{where or shown}: {shown}: the files read, counted each time "
                            f"they are included, would hold more than {MAX_BYTES} bytes; "
                            "refusing")
        text = read_text(path, shown, errors="surrogateescape")  # at most 1 MiB, if it grew
        self.bytes += max(size, len(text))
        self.stack.append(real)
        tokens = tokenize(text, shown)
        pos, body = self._body(tokens, 0, shown, path, 0)
        if pos < len(tokens):
            raise CinvError(f"{shown}:{tokens[pos].line}: '}}' without a matching '{{'")
        self.stack.pop()
        return body

    def _body(self, tokens, pos, shown, path, depth) -> tuple[int, list[Statement]]:
        if depth > MAX_DEPTH:
            raise CinvError(f"{shown}:{tokens[pos - 1].line}: blocks nested deeper than "
                            f"{MAX_DEPTH}; refusing")
        out: list[Statement] = []
        words: list[Token] = []
        while pos < len(tokens):
            tok = tokens[pos]
            if not tok.quoted and tok.text == "}":
                if words:
                    raise CinvError(f"{shown}:{words[0].line}: statement "
                                    f"'{words[0].text} ...' lacks its ';' before '}}'")
                return pos, out
            pos += 1
            if not tok.quoted and tok.text == ";":
                if words:
                    out.extend(self._statement(words, shown, path))
                words = []
            elif not tok.quoted and tok.text == "{":
                if not words:
                    raise CinvError(f"{shown}:{tok.line}: '{{' without a declaration before it")
                pos, block = self._body(tokens, pos, shown, path, depth + 1)
                if pos >= len(tokens):
                    raise CinvError(f"{shown}:{words[0].line}: '{words[0].text} ... {{' is "
                                    "never closed with '}'")
                pos += 1
                out.append(Statement(words, f"{shown}:{words[0].line}", block))
                words = []
            else:
                words.append(tok)
        if words:
            raise CinvError(f"{shown}:{words[0].line}: statement '{words[0].text} ...' lacks "
                            "its ';' at the end of the file")
        return pos, out

    def _statement(self, words, shown, path) -> list[Statement]:
        where = f"{shown}:{words[0].line}"
        if words[0].text.lower() != "include" or words[0].quoted:
            return [Statement(words, where)]
        if len(words) != 2 or not words[1].quoted or words[1].bad:
            raise CinvError(f"{where}: include wants one quoted file name")
        name = words[1].text
        target, inc_shown = self._target(name, path, shown, where)
        if not target.is_file():
            self.result.unmapped.append(Unmapped(where, f'include "{name}"', (
                f"{inc_shown} does not exist{' under --root' if self.root else ''}; the "
                "statements it would add are not imported")))
            return []
        return self.read(target, inc_shown, where)

    def _target(self, name: str, path: Path, shown: str, where: str) -> tuple[Path, str]:
        """The file an include names, inside the allowed folder; and how messages show it."""
        if "\0" in name:
            raise CinvError(f"{where}: include names no file")
        if name.startswith("/"):
            if self.root is not None:  # the tree copied under --root: /etc/dhcp/x -> DIR/etc/..
                rel, base, shown_as = name.lstrip("/"), self.root, name
            else:
                rel, base, shown_as = posixpath.relpath(name, self.top_dir.as_posix()), \
                    self.top_dir, name
        else:
            here = path.resolve().parent
            rel = posixpath.normpath(posixpath.join(
                posixpath.relpath(here.as_posix(), self.base.as_posix()), name))
            base = self.base
            shown_as = posixpath.normpath(posixpath.join(posixpath.dirname(shown), name))
        hint = "" if self.root is not None else \
            " (for a tree copied from another machine, give --root DIR)"
        try:
            return paths.resolve_inside(base, rel, f"include {name!r}"), shown_as
        except paths.UnsafePath as e:
            raise CinvError(f"{where}: include \"{name}\" lies outside {base}, the folder "
                            f"{'given with --root' if self.root else 'of ' + self.shown}; "
                            f"refusing{hint} ({e})") from None


def parse(path: Path, shown: str, root: Path | None = None) -> Parsed:
    reader = _Reader(path, shown, root)
    reader.result.statements = reader.read(path, shown)
    return reader.result
