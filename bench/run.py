#!/usr/bin/env python3
"""Benchmark cinv against the floor (libyaml reading every host file) at several sizes.

    python bench/run.py                   # N = 10,000 and 50,000
    python bench/run.py 200000 --save r.json   # another size, merged with earlier runs
    python bench/run.py 5000 --repeat 3   # best of 3 runs of each measure

For each N it generates an inventory (bench/gen.py: one hypervisor per 20 hosts, /22 networks of
800 hosts with IPv4 and IPv6, committed to git; at 50,000: 63 networks, 47,500 VMs), then times,
each as a fresh process, in one run: the floor, `cinv check` cold (no cache) and warm, `cinv
render` of all targets into an empty directory, again with nothing changed, `cinv host add
--ipv4 auto` (the first after a fresh clone, which builds the host index, then a later one;
each makes its commit), and `cinv render` right after such a `host add`. Each is printed as
seconds, as a ratio to the floor of the same run (the machine is noisy; ratios hold, absolute
times don't) and with the peak memory (max RSS) of the process, against the goal of issue 14.
Then the growth from each size to the next: a measure linear in the hosts grows as the hosts
do, one change's cost (host add, the render after it) should not grow at all.

The page cache is warm for all of them; a removed output dir is synced away before the next
first render (deleting 50,000 files makes the next 50,000 creations several times slower on
ext4 with discard, a cost of the benchmark, not of the render).
"""
from __future__ import annotations

import argparse
import json
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
# measure -> goal as a ratio to the floor (issue 14); peak MB of check and render <= 300
GOALS = {"check cold": 1.0, "check warm": 0.1, "render first": 2.0, "render unchanged": 0.2,
         "render after add": 0.5, "host add": 0.15}
PEAK_GOAL = 300
PEAK_OF = ("check cold", "check warm", "render first", "render unchanged", "render after add")


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


def bench_env() -> dict:
    return {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
            "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def measure(n: int, repeat: int, workdir: Path) -> dict:
    inv = workdir / f"inv{n}"
    gen.generate(inv, n)
    env = bench_env()
    out = workdir / f"out{n}"
    cache = inv / ".cinv"
    rows = {}
    floor = [sys.executable, str(HERE / "floor.py"), str(inv)]
    timed(floor, inv, env)  # warm the page cache
    rows["floor"] = best(repeat, lambda: timed(floor, inv, env))

    def cold_check():
        remove(cache)
        return timed([*CINV, "check"], inv, env)
    rows["check cold"] = best(repeat, cold_check)
    time.sleep(2.1)  # let files age past the racy window, as in real use
    timed([*CINV, "check"], inv, env)
    rows["check warm"] = best(repeat, lambda: timed([*CINV, "check"], inv, env))

    render = [*CINV, "render", "--out", str(out)]

    def first_render():
        remove(out)
        return timed(render, inv, env)
    rows["render first"] = best(repeat, first_render)
    rows["render unchanged"] = best(repeat, lambda: timed(render, inv, env))
    add = [*CINV, "host", "add", "bench{n}", "--kind", "virtual", "--network", "net000",
           "--ipv4", "auto"]
    # The first change after a fresh clone builds the host index (from the records a load
    # cached); every later one finds it warm.
    rows["host add (1st)"] = timed(add, inv, env)
    time.sleep(2.1)
    rows["host add"] = best(repeat, lambda: timed(add, inv, env))
    timed(render, inv, env)

    def render_after_add():
        timed(add, inv, env)  # with its commit, as a user would, then render at once
        return timed(render, inv, env)
    rows["render after add"] = best(repeat, render_after_add)
    return rows


def table(n: int, rows: dict) -> list[str]:
    floor = rows["floor"][0]
    lines = [f"N = {n:,} hosts ({os.cpu_count()} cores)",
             "| measure | seconds | x floor | goal | peak MB |", "| --- | --- | --- | --- | --- |"]
    for name, (sec, mb) in rows.items():
        goal = GOALS.get(name)
        mark = "" if goal is None else f"<= {goal:g}" + ("" if sec / floor <= goal else " MISSED")
        if name in PEAK_OF and mb > PEAK_GOAL:
            mb_text = f"{mb:.0f} (> {PEAK_GOAL})"
        else:
            mb_text = f"{mb:.0f}"
        lines.append(f"| {name} | {sec:.2f} | {sec / floor:.2f} | {mark} | {mb_text} |")
    return lines


def growth(results: dict) -> list[str]:
    sizes = sorted(results)
    lines = []
    for a, b in zip(sizes, sizes[1:]):
        lines.append(f"growth from {a:,} to {b:,} hosts ({b / a:g}x the hosts): "
                     "linear = the same factor; one change: 1x")
        for name in results[b]:
            if name in results[a]:
                lines.append(f"  {name:<18} {results[b][name][0] / results[a][name][0]:6.2f}x")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10000, 50000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated inventories")
    ap.add_argument("--save", type=Path, metavar="JSON",
                    help="merge these results into JSON (kept from earlier runs) and print the "
                         "growth over every size there")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cinv-bench-"))
    results: dict = {}
    if args.save and args.save.exists():
        results = {int(k): {m: tuple(v) for m, v in rows.items()}
                   for k, rows in json.loads(args.save.read_text()).items()}
    try:
        for n in args.sizes:
            results[n] = measure(n, args.repeat, workdir)
            print("\n" + "\n".join(table(n, results[n])))
            sys.stdout.flush()
            if not args.keep:
                shutil.rmtree(workdir / f"inv{n}", ignore_errors=True)
                remove(workdir / f"out{n}")
            if args.save:
                args.save.write_text(json.dumps({str(k): v for k, v in sorted(results.items())},
                                                indent=1))
        if len(results) > 1:
            print("\n" + "\n".join(growth(results)))
    finally:
        if args.keep:
            print(f"\ninventories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
