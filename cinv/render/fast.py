"""cinv's own targets built from per-host parts: what their templates give, at a fraction of the
cost, and the unit a render keeps per host so that one change re-renders one host.

A host's fragment (fragment()) holds everything it adds to every built-in file: its dhcpd,
dnsmasq and Kea entries, hosts lines, Ansible line and groups, DNS records, its domain XML (a
virtual host), its report row and the facts of the report's maps and capacity table. It depends
on the host's record and on the Context (settings, networks, the zones' names), never on another
host. assemble() makes the files of the built-in targets from the fragments of every host, in
host order: each file that lists hosts is its template rendered over the networks alone (no
host), followed by the hosts' parts (hostparts.py); Kea's JSON gets its reservations put in; a
zone's records are sorted as dns.ZoneSet always did. An inventory's override of a built-in
template, and its own targets, render by their templates (targets.py), not here.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
from collections import Counter

from cinv import __version__, paths
from cinv.errors import CinvError
from cinv.records.model import Inventory
from cinv.render import dhcpview, dns, hostparts, report, segments
from cinv.render.domainxml import domain_xml
from cinv.render.env import to_json, to_json_line
from cinv.render.view import View, ansible_groups, shared_shorts

# A host's parts by column (what each target reads), and what every host has: its meta.
COLUMNS = ("dhcpd4", "dhcpd6", "dnsmasq", "hosts", "kea4", "kea6", "ansible", "dns", "libvirt",
           "report", "held")  # held: (network, IPv4, IPv6) of each address, for the pools
READS = {"dhcpd": ("dhcpd4", "dhcpd6"), "kea": ("kea4", "kea6"), "dns": ("dns",),
         "libvirt": ("libvirt",), "hosts": ("hosts",), "dnsmasq": ("dnsmasq",),
         "ansible": ("ansible",), "report": ("report",)}
FAST = tuple(READS)
_MARK = re.compile(r'"\\u0000cinv:reservations:([^"\\]*)\\u0000"')
ANSIBLE_HEAD = ("# Ansible inventory written by cinv from the inventory: edit the inventory, "
                "not this file.\n# Use: ansible-inventory -i inventory.yaml --graph  (vars are "
                "one JSON line each: valid YAML;\n# cinv's own free text is !unsafe, never "
                "templated by Ansible)\nall:\n")


class Context:
    """What every fragment depends on besides its own host: settings, networks and the zones'
    names (a View of the inventory without its hosts)."""

    def __init__(self, inv: Inventory):
        self.model = Inventory(settings=inv.settings, networks=inv.networks, zones=inv.zones,
                               problems=inv.problems)
        self.view = View(self.model)
        self.placer = dns.HostDns(self.model)
        self.ansible_host = inv.settings.ansible.host

    def digest(self, templates: str = "") -> str:
        """A key for the fragments made in this context: what they read besides their host
        (templates: a digest of cinv's own templates)."""
        m = self.model
        zones = sorted((z.name, z.ttl) for z in m.zones.values())
        text = repr((__version__, templates, m.settings,
                     [m.networks[n] for n in sorted(m.networks)], zones))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def fragment(ctx: Context, host) -> tuple[tuple, dict | None]:
    """(meta, parts) of one host: meta (name, kind, state) for every host, parts {column:
    value} for a host that is not retired (None for a retired one). The libvirt column is
    (kind, parent, domain XML of a virtual host or None)."""
    meta = (host.name, host.kind, host.state)
    if host.retired:
        return meta, None
    item = ctx.view._host(host)
    kea4, kea6 = [], []  # (network, sort key, text, shares its address) of each reservation
    for iface in item["interfaces"]:
        for family, kea in ((4, kea4), (6, kea6)):
            if iface[f"dhcp{family}"]:
                shares = bool(len(iface[f"entries{family}"]) > 1 and iface[f"ipv{family}"])
                for key, text in hostparts.kea_json(iface, family):
                    kea += (iface["network"], key, text, shares)
    try:
        mine = hostparts.dnsmasq(item, ctx.view.network, later=True)
    except hostparts.Fallback:
        mine = None
    hostvars = View._ansible_host(item, ctx.ansible_host)
    recs, warnings, addressed = ctx.placer.records(item)
    places = tuple(report.host_places(item))
    return meta, {
        "dhcpd4": hostparts.dhcpd4(item), "dhcpd6": hostparts.dhcpd6(item),
        "dnsmasq": mine, "hosts": tuple(hostparts.address_lines(item)),
        "kea4": tuple(kea4), "kea6": tuple(kea6),
        "ansible": hostparts.ansible(item, hostvars, ansible_groups(item)),
        "dns": (tuple(recs), tuple(warnings), tuple((n, tuple(a)) for n, a in addressed),
                tuple(dict.fromkeys(r[0] for r in recs)),
                hashlib.blake2b(repr(recs).encode(), digest_size=16).digest()),
        "libvirt": (item["kind"], item["parent"],
                    domain_xml(item) if item["kind"] == "virtual" else None),
        "report": (report.host_row(item), places, report.host_facts(item)),
        "held": tuple(place[:3] for place in places),
    }


class Parts:
    """Every host's parts in memory: column -> {path: value} (a render from scratch)."""

    def __init__(self, ctx: Context, hosts):
        """hosts: {path: Host}."""
        self.meta: dict[str, tuple] = {}
        self.columns: dict[str, dict] = {c: {} for c in COLUMNS}
        for rel, host in hosts.items():
            meta, parts = fragment(ctx, host)
            self.meta[rel] = meta
            if parts is not None:
                for column, value in parts.items():
                    self.columns[column][rel] = value

    def column(self, name: str) -> dict:
        return self.columns[name]


def set_pools(view: View, held4: dict, held6: dict) -> None:
    """Each network's DHCP pools and IPv6 ranges, from the addresses hosts hold on it
    ({network: IPv4 integers}, {network: IPv6 integers})."""
    for net in view.networks:
        net["pools4"] = dhcpview.pools(net, held4.get(net["name"], ()))
        net["ranges6"] = View._ranges6(net, held6.get(net["name"], ()))


def pool_held(view: View, held4: dict, held6: dict) -> tuple[dict, dict]:
    """What of held4 and held6 the pools and ranges depend on, as {network: {value: count}}:
    the IPv4 addresses inside a network's pool, the /64s of a prefix shorter than /64 (kept by
    a splice's layout, which updates them host by host)."""
    out4: dict[str, dict] = {}
    out6: dict[str, dict] = {}
    for net in view.networks:
        name = net["name"]
        if net["pool4"] and name in held4:
            first, last = (int(ipaddress.IPv4Address(a)) for a in net["pool4"])
            mine = out4[name] = {}
            for a in held4[name]:
                if first <= a <= last:
                    mine[a] = mine.get(a, 0) + 1
        if net["ipv6"] and net["prefixlen6"] < 64 and name in held6:
            mine = out6[name] = {}
            for a in held6[name]:
                mine[a >> 64 << 64] = mine.get(a >> 64 << 64, 0) + 1
    return out4, out6


def kea_entries(value) -> list[tuple[str, tuple, str]]:
    """(network, sort key, text) of each Kea reservation in a host's kea4/kea6 part."""
    return [(value[i], value[i + 1], value[i + 2]) for i in range(0, len(value), 4)]


def kea_shares(value) -> int:
    """How many of the Kea reservations in a host's kea4/kea6 part share their address with
    another (an interface's other MACs): with any, the file turns ip-reservations-unique off."""
    return sum(1 for i in range(3, len(value), 4) if value[i])


def kea_close(run_size: int) -> bytes:
    """What ends a subnet's reservations list after its entries (hostparts.kea_list)."""
    return b"\n        ]" if run_size else b"]"


KEA_SEP, KEA_FIRST = b",\n", b"\n"


def kea_skeleton(view: View, family: int, shared: bool) -> tuple[list[str], list[str]]:
    """(the fixed text around the subnets' reservation lists, the subnets' names in file
    order): text[0] list[0] text[1] ... text[-1] is the Kea file. shared: whether a
    reservation shares its address (see kea_shares)."""
    text = to_json(dhcpview.kea(view, family, lambda n: f"\0cinv:reservations:{n}\0",
                                shared)) + "\n"
    parts = _MARK.split(text)
    return parts[0::2], parts[1::2]


def ansible_group_head(group: str, data: dict, members: int) -> str:
    """A group's lines under `children:` before its members'."""
    out = f"    {group}:\n"
    if group in data["group_vars"]:
        out += f"      vars: {to_json_line(data['group_vars'][group])}\n"
    return out + ("      hosts:\n" if members else "")


def ansible_head(data: dict) -> str:
    out = ANSIBLE_HEAD
    if data["vars"]:
        out += f"  vars: {to_json_line(data['vars'])}\n"
    return out + "  hosts:\n"


ANSIBLE_CHILDREN = "  children:\n"


def ansible_key(group: str) -> tuple[str, str]:
    """Where a group goes among the children (Jinja's dictsort ignores case)."""
    return (group.lower(), group)


def member_lines(value) -> list[tuple[str, str]]:
    """(group, member line) of a host's Ansible part, each group once."""
    _line, keys, member = value
    return [(key, member) for key in dict.fromkeys(keys)]


REPORT_JSON = ('{"capacity":[', '],"hosts":[', '],"networks":[', ']}')


def lengths(texts) -> bytes:
    """The lengths in bytes of texts (UTF-8), packed for a layout."""
    return segments.lengths_of(len(t.encode()) if not t.isascii() else len(t)
                               for t in texts).tobytes()


class Assembly:
    """The files of the built-in targets from every host's parts. meta: {path: (name, kind,
    state)} of every host; column(name): {path: value} of the hosts that are not retired.
    Beside each file, its layout for a later splice (self.layout, see splice.py)."""

    def __init__(self, ctx: Context, meta: dict, column, env, serials=None, problems=None,
                 history=None, revision=None, kept_zones: dict | None = None,
                 ctx_digest: str = ""):
        """kept_zones: the zones of the last render (see _kept_zones), with the context's
        digest; None: make every zone."""
        self.ctx = ctx
        self.env = env
        self.column = column
        self.kept_zones, self.ctx_digest = kept_zones, ctx_digest
        self.kept_changed = False
        self.zone_lines: dict[str, str] = {}
        self.layout: dict = {}
        view = self.view = View(ctx.model, serials, problems, history, revision)
        view.state_counts = Counter((kind, state) for _n, kind, state in meta.values())
        # the hosts that are not retired, in name order (as View.hosts)
        self.rels = [rel for _name, rel in sorted((m[0], rel) for rel, m in meta.items()
                                                  if m[2] != "retired")]
        self.names = {rel: meta[rel][0] for rel in self.rels}
        self.shared_shorts = shared_shorts(self.names.values())
        self.xml_host: dict[str, str] = {}  # a domain XML's path -> its host's record
        held4: dict[str, list] = {}
        held6: dict[str, list] = {}
        held = self.column("held")  # not the report's column: only the report reads that
        for rel in self.rels:
            for network, v4, v6 in held[rel]:
                if v4 is not None:
                    held4.setdefault(network, []).append(v4)
                if v6 is not None:
                    held6.setdefault(network, []).append(v6)
        set_pools(view, held4, held6)
        self.held = pool_held(view, held4, held6)
        view.__dict__["address_lines"] = []

    def shared_layout(self) -> dict:
        """What every file's layout shares: the hosts' names in order, the hosts by kind and
        state, and what the pools depend on."""
        return {"names": list(self.names.values()), "counts": dict(self.view.state_counts),
                "held4": self.held[0], "held6": self.held[1]}

    @property
    def needs_template(self) -> set[str]:
        """Targets a host needs the template for (it fails there, with the template's own
        message)."""
        mine = self.column("dnsmasq")
        return {"dnsmasq"} if any(mine[rel] is None for rel in self.rels) else set()

    def values(self, column: str) -> list:
        col = self.column(column)
        return [col[rel] for rel in self.rels]

    def template(self, name: str, **ctx) -> str:
        return self.env.get_template(name).render({"inv": self.view, **ctx})

    def files(self, target: str) -> list[tuple[str, object]]:
        """[(path, text)] of one built-in target (libvirt: a domain's text, or what stands for
        it: see _libvirt)."""
        return getattr(self, f"_{target}")()

    def _listing(self, rel: str, head: str, texts: list[str]) -> tuple[str, str]:
        """A file of a head and each host's part in name order."""
        self.layout[rel] = {"head": len(head.encode()), "run": lengths(texts)}
        return rel, head + "".join(texts)

    def _dhcpd(self):
        return [self._listing("dhcpd.conf", self.template("dhcpd.conf.j2"),
                              self.values("dhcpd4")),
                self._listing("dhcpd6.conf", self.template("dhcpd6.conf.j2"),
                              self.values("dhcpd6"))]

    def _dnsmasq(self):
        shared = self.shared_shorts
        return [self._listing("dnsmasq/cinv.conf", self.template("dnsmasq.conf.j2"),
                              [hostparts.unmark(v, shared) for v in self.values("dnsmasq")])]

    def _hosts(self):
        lines = [line for value in self.values("hosts") for line in value]
        lines.sort(key=lambda line: line[0])
        text = hostparts.unmark("".join(text for _k, text in lines), self.shared_shorts)
        head = self.template("hosts.j2")
        self.layout["hosts"] = {"head": len(head.encode())}
        return [("hosts", head + text)]

    def _kea(self):
        out = []
        for family in (4, 6):
            by_net: dict[str, list] = {}
            shares = 0  # reservations sharing their address (an interface's other MACs)
            for value in self.values(f"kea{family}"):
                for network, key, text in kea_entries(value):
                    by_net.setdefault(network, []).append((key, text))
                shares += kea_shares(value)
            fixed, nets = kea_skeleton(self.view, family, shares > 0)
            pieces, runs, sizes, unique = [fixed[0]], {}, [], True
            for net, after in zip(nets, fixed[1:]):
                entries = sorted(by_net.get(net, ()), key=lambda r: r[0])
                texts = [t for _key, t in entries]
                listed = hostparts.kea_list(texts)
                pieces += (listed, after)
                sizes.append(len(listed.encode()))
                keys = [key for key, _t in entries]
                unique = unique and len(set(keys)) == len(keys)
                runs[net] = (keys, lengths([(",\n" if i else "\n") + t
                                            for i, t in enumerate(texts)]))
            rel = f"kea-dhcp{family}.conf"
            self.layout[rel] = {"fixed": [len(f.encode()) for f in fixed], "nets": nets,
                                "sizes": sizes, "runs": runs, "shares": shares} \
                if unique else None
            out.append((rel, "".join(pieces)))
        return out

    def _ansible(self):
        groups: dict[str, list] = {}  # group -> its members' lines, in name order
        lines = []
        for value in self.values("ansible"):
            lines.append(value[0])
            for key, member in member_lines(value):
                groups.setdefault(key, []).append(member)
        data = self.view.ansible_rest({g: () for g in groups}, {})
        head = ansible_head(data)
        out = [head]
        if any(name != name.lower() for name in self.names.values()):
            lines = [line for _n, line in sorted(zip(self.names.values(), lines),
                                                 key=lambda pair: pair[0].lower())]
            layout = None  # names in upper case: no splice
        else:
            layout = {"head": len(head.encode()), "run": lengths(lines)}
        out.extend(lines)  # in name order (Jinja's dictsort ignores case; names are lower)
        out.append(ANSIBLE_CHILDREN)
        sections = []
        for group in sorted(data["groups"], key=str.lower):
            members = groups.get(group, ())
            sections.append((ansible_key(group),
                             ansible_group_head(group, data, len(members)) + "".join(members)))
        out.extend(text for _key, text in sections)
        if layout is not None:
            layout["groups"] = ([key for key, _t in sections],
                                lengths(text for _key, text in sections))
            layout["counts"] = {group: len(members) for group, members in groups.items()}
        self.layout["ansible/inventory.yaml"] = layout
        return [("ansible/inventory.yaml", Pieces(out))]

    def zones(self) -> list[dict]:
        view = self.view
        if "zones" not in view.__dict__:
            if self.kept_zones is None:
                zones = dns.build_zones(view, hosts=self.values("dns"))
            else:
                zones = self._kept_zones()
            serials = view._serials(zones) if view._serials else {}
            for zone in zones:
                zone["serial"] = serials.get(zone["name"], 1)
            view.__dict__["zones"] = zones
        return view.__dict__["zones"]

    def _kept_zones(self) -> list[dict]:
        """The zones, each made again only when what it is made of changed: its hosts' records
        (a digest of each host's, kept with its parts), its own records in zones/, the glue
        the zones take from hosts, and the context. self.kept_zones: {zone: (key, record
        lines, digest)} of the last render, updated here."""
        inv = self.view.model
        values = self.values("dns")
        targets = {ns.rstrip(".") for ns in inv.settings.dns.nameservers}
        glue = sorted((name, addrs) for value in values for name, addrs in value[2]
                      if name in targets)  # what delegations take from hosts and zones/
        glue += sorted((z.fqdn(r.owner), r.type, r.value) for z in inv.zones.values()
                       for r in z.records if r.type in ("A", "AAAA")
                       and z.fqdn(r.owner) in targets)
        base = repr((self.ctx_digest, glue)).encode()
        hosts: dict[str, list] = {}  # zone -> the digests of its hosts' records, in order
        for value in values:
            for zone in value[3]:
                mine = hosts.get(zone)
                if mine is None:
                    hosts[zone] = [value[4]]
                else:
                    mine.append(value[4])
        kept, digests = self.kept_zones, {}
        for name in dns.zonemap.served_zones(inv):
            zone = inv.zones.get(name)
            own = repr((zone.ttl, zone.soa, zone.records)).encode() if zone is not None else b""
            digests[name] = hashlib.blake2b(b"".join((base, own, *hosts.get(name, ()))),
                                            digest_size=16).hexdigest()
        dirty = {z for z, key in digests.items() if kept.get(z, (None,))[0] != key}
        holder: list = []
        made = {z["name"]: z for z in dns.build_zones(self.view, hosts=values, only=dirty,
                                                      zone_set=holder, records=False)}
        zs = holder[0]
        out = []
        for name in zs.order():
            if name in made:
                zone = made[name]
                kept[name] = (digests[name], zone.pop("lines"), zone["digest"])
                zone["records"] = []
            else:
                zone = zs.head(name, kept[name][2], [])
            self.zone_lines[name] = kept[name][1]
            out.append(zone)
        for name in set(kept) - set(digests):
            del kept[name]
        self.kept_changed = bool(dirty) or len(kept) != len(digests)
        return out

    def _dns(self):
        out = []
        template = self.env.get_template("zone.j2")
        zones = {}
        for zone in self.zones():
            head = template.render({"inv": self.view, "zone": {**zone, "records": []}})
            lines = self.zone_lines.get(zone["name"])
            if lines is None:
                lines = zone["lines"]
            out.append((f"dns/{zone['file']}", head + lines))
            zones[zone["name"]] = (len(head.encode()), zone["digest"], zone["serial"])
        out.append(("dns/named.conf.zones", self.template("named.conf.zones.j2")))
        warnings = {}
        for rel, value in zip(self.rels, self.values("dns")):
            if value[1]:
                warnings[self.names[rel]] = value[1]
        self.layout["dns"] = {"zones": zones, "warnings": warnings,
                              "fixed": dns.fixed_records(self.view)}
        return out
    def _libvirt(self):
        """Each virtual host's domain (its text, or whatever the libvirt column holds in its
        place), then each hypervisor's list."""
        out, by_parent = [], {}
        col = self.column("libvirt")
        for rel in self.rels:
            kind, parent, xml = col[rel]
            if kind != "virtual":
                continue
            name = self.names[rel]
            out.append((f"libvirt/{name}.xml", xml))
            self.xml_host[f"libvirt/{name}.xml"] = rel
            if parent:
                by_parent.setdefault(parent, []).append(f"{name}.xml")
        for parent in sorted(by_parent):
            out.append((f"libvirt/{parent}.list",
                        "".join(f"{file}\n" for file in sorted(by_parent[parent]))))
        self.layout["libvirt"] = {}
        return out

    def _report(self):
        view = self.view
        col = self.values("report")
        names = list(self.names.values())
        places = [(names[n], *place) for n, (_row, mine, _facts) in enumerate(col)
                  for place in mine]
        r = view.__dict__["report"] = report.assemble(
            view, [row for row, _p, _f in col], places, [facts for _r, _p, facts in col],
            view.state_counts)
        text, layout = report_page(self.template("report.html.j2"), r)
        self.layout["report/index.html"] = layout
        return [("report/index.html", text)]


def report_page(page: str, r: dict) -> tuple[str, dict]:
    """The report's text, the page rendered with r (whose "json" is report.PLACEHOLDER), and
    its layout: the page around the data, each parent's capacity, each host's row and each
    network's data, with their lengths."""
    before, after = page.split(report.PLACEHOLDER)
    caps, rows, nets = r["pieces"]
    json = (REPORT_JSON[0] + ",".join(text for _p, text in caps) + REPORT_JSON[1]
            + ",".join(rows) + REPORT_JSON[2] + ",".join(nets) + REPORT_JSON[3])

    def run(texts) -> bytes:
        return lengths(("," if i else "") + t for i, t in enumerate(texts))
    layout = {"before": len(before.encode()), "after": len(after.encode()),
              "caps": ([p for p, _t in caps], run(t for _p, t in caps)), "rows": run(rows),
              "nets": (list(range(len(nets))), run(nets)), "facts": r["facts"],
              "over": r["over"], "held4": r["held4"]}
    return before + json + after, layout


def clean_path(name: str, path: str, written: dict) -> str:
    """path, by the rules render_target keeps for any target: a clean relative path, written
    by one target, once. written: {path: target} so far."""
    if path in written:
        other = written[path]
        raise CinvError(f"targets {other} and {name} both write {path}" if other != name
                        else f"target {name} writes {path} twice")
    try:
        return paths.clean_relative(path, f"target {name}: output path")
    except paths.UnsafePath as e:
        raise CinvError(f"target {name}: output path {path!r} is not a plain relative "
                        f"path inside the output directory: it {e.why}") from None


class Pieces(list):
    """A file's text as the pieces it is made of, in order (the Ansible inventory: 34 MB at
    50,000 hosts, never joined into one string: see encoded)."""


def chunks(pieces, size: int = 1 << 20):
    """The UTF-8 of text in pieces, about a megabyte at a time (a big file is never held whole
    as bytes: see incremental._stage)."""
    chunk, n = [], 0
    for piece in pieces:
        chunk.append(piece)
        n += len(piece)
        if n >= size:
            yield "".join(chunk).encode("utf-8")
            chunk, n = [], 0
    if chunk:
        yield "".join(chunk).encode("utf-8")


def encoded(text) -> bytes:
    """A file's bytes, of a str or of Pieces."""
    return b"".join(chunks(text)) if isinstance(text, Pieces) else text.encode("utf-8")


def add_files(name: str, made: list, files: dict) -> None:
    """Put one target's files in files {path: (target, bytes)} (see clean_path)."""
    written = {path: target for path, (target, _data) in files.items()}
    for path, text in made:
        files[clean_path(name, path, written)] = (name, encoded(text))
        written[path] = name
