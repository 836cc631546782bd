"""Commands about history: diff."""
from __future__ import annotations

import json

import click

from cinv import diff as differ
from cinv import gitstore
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
    renamed, and changed field by field. FROM defaults to HEAD, TO to the work tree (or to
    --ref). FROM and TO take every revision git knows (main@{1}, HEAD~3, HEAD@{yesterday}).

    \b
    Example:
      cinv diff                          # uncommitted changes
      cinv diff HEAD~3                   # the last three commits and the work tree
      cinv diff customer-a customer-b    # two customer branches
    """
    ws = _workspace(ctx)
    start = from_ref or "HEAD"
    before = Workspace(ws.root, start, gitstore.resolve_commit(ws.root, start, "diff FROM"))
    after = ws if not to_ref else Workspace(ws.root, to_ref, gitstore.resolve_commit(
        ws.root, to_ref, "diff TO"))
    old, new = before.load(), after.load()
    renames = gitstore.renames_between(ws.root, before.commit, after.commit)
    if after.commit is None:  # the work tree: renames not committed yet come last
        head = gitstore.head(ws.root)
        base = old if head == before.commit else Workspace(ws.root, "HEAD", head).load()
        renames = differ.chain(renames, differ.content_renames(base, new))
    diffs = differ.diff(old, new, renames)
    if fmt == "json":
        click.echo(json.dumps(differ.as_json(diffs), indent=2, default=str))
    elif diffs:
        click.echo(differ.as_text(diffs))
