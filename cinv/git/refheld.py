"""allocate.avoid_refs: the MACs and addresses other branches hold, for `auto` to skip.

Two customer branches made from one main each allocate from what they see, and would give
their first new VM the same address and MAC (`cinv check --refs` finds it only afterwards).
With `allocate: {avoid_refs: ['customer-*']}` in cinv.yaml, `host add`, `iface add`,
`iface set ... auto`, `host set ...=auto` and `net free` also skip every MAC held on a branch
matching one of the patterns, and every address held there on a network of the same name (the
rule of `check --refs`: a network in several branches is one network). Values given explicitly
are not refused here; `check --refs` reports them. The branch checked out, its remote-tracking
twin and branches at HEAD's commit are this branch's own state, not another ref.

Read from git's objects, never a checkout, and cached in .cinv/cache/ so that 50,000 hosts
cost little: per branch, the values it holds, keyed by its commit (an unchanged branch is one
read of the cache); per record blob, what it holds (a moved branch parses only its new blobs).
A blob that is also the work tree's clean copy of that file (most, for branches made from this
one) is taken from the host index `host add` has loaded anyway, not parsed.
"""
from __future__ import annotations

from pathlib import Path

from cinv.git import freed, gitstore
from cinv.records import cache
from cinv.records.index import Index

SEED_MIN = 64  # missing blobs past which the work tree's index is asked before git

# facts of one record blob: ((network, v4, v6, (MAC, ...)), ...) of a host that is not
# retired; () of a retired one (it holds nothing); None when it does not parse (it holds
# nothing either)


def _macs(value) -> tuple:
    """An interface's MACs as a tuple: the index holds one (or None), or a tuple of them where
    an interface carries other MACs besides its own."""
    if isinstance(value, tuple):
        return value
    return () if value is None else (value,)


def _facts_of_entry(entry: tuple) -> tuple:
    """A host index entry's facts, in the form of a blob's (interfaces as the index keeps
    them: name, network, v4, v6, MACs first)."""
    _name, state, _parent, ifaces = entry
    if state == "retired":
        return ()
    return tuple((i[1], i[2], i[3], _macs(i[4])) for i in ifaces)


def _facts_of_blob(data: bytes | None) -> tuple | None:
    """What a record holds depends on its content only (the file name gives the host its
    name, not its values): parsed under a stand-in name, so one blob is parsed once."""
    host = freed.parse_record("hosts/record.invalid.yaml", data)
    if host is None:
        return None
    if host.retired:
        return ()
    return tuple((i.network, int(i.ipv4) if i.ipv4 is not None else None,
                  int(i.ipv6) if i.ipv6 is not None else None,
                  _macs(tuple(getattr(i, "macs", ())) or i.mac))
                 for i in host.interfaces)


def other_refs(root: Path, patterns: list[str], at: str | None = None) -> list[tuple[str, str]]:
    """(branch, commit) of the branches matching any pattern, but this branch's own state: the
    branch checked out, its remote-tracking twin, and branches at the commit `at` (default:
    HEAD's). `cinv check --refs` compares with the same branches."""
    head = gitstore.head(root)
    if head is None:  # outside git, or no commit yet: no branch holds anything
        return []
    current = gitstore.current_branch(root)
    at = at or head
    found: dict[str, str] = {}
    for pattern in patterns:
        for name, sha in gitstore.matching_branches(root, pattern):
            if sha != at and name != current and not name.endswith(f"/{current}"):
                found[name] = sha
    return sorted(found.items())


class Held:
    """What the matching branches hold, computed once per command when `auto` first asks."""

    def __init__(self, root: Path, patterns: list[str], index: Index):
        self.root, self.patterns, self.index = root, list(patterns), index
        self._values: dict | None = None

    def values(self, family: str, network: str | None = None) -> set[int]:
        """MACs ("mac") held on any matching branch, or the addresses of a family ("v4",
        "v6") held there on the network of that name."""
        if self._values is None:
            self._values = self._compute() if self.patterns else {}
        if family == "mac":
            return self._values.get("mac", set())
        return self._values.get((family, network), set())

    def _compute(self) -> dict:
        refs = other_refs(self.root, self.patterns)
        if not refs:
            return {}
        per_ref = cache.read(self.root, "refheld")
        per_ref = per_ref if isinstance(per_ref, dict) else {}
        kept = {name: per_ref[name] for name, sha in refs
                if name in per_ref and per_ref[name][0] == sha}
        moved = [(name, sha) for name, sha in refs if name not in kept]
        if moved:
            kept.update(self._read_refs(moved))
            cache.write(self.root, "refheld", kept)
        out: dict = {"mac": set()}
        for _sha, macs, addresses in kept.values():
            out["mac"].update(macs)
            for key, values in addresses.items():
                out.setdefault(key, set()).update(values)
        return out

    def _read_refs(self, refs: list[tuple[str, str]]) -> dict:
        """{branch: (commit, [MACs], {(family, network): [values]})} of branches read from
        git, each record blob parsed at most once (cached across commands)."""
        listings = {name: {rel: blob for rel, blob in
                           gitstore.inventory_blobs(self.root, sha).items()
                           if rel.startswith("hosts/")} for name, sha in refs}
        known = cache.read(self.root, "refblobs")
        known = known if isinstance(known, dict) else {}
        wanted = {blob for files in listings.values() for blob in files.values()}
        missing = wanted - known.keys()
        if missing:
            if len(missing) > SEED_MIN:
                self._seed(known, {(rel, blob) for files in listings.values()
                                   for rel, blob in files.items() if blob in missing})
                missing -= known.keys()
            # sizes first (a record over the limit is never read, as in check --refs)
            for blob, data in gitstore.blobs(self.root, gitstore.blob_sizes(self.root, missing)):
                known[blob] = _facts_of_blob(data)
            for blob in missing - known.keys():
                known[blob] = None
            if len(known) > 2 * len(wanted) + 1000:  # blobs of old commits: forget them
                known = {k: v for k, v in known.items() if k in wanted}
            cache.write(self.root, "refblobs", known)
        out = {}
        for name, sha in refs:
            macs: set = set()
            addresses: dict = {}
            for blob in listings[name].values():
                for network, v4, v6, held_macs in known.get(blob) or ():
                    macs.update(held_macs)
                    for family, value in (("v4", v4), ("v6", v6)):
                        if value is not None and network:
                            addresses.setdefault((family, network), set()).add(value)
            out[name] = (sha, sorted(macs), {k: sorted(v) for k, v in addresses.items()})
        return out

    def _seed(self, known: dict, missing: set) -> None:
        """Blobs that are the work tree's clean copy of their file: what the host index holds
        for that file (no parse)."""
        head = gitstore.head(self.root)
        if head is None:
            return
        at_head = gitstore.inventory_blobs(self.root, head)
        dirty = set(gitstore.dirty_paths(self.root))
        for rel, blob in missing:
            entry = self.index.facts(rel)
            if entry is not None and at_head.get(rel) == blob and rel not in dirty:
                known[blob] = _facts_of_entry(entry)
