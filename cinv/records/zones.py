"""A zone's own records (zones/<zone>.yaml): the schema, names, and record data through dnspython.

```yaml
ttl: 3600                # optional: the zone's default TTL ($TTL); default cinv.yaml dns.ttl
soa: {refresh: 3600, retry: 900, expire: 1209600, minimum: 300}   # optional, each timer
serial: date             # optional: unixtime (default) | date (YYYYMMDDnn) | counter
serial_floor: 2024051501 # optional: a serial the zone had (recorded by import and apply)
records:
  "@":   [{type: MX, value: "10 mail"}, {type: TXT, value: "v=spf1 mx -all"}]
  "*":   [{type: A, value: 192.0.2.80}]
  _sip._tcp: [{type: SRV, value: "10 60 5060 sip", ttl: 300}]
  lab:   [{type: NS, value: ns1.lab}]
```

Owners are relative to the zone ("@" the apex; an absolute name inside the zone is made
relative). A value is zone-file text whose relative names are relative to the zone (as after
`$ORIGIN zone.`). A TXT (or SPF) value is one of: plain text (one string, split into strings of
255 bytes when longer), a list of strings (each one string), or zone-file text starting with '"'
(quoted strings with escapes, exactly as in a zone file). Every value is parsed by dnspython and
rendered from what it parsed, so what reaches named is always well formed.

dnspython is imported only when a record is parsed, so inventories without zone records do not
pay for it.
"""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from cinv import names
from cinv.errors import Problem
from cinv.records.model import SERIAL_SCHEMES, SOA_TIMERS, Zone, ZoneRecord
from cinv.records.yamlio import LList, LMap

ZONE_KEYS = ("ttl", "soa", "serial", "serial_floor", "records")
RECORD_KEYS = ("type", "value", "ttl")
TTL_MAX = 2**31 - 1
SERIAL_MAX = 2**32 - 1  # RFC 1982: serials are 32-bit
VALUE_LIMIT = 65535  # a record's data is at most 65535 bytes on the wire
# Types cinv owns or that only a signer makes: never a zone's own record.
NOT_RECORDS = {
    "SOA": "the SOA is cinv's (cinv.yaml dns: primary_ns, hostmaster, ttl)",
    "RRSIG": "signatures are made by the signer (named's dnssec-policy), not kept",
    "NSEC": "made by the signer, not kept",
    "NSEC3": "made by the signer, not kept",
    "NSEC3PARAM": "made by the signer, not kept",
}
# Types named refuses in a zone file whatever their data, so the whole zone fails to load
# (named-checkzone, BIND 9.18: "invalid use of a meta type", "obsolete"), beside the meta and
# query types dnspython knows (rdatatype.is_metatype: OPT and 128-255, which named refuses
# alike): type 0, reserved (RFC 6895), and MD and MF, which RFC 973 replaced with MX.
NAMED_REFUSES = {
    0: "type 0 is reserved (RFC 6895), not a record type; named refuses the zone",
    3: "MD is obsolete (RFC 973: use MX); named refuses the zone",
    4: "MF is obsolete (RFC 973: use MX); named refuses the zone",
}
TXT_TYPES = ("TXT", "SPF")
_TYPE = re.compile(r"^(?:[A-Z][A-Z0-9-]{0,15}|TYPE[0-9]{1,5})\Z")
# An owner's labels: letters, digits, '-', '_' and '/' (RFC 2317 names such as 0/26); '*' only
# as a whole label of its own, the leftmost (a wildcard).
_LABEL = re.compile(r"^[a-z0-9_/-]{1,63}\Z")
_HOSTLABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")


def is_reverse(zone: str) -> bool:
    return zone.endswith(".in-addr.arpa") or zone.endswith(".ip6.arpa") \
        or zone in ("in-addr.arpa", "ip6.arpa")


def is_hostname(fqdn: str, wildcard: bool = False) -> bool:
    """named's check-names rule for host names (dns_name_ishostname): labels of letters,
    digits and inner hyphens; with wildcard, the leftmost label may be '*'. The root is one."""
    labels = [x for x in fqdn.rstrip(".").lower().split(".") if x] if fqdn not in (".", "") \
        else []
    if wildcard and labels and labels[0] == "*":
        labels = labels[1:]
    return all(_HOSTLABEL.match(x) for x in labels)


# --- owners -------------------------------------------------------------------------------

def owner(value, zone: str) -> str:
    """An owner as stored: relative to the zone, lower-case, "@" for the apex."""
    if not isinstance(value, str):
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if not value:
        raise ValueError(f"{value!r} is not a DNS name")
    text = value.lower()
    if text == "@" or text.rstrip(".") == zone and text.endswith("."):
        return "@"
    if text.endswith("."):
        fqdn = text[:-1]
        if not fqdn.endswith("." + zone):
            raise ValueError(f"{value} lies outside the zone {zone}")
        text = fqdn[:-len(zone) - 1]
    labels = text.split(".")
    for i, label in enumerate(labels):
        if label == "*" and i == 0:
            continue
        if not _LABEL.match(label):
            raise ValueError(f"{value!r}: label {label!r} may hold only letters, digits, '-', "
                             "'_' and '/' (and '*' alone as the leftmost label), 1 to 63 of them")
    if len(text) + len(zone) + 2 > 254:
        raise ValueError(f"{value[:40]!r}...: with the zone the name is longer than 253 "
                         "characters")
    return text


def fqdn(zone: str, rel: str) -> str:
    return zone if rel == "@" else f"{rel}.{zone}"


def relative(name: str, zone: str) -> str:
    """An absolute name (no trailing dot) inside zone, relative to it ("@" for the apex)."""
    return "@" if name == zone else name[:-len(zone) - 1]


def zone_of(name: str, zones) -> str | None:
    """The longest of `zones` (a set of names) that holds `name`, or None."""
    while True:
        if name in zones:
            return name
        if "." not in name:
            return None
        name = name.split(".", 1)[1]


# --- record data --------------------------------------------------------------------------

# Types known without asking dnspython (a zone file's usual ones): loading stays cheap.
COMMON_TYPES = frozenset(("A", "AAAA", "CNAME", "MX", "TXT", "SRV", "NS", "PTR", "CAA", "NAPTR",
                          "SSHFP", "TLSA", "DNAME", "SPF", "HINFO", "LOC", "DS", "RP", "URI",
                          "SVCB", "HTTPS", "DNSKEY", "CDS", "CDNSKEY", "OPENPGPKEY", "SMIMEA"))


def rtype(value) -> str:
    if not isinstance(value, str) or not _TYPE.match(value.upper()):
        raise ValueError(f"{value!r} is not a record type (A, MX, TXT, SRV, TYPE65534 ...)")
    text = value.upper()
    if text in COMMON_TYPES:
        return text
    _dns()
    import dns.rdatatype
    try:
        code = dns.rdatatype.from_text(text)
    except dns.rdatatype.UnknownRdatatype:
        raise ValueError(f"{value!r} is not a record type dnspython knows") from None
    except ValueError:  # TYPE65536 and above
        raise ValueError(f"{value!r}: a record type is a number up to 65535") from None
    if code in NAMED_REFUSES:
        raise ValueError(f"{value}: {NAMED_REFUSES[code]}")
    if dns.rdatatype.is_metatype(code) or code == dns.rdatatype.OPT:
        raise ValueError(f"{value} is a meta or query type, not a record type; named refuses "
                         "the zone")
    text = dns.rdatatype.to_text(code)
    if text in NOT_RECORDS:
        raise ValueError(f"{text}: {NOT_RECORDS[text]}")
    return text


def _dns():
    import dns.name  # noqa: F401 (dnspython, imported on first use)
    import dns.rdata  # noqa: F401
    import dns.rdataclass  # noqa: F401
    import dns.rdatatype  # noqa: F401
    import dns.rdtypes.ANY.TXT  # noqa: F401


def _txt_chunks(text: str) -> list[bytes]:
    """Plain text as TXT strings of at most 255 bytes, never splitting a character."""
    data = text.encode()
    chunks, start = [], 0
    while len(data) - start > 255:
        end = start + 255
        while end > start and (data[end] & 0xC0) == 0x80:  # inside a UTF-8 character
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return chunks


@lru_cache(maxsize=4096)
def _origin(zone: str):
    import dns.name
    return dns.name.from_text(zone + ".")


def rdata(zone: str, type_: str, value):
    """The dnspython rdata of a value (names made absolute against the zone); ValueError with
    a one-line reason if DNS would not take it."""
    _dns()
    import dns.exception
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    code = dns.rdatatype.from_text(type_)
    if type_ in TXT_TYPES and not (isinstance(value, str) and value.startswith('"')):
        if isinstance(value, list):
            strings = []
            for item in value:
                if not isinstance(item, str):
                    raise ValueError(f"{item!r}: a TXT string is text")
                data = item.encode()
                if len(data) > 255:
                    raise ValueError(f"one TXT string holds at most 255 bytes; "
                                     f"{item[:30]!r}... has {len(data)} (split it)")
                strings.append(data)
            if not strings:
                raise ValueError("a TXT record needs at least one string")
        elif isinstance(value, str):
            strings = _txt_chunks(value)
        else:
            raise ValueError(f"{value!r} is not text")
        cls = dns.rdata.get_rdata_class(dns.rdataclass.IN, code)
        return cls(dns.rdataclass.IN, code, strings)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not record data")
    if any(c in value for c in "\n\r\0"):
        raise ValueError("record data is one line")
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, code, value, _origin(zone), False)
    except dns.exception.DNSException as e:
        raise ValueError(f"{type_} {value[:60]!r}: {_reason(e)}") from None
    except (ValueError, TypeError, IndexError, KeyError, UnicodeError) as e:
        raise ValueError(f"{type_} {value[:60]!r}: {e or type(e).__name__}") from None


def _reason(e: Exception) -> str:
    text = str(e) or type(e).__name__
    if text.startswith("caught exception"):
        text = text.split(": ", 1)[-1]
    return {"UnexpectedEnd": "ends too early", "SyntaxError": "malformed"}.get(text, text)


@lru_cache(maxsize=1 << 17)
def _parsed(zone: str, type_: str, value) -> tuple:
    """(rdata or None, its text or the reason it is refused), remembered: check and render
    both ask, for every record of a zone."""
    try:
        if type_ == "A" or type_ == "AAAA":
            try:
                addr = (ipaddress.IPv4Address if type_ == "A" else
                        ipaddress.IPv6Address)(str(value))
            except ValueError:
                raise ValueError(f"{type_} {str(value)[:60]!r}: not an "
                                 f"IPv{4 if type_ == 'A' else 6} address") from None
            return None, str(addr)
        rd = rdata(zone, type_, list(value) if isinstance(value, tuple) else value)
        return rd, rd.to_text()
    except ValueError as e:
        return None, ValueError(str(e))


def parsed(zone: str, type_: str, value) -> tuple:
    """(dnspython rdata, or None for A/AAAA; the data as named reads it: names absolute,
    strings quoted and escaped). ValueError if DNS would not take it."""
    rd, text = _parsed(zone, type_, tuple(value) if isinstance(value, list) else value)
    if isinstance(text, ValueError):
        raise ValueError(str(text))
    return rd, text


def rdata_text(zone: str, rec: ZoneRecord) -> str:
    """The record's data as named reads it (ValueError if DNS would not take it)."""
    return parsed(zone, rec.type, rec.value)[1]


def check_value(zone: str, type_: str, value) -> None:
    """ValueError if the value is not data of this type."""
    parsed(zone, type_, value)


def stored_value(zone: str, rd) -> str | list:
    """What a zone file keeps of parsed rdata (the inverse of rdata()): names relative to the
    zone where inside it, TXT as plain text, a list of strings, or quoted zone-file text."""
    import dns.rdatatype
    type_ = dns.rdatatype.to_text(rd.rdtype)
    if type_ in TXT_TYPES:
        try:
            texts = [s.decode("utf-8") for s in rd.strings]
        except UnicodeDecodeError:
            texts = None
        if texts is not None and all(t.isprintable() for t in texts):
            if len(texts) == 1 and len(rd.strings[0]) <= 255 and not texts[0].startswith('"'):
                return texts[0]
            if len(texts) > 1:
                return texts
        return rd.to_text()
    if type_ in ("A", "AAAA"):
        return rd.to_text()
    return rd.to_text(origin=_origin(zone), relativize=True)


# --- the schema ---------------------------------------------------------------------------

def parse_zone(name: str, data, path: str, problems: list) -> Zone | None:
    """zones/<name>.yaml; problems carry the path:line of the value at fault."""
    from cinv.records.schema import Reader, choice, integer, text
    r = Reader(path, problems)
    if data is None:
        return Zone(name=name, path=path)
    if not isinstance(data, LMap):
        r.error(1, "a zone file is a mapping: ttl (optional) and records")
        return None
    r.keys(data, ZONE_KEYS, "")
    zone = Zone(name=name, path=path, line=data.line, lines=data.key_lines)
    zone.ttl = r.field(data, "ttl", integer(0, TTL_MAX))
    soa = r.mapping(data.get("soa"), "soa", data.line_of("soa"))
    if soa is not None:
        r.keys(soa, SOA_TIMERS, "soa.")
        for key in SOA_TIMERS:
            value = r.field(soa, key, integer(0, TTL_MAX), "soa.")
            if value is not None:
                zone.soa[key] = value
    zone.serial = r.field(data, "serial", choice(SERIAL_SCHEMES))
    zone.serial_floor = r.field(data, "serial_floor", integer(0, SERIAL_MAX))
    records = r.mapping(data.get("records"), "records", data.line_of("records"))
    if records is None:
        return zone
    seen: dict[tuple, int] = {}
    for raw_owner, items in records.items():
        line = records.line_of(raw_owner)
        try:
            rel = owner(raw_owner, name)
        except ValueError as e:
            r.error(line, f"records: {e}", "zone-owner")
            continue
        if not isinstance(items, LList):
            if isinstance(items, LMap):
                single = LList([items])
                single.line, single.item_lines = line, [items.line]
                items = single
            else:
                r.error(line, f"records.{raw_owner}: expected a list of records "
                        "({type: ..., value: ...})")
                continue
        for index, item in enumerate(items):
            where = f"records.{raw_owner}[{index}]"
            m = r.mapping(item, where, items.line_of(index))
            if m is None:
                continue
            r.keys(m, RECORD_KEYS, f"{where}.")
            type_ = r.field(m, "type", rtype, f"{where}.", required=True)
            value = m.get("value")
            ttl = r.field(m, "ttl", integer(0, TTL_MAX), f"{where}.")
            if type_ is None:
                continue
            if value is None:
                r.error(m.line, f"{where}.value: missing (required)", "missing")
                continue
            try:
                if isinstance(value, list):
                    if type_ not in TXT_TYPES:
                        raise ValueError(f"a list of strings is a {'/'.join(TXT_TYPES)} value")
                    value = [text(v, 255 * 4) for v in value]
                else:
                    value = text(value, VALUE_LIMIT)
            except ValueError as e:
                r.error(m.line_of("value"), f"{where}.value: {e}")
                continue
            key = (rel, type_, str(value))
            if key in seen:
                r.error(m.line, f"{where}: the same {type_} record as line {seen[key]}",
                        "zone-duplicate")
                continue
            seen[key] = m.line
            zone.records.append(ZoneRecord(rel, type_, value, ttl, m.line))
    return zone


def file_text(zone: Zone) -> tuple[str, Zone]:
    """The zone file as written (yamlio.dump_block), and the zone with each record's line in
    it (what `cinv check` will name), without parsing the file again."""
    from cinv.records import yamlio
    lines: dict = {}
    text = yamlio.dump_block(zone.to_dict(), lines)
    records = [ZoneRecord(r.owner, r.type, r.value, r.ttl,
                          lines.get(("records", owner, index), 0))
               for owner, recs in zone.by_owner() for index, r in enumerate(recs)]
    return text, Zone(zone.name, zone.ttl, records, zone.path, 1, {}, dict(zone.soa),
                      zone.serial, zone.serial_floor)


def check_zone_name(name: str) -> str:
    """A zone's name as in zones/<name>.yaml: a lower-case FQDN (reverse zones included)."""
    return names.check_fqdn(name)


def problem(zone: Zone, rec: ZoneRecord | None, message: str, code: str,
            severity: str = "error") -> Problem:
    path, line = zone.where(rec) if rec is not None else (zone.path, zone.line)
    return Problem(path, line, message, severity, code)


def record_addresses(zones) -> set[tuple[int, int]]:
    """(version, address as an integer) of every A/AAAA record of these zones."""
    out = set()
    for zone in zones:
        for rec in zone.records:
            if rec.type in ("A", "AAAA"):
                try:
                    addr = ipaddress.ip_address(str(rec.value))
                except ValueError:
                    continue
                out.add((addr.version, int(addr)))
    return out
