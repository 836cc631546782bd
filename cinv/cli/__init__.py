"""The command line: thin click commands. The only code (this package) that imports click.

Each command opens the workspace, calls one function of ops / check / render, and prints.
Every CinvError becomes one line on stderr and exit 1; click's usage errors exit 2; a traceback
shows only with --debug. The group and shared options live here; commands live in one module per
topic (core.py: init, net, host, iface, check), each registering itself on `cli`.
"""
from __future__ import annotations

import gc
import io
import sys
from contextlib import contextmanager

import click

from cinv import budget, printable
from cinv.errors import CinvError, ProblemsError
from cinv.workspace import Workspace, open_workspace

FORMATS = ("table", "json", "yaml", "names")


# --- shared plumbing ----------------------------------------------------------------------

def _workspace(ctx: click.Context) -> Workspace:
    root = ctx.find_root()
    ws = open_workspace(root.params.get("directory"), root.params.get("ref"))
    echo_notes(ws.notes)
    return ws


def echo_notes(notes: list[str]) -> None:
    """What git warned about a revision (a reflog too young for HEAD@{yesterday}), passed on
    to stderr: the command goes on, but the user should know what it compared with."""
    for note in notes:
        echo(f"cinv: {note}", err=True)


def _complete_from(kind: str):
    def complete(ctx, param, incomplete):
        try:
            inv = _workspace(ctx).load()
        except Exception:  # completion must never break the shell
            return []
        items = inv.hosts if kind == "host" else inv.networks
        return [n for n in sorted(items) if n.startswith(incomplete)]
    return complete


complete_host = _complete_from("host")
complete_network = _complete_from("network")

no_commit_option = click.option("--no-commit", is_flag=True,
                                help="Change the files but make no git commit.")


def echo(message=None, err: bool = False, nl: bool = True) -> None:
    """click.echo, through the one escaping rule (cinv/printable.py): nothing cinv prints
    carries a terminal control but newline and tab, whatever a file, a server or a branch
    held. A line built from untrusted values escapes them with printable.line first (its
    newlines too)."""
    click.echo(None if message is None else printable.block(message), err=err, nl=nl)


def echo_problems(problems) -> None:
    for p in problems:
        echo(p.text())


@contextmanager
def refused_on_errors(what: str):
    """An inventory with errors is not acted on (what it says is not known): its problems on
    stderr, then one line: "<what>: the inventory has N errors"."""
    try:
        yield
    except ProblemsError as e:
        for p in e.problems:
            echo(p.text(), err=True)
        n = len(e.problems)
        raise CinvError(f"{what}: the inventory has {n} error{'s' if n != 1 else ''} (see "
                        "`cinv check`)") from None


# --- the group ----------------------------------------------------------------------------

# Which module registers each command: a command imports its own module only (and what that
# needs), so `cinv host add` does not pay for importing the importers, audits and renderers
# (about a third of a second of its start-up). Listing the commands (--help) imports them all.
COMMAND_MODULES = {"init": "core", "check": "core", "find": "core", "diff": "gitcmds",
                   "host": "hosts", "iface": "hosts", "net": "networks", "record": "records",
                   "render": "render", "import": "transfer", "export": "transfer",
                   "audit": "audit", "dhcp": "dhcp", "plan": "deploy", "apply": "deploy"}


class LazyGroup(click.Group):
    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMAND_MODULES:
            import importlib
            importlib.import_module(f"cinv.cli.{COMMAND_MODULES[name]}")
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        for name in COMMAND_MODULES:
            self.get_command(ctx, name)
        return super().list_commands(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "directory", metavar="DIR", type=click.Path(file_okay=False),
              help="The inventory (default: the nearest directory upwards with cinv.yaml; "
                   "env CINV_INVENTORY).")
@click.option("--ref", metavar="REF", help="Read the inventory as it is at this git branch, "
              "tag or commit (read-only commands).")
@click.option("--debug", is_flag=True, help="Show a traceback on errors (for bug reports).")
@click.version_option(package_name="cinv")
def cli(directory, ref, debug):
    """cinv: one inventory for rack servers and VMs alike; renders DHCP, DNS, libvirt files.

    \b
    Example:
      cinv init site && cd site
      cinv net add prod --ipv4 192.0.2.0/24 --domain prod.example.com
      cinv host add web1 --kind virtual --network prod
      cinv render
    """


# --- entry point --------------------------------------------------------------------------

def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    collecting = gc.isenabled()
    gc.disable()  # a command is short and makes no garbage cycles worth a collection: the
    # cyclic collector would scan every one of 50,000 records' objects again and again
    try:
        with budget.command():  # one time budget for the inventory's templates
            code = cli.main(args=args, prog_name="cinv", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.ClickException as e:  # it may quote an argument (a branch's name, in CI)
        shown = io.StringIO()
        e.show(file=shown)
        echo(shown.getvalue(), err=True, nl=False)
        code = e.exit_code
    except click.Abort:
        echo("cinv: aborted", err=True)
        code = 1
    except ProblemsError as e:
        if debug:
            raise
        for p in e.problems:
            echo(p.text(), err=True)
        code = 1
    except CinvError as e:
        if debug:
            raise
        echo(f"cinv: {printable.line(e)}", err=True)
        code = 1
    except KeyboardInterrupt:
        echo("cinv: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except OSError as e:
        if debug:
            raise
        where = f"{e.filename}: " if e.filename else ""
        echo(f"cinv: {printable.line(f'{where}{e.strerror or e}')}", err=True)
        code = 1
    except Exception as e:  # a bug: one line for the user, the traceback under --debug
        if debug:
            raise
        echo(f"cinv: internal error: {type(e).__name__}: {printable.line(e)} (run with --debug "
             "for the traceback, and please report it)", err=True)
        code = 1
    finally:
        gitstore = sys.modules.get("cinv.git.gitstore")  # not imported: no repository was opened
        if gitstore is not None:
            gitstore.close_repos()
        if collecting:
            gc.enable()
    sys.exit(code if isinstance(code, int) else 0)
