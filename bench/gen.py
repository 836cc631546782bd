#!/usr/bin/env python3
"""Generate an N-host inventory in the contract's schema, for benchmarks and scale tests.

One hypervisor (physical) per 20 hosts, the rest VMs on it; /22 networks of 800 hosts each with
IPv4 and IPv6; optionally committed to git.

    python bench/gen.py DIR N [--no-git]
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import subprocess
from pathlib import Path

HOSTS_PER_NET = 800
HOSTS_PER_HV = 20

SETTINGS = """domain: example.com
mac_prefix: "52:54:00"
dns:
  ttl: 3600
  primary_ns: ns1.example.net.
  hostmaster: hostmaster.example.com.
  nameservers: [ns1.example.net., ns2.example.net.]
render:
  out: build
libvirt:
  image_dir: /var/lib/libvirt/images
"""

NETWORK = """domain: {domain}
ipv4: {v4}
gateway4: {gw4}
ipv6: {v6}
gateway6: {gw6}
reserved: [{gw4}-{res_end}]
dhcp_pool: {pool_a}-{pool_b}
dns_servers: [{gw4}]
vlan: {vlan}
bridge: br{vlan}
"""

HYPERVISOR = """kind: physical
state: active
description: Hypervisor {n}
tags: [hypervisor, rack{rack}]
location: dc1/rack{rack}
hardware:
  cpus: 64
  memory: 512GiB
  disks:
    - size: 4TiB
  vendor: Supermicro
  serial: SN{n:08d}
interfaces:
  - name: eth0
    mac: '0c:c4:7a:{m}'
    network: {net}
    ipv4: {v4}
    ipv6: {v6}
"""

VM = """kind: virtual
state: active
description: Guest {n}
tags: [{tag}]
parent: {parent}
hardware:
  cpus: 2
  memory: 4GiB
  disks:
    - size: 20GiB
interfaces:
  - name: eth0
    mac: '52:54:00:{m}'
    network: {net}
    ipv4: {v4}
    ipv6: {v6}
"""

TAGS = ["web", "db", "cache", "app", "batch"]


def mac_tail(n: int) -> str:
    return f"{(n >> 16) & 255:02x}:{(n >> 8) & 255:02x}:{n & 255:02x}"


def generate(root: Path, count: int, use_git: bool = True) -> None:
    (root / "networks").mkdir(parents=True, exist_ok=True)
    (root / "hosts").mkdir(exist_ok=True)
    (root / "cinv.yaml").write_text(SETTINGS)
    (root / ".gitignore").write_text("/build/\n/.cinv/\n")
    nets = (count + HOSTS_PER_NET - 1) // HOSTS_PER_NET
    for i in range(nets):
        v4 = ipaddress.IPv4Network((int(ipaddress.IPv4Address("10.0.0.0")) + i * 1024, 22))
        base = int(v4.network_address)
        (root / "networks" / f"net{i:03d}.yaml").write_text(NETWORK.format(
            domain=f"net{i:03d}.example.com", v4=v4, gw4=ipaddress.IPv4Address(base + 1),
            res_end=ipaddress.IPv4Address(base + 9), v6=f"2001:db8:{i:x}::/64",
            gw6=f"2001:db8:{i:x}::1", pool_a=ipaddress.IPv4Address(base + 1000),
            pool_b=ipaddress.IPv4Address(base + 1020), vlan=100 + i))
    for n in range(count):
        i, j = divmod(n, HOSTS_PER_NET)
        net = f"net{i:03d}"
        base = int(ipaddress.IPv4Address("10.0.0.0")) + i * 1024
        v4 = ipaddress.IPv4Address(base + 10 + j)
        v6 = f"2001:db8:{i:x}::{10 + j:x}"
        hv_index = n // HOSTS_PER_HV
        if n % HOSTS_PER_HV == 0:
            name = f"hv{hv_index:05d}.{net}.example.com"
            text = HYPERVISOR.format(n=n, rack=hv_index // 40, m=mac_tail(n), net=net, v4=v4,
                                     v6=v6)
        else:
            name = f"vm{n:06d}.{net}.example.com"
            text = VM.format(n=n, tag=TAGS[n % len(TAGS)], m=mac_tail(n), net=net, v4=v4, v6=v6,
                             parent=f"hv{hv_index:05d}.{net}.example.com")
        folder = root / "hosts" / net
        if j == 0 or n % HOSTS_PER_NET == 0:
            folder.mkdir(exist_ok=True)
        (folder / f"{name}.yaml").write_text(text)
    if use_git:
        env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
        subprocess.run(["git", "-C", str(root), "commit", "-q", "-m",
                        f"Generated inventory of {count} hosts"], check=True, env=env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("count", type=int)
    ap.add_argument("--no-git", action="store_true")
    args = ap.parse_args()
    generate(args.dir, args.count, not args.no_git)


if __name__ == "__main__":
    main()
