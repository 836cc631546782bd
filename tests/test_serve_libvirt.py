"""libvirt runs the domains cinv renders: every rendered domain is defined in libvirt's test
driver (`virsh -c test:///default`), started, seen running with the inventory's CPUs, memory,
NICs and disks, then destroyed and undefined.

The test driver keeps its state in memory for one connection, so each inventory's domains go
through one virsh call holding every command (virsh runs ';'-separated commands in order and,
in that mode, goes on after a failed one: the checks read each command's output, not the exit
code alone)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from checkers import generated_files, require, write_inventory
from conftest import invoke

from cinv.records import load
from cinv.render.view import DEFAULT_CPUS, DEFAULT_MEMORY

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "inventory"
MARK = re.compile(r"@@([^@\s]+) ([^@\s]+)@@")


def expected_domains(root: Path) -> dict[str, dict]:
    """What libvirt must report for every active virtual host, straight from the inventory."""
    inv = load.load_inventory(load.DirSource(root))
    image_dir = inv.settings.image_dir.rstrip("/")
    want = {}
    for host in inv.active_hosts():
        if host.kind != "virtual":
            continue
        nics = []
        for iface in host.interfaces:
            net = inv.networks.get(iface.network) if iface.network else None
            source = ("bridge", net.bridge) if net is not None and net.bridge else \
                ("network", iface.network or "default")
            nics.append((*source, iface.mac_str))
        want[host.name] = {
            "cpus": host.hardware.cpus or DEFAULT_CPUS,
            "memory_kib": (host.hardware.memory or DEFAULT_MEMORY) // 1024,
            "nics": nics,
            "disks": [f"{image_dir}/{host.name}-{n}.qcow2"
                      for n in range(len(host.hardware.disks))],
        }
    return want


def run_domains(out: Path, names: list[str]) -> dict[str, dict[str, str]]:
    """Define, start, inspect, destroy and undefine every domain in one virsh call; the output
    of each command by domain and command."""
    virsh = require("virsh")
    commands = []
    for name in names:
        def step(what: str, command: str, name=name) -> None:
            commands.append(f"echo @@{name} {what}@@")
            commands.append(command)
        step("define", f"define --validate {out / 'libvirt' / (name + '.xml')}")
        step("start", f"start {name}")
        step("state", f"domstate {name}")
        step("info", f"dominfo {name}")
        step("nics", f"domiflist {name}")
        step("disks", f"domblklist {name}")
        step("destroy", f"destroy {name}")
        step("stopped", f"domstate {name}")
        step("undefine", f"undefine {name}")
    commands.append("echo @@- list@@")
    commands.append("list --all --name")
    proc = subprocess.run([virsh, "-c", "test:///default", "; ".join(commands)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stdout + proc.stderr
    parts = MARK.split(proc.stdout)
    outputs: dict[str, dict[str, str]] = {}
    for name, what, text in zip(parts[1::3], parts[2::3], parts[3::3]):
        outputs.setdefault(name, {})[what] = text.strip()
    return outputs


def table(text: str) -> list[list[str]]:
    """The rows of a virsh table (below its header's line of dashes), split on blanks."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line.strip()) == {"-"}) + 1
    return [line.split() for line in lines[start:] if line.strip()]


def check_served(root: Path, tmp: Path) -> int:
    out = tmp / "out"
    r = invoke("-C", root, "render", "--out", out)
    assert r.code == 0, r
    want = expected_domains(root)
    rendered = sorted(p.name[:-len(".xml")] for p in (out / "libvirt").glob("*.xml"))
    assert rendered == sorted(want)
    outputs = run_domains(out, rendered)
    for name, spec in want.items():
        got = outputs[name]
        assert f"Domain '{name}' defined" in got["define"], got
        assert f"Domain '{name}' started" in got["start"], got
        assert got["state"] == "running", got
        info = dict(re.findall(r"^([^:\n]+):\s*(.*)$", got["info"], re.M))
        assert info["Name"] == name
        assert info["State"] == "running"
        assert int(info["CPU(s)"]) == spec["cpus"]
        assert info["Max memory"] == f"{spec['memory_kib']} KiB"
        nics = [tuple(row[1:]) for row in table(got["nics"])]
        assert nics == [(kind, source, "virtio", mac) for kind, source, mac in spec["nics"]]
        disks = [row[1] for row in table(got["disks"])]
        assert disks == spec["disks"]
        assert f"Domain '{name}' destroyed" in got["destroy"], got
        assert got["stopped"] == "shut off", got
        assert f"Domain '{name}' has been undefined" in got["undefine"], got
    # Only the test driver's own domain is left.
    assert outputs["-"]["list"].split() == ["test"]
    return len(want)


def test_example_domains_run(tmp_path):
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".cinv", "build"))
    assert check_served(root, tmp_path) == 8  # every active VM; retired web0 has none


def test_generated_domains_run(tmp_path):
    """Several NICs per VM (bridges and libvirt networks), one to three disks, default memory,
    names starting with digits, descriptions full of XML's special characters."""
    root = write_inventory(tmp_path / "gen", generated_files())
    assert check_served(root, tmp_path) == 23  # the 24th VM is retired


@pytest.mark.parametrize("broken", ["<domain type='kvm'><name>x</name></domain>"])
def test_a_broken_domain_is_noticed(tmp_path, broken):
    """The checks above can fail: a domain libvirt refuses is reported, not passed over."""
    out = tmp_path / "out"
    (out / "libvirt").mkdir(parents=True)
    (out / "libvirt" / "x.xml").write_text(broken)
    with pytest.raises(AssertionError):
        run_domains(out, ["x"])
