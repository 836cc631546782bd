"""cinv plan / cinv apply against kea-dhcp4 and kea-dhcp6 running in a network namespace the
test makes, through their unix control sockets (and once through kea-ctrl-agent's URL with
HTTP basic authentication).

The servers start with settings of their own (control socket, memfile leases, loggers, a hook
library, the namespace's interface, a valid-lifetime, a subnet of another team's); apply must
put the inventory's subnets and reservations there and leave all of that as it was, in the
running configuration and in the file config-write writes.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkers import require
from conftest import invoke
from deployservers import Kea, example_inventory, hook_path, servers_file
from serving import Link, Process, free_port, wait_for

from cinv import deploy
from cinv.deploy.servers import load_servers
from cinv.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
FOREIGN4 = {"id": 7, "subnet": "10.99.0.0/24", "pools": [{"pool": "10.99.0.100 - 10.99.0.200"}]}
FOREIGN6 = {"id": 7, "subnet": "2001:db8:99::/64",
            "pools": [{"pool": "2001:db8:99::100 - 2001:db8:99::1ff"}]}
KEPT = ("control-socket", "lease-database", "loggers", "hooks-libraries", "interfaces-config",
        "valid-lifetime")


@pytest.fixture(scope="module")
def link():
    link = Link()
    try:
        link.serve_on(["192.0.2.1/24", "2001:db8:0:1::1/64"])
        yield link
    finally:
        link.close()


@pytest.fixture
def site(tmp_path, link):
    """(inventory root, kea4, kea6, servers file)."""
    root = example_inventory(tmp_path)
    keas = [Kea(4, tmp_path / "k4", link, {"valid-lifetime": 600, "subnet4": [FOREIGN4]}),
            Kea(6, tmp_path / "k6", link, {"valid-lifetime": 600, "preferred-lifetime": 300,
                                           "subnet6": [FOREIGN6]})]
    try:
        for kea in keas:
            kea.start()
        yield root, keas[0], keas[1], servers_file(tmp_path, keas=keas)
    finally:
        for kea in keas:
            kea.stop()


def cinv(root: Path, *args):
    return invoke("-C", root, *args)


def rendered(root: Path, tmp: Path, family: int) -> dict:
    out = tmp / f"render{family}"
    assert cinv(root, "render", "kea", "--out", out).code == 0
    return json.loads((out / f"kea-dhcp{family}.conf").read_text())[f"Dhcp{family}"]


def reservations(subnet: dict, family: int) -> dict:
    """{hw-address: (address, hostname)} of a subnet's reservations."""
    key = "ip-address" if family == 4 else "ip-addresses"
    return {r["hw-address"]: (r.get(key), r.get("hostname")) for r in subnet["reservations"]}


def agrees(kea: Kea, root: Path, tmp: Path, before: dict) -> None:
    """Kea runs the inventory's subnets and reservations, keeps its own settings and the
    foreign subnet, and config-write put the same in its file."""
    family = kea.family
    want = rendered(root, tmp, family)[f"subnet{family}"]
    running = kea.config()
    got = {s["subnet"]: s for s in running[f"subnet{family}"]}
    for subnet in want:
        have = got[subnet["subnet"]]
        assert have["id"] == subnet["id"]
        assert reservations(have, family) == reservations(subnet, family)
        assert have["user-context"] == {"cinv": {"network": have["user-context"]["cinv"]
                                                 ["network"]}}
    foreign = FOREIGN4 if family == 4 else FOREIGN6
    assert got[foreign["subnet"]]["id"] == 7 and "user-context" not in got[foreign["subnet"]]
    for key in KEPT:
        assert running[key] == before[key], key
    stored = json.loads(kea.conf_path.read_text())[f"Dhcp{family}"]
    assert {s["subnet"] for s in stored[f"subnet{family}"]} == set(got)
    assert stored["control-socket"] == before["control-socket"]


def test_apply_puts_the_inventory_in_kea_and_keeps_its_own_settings(site, tmp_path):
    root, kea4, kea6, servers = site
    before = {4: kea4.config(), 6: kea6.config()}
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 2, r
    assert "+ subnet 192.0.2.0/24 (id 900993433) network prod" in r.out
    assert "+ reservation hw-address 52:54:00:00:00:01 in 192.0.2.0/24 {\"hostname\": " \
           "\"web1.prod.example.com\", \"ip-address\": \"192.0.2.20\"}" in r.out
    assert "10.99.0.0" not in r.out and "2001:db8:99::" not in r.out  # not the inventory's
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0, r
    assert r.out.count("config-test, config-set and config-write done") == 2, r.out
    agrees(kea4, root, tmp_path, before[4])
    agrees(kea6, root, tmp_path, before[6])
    r = cinv(root, "plan", "--servers", servers)
    assert r.code == 0 and "nothing to change" in r.out, r
    r = cinv(root, "apply", "--servers", servers, "--yes")
    assert r.code == 0 and "Nothing to change." in r.out, r


def test_one_host_add_is_one_reservation_and_one_config_set(site, tmp_path):
    root, kea4, kea6, servers = site
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    sets = kea4.log().count("'config-set'")
    cinv(root, "host", "add", "web9", "--kind", "virtual", "--network", "prod", "--ipv4",
         "192.0.2.99", "--ipv6", "2001:db8:0:1::99", "--mac", "52:54:00:00:00:99")
    r = cinv(root, "plan", "--servers", servers, "--format", "json")
    assert r.code == 2
    steps = {s["server"]: [(c["action"], c["subject"]) for c in s["changes"]]
             for s in json.loads(r.out)["steps"]}
    assert steps == {
        f"kea {kea4.socket}": [("add", "reservation hw-address 52:54:00:00:00:99 in "
                                       "192.0.2.0/24")],
        f"kea {kea6.socket}": [("add", "reservation hw-address 52:54:00:00:00:99 in "
                                       "2001:db8:0:1::/64")]}
    assert cinv(root, "apply", "--servers", servers, "--yes").code == 0
    assert kea4.log().count("'config-set'") == sets + 1  # Kea logs every command it takes
    net = next(s for s in kea4.config()["subnet4"] if s["subnet"] == "192.0.2.0/24")
    assert reservations(net, 4)["52:54:00:00:00:99"] == ("192.0.2.99", "web9.prod.example.com")


def test_removed_networks_and_the_safety_limit(site, tmp_path):
    root, kea4, kea6, servers = site
    cinv(root, "net", "add", "lab", "--ipv4", "203.0.113.0/24", "--domain", "lab.example.com")
    cinv(root, "host", "add", "t1", "--kind", "physical", "--network", "lab", "--mac",
         "02:00:00:00:00:01")
    assert cinv(root, "apply", "kea", "--servers", servers, "--yes").code == 0
    assert "203.0.113.0/24" in {s["subnet"] for s in kea4.config()["subnet4"]}
    assert cinv(root, "host", "rm", "t1").code == 0
    assert cinv(root, "net", "rm", "lab").code == 0
    for host in ("web1", "db1", "mail1", "mon1"):  # with t1: 5 of the 13 v4 reservations go
        assert cinv(root, "host", "state", host, "retired").code == 0
    r = cinv(root, "plan", "kea", "--servers", servers)
    assert r.code == 2
    assert "- subnet 203.0.113.0/24 (id " in r.out  # cinv's subnet (marked): removed
    assert "would delete 5 of the 13 reservations it holds (38 % > 30 %)" in r.out, r.out
    config = kea4.config()
    r = cinv(root, "apply", "kea", "--servers", servers, "--yes")
    assert r.code == 1 and "over the safety limit" in r.err, r
    assert kea4.config() == config
    r = cinv(root, "apply", "kea", "--servers", servers, "--yes", "--force")
    assert r.code == 0, r
    subnets = {s["subnet"] for s in kea4.config()["subnet4"]}
    assert "203.0.113.0/24" not in subnets and "10.99.0.0/24" in subnets


def test_a_configuration_changed_since_the_plan_is_not_overwritten(site, tmp_path):
    root, kea4, kea6, servers = site
    ws = Workspace(root)
    planned = deploy.plan(ws, load_servers(str(servers), root), ("kea",))
    config = kea4.config()
    config["valid-lifetime"] = 900  # someone else's change, in between
    assert kea4.command("config-set", {"Dhcp4": config})["result"] == 0
    outcomes, _ = deploy.apply(ws, planned)
    by_server = {o.step.server: o for o in outcomes}
    assert not by_server[f"kea {kea4.socket}"].ok
    assert "changed on the server since the plan" in by_server[f"kea {kea4.socket}"].text
    assert kea4.config()["valid-lifetime"] == 900
    assert by_server[f"kea {kea6.socket}"].ok


def test_kea_ctrl_agent_url_with_basic_auth(site, tmp_path):
    root, kea4, kea6, servers = site
    agent = require("kea-ctrl-agent")
    (tmp_path / "agent").mkdir()
    port = free_port()
    conf = tmp_path / "agent" / "agent.conf"
    conf.write_text(json.dumps({"Control-agent": {
        "http-host": "127.0.0.1", "http-port": port,
        "authentication": {"type": "basic", "realm": "kea",
                           "clients": [{"user": "cinv", "password": "s3cret-pass"}]},
        "control-sockets": {"dhcp4": {"socket-type": "unix", "socket-name": kea4.socket}},
        "loggers": [{"name": "kea-ctrl-agent", "severity": "INFO",
                     "output_options": [{"output": str(tmp_path / "agent" / "agent.log")}]}]}}))
    env = {k: str(tmp_path / "agent") for k in ("KEA_PIDFILE_DIR", "KEA_LOCKFILE_DIR",
                                                 "KEA_LOG_FILE_DIR")}
    proc = Process("kea-ctrl-agent", [agent, "-c", conf], tmp_path / "agent" / "out.log", env)
    try:
        log = tmp_path / "agent" / "agent.log"
        wait_for(lambda: log.exists() and "CTRL_AGENT_HTTP_SERVICE_STARTED" in log.read_text(),
                 30, "kea-ctrl-agent to listen", proc)
        password = tmp_path / "operator" / "kea.password"
        password.write_text("s3cret-pass\n")
        password.chmod(0o600)
        via = tmp_path / "operator" / "agent.yaml"
        via.write_text(f"kea:\n  - url: http://127.0.0.1:{port}/\n    service: dhcp4\n"
                       f"    auth: {{user: cinv, password_file: {password}}}\n")
        r = cinv(root, "plan", "--servers", via)
        assert r.code == 2 and f"kea http://127.0.0.1:{port}/ (dhcp4):" in r.out, r
        r = cinv(root, "apply", "--servers", via, "--yes")
        assert r.code == 0, r
        assert "192.0.2.0/24" in {s["subnet"] for s in kea4.config()["subnet4"]}
        assert cinv(root, "plan", "--servers", via).code == 0
        password.write_text("wrong\n")
        r = cinv(root, "plan", "--servers", via)
        assert r.code == 1 and "HTTP 401" in r.out, r
    finally:
        proc.stop()
    assert hook_path(Kea.HOOK)
