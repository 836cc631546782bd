"""DHCP reference: `cinv dhcp options`, the options a record may set, named per server."""
from __future__ import annotations

import json

import click

from cinv import show
from cinv.cli import cli, echo
from cinv.errors import CinvError
from cinv.records import dhcpopts


@cli.group()
def dhcp():
    """What cinv knows about DHCP: the options a `dhcp:` block may set.

    \b
    Example:
      cinv dhcp options -6
    """


@dhcp.command("options")
@click.argument("word", required=False)
@click.option("-4", "family", flag_value=4, help="DHCPv4 options only.")
@click.option("-6", "family", flag_value=6, help="DHCPv6 options only.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def dhcp_options(word, family, fmt):
    """The DHCP options a network's or an interface's `dhcp.options` may set, with the name
    each server gives them (ISC dhcpd, Kea, dnsmasq), their code and value type. Any of the
    names may be written; a record stores the dhcpd one. WORD: only options with it in a
    name (exit 1 when none has). Set one with its full name, dots and all:

    \b
    Example:
      cinv dhcp options ntp
      cinv net set prod dhcp.options.dhcp6.name-servers=2001:db8::53
      cinv host set web1 interfaces.eth0.dhcp.options.root-path=/srv/nfs/web1
    """
    rows = dhcpopts.listing(family, word)
    if fmt == "json":
        echo(json.dumps(rows, indent=2))
        return
    if not rows:
        raise CinvError(f"no DHCP option cinv knows has {word!r} in a name (see `cinv dhcp "
                        "options` for all)")
    echo(show.table([[r["dhcpd"], f"v{r['family']}", str(r["code"]), r["kea"],
                            r["dnsmasq"], r["type"]] for r in rows],
                          ["DHCPD (STORED)", "FAMILY", "CODE", "KEA", "DNSMASQ", "TYPE"]))
