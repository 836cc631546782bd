"""A zone's own records: record add, rm, list (zones/<zone>.yaml)."""
from __future__ import annotations

import json

import click

from cinv import ops, show
from cinv.cli import _workspace, cli, echo, no_commit_option
from cinv.records import load


@cli.group()
def record():
    """A zone's own records (MX, TXT, SRV, CAA, wildcards, delegations ...): add, rm, list.

    They live in zones/<zone>.yaml, beside the A/AAAA/PTR/CNAME records cinv writes for hosts.
    A zone cinv does not serve yet (no network has its domain) is made by its first record.

    \b
    Example:
      cinv record add example.com @ MX '10 mail' --ttl 3600
    """


@record.command("add")
@click.argument("zone")
@click.argument("name")
@click.argument("rtype", metavar="TYPE")
@click.argument("value")
@click.option("--ttl", type=int, metavar="N", help="This record's TTL (default: the zone's).")
@no_commit_option
@click.pass_context
def record_add(ctx, zone, name, rtype, value, ttl, no_commit):
    """Add a record to ZONE. NAME is relative to the zone (@ for the apex, * for a wildcard);
    VALUE is zone-file data whose relative names are relative to the zone. A TXT VALUE is one
    string (longer than 255 bytes: split), or zone-file text starting with a double quote.

    \b
    Example:
      cinv record add example.com @ MX '10 mail'
      cinv record add example.com _sip._tcp SRV '10 60 5060 sip' --ttl 300
      cinv record add example.com @ TXT 'v=spf1 mx -all'
      cinv record add example.com @ CAA '0 issue "letsencrypt.org"'
      cinv record add example.com lab NS ns1.lab
    """
    z, rec, created = ops.add_record(_workspace(ctx), zone, name, rtype, value, ttl,
                                     commit=not no_commit)
    if created:
        echo(f"New zone {z.name} ({z.path}).")
    echo(f"Added {ops.records.describe(z, rec)} ({z.path}:{rec.line})")


@record.command("rm")
@click.argument("zone")
@click.argument("name")
@click.argument("rtype", metavar="TYPE")
@click.argument("value", required=False)
@no_commit_option
@click.pass_context
def record_rm(ctx, zone, name, rtype, value, no_commit):
    """Remove the TYPE records at NAME in ZONE; with VALUE only the one with that data.

    \b
    Example:
      cinv record rm example.com @ MX '10 mail'
      cinv record rm example.com _sip._tcp SRV
    """
    z, gone = ops.remove_records(_workspace(ctx), zone, name, rtype, value, commit=not no_commit)
    for rec in gone:
        echo(f"Removed {ops.records.describe(z, rec)}")


@record.command("list")
@click.argument("zone", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "yaml"]), default="table",
              show_default=True)
@click.pass_context
def record_list(ctx, zone, fmt):
    """List the records of zones/ (of one ZONE): zone, name, TTL, type, value.

    \b
    Example:
      cinv record list example.com --format json
    """
    ws = _workspace(ctx)
    inv = load.load_networks(ws.source(), cache_root=ws.cache_root())
    items = ops.list_records(inv, zone)
    if fmt in ("json", "yaml"):
        echo(show.records(items, fmt))
        return
    rows = [[i["zone"], i["name"], str(i["ttl"]), i["type"],
             json.dumps(i["value"]) if isinstance(i["value"], list) else i["value"]]
            for i in items]
    if rows:
        echo(show.table(rows, ["ZONE", "NAME", "TTL", "TYPE", "VALUE"]))
