#!/usr/bin/env python3
"""Benchmark cinv against the floor (libyaml reading every host file) at several sizes.

    python bench/run.py                  # N = 1,000, 10,000 and 50,000
    python bench/run.py 5000 --repeat 3  # other sizes; best of 3 runs of each measure

For each N it generates an inventory (bench/gen.py: one hypervisor per 20 hosts, /22 networks of
800 hosts with IPv4 and IPv6, committed to git), then times, each as a fresh process:
the floor, `cinv check` cold (no cache) and warm, `cinv render` of all targets into an empty
directory and again with nothing changed, and `cinv host add --ipv4 auto` (the first after a
fresh clone, which builds the host index, and a later one); each as seconds and
as a ratio to the floor of the same run (the machine is noisy; ratios hold, absolute times
don't), with the peak memory (max RSS) of each process. The page cache is warm for all of them.
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

CINV = [sys.executable, "-m", "cinv"]


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process; fails loudly if it fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}\n{err}")
    return seconds, usage.ru_maxrss / 1024


def best(repeat: int, run) -> tuple[float, float]:
    results = [run() for _ in range(repeat)]
    return min(r[0] for r in results), max(r[1] for r in results)


def measure(n: int, repeat: int, workdir: Path) -> dict:
    inv = workdir / f"inv{n}"
    gen.generate(inv, n)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
    out = workdir / f"out{n}"
    cache = inv / ".cinv"
    rows = {}
    timed([sys.executable, str(HERE / "floor.py"), str(inv)], inv, env)  # warm the page cache
    rows["floor"] = best(repeat, lambda: timed([sys.executable, str(HERE / "floor.py"),
                                                str(inv)], inv, env))

    def cold_check():
        shutil.rmtree(cache, ignore_errors=True)
        return timed([*CINV, "check"], inv, env)
    rows["check cold"] = best(repeat, cold_check)
    time.sleep(2.1)  # let files age past the racy window, as in real use
    timed([*CINV, "check"], inv, env)
    rows["check warm"] = best(repeat, lambda: timed([*CINV, "check"], inv, env))

    def first_render():
        shutil.rmtree(out, ignore_errors=True)
        return timed([*CINV, "render", "--out", str(out)], inv, env)
    rows["render first"] = best(repeat, first_render)
    rows["render unchanged"] = best(repeat, lambda: timed([*CINV, "render", "--out", str(out)],
                                                          inv, env))
    def host_add():
        return timed([*CINV, "host", "add", "bench{n}", "--kind", "virtual", "--network",
                      "net000", "--ipv4", "auto"], inv, env)
    # The first change after a fresh clone builds the host index (from the records a load
    # cached); every later one finds it warm.
    rows["host add (1st)"] = host_add()
    time.sleep(2.1)
    rows["host add"] = best(repeat, host_add)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated inventories")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cinv-bench-"))
    results = {}
    try:
        for n in args.sizes:
            results[n] = measure(n, args.repeat, workdir)
            floor = results[n]["floor"][0]
            print(f"\nN = {n:,} hosts")
            print(f"  {'measure':<18} {'seconds':>8} {'x floor':>8} {'peak MB':>8}")
            for name, (sec, mb) in results[n].items():
                print(f"  {name:<18} {sec:8.2f} {sec / floor:8.2f} {mb:8.0f}")
            sys.stdout.flush()
        if len(args.sizes) > 1:
            a, b = args.sizes[-2], args.sizes[-1]
            print(f"\ngrowth from {a:,} to {b:,} hosts ({b / a:g}x the hosts):")
            for name in results[b]:
                print(f"  {name:<18} {results[b][name][0] / results[a][name][0]:6.2f}x")
    finally:
        if args.keep:
            print(f"\ninventories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
