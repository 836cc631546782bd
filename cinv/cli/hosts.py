"""Host and interface commands: host add, list, show, set, state, rm, history; iface add, rm."""
from __future__ import annotations

import json

import click

from cinv import ops, show
from cinv.cli import (
    FORMATS,
    _workspace,
    cli,
    complete_host,
    complete_network,
    no_commit_option,
)
from cinv.errors import CinvError
from cinv.model import KINDS, STATES


@cli.group()
def host():
    """Hosts, physical and virtual alike: add, list, show, set, state, rm, history.

    \b
    Example:
      cinv host list --kind virtual
    """


@host.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--network", metavar="NET", shell_complete=complete_network,
              help="Network of the first interface (eth0).")
@click.option("--ipv4", default="auto", show_default=True, metavar="auto|IP|none")
@click.option("--ipv6", default="auto", show_default=True, metavar="auto|IP|none")
@click.option("--mac", default=None, metavar="auto|MAC",
              help="Default: auto for virtual hosts; a physical host's MAC is given.")
@click.option("--parent", metavar="HOST", shell_complete=complete_host,
              help="The host it runs on (a hypervisor).")
@click.option("--cpus", type=click.IntRange(1, 4096))
@click.option("--memory", metavar="SIZE", help="e.g. 4GiB.")
@click.option("--disk", multiple=True, metavar="SIZE", help="A disk of this size (repeatable).")
@click.option("--tag", multiple=True, help="A tag (repeatable).")
@click.option("--state", type=click.Choice(STATES), default="active", show_default=True)
@click.option("--description", metavar="TEXT")
@no_commit_option
@click.pass_context
def host_add(ctx, name, kind, network, ipv4, ipv6, mac, parent, cpus, memory, disk, tag, state,
             description, no_commit):
    """Add a host. NAME is a short name (the network's domain is appended), an FQDN, or a
    pattern such as vm{n:03} that takes the lowest free number. Prints the record as stored.

    \b
    Example:
      cinv host add 'vm{n:03}' --kind virtual --network prod --parent hv1 \\
          --cpus 2 --memory 4GiB --disk 20GiB --tag web
    """
    h = ops.add_host(_workspace(ctx), name, kind, network=network, ipv4=ipv4, ipv6=ipv6,
                     mac=mac, parent=parent, cpus=cpus, memory=memory, disks=disk, tags=tag,
                     state=state, description=description, commit=not no_commit)
    click.echo(show.record(h.to_dict(with_name=True), "yaml"))


@host.command("list")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--state", type=click.Choice(STATES))
@click.option("--tag", multiple=True, help="Only hosts with this tag (repeatable: all of them).")
@click.option("--network", metavar="NET", shell_complete=complete_network)
@click.option("--parent", metavar="HOST", shell_complete=complete_host)
@click.option("--all", "show_all", is_flag=True, help="Include retired hosts.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.pass_context
def host_list(ctx, kind, state, tag, network, parent, show_all, fmt):
    """List hosts (retired ones only with --all or --state retired).

    \b
    Example:
      cinv host list --tag web --format names | xargs cdist config
    """
    inv = _workspace(ctx).load()
    if network:
        ops.find_network(inv, network)
    parent_name = ops.find_host(inv, parent).name if parent else None
    selected = [
        h for name, h in sorted(inv.hosts.items())
        if (show_all or state == "retired" or not h.retired)
        and (kind is None or h.kind == kind) and (state is None or h.state == state)
        and all(t in h.tags for t in tag)
        and (network is None or any(i.network == network for i in h.interfaces))
        and (parent_name is None or h.parent == parent_name)]
    out = show.hosts(selected, fmt)
    if out:
        click.echo(out)


@host.command("show")
@click.argument("name", shell_complete=complete_host)
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True)
@click.pass_context
def host_show(ctx, name, fmt):
    """Show one host's record.

    \b
    Example:
      cinv host show web1 --format json
    """
    h = ops.find_host(_workspace(ctx).load(), name)
    click.echo(show.record(h.to_dict(with_name=True), fmt))


@host.command("set")
@click.argument("name", shell_complete=complete_host)
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@no_commit_option
@click.pass_context
def host_set(ctx, name, assignments, no_commit):
    """Change fields; dotted keys for nesting, interfaces by name; KEY= removes a field.

    \b
    Example:
      cinv host set web1 hardware.memory=8GiB interfaces.eth0.aliases='[www, api]'
    """
    h = ops.set_host(_workspace(ctx), name, list(assignments), commit=not no_commit)
    click.echo(show.record(h.to_dict(with_name=True), "yaml"))


@host.command("state")
@click.argument("name", shell_complete=complete_host)
@click.argument("state", type=click.Choice(STATES))
@no_commit_option
@click.pass_context
def host_state(ctx, name, state, no_commit):
    """Move a host along its lifecycle: planned -> provisioning -> active <-> maintenance ->
    retired (and retired -> planned to revive it).

    \b
    Example:
      cinv host state web1 maintenance
    """
    h = ops.set_state(_workspace(ctx), name, state, commit=not no_commit)
    click.echo(f"{h.name}: {h.state}")


@host.command("rm")
@click.argument("name", shell_complete=complete_host)
@no_commit_option
@click.pass_context
def host_rm(ctx, name, no_commit):
    """Remove a host's record (to keep it for history, retire it instead).

    \b
    Example:
      cinv host rm vm007
    """
    h = ops.remove_host(_workspace(ctx), name, commit=not no_commit)
    click.echo(f"Removed {h.name} ({h.path}).")


@host.command("history")
@click.argument("name", shell_complete=complete_host)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def host_history(ctx, name, fmt):
    """The git history of a host's record, newest first: that record's own commits (its
    removal included), following renames made by `cinv host rename`.

    \b
    Example:
      cinv host history web1
    """
    from cinv import gitstore
    ws = _workspace(ctx)
    inv = ws.load()
    try:
        path = ops.find_host(inv, name).path
    except CinvError:  # a removed host: its record's last path, from the history
        path = gitstore.find_removed_record(ws.root, name)
        if path is None:
            raise
    commits = gitstore.host_history(ws.root, path)
    if fmt == "json":
        click.echo(json.dumps(commits, indent=2))
        return
    for c in commits:
        click.echo(f"{c['commit'][:12]}  {c['date']}  {c['author']}  {c['message']}")


# --- interfaces ---------------------------------------------------------------------------

@cli.group()
def iface():
    """A host's second, third ... interface.

    \b
    Example:
      cinv iface add hv1 --network mgmt --name bmc
    """


@iface.command("add")
@click.argument("host_name", metavar="HOST", shell_complete=complete_host)
@click.option("--network", required=True, metavar="NET", shell_complete=complete_network)
@click.option("--name", "ifname", metavar="IF", help="Default: the next free ethN.")
@click.option("--ipv4", default="auto", show_default=True, metavar="auto|IP|none")
@click.option("--ipv6", default="auto", show_default=True, metavar="auto|IP|none")
@click.option("--mac", default=None, metavar="auto|MAC|none")
@no_commit_option
@click.pass_context
def iface_add(ctx, host_name, network, ifname, ipv4, ipv6, mac, no_commit):
    """Add an interface to a host.

    \b
    Example:
      cinv iface add web1 --network backup --name eth1
    """
    h = ops.add_interface(_workspace(ctx), host_name, network, ifname, ipv4=ipv4, ipv6=ipv6,
                          mac=mac, commit=not no_commit)
    click.echo(show.record(h.to_dict(with_name=True), "yaml"))


@iface.command("rm")
@click.argument("host_name", metavar="HOST", shell_complete=complete_host)
@click.argument("ifname", metavar="IF")
@no_commit_option
@click.pass_context
def iface_rm(ctx, host_name, ifname, no_commit):
    """Remove an interface from a host.

    \b
    Example:
      cinv iface rm web1 eth1
    """
    h = ops.remove_interface(_workspace(ctx), host_name, ifname, commit=not no_commit)
    click.echo(show.record(h.to_dict(with_name=True), "yaml"))
