"""What `cinv render` would refuse that only rendering shows, as problems for `cinv check`.

Render refuses an inventory with check errors, then renders; the rest of its refusals come from
what the inventory supplies: its own targets (cinv.yaml render.targets) and templates
(templates/). So check renders exactly those in memory, with the same environments and view,
and the built-in targets' output paths (two targets writing one file is a refusal too). An
inventory that supplies nothing costs nothing here: cinv's own templates are tested with cinv.
"""
from __future__ import annotations

import re

from cinv import paths
from cinv.errors import CinvError, Problem
from cinv.records.load import Source
from cinv.records.model import Inventory
from cinv.render import targets
from cinv.render.env import BudgetSpent, make_env
from cinv.render.view import View

_AT = re.compile(r"^(templates/[^:\s]+)(?::(\d+))?: (.*)\Z", re.S)


def supplied(source: Source, inv: Inventory) -> set[str]:
    """Targets the inventory defines or whose templates (or their includes) it overrides."""
    available = targets.all_targets(inv.settings)
    return {name for name, outputs in available.items()
            if any(targets.supplied(source, available, name, o) for o in outputs)}


def _problem(e: CinvError, inv: Inventory) -> Problem:
    text = str(e)
    m = _AT.match(text)
    if m:
        return Problem(m.group(1), int(m.group(2) or 0), m.group(3), "error", "render")
    settings = inv.settings
    return Problem(settings.path, settings.line_of("render"), text, "error", "render")


def _paths_only(env, view, name: str, outputs, files: dict) -> None:
    """A built-in target's output paths, for the clash check (its content is cinv's)."""
    for out in outputs:
        attr, var = targets.EACH[out.each]
        path_template = env.from_string(out.path)
        for item in [None] if attr is None else getattr(view, attr):
            ctx = {"inv": view} if var is None else {"inv": view, var: item}
            path = path_template.render(ctx).strip()
            try:
                path = paths.clean_relative(path, f"target {name}: output path")
            except paths.UnsafePath as e:
                raise CinvError(f"target {name}: output path {path!r} is not a plain relative "
                                f"path inside the output directory: it {e.why}") from None
            if path in files:
                raise CinvError(f"targets {files[path][0]} and {name} both write {path}")
            files[path] = (name, b"")


def problems(source: Source, inv: Inventory) -> list[Problem]:
    """Each refusal a render of every target would meet, one per target."""
    own = supplied(source, inv)
    if not own:
        return []
    available = targets.all_targets(inv.settings)
    env, trusted = make_env(source), make_env(None)

    def env_for(name: str, output) -> object:
        return env if targets.supplied(source, available, name, output) else trusted

    view = View(inv)
    files: dict = {}
    out = []
    for name in sorted(available):
        try:
            if name in own:
                targets.render_target(env_for, view, name, available[name], files)
            else:
                _paths_only(trusted, view, name, available[name], files)
        except BudgetSpent as e:  # the command's time is spent: no later target can run
            out.append(_problem(e, inv))
            break
        except CinvError as e:
            out.append(_problem(e, inv))
    return out
