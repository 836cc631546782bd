"""The view templates see: plain dicts and lists computed from the model in one pass.

Everything a template needs is computed here (address strings, block names, UUIDs, disk paths,
Kea and Ansible data), so templates stay simple loops. Retired hosts are left out entirely.
Costly parts (zones, Kea, Ansible) are computed on first use, so rendering one target does not
pay for the others.
"""
from __future__ import annotations

import ipaddress
import re
from collections import Counter
from functools import cached_property

from cinv.records import dhcpopts
from cinv.records.model import Host, Inventory, Network
from cinv.records.values import mac_str
from cinv.render import dhcpview, dns, libvirtview
from cinv.render.item import Item

DEFAULT_CPUS = 1
DEFAULT_MEMORY = 1 << 30  # a virtual host without hardware.memory gets 1 GiB
IFACE_VARS = ("name", "network", "mac", "other_macs", "duid", "ipv4", "ipv6", "fqdn")
_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix: str, value: str) -> str:
    """An Ansible group name: letters, digits and '_' only."""
    return _GROUP_UNSAFE.sub("_", f"{prefix}_{value}")


def ansible_groups(host: dict) -> list[str]:
    """The Ansible groups of a host: by kind, state, network, tag and parent."""
    keys = [group_name("kind", host["kind"]), group_name("state", host["state"])]
    keys += [group_name("network", i["network"]) for i in host["interfaces"] if i["network"]]
    keys += [group_name("tag", t) for t in host["tags"]]
    if host["parent"]:
        keys.append(group_name("parent", host["parent"]))
    return keys


def plain(value):
    """Loaded YAML (mappings that remember lines) as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def shared_shorts(names) -> set[str]:
    """The short names (first labels) of more than one of these host names."""
    seen: set[str] = set()
    shared: set[str] = set()
    for name in names:
        short = name.split(".", 1)[0]
        (shared if short in seen else seen).add(short)
    return shared


_NETWORK_ITEMS: dict[tuple, tuple] = {}  # (id of a Network, default domain) -> (it, its item)


class View:
    """What templates see as `inv`: settings, networks, hosts, zones, kea4, kea6, ansible."""

    def __init__(self, inv: Inventory, serials=None, problems=None, history=None,
                 revision: dict | None = None):
        self.model = inv
        self._serials = serials  # callable(zones) -> {zone name: serial}; None: serial 1
        self.warnings: list[str] = []
        # For the report: what `cinv check` found (None: not known), a callable giving the
        # recent commits (None: no history shown), what was rendered ({commit, dirty};
        # None: not in git or not shown), and hosts by kind and state, retired ones too (the
        # view leaves those out).
        self.problems = problems
        self.history = history
        self.revision = revision
        self.state_counts = Counter((h.kind, h.state) for h in inv.hosts.values())
        s = inv.settings
        self.settings = {
            "domain": s.domain, "image_dir": s.image_dir, "kea_interfaces": list(s.kea_interfaces),
            "dns": {"ttl": s.dns.ttl, "primary_ns": s.dns.primary_ns,
                    "hostmaster": s.dns.hostmaster, "nameservers": list(s.dns.nameservers)},
        }
        self.networks = [self._network(inv.networks[n]) for n in sorted(inv.networks)]
        self.network = {n["name"]: n for n in self.networks}
        # short names two hosts share: /etc/hosts and dnsmasq leave them out (first-match
        # roulette otherwise; `cinv check` warns)
        self.ambiguous_shorts = shared_shorts(h.name for h in inv.active_hosts())
        self.hosts = [self._host(h) for h in sorted(inv.active_hosts(), key=lambda h: h.name)]
        self.host_by_name = {h["name"]: h for h in self.hosts}
        for host in self.hosts:
            for iface in host["interfaces"]:
                net = self.network.get(iface["network"])
                if net is not None:
                    net["interfaces"].append(iface)
        for net in self.networks:
            net["ranges6"] = self._ranges6(net)
            net["pools4"] = dhcpview.pools(net)

    # --- networks and hosts -------------------------------------------------------------

    def _network(self, net: Network) -> dict:
        """The network's item: made once per process for a network record and default domain
        (a render's serials make a view per changed host, over every network), and given out
        as a copy with its own list of interfaces (what a view adds to an item is top-level;
        templates change nothing: the sandbox is immutable)."""
        key = (id(net), self.model.settings.domain)
        kept = _NETWORK_ITEMS.get(key)
        if kept is None or kept[0] is not net:
            if len(_NETWORK_ITEMS) >= 4096:
                _NETWORK_ITEMS.clear()
            kept = _NETWORK_ITEMS[key] = (net, self._network_item(net))
        item = Item(kept[1])
        item["interfaces"] = []
        return item

    def _network_item(self, net: Network) -> dict:
        v4, v6 = net.ipv4, net.ipv6
        pool = None
        if net.dhcp_pool is not None:
            pool = [str(ipaddress.IPv4Address(a)) for a in net.dhcp_pool]
        item = Item({
            "name": net.name,
            "domain": net.domain or self.model.settings.domain,
            "ipv4": str(v4) if v4 else None,
            "address4": str(v4.network_address) if v4 else None,
            "netmask4": str(v4.netmask) if v4 else None,
            "prefixlen4": v4.prefixlen if v4 else None,
            "gateway4": str(net.gateway4) if net.gateway4 else None,
            "ipv6": str(v6) if v6 else None,
            "address6": str(v6.network_address) if v6 else None,
            "prefixlen6": v6.prefixlen if v6 else None,
            "gateway6": str(net.gateway6) if net.gateway6 else None,
            "pool4": pool,
            "dns_servers4": [str(a) for a in net.dns_servers if a.version == 4],
            "dns_servers6": [str(a) for a in net.dns_servers if a.version == 6],
            "vlan": net.vlan,
            "bridge": net.bridge,
            "subnet_id": net.kea_subnet_id,
            "interfaces": [],  # every interface of an active host on this network, by host
        })
        dhcpview.network_fields(net, item)
        return item

    @staticmethod
    def _ranges6(net: dict, held=None) -> list[dict]:
        """The IPv6 prefix as /64 or longer ranges (DHCPv6 servers such as dnsmasq take no
        shorter): the prefix itself, or the /64s of a shorter prefix that hold hosts (held:
        their addresses as integers, when not taken from net["interfaces"])."""
        if not net["ipv6"]:
            return []
        if net["prefixlen6"] >= 64:
            return [{"address": net["address6"], "prefixlen": net["prefixlen6"]}]
        if held is None:
            held = (int(ipaddress.IPv6Address(i["ipv6"])) for i in net["interfaces"]
                    if i["ipv6"])
        blocks = sorted({a >> 64 for a in held})
        return [{"address": str(ipaddress.IPv6Address(b << 64)), "prefixlen": 64}
                for b in blocks]

    def _host(self, host: Host) -> dict:
        inv = self.model
        hw = host.hardware
        out = Item({
            "name": host.name, "short": host.short,
            "short_unique": host.short not in self.ambiguous_shorts,
            "kind": host.kind, "state": host.state,
            "description": host.description, "tags": list(host.tags), "parent": host.parent,
            "location": host.location,
            "cpus": hw.cpus if hw.cpus is not None else DEFAULT_CPUS,
            "memory": hw.memory if hw.memory is not None else DEFAULT_MEMORY,
            "vendor": hw.vendor, "model": hw.model, "serial": hw.serial,
            # as recorded (None where unset), where cpus and memory above have defaults
            "hardware": Item({"cpus": hw.cpus, "memory": hw.memory}),
            "vars": plain(host.vars),
        })
        out["memory_kib"] = out["memory"] // 1024
        ifaces, aliases = [], {}
        for fqdn, iface, is_alias in inv.dns_names(host):
            if is_alias:
                aliases.setdefault(id(iface), []).append(fqdn)
                continue
            net = inv.networks.get(iface.network) if iface.network else None
            item = Item({
                "name": iface.name, "host": host.name, "fqdn": fqdn,
                "block": f"{host.name}-{iface.name}",
                "network": iface.network,
                "domain": inv.domain_of(iface.network),
                "bridge": net.bridge if net is not None else None,
                "mac": mac_str(iface.mac) if iface.mac is not None else None,
                "other_macs": [mac_str(m) for m in iface.other_macs],
                "macs": [mac_str(m) for m in iface.macs],
                "duid": iface.duid,
                "ipv4": str(iface.ipv4) if iface.ipv4 is not None else None,
                "ipv6": str(iface.ipv6) if iface.ipv6 is not None else None,
                "aliases": [], "_id": id(iface),
                "names": [inv.alias_fqdn(n, iface) for n in iface.names],
            })
            dhcpview.interface_fields(host, iface, net, item)
            ifaces.append(item)
        for item in ifaces:
            item["aliases"] = aliases.get(item.pop("_id"), [])
        out["interfaces"] = ifaces
        libvirtview.host_fields(host, inv.settings, out)
        if host.kind == "virtual":
            libvirtview.domain_fields(host, out)
        out["ipv4"] = next((i["ipv4"] for i in ifaces if i["ipv4"]), None)
        out["ipv6"] = next((i["ipv6"] for i in ifaces if i["ipv6"]), None)
        return out

    # Big derived data, computed on first use by a template; release() drops it between
    # targets (a later template that asks again gets it computed again), which keeps a render
    # of 50,000 hosts from holding every target's data at once.
    RELEASABLE = ("ansible", "kea4", "kea6", "address_lines", "report")

    def release(self) -> None:
        for name in self.RELEASABLE:
            self.__dict__.pop(name, None)

    @cached_property
    def virtual_hosts(self) -> list[dict]:
        return [h for h in self.hosts if h["kind"] == "virtual"]

    @cached_property
    def hypervisors(self) -> list[dict]:
        """Each parent of a virtual host with the domain files it runs (libvirt/<parent>.list)."""
        return libvirtview.hypervisors(self.virtual_hosts)

    # --- DNS ----------------------------------------------------------------------------

    @cached_property
    def zones(self) -> list[dict]:
        zones = dns.build_zones(self)
        serials = self._serials(zones) if self._serials else {}
        for zone in zones:
            zone["serial"] = serials.get(zone["name"], 1)
        return zones

    # --- Kea ----------------------------------------------------------------------------

    @property
    def dhcpd_uefi_test(self) -> str:
        """dhcpd's condition for a UEFI client (option 93), for provisioning boot files."""
        return dhcpopts.uefi_test_dhcpd()

    @cached_property
    def uefi_arches(self) -> list[int]:
        return list(dhcpopts.UEFI_ARCHES)

    @cached_property
    def http_arches(self) -> list[int]:
        return list(dhcpopts.HTTP_ARCHES)

    ipxe_user_class = dhcpopts.IPXE_USER_CLASS
    http_vendor_class = dhcpopts.HTTP_VENDOR_CLASS

    @cached_property
    def boot_kinds(self) -> list[str]:
        """The kinds of provisioning boot file any network names (bios, uefi, ipxe,
        uefi_http): dnsmasq tags the clients of these."""
        return sorted({k for n in self.model.networks.values() if n.dhcp and n.dhcp.provisioning
                       for k in n.dhcp.provisioning})

    @cached_property
    def kea4(self) -> dict:
        return dhcpview.kea(self, 4)

    @cached_property
    def kea6(self) -> dict:
        return dhcpview.kea(self, 6)

    # --- hosts file and Ansible -------------------------------------------------------------

    @cached_property
    def address_lines(self) -> list[dict]:
        """One entry per address: {address, names}, IPv4 first, each family in address order."""
        from cinv.render.hostparts import addresses
        lines = [line for host in self.hosts for line in addresses(host)]
        lines.sort(key=lambda line: line[0])
        return [Item(address=address, names=names.split(" ")) for _key, address, names in lines]

    @cached_property
    def ansible(self) -> dict:
        """{"hosts": {name: vars}, "groups": {group: [names]}, "group_vars": {group: vars},
        "vars": vars of all}: groups by kind, state, network, tag and parent; cinv.yaml's
        ansible.vars and ansible.group_vars; each network's facts (in `all` as
        cinv_networks.<name>, and in its group as cinv_network)."""
        settings = self.model.settings.ansible
        groups: dict[str, set] = {}
        hostvars = {}
        for host in self.hosts:
            name = host["name"]
            for key in ansible_groups(host):
                groups.setdefault(key, set()).add(name)
            hostvars[name] = self._ansible_host(host, settings.host)
        return self.ansible_rest(groups, hostvars)

    def ansible_rest(self, groups: dict[str, set], hostvars: dict) -> dict:
        """The ansible data from the hosts' groups and vars: networks, cinv.yaml's vars."""
        settings = self.model.settings.ansible
        networks = {n["name"]: self._ansible_network(n) for n in self.networks}
        group_vars = {group_name("network", n): {"cinv_network": facts}
                      for n, facts in networks.items()}
        for group, values in settings.group_vars.items():
            group_vars[group] = {**group_vars.get(group, {}), **values}
        all_vars = {"cinv_networks": networks} if networks else {}
        all_vars.update(settings.vars)
        for group in group_vars:
            groups.setdefault(group, set())
        return {"hosts": hostvars, "groups": {g: sorted(m) for g, m in sorted(groups.items())},
                "group_vars": dict(sorted(group_vars.items())), "vars": all_vars}

    @staticmethod
    def _ansible_host(host: dict, address_or_name: str) -> dict:
        hv = {}
        address = host["ipv4"] or host["ipv6"]
        if address_or_name == "fqdn":
            hv["ansible_host"] = host["name"]
        elif address:
            hv["ansible_host"] = address
        hv.update({
            "cinv_kind": host["kind"], "cinv_state": host["state"],
            "cinv_tags": host["tags"],
            "cinv_interfaces": [{k: i[k] for k in IFACE_VARS if i[k]}
                                for i in host["interfaces"]],
        })
        for key in ("parent", "location", "description"):
            if host[key]:
                hv[f"cinv_{key}"] = host[key]
        # Hardware: what a VM's domain gets (defaults where unset); what a physical box has,
        # where recorded.
        recorded = host["hardware"]
        virtual = host["kind"] == "virtual"
        if virtual or recorded["cpus"] is not None:
            hv["cinv_cpus"] = host["cpus"]
        if virtual or recorded["memory"] is not None:
            hv["cinv_memory_mib"] = host["memory"] // (1 << 20)
        if host["disks"]:
            hv["cinv_disks_mib"] = [d["size"] // (1 << 20) for d in host["disks"]]
        for key in ("vendor", "model", "serial"):
            if host[key]:
                hv[f"cinv_{key}"] = host[key]
        hv.update(host["vars"])  # the record's own vars win
        return hv

    @staticmethod
    def _ansible_network(net: dict) -> dict:
        facts = {"name": net["name"], "domain": net["domain"]}
        for key in ("ipv4", "gateway4", "ipv6", "gateway6", "vlan", "bridge"):
            if net[key] is not None:
                facts[key] = net[key]
        servers = net["dns_servers4"] + net["dns_servers6"]
        if servers:
            facts["dns_servers"] = servers
        return facts

    # --- the report -----------------------------------------------------------------------

    @cached_property
    def report(self) -> dict:
        from cinv.render import report
        return report.build(self)


def zone_records(inv) -> dict[str, list[tuple[str, int, str, str]]]:
    """{zone: [(owner FQDN with trailing dot, TTL, type, data)]} of every zone cinv would write
    for this inventory, SOA left out; nothing is rendered or written."""
    out = {}
    for zone in dns.build_zones(View(inv), strict=False):
        recs = []
        for r in zone["records"]:
            owner = zone["name"] if r["name"] == "@" else f"{r['name']}.{zone['name']}"
            recs.append((owner + ".", r["ttl"] if r["ttl"] is not None else zone["ttl"],
                         r["type"], r["data"]))
        out[zone["name"]] = recs
    return out
