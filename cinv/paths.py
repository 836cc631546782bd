"""The one path-safety rule: every path built from data (a record, a manifest entry, a template
name or include, a target's output path, render.out, an importer's include, cinv's own state under
.cinv) goes through here.

A data path is a plain relative path: no absolute path, no '..', '.' or empty component, no
backslash, NUL or control character, and no hidden component ('.git', '.ssh', '.cinv') unless the
caller allows one. Resolved against its base folder with every symlink on every component
followed, it must still lie inside that folder's real path, and not in a hidden folder of it
(a symlink to `.git/config` is as bad as the path itself).

cinv's own state (.cinv/ of the inventory, the manifest of an output dir) is stricter still: it is
never read or written through a symlink at all.
"""
from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
from pathlib import Path

from cinv.errors import CinvError

# What an inventory is made of, at its top: never an output dir, never written by a render.
INVENTORY_INPUTS = ("cinv.yaml", "hosts", "networks", "templates", "zones")


class UnsafePath(CinvError):
    """A path from data that would reach outside its folder (or into a hidden one); `why`
    says how, for callers that phrase their own message."""

    def __init__(self, message: str, why: str = ""):
        super().__init__(message)
        self.why = why or message


# A path every component of which starts with neither '.' nor '/' and holds only these
# characters is clean and already normal: the common case, checked by one regex match.
_PLAIN = re.compile(r"[\w@+=,:~-][\w.@+=,:~-]*(?:/[\w@+=,:~-][\w.@+=,:~-]*)*\Z", re.ASCII)


def clean_relative(rel: str, what: str = "path", hidden_ok: bool = False) -> str:
    """rel as a normalised relative path with '/', or UnsafePath naming `what`."""
    if type(rel) is str and _PLAIN.match(rel):
        return rel
    if not isinstance(rel, str):
        raise UnsafePath(f"{what} {rel!r}: not a path")
    parts = rel.split("/")
    why = None
    if not rel or rel.startswith("/"):
        why = "is not a relative path"
    elif "\\" in rel or any(not p.isprintable() for p in parts):
        why = "holds a backslash or a control character"
    elif any(p in ("", ".", "..") for p in parts):
        why = "has an empty, '.' or '..' component"
    elif not hidden_ok and any(p.startswith(".") for p in parts):
        why = "has a hidden component (a name starting with '.')"
    if why:
        raise UnsafePath(f"{what} {rel!r} {why}", why)
    return posixpath.normpath(rel)


def is_inside(path: Path, base: Path, hidden_ok: bool = False) -> bool:
    """Whether path, with every symlink on every component followed, lies in base's real path
    (and, unless hidden_ok, in no hidden folder of it)."""
    real_base = Path(base).resolve()
    real = Path(path).resolve()
    if not real.is_relative_to(real_base):
        return False
    return hidden_ok or not any(p.startswith(".") for p in real.relative_to(real_base).parts)


def resolve_inside(base: Path, rel: str, what: str = "path", hidden_ok: bool = False) -> Path:
    """base/rel after clean_relative, refused (UnsafePath) when a symlink on any component leads
    out of base (or into a hidden folder of it). The path need not exist."""
    rel = clean_relative(rel, what, hidden_ok)
    path = Path(base) / rel
    if not is_inside(path, base, hidden_ok):
        raise UnsafePath(f"{what} {rel!r} leads outside {base} (through a symlink)",
                         "leads out through a symlink")
    return path


class Folder:
    """resolve_inside for many paths under one base (the records under hosts/, a render's
    output files, the manifest's entries): each sub-folder is resolved once, and the last
    component only when it is itself a symlink."""

    def __init__(self, base: Path, what: str = "path", hidden_ok: bool = False):
        self.base = Path(base)
        self.real = self.base.resolve()
        self.what = what
        self.hidden_ok = hidden_ok
        self._prefix = os.path.join(str(self.base), "")
        self._folders: dict[str, bool] = {}

    def _ok(self, path: Path) -> bool:
        real = path.resolve()
        if not real.is_relative_to(self.real):
            return False
        return self.hidden_ok or not any(p.startswith(".")
                                         for p in real.relative_to(self.real).parts)

    def __call__(self, rel: str, last: bool = True) -> Path:
        """base/rel, or UnsafePath. last=False: the caller never follows the last component
        (it refuses a symlink there itself, or removes the link, not its target)."""
        return Path(self.join(rel, last))

    def join(self, rel: str, last: bool = True) -> str:
        """As calling it, as a str: a render puts 50,000 files in place, and a Path for each
        (made twice) was a second of it."""
        rel = clean_relative(rel, self.what, self.hidden_ok)
        path = self._prefix + rel
        parent = posixpath.dirname(rel)
        ok = self._folders.get(parent)
        if ok is None:
            ok = self._folders[parent] = (not parent) or self._ok(self.base / parent)
        if ok and last and os.path.islink(path):
            ok = self._ok(Path(path))
        if not ok:
            raise UnsafePath(f"{self.what} {rel!r} leads outside {self.base} (through a "
                             "symlink)", "leads out through a symlink")
        return path


# --- cinv's own state: never through a symlink ---------------------------------------------

def private_dir(base: Path, rel: str, create: bool = True) -> Path:
    """base/rel, a folder of cinv's own state (.cinv, .cinv/cache): every component below base a
    real directory, never a symlink; made when missing (create). UnsafePath otherwise; OSError
    when it cannot be made (a read-only inventory)."""
    rel = clean_relative(rel, "state folder", hidden_ok=True)
    path = Path(base)
    for part in rel.split("/"):
        path = path / part
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                raise
            os.mkdir(path)
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            what = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a directory"
            raise UnsafePath(f"{path}: is {what}; cinv keeps its own state there and never "
                             "follows a symlink (remove it)")
    return path


def open_private(path: Path, flags: int, mode: int = 0o644) -> int:
    """os.open with O_NOFOLLOW: a symlink where cinv keeps its own file is refused (UnsafePath)."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), mode)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise UnsafePath(f"{path}: is a symlink; cinv never reads or writes its own state "
                             "through one (remove it)") from None
        raise


def read_private(path: Path, limit: int | None = None) -> bytes:
    """A file of cinv's own state (not through a symlink); at most limit bytes (ValueError
    beyond)."""
    fd = open_private(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError(f"{path}: not a regular file")
        data = f.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise ValueError(f"{path}: over {limit} bytes")
    return data
