"""The inventory lock: one writer at a time (read-allocate-write-commit is one critical section).

An flock on .cinv/lock; the kernel drops it when its holder dies, so a killed cinv never leaves a
stale lock behind. Readers take no lock: every write is an atomic rename. .cinv/ and the files in
it are cinv's own state: never read or written through a symlink (cinv/paths.py).
"""
from __future__ import annotations

import errno
import fcntl
import math
import os
import random
import time
from contextlib import contextmanager
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError

DEFAULT_TIMEOUT = 120.0
STATE_DIR = ".cinv"
IGNORE = "# cinv's lock and caches; never committed\n*\n"


def state_dir(root: Path) -> Path:
    """.cinv/ in the inventory, created on demand, ignored by git through its own .gitignore.
    UnsafePath if it (or its .gitignore) is a symlink; OSError if it cannot be made."""
    path = paths.private_dir(root, STATE_DIR)
    try:
        fd = paths.open_private(path / ".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return path
    except PermissionError:
        return path  # a read-only .cinv/ made by someone else
    with os.fdopen(fd, "w") as f:
        f.write(IGNORE)
    return path


def lock_timeout() -> float:
    """CINV_LOCK_TIMEOUT in seconds (default 120), or one clear line."""
    raw = os.environ.get("CINV_LOCK_TIMEOUT")
    if raw is None or raw.strip() == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise CinvError(f"CINV_LOCK_TIMEOUT={raw!r}: not a number of seconds (0 or more)")
    return value


@contextmanager
def inventory_lock(root: Path, timeout: float | None = None):
    try:
        path = state_dir(root) / "lock"
    except OSError as e:
        raise CinvError(f"{root}: cannot take the inventory lock: {e.strerror or e}") from None
    with file_lock(path, "the inventory lock", timeout):
        yield


def _open_lock(path: Path, what: str, optional: bool) -> int | None:
    try:
        return paths.open_private(path, os.O_RDWR | os.O_CREAT)
    except OSError as e:
        if e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise CinvError(f"{path}: cannot take {what}: {e.strerror or e}") from None
        try:  # a read-only inventory: an flock on a read-only descriptor works as well
            return paths.open_private(path, os.O_RDONLY)
        except OSError:
            if optional:
                return None  # nobody can write the lock file, so nobody else takes it either
            raise CinvError(f"{path}: cannot take {what}: {e.strerror or e}") from None


@contextmanager
def file_lock(path: Path, what: str, timeout: float | None = None, optional: bool = False):
    """An exclusive flock on path, waiting at most timeout seconds (CINV_LOCK_TIMEOUT).
    optional: when the lock file can be neither made nor opened (a read-only inventory), go on
    without it."""
    if timeout is None:
        timeout = lock_timeout()
    fd = _open_lock(path, what, optional)
    if fd is None:
        yield
        return
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
