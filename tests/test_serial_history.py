"""The SOA serial rule along a real history (issue 4, item 7).

Commits on a customer branch: some change a zone's records, some only fields DNS never shows
(hardware.cpus, memory, description), some touch another zone; one is made in the same second
as the one before and one with a committer clock that went backwards. After each commit the
work tree is rendered with `cinv render` into a fresh directory (twice) and into one persistent
directory. For every zone: the serial is a valid 32-bit serial, never decreases, changes exactly
when the zone's records (everything but the SOA) change, and is the same in every render of one
commit. Afterwards `--ref <older commit>` gives that commit's serials, with and without the
serial cache.
"""
from __future__ import annotations

import re
import time

import pytest
from conftest import invoke

SOA = re.compile(r"^@\s+IN\s+SOA\s.*?^\s*\)[ \t]*\n", re.M | re.S)
SERIAL = re.compile(r"^\s+(\d+)\s+; serial$", re.M)

# (what, the zones whose records change, cinv arguments or None for a hand-made commit)
PROD_ZONES = {"prod.example.com", "2.0.192.in-addr.arpa",
              "1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"}
# (the parent /24 zone of the /26 only delegates it: CNAMEs for every address, host or not)
MGMT_ZONES = {"mgmt.example.com", "0-26.100.51.198.in-addr.arpa"}


def zones(out) -> dict[str, tuple[int, str]]:
    """{zone: (serial, the file without its SOA record)} for every zone in named.conf.zones."""
    listed = re.findall(r'zone "([^"]+)" \{\s*type primary;\s*file "([^"]+)";',
                        (out / "dns" / "named.conf.zones").read_text())
    assert listed
    got = {}
    for zone, file in listed:
        text = (out / "dns" / file).read_text()
        soa = SOA.search(text)
        assert soa, f"{file} has no SOA record"
        serial = int(SERIAL.search(soa.group(0)).group(1))
        assert 0 < serial <= 2**32 - 1, (zone, serial)
        got[zone] = (serial, SOA.sub("", text))
    return got


def render(root, out, *global_args) -> dict[str, tuple[int, str]]:
    r = invoke("-C", root, *global_args, "render", "--out", out)
    assert r.code == 0, r
    return zones(out)


def serials(rendered) -> dict[str, int]:
    return {z: s for z, (s, _) in rendered.items()}


@pytest.fixture
def history(inventory, tmp_path, monkeypatch):
    """Run the steps on branch customer-a; after each, render the work tree. Returns
    [(sha, what, changed zones, fresh render, persistent render)]."""
    inventory.git("checkout", "-q", "-b", "customer-a")
    t0 = int(time.time()) + 1000

    def at(when):
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"{when} +0000")
        monkeypatch.setenv("GIT_AUTHOR_DATE", f"{when} +0000")

    def edit_by_hand(rel, old, new):
        path = inventory.root / rel
        path.write_text(path.read_text().replace(old, new))
        inventory.git("commit", "-q", "-am", f"Edit {rel} by hand")

    web1 = "hosts/web1.prod.example.com.yaml"
    steps = [
        (t0, "add web1", PROD_ZONES,
         ("host", "add", "web1", "--kind", "virtual", "--network", "prod", "--cpus", "2")),
        (t0 + 60, "web1 cpus", set(), ("host", "set", "web1", "hardware.cpus=8")),
        (t0 + 120, "add db1 (another zone)", MGMT_ZONES,
         ("host", "add", "db1", "--kind", "virtual", "--network", "mgmt")),
        (t0 + 180, "db1 memory and description", set(),
         ("host", "set", "db1", "hardware.memory=8GiB", "description=Database")),
        (t0 + 180, "add web2 in the same second", PROD_ZONES,
         ("host", "add", "web2", "--kind", "virtual", "--network", "prod")),
        (t0 + 240, "web2 alias", {"prod.example.com"},
         ("host", "set", "web2", "interfaces.eth0.aliases=[www]")),
        (t0 + 30, "move web1, clock went backwards", {"prod.example.com",
                                                      "2.0.192.in-addr.arpa"},
         lambda: edit_by_hand(web1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.77")),
        (t0 + 300, "web1 cpus by hand", set(),
         lambda: edit_by_hand(web1, "cpus: 8", "cpus: 4")),
        (t0 + 360, "db1 to maintenance", set(), ("host", "state", "db1", "maintenance")),
        (t0 + 420, "db1 retired: out of DNS", MGMT_ZONES, ("host", "state", "db1", "retired")),
    ]
    persistent = tmp_path / "persistent"
    done = []
    for n, (when, what, changed, action) in enumerate(steps):
        at(when)
        before = inventory.head()
        if callable(action):
            action()
        else:
            inventory.ok(*action)
        sha = inventory.head()
        assert sha != before, f"step {what!r} made no commit"
        fresh = render(inventory.root, tmp_path / f"fresh{n}")
        again = render(inventory.root, tmp_path / f"again{n}")
        assert again == fresh, f"{what}: two renders of one commit differ"
        done.append((sha, what, changed, fresh, render(inventory.root, persistent)))
    return done


def test_serials_rise_exactly_when_a_zone_changes(history):
    prev_fresh = history[0][3]
    for sha, what, changed, fresh, kept in history[1:]:
        assert set(fresh) == set(prev_fresh), what  # no zone came or went in these steps
        assert serials(kept) == serials(fresh), f"{what}: the persistent dir disagrees"
        moved = set()
        for zone, (serial, body) in fresh.items():
            old_serial, old_body = prev_fresh[zone]
            assert serial >= old_serial, f"{what}: {zone} went back {old_serial} -> {serial}"
            assert (serial != old_serial) == (body != old_body), f"{what}: {zone}"
            if body != old_body:
                moved.add(zone)
        # the steps do what they claim: the expected zones moved, and only those
        assert moved == changed, what
        prev_fresh = fresh


def test_the_same_second_and_a_backwards_clock_still_raise_the_serial(history):
    by_what = {what: serials(fresh) for _, what, _, fresh, _ in history}
    before = by_what["db1 memory and description"]["prod.example.com"]
    same_second = by_what["add web2 in the same second"]["prod.example.com"]
    alias = by_what["web2 alias"]["prod.example.com"]
    backwards = by_what["move web1, clock went backwards"]["prod.example.com"]
    assert before < same_second < alias < backwards
    assert backwards == alias + 1  # its own commit time is older: one past the previous


def test_ref_renders_an_older_commit_with_that_commits_serials(history, inventory, tmp_path):
    for n, (sha, what, _, fresh, _) in enumerate(history):
        assert serials(render(inventory.root, tmp_path / f"ref{n}", "--ref", sha)) == \
            serials(fresh), what
    cache = inventory.root / ".cinv" / "serials.json"
    assert cache.is_file()
    cache.unlink()  # the cache is only a speed-up: the answers stay the same without it
    for n in (0, 3, len(history) // 2, len(history) - 1):
        sha, what, _, fresh, _ = history[n]
        got = render(inventory.root, tmp_path / f"nocache{n}", "--ref", sha)
        assert got == fresh, what
    # a branch name is a ref too
    assert serials(render(inventory.root, tmp_path / "branch", "--ref", "customer-a")) == \
        serials(history[-1][3])
