"""Strict parsing of loaded YAML mappings into model objects.

Unknown keys are problems with a did-you-mean, every value is validated and normalised, and each
problem carries the path:line of the value at fault. Parsing never raises: it returns the object
(or None when nothing usable was found) and appends to a list of problems.
"""
from __future__ import annotations

import difflib
import math
import re

from cinv import names, paths
from cinv.errors import Problem
from cinv.records import dhcpopts, libvirtdom, values
from cinv.records.model import (
    IPV6_MODES,
    KINDS,
    OVERCOMMIT,
    STATES,
    AnsibleSettings,
    Dhcp,
    Disk,
    DnsSettings,
    Hardware,
    Host,
    Interface,
    Network,
    Settings,
    Target,
)
from cinv.records.yamlio import LList, LMap

HOST_KEYS = ("name", "kind", "state", "description", "tags", "parent", "location", "hardware",
             "interfaces", "libvirt", "vars")
HARDWARE_KEYS = ("cpus", "memory", "disks", "vendor", "model", "serial")
DISK_KEYS = ("name", "size")
IFACE_KEYS = ("name", "mac", "other_macs", "duid", "network", "ipv4", "ipv6", "aliases", "names",
              "dhcp")
DHCP_KEYS = ("next_server", "filename", "provisioning", "options")
NETWORK_DHCP_KEYS = ("interface", "next_server", "filename", "provisioning", "options")
NETWORK_KEYS = ("name", "description", "domain", "ipv4", "gateway4", "ipv6", "gateway6",
                "ipv6_mode", "dhcp_pool", "reserved", "dns_servers", "vlan", "bridge",
                "subnet_id", "dhcp")
SETTINGS_KEYS = ("domain", "mac_prefix", "dns", "render", "libvirt", "git", "kea", "ansible",
                 "allocate", "capacity")
ANSIBLE_KEYS = ("host", "vars", "group_vars")
ANSIBLE_HOST = ("ip", "fqdn")
DNS_KEYS = ("ttl", "primary_ns", "hostmaster", "nameservers")
TARGET_KEYS = ("template", "each", "path")
MAX_TARGETS = 64  # user targets in render.targets (they share one time budget: env.bounded)
EACH = ("once", "host", "network", "zone")

VAR_INT_MIN, VAR_INT_MAX = -(1 << 63), (1 << 64) - 1  # numbers in vars: 64 bits
_TEXT_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, line separators
_VAR_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_BRIDGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}\Z")
_TEMPLATE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*\Z")


def text(value, limit: int = 1000) -> str:
    """One line of free text: no control characters (no newlines), at most `limit` long."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and value.bit_length() > 4 * limit:
            raise ValueError(f"is longer than {limit} characters")
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    if _TEXT_BAD.search(value):
        raise ValueError(f"{value[:40]!r} holds a control character or newline")
    if len(value) > limit:
        raise ValueError(f"is longer than {limit} characters")
    return value


def integer(low: int, high: int):
    def parse(value) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit() and len(value) < 40:
                value = int(value)
            else:
                raise ValueError(f"{value!r} is not a whole number")
        if not low <= value <= high:
            shown = value if value.bit_length() <= 128 else "the number"
            raise ValueError(f"{shown} is not between {low} and {high}")
        return value
    return parse


def choice(options):
    def parse(value) -> str:
        if value not in options:
            raise ValueError(f"{value!r} is not one of {', '.join(options)}")
        return value
    return parse


def boolean(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def absolute_name(value) -> str:
    """A DNS name written absolute (with the trailing dot), as in zone files."""
    return names.check_fqdn(value) + "."


def plain_data(value, depth: int = 0):
    """vars: nested mappings, lists and scalars only, with identifier keys."""
    if depth > 8:
        raise ValueError("is nested more than 8 levels deep")
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or not _VAR_KEY.match(key):
                raise ValueError(f"key {key!r} is not an identifier (letters, digits, '_')")
        return {k: plain_data(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_data(v, depth + 1) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not VAR_INT_MIN <= value <= VAR_INT_MAX:
            raise ValueError("a number outside 64 bits (-2**63 .. 2**64-1); quote it to keep "
                             "it as text")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, str):
        return text(value, 4000)
    raise ValueError(f"{value!r} is not plain data")


class Reader:
    """Collects problems for one file while its mappings are parsed."""

    def __init__(self, path: str, problems: list):
        self.path = path
        self.problems = problems

    def error(self, line: int, message: str, code: str = "schema") -> None:
        self.problems.append(Problem(self.path, line, message, "error", code))

    def mapping(self, value, label: str, line: int) -> LMap | None:
        if isinstance(value, LMap):
            return value
        if value is None:
            return None
        self.error(line, f"{label}: expected a mapping, got {type(value).__name__}")
        return None

    def sequence(self, data: LMap, key: str, label: str) -> LList:
        value = data.get(key)
        if value is None:
            return LList()
        if isinstance(value, LList):
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            single = LList([value])
            single.line = data.line_of(key)
            single.item_lines = [single.line]
            return single
        self.error(data.line_of(key), f"{label}: expected a list")
        return LList()

    def keys(self, data: LMap, allowed, prefix: str) -> None:
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                more = f" (did you mean {hint[0]!r}?)" if hint else \
                    f" (allowed: {', '.join(allowed)})"
                self.error(data.line_of(key), f"{prefix}{key}: unknown key{more}", "unknown-key")

    def field(self, data: LMap, key: str, parse, prefix: str = "", required: bool = False,
              default=None):
        if key not in data or data[key] is None:
            if required:
                self.error(data.line, f"{prefix}{key}: missing (required)", "missing")
            return default
        try:
            return parse(data[key])
        except ValueError as e:
            self.error(data.line_of(key), f"{prefix}{key}: {e}")
            return default

    def items(self, data: LMap, key: str, parse, prefix: str = "") -> list:
        out = []
        seq = self.sequence(data, key, f"{prefix}{key}")
        for index, item in enumerate(seq):
            try:
                out.append(parse(item))
            except ValueError as e:
                self.error(seq.line_of(index), f"{prefix}{key}[{index}]: {e}")
        return out


def parse_host(name: str, data, path: str, problems: list) -> Host | None:
    """A host record; `name` comes from the file name."""
    r = Reader(path, problems)
    if not isinstance(data, LMap):
        r.error(1, "a host record must be a mapping of fields (kind, state, interfaces, ...)")
        return None
    r.keys(data, HOST_KEYS, "")
    if "name" in data and data["name"] != name and str(data["name"]).rstrip(".") != name:
        r.error(data.line_of("name"), f"name: {data['name']!r} differs from the file name "
                f"({name}); the file must be named after the host's FQDN", "name-mismatch")
    host = Host(name=name, kind=r.field(data, "kind", choice(KINDS), required=True,
                                        default="physical"), path=path, line=data.line,
                lines=data.key_lines)
    host.state = r.field(data, "state", choice(STATES), default="active")
    host.description = r.field(data, "description", text)
    host.location = r.field(data, "location", text)
    host.tags = r.items(data, "tags", names.check_tag)
    host.parent = r.field(data, "parent", names.check_fqdn)
    host.vars = r.field(data, "vars", lambda v: plain_data(v) if isinstance(v, dict) else
                        _not_mapping(v), default={})
    if host.vars:
        host.lines = dict(host.lines)
        _var_lines(host.lines, "vars.", data["vars"])
    hw = r.mapping(data.get("hardware"), "hardware", data.line_of("hardware"))
    if hw is not None:
        host.hardware = _parse_hardware(r, hw)
    for index, item in enumerate(r.sequence(data, "interfaces", "interfaces")):
        prefix = f"interfaces[{index}]."
        m = r.mapping(item, f"interfaces[{index}]", data.line_of("interfaces"))
        if m is None:
            continue
        iface = _parse_interface(r, m, prefix)
        if iface is not None:
            host.interfaces.append(iface)
    lv = r.mapping(data.get("libvirt"), "libvirt", data.line_of("libvirt"))
    if lv is not None:
        lines: dict = {}
        host.libvirt = libvirtdom.parse(r, lv, [i.name for i in host.interfaces], lines)
        host.lines = {**host.lines, **lines}
    return host


def parse_dhcp(r: Reader, m: LMap, prefix: str, network: bool) -> Dhcp:
    """A `dhcp:` block: boot server and file, options; a network's also its provisioning
    boot files and the DHCP server's interface."""
    r.keys(m, NETWORK_DHCP_KEYS if network else DHCP_KEYS, prefix)
    out = Dhcp(next_server=r.field(m, "next_server", dhcpopts.ipv4, prefix),
               filename=r.field(m, "filename", dhcpopts.filename, prefix))
    opts = r.mapping(m.get("options"), f"{prefix}options", m.line_of("options"))
    for key, value in (opts or {}).items():
        try:
            name, parsed = dhcpopts.parse_option(key, value)
        except ValueError as e:
            r.error(opts.line_of(key), f"{prefix}options.{key}: {e}")
            continue
        if name in out.options:
            r.error(opts.line_of(key), f"{prefix}options.{key}: option {name} is given twice")
        out.options[name] = parsed
    out.options = dict(sorted(out.options.items()))
    if not network:  # the host's own boot file, only while it is provisioning
        out.provisioning = r.field(m, "provisioning", _own_boot_file, prefix)
        return out
    out.interface = r.field(m, "interface", dhcpopts.server_interface, prefix)
    prov = r.mapping(m.get("provisioning"), f"{prefix}provisioning", m.line_of("provisioning"))
    if prov is not None:
        where = f"{prefix}provisioning."
        r.keys(prov, dhcpopts.PROVISIONING, where)
        files = {k: r.field(prov, k, dhcpopts.BOOT_FILE[k], where)
                 for k in dhcpopts.PROVISIONING if k in prov}
        if not prov:
            r.error(m.line_of("provisioning"), f"{prefix}provisioning: name at least one boot "
                    f"file ({', '.join(dhcpopts.PROVISIONING)})")
        elif all(v is not None for v in files.values()):
            out.provisioning = files
    return out


def _own_boot_file(value) -> str:
    if isinstance(value, (dict, list)):
        raise ValueError("expected one boot file name (this host's own, only while it is "
                         "provisioning; a network's provisioning names files by client)")
    return dhcpopts.filename(value)


def _not_mapping(value):
    raise ValueError("expected a mapping of names to values")


def _parse_hardware(r: Reader, hw: LMap) -> Hardware:
    r.keys(hw, HARDWARE_KEYS, "hardware.")
    out = Hardware(cpus=r.field(hw, "cpus", integer(1, 4096), "hardware."),
                   memory=r.field(hw, "memory", values.parse_size, "hardware."),
                   vendor=r.field(hw, "vendor", text, "hardware."),
                   model=r.field(hw, "model", text, "hardware."),
                   serial=r.field(hw, "serial", text, "hardware."))
    disks = r.sequence(hw, "disks", "hardware.disks")
    for index, item in enumerate(disks):
        prefix = f"hardware.disks[{index}]."
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            item = LMap(size=item)
            item.line, item.key_lines = disks.line_of(index), {}
        d = r.mapping(item, prefix[:-1], disks.line_of(index))
        if d is None:
            continue
        r.keys(d, DISK_KEYS, prefix)
        size = r.field(d, "size", values.parse_size, prefix, required=True)
        if size is not None:
            out.disks.append(Disk(size=size, name=r.field(d, "name", names.check_ifname, prefix)))
    return out


def _parse_interface(r: Reader, m: LMap, prefix: str) -> Interface | None:
    r.keys(m, IFACE_KEYS, prefix)
    name = r.field(m, "name", names.check_ifname, prefix, required=True)
    if name is None:
        return None
    iface = Interface(
        name=name,
        network=r.field(m, "network", names.check_network_name, prefix, required=True),
        mac=r.field(m, "mac", _mac, prefix),
        ipv4=r.field(m, "ipv4", _ip4, prefix),
        ipv6=r.field(m, "ipv6", _ip6, prefix),
        aliases=r.items(m, "aliases", _alias, prefix),
        line=m.line, lines=m.key_lines,
        names=r.items(m, "names", _alias, prefix),
        other_macs=r.items(m, "other_macs", _mac, prefix),
        duid=r.field(m, "duid", values.parse_duid, prefix))
    dhcp = r.mapping(m.get("dhcp"), f"{prefix}dhcp", m.line_of("dhcp"))
    if dhcp is not None:
        iface.dhcp = parse_dhcp(r, dhcp, f"{prefix}dhcp.", network=False)
    return iface


def _mac(value) -> int:
    mac = values.mac_to_int(value)
    why = values.mac_problem(mac)
    if why:
        raise ValueError(f"{values.mac_str(mac)} {why}")
    return mac


def _ip4(value):
    return values.parse_ip(value, 4)


def _ip6(value):
    return values.parse_ip(value, 6)


def _alias(value) -> str:
    """A label (relative to the interface's domain) or an FQDN; never '@' or a wildcard."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a DNS name")
    return names.check_fqdn(value)


def parse_network(name: str, data, path: str, problems: list) -> Network | None:
    r = Reader(path, problems)
    if not isinstance(data, LMap):
        r.error(1, "a network record must be a mapping of fields (domain, ipv4, ...)")
        return None
    r.keys(data, NETWORK_KEYS, "")
    if "name" in data and data["name"] != name:
        r.error(data.line_of("name"), f"name: {data['name']!r} differs from the file name "
                f"({name})", "name-mismatch")
    net = Network(name=name, path=path, line=data.line, lines=data.key_lines)
    net.description = r.field(data, "description", text)
    net.domain = r.field(data, "domain", names.check_fqdn)
    net.ipv4 = r.field(data, "ipv4", lambda v: values.parse_net(v, 4))
    net.gateway4 = r.field(data, "gateway4", _ip4)
    net.ipv6 = r.field(data, "ipv6", lambda v: values.parse_net(v, 6))
    net.gateway6 = r.field(data, "gateway6", _ip6)
    net.ipv6_mode = r.field(data, "ipv6_mode", choice(IPV6_MODES), default="sequential")
    net.dhcp_pool = r.field(data, "dhcp_pool", _pool)
    net.reserved = r.items(data, "reserved", values.parse_range)
    net.dns_servers = r.items(data, "dns_servers", _any_ip)
    net.vlan = r.field(data, "vlan", integer(1, 4094))
    net.bridge = r.field(data, "bridge", _bridge)
    net.subnet_id = r.field(data, "subnet_id", integer(1, 4294967294))
    dhcp = r.mapping(data.get("dhcp"), "dhcp", data.line_of("dhcp"))
    if dhcp is not None:
        net.dhcp = parse_dhcp(r, dhcp, "dhcp.", network=True)
    if data.get("ipv4") is None and data.get("ipv6") is None:  # (a bad one is reported)
        r.error(data.line, "a network needs ipv4 or ipv6 (or both)", "missing")
    return net


def _pool(value) -> tuple[int, int]:
    version, first, last = values.parse_range(value)
    if version != 4:
        raise ValueError(f"{value!r}: the DHCP pool is an IPv4 range")
    return first, last


def _any_ip(value):
    try:
        return values.ip_address(str(value))
    except ValueError as e:
        if "scope id" in str(e):
            raise
        raise ValueError(f"{value!r} is not an IP address") from None


def _bridge(value) -> str:
    if not isinstance(value, str) or not _BRIDGE.match(value):
        raise ValueError(f"{value!r} is not a bridge name (letters, digits, '-', '_', '.', "
                         "at most 15)")
    return value


def parse_settings(data, path: str, problems: list) -> Settings:
    r = Reader(path, problems)
    s = Settings(path=path)
    if data is None:
        return s
    if not isinstance(data, LMap):
        r.error(1, "cinv.yaml must be a mapping of settings (domain, mac_prefix, dns, ...)")
        return s
    s.lines = dict(data.key_lines)  # and the lines of nested keys that validators name
    r.keys(data, SETTINGS_KEYS, "")
    s.domain = r.field(data, "domain", names.check_fqdn, default=s.domain)
    s.mac_prefix = r.field(data, "mac_prefix", _mac_prefix, default=s.mac_prefix)
    dns = r.mapping(data.get("dns"), "dns", data.line_of("dns"))
    if dns is not None:
        r.keys(dns, DNS_KEYS, "dns.")
        d = DnsSettings()
        d.ttl = r.field(dns, "ttl", integer(0, 2**31 - 1), "dns.", default=d.ttl)
        d.primary_ns = r.field(dns, "primary_ns", absolute_name, "dns.", default=d.primary_ns)
        d.hostmaster = r.field(dns, "hostmaster", _hostmaster, "dns.", default=d.hostmaster)
        nameservers = r.items(dns, "nameservers", absolute_name, "dns.")
        d.nameservers = nameservers or [d.primary_ns]
        s.dns = d
    render = r.mapping(data.get("render"), "render", data.line_of("render"))
    if render is not None:
        r.keys(render, ("out", "targets"), "render.")
        s.render_out = r.field(render, "out", _out_dir, "render.", default=s.render_out)
        targets = r.mapping(render.get("targets"), "render.targets", render.line_of("targets"))
        if targets is not None and len(targets) > MAX_TARGETS:
            r.error(render.line_of("targets"), f"render.targets: {len(targets)} targets, over "
                    f"the limit of {MAX_TARGETS}; none of them is rendered")
            targets = None
        for tname, spec in (targets or {}).items():
            target = _parse_target(r, tname, spec, targets.line_of(tname))
            if target is not None:
                s.targets[target.name] = target
    libvirt = r.mapping(data.get("libvirt"), "libvirt", data.line_of("libvirt"))
    if libvirt is not None:
        s.lines["libvirt.image_dir"] = libvirt.line_of("image_dir")
        r.keys(libvirt, ("image_dir",), "libvirt.")
        s.image_dir = r.field(libvirt, "image_dir", _abs_dir, "libvirt.", default=s.image_dir)
    git = r.mapping(data.get("git"), "git", data.line_of("git"))
    if git is not None:
        r.keys(git, ("auto_commit",), "git.")
        s.auto_commit = r.field(git, "auto_commit", boolean, "git.", default=True)
    alloc = r.mapping(data.get("allocate"), "allocate", data.line_of("allocate"))
    if alloc is not None:
        r.keys(alloc, ("hold_days", "avoid_refs"), "allocate.")
        s.hold_days = r.field(alloc, "hold_days", _days, "allocate.", default=s.hold_days)
        s.avoid_refs = r.items(alloc, "avoid_refs", _ref_pattern, "allocate.")
    capacity = r.mapping(data.get("capacity"), "capacity", data.line_of("capacity"))
    if capacity is not None:
        r.keys(capacity, ("overcommit",), "capacity.")
        ratios = r.mapping(capacity.get("overcommit"), "capacity.overcommit",
                           capacity.line_of("overcommit"))
        if ratios is not None:
            r.keys(ratios, tuple(OVERCOMMIT), "capacity.overcommit.")
            for key in OVERCOMMIT:
                s.overcommit[key] = r.field(ratios, key, _ratio, "capacity.overcommit.",
                                            default=s.overcommit[key])
    kea = r.mapping(data.get("kea"), "kea", data.line_of("kea"))
    if kea is not None:
        r.keys(kea, ("interfaces",), "kea.")
        s.kea_interfaces = r.items(kea, "interfaces", _kea_iface, "kea.") or ["*"]
    ansible = r.mapping(data.get("ansible"), "ansible", data.line_of("ansible"))
    if ansible is not None:
        _var_lines(s.lines, "ansible.vars.", ansible.get("vars"))
        groups = ansible.get("group_vars")
        _var_lines(s.lines, "ansible.group_vars.", groups)
        for group in groups if isinstance(groups, LMap) else ():
            _var_lines(s.lines, f"ansible.group_vars.{group}.", groups[group])
        r.keys(ansible, ANSIBLE_KEYS, "ansible.")
        s.ansible = AnsibleSettings(
            host=r.field(ansible, "host", choice(ANSIBLE_HOST), "ansible.", default="ip"),
            vars=r.field(ansible, "vars", _vars, "ansible.", default={}),
            group_vars=r.field(ansible, "group_vars", _group_vars, "ansible.", default={}))
    return s


def _ref_pattern(value) -> str:
    """A branch name or shell pattern ('customer-*'), as git names branches."""
    if not isinstance(value, str) or not value.strip() or value.startswith("-") \
            or _TEXT_BAD.search(value) or " " in value or len(value) > 200:
        raise ValueError(f"{value!r} is not a branch name pattern (e.g. 'customer-*')")
    return value


def _ratio(value) -> int | float:
    """An over-commit ratio: a number above 0 (1: no over-commit), at most 1000."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not (0 < value <= 1000) or math.isnan(value):
        raise ValueError(f"{value!r} is not a ratio (a number above 0 and at most 1000; 1 "
                         "allows no over-commit)")
    return value


def _var_lines(lines: dict, prefix: str, data) -> None:
    """lines[prefix + key]: the line of each key of a vars mapping (validators name them)."""
    if isinstance(data, LMap):
        for key in data:
            lines[f"{prefix}{key}"] = data.line_of(key)


def _vars(value) -> dict:
    return plain_data(value) if isinstance(value, dict) else _not_mapping(value)


def _group_vars(value) -> dict:
    """{group: {var: value}}: group names as Ansible takes them (identifiers), not `all`
    (that is ansible.vars) nor `ungrouped`, nor `_meta` (the key of every host's vars in
    Ansible's dynamic-inventory protocol: a group of that name would replace them)."""
    groups = _vars(value)
    for name, group in groups.items():
        if name in ("all", "ungrouped"):
            raise ValueError(f"{name!r}: set the vars of every host in ansible.vars")
        if name == "_meta":
            raise ValueError(f"{name!r} is reserved by Ansible's dynamic-inventory protocol "
                             "(every host's vars); not a group name")
        if not isinstance(group, dict):
            raise ValueError(f"{name}: expected a mapping of vars, not {group!r}")
    return groups


def _parse_target(r: Reader, name, spec, line: int) -> Target | None:
    prefix = f"render.targets.{name}."
    if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,62}\Z", name):
        r.error(line, f"render.targets: {name!r} is not a target name")
        return None
    m = r.mapping(spec, prefix[:-1], line)
    if m is None:
        r.error(line, f"{prefix[:-1]}: expected a mapping with template, each and path")
        return None
    r.keys(m, TARGET_KEYS, prefix)
    template = r.field(m, "template", _template_name, prefix, required=True)
    each = r.field(m, "each", choice(EACH), prefix, default="once")
    path = r.field(m, "path", _target_path, prefix, required=True)
    if template is None or path is None:
        return None
    return Target(name=name, template=template, each=each, path=path)


def _out_dir(value) -> str:
    """render.out: a clean relative path inside the inventory (the one path rule of
    cinv/paths.py: no absolute path, no '..', no hidden folder), not one of its input folders.
    Only --out on the command line (the operator's choice) may point elsewhere."""
    value = text(value, 400)
    try:
        rel = paths.clean_relative(value, "output dir")
    except paths.UnsafePath as e:
        raise ValueError(f"{e}; it must be a folder inside the inventory (--out may name "
                         "another)") from None
    if rel.split("/")[0] in paths.INVENTORY_INPUTS:
        raise ValueError(f"{value!r} lies in an input folder of the inventory")
    return rel


def _target_path(value) -> str:
    """A target's output path: a template; written without one, it must already be a clean
    relative path inside the output dir (cinv/paths.py), so check sees what render refuses."""
    value = text(value, 400)
    if "{" not in value:
        try:
            paths.clean_relative(value, "output path")
        except paths.UnsafePath as e:
            raise ValueError(f"{value!r} {e.why}; it must be a plain relative path inside "
                             "the output directory") from None
    return value


def _template_name(value) -> str:
    if not isinstance(value, str) or not _TEMPLATE.match(value) or ".." in value.split("/"):
        raise ValueError(f"{value!r} is not a template file name under templates/")
    return value


def _mac_prefix(value) -> str:
    prefix, bits = values.parse_mac_prefix(value)
    raw = f"{prefix:0{bits // 4}x}"
    return ":".join(raw[i:i + 2] for i in range(0, len(raw), 2))


def _hostmaster(value) -> str:
    if isinstance(value, str) and "@" in value:
        user, _, domain = value.partition("@")
        value = f"{user.replace('.', '-')}.{domain}"
    return absolute_name(value)


def _abs_dir(value) -> str:
    value = text(value, 400)
    if not value.startswith("/") or any(c in value for c in "'\"<>&"):
        raise ValueError(f"{value!r} is not an absolute directory path")
    return value.rstrip("/") or "/"


def _days(value) -> float:
    """A number of days, 0 to 3650 (fractions allowed: 0.5 is twelve hours)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3650:
        raise ValueError(f"{value!r} is not a number of days from 0 to 3650")
    return value


def _kea_iface(value) -> str:
    if value == "*" or (isinstance(value, str)
                        and re.match(r"^[A-Za-z0-9_.-]{1,15}(/[0-9a-f:.]+)?\Z", value)):
        return value
    raise ValueError(f"{value!r} is not an interface name or '*'")
