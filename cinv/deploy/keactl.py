"""Kea's control channel: one command, one answer. A unix control socket (kea-dhcp4/6's own
`control-socket`) or kea-ctrl-agent's HTTP URL (with the service it forwards to, and HTTP basic
authentication when the agent asks for it).

The answer is data from another program: at most MAX_ANSWER bytes, JSON, and the shape Kea
documents ({"result": int, "text": str, "arguments": ...}); anything else is one clear line.
Every wait is bounded by the server's timeout.
"""
from __future__ import annotations

import base64
import json
import socket

from cinv.errors import CinvError

MAX_ANSWER = 256 << 20  # a configuration of 50,000 reservations is about 15 MiB
RESULTS = {0: "success", 1: "error", 2: "unsupported", 3: "empty"}


def command(server, name: str, arguments: dict | None = None) -> dict:
    """Send one command; its answer {result, text, arguments}, checked. A result other than 0
    (success) raises with Kea's own text."""
    return _request(server, name, arguments)[0]


def _request(server, name: str, arguments: dict | None = None) -> tuple[dict, bytes]:
    """(the checked answer, its bytes)."""
    body = {"command": name}
    if server.service:
        body["service"] = [server.service]
    if arguments is not None:
        body["arguments"] = arguments
    data = json.dumps(body).encode()
    raw = _unix(server, data) if server.socket else _http(server, data)
    answer = _parse(raw, server, name)
    if answer["result"] != 0:
        text = str(answer.get("text", ""))[:500]
        raise CinvError(f"{name}: Kea answered {RESULTS.get(answer['result'], answer['result'])}"
                        f": {text}")
    return answer, raw


def _unix(server, data: bytes) -> bytes:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(server.timeout)
            s.connect(server.socket)
            s.sendall(data)
            chunks, size = [], 0
            while True:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise CinvError(f"the answer is larger than {MAX_ANSWER} bytes; refused")
                chunks.append(chunk)
                if _complete(chunks):
                    break
    except socket.timeout:
        raise CinvError(f"no answer within {server.timeout:g} s") from None
    except FileNotFoundError:
        raise CinvError("no such control socket (is the Kea server running with this "
                        "control-socket?)") from None
    except ConnectionRefusedError:
        raise CinvError("connection refused (is the Kea server running?)") from None
    except OSError as e:
        raise CinvError(e.strerror or str(e)) from None
    return b"".join(chunks)


def _complete(chunks: list[bytes]) -> bool:
    """Kea closes the connection after its answer; a whole JSON object is the answer too
    (cheap test first: it ends in '}')."""
    if not chunks[-1].rstrip().endswith(b"}"):
        return False
    try:
        json.loads(b"".join(chunks))
    except ValueError:
        return False
    return True


def _http(server, data: bytes) -> bytes:
    import urllib.error
    import urllib.request
    headers = {"Content-Type": "application/json"}
    if server.auth:
        token = base64.b64encode(f"{server.auth[0]}:{server.auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(server.url, data=data, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    try:
        with opener.open(request, timeout=server.timeout) as response:
            raw = response.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as e:
        raise CinvError(f"HTTP {e.code} {e.reason}" + (" (check auth: in the servers file)"
                                                       if e.code in (401, 403) else "")) from None
    except urllib.error.URLError as e:
        raise CinvError(f"{getattr(e.reason, 'strerror', None) or e.reason}") from None
    except (TimeoutError, socket.timeout):
        raise CinvError(f"no answer within {server.timeout:g} s") from None
    except OSError as e:
        raise CinvError(e.strerror or str(e)) from None
    if len(raw) > MAX_ANSWER:
        raise CinvError(f"the answer is larger than {MAX_ANSWER} bytes; refused")
    return raw


def _parse(raw: bytes, server, name: str) -> dict:
    try:
        answer = json.loads(raw)
    except (ValueError, RecursionError):
        raise CinvError(f"{name}: the answer is not JSON ({len(raw)} bytes)") from None
    if isinstance(answer, list) and server.url:  # the agent answers a list, one per service
        if len(answer) != 1:
            raise CinvError(f"{name}: kea-ctrl-agent answered {len(answer)} results, not 1")
        answer = answer[0]
    if not isinstance(answer, dict) or not isinstance(answer.get("result"), int) \
            or isinstance(answer.get("result"), bool):
        raise CinvError(f"{name}: the answer is not a Kea answer (no result)")
    return answer


def config_get(server) -> tuple[str, dict, str]:
    """The server's running configuration: ("Dhcp4" or "Dhcp6", its body, a digest of the
    answer's bytes), checked for the parts cinv reads: subnets with a prefix and an id,
    reservations as mappings."""
    import hashlib
    answer, raw = _request(server, "config-get")
    args = answer.get("arguments")
    if not isinstance(args, dict):
        raise CinvError("config-get: no configuration in the answer")
    roots = [k for k in ("Dhcp4", "Dhcp6") if k in args]
    if len(roots) != 1 or not isinstance(args[roots[0]], dict):
        raise CinvError("config-get: the answer holds no Dhcp4 or Dhcp6 configuration")
    root = roots[0]
    body = args[root]
    key = "subnet4" if root == "Dhcp4" else "subnet6"
    subnets = body.get(key, [])
    if not isinstance(subnets, list):
        raise CinvError(f"config-get: {key} is not a list")
    for n, subnet in enumerate(subnets):
        if not isinstance(subnet, dict) or not isinstance(subnet.get("subnet"), str) \
                or not isinstance(subnet.get("id"), int):
            raise CinvError(f"config-get: {key}[{n}] is not a subnet with a prefix and an id")
        reservations = subnet.get("reservations", [])
        if not isinstance(reservations, list) or \
                not all(isinstance(r, dict) for r in reservations):
            raise CinvError(f"config-get: {key}[{n}].reservations is not a list of mappings")
    classes = body.get("client-classes", [])
    if not isinstance(classes, list) or not all(isinstance(c, dict) and
                                                isinstance(c.get("name"), str) for c in classes):
        raise CinvError("config-get: client-classes is not a list of named classes")
    return root, body, hashlib.sha256(raw).hexdigest()
