"""cinv's notes on an output dir, kept in the inventory's cache (.cinv/cache/render-state-*):
every file it wrote there, with its target, its SHA-256, its stat when cinv wrote or last
checked it, and its entry's length in the manifest; the key of the inputs rendered, the stat of
the manifest as written (then it need not be parsed again), the zones' serials, and the splice's
layout of the files (cinv/render/splice.py).

The files are kept as sorted paths beside packed arrays, not as dicts: a render after one
change looks up and edits a few of 50,000 entries, and loading the notes costs a list of paths
and a few blobs. The manifest (.cinv-manifest.json, in the output dir) is the same data as
JSON, one entry per file in path order; a splice edits its text where the entries changed
(manifest_edit), a full render writes it whole (writer.manifest_text).
"""
from __future__ import annotations

import hashlib
import os
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from pathlib import Path

VERSION = 3
DIGEST = 32  # bytes of a SHA-256
STAT = 4  # ints of a stat key: inode, size, mtime_ns, ctime_ns
_ascii = __import__("json").JSONEncoder().encode  # ensure_ascii, as json.dumps


def name_of(out: Path) -> str:
    return "render-state-" + hashlib.blake2b(str(Path(out).resolve()).encode(),
                                             digest_size=10).hexdigest()


def entry_text(rel: str, target: str, sha: str) -> bytes:
    """One file's entry in the manifest, as writer.manifest_text writes it."""
    return (f'  {_ascii(rel)}: {{\n   "sha256": {_ascii(sha)},\n   "target": '
            f'{_ascii(target)}\n  }}').encode()


class OutState:
    """The notes, with the files as sorted paths (rels) and per path: its target (an index into
    targets), digest, stat key (zeros: unknown) and manifest entry's length."""

    def __init__(self):
        self.rels: list[str] = []
        self.targets: list[str] = []
        self.which = bytearray()
        self.digests = bytearray()
        self.stats = array("q")
        self.sizes = array("I")  # each entry's bytes in the manifest, with the ",\n" after it
        self.key: str | None = None
        self.manifest = None  # the manifest's stat key as cinv wrote it
        self.zones: dict = {}
        self.layout = None

    # --- reading and writing -------------------------------------------------------------

    def dump(self) -> dict:
        return {"rels": self.rels, "targets": self.targets, "which": bytes(self.which),
                "digests": bytes(self.digests), "stats": self.stats.tobytes(),
                "sizes": self.sizes.tobytes(), "key": self.key, "manifest": self.manifest,
                "zones": self.zones, "layout": self.layout}

    @classmethod
    def load(cls, data) -> OutState | None:
        """The notes from what dump() gave; None if they do not hold together."""
        try:
            state = cls()
            state.rels, state.targets = list(data["rels"]), list(data["targets"])
            state.which = bytearray(data["which"])
            state.digests = bytearray(data["digests"])
            state.stats.frombytes(data["stats"])
            state.sizes.frombytes(data["sizes"])
            state.key, state.manifest = data["key"], data["manifest"]
            state.zones, state.layout = dict(data["zones"]), data["layout"]
        except (KeyError, TypeError, ValueError):
            return None
        n = len(state.rels)
        if (len(state.which) != n or len(state.digests) != n * DIGEST
                or len(state.stats) != n * STAT or len(state.sizes) != n
                or (n and max(state.which) >= len(state.targets))):
            return None
        return state

    @classmethod
    def of(cls, files: dict, stats: dict, key, manifest, zones: dict, layout=None,
           sizes: dict | None = None) -> OutState:
        """From the dicts of a full render: files {rel: (target, sha256 hex)}, stats {rel:
        stat key}; sizes: {rel: its entry's length}, as writer.manifest_text gave them."""
        sizes = sizes or {}
        state = cls()
        state.key, state.manifest, state.zones, state.layout = key, manifest, zones, layout
        table: dict[str, int] = {}
        rels = sorted(files)
        for rel in rels:
            target, sha = files[rel]
            state.which.append(table.setdefault(target, len(table)))
            state.digests += bytes.fromhex(sha)
            st = stats.get(rel)
            state.stats.extend(st if st is not None else (0, 0, 0, 0))
            size = sizes.get(rel)
            state.sizes.append(size if size is not None else len(entry_text(rel, target, sha)) + 2)
        state.rels = rels
        state.targets = list(table)
        return state

    def files(self) -> dict:
        """{rel: (target, sha256 hex)}."""
        targets, which, digests = self.targets, self.which, self.digests
        return {rel: (targets[which[i]], digests[i * DIGEST:(i + 1) * DIGEST].hex())
                for i, rel in enumerate(self.rels)}

    def stat_dict(self) -> dict:
        """{rel: stat key} of the files whose stat is known."""
        stats = self.stats
        out = {}
        for i, rel in enumerate(self.rels):
            st = list(stats[i * STAT:(i + 1) * STAT])
            if st != [0, 0, 0, 0]:
                out[rel] = st
        return out

    def copy(self) -> OutState:
        other = OutState.load(self.dump())
        assert other is not None
        return other

    # --- lookups -------------------------------------------------------------------------

    def stat_of(self, rel: str) -> list | None:
        i = self.index(rel)
        if i is None:
            return None
        st = list(self.stats[i * STAT:(i + 1) * STAT])
        return None if st == [0, 0, 0, 0] else st

    def set_stat(self, rel: str, st) -> None:
        i = self.index(rel)
        if i is not None:
            self.stats[i * STAT:(i + 1) * STAT] = array("q", st or (0, 0, 0, 0))

    def index(self, rel: str) -> int | None:
        i = bisect_left(self.rels, rel)
        return i if i < len(self.rels) and self.rels[i] == rel else None

    def entry(self, rel: str) -> tuple[str, str] | None:
        i = self.index(rel)
        if i is None:
            return None
        return (self.targets[self.which[i]],
                self.digests[i * DIGEST:(i + 1) * DIGEST].hex())

    def changed_file(self, out: Path) -> str | None:
        """The first file that is not as cinv left it (stat), or None when every one is."""
        base = os.path.join(out, "")
        stats = self.stats
        lstat = os.lstat
        for i, rel in enumerate(self.rels):
            try:
                st = lstat(base + rel)
            except OSError:
                return rel
            j = i * STAT
            if (st.st_ino != stats[j] or st.st_size != stats[j + 1]
                    or st.st_mtime_ns != stats[j + 2] or st.st_ctime_ns != stats[j + 3]):
                return rel
        return None

    # --- a splice's changes --------------------------------------------------------------

    def edit(self, put: dict, removed) -> list:
        """Apply a splice's changes: put {rel: (target, sha256 hex, stat key)} (new or
        changed files), removed (paths gone). Returns the replacements of the manifest's
        "files" entries (see manifest_edit), computed against the state as it was."""
        from cinv.render import segments
        rels = self.rels
        changes: dict = {rel: None for rel in removed}
        for rel, (target, sha, _st) in put.items():
            changes[rel] = entry_text(rel, target, sha) + b",\n"
        run = segments.Run(rels, self.sizes)
        reps, new_run = run.edit(0, changes)
        table = {t: i for i, t in enumerate(self.targets)}
        which, digests, stats = bytearray(), bytearray(), array("q")
        i = 0
        for key in sorted(changes):  # copy runs of untouched entries between the changes
            k = bisect_left(rels, key, i)
            which += self.which[i:k]
            digests += self.digests[i * DIGEST:k * DIGEST]
            stats.extend(self.stats[i * STAT:k * STAT])
            i = k + 1 if k < len(rels) and rels[k] == key else k
            if key in put:
                target, sha, st = put[key]
                which.append(table.setdefault(target, len(table)))
                digests += bytes.fromhex(sha)
                stats.extend(st if st is not None else (0, 0, 0, 0))
        which += self.which[i:]
        digests += self.digests[i * DIGEST:]
        stats.extend(self.stats[i * STAT:])
        self.rels, self.sizes = new_run.keys, new_run.lengths
        self.which, self.digests, self.stats = which, digests, stats
        self.targets = list(table)
        return reps


class Files(Mapping):
    """The notes' files as the manifest's {rel: (target, sha256)}, looked up in them (a full
    render's writer reads them all; a splice only a few)."""

    def __init__(self, state: OutState):
        self.state = state
        self.gone: set[str] = set()

    def __getitem__(self, rel: str) -> tuple[str, str]:
        entry = self.state.entry(rel) if rel not in self.gone else None
        if entry is None:
            raise KeyError(rel)
        return entry

    def __iter__(self):
        return (rel for rel in self.state.rels if rel not in self.gone)

    def __len__(self) -> int:
        return len(self.state.rels) - len(self.gone)

    def __delitem__(self, rel: str) -> None:
        self.gone.add(rel)


class Stats(Mapping):
    """The notes' stats as {rel: stat key} (files whose stat is known)."""

    def __init__(self, state: OutState):
        self.state = state

    def __getitem__(self, rel: str) -> list:
        st = self.state.stat_of(rel)
        if st is None:
            raise KeyError(rel)
        return st

    def __iter__(self):
        return iter(self.state.stat_dict())

    def __len__(self) -> int:
        return len(self.state.stat_dict())


FILES_HEAD = b'{\n "files": {\n'


def manifest_edit(text: bytes, reps: list, zones_tail: bytes) -> bytes | None:
    """The manifest with its file entries replaced (reps: OutState.edit's, offsets counted
    from the first entry, each entry followed by ",\\n") and its zones written anew; None when
    the text is not laid out as cinv writes it (then it is written whole)."""
    from cinv.render import segments
    if not text.startswith(FILES_HEAD):
        return None
    end = text.find(b'\n },\n "version": ', len(FILES_HEAD))
    if end < 0:
        return None
    # the entries as the state counts them: each followed by ",\n" (the last one too)
    body = memoryview(text[len(FILES_HEAD):end] + b",\n")
    new = segments.apply(body, reps)
    if not new:
        return None  # no file left: the full writer says "files": {}
    return FILES_HEAD + new[:-2] + b"\n },\n" + zones_tail
