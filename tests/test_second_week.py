"""The second week (issue 23's "Done means"): tests/scripts/second_week.sh runs a week's tasks
through the CLI on an inventory made by `cinv init DIR` alone (customer branches allocating
around each other, the reviewer's diff, over-commit and a rebuild, iPXE and UEFI HTTP boot,
DHCPv6 options by their dotted names, retiring and renaming VMs, two hosts with one short
name, a lease audit, the report), and every file it renders passes the real checkers."""
from __future__ import annotations

import re
from pathlib import Path

from checkers import check_all
from conftest import invoke
from test_first_run import run_week

SCRIPT = Path(__file__).resolve().parent / "scripts" / "second_week.sh"


def test_the_second_week(tmp_path):
    site, out, stdout = run_week(SCRIPT, tmp_path)
    assert ("refused (memory past the ratio): hosts/hv2.example.com.yaml:3: hardware.memory: "
            "its 2 guests have 20GiB memory, more than it may hold: 16GiB (its own 16GiB x 1, "
            "capacity.overcommit.memory)") in stdout
    assert ("refused (a move past the memory ratio): cinv: hv2.example.com lacks capacity for "
            "vm03.prod.example.com: memory 24GiB needed with its other guests, it may hold "
            "16GiB (its own 16GiB x 1, capacity.overcommit.memory)") in stdout
    assert "refused (an HTTP boot file that is no URL): networks/prod.yaml:" in stdout
    check_all(out, tmp_path)
    dhcpd = (out / "dhcpd.conf").read_text()
    assert "db1" in dhcpd and "db1.ipxe" not in dhcpd  # active again: boots from disk
    assert "option dhcp6.name-servers 2001:db8:0:1::53;" in (out / "dhcpd6.conf").read_text()
    hosts = (out / "hosts").read_text()
    assert "web1.prod.example.com" in hosts and "web1.lab.example.com" in hosts
    assert not re.search(r"\sweb1\n", hosts)  # the short name two hosts share: left out
    assert not (out / "libvirt" / "vm03.prod.example.com.xml").exists()
    r = invoke("-C", site, "check", "--refs", "customer-*")
    assert r.code == 0 and " 0 errors" in r.out.splitlines()[-1], r
