"""Loading and strict parsing: YAML safety (cinv/records/yamlio.py), the schema
(cinv/records/schema.py) and the
file walk (cinv/records/load.py). Every problem is asserted with its exact path:line."""
from __future__ import annotations

import os

import pytest

from cinv import check
from cinv.records import load, yamlio
from cinv.records.model import Host

HV1 = "hosts/hv1.example.com.yaml"
WEB1 = "hosts/web1.prod.example.com.yaml"
PROD = "networks/prod.yaml"


def edit(files: dict, rel: str, old: str, new: str) -> dict:
    assert old in files[rel], f"{old!r} not in {rel}: the test's base changed"
    files[rel] = files[rel].replace(old, new, 1)
    return files


@pytest.fixture
def root(tmp_path):
    return tmp_path / "inv"


@pytest.fixture
def texts(root, make_files):
    def run(files: dict) -> list[str]:
        make_files(root, files)
        return [p.text() for p in check.run(load.load_inventory(load.DirSource(root)))]
    return run


# --- yamlio -------------------------------------------------------------------------------

def test_line_marks_on_mappings_and_sequences():
    data = yamlio.load("a: 1\nb:\n  c: 2\nd:\n  - x\n  - y\n")
    assert data.line == 1 and data.key_lines == {"a": 1, "b": 2, "d": 4}
    assert data["b"].line == 3 and data["b"].line_of("c") == 3
    assert data["d"].item_lines == [5, 6]


def test_yaml_1_1_traps_are_strings():
    data = yamlio.load("mac: 52:54:00:3a:00:01\nprefix: 52:54:00\nyes: no\nt: on\n"
                       "octal: 0755\nver: 1.10\n")
    assert data["mac"] == "52:54:00:3a:00:01"
    assert data["prefix"] == "52:54:00"
    assert data["yes"] == "no" and data["t"] == "on"
    assert data["octal"] == "0755"
    assert data["ver"] == 1.1
    assert yamlio.load("a: true\nb: 12\nc: 0x1f\n") == {"a": True, "b": 12, "c": 31}


def test_alias_bomb_refused():
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    with pytest.raises(yamlio.YamlError, match=r"aliases \(\*name\) are not allowed") as e:
        yamlio.load(bomb)
    assert e.value.line == 1  # the anchor of the first alias used


def test_merge_keys_are_aliases_too():
    with pytest.raises(yamlio.YamlError, match="aliases"):
        yamlio.load("base: &b {cpus: 2}\nhw:\n  <<: *b\n")


def test_duplicate_key_refused():
    with pytest.raises(yamlio.YamlError, match="key 'kind' appears twice") as e:
        yamlio.load("kind: virtual\nstate: active\nkind: physical\n")
    assert e.value.line == 3


def test_malformed_yaml_has_a_line():
    with pytest.raises(yamlio.YamlError, match="malformed YAML") as e:
        yamlio.load("kind: virtual\ninterfaces:\n  - name: eth0\n   bad: [\n")
    assert e.value.line >= 4


def test_nul_bytes_refused():
    with pytest.raises(yamlio.YamlError, match="NUL bytes"):
        yamlio.load("kind: virtual\0\n")


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(yamlio.YamlError):
        yamlio.load("[" * 100000 + "]" * 100000)


def test_dump_quotes_macs_and_keeps_order():
    host = Host(name="x.example.com", kind="virtual")
    text = yamlio.dump({"b": 1, "a": yamlio.Quoted("52:54:00:00:00:01"), "n": "line1\nline2"})
    assert text == "b: 1\na: '52:54:00:00:00:01'\nn: |-\n  line1\n  line2\n"
    assert yamlio.load(yamlio.dump(host.to_dict())) == {"kind": "virtual", "state": "active"}


# --- schema problems, each at its path:line -----------------------------------------------

@pytest.mark.parametrize("rel, old, new, expected", [
    (WEB1, "kind: virtual", "kidn: virtual",
     [f"{WEB1}:1: kidn: unknown key (did you mean 'kind'?)",
      f"{WEB1}:1: kind: missing (required)"]),
    (WEB1, "    ipv4: 192.0.2.11", "    ip4: 192.0.2.11",
     [f"{WEB1}:11: interfaces[0].ip4: unknown key (did you mean 'ipv4'?)"]),
    (WEB1, "  memory: 4GiB", "  memroy: 4GiB",
     [f"{WEB1}:6: hardware.memroy: unknown key (did you mean 'memory'?)"]),
    (PROD, "gateway4: 192.0.2.1", "gatway4: 192.0.2.1",
     [f"{PROD}:3: gatway4: unknown key (did you mean 'gateway4'?)"]),
    (WEB1, "state: active", "zzz: 1",
     [f"{WEB1}:2: zzz: unknown key (allowed: name, kind, state, description, tags, parent, "
      "location, hardware, interfaces, libvirt, vars)"]),
    (WEB1, 'mac: "52:54:00:00:00:01"', 'mac: "01:00:5e:00:00:01"',
     [f"{WEB1}:9: interfaces[0].mac: 01:00:5e:00:00:01 is a multicast address (lowest bit of "
      "the first octet set)"]),
    (WEB1, 'mac: "52:54:00:00:00:01"', 'mac: "ff:ff:ff:ff:ff:ff"',
     [f"{WEB1}:9: interfaces[0].mac: ff:ff:ff:ff:ff:ff is the broadcast address"]),
    (WEB1, 'mac: "52:54:00:00:00:01"', 'mac: "00:00:00:00:00:00"',
     [f"{WEB1}:9: interfaces[0].mac: 00:00:00:00:00:00 is all zeros"]),
    (WEB1, 'mac: "52:54:00:00:00:01"', "mac: garbage",
     [f"{WEB1}:9: interfaces[0].mac: 'garbage' is not a MAC address"]),
    (WEB1, "memory: 4GiB", "memory: 4GB",
     [f"{WEB1}:6: hardware.memory: '4GB' is not a size like 4GiB, 512MiB or 1073741824"]),
    (WEB1, "cpus: 2", "cpus: 0", [f"{WEB1}:5: hardware.cpus: 0 is not between 1 and 4096"]),
    (WEB1, "ipv4: 192.0.2.11", "ipv4: 192.0.2.300",
     [f"{WEB1}:11: interfaces[0].ipv4: '192.0.2.300' is not an IPv4 address"]),
    (WEB1, "ipv6: 2001:db8:0:1::11", "ipv6: 192.0.2.12",
     [f"{WEB1}:12: interfaces[0].ipv6: '192.0.2.12' is not an IPv6 address"]),
    (WEB1, "state: active", "state: broken",
     [f"{WEB1}:2: state: 'broken' is not one of planned, provisioning, active, maintenance, "
      "retired"]),
    (WEB1, "kind: virtual", "kind: container",
     [f"{WEB1}:1: kind: 'container' is not one of physical, virtual"]),
    (WEB1, "parent: hv1.example.com", "parent: hv_1.example.com",
     [f"{WEB1}:3: parent: 'hv_1.example.com': label 'hv_1' may hold only letters, digits and "
      "inner hyphens (RFC 1123)"]),
    (WEB1, "aliases: [www]", "aliases: [www, 'bad alias']",
     [f"{WEB1}:13: interfaces[0].aliases[1]: 'bad alias': label 'bad alias' may hold only "
      "letters, digits and inner hyphens (RFC 1123)"]),
    (WEB1, "  - name: eth0", "  - name: Eth0",
     [f"{WEB1}:8: interfaces[0].name: 'Eth0' is not an interface name (lower-case letters, "
      "digits and inner hyphens, at most 15; it becomes a DNS label)"]),
    (WEB1, "kind: virtual", "kind: virtual\ndescription: \"two\\nlines\"",
     [f"{WEB1}:2: description: 'two\\nlines' holds a control character or newline"]),
    (PROD, "bridge: br-prod", "bridge: 'br prod; rm'",
     [f"{PROD}:9: bridge: 'br prod; rm' is not a bridge name (letters, digits, '-', '_', '.', "
      "at most 15)"]),
    (PROD, "bridge: br-prod", "vlan: 5000",
     [f"{PROD}:9: vlan: 5000 is not between 1 and 4094"]),
    ("cinv.yaml", 'mac_prefix: "52:54:00"', 'mac_prefix: "01:00:5e"',
     ["cinv.yaml:2: mac_prefix: '01:00:5e' is a multicast prefix (lowest bit of the first "
      "octet set)"]),
    ("cinv.yaml", 'mac_prefix: "52:54:00"', 'mac_prefx: "52:54:00"',
     ["cinv.yaml:2: mac_prefx: unknown key (did you mean 'mac_prefix'?)"]),
])
def test_schema_problem(texts, base_files, rel, old, new, expected):
    edit(base_files, rel, old, new)
    # only the edited file: a broken network also makes its hosts' addresses unplaceable
    assert [t for t in texts(base_files) if t.startswith(rel)] == expected


def test_network_with_host_bits_set(texts, base_files):
    edit(base_files, PROD, "ipv4: 192.0.2.0/24", "ipv4: 192.0.2.5/24")
    got = texts(base_files)
    assert f"{PROD}:2: ipv4: '192.0.2.5/24' has host bits set (did you mean 192.0.2.0/24?)" \
        in got
    # what follows from it (the gateway and pool have no prefix to lie in) is in the same file
    assert f"{PROD}:3: gateway4: 192.0.2.1 is outside the network (no prefix)" in got


def test_name_key_must_equal_the_file_name(texts, base_files):
    edit(base_files, WEB1, "kind: virtual", "name: web2.prod.example.com\nkind: virtual")
    assert texts(base_files) == [
        f"{WEB1}:1: name: 'web2.prod.example.com' differs from the file name "
        "(web1.prod.example.com); the file must be named after the host's FQDN"]


def test_name_key_equal_to_the_file_name_is_fine(texts, base_files):
    edit(base_files, WEB1, "kind: virtual", "name: web1.prod.example.com.\nkind: virtual")
    assert texts(base_files) == []


def test_network_needs_a_prefix(texts, base_files):
    base_files["networks/empty.yaml"] = "domain: x.example.com\n"
    assert texts(base_files) == ["networks/empty.yaml:1: a network needs ipv4 or ipv6 (or both)"]


def test_empty_host_file(texts, base_files):
    base_files["hosts/x.example.com.yaml"] = ""
    assert texts(base_files) == [
        "hosts/x.example.com.yaml:1: a host record must be a mapping of fields (kind, state, "
        "interfaces, ...)"]


# --- file-level problems ------------------------------------------------------------------

def test_malformed_yaml_is_one_problem_at_its_line(texts, base_files):
    edit(base_files, WEB1, "aliases: [www]", "aliases: [www")
    assert texts(base_files) == [f"{WEB1}:14: malformed YAML: did not find expected ',' or ']'"]


def test_alias_bomb_in_a_host_file(texts, base_files):
    base_files["hosts/bomb.example.com.yaml"] = (
        "kind: virtual\nvars:\n  a: &a [x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a]\n"
        "  c: [*b, *b, *b, *b]\n")
    got = texts(base_files)
    assert got == ["hosts/bomb.example.com.yaml:3: YAML aliases (*name) are not allowed in "
                   "inventory files"]


def test_nul_bytes_in_a_host_file(texts, base_files):
    base_files["hosts/nul.example.com.yaml"] = b"kind: virtual\n\0\0\0"
    got = texts(base_files)
    assert got == ["hosts/nul.example.com.yaml:1: the file holds NUL bytes (binary, not YAML)"]


def test_not_utf8(texts, base_files):
    base_files["hosts/latin.example.com.yaml"] = b"kind: virtual\ndescription: caf\xe9\n"
    got = texts(base_files)
    assert got == ["hosts/latin.example.com.yaml:2: is not UTF-8 text"]


def test_huge_file_refused_without_reading_it(texts, base_files):
    base_files["hosts/huge.example.com.yaml"] = "kind: virtual\n# " + "x" * (1 << 20) + "\n"
    got = texts(base_files)
    size = len(base_files["hosts/huge.example.com.yaml"])
    assert got == [f"hosts/huge.example.com.yaml: {size} bytes is over the limit of "
                   "1048576 for one inventory file"]


def test_symlink_outside_the_inventory_is_not_read(texts, base_files, root, tmp_path):
    secret = tmp_path / "outside.yaml"
    secret.write_text("kind: physical\n")
    texts(base_files)  # writes the base
    os.symlink(secret, root / "hosts" / "evil.example.com.yaml")
    got = texts(base_files)
    assert got == [f"hosts/evil.example.com.yaml: is a symlink to {secret.resolve()}, outside "
                   "the inventory; not read"]
    inv = load.load_inventory(load.DirSource(root))
    assert "evil.example.com" not in inv.hosts


def test_symlink_inside_the_inventory_is_read(texts, base_files, root):
    base_files["shared/db1.yaml"] = "kind: physical\n"
    texts(base_files)
    os.symlink(root / "shared" / "db1.yaml", root / "hosts" / "db1.example.com.yaml")
    assert texts(base_files) == []
    assert "db1.example.com" in load.load_inventory(load.DirSource(root)).hosts


@pytest.mark.parametrize("filename", ["Web1.example.com.yaml", "web_1.example.com.yaml",
                                      "web 1.yaml", "web;1.yaml", "-web.yaml",
                                      "web1..example.com.yaml"])
def test_host_file_with_a_bad_name(texts, base_files, filename):
    base_files[f"hosts/{filename}"] = "kind: physical\n"
    assert texts(base_files) == [
        f"hosts/{filename}: file name is not a lower-case FQDN of RFC 1123 labels followed "
        "by .yaml"]


def test_network_file_with_a_bad_name(texts, base_files):
    base_files["networks/Bad Net.yaml"] = "ipv4: 10.9.0.0/24\n"
    assert texts(base_files) == [
        "networks/Bad Net.yaml: file name: 'Bad Net' is not a network name (lower-case "
        "letters, digits, '-' and '_', starting with a letter or digit, at most 63)"]


def test_yml_files_are_warned_about(texts, base_files):
    base_files["hosts/db1.example.com.yml"] = "kind: physical\n"
    assert texts(base_files) == [
        "hosts/db1.example.com.yml: warning: not read: host records end in .yaml"]


def test_subfolders_group_hosts_and_a_host_twice_is_an_error(texts, base_files):
    base_files["hosts/rack1/db1.example.com.yaml"] = "kind: physical\n"
    assert texts(base_files) == []
    base_files["hosts/rack2/db1.example.com.yaml"] = "kind: physical\n"
    assert texts(base_files) == [
        "hosts/rack2/db1.example.com.yaml: host db1.example.com is also recorded in "
        "hosts/rack1/db1.example.com.yaml"]


def test_hidden_and_temporary_files_are_skipped(texts, base_files):
    base_files["hosts/.web9.example.com.yaml.tmp-123-abcd"] = "garbage: ["
    base_files["hosts/README"] = "notes"
    assert texts(base_files) == []


# --- writing ------------------------------------------------------------------------------

def test_write_record_is_atomic_and_skips_unchanged(root):
    root.mkdir()
    assert load.write_record(root, "hosts/a.example.com.yaml", {"kind": "physical"})
    path = root / "hosts" / "a.example.com.yaml"
    mtime = path.stat().st_mtime_ns
    assert not load.write_record(root, "hosts/a.example.com.yaml", {"kind": "physical"})
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in path.parent.iterdir()] == ["a.example.com.yaml"]


@pytest.mark.parametrize("rel", ["../x.yaml", "/etc/x.yaml", "hosts/../../x.yaml"])
def test_write_refuses_paths_outside(root, rel):
    root.mkdir()
    with pytest.raises(load.CinvError, match="outside the inventory"):
        load.write_record(root, rel, {"kind": "physical"})


def test_write_refuses_a_symlink(root, tmp_path):
    (root / "hosts").mkdir(parents=True)
    target = tmp_path / "elsewhere.yaml"
    target.write_text("x: 1\n")
    os.symlink(target, root / "hosts" / "a.example.com.yaml")
    with pytest.raises(load.CinvError, match="is a symlink"):
        load.write_record(root, "hosts/a.example.com.yaml", {"kind": "physical"})
    assert target.read_text() == "x: 1\n"


def test_round_trip_of_a_stored_record(texts, base_files, root):
    texts(base_files)
    inv = load.load_inventory(load.DirSource(root))
    for host in inv.hosts.values():
        text = yamlio.dump(host.to_dict())
        assert yamlio.load(text) == yamlio.load((root / host.path).read_text())


def test_libvirt_block_keeps_domain_name_and_uuid(tmp_path):
    from cinv.records import schema, yamlio
    from cinv.records.model import Inventory, Settings
    from cinv.render.view import View
    problems: list = []
    text = ("kind: virtual\nlibvirt:\n  name: web1\n"
            "  uuid: 4B7C0E7E-1D2A-4F5B-9C3D-0123456789AB\n")
    host = schema.parse_host("web1.example.com", yamlio.load(text), "hosts/x.yaml", problems)
    assert problems == []
    assert host.to_dict()["libvirt"] == {"name": "web1",
                                         "uuid": "4b7c0e7e-1d2a-4f5b-9c3d-0123456789ab"}
    view = View(Inventory(settings=Settings(), hosts={host.name: host}))
    assert view.hosts[0]["domain_name"] == "web1"
    assert view.hosts[0]["uuid"] == "4b7c0e7e-1d2a-4f5b-9c3d-0123456789ab"
    bad = "kind: virtual\nlibvirt:\n  name: \"a b\"\n  uuid: nope\n"
    schema.parse_host("web1.example.com", yamlio.load(bad), "hosts/x.yaml", problems)
    assert [p.text() for p in problems] == [
        "hosts/x.yaml:3: libvirt.name: 'a b' is not a libvirt domain name (letters, digits, "
        "'_', '.', '+', '-'; at most 64)",
        "hosts/x.yaml:4: libvirt.uuid: 'nope' is not a UUID"]
