"""`cinv diff --render`: what a change does to the deployed files, for merge-request review.

Both sides are rendered in memory by the same code as `cinv render` (from git objects for a
ref, from the work tree otherwise), then compared file by file as a unified diff with paths
relative to the output directory (`--- a/dhcpd.conf`, `+++ b/dhcpd.conf`; `/dev/null` for a file
only one side has).

What differs only because a side was rendered at another commit is not a change: a zone whose
records are the same on both sides keeps the FROM side's SOA serial on the TO side (so it
compares equal), and the report is rendered without its commit and history. A zone whose
records changed shows its new serial with the records that changed. The report target is left
out unless named (a page to look at; its data is one long line).
"""
from __future__ import annotations

import difflib
from pathlib import Path

from cinv import check, output
from cinv.errors import CinvError
from cinv.render import targets
from cinv.workspace import Workspace

EMPTY_MANIFEST = {"files": {}, "zones": {}}


def split_arguments(ws: Workspace, args: list[str]) -> tuple[list[str], list[str]]:
    """(refs, targets) of `cinv diff --render [FROM [TO]] [TARGET]...`: leading arguments
    that do not name a target are the refs (at most two); a branch named like a target can be
    written refs/heads/NAME."""
    from cinv.records import load
    known = targets.all_targets(load.load_networks(ws.source()).settings)
    refs: list[str] = []
    names: list[str] = []
    for arg in args:
        if not names and len(refs) < 2 and arg not in known:
            refs.append(arg)
        else:
            names.append(arg)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CinvError(f"unknown target {', '.join(unknown)} (known: "
                        f"{', '.join(sorted(known))})")
    return refs, names


def side(ws: Workspace, names: list[str], label: str, pin: dict | None = None):
    """({rel: bytes}, zone states) of one side, rendered in memory."""
    inv = ws.load()
    problems = check.run(inv)
    errors = check.errors(problems)
    if errors:
        raise CinvError(f"{label}: `cinv check` reports {len(errors)} error"
                        f"{'s' if len(errors) != 1 else ''} there, so it cannot be rendered "
                        f"(first: {errors[0].text()})")
    # The report is a page to look at, not to review line by line: only when named.
    wanted = names or [n for n in sorted(targets.all_targets(inv.settings)) if n != "report"]
    files, zones, _warnings = output.render_files(
        ws, inv, wanted, Path("."), EMPTY_MANIFEST, consume=True, problems=problems,
        history=False, pin=pin)
    return {rel: data for rel, (_target, data) in files.items()}, zones


def unified(old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Unified diff lines of every file that differs, in path order."""
    lines: list[str] = []
    for rel in sorted(set(old) | set(new)):
        a, b = old.get(rel), new.get(rel)
        if a == b:
            continue
        a_lines = _text(a).splitlines(keepends=True) if a is not None else []
        b_lines = _text(b).splitlines(keepends=True) if b is not None else []
        for line in difflib.unified_diff(a_lines, b_lines,
                                         "/dev/null" if a is None else f"a/{rel}",
                                         "/dev/null" if b is None else f"b/{rel}"):
            lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of "
                         "file\n")
    return lines


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def run(ws: Workspace, from_ref: str | None, to_ref: str | None,
        names: list[str]) -> list[str]:
    """The diff lines between FROM (default HEAD) and TO (default the work tree, or --ref)."""
    old_ws = Workspace(root=ws.root, ref=from_ref or "HEAD")
    new_ws = Workspace(root=ws.root, ref=to_ref or ws.ref)
    old, zones = side(old_ws, names, f"FROM ({from_ref or 'HEAD'})")
    new, _ = side(new_ws, names, f"TO ({to_ref or ws.ref or 'the work tree'})", pin=zones)
    return unified(old, new)
