"""dnsmasq's configuration: one option a line, `name` or `name=value`.

dnsmasq reads a line with fgets into a buffer of about 1 KiB (a longer line goes on as a line of
its own), drops `#` comments (at the start or after a blank, outside quotes), strips blanks
around the line and the `=`, and removes quotes anywhere before it looks the name up. So a line
is read here as dnsmasq reads it, and refused unless its name is written plainly (letters,
digits, `-`) and is one of ALLOWED: the options cinv writes, and options that serve DHCP and
DNS from the file's own words. Options that read another file (conf-file, conf-dir,
addn-hosts, hostsdir, servers-file, resolv-file, dhcp-hostsfile, dhcp-optsfile, read-ethers,
...), run a program (conf-script, dhcp-script, dhcp-luascript, script-arp ...), write a file
(pid-file, dhcp-leasefile, dumpfile, log-facility), serve files (enable-tftp, tftp-root) or
change privileges (user, group) are not among them.
"""
from __future__ import annotations

import re

MAX_LINE = 1000  # bytes: below dnsmasq's line buffer
ALLOWED = frozenset("""
dhcp-range dhcp-host dhcp-option dhcp-option-force dhcp-boot dhcp-match dhcp-userclass
dhcp-vendorclass dhcp-circuitid dhcp-remoteid dhcp-subscrid dhcp-mac dhcp-name-match
dhcp-ignore dhcp-ignore-names dhcp-ignore-clid dhcp-broadcast dhcp-generate-names dhcp-fqdn
dhcp-client-update dhcp-authoritative dhcp-rapid-commit dhcp-sequential-ip dhcp-no-override
dhcp-lease-max dhcp-ttl dhcp-reply-delay dhcp-proxy dhcp-pxe-vendor dhcp-duid tag-if
pxe-service pxe-prompt bootp-dynamic enable-ra ra-param shared-network
host-record cname ptr-record txt-record srv-host mx-host mx-target naptr-record caa-record
dns-rr interface-name synth-domain dynamic-host address alias local domain domain-needed
bogus-priv expand-hosts local-ttl neg-ttl max-ttl max-cache-ttl min-cache-ttl auth-ttl
cache-size no-negcache no-hosts no-resolv strict-order all-servers filterwin2k localmx selfmx
stop-dns-rebind rebind-localhost-ok rebind-domain-ok bogus-nxdomain ignore-address
localise-queries no-round-robin log-dhcp quiet-dhcp quiet-dhcp6 quiet-ra
interface except-interface no-dhcp-interface no-dhcpv4-interface no-dhcpv6-interface
listen-address bind-interfaces bind-dynamic
""".split())
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
# options whose first field is a DNS name dnsmasq answers for
FIRST_NAME = frozenset("""ptr-record txt-record srv-host mx-host naptr-record caa-record dns-rr
interface-name synth-domain dynamic-host domain""".split())


def served_names(name: str, value: str) -> list[str]:
    """The DNS names an option makes dnsmasq answer for (see rules/names.py)."""
    if name in ("address", "local"):
        return [part for part in value.split("/")[1:-1] if part] if value.startswith("/") else []
    fields = [f.strip().strip('"') for f in value.split(",")]
    if name == "host-record":
        return [f for f in fields if f and not f.isdigit()]
    if name == "cname":
        names = [f for f in fields if f and not f.isdigit()]
        return names[:-1]  # the aliases; the last is the target they point at
    if name in FIRST_NAME:
        return fields[:1]
    return []


def _strip_comment(line: str) -> str:
    """The line without its comment, as dnsmasq finds it: `#` at the start or after a blank,
    outside double quotes."""
    white, quoted = True, False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif not quoted and c.isspace():
            white = True
            continue
        elif not quoted and white and c == "#":
            return line[:i]
        white = False
    return line


def check(text: str, inv):
    from cinv.render.rules.finding import Finding
    from cinv.render.rules.names import foreign
    for number, line in enumerate(text.split("\n"), 1):
        if len(line.encode("utf-8", "surrogatepass")) > MAX_LINE:
            return Finding(number, line[:20], f"a line longer than {MAX_LINE} bytes (dnsmasq "
                           "reads the rest as a line of its own)")
        body = _strip_comment(line).strip(" \t\r\f\v")
        if not body:
            continue
        name = body.split("=", 1)[0].strip(" \t\r\f\v")
        if not _NAME.match(name):
            return Finding(number, name, f"{name!r} is not an option name written plainly")
        if name not in ALLOWED:
            return Finding(number, name, f"dnsmasq option {name} is not one a rendered file "
                           "may hold (it reads another file, runs a program, writes a file or "
                           "is not a DHCP or DNS option cinv allows)")
        value = body.split("=", 1)[1].strip(" \t\r\f\v") if "=" in body else ""
        outside = foreign(served_names(name, value), inv)
        if outside:
            return Finding(number, outside, f"{name} serves {outside}, which lies under no "
                           "domain the inventory manages")
    return None
