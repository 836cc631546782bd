"""DNS zones as plain values: transferred from a server (AXFR) or read from zone text, both into
{(owner, type): (ttl, frozenset of rdata)} so they compare record by record.

dnspython does the wire work: its zone transfer checks the SOA at both ends, its rdata compare
in canonical (case-insensitive for names) form, and its zone reader is the same for the text
`cinv render dns` writes. Only the address the user gave is contacted (an IP address, never a
name to resolve): first a SOA query over UDP (does the server serve the zone at all?), then the
transfer over TCP. Every wait is bounded by the timeout.
"""
from __future__ import annotations

import ipaddress

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.xfr
import dns.zone

from cinv.errors import CinvError

NOT_SERVED = "not served"


def records(zone: dns.zone.Zone) -> dict:
    """{(owner, type): (ttl, frozenset(rdata))}, owners absolute and lower-case; the SOA's
    serial set to 0 (serials are not compared)."""
    out = {}
    for name, node in zone.nodes.items():
        owner = name.derelativize(zone.origin).to_text().lower()
        for rdataset in node.rdatasets:
            datas = frozenset(rdataset)
            if rdataset.rdtype == dns.rdatatype.SOA:
                datas = frozenset(d.replace(serial=0) for d in datas)
            out[(owner, dns.rdatatype.to_text(rdataset.rdtype))] = (rdataset.ttl, datas)
    return out


def read_zone_text(text: str, zone: str, shown: str) -> dict:
    """A zone file's records (as `cinv render dns` writes it)."""
    try:
        parsed = dns.zone.from_text(text, origin=zone, relativize=False, check_origin=True)
    except dns.exception.DNSException as e:
        raise CinvError(f"{shown}: not a zone dnspython can read ({e})") from None
    return records(parsed)


def check_server(server: str) -> str:
    """The server as an IP address (no name is resolved: no traffic but to it)."""
    try:
        return str(ipaddress.ip_address(server))
    except ValueError:
        raise ValueError(f"{server!r} is not an IP address (give the server's address, so "
                         "that no name has to be resolved)") from None


def transfer(server: str, port: int, zone: str, timeout: float) -> dict | str:
    """The zone's records as the server holds them, or NOT_SERVED when the server does not
    answer authoritatively for it. One clear line when the server is silent or refuses the
    transfer of a zone it serves."""
    shown = f"dns {server} port {port}"
    origin = dns.name.from_text(zone)
    try:
        query = dns.message.make_query(origin, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        answer = dns.query.udp(query, server, port=port, timeout=timeout)
        if (answer.rcode() != dns.rcode.NOERROR or not answer.flags & dns.flags.AA
                or not answer.answer):
            return NOT_SERVED
        result = dns.zone.Zone(origin, relativize=False)
        dns.query.inbound_xfr(server, result, port=port, timeout=timeout, lifetime=timeout)
    except dns.exception.Timeout:
        raise CinvError(f"{shown}: no answer within {timeout:g} s (--timeout)") from None
    except dns.xfr.TransferError as e:
        raise CinvError(f"{shown}: zone {zone}: the transfer was refused "
                        f"({dns.rcode.to_text(e.rcode)}); allow transfers to this host "
                        "(named: allow-transfer)") from None
    except ConnectionRefusedError:
        raise CinvError(f"{shown}: connection refused (is a DNS server listening there?)") \
            from None
    except OSError as e:
        raise CinvError(f"{shown}: {e.strerror or e}") from None
    except (dns.exception.DNSException, EOFError) as e:
        raise CinvError(f"{shown}: zone {zone}: {type(e).__name__}: {e}") from None
    return records(result)
