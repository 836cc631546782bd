"""What the last plan found in sync, so that the next plan need not compare it again.

A DNS zone on a server is in sync still when its SOA serial there is the same (every change to
a zone moves its serial: an UPDATE always does) and the inventory's zone has the same content
digest and retired hosts; a Kea server when its configuration (the bytes config-get
answered) and cinv's are the same. Kept in .cinv/cache (deploy-sync.marshal) like every cache
of cinv: never trusted from another .cinv/, and `rm -rf .cinv/cache` only makes the next plan
compare everything again. None as the root: nothing remembered (a --ref).
"""
from __future__ import annotations

import hashlib

from cinv.records import cache

NAME = "deploy-sync"


class Memo:
    def __init__(self, root):
        self.root = root
        old = cache.read(root, NAME) if root is not None else None
        self.old: dict = old if isinstance(old, dict) else {}
        self.new: dict = {}
        self.seen: set = set()

    @staticmethod
    def digest(key) -> str:
        return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

    def same(self, where: tuple, key) -> bool:
        """Whether `where` (target, server, unit) was found in sync under this key."""
        self.seen.add(where)
        return self.root is not None and self.old.get(where) == self.digest(key)

    def keep(self, where: tuple, key) -> None:
        """`where` was compared now and found in sync."""
        self.new[where] = self.digest(key)

    def save(self) -> None:
        if self.root is None:
            return
        kept = {w: k for w, k in self.old.items() if w not in self.seen}
        kept.update(self.new)
        if kept != self.old:
            cache.write(self.root, NAME, kept)
