"""BIND serves the zones cinv renders: `named -g` on 127.0.0.1 and a free high port, loaded with
dns/named.conf.zones, answers `dig` with exactly the inventory's records (A, AAAA, CNAME, PTR
for IPv4 and IPv6, and the RFC 2317 CNAME path of a /26 into its classless child zone)."""
from __future__ import annotations

import ipaddress
import shutil
import subprocess
from pathlib import Path

import pytest
from checkers import generated_files, require, write_inventory
from conftest import invoke
from serving import Process, free_port, wait_for

from cinv.records import load

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"


class Named:
    """A running named and a `dig` pointed at it."""

    def __init__(self, out: Path, tmp: Path):
        self.named = require("named")
        self.dig_tool = require("dig")
        self.out = out
        self.tmp = tmp
        self.proc: Process | None = None
        self.port = 0

    def conf(self, port: int) -> Path:
        dns = self.out / "dns"
        conf = self.tmp / "named.conf"
        conf.write_text(f"""options {{
    directory "{dns}";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    pid-file "{self.tmp / 'named.pid'}";
    session-keyfile "{self.tmp / 'session.key'}";
    managed-keys-directory "{self.tmp}";
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query {{ 127.0.0.1; }};
    allow-transfer {{ none; }};
}};
controls {{ }};
include "{dns / 'named.conf.zones'}";
""")
        return conf

    def start(self) -> None:
        for attempt in range(3):  # another process may take the free port before named does
            self.port = free_port()
            conf = self.conf(self.port)
            self.proc = Process("named", [self.named, "-g", "-4", "-c", conf],
                                self.tmp / f"named-{attempt}.log")
            try:
                wait_for(self._answers, 30, "named to answer", self.proc, step=0.2)
                return
            except pytest.fail.Exception:
                self.proc.stop()
                if "address in use" not in self.proc.log_text() or attempt == 2:
                    raise

    def _answers(self) -> bool:
        return any(self.query("SOA", zone, check=False) for zone in ("example.com",
                                                                     "example.net"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()

    def _dig(self, queries: list[tuple[str, str]], check: bool = True) -> list[tuple]:
        """One dig call for many queries: the answer records as (owner, type, data), names
        lower-case. A query for the PTR of an IP address uses `dig -x`."""
        args = [self.dig_tool, "@127.0.0.1", "-p", str(self.port), "+noall", "+answer",
                "+time=5", "+tries=3", "+norecurse", "+tcp"]  # TCP: a loaded machine drops UDP
        for qtype, name in queries:
            args += ["-x", name] if qtype == "PTR" and _is_ip(name) else [name, qtype]
        proc = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            if check:
                pytest.fail(f"{' '.join(map(str, args[:12]))}... exited {proc.returncode}:\n"
                            f"{proc.stdout}{proc.stderr}")
            return []
        records = []
        for line in proc.stdout.splitlines():
            if line.strip() and not line.startswith(";"):
                owner, _ttl, _class, rtype, data = line.split(None, 4)
                records.append((owner.lower(), rtype, data.strip().lower()))
        return records

    def query(self, qtype: str, name: str, check: bool = True) -> list[tuple]:
        return self._dig([(qtype, name)], check)

    def dig(self, qtype: str, name: str) -> list[str]:
        """The data along the whole answer, as `dig +short` shows it, following CNAMEs with
        further queries to this server the way a resolver does: named answers a name in one
        zone with a CNAME into another zone (the RFC 2317 child) without adding the target."""
        chain = self.query(qtype, name)
        for _ in range(8):
            if qtype == "CNAME" or not chain or chain[-1][1] != "CNAME":
                break
            chain += self.query(qtype, chain[-1][2])
        return [data for _owner, _rtype, data in chain]

    def answers(self, queries: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """(owner, type) -> data for many queries in one dig call, and the CNAME targets the
        answers lead to in further calls."""
        records: dict[tuple[str, str], set[str]] = {}
        asked: set = set()
        for _ in range(8):
            asked.update(queries)
            for owner, rtype, data in self._dig(queries):
                records.setdefault((owner, rtype), set()).add(data)
            wanted = {qtype for qtype, _name in queries if qtype != "CNAME"}
            queries = sorted({(qtype, target) for (owner, rtype), targets in records.items()
                              if rtype == "CNAME" for target in targets for qtype in wanted
                              if (target, qtype) not in records and (qtype, target) not in asked})
            if not queries:
                break
        return records


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def resolve(records: dict, name: str, rtype: str) -> set[str]:
    """The data of `rtype` at `name`, following CNAMEs as a resolver would (at most 8)."""
    for _ in range(8):
        if (name, rtype) in records:
            return records[(name, rtype)]
        targets = records.get((name, "CNAME"))
        if not targets:
            return set()
        (name,) = targets
    return set()


def rendered(src: Path, tmp: Path) -> Path:
    out = tmp / "out"
    r = invoke("-C", src, "render", "--out", out)
    assert r.code == 0, r
    return out


@pytest.fixture
def example_named(tmp_path):
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    server = Named(rendered(root, tmp_path), tmp_path)
    try:
        server.start()
        yield server, root
    finally:
        server.stop()


@pytest.fixture
def generated_named(tmp_path):
    root = write_inventory(tmp_path / "gen", generated_files())
    server = Named(rendered(root, tmp_path), tmp_path)
    try:
        server.start()
        yield server, root
    finally:
        server.stop()


def test_example_answers(example_named):
    named, _root = example_named
    dig = named.dig
    assert dig("A", "web1.prod.example.com") == ["192.0.2.20"]
    assert dig("AAAA", "web1.prod.example.com") == ["2001:db8:0:1::20"]
    assert dig("A", "hv1.example.com") == ["192.0.2.11"]
    assert dig("A", "bmc.hv1.example.com") == ["198.51.100.11"]  # second interface
    assert dig("CNAME", "www.prod.example.com") == ["web1.prod.example.com."]
    assert dig("A", "www.prod.example.com") == ["web1.prod.example.com.", "192.0.2.20"]
    assert dig("PTR", "192.0.2.20") == ["web1.prod.example.com."]
    assert dig("PTR", "2001:db8:0:1::20") == ["web1.prod.example.com."]
    # mgmt is a /26: 11.100.51.198.in-addr.arpa is a CNAME into the child zone 0-26, which
    # holds the PTR (RFC 2317).
    assert dig("PTR", "198.51.100.11") == ["11.0-26.100.51.198.in-addr.arpa.",
                                           "bmc.hv1.example.com."]
    # The retired web0 is not served, and its address has no name.
    assert dig("A", "web0.prod.example.com") == []
    assert dig("PTR", "192.0.2.26") == []


def expected_records(root: Path) -> tuple[list[tuple[str, str]], dict]:
    """From the inventory itself: the queries to ask and, for each, the one answer it must get:
    A/AAAA and both PTRs of every name of every active host, and each alias's CNAME."""
    inv = load.load_inventory(load.DirSource(root))
    want: dict[tuple[str, str], str] = {}
    for host in inv.active_hosts():
        for fqdn, iface, is_alias in inv.dns_names(host):
            if is_alias:
                want[("CNAME", fqdn)] = (host.name if host.interfaces[0] is iface
                                         else f"{iface.name}.{host.name}") + "."
                continue
            if iface.ipv4 is not None:
                want[("A", fqdn)] = str(iface.ipv4)
                want[("PTR", str(iface.ipv4))] = fqdn + "."
            if iface.ipv6 is not None:
                want[("AAAA", fqdn)] = str(iface.ipv6)
                want[("PTR", str(iface.ipv6))] = fqdn + "."
    return sorted(want), want


def check_every_record(named: Named, root: Path) -> int:
    queries, want = expected_records(root)
    records = named.answers(queries)
    wrong = []
    for qtype, name in queries:
        owner = (ipaddress.ip_address(name).reverse_pointer if qtype == "PTR" else name) + "."
        got = resolve(records, owner.lower(), qtype)
        if got != {want[(qtype, name)].lower()}:
            wrong.append(f"{qtype} {name}: want {want[(qtype, name)]}, got {sorted(got)}")
    assert not wrong, "\n".join(wrong)
    return len(queries)


def test_example_serves_every_record(example_named):
    named, root = example_named
    assert check_every_record(named, root) > 40


def test_generated_inventory_serves_every_record(generated_named):
    """/22, /26 and /29 (RFC 2317 children of one /24), a /62 and two /64s, aliases in other
    zones, names starting with digits."""
    named, root = generated_named
    assert check_every_record(named, root) > 150


def test_generated_rfc2317_and_ipv6(generated_named):
    named, _root = generated_named
    dig = named.dig
    # vm000's eth1 is on "small", 10.2.0.64/26: the parent 0.2.10.in-addr.arpa points into the
    # child zone 64-26.0.2.10.in-addr.arpa.
    assert dig("PTR", "10.2.0.70") == ["70.64-26.0.2.10.in-addr.arpa.",
                                       "eth1.vm000.wide.example.net."]
    assert dig("A", "eth1.vm000.wide.example.net") == ["10.2.0.70"]
    # ns1 is on "tiny", 10.2.0.8/29, the other classless child of the same /24.
    assert dig("PTR", "10.2.0.10") == ["10.8-29.0.2.10.in-addr.arpa.", "ns1.example.net."]
    # IPv6 /64 on "wide", and a /62 split into /64 zones on "small".
    assert dig("AAAA", "vm001.wide.example.net") == ["2001:db8:a::65"]
    assert dig("PTR", "2001:db8:a::65") == ["vm001.wide.example.net."]
    assert dig("PTR", "2001:db8:b:6::c") == ["eth1.vm002.wide.example.net."]
    assert dig("CNAME", "api0.example.net") == ["vm000.wide.example.net."]
    # A name outside every rendered zone is refused, not answered.
    assert dig("A", "vm001.example.org") == []
