"""Hosts: add, state, rm, rename, move, tag (host set is in fields.py, interfaces in
interfaces.py)."""
from __future__ import annotations

import dataclasses
import fnmatch

from cinv import allocate, check, names
from cinv.errors import CinvError, Problem
from cinv.ops.interfaces import describe, new_interface, reparse
from cinv.records import values
from cinv.records.model import KINDS, TRANSITIONS, Disk, Host, Libvirt, Network
from cinv.store import Store
from cinv.workspace import Workspace


def resolve_name(store: Store, name: str, network: Network | None) -> str:
    domain = (network.domain if network is not None and network.domain else
              store.settings.domain)
    try:
        if names.is_pattern(name):
            return allocate.next_name(name, domain, store.names)
        return names.qualify(name, domain)
    except ValueError as e:
        raise CinvError(f"name: {e}") from None


def add_host(ws: Workspace, name: str, kind: str, network: str | None = None,
             ipv4: str = "auto", ipv6: str = "auto", mac: str | None = None,
             parent: str | None = None, cpus: int | None = None, memory: str | None = None,
             disks: tuple = (), tags: tuple = (), state: str = "active",
             description: str | None = None, commit: bool = True) -> Host:
    if kind not in KINDS:
        raise CinvError(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    if network is None and (mac not in (None, "none") or ipv4 not in ("auto", "none")
                            or ipv6 not in ("auto", "none")):
        raise CinvError("--mac, --ipv4 and --ipv6 need --network")
    with ws.changing("host add") as store:
        net = store.find_network(network) if network else None
        fqdn = resolve_name(store, name, net)
        if fqdn in store.names:
            raise CinvError(f"host {fqdn} exists already ({store.names[fqdn]})")
        host = Host(name=fqdn, kind=kind, state=state, path=f"hosts/{fqdn}.yaml")
        host.description = description
        host.tags = list(tags)
        if parent:
            host.parent = store.find_host(parent).name
        host.hardware.cpus = cpus
        try:
            host.hardware.memory = values.parse_size(memory) if memory else None
            host.hardware.disks = [Disk(size=values.parse_size(d)) for d in disks]
        except ValueError as e:
            raise CinvError(f"size: {e}") from None
        if net is not None:
            host.interfaces.append(new_interface(store, host, net, "eth0", ipv4, ipv6, mac))
        host = reparse(host)
        message = f"Add host {fqdn}" + (describe(host.interfaces[0]) if host.interfaces else "")
        store.save(message, commit, hosts={host.path: host})
        return host


def set_state(ws: Workspace, name: str, state: str, commit: bool = True) -> Host:
    with ws.changing("host state") as store:
        host = store.find_host(name)
        legal = TRANSITIONS.get(host.state, ())
        if state == host.state:
            return host
        if state not in legal:
            raise CinvError(f"{host.name}: {host.state} -> {state} is not a legal transition; "
                            f"from {host.state} the legal ones are: {', '.join(legal)}")
        old = host.state
        host.state = state
        message = f"Move host {host.name} from {old} to {state}"
        store.save(message, commit, hosts={host.path: host})
        return host


def remove_host(ws: Workspace, name: str, commit: bool = True) -> Host:
    with ws.changing("host rm") as store:
        host = store.find_host(name)
        children = store.children(host.name)
        if children:
            raise CinvError(f"{host.name} is the parent of {', '.join(children)}; move or "
                            "remove those first")
        store.save(f"Remove host {host.name}", commit, hosts={host.path: None})
        return host


def rename_host(ws: Workspace, old: str, new: str,
                commit: bool = True) -> tuple[str, Host, list]:
    """Rename a host (NEW: an FQDN, or a short name that keeps the host's domain): its record
    moves (in the same folder of hosts/), every host whose parent it is follows, addresses and
    MACs stay. A VM's libvirt domain keeps its identity: the
    domain name and UUID it had (derived from the old name, unless recorded) are pinned in its
    record. Returns the old name, the renamed host and the hosts whose parent changed."""
    with ws.changing("host rename") as store:
        host = store.find_host(old)
        domain = host.name.split(".", 1)[1] if "." in host.name else None
        try:  # a short name keeps the host's domain
            fqdn = names.qualify(new, domain)
        except ValueError as e:
            raise CinvError(f"name: {e}") from None
        if fqdn == host.name:
            raise CinvError(f"host {host.name} has that name already")
        if fqdn in store.names:
            raise CinvError(f"host {fqdn} exists already ({store.names[fqdn]})")
        folder = host.path.rsplit("/", 1)[0]
        renamed = dataclasses.replace(host, name=fqdn, path=f"{folder}/{fqdn}.yaml",
                                      libvirt=dataclasses.replace(host.libvirt))
        if host.kind == "virtual":
            renamed.libvirt = Libvirt(name=host.libvirt.name or host.name,
                                      uuid=host.libvirt.uuid or Libvirt.derived_uuid(host.name))
        renamed = reparse(renamed)
        writes: dict = {host.path: None, renamed.path: renamed}
        children = [store.find_host(c) for c in store.children(host.name)]
        for child in children:
            child.parent = fqdn
            writes[child.path] = child
        message = f"Rename host {host.name} to {fqdn}"
        if children:
            message += (f" (parent of {_count(len(children), 'host')}: "
                        f"{', '.join(c.name for c in children)})")
        store.save(message, commit, hosts=writes)
        return host.name, renamed, children


def _count(n: int, word: str) -> str:
    return check.plural(n, word)


def move_host(ws: Workspace, name: str, parent: str, commit: bool = True) -> Host:
    """Give a host (a VM) another parent, refused when the new parent cannot hold it beside
    its other guests: their cpus, memory or disk together beyond its own times the over-commit
    ratio (capacity.overcommit in cinv.yaml, the rule `cinv check` holds to)."""
    with ws.changing("host move") as store:
        host = store.find_host(name)
        target = store.find_host(parent)
        if host.parent == target.name:
            raise CinvError(f"host {host.name} runs on {target.name} already")
        if target.name == host.name:
            raise CinvError(f"host {host.name} cannot run on itself")
        if target.retired:
            raise CinvError(f"host {target.name} is retired")
        above, seen = target, set()
        while above is not None and above.parent and above.name not in seen:
            seen.add(above.name)
            if above.parent == host.name:
                raise CinvError(f"{target.name} runs on {host.name}; {host.name} cannot run "
                                "on it")
            above = store.find_host(above.parent) if above.parent in store.names else None
        guests = [g for g in (store.find_host(c) for c in store.children(target.name))
                  if not g.retired and g.name != host.name]
        short = [] if host.retired else check.shortfalls(target, guests + [host],
                                                         store.settings.overcommit)
        if short:
            raise CinvError(f"{target.name} lacks capacity for {host.name}: " + "; ".join(
                f"{s.key} {s.total} needed with its other guests, it may hold {s.allowance}"
                for s in short))
        old = host.parent
        host.parent = target.name
        message = f"Move host {host.name} from {old or '(no parent)'} to {target.name}"
        store.save(message, commit, hosts={host.path: host})
        if not host.retired and all(get(target.hardware) is None
                                    for _key, _ratio, get, _fmt in check.CAPACITY):
            store.warnings.append(Problem(
                target.path, target.line_of("hardware"), f"hardware: {target.name} records no "
                f"cpus, memory or disks; the move of {host.name} was not checked against its "
                "capacity", "warning", "capacity"))
        return host


def select_hosts(store: Store, patterns) -> list[Host]:
    """Hosts by name, short name, or shell pattern over either ('vm0*', '*.prod.example.com');
    each must match at least one host."""
    chosen: dict[str, None] = {}
    for pattern in patterns:
        if any(c in pattern for c in "*?["):
            key = pattern.lower()
            found = sorted(n for n in store.names if fnmatch.fnmatchcase(n, key)
                           or fnmatch.fnmatchcase(n.split(".")[0], key))
            if not found:
                raise CinvError(f"no host matches {pattern!r}")
        else:
            found = [store.find_host(pattern).name]
        chosen.update(dict.fromkeys(found))
    return [store.find_host(n) for n in chosen]


def tag_hosts(ws: Workspace, patterns, add=(), remove=(), commit: bool = True) -> list[Host]:
    """Add and remove tags on several hosts in one commit; returns the hosts that changed."""
    if not add and not remove:
        raise CinvError("give --add TAG or --remove TAG (or both)")
    try:
        add = [names.check_tag(t) for t in add]
        remove = [names.check_tag(t) for t in remove]
    except ValueError as e:
        raise CinvError(f"tag: {e}") from None
    both = sorted(set(add) & set(remove))
    if both:
        raise CinvError(f"tag {both[0]}: both added and removed")
    with ws.changing("host tag") as store:
        changed = []
        for host in select_hosts(store, patterns):
            tags = [t for t in host.tags if t not in remove]
            tags += [t for t in dict.fromkeys(add) if t not in tags]
            if tags != host.tags:
                host.tags = tags
                changed.append(host)
        if not changed:
            return []
        said = " ".join([f"+{t}" for t in dict.fromkeys(add)] +
                        [f"-{t}" for t in dict.fromkeys(remove)])
        if len(changed) == 1:
            message = f"Tag host {changed[0].name}: {said}"
        else:
            message = (f"Tag {len(changed)} hosts: {said}\n\n"
                       + "\n".join(h.name for h in changed))
        store.save(message, commit, hosts={h.path: h for h in changed})
        return changed
