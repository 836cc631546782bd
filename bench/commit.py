#!/usr/bin/env python3
"""How to commit one changed record in a big repository: three ways, timed side by side.

    python bench/commit.py            # 50,000 host files (bench/gen.py), 20 commits each way
    python bench/commit.py 10000 --rounds 10

Each round changes one host file and commits exactly it, by:
- plumbing: cinv's way (gitstore.commit): `git update-index` of that path, `write-tree`,
  `commit-tree`, `update-ref` against the old HEAD;
- porcelain: `git add -- PATH` then `git commit -- PATH`;
- GitPython: `repo.index.add([PATH])` then `repo.index.commit(msg)` (it reads and writes the
  whole index in Python).
Prints the median and best seconds per commit of each (in this process, the page cache warm).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import gen  # noqa: E402

from cinv.git import gitstore  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", nargs="?", type=int, default=50000)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    os.environ.update(GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost",
                      GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@localhost")
    root = Path(tempfile.mkdtemp(prefix="cinv-bench-commit-")) / "inv"
    gen.generate(root, args.count)
    rel = sorted(p.relative_to(root).as_posix() for p in (root / "hosts").rglob("*.yaml"))[0]
    path = root / rel

    def change(i: int) -> None:
        path.write_text(path.read_text().split("#", 1)[0] + f"# round {i}\n")

    def plumbing(i: int) -> None:
        gitstore.commit(root, [rel], f"plumbing {i}")

    def porcelain(i: int) -> None:
        subprocess.run(["git", "add", "--", rel], cwd=root, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"porcelain {i}", "--", rel], cwd=root,
                       check=True)

    import git
    repo = git.Repo(root)

    def gitpython(i: int) -> None:
        repo.index.add([rel])
        repo.index.commit(f"gitpython {i}")

    print(f"{args.count:,} host files, one changed per commit, {args.rounds} commits each")
    for name, how in (("plumbing (cinv)", plumbing), ("porcelain", porcelain),
                      ("GitPython", gitpython)):
        times = []
        for i in range(args.rounds):
            change(i)
            start = time.perf_counter()
            how(i)
            times.append(time.perf_counter() - start)
        clean = subprocess.run(["git", "status", "--porcelain", "--", rel], cwd=root,
                               capture_output=True, text=True, check=True).stdout
        assert clean == "", f"{name} left {rel} uncommitted"
        print(f"  {name:<16} median {statistics.median(times):.3f} s, best {min(times):.3f} s")


if __name__ == "__main__":
    main()
