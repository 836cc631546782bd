"""DNS zones as plain values: transferred from a server (AXFR) or read from zone text, both into
{(owner, type): (ttl, frozenset of rdata)} so they compare record by record.

dnspython does the wire work: its zone transfer checks the SOA at both ends, its rdata compare
in canonical (case-insensitive for names) form, and its zone reader is the same for the text
`cinv render dns` writes. Only the address the user gave is contacted (an IP address, never a
name to resolve): first a SOA query over UDP (does the server serve the zone at all?), then the
transfer over TCP. Every wait is bounded by the timeout; the transfer as a whole too.

A server is as untrusted as a lease file: it may stream an endless transfer. cinv reads the
transfer's messages itself (dnspython's inbound_xfr checks its lifetime only when it has to
wait, never while data keeps coming) and stops at the deadline, at MAX_RECORDS records or at
MAX_BYTES bytes, whichever comes first, with one line.
"""
from __future__ import annotations

import ipaddress
import socket
import struct
import time

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
MAX_RECORDS = 500_000  # of one zone's transfer; the zones cinv renders hold far fewer
MAX_BYTES = 64 << 20  # of one zone's transfer, on the wire


class TransferTimeout(Exception):
    """The transfer did not finish by its deadline."""


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
        _axfr(server, port, result, time.monotonic() + timeout, f"{shown}: zone {zone}")
    except dns.exception.Timeout:
        raise CinvError(f"{shown}: no answer within {timeout:g} s (--timeout)") from None
    except TransferTimeout:
        raise CinvError(f"{shown}: zone {zone}: the transfer did not finish within "
                        f"{timeout:g} s (--timeout bounds the whole transfer); refusing") \
            from None
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


def _axfr(server: str, port: int, zone: dns.zone.Zone, deadline: float, shown: str) -> None:
    """The zone transferred into `zone` over TCP, message by message, by the deadline (a
    monotonic time) and within MAX_RECORDS and MAX_BYTES (CinvError beyond either)."""
    query = dns.message.make_query(zone.origin, dns.rdatatype.AXFR)
    wire = query.to_wire()
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(_left(deadline))
            s.connect((server, port))
            s.sendall(struct.pack("!H", len(wire)) + wire)
            total = count = 0
            with dns.xfr.Inbound(zone, dns.rdatatype.AXFR) as inbound:
                done, first = False, True
                while not done:
                    (length,) = struct.unpack("!H", _read(s, 2, deadline))
                    total += 2 + length
                    if total > MAX_BYTES:
                        raise CinvError(f"{shown}: the transfer holds more than {MAX_BYTES} "
                                        "bytes; refusing")
                    message = dns.message.from_wire(_read(s, length, deadline), xfr=True,
                                                    origin=zone.from_wire_origin(),
                                                    multi=True)
                    if not query.is_response(message, xfr_continuation=not first):
                        raise dns.query.BadResponse
                    count += sum(len(rrset) for rrset in message.answer)
                    if count > MAX_RECORDS:
                        raise CinvError(f"{shown}: the transfer holds more than {MAX_RECORDS} "
                                        "records; refusing")
                    done = inbound.process_message(message)
                    first = False
    except TimeoutError:  # socket.timeout: a wait ran into the deadline
        raise TransferTimeout() from None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransferTimeout()
    return left


def _read(sock: socket.socket, count: int, deadline: float) -> bytes:
    """count bytes from sock, by the deadline (checked before every read, so a server that
    keeps sending cannot hold the transfer past it)."""
    data = bytearray()
    while len(data) < count:
        sock.settimeout(_left(deadline))
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError("the server closed the connection during the transfer")
        data += chunk
    return bytes(data)
