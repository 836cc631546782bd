"""Handing hosts to configuration management: cdist's inventory layout, and Ansible's inventory.

cdist (`cdist inventory`, `cdist config -I DIR -t TAG`) keeps one file per host, named by the host,
holding its tags one per line. cinv writes a host's own tags, then `kind:<kind>`, `state:<state>`,
`network:<name>` for each network it has an interface on, and `parent:<fqdn>`. The ':' keeps
these apart from the host's own tags (a cinv tag cannot hold ':') and needs no quoting in
`cdist config -t kind:virtual` (cdist splits tag lists on ','). Retired hosts are left out, as in
every rendered output.

The Ansible inventory is exactly the `ansible` render target's file; `--list` and `--host NAME`
give the same data in Ansible's dynamic-inventory (script) protocol: `--list` prints
{"_meta": {"hostvars": ...}, "all": {"children", "vars"}, <group>: {"hosts", "vars"}} and
`--host NAME` one host's vars, both as JSON.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cinv import check, names
from cinv.check.ansiblevars import FREE_TEXT
from cinv.errors import CinvError, ProblemsError
from cinv.records import load, lookup
from cinv.records.model import Host, Inventory
from cinv.workspace import Workspace


def cdist_tags(host: Host) -> list[str]:
    tags = list(dict.fromkeys(host.tags))
    tags += [f"kind:{host.kind}", f"state:{host.state}"]
    tags += [f"network:{n}" for n in dict.fromkeys(i.network for i in host.interfaces
                                                   if i.network)]
    if host.parent:
        tags.append(f"parent:{host.parent}")
    return tags


def cdist_files(inv: Inventory) -> dict[str, bytes]:
    return {h.name: "".join(f"{t}\n" for t in cdist_tags(h)).encode()
            for h in sorted(inv.active_hosts(), key=lambda h: h.name)}


@dataclass
class Report:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _is_host_file(name: str) -> bool:
    try:
        return names.check_fqdn(name) == name and "." in name
    except ValueError:
        return False


def cdist(inv: Inventory, directory: Path) -> Report:
    """Write DIR/<fqdn> for every host that is not retired; only changed files are rewritten.
    Files named like an FQDN that are no longer in the export (removed or retired hosts) are
    removed, so `cdist config -I DIR -A` never configures them; other files are left alone."""
    errors = check.errors(check.run(inv))
    if errors:
        raise ProblemsError(errors)
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise CinvError(f"{directory}: is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    files = cdist_files(inv)
    report = Report()
    for name, content in files.items():
        path = directory / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise CinvError(f"{path}: is a symlink or not a regular file; refusing to write it")
        try:
            if path.read_bytes() == content:
                report.unchanged.append(name)
                continue
        except FileNotFoundError:
            pass
        load.atomic_write(path, content)
        report.written.append(name)
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if (entry.name not in files and _is_host_file(entry.name)
                and entry.is_file(follow_symlinks=False)):
            os.unlink(entry.path)
            report.removed.append(entry.name)
    return report


def ansible(ws: Workspace) -> str:
    """The `ansible` render target's inventory.yaml, as text."""
    from cinv import output

    inv = ws.load()
    errors = check.errors(check.run(inv))
    if errors:
        raise ProblemsError(errors)
    out = output.out_dir(ws, inv.settings, None)
    files, _zones, _warnings = output.render_files(ws, inv, ["ansible"], out,
                                                   {"files": {}, "zones": {}})
    outputs = [data for _target, data in files.values()]
    if len(outputs) != 1:
        raise CinvError("the ansible target rendered "
                        f"{len(outputs)} files; expected ansible/inventory.yaml")
    return outputs[0].decode()


def _ansible_data(ws: Workspace) -> dict:
    from cinv.render.view import View

    inv = ws.load()
    errors = check.errors(check.run(inv))
    if errors:
        raise ProblemsError(errors)
    return View(inv).ansible


def ansible_list(ws: Workspace) -> str:
    """`--list` of Ansible's script protocol: every group with its hosts and vars, `all` with
    the inventory-wide vars, and every host's vars under _meta (so Ansible never asks for one
    host at a time)."""
    data = _ansible_data(ws)
    out: dict = {"all": {"children": [*data["groups"], "ungrouped"]}}
    if data["vars"]:
        out["all"]["vars"] = data["vars"]
    grouped = set()
    for group, members in data["groups"].items():
        item: dict = {"hosts": members}
        if group in data["group_vars"]:
            item["vars"] = data["group_vars"][group]
        out[group] = item
        grouped.update(members)
    out["ungrouped"] = {"hosts": sorted(set(data["hosts"]) - grouped)}
    if "_meta" in out:  # refused by the schema; never let a group replace every host's vars
        raise CinvError("ansible: a group is named _meta, the protocol's key of every host's "
                        "vars")
    out["_meta"] = {"hostvars": {name: unsafe_text(hv) for name, hv in data["hosts"].items()}}
    return json.dumps(out, sort_keys=True, separators=(",", ":")) + "\n"  # for a machine


def ansible_host(ws: Workspace, name: str) -> str:
    """`--host NAME` of Ansible's script protocol: that host's vars (a retired or unknown host
    is an error)."""
    data = _ansible_data(ws)
    fqdn = lookup.host_name(data["hosts"], name)
    return json.dumps(unsafe_text(data["hosts"][fqdn]), indent=1, sort_keys=True) + "\n"


def unsafe_text(hostvars: dict) -> dict:
    """A host's vars with cinv's own free text marked as Ansible's JSON protocol marks text it
    must never evaluate as a template ({"__ansible_unsafe": text}, read by the script inventory
    plugin as !unsafe is in YAML)."""
    return {k: {"__ansible_unsafe": v} if k in FREE_TEXT and type(v) is str else v
            for k, v in hostvars.items()}
