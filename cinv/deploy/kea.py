"""Kea (v4 and v6) through its control channel: config-get, compare what cinv manages, then
config-test, config-set and config-write.

What cinv manages: the subnets of the inventory's networks (matched on the server by prefix,
else by id) with their id, pools, options, boot settings (next-server, boot-file-name), their
interface where the inventory names one, and every reservation in them; cinv's own client
classes (named cinv-*). Each subnet it manages carries `user-context: {"cinv": {"network":
NAME}}`, so a network removed from the inventory takes its subnet off the server, while a
subnet without that mark and no network of its prefix is another's and stays. Everything else
stays as the server has it: control socket, lease database, hooks, loggers, interfaces, global
parameters, other subnets and shared networks, and the parameters of a managed subnet that cinv
does not render (lifetimes, relay, pd-pools ...).

The new configuration is the server's own with those parts replaced, so config-set changes
nothing else. Before config-set, apply reads the configuration again and goes on only if it is
the one planned from (a digest), and has it tested (config-test); when config-write fails, the
configuration read before is set again, so the server's running and stored configurations
never part.
"""
from __future__ import annotations

import copy
import ipaddress
import json
from dataclasses import dataclass

from cinv.deploy import keactl
from cinv.deploy.plan import Change, Outcome, Step
from cinv.errors import CinvError

IDENTIFIERS = ("hw-address", "duid", "client-id", "circuit-id", "flex-id")
MANAGED = ("subnet", "id", "pools", "option-data", "next-server", "boot-file-name",
           "reservations")
DEFAULTS = {"next-server": "0.0.0.0", "boot-file-name": "", "server-hostname": "",
            "hostname": "", "option-data": [], "client-classes": [], "ip-addresses": [],
            "prefixes": [], "pools": [], "reservations": [], "interface": "",
            "only-if-required": False, "option-def": [], "user-context": {}}
OPTION_DEFAULTS = {"always-send": False, "csv-format": True, "never-send": False}
MARK = "cinv"
CLASS_PREFIX = "cinv-"


@dataclass
class Work:
    server: object
    root: str  # Dhcp4 | Dhcp6
    digest: str  # of the configuration planned from (the bytes config-get answered)
    old: dict  # that configuration
    new: dict  # the one to set
    key: str = ""  # cinv's side of the in-sync key (ctx.kea_key)


# --- normal forms: what two configurations are compared by -------------------------------------

def _option(o: dict) -> tuple:
    o = {k: v for k, v in o.items() if OPTION_DEFAULTS.get(k, object()) != v}
    if "name" in o:
        o.pop("code", None)
    if o.get("space") in ("dhcp4", "dhcp6"):
        o.pop("space")
    if isinstance(o.get("data"), str):
        o["data"] = o["data"].strip()
    return tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in o.items()))


def _options(items) -> tuple:
    return tuple(sorted(_option(o) for o in items or () if isinstance(o, dict)))


def _pool(p: dict) -> tuple:
    text = str(p.get("pool", "")).replace(" ", "")
    rest = {k: v for k, v in p.items() if k not in ("pool", "option-data")
            and DEFAULTS.get(k, object()) != v}
    return (text, _options(p.get("option-data")), json.dumps(rest, sort_keys=True))


def normal(key: str, value):
    """A managed value in the form compared (defaults dropped, lists in a fixed order)."""
    if key == "option-data":
        return _options(value)
    if key == "pools":
        return tuple(sorted(_pool(p) for p in value or () if isinstance(p, dict)))
    if key == "subnet":
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            return value
    if value is None:
        return None
    return json.dumps(value, sort_keys=True)


def reservation_key(r: dict) -> str | None:
    for ident in IDENTIFIERS:
        if isinstance(r.get(ident), str):
            return f"{ident} {r[ident].lower()}"
    return None


_NO_DEFAULT = object()


def reservation_normal(r: dict) -> tuple:
    """A reservation in the form compared: Kea's defaults dropped, lists in a fixed order
    (plain values as they are; only what is not a string or number is written as JSON)."""
    out = []
    for k, v in r.items():
        if k in IDENTIFIERS or DEFAULTS.get(k, _NO_DEFAULT) == v:
            continue
        if k == "option-data":
            v = _options(v)
        elif k == "ip-addresses" and isinstance(v, list):
            v = tuple(sorted(map(str, v)))
        elif not isinstance(v, (str, int, float, bool)):
            v = json.dumps(v, sort_keys=True)
        out.append((k, v))
    out.sort()
    return tuple(out)


def _class_normal(c: dict) -> str:
    out = {k: v for k, v in c.items() if DEFAULTS.get(k, object()) != v and k != "option-def"}
    if "option-data" in out:
        out["option-data"] = _options(out["option-data"])
    return json.dumps(out, sort_keys=True, default=list)


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True, default=list) if not isinstance(value, str) \
        else value
    return text if len(text) <= 200 else text[:180] + f"... ({len(text)} characters)"


# --- comparing and merging ---------------------------------------------------------------------

def _marked(subnet: dict) -> str | None:
    ctx = subnet.get("user-context")
    mark = ctx.get(MARK) if isinstance(ctx, dict) else None
    return mark.get("network") if isinstance(mark, dict) else None


def _match(desired: list[dict], server: list[dict]) -> dict[int, int]:
    """{index of a desired subnet: index of the server's subnet it is}, by prefix, else id."""
    by_prefix = {normal("subnet", s["subnet"]): i for i, s in enumerate(server)}
    by_id = {s["id"]: i for i, s in enumerate(server)}
    out, taken = {}, set()
    for i, d in enumerate(desired):
        j = by_prefix.get(normal("subnet", d["subnet"]))
        if j is None or j in taken:
            j = by_id.get(d["id"])
        if j is not None and j not in taken:
            out[i] = j
            taken.add(j)
    return out


def _subnet_changes(prefix: str, want: dict, have: dict, changes: list) -> None:
    keys = list(MANAGED[1:-1]) + (["interface"] if "interface" in want else [])
    for key in keys:
        old = normal(key, have.get(key, DEFAULTS.get(key)))
        new = normal(key, want.get(key, DEFAULTS.get(key)))
        if old != new:
            changes.append(Change("change", "subnet", f"subnet {prefix} {key}",
                                  _short(have.get(key)), _short(want.get(key)), counted=False))


def _shown(r: dict) -> str:
    """A reservation as a plan shows it: without its identifier (in the subject) and Kea's
    defaults."""
    return _short({k: v for k, v in r.items()
                   if k not in IDENTIFIERS and DEFAULTS.get(k, object()) != v})


def _reservation_changes(prefix: str, want: list, have: list, changes: list) -> None:
    old = {reservation_key(r): r for r in have}
    new = {reservation_key(r): r for r in want}
    for key in sorted(set(old) | set(new), key=str):
        subject = f"reservation {key} in {prefix}"
        if key not in new:
            changes.append(Change("delete", "reservation", subject, _shown(old[key])))
        elif key not in old:
            changes.append(Change("add", "reservation", subject, None, _shown(new[key])))
        elif reservation_normal(old[key]) != reservation_normal(new[key]):
            changes.append(Change("change", "reservation", subject, _shown(old[key]),
                                  _shown(new[key])))


def _merged_subnet(want: dict, have: dict | None, network: str) -> dict:
    """The server's subnet with cinv's parts replaced (a new one: cinv's alone)."""
    keep = {} if have is None else {k: v for k, v in have.items()
                                    if k not in MANAGED and not (k == "interface"
                                                                 and "interface" in want)}
    out = {**keep, **want}
    ctx = dict(keep.get("user-context") or {}) if isinstance(keep.get("user-context"),
                                                             dict) else {}
    ctx[MARK] = {"network": network}
    out["user-context"] = ctx
    return out


def compare(desired: dict, networks: dict, body: dict, family: int) -> tuple[list, dict, int]:
    """(changes, the configuration to set, reservations the server holds). desired: cinv's
    rendered root body; networks: {subnet prefix: network name}."""
    key = f"subnet{family}"
    want_subnets = desired.get(key, [])
    have_subnets = body.get(key, [])
    existing = sum(len(s.get("reservations", [])) for s in have_subnets)
    matched = _match(want_subnets, have_subnets)
    matched_server = {j: i for i, j in matched.items()}
    changes: list[Change] = []
    new_subnets = []
    for j, have in enumerate(have_subnets):
        prefix = normal("subnet", have["subnet"])
        if j in matched_server:
            want = want_subnets[matched_server[j]]
            net = networks[normal("subnet", want["subnet"])]
            _subnet_changes(prefix, want, have, changes)
            _reservation_changes(prefix, want.get("reservations", []),
                                 have.get("reservations", []), changes)
            if _marked(have) != net:
                changes.append(Change("change", "subnet", f"subnet {prefix} user-context",
                                      _short((have.get("user-context") or {}).get(MARK)),
                                      _short({"network": net}), "now marked as cinv's",
                                      counted=False))
            new_subnets.append(_merged_subnet(want, have, net))
        elif _marked(have) is not None:
            changes.append(Change("delete", "subnet", f"subnet {prefix} (id {have['id']})",
                                  f"network {_marked(have)}, no longer in the inventory",
                                  counted=False))
            _reservation_changes(prefix, [], have.get("reservations", []), changes)
        else:
            new_subnets.append(have)  # another's subnet: as it is
    for i, want in enumerate(want_subnets):
        if i not in matched:
            prefix = normal("subnet", want["subnet"])
            net = networks[prefix]
            changes.append(Change("add", "subnet", f"subnet {prefix} (id {want['id']})",
                                  None, f"network {net}", counted=False))
            _reservation_changes(prefix, want.get("reservations", []), [], changes)
            new_subnets.append(_merged_subnet(want, None, net))
    new = copy.copy(body)
    new[key] = new_subnets
    classes, class_changes = _classes(desired.get("client-classes", []),
                                      body.get("client-classes", []))
    changes += class_changes
    if classes or "client-classes" in body:
        new["client-classes"] = classes
    return changes, new, existing


def _classes(want: list, have: list) -> tuple[list, list]:
    """cinv's classes (cinv-*) replaced; the server's own kept first, in their order."""
    own = [c for c in have if not c["name"].startswith(CLASS_PREFIX)]
    old = {c["name"]: c for c in have if c["name"].startswith(CLASS_PREFIX)}
    new = {c["name"]: c for c in want}
    changes = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            changes.append(Change("delete", "class", f"client class {name}",
                                  _short(old[name]), counted=False))
        elif name not in old:
            changes.append(Change("add", "class", f"client class {name}", None,
                                  _short(new[name]), counted=False))
        elif _class_normal(old[name]) != _class_normal(new[name]):
            changes.append(Change("change", "class", f"client class {name}",
                                  _short(old[name]), _short(new[name]), counted=False))
    return own + list(want), changes


# --- planning and applying ----------------------------------------------------------------------

def read_server(server) -> tuple[str, dict, str]:
    """("Dhcp4" or "Dhcp6", the server's running configuration, a digest of its bytes)."""
    return keactl.config_get(server)


def plan_server(ctx, server, read: tuple) -> list[Step]:
    """The server's configuration compared with cinv's; not compared again when neither
    changed since a plan found them in sync (ctx.memo)."""
    step = Step("kea", server.label)
    if read[0] == "error":
        step.error = read[1]
        return [step]
    root, body, answered = read[1]
    family = 4 if root == "Dhcp4" else 6
    where, key = ("kea", server.label, ""), (answered, ctx.kea_key(family))
    if ctx.memo.same(where, key):
        return [step]
    desired, networks = ctx.kea(family)
    try:
        changes, new, existing = compare(desired[root], networks, body, family)
    except (KeyError, TypeError, AttributeError) as e:
        step.error = f"config-get: a configuration cinv cannot compare ({type(e).__name__}: {e})"
        return [step]
    step.changes, step.existing = changes, existing
    step.notes.append(f"{root}: {len(body.get(f'subnet{family}', []))} subnets, {existing} "
                      "reservations on the server")
    if changes:
        step.work = Work(server, root, answered, body, new, key[1])
    else:
        ctx.memo.keep(where, key)
    return [step]


def remember(ctx, step: Step) -> None:
    """After config-set and config-write: the configuration the server now answers is noted
    in sync with cinv's, so the next plan does not compare it again."""
    work: Work = step.work
    try:
        _root, _body, answered = keactl.config_get(work.server)
    except CinvError:
        return
    ctx.memo.keep(("kea", work.server.label, ""), (answered, work.key))


def apply_step(step: Step) -> Outcome:
    work: Work = step.work
    server = work.server
    try:
        root, _now, answered = keactl.config_get(server)
        if root != work.root or answered != work.digest:
            raise CinvError("the configuration changed on the server since the plan; nothing "
                            "was changed: plan again")
        keactl.command(server, "config-test", {work.root: work.new})
        keactl.command(server, "config-set", {work.root: work.new})
    except CinvError as e:
        return Outcome(step, False, str(e))
    try:
        keactl.command(server, "config-write")
    except CinvError as e:
        try:
            keactl.command(server, "config-set", {work.root: work.old})
            back = "the configuration read before was set again"
        except CinvError as e2:
            back = f"setting the old configuration again failed too ({e2})"
        return Outcome(step, False, f"{e}; {back}")
    n = len(step.changes)
    return Outcome(step, True, f"{n} change{'s' if n != 1 else ''}: config-test, config-set "
                               "and config-write done")
