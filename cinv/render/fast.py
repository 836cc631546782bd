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

from cinv import __version__, dhcpopts, paths
from cinv.errors import CinvError
from cinv.model import Inventory
from cinv.render import dhcpview, dns, hostparts, report
from cinv.render.domainxml import domain_xml
from cinv.render.env import to_json, to_json_line
from cinv.render.view import View, ansible_groups

# A fragment is a tuple; these name its fields.
(NAME, KIND, STATE, ACTIVE, DHCPD4, DHCPD6, DNSMASQ, HOSTS, ANSIBLE, KEA4, KEA6, DNS, PARENT,
 XML, ROW, PLACES, FACTS) = range(17)
FAST = ("dhcpd", "kea", "dns", "libvirt", "hosts", "dnsmasq", "ansible", "report")
# where a subnet's reservations go (see _kea): a string no record can hold (a NUL)
_MARK = re.compile(r'"\\u0000cinv:reservations:([^"\\]*)\\u0000"')
ANSIBLE_HEAD = ("# Ansible inventory written by cinv from the inventory: edit the inventory, "
                "not this file.\n# Use: ansible-inventory -i inventory.yaml --graph  (vars are "
                "one JSON line each: valid YAML)\nall:\n")


class Context:
    """What every fragment depends on besides its own host: settings, networks and the zones'
    names (a View of the inventory without its hosts)."""

    def __init__(self, inv: Inventory):
        self.model = Inventory(settings=inv.settings, networks=inv.networks, zones=inv.zones,
                               problems=inv.problems)
        self.view = View(self.model)
        self.uefi_test = dhcpopts.uefi_test_dhcpd()
        self.placer = dns.HostDns(self.model)
        self.ansible_host = inv.settings.ansible.host

    def digest(self, templates: str = "") -> str:
        """A key for the fragments made in this context: what they read besides their host
        (templates: a digest of cinv's own templates)."""
        m = self.model
        zones = sorted((z.name, z.ttl) for z in m.zones.values())
        text = repr((__version__, templates, m.settings.to_dict(),
                     [m.networks[n].to_dict() for n in sorted(m.networks)], zones))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def fragment(ctx: Context, host) -> tuple:
    """Everything one host adds to cinv's own files (see the field names above)."""
    if host.retired:
        return (host.name, host.kind, host.state, False, "", "", "", (), None, (), (), None,
                None, None, None, (), None)
    item = ctx.view._host(host)
    kea4, kea6 = [], []
    for iface in item["interfaces"]:
        if iface["dhcp4"]:
            kea4.append((iface["network"], iface["mac"], hostparts.kea_json(iface, 4)))
        if iface["dhcp6"]:
            kea6.append((iface["network"], iface["mac"], hostparts.kea_json(iface, 6)))
    try:
        mine = hostparts.dnsmasq(item, ctx.view.network)
    except hostparts.Fallback:
        mine = None
    hostvars = View._ansible_host(item, ctx.ansible_host)
    return (item["name"], item["kind"], item["state"], True,
            hostparts.dhcpd4(item, ctx.uefi_test), hostparts.dhcpd6(item), mine,
            tuple(hostparts.address_lines(item)),
            hostparts.ansible(item, hostvars, ansible_groups(item)),
            tuple(kea4), tuple(kea6), ctx.placer.records(item), item["parent"],
            domain_xml(item) if item["kind"] == "virtual" else None,
            report.host_row(item), tuple(report.host_places(item)), report.host_facts(item))


class Assembly:
    """The files of the built-in targets from every host's fragment (in host order)."""

    def __init__(self, ctx: Context, frags: list[tuple], env, serials=None, problems=None,
                 history=None, revision=None):
        self.ctx = ctx
        self.env = env
        self.frags = frags
        self.active = [f for f in frags if f[ACTIVE]]
        # targets a host needs the template for (it fails there, with the template's message)
        self.needs_template = {"dnsmasq"} if any(f[DNSMASQ] is None for f in self.active) \
            else set()
        view = self.view = View(ctx.model, serials, problems, history, revision)
        view.state_counts = Counter((f[KIND], f[STATE]) for f in frags)
        held4: dict[str, list] = {}
        held6: dict[str, list] = {}
        for f in self.active:
            for network, v4, v6, *_rest in f[PLACES]:
                if v4 is not None:
                    held4.setdefault(network, []).append(v4)
                if v6 is not None:
                    held6.setdefault(network, []).append(v6)
        for net in view.networks:
            net["pools4"] = dhcpview.pools(net, held4.get(net["name"], ()))
            net["ranges6"] = View._ranges6(net, held6.get(net["name"], ()))
        view.__dict__["address_lines"] = []

    def template(self, name: str, **ctx) -> str:
        return self.env.get_template(name).render({"inv": self.view, **ctx})

    def files(self, target: str) -> list[tuple[str, str | bytes]]:
        """[(path, text)] of one built-in target."""
        return getattr(self, f"_{target}")()

    def _dhcpd(self):
        hosts4 = "".join(f[DHCPD4] for f in self.active)
        hosts6 = "".join(f[DHCPD6] for f in self.active)
        return [("dhcpd.conf", self.template("dhcpd.conf.j2") + hosts4),
                ("dhcpd6.conf", self.template("dhcpd6.conf.j2") + hosts6)]

    def _dnsmasq(self):
        parts = "".join(f[DNSMASQ] for f in self.active)
        return [("dnsmasq/cinv.conf", self.template("dnsmasq.conf.j2") + parts)]

    def _hosts(self):
        lines = [line for f in self.active for line in f[HOSTS]]
        lines.sort(key=lambda line: line[0])
        return [("hosts", self.template("hosts.j2") + "".join(text for _k, text in lines))]

    def _kea(self):
        out = []
        for family, field in ((4, KEA4), (6, KEA6)):
            by_net: dict[str, list] = {}
            for f in self.active:
                for network, mac, text in f[field]:
                    by_net.setdefault(network, []).append((mac, text))
            text = to_json(dhcpview.kea(self.view, family, lambda n: f"\0cinv:reservations:{n}\0"))

            def reservations(m: re.Match) -> str:
                texts = sorted(by_net.get(m.group(1), ()),
                               key=lambda r: r[0])
                return hostparts.kea_list([t for _mac, t in texts])
            text = _MARK.sub(reservations, text)
            out.append((f"kea-dhcp{family}.conf", text + "\n"))
        return out

    def _ansible(self):
        groups: dict[str, set] = {}
        lines, members = [], {}
        for f in self.active:
            line, keys, member = f[ANSIBLE]
            lines.append((f[NAME], line))
            members[f[NAME]] = member
            for key in keys:
                groups.setdefault(key, set()).add(f[NAME])
        data = self.view.ansible_rest(groups, {})
        out = [ANSIBLE_HEAD]
        if data["vars"]:
            out.append(f"  vars: {to_json_line(data['vars'])}\n")
        out.append("  hosts:\n")
        lines.sort(key=lambda line: line[0].lower())  # Jinja's dictsort
        out.extend(line for _name, line in lines)
        out.append("  children:\n")
        for group, names in sorted(data["groups"].items(), key=lambda g: g[0].lower()):
            out.append(f"    {group}:\n")
            if group in data["group_vars"]:
                out.append(f"      vars: {to_json_line(data['group_vars'][group])}\n")
            if names:
                out.append("      hosts:\n")
                out.extend(members[name] for name in names)
        return [("ansible/inventory.yaml", "".join(out))]

    def zones(self) -> list[dict]:
        view = self.view
        if "zones" not in view.__dict__:
            zones = dns.build_zones(view, hosts=[f[DNS] for f in self.active])
            serials = view._serials(zones) if view._serials else {}
            for zone in zones:
                zone["serial"] = serials.get(zone["name"], 1)
            view.__dict__["zones"] = zones
        return view.__dict__["zones"]

    def _dns(self):
        out = []
        template = self.env.get_template("zone.j2")
        for zone in self.zones():
            head = template.render({"inv": self.view, "zone": {**zone, "records": []}})
            out.append((f"dns/{zone['file']}", head + hostparts.zone_lines(zone["records"])))
        out.append(("dns/named.conf.zones", self.template("named.conf.zones.j2")))
        return out

    def _libvirt(self):
        out, by_parent = [], {}
        for f in self.active:
            if f[KIND] != "virtual":
                continue
            out.append((f"libvirt/{f[NAME]}.xml", f[XML]))
            if f[PARENT]:
                by_parent.setdefault(f[PARENT], []).append(f"{f[NAME]}.xml")
        for parent in sorted(by_parent):
            out.append((f"libvirt/{parent}.list",
                        "".join(f"{file}\n" for file in sorted(by_parent[parent]))))
        return out

    def _report(self):
        view = self.view
        places = [(n, *place) for n, f in enumerate(self.active) for place in f[PLACES]]
        view.__dict__["report"] = report.assemble(
            view, [f[ROW] for f in self.active], places, [f[FACTS] for f in self.active],
            view.state_counts)
        return [("report/index.html", self.template("report.html.j2"))]


def add_files(name: str, made: list, files: dict) -> None:
    """Put one target's files in files {path: (target, bytes)}, by the rules render_target
    keeps for any target: a clean relative path, written by one target, once."""
    for path, text in made:
        if path in files:
            other = files[path][0]
            raise CinvError(f"targets {other} and {name} both write {path}" if other != name
                            else f"target {name} writes {path} twice")
        try:
            paths.clean_relative(path, f"target {name}: output path")
        except paths.UnsafePath as e:
            raise CinvError(f"target {name}: output path {path!r} is not a plain relative "
                            f"path inside the output directory: it {e.why}") from None
        files[path] = (name, text.encode("utf-8") if isinstance(text, str) else text)
