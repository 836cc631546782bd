"""The report target (report/index.html): its data, and the page itself in a real headless
Chromium driven over the DevTools protocol (tests/browser.py): filter, sort, address-map cells
and colours, no network request, hostile text shown as text."""
from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from pathlib import Path

import pytest
from browser import Browser
from checkers import require

from cinv.records.model import Network
from cinv.render import report

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import gen  # noqa: E402

# --- the data, without a browser ---------------------------------------------------------


def net(cidr, gateway=None, pool=None, reserved=(), dns=()):
    v4 = ipaddress.IPv4Network(cidr)
    ip = ipaddress.IPv4Address
    return Network(name="n", ipv4=v4, gateway4=ip(gateway) if gateway else None,
                   dhcp_pool=(int(ip(pool[0])), int(ip(pool[1]))) if pool else None,
                   reserved=[(4, int(ip(a)), int(ip(b))) for a, b in reserved],
                   dns_servers=[ip(a) for a in dns])


def test_a_26_is_one_block_of_64_cells_by_precedence():
    n = net("10.9.0.64/26", gateway="10.9.0.65", pool=("10.9.0.120", "10.9.0.126"),
            reserved=[("10.9.0.66", "10.9.0.67")], dns=["10.9.0.68"])
    used = {int(ipaddress.IPv4Address("10.9.0.70")): [0, 0],
            int(ipaddress.IPv4Address("10.9.0.121")): [1, "eth1"]}  # a host inside the pool
    m = report.ipv4_map(n, used)
    [block] = m["blocks"]
    assert block["base"] == int(ipaddress.IPv4Address("10.9.0.64")) and block["size"] == 64
    cells = block["cells"]
    assert cells == ("r" "g" "rr" "r" "f" "u" + "f" * 49 + "p" + "u" + "p" * 5 + "r")
    assert block["hosts"] == [[6, 0, 0], [57, 1, "eth1"]]
    assert m["counts"] == {"used": 2, "held": 0, "gateway": 1, "reserved": 5, "pool": 6,
                           "free": 50}
    held = report.ipv4_map(n, used, {int(ipaddress.IPv4Address(a)) for a in
                                     ("10.9.0.69", "10.9.0.70", "10.9.0.200")})
    assert held["blocks"][0]["cells"][5:8] == "hu" "f"  # a host on it again: used
    assert held["counts"]["held"] == 1 and held["counts"]["free"] == 49


def test_large_networks_fold_whole_24s_and_count_without_walking():
    n = net("10.0.0.0/8", gateway="10.0.0.1", pool=("10.128.0.0", "10.255.255.254"))
    used = {int(ipaddress.IPv4Address("10.1.2.3")): [0, 0]}
    m = report.ipv4_map(n, used)
    detailed = [b for b in m["blocks"] if "cells" in b]
    runs = [b for b in m["blocks"] if "state" in b]
    # the gateway's /24, the host's /24 and the last /24 (pool up to .254, then broadcast)
    assert [ipaddress.IPv4Address(b["base"]) for b in detailed] == [
        ipaddress.IPv4Address("10.0.0.0"), ipaddress.IPv4Address("10.1.2.0"),
        ipaddress.IPv4Address("10.255.255.0")]
    assert [(str(ipaddress.IPv4Address(r["base"])), r["blocks"], r["state"]) for r in runs] == [
        ("10.0.1.0", 257, "f"), ("10.1.3.0", 32509, "f"), ("10.128.0.0", 32767, "p")]
    counts = m["counts"]
    assert sum(counts.values()) == 2 ** 24
    assert counts["used"] == 1 and counts["gateway"] == 1 and counts["reserved"] == 2
    assert counts["pool"] == (2 ** 23) - 1
    assert len(json.dumps(m)) < 3000


def test_script_json_cannot_close_its_element():
    text = str(report.script_json({"d": "</script><script>alert(1)</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"d": "</script><script>alert(1)</script><!-- & \u2028"}


def test_changes_name_records_and_count_the_rest_of_a_big_commit():
    paths = [("A", f"hosts/vms/h{n:02d}.example.com.yaml", None) for n in range(25)]
    paths[0] = ("R", "hosts/b.example.com.yaml", "hosts/a.example.com.yaml")
    paths[1] = ("M", "networks/prod.yaml", None)
    paths[2] = ("D", "zones/example.com.yaml", None)
    paths[3] = ("M", "cinv.yaml", None)
    paths[4] = ("A", "templates/x.j2", None)
    [c] = report.changes([{"commit": "f" * 40, "date": "d", "author": "a\udcff",
                           "message": "m", "paths": paths}])
    assert c["more"] == 5 and len(c["records"]) == 20
    assert [(r["status"], r["kind"], r["name"], r["old"]) for r in c["records"][:6]] == [
        ("renamed", "host", "b.example.com", "a.example.com"),
        ("changed", "network", "prod", None), ("removed", "zone", "example.com", None),
        ("changed", "settings", "cinv.yaml", None), ("added", "file", "templates/x.j2", None),
        ("added", "host", "h05.example.com", None)]
    assert c["author"] == "a?"  # what git could not decode, as valid text
    assert report.changes(None) is None


# --- rendered pages --------------------------------------------------------------------------

HOSTILE = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>'


@pytest.fixture
def lab(inventory):
    """prod and mgmt, plus the /26 lab with known cells; hypervisor hv1 (2 cpus) with three
    VMs of 1 cpu (over-committed), a physical box, and a VM with a hostile description."""
    inv = inventory
    inv.ok("net", "add", "lab", "--ipv4", "10.9.0.64/26", "--gateway4", "10.9.0.65",
           "--reserve", "10.9.0.66-10.9.0.67", "--dhcp-pool", "10.9.0.120-10.9.0.126",
           "--domain", "lab.example.com")
    inv.ok("host", "add", "hv1", "--kind", "physical", "--network", "mgmt", "--mac",
           "0c:c4:7a:00:00:01", "--cpus", "2", "--memory", "8GiB", "--disk", "100GiB")
    for n, ip in ((1, "10.9.0.70"), (2, "10.9.0.71"), (3, "10.9.0.80")):
        inv.ok("host", "add", f"vm{n}", "--kind", "virtual", "--network", "lab", "--ipv4", ip,
               "--parent", "hv1", "--cpus", "1", "--memory", "2GiB", "--disk", "20GiB",
               "--tag", "web" if n < 3 else "db")
    inv.ok("host", "add", "box", "--kind", "physical", "--network", "prod", "--mac",
           "00:16:3e:00:00:09", "--state", "maintenance")
    inv.ok("host", "add", "evil", "--kind", "virtual", "--network", "prod",
           "--description", HOSTILE)
    box = inv.host_file("box.prod.example.com")
    box.write_text(box.read_text() + "location: rack1\n")
    inv.git("commit", "-q", "-a", "-m", f"Hostile subject {HOSTILE}")
    return inv


def render_report(inv, out: Path) -> Path:
    r = inv.ok("render", "report", "--out", out)
    assert "wrote report/index.html" in r.out
    return out / "report" / "index.html"


@pytest.fixture(scope="module")
def browser():
    with Browser(require("chromium")) as b:
        yield b


def artifact(tmp_path: Path, name: str) -> Path:
    """Where a screenshot goes: $CINV_TEST_ARTIFACTS (CI can keep it) or the test's tmp."""
    folder = Path(os.environ.get("CINV_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def open_page(browser, path: Path, fragment: str = ""):
    page = browser.open(path.as_uri() + fragment)
    page.wait_for("document.documentElement.dataset.ready === '1'")
    return page


def rows(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#host-table tbody tr')]"
                         ".map(r => r.dataset.host)")


def test_page_shows_every_host_and_the_26_cell_by_cell(lab, browser, tmp_path):
    path = render_report(lab, tmp_path / "out")
    page = open_page(browser, path)
    page.screenshot(artifact(tmp_path, "report.png"))
    assert artifact(tmp_path, "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    names = sorted(lab.run("host", "list", "--format", "names").out.split())
    assert len(names) == 6 and sorted(rows(page)) == names
    assert page.evaluate("document.getElementById('host-count').textContent") == "6 hosts"
    lab_article = ("[...document.querySelectorAll('article.network')]"
                   ".find(a => a.querySelector('h3').textContent.startsWith('lab '))")
    cells = page.evaluate(f"[...{lab_article}.querySelectorAll('.map4 .cell')]"
                          ".map(c => [c.dataset.addr, c.className, c.dataset.host || ''])")
    assert len(cells) == 64
    by_addr = {a: (cls.split()[1], host) for a, cls, host in cells}
    assert [a for a, _c, _h in cells] == [f"10.9.0.{n}" for n in range(64, 128)]
    assert by_addr["10.9.0.64"] == ("reserved", "")  # network address
    assert by_addr["10.9.0.65"] == ("gateway", "")
    assert by_addr["10.9.0.66"] == by_addr["10.9.0.67"] == ("reserved", "")
    assert by_addr["10.9.0.70"] == ("used", "vm1.lab.example.com")
    assert by_addr["10.9.0.71"] == ("used", "vm2.lab.example.com")
    assert by_addr["10.9.0.80"] == ("used", "vm3.lab.example.com")
    assert [by_addr[f"10.9.0.{n}"][0] for n in range(120, 127)] == ["pool"] * 7
    assert by_addr["10.9.0.127"] == ("reserved", "")  # broadcast
    assert sum(1 for c, _h in by_addr.values() if c == "free") == 64 - 1 - 1 - 2 - 3 - 7 - 1
    # each class has its own colour, the one the legend shows
    colours = page.evaluate(
        "Object.fromEntries(['used', 'gateway', 'reserved', 'pool', 'free'].map(k => [k,"
        " getComputedStyle(document.querySelector(`.map4 .cell.${k}`)).backgroundColor]))")
    assert len(set(colours.values())) == 5
    assert colours["used"] == "rgb(47, 109, 181)"
    # the host's name on hover, and as text a find-in-page reaches
    title = page.evaluate(f"{lab_article}.querySelector('[data-addr=\"10.9.0.70\"]').title")
    assert title == "10.9.0.70 vm1.lab.example.com"
    assert "10.9.0.80 vm3.lab.example.com" in page.evaluate(
        f"{lab_article}.querySelector('.names').textContent")
    assert page.errors == []


def test_filter_and_sort_by_hand_and_by_url(lab, browser, tmp_path):
    path = render_report(lab, tmp_path / "out")
    page = open_page(browser, path)
    page.type("#filter", "tag:web")
    page.wait_for("document.querySelectorAll('#host-table tbody tr').length === 2")
    assert rows(page) == ["vm1.lab.example.com", "vm2.lab.example.com"]
    assert page.evaluate("location.hash") == "#filter=tag%3Aweb"
    page.click("#host-table th[data-col='0'] button")  # name, descending
    page.wait_for("document.querySelector('#host-table th[data-col=\"0\"]')"
                  ".getAttribute('aria-sort') === 'descending'")
    assert rows(page) == ["vm2.lab.example.com", "vm1.lab.example.com"]
    # a plain word matches any column: hv1 is vm1-3's parent and its own name
    page = open_page(browser, path, "#filter=hv1")
    assert rows(page) == ["hv1.mgmt.example.com", "vm1.lab.example.com",
                          "vm2.lab.example.com", "vm3.lab.example.com"]
    page = open_page(browser, path, "#filter=state:maintenance")
    assert rows(page) == ["box.prod.example.com"]
    page = open_page(browser, path, "#filter=nothing-like-this")
    assert rows(page) == []
    # sort by address: numerically (10.9.0.80 after 10.9.0.71), IPv4 before IPv6-only
    page = open_page(browser, path, "#sort=address")
    got = rows(page)
    assert got.index("vm2.lab.example.com") < got.index("vm3.lab.example.com")
    page = open_page(browser, path, "#sort=-state")
    assert page.evaluate("[...document.querySelectorAll('#host-table tbody tr td:nth-child(3)')]"
                         ".map(td => td.textContent)")[:1] == ["maintenance"]
    assert page.errors == []


def test_no_network_request_and_nothing_outside_the_file(lab, browser, tmp_path):
    path = render_report(lab, tmp_path / "out")
    page = open_page(browser, path)
    page.click("#host-table th[data-col='4'] button")
    page.type("#find", "vm3")
    page.wait_for("document.querySelectorAll('.cell.hit').length === 1")
    browser.pump(0.3)
    assert page.requests == [path.as_uri()]
    refs = page.evaluate("[...document.querySelectorAll('[src], [href], link, iframe, object,"
                         " embed')].map(e => e.getAttribute('src') || e.getAttribute('href'))")
    assert refs and all(r.startswith("#") for r in refs), refs
    html = path.read_text()
    assert not re.search(r"(https?:)?//[a-z]", html.replace("http-equiv", "")), "a URL"
    assert "default-src 'none'" in html
    assert page.errors == []


def test_hostile_text_is_shown_as_text_never_run(lab, browser, tmp_path):
    path = render_report(lab, tmp_path / "out")
    html = path.read_text()
    assert HOSTILE not in html  # escaped wherever it appears
    page = open_page(browser, path, "#filter=evil")
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2  # data and code
    # shown verbatim: the commit subject in recent changes, the description on hover
    messages = page.evaluate("[...document.querySelectorAll('#changes .message')]"
                             ".map(e => e.textContent)")
    assert f"Hostile subject {HOSTILE}" in messages
    assert page.evaluate("document.querySelector('#host-table tbody td').title") == HOSTILE
    assert page.errors == []


def test_capacity_bars_and_over_commit(lab, browser, tmp_path):
    path = render_report(lab, tmp_path / "out")
    page = open_page(browser, path)
    boxes = page.evaluate("[...document.querySelectorAll('.hv')].map(b => [b.dataset.host,"
                          " b.className, b.querySelector('.guests').textContent,"
                          " [...b.querySelectorAll('.label')].map(l => l.textContent)])")
    assert boxes == [["hv1.mgmt.example.com", "hv over",
                      "vm1.lab.example.com, vm2.lab.example.com, vm3.lab.example.com",
                      ["3 cpus of 2: over-committed", "6 GiB of 8 GiB", "60 GiB disk of 100 GiB"]]]
    page.click("#over-only")
    page.wait_for("document.getElementById('over-only').checked")
    assert page.evaluate("document.querySelectorAll('.hv').length") == 1
    # beyond its own, but within capacity.overcommit (cpus 4 by default): no problem of check
    problems = page.evaluate("document.getElementById('problems').textContent")
    assert "cinv check reports no problem" in problems


def test_states_counts_and_recent_changes(lab, tmp_path):
    lab.ok("host", "state", "vm3", "retired")
    lab.git("mv", "hosts/vm2.lab.example.com.yaml", "hosts/vm9.lab.example.com.yaml")
    lab.git("commit", "-q", "-m", "Rename host vm2.lab.example.com to vm9.lab.example.com")
    path = render_report(lab, tmp_path / "out")
    html = path.read_text()
    states = re.search(r'<section id="states">(.*?)</section>', html, re.S).group(1)
    assert re.search(r"<tr class=\"state-retired\"><th>retired</th><td>0</td><td>1</td><td>1"
                     r"</td></tr>", states)
    assert re.search(r"<tr class=\"state-active\"><th>active</th><td>1</td><td>3</td>", states)
    changes = re.search(r'<section id="changes">(.*?)</section>', html, re.S).group(1)
    items = re.findall(r"<li><p><code title=\"([0-9a-f]{40})\">", changes)
    subjects = lab.subjects()
    assert len(items) == len(subjects)  # fewer than 50: every commit
    assert items[0] == lab.head()
    first = changes.split("</li></ul></li>")[0]
    assert "Rename host vm2.lab.example.com to vm9.lab.example.com" in first
    assert re.search(r'<li class="renamed">renamed host vm2.lab.example.com &rarr; '
                     r"<b>vm9.lab.example.com</b></li>", first)
    assert 'class="added">added network <b>lab</b>' in changes
    head = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    assert lab.head()[:12] in head and "uncommitted" not in head
    # retired vm3 is counted, but appears in no map or table (only in history)
    data = json.loads(re.search(r'id="cinv-data">(.*?)</script>', html).group(1))
    assert "vm3.lab.example.com" not in json.dumps(data)


def test_recent_changes_are_one_git_log_and_capped_at_50(inventory, tmp_path, monkeypatch):
    for n in range(55):
        inventory.ok("host", "add", f"h{n}", "--kind", "virtual", "--network", "prod")
    from cinv.git import gitstore

    calls = []
    real = gitstore.run_git

    def counting(cwd, *args, **kwargs):
        calls.append(args)
        return real(cwd, *args, **kwargs)

    monkeypatch.setattr(gitstore, "run_git", counting)
    path = render_report(inventory, tmp_path / "out")
    logs = [c for c in calls if c[0] == "log"]
    assert len(logs) == 1, logs
    html = path.read_text()
    assert len(re.findall(r"<li><p><code title=", html)) == 50
    assert "Add host h54.prod.example.com" in html and "Add host h4.prod" not in html


def test_deterministic_and_part_of_a_full_render(lab, tmp_path):
    a = render_report(lab, tmp_path / "a").read_bytes()
    b = render_report(lab, tmp_path / "b").read_bytes()
    assert a == b
    lab.ok("render", "--out", tmp_path / "all")
    assert (tmp_path / "all" / "report" / "index.html").read_bytes() == a
    # the same commit through --ref: the same page
    lab.ok("--ref", "HEAD", "render", "report", "--out", tmp_path / "c")
    assert (tmp_path / "c" / "report" / "index.html").read_bytes() == a
    (lab.root / "hosts" / "box.prod.example.com.yaml").write_text(
        lab.read("hosts/box.prod.example.com.yaml") + "tags: [edited]\n")
    dirty = render_report(lab, tmp_path / "d").read_text()
    assert "with uncommitted changes in the work tree" in dirty


def test_thousands_of_hosts_stay_small_and_quick(tmp_path, browser):
    """The 50,000-host numbers are bench/report.py's; this keeps their shape: a few hundred
    bytes a host, /22 networks folded, interactive in well under the 5 s bench bound."""
    inv = tmp_path / "big"
    gen.generate(inv, 3000)
    from conftest import invoke
    r = invoke("-C", inv, "render", "report", "--out", tmp_path / "out")
    assert r.code == 0, r
    path = tmp_path / "out" / "report" / "index.html"
    assert path.stat().st_size < 3000 * 250
    page = open_page(browser, path)
    assert page.evaluate("window.cinvReady") < 5000
    assert page.evaluate("document.querySelectorAll('#host-table tbody tr').length") == 100
    assert page.evaluate("document.getElementById('host-count').textContent").startswith(
        "3,000 hosts")
    # /22s: detailed /24 blocks are closed until opened (then drawn)
    assert page.evaluate("document.querySelectorAll('.cell:not(.legend .cell)').length") <= 16
    page.type("#find", "vm002345.net002")
    page.wait_for("document.querySelectorAll('.cell.hit').length === 1")
    assert page.evaluate("document.querySelector('.cell.hit').dataset.host") == \
        "vm002345.net002.example.com"
    assert page.errors == []


def test_the_report_s_parts_come_from_cinv_only(inventory, tmp_path):
    """An inventory's report.css.j2 (or .js.j2, .html.j2) is refused, not used: CSS inside the
    page's <style> could close it and write markup (a meta refresh away), and a script would
    run in every viewer's browser (tests/test_security3.py::test_7_...)."""
    (inventory.root / "templates" / "report.css.j2").write_text(
        "body { color: #123456; }</style><meta http-equiv='refresh' content='0;url=x'>\n")
    r = inventory.run("render", "report", "--out", tmp_path / "out")
    assert r.code == 1 and r.err.startswith("cinv: templates/report.css.j2: the report page"), r
    assert not (tmp_path / "out" / "report").exists()


def test_an_address_in_its_hold_time_has_its_own_colour(inventory, tmp_path, monkeypatch):
    """Issue 23: the maps drew an address freed within allocate.hold_days as free, where
    `auto` would not take it. It is held ("h"), counted as such, as of the commit rendered:
    the same commit gives the same page a month later."""
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "mgmt")
    freed_at = inventory.load().hosts["web1.mgmt.example.com"].interfaces[0].ipv4
    inventory.ok("host", "rm", "web1")

    def cells() -> tuple[str, str]:
        html = (out / "report" / "index.html").read_text()
        data = json.loads(re.search(r'id="cinv-data">(.*?)</script>', html).group(1))
        mgmt = next(n["v4"] for n in data["networks"] if n["v4"]["first"] ==
                    int(ipaddress.IPv4Address("198.51.100.0")))
        block = mgmt["blocks"][0]
        return block["cells"][int(freed_at) - block["base"]], html
    out = tmp_path / "out"
    inventory.ok("render", "report", "--out", out)
    letter, html = cells()
    assert letter == "h" and "1 held back, " in html
    real = __import__("time").time
    monkeypatch.setattr("time.time", lambda: real() + 30 * 86400)
    inventory.ok("render", "report", "--out", tmp_path / "later")
    assert (tmp_path / "later" / "report" / "index.html").read_text() == html
    (inventory.root / "cinv.yaml").write_text(inventory.read("cinv.yaml").replace(
        "hold_days: 7", "hold_days: 0"))
    inventory.git("commit", "-qam", "no hold time")
    inventory.ok("render", "report", "--out", out)
    assert cells()[0] == "f"
