"""What a rule finds in a rendered file (each syntax's module returns these)."""
from __future__ import annotations

from typing import NamedTuple


class Finding(NamedTuple):
    line: int  # in the rendered file
    word: str  # what the template wrote (searched in its text for the template's line)
    why: str
