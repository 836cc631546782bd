#!/usr/bin/env python3
"""Where one cinv command spends its time, every process of it: the command itself, the
render's forked processes and the check process beside it (cinv/forked.py writes their
profiles when CINV_PROFILE names a folder).

    python bench/profile.py DIR -- render --out /tmp/out      # run in the inventory DIR
    python bench/profile.py --top 25 --sort tottime DIR -- host add x --network net000

Prints each process's wall time and its top functions (cumulative time by default). cProfile
slows Python code down (about 1.5-2x): use it for shares, not for absolute times.
"""
from __future__ import annotations

import argparse
import glob
import os
import pstats
import subprocess
import sys
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sort", default="cumulative")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    folder = tempfile.mkdtemp(prefix="cinv-profile-")
    env = {**os.environ, "CINV_PROFILE": folder}
    main_prof = os.path.join(folder, "main.prof")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cProfile", "-o", main_prof, "-m", "cinv", *command],
                   cwd=args.dir, env=env, check=False, stdout=subprocess.DEVNULL)
    print(f"wall time {time.perf_counter() - start:.2f} s (profiled)")
    for path in [main_prof, *sorted(set(glob.glob(os.path.join(folder, "*.prof")))
                                    - {main_prof})]:
        stats = pstats.Stats(path)
        print(f"\n=== {os.path.basename(path)}: {stats.total_tt:.2f} s")
        stats.sort_stats(args.sort).print_stats(args.top)
    for path in glob.glob(os.path.join(folder, "*")):
        os.unlink(path)
    os.rmdir(folder)


if __name__ == "__main__":
    main()
