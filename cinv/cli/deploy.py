"""`cinv plan` and `cinv apply`: carry the inventory to the running servers (DNS by UPDATE, Kea by
its control channel, libvirt by virsh), as the servers file says. cinv.deploy is imported when
one of them runs."""
from __future__ import annotations

import click

from cinv.cli import _workspace, cli, echo, no_commit_option, refused_on_errors
from cinv.errors import CinvError

servers_option = click.option(
    "--servers", "servers_file", metavar="FILE", envvar="CINV_SERVERS", show_envvar=True,
    help="The servers file (YAML: dns, kea, libvirt), the operator's: outside the inventory.")
targets_argument = click.argument("targets", nargs=-1, metavar="[TARGET]...",
                                  type=click.Choice(["dns", "kea", "libvirt"]))


def _plan(ctx: click.Context, servers_file, targets):
    from cinv import deploy
    from cinv.deploy.servers import load_servers
    ws = _workspace(ctx)
    servers = load_servers(servers_file, ws.root)
    with refused_on_errors("not deployed"):
        return ws, deploy.plan(ws, servers, tuple(targets))


@cli.command("plan")
@targets_argument
@servers_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: every step with its changes, for scripts.")
@click.pass_context
def plan_command(ctx, targets, servers_file, fmt):
    """What `cinv apply` would change on the running servers, record by record; changes nothing.

    TARGET is dns, kea or libvirt (default: every one the servers file names). Exit 0 when
    nothing would change, 2 when something would, 1 on an error (a server that does not answer,
    or a change apply will not make, is listed and makes it 1). `+` adds, `-` deletes, `~`
    changes; `!` marks what apply will not do, and a step over the safety limit (more than 30 %
    of a zone's records or a server's reservations changed or deleted).

    \b
    Example:
      cinv plan --servers /etc/cinv/servers.yaml
      cinv plan dns --servers /etc/cinv/servers.yaml --format json > plan.json
    """
    _ws, result = _plan(ctx, servers_file, targets)
    echo(result.as_json() if fmt == "json" else result.text(), nl=False)
    ctx.exit(1 if result.failed else 2 if result.pending else 0)


@cli.command("apply")
@targets_argument
@servers_option
@click.option("--yes", is_flag=True, help="Apply without asking.")
@click.option("--force", is_flag=True,
              help="Apply steps over the safety limit too (more than 30 % of a zone's records "
                   "or a server's reservations changed or deleted).")
@no_commit_option
@click.pass_context
def apply_command(ctx, targets, servers_file, yes, force, no_commit):
    """Carry the inventory to the running servers: shows the plan, asks, applies, reports.

    Each step is whole or not at all: one UPDATE per zone (refused by the server when the
    zone changed since the plan), one config-set per Kea server, the defines and undefines
    of one hypervisor. A failed step leaves the others as they were or as planned; exit 1
    then. When a DNS server held a higher serial than the inventory renders, the serial set
    there is recorded as the zone's serial floor (one commit; --no-commit). A second apply
    right after finds nothing to change.

    \b
    Example:
      cinv apply --servers /etc/cinv/servers.yaml
      CINV_SERVERS=/etc/cinv/servers.yaml cinv apply dns --yes
    """
    from cinv import deploy
    ws = _workspace(ctx)
    if ws.ref:
        raise CinvError("apply deploys the work tree (it may record serial floors in it); "
                        "--ref is for `cinv plan`")
    ws, result = _plan(ctx, servers_file, targets)
    echo(result.text(), nl=False)
    for step in result.errors:
        echo(f"cinv: {step.title}: not planned, left as it is: {step.error}", err=True)
    if not result.pending:
        echo("Nothing to change.")
        ctx.exit(1 if result.failed else 0)
    over = deploy.unsafe(result)
    if over and not force:
        for line in over:
            echo(f"cinv: {line}", err=True)
        raise CinvError("apply refused: a step is over the safety limit; nothing was changed "
                        "(check the plan, then --force)")
    if not yes:
        click.confirm("Apply these changes?", abort=True)
    outcomes, sha = deploy.apply(ws, result, commit=not no_commit)
    for outcome in outcomes:
        echo(outcome.line())
    if sha:
        echo(f"Recorded the serial floors in the inventory (commit {sha[:10]})")
    failed = [o for o in outcomes if not o.ok]
    ctx.exit(1 if failed or result.failed else 0)
