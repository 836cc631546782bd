"""DNS zones as plain values: transferred from a server (AXFR) or read from zone text, both into
{(owner, type): (ttl, frozenset of rdata)} so they compare record by record.

dnspython does the wire work: its zone transfer checks the SOA at both ends, its rdata compare
in canonical (case-insensitive for names) form, and its zone reader is the same for the text
`cinv render dns` writes. Only the address the user gave is contacted (an IP address, never a
name to resolve): first a SOA query over UDP (does the server serve the zone at all?), then the
transfer over TCP, signed with TSIG when a key is given (deploy). Every wait is bounded by the
timeout, the transfer as a whole too (a server may stream an endless transfer: the deadline,
MAX_RECORDS and MAX_BYTES, whichever comes first, end it with one line), and what the server
sends is checked (read_transfer) like a branch's files. `cinv audit dns` and `cinv plan`/`apply`
read zones through this one reader.
"""
from __future__ import annotations

import ipaddress
from contextlib import contextmanager
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone

from cinv.errors import CinvError

NOT_SERVED = "not served"
MAX_RECORDS = 2_000_000  # of one zone's transfer: refused beyond, never read into memory
MAX_BYTES = 256 << 20  # of one zone's transfer, on the wire
TTL_MAX = 2**31 - 1


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


@dataclass
class Transferred:
    """A zone as a server holds it: {(owner, type): (ttl, {key: item})} with owners absolute,
    lower-case, ending in a dot; the SOA apart (its dnspython rdata and TTL). Types as
    text."""

    zone: str
    records: dict
    soa: object
    soa_ttl: int


def _keyring(tsig):
    if tsig is None:
        return {}
    import dns.tsig
    name = dns.name.from_text(tsig.name)
    return {"keyring": {name: dns.tsig.Key(name, tsig.secret, tsig.algorithm)},
            "keyname": name, "keyalgorithm": tsig.algorithm}


def read_transfer(server: str, port: int, zone: str, timeout: float, tsig=None,
                  limit: int | None = None, hint: str = "", convert=None) -> Transferred | str:
    """The zone as the server holds it, by AXFR (signed with tsig, a servers.Tsig, if given),
    or NOT_SERVED when the server does not answer authoritatively for it. The records are
    {(owner, type): (ttl, {key: item})} as convert makes them (axfr.keyed: comparison keys and
    zone-file text; axfr.rdata: dnspython rdata). The answer is data (see axfr.py): at most
    `limit` (MAX_RECORDS) records and MAX_BYTES bytes within the timeout, every owner inside
    the zone. One clear line when the server is silent,
    refuses, or answers what is not a transfer of this zone."""
    from cinv.audit import axfr
    keys = _keyring(tsig)
    with _answers(server, port, zone, timeout, hint):
        if soa_serial(server, port, zone, timeout, tsig, hint) == NOT_SERVED:
            return NOT_SERVED
        records, soa, soa_ttl = axfr.transfer(server, port, zone, timeout, keys,
                                              limit or MAX_RECORDS, convert or axfr.keyed,
                                              MAX_BYTES)
    return Transferred(zone, records, soa, soa_ttl)


def soa_serial(server: str, port: int, zone: str, timeout: float, tsig=None,
               hint: str = "") -> int | str:
    """The serial of the zone's SOA as the server answers it authoritatively (one UDP query,
    signed with tsig if given), or NOT_SERVED."""
    with _answers(server, port, zone, timeout, hint):
        keys = _keyring(tsig)
        query = dns.message.make_query(dns.name.from_text(zone), dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        if keys:
            query.use_tsig(keys["keyring"], keys["keyname"], algorithm=keys["keyalgorithm"])
        answer = dns.query.udp(query, server, port=port, timeout=timeout)
        if (answer.rcode() != dns.rcode.NOERROR or not answer.flags & dns.flags.AA
                or not answer.answer or answer.answer[0].rdtype != dns.rdatatype.SOA):
            return NOT_SERVED
        return int(answer.answer[0][0].serial)


@contextmanager
def _answers(server: str, port: int, zone: str, timeout: float, hint: str):
    """What goes wrong asking a server, as one line naming it."""
    import dns.tsig

    from cinv.audit import axfr
    shown = f"dns {server} port {port}"
    try:
        yield
    except (dns.exception.Timeout, TimeoutError):
        raise CinvError(f"{shown}: no answer within {timeout:g} s{hint}") from None
    except axfr.TransferTimeout:
        raise CinvError(f"{shown}: zone {zone}: the transfer did not finish within {timeout:g} s"
                        f"{hint} (it bounds the whole transfer); refusing") from None
    except axfr.TooBig as e:
        raise CinvError(f"{shown}: zone {zone}: {e}") from None
    except axfr.TransferRefused as e:
        raise CinvError(f"{shown}: zone {zone}: the transfer was refused "
                        f"({dns.rcode.to_text(e.rcode)}); allow transfers to this host "
                        "(named: allow-transfer)") from None
    except axfr.WireError as e:
        raise CinvError(f"{shown}: zone {zone}: {e}; refused") from None
    except dns.tsig.PeerError as e:
        raise CinvError(f"{shown}: zone {zone}: the server did not accept the key "
                        f"({type(e).__name__})") from None
    except ConnectionRefusedError:
        raise CinvError(f"{shown}: connection refused (is a DNS server listening there?)") \
            from None
    except OSError as e:
        raise CinvError(f"{shown}: {e.strerror or e}") from None
    except (dns.exception.DNSException, EOFError) as e:
        raise CinvError(f"{shown}: zone {zone}: {type(e).__name__}: {e}") from None


def transfer(server: str, port: int, zone: str, timeout: float) -> dict | str:
    """The zone's records as the server holds it (see records()), or NOT_SERVED."""
    from cinv.audit import axfr
    got = read_transfer(server, port, zone, timeout, hint=" (--timeout)", convert=axfr.rdata)
    if got == NOT_SERVED:
        return NOT_SERVED
    out = {key: (ttl, frozenset(rdatas)) for key, (ttl, rdatas) in got.records.items()}
    out[(zone.lower().rstrip(".") + ".", "SOA")] = (got.soa_ttl,
                                                    frozenset([got.soa.replace(serial=0)]))
    return out
