"""What each changing command does: load -> allocate -> validate -> store -> commit.

Every operation runs under the inventory lock, refuses (CinvError, nothing written) when the change
would add an error `cinv check` would report, and ends in one commit naming the record. One module
per object acted on: hosts (and their interfaces), networks, the inventory itself.
"""
from __future__ import annotations

from cinv import check, gitstore, load, lookup
from cinv.model import Host, Interface, Inventory, Network
from cinv.workspace import Workspace

# --- lookups ------------------------------------------------------------------------------

def find_host(inv: Inventory, name: str) -> Host:
    """A host by FQDN, or by short name if that is unique."""
    return inv.hosts[lookup.host_name(inv.hosts, name)]


def find_network(inv: Inventory, name: str) -> Network:
    return lookup.network(inv.networks, name)


def used_addresses(inv: Inventory, skip: Interface | None = None):
    """IPv4 and IPv6 addresses (as integers) and MACs held by hosts that are not retired, and
    the addresses of zones' own A/AAAA records."""
    v4, v6, macs = set(), set(), set()
    if inv.zones:
        from cinv.zones import record_addresses
        for version, value in record_addresses(inv.zones.values()):
            (v4 if version == 4 else v6).add(value)
    for host in inv.active_hosts():
        for iface in host.interfaces:
            if iface is skip:
                continue
            if iface.ipv4 is not None:
                v4.add(int(iface.ipv4))
            if iface.ipv6 is not None:
                v6.add(int(iface.ipv6))
            if iface.mac is not None:
                macs.add(iface.mac)
    return v4, v6, macs


# --- storing ------------------------------------------------------------------------------

def save(ws: Workspace, before: set, after: Inventory, writes: dict, removes: list[str],
         message: str, commit: bool) -> str | None:
    """Refuse if `after` has errors `before` (check.error_keys) did not; else write, remove
    and commit."""
    check.refuse_added(before, after, writes)
    committing = commit and after.settings.auto_commit
    if committing:
        gitstore.check_can_commit(ws.root)  # a stale lock: refuse before writing anything
    for rel, data in writes.items():
        load.write_record(ws.root, rel, data)
    for rel in removes:
        load.remove_record(ws.root, rel)
    if committing:
        return gitstore.commit(ws.root, [*writes, *removes], message)
    return None


from cinv.ops.hosts import (  # noqa: E402
    add_host,
    add_interface,
    remove_host,
    remove_interface,
    set_host,
    set_state,
)
from cinv.ops.inventory import init_inventory  # noqa: E402
from cinv.ops.networks import add_network  # noqa: E402
from cinv.ops.records import add_record, list_records, remove_records  # noqa: E402

__all__ = ["add_host", "add_interface", "add_network", "add_record", "find_host",
           "find_network", "init_inventory", "list_records", "remove_host", "remove_interface",
           "remove_records", "save", "set_host", "set_state", "used_addresses"]
