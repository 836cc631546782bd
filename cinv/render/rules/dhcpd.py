"""ISC dhcpd's configuration: statements, each ending in `;` or a `{ ... }` block.

dhcpd reads `include "file"` while it parses (so `dhcpd -t` reads any file into its error
messages), runs `execute(...)` in `on commit` / `on release` / `on expiry` events as root, and
takes keys, zones, failover peers, OMAPI and file names of its own. The file is tokenized as
dhcpd's lexer does (`#` comments, double-quoted strings with backslash escapes, punctuation) and
each statement (at the start, after `;`, `{` or `}`) must begin with a keyword of ALLOWED: what
cinv writes, and the declarations and parameters that serve DHCP from the file's own words.
`execute` and `include` are refused anywhere.
"""
from __future__ import annotations

import re

ALLOWED = frozenset("""
subnet subnet6 shared-network host group pool pool6 class subclass match spawn range range6
prefix6 fixed-address fixed-address6 fixed-prefix6 hardware host-identifier option filename
next-server server-name server-identifier default-lease-time max-lease-time min-lease-time
preferred-lifetime authoritative not allow deny ignore if elsif else
ddns-update-style ddns-updates ddns-domainname ddns-rev-domainname ddns-hostname ddns-ttl
get-lease-hostnames use-host-decl-names one-lease-per-client ping-check ping-timeout
always-broadcast always-reply-rfc1048 boot-unknown-clients dynamic-bootp-lease-length
dynamic-bootp-lease-cutoff min-secs stash-agent-options update-static-leases
use-lease-addr-for-default-route vendor-option-space site-option-space dhcp-cache-threshold
adaptive-lease-time-threshold abandon-lease-time limit-addrs-per-ia dhcpv6-set-tee-times
prefix-length-mode lease-id-format update-conflict-detection update-optimization
release-on-roam echo-client-id persist-eui-64-leases log-threshold-high log-threshold-low
local-address local-address6 declines
""".split())
ANYWHERE = ("execute", "include")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|#[^\n]*|[{};]|[^\s{};"#]+|"', re.S)


def check(text: str, _inv):
    from cinv.render.rules.finding import Finding
    start, line, pos = True, 1, 0
    for m in _TOKEN.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        token = m.group()
        if token.startswith("#"):
            continue
        if token == '"':
            return Finding(line, token, "a string that does not end")
        if token in "{};":
            start = True
            continue
        word = token.lower() if not token.startswith('"') else ""
        head = re.match(r"[a-z0-9-]+", word)
        if head and head.group() in ANYWHERE:
            return Finding(line, head.group(), f"dhcpd's {head.group()} reads another file or "
                           "runs a program; not in a rendered file")
        if start:
            if word not in ALLOWED:
                shown = word or token[:20]
                return Finding(line, shown, f"a statement starting with {shown!r}: not a "
                               "dhcpd statement a rendered file may hold (include, on, "
                               "execute, key, zone, failover, omapi, file names are not)")
            start = False
    return None
