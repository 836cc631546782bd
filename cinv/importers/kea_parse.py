"""Kea's configuration files as Kea reads them: JSON with comments (`#`, `//`, `/* */`) and
`<?include "file"?>`, into values that remember their file:line.

An include is spliced in where it stands, token by token (Kea includes the text verbatim, so a
file may hold a whole list or only some of its items). Its name is resolved as dhcpd.conf's
includes are (cinv/importers/dhcpd_parse.py): relative to the including file, an absolute one
inside the top file's folder, or under `--root DIR`; every path through cinv/paths.py; a loop
or a missing file refused. A comma before a closing bracket is taken (newer Kea versions
accept it too). A malformed file is refused at its file:line: Kea would refuse it as well.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cinv.errors import CinvError
from cinv.importers import read_text
from cinv.importers.dhcpd_parse import _Reader as _IncludePaths

MAX_DEPTH = 64  # nested objects and lists
MAX_FILES = 1_000  # files one import may read
MAX_BYTES = 64 << 20  # bytes one import may read, all files together
_PUNCT = "{}[]:,"


class Obj(dict):
    """A JSON object with where it starts and where each key stands (file:line)."""

    def __init__(self, where: str = ""):
        super().__init__()
        self.where, self.key_where = where, {}

    def at(self, key: str) -> str:
        return self.key_where.get(key, self.where)


class Arr(list):
    """A JSON list with where it starts and where each item stands."""

    def __init__(self, where: str = ""):
        super().__init__()
        self.where, self.item_where = where, []


@dataclass
class _Tok:
    kind: str  # punct, str, num, word (true, false, null)
    text: str
    where: str


def _lex(text: str, shown: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif c == "#" or text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise CinvError(f"{shown}:{line}: a /* comment is not closed")
            line += text.count("\n", i, end)
            i = end + 2
        elif text.startswith("<?", i):
            end = text.find("?>", i)
            if end < 0 or "\n" in text[i:end]:
                raise CinvError(f"{shown}:{line}: '<?' without its '?>' on the same line")
            out.append(_Tok("include", text[i + 2:end].strip(), f"{shown}:{line}"))
            i = end + 2
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\n":
                    raise CinvError(f"{shown}:{line}: a string is not closed on its line")
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise CinvError(f"{shown}:{line}: a string is not closed")
            try:
                value = json.loads(text[i:j + 1])
            except ValueError:
                raise CinvError(f"{shown}:{line}: {text[i:j + 1][:60]} is not a JSON string") \
                    from None
            out.append(_Tok("str", value, f"{shown}:{line}"))
            i = j + 1
        elif c in _PUNCT:
            out.append(_Tok("punct", c, f"{shown}:{line}"))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _PUNCT + '"#/':
                j += 1
            word = text[i:j] or c
            kind = "word" if word in ("true", "false", "null") else "num"
            if kind == "num":
                try:
                    float(word)
                except ValueError:
                    raise CinvError(f"{shown}:{line}: unexpected {word[:40]!r}") from None
            out.append(_Tok(kind, word, f"{shown}:{line}"))
            i = max(j, i + 1)
    return out


class _Files:
    """The tokens of the top file with every include spliced in."""

    def __init__(self, top: Path, shown: str, root: Path | None):
        self.paths = _IncludePaths(top, shown, root)
        self.stack: list[Path] = []
        self.files = 0
        self.bytes = 0

    def tokens(self, path: Path, shown: str) -> list[_Tok]:
        real = path.resolve()
        if real in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack, real])
            raise CinvError(f"{shown}: include loop ({chain}); refusing")
        self.files += 1
        if self.files > MAX_FILES or len(self.stack) > 32:
            raise CinvError(f"{shown}: more than {MAX_FILES} files, or includes nested more "
                            "than 32 deep; refusing")
        text = read_text(path, shown)
        self.bytes += len(text)
        if self.bytes > MAX_BYTES:
            raise CinvError(f"{shown}: the files included hold more than {MAX_BYTES} bytes; "
                            "refusing")
        self.stack.append(real)
        out: list[_Tok] = []
        for tok in _lex(text, shown):
            if tok.kind != "include":
                out.append(tok)
                continue
            words = tok.text.split(None, 1)
            if len(words) != 2 or words[0] != "include" or not words[1].startswith('"') \
                    or not words[1].endswith('"') or len(words[1]) < 3:
                raise CinvError(f"{tok.where}: <?{tok.text}?> is not <?include \"file\"?>")
            name = words[1][1:-1]
            target, inc_shown = self.paths._target(name, path, shown, tok.where)
            if not target.is_file():
                raise CinvError(f"{tok.where}: include \"{name}\": {inc_shown} does not exist"
                                f"{' under --root' if self.paths.root else ''} (Kea refuses "
                                "the file without it)")
            out.extend(self.tokens(target, inc_shown))
        self.stack.pop()
        return out


class _Parser:
    def __init__(self, toks: list[_Tok], shown: str):
        self.toks, self.pos, self.shown = toks, 0, shown

    def fail(self, message: str):
        where = self.toks[self.pos].where if self.pos < len(self.toks) else \
            (self.toks[-1].where if self.toks else f"{self.shown}:1")
        raise CinvError(f"{where}: {message}")

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self, text: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == text:
            self.pos += 1
            return True
        return False

    def value(self, depth: int = 0):
        if depth > MAX_DEPTH:
            self.fail(f"objects and lists nested deeper than {MAX_DEPTH}; refusing")
        tok = self.peek()
        if tok is None:
            self.fail("the file ends where a value was expected")
        self.pos += 1
        if tok.kind == "str":
            return tok.text
        if tok.kind == "num":
            return json.loads(tok.text) if tok.text.lstrip("-").isdigit() else float(tok.text)
        if tok.kind == "word":
            return {"true": True, "false": False, "null": None}[tok.text]
        if tok.text == "{":
            return self.obj(tok, depth)
        if tok.text == "[":
            return self.arr(tok, depth)
        self.pos -= 1
        self.fail(f"unexpected {tok.text!r} where a value was expected")

    def obj(self, start: _Tok, depth: int) -> Obj:
        out = Obj(start.where)
        while not self.take("}"):
            key = self.peek()
            if key is None or key.kind != "str":
                self.fail("an object's key must be a string in double quotes")
            self.pos += 1
            if not self.take(":"):
                self.fail(f"':' expected after the key {key.text!r}")
            out[key.text] = self.value(depth + 1)
            out.key_where[key.text] = key.where
            if not self.take(","):
                if not self.take("}"):
                    self.fail(f"',' or '}}' expected after the value of {key.text!r}")
                break
        return out

    def arr(self, start: _Tok, depth: int) -> Arr:
        out = Arr(start.where)
        while not self.take("]"):
            tok = self.peek()
            out.item_where.append(tok.where if tok is not None else start.where)
            out.append(self.value(depth + 1))
            if not self.take(","):
                if not self.take("]"):
                    self.fail("',' or ']' expected after a list item")
                break
        return out


def parse(path: Path, shown: str, root: Path | None = None):
    """The file's one JSON value (an Obj for a Kea configuration)."""
    toks = _Files(path, shown, root).tokens(path, shown)
    parser = _Parser(toks, shown)
    value = parser.value()
    if parser.pos < len(toks):
        parser.fail("more after the configuration's closing brace")
    return value
