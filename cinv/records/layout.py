"""What an inventory is made of on disk, and the one way cinv replaces a file.

load reads and writes the records through these; the caches (cinv/records/cache.py) keep their
files in
STATE_DIR the same way. Writes are atomic: a temporary file in the same directory, fsync,
rename, fsync of the directory.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from cinv import paths

SETTINGS_FILE = "cinv.yaml"
INPUT_DIRS = tuple(p for p in paths.INVENTORY_INPUTS if p != SETTINGS_FILE)
STATE_DIR = ".cinv"  # lock and caches; ignores itself in git
TMP_MARK = ".tmp-"


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write data to path so that readers see the old or the new file, never a torn one.
    durable: the data reaches the disk before the rename (and the rename after it), so a
    crash leaves the old or the new file too; off for caches, which carry a checksum instead
    (cinv/records/cache.py) and are ignored when a crash left them torn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
