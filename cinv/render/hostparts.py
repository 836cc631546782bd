"""What one host adds to each of cinv's own files, as plain strings: the body of each built-in
template's loop over `inv.hosts`, with trim_blocks and lstrip_blocks applied by hand.

Each file that lists hosts is then its template rendered over the networks alone (the host loop
comes last in every one of them, so it adds nothing there) followed by these parts in host
order; a domain XML is domainxml.py's. The templates stay the reference (an inventory's override
of one renders through Jinja2, in the sandbox); tests/test_render_fast.py compares both ways on
rich inventories. A host these builders do not cover exactly raises Fallback, and that target
is then rendered by its template.
"""
from __future__ import annotations

import json
import re
import socket

from cinv.render import dhcpview
from cinv.render.env import dhcp_string, to_ansible_vars, to_json_line


class Fallback(Exception):
    """This host needs the template (it would fail there with the template's own error)."""


def dhcpd4(host: dict) -> str:
    out = []
    for iface in host["interfaces"]:
        if not iface["dhcp4"]:
            continue
        first = len(out)
        out.append(f"\nhost {iface['block']} {{\n  hardware ethernet {iface['mac']};\n")
        if iface["ipv4"]:
            out.append(f"  fixed-address {iface['ipv4']};\n")
        out.append(f"  option host-name {dhcp_string(iface['host_name'])};\n")
        out.extend(f"  option {o['name']} {o['dhcpd']};\n" for o in iface["options4"])
        if iface["next_server"]:
            out.append(f"  next-server {iface['next_server']};\n")
        boot = iface["boot"]
        if iface["filename"]:
            out.append(f"  filename {dhcp_string(iface['filename'])};\n")
        elif boot:
            out.append(f"  {boot['comment']}\n")
            if boot["next_server"] and not iface["next_server"]:
                out.append(f"  next-server {boot['next_server']};\n")
            out.extend(f"  {line}\n" for line in boot["dhcpd"])
        out.append("}\n")
        body = "".join(out[first + 1:])  # the same reservation for each of its other MACs
        out.extend(f"\nhost {e['block']} {{\n  {e['key']};\n{body}"
                   for e in iface["entries4"][1:])
    return "".join(out)


def dhcpd6(host: dict) -> str:
    out = []
    for iface in host["interfaces"]:
        if not iface["dhcp6"]:
            continue
        for entry in iface["entries6"]:
            out.append(f"\nhost {entry['block']} {{\n  {entry['key']};\n"
                       f"  fixed-address6 {iface['ipv6']};\n")
            out.extend(f"  option {o['name']} {o['dhcpd']};\n" for o in iface["options6"])
            out.append("}\n")
    return "".join(out)


# Where a host's short name goes in a part kept for later (a render's fragment, made before
# the other hosts are known): the text with it, between NULs, which no record can hold. The
# assembly keeps the text, or drops it where two hosts share the short name (see unmark).
_SHORT = re.compile("\x00([^\x00]*)\x00")


def short_text(host: dict, text: str, later: bool) -> str:
    """text (the short name with its separator) where the host's short name is written: as
    it is, or "" where another host shares it; marked for the assembly when later."""
    if later:
        return f"\x00{text}\x00"
    return text if host["short_unique"] else ""


def unmark(text: str, shared: set[str]) -> str:
    """A kept part with its marked short names kept, or dropped where shared."""
    return _SHORT.sub(lambda m: "" if m.group(1)[1:] in shared else m.group(1), text)


def dnsmasq(host: dict, networks: dict, later: bool = False) -> str:
    out = [f"\n# {host['name']}\n"]
    for index, iface in enumerate(host["interfaces"]):
        mac, v4, v6, own = iface["mac"], iface["ipv4"], iface["ipv6"], iface["own_entries"]
        duid, by_mac6 = iface["duid"], v6 if not iface["duid"] else None
        name = "" if index else short_text(host, f",{host['short']}", later)
        set_tag = f",set:{iface['tag']}" if own else ""
        if mac and (iface["dhcp4"] or by_mac6 or own):  # dhcp4: also a known client
            out.append(f"dhcp-host={','.join(iface['macs'])}" + (f",{v4}" if v4 else "")
                       + (f",[{by_mac6}]" if by_mac6 else "") + name + set_tag + "\n")
        if duid and v6:  # DHCPv6 keyed on the client's DUID
            out.append(f"dhcp-host=id:{duid},[{v6}]{name}{set_tag}\n")
        if (mac or (duid and v6)) and own:
            tag = iface["tag"]
            out.extend(f"dhcp-option=tag:{tag},{o['dnsmasq']}\n"
                       for o in iface["options4"] + iface["options6"])
            server = iface["next_server"]
            if not server:
                net = networks.get(iface["network"])
                if net is None:
                    raise Fallback(iface["network"])
                server = net["next_server"]
            boot = iface["boot"]
            if iface["filename"]:
                out.append(f"dhcp-boot=tag:{tag},{iface['filename']}"
                           + (f",,{server}" if server else "") + "\n")
            elif boot:
                out.extend(f"{line}\n" for line in boot["dnsmasq"])
        if v4 or v6:
            out.append(f"host-record={iface['fqdn']}" + "".join(f",{n}" for n in iface["names"])
                       + (f",{v4}" if v4 else "") + (f",{v6}" if v6 else "") + "\n")
            out.extend(f"cname={alias},{iface['fqdn']}\n" for alias in iface["aliases"])
    return "".join(out)


def addresses(host: dict, later: bool = False):
    """(sort key, address, names) of each address of a host (a View host), in /etc/hosts' terms:
    the key orders IPv4 before IPv6 and each family by address; names are the interface's FQDN,
    its extra names and aliases, and the first interface's short name (unless another host
    shares it; marked for the assembly when later, see short_text)."""
    for index, iface in enumerate(host["interfaces"]):
        names = [iface["fqdn"], *iface["names"], *iface["aliases"]]
        for key, family in (("ipv4", socket.AF_INET), ("ipv6", socket.AF_INET6)):
            if iface[key]:
                packed = socket.inet_pton(family, iface[key])
                text = " ".join(names)
                if index == 0:
                    text += short_text(host, f" {host['short']}", later)
                yield (len(packed), packed), iface[key], text


def address_lines(host: dict) -> list[tuple]:
    """(sort key, line) of /etc/hosts for each address of a host (View.address_lines), its
    short name marked for the assembly."""
    return [(key, f"{address}\t{names}\n") for key, address, names in addresses(host, True)]


def ansible(host: dict, hostvars: dict, groups: list[str]) -> tuple[str, tuple, str]:
    """(the host's line under all.hosts, its groups, its line under a group's hosts)."""
    name = to_json_line(host["name"])
    return (f"    {name}: {to_ansible_vars(hostvars)}\n", tuple(groups), f"        {name}:\n")


def kea_json(iface: dict, family: int) -> list[tuple[tuple, str]]:
    """(sort key, text) of each reservation of an interface as templates/kea-dhcp*.conf.j2
    writes it (to_json: json.dumps with indent 2 and sorted keys), at its depth in the file:
    Dhcp -> subnet -> reservations."""
    return [(dhcpview.reservation_key(r), KEA_INDENT + pretty_json(r, KEA_INDENT))
            for r in dhcpview.reservations(iface, family)]


KEA_INDENT = " " * 10
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # C encoder: no indent, one value


def pretty_json(value, indent: str = "", step: str = "  ", dumps=_dumps) -> str:
    """json.dumps(value, indent=len(step), sort_keys=True, ensure_ascii=False) with every line
    after the first indented by `indent`: the same text, without json's slow indenting
    encoder. dumps: the encoder of one value (ensure_ascii, or not)."""
    if type(value) is dict:
        if not value:
            return "{}"
        inner = indent + step
        return "{\n" + ",\n".join(f"{inner}{dumps(k)}: {pretty_json(v, inner, step, dumps)}"
                                   for k, v in sorted(value.items())) + f"\n{indent}}}"
    if type(value) in (list, tuple):
        if not value:
            return "[]"
        inner = indent + step
        return "[\n" + ",\n".join(inner + pretty_json(v, inner, step, dumps)
                                   for v in value) + f"\n{indent}]"
    return dumps(value)


def kea_list(texts: list[str]) -> str:
    """A subnet's reservations list from kea_json parts (in hw-address order)."""
    if not texts:
        return "[]"
    return "[\n" + ",\n".join(texts) + "\n" + " " * 8 + "]"
