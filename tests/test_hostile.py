"""Hostile input: a corpus of names, values, files and templates an attacker (or a slip) could
put into an inventory.

Refused cases: exit 1, ONE line on stderr, no traceback, nothing changed (tree and HEAD).
Escaped cases: text that is allowed (descriptions, locations, hardware strings, vars) carries
injection payloads for every output syntax; the real checkers still accept the rendered files and
parsing them shows the payload as data, never as a directive.
"""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from checkers import check_all, generated_files, write_inventory
from conftest import invoke


def assert_refused(inventory, *args):
    before = inventory.snapshot()
    r = inventory.run(*args)
    assert r.code == 1, r
    lines = r.err.splitlines()
    assert len(lines) == 1, r
    assert "Traceback" not in r.out + r.err and "internal error" not in r.err, r
    assert inventory.snapshot() == before
    return lines[0]


@pytest.fixture
def web(inventory):
    """The inventory with one VM, web.prod.example.com, on prod."""
    inventory.ok("host", "add", "web", "--kind", "virtual", "--network", "prod")
    return inventory


# --- 1. host names on the command line ---------------------------------------------------------

BAD_NAMES = {
    "space": "web 1", "semicolon": "web;reboot", "close-brace": "web}", "open-brace": "{web",
    "double-quote": 'we"b', "single-quote": "we'b", "newline": "web\nsubnet",
    "tab": "web\t", "nul": "web\x00x", "unicode": "wéb", "unicode-fqdn": "ünï.example.com",
    "dotdot": "..", "traversal": "../../etc/passwd", "slash": "a/b", "dot": ".", "empty": "",
    "double-dot": "web..prod", "underscore": "web_1", "star": "*", "at": "@",
    "dollar": "web.$ORIGIN", "two-patterns": "vm{n}{n}", "trailing-hyphen": "web-",
    "label-64": "a" * 64, "name-254": ".".join(["a" * 63] * 4) + ".com",
    "xn-hyphen-end": "xn--", "backslash": "web\\x", "comma": "web,evil", "equals": "web=1",
    "hash": "web#", "angle": "<web>",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_host_name_refused(inventory, name):
    assert_refused(inventory, "host", "add", "--kind", "virtual", "--network", "prod", "--", name)


@pytest.mark.parametrize("name", ["-evil", "--evil", "-rf.example.com"])
def test_leading_hyphen_after_double_dash_refused(inventory, name):
    line = assert_refused(inventory, "host", "add", "--kind", "virtual", "--network", "prod",
                          "--", name)
    assert name in line


# --- 2. other values on the command line -------------------------------------------------------

BAD_SETS = {
    # text is taken as typed (no YAML escapes): the shell hands over the control characters
    "description-newline": "description=a\nsubnet 10.0.0.0 netmask 255.0.0.0 {",
    "description-cr": "description=a\rb",
    "description-nel": "description=a\x85b", "description-del": "description=a\x7fb",
    "location-line-separator": "location=a\u2028b", "location-escape": "location=zrh\x1b[2J",
    "vendor-nul": "hardware.vendor=a\x00b", "serial-newline": "hardware.serial=x\ny",
    "description-long": "description=" + "x" * 1001,
    "tag-space": 'tags=["a b"]', "tag-semicolon": 'tags=[";reboot"]', "tag-hyphen": "tags=[-x]",
    "vars-key": "vars.bad-key=1", "vars-newline": 'vars.x="a\\nb"',
    "alias-semicolon": 'interfaces.eth0.aliases=["www;"]',
    "alias-star": 'interfaces.eth0.aliases=["*"]', "alias-at": 'interfaces.eth0.aliases=["@"]',
    "alias-space": 'interfaces.eth0.aliases=["a b"]',
    "alias-unicode": 'interfaces.eth0.aliases=["wéb"]',
    "unknown-key": "bogus=1", "unknown-nested": "hardware.gpu=1", "name": "name=evil",
    "mac-multicast": 'interfaces.eth0.mac="01:00:5e:00:00:01"',
    "network-injection": 'interfaces.eth0.network="prod;x"', "parent-traversal": "parent=../x",
    "ipv4-injection": 'interfaces.eth0.ipv4="192.0.2.20; evil"',
    "state-bogus": "state=owned", "kind-bogus": "kind=container",
}


@pytest.mark.parametrize("assignment", BAD_SETS.values(), ids=BAD_SETS.keys())
def test_bad_host_set_refused(web, assignment):
    assert_refused(web, "host", "set", "web", assignment)


BAD_NETS = {
    "name-space": ["bad net", "--ipv4", "10.9.0.0/24"],
    "name-traversal": ["../x", "--ipv4", "10.9.0.0/24"],
    "name-hyphen": ["--ipv4", "10.9.0.0/24", "--", "-x"],
    "domain-space": ["x", "--ipv4", "10.9.0.0/24", "--domain", "ex ample.com"],
    "domain-semicolon": ["x", "--ipv4", "10.9.0.0/24", "--domain", "a;b.com"],
    "domain-newline": ["x", "--ipv4", "10.9.0.0/24", "--domain", "evil.com\nzone"],
    "bridge-semicolon": ["x", "--ipv4", "10.9.0.0/24", "--bridge", "br0;x"],
    "bridge-quote": ["x", "--ipv4", "10.9.0.0/24", "--bridge", "br'0"],
    "bridge-long": ["x", "--ipv4", "10.9.0.0/24", "--bridge", "br-this-is-too-long"],
    "vlan-range": ["x", "--ipv4", "10.9.0.0/24", "--vlan", "5000"],
    "prefix-injection": ["x", "--ipv4", "10.9.0.0/24; evil"],
    "pool-injection": ["x", "--ipv4", "10.9.0.0/24", "--dhcp-pool", "10.9.0.9-10.9.0.20 }"],
}


@pytest.mark.parametrize("args", BAD_NETS.values(), ids=BAD_NETS.keys())
def test_bad_network_refused(inventory, args):
    assert_refused(inventory, "net", "add", *args)


BAD_ADD_OPTIONS = {
    "description-newline": ["--description", "a\nb"],
    "tag-space": ["--tag", "a b"], "tag-hyphen": ["--tag=-x"],
    "mac-multicast": ["--mac", "01:00:5e:00:00:01"], "mac-garbage": ["--mac", "52:54:00:zz:00:01"],
    "ipv4-injection": ["--ipv4", "192.0.2.10; evil"], "memory-injection": ["--memory", "4GiB;x"],
    "parent-traversal": ["--parent", "../x"],
}


@pytest.mark.parametrize("options", BAD_ADD_OPTIONS.values(), ids=BAD_ADD_OPTIONS.keys())
def test_bad_host_add_option_refused(inventory, options):
    assert_refused(inventory, "host", "add", "web2", "--kind", "virtual", "--network", "prod",
                   *options)


@pytest.mark.parametrize("ifname", ["eth 1", "eth0;x", "averyveryverylongifname", "../x", "é"])
def test_bad_interface_name_refused(web, ifname):
    assert_refused(web, "iface", "add", "web", "--network", "mgmt", "--name", ifname)


# --- 3. hostile files --------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi"))
HOST = "hosts/bad.prod.example.com.yaml"
BAD_FILES = {
    "malformed": (HOST, "kind: [virtual\n"),
    "tabs": (HOST, "kind: virtual\ninterfaces:\n\t- name: eth0\n"),
    "binary": (HOST, bytes(range(256)) * 4),
    "nul": (HOST, b"kind: virtual\x00\n"),
    "latin1": (HOST, "kind: virtual\ndescription: caf\xe9\n".encode("latin-1")),
    "alias-bomb": (HOST, BOMB),
    "alias": (HOST, "kind: &k virtual\nstate: active\ndescription: *k\n"),
    "python-tag": (HOST, "kind: !!python/object/apply:os.system ['touch /tmp/cinv-pwned']\n"),
    "custom-tag": (HOST, "kind: !evil virtual\n"),
    "huge": (HOST, "kind: virtual\ndescription: " + "x" * (2 << 20) + "\n"),
    "deep": (HOST, "[" * 10000 + "]" * 10000 + "\n"),
    "duplicate-key": (HOST, "kind: virtual\nkind: physical\n"),
    "unknown-key": (HOST, "kind: virtual\nbogus: 1\n"),
    "unknown-iface-key": (HOST, "kind: virtual\ninterfaces:\n- name: eth0\n  network: prod\n"
                          "  evil: 1\n"),
    "top-list": (HOST, "- kind\n- virtual\n"),
    "multi-doc": (HOST, "kind: virtual\n---\nkind: physical\n"),
    "block-newlines": (HOST, "kind: virtual\ndescription: |\n  ok\n  subnet 0.0.0.0 {\n"),
    "name-mismatch": (HOST, "name: other.prod.example.com\nkind: virtual\n"),
    "file-name-space": ("hosts/we b.example.com.yaml", "kind: virtual\n"),
    "file-name-upper": ("hosts/WEB.example.com.yaml", "kind: virtual\n"),
    "file-name-semicolon": ("hosts/web;x.example.com.yaml", "kind: virtual\n"),
    "vars-key": (HOST, "kind: virtual\nvars: {'a b': 1}\n"),
    "vars-deep": (HOST, "kind: virtual\nvars: " + "{a: " * 12 + "1" + "}" * 12 + "\n"),
    "net-file-name": ("networks/bad net.yaml", "ipv4: 10.9.0.0/24\n"),
    "net-bridge": ("networks/x.yaml", "ipv4: 10.9.0.0/24\nbridge: br0 x\n"),
    "net-domain": ("networks/x.yaml", "ipv4: 10.9.0.0/24\ndomain: a..b\n"),
    "net-dns-server": ("networks/x.yaml", "ipv4: 10.9.0.0/24\ndns_servers: ['1.2.3.4; evil']\n"),
    "net-unknown": ("networks/x.yaml", "ipv4: 10.9.0.0/24\nrange: 1\n"),
}
SETTINGS = "domain: example.com\nmac_prefix: '52:54:00'\n"
BAD_SETTINGS = {
    "primary-ns": "dns:\n  primary_ns: 'ns1.example.com.; evil'\n",
    "hostmaster": "dns:\n  hostmaster: host master@example.com\n",
    "nameserver": "dns:\n  nameservers: ['ns1.example.com.\\nevil']\n",
    "ttl": "dns:\n  ttl: '3600; evil'\n",
    "template-traversal": "render:\n  targets:\n    x: {template: ../../etc/passwd, path: x}\n",
    "template-absolute": "render:\n  targets:\n    x: {template: /etc/passwd, path: x}\n",
    "target-name": "render:\n  targets:\n    'x y': {template: a.j2, path: x}\n",
    "image-dir-relative": "libvirt:\n  image_dir: images\n",
    "image-dir-quote": "libvirt:\n  image_dir: \"/var/x'/><evil/>\"\n",
    "kea-interface": "kea:\n  interfaces: ['eth0;x']\n",
    "mac-prefix-multicast": "mac_prefix: '01:00:00'\n",
    "domain": "domain: 'example.com; evil'\n",
    "unknown": "bogus: 1\n",
}
for key, extra in BAD_SETTINGS.items():
    text = SETTINGS + extra if not extra.startswith(("mac_prefix", "domain")) else \
        "domain: example.com\n" * (not extra.startswith("domain")) + extra
    BAD_FILES[f"settings-{key}"] = ("cinv.yaml", text)


def plant(inventory, rel, content):
    path = inventory.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def assert_file_refused(inventory, rel):
    """check names the file in exactly one error line; render refuses and writes nothing."""
    before = inventory.snapshot()
    r = inventory.run("check")
    assert r.code == 1, r
    assert "Traceback" not in r.out + r.err and "internal error" not in r.out + r.err, r
    errors = [line for line in r.out.splitlines()[:-1] if ": warning: " not in line]
    assert len(errors) == 1, r
    assert errors[0].startswith(rel), r
    r = inventory.run("render")
    assert r.code == 1, r
    assert "Traceback" not in r.out + r.err, r
    assert r.err.splitlines()[-1].startswith("cinv: render refused"), r
    assert inventory.snapshot() == before
    assert not (inventory.root / "build").exists()


@pytest.mark.parametrize("rel,content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_refused(inventory, rel, content):
    plant(inventory, rel, content)
    assert_file_refused(inventory, rel)
    assert not os.path.exists("/tmp/cinv-pwned")


def test_symlink_out_of_the_inventory_refused(inventory, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("kind: virtual\ndescription: read through a symlink\n")
    (inventory.root / "hosts" / "evil.example.com.yaml").symlink_to(secret)
    assert_file_refused(inventory, "hosts/evil.example.com.yaml")
    (inventory.root / "hosts" / "evil.example.com.yaml").unlink()
    (inventory.root / "hosts" / "outside").symlink_to(tmp_path)
    assert_file_refused(inventory, "hosts/outside")


def test_symlinked_record_is_not_written_through(web, tmp_path):
    target = tmp_path / "elsewhere.yaml"
    path = web.host_file("web.prod.example.com")
    target.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(target)
    r = web.run("host", "set", "web", "description=through")
    assert r.code == 1 and len(r.err.splitlines()) >= 1, r
    assert b"through" not in target.read_bytes()


# --- 4. hostile templates and output paths (render refuses, writes nothing) -------------------

BAD_TARGETS = {
    "path-traversal": ("x.j2", "x", "../escape.txt"),
    "path-absolute": ("x.j2", "x", "/tmp/cinv-escape"),
    "path-rendered-traversal": ("x.j2", "x", "{{ '..' }}/{{ '..' }}/escape"),
    "path-manifest": ("x.j2", "x", ".cinv-manifest.json"),
    "sandbox-mro": ("x.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "x"),
    "sandbox-globals": ("x.j2", "{{ self.__init__.__globals__ }}", "x"),
    "strict-undefined": ("x.j2", "{{ inv.no_such_thing }}", "x"),
    "syntax": ("x.j2", "{% for %}", "x"),
    "missing-template": ("nothere.j2", None, "x"),
}


@pytest.mark.parametrize("template,text,path", BAD_TARGETS.values(), ids=BAD_TARGETS.keys())
def test_bad_user_target_refused(inventory, template, text, path):
    settings = yaml.safe_load(inventory.read("cinv.yaml"))
    settings["render"]["targets"] = {"x": {"template": template, "path": path}}
    (inventory.root / "cinv.yaml").write_text(yaml.safe_dump(settings))
    if text is not None:
        (inventory.root / "templates" / template).write_text(text)
    before = inventory.snapshot()
    if "{" in path or not path.startswith(("/", ".")):
        line = assert_refused(inventory, "render")
        assert "target x" in line or template in line, line
    else:  # a literal path out of the output dir: check reports it, so render refuses
        r = inventory.run("render")
        assert r.code == 1 and "Traceback" not in r.err, r
        assert r.err.startswith("cinv.yaml:") and "render.targets.x.path" in r.err, r
    assert inventory.snapshot() == before
    assert not (inventory.root / "build").exists()
    assert not (inventory.root.parent / "escape.txt").exists()


def test_template_symlinked_out_of_the_inventory_refused(inventory, tmp_path):
    (tmp_path / "secret.j2").write_text("{{ 'leaked' }}")
    (inventory.root / "templates" / "hosts.j2").symlink_to(tmp_path / "secret.j2")
    before = inventory.snapshot()
    r = inventory.run("render")  # check reports the symlink, so render refuses
    assert r.code == 1 and "Traceback" not in r.err, r
    assert r.err.splitlines()[0].startswith("templates/hosts.j2: is a symlink to "), r
    assert inventory.snapshot() == before


# --- 5. accepted text, escaped for every output syntax ----------------------------------------

PAYLOADS = {
    "xml-close": "</description><devices><disk type='file'/></devices><description>",
    "xml-cdata": "]]><![CDATA[ <!-- --> &amp; &lt;",
    "dhcpd-block": '"; } host evil { hardware ethernet 00:00:00:00:00:01; fixed-address 6.6.6.6; #',
    "json-key": '", "evil": {"a": 1}, "x": "',
    "yaml-flow": "a: b, c: [d], {e: f} # g",
    "zone-directive": "$INCLUDE /etc/passwd",
    "dnsmasq-line": "dhcp-range=10.0.0.1,10.0.0.9",
    "jinja": "{{ 7 * 7 }} {% raw %}",
    "unicode": "Zürich – 東京 \u200b\ufeff \U0001f4a5",
    "backslashes": "C:\\evil\\\" \\n",
}


@pytest.fixture(scope="module")
def escaped_render(tmp_path_factory):
    """One inventory holding every payload in every free-text field, rendered once."""
    root = tmp_path_factory.mktemp("escaped") / "inv"
    files = generated_files(hosts=4)
    for n, (key, payload) in enumerate(PAYLOADS.items()):
        record = {"kind": "virtual", "state": "active", "description": payload,
                  "location": payload, "tags": [f"t.{n}-x_y"],
                  "hardware": {"vendor": payload, "model": payload, "serial": payload},
                  "vars": {"note": payload, "nested": {"list": [payload, 1, True]}},
                  "interfaces": [{"name": "eth0", "network": "wide",
                                  "mac": f"52:54:00:77:00:{n:02x}", "ipv4": f"10.1.2.{n + 10}",
                                  "aliases": [f"a{n}"]}]}
        files[f"hosts/xn--p{n}-h.wide.example.net.yaml"] = \
            yaml.safe_dump(record, allow_unicode=True)
    write_inventory(root, files)
    out = root.parent / "out"
    # the operator lets vars hold Ansible templates (the "jinja" payload; without it check
    # refuses them: tests/test_security3.py)
    r = invoke("-C", root, "render", "--out", out, env={"CINV_ANSIBLE_ALLOW": "templates"})
    assert r.code == 0, r
    return root, out


def test_escaped_files_pass_every_checker(escaped_render, tmp_path):
    check_all(escaped_render[1], tmp_path)


@pytest.mark.parametrize("key", PAYLOADS)
def test_payload_is_data_not_directive(escaped_render, key):
    _, out = escaped_render
    payload = PAYLOADS[key]
    n = list(PAYLOADS).index(key)
    name = f"xn--p{n}-h.wide.example.net"
    # libvirt: one domain, its description is the payload verbatim, no injected element
    root = ET.parse(out / "libvirt" / f"{name}.xml").getroot()
    assert root.tag == "domain"
    assert root.findtext("description") == payload
    assert len(root.findall("name")) == 1 and len(root.findall("devices")) == 1
    assert not root.findall("devices/disk[@type='file']") or "disk" not in payload
    # Kea: the same keys as without payloads; no "evil" anywhere as a key
    for family in ("4", "6"):
        text = (out / f"kea-dhcp{family}.conf").read_text()
        assert '"evil"' not in text
        json.loads(text)
    # ansible: the vars come back verbatim
    inv = yaml.load((out / "ansible" / "inventory.yaml").read_text(), Loader=UnsafeLoader)
    hv = inv["all"]["hosts"][name] if "hosts" in inv.get("all", {}) else _find_host(inv, name)
    assert hv["note"] == payload and hv["nested"] == {"list": [payload, 1, True]}
    assert hv["cinv_description"] == payload and hv["cinv_location"] == payload
    # line-based formats: nothing of the payload starts a line
    first = payload.split()[0]
    for rel in ("dhcpd.conf", "dhcpd6.conf", "hosts", "dnsmasq/cinv.conf",
                *(f"dns/{p.name}" for p in (out / "dns").iterdir())):
        for line in (out / rel).read_text().splitlines():
            assert not line.lstrip().startswith(first) or first in ("#", ";"), (rel, line)
        assert "evil" not in (out / rel).read_text(), rel


class UnsafeLoader(yaml.SafeLoader):
    """YAML as Ansible reads it: `!unsafe` text is text (never templated)."""


UnsafeLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def _find_host(inv, name):
    def walk(group):
        if name in (group.get("hosts") or {}):
            return group["hosts"][name]
        for child in (group.get("children") or {}).values():
            found = walk(child or {})
            if found is not None:
                return found
        return None
    return walk(inv["all"])


def test_xml_comment_holds_no_double_hyphen(escaped_render):
    """Host names may hold '--' (xn-- labels), which an XML comment may not."""
    _, out = escaped_render
    for path in (out / "libvirt").glob("xn--*.xml"):
        for comment in re.findall(r"<!--(.*?)-->", path.read_text(), re.S):
            assert "--" not in comment, path
