"""`cinv check` of a work tree for a render that keeps parts (incremental.CheckJob), in a fresh
process: Python in isolated mode, told where this cinv lies (never the current directory, which
may be an inventory holding a cinv/ of its own). It scans the inputs itself and writes (the
scan's fingerprint, the result) on stdout (marshal); the render takes the result only if it
scanned the same files (else it checks them itself).

A fresh process rather than a fork of the render: a fork carries every page the render holds
at that moment (the scan, the manifest: about 80 MB at 50,000 hosts) beside the inventory the
check loads, and that sum was the render's peak memory (measured: 365 MB after one host add,
against 244 MB for `cinv check` alone). It scans for itself: handing it the render's scan
through a pipe held the render 0.3 s (measured) until the new process had started to read.
"""
from __future__ import annotations

import marshal
import sys
from pathlib import Path


def main(root: str) -> None:
    from cinv import forked
    forked._profiled(lambda: _main(root))


def _main(root: str) -> None:
    from cinv.records import cache
    from cinv.workspace import Workspace
    ws = Workspace(root=Path(root))
    keys = cache.scan(ws.root)
    fp = cache.fingerprint(keys)
    result = ws.check_result(ws.source(), keys, fp) if fp is not None else None
    sys.stdout.buffer.write(marshal.dumps((fp, result)))

