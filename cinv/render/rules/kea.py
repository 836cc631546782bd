"""Kea's DHCPv4 / DHCPv6 configuration: JSON, where Kea also takes comments and
`<?include "file"?>`, loads `hooks-libraries` (code, dlopen() as root, even under `-t`), and
opens control sockets, log files, lease and host databases named in the file.

A rendered file must be strict JSON (so no include and no comment; a key given twice, which two
readers may take differently, is refused), whose top level is Dhcp4 (Dhcp6), and whose every
key, at any depth outside `user-context`, is one of ALLOWED: what cinv writes, and the
parameters that serve DHCP from the file's own words. `lease-database` is the in-memory
`memfile` without a file name of its own.
"""
from __future__ import annotations

import json

ALLOWED = frozenset("""
valid-lifetime min-valid-lifetime max-valid-lifetime renew-timer rebind-timer
calculate-tee-times t1-percent t2-percent preferred-lifetime min-preferred-lifetime
max-preferred-lifetime interfaces-config interfaces dhcp-socket-type outbound-interface
re-detect service-sockets-require-all service-sockets-max-retries
service-sockets-retry-wait-time lease-database type persist lfc-interval max-row-errors
subnet4 subnet6 shared-networks subnet id pools pool pd-pools prefix prefix-len delegated-len
excluded-prefix excluded-prefix-len interface interface-id relay ip-address ip-addresses
rapid-commit option-data option-def name code space data csv-format always-send never-send
array record-types encapsulate client-classes client-class test template-test only-if-required
only-in-additional-list require-client-classes evaluate-additional-classes reservations
reservations-global reservations-in-subnet reservations-out-of-pool reservation-mode
host-reservation-identifiers hw-address duid circuit-id client-id flex-id hostname prefixes
excluded-prefixes next-server server-hostname boot-file-name authoritative match-client-id
echo-client-id decline-probation-period expired-leases-processing reclaim-timer-wait-time
flush-reclaimed-timer-wait-time hold-reclaimed-time max-reclaim-leases max-reclaim-time
unwarned-reclaim-cycles sanity-checks lease-checks extended-info-checks multi-threading
enable-multi-threading thread-pool-size packet-queue-size dhcp-queue-control enable-queue
queue-type capacity cache-threshold cache-max-age store-extended-info
statistic-default-sample-count statistic-default-sample-age parked-packet-limit
early-global-reservations-lookup ip-reservations-unique reservations-lookup-first allocator
pd-allocator 4o6-interface 4o6-interface-id 4o6-subnet comment user-context
ddns-send-updates ddns-override-no-update ddns-override-client-update ddns-replace-client-name
ddns-generated-prefix ddns-qualifying-suffix ddns-update-on-renew ddns-use-conflict-resolution
ddns-conflict-resolution-mode ddns-ttl-percent hostname-char-set hostname-char-replacement
""".split())
MEMFILE_KEYS = frozenset(("type", "persist", "lfc-interval", "max-row-errors"))


def _no_repeats(pairs):
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"key {next(k for k in keys if keys.count(k) > 1)!r} given twice")
    return dict(pairs)


def _line_of(text: str, key: str) -> int:
    at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _walk(value, text: str):
    """(line, key, why) of the first key the rule refuses, or None."""
    if isinstance(value, list):
        for item in value:
            found = _walk(item, text)
            if found:
                return found
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ALLOWED:
                return (_line_of(text, key), key, f"Kea's {key!r} is not a key a rendered "
                        "file may hold (hooks, control sockets, loggers, databases, includes "
                        "are not)")
            if key == "user-context":
                continue  # free data of the user's; Kea itself reads none of it
            if key == "lease-database" and (
                    not isinstance(item, dict) or item.get("type") != "memfile"
                    or set(item) - MEMFILE_KEYS):
                return (_line_of(text, key), key, "Kea's 'lease-database' of a rendered file "
                        "is the memfile without a name or other setting of its own")
            found = _walk(item, text)
            if found:
                return found
    return None


def _check(text: str, top: str):
    from cinv.render.rules.finding import Finding
    if "<?" in text:
        at = text.index("<?")
        return Finding(text.count("\n", 0, at) + 1, "<?", "a Kea preprocessor directive "
                       "(<?include?> reads another file); not in a rendered file")
    try:
        data = json.loads(text, object_pairs_hook=_no_repeats)
    except ValueError as e:
        line = getattr(e, "lineno", 1)
        return Finding(line, "", f"not strict JSON ({str(e).split(':')[0]}); a rendered Kea "
                       "file holds no comments, includes or repeated keys")
    if not isinstance(data, dict) or set(data) != {top}:
        return Finding(1, "", f"the top level holds {top} and nothing else")
    found = _walk(data[top], text)
    return Finding(*found) if found else None


def check_dhcp4(text: str, _inv):
    return _check(text, "Dhcp4")


def check_dhcp6(text: str, _inv):
    return _check(text, "Dhcp6")
