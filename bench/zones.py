#!/usr/bin/env python3
"""Benchmark `cinv import zone` against dnspython's own parse of the same file, and the render of
a zone's own records.

    python bench/zones.py                # 50,000 records
    python bench/zones.py 10000 --repeat 3

Generates a zone of N records (A records of names no network holds, so every one becomes a
record of zones/, with an MX and TXT in between), then times, each as a fresh process and as the
best of --repeat runs: dnspython's `dns.zone.from_file` (the floor), `cinv import zone` into a
fresh inventory, `cinv check`, `cinv render dns` (first, which also walks the history for SOA
serials, and again with nothing changed), `cinv record add`, and the render after it. Printed as
seconds and as a ratio to the floor of the same run (the machine is noisy; ratios hold).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CINV, best, timed  # noqa: E402


def zone_text(n: int) -> str:
    lines = ["$TTL 3600", "@ SOA ns1.example.net. hostmaster.example.net. 1 2 3 4 5",
             "@ NS ns1.example.net.", "@ MX 10 mail", '@ TXT "v=spf1 mx -all"']
    for i in range(n - 2):
        lines.append(f"h{i} A 10.{i // 65536}.{(i // 256) % 256}.{i % 256}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=50000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cinv-bench-zones-"))
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
    try:
        source = tmp / "big.zone"
        source.write_text(zone_text(args.n))
        floor = best(args.repeat, lambda: timed(
            [sys.executable, "-c", "import dns.zone,sys; dns.zone.from_file(sys.argv[1], "
             "'big.example.', relativize=False)", str(source)], tmp, env))
        rows = [("dnspython parse (floor)", floor)]

        def fresh_import():
            inv = tmp / "inv"
            shutil.rmtree(inv, ignore_errors=True)
            timed([*CINV, "init", str(inv), "--nameserver", "ns1.example.net"], tmp, env)
            return timed([*CINV, "-C", str(inv), "import", "zone", str(source), "--zone",
                          "big.example"], tmp, env)
        rows.append(("cinv import zone", best(args.repeat, fresh_import)))
        inv = tmp / "inv"
        rows.append(("cinv check (no cache)", timed([*CINV, "-C", str(inv), "check"], tmp, env)))
        rows.append(("cinv render dns, first", timed([*CINV, "-C", str(inv), "render", "dns"],
                                                     tmp, env)))
        rows.append(("cinv render dns, nothing changed",
                     timed([*CINV, "-C", str(inv), "render", "dns"], tmp, env)))
        rows.append(("cinv record add", timed([*CINV, "-C", str(inv), "record", "add",
                                               "big.example", "x", "TXT", "hello"], tmp, env)))
        rows.append(("cinv render dns, after it", timed([*CINV, "-C", str(inv), "render",
                                                         "dns"], tmp, env)))
        print(f"| measure ({args.n:,} zone records) | seconds | x floor | peak MB |")
        print("| --- | --- | --- | --- |")
        for label, (seconds, mb) in rows:
            print(f"| {label} | {seconds:.2f} | {seconds / floor[0]:.2f} | {mb:.0f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
