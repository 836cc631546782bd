"""The running servers `cinv plan` / `cinv apply` are tested against, each started by the test:

- `Primary`: named on 127.0.0.1 (a free port) serving zones from a writable folder, with a TSIG
  key that may transfer and update them (allow-transfer, allow-update), as a primary that takes
  RFC 2136 UPDATEs is set up.
- `Kea`: kea-dhcp4 or kea-dhcp6 inside a network namespace the test makes (serving.Link), with
  a unix control socket, a memfile lease database, a hook library and loggers of its own (what
  apply must leave as they are), started with -c on a file config-write writes back.
- `Libvirtd`: libvirtd with the qemu driver, in a mount and network namespace of its own: its
  /etc/libvirt, /run and /var are folders of the test (tmpfs or bind mounts), its sockets in a
  temporary folder reached by `qemu+unix:///system?socket=...`. No guest is started.
- `servers_file`: a servers file for them, with the TSIG secret in a file only its owner reads.

Every wait is bounded; each server is stopped by its PID in the fixture's teardown.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from checkers import require
from serving import Link, Process, require_root, wait_for
from test_serve_dns import Named

KEY = "cinv-deploy"


def secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class Primary(Named):
    """named as a primary taking UPDATEs signed with KEY, its zones copied to a folder of its
    own (named writes their journals there)."""

    def __init__(self, rendered: Path, tmp: Path):
        tmp.mkdir(parents=True, exist_ok=True)
        super().__init__(tmp / "copy", tmp)
        shutil.copytree(rendered / "dns", tmp / "copy" / "dns")
        self.secret = secret()

    def conf(self, port: int) -> Path:
        path = super().conf(port)
        text = path.read_text().replace("allow-transfer { none; };",
                                        f"allow-transfer {{ key {KEY}; }};\n"
                                        f"    allow-update {{ key {KEY}; }};")
        path.write_text(f'key "{KEY}" {{ algorithm hmac-sha256; secret "{self.secret}"; }};\n'
                        + text)
        return path

    def log(self) -> str:
        return self.proc.log.read_text(errors="replace") if self.proc else ""

    # --- asking and changing it directly ------------------------------------------------------

    def _keys(self) -> dict:
        import dns.name
        import dns.tsig
        name = dns.name.from_text(KEY)
        return {"keyring": {name: dns.tsig.Key(name, self.secret, "hmac-sha256")},
                "keyname": name}

    def records(self, zone: str) -> dict[tuple[str, str], tuple[int, set[str]]]:
        """{(owner, type): (ttl, {data})} of the zone by AXFR, owners absolute lower-case."""
        import dns.query
        import dns.rdatatype
        import dns.zone
        z = dns.zone.Zone(zone, relativize=False)
        dns.query.inbound_xfr("127.0.0.1", z, port=self.port, timeout=10,
                              query=_xfr_query(zone, self._keys()))
        out = {}
        for name, node in z.nodes.items():
            for rds in node.rdatasets:
                out[(name.to_text().lower(), dns.rdatatype.to_text(rds.rdtype))] = (
                    rds.ttl, {rd.to_text().lower() for rd in rds})
        return out

    def serial(self, zone: str) -> int:
        return int(next(iter(self.records(zone)[(zone + ".", "SOA")][1])).split()[2])

    def update(self, zone: str, adds=(), deletes=()) -> None:
        """An UPDATE of our own (a DDNS client, an ACME challenge): adds (owner, ttl, type,
        data), deletes (owner, type)."""
        import dns.query
        import dns.rcode
        import dns.update
        upd = dns.update.UpdateMessage(zone, **self._keys())
        for owner, ttl, rtype, data in adds:
            upd.add(owner, ttl, rtype, data)
        for owner, rtype in deletes:
            upd.delete(owner, rtype)
        response = dns.query.tcp(upd, "127.0.0.1", port=self.port, timeout=10)
        assert response.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(response.rcode())


def _xfr_query(zone: str, keys: dict):
    import dns.message
    import dns.rdatatype
    q = dns.message.make_query(zone, dns.rdatatype.AXFR)
    q.use_tsig(keys["keyring"], keys["keyname"])
    return q


class Kea:
    """kea-dhcp4 or kea-dhcp6 in a network namespace, configured by `base` plus its own
    settings (control socket, leases, loggers, a hook library)."""

    HOOK = "libdhcp_lease_cmds.so"

    def __init__(self, family: int, tmp: Path, link: Link, base: dict):
        require_root()
        self.family = family
        self.tool = require(f"kea-dhcp{family}")
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.link = link
        self.socket = str(tmp / f"kea{family}.sock")
        self.conf_path = tmp / f"kea{family}.conf"
        root = dict(base)
        root["interfaces-config"] = {"interfaces": [Link.SERVER_IF]}
        root["control-socket"] = {"socket-type": "unix", "socket-name": self.socket}
        root["lease-database"] = {"type": "memfile", "persist": True,
                                  "name": str(tmp / f"leases{family}.csv")}
        root["loggers"] = [{"name": f"kea-dhcp{family}", "severity": "INFO",
                            "output_options": [{"output": str(tmp / f"kea{family}.log")}]}]
        hook = hook_path(self.HOOK)
        root["hooks-libraries"] = [{"library": hook}]
        if family == 6:
            root["server-id"] = {"type": "LLT", "persist": False}
        self.conf_path.write_text(json.dumps({f"Dhcp{family}": root}, indent=2))
        self.proc: Process | None = None

    def start(self) -> None:
        env = {"KEA_PIDFILE_DIR": str(self.tmp), "KEA_LOCKFILE_DIR": str(self.tmp),
               "KEA_LOG_FILE_DIR": str(self.tmp)}
        self.proc = Process(f"kea-dhcp{self.family}", [self.tool, "-c", self.conf_path],
                            self.tmp / f"kea{self.family}.out", env=env,
                            netns=self.link.server)
        wait_for(lambda: Path(self.socket).exists() and self._answers(), 30,
                 f"kea-dhcp{self.family} to answer on its control socket", self.proc)

    def _answers(self) -> bool:
        try:
            return self.command("version-get")["result"] == 0
        except OSError:
            return False

    def command(self, name: str, arguments: dict | None = None) -> dict:
        body = {"command": name, **({"arguments": arguments} if arguments else {})}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.socket)
            s.sendall(json.dumps(body).encode())
            data = b""
            while True:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        return json.loads(data)

    def config(self) -> dict:
        return self.command("config-get")["arguments"][f"Dhcp{self.family}"]

    def log(self) -> str:
        path = self.tmp / f"kea{self.family}.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


def hook_path(name: str) -> str:
    for folder in ("/usr/lib/x86_64-linux-gnu/kea/hooks", "/usr/lib/aarch64-linux-gnu/kea/hooks",
                   "/usr/lib/kea/hooks", "/usr/local/lib/kea/hooks"):
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    message = f"Kea hook library {name} is not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


class Libvirtd:
    """libvirtd (qemu driver) in mount and network namespaces of its own."""

    def __init__(self, tmp: Path):
        require_root()
        self.tool = require("libvirtd")
        require("qemu-system-x86_64")
        require("unshare")
        self.tmp = tmp
        self.etc = tmp / "etc-libvirt"
        self.sock = tmp / "sock"
        for folder in (self.etc, self.sock):
            folder.mkdir(parents=True)
        (self.etc / "qemu.conf").write_text('user = "root"\ngroup = "root"\n'
                                            'security_driver = "none"\n')
        (tmp / "libvirtd.conf").write_text(
            f'unix_sock_dir = "{self.sock}"\nunix_sock_rw_perms = "0700"\n'
            'auth_unix_rw = "none"\nauth_unix_ro = "none"\n')
        # The qemu driver resolves its default user even when qemu.conf names another: a
        # passwd and group of the namespace's own hold it (Debian's libvirt-daemon-system,
        # which makes the user, is not needed).
        for name, line in (("passwd", "libvirt-qemu:x:64055:64055::/var/lib/libvirt:"
                                      "/usr/sbin/nologin\n"),
                           ("group", "libvirt-qemu:x:64055:\nkvm:x:64056:\n")):
            text = Path(f"/etc/{name}").read_text()
            (tmp / name).write_text(text + ("" if text.endswith("\n") else "\n") + line)
        self.uri = f"qemu+unix:///system?socket={self.sock / 'libvirt-sock'}"
        self.proc: Process | None = None

    def start(self) -> None:
        t = self.tmp
        script = t / "start.sh"
        script.write_text("set -e\n"
                          "mount -t tmpfs tmpfs /run\n"
                          "mount -t tmpfs tmpfs /var\n"
                          f"mount --bind {self.etc} /etc/libvirt\n"
                          f"mount --bind {t / 'passwd'} /etc/passwd\n"
                          f"mount --bind {t / 'group'} /etc/group\n"
                          f"exec {self.tool} --config {t / 'libvirtd.conf'} "
                          f"--pid-file {t / 'libvirtd.pid'}\n")
        self.proc = Process("libvirtd", ["unshare", "--mount", "--net", "--propagation",
                                         "private", "sh", script], t / "libvirtd.log")
        wait_for(self._answers, 60, "libvirtd to answer", self.proc, step=0.3)

    def virsh(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["virsh", "-q", "-c", self.uri, *map(str, args)],
                              capture_output=True, text=True, timeout=60)
        if check and proc.returncode != 0:
            pytest.fail(f"virsh {' '.join(args)}: {proc.stderr}")
        return proc.stdout

    def _answers(self) -> bool:
        if not (self.sock / "libvirt-sock").exists():
            return False
        return subprocess.run(["virsh", "-q", "-c", self.uri, "list", "--all"],
                              capture_output=True, timeout=30).returncode == 0

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=15)


REPO = Path(__file__).resolve().parents[1]


def example_inventory(tmp: Path, branch: str | None = None) -> Path:
    """A copy of cinv's example inventory in a git repository of its own, one commit."""
    from conftest import git
    root = tmp / "inv"
    shutil.copytree(REPO / "inventory", root, ignore=shutil.ignore_patterns(".cinv", "build"))
    git(root, "init", "-q", *(("-b", branch) if branch else ()))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Example inventory")
    return root


@contextmanager
def serving(root: Path, tmp: Path, edit=None):
    """A Primary serving the zones `cinv render dns` writes for the inventory (edit(out):
    a change to the rendered files first); stopped on leaving."""
    from conftest import invoke
    out = tmp / "out"
    assert invoke("-C", root, "render", "dns", "--out", out).code == 0
    if edit is not None:
        edit(out)
    primary = Primary(out, tmp / "named")
    primary.start()
    try:
        yield primary
    finally:
        primary.stop()


def servers_file(tmp: Path, primary: Primary | None = None, keas=(), libvirt=()) -> Path:
    """A servers file (and the TSIG secret file) for these servers, outside any inventory."""
    folder = tmp / "operator"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    if primary is not None:
        key_file = folder / "tsig.key"
        key_file.write_text(f'key "{KEY}" {{\n\talgorithm hmac-sha256;\n\tsecret '
                            f'"{primary.secret}";\n}};\n')
        key_file.chmod(0o600)
        lines += ["dns:", "  - server: 127.0.0.1", f"    port: {primary.port}",
                  f"    tsig: {{name: {KEY}, algorithm: hmac-sha256, secret_file: {key_file}}}"]
    if keas:
        lines.append("kea:")
        lines += [f"  - socket: {k.socket}" for k in keas]
    if libvirt:
        lines.append("libvirt:")
        for parent, uri in libvirt:
            lines += [f"  - parent: {parent}", f"    uri: '{uri}'"]
    path = folder / "servers.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
