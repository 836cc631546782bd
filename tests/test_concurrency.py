"""16 `cinv host add` processes started at the same moment: no collision, no lost record."""
from __future__ import annotations

import os
import subprocess
import sys

import yaml

N = 16


def test_parallel_host_adds(inventory):
    root = inventory.root
    start = inventory.commit_count()
    head = inventory.head()
    env = {**os.environ, "CINV_LOCK_TIMEOUT": "300"}
    cmd = [sys.executable, "-m", "cinv", "-C", str(root), "host", "add", "vm{n:03}",
           "--kind", "virtual", "--network", "prod"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(N)]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in out + err

    printed = [yaml.safe_load(out) for _, out, _ in results]
    names = sorted(h["name"] for h in printed)
    assert names == [f"vm{n:03}.prod.example.com" for n in range(1, N + 1)]

    files = sorted(p.name for p in (root / "hosts").glob("*.yaml"))
    assert files == [f"{name}.yaml" for name in names]
    stored = [yaml.safe_load((root / "hosts" / f).read_text()) for f in files]
    ifaces = [h["interfaces"][0] for h in stored]
    for key in ("ipv4", "ipv6", "mac"):
        values = [i[key] for i in ifaces]
        assert len(set(values)) == N, (key, values)
    # what each process printed is what is stored
    assert sorted((h["name"], h["interfaces"][0]["ipv4"]) for h in printed) == \
        sorted((f[:-5], i["ipv4"]) for f, i in zip(files, ifaces))
    # the lowest addresses, no gaps: the lock made the sequence serial
    assert sorted(i["ipv4"] for i in ifaces) == sorted(f"192.0.2.{10 + n}" for n in range(N))

    assert inventory.commit_count() == start + N
    subjects = inventory.git("log", "--format=%s", f"{head}..HEAD").splitlines()
    assert len(subjects) == N
    assert sorted(s.split()[2] for s in subjects) == names
    for sha in inventory.git("rev-list", f"{head}..HEAD").split():
        changed = inventory.git("show", "--format=", "--name-only", sha).split()
        assert len(changed) == 1 and changed[0].startswith("hosts/vm")
    assert inventory.git("status", "--porcelain") == ""

    check = subprocess.run([sys.executable, "-m", "cinv", "-C", str(root), "check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == "16 hosts, 2 networks: 0 errors, 0 warnings\n"
    fsck = subprocess.run(["git", "-C", str(root), "fsck", "--strict"], capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stderr
    assert not [p for p in (root / "hosts").iterdir() if ".tmp-" in p.name]
