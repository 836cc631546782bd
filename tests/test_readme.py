"""The README's two set-up commands: CI runs the test command verbatim, and the main-job
command really installs and runs on the example inventory."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import invoke

ROOT = Path(__file__).resolve().parent.parent


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, re.S)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    commands = setup_commands()
    assert len(commands) == 2, commands
    install, tests = commands
    assert "\n" not in install and "\n" not in tests
    assert "-C inventory" in install and "render" in install and "pip install" in install
    assert "pytest" in tests
    assert tests in (ROOT / ".ci" / "run").read_text()
    # the test dependencies come pinned (a new release elsewhere cannot turn main red)
    assert "-c tests/constraints.txt" in tests


def test_the_test_dependencies_are_pinned():
    """Every package of the test extra is pinned to one version in tests/constraints.txt."""
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (ROOT / "tests" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    for spec in wanted:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", spec, 1)[0]).lower()
        assert name in pins, f"{name} is not pinned in tests/constraints.txt"


def test_the_main_job_runs_on_the_example_inventory(tmp_path):
    assert invoke("-C", ROOT / "inventory", "check").code == 0
    r = invoke("-C", ROOT / "inventory", "render", "--out", tmp_path / "build")
    assert r.code == 0, r
    assert (tmp_path / "build" / "dhcpd.conf").is_file()
    assert (tmp_path / "build" / "libvirt" / "web1.prod.example.com.xml").is_file()
