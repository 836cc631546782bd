"""The inventory lock: one writer at a time (read-allocate-write-commit is one critical section).

An flock on .cinv/lock; the kernel drops it when its holder dies, so a killed cinv never leaves a
stale lock behind. Readers take no lock: every write is an atomic rename.
"""
from __future__ import annotations

import fcntl
import os
import random
import time
from contextlib import contextmanager
from pathlib import Path

from cinv.errors import CinvError

DEFAULT_TIMEOUT = 120.0


def state_dir(root: Path) -> Path:
    """.cinv/ in the inventory, created on demand, ignored by git through its own .gitignore."""
    path = Path(root) / ".cinv"
    path.mkdir(exist_ok=True)
    ignore = path / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# cinv's lock and caches; never committed\n*\n")
    return path


@contextmanager
def inventory_lock(root: Path, timeout: float | None = None):
    try:
        path = state_dir(root) / "lock"
    except OSError as e:
        raise CinvError(f"{root}: cannot take the inventory lock: {e.strerror or e}") from None
    with file_lock(path, "the inventory lock", timeout):
        yield


@contextmanager
def file_lock(path: Path, what: str, timeout: float | None = None):
    """An exclusive flock on path, waiting at most timeout seconds (CINV_LOCK_TIMEOUT)."""
    if timeout is None:
        timeout = float(os.environ.get("CINV_LOCK_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise CinvError(f"{path}: cannot take {what}: {e.strerror or e}") from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CinvError(f"{path}: another cinv process has held {what} for "
                                    f"{timeout:g} s; try again later (CINV_LOCK_TIMEOUT sets "
                                    "the wait)") from None
                time.sleep(random.uniform(0.01, 0.05))
        yield
    finally:
        os.close(fd)  # closing drops the flock
