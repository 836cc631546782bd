"""Commands about history: diff."""
from __future__ import annotations

import json

import click

from cinv import dates
from cinv import diff as differ
from cinv.cli import _workspace, cli, echo, echo_notes
from cinv.errors import CinvError
from cinv.git import gitstore
from cinv.workspace import Workspace


@cli.command()
@click.argument("from_ref", metavar="[FROM", required=False)
@click.argument("to_ref", metavar="[TO]]", required=False)
@click.argument("targets", nargs=-1, metavar="[TARGET]...")
@click.option("--since", metavar="DATE",
              help="Compare from the last commit (first-parent, by commit date) at or before "
                   "DATE: 2026-03-01, '2026-03-01 18:00', yesterday, '3 days ago'. Instead of "
                   "FROM; a single REF is then TO.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--render", "rendered", is_flag=True,
              help="Print a unified diff of the rendered files instead (TARGETs as `render`; "
                   "exit 1 when any differs).")
@click.pass_context
def diff(ctx, from_ref, to_ref, targets, since, fmt, rendered):
    """What changed between two refs, in inventory terms: hosts and networks added, removed
    (with their addresses), renamed, and changed field by field; zones' own records as
    octoDNS's plan shows them. FROM defaults to HEAD, TO to the work tree (or to --ref). FROM
    and TO take every revision git knows (main@{1}, HEAD~3); a reflog date such as
    HEAD@{yesterday} is where HEAD pointed in this clone (git's warning is passed on), while
    --since DATE goes by commit date.

    \b
    Example:
      cinv diff                          # uncommitted changes
      cinv diff HEAD~3                   # the last three commits and the work tree
      cinv diff --since yesterday        # by commit date, to the work tree
      cinv diff customer-a customer-b    # two customer branches
      cinv diff --render main HEAD dns   # what the branch does to the zone files
    """
    ws = _workspace(ctx)
    if rendered:
        if fmt != "text" or since:
            raise click.UsageError("--format and --since are for the record diff; --render "
                                   "prints a unified diff of two refs")
        _render_diff(ctx, ws, [a for a in (from_ref, to_ref, *targets) if a is not None])
        return
    if targets:
        raise click.UsageError(f"got unexpected extra argument ({targets[0]}); TARGETs "
                               "go with --render")
    notes: list[str] = []
    if since is not None:
        if to_ref is not None:
            raise click.UsageError("--since replaces FROM: give at most one REF (TO)")
        from_ref, to_ref = None, from_ref
    after = ws if not to_ref else Workspace(ws.root, to_ref, gitstore.resolve_commit(
        ws.root, to_ref, "diff TO", notes))
    if since is not None:
        start, when = _since(ws, after, since)
        before = Workspace(ws.root, start, start)
        notes.append(f"--since {since}: from commit {start[:12]} of {when}")
    else:
        start = from_ref or "HEAD"
        before = Workspace(ws.root, start, gitstore.resolve_commit(ws.root, start,
                                                                   "diff FROM", notes))
    echo_notes(notes)
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


def _since(ws: Workspace, after: Workspace, since: str) -> tuple[str, str]:
    """The commit --since DATE compares from, and its date as text."""
    when = dates.parse(since, "--since")
    tip = after.commit or gitstore.head(ws.root)
    if tip is None:
        raise CinvError("--since: the inventory has no commit yet")
    found = gitstore.commit_before(ws.root, tip, when)
    if found is None:
        raise CinvError(f"--since {since}: {after.ref or 'HEAD'} has no commit at or before "
                        f"{dates.text(when)}; every commit is younger (compare with its first "
                        "commit by id instead)")
    return found[0], dates.text(found[1])


def _render_diff(ctx, ws: Workspace, args: list[str]) -> None:
    """`--render`: the unified diff of the rendered files; exit 1 when any differs."""
    from cinv.output import diff as rendered_diff
    refs, names = rendered_diff.split_arguments(ws, args)
    lines = rendered_diff.run(ws, *(refs + [None, None])[:2], names)
    echo("".join(lines), nl=False)
    ctx.exit(1 if lines else 0)
