"""Shared fixtures: a hermetic git environment, the CLI runner and temporary inventories.

- `run_cli(*args, env=None, input=None)` runs cinv in-process through `cinv.cli.main` (the same
  error handling a user gets) under click's CliRunner isolation, and returns a `Result` with
  `code`, `out` and `err`.
- `run_cinv_process(*args, cwd=None, env=None)` runs `python -m cinv` in a subprocess.
- `inventory` is a fresh git inventory (`cinv init` + the networks prod and mgmt) with helpers to
  run commands on it, read files, and snapshot the tree and HEAD.
- `write_files(root, {rel: text})` writes a hand-made inventory (for check and load tests).
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cinv import check
from cinv.records import load

# Variables that would let the developer's own git or cinv set-up leak into the tests.
_LEAKY = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME",
          "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "EMAIL", "GIT_DIR", "GIT_WORK_TREE",
          "GIT_INDEX_FILE", "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_PARAMETERS",
          "GIT_CONFIG_COUNT", "CINV_INVENTORY")


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory, monkeypatch):
    """Every test runs with an empty HOME, no system git config and no git identity, so the
    results do not depend on the machine (and cinv's fallback identity is exercised)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    yield home
    # A test that read git through the library (not the command line, which does this
    # itself) leaves GitPython's `git cat-file` processes running until collected.
    from cinv.git import gitstore
    gitstore.close_repos()


def _children(pid: int) -> list[str]:
    """'PID command' of every live process whose parent is pid (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            state = stat.rsplit(")", 1)[1].split()[0]
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and state != "Z":
            out.append(f"{entry.name} {cmd.strip()}")
    return out


def pytest_sessionfinish(session, exitstatus):
    """The run leaks no process: every server, git and cinv a test started has ended when the
    tests are done (a few seconds' grace for those in their last system call)."""
    if not Path("/proc/self/stat").exists():
        return
    import time
    deadline = time.monotonic() + 10
    left = _children(os.getpid())
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _children(os.getpid())
    if left:
        print(f"\nthe tests left {len(left)} processes running:", *left[:20], sep="\n  ")
        session.exitstatus = 1


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, out={self.out!r}, err={self.err!r})"


def invoke(*args, env: dict | None = None, input: str | None = None) -> Result:
    """cinv with these arguments, in-process, exactly as `cinv.cli:main` handles errors."""
    from cinv.cli import main

    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _mixed):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def run_cli():
    return invoke


def run_process(*args, cwd=None, env: dict | None = None, timeout: float = 120) -> Result:
    full_env = {**os.environ, **(env or {})}
    p = subprocess.run([sys.executable, "-m", "cinv", *map(str, args)], cwd=cwd, env=full_env,
                       capture_output=True, text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture
def run_cinv_process():
    return run_process


def git(root: Path, *args: str) -> str:
    """git in the inventory; commits made by a test itself carry a test identity."""
    ident = ["-c", "user.name=cinv tests", "-c", "user.email=tests@example.com"]
    return subprocess.run(["git", "-C", str(root), *ident, *args], check=True,
                          capture_output=True, text=True).stdout


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the inventory except git's and cinv's own state, by relative path."""
    out = {}
    for path in sorted(Path(root).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in (".git", ".cinv") or not path.is_file():
            continue
        out[rel] = path.read_bytes()
    return out


class Inventory:
    """A temporary inventory on disk, and ways to drive cinv on it."""

    def __init__(self, root: Path):
        self.root = root

    def run(self, *args, env: dict | None = None) -> Result:
        return invoke("-C", self.root, *args, env=env)

    def ok(self, *args) -> Result:
        """Run, and fail the test unless cinv exits 0."""
        r = self.run(*args)
        assert r.code == 0, r
        assert "Traceback" not in r.out + r.err
        return r

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def subjects(self) -> list[str]:
        """Commit subjects, newest first."""
        return self.git("log", "--format=%s").splitlines()

    def commit_count(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD"))

    def snapshot(self) -> tuple[dict[str, bytes], str | None]:
        head = self.head() if (self.root / ".git").exists() else None
        return tree_snapshot(self.root), head

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def host_file(self, fqdn: str) -> Path:
        return self.root / "hosts" / f"{fqdn}.yaml"

    def load(self):
        return load.load_inventory(load.DirSource(self.root))

    def problems(self):
        return check.run(self.load())


# The two networks every CLI test starts from.
PROD = ("net", "add", "prod", "--ipv4", "192.0.2.0/24", "--gateway4", "192.0.2.1",
        "--ipv6", "2001:db8:0:1::/64", "--gateway6", "2001:db8:0:1::1",
        "--domain", "prod.example.com", "--reserve", "192.0.2.2-192.0.2.9",
        "--dhcp-pool", "192.0.2.200-192.0.2.250", "--bridge", "br-prod", "--vlan", "10")
MGMT = ("net", "add", "mgmt", "--ipv4", "198.51.100.0/26", "--gateway4", "198.51.100.1",
        "--domain", "mgmt.example.com")


@pytest.fixture
def empty_inventory(tmp_path) -> Inventory:
    """`cinv init` in a fresh directory: a git repo with one commit and no networks."""
    root = tmp_path / "inv"
    r = invoke("init", root, "--domain", "example.com", "--nameserver", "ns1.example.net")
    assert r.code == 0, r
    return Inventory(root)


@pytest.fixture
def inventory(empty_inventory) -> Inventory:
    """A git inventory with the networks prod (v4 + v6, pool, reserved) and mgmt (/26 v4)."""
    empty_inventory.ok(*PROD)
    empty_inventory.ok(*MGMT)
    return empty_inventory


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a hand-made inventory: {relative path: content}."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture
def make_files():
    return write_files


# A small valid inventory written by hand (no git), with known line numbers: check and load
# tests change one line of it and assert the exact path:line of the problem.
BASE_FILES = {
    "cinv.yaml": """\
domain: example.com
mac_prefix: "52:54:00"
dns:
  primary_ns: ns1.example.net.
  nameservers: [ns1.example.net.]
""",
    "networks/prod.yaml": """\
domain: prod.example.com
ipv4: 192.0.2.0/24
gateway4: 192.0.2.1
ipv6: 2001:db8:0:1::/64
gateway6: 2001:db8:0:1::1
ipv6_mode: sequential
dhcp_pool: 192.0.2.200-192.0.2.250
reserved: [192.0.2.2-192.0.2.9]
bridge: br-prod
""",
    "networks/mgmt.yaml": """\
domain: mgmt.example.com
ipv4: 198.51.100.0/26
gateway4: 198.51.100.1
""",
    "hosts/hv1.example.com.yaml": """\
kind: physical
state: active
hardware:
  cpus: 16
  memory: 64GiB
interfaces:
  - name: eth0
    mac: "00:25:90:00:00:01"
    network: prod
    ipv4: 192.0.2.10
    ipv6: 2001:db8:0:1::10
  - name: bmc
    mac: "00:25:90:00:00:02"
    network: mgmt
    ipv4: 198.51.100.10
""",
    "hosts/web1.prod.example.com.yaml": """\
kind: virtual
state: active
parent: hv1.example.com
hardware:
  cpus: 2
  memory: 4GiB
interfaces:
  - name: eth0
    mac: "52:54:00:00:00:01"
    network: prod
    ipv4: 192.0.2.11
    ipv6: 2001:db8:0:1::11
    aliases: [www]
""",
}


@pytest.fixture
def base_files() -> dict[str, str]:
    """A fresh copy of BASE_FILES to change and write with make_files."""
    return dict(BASE_FILES)
