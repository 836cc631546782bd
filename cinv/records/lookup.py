"""Finding a host or network by what a user typed: shared by reads and changes."""
from __future__ import annotations

from cinv.errors import CinvError


def host_name(names, name: str) -> str:
    """The FQDN among names (a set or dict of FQDNs) that `name` means: itself, or a short
    name that only one host has."""
    key = name.lower().rstrip(".")
    if key in names:
        return key
    if "." not in key:
        matches = sorted(n for n in names if n.split(".", 1)[0] == key)
        if len(matches) > 1:
            raise CinvError(f"host {name!r} is ambiguous: {', '.join(matches)}")
        if matches:
            return matches[0]
    raise CinvError(f"no host {name!r} in the inventory")


def network(networks: dict, name: str):
    if name not in networks:
        known = ", ".join(sorted(networks)) or "none yet; add one with `cinv net add`"
        raise CinvError(f"no network {name!r} (known: {known})")
    return networks[name]
