#!/usr/bin/env python3
"""Time `cinv plan` and `cinv apply` against real servers at scale (issue 24's "done means").

    python bench/deploy.py              # 50,000 hosts
    python bench/deploy.py 10000 --keep
    python bench/deploy.py --octodns    # the issue's octoDNS figures: 50,000 A records

On an inventory from bench/gen.py: named on 127.0.0.1 (a free port) serving every zone cinv
renders, but only its SOA and apex NS at first, taking UPDATEs signed with a TSIG key; and
kea-dhcp4 and kea-dhcp6 listening on no interface (`interfaces: []`: nothing is sent anywhere)
with a control socket, no subnet at first. Each command runs as a fresh process:

1. `cinv check` with no cache (the reference: a plan with nothing to change should take no
   longer);
2. the first `cinv apply` (every record and reservation goes to the servers);
3. `cinv plan` against the servers that now match (warm caches, as after any command: what
   apply left on the servers is known, nothing is transferred or compared again), then once
   more with cinv's notes of the servers removed (every zone transferred and compared, every
   Kea configuration compared: a CI job's first plan in a fresh clone, parts made by its
   render);
4. `cinv host add`, then `cinv apply`: the UPDATEs and config-sets it sends are counted from
   apply's report (each UPDATE is reported with its RRset operations), then a plan.

Needs named, kea-dhcp4 and kea-dhcp6 (not root: no interface is opened).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402
from run import bench_env  # noqa: E402

CINV = [sys.executable, "-m", "cinv"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list, cwd: Path, env: dict, ok=(0,)) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
                         f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def wait(predicate, what: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited {proc.returncode} (see its log)")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def apex_only(rendered: Path, zones: Path) -> None:
    """Each rendered zone file cut to its SOA and apex NS: a server that serves the zones
    and holds nothing else yet."""
    zones.mkdir()
    for path in (rendered / "dns").iterdir():
        if path.name == "named.conf.zones":
            shutil.copy(path, zones / path.name)
            continue
        keep, in_soa = [], False
        for line in path.read_text().splitlines():
            if line.startswith(("$", ";")) or in_soa or "\tSOA\t" in line:
                keep.append(line)
                in_soa = (in_soa or "\tSOA\t" in line) and not line.strip().startswith(")")
            elif line.startswith("@\tIN\tNS\t"):
                keep.append(line)
        (zones / path.name).write_text("\n".join(keep) + "\n")


class Servers:
    def __init__(self, work: Path):
        self.work = work
        self.procs: list[subprocess.Popen] = []
        self.secret = base64.b64encode(os.urandom(32)).decode()
        self.port = free_port()

    def named(self, zones: Path) -> None:
        conf = self.work / "named.conf"
        conf.write_text(f"""key "cinv-deploy" {{ algorithm hmac-sha256; secret "{self.secret}"; }};
options {{ directory "{zones}"; listen-on port {self.port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }}; pid-file "{self.work / 'named.pid'}";
  session-keyfile "{self.work / 'session.key'}"; managed-keys-directory "{self.work}";
  recursion no; dnssec-validation no; notify no; allow-query {{ 127.0.0.1; }};
  allow-transfer {{ key cinv-deploy; }}; allow-update {{ key cinv-deploy; }}; }};
controls {{ }};
include "{zones / 'named.conf.zones'}";
""")
        log = open(self.work / "named.log", "wb")
        self.procs.append(subprocess.Popen(["named", "-g", "-4", "-c", conf], stdout=log,
                                           stderr=subprocess.STDOUT))
        wait(lambda: b"running" in (self.work / "named.log").read_bytes(), "named",
             self.procs[-1])

    def kea(self, family: int) -> str:
        sock = str(self.work / f"kea{family}.sock")
        root = {"interfaces-config": {"interfaces": []},
                "control-socket": {"socket-type": "unix", "socket-name": sock},
                "lease-database": {"type": "memfile", "persist": False},
                "loggers": [{"name": f"kea-dhcp{family}", "severity": "WARN",
                             "output_options": [{"output": str(self.work / f"kea{family}.log")}]}],
                f"subnet{family}": []}
        if family == 6:
            root["server-id"] = {"type": "LLT", "persist": False}
        conf = self.work / f"kea{family}.conf"
        conf.write_text(json.dumps({f"Dhcp{family}": root}))
        env = {**os.environ, **{k: str(self.work) for k in ("KEA_PIDFILE_DIR",
                                                             "KEA_LOCKFILE_DIR")}}
        out = open(self.work / f"kea{family}.out", "wb")
        self.procs.append(subprocess.Popen([f"kea-dhcp{family}", "-c", conf], stdout=out,
                                           stderr=subprocess.STDOUT, env=env))
        wait(lambda: Path(sock).exists(), f"kea-dhcp{family}", self.procs[-1])
        return sock

    def servers_file(self, socks: list[str], zones: list[str] | None = None) -> Path:
        key = self.work / "tsig.secret"
        key.write_text(self.secret)
        key.chmod(0o600)
        path = self.work / "servers.yaml"
        path.write_text("dns:\n  - server: 127.0.0.1\n"
                        f"    port: {self.port}\n    timeout: 60\n"
                        f"    tsig: {{name: cinv-deploy, secret_file: {key}}}\n"
                        + (f"    zones: [{', '.join(zones)}]\n" if zones else "")
                        + ("kea:\n" if socks else "")
                        + "".join(f"  - {{socket: {s}, timeout: 60}}\n" for s in socks))
        return path

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", nargs="?", type=int, default=50000)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--octodns", action="store_true",
                    help="octoDNS's benchmark of the issue: IPv4 only, A records into named, "
                         "the forward zones only, no Kea")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cinv-bench-deploy-"))
    inv = work / "inv"
    env = bench_env()
    servers = Servers(work)
    rows = []
    try:
        gen.generate(inv, args.count)
        if args.octodns:
            ipv4_only(inv, env)
        run([*CINV, "render", "dns", "--out", work / "rendered"], inv, env)
        apex_only(work / "rendered", work / "zones")
        servers.named(work / "zones")
        if args.octodns:
            forward = sorted(p.name[3:] for p in (work / "rendered" / "dns").glob("db.*")
                             if not p.name.endswith(".arpa"))
            path = servers.servers_file([], forward)
        else:
            path = servers.servers_file([servers.kea(4), servers.kea(6)])
        shutil.rmtree(inv / ".cinv" / "cache", ignore_errors=True)
        seconds, _ = run([*CINV, "check"], inv, env)
        rows.append(("cinv check, cold (no cache)", seconds, ""))
        seconds, out = run([*CINV, "apply", "--servers", path, "--yes"], inv, env)
        rows.append(("cinv apply, first (empty servers)", seconds, summary(out)))
        time.sleep(2.1)  # past the racy window, as in real use
        seconds, out = run([*CINV, "plan", "--servers", path], inv, env)
        rows.append(("cinv plan, servers match", seconds, out.strip().splitlines()[-1]))
        for kept in (inv / ".cinv" / "cache").glob("deploy-*"):
            kept.unlink()  # what cinv kept of the servers: gone, as in a fresh CI clone
        seconds, out = run([*CINV, "plan", "--servers", path], inv, env)
        rows.append(("cinv plan, match, nothing kept", seconds, out.strip().splitlines()[-1]))
        run([*CINV, "host", "add", "bench{n}", "--kind", "virtual", "--network", "net000"],
            inv, env)
        seconds, out = run([*CINV, "apply", "--servers", path, "--yes"], inv, env)
        rows.append(("cinv apply after one host add", seconds, summary(out)))
        seconds, out = run([*CINV, "plan", "--servers", path], inv, env)
        rows.append(("cinv plan after that apply", seconds, out.strip().splitlines()[-1]))
    finally:
        servers.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print(f"{args.count} hosts:")
    for label, seconds, note in rows:
        print(f"  {label:<38} {seconds:7.2f} s  {note}")


def ipv4_only(inv: Path, env: dict) -> None:
    """The generated inventory without IPv6: one A record (and a PTR) per host."""
    for path in [*(inv / "networks").glob("*.yaml"), *(inv / "hosts").rglob("*.yaml")]:
        lines = path.read_text().splitlines(keepends=True)
        path.write_text("".join(x for x in lines if not x.lstrip().startswith(("ipv6",
                                                                                "gateway6"))))
    subprocess.run(["git", "-C", str(inv), "commit", "-qam", "IPv4 only"], check=True, env=env)


def summary(out: str) -> str:
    updates = sum(int(n) for n in re.findall(r" in (\d+) UPDATEs? ", out))
    zones = len(re.findall(r"zone \S+: applied", out))
    sets = out.count("config-set and config-write done")
    failed = out.count("FAILED")
    def n(count: int, what: str) -> str:
        return f"{count} {what}{'s' if count != 1 else ''}"
    return (f"{n(updates, 'UPDATE')} for {n(zones, 'zone')}, {n(sets, 'Kea config-set')}"
            + (f", {failed} FAILED" if failed else ""))


if __name__ == "__main__":
    main()
