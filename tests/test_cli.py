"""The CLI end to end on a temporary git inventory: every everyday command, its output, its
files and its git commits; and bad input, which must change nothing."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from conftest import PROD, Inventory, invoke, tree_snapshot, write_files

WEB1 = "web1.prod.example.com"


def host_data(inv: Inventory, fqdn: str) -> dict:
    return yaml.safe_load(inv.host_file(fqdn).read_text())


def show_json(inv: Inventory, name: str) -> dict:
    return json.loads(inv.ok("host", "show", name, "--format", "json").out)


# --- a populated inventory --------------------------------------------------------------


@pytest.fixture
def populated(inventory, tmp_path) -> Inventory:
    """prod + mgmt, hv1 (physical, MAC given, 16 cpus), web1 (virtual on hv1, tag web) and
    db1 (virtual, tag db, planned)."""
    inv = inventory
    inv.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
           "--mac", "00:25:90:00:00:01", "--cpus", "16", "--memory", "64GiB")
    inv.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod", "--parent", "hv1",
           "--cpus", "2", "--memory", "4GiB", "--disk", "20GiB", "--tag", "web")
    inv.ok("host", "add", "db1", "--kind", "virtual", "--network", "prod", "--tag", "db",
           "--state", "planned")
    return inv


def assert_unchanged(inv: Inventory, before) -> None:
    files, head = before
    after_files, after_head = inv.snapshot()
    assert after_head == head
    assert sorted(after_files) == sorted(files)
    for rel in files:
        assert after_files[rel] == files[rel], rel
    assert inv.git("status", "--porcelain") == ""


# --- init and networks --------------------------------------------------------------------

def test_init_makes_a_git_inventory(tmp_path):
    root = tmp_path / "site"
    r = invoke("init", root, "--domain", "site.example.org")
    assert r.code == 0, r
    assert f"Made inventory {root} for site.example.org." in r.out
    for rel in ("cinv.yaml", ".gitignore", "networks", "hosts", ".git"):
        assert (root / rel).exists(), rel
    settings = yaml.safe_load((root / "cinv.yaml").read_text())
    assert settings["domain"] == "site.example.org"
    assert settings["mac_prefix"] == "52:54:00"
    inv = Inventory(root)
    assert inv.subjects() == ["Create inventory for site.example.org"]
    assert inv.git("status", "--porcelain") == ""
    assert inv.git("log", "-1", "--format=%an <%ae>").strip() == "cinv <cinv@localhost>"
    r = invoke("init", root)
    assert r.code == 1 and "exists already" in r.err


def test_init_refuses_a_bad_domain(tmp_path):
    r = invoke("init", tmp_path / "x", "--domain", "bad domain")
    assert r.code == 1
    assert r.err.startswith("cinv: --domain: 'bad domain'")
    assert not (tmp_path / "x" / "cinv.yaml").exists()


def test_net_add_writes_the_record_and_commits(empty_inventory):
    inv = empty_inventory
    r = inv.ok(*PROD)
    assert r.out.splitlines()[:3] == ["name: prod", "domain: prod.example.com",
                                      "ipv4: 192.0.2.0/24"]
    assert inv.subjects()[0] == "Add network prod (192.0.2.0/24, 2001:db8:0:1::/64)"
    assert inv.commit_count() == 2
    data = yaml.safe_load(inv.read("networks/prod.yaml"))
    assert data == {"domain": "prod.example.com", "ipv4": "192.0.2.0/24",
                    "gateway4": "192.0.2.1", "ipv6": "2001:db8:0:1::/64",
                    "gateway6": "2001:db8:0:1::1", "ipv6_mode": "sequential",
                    "dhcp_pool": "192.0.2.200-192.0.2.250", "reserved": ["192.0.2.2-192.0.2.9"],
                    "vlan": 10, "bridge": "br-prod"}


def test_net_add_refuses_overlap_and_duplicates(inventory):
    before = inventory.snapshot()
    r = inventory.run("net", "add", "dmz", "--ipv4", "192.0.2.128/25")
    assert r.code == 1
    assert r.err.strip() == ("networks/dmz.yaml:1: ipv4: 192.0.2.128/25 overlaps network prod "
                             "(192.0.2.0/24)")
    r = inventory.run("net", "add", "prod", "--ipv4", "10.1.0.0/24")
    assert r.code == 1 and "network prod exists already" in r.err
    r = inventory.run("net", "add", "Bad", "--ipv4", "10.1.0.0/24")
    assert r.code == 1 and "'Bad' is not a network name" in r.err
    r = inventory.run("net", "add", "x", "--ipv4", "10.1.0.5/24")
    assert r.code == 1 and "has host bits set (did you mean 10.1.0.0/24?)" in r.err
    assert_unchanged(inventory, before)


def test_net_list(inventory):
    r = inventory.ok("net", "list")
    assert r.lines[0].split() == ["NAME", "DOMAIN", "IPV4", "IPV6", "VLAN", "BRIDGE", "HOSTS"]
    assert r.lines[1].split() == ["mgmt", "mgmt.example.com", "198.51.100.0/26", "-", "-", "-",
                                  "0"]
    assert r.lines[2].split() == ["prod", "prod.example.com", "192.0.2.0/24",
                                  "2001:db8:0:1::/64", "10", "br-prod", "0"]
    data = json.loads(inventory.ok("net", "list", "--format", "json").out)
    assert [n["name"] for n in data] == ["mgmt", "prod"]
    assert inventory.ok("net", "list", "--format", "names").out == "mgmt\nprod\n"


def test_net_show_draws_the_usage_map(populated):
    r = populated.ok("net", "show", "prod")
    lines = r.lines
    assert lines[0] == "network prod"
    assert ("IPv4 192.0.2.0/24: 3 used, 191 free, 9 reserved, 51 in the DHCP pool (of 256)"
            in lines)
    row0 = next(line for line in lines if line.strip().startswith("192.0.2.0 "))
    assert row0.split()[1].startswith("-rrrrrrrrr###.")
    row3 = next(line for line in lines if line.strip().startswith("192.0.2.192 "))
    assert row3.split()[1] == "." * 8 + "p" * 51 + "." * 4 + "-"
    assert "IPv6 2001:db8:0:1::/64: 3 used (sequential)" in lines
    data = json.loads(populated.ok("net", "show", "prod", "--format", "json").out)
    assert data["usage"]["ipv4"] == {"size": 256, "used": 3, "pool": 51, "reserved": 9,
                                     "free": 191}
    r = populated.run("net", "show", "nope")
    assert r.code == 1 and r.err.strip() == "cinv: no network 'nope' (known: mgmt, prod)"


def test_net_show_prints_the_dhcp_block_as_yaml(populated):
    """Issue 23: `dhcp:` was a Python dict repr ({'next_server': ...}); it reads as the
    network's file does."""
    populated.ok("net", "set", "prod", "dhcp.next_server=192.0.2.5",
                 "dhcp.options.ntp-servers=192.0.2.123,192.0.2.124")
    out = populated.ok("net", "show", "prod").out
    assert ("  dhcp:\n    next_server: 192.0.2.5\n    options:\n      ntp-servers:\n"
            "      - 192.0.2.123\n      - 192.0.2.124\n") in out
    assert "{" not in out


# --- host add -----------------------------------------------------------------------------

def test_host_add_virtual_allocates_everything(inventory):
    r = inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert yaml.safe_load(r.out) == {
        "name": WEB1, "kind": "virtual", "state": "active",
        "interfaces": [{"name": "eth0", "mac": "52:54:00:00:00:01", "network": "prod",
                        "ipv4": "192.0.2.10", "ipv6": "2001:db8:0:1::2"}]}
    assert inventory.subjects()[0] == (
        f"Add host {WEB1} (192.0.2.10, 2001:db8:0:1::2, 52:54:00:00:00:01)")
    assert inventory.git("show", "--stat", "--format=", "HEAD").split()[0] == \
        f"hosts/{WEB1}.yaml"
    stored = inventory.read(f"hosts/{WEB1}.yaml")
    assert "mac: '52:54:00:00:00:01'" in stored  # quoted: YAML 1.1 readers see base 60
    assert yaml.safe_load(stored)["interfaces"][0]["mac"] == "52:54:00:00:00:01"


def test_host_add_physical_with_mac(inventory):
    r = inventory.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
                     "--mac", "00-25-90-AB-CD-EF", "--cpus", "16", "--memory", "65536MiB",
                     "--disk", "1TiB", "--disk", "512GiB", "--tag", "hv", "--description",
                     "Hypervisor one")
    data = yaml.safe_load(r.out)
    assert data["name"] == "hv1.example.com"  # an FQDN keeps its own domain
    assert data["interfaces"][0]["mac"] == "00:25:90:ab:cd:ef"
    assert data["hardware"] == {"cpus": 16, "memory": "64GiB",
                                "disks": [{"size": "1TiB"}, {"size": "512GiB"}]}
    assert data["tags"] == ["hv"] and data["description"] == "Hypervisor one"
    assert inventory.subjects()[0] == (
        "Add host hv1.example.com (192.0.2.10, 2001:db8:0:1::2, 00:25:90:ab:cd:ef)")


def test_host_add_physical_without_mac_has_none(inventory):
    data = yaml.safe_load(inventory.ok("host", "add", "sw1", "--kind", "physical",
                                       "--network", "mgmt").out)
    assert data["name"] == "sw1.mgmt.example.com"
    assert "mac" not in data["interfaces"][0]
    assert data["interfaces"][0]["ipv4"] == "198.51.100.2"
    assert "ipv6" not in data["interfaces"][0]  # mgmt has no IPv6


def test_host_add_without_network_gets_the_default_domain(inventory):
    data = yaml.safe_load(inventory.ok("host", "add", "db9", "--kind", "physical").out)
    assert data == {"name": "db9.example.com", "kind": "physical", "state": "active"}
    assert inventory.subjects()[0] == "Add host db9.example.com"


def test_host_add_patterns_take_the_lowest_free_number(inventory):
    names = []
    for _ in range(3):
        r = inventory.ok("host", "add", "vm{n:03}", "--kind", "virtual", "--network", "prod")
        names.append(yaml.safe_load(r.out)["name"])
    assert names == [f"vm00{n}.prod.example.com" for n in (1, 2, 3)]
    inventory.ok("host", "rm", "vm002.prod.example.com")
    r = inventory.ok("host", "add", "vm{n:03}", "--kind", "virtual", "--network", "prod")
    assert yaml.safe_load(r.out)["name"] == "vm002.prod.example.com"


def test_host_add_given_ipv4_and_no_ipv6(inventory):
    r = inventory.ok("host", "add", "web5", "--kind", "virtual", "--network", "prod",
                     "--ipv4", "192.0.2.55", "--ipv6", "none")
    iface = yaml.safe_load(r.out)["interfaces"][0]
    assert iface["ipv4"] == "192.0.2.55" and "ipv6" not in iface
    assert inventory.subjects()[0] == (
        "Add host web5.prod.example.com (192.0.2.55, 52:54:00:00:00:01)")
    r = inventory.ok("host", "add", "web6", "--kind", "virtual", "--network", "prod",
                     "--ipv4", "none", "--ipv6", "2001:db8:0:1::66")
    iface = yaml.safe_load(r.out)["interfaces"][0]
    assert iface["ipv6"] == "2001:db8:0:1::66" and "ipv4" not in iface


def test_host_add_eui64(inventory):
    inventory.ok("net", "add", "lab", "--ipv4", "203.0.113.0/24", "--ipv6", "2001:db8:0:5::/64",
                 "--ipv6-mode", "eui64", "--domain", "lab.example.com")
    r = inventory.ok("host", "add", "box", "--kind", "physical", "--network", "lab",
                     "--mac", "52:54:00:3a:00:01")
    assert yaml.safe_load(r.out)["interfaces"][0]["ipv6"] == "2001:db8:0:5:5054:ff:fe3a:1"
    r = inventory.ok("host", "add", "vm{n}", "--kind", "virtual", "--network", "lab")
    assert yaml.safe_load(r.out)["interfaces"][0]["ipv6"] == "2001:db8:0:5:5054:ff:fe00:1"
    before = inventory.snapshot()
    r = inventory.run("host", "add", "nomac", "--kind", "physical", "--network", "lab")
    assert r.code == 1 and "derives IPv6 from the MAC (eui64)" in r.err
    assert_unchanged(inventory, before)


def test_retired_hosts_free_their_addresses(populated):
    """Free for `auto` again once the hold time is over (0 days here); see test_hold.py."""
    settings = populated.read("cinv.yaml").replace("hold_days: 7", "hold_days: 0")
    (populated.root / "cinv.yaml").write_text(settings)
    populated.git("commit", "-qam", "no hold time")
    populated.ok("host", "state", "db1", "retired")
    r = populated.ok("host", "add", "db2", "--kind", "virtual", "--network", "prod")
    iface = yaml.safe_load(r.out)["interfaces"][0]
    old = host_data(populated, "db1.prod.example.com")["interfaces"][0]
    assert (iface["ipv4"], iface["mac"]) == (old["ipv4"], old["mac"])
    assert populated.problems() == []


# --- host list and show -------------------------------------------------------------------

def test_host_list_table(populated):
    r = populated.ok("host", "list")
    assert r.lines[0].split() == ["NAME", "KIND", "STATE", "IPV4", "IPV6", "MAC", "PARENT",
                                  "TAGS"]
    assert [line.split()[0] for line in r.lines[1:]] == [
        "db1.prod.example.com", "hv1.example.com", WEB1]
    assert r.lines[3].split() == [WEB1, "virtual", "active", "192.0.2.11", "2001:db8:0:1::3",
                                  "52:54:00:00:00:01", "hv1.example.com", "web"]


@pytest.mark.parametrize("args, names", [
    ((), ["db1.prod.example.com", "hv1.example.com", WEB1]),
    (("--kind", "physical"), ["hv1.example.com"]),
    (("--kind", "virtual"), ["db1.prod.example.com", WEB1]),
    (("--state", "planned"), ["db1.prod.example.com"]),
    (("--state", "maintenance"), []),
    (("--tag", "web"), [WEB1]),
    (("--tag", "web", "--tag", "db"), []),
    (("--network", "prod"), ["db1.prod.example.com", "hv1.example.com", WEB1]),
    (("--network", "mgmt"), []),
    (("--parent", "hv1"), [WEB1]),
    (("--parent", "hv1.example.com", "--kind", "physical"), []),
])
def test_host_list_filters(populated, args, names):
    r = populated.ok("host", "list", *args, "--format", "names")
    assert r.out.splitlines() == names


def test_host_list_retired_only_with_all(populated):
    populated.ok("host", "state", "db1", "retired")
    assert "db1.prod.example.com" not in populated.ok("host", "list", "--format", "names").out
    assert populated.ok("host", "list", "--all", "--format", "names").out.splitlines() == [
        "db1.prod.example.com", "hv1.example.com", WEB1]
    assert populated.ok("host", "list", "--state", "retired",
                        "--format", "names").out == "db1.prod.example.com\n"


def test_host_list_formats(populated):
    data = json.loads(populated.ok("host", "list", "--format", "json").out)
    assert isinstance(data, list) and [h["name"] for h in data] == [
        "db1.prod.example.com", "hv1.example.com", WEB1]
    web = data[2]
    assert web["parent"] == "hv1.example.com" and web["hardware"]["memory"] == "4GiB"
    assert web["interfaces"][0]["mac"] == "52:54:00:00:00:01"
    assert yaml.safe_load(populated.ok("host", "list", "--format", "yaml").out) == data
    names = populated.ok("host", "list", "--format", "names").out
    assert names == "db1.prod.example.com\nhv1.example.com\nweb1.prod.example.com\n"


def test_host_list_unknown_filter_values(populated):
    r = populated.run("host", "list", "--network", "nope")
    assert r.code == 1 and "no network 'nope'" in r.err
    r = populated.run("host", "list", "--parent", "nope")
    assert r.code == 1 and "no host 'nope'" in r.err


def test_host_show(populated):
    data = show_json(populated, "web1")
    assert data == {
        "name": WEB1, "kind": "virtual", "state": "active", "tags": ["web"],
        "parent": "hv1.example.com",
        "hardware": {"cpus": 2, "memory": "4GiB", "disks": [{"size": "20GiB"}]},
        "interfaces": [{"name": "eth0", "mac": "52:54:00:00:00:01", "network": "prod",
                        "ipv4": "192.0.2.11", "ipv6": "2001:db8:0:1::3"}]}
    assert yaml.safe_load(populated.ok("host", "show", WEB1).out) == data
    r = populated.run("host", "show", "nope")
    assert r.code == 1 and r.err.strip() == "cinv: no host 'nope' in the inventory"


# --- host set -----------------------------------------------------------------------------

def test_host_set_dotted_keys(populated):
    head = populated.head()
    r = populated.ok("host", "set", "web1", "hardware.memory=8GiB",
                     "interfaces.eth0.ipv4=192.0.2.77", "description=Web front",
                     "tags=[web, customer-a]")
    data = yaml.safe_load(r.out)
    assert data["hardware"]["memory"] == "8GiB"
    assert data["interfaces"][0]["ipv4"] == "192.0.2.77"
    assert data["description"] == "Web front"
    assert data["tags"] == ["web", "customer-a"]
    assert host_data(populated, WEB1)["hardware"]["memory"] == "8GiB"
    assert populated.git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert populated.subjects()[0] == (
        f"Change host {WEB1}: description: (none) -> Web front; tags: +customer-a; "
        "hardware.memory: 4GiB -> 8GiB; interfaces.eth0.ipv4: 192.0.2.11 -> 192.0.2.77")


def test_host_set_empty_value_removes(populated):
    populated.ok("host", "set", "web1", "description=temporary")
    r = populated.ok("host", "set", "web1", "description=", "hardware.disks=")
    data = yaml.safe_load(r.out)
    assert "description" not in data and "disks" not in data["hardware"]
    assert "description" not in host_data(populated, WEB1)


def test_host_set_same_value_makes_no_commit(populated):
    head = populated.head()
    r = populated.ok("host", "set", "web1", "hardware.memory=4GiB")
    assert yaml.safe_load(r.out)["hardware"]["memory"] == "4GiB"
    assert populated.head() == head
    assert populated.git("status", "--porcelain") == ""


@pytest.mark.parametrize("assignment, culprit", [
    ("hardware.memory=lots", "hardware.memory: 'lots' is not a size"),
    ("interfaces.eth0.ipv4=10.0.0.1", "10.0.0.1 is outside network prod"),
    ("interfaces.eth0.ipv4=192.0.2.10", "IPv4 address 192.0.2.10 is also held by"),
    ("interfaces.eth0.mac=01:00:5e:00:00:01", "is a multicast address"),
    ("interfaces.eth0.network=nope", "unknown network 'nope'"),
    ("kind=container", "kind: 'container' is not one of physical, virtual"),
    ("state=broken", "from active the legal ones are: maintenance, provisioning, retired"),
    ("state=planned", "state: active -> planned is not a legal transition"),
    ("state=", "state: active -> (unset) is not a legal transition"),
    ("colour=red", "colour: unknown key"),
    ("interfaces.eth9.ipv4=192.0.2.99", "no item 'eth9'"),
    ("name=other.example.com", "a host's name is its file name"),
    ("parent=web1.prod.example.com", "cannot be its own parent"),
    ("nokey", "expected KEY=VALUE"),
])
def test_host_set_invalid_value_refused(populated, assignment, culprit):
    before = populated.snapshot()
    r = populated.run("host", "set", "web1", assignment)
    assert r.code == 1, r
    assert culprit in r.err
    assert len(r.err.strip().splitlines()) == 1, r.err
    assert "Traceback" not in r.out + r.err
    assert_unchanged(populated, before)


# --- host state ---------------------------------------------------------------------------

def test_host_state_lifecycle(populated):
    steps = [("db1", "provisioning"), ("db1", "active"), ("db1", "maintenance"),
             ("db1", "active"), ("db1", "retired"), ("db1", "planned")]
    for name, state in steps:
        head = populated.head()
        r = populated.ok("host", "state", name, state)
        assert r.out == f"db1.prod.example.com: {state}\n"
        assert host_data(populated, "db1.prod.example.com")["state"] == state
        assert populated.git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert populated.subjects()[0] == "Move host db1.prod.example.com from retired to planned"


@pytest.mark.parametrize("name, state, legal", [
    ("web1", "planned", "from active the legal ones are: maintenance, provisioning, retired"),
    ("db1", "active", "from planned the legal ones are: provisioning, retired"),
    ("db1", "maintenance", "from planned the legal ones are: provisioning, retired"),
])
def test_host_state_illegal_transition(populated, name, state, legal):
    before = populated.snapshot()
    r = populated.run("host", "state", name, state)
    assert r.code == 1
    assert r.err.startswith("cinv: ") and legal in r.err and "not a legal transition" in r.err
    assert_unchanged(populated, before)


def test_host_state_retired_only_to_planned(populated):
    populated.ok("host", "state", "db1", "retired")
    r = populated.run("host", "state", "db1", "active")
    assert r.code == 1 and "from retired the legal ones are: planned" in r.err


def test_host_set_state_follows_the_lifecycle(populated):
    r = populated.ok("host", "set", "web1", "state=maintenance")
    assert yaml.safe_load(r.out)["state"] == "maintenance"
    populated.ok("host", "set", "web1", "state=maintenance")  # unchanged: allowed


def test_host_state_same_state_is_a_no_op(populated):
    head = populated.head()
    populated.ok("host", "state", "web1", "active")
    assert populated.head() == head


# --- host rm ------------------------------------------------------------------------------

def test_host_rm(populated):
    r = populated.ok("host", "rm", "db1")
    assert r.out == "Removed db1.prod.example.com (hosts/db1.prod.example.com.yaml).\n"
    assert not populated.host_file("db1.prod.example.com").exists()
    assert populated.subjects()[0] == "Remove host db1.prod.example.com"
    assert populated.git("status", "--porcelain") == ""
    assert "hosts/db1.prod.example.com.yaml" not in populated.git("ls-files")


def test_host_rm_refuses_a_parent(populated):
    before = populated.snapshot()
    r = populated.run("host", "rm", "hv1.example.com")
    assert r.code == 1
    assert r.err.strip() == (f"cinv: hv1.example.com is the parent of {WEB1}; move or remove "
                             "those first")
    assert_unchanged(populated, before)


# --- interfaces ---------------------------------------------------------------------------

def test_iface_add_and_rm(populated):
    r = populated.ok("iface", "add", "hv1.example.com", "--network", "mgmt", "--name", "bmc",
                     "--mac", "00:25:90:00:00:02")
    ifaces = yaml.safe_load(r.out)["interfaces"]
    assert [i["name"] for i in ifaces] == ["eth0", "bmc"]
    assert ifaces[1] == {"name": "bmc", "mac": "00:25:90:00:00:02", "network": "mgmt",
                         "ipv4": "198.51.100.2"}
    assert populated.subjects()[0] == (
        "Add interface bmc to host hv1.example.com (198.51.100.2, 00:25:90:00:00:02)")
    r = populated.ok("iface", "add", "web1", "--network", "mgmt")
    ifaces = yaml.safe_load(r.out)["interfaces"]
    assert ifaces[1]["name"] == "eth1" and ifaces[1]["mac"] == "52:54:00:00:00:03"
    head = populated.head()
    populated.ok("iface", "rm", "hv1.example.com", "bmc")
    assert [i["name"] for i in host_data(populated, "hv1.example.com")["interfaces"]] == ["eth0"]
    assert populated.subjects()[0] == (
        "Remove interface bmc from host hv1.example.com (198.51.100.2, 00:25:90:00:00:02)")
    assert populated.git("rev-list", "--count", f"{head}..HEAD").strip() == "1"
    assert populated.problems() == []


@pytest.mark.parametrize("args, culprit", [
    (("iface", "add", "web1", "--network", "mgmt", "--name", "eth0"),
     "already has an interface eth0"),
    (("iface", "add", "web1", "--network", "mgmt", "--name", "Bad_If"),
     "'Bad_If' is not an interface name"),
    (("iface", "add", "web1", "--network", "nope"), "no network 'nope'"),
    (("iface", "add", "nope", "--network", "mgmt"), "no host 'nope'"),
    (("iface", "rm", "web1", "eth7"), "has no interface 'eth7' (it has: eth0)"),
])
def test_iface_bad_input(populated, args, culprit):
    before = populated.snapshot()
    r = populated.run(*args)
    assert r.code == 1 and culprit in r.err, r
    assert len(r.err.strip().splitlines()) == 1
    assert_unchanged(populated, before)


# --- check on a CLI-made inventory --------------------------------------------------------

def test_check_on_a_cli_made_inventory(populated):
    r = populated.ok("check")
    assert r.out == "3 hosts, 2 networks: 0 errors, 0 warnings\n"
    assert r.err == ""
    data = json.loads(populated.ok("check", "--format", "json").out)
    assert data == {"errors": 0, "warnings": 0, "hosts": 3, "networks": 2, "problems": []}


def test_check_finds_a_hand_edit(populated):
    path = populated.host_file("db1.prod.example.com")
    path.write_text(path.read_text().replace("ipv4: 192.0.2.12", "ipv4: 192.0.2.11"))
    r = populated.run("check")
    assert r.code == 1
    assert r.out.splitlines() == [
        "hosts/db1.prod.example.com.yaml:9: interfaces[0].ipv4: IPv4 address 192.0.2.11 is "
        f"also held by hosts/{WEB1}.yaml:15",
        f"hosts/{WEB1}.yaml:15: interfaces[0].ipv4: IPv4 address 192.0.2.11 is also held by "
        "hosts/db1.prod.example.com.yaml:9",
        "3 hosts, 2 networks: 2 errors, 0 warnings"]
    data = json.loads(populated.run("check", "--format", "json").out)
    assert data["errors"] == 2


# --- git: one commit per change, --no-commit, no git, no identity, --ref ------------------

def test_one_commit_per_change(inventory):
    start = inventory.commit_count()
    inventory.ok("host", "add", "hv1.example.com", "--kind", "physical", "--network", "prod",
                 "--mac", "00:25:90:00:00:01")
    inventory.ok("host", "add", "vm{n:03}", "--kind", "virtual", "--network", "prod",
                 "--parent", "hv1")
    inventory.ok("host", "set", "vm001", "hardware.cpus=2")
    inventory.ok("host", "state", "vm001", "maintenance")
    inventory.ok("iface", "add", "hv1.example.com", "--network", "mgmt", "--name", "bmc")
    inventory.ok("iface", "rm", "hv1.example.com", "bmc")
    inventory.ok("host", "rm", "vm001")
    assert inventory.commit_count() == start + 7
    assert inventory.subjects()[:7] == [
        "Remove host vm001.prod.example.com",
        "Remove interface bmc from host hv1.example.com (198.51.100.2)",
        "Add interface bmc to host hv1.example.com (198.51.100.2)",
        "Move host vm001.prod.example.com from active to maintenance",
        "Change host vm001.prod.example.com: hardware.cpus: (none) -> 2",
        "Add host vm001.prod.example.com (192.0.2.11, 2001:db8:0:1::3, 52:54:00:00:00:01)",
        "Add host hv1.example.com (192.0.2.10, 2001:db8:0:1::2, 00:25:90:00:00:01)",
    ]
    for sha in inventory.git("rev-list", "HEAD").split():
        files = inventory.git("show", "--format=", "--name-only", sha).split()
        assert len(files) >= 1
    assert inventory.git("status", "--porcelain") == ""


def test_no_commit_option(inventory):
    head = inventory.head()
    r = inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                     "--no-commit")
    assert yaml.safe_load(r.out)["name"] == WEB1
    assert inventory.head() == head
    assert inventory.host_file(WEB1).exists()
    assert inventory.git("status", "--porcelain").strip() == f"?? hosts/{WEB1}.yaml"
    inventory.ok("host", "set", "web1", "hardware.cpus=4", "--no-commit")
    inventory.ok("net", "add", "dmz", "--ipv4", "10.9.0.0/24", "--no-commit")
    assert inventory.head() == head


def test_auto_commit_off_in_settings(inventory):
    (inventory.root / "cinv.yaml").write_text(inventory.read("cinv.yaml")
                                              + "git:\n  auto_commit: false\n")
    inventory.git("commit", "-qam", "turn auto-commit off")
    head = inventory.head()
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert inventory.head() == head and inventory.host_file(WEB1).exists()


def test_outside_git_works_and_commits_nothing(tmp_path, base_files):
    root = write_files(tmp_path / "plain", base_files)
    inv = Inventory(root)
    r = inv.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    assert yaml.safe_load(r.out)["interfaces"][0]["ipv4"] == "192.0.2.12"
    inv.ok("host", "set", "web2", "hardware.cpus=2")
    inv.ok("host", "state", "web2", "maintenance")
    inv.ok("host", "rm", "web2")
    inv.ok("check")
    assert not (root / ".git").exists()


def test_commit_without_any_git_identity(inventory, hermetic_git):
    # the autouse fixture gives an empty HOME, no system config and no GIT_* identity
    assert not any(hermetic_git.iterdir())
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert inventory.git("log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == \
        "cinv <cinv@localhost>|cinv <cinv@localhost>"


def test_commit_uses_a_configured_identity(inventory):
    inventory.git("config", "user.name", "Ada Admin")
    inventory.git("config", "user.email", "ada@example.com")
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert inventory.git("log", "-1", "--format=%an <%ae>").strip() == \
        "Ada Admin <ada@example.com>"


def test_commit_does_not_sweep_in_other_changes(inventory):
    (inventory.root / "notes.txt").write_text("mine\n")
    inventory.git("add", "notes.txt")
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    assert inventory.git("show", "--format=", "--name-only", "HEAD").split() == [
        f"hosts/{WEB1}.yaml"]
    assert inventory.git("status", "--porcelain").strip() == "A  notes.txt"


@pytest.mark.parametrize("args", [
    ("host", "add", "web9", "--kind", "virtual", "--network", "prod"),
    ("host", "set", "web1", "hardware.cpus=8"),
    ("host", "state", "web1", "maintenance"),
    ("host", "rm", "db1"),
    ("iface", "add", "web1", "--network", "mgmt"),
    ("iface", "rm", "web1", "eth0"),
    ("net", "add", "dmz", "--ipv4", "10.9.0.0/24"),
])
def test_ref_is_refused_by_writing_commands(populated, args):
    before = populated.snapshot()
    r = invoke("-C", populated.root, "--ref", "HEAD", *args)
    assert r.code == 1
    assert "--ref only reads" in r.err and len(r.err.strip().splitlines()) == 1
    assert_unchanged(populated, before)


def test_ref_reads_an_older_state(populated):
    populated.ok("host", "rm", "db1")
    r = invoke("-C", populated.root, "--ref", "HEAD~1", "host", "list", "--format", "names")
    assert r.code == 0 and "db1.prod.example.com" in r.out.split()
    r = invoke("-C", populated.root, "--ref", "no-such-ref", "host", "list")
    assert r.code == 1 and "no such branch, tag or commit" in r.err


# --- bad input: exit 1, one line naming the culprit, nothing changed ----------------------

BAD_INPUT = {
    "name with space": (("host", "add", "web 2", "--kind", "virtual", "--network", "prod"),
                        "'web 2"),
    "name with ;": (("host", "add", "web;2", "--kind", "virtual", "--network", "prod"),
                    "web;2"),
    "name with }": (("host", "add", "web}", "--kind", "virtual", "--network", "prod"),
                    "'web}'"),
    "name with quote": (("host", "add", "we'b", "--kind", "virtual", "--network", "prod"),
                        "we'b"),
    "name with double quote": (("host", "add", 'we"b', "--kind", "virtual", "--network",
                                "prod"), 'we"b'),
    "name with newline": (("host", "add", "we\nb", "--kind", "virtual", "--network", "prod"),
                          "we\\nb"),
    "name trailing newline": (("host", "add", "web2\n", "--kind", "virtual", "--network",
                               "prod"), "web2\\n"),
    "unicode name": (("host", "add", "wéb", "--kind", "virtual", "--network", "prod"), "wéb"),
    "name with ..": (("host", "add", "web..example.com", "--kind", "physical"),
                     "web..example.com"),
    "name with /": (("host", "add", "../etc/passwd", "--kind", "physical"), "../etc/passwd"),
    "label over 63": (("host", "add", "a" * 64, "--kind", "physical"),
                      "longer than 63 characters"),
    "name over 253": (("host", "add", ".".join(["a" * 60] * 5), "--kind", "physical"),
                      "longer than 253 characters"),
    "multicast MAC": (("host", "add", "hw2", "--kind", "physical", "--network", "prod", "--mac",
                       "01:00:5e:00:00:01"), "01:00:5e:00:00:01 is a multicast address"),
    "broadcast MAC": (("host", "add", "hw2", "--kind", "physical", "--network", "prod", "--mac",
                       "ff:ff:ff:ff:ff:ff"), "ff:ff:ff:ff:ff:ff is the broadcast address"),
    "all-zero MAC": (("host", "add", "hw2", "--kind", "physical", "--network", "prod", "--mac",
                      "00:00:00:00:00:00"), "00:00:00:00:00:00 is all zeros"),
    "garbage MAC": (("host", "add", "hw2", "--kind", "physical", "--network", "prod", "--mac",
                     "zz:zz"), "'zz:zz' is not a MAC address"),
    "address outside network": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                                 "--ipv4", "10.0.0.5"), "10.0.0.5 is outside network prod"),
    "gateway address": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                         "--ipv4", "192.0.2.1"), "192.0.2.1 is the gateway"),
    "garbage address": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                         "--ipv4", "192.0.2.999"), "'192.0.2.999' is not an IPv4 address"),
    "IPv6 outside": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                      "--ipv6", "2001:db8:9::1"), "2001:db8:9::1 is outside network prod"),
    "address without network": (("host", "add", "web2", "--kind", "physical", "--ipv4",
                                 "192.0.2.50"), "need --network"),
    "bad size": (("host", "add", "web2", "--kind", "virtual", "--memory", "4GB"), "'4GB'"),
    "bad disk size": (("host", "add", "web2", "--kind", "virtual", "--disk", "big"), "'big'"),
    "bad tag": (("host", "add", "web2", "--kind", "virtual", "--tag", "a b"),
                "'a b' is not a tag"),
    "bad description": (("host", "add", "web2", "--kind", "virtual", "--description",
                         "two\nlines"), "control character or newline"),
    "unknown network": (("host", "add", "web2", "--kind", "virtual", "--network", "nope"),
                        "no network 'nope' (known: mgmt, prod)"),
    "unknown parent": (("host", "add", "web2", "--kind", "virtual", "--parent", "nope"),
                       "no host 'nope'"),
    "duplicate IPv4": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                        "--ipv4", "192.0.2.11"), "192.0.2.11 is already held"),
    "duplicate IPv6": (("host", "add", "web2", "--kind", "virtual", "--network", "prod",
                        "--ipv6", "2001:db8:0:1::3"), "2001:db8:0:1::3 is already held"),
    "duplicate MAC": (("host", "add", "hw2", "--kind", "physical", "--network", "prod", "--mac",
                       "00:25:90:00:00:01"), "00:25:90:00:00:01 is already held"),
    "duplicate MAC other spelling": (("host", "add", "hw2", "--kind", "physical", "--network",
                                      "prod", "--mac", "0025.9000.0001"),
                                     "00:25:90:00:00:01 is already held"),
    "duplicate name": (("host", "add", "web1", "--kind", "virtual", "--network", "prod"),
                       f"host {WEB1} exists already"),
    "duplicate name upper case": (("host", "add", "WEB1.prod.example.com", "--kind", "virtual"),
                                  f"host {WEB1} exists already"),
    "unknown host to set": (("host", "set", "nope", "hardware.cpus=2"), "no host 'nope'"),
    "unknown host to rm": (("host", "rm", "nope"), "no host 'nope'"),
    "unknown host state": (("host", "state", "nope", "active"), "no host 'nope'"),
    "bad network name": (("net", "add", "bad;net", "--ipv4", "10.9.0.0/24"), "'bad;net'"),
    "bad network prefix": (("net", "add", "dmz", "--ipv4", "10.9.0.0/33"), "'10.9.0.0/33'"),
    "bad gateway": (("net", "add", "dmz", "--ipv4", "10.9.0.0/24", "--gateway4", "10.8.0.1"),
                    "gateway4: 10.8.0.1 is outside 10.9.0.0/24"),
    "bad pool": (("net", "add", "dmz", "--ipv4", "10.9.0.0/24", "--dhcp-pool", "10.9.0.9-10.9.0.1"),
                 "ends before it starts"),
    "bad domain": (("net", "add", "dmz", "--ipv4", "10.9.0.0/24", "--domain", "a b"), "'a b'"),
}


@pytest.mark.parametrize("args, culprit", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_changes_nothing(populated, args, culprit):
    before = populated.snapshot()
    r = populated.run(*args)
    assert r.code == 1, r
    assert "Traceback" not in r.out + r.err
    lines = r.err.strip("\n").splitlines()
    assert len(lines) == 1 and lines[0].strip(), r
    assert culprit in lines[0], r
    assert r.out == ""
    assert_unchanged(populated, before)


def test_leading_hyphen_name_is_refused(populated):
    """'-web' looks like an option to click (usage error); after -- it is a bad name."""
    before = populated.snapshot()
    r = populated.run("host", "add", "--kind", "physical", "--", "-web")
    assert r.code == 1 and "'-web'" in r.err and len(r.err.strip().splitlines()) == 1, r
    assert_unchanged(populated, before)


def test_full_network(inventory):
    inventory.ok("net", "add", "tiny", "--ipv4", "203.0.113.0/30", "--domain", "t.example.com")
    inventory.ok("host", "add", "a", "--kind", "virtual", "--network", "tiny")
    inventory.ok("host", "add", "b", "--kind", "virtual", "--network", "tiny")
    before = inventory.snapshot()
    r = inventory.run("host", "add", "c", "--kind", "virtual", "--network", "tiny")
    assert r.code == 1
    assert r.err.strip() == "cinv: network tiny (203.0.113.0/30) has no free IPv4 address left"
    assert_unchanged(inventory, before)
    r = inventory.run("iface", "add", "a", "--network", "tiny")
    assert r.code == 1 and "has no free IPv4 address left" in r.err
    assert_unchanged(inventory, before)


def test_exhausted_mac_prefix(inventory):
    text = inventory.read("cinv.yaml").replace('"52:54:00"', '"52:54:00:00:00"').replace(
        "'52:54:00'", "'52:54:00:00:00'")
    assert "52:54:00:00:00" in text
    (inventory.root / "cinv.yaml").write_text(text)
    inventory.git("commit", "-qam", "a tiny MAC prefix")
    inventory.ok("net", "add", "big", "--ipv4", "10.0.0.0/16", "--domain", "big.example.com")
    hosts = "".join(f"  - name: e{n}\n    mac: '52:54:00:00:00:{n:02x}'\n    network: big\n"
                    for n in range(1, 255))
    (inventory.root / "hosts" / "many.example.com.yaml").write_text(
        "kind: virtual\ninterfaces:\n" + hosts)
    inventory.git("add", "hosts")
    inventory.git("commit", "-qm", "254 MACs")
    inventory.ok("host", "add", "last", "--kind", "virtual", "--network", "big")
    assert host_data(inventory, "last.big.example.com")["interfaces"][0]["mac"] == \
        "52:54:00:00:00:ff"
    before = inventory.snapshot()
    r = inventory.run("host", "add", "more", "--kind", "virtual", "--network", "big")
    assert r.code == 1
    assert r.err.strip() == "cinv: the MAC prefix 52:54:00:00:00 has no free address left"
    assert_unchanged(inventory, before)


@pytest.mark.parametrize("args", [
    ("host", "add", "web2"),                                       # --kind missing
    ("host", "add", "web2", "--kind", "container"),
    ("host", "add", "web2", "--kind", "virtual", "--cpus", "0"),
    ("host", "add", "web2", "--kind", "virtual", "--state", "broken"),
    ("host", "state", "web1", "broken"),
    ("host", "list", "--format", "xml"),
    ("host", "frobnicate"),
    ("host", "add", "--kind", "physical", "-web"),
    ("--no-such-option",),
    ("host", "set", "web1"),                                      # no KEY=VALUE
])
def test_usage_errors_exit_2(populated, args):
    before = populated.snapshot()
    r = populated.run(*args)
    assert r.code == 2, r
    assert "Traceback" not in r.out + r.err
    assert "Error" in r.err
    assert_unchanged(populated, before)


def test_not_an_inventory(tmp_path):
    r = invoke("-C", tmp_path, "host", "list")
    assert r.code == 1
    assert r.err.strip() == (f"cinv: {tmp_path}: not an inventory (no cinv.yaml); run "
                             f"`cinv init {tmp_path}` to make one")


def test_broken_record_blocks_no_unrelated_read(populated):
    """A hand-broken file makes changes that would add errors fail, but reading still works."""
    bad = populated.root / "hosts" / "broken.example.com.yaml"
    bad.write_text("kind: [virtual\n")
    r = populated.ok("host", "list", "--format", "names")
    assert WEB1 in r.out
    r = populated.run("check")
    assert r.code == 1 and "hosts/broken.example.com.yaml:2: malformed YAML" in r.out


def test_subprocess_entry_point(populated, run_cinv_process):
    r = run_cinv_process("-C", populated.root, "host", "show", "web1", "--format", "json")
    assert r.code == 0 and json.loads(r.out)["name"] == WEB1
    r = run_cinv_process("-C", populated.root, "host", "add", "web 2", "--kind", "physical")
    assert r.code == 1 and r.err.startswith("cinv: name: 'web 2") and "Traceback" not in r.err
    r = run_cinv_process("-C", populated.root, "host", "add")
    assert r.code == 2


def test_tree_snapshot_sees_changes(populated):
    """The helper the bad-input tests rely on must notice a change."""
    before = tree_snapshot(populated.root)
    populated.ok("host", "set", "web1", "hardware.cpus=3", "--no-commit")
    assert tree_snapshot(populated.root) != before


def test_copy_of_an_inventory_is_independent(populated, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(populated.root, copy)
    other = Inventory(copy)
    other.ok("host", "rm", "db1")
    assert populated.host_file("db1.prod.example.com").exists()
    assert subprocess.run(["git", "-C", str(copy), "fsck"], capture_output=True).returncode == 0
