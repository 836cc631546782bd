"""Deploy: carry the inventory to the running servers through their own interfaces.

Beside cinv/audit/: both read the running servers into plain values through one reader per
server kind (AXFR: audit/dns.py; virsh: audit/libvirt.py; Kea's control channel: keactl.py);
the audit compares, deploy also changes. `plan()` gives a Plan (plan.py): per server the
changes, record by record, and what apply needs; `apply()` carries out a plan, one step at a
time (a zone, a Kea server, a hypervisor), each whole or not at all, and a failed step leaves
the others as they were or as planned.

What the inventory says comes from the model, as `cinv render` has it (dns.build_zones and the
serial rules, dhcpview.kea, the libvirt target's XML), built in memory and never written; an
inventory `cinv check` finds errors in is not deployed. The servers file (servers.py) is the
operator's and says where to go.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from cinv import check, gitstore, load
from cinv.deploy import dns as dns_target
from cinv.deploy import kea as kea_target
from cinv.deploy import libvirt as libvirt_target
from cinv.deploy.plan import Outcome, Plan
from cinv.deploy.servers import TARGETS, Servers
from cinv.errors import CinvError, ProblemsError
from cinv.workspace import Workspace

MODULES = {"dns": dns_target, "kea": kea_target, "libvirt": libvirt_target}


class Context:
    """What the inventory says, computed once per run and only for the targets asked."""

    def __init__(self, ws: Workspace):
        self.ws = ws

    @cached_property
    def commit(self) -> str | None:
        """The commit deployed (recorded on DNS servers): the ref's, else HEAD's."""
        return self.ws.commit or gitstore.head(self.ws.root)

    def inventory(self):
        return self._inventory

    @cached_property
    def _inventory(self):
        problems, _hosts, _nets = self.ws.checked()
        errors = check.errors(problems)
        if errors:
            raise ProblemsError(errors)
        return self.ws.load()

    @cached_property
    def _view(self):
        from cinv.render.view import View
        return View(self.inventory())

    def zones(self) -> dict:
        """{zone: dns.Desired} of every zone `cinv render dns` writes, with its serial."""
        return self._zones

    @cached_property
    def _zones(self) -> dict:
        from cinv import render
        from cinv.render import dns
        from cinv.render.env import make_env
        zones = dns.build_zones(self._view)
        dirty = None if self.ws.commit else render.dirty_paths(self.ws)
        serials = render.zone_serials(self.ws, make_env(None), {"files": {}, "zones": {}},
                                      {}, None, dirty)(zones)
        out = {}
        for zone in zones:
            zone["serial"] = serials.get(zone["name"], 1)
            out[zone["name"]] = dns_target.desired(zone)
        return out

    def kea(self, family: int) -> tuple[dict, dict]:
        """(cinv's Kea configuration of this family, {subnet prefix: network name})."""
        from cinv.render import dhcpview
        key = "ipv4" if family == 4 else "ipv6"
        networks = {kea_target.normal("subnet", str(getattr(n, key))): n.name
                    for n in self.inventory().networks.values() if getattr(n, key) is not None}
        return dhcpview.kea(self._view, family), networks

    def domains(self, hosts: list) -> dict[str, str]:
        """{host name: the domain XML `cinv render libvirt` writes for it}."""
        if not hosts:
            return {}
        from cinv import render
        from cinv.model import Inventory
        inv = self.inventory()
        sub = Inventory(inv.settings, inv.networks, {h.name: h for h in hosts})
        files, _zones, _warnings = render.render_files(self.ws, sub, ["libvirt"], self.ws.root,
                                                       {"files": {}, "zones": {}})
        return {h.name: files[f"libvirt/{h.name}.xml"][1].decode() for h in hosts}

    def retired_owners(self) -> dict[str, set[str]]:
        """{zone: names} the retired hosts would have if they were live: theirs still (a
        retired record keeps its name for history), so apply deletes their records."""
        return self._retired

    @cached_property
    def _retired(self) -> dict[str, set[str]]:
        from cinv.deploy import held
        from cinv.model import Inventory, Zone
        inv = self.inventory()
        retired = {n: replace(h, state="active") for n, h in inv.hosts.items() if h.retired}
        if not retired:
            return {}
        empty = {n: Zone(n, z.ttl) for n, z in inv.zones.items()}
        return held.owners(Inventory(inv.settings, inv.networks, retired, zones=empty))

    def held_at(self, sha: str) -> dict | None:
        from cinv.deploy import held
        cache = self.__dict__.setdefault("_held", {})
        if sha not in cache:
            cache[sha] = held.held_at(self.ws.root, sha, self.ws.commit)
        return cache[sha]


def chosen(servers: Servers, targets: tuple[str, ...]) -> list[str]:
    """The targets to plan: those asked for (each must be in the servers file), else all the
    file names."""
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        raise CinvError(f"unknown target {', '.join(unknown)} (deploy targets: "
                        f"{', '.join(TARGETS)})")
    missing = [t for t in targets if not getattr(servers, t)]
    if missing:
        raise CinvError(f"{servers.path} names no {' and no '.join(missing)} server")
    return [t for t in TARGETS if t in targets] if targets else servers.named()


def plan(ws: Workspace, servers: Servers, targets: tuple[str, ...] = ()) -> Plan:
    """What apply would change on every server of the chosen targets."""
    ctx = Context(ws)
    result = Plan()
    for target in chosen(servers, targets):
        for server in getattr(servers, target):
            result.steps += MODULES[target].plan_server(ctx, server)
    if ctx.commit is None and "dns" in chosen(servers, targets):
        result.notes.append("outside git no commit is recorded on the DNS servers: a name "
                            "removed from the inventory keeps its records there")
    return result


def unsafe(result: Plan) -> list[str]:
    return [f"{s.title}: {s.unsafe()}" for s in result.pending if s.unsafe()]


def apply(ws: Workspace, result: Plan, commit: bool = True) -> tuple[list[Outcome], str | None]:
    """Carry out every pending step; then record, as serial floors (one commit), the serials
    set on DNS servers that were ahead of what the inventory renders. Returns the outcomes
    and that commit."""
    outcomes = []
    floors: dict[str, int] = {}
    for step in result.pending:
        outcome = MODULES[step.target].apply_step(step)
        outcomes.append(outcome)
        work = step.work
        if outcome.ok and step.target == "dns" and work.ahead:
            floors[work.zone] = work.serial
    sha = record_floors(ws, floors, commit) if floors else None
    return outcomes, sha


def record_floors(ws: Workspace, floors: dict[str, int], commit: bool) -> str | None:
    """zones/<zone>.yaml serial_floor for each zone a server now holds at a serial above the
    rendered one, so that a rendered zone file never goes back below it. One commit."""
    from cinv.model import Zone
    from cinv.render.serial import after
    if ws.ref:
        return None
    with ws.changing("apply") as store:
        paths = []
        for name, serial in sorted(floors.items()):
            zone = store.zones.get(name) or Zone(name, path=f"zones/{name}.yaml")
            if zone.serial_floor is not None and not after(serial, zone.serial_floor):
                continue
            zone = replace(zone, serial_floor=serial)
            load.write_record(ws.root, zone.path, zone.to_dict())
            paths.append(zone.path)
        if not paths or not (commit and store.settings.auto_commit):
            return None
        shown = ", ".join(f"{z} {s}" for z, s in sorted(floors.items()))
        return gitstore.commit(ws.root, paths, f"Record serial floor{'s' if len(paths) > 1 else ''}"
                               f" set by cinv apply: {shown}")
