"""cinv's own targets built from per-host parts (cinv/render/fast.py) give exactly the bytes their
templates give, on the example inventory and on a rich one (tests/richinv.py); an inventory's
override of a built-in template still renders through it."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke
from richinv import rich_inventory

from cinv import check
from cinv.output import render_files
from cinv.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


def both_ways(root: Path) -> tuple[dict, dict]:
    out = []
    for fast in (True, False):
        ws = Workspace(root=root)
        inv = ws.load()
        problems = check.run(inv)
        assert check.errors(problems) == []
        files, zones, warnings = render_files(ws, inv, [], root, {"files": {}, "zones": {}},
                                              problems=problems, fast_path=fast)
        out.append(({rel: data for rel, (_t, data) in files.items()}, zones, warnings))
    return out[0], out[1]


def assert_same(fast, slow) -> None:
    assert sorted(fast[0]) == sorted(slow[0])
    differ = [rel for rel in slow[0] if fast[0][rel] != slow[0][rel]]
    assert differ == [], differ[:5]
    assert fast[1] == slow[1] and fast[2] == slow[2]


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    return rich_inventory(tmp_path_factory.mktemp("rich") / "inv")


def test_the_example_inventory_both_ways(tmp_path):
    import shutil
    root = tmp_path / "inv"
    shutil.copytree(REPO / "inventory", root)
    assert_same(*both_ways(root))


def test_a_rich_inventory_both_ways(rich):
    fast, slow = both_ways(rich)
    assert_same(fast, slow)
    # it holds what it is meant to: imported domains, RFC 2317, provisioning, Kea options
    files = fast[0]
    assert any(b"<loader" in data for rel, data in files.items() if rel.startswith("libvirt/"))
    assert "dns/db.64-26.113.0.203.in-addr.arpa" in files
    assert b"# provisioning: boot" in files["dhcpd.conf"]
    assert b'"option-data": [\n' in files["kea-dhcp4.conf"]
    assert len([r for r in files if r.startswith("libvirt/") and r.endswith(".xml")]) > 250


def test_an_override_renders_through_its_template(rich, tmp_path):
    """A built-in template the inventory overrides renders by it (in the sandbox)."""
    import shutil
    root = tmp_path / "inv"
    shutil.copytree(rich, root)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "hosts.j2").write_text(
        "{% for line in inv.address_lines %}{{ line.address }} {{ line.names[0] }}\n"
        "{% endfor %}")
    r = invoke("-C", root, "render", "hosts", "dhcpd", "--out", tmp_path / "out")
    assert r.code == 0, r
    hosts = (tmp_path / "out" / "hosts").read_text().splitlines()
    assert hosts[0] == "10.0.0.10 hv00000.net000.example.com"  # the override's own format
    assert all(len(line.split()) == 2 for line in hosts)


def test_a_domains_derived_uuid_is_uuid5_of_its_name():
    import uuid

    from cinv.records.model import Libvirt
    for name in ("vm1.example.com", "a.b", "x" * 250, "ü.example.com", ""):
        assert Libvirt.derived_uuid(name) == str(uuid.uuid5(uuid.NAMESPACE_DNS, name))


def test_a_dhcpd_string_drops_control_characters_and_escapes():
    from cinv.render.env import dhcp_string
    assert dhcp_string('a"b\\c') == '"a\\"b\\\\c"'
    assert dhcp_string("a\tb\x00c\u200bd") == '"abcd"'
    assert dhcp_string("plain.example.com") == '"plain.example.com"'
