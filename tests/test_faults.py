"""Faults: 32 writers at once with readers meanwhile, the lock's timeout, and SIGKILL at random
moments of `host add`, `host set`, `host rm` and `render`.

After every kill: the inventory loads and checks clean, every record and every output file is
whole (the old or the new version, never torn), no temporary file trips the next run, `git fsck`
passes, and a stale .git/index.lock is reported (named, with what to do) and left in place.
A record written but not committed by a killed process stays on disk (nothing lost) and the next
command works; see SECURITY.md.

CINV_FAULT_KILLS sets the kills per command (default 20); the file runs in well under a minute.
"""
from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from conftest import tree_snapshot

from cinv import check
from cinv.records import load, yamlio

WRITERS = 32
KILLS = int(os.environ.get("CINV_FAULT_KILLS", "20"))
SEED = int(os.environ.get("CINV_FAULT_SEED", str(random.randrange(1 << 30))))


def cinv_cmd(root: Path, *args) -> list[str]:
    return [sys.executable, "-m", "cinv", "-C", str(root), *map(str, args)]


def run(root: Path, *args, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cinv_cmd(root, *args), capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


# --- 1. concurrency ---------------------------------------------------------------------------

class Readers:
    """Threads that read while the writers run: `cinv host list --format json`, `cinv check`, and
    raw YAML parses of every record file. Each failure is kept with what was read."""

    def __init__(self, root: Path):
        self.root = root
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.counts = {"list": 0, "check": 0, "raw": 0}
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self.list_loop, self.check_loop, self.raw_loop)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def list_loop(self):
        while not self.stop.is_set():
            p = run(self.root, "host", "list", "--format", "json")
            try:
                hosts = json.loads(p.stdout)
                assert p.returncode == 0 and isinstance(hosts, list)
                assert all(h["interfaces"][0]["ipv4"] for h in hosts)
            except (ValueError, AssertionError, KeyError, IndexError, TypeError):
                self.failures.append(f"host list: {p.returncode} {p.stdout!r} {p.stderr!r}")
            self.counts["list"] += 1

    def check_loop(self):
        while not self.stop.is_set():
            p = run(self.root, "check")
            if p.returncode != 0 or " 0 errors" not in p.stdout or "error:" in p.stdout:
                self.failures.append(f"check: {p.returncode} {p.stdout!r} {p.stderr!r}")
            self.counts["check"] += 1

    def raw_loop(self):
        while not self.stop.is_set():
            for path in sorted((self.root / "hosts").glob("*.yaml")):
                data = path.read_bytes()
                try:
                    record = yaml.safe_load(data)
                    assert record["interfaces"][0]["mac"]
                except Exception:  # noqa: BLE001 - any failure to read a whole record counts
                    self.failures.append(f"{path.name}: half-written? {data!r}")
                self.counts["raw"] += 1
            time.sleep(0.005)


def test_32_concurrent_host_adds_with_readers(inventory):
    root = inventory.root
    start, head = inventory.commit_count(), inventory.head()
    env = {**os.environ, "CINV_LOCK_TIMEOUT": "300"}
    cmd = cinv_cmd(root, "host", "add", "vm{n:03}", "--kind", "virtual", "--network", "prod")
    with Readers(root) as readers:
        procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(WRITERS)]
        results = [(p.returncode, out, err) for p in procs
                   for out, err in [p.communicate(timeout=300)]]
    for code, out, err in results:
        assert code == 0, err
        assert "Traceback" not in out + err
    assert readers.failures == []
    assert min(readers.counts.values()) > 0, readers.counts
    print(f"\n{WRITERS} writers; readers meanwhile: {readers.counts}")

    printed = [yaml.safe_load(out) for _, out, _ in results]
    names = sorted(h["name"] for h in printed)
    assert names == [f"vm{n:03}.prod.example.com" for n in range(1, WRITERS + 1)]
    stored = [yaml.safe_load(inventory.host_file(n).read_text()) for n in names]
    for key in ("ipv4", "ipv6", "mac"):
        values = [h["interfaces"][0][key] for h in stored]
        assert len(set(values)) == WRITERS, (key, values)
    assert inventory.commit_count() == start + WRITERS
    subjects = inventory.git("log", "--format=%s", f"{head}..HEAD").splitlines()
    assert sorted(s.split()[2] for s in subjects) == names
    assert inventory.git("status", "--porcelain") == ""
    assert run(root, "check").returncode == 0
    subprocess.run(["git", "-C", root, "fsck", "--strict"], check=True, capture_output=True)


def test_lock_timeout_is_one_clear_line_and_changes_nothing(inventory):
    root = inventory.root
    before = inventory.snapshot()
    (root / ".cinv").mkdir(exist_ok=True)
    fd = os.open(root / ".cinv" / "lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        started = time.monotonic()
        p = run(root, "host", "add", "web1", "--kind", "virtual", "--network", "prod",
                env={"CINV_LOCK_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
    finally:
        os.close(fd)
    assert p.returncode == 1
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert "lock" in lines[0] and "CINV_LOCK_TIMEOUT" in lines[0] and ".cinv/lock" in lines[0]
    assert waited >= 0.5
    assert inventory.snapshot() == before
    assert run(root, "host", "add", "web1", "--kind", "virtual", "--network",
               "prod").returncode == 0


@pytest.mark.parametrize("which", ["index.lock", "HEAD.lock", "branch"])
def test_stale_git_lock_is_reported_and_kept(inventory, which):
    if which == "branch":
        which = inventory.git("symbolic-ref", "HEAD").strip() + ".lock"
    lock = inventory.root / ".git" / which
    lock.write_bytes(b"")
    before = inventory.snapshot()
    p = run(inventory.root, "host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert p.returncode == 1
    assert p.stderr.splitlines() == [
        f"cinv: {lock}: exists, so git cannot commit. Another git process may be running; if "
        "none is (one was killed), remove that file and run `git status` to see the "
        "uncommitted change"]
    assert lock.exists()
    lock.unlink()
    assert inventory.snapshot()[1] == before[1]
    assert run(inventory.root, "check").returncode == 0
    assert run(inventory.root, "host", "add", "web2", "--kind", "virtual", "--network",
               "prod").returncode == 0


def test_stale_index_lock_refuses_before_writing(inventory):
    (inventory.root / ".git" / "index.lock").write_bytes(b"")
    before = inventory.snapshot()
    p = run(inventory.root, "host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert p.returncode == 1
    assert inventory.snapshot() == before


# --- 2. crashes -------------------------------------------------------------------------------

class Killer:
    """Starts a cinv command in its own process group and SIGKILLs the group (cinv and any git
    it runs) after a random delay; counts the kills that landed while it still ran.

    The delay is drawn from [0, limit), limit first the slowest measured run. When a command
    finishes before its kill, the limit halves: on a machine faster (or less loaded) than when
    it measured, the kills still land inside the run, so a test's "most kills landed" does not
    depend on the machine's speed (a kill at 0 s lands on any machine)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.landed = 0
        self.finished = 0
        self.stale_locks = 0
        self.uncommitted = 0
        self.durations: list[float] = []
        self.limit: float | None = None

    def measure(self, cmd: list[str]) -> None:
        started = time.monotonic()
        subprocess.run(cmd, capture_output=True, check=True, timeout=120)
        self.durations.append(time.monotonic() - started)
        self.limit = max(self.durations)

    def kill_run(self, cmd: list[str]) -> bool:
        """True if the kill landed before the command finished."""
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
        time.sleep(self.rng.uniform(0, self.limit))
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, err = p.communicate(timeout=60)
        wait_group_gone(p.pid)
        if p.returncode == -signal.SIGKILL:
            self.landed += 1
            return True
        assert p.returncode == 0, err
        self.finished += 1
        self.limit /= 2
        return False


def wait_group_gone(pgid: int) -> None:
    """Until every process of the group (a git that cinv ran) is gone: a killed git may still
    finish the system call it was in (creating index.lock) after cinv itself is reaped."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    raise AssertionError(f"process group {pgid} still alive 10 s after SIGKILL")


def hidden_temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(f".*{load.TMP_MARK}*") if ".git" not in p.parts]


def assert_sane(root: Path, killer: Killer) -> None:
    """What must hold after any kill (and then clears a stale index.lock as a user would)."""
    git_dir = root / ".git"
    for lock in (git_dir / "index.lock", git_dir / "HEAD.lock", git_dir / "refs/heads/master.lock",
                 git_dir / "refs/heads/main.lock"):
        if lock.exists():
            clear_stale_lock(root, lock, killer)
    inv = load.load_inventory(load.DirSource(root))
    assert check.errors(check.run(inv)) == []
    for host in inv.hosts.values():  # whole: exactly what cinv writes for what it holds
        text = (root / host.path).read_text()
        assert yamlio.dump(host.to_dict()) == text, f"{host.path} is torn: {text!r}"
    fsck = subprocess.run(["git", "-C", root, "fsck", "--strict"], capture_output=True,
                          text=True)
    assert fsck.returncode == 0, fsck.stderr
    if subprocess.run(["git", "-C", root, "status", "--porcelain", "hosts"], check=True,
                      capture_output=True, text=True).stdout:
        killer.uncommitted += 1


def clear_stale_lock(root: Path, lock: Path, killer: Killer) -> None:
    """The next command names the stale lock, leaves it and writes nothing; then the user
    removes it, as the message says."""
    killer.stale_locks += 1
    before = tree_snapshot(root)
    p = run(root, "host", "add", "probe", "--kind", "virtual", "--network", "prod")
    assert p.returncode == 1
    assert len(p.stderr.splitlines()) == 1, p.stderr
    assert str(lock) in p.stderr and "remove that file" in p.stderr, p.stderr
    assert lock.exists(), f"cinv deleted a stale {lock.name}"
    assert tree_snapshot(root) == before
    lock.unlink()


def assert_next_run_clean(inventory, killer: Killer) -> None:
    """The next command works, clears every temp file, and leaves nothing lost."""
    root = inventory.root
    on_disk = {p.name for p in (root / "hosts").rglob("*.yaml")}
    p = run(root, "host", "add", "after-crash", "--kind", "virtual", "--network", "prod")
    assert p.returncode == 0, p.stderr
    assert hidden_temp_files(root / "hosts") == []
    assert on_disk | {"after-crash.prod.example.com.yaml"} == \
        {p.name for p in (root / "hosts").rglob("*.yaml")}
    assert run(root, "check").returncode == 0
    print(f"\nkills landed {killer.landed}, finished first {killer.finished}, stale index.lock "
          f"{killer.stale_locks}, left uncommitted {killer.uncommitted} (seed {SEED})")


@pytest.fixture
def killer():
    return Killer(random.Random(SEED))


def test_kill_host_add(inventory, killer):
    root = inventory.root
    add = cinv_cmd(root, "host", "add", "vm{n:03}", "--kind", "virtual", "--network", "prod")
    killer.measure(add)
    for _ in range(KILLS):
        # a stray temp file of a killed writer must neither be read nor trip the next run
        killer.kill_run(add)
        assert_sane(root, killer)
    assert killer.landed >= KILLS // 2
    assert_next_run_clean(inventory, killer)


def test_kill_host_set(inventory, killer):
    root = inventory.root
    inventory.ok("host", "add", "web", "--kind", "virtual", "--network", "prod")
    path = inventory.host_file("web.prod.example.com")
    versions = []
    for text in ("alpha", "beta, a longer description, so a torn file is told apart"):
        cmd = cinv_cmd(root, "host", "set", "web", f"description={text}", "hardware.cpus="
                       f"{len(versions) + 1}")
        killer.measure(cmd)
        versions.append((cmd, path.read_bytes()))
    for n in range(KILLS):
        cmd, _ = versions[n % 2]
        killer.kill_run(cmd)
        assert path.read_bytes() in (versions[0][1], versions[1][1])
        assert_sane(root, killer)
    assert killer.landed >= KILLS // 2
    assert_next_run_clean(inventory, killer)


def test_kill_host_rm(inventory, killer):
    root = inventory.root
    inventory.ok("host", "add", "keep", "--kind", "virtual", "--network", "prod")
    for n in range(KILLS + 1):
        assert run(root, "host", "add", f"gone{n}", "--kind", "virtual", "--network",
                   "prod").returncode == 0
        path = inventory.host_file(f"gone{n}.prod.example.com")
        content = path.read_bytes()
        cmd = cinv_cmd(root, "host", "rm", f"gone{n}")
        if n == 0:
            killer.measure(cmd)
            continue
        killer.kill_run(cmd)
        assert not path.exists() or path.read_bytes() == content
        assert_sane(root, killer)
    assert killer.landed >= KILLS // 2
    assert_next_run_clean(inventory, killer)
    # a record removed but not committed by a killed rm is not resurrected or lost: git shows it
    for line in inventory.git("status", "--porcelain").splitlines():
        assert line[3:].startswith("hosts/gone"), line


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_kill_render(inventory, killer, tmp_path):
    """Two commits A and B that differ in libvirt XML and the Ansible inventory (and B has one
    VM more, so one file more); renders of either, killed at random, leave only A's or B's
    version of each file, and the next render gives exactly its own files."""
    root = inventory.root
    for n in range(6):
        inventory.ok("host", "add", f"vm{n}", "--kind", "virtual", "--network", "prod",
                     "--description", "first")
    ref_a = inventory.head()
    for n in range(6):
        inventory.ok("host", "set", f"vm{n}", "description=second, and longer than the first")
    inventory.ok("host", "add", "extra", "--kind", "virtual", "--description", "no interface")
    ref_b = inventory.head()
    before = inventory.snapshot()
    assert ref_a != ref_b
    known = {}
    for ref in (ref_a, ref_b):
        out = tmp_path / f"golden-{ref[:7]}"
        p = run(root, "--ref", ref, "render", "--out", out)
        assert p.returncode == 0, p.stderr
        known[ref] = _files(out)
    assert set(known[ref_b]) - set(known[ref_a]) == {"libvirt/extra.example.com.xml"}
    out = tmp_path / "out"
    cmds = {ref: cinv_cmd(root, "--ref", ref, "render", "--out", out) for ref in known}
    for cmd in cmds.values():
        killer.measure(cmd)
    for n in range(KILLS):
        ref = (ref_a, ref_b)[n % 2]
        killer.kill_run(cmds[ref])
        for rel, data in _files(out).items():
            versions = [k[rel] for k in known.values() if rel in k]
            assert data in versions, f"{rel} is torn (neither A's nor B's)"
        manifest = out / ".cinv-manifest.json"
        if manifest.exists():
            json.loads(manifest.read_text())
    assert killer.landed >= KILLS // 2
    for ref in (ref_a, ref_b, ref_a):
        p = run(root, "--ref", ref, "render", "--out", out)
        assert p.returncode == 0, p.stderr
        assert _files(out) == known[ref]
    assert inventory.snapshot() == before  # the inventory is only read
    print(f"\nrender kills landed {killer.landed}, finished first {killer.finished}; temp "
          f"files left in the output dir: {len(hidden_temp_files(out))}")


def test_render_killed_before_its_manifest_leaves_no_orphan(inventory, tmp_path, monkeypatch):
    """A render that dies after writing a new file but before the manifest names it: the next
    render of an inventory without that file must still remove it (cinv wrote it)."""
    from cinv.render import writer
    out = tmp_path / "out"
    inventory.ok("host", "add", "vm1", "--kind", "virtual", "--network", "prod")
    ref_a = inventory.head()
    inventory.ok("render", "--out", out)
    golden = _files(out)
    inventory.ok("host", "add", "extra", "--kind", "virtual")

    place_all = writer.place_all

    def crash(tmps, changed):
        place_all(tmps, changed)
        raise KeyboardInterrupt  # dies here: the files are written, the final manifest is not
    monkeypatch.setattr(writer, "place_all", crash)
    assert inventory.run("render", "--out", out).err.strip() == "cinv: aborted"
    assert (out / "libvirt" / "extra.example.com.xml").exists()
    monkeypatch.undo()
    assert inventory.run("--ref", ref_a, "render", "--out", out).code == 0
    assert _files(out) == golden
