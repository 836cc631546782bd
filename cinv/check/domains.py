"""What a branch claims: the DNS domains the inventory manages.

Every name a host carries must lie under a managed domain (check: names_in_managed_domains),
but the managed domains (cinv.yaml's domain, each network's domain, each zone of zones/) are
branch data: a branch adding `zones/pypi.org.yaml` or a network with `domain: com` would make
`pypi.org` a host alias in /etc/hosts and dnsmasq without an error. So the set is pinned by
someone other than the branch:

- a public suffix (a top-level domain such as `com`, or a registry's such as `co.uk`: the ICANN
  section of the Public Suffix List, public_suffixes.txt) is always an error, unless the
  operator names it in CINV_TLD_ALLOW; a private single label (`lan`, `home`, `localdomain`,
  dn42's `neo`) is no public name and is allowed;
- `cinv check --base REF` (the CI recipe passes the merge request's target branch) reports
  every managed domain the branch adds that lies under none of REF's, and a changed
  `libvirt.image_dir` (what the branch's domains may reach on a hypervisor,
  cinv/check/hostreach.py).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from cinv import policy
from cinv.check.registry import validator
from cinv.errors import Problem
from cinv.records.model import Inventory


def claims(inv: Inventory) -> list[tuple[str, str, int, str]]:
    """(domain, path, line, field) of every domain the inventory manages, in file order."""
    s = inv.settings
    out = [(s.domain, s.path, s.line_of("domain"), "domain")]
    out += [(net.domain, net.path, net.line_of("domain"), "domain")
            for _name, net in sorted(inv.networks.items()) if net.domain]
    out += [(zone.name, zone.path, 1, "zone") for _name, zone in sorted(inv.zones.items())
            if zone.path]
    return out


@cache
def _suffixes() -> tuple[frozenset, frozenset, frozenset]:
    """(suffixes, parents of `*.` rules, `!` exceptions) of public_suffixes.txt."""
    plain, wild, exceptions = set(), set(), set()
    for line in Path(__file__).with_name("public_suffixes.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            exceptions.add(line[1:])
        elif line.startswith("*."):
            wild.add(line[2:])
        else:
            plain.add(line)
    return frozenset(plain), frozenset(wild), frozenset(exceptions)


def public_suffix(domain: str) -> bool:
    """Whether anyone may register names directly under this domain (`com`, `co.uk`,
    `kawasaki.jp` under its `*.` rule), as the Public Suffix List's ICANN section says."""
    plain, wild, exceptions = _suffixes()
    if domain in plain:
        return True
    parent = domain.partition(".")[2]
    return bool(parent) and parent in wild and domain not in exceptions


@validator
def managed_domains_are_not_public_suffixes(inv: Inventory) -> list[Problem]:
    """No managed domain (cinv.yaml's, a network's, a zone of zones/) is a public suffix: a
    branch managing `com` or `co.uk` could give its hosts any name under it (unless the
    operator allows that suffix in CINV_TLD_ALLOW). A private single label (`lan`) is none."""
    allowed = policy.tlds()
    return [Problem(path, line, f"{label}: {domain} is a public suffix (a top-level domain, "
                    "or one under which anyone registers names); the inventory may manage "
                    "domains below one, not all of it (the operator may allow it with "
                    f"{policy.TLD_ENV}={domain})", "error", "managed-domain")
            for domain, path, line, label in claims(inv)
            if domain not in allowed and public_suffix(domain)]
