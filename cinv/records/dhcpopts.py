"""DHCP options cinv knows: names in ISC dhcpd, Kea and dnsmasq, value types, and the `dhcp:`
block of networks and interfaces (next_server, filename, options, provisioning, interface).

A record names an option by any of its names (dhcpd `ntp-servers`, Kea `boot-file-name`, dnsmasq
`option:ntp-server`; DHCPv6 options with `dhcp6.`); it is stored under its ISC dhcpd name. Every
value is parsed into its type and written back normalised, and only values that need no quoting
in any of the three syntaxes are accepted (no quotes, backslashes, commas, '#', blanks or control
characters), so each renderer can place them as they are.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from cinv import names
from cinv.records import values

# Client system architectures (option 93, RFC 4578) booted as UEFI: x86, x64, EBC, ARM 32/64;
# and the same booting from HTTP (UEFI HTTP boot: x86, x64, EBC, ARM 32/64).
UEFI_ARCHES = (6, 7, 9, 10, 11)
HTTP_ARCHES = (15, 16, 17, 18, 19)
# A network's provisioning boot files, by the client that gets each: a PXE BIOS or UEFI
# firmware by its architecture, iPXE by its user class (a script URL: so a chainloaded
# undionly.kpxe does not load itself again), UEFI HTTP boot (an http(s) URL).
PROVISIONING = ("bios", "uefi", "ipxe", "uefi_http")
IPXE_USER_CLASS = "iPXE"
HTTP_VENDOR_CLASS = "HTTPClient"

_TEXT = re.compile(r"^[A-Za-z0-9._/:@%+=?&~!$(){}\[\]*^|-]{1,255}\Z")
_IFACE = re.compile(r"^[A-Za-z0-9_.-]{1,15}\Z")


@dataclass(frozen=True)
class Option:
    name: str  # ISC dhcpd's name: how it is stored
    family: int
    code: int
    type: str  # ip ips ip6s text fqdn fqdns uint8 uint16 uint32 int32 bool
    kea: str
    dnsmasq: str  # dnsmasq's name (or number) without the option:/option6: prefix

    @property
    def dnsmasq_key(self) -> str:
        prefix = "option" if self.family == 4 else "option6"
        return f"{prefix}:{self.dnsmasq}" if not self.dnsmasq.isdigit() else \
            (self.dnsmasq if self.family == 4 else f"option6:{self.dnsmasq}")


_V4 = [  # name, code, type, Kea name, dnsmasq name
    ("time-offset", 2, "int32", "time-offset", "time-offset"),
    ("routers", 3, "ips", "routers", "router"),
    ("time-servers", 4, "ips", "time-servers", "4"),
    ("domain-name-servers", 6, "ips", "domain-name-servers", "dns-server"),
    ("log-servers", 7, "ips", "log-servers", "log-server"),
    ("lpr-servers", 9, "ips", "lpr-servers", "lpr-server"),
    ("host-name", 12, "text", "host-name", "12"),
    ("boot-size", 13, "uint16", "boot-size", "boot-file-size"),
    ("domain-name", 15, "fqdn", "domain-name", "domain-name"),
    ("swap-server", 16, "ip", "swap-server", "swap-server"),
    ("root-path", 17, "text", "root-path", "root-path"),
    ("extensions-path", 18, "text", "extensions-path", "extension-path"),
    ("ip-forwarding", 19, "bool", "ip-forwarding", "ip-forward-enable"),
    ("default-ip-ttl", 23, "uint8", "default-ip-ttl", "default-ttl"),
    ("interface-mtu", 26, "uint16", "interface-mtu", "mtu"),
    ("broadcast-address", 28, "ip", "broadcast-address", "28"),
    ("nis-domain", 40, "text", "nis-domain", "nis-domain"),
    ("nis-servers", 41, "ips", "nis-servers", "nis-server"),
    ("ntp-servers", 42, "ips", "ntp-servers", "ntp-server"),
    ("netbios-name-servers", 44, "ips", "netbios-name-servers", "netbios-ns"),
    ("netbios-dd-server", 45, "ips", "netbios-dd-server", "netbios-dd"),
    ("netbios-node-type", 46, "uint8", "netbios-node-type", "netbios-nodetype"),
    ("netbios-scope", 47, "text", "netbios-scope", "netbios-scope"),
    ("font-servers", 48, "ips", "font-servers", "x-windows-fs"),
    ("x-display-manager", 49, "ips", "x-display-manager", "x-windows-dm"),
    ("tftp-server-name", 66, "text", "tftp-server-name", "tftp-server"),
    ("bootfile-name", 67, "text", "boot-file-name", "bootfile-name"),
    ("smtp-server", 69, "ips", "smtp-server", "smtp-server"),
    ("pop-server", 70, "ips", "pop-server", "pop3-server"),
    ("nntp-server", 71, "ips", "nntp-server", "nntp-server"),
    ("www-server", 72, "ips", "www-server", "72"),
    ("irc-server", 74, "ips", "irc-server", "irc-server"),
    ("pcode", 100, "text", "pcode", "posix-timezone"),
    ("tcode", 101, "text", "tcode", "tzdb-timezone"),
    ("domain-search", 119, "fqdns", "domain-search", "domain-search"),
]
_V6 = [
    ("dhcp6.name-servers", 23, "ip6s", "dns-servers", "dns-server"),
    ("dhcp6.domain-search", 24, "fqdns", "domain-search", "domain-search"),
    ("dhcp6.nis-servers", 27, "ip6s", "nis-servers", "nis-server"),
    ("dhcp6.sntp-servers", 31, "ip6s", "sntp-servers", "sntp-server"),
    ("dhcp6.info-refresh-time", 32, "uint32", "information-refresh-time",
     "information-refresh-time"),
    ("dhcp6.bootfile-url", 59, "text", "bootfile-url", "bootfile-url"),
]

OPTIONS: dict[str, Option] = {}
for _family, _rows in ((4, _V4), (6, _V6)):
    for _name, _code, _type, _kea, _dnsmasq in _rows:
        OPTIONS[_name] = Option(_name, _family, _code, _type, _kea, _dnsmasq)

# Every spelling a record may use -> the stored name.
ALIASES: dict[str, str] = {}
for _opt in OPTIONS.values():
    if _opt.family == 4:
        spellings = {_opt.name, _opt.kea, f"option:{_opt.dnsmasq}"}
        if not _opt.dnsmasq.isdigit():
            spellings.add(_opt.dnsmasq)
    else:
        short = _opt.name[len("dhcp6."):]
        spellings = {_opt.name, f"dhcp6.{_opt.kea}", f"dhcp6.{_opt.dnsmasq}",
                     f"option6:{_opt.dnsmasq}", f"dhcp6.{short}"}
    for _spelling in spellings:
        ALIASES.setdefault(_spelling, _opt.name)

# Set by a network's own fields (gateway4, domain, dns_servers); `options` may override them.
FROM_NETWORK = {"routers", "domain-name", "domain-name-servers", "dhcp6.name-servers",
                "dhcp6.domain-search"}


def lookup(name) -> Option | None:
    """The option a record or a config file names, by any of its names (case-insensitive)."""
    if not isinstance(name, str):
        return None
    return OPTIONS.get(ALIASES.get(name.strip().lower(), ""))


def known_names(family: int | None = None) -> list[str]:
    return sorted(n for n, o in OPTIONS.items() if family in (None, o.family))


TYPE_TEXT = {"ip": "address", "ips": "addresses", "ip6s": "IPv6 addresses", "text": "text",
             "fqdn": "domain", "fqdns": "domains", "uint8": "0-255", "uint16": "0-65535",
             "uint32": "0-4294967295", "int32": "signed 32-bit", "bool": "true/false"}


def listing(family: int | None = None, word: str | None = None) -> list[dict]:
    """The options cinv knows, v4 then v6, each by code: its name in each server's syntax (the
    dhcpd one is how a record stores it; any of them may be written) and its value type.
    word: only options with it in one of their names."""
    out = []
    for opt in sorted(OPTIONS.values(), key=lambda o: (o.family, o.code)):
        row = {"dhcpd": opt.name, "family": opt.family, "code": opt.code, "kea": opt.kea,
               "dnsmasq": opt.dnsmasq_key, "type": TYPE_TEXT[opt.type]}
        if family not in (None, opt.family):
            continue
        if word and not any(word.lower() in n for n in (opt.name, opt.kea, opt.dnsmasq_key)):
            continue
        out.append(row)
    return out


# --- values -------------------------------------------------------------------------------

def text(value, limit: int = 255) -> str:
    """Text every DHCP syntax takes unquoted: printable ASCII, none of blank " ' \\ , ; # <>."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _TEXT.match(value) or len(value) > limit:
        raise ValueError(f"{str(value)[:60]!r} is not DHCP text (1 to {limit} printable ASCII "
                         "characters without blanks, quotes, backslashes, commas, ';', '#', '<' "
                         "or '>')")
    return value


def filename(value) -> str:
    """A boot file name or URL (the BOOTP file field holds 128 bytes)."""
    return text(value, 128)


def http_url(value) -> str:
    """A UEFI HTTP boot file: an http:// or https:// URL the firmware downloads."""
    url = filename(value)
    if not re.match(r"^https?://[^/]", url):
        raise ValueError(f"{url!r} is not an http:// or https:// URL (UEFI HTTP boot loads "
                         "its file from a web server)")
    return url


def ipv4(value) -> str:
    return str(values.parse_ip(str(value), 4))


def _ipv6(value) -> str:
    return str(values.parse_ip(str(value), 6))  # never with a scope id ('%eth0')


def _domain(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a domain name")
    return names.check_fqdn(value.strip())


def _items(value) -> list:
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(",")) if v]
    if not isinstance(value, list) or not value:
        raise ValueError(f"{value!r} is not a list of values")
    if len(value) > 32:
        raise ValueError("holds more than 32 values")
    return value


def _integer(bits: int, signed: bool = False):
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def parse(value) -> int:
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,11}", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{value!r} is not a whole number from {low} to {high}")
        return value
    return parse


def _boolean(value) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "on", "false", "off"):
        return value.strip().lower() in ("true", "on")
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


_PARSE = {
    "ip": ipv4, "text": text, "fqdn": _domain, "bool": _boolean,
    "uint8": _integer(8), "uint16": _integer(16), "uint32": _integer(32),
    "int32": _integer(32, signed=True),
    "ips": lambda v: [ipv4(a) for a in _items(v)],
    "ip6s": lambda v: [_ipv6(a) for a in _items(v)],
    "fqdns": lambda v: [_domain(a) for a in _items(v)],
}


def parse_value(opt: Option, value):
    """The value normalised for its type (lists as lists), or ValueError."""
    return _PARSE[opt.type](value)


def parse_option(key, value) -> tuple[str, object]:
    """One `NAME: VALUE` of an options mapping -> (stored name, normalised value)."""
    opt = lookup(key)
    if opt is None:
        import difflib
        hint = difflib.get_close_matches(str(key).lower(), list(ALIASES), n=1)
        more = f" (did you mean {ALIASES[hint[0]]!r}?)" if hint else \
            " (`cinv dhcp options` lists them)"
        raise ValueError(f"{key!r} is not a DHCP option cinv knows{more}")
    return opt.name, parse_value(opt, value)


def server_interface(value) -> str:
    """The interface the DHCP server answers this network on (Kea's subnet `interface`)."""
    if not isinstance(value, str) or not _IFACE.match(value) or value in (".", ".."):
        raise ValueError(f"{value!r} is not an interface name (letters, digits, '_', '.', '-', "
                         "at most 15)")
    return value


# --- rendering: one value in each syntax ---------------------------------------------------

def dhcpd(opt: Option, value) -> str:
    if opt.type in ("text", "fqdn"):
        return f'"{value}"'
    if opt.type == "fqdns":
        return ", ".join(f'"{v}"' for v in value)
    if isinstance(value, list):
        return ", ".join(value)
    if opt.type == "bool":
        return "true" if value else "false"
    return str(value)


def kea(opt: Option, value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if opt.type == "bool":
        return "true" if value else "false"
    return str(value)


def dnsmasq(opt: Option, value) -> str:
    if opt.type == "ip6s":
        return ",".join(f"[{v}]" for v in value)
    if isinstance(value, list):
        return ",".join(value)
    if opt.type == "bool":
        return "1" if value else "0"
    return str(value)


BOOT_FILE = {"bios": filename, "uefi": filename, "ipxe": filename, "uefi_http": http_url}


def uefi_test_dhcpd() -> str:
    """dhcpd's test for a UEFI client (pxe-system-type is ISC's built-in name of option 93)."""
    return " or ".join(f"option pxe-system-type = 00:{a:02x}" for a in UEFI_ARCHES)


def uefi_test_kea() -> str:
    return " or ".join(f"option[93].hex == 0x{a:04x}" for a in UEFI_ARCHES)


def ipxe_test_dhcpd() -> str:
    """iPXE says who it is in its user class (option 77: the bytes "iPXE", not RFC 3004's
    form, as dhcpd reads it)."""
    return f'exists user-class and option user-class = "{IPXE_USER_CLASS}"'


def ipxe_test_kea() -> str:
    return f"substring(option[77].hex,0,4) == '{IPXE_USER_CLASS}'"


def http_test_dhcpd() -> str:
    """A UEFI HTTP boot client: an HTTP architecture in option 93, or "HTTPClient" in its
    vendor class (option 60, "HTTPClient:Arch:00016:...")."""
    return " or ".join([*(f"option pxe-system-type = 00:{a:02x}" for a in HTTP_ARCHES),
                        f"substring (option vendor-class-identifier, 0, 10) = "
                        f'"{HTTP_VENDOR_CLASS}"'])


def http_test_kea() -> str:
    return " or ".join([*(f"option[93].hex == 0x{a:04x}" for a in HTTP_ARCHES),
                        f"substring(option[60].hex,0,10) == '{HTTP_VENDOR_CLASS}'"])
