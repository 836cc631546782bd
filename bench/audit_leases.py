#!/usr/bin/env python3
"""Time `cinv audit leases` against `cinv check`, both warm, on an N-host inventory.

    python bench/audit_leases.py              # N = 50,000
    python bench/audit_leases.py 10000 --repeat 5

Generates the inventory with bench/gen.py and a dhcpd.leases holding one active lease (as
dhcpd 4.4 writes them) for every host, at the host's own address and MAC, so the audit finds
nothing; then, after one warming run of each, times both as fresh processes and prints the
best of the runs and their ratio (the goal: under 2).
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen  # noqa: E402
from run import CINV, timed  # noqa: E402


def write_leases(path: Path, count: int) -> None:
    with open(path, "w") as out:
        out.write("# The format of this file is documented in the dhcpd.leases(5) manual page.\n"
                  "# This lease file was written by isc-dhcp-4.4.3-P1\n\n"
                  "authoring-byte-order little-endian;\n\n")
        for n in range(count):
            i, j = divmod(n, gen.HOSTS_PER_NET)
            base = int(ipaddress.IPv4Address("10.0.0.0")) + i * 1024
            ip = ipaddress.IPv4Address(base + 10 + j)
            oui = "0c:c4:7a" if n % gen.HOSTS_PER_HV == 0 else "52:54:00"
            out.write(f"lease {ip} {{\n  starts 3 2030/01/01 10:00:00;\n"
                      "  ends 3 2030/01/01 22:00:00;\n  cltt 3 2030/01/01 10:00:00;\n"
                      "  binding state active;\n  next binding state free;\n"
                      "  rewind binding state free;\n"
                      f"  hardware ethernet {oui}:{gen.mac_tail(n)};\n"
                      f'  uid "\\001RT\\000\\000\\000\\001";\n'
                      '  set vendor-class-identifier = "udhcp 1.36.1";\n'
                      f'  client-hostname "host{n:06d}";\n}}\n')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int, nargs="?", default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cinv-bench-audit-"))
    try:
        root = tmp / "inv"
        gen.generate(root, args.count, use_git=False)
        leases = tmp / "dhcpd.leases"
        write_leases(leases, args.count)
        env = dict(os.environ)
        time.sleep(2.1)  # let files age past the racy window, as in real use
        check = [*CINV, "-C", str(root), "check"]
        audit = [*CINV, "-C", str(root), "audit", "leases", str(leases), "--now", "2029-01-01"]
        for cmd in (check, audit):
            timed(cmd, root, env)  # warm the caches
        best = {}
        for name, cmd in (("check", check), ("audit", audit)):
            best[name] = min(timed(cmd, root, env) for _ in range(args.repeat))
        for name, (seconds, mb) in best.items():
            print(f"{name}: {seconds:.2f} s, {mb:.0f} MB")
        print(f"audit / check: {best['audit'][0] / best['check'][0]:.2f}")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
