"""The names a rendered file serves: under a domain the inventory manages.

check holds every name a host carries to the managed domains (names_in_managed_domains) and
`check --base` pins those to the merge target's (cinv/check/domains.py). A branch's own template
could write other names straight into a file that answers for them: a hosts line or a dnsmasq
host-record / cname / address=/pypi.org/ for a name it does not manage, a zone statement in
named.conf.zones for a zone cinv does not serve. So the names such files serve must lie under a
managed domain, or a zone cinv serves (the reverse zones of its networks included).
"""
from __future__ import annotations

import ipaddress

from cinv.names import under
from cinv.records import zonemap


def claimed(inv) -> set[str]:
    """The domains names may lie under: the managed ones and every zone cinv serves."""
    return {d.lower() for d in inv.managed_domains()} | set(zonemap.served_zones(inv))


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


def foreign(names, inv) -> str | None:
    """The first name (with a dot) that lies under none of the claimed domains."""
    domains = None
    for name in names:
        name = name.strip().rstrip(".").lower()
        if "." not in name or is_address(name):
            continue
        domains = claimed(inv) if domains is None else domains
        if not under(name.removeprefix("*."), domains):
            return name
    return None


def check_hosts(text: str, inv):
    from cinv.render.rules.finding import Finding
    for number, line in enumerate(text.split("\n"), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if not is_address(words[0]):
            return Finding(number, words[0], f"{words[0]!r} is not an address")
        name = foreign(words[1:], inv)
        if name:
            return Finding(number, name, f"{name} lies under no domain the inventory manages")
    return None
