#!/usr/bin/env python3
"""Time the everyday commands at scale, and the hold time's walk of the history.

    python bench/ops.py                 # 50,000 hosts, 500 commits that each remove a host
    python bench/ops.py 10000 --history 200

On an inventory from bench/gen.py (one commit), each as a fresh process, after a warm check:
host add (the first builds the index and reads the hold window of the history; then a warm
one), host rm followed by host add (the walk extended by one commit), net free, find (by address,
MAC and name), host rename, host move, host tag of 40 hosts, iface set, net set. Then HISTORY
commits that each remove one host, the freed-value cache deleted: host add walks the whole hold
window (every one of those commits, and the records they removed) once, and the next host add
finds it cached.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402
from run import timed  # noqa: E402

CINV = [sys.executable, "-m", "cinv"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", nargs="?", type=int, default=50000)
    ap.add_argument("--history", type=int, default=500)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cinv-bench-ops-"))
    inv = work / "inv"
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
    rows: list[tuple[str, float, float]] = []
    try:
        gen.generate(inv, args.count)
        timed([*CINV, "check"], inv, env)
        time.sleep(2.1)  # past the racy window, as in real use

        def t(label: str, *cmd: str) -> None:
            rows.append((label, *timed([*CINV, *cmd], inv, env)))

        add = ("host", "add", "bench{n}", "--kind", "virtual", "--network", "net000")
        t("host add (1st)", *add)
        t("host add", *add)
        t("host rm", "host", "rm", "vm000002.net000.example.com")
        t("host add after rm", *add)
        t("net free", "net", "free", "net000", "--count", "10")
        t("find address", "find", "10.0.0.50")
        t("find MAC", "find", "5254.0000.0100")
        t("find name part", "find", "vm00049")
        t("host rename", "host", "rename", "vm000003.net000.example.com", "renamed3")
        t("host move", "host", "move", "vm000004.net000.example.com", "--parent",
          "hv00001.net000.example.com")
        t("host tag (40)", "host", "tag", "vm00010*", "vm00011*", "--add", "backup")
        t("iface set", "iface", "set", "vm000005.net000.example.com", "eth0", "--mac", "auto")
        t("net set", "net", "set", "net001", "vlan=999")
        t("check --refs (no match)", "check", "--refs", "none-*")

        # a busy week: HISTORY commits, each removing one host
        hosts = sorted((inv / "hosts" / "net010").glob("vm*.yaml"))[:args.history]
        for path in hosts:
            rel = path.relative_to(inv).as_posix()
            subprocess.run(["git", "-C", str(inv), "rm", "-q", rel], check=True)
            subprocess.run(["git", "-C", str(inv), "commit", "-q", "-m", f"Remove {rel}"],
                           check=True, env=env)
        (inv / ".cinv" / "cache" / "freed.marshal").unlink(missing_ok=True)
        time.sleep(2.1)
        t(f"host add, walk {len(hosts)} commits", *add)
        t("host add, cached walk", *add)
    finally:
        print(f"\nN = {args.count:,} hosts")
        print(f"  {'measure':<30} {'seconds':>8} {'peak MB':>8}")
        for label, sec, mb in rows:
            print(f"  {label:<30} {sec:8.2f} {mb:8.0f}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
