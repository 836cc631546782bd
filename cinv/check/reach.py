"""The rule of what a virtual host's libvirt block may reach on its hypervisor (the rule
itself: cinv/hostreach.py)."""
from __future__ import annotations

from cinv.check.registry import validator
from cinv.errors import Problem
from cinv.hostreach import Reach, host_problems, image_dir_why
from cinv.model import Inventory


@validator
def libvirt_host_reach(inv: Inventory) -> list[Problem]:
    """A virtual host's libvirt block (modelled paths and kept XML) reaches nothing on its
    hypervisor beyond libvirt.image_dir and what the operator allows (CINV_LIBVIRT_ALLOW), and
    libvirt.image_dir is a folder of its own, not a system folder."""
    settings = inv.settings
    out = []
    why = image_dir_why(settings.image_dir)
    if why:
        out.append(Problem(settings.path, settings.line_of("libvirt.image_dir"),
                           f"libvirt.image_dir: {why}", "error", "host-reach"))
    reach = None
    for host in inv.active_hosts():
        if host.kind == "virtual" and host.libvirt is not None:
            reach = reach or Reach(settings.image_dir)
            out += host_problems(host, reach)
    return out
