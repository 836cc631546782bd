"""What a rendered server configuration may hold: one rule per syntax, over the output of every
template an inventory supplies.

A branch may replace cinv's templates word for word (templates/dnsmasq.conf.j2) or add targets
that write the same files, and the shipped CI recipe, a colleague or a deploy then hands the
output to the server itself or to its checker (`dnsmasq --test`, `kea-dhcp4 -t`, `dhcpd -t`,
`named-checkconf -z`, `virsh define`, Ansible), which loads and runs what the file says. So a
rendered file of these kinds holds only what its rule allows, whichever template made it:

- `dnsmasq/*` (dnsmasq.py): every line one option of an allow-list (no conf-file, conf-script,
  dhcp-script, addn-hosts, ...), at most 1,000 bytes;
- `dhcpd.conf`, `dhcpd6.conf` (dhcpd.py): every statement starts with a keyword of an
  allow-list (no include, on, execute, key, zone, lease-file-name, ...), no `execute` anywhere;
- `kea-dhcp4.conf`, `kea-dhcp6.conf` (kea.py): strict JSON (no `<?include?>`, no comments, no
  repeated key), every key of an allow-list (no hooks-libraries, control-socket, loggers,
  hosts-database, ...), the lease database memfile without a file name;
- `dns/named.conf.zones` (bind.py): zone statements only, with options of an allow-list and a
  plain relative file name (no include, options, plugin, dlz, database, journal, ...);
- `dns/*`, the zone files (bind.py): no directive but $ORIGIN and $TTL (no $INCLUDE, $GENERATE);
- `libvirt/*.xml` (others.py, cinv/check/hostreach.py): the whole domain as kept XML is held (no
  script, bootloader, seclabel lifting confinement, host path outside libvirt.image_dir, ...);
- `ansible/*.yaml` (others.py, cinv/check/ansiblevars.py): every var as a branch's vars, no group
  _meta, no key given twice;
- `hosts` (names.py): an address, then names.

Every name such a file serves (a hosts line, a dnsmasq host-record, cname or address=, a zone
of named.conf.zones) lies under a domain the inventory manages or a zone it serves (names.py),
as the names of its records must; and no such file holds a control character (a tab and the
newline apart), which the servers read as data and a terminal or CI log as commands.

A refusal names the template at the line that writes the refused word (found in its text; the
template alone when the word is built at render time) and the output file's line. cinv's own
templates and fast builders make their files from validated fields; tests hold their output to
the same rules (tests/test_security3.py::test_1_2_cinvs_own_output_passes_the_rules).
"""
from __future__ import annotations

import fnmatch
import re

from cinv.errors import CinvError
from cinv.render.rules.finding import Finding


def _rules():
    from cinv.render.rules import bind, dhcpd, dnsmasq, kea, names, others
    return (("dnsmasq/*", dnsmasq.check), ("dhcpd.conf", dhcpd.check),
            ("dhcpd6.conf", dhcpd.check), ("kea-dhcp4.conf", kea.check_dhcp4),
            ("kea-dhcp6.conf", kea.check_dhcp6), ("dns/named.conf.zones", bind.check_conf),
            ("dns/*", bind.check_zone), ("libvirt/*.xml", others.check_domain),
            ("ansible/*.yaml", others.check_ansible), ("hosts", names.check_hosts))


def rule_for(rel: str):
    """The rule of a rendered file by its path in the output dir (None: no rule)."""
    for pattern, rule in _rules():
        if fnmatch.fnmatchcase(rel, pattern):
            return rule
    return None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def finding(rel: str, text: str, inv) -> Finding | None:
    """What a rendered file holds that its rule refuses (None: nothing, or no rule). inv: the
    inventory rendered (its settings and the domains it manages)."""
    rule = rule_for(rel)
    if rule is None:
        return None
    m = _CONTROL.search(text)
    if m:
        return Finding(text.count("\n", 0, m.start()) + 1, "", f"a control character "
                       f"({m.group()!r}): a server reads it as data, a terminal as a command")
    return rule(text, inv)


def refuse(env, template: str, rel: str, text: str, inv, what: str) -> None:
    """Raise the refusal of a rendered file, at its template's line, if its rule refuses it."""
    found = finding(rel, text, inv)
    if found is None:
        return
    filename, line = template_line(env, template, found.word)
    at = f"{filename}:{line}" if line else filename
    raise CinvError(f"{at}: {rel}:{found.line}: {found.why} (rendering {what})")


def template_line(env, name: str, word: str) -> tuple[str, int | None]:
    """(the template's file name, the first line of its text starting with word, else the
    first holding it) or (its name, None)."""
    try:
        text, filename, _uptodate = env.loader.get_source(env, name)
    except Exception:  # noqa: BLE001 - it rendered, so it reads; a race reads as no line
        return f"templates/{name}", None
    if word:
        lines = text.splitlines()
        for starts in (True, False):  # a line it starts (not a comment mentioning it) first
            for number, line in enumerate(lines, 1):
                if line.lstrip().startswith(word) if starts else word in line:
                    return filename, number
    return filename, None
