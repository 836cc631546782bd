"""Host, domain, interface, network and tag name rules (RFC 1123), and name patterns."""
from __future__ import annotations

import re

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_NETWORK = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62})\Z")
_IFNAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?\Z")
_TAG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62})\Z")
_FQDN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
                   r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_PATTERN = re.compile(r"\{n(?::(0?)(\d{1,2})d?)?\}")


def check_label(label: str, whole: str) -> None:
    if not label:
        raise ValueError(f"{whole!r} has an empty label")
    if len(label) > 63:
        raise ValueError(f"{whole!r}: label {label[:20]!r}... is longer than 63 characters")
    if not _LABEL.match(label):
        raise ValueError(f"{whole!r}: label {label!r} may hold only letters, digits and inner "
                         "hyphens (RFC 1123)")


def check_fqdn(name) -> str:
    """A lower-case DNS name of RFC 1123 labels, at most 253 characters; returned normalised."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not a host name")
    if len(name) <= 253 and _FQDN.match(name):
        return name  # the common case: already a valid, normalised name
    if not name.isascii():
        raise ValueError(f"{name!r} holds characters other than ASCII letters, digits, '-' "
                         "and '.' (write international names in their xn-- form)")
    fqdn = name.lower()
    if fqdn.endswith("."):
        fqdn = fqdn[:-1]
    if len(fqdn) > 253:
        raise ValueError(f"{name[:40]!r}... is longer than 253 characters")
    if not fqdn:
        raise ValueError("the name is empty")
    for label in fqdn.split("."):
        check_label(label, name)
    return fqdn


def qualify(name: str, domain: str | None) -> str:
    """A short name gets the domain appended; a name with a dot is taken as an FQDN."""
    if not isinstance(name, str):
        raise ValueError(f"{name!r} is not a host name")
    if "." in name.rstrip(".") or not domain:
        return check_fqdn(name)
    return check_fqdn(f"{name}.{domain}")


def check_network_name(name) -> str:
    if not isinstance(name, str) or not _NETWORK.match(name):
        raise ValueError(f"{name!r} is not a network name (lower-case letters, digits, '-' and "
                         "'_', starting with a letter or digit, at most 63)")
    return name


def check_ifname(name) -> str:
    if not isinstance(name, str) or not _IFNAME.match(name):
        raise ValueError(f"{name!r} is not an interface name (lower-case letters, digits and "
                         "inner hyphens, at most 15; it becomes a DNS label)")
    return name


def check_tag(tag) -> str:
    if isinstance(tag, int) and not isinstance(tag, bool):
        tag = str(tag)
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise ValueError(f"{tag!r} is not a tag (letters, digits, '-', '_' and '.', starting "
                         "with a letter or digit, at most 63)")
    return tag


def is_pattern(name: str) -> bool:
    return "{" in name or "}" in name


def pattern_regex(pattern: str) -> tuple[re.Pattern, str, int, bool]:
    """Split "vm{n:03}" into a regex matching expansions, and the pieces to expand it."""
    found = list(_PATTERN.finditer(pattern))
    rest = _PATTERN.sub("", pattern)
    if len(found) != 1 or "{" in rest or "}" in rest:
        raise ValueError(f"{pattern!r} is not a name pattern; use one {{n}} or {{n:03}} as in "
                         "vm{n:03}")
    m = found[0]
    width = int(m.group(2) or 0)
    head, tail = pattern[:m.start()], pattern[m.end():]
    digits = r"\d+" if not width else r"\d{%d,}" % width
    rx = re.compile("^" + re.escape(head.lower()) + f"({digits})" + re.escape(tail.lower()) + r"\Z")
    return rx, head + "\0" + tail, width, bool(m.group(1))


def expand(template: str, width: int, n: int) -> str:
    head, tail = template.split("\0")
    return f"{head}{n:0{width}d}{tail}"


def under(name: str, domains: set[str]) -> bool:
    """Whether name is one of domains or lies below one."""
    labels = name.split(".")
    return any(".".join(labels[i:]) in domains for i in range(len(labels)))
