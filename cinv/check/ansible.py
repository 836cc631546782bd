"""The rule of Ansible variables from the inventory (what they may be: cinv/ansiblevars.py)."""
from __future__ import annotations

from cinv import policy
from cinv.ansiblevars import var_problems
from cinv.check.registry import validator
from cinv.errors import Problem
from cinv.model import Inventory


@validator
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
