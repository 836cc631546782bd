#!/usr/bin/env python3
"""Measure the HTML report at scale: its size, the time to render it, and how fast a browser
opens and uses it.

    python bench/report.py              # 50,000 hosts
    python bench/report.py 10000 --keep --chromium /usr/bin/chromium

Generates an inventory (bench/gen.py, committed to git), times `cinv render report` as a fresh
process (parsing every record) and the report's own part of it in-process (rendering the
report less building the View all targets share), then opens report/index.html in
headless Chromium through the tests' DevTools driver (tests/browser.py) and reports: the load
event, time-to-interactive (the page's script has drawn the maps, capacity and first page of
the hosts table: `window.cinvReady`, ms since navigation start), a filter typed into the hosts
table until its rows are redrawn, and a click on a column header until the table is sorted.
Exits 1 if the page is 15 MB or more, or it took more than 5 s to become interactive.
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
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))
import gen  # noqa: E402
from browser import Browser  # noqa: E402

MAX_BYTES = 15 * 1024 * 1024
MAX_INTERACTIVE = 5.0


def rows(page) -> int:
    return page.evaluate("document.querySelectorAll('#host-table tbody tr').length")


def own_share(inv: Path, repeat: int = 3) -> float:
    """Seconds of a render that are the report's own (its data, its template), in-process and
    best of `repeat`: rendering the report less building the View every target shares."""
    from cinv import check
    from cinv.output import render_files
    from cinv.render.view import View
    from cinv.workspace import Workspace

    ws = Workspace(root=inv)
    inv_model = ws.load()
    problems = check.run(inv_model)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        View(inv_model, None, problems)
        view_s = time.perf_counter() - started
        started = time.perf_counter()
        render_files(ws, inv_model, ["report"], inv, {"files": {}, "zones": {}},
                     problems=problems)
        best = min(best, time.perf_counter() - started - view_s)
    return best


def measure(n: int, workdir: Path, chromium: str) -> dict:
    inv = workdir / f"inv{n}"
    out = workdir / f"out{n}"
    gen.generate(inv, n)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
    def render(*targets: str) -> float:
        shutil.rmtree(out, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cinv", "-C", str(inv), "render", *targets,
                        "--out", str(out)], check=True, env=env, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    result = {"render report (process) s": render("report")}
    result["  of which the report's own s"] = own_share(inv)
    page_path = out / "report" / "index.html"
    result["page MB"] = page_path.stat().st_size / 1024 / 1024
    with Browser(chromium, timeout=120, window="1280,900") as browser:
        page = browser.open(page_path.as_uri())
        page.wait_for("document.documentElement.dataset.ready === '1'", timeout=120)
        result["load event s"] = page.load_seconds
        result["interactive s"] = page.evaluate("window.cinvReady") / 1000
        assert rows(page) == 100, rows(page)
        name = page.evaluate("document.querySelector('#host-table tbody tr').dataset.host")
        started = time.perf_counter()
        page.type("#filter", "vm000777")
        page.wait_for("document.querySelectorAll('#host-table tbody tr').length === 1")
        result["filter s (incl. 120 ms debounce)"] = time.perf_counter() - started
        page.evaluate("(() => { const f = document.getElementById('filter'); f.value = '';"
                      " f.dispatchEvent(new Event('input')); })()")
        page.wait_for("document.querySelectorAll('#host-table tbody tr').length === 100")
        started = time.perf_counter()
        page.click("#host-table th[data-col='0'] button")
        page.wait_for("document.querySelector('#host-table tbody tr').dataset.host !== "
                      f"{name!r}")
        result["sort s"] = time.perf_counter() - started
        result["requests"] = len(page.requests)
        result["script errors"] = len(page.errors)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[50000])
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    ap.add_argument("--keep", action="store_true", help="keep the inventories and pages")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cinv-bench-report-"))
    failed = False
    try:
        for n in args.sizes:
            result = measure(n, workdir, args.chromium)
            print(f"\nN = {n:,} hosts: report/index.html")
            for key, value in result.items():
                print(f"  {key:<34} {value:10.2f}" if isinstance(value, float)
                      else f"  {key:<34} {value:10}")
            if (result["page MB"] * 1024 * 1024 >= MAX_BYTES
                    or result["interactive s"] > MAX_INTERACTIVE
                    or result["requests"] != 1 or result["script errors"]):
                print("  FAILED: over 15 MB, over 5 s to interactive, a request beyond the "
                      "page itself, or a script error")
                failed = True
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"\nkept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
