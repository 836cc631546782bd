"""Network commands: net add, set, rm, list, show, free."""
from __future__ import annotations

import click

from cinv import ops, show
from cinv.cli import (
    FORMATS,
    _workspace,
    cli,
    complete_network,
    echo,
    no_commit_option,
)
from cinv.cli.hosts import echo_warnings
from cinv.errors import CinvError


@cli.group()
def net():
    """Networks: add, set, rm, list, show, free.

    \b
    Example:
      cinv net list
    """


@net.command("add")
@click.argument("name")
@click.option("--ipv4", metavar="CIDR|none", help="IPv4 prefix, e.g. 192.0.2.0/24.")
@click.option("--ipv6", metavar="CIDR|none", help="IPv6 prefix, e.g. 2001:db8:0:1::/64.")
@click.option("--domain", help="DNS domain of hosts on this network.")
@click.option("--gateway4", metavar="IP")
@click.option("--gateway6", metavar="IP")
@click.option("--dhcp-pool", metavar="A-B", help="Dynamic range, never allocated to hosts.")
@click.option("--reserve", multiple=True, metavar="A-B", help="Never allocated (repeatable).")
@click.option("--dns-server", multiple=True, metavar="IP", help="DNS server for DHCP clients.")
@click.option("--vlan", type=int)
@click.option("--bridge", metavar="BR", help="Hypervisor bridge VMs on this network use.")
@click.option("--ipv6-mode", type=click.Choice(["sequential", "eui64"]), default=None)
@click.option("--dhcp-interface", metavar="IF",
              help="The DHCP server's interface on this network (dhcp.interface). Kea's DHCPv6 "
                   "serves a directly connected client only on a subnet that names it.")
@no_commit_option
@click.pass_context
def net_add(ctx, name, ipv4, ipv6, domain, gateway4, gateway6, dhcp_pool, reserve, dns_server,
            vlan, bridge, ipv6_mode, dhcp_interface, no_commit):
    """Add a network: IPv4 (--ipv4), IPv6 (--ipv6) or both; `--ipv4 none --ipv6 CIDR` makes
    an IPv6-only one. Addresses the network names (gateways, DNS servers) are never handed to
    a host by `auto`. Prints the record as stored.

    With --ipv6 and Kea, give --dhcp-interface (or set dhcp.interface later): kea-dhcp6 selects
    the subnet of a directly connected client by its interface only.

    \b
    Example:
      cinv net add prod --ipv4 192.0.2.0/24 --gateway4 192.0.2.1 \\
          --ipv6 2001:db8:0:1::/64 --domain prod.example.com --dhcp-pool 192.0.2.200-192.0.2.250
      cinv net add lab6 --ipv4 none --ipv6 2001:db8:6::/64 --domain lab.example.com
    """
    fields = {"domain": domain, "ipv4": ipv4, "gateway4": gateway4, "ipv6": ipv6,
              "gateway6": gateway6, "ipv6_mode": ipv6_mode, "dhcp_pool": dhcp_pool,
              "reserved": list(reserve), "dns_servers": list(dns_server), "vlan": vlan,
              "bridge": bridge, "dhcp": {"interface": dhcp_interface} if dhcp_interface else None}
    ws = _workspace(ctx)
    network = ops.add_network(ws, name, fields, commit=not no_commit)
    echo(show.record(network.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)


@net.command("set")
@click.argument("name", shell_complete=complete_network)
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...")
@no_commit_option
@click.pass_context
def net_set(ctx, name, assignments, no_commit):
    """Change fields of a network (keys as in networks/NAME.yaml; KEY= or KEY=none removes
    one; lists as a,b or [a, b]). Refused, naming the hosts, when a host's address would fall
    outside the new prefix, into the pool or a new reserved range, or onto its gateway.
    Prints the record as stored.

    \b
    Example:
      cinv net set prod gateway4=192.0.2.254 dns_servers=192.0.2.53,192.0.2.54 vlan=20
    """
    ws = _workspace(ctx)
    network, said = ops.set_network(ws, name, list(assignments), commit=not no_commit)
    echo(show.record(network.to_dict(with_name=True), "yaml"))
    echo_warnings(ws)


@net.command("rm")
@click.argument("name", shell_complete=complete_network)
@no_commit_option
@click.pass_context
def net_rm(ctx, name, no_commit):
    """Remove a network; refused while a host (a retired one too) has an interface on it.

    \b
    Example:
      cinv net rm lab
    """
    ws = _workspace(ctx)
    network = ops.remove_network(ws, name, commit=not no_commit)
    echo(f"Removed network {network.name} ({network.path}).")
    echo_warnings(ws)


@net.command("free")
@click.argument("name", shell_complete=complete_network)
@click.option("--count", default=10, show_default=True, type=click.IntRange(1, 1_000_000),
              help="How many to list.")
@click.option("-4", "family", flag_value=4, help="IPv4 (the default where the network has it).")
@click.option("-6", "family", flag_value=6, help="IPv6.")
@click.pass_context
def net_free(ctx, name, count, family):
    """The next free addresses of a network, one a line, in exactly the order `--ipv4 auto`
    (or `--ipv6 auto`) takes them: skipping used, reserved, pool and named addresses, and
    those freed within the hold time (allocate.hold_days). Fewer lines when fewer are free.

    \b
    Example:
      cinv net free prod --count 5
      cinv net free prod -6
    """
    network, version, free = ops.free_addresses(_workspace(ctx), name, count, family)
    if not free:
        raise CinvError(f"network {network.name} has no free IPv{version} address")
    echo("\n".join(str(a) for a in free))


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
        echo(out)


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
    used4, used6, _macs = ops.used_addresses(inv)
    echo(show.network(inv, network, used4, used6, fmt))
