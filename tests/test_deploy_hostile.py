"""What a server answers is data: a zone transfer or a Kea answer that is malformed, too big,
outside its zone or not signed is refused with one line, never half-read. Each case is a fake
server on 127.0.0.1 (or a unix socket in the test's folder) answering crafted bytes."""
from __future__ import annotations

import json
import socket
import struct
import threading
from pathlib import Path

import dns.message
import dns.name
import dns.rdatatype
import dns.rrset
import dns.tsig
import pytest

from cinv.audit import axfr
from cinv.deploy import keactl
from cinv.deploy.servers import KeaServer
from cinv.errors import CinvError

ZONE = "example.com"


class FakeTcp:
    """Answers one DNS query over TCP with the messages make(query) returns (raw bytes)."""

    def __init__(self, make):
        self.make = make
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        with conn:
            size = struct.unpack("!H", conn.recv(2))[0]
            query = dns.message.from_wire(conn.recv(size), keyring=False)
            for wire in self.make(query):
                conn.sendall(struct.pack("!H", len(wire)) + wire)
        self.sock.close()

    def transfer(self, keys=None, limit=1000):
        try:
            return axfr.transfer("127.0.0.1", self.port, ZONE, 5, keys or {}, limit, axfr.keyed,
                                 1 << 20)
        finally:
            self.thread.join(5)


def response(query, *rrsets, id_=None):
    r = dns.message.make_response(query)
    if id_ is not None:
        r.id = id_
    for rrset in rrsets:
        r.answer.append(rrset)
    return r


SOA = dns.rrset.from_text(f"{ZONE}.", 3600, "IN", "SOA",
                          "ns1.example.net. h.example.com. 7 1 2 3 4")
A = dns.rrset.from_text(f"www.{ZONE}.", 3600, "IN", "A", "192.0.2.1")


def test_a_good_transfer_is_read():
    fake = FakeTcp(lambda q: [response(q, SOA, A).to_wire(), response(q, SOA).to_wire()])
    records, soa, ttl = fake.transfer()
    assert records == {(f"www.{ZONE}.", "A"): (3600, {socket.inet_aton("192.0.2.1"):
                                                      "192.0.2.1"})}
    assert soa.serial == 7 and ttl == 3600


def test_a_record_outside_the_zone_is_refused():
    other = dns.rrset.from_text("www.example.org.", 60, "IN", "A", "192.0.2.9")
    fake = FakeTcp(lambda q: [response(q, SOA, other, SOA).to_wire()])
    with pytest.raises(axfr.WireError, match="outside the zone"):
        fake.transfer()


def test_a_transfer_not_starting_with_the_soa_is_refused():
    fake = FakeTcp(lambda q: [response(q, A, SOA).to_wire()])
    with pytest.raises(axfr.WireError, match="does not start with the SOA"):
        fake.transfer()


def test_more_records_than_the_limit_are_refused():
    many = [dns.rrset.from_text(f"h{n}.{ZONE}.", 60, "IN", "A", "192.0.2.1") for n in range(20)]
    fake = FakeTcp(lambda q: [response(q, SOA, *many, SOA).to_wire()])
    with pytest.raises(CinvError, match="the transfer holds more than 10 records; refusing"):
        fake.transfer(limit=10)


def test_a_forward_compression_pointer_is_refused():
    def make(q):
        wire = bytearray(response(q, SOA, A, SOA).to_wire())
        at = wire.index(b"\x03www")
        wire[at:at + 4] = b"\xc0\xff\xff\xff"  # a pointer to offset 0x00ff, after itself
        return [bytes(wire)]
    with pytest.raises(axfr.WireError, match="does not point back|runs past"):
        FakeTcp(make).transfer()


def test_a_truncated_record_is_refused():
    fake = FakeTcp(lambda q: [response(q, SOA, A, SOA).to_wire()[:-7]])
    with pytest.raises(axfr.WireError):
        fake.transfer()


def test_an_answer_to_another_query_is_refused():
    fake = FakeTcp(lambda q: [response(q, SOA, A, SOA, id_=(q.id + 1) % 65536).to_wire()])
    with pytest.raises(axfr.WireError, match="not the response to this query"):
        fake.transfer()


def _keys(secret: bytes = b"0123456789abcdef0123456789abcdef"):
    name = dns.name.from_text("cinv-deploy.")
    return {"keyring": {name: dns.tsig.Key(name, secret, "hmac-sha256")}, "keyname": name,
            "keyalgorithm": "hmac-sha256"}


def test_an_unsigned_transfer_is_refused_when_a_key_is_used():
    fake = FakeTcp(lambda q: [response(q, SOA, A, SOA).to_wire()])
    with pytest.raises(axfr.WireError, match="not signed with the key"):
        fake.transfer(keys=_keys())


def test_a_transfer_signed_with_another_key_is_refused():
    def make(q):
        r = response(q, SOA, A, SOA)
        r.use_tsig(_keys(b"another secret, another server!!")["keyring"],
                   dns.name.from_text("cinv-deploy."))
        r.request_mac = q.mac
        return [r.to_wire()]
    with pytest.raises(dns.tsig.BadSignature):
        FakeTcp(make).transfer(keys=_keys())


def test_a_signed_transfer_over_several_messages_is_read():
    keys = _keys()

    def make(q):
        out, ctx = [], None
        for n, rrsets in enumerate(([SOA, A], [A], [SOA])):
            r = response(q, *rrsets)
            r.use_tsig(keys["keyring"], keys["keyname"], original_id=q.id)
            if n == 0:
                r.request_mac = q.mac
            out.append(r.to_wire(multi=True, tsig_ctx=ctx))
            ctx = r.tsig_ctx
        return out
    records, soa, _ttl = FakeTcp(make).transfer(keys=keys)
    assert (f"www.{ZONE}.", "A") in records and soa.serial == 7


# --- Kea's control channel ------------------------------------------------------------------

def fake_kea(tmp_path: Path, answer: bytes) -> KeaServer:
    path = tmp_path / "kea.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(answer)
        server.close()
    threading.Thread(target=serve, daemon=True).start()
    return KeaServer(str(path), None, None, None, 5, "test")


@pytest.mark.parametrize("answer, message", [
    (b"<html>not json</html>", "config-get: the answer is not JSON (21 bytes)"),
    (b'{"text": "no result"}', "config-get: the answer is not a Kea answer (no result)"),
    (b'{"result": 1, "text": "boom"}', "config-get: Kea answered error: boom"),
    (json.dumps({"result": 0, "arguments": {"Dhcp4": {"subnet4": [{"subnet": "10.0.0.0/8"}]}}})
     .encode(), "config-get: subnet4[0] is not a subnet with a prefix and an id"),
    (json.dumps({"result": 0, "arguments": {"Dhcp4": {"subnet4": [
        {"id": 1, "subnet": "10.0.0.0/8", "reservations": ["x"]}]}}}).encode(),
     "config-get: subnet4[0].reservations is not a list of mappings"),
    (json.dumps({"result": 0, "arguments": {"Dhcp5": {}}}).encode(),
     "config-get: the answer holds no Dhcp4 or Dhcp6 configuration"),
])
def test_a_kea_answer_that_is_not_one_is_refused(tmp_path, answer, message):
    with pytest.raises(CinvError) as e:
        keactl.config_get(fake_kea(tmp_path, answer))
    assert str(e.value) == message


def test_a_kea_answer_too_big_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(keactl, "MAX_ANSWER", 1000)
    with pytest.raises(CinvError, match="larger than 1000 bytes"):
        keactl.config_get(fake_kea(tmp_path, b'{"result": 0, "text": "' + b"x" * 5000 + b'"}'))
