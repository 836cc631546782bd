"""Audits: compare what really runs with the inventory. Read-only, whatever the source.

Each source reads the outside world into plain values (leases.py: DHCP lease files;
libvirt.py: a hypervisor's domains through virsh; dns.py: zones by transfer), compare.py holds
the comparisons and the one Finding they all report. The functions here tie them to an
inventory (a work tree or a git ref) and return findings: none means all agrees.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit

from cinv import check, forked
from cinv.audit import compare
from cinv.audit import leases as lease_source
from cinv.audit.compare import Finding
from cinv.errors import CinvError, ProblemsError
from cinv.records import cache, lookup
from cinv.records.model import Inventory
from cinv.workspace import Workspace

# --- leases ----------------------------------------------------------------------------------


def _fingerprint(root: str) -> str | None:
    """The work tree's input fingerprint (a stat of every input file), as `cinv check` takes
    it; run in a second process while the lease files are read."""
    return cache.fingerprint(cache.scan(Path(root)))


class _Background:
    """fn(*args) in a forked child (a core of its own) while this process goes on (see
    cinv/forked.py); result() waits for it (its value must be marshal-able), or computes it
    here when no child can be had or it failed."""

    _FAILED = object()

    def __init__(self, fn, *args):
        self.fn, self.args, self.child = fn, args, None
        try:
            self.child = forked.start(lambda: fn(*args))
        except OSError:
            pass

    def result(self):
        if self.child is not None:
            value = forked.wait(*self.child, failed=self._FAILED)
            self.child = None
            if value is not self._FAILED:
                return value
        return self.fn(*self.args)

    def close(self) -> None:
        """Wait for the child without its result (this process is leaving early)."""
        if self.child is not None:
            forked.wait(*self.child)
            self.child = None


def _load_facts(ws: Workspace, fingerprint: str | None = None) -> dict:
    """compare.lease_facts of the inventory, cached like `cinv check`'s result: keyed by the
    stat of every input file (work tree; fingerprint: computed already) or the tree id (ref)."""
    fp = None
    example = getattr(ws, "example", False)  # cinv's read-only example: nothing cached
    if ws.ref:
        fp = f"ref:{ws.source().tree.hexsha}"
    elif not example:
        fp = fingerprint or _fingerprint(str(ws.root))
    hit = None if example else cache.get_result(ws.root, "audit-leases", fp)
    if hit is not None:
        return hit
    keys = None if ws.ref or example else cache.scan(ws.root)
    if keys is not None:
        fp = cache.fingerprint(keys)
    inv = ws.load()
    errors = check.errors(inv.problems)
    if errors:
        raise ProblemsError(errors)
    facts = compare.lease_facts(inv)
    if ws.ref:
        cache.write(ws.root, "audit-leases", (fp, facts))
    elif not example:
        cache.put_result(ws.root, "audit-leases", fp, keys, facts)
    return facts


def audit_leases(ws: Workspace, files: list[str], now: float | None = None) -> list[Finding]:
    """The active leases of these files (ISC dhcpd.leases or Kea CSV, in this order) against
    the inventory. At 50,000 leases reading them is most of the work: a second process takes
    the inventory's fingerprint meanwhile."""
    from cinv.records.load import no_gc
    background = None if ws.ref or getattr(ws, "example", False) else \
        _Background(_fingerprint, str(ws.root))
    try:
        with no_gc():
            read = lease_source.read_files([(Path(f), f) for f in files])
            running = lease_source.active(read, now)
    except BaseException:
        if background is not None:
            background.close()
        raise
    fingerprint = background.result() if background is not None else None
    with no_gc():
        facts = _load_facts(ws, fingerprint)
        return compare.compare_leases(facts, running)


# --- libvirt ---------------------------------------------------------------------------------

def domain_identity(host) -> tuple[str, str]:
    """(uuid, domain name) of a VM's domain: the recorded ones, else what `cinv render libvirt`
    derives (the same rule as cinv/render/view.py)."""
    return (host.libvirt.uuid or str(uuid.uuid5(uuid.NAMESPACE_DNS, host.name))).lower(), \
        host.libvirt.name or host.name


def _parent_of_uri(uri: str, inv: Inventory) -> str | None:
    host = urlsplit(uri).hostname
    if not host:
        return None
    try:
        return lookup.host_name(inv.hosts, host)
    except CinvError:
        return None


def _rendered(ws: Workspace, inv: Inventory, hosts: list) -> dict:
    """The domain XML `cinv render libvirt` writes for these hosts, read back: {uuid: Domain}."""
    from cinv import output
    from cinv.audit import libvirt as libvirt_source
    sub = Inventory(inv.settings, inv.networks, {h.name: h for h in hosts})
    files, _zones, _warnings = output.render_files(ws, sub, ["libvirt"], ws.root,
                                                   {"files": {}, "zones": {}})
    out = {}
    for rel, (_target, data) in files.items():
        if not rel.endswith(".xml"):
            continue  # the per-hypervisor lists (libvirt/<parent>.list)
        domain = libvirt_source.read_domain(data.decode(), f"rendered {rel}")
        out[domain.uuid] = domain
    return out


def audit_libvirt(ws: Workspace, uri: str, parent: str | None,
                  timeout: float) -> tuple[list[Finding], list[str]]:
    """The domains at URI against the inventory's VMs: (findings, notes). The VMs of `parent`
    (default: the URI's host, when it is a host of the inventory) are expected there."""
    from cinv.audit import libvirt as libvirt_source
    inv = ws.load()
    notes = []
    if parent is not None:
        parent = lookup.host_name(inv.hosts, parent)
    else:
        parent = _parent_of_uri(uri, inv)
        if parent is None:
            notes.append(f"no --parent and {uri} names no host of the inventory: domains are "
                         "matched with every VM, missing ones are not looked for")
    domains = libvirt_source.list_domains(uri, timeout)
    vms = sorted((h for h in inv.hosts.values() if h.kind == "virtual"),
                 key=lambda h: (h.retired, h.name))  # a live record wins a shared identity
    by_uuid: dict = {}
    by_name: dict = {}
    for host in vms:
        vm_uuid, vm_name = domain_identity(host)
        by_uuid.setdefault(vm_uuid, host)
        by_name.setdefault(vm_name, host)
    findings: list[Finding] = []
    matched: dict = {}
    for domain in domains:
        host = by_uuid.get(domain.uuid) or by_name.get(domain.name)
        state = "running" if domain.running else "shut off"
        if host is None:
            findings.append(Finding("unknown-domain", domain.name, None,
                                    f"uuid {domain.uuid}, {state}", uri))
        elif host.retired:
            findings.append(Finding("retired-domain", f"{host.name} (domain {domain.name})",
                                    "no domain (retired)", state, uri))
        else:
            if parent is not None and host.parent != parent:
                findings.append(Finding("wrong-parent", f"{host.name} (domain {domain.name})",
                                        host.parent or "(no parent)", parent, uri))
            matched[host.name] = (host, domain)
    if parent is not None:
        for host in vms:
            if (host.parent == parent and not host.retired and host.state != "planned"
                    and host.name not in matched):
                findings.append(Finding("missing-domain", host.name, domain_identity(host)[1],
                                        None, uri, f"state {host.state}"))
    if matched:
        rendered = _rendered(ws, inv, [h for h, _d in matched.values()])
        for name, (host, domain) in sorted(matched.items()):
            expected = rendered[domain_identity(host)[0]]
            findings.extend(compare.compare_domain(name, expected, domain))
    return findings, notes


# --- DNS -------------------------------------------------------------------------------------

def expected_zones(ws: Workspace) -> dict[str, dict]:
    """{zone: records} of what `cinv render dns` would write at this commit, in memory.
    Refused, like render, while `cinv check` reports errors."""
    import re

    from cinv import output
    from cinv.audit import dns as dns_source
    inv = ws.load()
    errors = check.errors(check.run(inv))
    if errors:
        raise ProblemsError(errors)
    files, _zones, _warnings = output.render_files(ws, inv, ["dns"], ws.root,
                                                   {"files": {}, "zones": {}})
    out = {}
    for rel, (_target, data) in sorted(files.items()):
        text = data.decode()
        m = re.search(r"^\$ORIGIN\s+(\S+)", text, re.MULTILINE)
        base = rel.rsplit("/", 1)[-1]
        if m:
            zone = m.group(1).rstrip(".").lower()
        elif base.startswith("db."):
            zone = base[3:]
        else:
            continue  # named.conf.zones and the like
        out[zone] = dns_source.read_zone_text(text, zone, f"rendered {rel}")
    return out


def audit_dns(expected: dict[str, dict], server: str, port: int, zones: list[str],
              timeout: float) -> list[Finding]:
    """Transfer each zone from the server and compare it with the rendered one."""
    from cinv.audit import dns as dns_source
    where = f"{server} port {port}"
    findings: list[Finding] = []
    for zone in zones:
        actual = dns_source.transfer(server, port, zone, timeout)
        if actual == dns_source.NOT_SERVED:
            findings.append(Finding("missing-zone", zone, "served", "not served (no "
                                    "authoritative answer for its SOA)", where))
            continue
        marker = (f"_cinv-deploy.{zone}.", "TXT")  # what `cinv apply` records there
        actual = {k: v for k, v in actual.items() if k != marker}
        findings.extend(compare.compare_zone(zone, expected[zone], actual, where))
    return findings
