"""Import and export: bring dhcpd.conf, zone files and libvirt domains in; hand hosts to cdist
and Ansible."""
from __future__ import annotations

from pathlib import Path

import click

from cinv import export as exports
from cinv import ops
from cinv.cli import _workspace, cli, complete_host, complete_network, echo, no_commit_option
from cinv.errors import Problem, ProblemsError
from cinv.importers import dhcpd, dnsmasq, kea, libvirt, plan, zone

dry_run_option = click.option("--dry-run", is_flag=True,
                              help="Print the plan (create / update / skip) and change nothing.")
_FILE = click.Path(dir_okay=False, path_type=Path)


def _run(ctx, read, dry_run: bool, no_commit: bool) -> None:
    result, sha = plan.run(_workspace(ctx), read, dry_run, commit=not no_commit)
    echo(result.text())
    if dry_run and result.refused:  # exit as the real run would
        raise ProblemsError([Problem(result.source, 0, "import refused, nothing written:",
                                     "error", "import"), *result.refused])
    if dry_run:
        echo("Dry run: nothing written.")
    elif not result.changes:
        echo("Nothing to change.")
    else:
        echo(f"Imported: {result.counts()}" + (f" (commit {sha[:10]})" if sha else "."))


@cli.group("import")
def import_():
    """Bring existing hosts in from dhcpd.conf, Kea, dnsmasq, zone files and libvirt domains.

    Hosts are matched by MAC, then by name; existing records are updated, not duplicated. A real
    run is one commit; running it again changes nothing. What cannot be mapped is listed.

    \b
    Example:
      cinv import dhcpd /etc/dhcp/dhcpd.conf --networks --dry-run
    """


@import_.command("dhcpd")
@click.argument("file", type=_FILE)
@click.option("--network", metavar="NET", shell_complete=complete_network,
              help="Network for hosts whose address and subnet name none.")
@click.option("--networks", is_flag=True, help="Also import subnets as network records.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A copied tree's root: absolute includes (/etc/dhcp/x) are read under DIR, "
                   "and nothing outside it.")
@dry_run_option
@no_commit_option
@click.pass_context
def import_dhcpd(ctx, file, network, networks, root, dry_run, no_commit):
    """Import host blocks (and with --networks, subnets) of an ISC dhcpd.conf tree.

    \b
    Example:
      cinv import dhcpd /etc/dhcp/dhcpd.conf --networks --dry-run
      cinv import dhcpd backup/etc/dhcp/dhcpd.conf --root backup --networks
    """
    _run(ctx, lambda inv: dhcpd.read(file, str(file), inv, network, networks, root), dry_run,
         no_commit)


@import_.command("kea")
@click.argument("file", type=_FILE)
@click.option("--networks", is_flag=True, help="Also import subnets as network records.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="A copied tree's root: absolute <?include?> names are read under DIR, and "
                   "nothing outside it.")
@dry_run_option
@no_commit_option
@click.pass_context
def import_kea(ctx, file, networks, root, dry_run, no_commit):
    """Import the reservations (and with --networks, the subnets, pools and options) of a Kea
    DHCPv4 or DHCPv6 configuration. Client classes and server parameters are listed.

    \b
    Example:
      cinv import kea /etc/kea/kea-dhcp4.conf --networks --dry-run
      cinv import kea /etc/kea/kea-dhcp6.conf --networks
    """
    _run(ctx, lambda inv: kea.read(file, str(file), inv, networks, root), dry_run, no_commit)


@import_.command("dnsmasq")
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option("--networks", is_flag=True, help="Also import dhcp-range lines as network records.")
@dry_run_option
@no_commit_option
@click.pass_context
def import_dnsmasq(ctx, files, networks, dry_run, no_commit):
    """Import dhcp-host, host-record, cname and address lines (and with --networks,
    dhcp-range with its dhcp-option and dhcp-boot lines) of dnsmasq configuration files,
    read in the order given. Other settings are listed.

    \b
    Example:
      cinv import dnsmasq /etc/dnsmasq.conf /etc/dnsmasq.d/*.conf --networks --dry-run
    """
    _run(ctx, lambda inv: dnsmasq.read([(f, str(f)) for f in files], inv, networks), dry_run,
         no_commit)


@import_.command("zone")
@click.argument("file", type=_FILE)
@click.option("--zone", "zone_name", required=True, metavar="ZONE",
              help="The zone's name (its origin), e.g. prod.example.com. No name outside it is "
                   "ever imported.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="The tree the zone file lies in: the folder standing for / when a $INCLUDE "
                   "names an absolute path, and the limit a relative one (../db.common) may "
                   "climb to.")
@click.option("--take-nameservers", is_flag=True,
              help="While cinv.yaml names the placeholder nameserver (localhost.), make the "
                   "source's apex NS and SOA names the inventory's (dns.nameservers, "
                   "primary_ns, hostmaster).")
@dry_run_option
@no_commit_option
@click.pass_context
def import_zone(ctx, file, zone_name, root, take_nameservers, dry_run, no_commit):
    """Import a BIND zone file (forward or reverse): hosts, their extra names and aliases, and
    every other record (MX, TXT, SRV, wildcards, delegations ...) into zones/<zone>.yaml, TTLs
    kept. The source's SOA serial becomes the zone's serial floor (rendered serials stay
    above it) and its timers are kept; the apex NS stay the inventory's, but are offered
    (--take-nameservers) while cinv.yaml names the placeholder nameserver. A name outside ZONE
    refuses the import.

    \b
    Example:
      cinv import zone /etc/bind/db.prod.example.com --zone prod.example.com --dry-run
      cinv import zone /etc/bind/db.2.0.192 --zone 2.0.192.in-addr.arpa
    """
    _run(ctx, lambda inv: zone.read(file, str(file), inv, zone_name, root, take_nameservers),
         dry_run, no_commit)


@import_.command("libvirt")
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option("--parent", metavar="HOST", shell_complete=complete_host,
              help="The hypervisor these domains run on.")
@dry_run_option
@no_commit_option
@click.pass_context
def import_libvirt(ctx, files, parent, dry_run, no_commit):
    """Import libvirt domains (XML as `virsh dumpxml` writes it) as virtual hosts.

    \b
    Example:
      for d in $(virsh list --all --name); do virsh dumpxml "$d" > "$d.xml"; done
      cinv import libvirt *.xml --parent hv1 --dry-run
    """
    def read(inv):
        hv = ops.find_host(inv, parent).name if parent else None
        return libvirt.read([(f, str(f)) for f in files], inv, hv)
    _run(ctx, read, dry_run, no_commit)


@cli.group("export")
def export_():
    """Hand hosts to configuration management: cdist and Ansible.

    \b
    Example:
      cinv export cdist ~/.cdist/inventory
    """


@export_.command("cdist")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def export_cdist(ctx, directory):
    """Write cdist's inventory: DIR/<fqdn> per host, its tags one per line, with kind:, state:,
    network: and parent: tags. Retired and removed hosts' files are removed.

    \b
    Example:
      cinv export cdist ~/.cdist/inventory && cdist config -I ~/.cdist/inventory -t kind:virtual
    """
    report = exports.cdist(_workspace(ctx).load(), directory)
    for name in report.written:
        echo(f"wrote {directory / name}")
    for name in report.removed:
        echo(f"removed {directory / name} (not in the inventory, or retired)")
    echo(f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
         f"{len(report.removed)} removed.")


@export_.command("ansible")
@click.option("--list", "list_", is_flag=True,
              help="Every group and host as JSON (Ansible's dynamic-inventory protocol).")
@click.option("--host", metavar="NAME", help="One host's vars as JSON (the same protocol).")
@click.pass_context
def export_ansible(ctx, list_, host):
    """Print the Ansible inventory: YAML (the same file as the `ansible` render target), or
    with --list / --host the JSON of Ansible's dynamic-inventory scripts, so a two-line
    script (examples/ansible/cinv-inventory) makes cinv a live inventory source.

    \b
    Example:
      cinv export ansible > inventory.yaml && ansible-inventory -i inventory.yaml --graph
      ansible-inventory -i examples/ansible/cinv-inventory --graph
    """
    if list_ and host is not None:
        raise click.UsageError("--list and --host exclude each other")
    ws = _workspace(ctx)
    if list_:
        text = exports.ansible_list(ws)
    elif host is not None:
        text = exports.ansible_host(ws, host)
    else:
        text = exports.ansible(ws)
    echo(text, nl=False)
