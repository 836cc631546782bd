"""libvirt, per hypervisor: define the inventory's new and changed guests, undefine the retired
ones with their storage kept, through virsh (cinv/audit/libvirt.py's reader and runner: the
same that `cinv audit libvirt` uses, for the reasons given there).

The guests of a hypervisor are the inventory's virtual hosts whose parent is the servers file's
`parent`, neither retired nor planned (a planned guest is not expected yet, as the audit has it).
Each is defined from the XML `cinv render libvirt` writes, with `<metadata><cinv:deploy
digest=.../>` added: the SHA-256 of that XML. A domain is changed when its stored definition
(`dumpxml --inactive`) lacks that digest or differs from the rendered XML in what the audit
compares (name, uuid, memory, vcpus, MACs and their networks, disks), e.g. after `virsh edit`.
Domains are matched with guests by UUID, then name; a domain of a retired guest is undefined
(`undefine --keep-nvram`: disk images and NVRAM stay), unless it is running: cinv starts and
stops no guest, so that one is reported and left. Domains the inventory does not hold, and the
guests it records on another hypervisor, are never touched.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field

from cinv.audit import compare as audit_compare
from cinv.audit import domain_identity
from cinv.audit import libvirt as source
from cinv.deploy.plan import Change, Outcome, Step
from cinv.errors import CinvError
from cinv.records import lookup

BATCH = 100  # virsh commands per run


@dataclass
class Work:
    server: object
    defines: list = field(default_factory=list)  # (host name, domain name, XML text)
    undefines: list = field(default_factory=list)  # (host name, uuid)


def with_digest(xml: str) -> str:
    """The rendered domain XML with the digest of itself in its metadata."""
    digest = hashlib.sha256(xml.encode()).hexdigest()
    mark = f'    <cinv:deploy xmlns:cinv="{source.DEPLOY_NS}" digest="{digest}"/>\n'
    if "\n  </metadata>\n" in xml:
        return xml.replace("\n  </metadata>\n", f"\n{mark}  </metadata>\n", 1)
    head, tail = xml.rsplit("</domain>", 1)
    return f"{head}  <metadata>\n{mark}  </metadata>\n</domain>{tail}"


def read_server(server) -> list:
    """The hypervisor's domains, as stored (virsh dumpxml --inactive), and which run."""
    return source.list_domains(server.uri, server.timeout, inactive=True)


def plan_server(ctx, server, read: tuple) -> list[Step]:
    step = Step("libvirt", server.label)
    inv = ctx.inventory()
    try:
        parent = lookup.host_name(inv.hosts, server.parent)
    except CinvError:
        step.error = f"parent {server.parent} is not a host of the inventory"
        return [step]
    if read[0] == "error":
        step.error = read[1].removeprefix(f"libvirt {server.uri}: ")
        return [step]
    domains = read[1]
    vms = sorted((h for h in inv.hosts.values() if h.kind == "virtual"),
                 key=lambda h: (h.retired, h.name))
    by_uuid, by_name = {}, {}
    for host in vms:
        vm_uuid, vm_name = domain_identity(host)
        by_uuid.setdefault(vm_uuid, host)
        by_name.setdefault(vm_name, host)
    guests = [h for h in vms if h.parent == parent and not h.retired and h.state != "planned"]
    rendered = ctx.domains(guests)
    work = Work(server)
    found: dict[str, object] = {}
    foreign = 0
    for domain in domains:
        host = by_uuid.get(domain.uuid) or by_name.get(domain.name)
        if host is None:
            foreign += 1
        elif host.retired:
            _retire(step, work, host, domain)
        elif host.parent != parent or host.state == "planned":
            step.notes.append(f"domain {domain.name}: guest {host.name} is recorded "
                              + (f"on {host.parent or '(no parent)'}" if host.parent != parent
                                 else "as planned") + ": left as it is")
        else:
            found[host.name] = domain
    for host in guests:
        _guest(step, work, host, rendered[host.name], found.get(host.name))
    if foreign:
        step.notes.append(f"{foreign} domain{'s' if foreign != 1 else ''} the inventory does not "
                          "hold: left alone")
    step.existing = len(domains)
    if step.changes:
        step.work = work
    return [step]


def _retire(step: Step, work: Work, host, domain) -> None:
    subject = f"domain {domain.name} (guest {host.name}, retired)"
    if domain.running:
        step.blocked.append(f"{subject}: running; cinv starts and stops no guest: shut it down, "
                            "then apply again")
        return
    step.changes.append(Change("delete", "domain", subject, f"uuid {domain.uuid}",
                               note="undefined; disk images and NVRAM kept"))
    work.undefines.append((host.name, domain.uuid))


def _guest(step: Step, work: Work, host, xml: str, domain) -> None:
    expected = source.read_domain(xml, f"rendered {host.name}")
    digest = hashlib.sha256(xml.encode()).hexdigest()
    if domain is None:
        step.changes.append(Change("add", "domain", f"domain {expected.name} (guest "
                                   f"{host.name})", None, f"uuid {expected.uuid}, "
                                   f"{expected.field('vcpus')} vcpus, "
                                   f"{expected.field('memory')}", "defined, not started"))
        work.defines.append((host.name, expected.name, with_digest(xml)))
        return
    if domain.uuid != expected.uuid:
        step.blocked.append(f"domain {domain.name}: its uuid is {domain.uuid}, the inventory's "
                            f"{host.name} has {expected.uuid} (import the domain with `cinv "
                            "import libvirt`, or set libvirt.uuid in the record)")
        return
    findings = audit_compare.compare_domain(host.name, expected, domain)
    if not findings and domain.deployed == digest:
        return
    old = "; ".join(f"{f.kind} {f.actual}" for f in findings) or "an earlier definition"
    new = "; ".join(f"{f.kind} {f.expected}" for f in findings) or "the inventory's definition"
    step.changes.append(Change("change", "domain", f"domain {domain.name} (guest {host.name})",
                               old, new, "a running guest takes it at its next start"
                               if domain.running else ""))
    work.defines.append((host.name, expected.name, with_digest(xml)))


# --- applying -------------------------------------------------------------------------------

def apply_step(step: Step) -> Outcome:
    work: Work = step.work
    server = work.server
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cinv-apply-") as tmp:
        os.chmod(tmp, 0o700)
        commands = []
        for n, (host, name, xml) in enumerate(work.defines):
            path = os.path.join(tmp, f"{n}.xml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(xml)
            commands.append((f"define --validate {path}", f"Domain '{name}' defined", host))
        if work.undefines:
            running = _running(server)
            for host, uuid in work.undefines:
                if uuid in running:
                    failed.append(f"{host}: started since the plan; left defined")
                    continue
                commands.append((f"undefine --keep-nvram {uuid}", "has been undefined", host))
        for start in range(0, len(commands), BATCH):
            failed += _batch(server, commands[start:start + BATCH])
    done = len(work.defines) + len(work.undefines) - len(failed)
    if failed:
        return Outcome(step, False, f"{len(failed)} of {done + len(failed)} failed: "
                                    + "; ".join(failed[:5]))
    return Outcome(step, True, f"{len(work.defines)} defined, {len(work.undefines)} undefined "
                               "(storage kept)")


def _running(server) -> set[str]:
    return set(source._uuids(server.uri, source.virsh(server.uri, "list --uuid",
                                                      server.timeout)))


def _batch(server, commands: list[tuple[str, str, str]]) -> list[str]:
    """Run the commands in one virsh (each after an echo marking it); the hosts whose command
    did not say it succeeded, with virsh's errors."""
    line = "; ".join(f"echo @@{n}@@; {cmd}" for n, (cmd, _ok, _h) in enumerate(commands))
    code, out, err = source.run_virsh(server.uri, line, server.timeout * max(1, len(commands)),
                                      quiet=False)
    parts = out.split("@@")
    said = {int(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)
            if parts[i].isdigit()}
    failed = [host for n, (_cmd, ok, host) in enumerate(commands) if ok not in said.get(n, "")]
    if failed:
        why = source.virsh_error(err, code)
        return [f"{host}: {why}" for host in failed]
    return []
