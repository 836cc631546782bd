"""Addresses and MACs freed recently: `auto` holds them back for `allocate.hold_days`.

A host removed, retired or re-addressed frees its addresses and MACs, but ARP caches, DNS caches
and DHCP leases still point at the old holder for a while. So `auto` (and `cinv net free`) take
a freed value again only after the hold time (cinv.yaml `allocate: {hold_days: 7}`; 0 turns it
off); a value given explicitly is taken at once.

What was freed, and when, comes from git: the first-parent commits of the hold window that
changed host records, each compared with its parent (values held before, by hosts that were not
retired, and held by none after). Only that window is walked, never the whole history, and the
result is cached in .cinv/cache/freed.marshal with the commit it was computed at: after a new
commit (cinv's own, a pull) only the commits since then are walked, one `git log` and the few
changed records. Changes made without a commit (`--no-commit`, outside git) are remembered in
the same cache, with the time they were made. Deleting the cache only forgets those.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

from cinv.git import gitstore
from cinv.records import cache, load, schema, yamlio
from cinv.records.model import Host, Settings

DAY = 86400
FAMILIES = ("v4", "v6", "mac")


def held_values(host: Host | None) -> set[tuple[str, int]]:
    """(family, value) of every address and MAC a record holds (none when retired)."""
    if host is None or host.retired:
        return set()
    out = set()
    for iface in host.interfaces:
        if iface.ipv4 is not None:
            out.add(("v4", int(iface.ipv4)))
        if iface.ipv6 is not None:
            out.add(("v6", int(iface.ipv6)))
        out.update(("mac", mac) for mac in iface.macs)
    return out


def parse_record(rel: str, data: bytes | None) -> Host | None:
    """A host record read from git (None if it does not parse); problems are not kept."""
    name = load.host_name_of(rel) if rel.endswith(".yaml") else None
    if name is None or data is None:
        return None
    try:
        doc = yamlio.load(data.decode("utf-8"))
    except (UnicodeDecodeError, yamlio.YamlError):
        return None
    return schema.parse_host(name, doc, rel, [])


def held_at(root: Path, hold_days: float, commit: str) -> dict:
    """{(family, value): (time freed, host)} of what was held back at a commit: freed by the
    first-parent history up to it within hold_days before its committer time. A pure function
    of the commit (no cache, no clock), for output that must be the same whenever it is made
    (the report)."""
    when = gitstore.commit_time(root, commit)
    if when is None or hold_days <= 0:
        return {}
    since = when - hold_days * DAY
    return {k: v for k, v in _walk(root, since, None, commit).items() if v[0] <= when}


def _walk(root: Path, since: float, base: str | None, tip: str = "HEAD") -> dict:
    """{(family, value): (time freed, host)} over the commits after `since` (from `base`)."""
    commits = gitstore.host_changes(root, since, base, tip)
    wanted = set()
    for _sha, _when, changes in commits:
        if any(old for _p, old, _n in changes):  # only a commit that changed or removed a
            for _rel, old, new in changes:       # record can free anything
                wanted.update(b for b in (old, new) if b)
    contents = dict(gitstore.blobs(root, gitstore.blob_sizes(root, wanted))) if wanted else {}
    parsed: dict = {}

    def facts(rel: str, blob: str | None) -> tuple[set, str | None]:
        if blob is None:
            return set(), None
        key = (rel.rsplit("/", 1)[-1], blob)  # a record does not hold its name: its file does
        if key not in parsed:
            host = parse_record(rel, contents.get(blob))
            parsed[key] = (held_values(host), host.name if host else None)
        return parsed[key]

    out: dict = {}
    for _sha, when, changes in commits:
        if when <= since or not any(old for _p, old, _n in changes):
            continue
        before: dict = {}
        after: set = set()
        for rel, old, new in changes:
            values, name = facts(rel, old)
            for v in values:
                before[v] = name
            after |= facts(rel, new)[0]
        for value, name in before.items():
            if value not in after:
                out[value] = (when, name)
    return out


class Freed:
    """What was freed within the hold time, read once per command."""

    def __init__(self, root: Path, settings: Settings, now: float | None = None):
        self.root = root
        self.hold = settings.hold_days * DAY
        self.now = time.time() if now is None else now
        self._entries: dict | None = None
        self._pending: dict = {}
        self._head: str | None = None
        self._since = 0.0

    def entries(self) -> dict:
        """{(family, value): (time freed, host)} of everything freed within the hold time."""
        if self._entries is None:
            self._entries = self._load() if self.hold > 0 else {}
        return self._entries

    def _load(self) -> dict:
        since = self.now - self.hold
        head = gitstore.head(self.root)
        cached = cache.read(self.root, "freed")
        if not (isinstance(cached, tuple) and len(cached) == 4):
            cached = (None, None, {}, {})
        c_head, c_since, c_entries, pending = cached
        covered = c_since is not None and c_since <= since  # the cache saw the whole window
        walked = c_since
        if head is None:
            entries, walked = {}, since
        elif c_head == head and covered:
            entries = c_entries
        elif covered and c_head and gitstore.is_ancestor(self.root, c_head, head):
            entries = {**c_entries, **_walk(self.root, since, c_head)}
        else:
            entries, walked = _walk(self.root, since, None), since
        entries = {k: v for k, v in entries.items() if v[0] > since}
        pending = {k: v for k, v in pending.items() if v[0] > since}
        if (head, walked, entries, pending) != cached:
            cache.write(self.root, "freed", (head, walked, entries, pending))
        self._head, self._since, self._pending = head, walked, pending
        merged = dict(entries)
        for key, value in pending.items():
            if key not in merged or merged[key][0] < value[0]:
                merged[key] = value
        return merged

    def held(self, family: str) -> dict:
        """{value: (free again from, freed from host)} of one family, for allocate."""
        out = {}
        for (fam, value), (when, name) in self.entries().items():
            if fam == family:
                until = datetime.fromtimestamp(when + self.hold, timezone.utc)
                out[value] = (until.strftime("%Y-%m-%d %H:%M UTC"), name)
        return out

    def remember(self, freed: dict[tuple[str, int], str]) -> None:
        """Note values a change freed without a commit (the history will not show them)."""
        if self.hold <= 0 or not freed:
            return
        self.entries()
        for key, name in freed.items():
            self._pending[key] = (self.now, name)
            self._entries[key] = (self.now, name)
        cache.write(self.root, "freed", (self._head, self._since,
                                         {k: v for k, v in self._entries.items()
                                          if k not in self._pending}, self._pending))
