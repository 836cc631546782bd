"""Validators of what the DHCP and name servers are handed beyond addresses, registered in
cinv.check's list: a boot file that netboots a host in every state on a network that
provisions."""
from __future__ import annotations

from cinv.check import validator
from cinv.errors import Problem
from cinv.model import Inventory


@validator
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
