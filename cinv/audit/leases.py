"""DHCP lease files as Lease values: ISC dhcpd.leases (v4 and v6, dhcpd_leases.py) and Kea
memfile lease CSVs (v4 and v6, here), in any mix.

Both are logs: a lease is written again each time it changes, so the LAST record of an address
wins, across the files in the order given (Kea's lease file cleanup keeps older rows in FILE.2
and FILE.1: give them first). `active()` keeps the leases in use at a moment.

Kea: the columns are found by their names in the header, as Kea 2.x writes it (with or without
`pool_id`, `hwtype`, `hwaddr_source`); in use is `state` 0 (assigned) with `expire` ahead; a row
with `valid_lifetime` 0 records a deleted lease. The MAC is `hwaddr`, else the one in a DUID.
"""
from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path

from cinv.audit.dhcpd_leases import IscReader, finish
from cinv.audit.lease import (
    NA,
    NEVER,
    PD,
    TA,
    V4,
    Lease,
    duid_mac,
    hex_bytes,
    hex_octets,
    parse_mac,
)
from cinv.errors import CinvError

__all__ = ["NEVER", "IscReader", "Lease", "active", "read_files", "read_files_text"]

MAX_LEASE_FILE = 1 << 30  # busy servers keep hundreds of MB; a hard stop against odd files
KEA_INFINITE = 0xFFFFFFFF  # Kea's valid_lifetime of a lease that never expires


def read_bytes(path: Path, shown: str) -> bytes:
    """A regular file's bytes, one clear line when it cannot be read."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not (st.st_mode & 0o170000) == 0o100000:
                raise CinvError(f"{shown}: not a regular file")
            if st.st_size > MAX_LEASE_FILE:
                raise CinvError(f"{shown}: {st.st_size} bytes; lease files over "
                                f"{MAX_LEASE_FILE >> 20} MiB are refused")
            return f.read()
    except OSError as e:
        raise CinvError(f"{shown}: cannot read: {e.strerror or e}") from None


def read_files(paths: list[tuple[Path, str]]) -> list[Lease]:
    """Every lease the files record, the last declaration of each winning; files are read in
    the order given and may be of either format (told apart by their first line)."""
    state: dict = {}
    for path, shown in paths:
        _read_text(read_bytes(path, shown).decode("utf-8", errors="replace"), shown, state)
    return _finish(state)


def read_files_text(text: str, shown: str) -> list[Lease]:
    """The leases of one file's text (read_files for a file already read)."""
    state: dict = {}
    _read_text(text, shown, state)
    return _finish(state)


def _read_text(text: str, shown: str, state: dict) -> None:
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("#") and "address" in (f.strip() for f in first.split(",")):
        _read_kea(text, shown, state)
    else:
        IscReader(text, shown, state).read()


def _finish(state: dict) -> list[Lease]:
    out = []
    for value, entry in state.items():
        lease = finish(value, entry)
        if lease is not None:
            out.append(lease)
    return out


def active(leases: list[Lease], now: float | None = None) -> list[Lease]:
    now = time.time() if now is None else now
    return [lease for lease in leases if lease.active(now)]


KEA_STATES = {0: "assigned", 1: "declined", 2: "expired-reclaimed", 3: "released",
              4: "registered"}
KEA_V6_TYPES = {0: NA, 1: TA, 2: PD}
# the columns a lease needs (state came with Kea 1.1; without it a lease is assigned)
_KEA4 = ("address", "valid_lifetime", "expire")
_KEA6 = ("address", "duid", "valid_lifetime", "expire", "lease_type")


def _read_kea(text: str, shown: str, state: dict) -> None:
    lines = text.lstrip("\ufeff").split("\n")
    header = [h.strip() for h in lines[0].strip().split(",")]
    v6 = "duid" in header
    missing = [c for c in (_KEA6 if v6 else _KEA4) if c not in header]
    if missing:
        raise CinvError(f"{shown}:1: a Kea lease file header without {', '.join(missing)} "
                        f"(has: {lines[0].strip()})")
    col = {name: i for i, name in enumerate(header)}
    width = len(header)
    ia, ie, il, ist = col["address"], col["expire"], col["valid_lifetime"], col.get("state")
    ihw, ihost = col.get("hwaddr"), col.get("hostname")
    iduid, itype, iplen = col.get("duid"), col.get("lease_type"), col.get("prefix_len")
    iclient = col.get("client_id")
    for n, line in enumerate(lines[1:], start=2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        where = f"{shown}:{n}"
        row = line.split(",")
        if len(row) != width:
            raise CinvError(f"{where}: {len(row)} fields where the header names {width}")
        try:
            address = ipaddress.ip_address(row[ia])
            lifetime, expire = int(row[il]), int(row[ie])
            code = int(row[ist]) if ist is not None and row[ist] else 0
            kind = KEA_V6_TYPES[int(row[itype])] if v6 else V4
        except (ValueError, KeyError) as e:
            raise CinvError(f"{where}: not a Kea lease ({e})") from None
        if (address.version == 6) != v6:
            raise CinvError(f"{where}: {address} in a DHCPv{'6' if v6 else '4'} lease file")
        key = (kind, int(address)) if v6 else int(address)
        if lifetime == 0:  # Kea records a deleted lease this way
            state[key] = None
            continue
        mac = client = None
        try:
            if ihw is not None and row[ihw]:
                mac = parse_mac(row[ihw])
            if v6 and row[iduid]:
                duid = bytes.fromhex(row[iduid].replace(":", ""))
                mac = mac or duid_mac(duid)
                client = hex_bytes(duid)
            elif iclient is not None and row[iclient]:
                client = hex_octets(row[iclient], "client_id")
            plen = int(row[iplen]) if kind == PD and iplen is not None else None
        except ValueError as e:
            raise CinvError(f"{where}: {e}") from None
        hostname = row[ihost].replace("&#x2c", ",") if ihost is not None and row[ihost] else None
        state[key] = Lease(address.version, int(address), kind, where,
                           KEA_STATES.get(code, f"state {code}"),
                           NEVER if lifetime == KEA_INFINITE else float(expire), mac, client,
                           plen, hostname,
                           starts=None if lifetime == KEA_INFINITE else float(expire - lifetime))
