"""The one path-safety rule: every path built from data (a record, a manifest, a template name,
an include, a target's output path) goes through here.

A data path is a plain relative path: no absolute path, no '..', '.' or empty component, no
backslash, NUL or control character, and no hidden component ('.git', '.ssh', '.cinv') unless the
caller allows one. Resolved against its base folder with every symlink on every component
followed, it must still lie inside that folder's real path.
"""
from __future__ import annotations

import posixpath
from pathlib import Path

from cinv.errors import CinvError


class UnsafePath(CinvError):
    """A path from data that would reach outside its folder (or into a hidden one)."""


def clean_relative(rel: str, what: str = "path", hidden_ok: bool = False) -> str:
    """rel as a normalised relative path with '/', or UnsafePath naming `what`."""
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
        raise UnsafePath(f"{what} {rel!r} {why}")
    return posixpath.normpath(rel)


def is_inside(path: Path, base: Path) -> bool:
    """Whether path, with every symlink on every component followed, lies in base's real path."""
    return Path(path).resolve().is_relative_to(Path(base).resolve())


def resolve_inside(base: Path, rel: str, what: str = "path", hidden_ok: bool = False) -> Path:
    """base/rel after clean_relative, refused (UnsafePath) when a symlink on any component leads
    out of base. The path need not exist."""
    rel = clean_relative(rel, what, hidden_ok)
    path = Path(base) / rel
    if not is_inside(path, base):
        raise UnsafePath(f"{what} {rel!r} leads out of {base} (through a symlink)")
    return path
