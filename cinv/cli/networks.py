"""Network commands: net add, list, show."""
from __future__ import annotations

import click

from cinv import ops, show
from cinv.cli import (
    FORMATS,
    _workspace,
    cli,
    complete_network,
    no_commit_option,
)


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
@click.option("--dhcp-interface", metavar="IF",
              help="The DHCP server's interface on this network (dhcp.interface). Kea's DHCPv6 "
                   "serves a directly connected client only on a subnet that names it.")
@no_commit_option
@click.pass_context
def net_add(ctx, name, ipv4, ipv6, domain, gateway4, gateway6, dhcp_pool, reserve, dns_server,
            vlan, bridge, ipv6_mode, dhcp_interface, no_commit):
    """Add a network.

    With --ipv6 and Kea, give --dhcp-interface (or set dhcp.interface later): kea-dhcp6 selects
    the subnet of a directly connected client by its interface only.

    \b
    Example:
      cinv net add prod --ipv4 192.0.2.0/24 --gateway4 192.0.2.1 \\
          --ipv6 2001:db8:0:1::/64 --domain prod.example.com --dhcp-pool 192.0.2.200-192.0.2.250
    """
    fields = {"domain": domain, "ipv4": ipv4, "gateway4": gateway4, "ipv6": ipv6,
              "gateway6": gateway6, "ipv6_mode": ipv6_mode, "dhcp_pool": dhcp_pool,
              "reserved": list(reserve), "dns_servers": list(dns_server), "vlan": vlan,
              "bridge": bridge, "dhcp": {"interface": dhcp_interface} if dhcp_interface else None}
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
