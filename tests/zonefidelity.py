"""Import fidelity of zone files: what the source zone holds, asked of a real named serving what
cinv rendered.

`source_rrsets(file, zone)` reads the source with dnspython (independently of cinv's importer);
`Server` is named on 127.0.0.1 and a free port serving a rendered dns/ folder; `differences()`
asks it (TCP, dnspython) for every RRset of the source but the SOA and the apex NS, and returns
every one that does not come back identical: same type, same data, same TTL. A name at or below
a delegation must come back as the same referral (the delegation's NS in the authority section,
and, for the delegation's own name servers, their glue in the additional section), as named
serving the source would answer. A CNAME in the answer (cinv's RFC 2317 CNAME into a classless
child zone) is followed, as a resolver would, to the RRset asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.zone
from test_serve_dns import Named


@dataclass(frozen=True)
class Expected:
    name: dns.name.Name
    rdtype: int
    ttl: int
    rdatas: frozenset

    def text(self) -> str:
        return (f"{self.name} {self.ttl} {dns.rdatatype.to_text(self.rdtype)} "
                f"{sorted(r.to_text() for r in self.rdatas)}")


def source_rrsets(path: Path, zone: str, skip: set[tuple[str, str]] = frozenset()
                  ) -> list[Expected]:
    """Every RRset of the source but the SOA and the apex NS (and those in skip: (name, TYPE)
    listed by the import as not taken)."""
    z = dns.zone.from_file(str(path), zone + ".", relativize=False, check_origin=False)
    out = []
    for name, rdataset in z.iterate_rdatasets():
        rtype = dns.rdatatype.to_text(rdataset.rdtype)
        if rtype == "SOA" or (rtype == "NS" and name == z.origin):
            continue
        if (name.to_text(omit_final_dot=True).lower(), rtype) in skip:
            continue
        out.append(Expected(name, rdataset.rdtype, rdataset.ttl, frozenset(rdataset)))
    return out


class Server(Named):
    """named serving a rendered dns/ folder; ready once it answers the SOA of these zones."""

    def __init__(self, out: Path, tmp: Path, zones: list[str]):
        super().__init__(out, tmp)
        self.zones = zones

    def _answers(self) -> bool:
        return all(self.ask(dns.name.from_text(z + "."), dns.rdatatype.SOA, check=False)
                   is not None for z in self.zones)

    def ask(self, name, rdtype, check: bool = True):
        query = dns.message.make_query(name, rdtype)
        query.flags &= ~dns.flags.RD
        try:
            return dns.query.tcp(query, "127.0.0.1", port=self.port, timeout=5)
        except (OSError, dns.exception.DNSException):
            if check:
                raise
            return None


def _find(sections, name, rdtype):
    for section in sections:
        for rrset in section:
            if rrset.name == name and rrset.rdtype == rdtype:
                return rrset
    return None


def differences(server: Server, expected: list[Expected], cuts: set[dns.name.Name]) -> list[str]:
    """Every expected RRset that named does not answer identically (one line each)."""
    wrong = []
    servers = {e.name: {r.target for r in e.rdatas} for e in expected
               if e.name in cuts and e.rdtype == dns.rdatatype.NS}
    for e in expected:
        response = server.ask(e.name, e.rdtype)
        if e.name in cuts and e.rdtype == dns.rdatatype.NS:  # the delegation: a referral
            got = _find([response.authority], e.name, e.rdtype)
            if response.answer or got is None or frozenset(got) != e.rdatas or got.ttl != e.ttl:
                wrong.append(f"{e.text()}: want this referral, got {response.to_text()!r}")
            continue
        cut = next((c for c in cuts if e.name.is_subdomain(c)
                    and not (e.name == c and e.rdtype == dns.rdatatype.DS)), None)
        if cut is not None:  # a referral: the delegation's NS, and glue
            got = _find([response.authority], cut, dns.rdatatype.NS)
            if got is None or response.answer:
                wrong.append(f"{e.text()}: want a referral to {cut}, got "
                             f"{response.to_text()!r}")
                continue
            if e.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) and \
                    e.name in servers.get(cut, ()):  # glue: only a name server's address
                got = _find([response.additional], e.name, e.rdtype)
                if got is None or frozenset(got) != e.rdatas or got.ttl != e.ttl:
                    wrong.append(f"{e.text()}: glue not in the referral: {response.to_text()!r}")
            continue
        got = _find([response.answer], e.name, e.rdtype)
        name = e.name
        for _hop in range(8):  # a CNAME cinv writes (RFC 2317): what a resolver follows
            cname = _find([response.answer], name, dns.rdatatype.CNAME)
            if got is not None or cname is None or e.rdtype == dns.rdatatype.CNAME:
                break
            name = cname[0].target
            response = server.ask(name, e.rdtype)
            got = _find([response.answer], name, e.rdtype)
        if got is None:
            wrong.append(f"{e.text()}: not answered ({dns.rcode.to_text(response.rcode())}: "
                         f"{[r.to_text() for r in response.answer]})")
        elif frozenset(got) != e.rdatas:
            wrong.append(f"{e.text()}: got {sorted(r.to_text() for r in got)}")
        elif got.ttl != e.ttl:
            wrong.append(f"{e.text()}: got TTL {got.ttl}")
    return wrong


def delegations(expected: list[Expected], zone: str) -> set[dns.name.Name]:
    apex = dns.name.from_text(zone + ".")
    return {e.name for e in expected if e.rdtype == dns.rdatatype.NS and e.name != apex}
