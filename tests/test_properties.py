"""Properties over random inventories (hypothesis, bounded for CI):

- every random inventory `cinv check` accepts renders into files every real checker accepts
  (dhcpd -t v4/v6, kea-dhcp4/6 -t, named-checkzone on every zone, virt-xml-validate, dnsmasq
  --test, ansible-inventory);
- allocating until a network is full never hands out a used, reserved, pool, gateway, network or
  broadcast address, and stops exactly when nothing is free;
- check finds every duplicate planted (IPv4, IPv6, MAC, DNS name or alias).
"""
from __future__ import annotations

import ipaddress
import shutil
import tempfile
from pathlib import Path

import yaml
from checkers import check_all, require
from conftest import invoke
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cinv import allocate, check
from cinv.records import load
from cinv.records.model import Network

RENDER_EXAMPLES = 25
EXAMPLES = 50
V4_PREFIXES = [22, 24, 26, 27, 29]
V6_PREFIXES = [64, 62, 56]

label = st.from_regex(r"\A(xn--)?[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?\Z")  # at most 20


@st.composite
def inventories(draw):
    """{relative path: text} of a valid inventory, and a list of (host file, interface) spots."""
    nets = {}
    for n in range(draw(st.integers(1, 3))):
        has4 = n == 0 or draw(st.booleans())
        entry = {"domain": f"n{n}.example.net"}
        if has4:
            prefix = draw(st.sampled_from(V4_PREFIXES))
            v4 = ipaddress.IPv4Network((f"10.{n * 8}.0.0", prefix))
            entry.update(ipv4=str(v4), gateway4=str(v4.network_address + 1))
        if not has4 or draw(st.booleans()):
            prefix = draw(st.sampled_from(V6_PREFIXES))
            v6 = ipaddress.IPv6Network((f"2001:db8:{n}::", prefix))
            entry.update(ipv6=str(v6), gateway6=str(v6.network_address + 1))
        if draw(st.booleans()):
            entry["bridge"] = f"br{n}"
        nets[f"n{n}"] = entry
    files = {"cinv.yaml": yaml.safe_dump({
        "domain": "example.net",
        "dns": {"primary_ns": "ns1.elsewhere.org.", "hostmaster": "hostmaster.example.net.",
                "nameservers": ["ns1.elsewhere.org."]}})}
    files.update({f"networks/{k}.yaml": yaml.safe_dump(v) for k, v in nets.items()})
    used4, used6, macs = set(), set(), set()
    names = draw(st.lists(label, min_size=1, max_size=6, unique=True))
    for h, name in enumerate(names):
        ifaces = []
        for i in range(draw(st.integers(1, 3))):
            net_name = draw(st.sampled_from(sorted(nets)))
            net = nets[net_name]
            iface = {"name": f"eth{i}", "network": net_name}
            mac = draw(st.integers(0, 0xFFFFFF).filter(lambda m: m not in macs))
            macs.add(mac)
            iface["mac"] = "52:54:00:" + ":".join(f"{(mac >> s) & 255:02x}" for s in (16, 8, 0))
            if "ipv4" in net:
                v4 = ipaddress.IPv4Network(net["ipv4"])
                offset = draw(st.integers(2, v4.num_addresses - 2)
                              .filter(lambda o: int(v4.network_address) + o not in used4))
                used4.add(int(v4.network_address) + offset)
                iface["ipv4"] = str(v4.network_address + offset)
            if "ipv6" in net and draw(st.booleans()) or "ipv4" not in net:
                v6 = ipaddress.IPv6Network(net["ipv6"])
                offset = draw(st.integers(2, 1 << 40)
                              .filter(lambda o: int(v6.network_address) + o not in used6))
                used6.add(int(v6.network_address) + offset)
                iface["ipv6"] = str(v6.network_address + offset)
            aliases = draw(st.lists(label, max_size=2, unique=True))
            if aliases:
                iface["aliases"] = [f"al{h}{i}-{a}"[:63] for a in aliases]
            ifaces.append(iface)
        record = {"kind": draw(st.sampled_from(["virtual", "physical"])), "state": "active",
                  "interfaces": ifaces}
        if draw(st.booleans()):
            record["hardware"] = {"cpus": draw(st.integers(1, 8)),
                                  "memory": f"{draw(st.integers(1, 64))}GiB"}
        domain = nets[ifaces[0]["network"]]["domain"]
        files[f"hosts/{name}.{domain}.yaml"] = yaml.safe_dump(record)
    return files


def write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def problems_of(files: dict) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        return check.run(load.load_inventory(load.DirSource(write(Path(tmp), files))))


@settings(max_examples=RENDER_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inventories())
def test_accepted_inventories_render_into_files_every_checker_accepts(files):
    for tool in ("dhcpd", "kea-dhcp4", "named-checkzone", "virt-xml-validate", "dnsmasq"):
        require(tool)
    assert check.errors(problems_of(files)) == []
    tmp = Path(tempfile.mkdtemp())
    try:
        root = write(tmp / "inv", files)
        r = invoke("-C", root, "render", "--out", tmp / "out")
        assert r.code == 0, r
        check_all(tmp / "out", tmp)
    finally:
        shutil.rmtree(tmp)


# --- allocation until full ----------------------------------------------------------------------

@st.composite
def v4_networks(draw):
    prefix = draw(st.sampled_from([22, 24, 26, 28, 29, 30, 31, 32]))
    v4 = ipaddress.IPv4Network((f"10.{draw(st.integers(0, 63)) * 4}.0.0", prefix))
    first, last = int(v4.network_address), int(v4.broadcast_address)
    addr = st.integers(first, last)
    pool = draw(st.none() | st.tuples(addr, addr).map(sorted).map(tuple))
    reserved = draw(st.lists(st.tuples(addr, addr).map(sorted), max_size=3))
    gateway = draw(st.none() | addr)
    used = draw(st.sets(addr, max_size=64))
    net = Network(name="n", ipv4=v4, dhcp_pool=pool, reserved=[(4, a, b) for a, b in reserved],
                  gateway4=ipaddress.IPv4Address(gateway) if gateway is not None else None)
    return net, used


@settings(max_examples=EXAMPLES, deadline=None)
@given(v4_networks())
def test_allocating_until_full_never_hands_out_a_blocked_address(case):
    net, used = case
    v4 = net.ipv4
    blocked = set(used)
    for _, a, b in net.reserved:
        blocked.update(range(a, b + 1))
    if net.dhcp_pool:
        blocked.update(range(net.dhcp_pool[0], net.dhcp_pool[1] + 1))
    if net.gateway4 is not None:
        blocked.add(int(net.gateway4))
    if v4.prefixlen <= 30:
        blocked.update((int(v4.network_address), int(v4.broadcast_address)))
    free = {a for a in range(int(v4.network_address), int(v4.broadcast_address) + 1)
            if a not in blocked}
    handed, taken = [], set(used)
    while True:
        try:
            got = int(allocate.next_ipv4(net, taken))
        except allocate.AllocationError:
            break
        assert got not in blocked and got not in taken
        handed.append(got)
        taken.add(got)
    assert sorted(handed) == handed  # always the lowest free one
    assert set(handed) == free


# --- planted duplicates -------------------------------------------------------------------------

KINDS = ("ipv4", "ipv6", "mac", "alias", "name")


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inventories(), st.sampled_from(KINDS), st.data())
def test_check_finds_every_planted_duplicate(files, kind, data):
    hosts = sorted(rel for rel in files if rel.startswith("hosts/"))
    assume(len(hosts) >= 2)
    src_rel, dst_rel = data.draw(st.permutations(hosts))[:2]
    src, dst = yaml.safe_load(files[src_rel]), yaml.safe_load(files[dst_rel])
    donor = data.draw(st.sampled_from(src["interfaces"]))
    if kind in ("ipv4", "ipv6"):
        takers = [i for i in dst["interfaces"] if i["network"] == donor["network"]]
        assume(kind in donor and takers)
        taker = data.draw(st.sampled_from(takers))
        taker[kind] = donor[kind]
        code, value = f"duplicate-{kind}", donor[kind]
    elif kind == "mac":
        taker = data.draw(st.sampled_from(dst["interfaces"]))
        taker["mac"] = donor["mac"]
        code, value = "duplicate-mac", donor["mac"]
    else:
        taker = data.draw(st.sampled_from(dst["interfaces"]))
        # an alias equal to the other host's name, or to one of its aliases, as an FQDN
        other = src_rel[len("hosts/"):-len(".yaml")]
        if kind == "alias":
            assume(donor.get("aliases"))
            net = yaml.safe_load(files[f"networks/{donor['network']}.yaml"])
            other = f"{donor['aliases'][0]}.{net['domain']}"
        taker.setdefault("aliases", []).append(other)
        code, value = "duplicate-name", other
    files = {**files, dst_rel: yaml.safe_dump(dst)}
    found = [p for p in problems_of(files) if p.code == code and p.path == dst_rel]
    assert found, (kind, value)
    assert any(str(value) in p.message or str(value).lower() in p.message for p in found)
