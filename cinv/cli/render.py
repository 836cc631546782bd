"""`cinv render`: the inventory's files for dhcpd, Kea, BIND, libvirt, hosts, dnsmasq, Ansible."""
from __future__ import annotations

import click

from cinv import output, printable
from cinv.cli import _workspace, cli, echo
from cinv.errors import CinvError, ProblemsError


@cli.command()
@click.argument("targets", nargs=-1, metavar="[TARGET]...")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False),
              help="Output directory (default: render.out of cinv.yaml, else build/).")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 listing every file that differs (missing, changed, "
                   "stale).")
@click.pass_context
def render(ctx, targets, out, check_only):
    """Render targets (default: all) into the output directory.

    Built-in targets: dhcpd, kea, dns, libvirt, hosts, dnsmasq, ansible, report; more come from
    render.targets in cinv.yaml. Only changed files are written; files cinv wrote before and no
    longer produces are removed. Refused while `cinv check` reports errors.

    \b
    Example:
      cinv render                      # everything, into build/
      cinv render dns kea --out /srv/cinv
      cinv --ref v1.2 render --check   # does build/ match tag v1.2?
    """
    ws = _workspace(ctx)
    try:
        result = output.run(ws, list(dict.fromkeys(targets)), out, check_only)
    except ProblemsError as e:
        for p in e.problems:
            echo(p.text(), err=True)
        raise CinvError(f"render refused: `cinv check` reports {len(e.problems)} error"
                        f"{'s' if len(e.problems) != 1 else ''}; nothing was written") from None
    for warning in result.warnings:
        echo(f"cinv: warning: {printable.line(warning)}", err=True)
    plan = result.plan
    if check_only:
        for line in plan.lines():
            echo(printable.line(line))
        if plan.differs:
            raise CinvError(f"{result.out}: {len(plan.lines())} file(s) differ from the "
                            "inventory; run `cinv render` to update them")
        echo(f"{result.out}: up to date ({plan.unchanged} files)")
        return
    if result.report:  # one write: a first render names 50,000 files (an echo each: 0.3 s)
        echo("\n".join(printable.line(line) for line in result.report))
    for parent, domain in result.undefine:
        echo(f"libvirt: {domain} is no longer in libvirt/{parent}.list; if it still runs "
                   f"on {parent}, undefine it there (virsh undefine {domain}; its disks stay)")
    written = len(plan.missing) + len(plan.changed)
    echo(f"{result.out}: {written} written, {plan.unchanged} unchanged, "
         f"{len(plan.stale)} removed")
