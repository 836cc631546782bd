"""A zone's own settings in zones/<zone>.yaml (issue 25, items 5 and 6): SOA timers, the serial
scheme (unixtime | date | counter) and the serial floor, which `cinv import zone` records from
the source's SOA, so a zone's serial never goes backwards for the secondaries holding it.

Serials are read from what `cinv render dns` writes and from `named-checkzone` where it says
what named would load; commit times are set through GIT_COMMITTER_DATE, so the expected
serials are exact.
"""
from __future__ import annotations

import re
import time

import pytest
import yaml
from checkers import require
from conftest import invoke

from cinv.render import serial as serials_mod

SERIAL = re.compile(r"^\s+(\d+)\s+; serial$", re.M)
DAY = 86400


def rendered(inventory, tmp_path, name: str, zone: str = "prod.example.com") -> str:
    out = tmp_path / name
    r = inventory.run("render", "dns", "--out", out)
    assert r.code == 0, r
    return (out / "dns" / f"db.{zone}").read_text()


def serial_of(text: str) -> int:
    return int(SERIAL.search(text).group(1))


def write_zone(inventory, zone: str, text: str, message: str) -> None:
    path = inventory.root / "zones" / f"{zone}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    inventory.git("add", "-A")
    inventory.git("commit", "-q", "-m", message)


@pytest.fixture
def clock(monkeypatch):
    """Set the committer (and author) time of the next commits."""
    def at(when: int) -> None:
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0000")
        monkeypatch.setenv("GIT_AUTHOR_DATE", f"{when} +0000")
    return at


# --- the schema ---------------------------------------------------------------------------

def test_settings_are_read_checked_and_kept_by_record_add(inventory):
    write_zone(inventory, "prod.example.com",
               "soa: {refresh: 7200, retry: 600, expire: 604800, minimum: 60}\n"
               "serial: date\nserial_floor: 2024051501\n", "Zone settings")
    assert inventory.problems() == []
    inventory.ok("record", "add", "prod.example.com", "@", "MX", "10 mail")
    stored = yaml.safe_load(inventory.read("zones/prod.example.com.yaml"))
    assert stored == {"soa": {"refresh": 7200, "retry": 600, "expire": 604800, "minimum": 60},
                      "serial": "date", "serial_floor": 2024051501,
                      "records": {"@": [{"type": "MX", "value": "10 mail"}]}}
    inventory.ok("record", "rm", "prod.example.com", "@", "MX")
    stored = yaml.safe_load(inventory.read("zones/prod.example.com.yaml"))
    assert stored["serial_floor"] == 2024051501 and stored["serial"] == "date"


def test_bad_settings_are_errors_at_their_line(inventory):
    (inventory.root / "zones").mkdir()
    (inventory.root / "zones" / "prod.example.com.yaml").write_text(
        "soa:\n  refresh: -1\n  retrys: 5\nserial: weekly\nserial_floor: 4294967296\n")
    r = inventory.run("check")
    assert r.code == 1
    z = "zones/prod.example.com.yaml"
    for line in (f"{z}:2: soa.refresh: -1 is not between 0 and 2147483647",
                 f"{z}:3: soa.retrys: unknown key (did you mean 'retry'?)",
                 f"{z}:4: serial: 'weekly' is not one of unixtime, date, counter",
                 f"{z}:5: serial_floor: 4294967296 is not between 0 and 4294967295"):
        assert line in r.out, r.out


def test_the_zones_own_timers_are_in_its_soa(inventory, tmp_path):
    before = rendered(inventory, tmp_path, "a")
    other = rendered(inventory, tmp_path, "a2", "mgmt.example.com")
    write_zone(inventory, "prod.example.com", "soa: {refresh: 7200, minimum: 60}\n", "Timers")
    after = rendered(inventory, tmp_path, "b")
    assert "\t\t3600\t; refresh" in before and "\t\t7200\t; refresh" in after
    assert "\t\t900\t; retry" in after  # the timers not set keep cinv's defaults
    assert "\t\t60\t; negative-caching TTL" in after
    assert serial_of(after) > serial_of(before)  # the timers are part of the zone's content
    assert rendered(inventory, tmp_path, "b2", "mgmt.example.com") == other
    checkzone = require("named-checkzone")
    import subprocess
    proc = subprocess.run([checkzone, "-i", "local", "-k", "fail", "prod.example.com",
                           tmp_path / "b" / "dns" / "db.prod.example.com"],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and f"serial {serial_of(after)}" in proc.stdout, proc.stdout


# --- schemes and floors along the history --------------------------------------------------

def add_host(inventory, name: str) -> None:
    inventory.ok("host", "add", name, "--kind", "virtual", "--network", "prod")


def test_date_scheme_counts_within_a_day(inventory, tmp_path, clock):
    t0 = 1_800_000_000  # 2027-01-15 08:00 UTC
    clock(t0)
    write_zone(inventory, "prod.example.com", "serial: date\n", "Date serials")
    assert serial_of(rendered(inventory, tmp_path, "a")) == 2027011500
    clock(t0 + 60)
    add_host(inventory, "web1")
    assert serial_of(rendered(inventory, tmp_path, "b")) == 2027011501
    clock(t0 + 120)
    add_host(inventory, "web2")
    assert serial_of(rendered(inventory, tmp_path, "c")) == 2027011502
    clock(t0 + 2 * DAY)
    add_host(inventory, "web3")
    assert serial_of(rendered(inventory, tmp_path, "d")) == 2027011700
    # mgmt keeps unixtime serials
    assert serial_of(rendered(inventory, tmp_path, "e", "mgmt.example.com")) < 2_000_000_000


def test_counter_scheme_counts_changes(inventory, tmp_path, clock):
    t0 = 1_800_000_000
    clock(t0)
    write_zone(inventory, "prod.example.com", "serial: counter\n", "Counter serials")
    first = serial_of(rendered(inventory, tmp_path, "a"))
    clock(t0 + 10)
    add_host(inventory, "web1")
    clock(t0 + 20)
    inventory.ok("host", "set", "web1", "hardware.cpus=4")  # not in DNS: no change
    clock(t0 + 30)
    add_host(inventory, "web2")
    assert serial_of(rendered(inventory, tmp_path, "b")) == first + 2


def test_a_floor_above_the_clock_keeps_serials_above_it(inventory, tmp_path, clock):
    """A zone that came from a server with date serials: the unixtime scheme's serials are
    smaller, so the floor rules until the clock passes it, each change one above the last."""
    t0 = 1_800_000_000
    clock(t0)
    write_zone(inventory, "prod.example.com", "serial_floor: 2024051501\n", "Floor")
    assert serial_of(rendered(inventory, tmp_path, "a")) == 2024051502
    clock(t0 + 60)
    add_host(inventory, "web1")
    assert serial_of(rendered(inventory, tmp_path, "b")) == 2024051503
    clock(t0 + 120)
    inventory.ok("host", "set", "web1", "description=not in DNS")
    assert serial_of(rendered(inventory, tmp_path, "c")) == 2024051503
    # a floor below the clock changes nothing but the commit that records it
    clock(t0 + 180)
    write_zone(inventory, "mgmt.example.com", "serial_floor: 5\n", "Low floor")
    assert serial_of(rendered(inventory, tmp_path, "d", "mgmt.example.com")) == t0 + 180


def test_rfc1982_arithmetic():
    after, bump = serials_mod.after, serials_mod.bump
    assert after(2, 1) and not after(1, 2) and not after(5, 5)
    assert after(1, 2**32 - 1)  # wrapped
    assert not after(2**31 + 5, 5)  # exactly half way is undefined: never "after"
    assert bump(2**32 - 1) == 1 and bump(7) == 8
    assert serials_mod.above(100, 2024051501) == 2024051502
    assert serials_mod.above(2024051600, 2024051501) == 2024051600
    assert serials_mod.made("date", 1_800_000_000) == 2027011500


# --- import zone ---------------------------------------------------------------------------

DATE_ZONE = """$TTL 3600
@ IN SOA ns1.example.net. dns-admin.example.net. 2099123199 7200 600 1209600 120
@ IN NS ns1.example.net.
@ IN NS ns2.example.net.
web1 IN A 192.0.2.20
"""


def test_import_records_the_floor_and_timers_and_render_stays_above(inventory, tmp_path):
    src = tmp_path / "db.prod"
    src.write_text(DATE_ZONE)
    inventory.ok("import", "zone", src, "--zone", "prod.example.com")
    stored = yaml.safe_load(inventory.read("zones/prod.example.com.yaml"))
    assert stored["serial_floor"] == 2099123199 and stored["serial"] == "date"
    assert stored["soa"] == {"refresh": 7200, "retry": 600, "expire": 1209600, "minimum": 120}
    text = rendered(inventory, tmp_path, "a")
    assert serial_of(text) == 2099123200  # above the source's, though today's date is lower
    assert "\t\t120\t; negative-caching TTL" in text
    # an older copy of the zone (a lower serial) never lowers the floor
    src.write_text(DATE_ZONE.replace("2099123199", "2020010101"))
    inventory.ok("import", "zone", src, "--zone", "prod.example.com")
    assert yaml.safe_load(inventory.read("zones/prod.example.com.yaml"))["serial_floor"] == \
        2099123199


def test_import_offers_the_source_nameservers_while_the_placeholder_is_named(tmp_path):
    root = tmp_path / "inv"
    assert invoke("init", root, "--domain", "example.com").code == 0
    assert invoke("-C", root, "net", "add", "prod", "--ipv4", "192.0.2.0/24", "--domain",
                  "prod.example.com").code == 0
    src = tmp_path / "db.prod"
    src.write_text(DATE_ZONE)
    r = invoke("-C", root, "import", "zone", src, "--zone", "prod.example.com", "--dry-run")
    assert r.code == 0, r
    assert (f"{src}:3: the source names the nameservers ns1.example.net., ns2.example.net. "
            "(SOA primary ns1.example.net.); cinv.yaml still names the placeholder localhost.: "
            "import again with --take-nameservers") in r.out
    r = invoke("-C", root, "import", "zone", src, "--zone", "prod.example.com",
               "--take-nameservers")
    assert r.code == 0, r
    assert ("update settings cinv.yaml: dns: nameservers ['localhost.'] -> ['ns1.example.net.', "
            "'ns2.example.net.']; primary_ns localhost. -> ns1.example.net.; hostmaster "
            "hostmaster.example.com. -> dns-admin.example.net.") in r.out
    settings = yaml.safe_load((root / "cinv.yaml").read_text())
    assert settings["dns"]["nameservers"] == ["ns1.example.net.", "ns2.example.net."]
    assert settings["dns"]["primary_ns"] == "ns1.example.net."
    assert settings["dns"]["hostmaster"] == "dns-admin.example.net."
    assert settings["domain"] == "example.com"  # the rest of cinv.yaml as it was
    log = invoke("-C", root, "check")
    assert "placeholder" not in log.out and log.code == 0, log
    # once the inventory names its own, the source's are not offered again
    r = invoke("-C", root, "import", "zone", src, "--zone", "prod.example.com",
               "--take-nameservers")
    assert r.code == 0 and "Nothing to change" in r.out + r.err, r
    assert "the apex NS of prod.example.com are the inventory's" in r.out


def test_guess_scheme():
    from cinv.importers.zone import guess_scheme
    assert guess_scheme(2024051501) == "date"
    assert guess_scheme(1715760000) == "unixtime"
    assert guess_scheme(42) == "counter"
    assert guess_scheme(int(time.time())) == "unixtime"


def test_cinv_diff_names_a_zones_settings(inventory):
    inventory.ok("record", "add", "prod.example.com", "@", "MX", "10 mail")
    path = inventory.root / "zones" / "prod.example.com.yaml"
    path.write_text("serial: date\nserial_floor: 5\nsoa: {refresh: 7200}\n" + path.read_text())
    r = inventory.run("diff")
    assert r.out.splitlines() == ["~ zone prod.example.com: serial (unset) -> date",
                                  "~ zone prod.example.com: serial_floor (unset) -> 5",
                                  "~ zone prod.example.com: soa.refresh (unset) -> 7200"], r
