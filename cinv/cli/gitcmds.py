"""Commands about history: diff."""
from __future__ import annotations

import json

import click

from cinv import diff as differ
from cinv import gitstore
from cinv.cli import _workspace, cli, echo
from cinv.workspace import Workspace


@cli.command()
@click.argument("from_ref", metavar="[FROM", required=False)
@click.argument("to_ref", metavar="[TO]]", required=False)
@click.argument("targets", nargs=-1, metavar="[TARGET]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--render", "rendered", is_flag=True,
              help="Print a unified diff of the rendered files instead (TARGETs as `render`; "
                   "exit 1 when any differs).")
@click.pass_context
def diff(ctx, from_ref, to_ref, targets, fmt, rendered):
    """What changed between two refs, in inventory terms: hosts and networks added, removed,
    renamed, and changed field by field. FROM defaults to HEAD, TO to the work tree (or to
    --ref). FROM and TO take every revision git knows (main@{1}, HEAD~3, HEAD@{yesterday}).

    \b
    Example:
      cinv diff                          # uncommitted changes
      cinv diff HEAD~3                   # the last three commits and the work tree
      cinv diff customer-a customer-b    # two customer branches
      cinv diff --render main HEAD dns   # what the branch does to the zone files
    """
    ws = _workspace(ctx)
    if rendered:
        if fmt != "text":
            raise click.UsageError("--format is for the record diff; --render prints a "
                                   "unified diff")
        _render_diff(ctx, ws, [a for a in (from_ref, to_ref, *targets) if a is not None])
        return
    if targets:
        raise click.UsageError(f"got unexpected extra argument ({targets[0]}); TARGETs "
                               "go with --render")
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
        echo(json.dumps(differ.as_json(diffs), indent=2, default=str))
    elif diffs:
        echo(differ.as_text(diffs))


def _render_diff(ctx, ws: Workspace, args: list[str]) -> None:
    """`--render`: the unified diff of the rendered files; exit 1 when any differs."""
    from cinv.render import diff as rendered_diff
    refs, names = rendered_diff.split_arguments(ws, args)
    lines = rendered_diff.run(ws, *(refs + [None, None])[:2], names)
    echo("".join(lines), nl=False)
    ctx.exit(1 if lines else 0)
