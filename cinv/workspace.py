"""Which inventory a command works on, and the way in: read (work tree or ref) or write (locked).

-C DIR, else $CINV_INVENTORY, else the nearest directory upwards holding cinv.yaml (as git finds
.git). With none of these there is no inventory, and every command says so (exit 1): cinv never
quietly reads some other inventory in its place. A --ref is resolved by git once, to a commit id,
and only that id is passed on.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cinv.errors import CinvError
from cinv.records import load, lock
from cinv.records.model import Inventory

STATE_FILES = (".gitignore", "lock", "render.lock", "cache", "serials.json")


def find_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / load.SETTINGS_FILE).is_file():
            return folder
    return None


@dataclass
class Workspace:
    root: Path
    ref: str | None = None  # the revision as the user gave it (for messages)
    commit: str | None = None  # the commit id git resolved it to (all that reaches git)
    warnings: list = field(default_factory=list)  # problems a change added, for the CLI to print
    notes: list = field(default_factory=list)  # what git warned resolving ref, for the CLI

    def __post_init__(self):
        if self.ref is not None and self.commit is None:
            from cinv.git import gitstore
            self.commit = gitstore.resolve_commit(self.root, self.ref, notes=self.notes)

    def source(self) -> load.Source:
        if self.commit:
            from cinv.git import gitstore
            source = gitstore.GitRefSource(self.root, self.commit)
            source.label = f"ref {self.ref}"
            return source
        return load.DirSource(self.root)

    def cache_root(self) -> Path | None:
        """Where parse results may be cached: the work tree."""
        return None if self.commit else self.root

    def load(self) -> Inventory:
        return load.load_inventory(self.source(), self.cache_root())

    def checked(self) -> tuple[list, int, int]:
        """(problems, number of hosts, number of networks) of `cinv check`, from the cache when
        no input file changed since it was stored (keyed by blob ids for a ref)."""
        from cinv.errors import Problem
        from cinv.records import cache
        source = self.source()
        if self.commit:
            keys, fp = None, f"ref:{source.tree.hexsha}:{cache.version()}"
        else:
            keys = cache.scan(self.root)
            fp = cache.fingerprint(keys)
        hit = cache.get_result(self.root, "check", fp)
        if hit is None:
            hit = self.check_result(source, keys, fp, index=True)
        problems = [Problem(*p) for p in hit[0]]
        return problems + self._state_committed(source), hit[1], hit[2]

    def delta_result(self, keys: dict, fp: str | None, dirty=None,
                     base: Inventory | None = None, remember: bool = True) -> tuple | None:
        """`cinv check`'s result updated from the last full check, when only a few host files
        changed since (cinv/checkdelta.py), and cached under fp; None when only a full check
        can say. dirty(): git's dirty paths, when the caller asked git already; base: the
        settings, networks and zones, when loaded already; remember: keep the result as the
        base of the next update (checkdelta.remember; a forked child leaves that to its
        parent, which holds git's answer)."""
        from cinv import checkdelta
        from cinv.records import cache
        hit = checkdelta.updated(self.root, keys, base)
        if hit is not None:
            cache.put_result(self.root, "check", fp, keys, hit)
            if remember:
                checkdelta.remember(self.root, keys, hit, dirty)
        return hit

    def check_result(self, source, keys: dict | None, fp: str | None,
                     index: bool = False) -> tuple:
        """`cinv check`'s result, computed (a full load) and cached under fp: ([problem
        tuples], number of hosts, number of networks). keys: the work tree's scan, if made.
        index: the host index made beside the rules, on the core they leave idle, when it is
        missing or behind (a fresh clone's first `host add` would make it)."""
        from cinv import check, checkdelta
        from cinv.records import cache
        if not self.commit and keys is not None:
            hit = self.delta_result(keys, fp)
            if hit is not None:
                return hit
        beside = None
        if index and not self.commit and keys is not None:
            from cinv.records import indexbuild
            beside = indexbuild.Beside(self.root, keys)
        try:
            facts = [] if beside is not None and beside.wants_facts else None
            inv = load.load_inventory(source, self.cache_root(), keys=keys, facts=facts,
                                      precheck=check.per_host_problems)
            if beside is not None:
                beside.go(facts)
                del facts  # what the rules need is the records
            with load.no_gc():
                problems = check.run(inv)
            inv.prechecked = None  # found for these records as loaded
        finally:
            if beside is not None:
                beside.wait()
        if not check.errors(problems):  # as render: what only rendering finds comes after
            from cinv.render import verify
            problems = problems + verify.problems(source, inv)
        hit = ([(p.path, p.line, p.message, p.severity, p.code) for p in problems],
               len(inv.hosts), len(inv.networks))
        if self.commit:
            cache.write(self.root, "check", (fp, hit))
        else:
            cache.put_result(self.root, "check", fp, keys, hit)
            checkdelta.remember(self.root, keys, hit)
        return hit

    def _state_committed(self, source) -> list:
        """.cinv/ (cinv's lock and caches) holding a symlink is an error (cinv refuses to use
        it), and a .cinv/ in git a warning: it is never to be committed, and cinv never believes
        what a committed one holds."""
        from cinv.errors import Problem
        out = []
        if not self.commit:
            for rel in (load.STATE_DIR, *(f"{load.STATE_DIR}/{n}" for n in STATE_FILES)):
                if os.path.islink(self.root / rel):
                    out.append(Problem(rel, 0, "is a symlink; cinv keeps its own state there "
                                       "and never follows one (remove it)", "error",
                                       "unsafe-path"))
        if self.commit:
            committed = source.exists(load.STATE_DIR)
        else:
            from cinv.git import gitstore
            committed = gitstore.tracked(self.root, load.STATE_DIR)
        if committed:
            out.append(Problem(load.STATE_DIR, 0, "is committed to git; it holds cinv's lock "
                               "and caches of one machine and must not be (git rm -r --cached "
                               ".cinv; `cinv init` puts /.cinv/ in .gitignore)", "warning",
                               "state-committed"))
        return out

    @contextmanager
    def changing(self, what: str):
        """Like `writing`, but hands over a Store: settings and networks loaded, hosts reached
        through the cached index (fast at any size; see cinv/store.py)."""
        from cinv.records import indexbuild
        from cinv.store import Store
        self._refuse_read_only(what)
        with lock.inventory_lock(self.root):
            load.clean_stale_temp_files(self.root)
            base = load.load_networks(load.DirSource(self.root), cache_root=self.root)
            idx = indexbuild.build(self.root, base.networks, base.settings.domain)
            store = Store(self.root, base, idx)
            yield store
            self.warnings.extend(store.warnings)

    def _refuse_read_only(self, what: str) -> None:
        if self.ref:
            raise CinvError(f"{what} changes the inventory; --ref only reads (check out the "
                            "branch to change it)")

    @contextmanager
    def writing(self, what: str):
        """Hold the lock, clear what a killed writer left, and hand over a fresh full load."""
        self._refuse_read_only(what)
        with lock.inventory_lock(self.root):
            load.clean_stale_temp_files(self.root)
            yield self.load()


def no_inventory(where: str) -> CinvError:
    return CinvError(f"{where}: not an inventory (no {load.SETTINGS_FILE} here or above); "
                     "name one with -C DIR (e.g. -C inventory for cinv's example), or make one "
                     "with `cinv init DIR`")


def open_workspace(directory: str | None, ref: str | None) -> Workspace:
    if directory is None:
        directory = os.environ.get("CINV_INVENTORY") or None
    if directory is not None:
        root = Path(directory)
        if not (root / load.SETTINGS_FILE).is_file() and not ref:
            raise CinvError(f"{directory}: not an inventory (no {load.SETTINGS_FILE}); run "
                            f"`cinv init {directory}` to make one")
        if not root.is_dir():
            raise CinvError(f"{directory}: no such directory")
        return Workspace(root=root.resolve(), ref=ref)
    root = find_root(Path.cwd().resolve())
    if root is None:
        raise no_inventory(str(Path.cwd()))
    return Workspace(root=root, ref=ref)
