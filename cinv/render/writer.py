"""Writing rendered files: atomic, only what changed, and never a file cinv did not write.

The output dir keeps a manifest (.cinv-manifest.json): every file cinv wrote there with its
target and SHA-256, and each zone's last serial. A file in the manifest that a rendered target no
longer produces (a removed VM's XML) is deleted; a file not in the manifest is never touched
(cinv refuses to overwrite it).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cinv.errors import CinvError
from cinv.load import TMP_MARK, atomic_write, fsync_dir
from cinv.render.targets import MANIFEST

MANIFEST_VERSION = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / MANIFEST).read_text())
    except FileNotFoundError:
        return {"files": {}, "zones": {}}
    except (OSError, ValueError) as e:
        raise CinvError(f"{out / MANIFEST}: unreadable ({e}); delete it (and the files cinv "
                        "wrote there) to start afresh") from None
    files = data.get("files") if isinstance(data, dict) else None
    zones = data.get("zones") if isinstance(data, dict) else None
    return {"files": files if isinstance(files, dict) else {},
            "zones": zones if isinstance(zones, dict) else {}}


def _write(path: Path, data: bytes) -> None:
    """load.atomic_write without the directory fsync: apply() syncs each directory once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}{TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _inside(out: Path, rel: str) -> Path:
    """out/rel, refusing a path that a symlink would lead out of the output dir."""
    path = out / rel
    real_out = out.resolve()
    parent = path.parent
    while not parent.exists() and parent != out:
        parent = parent.parent
    if not parent.resolve().is_relative_to(real_out):
        raise CinvError(f"{path}: refusing to write outside {out} (a symlink leads out)")
    if path.is_symlink():
        raise CinvError(f"{path}: is a symlink; refusing to write through it")
    return path


@dataclass
class Plan:
    out: Path
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # exist, differ, and cinv did not write them
    unchanged: int = 0

    @property
    def differs(self) -> bool:
        return bool(self.missing or self.changed or self.stale or self.foreign)

    def lines(self) -> list[str]:
        out = [f"missing: {p}" for p in self.missing] + [f"changed: {p}" for p in self.changed]
        out += [f"not written by cinv: {p}" for p in self.foreign]
        return out + [f"stale: {p}" for p in self.stale]


def plan(out: Path, files: dict, manifest: dict, owned_targets: set | None) -> Plan:
    """Compare files {rel: (target, bytes)} with the disk. owned_targets: the targets rendered
    (None: all, so files of targets that no longer exist are stale too)."""
    result = Plan(out)
    known = manifest["files"]
    for rel in sorted(files):
        path = _inside(out, rel)
        data = files[rel][1]
        try:
            old = path.read_bytes()
        except FileNotFoundError:
            result.missing.append(rel)
            continue
        except IsADirectoryError:
            raise CinvError(f"{path}: is a directory where cinv writes a file") from None
        if old == data:
            result.unchanged += 1
        elif rel in known:
            result.changed.append(rel)
        else:
            result.foreign.append(rel)
    for rel, entry in sorted(known.items()):
        target = entry.get("target") if isinstance(entry, dict) else None
        if rel in files or (owned_targets is not None and target not in owned_targets):
            continue
        if (out / rel).is_file() and not (out / rel).is_symlink():
            result.stale.append(rel)
    return result


def apply(p: Plan, files: dict, manifest: dict, zones: dict | None,
          owned_targets: set | None) -> list[str]:
    """Write missing and changed files, delete stale ones, update the manifest. Returns
    'wrote X' / 'removed X' lines."""
    if p.foreign:
        raise CinvError(f"{p.out}: refusing to overwrite files cinv did not write (not in "
                        f"{MANIFEST}): {', '.join(p.foreign)}; move them away first")
    out = p.out
    out.mkdir(parents=True, exist_ok=True)
    report = []
    dirs = set()
    for rel in p.missing + p.changed:
        path = _inside(out, rel)
        _write(path, files[rel][1])
        dirs.add(path.parent)
        report.append(f"wrote {rel}")
    for rel in p.stale:
        path = out / rel
        path.unlink(missing_ok=True)
        dirs.add(path.parent)
        report.append(f"removed {rel}")
        parent = path.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    for folder in sorted(dirs):
        if folder.is_dir():
            fsync_dir(folder)
    entries = {rel: e for rel, e in manifest["files"].items()
               if rel not in p.stale and (out / rel).exists()
               and (owned_targets is None or not isinstance(e, dict)
                    or e.get("target") not in owned_targets)}
    for rel, (target, data) in files.items():
        entries[rel] = {"target": target, "sha256": sha256(data)}
    new = {"version": MANIFEST_VERSION, "files": dict(sorted(entries.items())),
           "zones": dict(sorted({**manifest["zones"], **(zones or {})}.items()))}
    text = (json.dumps(new, indent=1, sort_keys=True) + "\n").encode()
    mpath = out / MANIFEST
    try:
        if mpath.read_bytes() == text:
            return report
    except FileNotFoundError:
        pass
    atomic_write(mpath, text)
    return report

