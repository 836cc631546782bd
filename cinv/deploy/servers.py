"""The servers file: where `cinv plan` and `cinv apply` go, and with which keys. The operator's,
never the inventory's.

```yaml
dns:                           # RFC 2136 UPDATE signed with TSIG; current state by AXFR
  - server: 192.0.2.53         # an address (no name is resolved)
    port: 53
    tsig: {name: cinv-deploy, algorithm: hmac-sha256, secret_file: /etc/cinv/tsig.secret}
    zones: [example.com]       # optional: default every zone cinv renders that it serves
kea:                           # config-get, config-test, config-set, config-write
  - socket: /run/kea/kea4-ctrl-socket
  - url: http://127.0.0.1:8000/          # kea-ctrl-agent, with the server it forwards to
    service: dhcp6
    auth: {user: cinv, password_file: /etc/cinv/kea.password}
libvirt:
  - parent: hv1.example.com
    uri: qemu+ssh://root@hv1.example.com/system
```

Rules (a branch must not choose where deploys go or which keys sign them): the file is named by
--servers or $CINV_SERVERS, read from the file system only, and refused when it lies inside the
inventory or the git work tree holding it (through symlinks too). Secrets come from a file
(`secret_file`, `password_file`: the secret alone, or for TSIG a BIND key file as tsig-keygen
writes it) or an environment variable (`secret_env`, `password_env`), never from the servers
file or the inventory; a secret file is refused when others may read it or when it lies inside
the inventory. Every entry may set `timeout` (seconds, default 10; for a DNS server it bounds
each query and each zone's whole transfer, default 60).
"""
from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cinv.errors import CinvError, Problem, ProblemsError
from cinv.records import yamlio

ENV = "CINV_SERVERS"
MAX_SIZE = 1 << 20
TARGETS = ("dns", "kea", "libvirt")
ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1",
              "hmac-md5")
DEFAULT_TIMEOUT = 10.0
DNS_TIMEOUT = 60.0  # also each zone's whole transfer (a 2,000,000-record zone is a few s)
_KEY_FILE = re.compile(r'\bkey\s+"?([^"\s{]+)"?\s*\{(.*?)\}\s*;', re.S)
_KEY_ITEM = re.compile(r'\b(algorithm|secret)\s+"?([^";\s]+)"?\s*;')


@dataclass(frozen=True)
class Tsig:
    name: str
    algorithm: str
    secret: bytes = b""

    def __repr__(self) -> str:  # the secret never reaches a message or a log
        return f"Tsig({self.name!r}, {self.algorithm!r})"


@dataclass(frozen=True)
class DnsServer:
    server: str
    port: int
    tsig: Tsig
    zones: tuple[str, ...] | None
    timeout: float
    where: str

    @property
    def label(self) -> str:
        return f"dns {self.server} port {self.port}"


@dataclass(frozen=True)
class KeaServer:
    socket: str | None
    url: str | None
    service: str | None
    auth: tuple[str, str] | None
    timeout: float
    where: str

    def __repr__(self) -> str:
        return f"KeaServer({self.socket or self.url!r})"

    @property
    def label(self) -> str:
        return f"kea {self.socket or self.url}" + (f" ({self.service})" if self.service else "")


@dataclass(frozen=True)
class LibvirtServer:
    parent: str
    uri: str
    timeout: float
    where: str

    @property
    def label(self) -> str:
        return f"libvirt {self.uri} ({self.parent})"


@dataclass
class Servers:
    path: str
    dns: list[DnsServer]
    kea: list[KeaServer]
    libvirt: list[LibvirtServer]

    def named(self) -> list[str]:
        """The targets this file names, in the usual order."""
        return [t for t in TARGETS if getattr(self, t)]


# --- where the file may come from ------------------------------------------------------------

def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _forbidden_places(inventory: Path) -> list[Path]:
    """The inventory, the git work tree holding it and its git dir (a branch writes them)."""
    places = [inventory]
    from cinv.git import gitstore
    found = gitstore.work_tree(inventory)
    if found is not None:
        places += [Path(found[0]), Path(found[1])]
    return places


def refuse_inside(path: Path, inventory: Path, what: str) -> None:
    for place in _forbidden_places(inventory):
        if _inside(path, place):
            raise CinvError(f"{what} {path}: lies inside the inventory ({place}); the servers "
                            "file and its secrets are the operator's, kept outside the inventory "
                            "and its repository, so that no branch chooses where deploys go or "
                            "which keys sign them")


def servers_path(given: str | None) -> Path:
    value = given if given is not None else os.environ.get(ENV)
    if not value:
        raise CinvError(f"name the servers file: --servers FILE or ${ENV} (see `cinv plan "
                        "--help`)")
    return Path(value)


def load_servers(given: str | None, inventory: Path) -> Servers:
    """The servers file named by --servers or $CINV_SERVERS, validated; secrets read."""
    path = servers_path(given)
    shown = str(path)
    refuse_inside(path, inventory, "servers file")
    try:
        if not path.is_file():
            raise CinvError(f"servers file {shown}: not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_SIZE + 1)
    except OSError as e:
        raise CinvError(f"servers file {shown}: {e.strerror or e}") from None
    if len(raw) > MAX_SIZE:
        raise CinvError(f"servers file {shown}: larger than {MAX_SIZE} bytes")
    try:
        data = yamlio.load(raw)
    except yamlio.YamlError as e:
        raise CinvError(f"{shown}:{e.line}: {e}") from None
    problems: list[Problem] = []
    servers = _parse(data, shown, inventory, problems)
    if problems:
        raise ProblemsError(problems)
    return servers


# --- the schema --------------------------------------------------------------------------

class _Reader:
    def __init__(self, shown: str, inventory: Path, problems: list):
        self.shown, self.inventory, self.problems = shown, inventory, problems

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.shown, line, message, "error", "servers"))

    def mapping(self, value, where: str, line: int):
        if isinstance(value, yamlio.LMap):
            return value
        self.error(line, f"{where}: expected a mapping")
        return None

    def keys(self, m, allowed: tuple, where: str) -> bool:
        bad = [k for k in m if k not in allowed]
        for k in bad:
            self.error(m.line_of(k), f"{where}.{k}: unknown key (allowed: {', '.join(allowed)})")
        return not bad

    def text(self, m, key: str, where: str, required: bool = True) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self.error(m.line, f"{where}.{key}: missing (required)")
            return None
        if not isinstance(value, str) or not value or not value.isprintable() or len(value) > 1000:
            self.error(m.line_of(key), f"{where}.{key}: expected one line of text")
            return None
        return value

    def number(self, m, key: str, where: str, low: float, high: float, default):
        value = m.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            self.error(m.line_of(key), f"{where}.{key}: {value!r} is not a number from {low} "
                       f"to {high}")
            return default
        return value

    def secret(self, m, where: str, file_key: str, env_key: str, tsig: str | None = None):
        """The secret named by m[file_key] (a file) or m[env_key] (a variable)."""
        given = [k for k in (file_key, env_key) if m.get(k) is not None]
        if len(given) != 1:
            self.error(m.line, f"{where}: name the secret with exactly one of {file_key} (a "
                       f"file) and {env_key} (an environment variable)")
            return None
        key = given[0]
        name = self.text(m, key, where)
        if name is None:
            return None
        line = m.line_of(key)
        if key == env_key:
            value = os.environ.get(name)
            if not value:
                self.error(line, f"{where}.{key}: the environment variable {name} is not set")
                return None
            return value.strip()
        try:
            return read_secret(Path(name), self.inventory, tsig).strip()
        except CinvError as e:
            self.error(line, f"{where}.{key}: {e}")
            return None


def read_secret(path: Path, inventory: Path, tsig: str | None = None) -> str:
    """A secret file: outside the inventory, readable by its owner (and group) only; for
    TSIG (tsig: the key's name) either the base64 secret alone or a BIND key file."""
    refuse_inside(path, inventory, "secret file")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise CinvError(f"{path}: not a regular file")
        if st.st_mode & stat.S_IROTH:
            raise CinvError(f"{path}: others may read it (chmod o-r {path}); a secret file is "
                            "readable by its owner (and group) only")
        text = path.read_bytes()[:65536].decode("utf-8", "replace")
    except OSError as e:
        raise CinvError(f"{path}: {e.strerror or e}") from None
    if tsig is not None and "secret" in text and "{" in text:
        for name, body in _KEY_FILE.findall(text):
            if name.rstrip(".") == tsig.rstrip("."):
                items = dict(_KEY_ITEM.findall(body))
                if "secret" in items:
                    return items["secret"]
        raise CinvError(f"{path}: a key file without key \"{tsig}\" and its secret")
    return text


def _tsig(r: _Reader, value, where: str, line: int) -> Tsig | None:
    m = r.mapping(value, where, line)
    if m is None or not r.keys(m, ("name", "algorithm", "secret_file", "secret_env"), where):
        return None
    name = r.text(m, "name", where)
    algorithm = r.text(m, "algorithm", where, required=False) or "hmac-sha256"
    if algorithm not in ALGORITHMS:
        r.error(m.line_of("algorithm"), f"{where}.algorithm: {algorithm!r} is not one of "
                f"{', '.join(ALGORITHMS)}")
        return None
    if name is None:
        return None
    secret = r.secret(m, where, "secret_file", "secret_env", tsig=name)
    if secret is None:
        return None
    try:
        raw = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        r.error(m.line, f"{where}: the secret is not base64 (as tsig-keygen writes it)")
        return None
    if not raw:
        r.error(m.line, f"{where}: the secret is empty")
        return None
    return Tsig(name.rstrip(".") + ".", algorithm, raw)


def _dns(r: _Reader, m, where: str) -> DnsServer | None:
    if not r.keys(m, ("server", "port", "tsig", "zones", "timeout"), where):
        return None
    server = r.text(m, "server", where)
    if server is not None:
        try:
            server = str(ipaddress.ip_address(server))
        except ValueError:
            r.error(m.line_of("server"), f"{where}.server: {server!r} is not an IP address (no "
                    "name is resolved)")
            server = None
    port = int(r.number(m, "port", where, 1, 65535, 53))
    tsig = _tsig(r, m.get("tsig"), f"{where}.tsig", m.line_of("tsig")) if "tsig" in m else None
    if "tsig" not in m:
        r.error(m.line, f"{where}.tsig: missing (required: UPDATEs are signed)")
    zones = None
    if m.get("zones") is not None:
        from cinv import names
        raw = m["zones"]
        if not isinstance(raw, list) or not raw:
            r.error(m.line_of("zones"), f"{where}.zones: expected a list of zone names")
        else:
            zones = []
            for item in raw:
                try:
                    zones.append(names.check_fqdn(str(item).rstrip(".").lower()))
                except ValueError as e:
                    r.error(m.line_of("zones"), f"{where}.zones: {e}")
            zones = tuple(dict.fromkeys(zones))
    timeout = float(r.number(m, "timeout", where, 0.1, 3600, DNS_TIMEOUT))
    if server is None or tsig is None:
        return None
    return DnsServer(server, port, tsig, zones, timeout, f"{r.shown}:{m.line}")


def _kea(r: _Reader, m, where: str) -> KeaServer | None:
    if not r.keys(m, ("socket", "url", "service", "auth", "timeout"), where):
        return None
    socket = r.text(m, "socket", where, required=False)
    url = r.text(m, "url", where, required=False)
    if (socket is None) == (url is None):
        r.error(m.line, f"{where}: give exactly one of socket (a unix control socket) and url "
                "(kea-ctrl-agent)")
        return None
    service = r.text(m, "service", where, required=url is not None)
    if service is not None and service not in ("dhcp4", "dhcp6"):
        r.error(m.line_of("service"), f"{where}.service: {service!r} is not dhcp4 or dhcp6")
        return None
    if socket is not None and (service is not None or "auth" in m):
        r.error(m.line, f"{where}: service and auth go with url (kea-ctrl-agent), not socket")
        return None
    auth = None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
            r.error(m.line_of("url"), f"{where}.url: {url!r} is not an http(s) URL without "
                    "credentials (give them in auth:)")
            return None
        if "auth" in m:
            a = r.mapping(m["auth"], f"{where}.auth", m.line_of("auth"))
            if a is None or not r.keys(a, ("user", "password_file", "password_env"),
                                       f"{where}.auth"):
                return None
            user = r.text(a, "user", f"{where}.auth")
            password = r.secret(a, f"{where}.auth", "password_file", "password_env")
            if user is None or password is None:
                return None
            auth = (user, password)
    timeout = float(r.number(m, "timeout", where, 0.1, 3600, DEFAULT_TIMEOUT))
    return KeaServer(socket, url, service, auth, timeout, f"{r.shown}:{m.line}")


def _libvirt(r: _Reader, m, where: str) -> LibvirtServer | None:
    if not r.keys(m, ("parent", "uri", "timeout"), where):
        return None
    parent = r.text(m, "parent", where)
    uri = r.text(m, "uri", where)
    if uri is not None and (uri.startswith("-") or "://" not in uri and ":" not in uri):
        r.error(m.line_of("uri"), f"{where}.uri: {uri!r} is not a libvirt URI")
        return None
    timeout = float(r.number(m, "timeout", where, 0.1, 3600, 60.0))
    if parent is None or uri is None:
        return None
    return LibvirtServer(parent.rstrip(".").lower(), uri, timeout, f"{r.shown}:{m.line}")


def _parse(data, shown: str, inventory: Path, problems: list) -> Servers:
    r = _Reader(shown, inventory, problems)
    servers = Servers(shown, [], [], [])
    if data is None:
        r.error(1, "the servers file is empty: name dns, kea and/or libvirt servers")
        return servers
    top = r.mapping(data, "servers file", 1)
    if top is None or not r.keys(top, TARGETS, "servers file"):
        return servers
    readers = {"dns": _dns, "kea": _kea, "libvirt": _libvirt}
    for target in TARGETS:
        items = top.get(target)
        if items is None:
            continue
        if not isinstance(items, yamlio.LList):
            r.error(top.line_of(target), f"{target}: expected a list of servers")
            continue
        for index, item in enumerate(items):
            where = f"{target}[{index}]"
            m = r.mapping(item, where, items.line_of(index))
            if m is not None:
                entry = readers[target](r, m, where)
                if entry is not None:
                    getattr(servers, target).append(entry)
    labels = [s.label for t in TARGETS for s in getattr(servers, t)]
    for label in sorted({x for x in labels if labels.count(x) > 1}):
        r.error(1, f"{label} is named twice")
    if not servers.named() and not problems:
        r.error(1, "the servers file names no server (dns, kea, libvirt)")
    return servers
