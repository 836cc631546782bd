"""SOA serials: stable for one commit, moved only when a zone's content moves, never backwards.

A zone's content digest covers its TTL, SOA names and every record (not the serial).

In git: the serial is the committer time (Unix seconds) of the newest first-parent commit, among
those touching the inventory, at which the zone's digest changed. It is found by walking back
`git log --first-parent` from the rendered commit, computing every zone's digest at each commit
in one pass, until a commit whose result is cached (.cinv/serials.json; results for a commit
never change, so the cache is only a speed-up) or MAX_WALK commits. A zone unchanged over the
whole walk gets the time of the oldest commit walked. Along the walk a zone's serial is
always at least its previous serial + 1 when it changes, so two commits in one second or a
committer clock that went backwards still give a rising serial. Uncommitted changes to a zone
in the work tree give that serial + 1; a zone not yet committed at all gets the HEAD commit's
time + 1.

Outside git (or before the first commit) the output dir's manifest keeps a counter: 1 the first
time, the previous serial + 1 when the zone's content changed, else the previous serial.

In both cases the manifest guards the output dir: a zone whose content differs from what was
last written there gets at least the previous serial + 1, and a serial never falls below the
one last written. Serials stay in 1 .. 2**32 - 1 (RFC 1982).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cinv import gitstore, load
from cinv.lock import state_dir

MAX_WALK = 1000
CACHE_FILE = "serials.json"
CACHE_VERSION = 1
SERIAL_MAX = 2**32 - 1


def zone_digests(inv) -> dict[str, str]:
    from cinv.render import dns
    from cinv.render.view import View
    return {z["name"]: z["digest"] for z in dns.build_zones(View(inv))}


def _read_cache(root: Path) -> dict:
    try:
        data = json.loads((root / load.STATE_DIR / CACHE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    try:
        return {sha: {z: (str(v[0]), int(v[1])) for z, v in zones.items()}
                for sha, zones in data["commits"].items()}
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return {}


def _write_cache(root: Path, commits: dict) -> None:
    try:
        path = state_dir(root) / CACHE_FILE
        text = json.dumps({"version": CACHE_VERSION, "commits": commits}, sort_keys=True)
        load.atomic_write(path, text.encode())
    except OSError:
        pass  # a read-only inventory: the cache is only a speed-up


def git_serials(root: Path, ref: str | None, current: dict[str, str]) -> dict[str, int] | None:
    """{zone: serial} from the git history, or None outside git / before the first commit."""
    commits = gitstore.inventory_commits(root, ref, MAX_WALK)
    if not commits:
        return None
    clean = ref is not None or not gitstore.inventory_dirty(root)
    cache = _read_cache(root)
    chain, state = [], None
    for sha, when in commits:
        if sha in cache:
            state = cache[sha]
            break
        chain.append((sha, when))
    head_sha, head_time = commits[0]
    for sha, when in reversed(chain):
        if sha == head_sha and clean:
            digests = current
        else:
            digests = zone_digests(load.load_inventory(gitstore.GitRefSource(root, sha)))
        older = state or {}
        state = {}
        for z, d in digests.items():
            if z not in older:
                state[z] = (d, when)
            elif older[z][0] == d:
                state[z] = older[z]
            else:  # changed here: the commit time, but always past the previous serial
                state[z] = (d, max(when, older[z][1] + 1))
        cache[sha] = state
    if chain:
        keep = {sha for sha, _ in commits[:64]}
        _write_cache(root, {sha: v for sha, v in cache.items() if sha in keep})
    head = cache[head_sha]
    out = {}
    for zone, digest in current.items():
        if zone not in head:
            out[zone] = head_time + 1
        elif head[zone][0] == digest:
            out[zone] = head[zone][1]
        else:
            out[zone] = head[zone][1] + 1
    return out


def guard_digest(zone_digest: str, template_text: str) -> str:
    """What the manifest remembers of a zone: its records and the template that wrote them."""
    return hashlib.sha256(f"{zone_digest}\n{template_text}".encode()).hexdigest()


def assign(zones: list[dict], git: dict[str, int] | None, previous: dict,
           template_text: str) -> dict[str, dict]:
    """{zone: {"serial", "digest"}}: the git serial (or the counter), guarded by the manifest's
    previous {zone: {"serial", "digest"}}."""
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
            serial = 1 if prev is None else (prev_serial if same else prev_serial + 1)
        elif prev is not None:
            if same:
                serial = max(serial, prev_serial)
            elif serial <= prev_serial:
                serial = prev_serial + 1
        if serial > SERIAL_MAX:
            serial = serial % (SERIAL_MAX + 1) or 1
        out[name] = {"serial": serial, "digest": digest}
    return out
