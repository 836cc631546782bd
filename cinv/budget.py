"""One time budget per command for the templates an inventory supplies.

A merge request's templates are bounded (cinv/render/env.py `bounded`): CINV_TEMPLATE_TIMEOUT
seconds. The bound is the command's, not a target's: twenty looping targets share it, so one
`cinv check` or `cinv render` spends at most that long in the inventory's templates in all. The
CLI runs every command inside `command()`; outside one (a program calling cinv's render), each
bounded run has the whole budget to itself. No heavy import here: the CLI's entry imports it.
"""
from __future__ import annotations

from contextlib import contextmanager


class Budget:
    """Seconds the inventory's templates have spent so far in one command."""

    def __init__(self) -> None:
        self.spent = 0.0

    def left(self, seconds: float) -> float:
        return seconds - self.spent


_current: list[Budget] = []


@contextmanager
def command():
    """The inventory's templates run within this block share one budget."""
    _current.append(Budget())
    try:
        yield
    finally:
        _current.pop()


def current() -> Budget:
    """The running command's budget, or a fresh one outside a command."""
    return _current[-1] if _current else Budget()
