#!/usr/bin/env python3
"""Time `cinv plan` and `cinv apply` against real servers at scale (issue 24's "done means").

    python bench/deploy.py              # 50,000 hosts
    python bench/deploy.py 10000 --keep
    python bench/deploy.py --octodns    # the issue's octoDNS figures: 50,000 A records
    python bench/deploy.py --octodns-bin /tmp/octo-venv/bin   # the same, octoDNS side by side

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

With `--octodns-bin DIR` (implies `--octodns`) the same run then does the same work with
octoDNS's own CLI, `DIR/octodns-sync` (octoDNS and octodns-bind installed in a venv of their own:
neither is a dependency of cinv), against a fresh named like the first (the same zones holding
only SOA and apex NS, the same kind of TSIG key), cinv's named stopped: a YamlProvider source
holding exactly the records cinv carried (every record of the rendered forward zones but SOA
and apex NS), octodns-bind's Rfc2136Provider as the target (state by AXFR, changes by UPDATE).
Each a fresh process: the first apply (`--doit`), a plan with nothing to change, an apply after
the one record `host add` added (the YAML written again from a render after it). At the end both
servers' zones are compared record by record: the two tools must have carried the same work.

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

import dns.query
import dns.rdatatype
import dns.tsigkeyring
import dns.zone
import yaml

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
    def __init__(self, work: Path, secret: str | None = None):
        self.work = work
        self.procs: list[subprocess.Popen] = []
        self.secret = secret or base64.b64encode(os.urandom(32)).decode()
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
        self.procs = []

    def served(self, zones: list[str]) -> set[tuple]:
        """Every record but the SOA of these zones, by AXFR: what the server now holds."""
        keyring = dns.tsigkeyring.from_text({"cinv-deploy": self.secret})
        held = set()
        for name in zones:
            zone = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", name, port=self.port,
                                                   keyring=keyring, lifetime=120))
            held.update((name, str(owner), ttl, rdata.to_text())
                        for owner, ttl, rdata in zone.iterate_rdatas()
                        if rdata.rdtype != dns.rdatatype.SOA)
        return held


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", nargs="?", type=int, default=50000)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--octodns", action="store_true",
                    help="octoDNS's benchmark of the issue: IPv4 only, A records into named, "
                         "the forward zones only, no Kea")
    ap.add_argument("--octodns-bin", type=Path, metavar="DIR",
                    help="then the same work with DIR/octodns-sync (octoDNS and octodns-bind "
                         "in a venv of their own), side by side; implies --octodns")
    args = ap.parse_args()
    if args.octodns_bin:
        args.octodns = True
        sync = args.octodns_bin.resolve() / "octodns-sync"
        version = run([sync, "--version"], HERE, dict(os.environ))[1].strip()
    work = Path(tempfile.mkdtemp(prefix="cinv-bench-deploy-"))
    inv = work / "inv"
    env = bench_env()
    servers = Servers(work)
    rows, octo_rows = [], []
    try:
        gen.generate(inv, args.count)
        if args.octodns:
            ipv4_only(inv, env)
        run([*CINV, "render", "dns", "--out", work / "rendered"], inv, env)
        apex_only(work / "rendered", work / "zones")
        servers.named(work / "zones")
        forward = sorted(p.name[3:] for p in (work / "rendered" / "dns").glob("db.*")
                         if not p.name.endswith(".arpa"))
        if args.octodns:
            path = servers.servers_file([], forward)
        else:
            path = servers.servers_file([servers.kea(4), servers.kea(6)])
        rows = cinv_side(inv, env, path)
        if args.octodns_bin:
            cinv_held = servers.served(forward)
            servers.stop()
            run([*CINV, "render", "dns", "--out", work / "rendered-after"], inv, env)
            octo_rows = octodns_side(sync, work, servers.secret, forward)
    finally:
        servers.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    print(f"{args.count} hosts:")
    for label, seconds, note in rows:
        print(f"  {label:<38} {seconds:7.2f} s  {note}")
    if octo_rows:
        octo_held = octo_rows.pop()
        marks = {r for r in cinv_held if r[1] == "_cinv-deploy"}  # the commit cinv applied
        same = "the same" if octo_held == cinv_held - marks else "NOT the same"
        print(f"{version}, {len(octo_held):,} records (SOA aside) in {len(forward)} zones, "
              f"{same} as cinv's server holds (and its {len(marks)} _cinv-deploy TXT):")
        for label, seconds, note in octo_rows:
            print(f"  {label:<38} {seconds:7.2f} s  {note}")
        side_by_side(rows, octo_rows)


def cinv_side(inv: Path, env: dict, path: Path) -> list[tuple]:
    rows = []
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
    return rows


def octodns_side(sync: Path, work: Path, secret: str, forward: list[str]) -> list:
    """octoDNS's rows on a fresh named like cinv's, then (last) what that named holds."""
    octo = work / "octodns"
    octo.mkdir()
    apex_only(work / "rendered", octo / "zones")
    servers = Servers(octo, secret)
    try:
        servers.named(octo / "zones")
        before = octodns_yaml(work / "rendered", octo / "yaml", forward)
        config = octodns_config(octo, servers.port, forward)
        env = {**os.environ, "BENCH_TSIG_SECRET": secret}
        cmd = [sync, "--config-file", config, "--log-stream-stdout"]
        rows = []
        seconds, out = run([*cmd, "--doit"], octo, env)
        rows.append(("octodns-sync --doit, first", seconds, octodns_summary(out)))
        seconds, out = run(cmd, octo, env)
        rows.append(("octodns-sync, plan, servers match", seconds, octodns_summary(out)))
        after = octodns_yaml(work / "rendered-after", octo / "yaml", forward)
        if len(after - before) != 1 or before - after:
            raise SystemExit(f"the render after host add differs by {len(after - before)} "
                             f"added and {len(before - after)} removed records, not by one")
        seconds, out = run([*cmd, "--doit"], octo, env)
        rows.append(("octodns-sync --doit, one record added", seconds, octodns_summary(out)))
        return [*rows, servers.served(forward)]
    finally:
        servers.stop()


def octodns_yaml(rendered: Path, folder: Path, forward: list[str]) -> set[tuple]:
    """octoDNS's YamlProvider files holding every record of the rendered forward zones but
    their SOA and apex NS (what cinv carries); returns those records."""
    folder.mkdir(exist_ok=True)
    records = set()
    for name in forward:
        zone = dns.zone.from_file(str(rendered / "dns" / f"db.{name}"), origin=name)
        entries = {}
        for owner, rdataset in zone.iterate_rdatasets():
            kind = dns.rdatatype.to_text(rdataset.rdtype)
            if kind == "SOA" or (kind == "NS" and str(owner) == "@"):
                continue
            if kind not in ("A", "NS"):
                raise SystemExit(f"db.{name}: {kind} records: not written for octoDNS")
            key = "" if str(owner) == "@" else str(owner)
            values = sorted(r.to_text() for r in rdataset)
            entries.setdefault(key, []).append({"type": kind, "ttl": rdataset.ttl,
                                                "values": values})
            records.update((name, key, kind, v) for v in values)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(entries, sort_keys=True))
    return records


def octodns_config(octo: Path, port: int, forward: list[str]) -> Path:
    config = {
        "providers": {
            "inventory": {"class": "octodns.provider.yaml.YamlProvider",
                          "directory": str(octo / "yaml"), "enforce_order": False},
            "named": {"class": "octodns_bind.Rfc2136Provider", "host": "127.0.0.1",
                      "port": port, "timeout": 120, "key_name": "cinv-deploy",
                      "key_secret": "env/BENCH_TSIG_SECRET", "key_algorithm": "hmac-sha256"},
        },
        "zones": {f"{name}.": {"sources": ["inventory"], "targets": ["named"]}
                  for name in forward},
    }
    path = octo / "octodns.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def octodns_summary(out: str) -> str:
    counts = {what: sum(int(n) for n in re.findall(rf"^\* *Summary: .*\b{what}=(\d+)", out,
                                                    re.MULTILINE))
              for what in ("Creates", "Updates", "Deletes")}
    if not any(counts.values()) and "No changes were planned" in out:
        return "no changes planned"
    return ", ".join(f"{what} {n}" for what, n in counts.items())


def side_by_side(rows: list[tuple], octo_rows: list[tuple]) -> None:
    cinv = {label: seconds for label, seconds, _ in rows}
    pairs = [("first apply", octo_rows[0][1], cinv["cinv apply, first (empty servers)"]),
             ("plan, nothing to change", octo_rows[1][1], cinv["cinv plan, servers match"]),
             ("  the same, nothing kept", octo_rows[1][1],
              cinv["cinv plan, match, nothing kept"]),
             ("apply one added record", octo_rows[2][1], cinv["cinv apply after one host add"])]
    print("side by side:                  octoDNS     cinv   octoDNS/cinv")
    for label, octo, mine in pairs:
        print(f"  {label:<27} {octo:7.2f} s {mine:7.2f} s  {octo / mine:5.2f}")


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
