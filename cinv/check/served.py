"""Validators of what the DHCP and name servers are handed beyond addresses, registered in
cinv.check's list: a host's short name that another host shares (/etc/hosts and dnsmasq leave
it out), a boot file that netboots a host in every state on a network that provisions."""
from __future__ import annotations

from collections import defaultdict

from cinv.check.registry import per_host, validator
from cinv.errors import Problem
from cinv.records.model import Inventory


@validator
def short_names_unique(inv: Inventory) -> list[Problem]:
    """Two hosts (not retired) with one short name in different domains: /etc/hosts and dnsmasq
    would answer the short name with whichever comes first, so the rendered files leave it
    out for both (warning)."""
    by_short = defaultdict(list)
    for host in inv.active_hosts():
        by_short[host.short].append(host)
    out = []
    for short, hosts in by_short.items():
        for host in hosts if len(hosts) > 1 else ():
            others = ", ".join(f"{h.name} ({h.path})" for h in sorted(hosts, key=lambda h: h.name)
                               if h is not host)
            out.append(Problem(host.path, host.line, f"name: the short name {short} is also "
                               f"that of {others}; /etc/hosts and dnsmasq leave it out for "
                               "each (use the FQDN)", "warning", "short-name"))
    return out


@validator
@per_host
def boot_file_only_while_provisioning(inv: Inventory) -> list[Problem]:
    """An interface's own `dhcp.filename` boots it in every state (as dhcpd's host `filename`
    does: a diskless host). On a network with provisioning boot files, that is likely a file
    meant for provisioning, which netboots the host forever (warning): the interface's
    `dhcp.provisioning` is its own boot file only while it is provisioning."""
    out = []
    for host in inv.active_hosts():
        for index, iface in enumerate(host.interfaces):
            net = inv.networks.get(iface.network) if iface.network else None
            if (iface.dhcp is None or iface.dhcp.filename is None or net is None
                    or net.dhcp is None or not net.dhcp.provisioning):
                continue
            out.append(Problem(host.path, iface.lines.get("dhcp", iface.line),
                               f"interfaces[{index}].dhcp.filename: {iface.dhcp.filename} boots "
                               f"in every state, also when {host.state}, past network "
                               f"{net.name}'s provisioning files; for a boot file only while "
                               "provisioning, set dhcp.provisioning instead", "warning",
                               "boot-file"))
    return out
