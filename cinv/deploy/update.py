"""RFC 2136 UPDATE messages written straight to the wire, signed with TSIG by dnspython's own
dns.tsig.sign: a first apply of 200,000 records builds them in a second or two, where a
dnspython Message (a Name, an Rdata and a hash per record) takes half a minute.

A message: the zone (SOA, IN); one prerequisite, "RRset exists (value dependent)" (RFC 2136
2.4.2): the SOA the plan read; then the updates in order: delete an RRset (class ANY), delete
one record (class NONE), add records (class IN); the new SOA last. Names are written
uncompressed, so a message's size is known exactly as it is built; the answer, a few bytes, is
read by dnspython (which checks its TSIG against the request's MAC).
"""
from __future__ import annotations

import socket
import struct
import time

from cinv.errors import CinvError

IN, NONE, ANY = 1, 254, 255
OPCODE_UPDATE = 5 << 11
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "DNAME": 39}
NAME_TYPES = {"NS", "CNAME", "PTR", "DNAME"}
MAX_MESSAGE = 65535
RESERVE = 600  # the header, the zone, the prerequisite and new SOA, the TSIG record


def name_wire(name: str) -> bytes:
    """An absolute name (zone-file text) in wire form, uncompressed."""
    if "\\" in name:
        import dns.name
        return dns.name.from_text(name).to_wire()
    out = bytearray()
    for label in name.rstrip(".").split(".") if name not in (".", "") else ():
        data = label.encode("ascii")
        if not 0 < len(data) < 64:
            raise CinvError(f"{name[:80]}: not a DNS name")
        out.append(len(data))
        out += data
    out.append(0)
    if len(out) > 255:
        raise CinvError(f"{name[:80]}...: a name longer than 255 bytes")
    return bytes(out)


def type_code(rtype: str) -> int:
    code = TYPES.get(rtype)
    if code is None:
        import dns.rdatatype
        code = int(dns.rdatatype.from_text(rtype))
    return code


def rdata_wire(rtype: str, text: str) -> bytes:
    """Record data (zone-file text, names absolute) in wire form."""
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, text)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, text)
    if rtype in NAME_TYPES:
        return name_wire(text)
    import dns.rdata
    return dns.rdata.from_text("IN", rtype, text, relativize=False).to_wire()


def rr(name: bytes, code: int, rclass: int, ttl: int, data: bytes = b"") -> bytes:
    return name + struct.pack("!HHIH", code, rclass, ttl, len(data)) + data


def op_wire(op: tuple) -> list[bytes]:
    """The update section's records of one operation (delete, delete-rrs, add)."""
    kind, owner, rtype, ttl, texts = op
    name, code = name_wire(owner), type_code(rtype)
    if kind == "delete":
        return [rr(name, code, ANY, 0)]
    rclass = NONE if kind == "delete-rrs" else IN
    return [rr(name, code, rclass, 0 if kind == "delete-rrs" else ttl, rdata_wire(rtype, t))
            for t in texts]


class Message:
    """One UPDATE being built: add() until it says the next would not fit."""

    def __init__(self, zone: str):
        self.zone = name_wire(zone)
        self.records: list[bytes] = []
        self.size = 12 + len(self.zone) + 4

    def fits(self, parts: list[bytes]) -> bool:
        return self.size + sum(map(len, parts)) + 2 * (len(self.zone) + 10 + 120) + RESERVE \
            <= MAX_MESSAGE

    def add(self, parts: list[bytes]) -> None:
        self.records += parts
        self.size += sum(map(len, parts))

    def wire(self, msg_id: int, prerequisite: bytes, soa: bytes, soa_ttl: int) -> bytes:
        """The message (unsigned): the SOA planned from as prerequisite, the new SOA last."""
        updates = self.records + [rr(self.zone, 6, IN, soa_ttl, soa)]
        head = struct.pack("!HHHHHH", msg_id, OPCODE_UPDATE, 1, 1, len(updates), 0)
        return b"".join([head, self.zone, struct.pack("!HH", 6, IN),
                         rr(self.zone, 6, IN, 0, prerequisite), *updates])


def sign(wire: bytes, keys: dict, msg_id: int) -> tuple[bytes, bytes]:
    """(the message with its TSIG record, the request MAC)."""
    import dns.rdtypes.ANY.TSIG
    import dns.tsig
    key = keys["keyring"][keys["keyname"]]
    blank = dns.rdtypes.ANY.TSIG.TSIG(ANY, 250, key.algorithm, 0, 300, b"", msg_id, 0, b"")
    tsig, _ctx = dns.tsig.sign(wire, key, blank, int(time.time()), b"")
    data = tsig.to_wire()
    signed = bytearray(wire + rr(keys["keyname"].to_wire(), 250, ANY, 0, data))
    signed[10:12] = struct.pack("!H", struct.unpack("!H", wire[10:12])[0] + 1)
    return bytes(signed), tsig.mac


def send(wire: bytes, mac: bytes, keys: dict, server: str, port: int, timeout: float):
    """Send over TCP; the answer as a dnspython Message, its TSIG checked."""
    import dns.message

    from cinv.audit.axfr import read_exactly
    deadline = time.monotonic() + timeout
    with socket.create_connection((server, port), timeout=timeout) as sock:
        sock.sendall(struct.pack("!H", len(wire)) + wire)
        size = struct.unpack("!H", read_exactly(sock, 2, deadline))[0]
        answer = read_exactly(sock, size, deadline)
    return dns.message.from_wire(answer, keyring=keys["keyring"], request_mac=mac)
