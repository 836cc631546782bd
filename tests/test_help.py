"""Every command and subcommand has help text with an example, and `--help` exits 0."""
from __future__ import annotations

import click
import pytest

from cinv.cli import cli


def walk(group: click.Group, path: tuple = ()):
    yield path, group
    if isinstance(group, click.Group):
        for name in sorted(group.list_commands(click.Context(group))):
            yield from walk(group.get_command(click.Context(group), name), path + (name,))


COMMANDS = list(walk(cli))


def test_the_commands_of_the_contract_exist():
    paths = {" ".join(p) for p, _ in COMMANDS}
    for want in ("init", "net add", "net list", "net show", "host add", "host list",
                 "host show", "host set", "host state", "host rm", "iface add", "iface rm",
                 "check", "net set", "net rm", "net free", "find", "host rename", "host move",
                 "host tag", "iface set"):
        assert want in paths


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "cinv" for p, _ in
                                                        COMMANDS])
def test_docstring_has_an_example(path, command):
    doc = (command.callback.__doc__ if command.callback else None) or command.help
    name = " ".join(path) or "cinv"
    assert doc and doc.strip(), f"{name} has no help text"
    assert "Example" in doc, f"{name}: its help has no Example"
    example = doc.split("Example", 1)[1]
    # the example shows this very command (a group's example, one of its subcommands)
    want = "cinv " + (" ".join(path[:1]) if isinstance(command, click.Group) else " ".join(path))
    assert want.strip() in example, f"{name}: the example does not show {want!r}"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) or "cinv" for p, _
                                                               in COMMANDS])
def test_help_exits_0(run_cli, path):
    r = run_cli(*path, "--help")
    assert r.code == 0, r
    assert r.out.startswith("Usage: cinv"), r.out
    assert "Example" in r.out
    assert r.err == ""


def test_short_help_option(run_cli):
    r = run_cli("host", "add", "-h")
    assert r.code == 0 and "Usage: cinv host add" in r.out
