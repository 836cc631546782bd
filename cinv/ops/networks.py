"""Networks: add, set, rm, and the free addresses in the order `auto` takes them."""
from __future__ import annotations

import copy
import itertools

from cinv import allocate, names
from cinv.errors import CinvError, ProblemsError
from cinv.ops.describe import changes, sentence
from cinv.ops.fields import REMOVE, set_dotted, split_assignments
from cinv.records import indexbuild, load, lookup, schema, yamlio
from cinv.records.model import Network
from cinv.store import Store
from cinv.workspace import Workspace

LISTS = ("reserved", "dns_servers")


def _parse(name: str, data: dict, rel: str) -> Network:
    problems: list = []
    net = schema.parse_network(name, yamlio.load(yamlio.dump(data)), rel, problems)
    if problems or net is None:
        raise ProblemsError(problems)
    return net


def add_network(ws: Workspace, name: str, fields: dict, commit: bool = True) -> Network:
    """fields as the flags give them; ipv4/ipv6 "none" (or absent) means no such prefix."""
    with ws.changing("net add") as store:
        try:
            names.check_network_name(name)
        except ValueError as e:
            raise CinvError(f"network name: {e}") from None
        if name in store.networks:
            raise CinvError(f"network {name} exists already ({store.networks[name].path})")
        data = {k: v for k, v in fields.items() if v not in (None, [], (), "none")}
        if "ipv4" not in data and "ipv6" not in data:
            raise CinvError("a network needs --ipv4 CIDR or --ipv6 CIDR (or both)")
        rel = f"networks/{name}.yaml"
        net = _parse(name, data, rel)
        prefixes = ", ".join(str(p) for p in (net.ipv4, net.ipv6) if p is not None)
        store.save(f"Add network {name} ({prefixes})", commit, networks={rel: net})
        return net


def _value(key: str, raw: str):
    if raw in ("", "none") and key not in ("description", "domain", "bridge"):
        return REMOVE
    if raw == "":
        return REMOVE
    if key in LISTS and not raw.lstrip().startswith("["):
        return [item.strip() for item in raw.split(",") if item.strip()]
    if raw.lstrip().startswith(("[", "{")):
        try:
            return yamlio.load(raw)
        except yamlio.YamlError as e:
            raise CinvError(f"{key}: {raw!r} is not valid YAML ({e})") from None
    return raw


def set_network(ws: Workspace, name: str, assignments: list[str],
                commit: bool = True) -> tuple[Network, list[str]]:
    """Change fields of a network (KEY= or KEY=none removes one). Refused, naming the hosts,
    when a host's address would fall outside the network, onto its gateway, or into a new
    reserved range or DHCP pool."""
    with ws.changing("net set") as store:
        net = store.find_network(name)
        before = copy.deepcopy(net.to_dict())  # see set_host: nested values are shared
        data = copy.deepcopy(before)
        for key, raw in split_assignments(
                assignments, "e.g. gateway4=192.0.2.1, reserved=192.0.2.1-192.0.2.9,192.0.2.250"):
            if key == "name":
                raise CinvError("name: a network's name is its file name and every interface "
                                "refers to it; it cannot be changed")
            set_dotted(data, key, _value(key, raw))
        new = _parse(name, data, net.path)
        said = changes(before, new.to_dict())
        if not said:
            return new, []
        _refuse_reserving_hosts(store, net, new)
        store.save(f"Change network {name}: {sentence(said)}", commit,
                   networks={net.path: new}, whole=True)
        return new, said


def _refuse_reserving_hosts(store, old: Network, new: Network) -> None:
    """A host on an address the change newly reserves or puts in the DHCP pool is refused
    (check allows a host there, given on purpose, with a warning)."""
    def reserved(net, version, value):
        pool = net.dhcp_pool if version == 4 and net.dhcp_pool else None
        return any(v == version and a <= value <= b for v, a, b in net.reserved) or \
            (pool is not None and pool[0] <= value <= pool[1])
    clashes = []
    for host in store.hosts_on(old.name):
        if host.retired:
            continue
        for iface in host.interfaces:
            if iface.network != old.name:
                continue
            for addr in (iface.ipv4, iface.ipv6):
                if addr is not None and reserved(new, addr.version, int(addr)) \
                        and not reserved(old, addr.version, int(addr)):
                    clashes.append(f"{host.name} ({host.path}) {iface.name} {addr}")
    if clashes:
        raise CinvError(f"network {old.name}: the new reserved ranges or DHCP pool would hold "
                        "hosts' addresses: " + ", ".join(clashes))


def remove_network(ws: Workspace, name: str, commit: bool = True) -> Network:
    """Remove a network; refused while any host (retired ones too: their records still name
    it) has an interface on it."""
    with ws.changing("net rm") as store:
        net = store.find_network(name)
        users = store.hosts_on(net.name)
        if users:
            listed = ", ".join(f"{h.name} ({h.path})" for h in users[:10])
            more = f" and {len(users) - 10} more" if len(users) > 10 else ""
            raise CinvError(f"network {name} is used by {listed}{more}; move or remove their "
                            "interfaces first (`cinv iface set HOST IF --network NET`)")
        store.save(f"Remove network {name}", commit, networks={net.path: None})
        return net


def free_addresses(ws: Workspace, name: str, count: int = 10, version: int | None = None):
    """The next `count` free addresses of a network, in the order `auto` takes them: from the
    same index, with the values freed within the hold time and those held on the branches of
    allocate.avoid_refs set aside as `auto` sets them aside (at a --ref, from that ref's
    records, without either: nothing is allocated there)."""
    if ws.commit:
        inv = ws.load()
        net = lookup.network(inv.networks, name)
        used4, used6, _macs = used_addresses(inv)
        held: dict = {"v4": {}, "v6": {}}
    else:
        store = reading_store(ws)
        net = store.find_network(name)
        used4, used6 = store.taken("v4", net.name), store.taken("v6", net.name)
        held = {"v4": store.held("v4"), "v6": store.held("v6")}
    if version is None:
        version = 4 if net.ipv4 is not None else 6
    if (net.ipv4 if version == 4 else net.ipv6) is None:
        raise CinvError(f"network {name} has no IPv{version} prefix")
    if version == 6 and net.ipv6_mode == "eui64":
        raise CinvError(f"network {name} derives IPv6 addresses from MACs (eui64): none is "
                        "next in an order")
    free = allocate.free_addresses(net, version, used4 if version == 4 else used6,
                                   held[f"v{version}"])
    return net, version, list(itertools.islice(free, count))


def reading_store(ws: Workspace) -> Store:
    """A Store for a command that only reads the work tree: the index `host add` uses, without
    the lock."""
    base = load.load_networks(load.DirSource(ws.root))
    return Store(ws.root, base, indexbuild.build(ws.root, base.networks, base.settings.domain))


def used_addresses(inv):
    """IPv4 and IPv6 addresses (as integers) and MACs held by hosts that are not retired, and
    the addresses of zones' own A/AAAA records."""
    v4, v6, macs = set(), set(), set()
    if inv.zones:
        from cinv.records.zones import record_addresses
        for version, value in record_addresses(inv.zones.values()):
            (v4 if version == 4 else v6).add(value)
    for host in inv.active_hosts():
        for iface in host.interfaces:
            if iface.ipv4 is not None:
                v4.add(int(iface.ipv4))
            if iface.ipv6 is not None:
                v6.add(int(iface.ipv6))
            macs.update(iface.macs)
    return v4, v6, macs
