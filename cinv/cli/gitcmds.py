"""Commands about history: diff."""
from __future__ import annotations

import json

import click

from cinv import diff as differ
from cinv.cli import _workspace, cli
from cinv.workspace import Workspace


@cli.command()
@click.argument("from_ref", metavar="[FROM", required=False)
@click.argument("to_ref", metavar="[TO]]", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def diff(ctx, from_ref, to_ref, fmt):
    """What changed between two refs, in inventory terms: hosts and networks added, removed,
    and changed field by field. FROM defaults to HEAD, TO to the work tree (or to --ref).

    \b
    Example:
      cinv diff                          # uncommitted changes
      cinv diff HEAD~3                   # the last three commits and the work tree
      cinv diff customer-a customer-b    # two customer branches
    """
    ws = _workspace(ctx)
    old = Workspace(root=ws.root, ref=from_ref or "HEAD").load()
    new = Workspace(root=ws.root, ref=to_ref or ws.ref).load()
    diffs = differ.diff(old, new)
    if fmt == "json":
        click.echo(json.dumps(differ.as_json(diffs), indent=2, default=str))
    elif diffs:
        click.echo(differ.as_text(diffs))
