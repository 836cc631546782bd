"""SOA serials: stable for one commit, moved only when a zone's content moves, never backwards.

A zone's content digest covers its TTL, SOA names and timers and every record (not the serial).

Each zone has a scheme (zones/<zone>.yaml `serial:`) saying what a change's serial is made of:
`unixtime` (the default) the committer time in Unix seconds, `date` YYYYMMDDnn of the committer
day (UTC), `counter` the previous serial + 1. Whatever the scheme, a change gives at least the
previous serial + 1, in RFC 1982's serial arithmetic (32 bits, wrapping).

In git: the serial is what the scheme makes of the newest first-parent commit, among those
touching the inventory, at which the zone's digest changed. It is found by walking back
`git log --first-parent` from the rendered commit, computing every zone's digest at each commit
in one pass, until a commit whose result is cached (.cinv/serials.json; results for a commit
never change, so the cache is only a speed-up) or MAX_WALK commits. A zone unchanged over the
whole walk gets what its scheme makes of the oldest commit walked (a counter starts at 1).
Uncommitted changes to a zone in the work tree give that serial + 1; a zone not yet committed
at all gets the HEAD commit's + 1.

A zone's serial floor (`serial_floor:`, recorded by `cinv import zone` from the source's SOA and
by `cinv apply` when a server was ahead) is a serial the zone has had: the rendered serial is
always above it. A commit that records a floor counts as a change of the zone.

Outside git (or before the first commit) the output dir's manifest keeps a counter: 1 the first
time, the previous serial + 1 when the zone's content changed, else the previous serial.

In both cases the manifest guards the output dir: a zone whose content differs from what was
last written there gets at least the previous serial + 1, and a serial never falls below the
one last written. Serials stay in 1 .. 2**32 - 1.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from cinv import paths as path_rule
from cinv.errors import CinvError
from cinv.git import gitstore
from cinv.records import cache as state_cache
from cinv.records import load
from cinv.records.lock import state_dir
from cinv.records.model import Inventory

MAX_WALK = 1000
CACHE_FILE = "serials.json"
CACHE_VERSION = 3
SERIAL_MAX = 2**32 - 1
HALF = 2**31


# --- RFC 1982 serial arithmetic and the schemes -----------------------------------------------

def after(a: int, b: int) -> bool:
    """Serial a is greater than serial b (RFC 1982, 32 bits)."""
    return a != b and ((a > b and a - b < HALF) or (a < b and b - a > HALF))


def bump(serial: int) -> int:
    """The serial after this one (+ 1, wrapping past 2**32 - 1 to 1)."""
    return serial + 1 if serial < SERIAL_MAX else 1


def made(scheme: str, when: int) -> int | None:
    """What a scheme makes of a commit time (None: a counter, which only counts)."""
    if scheme == "date":
        t = time.gmtime(when)
        return (t.tm_year * 10000 + t.tm_mon * 100 + t.tm_mday) * 100
    if scheme == "counter":
        return None
    return when % (SERIAL_MAX + 1) or 1


def step(scheme: str, when: int, previous: int | None, floor: int | None) -> int:
    """A change's serial: what the scheme makes of its time, or else the previous + 1, and
    above the floor."""
    serial = made(scheme, when)
    if previous is not None and (serial is None or not after(serial, previous)):
        serial = bump(previous)
    if serial is None:
        serial = 1
    return above(serial, floor)


def above(serial: int, floor: int | None) -> int:
    """The serial, or the floor + 1 when the serial is not above the floor."""
    if floor is not None and not after(serial, floor):
        return bump(floor)
    return serial


def start(scheme: str, when: int, floor: int | None) -> int:
    """The serial of a zone unchanged since the oldest commit walked (made at `when`)."""
    return above(made(scheme, when) or 1, floor)


def _zones(inv, only: set | None = None) -> dict[str, str]:
    from cinv.render import dns
    from cinv.render.view import View
    return {z["name"]: z["digest"] for z in dns.build_zones(View(inv), strict=False,
                                                            only=only)}


def _host_inventory(base, host) -> Inventory:
    """The inventory of one host (the zones of zones/ are there, without their records: those
    are the same on both sides)."""
    from cinv.records.model import Zone
    inv = Inventory(settings=base.settings, networks=base.networks,
                    zones={n: Zone(n, z.ttl) for n, z in base.zones.items()})
    if host is not None and not host.retired:
        inv.hosts[host.name] = host
    return inv


def _touched(inv) -> set | None:
    """The zones one host's records land in (None: every zone, for a nameserver's host,
    whose addresses are glue wherever it is delegated)."""
    from cinv.render import dns
    from cinv.render.view import View
    targets = {ns.rstrip(".") for ns in inv.settings.dns.nameservers}
    placer = dns.HostDns(inv)
    out: set = set()
    for item in View(inv).hosts:
        recs, _warnings, addressed = placer.records(item)
        if any(name in targets for name, _addrs in addressed):
            return None
        out.update(rec[0] for rec in recs)
    return out


def _host_zones(base, old, new) -> set:
    """The zones whose digest one host's change (old -> new record, None: no host) moves."""
    before, after = _host_inventory(base, old), _host_inventory(base, new)
    a, b = _touched(before), _touched(after)
    only = None if a is None or b is None else a | b
    if only == set():
        return set()
    was, now = _zones(before, only), _zones(after, only)
    return {z for z in set(was) | set(now) if was.get(z) != now.get(z)}


def _host_at(files: dict, rel: str):
    name = load.host_name_of(rel)
    if name is None or files.get(rel) is None:
        return None
    return load.load_host(load.BytesSource(files), rel, name, [])


def _read_cache(root: Path) -> dict:
    """cinv's own state (cinv/paths.py: never through a symlink), believed only when written
    in this very .cinv/ (a committed one is not: see cinv/records/cache.py)."""
    try:
        folder = path_rule.private_dir(root, load.STATE_DIR, create=False)
        data = json.loads(path_rule.read_private(folder / CACHE_FILE))
    except (OSError, ValueError, CinvError):
        return {}
    if (not isinstance(data, dict) or data.get("version") != CACHE_VERSION
            or data.get("stamp") != list(state_cache.stamp(root) or ())):
        return {}
    try:
        return {sha: {"default": int(st["default"]),
                      "zones": {str(z): int(v) for z, v in st["zones"].items()},
                      "settings": {str(z): [str(v[0]), None if v[1] is None else int(v[1])]
                                   for z, v in st["settings"].items()}}
                for sha, st in data["commits"].items()}
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return {}


def _write_cache(root: Path, commits: dict) -> None:
    try:
        path = state_dir(root) / CACHE_FILE
        text = json.dumps({"version": CACHE_VERSION, "stamp": list(state_cache.stamp(root) or ()),
                           "commits": commits}, sort_keys=True)
        load.atomic_write(path, text.encode())
    except (OSError, CinvError):
        pass  # a read-only inventory (or a .cinv/ with symlinks): the cache is only a speed-up


def changed_zones(root: Path, before: str | None, after: str | None,
                  paths: list[str]) -> tuple[set, set]:
    """(zones whose content differs, zones that exist only after) between commit `before` and
    commit `after` (None: the work tree), given the inventory paths that differ. Settings or
    networks changed, or zones/ files added or removed: both sides are loaded whole. Otherwise
    a step costs what it changed, not the inventory: zones/ files changed are compared without
    the hosts (the same on both sides), and each changed host's contribution alone."""
    def source(sha):
        return load.DirSource(root) if sha is None else gitstore.GitRefSource(root, sha)

    def whole() -> tuple[set, set]:
        old = _zones(load.load_inventory(source(before), zone_cache=root))
        new = _zones(load.load_inventory(source(after), root if after is None else None,
                                         zone_cache=root))
        return {z for z, d in new.items() if old.get(z) != d}, set(new) - set(old)

    if before is None:  # a root commit in the middle of the walk: everything is new
        after_zones = _zones(load.load_inventory(source(after), zone_cache=root))
        return set(after_zones), set(after_zones)
    if any(p == load.SETTINGS_FILE or p.startswith("networks/") for p in paths):
        return whole()
    hosts = [p for p in paths if p.startswith("hosts/") and p.endswith(".yaml")]
    zone_files = [p for p in paths if p.startswith("zones/")]
    if not hosts and not zone_files:
        return set(), set()
    base = load.load_networks(source(after), cache_root=root)
    changed: set = set()
    if zone_files:
        old_base = load.load_networks(source(before), cache_root=root)
        if set(old_base.zones) != set(base.zones):
            return whole()  # the set of zones moved: hosts' names may land elsewhere
        old = _zones(Inventory(settings=base.settings, networks=base.networks,
                               zones=old_base.zones))
        new = _zones(Inventory(settings=base.settings, networks=base.networks, zones=base.zones))
        changed |= {z for z in set(old) | set(new) if old.get(z) != new.get(z)}
    if not hosts:
        return changed, set()
    old_files = gitstore.read_blobs(root, before, hosts)
    if after is None:
        new_files = _work_tree_files(root, hosts)
    else:
        new_files = gitstore.read_blobs(root, after, hosts)
    for rel in hosts:
        changed |= _host_zones(base, _host_at(old_files, rel), _host_at(new_files, rel))
    return changed, set()


def _work_tree_files(root: Path, rels: list[str]) -> dict[str, bytes | None]:
    """Host files of the work tree, read by the path rule (as a load reads them)."""
    source = load.DirSource(root)
    out: dict[str, bytes | None] = {}
    for rel in rels:
        try:
            out[rel] = source.read(rel)
        except (OSError, CinvError):
            out[rel] = None
    return out


def zone_settings(root: Path, sha: str | None) -> dict[str, list]:
    """{zone: [scheme, floor]} of the zones with a file in zones/ at a commit (None: the work
    tree)."""
    source = load.DirSource(root) if sha is None else gitstore.GitRefSource(root, sha)
    base = load.load_networks(source, cache_root=root)
    return {n: [z.scheme, z.serial_floor] for n, z in base.zones.items()}


def _serial_of(state: dict, zone: str) -> int:
    """A zone's serial in a walked state: its own since it changed, else its scheme's start."""
    serial = state["zones"].get(zone)
    if serial is None:
        scheme, floor = state["settings"].get(zone, ["unixtime", None])
        serial = start(scheme, state["default"], floor)
    return serial


def _walk_step(root: Path, state: dict, commit: tuple) -> dict:
    """The state after one commit: zones whose content, scheme or floor changed get the
    serial their scheme makes of the commit."""
    sha, when, parent, paths = commit
    changed, _added = changed_zones(root, parent, sha, paths)
    settings = state["settings"]
    if any(p == load.SETTINGS_FILE or p.startswith("zones/") for p in paths):
        settings = zone_settings(root, sha)
        changed |= {z for z in set(settings) | set(state["settings"])
                    if settings.get(z) != state["settings"].get(z)}
    zones = dict(state["zones"])
    for z in changed:
        scheme, floor = settings.get(z, ["unixtime", None])
        zones[z] = step(scheme, when, _serial_of(state, z), floor)
    return {"default": state["default"], "zones": zones, "settings": settings}


def git_serials(root: Path, ref: str | None, current: dict[str, str],
                dirty=None) -> dict[str, int] | None:
    """{zone: serial} from the git history, or None outside git / before the first commit.
    dirty: a callable giving gitstore.dirty_paths(root), when the caller keeps it. The floors
    of the zones rendered now are applied by assign()."""
    cache = _read_cache(root)
    commits = gitstore.inventory_changes(root, ref, MAX_WALK, cache)
    if not commits:
        return None
    chain, state = [], None
    for commit in commits:
        if commit[0] in cache:
            state = cache[commit[0]]
            break
        chain.append(commit)
    walked = bool(chain)  # a state made here, to be kept (the oldest's too: see below)
    if state is None:  # the oldest commit walked: every zone there gets its scheme's start
        oldest = chain.pop()
        state = cache[oldest[0]] = {"default": oldest[1], "zones": {},
                                    "settings": zone_settings(root, oldest[0])}
    for commit in reversed(chain):
        state = cache[commit[0]] = _walk_step(root, state, commit)
    # kept even when the walk made only the oldest commit's state (a history of one commit,
    # as a fresh inventory's first render has): the next walk then stops there, instead of
    # listing every path that commit added (every host of a generated inventory) again
    if walked:
        keep = {sha for sha, *_ in commits[:64]}
        _write_cache(root, {sha: v for sha, v in cache.items() if sha in keep})
    head_sha, head_time = commits[0][0], commits[0][1]
    head = cache[head_sha]
    out = {z: _serial_of(head, z) for z in current}
    if ref is not None:
        dirty = []
    else:
        dirty = dirty() if dirty is not None else gitstore.dirty_paths(root)
    if dirty:
        changed, added = changed_zones(root, head_sha, None, dirty)
        for z in out:
            if z in added:
                scheme = head["settings"].get(z, ["unixtime"])[0]
                out[z] = step(scheme, head_time + 1, None, None)
            elif z in changed:
                out[z] = bump(out[z])
    return out


def guard_digest(zone_digest: str, template_text: str) -> str:
    """What the manifest remembers of a zone: its records and the template that wrote them."""
    return hashlib.sha256(f"{zone_digest}\n{template_text}".encode()).hexdigest()


def assign(zones: list[dict], git: dict[str, int] | None, previous: dict,
           template_text: str) -> dict[str, dict]:
    """{zone: {"serial", "digest"}}: the git serial (or the counter), above the zone's floor,
    guarded by the manifest's previous {zone: {"serial", "digest"}}."""
    out = {}
    for zone in zones:
        name = zone["name"]
        digest = guard_digest(zone["digest"], template_text)
        prev = previous.get(name) if isinstance(previous.get(name), dict) else None
        prev_serial = prev.get("serial") if prev else None
        if not isinstance(prev_serial, int) or not 0 < prev_serial <= SERIAL_MAX:
            prev = prev_serial = None
        same = prev is not None and prev.get("digest") == digest
        serial = git.get(name) if git else None
        if serial is None:
            serial = 1 if prev is None else (prev_serial if same else bump(prev_serial))
        serial = above(serial, zone.get("serial_floor"))
        if prev is not None:
            if same and after(prev_serial, serial):
                serial = prev_serial
            elif not same and not after(serial, prev_serial):
                serial = bump(prev_serial)
        out[name] = {"serial": serial, "digest": digest}
    return out
