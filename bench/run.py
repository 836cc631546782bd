#!/usr/bin/env python3
"""Benchmark cinv as a user meets it, against the floor (libyaml reading every host file).

    python bench/run.py                          # N = 10,000 and 50,000, 3 runs each
    python bench/run.py 10000 50000 200000 --save r.json   # the README's table
    python bench/run.py 5000 --runs 5            # medians of 5 runs

For each N it generates an inventory once (bench/gen.py: one hypervisor per 20 hosts, /22
networks of 800 hosts with IPv4 and IPv6, committed to git; at 50,000: 63 networks, 47,500 VMs).
Then each run takes the path a user takes, every command a fresh process: a fresh `git clone` of
it (no .cinv/ cache, an empty output dir), the floor on that clone, then `cinv check`, `cinv
render`, `cinv render` again (nothing changed), `cinv check` again, two `cinv host add --ipv4
auto` (each with its commit), and `cinv render` (after a change), in that order. The clone's
files are left to age past the racy window (two seconds) before the first command, as they
would before anyone types it; between commands there is no pause.

Each measure is printed as the median of the runs' seconds, the median of the runs' ratios to
the floor of the same run (the machine may be noisy; ratios hold better than absolute times),
and the highest peak memory (max RSS of the process and its children) of any run, against the
goals of issue 26. With more than one size: one table of every size, and the growth from each
size to the next (a measure linear in the hosts grows as the hosts do; one change's cost should
not grow at all).

The page cache is warm for all of them (the floor reads every file first).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402

CINV = [sys.executable, "-m", "cinv"]
# The user's path, in order: (measure, the command's arguments; {out} is the output dir)
ADD = ["host", "add", "{name}", "--kind", "virtual", "--network", "net000", "--ipv4", "auto"]
PATH = (
    ("check cold", ["check"]),
    ("render first", ["render", "--out", "{out}"]),
    ("render unchanged", ["render", "--out", "{out}"]),
    ("check warm", ["check"]),
    ("host add, first after a clone", ADD),
    ("host add", ADD),
    ("render after a change", ["render", "--out", "{out}"]),
)
# measure -> goal as a ratio to the floor (issue 26)
GOALS = {"check cold": 1.0, "check warm": 0.1, "render first": 2.0, "render unchanged": 0.2,
         "host add, first after a clone": 0.3, "host add": 0.15, "render after a change": 0.2}
PEAK_GOAL = {50000: 200, 200000: 600}  # MB, for N up to that size
GOALS_AT_200K = {"render first": 2.5}
SCALE_GOAL = ("render after a change", 1.5)  # at 200,000 within 1.5x its 50,000 time
AGE = 2.1  # seconds: past cinv's racy window (cache.RACY_SECONDS)


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process and its children; fails loudly if it fails."""
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


def bench_env() -> dict:
    return {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
            "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}


def remove(path: Path) -> None:
    """Delete a tree and sync: deleting 50,000 files makes the next 50,000 creations several
    times slower on ext4 with discard until the deletion is written (a cost of the benchmark,
    not of cinv)."""
    shutil.rmtree(path, ignore_errors=True)
    os.sync()


def one_run(origin: Path, work: Path, run: int, env: dict) -> dict:
    """{measure: (seconds, peak MB)} of the user's path on a fresh clone, with the floor."""
    inv, out = work / f"clone{run}", work / f"out{run}"
    subprocess.run(["git", "clone", "-q", str(origin), str(inv)], check=True, env=env)
    floor = [sys.executable, str(HERE / "floor.py"), str(inv)]
    timed(floor, inv, env)  # the page cache warm for everyone
    rows = {"floor": timed(floor, inv, env)}
    time.sleep(AGE)
    adds = 0
    try:
        for measure, args in PATH:
            if args is ADD:
                adds += 1
            cmd = [a.format(out=out, name=f"bench{run}x{adds}") for a in args]
            rows[measure] = timed([*CINV, *cmd], inv, env)
    finally:
        remove(inv)
        remove(out)
    return rows


def measure(n: int, runs: int, workdir: Path) -> dict:
    """{measure: {"seconds", "ratio", "peak", "all"}}: medians over the runs (peak: the
    highest)."""
    origin = workdir / f"inv{n}"
    gen.generate(origin, n)
    env = bench_env()
    results = [one_run(origin, workdir, run, env) for run in range(runs)]
    shutil.rmtree(origin, ignore_errors=True)
    out = {}
    for name in results[0]:
        seconds = [r[name][0] for r in results]
        ratios = [r[name][0] / r["floor"][0] for r in results]
        out[name] = {"seconds": statistics.median(seconds), "ratio": statistics.median(ratios),
                     "peak": max(r[name][1] for r in results), "all": seconds}
    return out


def peak_goal(n: int) -> int:
    return next((mb for size, mb in sorted(PEAK_GOAL.items()) if n <= size),
                max(PEAK_GOAL.values()))


def table(n: int, rows: dict) -> list[str]:
    lines = [f"N = {n:,} hosts ({os.cpu_count()} cores, median of {len(rows['floor']['all'])} "
             "runs)", "| measure | seconds | x floor | goal | peak MB | every run (s) |",
             "| --- | --- | --- | --- | --- | --- |"]
    goals = {**GOALS, **(GOALS_AT_200K if n >= 200000 else {})}
    for name, row in rows.items():
        goal = goals.get(name)
        mark = "" if goal is None else f"<= {goal:g}" + ("" if row["ratio"] <= goal
                                                        else " MISSED")
        mb = f"{row['peak']:.0f}" + (f" (> {peak_goal(n)})" if row["peak"] > peak_goal(n)
                                      else "")
        runs = " ".join(f"{s:.2f}" for s in row["all"])
        lines.append(f"| {name} | {row['seconds']:.2f} | {row['ratio']:.2f} | {mark} | {mb} | "
                     f"{runs} |")
    return lines


def combined(results: dict) -> list[str]:
    """The README's table: every size's seconds, the largest size's ratio and peak, and the
    growth from each size to the next."""
    sizes = sorted(results)
    head = ["measure", *(f"{n:,} hosts" for n in sizes),
            *(f"x floor at {n:,}" for n in sizes), *(f"peak MB at {n:,}" for n in sizes),
            *(f"growth {a:,} -> {b:,}" for a, b in zip(sizes, sizes[1:]))]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name in results[sizes[0]]:
        if not all(name in results[n] for n in sizes):
            continue
        cells = [name]
        cells += [f"{results[n][name]['seconds']:.2f} s" for n in sizes]
        cells += [f"{results[n][name]['ratio']:.2f}" for n in sizes]
        cells += [f"{results[n][name]['peak']:.0f}" for n in sizes]
        cells += [f"{results[b][name]['seconds'] / results[a][name]['seconds']:.2f}x"
                  for a, b in zip(sizes, sizes[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    name, limit = SCALE_GOAL
    if 50000 in results and 200000 in results:
        growth = results[200000][name]["seconds"] / results[50000][name]["seconds"]
        lines.append(f"\n{name}: 200,000 hosts take {growth:.2f}x the 50,000-host time "
                     f"(goal <= {limit:g}x{'' if growth <= limit else ': MISSED'})")
    return lines


def load_saved(path: Path | None) -> dict:
    if path is None or not path.exists():
        return {}
    data = json.loads(path.read_text())
    if not all(isinstance(rows, dict) and all(isinstance(v, dict) for v in rows.values())
               for rows in data.values()):
        return {}  # the format of an older bench/run.py
    return {int(k): rows for k, rows in data.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10000, 50000])
    ap.add_argument("--runs", type=int, default=3, help="runs per size (medians; default 3)")
    ap.add_argument("--save", type=Path, metavar="JSON",
                    help="merge these results into JSON (kept from earlier runs) and print the "
                         "table of every size there")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cinv-bench-"))
    results = load_saved(args.save)
    try:
        for n in args.sizes:
            results[n] = measure(n, args.runs, workdir)
            print("\n" + "\n".join(table(n, results[n])))
            sys.stdout.flush()
            if args.save:
                args.save.write_text(json.dumps({str(k): v for k, v in sorted(results.items())},
                                                indent=1))
        if len(results) > 1:
            print("\n" + "\n".join(combined(results)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
