"""The README's PXE example, run as written: its commands on a new inventory, and its dhcpd
excerpt is what they render (while provisioning; no boot file once active)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from checkers import check_dhcpd, check_dnsmasq

README = Path(__file__).resolve().parents[1] / "README.md"


def pxe_example() -> tuple[list[str], str]:
    text = README.read_text().split("A complete PXE set-up", 1)[1]
    commands = text.split("```sh\n", 1)[1].split("```", 1)[0]
    excerpt = text.split("while it is provisioning", 1)[1].split("```\n", 1)[1].split("```")[0]
    return commands, excerpt


def test_the_readme_pxe_example_renders_what_it_shows(tmp_path):
    commands, excerpt = pxe_example()
    *first, last = commands.strip().splitlines()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def sh(script: str, cwd: Path) -> None:
        proc = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    sh("cinv init site --domain example.com", tmp_path)
    site = tmp_path / "site"
    sh("\n".join(first), site)
    rendered = (site / "build" / "dhcpd.conf").read_text()
    shown = [line for line in excerpt.splitlines() if "..." not in line]
    block = rendered[rendered.index("host web1.prod.example.com-eth0 {"):]
    block = block[:block.index("\n}\n") + 2].splitlines()
    assert [line for line in block if "pxe-system-type" not in line] == \
        [line for line in shown if "pxe-system-type" not in line]
    check_dhcpd(site / "build")  # (kea -t would look for eth1, which only the server has)
    check_dnsmasq(site / "build")
    sh(last, site)
    assert "filename" not in (site / "build" / "dhcpd.conf").read_text()
