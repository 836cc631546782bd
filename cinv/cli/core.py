"""Everyday commands: init, net, host, iface, check."""
from __future__ import annotations

import json

import click

from cinv import check as checks
from cinv import ops, show
from cinv.cli import (
    FORMATS,
    _workspace,
    cli,
    complete_host,
    complete_network,
    echo_problems,
    no_commit_option,
)
from cinv.errors import CinvError
from cinv.model import KINDS, STATES


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--domain", default="example.com", show_default=True, help="Default DNS domain.")
@click.option("--nameserver", "nameservers", multiple=True, metavar="FQDN",
              help="NS of the zones cinv writes (repeatable; the first is the SOA's primary). "
                   "Default: ns1.DOMAIN, which then needs a host of that name.")
@no_commit_option
def init(directory, domain, nameservers, no_commit):
    """Make a new inventory: git repo, cinv.yaml, networks/, hosts/, .gitignore.

    \b
    Example:
      cinv init customer-a --domain customer-a.example.com --nameserver ns1.example.net
    """
    root = ops.init_inventory(directory, domain, commit=not no_commit, nameservers=nameservers)
    click.echo(f"Made inventory {root} for {domain}.")
    click.echo("Next: cinv net add NAME --ipv4 CIDR, then cinv host add NAME --kind ... "
               "(to run `cinv check` before every commit: the pre-commit hook id cinv-check, "
               "see the README).")


# --- networks -----------------------------------------------------------------------------

@cli.group()
def net():
    """Networks: add, list, show.

    \b
    Example:
      cinv net list
    """


@net.command("add")
@click.argument("name")
@click.option("--ipv4", required=True, metavar="CIDR", help="IPv4 prefix, e.g. 192.0.2.0/24.")
@click.option("--ipv6", metavar="CIDR", help="IPv6 prefix, e.g. 2001:db8:0:1::/64.")
@click.option("--domain", help="DNS domain of hosts on this network.")
@click.option("--gateway4", metavar="IP")
@click.option("--gateway6", metavar="IP")
@click.option("--dhcp-pool", metavar="A-B", help="Dynamic range, never allocated to hosts.")
@click.option("--reserve", multiple=True, metavar="A-B", help="Never allocated (repeatable).")
@click.option("--dns-server", multiple=True, metavar="IP", help="DNS server for DHCP clients.")
@click.option("--vlan", type=int)
@click.option("--bridge", metavar="BR", help="Hypervisor bridge VMs on this network use.")
@click.option("--ipv6-mode", type=click.Choice(["sequential", "eui64"]), default=None)
@no_commit_option
@click.pass_context
def net_add(ctx, name, ipv4, ipv6, domain, gateway4, gateway6, dhcp_pool, reserve, dns_server,
            vlan, bridge, ipv6_mode, no_commit):
    """Add a network.

    \b
    Example:
      cinv net add prod --ipv4 192.0.2.0/24 --gateway4 192.0.2.1 \\
          --ipv6 2001:db8:0:1::/64 --domain prod.example.com --dhcp-pool 192.0.2.200-192.0.2.250
    """
    fields = {"domain": domain, "ipv4": ipv4, "gateway4": gateway4, "ipv6": ipv6,
              "gateway6": gateway6, "ipv6_mode": ipv6_mode, "dhcp_pool": dhcp_pool,
              "reserved": list(reserve), "dns_servers": list(dns_server), "vlan": vlan,
              "bridge": bridge}
    network = ops.add_network(_workspace(ctx), name, fields, commit=not no_commit)
    click.echo(show.record(network.to_dict(with_name=True), "yaml"))


@net.command("list")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.pass_context
def net_list(ctx, fmt):
    """List networks.

    \b
    Example:
      cinv net list --format json
    """
    out = show.networks(_workspace(ctx).load(), fmt)
    if out:
        click.echo(out)


@net.command("show")
@click.argument("name", shell_complete=complete_network)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "yaml"]), default="text",
              show_default=True)
@click.pass_context
def net_show(ctx, name, fmt):
    """Show a network and how full it is (a map of used, free, reserved and pool addresses).

    \b
    Example:
      cinv net show prod
    """
    inv = _workspace(ctx).load()
    network = ops.find_network(inv, name)
    used4, used6, _ = ops.used_addresses(inv)
    click.echo(show.network(inv, network, used4, used6, fmt))


# --- hosts --------------------------------------------------------------------------------

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
    """The git history of a host's record, newest first.

    \b
    Example:
      cinv host history web1
    """
    from cinv import gitstore
    ws = _workspace(ctx)
    inv = ws.load()
    try:
        h = ops.find_host(inv, name)
        paths = [h.path]
    except CinvError:
        fqdn = name.lower().rstrip(".")
        paths = [f"hosts/{fqdn}.yaml"]
    commits = gitstore.history(ws.root, paths)
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


# --- check --------------------------------------------------------------------------------

@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.pass_context
def check(ctx, fmt):
    """Validate the whole inventory; every problem as path:line: message. Exit 1 on errors.

    \b
    Example:
      cinv check --format json
    """
    problems, n_hosts, n_networks = _workspace(ctx).checked()
    n_err = len(checks.errors(problems))
    if fmt == "json":
        click.echo(json.dumps({"errors": n_err, "warnings": len(problems) - n_err,
                               "hosts": n_hosts, "networks": n_networks,
                               "problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        echo_problems(problems)
        click.echo(f"{n_hosts} hosts, {n_networks} networks: {n_err} errors, "
                   f"{len(problems) - n_err} warnings", err=True)
    ctx.exit(1 if n_err else 0)
