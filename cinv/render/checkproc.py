"""`cinv check` of a work tree for a render that keeps parts (incremental.CheckJob), in a fresh
process: `python -m cinv.render.checkproc ROOT`, the scan's keys and their fingerprint on stdin,
the result on stdout (marshal both ways).

A fresh process rather than a fork of the render: a fork carries every page the render holds
at that moment (the scan, the manifest: about 80 MB at 50,000 hosts) beside the inventory the
check loads, and that sum was the render's peak memory (measured: 365 MB after one host add,
against 244 MB for `cinv check` alone)."""
from __future__ import annotations

import marshal
import sys
from pathlib import Path


def main() -> None:
    keys, fp = marshal.loads(sys.stdin.buffer.read())
    from cinv.workspace import Workspace
    ws = Workspace(root=Path(sys.argv[1]))
    result = ws.check_result(ws.source(), keys, fp)
    sys.stdout.buffer.write(marshal.dumps(result))


if __name__ == "__main__":
    main()
