"""Run the real servers in tests: background processes with bounded waits, free local ports,
and network namespaces joined by a veth pair.

Every wait has a deadline, so a hung server fails a test instead of stalling CI. Processes are
stopped by their PID and namespaces deleted by their name, in fixtures' teardown.
`require_root()` skips on a developer machine without root and fails under CI=true.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from checkers import require

NETNS_PREFIXES = ("cinv-srv-", "cinv-cli-")


def require_root() -> None:
    """Namespaces and DHCP sockets need root: skip on a dev machine, fail under CI=true."""
    if os.geteuid() == 0:
        return
    message = "needs root (network namespaces, DHCP ports)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


def free_port() -> int:
    """A high port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port on 127.0.0.1")


def wait_for(predicate, timeout: float, what: str, proc: "Process | None" = None,
              step: float = 0.1):
    """Poll `predicate` until it returns something true; fail the test after `timeout` seconds
    or as soon as `proc` has exited (with its log)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.popen.poll() is not None:
            pytest.fail(f"{proc.name} exited {proc.popen.returncode} while waiting for {what}:\n"
                        f"{proc.log_text()}")
        if time.monotonic() > deadline:
            log = f"\n{proc.name} log:\n{proc.log_text()}" if proc is not None else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}{log}")
        time.sleep(step)


class Process:
    """A server or client in the background, its output in a log file; `stop()` ends it by PID."""

    def __init__(self, name: str, args: list, log: Path, env: dict | None = None,
                 netns: str | None = None):
        self.name = name
        self.log = log
        prefix = ["ip", "netns", "exec", netns] if netns else []
        self.args = [*prefix, *map(str, args)]
        with open(log, "wb") as out:
            # `ip netns exec` execs the command, so this PID is the server's own.
            self.popen = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL,
                                          env={**os.environ, **(env or {})})
        self.pid = self.popen.pid

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 5) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)


def sh(*args, timeout: float = 30, ok=(0,)) -> str:
    """A short command (ip, sysctl); fail the test with its output when it fails."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode not in ok:
        pytest.fail(f"{' '.join(map(str, args))} exited {proc.returncode}:\n"
                    f"{proc.stdout}{proc.stderr}")
    return proc.stdout


# --- network namespaces ----------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def delete_netns(name: str) -> None:
    """Kill every process left in namespace `name` (by PID), then delete it."""
    pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True,
                          timeout=10).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=10)


def remove_leftovers() -> None:
    """Namespaces of earlier runs of these tests (cinv-srv-<pid>-..., cinv-cli-<pid>-...) whose
    test process is gone; a concurrent run's namespaces are left alone."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             timeout=10).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(NETNS_PREFIXES):
            continue
        owner = name.split("-")[2]
        if owner.isdigit() and int(owner) != os.getpid() and _pid_alive(int(owner)):
            continue
        delete_netns(name)


class Link:
    """Two namespaces, a server's and a client's, joined by a veth pair: `srv0` in the server
    namespace, `cli0` in the client's. Nothing is routed out of them."""

    SERVER_IF = "srv0"
    CLIENT_IF = "cli0"
    _count = 0

    def __init__(self):
        require_root()
        require("ip")
        remove_leftovers()
        Link._count += 1
        tag = f"{os.getpid()}-{Link._count}"
        self.server = f"cinv-srv-{tag}"
        self.client = f"cinv-cli-{tag}"
        self.created: list[str] = []
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        for ns in (self.server, self.client):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
        sh("ip", "link", "add", self.SERVER_IF, "netns", self.server, "type", "veth",
           "peer", "name", self.CLIENT_IF, "netns", self.client)
        for ns, iface in ((self.server, self.SERVER_IF), (self.client, self.CLIENT_IF)):
            # No duplicate address detection: addresses are usable at once, which DHCPv6
            # (sent from the link-local address) needs.
            for key in ("all", "default", iface):
                sh("ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                   f"net.ipv6.conf.{key}.accept_dad=0")
            sh("ip", "-n", ns, "link", "set", "lo", "up")

    def serve_on(self, server_addrs: list[str]) -> None:
        """Give the server end these addresses (address/prefix) and bring both ends up."""
        sh("ip", "-n", self.server, "addr", "flush", "dev", self.SERVER_IF, "scope", "global")
        for addr in server_addrs:
            sh("ip", "-n", self.server, "addr", "add", addr, "dev", self.SERVER_IF)
        sh("ip", "-n", self.server, "link", "set", self.SERVER_IF, "up")
        sh("ip", "-n", self.client, "link", "set", self.CLIENT_IF, "up")
        self._wait_ready()

    def client_mac(self, mac: str) -> None:
        """Give the client end this MAC (its link-local address follows) and bring it up."""
        sh("ip", "-n", self.client, "link", "set", self.CLIENT_IF, "down")
        sh("ip", "-n", self.client, "link", "set", self.CLIENT_IF, "address", mac)
        sh("ip", "-n", self.client, "link", "set", self.CLIENT_IF, "up")
        self._wait_ready()

    def _wait_ready(self) -> None:
        for ns, iface in ((self.server, self.SERVER_IF), (self.client, self.CLIENT_IF)):
            wait_for(lambda ns=ns, iface=iface: self._link_ready(ns, iface), 10,
                     f"{iface} in {ns} to be up with a usable link-local address")

    @staticmethod
    def _link_ready(ns: str, iface: str) -> bool:
        out = subprocess.run(["ip", "-n", ns, "-6", "addr", "show", "dev", iface],
                             capture_output=True, text=True, timeout=10).stdout
        state = subprocess.run(["ip", "-n", ns, "link", "show", "dev", iface],
                               capture_output=True, text=True, timeout=10).stdout
        return "LOWER_UP" in state and "fe80::" in out and "tentative" not in out

    def close(self) -> None:
        for ns in self.created:
            delete_netns(ns)
        self.created = []
