"""A splice's report (see splice.py): the changed hosts' rows, the address maps of the
networks they are or were on and the capacity of the hosts they run or ran on made again (each
from its old entry in the page's data and the change), and the page around the data rendered
anew (counts, problems, recent commits)."""
from __future__ import annotations

import ipaddress
import json

from cinv.render import fast, report, segments
from cinv.render.segments import Mismatch, Run
from cinv.render.splice import Splice


def edit_report(edit: Splice, problems, history, revision) -> None:
    rel = "report/index.html"
    lay = edit.files[rel]
    old = edit.old(rel)
    view = edit.view
    view.problems, view.history, view.revision = problems, history, revision
    caps = Run.load(lay["caps"], b",", b"")
    rows = Run.load((edit.layout["names"], lay["rows"]), b",", b"")
    nets = Run.load(lay["nets"], b",", b"")
    pieces = [p.encode() for p in fast.REPORT_JSON]
    at_caps = lay["before"] + len(pieces[0])
    at_rows = at_caps + caps.size() + len(pieces[1])
    at_nets = at_rows + rows.size() + len(pieces[2])
    at_after = at_nets + nets.size() + len(pieces[3])
    facts = dict(lay["facts"])
    cap_changes, over = _capacity(edit, old, caps, at_caps, lay["over"])
    reps, caps = caps.edit(at_caps, cap_changes, old)
    edits, rows = rows.edit(at_rows, edit.named(lambda p: p["report"][0].encode()), old)
    reps += edits
    held4 = report.held_v4(view)
    moved = held4.symmetric_difference(lay["held4"])  # held back now, or no more
    edits, nets = nets.edit(at_nets, _networks(edit, old, nets, at_nets, facts, held4, moved),
                            old)
    reps += edits
    r = report.page(view, view.state_counts, facts, over, len(edit.names))
    view.__dict__["report"] = r
    before, after = edit.template("report.html.j2").split(str(report.PLACEHOLDER).encode())
    reps += edit.head(old, lay["before"], before)
    if old[at_after:] != after:
        reps.append((at_after, len(old), after))
    edit.put(rel, "report", segments.pieces(old, reps),
             {"before": len(before), "after": len(after), "caps": caps.dump(),
              "rows": rows.lengths.tobytes(), "nets": nets.dump(), "facts": facts,
              "over": over, "held4": sorted(held4)})

def _networks(edit: Splice, old: bytes, nets: Run, base: int, facts: dict, held4: set,
              moved: set) -> dict:
    """{network index: its data anew} of the networks a changed host is or was on, and of
    those where an address is held back now, or no more (moved)."""
    touched: dict[str, tuple[list, list]] = {}
    for hosts, side in ((edit.olds, 0), (edit.news, 1)):
        for part in hosts.values():
            for place in part["report"][1]:
                touched.setdefault(place[0], ([], []))[side].append(
                    (part["meta"][0], *place))
    for name, net in edit.ctx.model.networks.items() if moved else ():
        if net.ipv4 is not None:
            first, last = int(net.ipv4.network_address), int(net.ipv4.broadcast_address)
            if any(first <= a <= last for a in moved):
                touched.setdefault(name, ([], []))
    out = {}
    for i, net_view in enumerate(edit.view.networks):
        name = net_view["name"]
        if name not in touched:
            continue
        start = base + nets.offset(i)
        text = old[start:start + nets.lengths[i]].lstrip(b",")
        data = json.loads(text)
        domain = net_view["domain"]
        used4: dict = {}
        for block in (data["v4"] or {}).get("blocks", ()):
            for offset, host, label in block.get("hosts", ()):
                used4[block["base"] + offset] = [host, label]
        used6 = {int(ipaddress.IPv6Address(t)): [t, host, label]
                 for t, host, label in data["v6"] or () if host is not None}
        gone, came = touched[name]
        for _host, _net, v4, v6, _text, _label in gone:
            used4.pop(v4, None)
            used6.pop(v6, None)
        for host, _net, v4, v6, v6_text, label in came:
            where = [report.relative(host, domain), label]
            if v4 is not None:
                used4[v4] = where
            if v6 is not None:
                used6[v6] = [v6_text, *where]
        net = edit.ctx.model.networks[name]
        data, facts[name] = report.network_data(net, net_view, used4, used6, held4)
        out[i] = str(report.script_json(data)).encode()
    return out

def _capacity(edit: Splice, old: bytes, caps: Run, base: int,
              over: int) -> tuple[dict, int]:
    """({parent: its capacity entry anew, or None}, the count of those over) for the
    hosts a changed host runs on or ran on, and the changed hosts that have guests."""
    olds = {p["meta"][0]: p["report"][2] for p in edit.olds.values()}
    news = {p["meta"][0]: p["report"][2] for p in edit.news.values()}
    touched = {f[1] for f in (*olds.values(), *news.values()) if f[1]}
    touched |= {name for name in (*olds, *news) if name in caps}
    changes = {}
    for parent in sorted(touched):
        was = None
        if parent in caps:
            start = base + caps.offset(parent)
            was = json.loads(old[start:start + caps.lengths[caps.index(parent)]]
                             .lstrip(b","))
            over -= report.over(was)
        if parent in news:
            f = news[parent]
            have = (f[6], f[7], f[5] or None)
        elif parent in olds or was is None:
            have = None  # gone, retired, or its own facts not at hand
        else:
            have = (was["cpus"][1], was["memory"][1], was["disk"][1])
        domain = parent.partition(".")[2]
        guests = {g if not g.endswith(".") else g + domain for g in (was or {}).get(
            "guests", ())}
        sums = [was["cpus"][0], was["memory"][0], was["disk"][0]] if was else [0, 0, 0]
        for facts, sign in ((olds, -1), (news, 1)):
            for name, f in facts.items():
                if f[1] != parent:
                    continue
                (guests.discard if sign < 0 else guests.add)(name)
                if f[2] == "virtual":
                    sums = [s + sign * v for s, v in zip(sums, (f[3], f[4], f[5]))]
        if not guests:
            changes[parent] = None
            continue
        if have is None:
            if parent not in news and parent not in olds:
                raise Mismatch(f"{parent}: its first guest (its own record is not at hand)")
            changes[parent] = None  # retired or gone: check refuses its guests
            continue
        entry = report.entry(parent, sorted(guests), sums, have)
        over += report.over(entry)
        changes[parent] = str(report.script_json(entry)).encode()
    return changes, over
