"""The only code that reads or writes record files.

An inventory is read from a Source: the work tree (a directory) or a git ref (see gitstore). Files
are parsed with libyaml and turned into model objects by `schema`; every problem met is kept with
its path:line. Writes are atomic: a temporary file in the same directory, fsync, rename.
"""
from __future__ import annotations

import gc
import os
import secrets
import time
from contextlib import contextmanager
from pathlib import Path

from cinv import names, schema, yamlio
from cinv.errors import CinvError, Problem
from cinv.model import Host, Inventory

SETTINGS_FILE = "cinv.yaml"
MAX_FILE_SIZE = 1 << 20  # a record is a few hundred bytes; 1 MiB is plenty, and a hard stop
STATE_DIR = ".cinv"  # lock and caches; ignores itself in git
TMP_MARK = ".tmp-"


class Source:
    """Where the files come from. Paths are relative to the inventory root, with '/'."""

    label = "work tree"
    writable = False

    def exists(self, rel: str) -> bool:
        raise NotImplementedError

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        """(name, is_dir) of the entries of a folder; [] if it does not exist."""
        raise NotImplementedError

    def read(self, rel: str) -> bytes:
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


class DirSource(Source):
    """A directory on disk; symlinks that lead outside it are refused."""

    def __init__(self, root: Path, writable: bool = True):
        self.root = Path(root)
        self.real_root = self.root.resolve()
        self.writable = writable
        self.unsafe: list[Problem] = []

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        out = []
        try:
            entries = list(os.scandir(self.root / rel))
        except (FileNotFoundError, NotADirectoryError):
            return []
        for entry in entries:
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not target.is_relative_to(self.real_root):
                    self.unsafe.append(Problem(
                        f"{rel}/{entry.name}", 0, f"is a symlink to {target}, outside the "
                        "inventory; not read", "error", "unsafe-path"))
                    continue
                if target.is_dir():
                    self.unsafe.append(Problem(
                        f"{rel}/{entry.name}", 0, "is a symlink to a directory; not followed",
                        "error", "unsafe-path"))
                    continue
            out.append((entry.name, entry.is_dir(follow_symlinks=False)))
        return out

    def read(self, rel: str) -> bytes:
        path = self.root / rel
        size = path.stat().st_size
        if size > MAX_FILE_SIZE:
            raise CinvError(f"{rel}: {size} bytes is over the limit of {MAX_FILE_SIZE} for one "
                            "inventory file")
        with open(path, "rb") as f:
            return f.read(MAX_FILE_SIZE + 1)


def parse_file(source: Source, rel: str, problems: list):
    """The YAML document of one file, or None with a problem noted."""
    try:
        raw = source.read(rel)
    except CinvError as e:
        problems.append(Problem(rel, 0, str(e).split(": ", 1)[1], "error", "file"))
        return None
    except OSError as e:
        problems.append(Problem(rel, 0, f"cannot be read: {e.strerror or e}", "error", "file"))
        return None
    if len(raw) > MAX_FILE_SIZE:
        problems.append(Problem(rel, 0, f"is over the limit of {MAX_FILE_SIZE} bytes", "error",
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


def load_inventory(source: Source, cache_root: Path | None = None) -> Inventory:
    """Read settings, networks and hosts; problems are collected, never raised.

    With cache_root (a work tree), each host file's parsed record and problems are taken from
    the cache under .cinv/cache when the file's stat is unchanged (see cinv/cache.py), and only
    new or changed files are parsed (by two processes when there are thousands)."""
    with no_gc():
        return _load_inventory(source, cache_root)


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


def _load_inventory(source: Source, cache_root: Path | None) -> Inventory:
    inv = load_networks(source)
    problems = inv.problems
    keys = None
    if cache_root is not None:
        from cinv import cache
        keys = cache.scan(cache_root)
    if keys is None:
        rels = source.walk("hosts", problems)
        results = parse_host_files(source, rels)
    else:
        rels = sorted(rel for rel in keys if rel.startswith("hosts/"))
        results = _cached_host_files(source, cache_root, rels, keys)
    for rel in rels:
        host_tuple, file_problems = results[rel]
        problems.extend(Problem(*p) for p in file_problems)
        if host_tuple is None:
            continue
        host = Host.from_tuple(host_tuple)
        if host.name in inv.hosts:
            problems.append(Problem(rel, 0, f"host {host.name} is also recorded in "
                                    f"{inv.hosts[host.name].path}", "error", "duplicate-name"))
            continue
        inv.hosts[host.name] = host
    problems.extend(getattr(source, "unsafe", []))
    return inv


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


def _cached_host_files(source: Source, root: Path, rels: list[str], keys: dict) -> dict:
    from cinv import cache
    cached = cache.read(root, "hosts")
    if not isinstance(cached, dict):
        cached = {}
    results, misses = {}, []
    for rel in rels:
        hit = cached.get(rel)
        if hit is not None and hit[0] == keys[rel]:
            results[rel] = hit[1]
        else:
            misses.append(rel)
    if misses:
        results.update(parse_host_files(source, misses))
    now = time.time_ns()
    fresh = {rel: (keys[rel], results[rel]) for rel in rels if not cache.is_racy(keys[rel], now)}
    if misses or len(fresh) != len(cached):
        cache.write(root, "hosts", fresh)
    return results


def load_host(source: Source, rel: str, name: str, problems: list) -> Host | None:
    """One host record (None if its file is unreadable: that one problem is noted)."""
    before = len(problems)
    data = parse_file(source, rel, problems)
    if data is None and len(problems) > before:
        return None  # unreadable: its one problem is noted, "not a mapping" would be noise
    return schema.parse_host(name, data, rel, problems)


def load_networks(source: Source) -> Inventory:
    """Settings and networks only (hosts are left to the caller, e.g. through the index)."""
    problems: list[Problem] = []
    data = parse_file(source, SETTINGS_FILE, problems) if source.exists(SETTINGS_FILE) else None
    settings = schema.parse_settings(data, SETTINGS_FILE, problems)
    inv = Inventory(settings=settings, problems=problems)
    for rel in source.walk("networks", problems):
        if not rel.endswith(".yaml"):
            continue
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


# --- writing ------------------------------------------------------------------------------

def safe_target(root: Path, rel: str) -> Path:
    """The absolute path for rel, refusing anything that would land outside the inventory."""
    if rel.startswith("/") or ".." in rel.split("/") or "\0" in rel:
        raise CinvError(f"{rel!r}: refusing a path outside the inventory")
    path = root / rel
    real_root = root.resolve()
    parent = path.parent.resolve()
    if not parent.is_relative_to(real_root):
        raise CinvError(f"{rel}: refusing a path outside the inventory ({parent})")
    if path.is_symlink():
        raise CinvError(f"{rel}: is a symlink; refusing to write through it")
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old or the new file, never a torn one."""
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
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    """Store a record; returns False (and writes nothing) if the file already says the same."""
    return write_if_changed(safe_target(root, rel), yamlio.dump(data).encode())


def remove_record(root: Path, rel: str) -> None:
    path = safe_target(root, rel)
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def clean_stale_temp_files(root: Path) -> list[Path]:
    """Remove temporary files left by a killed writer. Call only while holding the lock."""
    removed = []
    for folder in ("hosts", "networks", "."):
        base = root / folder
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            if folder == ".":
                dirnames[:] = []
            for name in filenames:
                if name.startswith(".") and TMP_MARK in name:
                    p = Path(dirpath) / name
                    p.unlink(missing_ok=True)
                    removed.append(p)
    return removed
