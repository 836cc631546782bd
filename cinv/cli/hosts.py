"""Host and interface commands: host add, list, show, set, state, rm, rename, move, tag,
history; iface add, set, rm."""
from __future__ import annotations

import json

import click

from cinv import ops, printable, show
from cinv.cli import (
    FORMATS,
    _workspace,
    cli,
    complete_host,
    complete_network,
    echo,
    no_commit_option,
)
from cinv.errors import CinvError
from cinv.records.model import KINDS, STATES, TRANSITIONS


def echo_warnings(ws) -> None:
    """The warnings a change added (a memory over-commit, an address a network names), on
    stderr: the change is made, but someone should look."""
    for problem in ws.warnings:
        echo(problem.text(), err=True)


def lifecycle_text() -> str:
    """The legal transitions, from model.TRANSITIONS (README's "Lifecycle" lists the same)."""
    return "\n".join(f"  {state:<13} -> {', '.join(TRANSITIONS[state])}" for state in STATES)


@cli.group()
def host():
    """Hosts, physical and virtual alike: add, list, show, set, state, rm, rename, move, tag,
    history.

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
    ws = _workspace(ctx)
    h = ops.add_host(ws, name, kind, network=network, ipv4=ipv4, ipv6=ipv6,
                     mac=mac, parent=parent, cpus=cpus, memory=memory, disks=disk, tags=tag,
                     state=state, description=description, commit=not no_commit)
    echo(show.record(h.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)


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
        echo(out)


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
    echo(show.record(h.to_dict(with_name=True), fmt))


@host.command("set")
@click.argument("name", shell_complete=complete_host)
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@no_commit_option
@click.pass_context
def host_set(ctx, name, assignments, no_commit):
    """Change fields; dotted keys for nesting, interfaces by name; KEY= removes a field.

    Each VALUE is read as its field's flag reads it: text as typed (description="a: b"),
    lists as a,b or [a, b], parent as a short name or FQDN, an interface's ipv4, ipv6 and mac
    as auto, none or a value; vars as YAML. Prints the record as stored.

    \b
    Example:
      cinv host set web1 hardware.memory=8GiB description="Web: public" tags=web,customer-a
      cinv host set web1 parent=hv2 interfaces.eth0.ipv4=auto
    """
    ws = _workspace(ctx)
    h, _said = ops.set_host(ws, name, list(assignments), commit=not no_commit)
    echo(show.record(h.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)


@host.command("state")
@click.argument("name", shell_complete=complete_host)
@click.argument("state", type=click.Choice(STATES))
@no_commit_option
@click.pass_context
def host_state(ctx, name, state, no_commit):
    ws = _workspace(ctx)
    h = ops.set_state(ws, name, state, commit=not no_commit)
    echo(f"{h.name}: {h.state}")
    if state == "retired":
        echo_still_running(h)
    echo_warnings(ws)


def echo_still_running(h) -> None:
    """A VM leaving service leaves its hypervisor's list at the next render, but its domain
    runs on until someone undefines it: say which, and where."""
    if h.kind == "virtual" and h.parent:
        domain = h.libvirt.name or h.name
        echo(f"  its domain {domain} still runs on {h.parent} until undefined there "
                   f"(virsh undefine {domain}; its disks stay); the next render takes it off "
                   f"libvirt/{h.parent}.list")


host_state.help = f"""Move a host along its lifecycle; any other move is refused, naming the
legal ones. A host leaves service by retiring (its record stays; its addresses and MACs are
held back for the hold time, then free), only a retired host is planned again, and a host
in service is rebuilt by going back to provisioning (its addresses and MACs stay):

\b
{lifecycle_text()}

\b
Example:
  cinv host state web1 maintenance
  cinv host state web1 provisioning     # rebuild: it netboots at the next render
"""


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
    ws = _workspace(ctx)
    h = ops.remove_host(ws, name, commit=not no_commit)
    echo(f"Removed {h.name} ({h.path}).")
    if not h.retired:
        echo_still_running(h)
    echo_warnings(ws)


@host.command("rename")
@click.argument("old", shell_complete=complete_host)
@click.argument("new")
@no_commit_option
@click.pass_context
def host_rename(ctx, old, new, no_commit):
    """Rename a host: its record moves, hosts whose parent it is follow, its addresses and
    MACs stay, and a VM's libvirt domain keeps its name and UUID (pinned in the record). NEW
    is a short name (the first interface's network domain is appended) or an FQDN.

    \b
    Example:
      cinv host rename vm007 web3
    """
    ws = _workspace(ctx)
    was, h, children = ops.rename_host(ws, old, new, commit=not no_commit)
    echo(f"Renamed {was} to {h.name} ({h.path}).")
    if h.kind == "virtual" and (h.libvirt.name or h.name) != h.name:
        echo(f"  its libvirt domain keeps the name {h.libvirt.name} and uuid "
                   f"{h.libvirt.uuid} (pinned in the record's libvirt: block), so `virsh "
                   "define` updates that domain; to rename the domain too, `virsh domrename` "
                   f"it and set libvirt.name={h.name}")
    for child in children:
        echo(f"  {child.name}: parent {h.name}")
    echo_warnings(ws)


@host.command("move")
@click.argument("name", shell_complete=complete_host)
@click.option("--parent", required=True, metavar="HOST", shell_complete=complete_host,
              help="The hypervisor it moves to.")
@no_commit_option
@click.pass_context
def host_move(ctx, name, parent, no_commit):
    """Move a VM to another hypervisor. Refused, saying what is short, when the new parent's
    CPUs, memory or disk (where its record lists them) times the over-commit ratios of
    cinv.yaml (capacity.overcommit: cpus 4, memory 1, disk 1 unless set) cannot hold it beside
    its guests: the rule `cinv check`, `host add` and `host set` hold to as well.

    \b
    Example:
      cinv host move web1 --parent hv2
    """
    ws = _workspace(ctx)
    h = ops.move_host(ws, name, parent, commit=not no_commit)
    echo(f"{h.name}: parent {h.parent}")
    echo_warnings(ws)


@host.command("tag")
@click.argument("names", nargs=-1, required=True, metavar="NAME...",
                shell_complete=complete_host)
@click.option("--add", "add", multiple=True, metavar="TAG", help="Add this tag (repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="TAG",
              help="Remove this tag (repeatable).")
@no_commit_option
@click.pass_context
def host_tag(ctx, names, add, remove, no_commit):
    """Add and remove tags on several hosts in one commit. NAME is a host, a short name, or a
    shell pattern ('vm0*', '*.prod.example.com'). Prints each host that changed.

    \b
    Example:
      cinv host tag web1 web2 'db*' --add backup-daily --remove backup-weekly
    """
    ws = _workspace(ctx)
    changed = ops.tag_hosts(ws, names, add, remove, commit=not no_commit)
    if not changed:
        echo("Nothing to change: every host has those tags already.")
    for h in changed:
        echo(f"{h.name}: {', '.join(h.tags) or '(no tags)'}")
    echo_warnings(ws)


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
    from cinv.git import gitstore
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
        echo(json.dumps(commits, indent=2))
        return
    for c in commits:
        echo(printable.line(f"{c['commit'][:12]}  {c['date']}  {c['author']}  {c['message']}"))


# --- interfaces ---------------------------------------------------------------------------

@cli.group()
def iface():
    """A host's interfaces: add a second, third ..., re-address one, remove one.

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
    ws = _workspace(ctx)
    h = ops.add_interface(ws, host_name, network, ifname, ipv4=ipv4, ipv6=ipv6,
                          mac=mac, commit=not no_commit)
    echo(show.record(h.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)


@iface.command("set")
@click.argument("host_name", metavar="HOST", shell_complete=complete_host)
@click.argument("ifname", metavar="IF")
@click.option("--network", metavar="NET", shell_complete=complete_network,
              help="Move it to this network (its addresses then default to auto).")
@click.option("--ipv4", metavar="auto|IP|none")
@click.option("--ipv6", metavar="auto|IP|none")
@click.option("--mac", metavar="auto|MAC|none", help="A new MAC (a new NIC), in any spelling.")
@no_commit_option
@click.pass_context
def iface_set(ctx, host_name, ifname, network, ipv4, ipv6, mac, no_commit):
    """Re-address an interface, move it to another network, or replace its MAC. What is not
    given stays, except that a move to another network allocates new addresses (auto, where
    the network has that family) and a new MAC on an eui64 network a new IPv6 address.

    \b
    Example:
      cinv iface set web1 eth0 --network backend
      cinv iface set web1 eth0 --mac 52-54-00-AB-CD-EF --ipv4 192.0.2.77
    """
    ws = _workspace(ctx)
    h, said = ops.set_interface(ws, host_name, ifname, network=network, ipv4=ipv4, ipv6=ipv6,
                                mac=mac, commit=not no_commit)
    if not said:
        echo(f"Nothing to change: {h.name} {ifname} is like that already.")
    for phrase in said:
        echo(f"{h.name} {ifname}: {phrase}")
    echo_warnings(ws)


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
    ws = _workspace(ctx)
    h = ops.remove_interface(ws, host_name, ifname, commit=not no_commit)
    echo(show.record(h.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)
