"""`cinv check`: validators over a loaded inventory, small named functions in one registry list.

Each takes the Inventory and returns a list of Problems; `run` collects them all, so one
`cinv check` shows every problem. Adding a rule is adding a function with @validator to one of
the rule modules below (hosts and networks, zones' own records, what servers are handed, what a
branch may claim, reach on a hypervisor or set for Ansible). This package reads a loaded
Inventory only: what render would refuse (cinv/render/verify.py) and the check of a work tree
(cinv/checkdelta.py) sit above it.
"""
from __future__ import annotations

from cinv.check import ansiblevars, domains, hostreach, inventory, served, zones  # noqa: F401
from cinv.check.inventory import CAPACITY, Shortfall, addresses_in_pool, plural, shortfalls  # noqa: F401 (their callers' names)
from cinv.check.registry import PER_HOST, VALIDATORS, validator  # noqa: F401
from cinv.errors import Problem, ProblemsError
from cinv.records.model import Inventory


def run(inv: Inventory) -> list[Problem]:
    """Problems met while loading, then every validator's; sorted by place. The per-host
    validators' problems of hosts whose files the load's processes checked as they parsed them
    (inv.prechecked: those files' paths and problems) are taken as found there."""
    problems = list(inv.problems)
    rest = inv
    if inv.prechecked is not None:
        checked, found = inv.prechecked
        problems.extend(Problem(*p) for p in found)
        rest = Inventory(settings=inv.settings, networks=inv.networks, zones=inv.zones,
                         hosts={n: h for n, h in inv.hosts.items() if h.path not in checked})
    for fn in VALIDATORS:
        problems.extend(fn(rest if fn in PER_HOST else inv))
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.message))


def per_host_problems(inv: Inventory) -> list[tuple]:
    """The per-host validators' problems of these hosts, as tuples (what a parsing process
    hands back: see load.load_inventory's precheck)."""
    return [(p.path, p.line, p.message, p.severity, p.code)
            for fn in VALIDATORS if fn in PER_HOST for p in fn(inv)]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def error_keys(inv: Inventory) -> set:
    """(path, message) of every error: what a change is compared against."""
    return {(p.path, p.message) for p in errors(run(inv))}


def problem_keys(inv: Inventory) -> tuple[set, set]:
    """(error keys, warning keys) as error_keys gives them, from one run."""
    problems = run(inv)
    return ({(p.path, p.message) for p in problems if p.severity == "error"},
            {(p.path, p.message) for p in problems if p.severity != "error"})


def refuse_added(known: set, after: Inventory, changed,
                 known_warnings: set | None = None) -> list[Problem]:
    """Raise ProblemsError if `after` has errors not in `known` (from error_keys before the
    change). A clash is reported at both ends; only the end in a changed path is shown (its
    message names the other file), unless no new error is in one (or changed is None: a
    network change shows the hosts it breaks). Given the warnings before,
    returns the warnings the change adds (for the command to print)."""
    problems = run(after)
    new = [p for p in errors(problems) if (p.path, p.message) not in known]
    if new:
        raise ProblemsError(new if changed is None else
                            [p for p in new if p.path in changed] or new)
    if known_warnings is None:
        return []
    return [p for p in problems
            if p.severity != "error" and (p.path, p.message) not in known_warnings]


def summary(n_hosts: int, n_networks: int, n_errors: int, n_warnings: int) -> str:
    """The last line of `cinv check`: "2 hosts, 1 network: 1 error, 0 warnings"."""
    return ", ".join([plural(n_hosts, "host"), plural(n_networks, "network")]) + ": " + \
        ", ".join([plural(n_errors, "error"), plural(n_warnings, "warning")])
