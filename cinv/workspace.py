"""Which inventory a command works on, and the way in: read (work tree or ref) or write (locked).

-C DIR, else $CINV_INVENTORY, else the nearest directory upwards holding cinv.yaml (as git finds
.git). With none of these, read-only commands fall back to the example inventory shipped with cinv.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cinv import load, lock
from cinv.errors import CinvError
from cinv.model import Inventory

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """A top-level folder of the project (templates/, inventory/): inside an installed wheel it
    lies in cinv/_data/, in a source checkout next to the package."""
    for candidate in (PACKAGE_DIR / "_data" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise CinvError(f"cinv's built-in {name}/ folder is missing from this installation")


def find_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / load.SETTINGS_FILE).is_file():
            return folder
    return None


@dataclass
class Workspace:
    root: Path
    ref: str | None = None
    example: bool = False

    def source(self) -> load.Source:
        if self.ref:
            from cinv import gitstore
            return gitstore.GitRefSource(self.root, self.ref)
        return load.DirSource(self.root)

    def cache_root(self) -> Path | None:
        """Where parse results may be cached: a work tree that is not cinv's own example."""
        return None if self.ref or self.example else self.root

    def load(self) -> Inventory:
        return load.load_inventory(self.source(), self.cache_root())

    def checked(self) -> tuple[list, int, int]:
        """(problems, number of hosts, number of networks) of `cinv check`, from the cache when
        no input file changed since it was stored (keyed by blob ids for a ref)."""
        from cinv import cache, check
        from cinv.errors import Problem
        source = self.source()
        if self.ref:
            keys, fp = None, f"ref:{source.tree.hexsha}"
        else:
            keys = None if self.example else cache.scan(self.root)
            fp = cache.fingerprint(keys)
        hit = cache.get_result(self.root, "check", fp) if not self.example else None
        if hit is not None:
            return [Problem(*p) for p in hit[0]], hit[1], hit[2]
        inv = load.load_inventory(source, self.cache_root())
        problems = check.run(inv)
        result = ([(p.path, p.line, p.message, p.severity, p.code) for p in problems],
                  len(inv.hosts), len(inv.networks))
        if self.ref:
            cache.write(self.root, "check", (fp, result))
        elif not self.example:
            cache.put_result(self.root, "check", fp, keys, result)
        return problems, result[1], result[2]

    @contextmanager
    def changing(self, what: str):
        """Like `writing`, but hands over a Store: settings and networks loaded, hosts reached
        through the cached index (fast at any size; see cinv/store.py)."""
        from cinv import index
        from cinv.store import Store
        self._refuse_read_only(what)
        with lock.inventory_lock(self.root):
            load.clean_stale_temp_files(self.root)
            base = load.load_networks(load.DirSource(self.root))
            idx = index.build(self.root, base.networks, base.settings.domain)
            yield Store(self.root, base, idx)

    def out_base(self) -> Path:
        """Relative output paths are relative to the inventory, or to the current directory
        when the read-only example inventory is used."""
        return Path.cwd() if self.example else self.root

    def _refuse_read_only(self, what: str) -> None:
        if self.ref:
            raise CinvError(f"{what} changes the inventory; --ref only reads (check out the "
                            "branch to change it)")
        if self.example:
            raise CinvError(f"{what} changes the inventory, and there is none here (no cinv.yaml "
                            "in this directory or above); run `cinv init` or pass -C DIR")

    @contextmanager
    def writing(self, what: str):
        """Hold the lock, clear what a killed writer left, and hand over a fresh full load."""
        self._refuse_read_only(what)
        with lock.inventory_lock(self.root):
            load.clean_stale_temp_files(self.root)
            yield self.load()


def open_workspace(directory: str | None, ref: str | None) -> Workspace:
    if directory is None:
        directory = os.environ.get("CINV_INVENTORY") or None
    if directory is not None:
        root = Path(directory)
        if not (root / load.SETTINGS_FILE).is_file():
            if ref:
                return Workspace(root=root.resolve(), ref=ref)
            raise CinvError(f"{directory}: not an inventory (no {load.SETTINGS_FILE}); run "
                            f"`cinv init {directory}` to make one")
        return Workspace(root=root.resolve(), ref=ref)
    root = find_root(Path.cwd().resolve())
    if root is not None:
        return Workspace(root=root, ref=ref)
    example = data_dir("inventory")
    print(f"cinv: no {load.SETTINGS_FILE} here or above; reading the example inventory "
          f"{example} (use -C DIR or CINV_INVENTORY)", file=sys.stderr)
    return Workspace(root=example, ref=ref, example=True)
