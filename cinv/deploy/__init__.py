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

import threading
from dataclasses import replace

from cinv import forked
from cinv.deploy import dns as dns_target
from cinv.deploy import kea as kea_target
from cinv.deploy import libvirt as libvirt_target
from cinv.deploy.desired import Context
from cinv.deploy.plan import Outcome, Plan
from cinv.deploy.servers import TARGETS, Servers
from cinv.errors import CinvError
from cinv.git import gitstore
from cinv.records import load
from cinv.workspace import Workspace

MODULES = {"dns": dns_target, "kea": kea_target, "libvirt": libvirt_target}


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


class Reads:
    """Every server read at once, while the inventory side is built: DNS transfers in a
    forked child per server (parsing them is work for a core), Kea and libvirt in threads
    (their time is the server's). get() waits for one server's answer."""

    def __init__(self):
        self.children: dict = {}
        self.threads: dict = {}
        self.results: dict = {}

    def fork(self, key, work) -> None:
        try:
            self.children[key] = forked.start(work)
        except OSError:
            self.results[key] = work()

    def thread(self, key, work) -> None:
        def run():
            try:
                self.results[key] = ("ok", work())
            except CinvError as e:
                self.results[key] = ("error", str(e))
        self.threads[key] = threading.Thread(target=run, daemon=True)
        self.threads[key].start()

    def get(self, key):
        if key in self.children:
            pid, read = self.children.pop(key)
            self.results[key] = forked.wait(pid, read, failed=("error", "the process reading "
                                                               "the server failed"))
        if key in self.threads:
            self.threads.pop(key).join()
        return self.results.pop(key)

    def close(self) -> None:
        for pid, read in self.children.values():
            forked.cancel(pid, read)
        self.children.clear()
        for thread in self.threads.values():
            thread.join()


def plan(ws: Workspace, servers: Servers, targets: tuple[str, ...] = ()) -> Plan:
    """What apply would change on every server of the chosen targets."""
    ctx = Context(ws)
    result = Plan()
    wanted = chosen(servers, targets)
    ctx.base  # noqa: B018 - refused before any server is asked while check finds errors
    reads = Reads()
    try:
        for n, server in enumerate(servers.dns if "dns" in wanted else ()):
            zones = list(server.zones) if server.zones is not None else ctx.zone_names()
            reads.fork(("dns", n), lambda s=server, z=zones: dns_target.read_server(
                s, z, ws.cache_root()))
        for target in ("kea", "libvirt"):
            for n, server in enumerate(getattr(servers, target) if target in wanted else ()):
                reads.thread((target, n), lambda t=target, s=server: MODULES[t].read_server(s))
        for target in wanted:
            for n, server in enumerate(getattr(servers, target)):
                result.steps += MODULES[target].plan_server(ctx, server, reads.get((target, n)))
    finally:
        reads.close()
    if "memo" in ctx.__dict__:
        ctx.memo.save()
    result.context = ctx
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
    ctx = result.context
    for step in result.pending:
        module = MODULES[step.target]
        outcome = module.apply_step(step)
        outcomes.append(outcome)
        if outcome.ok and hasattr(module, "remember") and ctx is not None:
            module.remember(ctx, step)
        work = step.work
        if outcome.ok and step.target == "dns" and work.ahead:
            floors[work.zone] = work.serial
    if ctx is not None and "memo" in ctx.__dict__:
        ctx.memo.save()
    sha = record_floors(ws, floors, commit) if floors else None
    return outcomes, sha


def record_floors(ws: Workspace, floors: dict[str, int], commit: bool) -> str | None:
    """zones/<zone>.yaml serial_floor for each zone a server now holds at a serial above the
    rendered one, so that a rendered zone file never goes back below it. One commit."""
    from cinv.records.model import Zone
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
