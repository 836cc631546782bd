"""Ansible variables from the inventory: what a branch may hand to the operator's controller.

The Ansible inventory (the `ansible` target's file, `cinv export ansible`) is read by the
controller that manages every customer, as the operator. A branch's vars (a host's `vars`,
cinv.yaml's `ansible.vars` and `ansible.group_vars`) must not choose what the controller runs:

- Connection, privilege and interpreter variables (`ansible_ssh_common_args` with a
  ProxyCommand, `ansible_ssh_executable`, `ansible_connection: local`,
  `ansible_python_interpreter`, `ansible_become_exe`, `ansible_shell_executable`, every
  plugin's `ansible_*` option) are the operator's: a branch may set only the harmless ones
  below, each held to a pattern (an address or name, a port, a user name, a bool, a become
  method), and any other the operator names in CINV_ANSIBLE_ALLOW (cinv/policy.py). Every
  name starting with `ansible_` is one: the connection and become plugins read theirs there.
- A string holding `{{`, `{%` or `{#` is a template Ansible evaluates on the controller
  (`{{ lookup('pipe', 'id') }}` runs `id`): refused unless the operator allows `templates`.
- Group vars of `_meta` (the dynamic-inventory protocol's own key), `all` or `ungrouped`
  are refused by the schema (cinv/records/schema.py).

cinv's own free-text vars (a host's description, location, vendor, model, serial) are handed
over as text Ansible never templates: `!unsafe` in the rendered inventory.yaml,
`{"__ansible_unsafe": ...}` in `export ansible --list` / `--host`.
"""
from __future__ import annotations

import ipaddress
import re

from cinv import names, policy
from cinv.check.registry import per_host, validator
from cinv.errors import Problem
from cinv.records.model import Inventory

MARKERS = ("{{", "{%", "{#")
RESERVED_GROUPS = ("_meta", "all", "ungrouped")
FREE_TEXT = ("cinv_description", "cinv_location", "cinv_vendor", "cinv_model", "cinv_serial")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}\Z")
BECOME_METHODS = ("sudo", "su", "doas", "pbrun", "pfexec", "dzdo", "ksu", "machinectl", "runas",
                  "sesu", "enable")


def _host(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        pass
    try:
        names.check_fqdn(value)
        return True
    except ValueError:
        return False


def _port(value) -> bool:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _user(value) -> bool:
    return isinstance(value, str) and bool(_USER.match(value))


# what a branch may set, and the value each may take
SAFE = {
    "ansible_host": (_host, "an IP address or a host name"),
    "ansible_port": (_port, "a port number"),
    "ansible_user": (_user, "a user name"),
    "ansible_become": (lambda v: isinstance(v, bool), "true or false"),
    "ansible_become_user": (_user, "a user name"),
    "ansible_become_method": (lambda v: v in BECOME_METHODS,
                              f"one of {', '.join(BECOME_METHODS)}"),
}


def templated(value) -> bool:
    """Whether a value holds a string Ansible would evaluate as a template."""
    if isinstance(value, str):
        return any(marker in value for marker in MARKERS)
    if isinstance(value, dict):
        return any(templated(v) for v in value.values())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def why_not(name: str, value, allowed: frozenset) -> str | None:
    """Why a branch may not hand this var to Ansible (None: it may)."""
    if name.lower().startswith("ansible_") and name not in allowed:
        if name not in SAFE:
            return ("a connection, privilege or interpreter variable of Ansible chooses what "
                    "the operator's controller runs; set it in the operator's own Ansible "
                    f"configuration, or the operator allows it with {policy.ANSIBLE_ENV}={name}")
        check, what = SAFE[name]
        if not check(value):
            return f"{value!r} is not {what}"
    if templated(value) and "templates" not in allowed:
        return (f"holds a template ({', '.join(MARKERS)}) that Ansible would evaluate on the "
                "operator's controller; the operator allows templates with "
                f"{policy.ANSIBLE_ENV}=templates")
    return None


def var_problems(path: str, lines: dict, prefix: str, values: dict, default_line: int,
                 allowed: frozenset) -> list[Problem]:
    out = []
    for name, value in values.items():
        why = why_not(name, value, allowed)
        if why:
            out.append(Problem(path, lines.get(f"{prefix}{name}", default_line),
                               f"{prefix}{name}: {why}", "error", "ansible-var"))
    return out


@validator
@per_host
def ansible_vars_from_the_operator(inv: Inventory) -> list[Problem]:
    """A branch's Ansible vars (a host's vars, cinv.yaml's ansible.vars and group_vars) choose
    nothing the controller runs: no connection, privilege or interpreter variable beyond the
    harmless ones and those the operator allows (CINV_ANSIBLE_ALLOW), no template unless the
    operator allows templates."""
    allowed = policy.ansible()
    s = inv.settings
    out = var_problems(s.path, s.lines, "ansible.vars.", s.ansible.vars,
                       s.line_of("ansible"), allowed)
    for group, values in s.ansible.group_vars.items():
        out += var_problems(s.path, s.lines, f"ansible.group_vars.{group}.", values,
                            s.lines.get(f"ansible.group_vars.{group}", s.line_of("ansible")),
                            allowed)
    for host in inv.active_hosts():
        if host.vars:
            out += var_problems(host.path, host.lines, "vars.", host.vars,
                                host.line_of("vars"), allowed)
    return out
