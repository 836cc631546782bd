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
import re
from collections import Counter

from cinv import __version__, paths
from cinv.errors import CinvError
from cinv.model import Inventory
from cinv.render import dhcpview, dns, hostparts, report
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


class Assembly:
    """The files of the built-in targets from every host's parts. meta: {path: (name, kind,
    state)} of every host; column(name): {path: value} of the hosts that are not retired."""

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
        for net in view.networks:
            net["pools4"] = dhcpview.pools(net, held4.get(net["name"], ()))
            net["ranges6"] = View._ranges6(net, held6.get(net["name"], ()))
        view.__dict__["address_lines"] = []

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

    def _dhcpd(self):
        return [("dhcpd.conf", self.template("dhcpd.conf.j2") + "".join(self.values("dhcpd4"))),
                ("dhcpd6.conf",
                 self.template("dhcpd6.conf.j2") + "".join(self.values("dhcpd6")))]

    def _dnsmasq(self):
        parts = hostparts.unmark("".join(self.values("dnsmasq")), self.shared_shorts)
        return [("dnsmasq/cinv.conf", self.template("dnsmasq.conf.j2") + parts)]

    def _hosts(self):
        lines = [line for value in self.values("hosts") for line in value]
        lines.sort(key=lambda line: line[0])
        text = hostparts.unmark("".join(text for _k, text in lines), self.shared_shorts)
        return [("hosts", self.template("hosts.j2") + text)]

    def _kea(self):
        out = []
        for family in (4, 6):
            by_net: dict[str, list] = {}
            shared = False
            for value in self.values(f"kea{family}"):
                for i in range(0, len(value), 4):
                    by_net.setdefault(value[i], []).append((value[i + 1], value[i + 2]))
                    shared = shared or value[i + 3]
            text = to_json(dhcpview.kea(self.view, family, lambda n: f"\0cinv:reservations:{n}\0",
                                        shared))

            def reservations(m: re.Match) -> str:
                texts = sorted(by_net.get(m.group(1), ()), key=lambda r: r[0])
                return hostparts.kea_list([t for _mac, t in texts])
            text = _MARK.sub(reservations, text)
            out.append((f"kea-dhcp{family}.conf", text + "\n"))
        return out

    def _ansible(self):
        groups: dict[str, list] = {}  # group -> its members' lines, in name order
        lines = []
        for line, keys, member in self.values("ansible"):
            lines.append(line)
            for key in keys:
                mine = groups.get(key)
                if mine is None:
                    groups[key] = [member]
                elif mine[-1] is not member:  # a host in one group twice (two interfaces)
                    mine.append(member)
        data = self.view.ansible_rest({g: () for g in groups}, {})
        out = [ANSIBLE_HEAD]
        if data["vars"]:
            out.append(f"  vars: {to_json_line(data['vars'])}\n")
        out.append("  hosts:\n")
        if any(name != name.lower() for name in self.names.values()):
            lines = [line for _n, line in sorted(zip(self.names.values(), lines),
                                                 key=lambda pair: pair[0].lower())]
        out.extend(lines)  # in name order (Jinja's dictsort ignores case; names are lower)
        out.append("  children:\n")
        for group in sorted(data["groups"], key=str.lower):
            out.append(f"    {group}:\n")
            if group in data["group_vars"]:
                out.append(f"      vars: {to_json_line(data['group_vars'][group])}\n")
            members = groups.get(group)
            if members:
                out.append("      hosts:\n")
                out.extend(members)
        return [("ansible/inventory.yaml", "".join(out))]

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
                                                      zone_set=holder)}
        zs = holder[0]
        out = []
        for name in zs.order():
            if name in made:
                zone = made[name]
                kept[name] = (digests[name], hostparts.zone_lines(zone["records"]),
                              zone["digest"])
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
        for zone in self.zones():
            head = template.render({"inv": self.view, "zone": {**zone, "records": []}})
            lines = self.zone_lines.get(zone["name"])
            if lines is None:
                lines = hostparts.zone_lines(zone["records"])
            out.append((f"dns/{zone['file']}", head + lines))
        out.append(("dns/named.conf.zones", self.template("named.conf.zones.j2")))
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
        return out

    def _report(self):
        view = self.view
        col = self.values("report")
        places = [(n, *place) for n, (_row, mine, _facts) in enumerate(col) for place in mine]
        view.__dict__["report"] = report.assemble(
            view, [row for row, _p, _f in col], places, [facts for _r, _p, facts in col],
            view.state_counts)
        return [("report/index.html", self.template("report.html.j2"))]


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


def add_files(name: str, made: list, files: dict) -> None:
    """Put one target's files in files {path: (target, bytes)} (see clean_path)."""
    written = {path: target for path, (target, _data) in files.items()}
    for path, text in made:
        files[clean_path(name, path, written)] = (name, text.encode("utf-8"))
        written[path] = name
