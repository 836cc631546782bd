"""The one base exception and the problem value every validator returns."""
from __future__ import annotations

from dataclasses import dataclass

from cinv import printable


class CinvError(Exception):
    """Any error a user should see as one line (the CLI prints it and exits 1)."""


class ProblemsError(CinvError):
    """A request refused because it would leave the inventory with these problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.text() for p in problems))


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the inventory, located at path:line."""

    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning
    code: str = "schema"

    def text(self) -> str:
        """`path:line: message` on one line, escaped for a terminal (printable.line): the path
        may be a committed file's name and the message quote a value, both untrusted."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return printable.line(f"{where}: {prefix}{self.message}")

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "severity": self.severity,
                "code": self.code, "message": self.message}
