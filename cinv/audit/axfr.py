"""A zone transfer (AXFR over TCP) read straight from the wire: fast enough for zones of
hundreds of thousands of records, and as careful as dnspython's reader.

dnspython builds a Message, a Name and an Rdata object (and hashes its canonical wire form) for
every record: about 100 µs each, 20 s for the 200,000 records of a 50,000-host inventory's
zones. Here each message is walked once: owner names decompressed with a cache of the offsets
already read, the records cinv writes in bulk (A, AAAA, PTR, CNAME, NS, DNAME) turned into
their comparison key and text directly, every other type (and the SOA) handed to dnspython's
rdata parser. TSIG is verified by dnspython's own dns.tsig.validate, chained from message to
message as RFC 8945 has it (an unsigned message in between is digested into the next).

What a server sends is data: the header (id, response, opcode, rcode), every length and
pointer (no pointer forward or into itself, names at most 255 bytes), the record count, the
byte count, and the first and last record (the zone's SOA) are checked; anything else is one
clear error.
"""
from __future__ import annotations

import socket
import struct
import time

from cinv.errors import CinvError

A, NS, CNAME, SOA, PTR, AAAA, DNAME, TSIG = 1, 2, 5, 6, 12, 28, 39, 250
NAME_TYPES = {NS: "NS", CNAME: "CNAME", PTR: "PTR", DNAME: "DNAME"}
_SPECIAL = frozenset(b'"().;\\@$')


class WireError(CinvError):
    pass


class TooBig(CinvError):
    """The transfer holds more records or bytes than the caller's cap."""


class TransferTimeout(Exception):
    """The transfer did not finish by its deadline."""


def _label_text(label: bytes) -> str:
    """A label as zone-file text (dnspython's escapes), lower-case."""
    label = label.lower()
    if label.isalnum() or all(48 <= b <= 57 or 97 <= b <= 122 or b in (45, 95, 42, 47)
                              for b in label):
        return label.decode("ascii")
    out = []
    for b in label:
        if b in _SPECIAL:
            out.append("\\" + chr(b))
        elif 0x21 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return "".join(out)


class Names:
    """Names of one message, decompressed, as lower-case text ending in a dot."""

    def __init__(self, wire: bytes):
        self.wire = wire
        # offset -> (the name there, its length in wire form, the offset after it in place)
        self.cache: dict[int, tuple[str, int, int]] = {}

    def read(self, offset: int) -> tuple[str, int]:
        """(the name starting at offset, the offset after it in its record)."""
        wire, cache = self.wire, self.cache
        start, end = offset, None
        labels: list[str] = []
        length = 0
        while True:
            hit = cache.get(offset)
            if hit is not None:
                tail, tail_length, after = hit
                if end is None:
                    end = after
                break
            if offset >= len(wire):
                raise WireError("a name runs past the end of the message")
            n = wire[offset]
            if n == 0:
                tail, tail_length = ".", 1
                offset += 1
                break
            if n & 0xC0 == 0xC0:
                if offset + 1 >= len(wire):
                    raise WireError("a compression pointer runs past the message")
                target = ((n & 0x3F) << 8) | wire[offset + 1]
                if target >= offset:
                    raise WireError("a compression pointer that does not point back")
                if end is None:
                    end = offset + 2
                offset = target
                continue
            if n & 0xC0:
                raise WireError("a label type DNS does not have")
            label = wire[offset + 1:offset + 1 + n]
            if len(label) != n:
                raise WireError("a label runs past the end of the message")
            labels.append(_label_text(label))
            length += n + 1
            offset += 1 + n
        length += tail_length
        if length > 255:
            raise WireError("a name longer than 255 bytes")
        if labels:
            name = ".".join(labels) + ("." if tail == "." else "." + tail)
        else:
            name = tail
        end = end if end is not None else offset
        cache[start] = (name, length, end)
        return name, end


def read_exactly(sock: socket.socket, n: int, deadline: float) -> bytes:
    """n bytes from a stream (a DNS message over TCP), by the deadline (time.monotonic):
    TransferTimeout past it."""
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TransferTimeout
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - got)
        except TimeoutError:
            raise TransferTimeout from None
        if not chunk:
            raise WireError("the server closed the connection in the middle of an answer")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def transfer(server: str, port: int, zone: str, timeout: float, keys: dict, limit: int,
             convert, max_bytes: int) -> tuple[dict, object, int]:
    """({(owner, type): (ttl, value)}, the SOA as dnspython rdata, its TTL) by AXFR.
    convert(type code, type text, wire, offset, length, rdata-maker) -> (key, item) gives each
    record's entry; value = {key: item}. keys: dnspython's keyring arguments, or {}. The
    timeout bounds the whole transfer (a server may keep sending for ever), `limit` its
    records and `max_bytes` its bytes: TransferTimeout, TooBig beyond them."""
    import dns.message
    import dns.name
    import dns.rdata
    import dns.rdatatype
    import dns.tsig
    origin = dns.name.from_text(zone)
    apex = origin.to_text().lower()
    query = dns.message.make_query(origin, dns.rdatatype.AXFR)
    if keys:
        query.use_tsig(keys["keyring"], keys["keyname"], algorithm=keys["keyalgorithm"])
    wire = query.to_wire()
    key = keys["keyring"][keys["keyname"]] if keys else None
    out: dict = {}
    soa = soa_ttl = None
    count = total = 0
    ctx = None
    signed_last = False
    deadline = time.monotonic() + timeout
    with socket.create_connection((server, port), timeout=timeout) as sock:
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        done = False
        first = True
        while not done:
            size = struct.unpack("!H", read_exactly(sock, 2, deadline))[0]
            total += size
            if total > max_bytes:
                raise TooBig(f"the transfer holds more than {max_bytes} bytes; refusing")
            msg = read_exactly(sock, size, deadline)
            if len(msg) < 12:
                raise WireError("a message shorter than its header")
            mid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
            if mid != query.id or not flags & 0x8000 or (flags >> 11) & 0xF != 0:
                raise WireError("an answer that is not the response to this query")
            rcode = flags & 0xF
            names = Names(msg)
            offset = 12
            for _ in range(qd):
                _name, offset = names.read(offset)
                offset += 4
            signed = False
            for section, n in ((1, an), (2, ns), (3, ar)):
                for _ in range(n):
                    rr_start = offset
                    owner, offset = names.read(offset)
                    if offset + 10 > len(msg):
                        raise WireError("a record runs past the end of the message")
                    rtype, _rclass, ttl, rdlen = struct.unpack("!HHIH", msg[offset:offset + 10])
                    offset += 10
                    if offset + rdlen > len(msg):
                        raise WireError("record data runs past the end of the message")
                    if rtype == TSIG:
                        if section != 3 or not keys:
                            raise WireError("an unexpected TSIG record")
                        trd = dns.rdata.from_wire("ANY", "TSIG", msg, offset, rdlen)
                        ctx = dns.tsig.validate(msg, key, dns.name.from_text(owner), trd,
                                                int(time.time()), query.mac, rr_start, ctx,
                                                True)
                        signed = True
                    elif section == 1 and not done:
                        if rcode:
                            raise WireError(f"rcode {rcode}")
                        count += 1
                        if count > limit:
                            raise TooBig(f"the transfer holds more than {limit} records; "
                                         "refusing")
                        if not (owner == apex or owner.endswith("." + apex)):
                            raise WireError(f"the transfer holds {owner[:80]}, outside the "
                                            "zone")
                        if ttl > 0x7FFFFFFF:
                            raise WireError(f"TTL {ttl} out of range")
                        if rtype == SOA:
                            if first and soa is None:
                                if owner != apex:
                                    raise WireError("the transfer starts with another SOA")
                                soa = dns.rdata.from_wire("IN", "SOA", msg, offset, rdlen)
                                soa_ttl = ttl
                            elif owner == apex:
                                done = True
                        elif soa is None:
                            raise WireError("the transfer does not start with the SOA")
                        else:
                            text = dns.rdatatype.to_text(rtype) if rtype not in TYPES \
                                else TYPES[rtype]
                            k, item = convert(rtype, text, msg, offset, rdlen, names)
                            have = out.get((owner, text))
                            if have is None:
                                out[(owner, text)] = (ttl, {k: item})
                            else:
                                have[1][k] = item
                                if ttl < have[0]:
                                    out[(owner, text)] = (ttl, have[1])
                    offset += rdlen
            if rcode and not count:
                raise TransferRefused(rcode)
            if keys and ctx is None:
                raise WireError("the first message is not signed with the key")
            if not signed and ctx is not None:
                ctx.update(msg)
            signed_last = signed
            first = False
    if keys and not signed_last:
        raise WireError("the last message is not signed with the key")
    if soa is None:
        raise WireError("the transfer has no SOA")
    return out, soa, soa_ttl


TYPES = {A: "A", AAAA: "AAAA", **NAME_TYPES, 15: "MX", 16: "TXT", 33: "SRV"}


class TransferRefused(CinvError):
    def __init__(self, rcode: int):
        self.rcode = rcode
        super().__init__(f"rcode {rcode}")


# --- what a record becomes ---------------------------------------------------------------------

def keyed(rtype: int, text: str, wire: bytes, offset: int, rdlen: int, names: Names):
    """(comparison key, zone-file text) of a record: addresses by their bytes, names by their
    lower-case text, anything else by dnspython's canonical (digestable) form."""
    if rtype == A:
        data = wire[offset:offset + 4]
        if rdlen != 4:
            raise WireError("an A record of another length than 4")
        return data, socket.inet_ntop(socket.AF_INET, data)
    if rtype == AAAA:
        data = wire[offset:offset + 16]
        if rdlen != 16:
            raise WireError("an AAAA record of another length than 16")
        return data, socket.inet_ntop(socket.AF_INET6, data)
    if rtype in NAME_TYPES:
        name, end = names.read(offset)
        if end != offset + rdlen:
            raise WireError(f"a {text} record's data is not one name")
        return name, name
    import dns.rdata
    rd = dns.rdata.from_wire("IN", rtype, wire, offset, rdlen)
    return rd.to_digestable(), rd.to_text()


def rdata(rtype: int, text: str, wire: bytes, offset: int, rdlen: int, names: Names):
    """The record as dnspython rdata (the key and the item alike): for `cinv audit dns`."""
    import dns.rdata
    rd = dns.rdata.from_wire("IN", rtype, wire, offset, rdlen)
    return rd, rd
