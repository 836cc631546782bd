"""`cinv audit`: compare what really runs (DHCP leases, a libvirt host, a DNS server) with the
inventory. Read-only; exit 0 when all agrees, 1 when anything differs or cannot be read.
cinv.audit is imported when an audit runs, so other commands do not pay for it."""
from __future__ import annotations

import calendar
import datetime

import click

from cinv import printable
from cinv.cli import _workspace, cli, complete_host, echo, refused_on_errors

format_option = click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                             default="table", show_default=True,
                             help="json: a list of findings, each with kind, subject, expected, "
                                  "actual, where and note.")
timeout_option = click.option("--timeout", type=click.FloatRange(0.1, 3600), default=5.0,
                              show_default=True, metavar="SECONDS",
                              help="How long to wait for an answer.")


def _report(ctx: click.Context, findings: list, fmt: str, what: str) -> None:
    from cinv.audit import compare
    if fmt == "json":
        echo(compare.as_json(findings))
    elif findings:
        echo(compare.as_table(findings))
    n = len(set(findings))
    echo(f"{what}: {n} difference{'s' if n != 1 else ''} from the inventory" if n
         else f"{what}: agrees with the inventory", err=True)
    ctx.exit(1 if findings else 0)


def _parse_now(ctx, param, value):
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither POSIX seconds nor a time like "
                                 "'2026-11-26 12:00:00' (UTC)") from None
    if moment.tzinfo is not None:
        return moment.timestamp()
    return float(calendar.timegm(moment.timetuple()))


@cli.group()
def audit():
    """Compare what really runs with the inventory; exit 1 listing every difference.

    Sources: DHCP lease files (ISC dhcpd, Kea), a libvirt host, a DNS server (zone transfer).
    Nothing in the inventory changes; nothing is contacted but what you name.

    \b
    Example (a nightly job that fails when the network drifts):
      cinv audit leases /var/lib/dhcp/dhcpd.leases || mail -s drift ops < /dev/null
    """


@audit.command("leases")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--now", callback=_parse_now, metavar="TIME",
              help="Judge which leases have ended as of this time: POSIX seconds or "
                   "'YYYY-MM-DD HH:MM:SS' (UTC). Default: the clock.")
@format_option
@click.pass_context
def leases(ctx, files, now, fmt):
    """Active DHCP leases against the inventory.

    FILE is an ISC dhcpd.leases (v4 or v6) or a Kea memfile lease CSV (v4 or v6); several
    are read in the order given, the last record of a lease winning (Kea: give FILE.2 FILE.1
    FILE). Reports MACs no host has (with their vendor), hosts leasing another address than
    recorded, leases of retired hosts, leases inside reserved ranges, and a host's address
    leased to another MAC.

    \b
    Example:
      cinv audit leases /var/lib/dhcp/dhcpd.leases /var/lib/kea/kea-leases4.csv
    """
    from cinv import audit as audits
    with refused_on_errors("audit refused"):
        findings = audits.audit_leases(_workspace(ctx), list(files), now)
    _report(ctx, findings, fmt, "leases")


@audit.command("libvirt")
@click.option("--connect", "uri", required=True, metavar="URI",
              help="The libvirt host, as `virsh -c` takes it (qemu+ssh://root@hv1/system).")
@click.option("--parent", metavar="HOST", shell_complete=complete_host,
              help="The hypervisor's host record (default: the URI's host, when it is one).")
@timeout_option
@format_option
@click.pass_context
def libvirt(ctx, uri, parent, timeout, fmt):
    """A libvirt host's domains against the inventory's VMs on that host.

    Domains are matched with VMs by UUID, then by name. Reports domains nobody recorded,
    recorded VMs without a domain (not planned ones), retired VMs still defined, VMs recorded
    on another parent, and per VM what differs from the domain `cinv render libvirt` writes:
    name, uuid, memory, vcpus, MACs, network or bridge, disks.

    \b
    Example:
      cinv audit libvirt --connect qemu+ssh://root@hv1.example.com/system
    """
    from cinv import audit as audits
    findings, notes = audits.audit_libvirt(_workspace(ctx), uri, parent, timeout)
    for note in notes:
        echo(f"cinv: note: {printable.line(note)}", err=True)
    _report(ctx, findings, fmt, f"libvirt {uri}")


def _server(ctx, param, value):
    from cinv.audit.dns import check_server
    try:
        return check_server(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@audit.command("dns")
@click.option("--server", required=True, metavar="ADDR", callback=_server,
              help="The DNS server's IP address.")
@click.option("--port", type=click.IntRange(1, 65535), default=53, show_default=True)
@click.option("--zone", "zones", multiple=True, metavar="ZONE",
              help="A zone to compare (repeatable; default: every zone of the inventory).")
@timeout_option
@format_option
@click.pass_context
def dns(ctx, server, port, zones, timeout, fmt):
    """A DNS server's zones (by transfer, AXFR) against what `cinv render dns` writes.

    Reports records missing from the server, extra on it, and different (data or TTL; the
    SOA serial aside), and zones the server does not serve. The server must allow transfers
    to this host (named: allow-transfer).

    \b
    Example:
      cinv audit dns --server 192.0.2.53 --zone prod.example.com
    """
    from cinv import audit as audits
    with refused_on_errors("audit refused"):
        expected = audits.expected_zones(_workspace(ctx))
    wanted = [z.lower().rstrip(".") for z in zones] or sorted(expected)
    unknown = [z for z in wanted if z not in expected]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: not a zone of the inventory (its "
                                 f"zones: {', '.join(sorted(expected))})", param_hint="'--zone'")
    findings = audits.audit_dns(expected, server, port, list(dict.fromkeys(wanted)), timeout)
    _report(ctx, findings, fmt, f"dns {server}")
