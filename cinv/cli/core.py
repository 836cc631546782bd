"""Commands on the inventory as a whole: init, check."""
from __future__ import annotations

import json

import click

from cinv import check as checks
from cinv import ops
from cinv.cli import (
    _workspace,
    cli,
    echo_problems,
    no_commit_option,
)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--domain", default="example.com", show_default=True, help="Default DNS domain.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="FQDN",
              help="NS of the zones cinv writes (repeatable; the first is the SOA's primary). "
                   "Default: ns1.DOMAIN, which then needs a host of that name.")
@no_commit_option
def init(directory, domain, nameservers, no_commit):
    """Make a new inventory: git repo, cinv.yaml, networks/, hosts/, .gitignore.

    \b
    Example:
      cinv init customer-a --domain customer-a.example.com --nameserver ns1.example.net
    """
    root = ops.init_inventory(directory, domain, commit=not no_commit, nameservers=nameservers)
    click.echo(f"Made inventory {root} for {domain}.")
    click.echo("Next: cinv net add NAME --ipv4 CIDR, then cinv host add NAME --kind ... "
               "(to run `cinv check` before every commit: the pre-commit hook id cinv-check, "
               "see the README).")
    click.echo("Serving DHCPv6 with Kea: give each IPv6 network the DHCP server's interface "
               "(cinv net add ... --dhcp-interface IF); kea-dhcp6 answers a directly connected "
               "client only on a subnet that names its interface.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def check(ctx, fmt):
    """Validate the whole inventory; every problem as path:line: message. Exit 1 on errors.

    \b
    Example:
      cinv check --format json
    """
    problems, n_hosts, n_networks = _workspace(ctx).checked()
    n_err = len(checks.errors(problems))
    if fmt == "json":
        click.echo(json.dumps({"errors": n_err, "warnings": len(problems) - n_err,
                               "hosts": n_hosts, "networks": n_networks,
                               "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        echo_problems(problems)
        click.echo(f"{n_hosts} hosts, {n_networks} networks: {n_err} errors, "
                   f"{len(problems) - n_err} warnings", err=True)
    ctx.exit(1 if n_err else 0)
