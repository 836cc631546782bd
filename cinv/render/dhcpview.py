"""DHCP data for the templates: options, boot settings and pools of networks and interfaces in
every server's syntax, and the Kea configurations.

A network's options are the ones its fields imply (routers, domain name, name servers) with its
`dhcp.options` on top (they win); an interface's `dhcp` adds to and overrides its network's for
that host only. A host in state `provisioning` on a network with `dhcp.provisioning` boots the
BIOS or UEFI file by its client architecture (option 93); in every other state it gets no such
entry and boots from disk. Each value is already valid for every syntax (see
cinv/records/dhcpopts.py).
"""
from __future__ import annotations

import ipaddress

from cinv.records import dhcpopts
from cinv.records.model import Dhcp, Host, Interface, Network
from cinv.render.env import dhcp_string
from cinv.render.item import Item

KEA_VALID_LIFETIME = 3600
PROVISIONING_STATE = "provisioning"


def option_item(name: str, value) -> Item:
    opt = dhcpopts.OPTIONS[name]
    return Item(name=name, code=opt.code, kea=opt.kea, dhcpd=dhcpopts.dhcpd(opt, value),
                kea_data=dhcpopts.kea(opt, value),
                dnsmasq=f"{opt.dnsmasq_key},{dhcpopts.dnsmasq(opt, value)}")


def _merged(implied: list[tuple[str, object]], own: dict, family: int) -> list[Item]:
    """Implied options in their order, each replaced by an own option of that name, then the
    remaining own options of this family by name."""
    out, done = [], set()
    for name, value in implied:
        if name in own:
            value = own[name]
        if value not in (None, [], ""):
            out.append(option_item(name, value))
        done.add(name)
    for name in sorted(own):
        if name not in done and dhcpopts.OPTIONS[name].family == family:
            out.append(option_item(name, own[name]))
    return out


def network_fields(net: Network, item: dict) -> None:
    """options4/options6, next_server, filename, provisioning, dhcp_interface of a network."""
    d = net.dhcp or Dhcp()
    item["options4"] = _merged([("routers", [item["gateway4"]] if item["gateway4"] else None),
                                ("domain-name", item["domain"]),
                                ("domain-name-servers", item["dns_servers4"])],
                               d.options, 4) if item["ipv4"] else []
    item["options6"] = _merged([("dhcp6.domain-search", [item["domain"]]),
                                ("dhcp6.name-servers", item["dns_servers6"])],
                               d.options, 6) if item["ipv6"] else []
    # next_server is the server of the boot files named here: for every host with `filename`,
    # else only for the hosts being provisioned (in their own entries)
    item["next_server"] = d.next_server if d.filename else None
    item["boot_server"] = d.next_server
    item["filename"] = d.filename
    item["provisioning"] = dict(d.provisioning) if d.provisioning else None
    item["dhcp_interface"] = d.interface


def interface_fields(host: Host, iface: Interface, net: Network | None, item: dict) -> None:
    """host_name, options4/options6, next_server, filename and boot (provisioning files) of an
    interface, and whether it gets a host entry in the v4 / v6 servers: every interface with a
    MAC does on an IPv4 network (without an address it is a known client that leases one)."""
    d = iface.dhcp or Dhcp()
    own = dict(d.options)
    item["host_name"] = own.pop("host-name", None) or item["fqdn"]
    item["options4"] = [option_item(n, v) for n, v in sorted(own.items())
                        if dhcpopts.OPTIONS[n].family == 4]
    item["options6"] = [option_item(n, v) for n, v in sorted(own.items())
                        if dhcpopts.OPTIONS[n].family == 6]
    item["next_server"] = d.next_server
    item["filename"] = d.filename
    item["tag"] = f"cinv-{item['block']}"  # dnsmasq's tag for this interface's own entries
    boot = None
    if host.state == PROVISIONING_STATE and d.filename is None:
        boot = boot_item(d, net, item["tag"])
    item["boot"] = boot
    own4 = bool(item["options4"] or d.next_server or d.filename or boot
                or "host-name" in d.options)
    # a MAC on an IPv4 network is a known client (dhcpd: a host block without an address)
    item["dhcp4"] = bool(item["mac"] and (item["ipv4"] or own4
                                          or (net is not None and net.ipv4 is not None)))
    item["dhcp6"] = bool((item["mac"] or item["duid"]) and item["ipv6"])
    item["own_entries"] = bool(own4 or item["options6"])
    item["entries4"], item["entries6"] = entries(item)


def entries(item: dict) -> tuple[list[Item], list[Item]]:
    """The DHCPv4 and DHCPv6 host entries of an interface, each with the dhcpd block's name
    and what keys it: one per MAC (its own, then each of other_macs as `<block>-2`, `-3` ...,
    all holding the same reservation), and in DHCPv6 the DUID instead when there is one."""
    blocks = [item["block"], *(f"{item['block']}-{n}"
                               for n in range(2, len(item["macs"]) + 1))]
    v4 = [Item(block=b, mac=m, key=f"hardware ethernet {m}")
          for b, m in zip(blocks, item["macs"])]
    v6 = [Item(block=item["block"], mac=None, duid=item["duid"],
               key=f"host-identifier option dhcp6.client-id {item['duid']}")] \
        if item["duid"] else [Item(block=b, mac=m, duid=None, key=f"hardware ethernet {m}")
                              for b, m in zip(blocks, item["macs"])]
    return v4, v6


def boot_item(d: Dhcp, net: Network | None, tag: str) -> Item | None:
    """What a provisioning interface boots: its own file (dhcp.provisioning of the interface),
    else its network's files by client (iPXE, UEFI HTTP, UEFI, BIOS), with the lines of its
    dhcpd host block and dnsmasq entries that choose among them (None: nothing to boot)."""
    ndhcp = net.dhcp if net is not None and net.dhcp is not None else Dhcp()
    server = d.next_server or ndhcp.next_server
    if d.provisioning:
        files = {}
        comment = "# provisioning: this host's own boot file"
    elif ndhcp.provisioning:
        files = {k: ndhcp.provisioning.get(k) for k in dhcpopts.PROVISIONING}
        comment = "# provisioning: boot by " + ", ".join(
            [w for k, w in (("ipxe", "iPXE's user class"), ("uefi_http", "UEFI HTTP boot"))
             if files[k]] + ["the client's architecture (option 93)"])
    else:
        return None
    boot = Item(own=d.provisioning, network=net.name if net is not None else None,
                next_server=server, comment=comment, **files)
    boot["dhcpd"] = _dhcpd_boot(boot)
    via = f",,{server}" if server else ""
    boot["dnsmasq"] = ([f"dhcp-boot=tag:{tag},{d.provisioning}{via}"] if d.provisioning
                       else _dnsmasq_boot(files, tag, via))
    return boot


def _choices(boot) -> list[tuple[str | None, str, str | None]]:
    """(dhcpd test or None for the rest, file, Kea/dnsmasq name) in the order tried."""
    return [(test, boot[key], key) for key, test in (
        ("ipxe", dhcpopts.ipxe_test_dhcpd()), ("uefi_http", dhcpopts.http_test_dhcpd()),
        ("uefi", dhcpopts.uefi_test_dhcpd()), ("bios", None)) if boot.get(key)]


def _dhcpd_boot(boot) -> list[str]:
    """The lines of a dhcpd host block that give a provisioning client its file (an if chain
    over the client kinds its network names; the BIOS file, if any, is the rest)."""
    if boot["own"]:
        return [f"filename {dhcp_string(boot['own'])};"]
    choices = _choices(boot)
    lines: list[str] = []
    for index, (test, file, key) in enumerate(choices):
        body = [f"option vendor-class-identifier {dhcp_string(dhcpopts.HTTP_VENDOR_CLASS)};"
                ] if key == "uefi_http" else []
        body.append(f"filename {dhcp_string(file)};")
        if test is None and not index:
            return body
        lines.append(f"{'if' if not index else '} elsif'} {test} {{" if test else "} else {")
        lines += [f"  {line}" for line in body]
    return lines + ["}"]


def _dnsmasq_boot(files: dict, tag: str, via: str) -> list[str]:
    """dnsmasq's lines for a provisioning host (tag: its own; via: ",,next server" or ""):
    each client kind by the tag the file's global lines set for it, earlier kinds excluded."""
    out, before = [], f"tag:{tag},"
    for key, kind in (("ipxe", "cinv-ipxe"), ("uefi_http", "cinv-http"),
                      ("uefi", "cinv-uefi"), ("bios", None)):
        if not files.get(key):
            continue
        when = f"{before}tag:{kind}," if kind else before
        out.append(f"dhcp-boot={when}{files[key]}{via}")
        if key == "uefi_http":
            out.append(f"dhcp-option-force={when}option:vendor-class,"
                       f"{dhcpopts.HTTP_VENDOR_CLASS}")
        if kind:
            before += f"tag:!{kind},"
    return out


def pools(net: dict, held=None) -> list[list[str]]:
    """The DHCP pool without the addresses hosts hold in it (a reservation inside a pool is
    allowed, with a warning from `cinv check`; Kea and dnsmasq must not lease it to others).
    held: the IPv4 addresses (integers) of the network's interfaces, when not taken from
    net["interfaces"]."""
    if not net["pool4"]:
        return []
    first, last = (int(ipaddress.IPv4Address(a)) for a in net["pool4"])
    if held is None:
        held = (int(ipaddress.IPv4Address(i["ipv4"])) for i in net["interfaces"] if i["ipv4"])
    held = sorted({a for a in held if first <= a <= last})
    out, start = [], first
    for a in held:
        if a > start:
            out.append((start, a - 1))
        start = a + 1
    if start <= last:
        out.append((start, last))
    return [[str(ipaddress.IPv4Address(a)), str(ipaddress.IPv4Address(b))] for a, b in out]


# --- Kea --------------------------------------------------------------------------------------

def _option_data(items: list) -> list[dict]:
    return [{"name": o["kea"], "data": o["kea_data"]} for o in items]


def reservations(iface: dict, family: int) -> list[dict]:
    """The Kea reservations of an interface (one with dhcp4 / dhcp6): one per host entry."""
    return [reservation(iface, family, entry) for entry in iface[f"entries{family}"]]


def reservation_key(r: dict) -> tuple:
    """The order of a subnet's reservations: by MAC, DUID-keyed ones first by DUID."""
    return (r.get("hw-address", ""), r.get("duid", ""))


def reservation(iface: dict, family: int, entry: dict) -> dict:
    """The Kea reservation of one host entry of an interface (see entries())."""
    r = {"hw-address": entry["mac"]} if entry["mac"] else {"duid": entry["duid"]}
    r["hostname"] = iface["host_name"]
    if family == 4:
        if iface["ipv4"]:
            r["ip-address"] = iface["ipv4"]
        if iface["next_server"]:
            r["next-server"] = iface["next_server"]
        if iface["filename"]:
            r["boot-file-name"] = iface["filename"]
        boot = iface["boot"]
        if boot and boot["own"]:  # the host's own file: its reservation says it
            r["boot-file-name"] = boot["own"]
            if boot["next_server"] and not iface["next_server"]:
                r["next-server"] = boot["next_server"]
        elif boot:
            r["client-classes"] = [_provisioning_class(iface["network"])]
    else:
        r["ip-addresses"] = [iface["ipv6"]]
    if iface[f"options{family}"]:
        r["option-data"] = _option_data(iface[f"options{family}"])
    return r


def kea(view, family: int, reserved=None, shared: bool = False) -> dict:
    """The Kea configuration. reserved(network name): what stands for a subnet's
    reservations, when they are not made here from the networks' interfaces (a render
    puts in text it keeps per host); shared: whether those hold one address twice (an
    interface's other MACs), which Kea allows with ip-reservations-unique off."""
    s = view.settings
    key = "ipv4" if family == 4 else "ipv6"
    single = [i for i in s["kea_interfaces"] if i != "*"]
    server_ifaces = set()
    subnets, classes = [], {}
    for net in sorted((n for n in view.networks if n[key]),
                      key=lambda n: ipaddress.ip_network(n[key])):
        subnet = {"id": net["subnet_id"], "subnet": net[key]}
        if family == 4:
            if net["pools4"]:
                subnet["pools"] = [{"pool": f"{a} - {b}"} for a, b in net["pools4"]]
            if net["next_server"]:
                subnet["next-server"] = net["next_server"]
            if net["filename"]:
                subnet["boot-file-name"] = net["filename"]
        subnet["option-data"] = _option_data(net[f"options{family}"])
        if family == 4 and net["provisioning"]:
            classes.update(_boot_classes(net["name"], net["provisioning"], net["boot_server"]))
        mine = [r for iface in net["interfaces"] if iface[f"dhcp{family}"]
                for r in reservations(iface, family)]
        shared = shared or _shares_addresses(mine)
        subnet["reservations"] = (reserved(net["name"]) if reserved is not None else
                                  sorted(mine, key=reservation_key))
        if net["dhcp_interface"]:
            subnet["interface"] = net["dhcp_interface"]
            server_ifaces.add(net["dhcp_interface"])
        elif family == 6 and len(single) == 1:
            # kea-dhcp6 selects a subnet for a directly connected client only by its
            # interface; with one interface named in cinv.yaml, that is the one.
            subnet["interface"] = single[0].split("/")[0]
        subnets.append(subnet)
    listen = list(s["kea_interfaces"])
    if "*" not in listen:
        listen += sorted(server_ifaces - {i.split("/")[0] for i in listen})
    root = {
        "interfaces-config": {"interfaces": listen},
        "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 3600},
        "valid-lifetime": KEA_VALID_LIFETIME,
        "reservations-out-of-pool": True,
    }
    if shared:  # several MACs of one interface may each take its address, one at a time
        root["ip-reservations-unique"] = False
    if classes:  # in the order they refer to each other
        root["client-classes"] = list(classes.values())
    if family == 4:
        root["subnet4"] = subnets
        return {"Dhcp4": root}
    root["subnet6"] = subnets
    root["preferred-lifetime"] = KEA_VALID_LIFETIME // 2
    return {"Dhcp6": root}


def _shares_addresses(reservations: list[dict]) -> bool:
    held = [a for r in reservations for a in ([r["ip-address"]] if "ip-address" in r
                                              else r.get("ip-addresses", []))]
    return len(held) != len(set(held))


def _provisioning_class(network: str) -> str:
    return f"cinv-provisioning-{network}"


def _boot_classes(network: str, boot: dict, next_server: str | None) -> dict:
    """The classes of a network with provisioning boot files, always defined, so a host's
    state changes only its own reservation: a host being provisioned names the network's
    provisioning class in its reservation; the others (evaluated after the host lookup, hence
    member('KNOWN')) give it the file of its kind of client, each kind excluding the ones
    before it (iPXE, UEFI HTTP, UEFI, then BIOS)."""
    member = f"member('KNOWN') and member('{_provisioning_class(network)}')"
    out = {_provisioning_class(network): {"name": _provisioning_class(network)}}
    tests = {"ipxe": dhcpopts.ipxe_test_kea(), "uefi_http": dhcpopts.http_test_kea(),
             "uefi": dhcpopts.uefi_test_kea()}
    names = {"ipxe": "ipxe", "uefi_http": "http", "uefi": "uefi", "bios": "bios"}
    excluded = ""
    for key in ("ipxe", "uefi_http", "uefi", "bios"):
        test = tests.get(key)
        if boot.get(key):
            when = f" and ({test})" if test else ""
            cls = {"name": f"cinv-{network}-{names[key]}", "test": f"{member}{excluded}{when}",
                   "boot-file-name": boot[key]}
            if next_server:
                cls["next-server"] = next_server
            if key == "uefi_http":
                cls["option-data"] = [{"name": "vendor-class-identifier", "always-send": True,
                                       "data": dhcpopts.HTTP_VENDOR_CLASS}]
            out[cls["name"]] = cls
        if test and boot.get(key):
            excluded += f" and not ({test})"
    return out
