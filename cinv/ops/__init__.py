"""What each changing command does: load -> allocate -> validate -> store -> commit.

Every operation runs under the inventory lock, refuses (CinvError, nothing written) when the change
would add an error `cinv check` would report, and ends in one commit naming the record. One module
per object acted on: hosts (and their interfaces), networks, the inventory itself.
"""
from __future__ import annotations

from cinv import check
from cinv.git import gitstore
from cinv.records import load, lookup
from cinv.records.model import Host, Inventory, Network
from cinv.workspace import Workspace

# --- lookups ------------------------------------------------------------------------------

def find_host(inv: Inventory, name: str) -> Host:
    """A host by FQDN, or by short name if that is unique."""
    return inv.hosts[lookup.host_name(inv.hosts, name)]


def find_network(inv: Inventory, name: str) -> Network:
    return lookup.network(inv.networks, name)


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


from cinv.ops.fields import set_host  # noqa: E402
from cinv.ops.find import find  # noqa: E402
from cinv.ops.hosts import (  # noqa: E402
    add_host,
    move_host,
    remove_host,
    rename_host,
    set_state,
    tag_hosts,
)
from cinv.ops.interfaces import add_interface, remove_interface, set_interface  # noqa: E402
from cinv.ops.inventory import init_inventory  # noqa: E402
from cinv.ops.networks import (  # noqa: E402
    add_network,
    free_addresses,
    remove_network,
    set_network,
    used_addresses,
)
from cinv.ops.records import add_record, list_records, remove_records  # noqa: E402

__all__ = ["add_host", "add_interface", "add_network", "add_record", "find", "find_host",
           "find_network", "free_addresses", "init_inventory", "list_records", "move_host",
           "remove_host", "remove_interface", "remove_network", "remove_records", "rename_host",
           "save", "set_host", "set_interface", "set_network", "set_state", "tag_hosts",
           "used_addresses"]
