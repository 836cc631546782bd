"""What a branch claims: the DNS domains the inventory manages.

Every name a host carries must lie under a managed domain (check: names_in_managed_domains),
but the managed domains (cinv.yaml's domain, each network's domain, each zone of zones/) are
branch data: a branch adding `zones/pypi.org.yaml` or a network with `domain: com` would make
`pypi.org` a host alias in /etc/hosts and dnsmasq without an error. So the set is pinned by
someone other than the branch:

- a single-label domain (a top-level domain) is always an error, unless the operator names it
  in CINV_TLD_ALLOW (a private network's own TLD, as dn42's `neo`);
- `cinv check --base REF` (the CI recipe passes the merge request's target branch) reports
  every managed domain the branch adds that lies under none of REF's, and a changed
  `libvirt.image_dir` (what the branch's domains may reach on a hypervisor, cinv/hostreach.py).
"""
from __future__ import annotations

from cinv import gitstore, load, policy
from cinv.check import under, validator
from cinv.errors import Problem
from cinv.model import Inventory
from cinv.workspace import Workspace


def claims(inv: Inventory) -> list[tuple[str, str, int, str]]:
    """(domain, path, line, field) of every domain the inventory manages, in file order."""
    s = inv.settings
    out = [(s.domain, s.path, s.line_of("domain"), "domain")]
    out += [(net.domain, net.path, net.line_of("domain"), "domain")
            for _name, net in sorted(inv.networks.items()) if net.domain]
    out += [(zone.name, zone.path, 1, "zone") for _name, zone in sorted(inv.zones.items())
            if zone.path]
    return out


@validator
def managed_domains_are_not_tlds(inv: Inventory) -> list[Problem]:
    """No managed domain (cinv.yaml's, a network's, a zone of zones/) is a single label: a
    branch managing `com` could give its hosts any name under it (unless the operator allows
    that label in CINV_TLD_ALLOW)."""
    allowed = policy.tlds()
    return [Problem(path, line, f"{label}: {domain} is a top-level domain; the inventory may "
                    "manage domains below one, not a whole top-level domain (the operator "
                    f"may allow a private one with {policy.TLD_ENV}={domain})", "error",
                    "managed-domain")
            for domain, path, line, label in claims(inv)
            if "." not in domain and domain not in allowed]


def against_base(ws: Workspace, ref: str) -> list[Problem]:
    """`check --base REF`: every domain this inventory manages that lies under none of REF's,
    and a libvirt.image_dir other than REF's."""
    commit = gitstore.resolve_commit(ws.root, ref, "--base")
    base = load.load_networks(gitstore.GitRefSource(ws.root, commit))
    here = load.load_networks(ws.source(), cache_root=ws.cache_root())
    pinned = {domain for domain, *_rest in claims(base)}
    out = []
    for domain, path, line, label in claims(here):
        if not under(domain, pinned):
            out.append(Problem(path, line, f"{label}: {domain} lies under no domain that "
                               f"{ref} manages ({', '.join(sorted(pinned))}); a branch may "
                               f"not claim a domain of its own: add it on {ref} first",
                               "error", "managed-domain"))
    s = here.settings
    if s.image_dir != base.settings.image_dir:
        out.append(Problem(s.path, s.line_of("libvirt.image_dir"), f"libvirt.image_dir: "
                           f"{s.image_dir} differs from {ref}'s ({base.settings.image_dir}): "
                           "a branch may not widen what its domains reach on a hypervisor; "
                           f"change it on {ref} first", "error", "managed-domain"))
    return out
