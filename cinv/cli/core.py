"""Commands on the inventory as a whole: init, check, find."""
from __future__ import annotations

import json

import click

from cinv import check as checks
from cinv import ops, show
from cinv.cli import (
    _workspace,
    cli,
    echo,
    echo_problems,
    no_commit_option,
)
from cinv.records.model import PLACEHOLDER_NS


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--domain", default="example.com", show_default=True, help="Default DNS domain.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="FQDN",
              help="NS of the zones cinv writes (repeatable; the first is the SOA's primary). "
                   "A name inside a zone cinv writes needs a host of that name. Default: the "
                   "placeholder localhost., until you name yours in cinv.yaml.")
@no_commit_option
def init(directory, domain, nameservers, no_commit):
    """Make a new inventory: git repo, cinv.yaml, networks/, hosts/, .gitignore.

    \b
    Example:
      cinv init customer-a --domain customer-a.example.com --nameserver ns1.example.net
    """
    root = ops.init_inventory(directory, domain, commit=not no_commit, nameservers=nameservers)
    echo(f"Made inventory {root} for {domain}.")
    if not nameservers:
        echo(f"Its zones name the placeholder nameserver {PLACEHOLDER_NS} (no host and "
             "no glue needed) until you name yours: dns.primary_ns and dns.nameservers "
             "in cinv.yaml.")
    echo("Next: cinv net add NAME --ipv4 CIDR, then cinv host add NAME --kind ... "
         "(to run `cinv check` before every commit: the pre-commit hook id cinv-check, "
         "see the README).")
    echo("Serving DHCPv6 with Kea: give each IPv6 network the DHCP server's interface "
         "(cinv net add ... --dhcp-interface IF); kea-dhcp6 answers a directly connected "
         "client only on a subnet that names its interface.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--refs", "refs", metavar="PATTERN",
              help="Also compare with the branches whose name matches (e.g. 'customer-*'): "
                   "MACs everywhere, addresses on networks several branches share.")
@click.option("--base", "base", metavar="REF",
              help="Also report every managed domain (cinv.yaml's, a network's, a zone of "
                   "zones/) that lies under none of REF's, and a changed libvirt.image_dir: "
                   "what a branch may claim is pinned by its merge target.")
@click.pass_context
def check(ctx, fmt, refs, base):
    """Validate the whole inventory; every problem as path:line: message, then a summary line,
    all on stdout. Exit 1 on errors (anything `cinv render` would refuse is one).

    With --refs, the branches matching PATTERN (local ones, else remote-tracking ones such
    as origin/customer-a) are read from git's objects, no checkout, and any MAC held by two
    different hosts, or address held by two hosts on a network of the same name, across
    them and this inventory is an error naming both.

    With --base REF (CI passes the merge request's target branch), a domain the branch
    manages that REF does not, such as a zones/pypi.org.yaml, is an error: a branch cannot
    grant itself a domain.

    \b
    Example:
      cinv check --format json
      cinv check --refs 'customer-*'
      cinv check --base origin/main
    """
    ws = _workspace(ctx)
    problems, n_hosts, n_networks = ws.checked()
    if refs is not None:
        from cinv import refcheck
        problems = problems + refcheck.problems(ws, refs)
    if base is not None:
        from cinv import refcheck
        problems = problems + refcheck.against_base(ws, base)
    n_err = len(checks.errors(problems))
    if fmt == "json":
        echo(json.dumps({"errors": n_err, "warnings": len(problems) - n_err,
                               "hosts": n_hosts, "networks": n_networks,
                               "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        echo_problems(problems)
        echo(checks.summary(n_hosts, n_networks, n_err, len(problems) - n_err))
    ctx.exit(1 if n_err else 0)


@cli.command()
@click.argument("value")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_context
def find(ctx, value, fmt):
    """Which host and interface own an IPv4 or IPv6 address, a MAC (any spelling:
    52:54:00:ab:cd:ef, 52-54-00-AB-CD-EF, 5254.00ab.cdef, 525400abcdef), or a name or part of
    one. Retired holders are listed with their state; an address no host holds is shown with
    the network it lies in. Exit 1 when nothing matches.

    \b
    Example:
      cinv find 192.0.2.77
      cinv find 5254.00ab.cdef --format json
    """
    rows = ops.find(_workspace(ctx).load(), value)
    echo(show.found(rows, fmt))
