"""DNS: a zone as the server holds it (AXFR, cinv/audit/dns.py's reader), compared with what
`cinv render dns` writes, changed by RFC 2136 UPDATE signed with TSIG.

What is managed: the RRsets of the names the inventory holds (every owner of the rendered zone),
of its retired hosts' names, and of the names it held when this zone was last applied
(recorded on the server as the TXT record `_cinv-deploy.<zone>`, "commit=<id>"; see held.py).
Records of other names (an ACME challenge, a DDNS client) stay; so do the signer's records
(RRSIG, NSEC, NSEC3, NSEC3PARAM, DNSKEY, CDS, CDNSKEY, BIND's TYPE65534) unless the inventory
has that type at that name. The SOA is compared but for its serial.

One UPDATE per zone: its prerequisite is the SOA the plan read (value-dependent, RFC 2136 2.4.2),
so a zone changed on the server since (another apply, a DDNS client) makes the UPDATE fail
whole and nothing of the zone changes. It deletes and adds whole RRsets (the apex NS one record
at a time: a server ignores deleting them all), sets the SOA with the new serial (the rendered
serial when it is above the server's, else the server's + 1, RFC 1982) and the marker. A change
set larger than one DNS message (64 KiB) goes as a chain of UPDATEs, each with the SOA the
previous one set as its prerequisite.

Reading: every zone's SOA serial is asked; a zone is transferred only when its serial moved
since cinv last transferred it (the records are kept in .cinv/cache), and compared only when it
or the inventory's zone changed since a plan found it in sync (memo.py). After apply, the zone as
the server now holds it is kept and noted in sync (remember()).
"""
from __future__ import annotations

import socket
from dataclasses import dataclass, field

from cinv.audit import dns as axfr_reader
from cinv.deploy import update
from cinv.deploy.plan import Change, Outcome, Step
from cinv.errors import CinvError
from cinv.render.serial import after, bump

MARKER = "_cinv-deploy"
SIGNER = {"RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "CDS", "CDNSKEY", "TYPE65534"}
NAME_TYPES = {"PTR", "CNAME", "NS", "DNAME"}


@dataclass
class Desired:
    """A zone as `cinv render dns` writes it: {(owner, type): (ttl, {key: text})}, its SOA
    fields but the serial, and the serial it renders with."""

    zone: str
    records: dict
    soa: dict
    serial: int


@dataclass
class Work:
    """What apply needs for one zone on one server."""

    server: object  # servers.DnsServer
    zone: str
    base_soa: object  # the SOA read by the plan: the UPDATE's prerequisite
    soa_ttl: int
    soa: dict  # the SOA to set (serial aside)
    serial: int  # the serial to set
    rendered: int  # the serial the inventory renders
    ops: list = field(default_factory=list)  # (op, owner, type, ttl, [text]) in order
    marker: str | None = None  # the commit to record, if any
    records: dict = field(default_factory=dict, repr=False)  # the zone as the plan read it
    key: tuple = ()  # the zone's in-sync key but the serial (see plan_server)

    @property
    def ahead(self) -> bool:
        """The server held a serial above the rendered one: apply records the serial it
        sets as the zone's floor."""
        return after(self.base_soa.serial, self.rendered)


# --- the desired side ----------------------------------------------------------------------

def key_of_text(rtype: str, data: str):
    """What two records are compared by (as cinv/audit/axfr.py keys a transferred one), from
    zone-file text with names absolute: an address by its bytes, a name by its lower-case
    text, anything else by its canonical wire form."""
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, data)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, data)
    if rtype in NAME_TYPES:
        return data.lower()
    import dns.rdata
    return dns.rdata.from_text("IN", rtype, data).to_digestable()


def absolute(zone: str, rtype: str, data: str) -> str:
    """Record data with every name absolute (render writes a few relative to the zone, such
    as the RFC 2317 CNAMEs)."""
    if rtype in NAME_TYPES:
        return data if data.endswith(".") else f"{data}.{zone}."
    if rtype in ("A", "AAAA"):
        return data
    import dns.name
    import dns.rdata
    return dns.rdata.from_text("IN", rtype, data, dns.name.from_text(zone),
                               relativize=False).to_text()


def desired(zone: dict) -> Desired:
    """A zone dict of cinv/render/dns.py (with its serial) as a Desired."""
    name = zone["name"]
    records: dict = {}
    for r in zone["records"]:
        owner = (name if r["name"] == "@" else f"{r['name']}.{name}") + "."
        ttl = r["ttl"] if r["ttl"] is not None else zone["ttl"]
        rtype = r["type"]
        data = absolute(name, rtype, r["data"])
        key = (owner, rtype)
        have = records.get(key)
        if have is None:
            records[key] = (ttl, {key_of_text(rtype, data): data})
        else:
            have[1][key_of_text(rtype, data)] = data
    soa = {"mname": zone["primary_ns"].lower(), "rname": zone["hostmaster"].lower(),
           "refresh": zone["refresh"], "retry": zone["retry"], "expire": zone["expire"],
           "minimum": zone["minimum"], "ttl": zone["ttl"]}
    return Desired(name, records, soa, zone["serial"])


# --- comparing ------------------------------------------------------------------------------

def _shown(ttl: int, texts) -> str:
    return f"{ttl} " + " | ".join(sorted(texts))


def _soa_of(got) -> dict:
    s = got.soa
    return {"mname": s.mname.to_text().lower(), "rname": s.rname.to_text().lower(),
            "refresh": s.refresh, "retry": s.retry, "expire": s.expire, "minimum": s.minimum,
            "ttl": got.soa_ttl}


def _soa_text(soa: dict) -> str:
    return (f"{soa['ttl']} {soa['mname']} {soa['rname']} refresh {soa['refresh']} retry "
            f"{soa['retry']} expire {soa['expire']} minimum {soa['minimum']}")


def marker_commit(got) -> str | None:
    """The commit recorded by the last apply of this zone, if any."""
    rrset = got.records.get((f"{MARKER}.{got.zone}.", "TXT"))
    for text in (rrset[1].values() if rrset else []):
        text = text.strip('"')
        if text.startswith("commit=") and len(text) == 47 and \
                all(c in "0123456789abcdef" for c in text[7:]):
            return text[7:]
    return None


def compare(want: Desired, got, held: set[str]) -> tuple[list[Change], list, int]:
    """(changes, UPDATE operations, RRsets the server holds) for one zone. held: names the
    inventory held at the last apply, managed too."""
    apex = want.zone + "."
    marker = f"{MARKER}.{apex}"
    changes, deletes, adds = [], [], []
    existing = 0
    managed_owners = {owner for owner, _t in want.records} | held
    seen = set()
    for (owner, rtype), (ttl, rdatas) in got.records.items():
        if owner == marker:
            continue
        existing += 1
        key = (owner, rtype)
        wanted = want.records.get(key)
        if owner not in managed_owners or (rtype in SIGNER and wanted is None):
            continue  # another's name, or the signer's records
        seen.add(key)
        have = rdatas  # {comparison key: text}
        if wanted is None:
            changes.append(Change("delete", "record", f"{owner} {rtype}",
                                  _shown(ttl, have.values())))
            deletes.append(("delete", owner, rtype, None, []))
        elif wanted[0] != ttl or wanted[1].keys() != have.keys():
            changes.append(Change("change", "record", f"{owner} {rtype}",
                                  _shown(ttl, have.values()),
                                  _shown(wanted[0], wanted[1].values())))
            if owner == apex and rtype == "NS":  # one at a time: the apex keeps an NS
                gone = [have[k] for k in have if k not in wanted[1]]
                adds.append(("add", owner, rtype, wanted[0], list(wanted[1].values())))
                if gone:
                    adds.append(("delete-rrs", owner, rtype, None, gone))
            else:
                deletes.append(("delete", owner, rtype, None, []))
                adds.append(("add", owner, rtype, wanted[0], list(wanted[1].values())))
    for key, (ttl, texts) in want.records.items():
        if key not in seen:
            changes.append(Change("add", "record", f"{key[0]} {key[1]}", None,
                                  _shown(ttl, texts.values())))
            adds.append(("add", key[0], key[1], ttl, list(texts.values())))
    current = _soa_of(got)
    if current != want.soa:
        changes.append(Change("change", "soa", f"{apex} SOA", _soa_text(current),
                              _soa_text(want.soa), counted=False))
    order = {"delete": 0, "change": 1, "add": 2}
    changes.sort(key=lambda c: (tuple(reversed(c.subject.split(" ")[0].split("."))),
                                order[c.action], c.subject))
    return changes, deletes + adds, existing


def new_serial(rendered: int, current: int) -> int:
    """The rendered serial when it is above the server's (RFC 1982), else the server's + 1."""
    return rendered if after(rendered, current) else bump(current)


# --- planning -------------------------------------------------------------------------------

def _cache_name(server, zone: str = "index") -> str:
    """.cinv/cache/<name>.marshal of a server's zone (or its index: {zone: (serial, SOA text,
    SOA TTL)})."""
    return "deploy-dns-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in
                                   f"{server.server}_{server.port}_{zone}")


def read_server(server, zones: list[str], cache_root) -> dict:
    """{zone: ("ok", serial, SOA text, SOA TTL, records or None) | ("not served",) |
    ("error", text)} of one server (run in a child of its own; marshal-able). The SOA of every
    zone is asked (a few at once); a zone whose serial is the one cinv last transferred from
    this server is not transferred again (a zone changes its serial with every change, an
    UPDATE always does): its records are in .cinv/cache (records None)."""
    from concurrent.futures import ThreadPoolExecutor

    from cinv.records import cache
    index = cache.read(cache_root, _cache_name(server)) if cache_root else None
    index = index if isinstance(index, dict) else {}

    def serial_of(zone):
        try:
            return axfr_reader.soa_serial(server.server, server.port, zone, server.timeout,
                                          server.tsig)
        except CinvError as e:
            return e
    first = serial_of(zones[0]) if zones else None
    if isinstance(first, CinvError) and "zone" not in str(first):
        return {zone: ("error", str(first).removeprefix(f"{server.label}: ")) for zone in zones}
    with ThreadPoolExecutor(max_workers=8) as pool:  # the server itself answers: ask the rest
        serials = dict(zip(zones[1:], pool.map(serial_of, zones[1:])))
    if zones:
        serials[zones[0]] = first
    out, changed = {}, False
    for zone in zones:
        serial = serials[zone]
        if isinstance(serial, CinvError):
            out[zone] = ("error", str(serial).removeprefix(f"{server.label}: "))
            continue
        if serial == axfr_reader.NOT_SERVED:
            out[zone] = ("not served",)
            continue
        hit = index.get(zone)
        if hit is not None and hit[0] == serial:
            out[zone] = ("ok", *hit, None)
            continue
        try:
            got = axfr_reader.read_transfer(server.server, server.port, zone, server.timeout,
                                            server.tsig)
        except CinvError as e:
            out[zone] = ("error", str(e).removeprefix(f"{server.label}: "))
            continue
        if got == axfr_reader.NOT_SERVED:
            out[zone] = ("not served",)
            continue
        head = (got.soa.serial, got.soa.to_text(), got.soa_ttl)
        if cache_root and cache.write(cache_root, _cache_name(server, zone), got.records):
            index[zone] = head
            changed = True
            out[zone] = ("ok", *head, None)
        else:
            out[zone] = ("ok", *head, got.records)
    if changed:
        cache.write(cache_root, _cache_name(server), index)
    return out


def plan_server(ctx, server, read: dict) -> list[Step]:
    """One step per zone of the server (its zones:, else every zone the inventory renders that
    it serves), from what read_server read. A zone found in sync by the last plan, with the
    same serial on the server and the same content in the inventory since, is in sync still
    (ctx.memo): nothing of it is compared again."""
    import dns.rdata

    from cinv.records import cache
    wanted = ctx.zone_dicts()
    listed = server.zones is not None
    names = list(server.zones) if listed else sorted(wanted)
    steps = []
    for zone in names:
        step = Step("dns", server.label, zone)
        steps.append(step)
        got = read.get(zone, ("error", "not read"))
        if zone not in wanted:
            step.error = f"not a zone of the inventory (its zones: {', '.join(sorted(wanted))})"
        elif got[0] == "error":
            step.error = got[1]
        elif got[0] == "not served":
            if listed:
                step.error = "the server does not serve this zone (no authoritative SOA)"
            else:
                step.notes.append("not served here (no authoritative SOA): left out")
        else:
            _ok, serial, soa_text, soa_ttl, records = got
            where = ("dns", server.label, zone)
            # the names held at the commit last applied need no place in the key: the zone's
            # content unchanged, the names the inventory held since are the same
            key = (serial, wanted[zone]["digest"], ctx.commit is None, ctx.retired_key())
            if ctx.memo.same(where, key):
                continue
            if records is None:
                records = cache.read(ctx.ws.cache_root(), _cache_name(server, zone))
            if not isinstance(records, dict):
                step.error = "the records transferred were not kept; plan again"
                continue
            soa = dns.rdata.from_text("IN", "SOA", soa_text, relativize=False)
            _plan_zone(ctx, step, server, ctx.zone(zone),
                       axfr_reader.Transferred(zone, records, soa, soa_ttl))
            if step.work is not None:
                step.work.key = key[1:]
            elif not step.blocked:
                ctx.memo.keep(where, key)
    return steps


def _plan_zone(ctx, step: Step, server, want: Desired, got) -> None:
    held = set(ctx.retired_owners().get(want.zone, ()))
    last = marker_commit(got)
    if last is not None and ctx.commit is not None and last != ctx.commit:
        before = ctx.held_at(last)
        if before is None:
            step.notes.append(f"last applied from commit {last[:12]}, which this repository "
                              "does not have: names removed from the inventory since then are "
                              "not looked for")
        else:
            held |= before.get(want.zone, set())
    changes, ops, existing = compare(want, got, held)
    if last is None and ctx.commit is not None:
        changes.append(Change("add", "marker", f"{MARKER}.{want.zone}. TXT", None,
                              f'"commit={ctx.commit}"', "the commit deployed, first apply "
                              "here", counted=False))
    step.changes, step.existing = changes, existing
    if changes:
        step.work = Work(server, want.zone, got.soa, got.soa_ttl, want.soa,
                         new_serial(want.serial, got.soa.serial), want.serial, ops, ctx.commit,
                         got.records)
        step.notes.append(f"serial {got.soa.serial} -> {step.work.serial}" + (
            f" (above the {want.serial} the inventory renders: apply records it as the "
            "zone's serial floor)" if step.work.ahead else ""))


# --- applying -------------------------------------------------------------------------------

def _marker_ops(work: Work) -> list:
    if not work.marker:
        return []
    owner = f"{MARKER}.{work.zone}."
    return [("delete", owner, "TXT", None, []),
            ("add", owner, "TXT", work.soa["ttl"], [f'"commit={work.marker}"'])]


def messages(work: Work) -> list:
    """The operations as UPDATE messages (update.Message), each within one DNS message, an
    RRset's operation never split."""
    out = [update.Message(work.zone)]
    for op in work.ops + _marker_ops(work):
        parts = update.op_wire(op)
        if out[-1].records and not out[-1].fits(parts):
            out.append(update.Message(work.zone))
        if not out[-1].fits(parts):
            raise CinvError(f"{op[1]} {op[2]}: too large for one UPDATE message")
        out[-1].add(parts)
    return out


def _soa_wire(work: Work, serial: int) -> bytes:
    return update.rdata_wire("SOA", " ".join(_soa_wire_text(work, serial)))


def _send(work: Work, message, prerequisite: bytes, soa: bytes) -> None:
    import secrets

    import dns.exception
    import dns.rcode
    import dns.tsig
    server = work.server
    keys = axfr_reader._keyring(server.tsig)
    msg_id = secrets.randbelow(65536)
    wire, mac = update.sign(message.wire(msg_id, prerequisite, soa, work.soa["ttl"]), keys,
                            msg_id)
    try:
        response = update.send(wire, mac, keys, server.server, server.port, server.timeout)
    except dns.tsig.PeerError as e:
        raise CinvError(f"the server did not accept key {server.tsig.name} ({e})") from None
    except (socket.timeout, dns.exception.Timeout):
        raise CinvError(f"no answer within {server.timeout:g} s") from None
    except (OSError, dns.exception.DNSException, EOFError) as e:
        raise CinvError(f"{type(e).__name__}: {e}") from None
    if response.id != msg_id:
        raise CinvError("the answer is not to this UPDATE")
    rcode = response.rcode()
    if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET, dns.rcode.NXDOMAIN):
        raise CinvError("the zone changed on the server since the plan (its SOA is no longer "
                        "the one planned from); nothing of it was changed: plan again")
    if rcode == dns.rcode.REFUSED:
        raise CinvError(f"the server refused the UPDATE (allow-update / update-policy for key "
                        f"{server.tsig.name})")
    if rcode != dns.rcode.NOERROR:
        raise CinvError(f"the server answered {dns.rcode.to_text(rcode)}")


def apply_step(step: Step) -> Outcome:
    """One zone: its UPDATE (or chain of UPDATEs), each prerequisite the SOA before it."""
    work: Work = step.work
    try:
        pieces = messages(work)
    except CinvError as e:
        return Outcome(step, False, str(e))
    prerequisite, serial = work.base_soa.to_wire(), work.base_soa.serial
    for n, message in enumerate(pieces):
        last = n == len(pieces) - 1
        serial = work.serial if last and after(work.serial, serial) else bump(serial)
        soa = _soa_wire(work, serial)
        try:
            _send(work, message, prerequisite, soa)
        except CinvError as e:
            done = f"; {n} of {len(pieces)} UPDATEs were applied (each whole)" if n else ""
            return Outcome(step, False, f"{e}{done}")
        prerequisite = soa
    step.work.serial = serial
    size = len(work.ops)
    count = len(step.changes)
    return Outcome(step, True, f"{count} change{'s' if count != 1 else ''} in {len(pieces)} "
                               f"UPDATE{'s' if len(pieces) != 1 else ''} ({size} RRset "
                               f"operation{'s' if size != 1 else ''}), serial {serial}")


def remember(ctx, step: Step) -> None:
    """After a zone's UPDATEs went through: the zone as the server now holds it (the records
    read with the operations done, and the serial set) is kept as if transferred, and noted in
    sync, so the next plan neither transfers nor compares it. RFC 2136 makes an UPDATE whole
    or nothing, and the operations are ones a server does as sent (the apex NS one record at
    a time, deletes before adds)."""
    from cinv.records import cache
    work: Work = step.work
    root = ctx.ws.cache_root()
    if root is None or not work.key:
        return
    records = dict(work.records)
    for op, owner, rtype, ttl, texts in work.ops + _marker_ops(work):
        key = (owner, rtype)
        if op == "delete":
            records.pop(key, None)
        elif op == "delete-rrs":
            ttl_now, have = records.get(key, (0, {}))
            gone = {key_of_text(rtype, t) for t in texts}
            records[key] = (ttl_now, {k: v for k, v in have.items() if k not in gone})
        else:
            have = dict(records.get(key, (ttl, {}))[1])
            have.update({key_of_text(rtype, t): t for t in texts})
            records[key] = (ttl, have)
    server = work.server
    soa_text = " ".join(_soa_wire_text(work, work.serial))
    index = cache.read(root, _cache_name(server))
    index = index if isinstance(index, dict) else {}
    if cache.write(root, _cache_name(server, work.zone), records):
        index[work.zone] = (work.serial, soa_text, work.soa["ttl"])
        cache.write(root, _cache_name(server), index)
        ctx.memo.keep(("dns", server.label, work.zone), (work.serial, *work.key))


def _soa_wire_text(work: Work, serial: int) -> list[str]:
    s = work.soa
    return [s["mname"], s["rname"], str(serial), str(s["refresh"]), str(s["retry"]),
            str(s["expire"]), str(s["minimum"])]
