"""The real servers' own checkers, run on rendered files, and inventories to feed them.

`require(tool)` gives the tool's path; without it a developer machine skips the test and CI
(env CI=true) fails it. Each `check_*` runs one checker over an output dir and fails the test
with the checker's own output when it refuses a file.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VENV_BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
EXTRA_PATH = ["/usr/sbin", "/sbin", "/usr/bin"]


def require(tool: str) -> str:
    """The path of a checker; pytest.skip on a dev machine, pytest.fail under CI=true."""
    import sys
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", ""),
                              *EXTRA_PATH])
    path = shutil.which(tool, path=search)
    if path:
        return path
    message = f"checker {tool} is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


def run(args: list, what: str, env: dict | None = None, ok=(0,)) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode not in ok:
        pytest.fail(f"{what}: {' '.join(map(str, args))} exited {proc.returncode}:\n{output}")
    return output


# --- one function per checker --------------------------------------------------------------

def check_dhcpd(out: Path) -> None:
    dhcpd = require("dhcpd")
    run([dhcpd, "-4", "-t", "-q", "-cf", out / "dhcpd.conf", "-lf", "/dev/null"], "dhcpd -t")
    run([dhcpd, "-6", "-t", "-q", "-cf", out / "dhcpd6.conf", "-lf", "/dev/null"], "dhcpd -6 -t")


def check_kea(out: Path, tmp: Path) -> None:
    env = {"KEA_PIDFILE_DIR": str(tmp), "KEA_LOCKFILE_DIR": str(tmp),
           "KEA_LOG_FILE_DIR": str(tmp)}
    for family in ("4", "6"):
        kea = require(f"kea-dhcp{family}")
        run([kea, "-t", out / f"kea-dhcp{family}.conf"], f"kea-dhcp{family} -t", env)


def zone_files(out: Path) -> dict[str, Path]:
    """{zone name: file} from named.conf.zones."""
    text = (out / "dns" / "named.conf.zones").read_text()
    pairs = re.findall(r'zone "([^"]+)" \{\s*type primary;\s*file "([^"]+)";', text)
    assert pairs, "named.conf.zones holds no zone"
    return {zone: out / "dns" / f for zone, f in pairs}


def check_zones(out: Path, tmp: Path) -> dict[str, Path]:
    checkzone = require("named-checkzone")
    zones = zone_files(out)
    for zone, path in zones.items():
        run([checkzone, "-i", "local", "-k", "fail", "-n", "fail", zone, path],
            f"named-checkzone {zone}")
    checkconf = require("named-checkconf")
    conf = tmp / "named.conf"
    conf.write_text(f'options {{ directory "{out / "dns"}"; }};\n'
                    f'include "{out / "dns" / "named.conf.zones"}";\n')
    run([checkconf, "-z", conf], "named-checkconf -z")
    return zones


def check_libvirt(out: Path) -> list[Path]:
    validate = require("virt-xml-validate")
    virsh = require("virsh")
    domains = sorted((out / "libvirt").glob("*.xml")) if (out / "libvirt").is_dir() else []
    for path in domains:
        run([validate, path, "domain"], "virt-xml-validate")
        name = path.name[:-len(".xml")]
        run([virsh, "-q", "-c", "test:///default",
             f"define --validate {path}; undefine {name}"], "virsh define --validate")
    return domains


def check_dnsmasq(out: Path) -> None:
    dnsmasq = require("dnsmasq")
    run([dnsmasq, "--test", "-C", out / "dnsmasq" / "cinv.conf"], "dnsmasq --test")


def check_ansible(out: Path, tmp: Path) -> dict:
    import json
    tool = require("ansible-inventory")
    env = {"ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"), "ANSIBLE_HOME": str(tmp / "ansible"),
           "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true", "ANSIBLE_NOCOLOR": "1"}
    text = run([tool, "-i", out / "ansible" / "inventory.yaml", "--list"], "ansible-inventory",
               env)
    return json.loads(text[text.index("{"):])


def check_all(out: Path, tmp: Path) -> None:
    check_dhcpd(out)
    check_kea(out, tmp)
    check_zones(out, tmp)
    check_libvirt(out)
    check_dnsmasq(out)
    check_ansible(out, tmp)
