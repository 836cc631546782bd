"""The only code that reads or writes record files.

An inventory is read from a Source: the work tree (a directory) or a git ref (see gitstore). Files
are parsed with libyaml and turned into model objects by `schema`; every problem met is kept with
its path:line. Writes are atomic: a temporary file in the same directory, fsync, rename.
"""
from __future__ import annotations

import gc
import marshal
import os
import time
from contextlib import contextmanager
from pathlib import Path

from cinv import names, paths
from cinv.errors import CinvError, Problem
from cinv.records import schema, yamlio
from cinv.records.layout import (  # noqa: F401 (load's names for its callers)
    INPUT_DIRS,
    SETTINGS_FILE,
    STATE_DIR,
    TMP_MARK,
    atomic_write,
    fsync_dir,
)
from cinv.records.model import Host, Inventory, Zone, facts_of_tuple

MAX_FILE_SIZE = 1 << 20  # a record is a few hundred bytes; 1 MiB is plenty, and a hard stop
MAX_ZONE_FILE_SIZE = 64 << 20  # zones/<zone>.yaml may hold a big zone's own records


class Source:
    """Where the files come from. Paths are relative to the inventory root, with '/'."""

    label = "work tree"
    writable = False

    def exists(self, rel: str) -> bool:
        raise NotImplementedError

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        """(name, is_dir) of the entries of a folder; [] if it does not exist."""
        raise NotImplementedError

    def read(self, rel: str, limit: int = MAX_FILE_SIZE) -> bytes:
        raise NotImplementedError

    def walk(self, rel: str, problems: list) -> list[str]:
        """Every file below a folder, sorted, skipping hidden entries (temporary files)."""
        out = []
        for name, is_dir in sorted(self.listdir(rel)):
            if name.startswith("."):
                continue
            child = f"{rel}/{name}"
            if is_dir:
                out.extend(self.walk(child, problems))
            else:
                out.append(child)
        return out


class BytesSource(Source):
    """A few files given as bytes (a host record at a commit), for load_host."""

    def __init__(self, files: dict[str, bytes | None]):
        self.files = files

    def exists(self, rel: str) -> bool:
        return self.files.get(rel) is not None

    def read(self, rel: str, limit: int = MAX_FILE_SIZE) -> bytes:
        data = self.files.get(rel)
        if data is None:
            raise FileNotFoundError(rel)
        return data


class DirSource(Source):
    """A directory on disk, read through the one path rule (cinv/paths.py): a folder or file
    whose path leads out of the inventory through a symlink (or into a hidden folder of it) is
    not read, and is reported."""

    def __init__(self, root: Path, writable: bool = True):
        self.root = Path(root)
        self.real_root = self.root.resolve()
        self.writable = writable
        self.unsafe: list[Problem] = []
        self.folder = paths.Folder(self.root, "inventory path")

    def _refused(self, rel: str, why: str) -> None:
        problem = Problem(rel, 0, why, "error", "unsafe-path")
        if problem not in self.unsafe:
            self.unsafe.append(problem)

    def exists(self, rel: str) -> bool:
        return os.path.lexists(self.root / rel)

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        try:
            folder = self.folder(rel)
        except paths.UnsafePath:
            self._refused(rel, f"is a symlink to {(self.root / rel).resolve()}, outside the "
                          "inventory (or in a hidden folder of it); not read")
            return []
        out = []
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        for entry in entries:
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not paths.is_inside(target, self.real_root):
                    where = "outside the inventory" if not target.is_relative_to(
                        self.real_root) else "in a hidden folder of the inventory"
                    self._refused(f"{rel}/{entry.name}", f"is a symlink to {target}, {where}; "
                                  "not read")
                    continue
                if target.is_dir():
                    self._refused(f"{rel}/{entry.name}", "is a symlink to a directory; not "
                                  "followed")
                    continue
            out.append((entry.name, entry.is_dir(follow_symlinks=False)))
        return out

    def read(self, rel: str, limit: int = MAX_FILE_SIZE) -> bytes:
        try:
            path = self.folder.join(rel, last=False)
            try:
                fd = paths.open_private(path, os.O_RDONLY)
            except paths.UnsafePath:  # the file itself is a symlink: allowed inside
                if not paths.is_inside(Path(path), self.real_root):
                    raise
                fd = os.open(path, os.O_RDONLY)
        except paths.UnsafePath:
            raise CinvError(f"{rel}: is reached through a symlink that leads out of the "
                            "inventory (or into a hidden folder of it); not read") from None
        try:  # os.read, not a file object: a cold load reads 50,000 files
            size = os.fstat(fd).st_size
            if size > limit:
                raise CinvError(f"{rel}: {size} bytes is over the limit of {limit} "
                                "for one inventory file")
            pieces, total = [], 0
            while total <= limit:  # until the end (the file may have grown since fstat)
                piece = os.read(fd, max(size + 1 - total, 1 << 16))
                if not piece:
                    break
                pieces.append(piece)
                total += len(piece)
            data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            return data[:limit + 1]
        finally:
            os.close(fd)


class FilesSource(Source):
    """A few files given as bytes (records at a commit, as gitstore.read_blobs gives them)."""

    label = "commit"

    def __init__(self, files: dict[str, bytes | None]):
        self.files = files

    def exists(self, rel: str) -> bool:
        return self.files.get(rel) is not None

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        return []

    def read(self, rel: str, limit: int = MAX_FILE_SIZE) -> bytes:
        data = self.files.get(rel)
        if data is None:
            raise FileNotFoundError(rel)
        if len(data) > limit:
            raise CinvError(f"{rel}: {len(data)} bytes is over the limit of {limit} for one "
                            "inventory file")
        return data


def parse_file(source: Source, rel: str, problems: list, limit: int = MAX_FILE_SIZE):
    """The YAML document of one file, or None with a problem noted."""
    raw = read_file(source, rel, problems, limit)
    return None if raw is None else parse_bytes(raw, rel, problems, limit)


def read_file(source: Source, rel: str, problems: list, limit: int = MAX_FILE_SIZE):
    """The bytes of one file, or None with a problem noted."""
    try:
        return source.read(rel, limit)
    except CinvError as e:
        message = str(e).removeprefix(f"{rel}: ")
        problems.append(Problem(rel, 0, message, "error", "file"))
    except OSError as e:
        problems.append(Problem(rel, 0, f"cannot be read: {e.strerror or e}", "error", "file"))
    return None


def parse_bytes(raw: bytes, rel: str, problems: list, limit: int = MAX_FILE_SIZE):
    """The YAML document in a file's bytes, or None with a problem noted."""
    if len(raw) > limit:
        problems.append(Problem(rel, 0, f"is over the limit of {limit} bytes", "error",
                                "file"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(rel, raw.count(b"\n", 0, e.start) + 1,
                                "is not UTF-8 text", "error", "file"))
        return None
    try:
        return yamlio.load(text)
    except yamlio.YamlError as e:
        problems.append(Problem(rel, e.line, str(e), "error", "yaml"))
        return None


def host_name_of(rel: str) -> str | None:
    """hosts/<group>/<fqdn>.yaml -> fqdn, if the file name is a valid, lower-case FQDN."""
    stem = rel.rsplit("/", 1)[-1][:-len(".yaml")]
    try:
        name = names.check_fqdn(stem)
    except ValueError:
        return None
    return name if name == stem else None


PARALLEL_MIN = 4000  # files to parse before a second process pays for itself


def load_inventory(source: Source, cache_root: Path | None = None,
                   zone_cache: Path | None = None, keys: dict | None = None,
                   facts: list | None = None, precheck=None) -> Inventory:
    """Read settings, networks and hosts; problems are collected, never raised.

    With cache_root (a work tree), each host file's parsed record and problems are taken from
    the cache under .cinv/cache when the file's stat is unchanged (see cinv/records/cache.py),
    and only new or changed files are parsed (by a process per core when there are thousands,
    each writing its bucket of the cache). zone_cache (the work tree's root, also for a git
    ref) caches parsed zone files (see load_zones).
    keys: cache.scan of cache_root when the caller has made it already. facts: a list that
    gets the host index's facts (index.facts_of) of the files the parsing processes parsed
    or held, made there beside the parse, as marshalled {path: facts} of each bucket (for the
    index a cold check makes beside it; as objects they were 30 MB of a 190 MB check).
    precheck: a function of an Inventory giving the per-host rules' problem tuples
    (cinv.check.per_host_problems, handed down: records sit below the check), run by those
    processes on the hosts they parse; inv.prechecked then holds what they found."""
    with no_gc():
        return _load_inventory(source, cache_root, zone_cache or cache_root, keys, facts,
                               precheck)


@contextmanager
def no_gc():
    """Loading makes millions of objects and no garbage cycles; the cyclic collector would scan
    the growing heap again and again (two thirds of a warm load of 50,000 hosts). Pause it,
    then freeze what was loaded so later collections skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _load_inventory(source: Source, cache_root: Path | None, zone_cache: Path | None,
                    keys: dict | None, facts: list | None = None, precheck=None) -> Inventory:
    inv = load_networks(source, cache_root=zone_cache)
    problems = inv.problems
    if cache_root is None:
        keys = None
    elif keys is None:
        from cinv.records import cache
        keys = cache.scan(cache_root)
    if keys is None:
        rels = source.walk("hosts", problems)
        results = {rel: _built(r) for rel, r in parse_host_files(source, rels).items()}
    else:
        rels = sorted(rel for rel in keys if rel.startswith("hosts/"))
        base = Inventory(settings=inv.settings, networks=inv.networks, zones=inv.zones) \
            if precheck is not None else None
        checked: dict = {}
        results = _cached_hosts(source, cache_root, rels, keys, facts,
                                (precheck, base, checked) if base is not None else None)
    for rel in rels:
        host, file_problems = results.pop(rel)
        problems.extend(Problem(*p) for p in file_problems)
        if host is None:
            continue
        if host.name in inv.hosts:
            problems.append(Problem(rel, 0, f"host {host.name} is also recorded in "
                                    f"{inv.hosts[host.name].path}", "error", "duplicate-name"))
            continue
        inv.hosts[host.name] = host
    if keys is not None and precheck is not None and checked:
        # what the processes found of a file that became this inventory's host (not of one
        # dropped as a second file of one name)
        mine = {h.path for h in inv.hosts.values() if h.path in checked}
        inv.prechecked = (mine, [p for path in mine for p in checked[path]])
    for folder in ("templates",):  # walked here only to report symlinks out (zones: above)
        source.walk(folder, problems)
    problems.extend(getattr(source, "unsafe", []))
    if isinstance(source, DirSource):
        _check_out_dir(source, inv.settings, problems)
    return inv


def _check_out_dir(source: DirSource, settings, problems: list) -> None:
    """render.out of the work tree must not lead out of it through a symlink (render refuses
    it; check says so first)."""
    try:
        paths.resolve_inside(source.root, settings.render_out, "output dir")
    except paths.UnsafePath as e:
        problems.append(Problem(settings.path, settings.line_of("render"), f"render.out: {e}",
                                "error", "unsafe-path"))


def host_file(source: Source, rel: str) -> tuple:
    """(the record as Host.to_tuple() or None, [problem tuples]) of one file under hosts/."""
    problems: list[Problem] = []
    host = None
    if not rel.endswith(".yaml"):
        if rel.endswith(".yml"):
            problems.append(Problem(rel, 0, "not read: host records end in .yaml", "warning",
                                    "file"))
    else:
        name = host_name_of(rel)
        if name is None:
            problems.append(Problem(rel, 0, "file name is not a lower-case FQDN of RFC 1123 "
                                    "labels followed by .yaml", "error", "name"))
        else:
            host = load_host(source, rel, name, problems)
    return (host.to_tuple() if host is not None else None,
            [(p.path, p.line, p.message, p.severity, p.code) for p in problems])


def _parse_chunk(root: str, rels: list[str]) -> list[tuple]:
    source = DirSource(Path(root))
    return [host_file(source, rel) for rel in rels]


def parse_host_files(source: Source, rels: list[str]) -> dict[str, tuple]:
    workers = min(os.cpu_count() or 1, 4)
    if len(rels) >= PARALLEL_MIN and workers > 1 and isinstance(source, DirSource):
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            size = -(-len(rels) // (workers * 4))
            chunks = [rels[i:i + size] for i in range(0, len(rels), size)]
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) \
                    as pool:
                parts = pool.map(_parse_chunk, [str(source.root)] * len(chunks), chunks)
                return dict(zip(rels, (r for part in parts for r in part)))
        except (OSError, RuntimeError, ValueError):
            pass  # no second process to be had: parse here
    return {rel: host_file(source, rel) for rel in rels}


def _built(result: tuple) -> tuple:
    """(Host or None, problems) of a host_file result."""
    host_tuple, problems = result
    return (Host.from_tuple(host_tuple) if host_tuple is not None else None, problems)


def _cached_hosts(source: Source, root: Path, rels: list[str], keys: dict,
                  facts: list | None = None, precheck: tuple | None = None) -> dict:
    """{path: (Host or None, problem tuples)} of the host files, from the parse cache where a
    file's stat is unchanged, parsed where not (and cached, unless racy). The cache is read a
    bucket at a time and turned into records at once: never all of it in memory beside them.
    With thousands to parse, each process parses a bucket's files and writes that bucket
    itself (see _parse_bucket): what comes back is made into records a bucket at a time, never
    every parsed file at once beside them (a third of a cold check's memory)."""
    from cinv.records import cache
    by_bucket: dict[int, list[str]] = {}
    for rel in rels:
        by_bucket.setdefault(cache.bucket_of(rel), []).append(rel)
    out, missed_of, changed = {}, {}, {}
    for b, mine in by_bucket.items():
        part = cache.read(root, f"hosts.{b}")
        part = part if isinstance(part, dict) else {}
        missed = []
        for rel in mine:
            hit = part.get(rel)
            if hit is not None and hit[0] == keys[rel]:
                out[rel] = _built(hit[1])
            else:
                missed.append(rel)
        if missed or len(part) > len(mine) - len(missed):  # new, changed or removed files
            changed[b] = part
            missed_of[b] = missed
    misses = [rel for b in missed_of for rel in missed_of[b]]
    if len(misses) >= PARALLEL_MIN and isinstance(source, DirSource):
        tasks = [(str(source.root), f"hosts.{b}", missed_of[b], by_bucket[b],
                  {rel: keys[rel] for rel in by_bucket[b]}, facts is not None,
                  precheck[:2] if precheck is not None else None)
                 for b in sorted(missed_of)]
        changed.clear()  # the processes write the buckets
        for task, (results, made, found) in _in_workers(_parse_bucket, tasks):
            for rel, result in zip(task[2], results):
                out[rel] = _built(result)
            if made is not None:
                facts.append(made)
            if found is not None:  # every host parsed there was checked, but these
                problems_of, unchecked = found
                checked = precheck[2]
                checked.update((rel, ()) for rel, result in zip(task[2], results)
                               if result[0] is not None)
                for rel in unchecked:
                    del checked[rel]
                checked.update(problems_of)
        return out
    parsed = parse_host_files(source, misses) if misses else {}
    now = time.time_ns()
    for rel in misses:
        out[rel] = _built(parsed[rel])
        part = changed[cache.bucket_of(rel)]
        if cache.is_racy(keys[rel], now):
            part.pop(rel, None)
        else:
            part[rel] = (keys[rel], parsed[rel])
    for b, part in changed.items():
        present = set(by_bucket[b])
        cache.write(root, f"hosts.{b}", {r: v for r, v in part.items() if r in present})
    return out


def _parse_bucket(root: str, name: str, missed: list[str], present: list[str],
                  keys: dict, want_facts: bool = False,
                  precheck: tuple | None = None) -> tuple[list[tuple], bytes | None, dict | None]:
    """In a process of its own: host_file() of a parse cache bucket's files not cached (or
    changed), and the bucket written with them (the bucket's other files as it held them;
    files no more present dropped; racy ones not kept). keys: of the bucket's present files.
    Returns (the results of missed, and when want_facts {rel: index facts or None} of every
    present file, marshalled: what the index beside a cold check would read the bucket again
    for), and with precheck (the function, the settings, networks and zones) the per-host
    rules' problems of the hosts parsed here ({rel: [problem tuples]} of those with any, and
    the files not checked: a second of one name): the check's rules that need no other host,
    run on the cores that parse."""
    from cinv.records import cache
    results = _parse_chunk(root, missed)
    part = cache.read(Path(root), name)
    part = part if isinstance(part, dict) else {}
    now = time.time_ns()
    for rel, result in zip(missed, results):
        if cache.is_racy(keys[rel], now):
            part.pop(rel, None)
        else:
            part[rel] = (keys[rel], result)
    here = set(present)
    cache.write(Path(root), name, {r: v for r, v in part.items() if r in here})
    found = None
    if precheck is not None:
        fn, base = precheck
        hosts, unchecked = {}, []
        for rel, result in zip(missed, results):
            if result[0] is not None:
                host = Host.from_tuple(result[0])
                if hosts.setdefault(host.name, host) is not host:
                    unchecked.append(rel)  # a second file of one name (main drops one)
        found = ({}, unchecked)  # ({path: [problem tuples]} of those with any, not checked)
        for p in fn(Inventory(settings=base.settings, networks=base.networks, zones=base.zones,
                              hosts=hosts)):
            found[0].setdefault(p[0], []).append(p)
    if not want_facts:
        return results, None, found
    made = {rel: facts_of_tuple(result[0]) if result[0] is not None else None
            for rel, result in zip(missed, results)}
    for rel in present:
        hit = part.get(rel)
        if rel not in made and hit is not None and hit[0] == keys[rel]:
            made[rel] = facts_of_tuple(hit[1][0]) if hit[1][0] is not None else None
    return results, marshal.dumps(made), found


def _in_workers(work, tasks: list[tuple]):
    """(task, work(*task)) of each task in order, done by a process per core (at most 4) and
    yielded as each comes; what no process could do (one core, none to be had, one lost) is
    done here."""
    done = 0
    workers = min(os.cpu_count() or 1, 4)
    if workers > 1:
        try:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) \
                    as pool:
                for result in pool.map(work, *zip(*tasks)):
                    yield tasks[done], result
                    done += 1
        except (OSError, RuntimeError, ValueError):
            pass  # no second process to be had (or it was lost): the rest here
    for task in tasks[done:]:
        yield task, work(*task)


def load_host(source: Source, rel: str, name: str, problems: list) -> Host | None:
    """One host record (None if its file is unreadable: that one problem is noted)."""
    before = len(problems)
    data = parse_file(source, rel, problems)
    if data is None and len(problems) > before:
        return None  # unreadable: its one problem is noted, "not a mapping" would be noise
    return schema.parse_host(name, data, rel, problems)


def load_networks(source: Source, zones: bool = True, cache_root: Path | None = None
                  ) -> Inventory:
    """Settings and networks only (hosts are left to the caller, e.g. through the index), and
    the zones of zones/ unless zones=False.

    Loaded once per process for the same content: a render asks for them of the work tree and
    of every commit its serials walk, which mostly hold the same files (250 networks at
    200,000 hosts, parsed 8 times, were a second of a render after a change). What is kept is
    keyed by every file's git blob id (a ref knows them unread; the work tree's are hashed
    from files a few hundred bytes long) and shared by the caller as a fresh Inventory whose
    dicts are its own; the records in them are not changed once parsed."""
    walked: list[Problem] = []
    net_rels = [r for r in source.walk("networks", walked) if r.endswith(".yaml")]
    zone_rels = [r for r in source.walk("zones", walked) if r.endswith((".yaml", ".yml"))] \
        if zones else []
    has_settings = source.exists(SETTINGS_FILE)
    key = None if walked else _content_key(
        source, ([SETTINGS_FILE] if has_settings else []) + net_rels)
    kept = _NETWORKS_KEPT.get(key) if key is not None else None
    if kept is None:
        kept = _load_networks(source, has_settings, net_rels, walked)
        _keep(_NETWORKS_KEPT, key, kept)
    inv = Inventory(settings=kept.settings, networks=dict(kept.networks),
                    problems=list(kept.problems))
    if zones:
        key = _content_key(source, zone_rels) if key is not None else None
        part = _ZONES_KEPT.get(key) if key is not None else None
        if part is None:
            alone = Inventory(settings=kept.settings)
            load_zones(source, alone, cache_root, zone_rels)
            part = (alone.zones, alone.problems)
            _keep(_ZONES_KEPT, key, part)
        inv.zones.update(part[0])
        inv.problems.extend(part[1])
    return inv


def _keep(kept: dict, key: tuple | None, value) -> None:
    if key is not None:
        if len(kept) >= 8:
            kept.clear()
        kept[key] = value


_NETWORKS_KEPT: dict[tuple, Inventory] = {}  # settings and networks, by content
_ZONES_KEPT: dict[tuple, tuple] = {}  # zones/ ({name: Zone}, problems), by content


def _content_key(source: Source, rels: list[str]) -> tuple | None:
    """What load_networks' result is made of: every file's git blob id; None when a file
    cannot be read or is big (a big zone file: read and parsed as before, not hashed twice)."""
    blob_id = getattr(source, "blob_id", None)
    ids = []
    for rel in rels:
        if blob_id is not None:
            sha = blob_id(rel)
        else:
            try:
                sha = git_blob_id(source.read(rel, MAX_FILE_SIZE))
            except (OSError, CinvError):
                return None
        if sha is None:
            return None
        ids.append((rel, sha))
    return tuple(ids)


def _load_networks(source: Source, has_settings: bool, net_rels: list[str], walked: list
                   ) -> Inventory:
    problems: list[Problem] = []
    data = parse_file(source, SETTINGS_FILE, problems) if has_settings else None
    settings = schema.parse_settings(data, SETTINGS_FILE, problems)
    problems.extend(walked)
    inv = Inventory(settings=settings, problems=problems)
    for rel in net_rels:
        name = rel[len("networks/"):-len(".yaml")]
        try:
            names.check_network_name(name)
        except ValueError as e:
            problems.append(Problem(rel, 0, f"file name: {e}", "error", "name"))
            continue
        before = len(problems)
        data = parse_file(source, rel, problems)
        if data is None and len(problems) > before:
            continue  # unreadable: its one problem is noted, "not a mapping" would be noise
        net = schema.parse_network(name, data, rel, problems)
        if net is not None:
            inv.networks[name] = net
    return inv


def load_zones(source: Source, inv: Inventory, cache_root: Path | None = None,
               rels: list[str] | None = None) -> None:
    """zones/<zone>.yaml: a zone's default TTL and own records. A few files, but one may hold
    a big zone: with cache_root, each file's parsed zone is cached under .cinv/cache keyed by
    its content (its git blob id), so the work tree and the commits SOA serials read share
    one parse."""
    from cinv.records import zones
    problems = inv.problems
    if rels is None:
        rels = [r for r in source.walk("zones", problems) if r.endswith((".yaml", ".yml"))]
    cached: dict = {}
    if cache_root is not None and rels:
        from cinv.records import cache
        cached = cache.read(cache_root, "zones")
        cached = cached if isinstance(cached, dict) else {}
    blob_id = getattr(source, "blob_id", None)  # a git ref knows its blobs' ids unread
    used: dict = {}
    for rel in rels:
        if rel.endswith(".yml"):
            problems.append(Problem(rel, 0, "not read: zone files end in .yaml", "warning",
                                    "file"))
            continue
        raw, key = None, None
        if blob_id is not None:
            key = (rel, blob_id(rel))
        if key not in cached:
            file_problems: list = []
            raw = read_file(source, rel, file_problems, MAX_ZONE_FILE_SIZE)
            if raw is None:
                problems.extend(file_problems)
                continue
            key = (rel, git_blob_id(raw))
        result = cached.get(key)
        if result is None:
            result = _zone_file(raw, rel, zones)
        zone_tuple, file_problems = result
        problems.extend(Problem(*p) for p in file_problems)
        if zone_tuple is not None:
            zone = Zone.from_tuple(zone_tuple)
            inv.zones[zone.name] = zone
        used[key] = result
    if cache_root is not None and any(k not in cached for k in used):
        older = [k for k in cached if k not in used][-64:]  # other commits' versions
        cache.write(cache_root, "zones", {**{k: cached[k] for k in older}, **used})


def git_blob_id(data: bytes) -> str:
    """What git names a file of this content (its blob id)."""
    import hashlib
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _zone_file(raw: bytes, rel: str, zones) -> tuple:
    """(the zone as Zone.to_tuple() or None, [problem tuples]) of one file under zones/."""
    problems: list[Problem] = []
    zone = None
    name = rel[len("zones/"):-len(".yaml")]
    try:
        if "/" in name or zones.check_zone_name(name) != name:
            raise ValueError(f"{name!r} is not a lower-case zone name")
    except ValueError as e:
        problems.append(Problem(rel, 0, f"file name: {e} (zones/<zone>.yaml)", "error", "name"))
    else:
        data = parse_bytes(raw, rel, problems, MAX_ZONE_FILE_SIZE)
        if data is not None or not problems:
            zone = zones.parse_zone(name, data, rel, problems)
    return (zone.to_tuple() if zone is not None else None,
            [(p.path, p.line, p.message, p.severity, p.code) for p in problems])


# --- writing ------------------------------------------------------------------------------

def record_path(root: Path, rel: str) -> Path:
    """The path to write a record at: inside the inventory by the one path rule, and never
    through a symlink."""
    if (Path(root) / rel).is_symlink():
        raise CinvError(f"{rel}: is a symlink; refusing to write through it")
    try:
        return paths.resolve_inside(root, rel, "record path")
    except paths.UnsafePath as e:
        raise CinvError(f"{rel!r}: refusing a path outside the inventory (it {e.why})") \
            from None


def write_if_changed(path: Path, content: bytes) -> bool:
    """atomic_write, unless the file already holds exactly this; True if it wrote."""
    try:
        if path.read_bytes() == content:
            return False
    except (FileNotFoundError, IsADirectoryError):
        pass
    atomic_write(path, content)
    return True


def write_record(root: Path, rel: str, data: dict) -> bool:
    """Store a record; returns False (and writes nothing) if the file already says the same.
    Zone files (zones/, maybe 50,000 records) go through the fast block emitter."""
    text = yamlio.dump_block(data) if rel.startswith("zones/") else yamlio.dump(data)
    return write_if_changed(record_path(root, rel), text.encode())


def remove_record(root: Path, rel: str) -> None:
    path = record_path(root, rel)
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def clean_stale_temp_files(root: Path) -> list[Path]:
    """Remove temporary files left by a killed writer. Call only while holding the lock."""
    removed = []
    for folder in ("hosts", "networks", "zones", "."):
        base = root / folder
        if not base.is_dir() or base.is_symlink():
            continue  # a symlinked folder is not the inventory's to clean (check reports it)
        for dirpath, dirnames, filenames in os.walk(base):
            if folder == ".":
                dirnames[:] = []
            for name in filenames:
                if name.startswith(".") and TMP_MARK in name:
                    p = Path(dirpath) / name
                    p.unlink(missing_ok=True)
                    removed.append(p)
    return removed
