"""cinv/forked.py: work in a forked child hands back its result, a failure is told from a None
result, and no process the child started outlives it."""
from __future__ import annotations

import os
import subprocess

from cinv import forked


def test_the_result_comes_back_and_a_failure_is_told_from_none():
    assert forked.wait(*forked.start(lambda: ("in", os.getpid())))[1] != os.getpid()
    assert forked.wait(*forked.start(lambda: None), failed="failed") is None
    assert forked.wait(*forked.start(lambda: 1 // 0), failed="failed") == "failed"


def test_no_process_the_child_started_outlives_it(tmp_path):
    pidfile = tmp_path / "pid"

    def work():
        proc = subprocess.Popen(["sleep", "60"])  # as GitPython keeps `git cat-file` running
        pidfile.write_text(str(proc.pid))
        return "done"
    assert forked.wait(*forked.start(work)) == "done"
    pid = int(pidfile.read_text())
    assert not os.path.exists(f"/proc/{pid}") or \
        open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"
