"""The one escaping rule for text cinv prints to a terminal or a CI log.

Much of what cinv prints comes from untrusted places: a branch's file names and values, a lease
file, an imported dhcpd.conf, a DNS server's answers, a hypervisor's domain XML. Printed raw, a
character a terminal acts on (ESC starting a CSI or OSC sequence, CR returning to the line's
start, BEL, the C1 controls) rewrites the operator's screen or title, a newline starts a line of
its own (in a GitHub Actions log, `::error::` or `::add-mask::` at a line's start is a command
to the runner), a bidi override reorders what the reader sees, and a lone surrogate (a byte
that was not UTF-8) cannot be written at all. Each such character is printed as an escape
instead: `\\n`, `\\r`, `\\t`, `\\x1b`, `\\u202e`, the way Python's repr writes them.

line(): one value or message on one line (a newline is escaped too); block(): a whole output
of several lines (newlines kept; the CLI passes everything it prints through it). Tab is left
alone: it moves the cursor only forward, on its line.
"""
from __future__ import annotations

import re

# C0 controls but tab, DEL, the C1 controls, the bidi marks, embeddings, overrides and isolates,
# the line and paragraph separators, and lone surrogates.
_UNSAFE = "\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_IN_LINE = re.compile(f"[{_UNSAFE}]")
_IN_BLOCK = re.compile(f"[{_UNSAFE.replace(chr(10) + '-', chr(11) + '-')}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    c = m.group()
    if c in _SHORT:
        return _SHORT[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def line(text) -> str:
    """text as one printable line: every control character (newline included), bidi control
    and lone surrogate escaped."""
    text = str(text)
    return _IN_LINE.sub(_escape, text) if _IN_LINE.search(text) else text


def block(text) -> str:
    """text of several lines, printable: as line(), but newlines are kept."""
    text = str(text)
    return _IN_BLOCK.sub(_escape, text) if _IN_BLOCK.search(text) else text
