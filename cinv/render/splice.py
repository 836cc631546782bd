"""A render after a few changes: each output file edited where the changed hosts' bytes sit,
the rest of it copied, so the work is what the change touches, not the inventory.

A full render leaves, in its notes on the output dir (outstate.py), a layout of each file it
wrote (fast.Assembly): the hosts' names in order and, per file, each host's entry's length in
bytes (dhcpd, dnsmasq, Ansible's hosts, the report's rows), Kea's reservation lists by subnet,
Ansible's groups, the report's capacity and networks, the zones' heads and digests; the hosts
file's and a zone's lines say their own keys. With the old and new parts of the changed host
files (parts.make), a splice takes each file as it is on disk (every output file's stat is
checked first: all must be as cinv left them), puts each changed host's new bytes where its
old ones were (or where its key goes), makes again only what is made of all hosts and small
(the heads of dhcpd and dnsmasq, whose pools depend on the addresses held in them, the Kea
skeleton, a touched network's address map, a touched hypervisor's capacity, the report's
page around its data, a zone's head and serial) and records the new layout.

The zones are splicedns.py's, the report splicereport.py's.

It applies when the layout was made from the parts the changed hosts' old parts come from
(parts.Store's token), with the same context (settings, networks, zones/, cinv itself) and for
the same targets. Anything it cannot do exactly (a host that names a nameserver, whose
address is glue; a new hypervisor whose own record did not change; a line not where its key
says) raises Mismatch, and the render is made in full: tests/test_render_incremental.py
compares both ways, and the templates, after every kind of change.
"""
from __future__ import annotations

import ipaddress
import json
import os
import socket
from bisect import bisect_left
from collections import Counter
from pathlib import Path

from cinv import paths
from cinv.errors import CinvError
from cinv.render import fast, hostparts, outstate, segments, writer
from cinv.render.segments import (
    Mismatch,  # noqa: F401 (raised and caught as splice.Mismatch)
    Run,
)
from cinv.render.targets import MANIFEST
from cinv.render.view import View

VERSION = 2
TARGET_FILES = {"dhcpd": ("dhcpd.conf", "dhcpd6.conf"), "dnsmasq": ("dnsmasq/cinv.conf",),
                "hosts": ("hosts",), "kea": ("kea-dhcp4.conf", "kea-dhcp6.conf"),
                "ansible": ("ansible/inventory.yaml",), "dns": ("dns",),
                "libvirt": ("libvirt",), "report": ("report/index.html",)}
LISTINGS = (("dhcpd.conf", "dhcpd", "dhcpd4", "dhcpd.conf.j2"),
            ("dhcpd6.conf", "dhcpd", "dhcpd6", "dhcpd6.conf.j2"),
            ("dnsmasq/cinv.conf", "dnsmasq", "dnsmasq", "dnsmasq.conf.j2"))
MAX_SHARE = 0.2  # more of the hosts changed than this: a full render is as quick


def layout_of(files: dict, shared: dict, token: str | None, ctx: str, targets) -> dict:
    """The layout a full render leaves for the next splice."""
    return {"version": VERSION, "token": token, "ctx": ctx, "targets": sorted(targets),
            **shared, "files": files}


def likely(layout, token: str | None, ctx: str, targets, changed: int) -> bool:
    """Whether a splice can make this render from this layout, with this many host files
    changed (before their parts are made)."""
    if not isinstance(layout, dict) or layout.get("version") != VERSION or token is None \
            or layout.get("token") != token or layout.get("ctx") != ctx \
            or layout.get("targets") != sorted(targets):
        return False
    if changed > MAX_SHARE * max(len(layout["names"]), 1):
        return False
    files = layout["files"]
    return all(files.get(f) is not None for t in targets for f in TARGET_FILES[t])


def applies(layout, token: str | None, ctx: str, targets, changes: dict | None) -> bool:
    """Whether a splice can make this render from this layout, with these parts changed."""
    return changes is not None and likely(layout, token, ctx, targets, len(changes))


def _holders(names: list[str], short: str) -> int:
    """How many of these host names (sorted) have this short name: they lie together, as the
    names from short + "." up to short + "/" ("/" follows "." in every ordering of text)."""
    return bisect_left(names, short + "/") - bisect_left(names, short + ".")


def hosts_key(line: bytes) -> tuple:
    """The sort key of a hosts file's line (hostparts.addresses')."""
    address = line[:line.index(b"\t")].decode()
    packed = socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
    return (len(packed), packed)


def member_key(line: bytes) -> str:
    """The host name of a member line of an Ansible group."""
    return json.loads(line.strip()[:-1])


def list_key(line: bytes) -> bytes:
    return line[:-1]


class Splice:
    """One splice: the old layout, the changed hosts' old and new parts, and what it made."""

    def __init__(self, out: Path, layout: dict, changes: dict, ctx: fast.Context, env,
                 stage):
        self.out, self.layout, self.ctx, self.env, self.stage = out, layout, ctx, env, stage
        self.files = layout["files"]
        self.olds: dict[str, dict] = {}  # path -> parts, of the changed hosts not retired
        self.news: dict[str, dict] = {}
        counts = Counter(layout["counts"])
        for rel, (old, new) in sorted(changes.items()):
            for parts, sign, into in ((old, -1, self.olds), (new, 1, self.news)):
                if parts is None:
                    continue
                counts[tuple(parts["meta"][1:])] += sign
                if parts["meta"][2] != "retired":
                    into[rel] = parts
        self.counts = {k: v for k, v in counts.items() if v}
        self.held4 = {n: dict(v) for n, v in layout["held4"].items()}
        self.held6 = {n: dict(v) for n, v in layout["held6"].items()}
        self._hold(self.olds, -1)
        self._hold(self.news, 1)
        names = Run(layout["names"], segments.lengths_of(bytes(4 * len(layout["names"]))))
        _reps, names = names.edit(0, self.named(lambda part: b""))
        self.names = names.keys
        self.shared = self._shared_shorts(layout["names"])
        self.view = self._view()
        self.stale: list[str] = []
        self.staged: list[str] = []  # unstaged again when the splice gives up
        self.new_files: dict = {}
        self.warnings: list[str] = []

    # --- what every file shares ------------------------------------------------------------

    def named(self, body) -> dict:
        """{host name: body(parts) of a changed host that is not retired now, or None for one
        that was}: a change of a run in name order."""
        out: dict = {part["meta"][0]: None for part in self.olds.values()}
        for part in self.news.values():
            out[part["meta"][0]] = body(part)
        return out

    def _hold(self, hosts: dict, sign: int) -> None:
        """Count the addresses the pools and ranges depend on (fast.pool_held) in or out."""
        networks = self.ctx.view.network
        for parts in hosts.values():
            for network, v4, v6 in parts["held"]:
                net = networks.get(network)
                if net is None:
                    continue
                if v4 is not None and net["pool4"]:
                    first, last = (int(ipaddress.IPv4Address(a)) for a in net["pool4"])
                    if first <= v4 <= last:
                        _count(self.held4.setdefault(network, {}), v4, sign)
                if v6 is not None and net["ipv6"] and net["prefixlen6"] < 64:
                    _count(self.held6.setdefault(network, {}), v6 >> 64 << 64, sign)

    def _shared_shorts(self, before: list[str]) -> set[str]:
        """The short names more than one host has (hostparts.unmark: /etc/hosts and dnsmasq
        leave them out). A changed host's short name that becomes shared, or stops being,
        changes the lines of hosts that did not change: made in full then."""
        touched = {part["meta"][0].split(".", 1)[0]
                   for hosts in (self.olds, self.news) for part in hosts.values()}
        shared = {short for short in touched if _holders(self.names, short) > 1}
        if shared != {short for short in touched if _holders(before, short) > 1}:
            raise Mismatch("a short name is shared by other hosts now, or no more")
        return shared  # only the changed hosts' lines are made here: theirs are enough

    def _view(self) -> View:
        view = View(self.ctx.model)
        view.state_counts = Counter(self.counts)
        fast.set_pools(view, self.held4, self.held6)
        view.__dict__["address_lines"] = []
        return view

    def template(self, name: str, **ctx) -> bytes:
        return self.env.get_template(name).render({"inv": self.view, **ctx}).encode()

    def old(self, rel: str) -> bytes:
        return self.stage.folder(rel, last=False).read_bytes()

    def put(self, rel: str, target: str, data, layout=None) -> None:
        """Stage a file (its bytes, or pieces of them) as soon as it is made: written beside
        its place, not yet put there; one big file in memory at a time, never joined."""
        self.stage.put(rel, target, data)
        self.staged.append(rel)
        if layout is not None:
            self.new_files[rel] = layout

    def head(self, old: bytes, length: int, new: bytes) -> list:
        return [] if old[:length] == new else [(0, length, new)]

    # --- the files -------------------------------------------------------------------------

    def listing(self, rel: str, target: str, column: str, template: str) -> None:
        """A head and each host's part in name order (dhcpd, dnsmasq)."""
        lay = self.files[rel]
        old = self.old(rel)
        head = self.template(template)
        run = Run.load((self.layout["names"], lay["run"]))
        if column == "dnsmasq":  # its short names marked (hostparts.short_text)
            changes = self.named(lambda part: _text(hostparts.unmark(_have(part[column]),
                                                                     self.shared)))
        else:
            changes = self.named(lambda part: _text(part[column]))
        reps, run = run.edit(lay["head"], changes, old)
        self.put(rel, target, segments.pieces(old, self.head(old, lay["head"], head) + reps),
                 {"head": len(head), "run": run.lengths.tobytes()})

    def hosts(self) -> None:
        rel, lay = "hosts", self.files["hosts"]
        old = self.old(rel)
        head = self.template("hosts.j2")
        def lines(hosts: dict) -> dict:
            return {key: hostparts.unmark(line, self.shared).encode()
                    for part in hosts.values() for key, line in part["hosts"]}
        remove, add = lines(self.olds), lines(self.news)
        for key in [k for k in add if remove.get(k) == add[k]]:
            del remove[key], add[key]
        reps = self.head(old, lay["head"], head) + segments.edit_lines(
            old, lay["head"], len(old), remove, add, hosts_key)
        self.put(rel, "hosts", segments.pieces(old, reps), {"head": len(head)})

    def kea(self, family: int) -> None:
        rel = f"kea-dhcp{family}.conf"
        lay = self.files[rel]
        old = self.old(rel)
        changes: dict[str, dict] = {}
        shares = lay["shares"]
        for hosts, new in ((self.olds, False), (self.news, True)):
            for part in hosts.values():
                for network, key, text in fast.kea_entries(part[f"kea{family}"]):
                    changes.setdefault(network, {})[key] = text.encode() if new else None
                shares += fast.kea_shares(part[f"kea{family}"]) * (1 if new else -1)
        fixed, nets = fast.kea_skeleton(self.view, family, shares > 0)
        if nets != lay["nets"]:
            raise Mismatch(f"{rel}: the subnets moved")
        reps, runs, sizes = [], dict(lay["runs"]), list(lay["sizes"])
        off = 0
        for i, piece in enumerate(fixed):
            piece = piece.encode()
            if old[off:off + lay["fixed"][i]] != piece:
                reps.append((off, off + lay["fixed"][i], piece))
            off += lay["fixed"][i]
            if i == len(nets):
                break
            net = nets[i]
            if net in changes:
                run = Run.load(runs[net], fast.KEA_SEP, fast.KEA_FIRST)
                size = run.size()
                edits, run = run.edit(off + 1, changes[net], old)
                reps += edits
                new_size = run.size()
                was, now = fast.kea_close(size), fast.kea_close(new_size)
                if was != now:
                    reps.append((off + 1 + size, off + 1 + size + len(was), now))
                runs[net] = run.dump()
                sizes[i] = 1 + new_size + len(now)
            off += lay["sizes"][i]
        self.put(rel, "kea", segments.pieces(old, reps),
                 {"fixed": [len(f.encode()) for f in fixed], "nets": nets, "sizes": sizes,
                  "runs": runs, "shares": shares})

    def ansible(self) -> None:
        rel = "ansible/inventory.yaml"
        lay = self.files[rel]
        old = self.old(rel)
        if any(name != name.lower() for name in self.names):
            raise Mismatch("a host name in upper case")
        data = self.view.ansible_rest({}, {})
        head = fast.ansible_head(data).encode()
        reps = self.head(old, lay["head"], head)
        run = Run.load((self.layout["names"], lay["run"]))
        base = lay["head"] + run.size() + len(fast.ANSIBLE_CHILDREN)
        edits, run = run.edit(lay["head"], self.named(lambda part: _text(part["ansible"][0])),
                              old)
        reps += edits
        group_reps, groups, counts = self._groups(old, base, lay, data)
        self.put(rel, "ansible", segments.pieces(old, reps + group_reps),
                 {"head": len(head), "run": run.lengths.tobytes(), "groups": groups.dump(),
                  "counts": counts})

    def _groups(self, old: bytes, base: int, lay: dict, data: dict) -> tuple:
        """The replacements under children:, the new groups' run and members' counts."""
        members: dict[str, tuple[dict, dict]] = {}  # group -> (lines out, lines in)
        for hosts, side in ((self.olds, 0), (self.news, 1)):
            for part in hosts.values():
                for group, line in fast.member_lines(part["ansible"]):
                    members.setdefault(group, ({}, {}))[side][part["meta"][0]] = line.encode()
        counts = dict(lay["counts"])
        run = Run.load(lay["groups"])
        tagged, changes, sizes = [], {}, {}
        for group in sorted(members, key=fast.ansible_key):
            out, into = members[group]
            for name in [n for n in into if out.get(n) == into[n]]:
                del out[name], into[name]
            if not out and not into:
                continue
            key = fast.ansible_key(group)
            was = counts.get(group, 0)
            now = was - len(out) + len(into)
            if now:
                counts[group] = now
            else:
                counts.pop(group, None)
            present = key in run
            stays = bool(now) or group in data["group_vars"]
            if not present:
                if out:
                    raise Mismatch(f"ansible group {group} is not there")
                if stays:
                    changes[key] = (fast.ansible_group_head(group, data, now) + "".join(
                        into[n].decode() for n in sorted(into))).encode()
                continue
            start = base + run.offset(key)
            end = start + run.lengths[run.index(key)]
            if not stays:
                changes[key] = None
                continue
            old_head = fast.ansible_group_head(group, data, was).encode()
            new_head = fast.ansible_group_head(group, data, now).encode()
            edits = [] if old_head == new_head else [(start, start + len(old_head), new_head)]
            try:
                edits += segments.edit_lines(old, start + len(old_head), end, out, into,
                                             member_key)
            except ValueError as e:
                raise Mismatch(f"ansible group {group}: {e}") from None
            tagged += [(r[0], key, r) for r in edits]
            sizes[key] = end - start + sum(len(r[2]) - (r[1] - r[0]) for r in edits)
        edits, run = run.edit(base, changes, old)
        tagged += [(r[0], key, r) for r, key in zip(edits, sorted(changes))]
        for key, size in sizes.items():
            run.lengths[run.index(key)] = size
        tagged.sort(key=lambda t: (t[0], t[1]))
        return [r for _s, _k, r in tagged], run, counts

    def libvirt(self) -> None:
        """The domains of changed hosts are staged as they are made (parts.Maker); here the
        stale ones and the hypervisors' lists."""
        old_vms, new_vms = {}, {}
        for hosts, into in ((self.olds, old_vms), (self.news, new_vms)):
            for part in hosts.values():
                kind, parent, _xml = part["libvirt"]
                if kind == "virtual":
                    into[part["meta"][0]] = parent
        self.stale += [f"libvirt/{name}.xml" for name in old_vms if name not in new_vms]
        lists: dict[str, tuple[dict, dict]] = {}
        for vms, side in ((old_vms, 0), (new_vms, 1)):
            for name, parent in vms.items():
                if parent:
                    lists.setdefault(parent, ({}, {}))[side][name.encode() + b".xml"] = \
                        f"{name}.xml\n".encode()
        state = self.stage.state
        for parent, (out, into) in sorted(lists.items()):
            for key in [k for k in into if out.get(k) == into[k]]:
                del out[key], into[key]
            if not out and not into:
                continue
            rel = f"libvirt/{parent}.list"
            old = self.old(rel) if state.index(rel) is not None else b""
            try:
                new = segments.apply(old, segments.edit_lines(old, 0, len(old), out, into,
                                                              list_key))
            except ValueError as e:
                raise Mismatch(f"{rel}: {e}") from None
            if new:
                self.put(rel, "libvirt", new)
            elif old:
                self.stale.append(rel)
        self.new_files["libvirt"] = {}

    # --- all of it -------------------------------------------------------------------------

    def run(self, targets, serials) -> dict | None:
        """Make every file of the targets but the report (which waits for the check); returns
        the zones' serials (None without dns)."""
        serial_of = None
        for rel, target, column, template in LISTINGS:
            if target in targets:
                self.listing(rel, target, column, template)
        if "hosts" in targets:
            self.hosts()
        if "kea" in targets:
            self.kea(4)
            self.kea(6)
        if "ansible" in targets:
            self.ansible()
        if "libvirt" in targets:
            self.libvirt()
        if "dns" in targets:
            from cinv.render import splicedns
            serial_of = splicedns.zones(self, serials)
        return serial_of

    def new_layout(self, token: str | None) -> dict:
        files = {**self.files, **self.new_files}
        return layout_of(files, {"names": self.names, "counts": self.counts,
                                 "held4": self.held4, "held6": self.held6},
                         token, self.layout["ctx"], self.layout["targets"])


def apply(stage: writer.Stage, zones: dict, key: str | None, root: Path | None) -> list[str]:
    """Put a splice's files in place (see splice.py), delete the stale ones it names, and edit
    the manifest and the notes where they changed. Returns 'wrote X' / 'removed X' lines."""
    p, state = stage.plan, stage.state
    stale, layout = stage.splice
    if p.foreign:
        stage.abort()
        raise CinvError(f"{p.out}: refusing to overwrite files cinv did not write (not in "
                        f"{MANIFEST}): {', '.join(p.foreign)}; move them away first")
    out = p.out
    folder = writer.inside(out)
    text = paths.read_private(out / MANIFEST, writer.MAX_MANIFEST)
    targets = stage.targets
    new = [rel for rel in p.missing if state.index(rel) is None]
    if new:  # named before written: a render killed in between leaves no file cinv forgets
        intent = state.copy()
        reps = intent.edit({rel: (targets[rel], p.digests[rel], None) for rel in new}, ())
        writer.atomic_write(out / MANIFEST, _manifest_edit(text, reps, state.zones))
    at = {rel: folder.join(rel, last=False) for rel in stage.tmps}
    tmps = {at[rel]: tmp for rel, tmp in stage.tmps.items()}
    changed = {at[rel] for rel in p.changed}
    try:
        written = writer.place_all(tmps, changed)
        stage.made_dirs.clear()
        stage.tmps.clear()  # all renamed
    finally:
        stage.abort()
    dirs = {Path(d) for d in {os.path.dirname(path) for path in tmps}}
    for rel in stale:
        path = folder(rel, last=False)
        path.unlink(missing_ok=True)
        dirs.add(path.parent)
    for folder_path in sorted(dirs):
        if folder_path.is_dir():
            writer.fsync_dir(folder_path)
    put = {rel: (targets[rel], p.digests[rel], written.get(at[rel]) if rel in at else None)
           for rel in p.missing + p.changed}
    zones = dict(sorted({**state.zones, **zones}.items()))
    reps = state.edit(put, stale)
    writer.atomic_write(out / MANIFEST, _manifest_edit(text, reps, zones))
    state.key, state.zones, state.layout = key, zones, layout
    state.manifest = writer.stat_key(out / MANIFEST)
    writer.write_state(out, root, state)
    writer.end(out, root)
    return [f"wrote {rel}" for rel in p.missing + p.changed] + [f"removed {rel}"
                                                                for rel in stale]


def _manifest_edit(text: bytes, reps: list, zones: dict) -> bytes:
    tail = writer.manifest_text({"version": writer.MANIFEST_VERSION, "zones": zones})[2:]
    edited = outstate.manifest_edit(text, reps, tail)
    if edited is None:
        raise CinvError("the manifest is not as cinv wrote it")  # checked before the splice
    return edited


def _count(counts: dict, value, sign: int) -> None:
    n = counts.get(value, 0) + sign
    if n:
        counts[value] = n
    else:
        counts.pop(value, None)


def _have(value):
    if value is None:
        raise Mismatch("a host needs a template")
    return value


def _text(value) -> bytes:
    return _have(value).encode()
