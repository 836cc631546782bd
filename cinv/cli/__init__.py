"""The command line: thin click commands. The only code (this package) that imports click.

Each command opens the workspace, calls one function of ops / check / render, and prints.
Every CinvError becomes one line on stderr and exit 1; click's usage errors exit 2; a traceback
shows only with --debug. The group and shared options live here; commands live in one module per
topic (core.py: init, net, host, iface, check), each registering itself on `cli`.
"""
from __future__ import annotations

import gc
import sys

import click

from cinv.errors import CinvError, ProblemsError
from cinv.workspace import Workspace, open_workspace

FORMATS = ("table", "json", "yaml", "names")


# --- shared plumbing ----------------------------------------------------------------------

def _workspace(ctx: click.Context) -> Workspace:
    root = ctx.find_root()
    return open_workspace(root.params.get("directory"), root.params.get("ref"))


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


def echo_problems(problems) -> None:
    for p in problems:
        click.echo(p.text())


# --- the group ----------------------------------------------------------------------------

# Which module registers each command: a command imports its own module only (and what that
# needs), so `cinv host add` does not pay for importing the importers, audits and renderers
# (about a third of a second of its start-up). Listing the commands (--help) imports them all.
COMMAND_MODULES = {"init": "core", "check": "core", "find": "core", "diff": "gitcmds",
                   "host": "hosts", "iface": "hosts", "net": "networks", "record": "records",
                   "render": "render", "import": "transfer", "export": "transfer",
                   "audit": "audit"}


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
        code = cli.main(args=args, prog_name="cinv", standalone_mode=False)
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.Abort:
        click.echo("cinv: aborted", err=True)
        code = 1
    except ProblemsError as e:
        if debug:
            raise
        for p in e.problems:
            click.echo(p.text(), err=True)
        code = 1
    except CinvError as e:
        if debug:
            raise
        click.echo(f"cinv: {e}", err=True)
        code = 1
    except KeyboardInterrupt:
        click.echo("cinv: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except OSError as e:
        if debug:
            raise
        where = f"{e.filename}: " if e.filename else ""
        click.echo(f"cinv: {where}{e.strerror or e}", err=True)
        code = 1
    except Exception as e:  # a bug: one line for the user, the traceback under --debug
        if debug:
            raise
        click.echo(f"cinv: internal error: {type(e).__name__}: {e} (run with --debug for the "
                   "traceback, and please report it)", err=True)
        code = 1
    finally:
        gitstore = sys.modules.get("cinv.gitstore")  # not imported: no repository was opened
        if gitstore is not None:
            gitstore.close_repos()
        if collecting:
            gc.enable()
    sys.exit(code if isinstance(code, int) else 0)
