"""Every host file's parts of the rendered files (fast.fragment), kept under .cinv/cache.

The store is the parts by column (render-<column>.<bucket>: a host's meta, its dhcpd, Kea, zone,
hosts, dnsmasq, Ansible and report entries, its domain XML's digest; bucketed by the host file's
path, about a thousand hosts to a bucket) and one file that says what they were made from
(render-keys): the digest of what else they depend on (settings, networks, the zones' names,
cinv's own code and templates), the number of buckets, the stat key of each host file, and a
token that names this state of the store. A render makes the parts of new and changed host
files only (with thousands to make, a process per core), and, when they are few, hands the
old and new parts of each to the splice (cinv/render/splice.py), which edits the output files
where those hosts' bytes sit. The token ties an output dir's layout to the parts it was made
from: a layout made from another state of the store is not spliced.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from cinv import forked
from cinv.records import cache, load
from cinv.records.model import Host
from cinv.render import fast, writer

KEYS = "render-keys"
VERSION = 1
COLUMNS = ("meta", *fast.COLUMNS)  # meta: (name, kind, state) of every host file that is one
PER_BUCKET = 1024  # hosts per bucket the store aims at
MIN_BUCKETS, MAX_BUCKETS = cache.BUCKETS, 1024
PARALLEL_MIN = 2000  # parts to make before a process per core pays for itself
FEW_TO_PARSE = 32  # fewer changed files in a bucket of the parse cache: parse them instead
WORKERS = 4  # at most
SPLICE_MAX = 512  # more changed files than this: no old parts are kept for a splice


def buckets_for(hosts: int) -> int:
    """A power of two giving about PER_BUCKET hosts to a bucket, within the bounds."""
    n = MIN_BUCKETS
    while n < MAX_BUCKETS and n * PER_BUCKET < hosts:
        n *= 2
    return n


class NeedsTemplates(Exception):
    """A host needs a built-in target's template after all (see fast.Assembly.needs_template),
    or the parts cannot be kept: render as before."""


class Store:
    """What render-keys says, against the host files as scanned now (hosts: {path: stat key})."""

    def __init__(self, root: Path, digest: str, hosts: dict[str, tuple]):
        self.root, self.digest, self.hosts = root, digest, hosts
        data = cache.read(root, KEYS)
        fits = (isinstance(data, tuple) and len(data) == 5 and data[0] == VERSION
                and data[1] == digest and isinstance(data[4], dict))
        wanted = buckets_for(len(hosts))
        # the bucket count moves only when the inventory has grown (or shrunk) fourfold
        if fits and wanted // 4 < data[2] < wanted * 4:
            _v, _d, self.buckets, self.token, self.keys = data
        else:
            self.buckets, self.token, self.keys = wanted, None, {}
        self.fresh = not self.keys  # every bucket is made anew (none is read)
        keys = self.keys
        # the files whose stat differs, or new ones: a set difference of (path, key) pairs,
        # in C (a loop over 200,000 of them in Python costs a fifth of a second)
        try:
            self.todo = sorted(rel for rel, _key in hosts.items() - keys.items())
        except TypeError:  # a key that is not a tuple: not a cache this cinv wrote
            self.keys = keys = {}
            self.todo = sorted(hosts)
        self.gone = [rel for rel in keys if rel not in hosts] if len(keys) + len(self.todo) \
            > len(hosts) else []

    def release(self) -> None:
        """Let go of what only the making needed (the keys of 50,000 files): the processes
        forked to assemble the files need not carry it."""
        self.keys = self.hosts = {}
        self.todo = self.gone = []

    def changed(self) -> int:
        """How many host files to make or drop."""
        return len(self.todo) + len(self.gone)

    def column(self, name: str, which=None) -> cache.Sharded:
        return cache.Sharded(self.root, f"render-{name}", which, self.buckets)

    def metas(self) -> dict[str, tuple]:
        """{path: (name, kind, state)} of every host file holding a host."""
        with load.no_gc():
            return self.column("meta").merged()

    def update(self, made: dict) -> str | None:
        """Note the files made (path -> anything) and the files gone; returns the token of the
        store before (None: no state the splice can start from)."""
        before = self.token
        if not made and not self.gone:
            return before
        now = time.time_ns()
        for rel in made:
            key = self.hosts[rel]
            if cache.is_racy(key, now):
                # made again next time (it may still change), and known as made: its parts
                # are dropped if it is gone by then
                self.keys[rel] = None
            else:
                self.keys[rel] = key
        for rel in self.gone:
            self.keys.pop(rel, None)
        self.token = secrets.token_hex(8)
        cache.write(self.root, KEYS, (VERSION, self.digest, self.buckets, self.token, self.keys))
        return before if not self.fresh else None


class Maker:
    """Makes the parts of the host files given, bucket by bucket, and stores them (with their
    domain XMLs staged for the output dir when the libvirt target is rendered). With few
    files, the old and new parts of each are kept for the splice (self.changes)."""

    def __init__(self, store: Store, ctx: fast.Context, stage: writer.Stage, xml: bool):
        self.store, self.ctx, self.stage, self.xml = store, ctx, stage, xml
        self.root = store.root
        self.changes: dict | None = {} if len(store.todo) + len(store.gone) <= SPLICE_MAX \
            else None

    def make(self, by_bucket: dict[int, list[str]]) -> list[str]:
        """The paths made. Buckets are taken by the parse cache's bucket they fall in (a
        store's bucket count is a multiple of the parse cache's): each bucket of that is read
        once, and one bucket of parts is in memory at a time."""
        source = load.DirSource(self.root)
        made = []
        groups: dict[int, list[int]] = {}
        for b in sorted(by_bucket):
            groups.setdefault(b % cache.BUCKETS, []).append(b)
        for p, buckets in sorted(groups.items()):
            # the parse cache's bucket, where it saves more parsing than reading it costs
            records = cache.read(self.root, f"hosts.{p}") \
                if sum(len(by_bucket[b]) for b in buckets) >= FEW_TO_PARSE else None
            records = records if isinstance(records, dict) else {}
            for b in buckets:
                made += self._bucket(b, by_bucket[b], records, source)
        return made

    def _bucket(self, b: int, rels: list[str], records: dict, source) -> list[str]:
        store = self.store
        made = []
        columns = {c: store.column(c, () if store.fresh else {b}) for c in COLUMNS}
        with load.no_gc():
            for rel in rels:
                if rel not in store.hosts:
                    self._drop(rel, columns)
                    continue
                hit = records.get(rel)
                parsed = hit[1] if hit is not None and hit[0] == store.hosts[rel] \
                    else load.host_file(source, rel)
                self._one(rel, parsed[0], columns)
                made.append(rel)
        for column in columns.values():
            if store.fresh:
                column.dirty.add(b)  # written even when empty: no file of before stays
            if not column.save():
                raise NeedsTemplates()  # the parts cannot be kept: render as before
        return made

    def _old(self, rel: str, columns: dict) -> dict | None:
        meta = columns["meta"].get(rel)
        if meta is None:
            return None
        return {c: col.get(rel) for c, col in columns.items()}

    def _drop(self, rel: str, columns: dict) -> None:
        if self.changes is not None:
            self.changes[rel] = (self._old(rel, columns), None)
        for column in columns.values():
            column.drop(rel)

    def _one(self, rel: str, host_tuple, columns: dict) -> None:
        old = self._old(rel, columns) if self.changes is not None else None
        meta, parts = (None, None) if host_tuple is None else \
            fast.fragment(self.ctx, Host.from_tuple(host_tuple))
        if meta is None:  # not a host record
            new = None
            for column in columns.values():
                column.drop(rel)
        else:
            parts = {} if parts is None else parts  # a retired host: its meta alone
            libvirt = parts.get("libvirt")
            if libvirt is not None and libvirt[2] is not None:
                data = libvirt[2].encode("utf-8")
                digest = writer.sha256(data)
                if self.xml:
                    self.stage.put(f"libvirt/{meta[0]}.xml", "libvirt", data, digest)
                parts["libvirt"] = (libvirt[0], libvirt[1], digest)
            new = {"meta": meta, **parts}
            b = next(iter(columns.values())).bucket(rel)
            for c, column in columns.items():  # one bucket for every column
                value = new.get(c)
                part = column.parts[b]
                if value is None:
                    if part.pop(rel, None) is not None:
                        column.dirty.add(b)
                elif part.get(rel) != value:
                    part[rel] = value
                    column.dirty.add(b)
        if self.changes is not None:
            self.changes[rel] = (old, new)

    def _share(self, share: dict) -> tuple:
        try:
            return (self.make(share), self.stage.export())
        except NeedsTemplates:
            return ("templates",)

    def make_in_workers(self, by_bucket: dict[int, list[str]], workers: int,
                        meanwhile=None) -> list[str]:
        """make(), in child processes (the parse cache's buckets shared out by their number
        of files to make); meanwhile(): called here once they are started."""
        self.changes = None  # thousands of files: no splice
        groups: dict[int, dict] = {}
        for b, rels in by_bucket.items():
            groups.setdefault(b % cache.BUCKETS, {})[b] = rels
        shares: list[dict] = [{} for _ in range(workers)]
        sizes = [0] * workers
        for group in sorted(groups.values(), key=lambda g: -sum(map(len, g.values()))):
            i = sizes.index(min(sizes))
            shares[i].update(group)
            sizes[i] += sum(map(len, group.values()))
        children = []
        for share in shares:
            if share:
                children.append((*forked.start(lambda share=share: self._share(share)), share))
        if meanwhile is not None:
            try:
                meanwhile()
            except BaseException:
                for pid, read, _share in children:
                    forked.cancel(pid, read)
                raise
        made: list[str] = []
        failed: dict = {}
        for pid, read, share in children:
            result = forked.wait(pid, read)
            if result is None:
                failed.update(share)  # made here, as if no worker could be had
                continue
            if result[0] == "templates":
                raise NeedsTemplates()
            made += result[0]
            self.stage.adopt(result[1])
        if failed:
            made += self.make(failed)
        return made


def host_keys(keys: dict) -> dict:
    """The stat keys of the host files among a scan's."""
    return {rel: key for rel, key in keys.items()
            if rel.startswith("hosts/") and rel.endswith(".yaml")}


def make(store: Store, ctx: fast.Context, stage: writer.Stage,
         xml: bool, meanwhile=None) -> tuple[str | None, dict | None]:
    """Make the parts of new and changed host files (by a process per core when there are
    many), drop those of files gone, and note them: (the store's token before, and {path: (old
    parts, new parts)} of the files made or gone when few; None when many). meanwhile(): what
    to do while processes make them (called only when they do)."""
    by_bucket: dict[int, list[str]] = {}
    for rel in (*store.todo, *store.gone):
        by_bucket.setdefault(cache.bucket_of(rel, store.buckets), []).append(rel)
    maker = Maker(store, ctx, stage, xml)
    workers = min(os.cpu_count() or 1, WORKERS)
    if len(store.todo) >= PARALLEL_MIN and workers > 1:
        made = maker.make_in_workers(by_bucket, workers, meanwhile)
    else:
        made = maker.make(by_bucket)
    if store.fresh:  # no bucket file of another bucket count may stay
        for b in set(range(store.buckets)) - set(by_bucket):
            for c in COLUMNS:
                cache.write(store.root, f"render-{c}.{b}", {})
    before = store.update(dict.fromkeys(made))
    return before, maker.changes
