"""What plan and apply carry to the servers is what `cinv render` writes: the zones and Kea
configurations built from the parts a render keeps (the work tree) equal those of a View of
the whole inventory (a --ref), and both equal the rendered files; the servers file's rules."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke
from deployservers import example_inventory

from cinv.deploy import dns as dns_target
from cinv.deploy.desired import Context
from cinv.deploy.servers import load_servers
from cinv.errors import CinvError, ProblemsError
from cinv.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def root(tmp_path):
    root = example_inventory(tmp_path)
    assert invoke("-C", root, "host", "state", "mon1", "retired").code == 0
    return root


def test_parts_and_view_give_the_rendered_zones_and_kea(root, tmp_path):
    work = Context(Workspace(root))
    ref = Context(Workspace(root, ref="HEAD"))
    assert work._parts is not None and ref._parts is None
    assert work.zones() == ref.zones()
    for family in (4, 6):
        assert work.kea(family) == ref.kea(family)
    out = tmp_path / "out"
    assert invoke("-C", root, "render", "dns", "kea", "--out", out).code == 0
    for family in (4, 6):
        rendered = json.loads((out / f"kea-dhcp{family}.conf").read_text())
        assert work.kea(family)[0] == rendered
    import dns.zone
    for name, want in work.zones().items():
        z = dns.zone.from_file(str(out / "dns" / f"db.{name}"), origin=name, relativize=False)
        got = {}
        for owner, node in z.nodes.items():
            for rds in node.rdatasets:
                if rds.rdtype != dns.rdatatype.SOA:
                    got[(owner.to_text(), dns.rdatatype.to_text(rds.rdtype))] = (
                        rds.ttl, {dns_target.key_of_text(dns.rdatatype.to_text(rds.rdtype),
                                                         rd.to_text()) for rd in rds})
        assert {k: (t, set(v)) for k, (t, v) in want.records.items()} == got, name
        assert f"\t\t{want.serial}\t; serial" in (out / "dns" / f"db.{name}").read_text()
    # the retired host's names are still cinv's (apply deletes what the server has of them)
    assert "mon1.prod.example.com." in work.retired_owners()["prod.example.com"]
    assert work.retired_owners() == ref.retired_owners()


def test_an_inventory_with_errors_is_not_deployed(root, tmp_path):
    with open(root / "hosts" / "vms" / "web1.prod.example.com.yaml", "a") as f:
        f.write("bogus: 1\n")
    with pytest.raises(ProblemsError):
        Context(Workspace(root)).zones()
    servers = tmp_path / "op" / "servers.yaml"
    servers.parent.mkdir()
    servers.write_text("kea:\n  - socket: /nonexistent/kea.sock\n")
    r = invoke("-C", root, "plan", "--servers", servers)
    assert r.code == 1 and "bogus: unknown key" in r.err
    assert r.err.strip().endswith("cinv: not deployed: the inventory has 1 error (see `cinv "
                                  "check`)"), r.err


def test_servers_file_schema(tmp_path, root):
    folder = tmp_path / "op"
    folder.mkdir()
    secret = folder / "s"
    secret.write_text("c2VjcmV0\n")
    secret.chmod(0o600)
    path = folder / "servers.yaml"

    def errors(text: str) -> list[str]:
        path.write_text(text)
        try:
            load_servers(str(path), root)
        except ProblemsError as e:
            return [p.text() for p in e.problems]
        except CinvError as e:
            return [str(e)]
        return []

    assert errors(f"dns:\n  - server: 192.0.2.53\n    tsig: {{name: k, secret_file: {secret}}}\n"
                  "kea:\n  - socket: /run/kea.sock\nlibvirt:\n  - parent: hv1.example.com\n"
                  "    uri: qemu:///system\n") == []
    assert errors("dns:\n  - server: 192.0.2.53\n") == \
        [f"{path}:2: dns[0].tsig: missing (required: UPDATEs are signed)"]
    assert errors(f"dns:\n  - server: 192.0.2.53\n    tsig: {{name: k, algorithm: md4, "
                  f"secret_file: {secret}}}\n") == \
        [f"{path}:3: dns[0].tsig.algorithm: 'md4' is not one of hmac-sha256, hmac-sha384, "
         "hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5"]
    assert errors("kea:\n  - socket: /a\n    url: http://x/\n") == \
        [f"{path}:2: kea[0]: give exactly one of socket (a unix control socket) and url "
         "(kea-ctrl-agent)"]
    assert errors("kea:\n  - url: http://user:pw@127.0.0.1:8000/\n    service: dhcp4\n") == \
        [f"{path}:2: kea[0].url: 'http://user:pw@127.0.0.1:8000/' is not an http(s) URL "
         "without credentials (give them in auth:)"]
    assert errors("dns:\n  - server: 192.0.2.53\n    tsig: {name: k, secret_env: NO_SUCH}\n") \
        == [f"{path}:3: dns[0].tsig.secret_env: the environment variable NO_SUCH is not set"]
    assert errors("kea:\n  - socket: /a\n  - socket: /a\n") == \
        [f"{path}:1: kea /a is named twice"]
    assert errors("dhcp:\n  - x: 1\n") == \
        [f"{path}:1: servers file.dhcp: unknown key (allowed: dns, kea, libvirt)"]
    # a BIND key file (as tsig-keygen writes it) is read for the key named
    secret.write_text('key "cinv-deploy" {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0";\n};\n')
    path.write_text(f"dns:\n  - server: 192.0.2.53\n    tsig: {{name: cinv-deploy, "
                    f"secret_file: {secret}}}\n")
    assert load_servers(str(path), root).dns[0].tsig.secret == b"secret"
    assert "secret" not in repr(load_servers(str(path), root).dns[0])
