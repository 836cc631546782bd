"""Ansible: the rendered inventory file and `cinv export ansible --list / --host` (the dynamic
inventory protocol) read by the real ansible-inventory, inventory-wide and group vars from
cinv.yaml and the networks, ansible_host as address or FQDN, hardware vars for every kind."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkers import require

REPO = Path(__file__).resolve().parents[1]
WRAPPER = REPO / "examples" / "ansible" / "cinv-inventory"

SETTINGS = """ansible:
  vars: {ntp_server: 192.0.2.123, site: {name: zrh1}}
  group_vars:
    tag_web: {http_port: 8080}
    network_prod: {mtu: 9000}
    webservers: {note: a group cinv does not make}
"""


def cinv_bin() -> str:
    found = shutil.which("cinv", path=str(Path(sys.executable).parent)) or shutil.which("cinv")
    assert found, "the cinv console script is not installed next to this Python"
    return found


def ansible_inventory(tmp: Path, source: Path, *args: str, env: dict | None = None) -> dict:
    tool = require("ansible-inventory")
    full = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
            "ANSIBLE_HOME": str(tmp / "ansible"), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
            "ANSIBLE_NOCOLOR": "1", **(env or {})}
    proc = subprocess.run([tool, "-i", str(source), *args], capture_output=True, text=True,
                          env=full, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "[WARNING]" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def site(inventory):
    """web1 and web2 (tag web) on prod, a hypervisor with recorded hardware, a physical box
    without, and cinv.yaml's ansible vars."""
    inventory.ok("host", "add", "hv1", "--kind", "physical", "--network", "mgmt", "--mac",
                 "0c:c4:7a:00:00:01", "--cpus", "32", "--memory", "128GiB", "--disk", "2TiB")
    for name in ("web1", "web2"):
        inventory.ok("host", "add", name, "--kind", "virtual", "--network", "prod", "--tag",
                     "web", "--parent", "hv1", "--cpus", "2", "--memory", "4GiB")
    inventory.ok("host", "add", "box", "--kind", "physical", "--network", "mgmt", "--mac",
                 "00:16:3e:00:00:02")
    settings = inventory.root / "cinv.yaml"
    settings.write_text(settings.read_text() + SETTINGS)
    return inventory


def test_dynamic_inventory_is_the_rendered_file_for_ansible(site, tmp_path):
    out = tmp_path / "out"
    site.ok("render", "ansible", "--out", out)
    # --export: groups with their own vars, as the source gives them (not merged into hosts)
    from_file = ansible_inventory(tmp_path, out / "ansible" / "inventory.yaml", "--list",
                                  "--export")
    env = {"CINV": cinv_bin(), "CINV_INVENTORY": str(site.root)}
    from_script = ansible_inventory(tmp_path, WRAPPER, "--list", "--export", env=env)
    assert from_script == from_file
    hostvars = from_script["_meta"]["hostvars"]
    assert sorted(hostvars) == ["box.mgmt.example.com", "hv1.mgmt.example.com",
                                "web1.prod.example.com", "web2.prod.example.com"]
    assert sorted(from_script["tag_web"]["hosts"]) == ["web1.prod.example.com",
                                                      "web2.prod.example.com"]
    assert from_script["parent_hv1_mgmt_example_com"]["hosts"] == [
        "web1.prod.example.com", "web2.prod.example.com"]
    # what a play sees for one host: all's vars, its groups' vars, then its own
    web1 = ansible_inventory(tmp_path, WRAPPER, "--host", "web1.prod.example.com", env=env)
    assert web1["ntp_server"] == "192.0.2.123" and web1["site"] == {"name": "zrh1"}
    assert web1["http_port"] == 8080 and web1["mtu"] == 9000
    assert web1["cinv_network"]["gateway4"] == "192.0.2.1"
    assert web1["cinv_network"]["ipv6"] == "2001:db8:0:1::/64"
    assert web1["cinv_networks"]["mgmt"]["ipv4"] == "198.51.100.0/26"
    assert web1["ansible_host"] == "192.0.2.10"
    assert "http_port" not in ansible_inventory(tmp_path, WRAPPER, "--host",
                                                "hv1.mgmt.example.com", env=env)
    assert from_script["webservers"]["vars"] == {"note": "a group cinv does not make"}


def test_export_list_and_host_speak_the_script_protocol(site):
    listing = json.loads(site.ok("export", "ansible", "--list").out)
    assert listing["all"]["vars"]["ntp_server"] == "192.0.2.123"
    assert "ungrouped" in listing["all"]["children"] and listing["ungrouped"] == {"hosts": []}
    assert listing["tag_web"]["vars"] == {"http_port": 8080}
    assert listing["network_prod"]["vars"]["mtu"] == 9000
    one = json.loads(site.ok("export", "ansible", "--host", "web2.prod.example.com").out)
    assert one == listing["_meta"]["hostvars"]["web2.prod.example.com"]
    assert json.loads(site.ok("export", "ansible", "--host", "web2").out) == one  # short name
    r = site.run("export", "ansible", "--host", "nosuch")
    assert r.code == 1 and r.err == "cinv: no host 'nosuch' in the inventory\n"
    r = site.run("export", "ansible", "--list", "--host", "web2")
    assert r.code == 2 and "exclude each other" in r.err
    site.ok("host", "state", "web2", "retired")
    assert site.run("export", "ansible", "--host", "web2.prod.example.com").code == 1


def test_hardware_vars_for_physical_hosts_as_for_vms(site):
    hv = site.ok("export", "ansible", "--list")
    hostvars = json.loads(hv.out)["_meta"]["hostvars"]
    hv1 = hostvars["hv1.mgmt.example.com"]
    assert (hv1["cinv_cpus"], hv1["cinv_memory_mib"], hv1["cinv_disks_mib"]) == (
        32, 128 * 1024, [2 * 1024 * 1024])
    web1 = hostvars["web1.prod.example.com"]
    assert (web1["cinv_cpus"], web1["cinv_memory_mib"]) == (2, 4096)
    box = hostvars["box.mgmt.example.com"]  # nothing recorded: no made-up numbers
    assert "cinv_cpus" not in box and "cinv_memory_mib" not in box
    assert "cinv_disks_mib" not in box
    box_file = site.host_file("box.mgmt.example.com")
    box_file.write_text(box_file.read_text() + "hardware: {vendor: Dell, serial: ABC1}\n")
    box = json.loads(site.ok("export", "ansible", "--host", "box").out)
    # cinv's own free text, marked as text Ansible never templates (see tests/test_security3.py)
    assert box["cinv_vendor"] == {"__ansible_unsafe": "Dell"}
    assert box["cinv_serial"] == {"__ansible_unsafe": "ABC1"}


def test_ansible_host_is_the_address_or_the_fqdn(site, tmp_path):
    listing = json.loads(site.ok("export", "ansible", "--list").out)
    assert listing["_meta"]["hostvars"]["web1.prod.example.com"]["ansible_host"] == \
        "192.0.2.10"
    settings = site.root / "cinv.yaml"
    settings.write_text(settings.read_text().replace("ansible:\n", "ansible:\n  host: fqdn\n"))
    listing = json.loads(site.ok("export", "ansible", "--list").out)
    for name, hostvars in listing["_meta"]["hostvars"].items():
        assert hostvars["ansible_host"] == name
    site.ok("render", "ansible", "--out", tmp_path / "out")
    text = (tmp_path / "out" / "ansible" / "inventory.yaml").read_text()
    assert '"ansible_host": "web1.prod.example.com"' in text
    assert site.ok("export", "ansible").out == text  # export and render: the same bytes


@pytest.mark.parametrize("text, message", [
    ("ansible:\n  host: name\n", "{line}: ansible.host: 'name' is not one of ip, fqdn"),
    ("ansible:\n  group_vars: {all: {a: 1}}\n",
     "{line}: ansible.group_vars: 'all': set the vars of every host in ansible.vars"),
    ("ansible:\n  group_vars: {web: 3}\n",
     "{line}: ansible.group_vars: web: expected a mapping of vars, not 3"),
    ("ansible:\n  vars: [a]\n", "{line}: ansible.vars: expected a mapping"),
    ("ansible:\n  hosts: fqdn\n", "{line}: ansible.hosts: unknown key (did you mean 'host'?)"),
])
def test_bad_ansible_settings_are_check_errors(empty_inventory, text, message):
    settings = empty_inventory.root / "cinv.yaml"
    before = settings.read_text()
    settings.write_text(before + text)
    r = empty_inventory.run("check")
    assert r.code == 1
    line = f"cinv.yaml:{before.count(chr(10)) + 2}"
    assert r.out.startswith(message.format(line=line)), r
