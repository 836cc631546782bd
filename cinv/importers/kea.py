"""Hosts (and with --networks, subnets as networks) of a Kea DHCPv4 or DHCPv6 configuration.

Reservations become hosts: `hw-address` their interface's MAC, a DHCPv6 `duid` its duid,
`ip-address` / the first of `ip-addresses` its address, `hostname` its name (a reservation
without one is named after its address, or its MAC), its options of cinv's table, `next-server`
and `boot-file-name` its interface's `dhcp:`. Two reservations of one address (Kea allows them
with ip-reservations-unique off) give the later MAC to the earlier interface's other_macs (see
plan.py). With --networks a subnet becomes a network (cinv/importers/subnets.py) with the
options, next-server and boot-file-name in scope there (global, shared network, subnet, as Kea
inherits them), its `id` as subnet_id, its `interface`, and its first pool (clipped as
pools.py says). Everything else (server parameters, client classes, option definitions,
identifiers other than the MAC and DUID, prefixes, options cinv does not know) is listed with
its file:line.
"""
from __future__ import annotations

import ipaddress
from pathlib import Path

from cinv.errors import CinvError
from cinv.importers import (
    Findings,
    FoundHost,
    FoundIface,
    domains,
    fold_interfaces,
    host_name,
    kea_parse,
    mac_of_client_id,
    network_holding,
    subnets,
)
from cinv.importers.dhcpd_scope import dhcp_block
from cinv.importers.kea_parse import Arr, Obj
from cinv.records import dhcpopts, values
from cinv.records.model import Inventory

_BY_CODE = {(o.family, o.code): o for o in dhcpopts.OPTIONS.values()}
_SCOPE = ("option-data", "next-server", "boot-file-name")  # inherited by subnets
_NOTES = ("comment",)  # a note to the reader, not configuration


def read(path: Path, shown: str, inv: Inventory, networks: bool = False,
         root: Path | None = None) -> Findings:
    found = Findings(source=shown)
    doc = kea_parse.parse(path, shown, root)
    if not isinstance(doc, Obj) or not ({"Dhcp4", "Dhcp6"} & set(doc)):
        raise CinvError(f"{shown}:1: not a Kea DHCP configuration (an object holding Dhcp4 or "
                        "Dhcp6)")
    nets = dict(inv.networks)
    hosts: list[FoundHost] = []
    for key, value in doc.items():
        if key in ("Dhcp4", "Dhcp6") and isinstance(value, Obj):
            _Server(int(key[-1]), inv, nets, found, networks, hosts).read(value)
        else:
            found.skip(doc.at(key), key, "another Kea component's configuration (not a DHCP "
                       "server's); not part of the inventory")
    found.hosts = fold_interfaces(hosts, inv, domains(inv))
    found.sort_unmapped()
    return found


class _Server:
    def __init__(self, family: int, inv: Inventory, nets: dict, found: Findings,
                 networks: bool, hosts: list[FoundHost]):
        self.family, self.inv, self.nets, self.found = family, inv, nets, found
        self.networks, self.hosts = networks, hosts
        self.subnet_key = f"subnet{family}"

    def skip(self, where: str, what: str, why: str) -> None:
        self.found.skip(where, what, why)

    def read(self, server: Obj) -> None:
        scope = self.scope(server)
        if self.networks and self.subnet_key not in server and "shared-networks" not in server:
            for key in _SCOPE:
                if key in server:
                    self.skip(server.at(key), key, "applies to no subnet of this file")
        for key, value in server.items():  # the subnets first: global reservations lie in them
            where = server.at(key)
            if key == self.subnet_key:
                for sub, at in _items(value, where):
                    self.subnet(sub, at, scope, None)
            elif key == "shared-networks":
                for shared, at in _items(value, where):
                    self.shared_network(shared, at, scope)
        for key, value in server.items():
            where = server.at(key)
            if key in (self.subnet_key, "shared-networks"):
                continue
            elif key == "reservations":
                for r, at in _items(value, where):
                    self.reservation(r, at, None)
            elif key == "client-classes":
                for cls, at in _items(value, where):
                    name = cls.get("name") if isinstance(cls, Obj) else None
                    self.skip(at, f"client class {name!r}", "client classes are not part of "
                              "the inventory")
            elif key in _SCOPE:
                if not self.networks:
                    self.skip(where, key, "network parameter: imported into networks with "
                              "--networks")
            elif key in _NOTES:
                continue
            else:
                self.skip(where, key, "server parameter; cinv does not keep it")

    def scope(self, obj: Obj, outer: dict | None = None) -> dict:
        """{key: value} of the options, next-server and boot-file-name set in obj, on top of
        outer's (Kea's inheritance), under dhcpd's names."""
        out = dict(outer or {})
        if "option-data" in obj:
            out.update(self.options(obj["option-data"], obj.at("option-data")))
        if self.family == 4:
            for key, name in (("next-server", "next-server"), ("boot-file-name", "filename")):
                if key in obj:
                    value = self.text(obj, key, dhcpopts.ipv4 if key == "next-server"
                                      else dhcpopts.filename)
                    if value is not None and value not in ("", "0.0.0.0"):
                        out[name] = value
        return out

    def text(self, obj: Obj, key: str, parse):
        try:
            return parse(obj[key]) if obj[key] not in ("", "0.0.0.0") else obj[key]
        except (ValueError, TypeError) as e:
            self.skip(obj.at(key), f"{key} {obj[key]!r}", str(e))
            return None

    # --- options ------------------------------------------------------------------------

    def options(self, data, where: str) -> dict:
        out = {}
        for item, at in _items(data, where):
            got = self.option(item, at)
            if got is not None:
                out[got[0]] = got[1]
        return out

    def option(self, item, at: str):
        if not isinstance(item, Obj):
            self.skip(at, repr(item)[:60], "an option must be an object (name or code, data)")
            return None
        label = f"option {item.get('name', item.get('code'))}"
        space = item.get("space", f"dhcp{self.family}")
        opt = None
        if space == f"dhcp{self.family}":
            if "name" in item and isinstance(item["name"], str):
                name = item["name"] if self.family == 4 else f"dhcp6.{item['name']}"
                opt = dhcpopts.lookup(name)
            elif "code" in item and isinstance(item["code"], int):
                opt = _BY_CODE.get((self.family, item["code"]))
        if opt is None or opt.family != self.family:
            why = "not an option cinv knows" if space == f"dhcp{self.family}" else \
                f"an option of space {space!r}"
            self.skip(at, label, f"{why} (see the README's table of DHCP options)")
            return None
        for key in set(item) - {"name", "code", "space", "data", "csv-format", *_NOTES}:
            self.skip(item.at(key), f"{label}: {key} {item[key]!r}", "cinv's servers send an "
                      "option as a client asks for it; this flag is not kept")
        if item.get("csv-format", True) is not True:
            self.skip(at, label, "hex data (csv-format false); cinv keeps options as values")
            return None
        data = item.get("data")
        if not isinstance(data, str) or not data.strip():
            self.skip(at, label, "no data: cinv keeps options with a value")
            return None
        try:
            if opt.type in ("ips", "ip6s", "fqdns"):
                value = dhcpopts.parse_value(opt, [p.strip() for p in _csv(data)])
            else:
                value = dhcpopts.parse_value(opt, data.strip().replace("\\,", ","))
        except ValueError as e:
            self.skip(at, label, str(e))
            return None
        return opt.name, value

    # --- subnets ------------------------------------------------------------------------

    def shared_network(self, shared, at: str, outer: dict) -> None:
        if not isinstance(shared, Obj):
            self.skip(at, "shared network", "not an object")
            return
        scope = self.scope(shared, outer)
        name = shared.get("name") if isinstance(shared.get("name"), str) else None
        iface = shared.get("interface") if isinstance(shared.get("interface"), str) else None
        for key, value in shared.items():
            where = shared.at(key)
            if key == self.subnet_key:
                for sub, sub_at in _items(value, where):
                    self.subnet(sub, sub_at, scope, name, iface)
            elif key in (*_SCOPE, "name", "interface"):
                continue
            else:
                self.skip(where, f"shared network {name}: {key}", "shared-network parameter; "
                          "cinv does not keep it")

    def subnet(self, sub, at: str, scope: dict, shared: str | None,
               iface: str | None = None) -> None:
        if not isinstance(sub, Obj):
            self.skip(at, "subnet", "not an object")
            return
        try:
            prefix = values.parse_net(sub.get("subnet"), self.family)
        except ValueError as e:
            self.skip(sub.at("subnet"), f"subnet {sub.get('subnet')!r}", f"{e}; its "
                      "reservations are not imported")
            return
        if self.networks:
            self.network(sub, at, prefix, self.scope(sub, scope), shared, iface)
        else:
            self.skip(at, f"subnet {prefix}", "networks are imported only with --networks; "
                      "its parameters are not read")
        for key, value in sub.items():
            where = sub.at(key)
            if key == "reservations":
                for r, r_at in _items(value, where):
                    self.reservation(r, r_at, prefix)
            elif key not in (*_SCOPE, "subnet", "id", "interface", "pools", *_NOTES):
                self.skip(where, f"subnet {prefix}: {key}", "subnet parameter; cinv does not "
                          "keep it")

    def network(self, sub: Obj, at: str, prefix, params: dict, shared: str | None,
                iface: str | None) -> None:
        """The subnet as a network: its options in scope, pool, id and interface."""
        f = subnets.fields(prefix, params)
        same = subnets.same_prefix(self.nets, prefix)
        self.pools(sub, prefix, f, same.gateway4 if same is not None else None)
        if isinstance(sub.get("id"), int) and 1 <= sub["id"] <= 0xFFFFFFFE:
            f["subnet_id"] = sub["id"]
        iface = sub.get("interface", iface)
        if isinstance(iface, str) and iface:
            try:
                f.setdefault("dhcp", {})["interface"] = dhcpopts.server_interface(iface)
            except ValueError as e:
                self.skip(sub.at("interface"), f"interface {iface!r}", str(e))
        subnets.place(prefix, f, self.nets, self.found, at, shared,
                      "import the Kea DHCPv4 configuration first to give its IPv4 network "
                      "the prefix")

    def pools(self, sub: Obj, prefix, f: dict, gateway) -> None:
        for n, (pool, at) in enumerate(_items(sub.get("pools", Arr()), sub.at("pools"))):
            text = pool.get("pool") if isinstance(pool, Obj) else None
            if not isinstance(text, str):
                self.skip(at, "pool", "a pool must be an object with \"pool\"")
                continue
            for key in set(pool) - {"pool", *_NOTES}:
                self.skip(pool.at(key), f"pool {text}: {key}", "pool parameter cinv does not "
                          "keep (pools have no options in cinv)")
            if self.family == 6:
                self.skip(at, f"pool {text}", "cinv keeps no IPv6 dynamic range")
            elif n:
                self.skip(at, f"pool {text}", "cinv keeps one dynamic range per network")
            else:
                first, last = _pool_range(text)
                if first is None:
                    self.skip(at, f"pool {text}", "not a range of addresses")
                else:
                    subnets.pool(f, prefix, gateway, first, last, at, f"pool {text}", self.found)

    # --- reservations -------------------------------------------------------------------

    def reservation(self, r, at: str, prefix) -> None:
        if not isinstance(r, Obj):
            self.skip(at, "reservation", "not an object")
            return
        iface = FoundIface(where=at)
        label = _label(r)
        for key in r:
            self.reservation_field(r, key, iface, label)
        if any(key in r for key in _SCOPE):
            params = self.scope(r)
            iface.host_name = params.pop("host-name", None)
            iface.dhcp = dhcp_block(params) or None
        if not iface.macs and iface.duid is None:
            keys = "the MAC" if self.family == 4 else "the MAC or the DUID"
            self.skip(at, f"reservation {label}", f"keyed on {label.split()[0]}: cinv keys "
                      f"DHCPv{self.family} reservations on {keys}; not imported")
            return
        addr = iface.ipv4 or iface.ipv6
        net = network_holding(self.nets.values(), addr) if addr is not None else \
            (subnets.same_prefix(self.nets, prefix) if prefix is not None else None)
        if net is None:
            why = f"no network holds {addr}" if addr is not None else "no address and no " \
                "network of the inventory has its subnet"
            self.skip(at, f"reservation {label}", f"{why}; add the network (cinv net add) or "
                      "use --networks")
            return
        iface.network = net.name
        raw = r.get("hostname") if isinstance(r.get("hostname"), str) else ""
        if not raw.strip():
            raw = generated_name(iface)
            self.found.notes.append(f"{at}: reservation {label} has no hostname: named "
                                    f"{raw}")
        fqdn, why = host_name(raw, net.domain or self.inv.settings.domain)
        if fqdn is None:
            self.skip(at, f"reservation {label}", why)
            return
        self.hosts.append(FoundHost(name=fqdn, where=at, interfaces=[iface]))

    def reservation_field(self, r: Obj, key: str, iface: FoundIface, label: str) -> None:
        where, value = r.at(key), r[key]
        try:
            if key == "hw-address":
                iface.mac = values.mac_to_int(values.normalise_mac(str(value)))
            elif key == "duid" and self.family == 6:
                iface.duid = values.parse_duid(value)
            elif key == "ip-address" and self.family == 4:
                iface.ipv4 = values.parse_ip(value, 4)
            elif key == "ip-addresses" and self.family == 6 and isinstance(value, list):
                for n, (a, at) in enumerate(_items(value, where)):
                    if n:
                        self.skip(at, f"ip-addresses {a}", "cinv keeps one IPv6 address per "
                                  "interface")
                    else:
                        iface.ipv6 = values.parse_ip(a, 6)
            elif key in (*_SCOPE, "hostname", *_NOTES):
                return  # the options, see reservation(); the name, see there too
            elif key == "client-id" and self.family == 4 and "hw-address" not in r \
                    and mac_of_client_id(value) is not None:
                iface.mac = mac_of_client_id(value)
                self.found.notes.append(f"{where}: the client id {value} is the Ethernet MAC "
                                        "after 01: the reservation keys on that MAC")
            elif key in ("client-id", "circuit-id", "flex-id", "duid"):
                if any(k in r for k in ("hw-address", "duid" if self.family == 6 else "")):
                    self.skip(where, f"reservation {label}: {key} {value}", "a second "
                              "identifier; cinv keys the reservation on the MAC or DUID only")
            elif key == "client-classes":
                self.skip(where, f"reservation {label}: client-classes", "client classes are "
                          "not part of the inventory")
            else:
                self.skip(where, f"reservation {label}: {key}", "reservation parameter cinv "
                          "does not keep")
        except (ValueError, TypeError) as e:
            self.skip(where, f"reservation {label}: {key} {value}", str(e))


def generated_name(iface: FoundIface) -> str:
    """A host name for a reservation that gives none: host-<address>, else host-<MAC>, else
    host-<the DUID's last six octets> (hex digits and dashes)."""
    addr = iface.ipv4 or iface.ipv6
    if addr is not None:
        return "host-" + str(addr).replace(".", "-").replace(":", "-").strip("-")
    if iface.macs:
        return "host-" + f"{iface.macs[0]:012x}"
    return "host-" + iface.duid.replace(":", "")[-12:]


def _items(value, where: str):
    """(item, file:line) of a list; a value that is not a list is one item."""
    if isinstance(value, Arr):
        return list(zip(value, value.item_where))
    return [(value, where)]


def _csv(data: str) -> list[str]:
    """Kea's comma-separated data: `\\,` is a comma inside an item."""
    out, buf, i = [], "", 0
    while i < len(data):
        if data.startswith("\\,", i):
            buf, i = buf + ",", i + 2
        elif data[i] == ",":
            out.append(buf)
            buf, i = "", i + 1
        else:
            buf, i = buf + data[i], i + 1
    return [*out, buf]


def _pool_range(text: str) -> tuple[str | None, str | None]:
    """(first, last) of "a - b", "a-b" or "prefix/len"."""
    text = text.strip()
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            return str(net.network_address), str(net.broadcast_address)
        if "-" in text:
            a, b = (p.strip() for p in text.split("-", 1))
            ipaddress.ip_address(a)
            ipaddress.ip_address(b)
            return a, b
        ipaddress.ip_address(text)
        return text, text
    except ValueError:
        return None, None


def _label(r: Obj) -> str:
    for key in ("hw-address", "duid", "client-id", "circuit-id", "flex-id", "ip-address",
                "hostname"):
        if isinstance(r.get(key), str):
            return f"{key} {r[key]}"
    return "(no identifier)"
