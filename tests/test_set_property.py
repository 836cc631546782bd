"""`host set` and `net set` make the change they print: for any sequence of assignments over
every settable key path (nested ones on a record that already has values there included), the
record file and the commit hold exactly the record the command printed, and a command that
printed no change committed nothing.

This is the property that `host set db1 vars.y=2` on a host that already had `vars:` broke:
the change was printed, exit 0, and nothing was written or committed.
"""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

word = st.from_regex(r"\A[a-z][a-z0-9]{0,5}\Z")
number = st.integers(0, 9999).map(str)
text = st.from_regex(r"\A[A-Za-z][A-Za-z0-9 ,.:-]{0,20}\Z").map(str.strip).filter(bool)
size = st.sampled_from(["1GiB", "2GiB", "512MiB", "8GiB", "1TiB"])
yaml_value = st.one_of(number, word, st.sampled_from(["true", "false", "[a, b]", "{k: 1}"]))

HOST_KEYS = st.one_of(
    st.tuples(st.just("description"), text),
    st.tuples(st.just("location"), text),
    st.tuples(st.just("tags"), st.lists(word, min_size=1, max_size=3).map(",".join)),
    st.tuples(st.just("hardware.cpus"), st.integers(1, 64).map(str)),
    st.tuples(st.just("hardware.memory"), size),
    st.tuples(st.just("hardware.disks"), st.sampled_from(["[{size: 20GiB}]", ""])),
    st.tuples(st.sampled_from(["hardware.vendor", "hardware.model", "hardware.serial"]), text),
    st.tuples(word.map(lambda w: f"vars.{w}"), yaml_value),
    st.tuples(st.tuples(word, word).map(lambda p: f"vars.{p[0]}.{p[1]}"), yaml_value),
    st.tuples(word.map(lambda w: f"vars.{w}"), st.just("")),
    st.tuples(st.just("interfaces.eth0.aliases"), word.map(lambda w: f"a{w}")),
    st.tuples(st.just("interfaces.eth0.names"), word.map(lambda w: f"n{w}")),
    st.tuples(st.just("interfaces.eth0.dhcp.filename"), word.map(lambda w: f"{w}.efi")),
    st.tuples(st.just("interfaces.eth0.dhcp.options.ntp-servers"),
              st.sampled_from(["192.0.2.123", "192.0.2.124"])),
    st.tuples(st.just("libvirt.name"), word.map(lambda w: f"dom-{w}")),
    st.tuples(st.sampled_from(["interfaces.eth0.dhcp.options.dhcp6.name-servers",
                               "interfaces.eth0.dhcp.options.dhcp6.dns-servers"]),
              st.sampled_from(["2001:db8::53", "2001:db8::53,2001:db8::54", ""])),
)

NET_KEYS = st.one_of(
    st.tuples(st.just("vlan"), st.integers(1, 4094).map(str)),
    st.tuples(st.just("bridge"), word.map(lambda w: f"br{w}")),
    st.tuples(st.just("dns_servers"), st.sampled_from(["192.0.2.53", "192.0.2.53,192.0.2.54"])),
    st.tuples(st.just("dhcp.next_server"), st.sampled_from(["192.0.2.5", "192.0.2.6"])),
    st.tuples(st.just("dhcp.filename"), word.map(lambda w: f"{w}.kpxe")),
    st.tuples(st.just("dhcp.options.ntp-servers"), st.sampled_from(["192.0.2.123", ""])),
    st.tuples(st.just("dhcp.options.domain-search"), word.map(lambda w: f"{w}.example.com")),
    st.tuples(st.just("dhcp.options.dhcp6.domain-search"),
              word.map(lambda w: f"{w}.example.com")),
)


def set_and_compare(inv, command: tuple, rel: str) -> None:
    """Run one set command: either it succeeds and stores what it prints, or it is refused in
    one line and changes nothing (vars.a.b where vars.a already holds a number is refused)."""
    head, before = inv.head(), inv.read(rel)
    r = inv.run(*command)
    if r.code == 1:
        assert len(r.err.splitlines()) == 1 and r.out == "", r
        assert (inv.head(), inv.read(rel)) == (head, before), "a refused command changed it"
        return
    assert r.code == 0, r
    assert_printed_is_stored(inv, r.out, rel, head)


def assert_printed_is_stored(inv, printed: str, rel: str, head_before: str) -> None:
    """The printed record is the file, the file is what HEAD holds, and a commit was made
    exactly when the file changed."""
    record = yaml.safe_load(printed)
    on_disk = yaml.safe_load(inv.read(rel))
    record.pop("name")
    assert record == on_disk, f"printed {record} but {rel} holds {on_disk}"
    assert inv.git("show", f"HEAD:{rel}") == inv.read(rel), "the file is not what HEAD holds"
    assert inv.git("status", "--porcelain") == "", "an uncommitted change was left"
    changed = inv.git("diff", "--name-only", head_before, "HEAD").split()
    assert changed in ([], [rel]), changed


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(HOST_KEYS, min_size=1, max_size=3), min_size=1, max_size=4))
def test_host_set_stores_and_commits_what_it_prints(inventory, steps):
    if not inventory.host_file("db1.prod.example.com").exists():
        inventory.ok("host", "add", "db1", "--kind", "virtual", "--network", "prod")
        inventory.ok("host", "set", "db1", "vars.existing=1", "vars.deep.inner=2")
    rel = "hosts/db1.prod.example.com.yaml"
    for assignments in steps:
        keys = [k for k, _ in assignments]
        if len(set(keys)) != len(keys) or any(a != b and b.startswith(a + ".") for a in keys
                                               for b in keys):
            continue  # one command sets each key once, and not a key and its parent
        set_and_compare(inventory, ("host", "set", "db1", *[f"{k}={v}" for k, v in assignments]),
                        rel)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(NET_KEYS, min_size=1, max_size=3), min_size=1, max_size=4))
def test_net_set_stores_and_commits_what_it_prints(inventory, steps):
    rel = "networks/prod.yaml"
    for assignments in steps:
        keys = [k for k, _ in assignments]
        if len(set(keys)) != len(keys):
            continue
        set_and_compare(inventory, ("net", "set", "prod", *[f"{k}={v}" for k, v in assignments]),
                        rel)


def test_a_second_vars_key_is_written_and_committed(inventory):
    """The reported case, as a plain example."""
    inventory.ok("host", "add", "db1", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "set", "db1", "vars.ansible_port=2222")
    head = inventory.head()
    r = inventory.ok("host", "set", "db1", "vars.ansible_user=admin")
    assert yaml.safe_load(inventory.read("hosts/db1.prod.example.com.yaml"))["vars"] == {
        "ansible_port": 2222, "ansible_user": "admin"}
    assert inventory.head() != head
    assert inventory.subjects()[0] == ("Change host db1.prod.example.com: vars.ansible_user: "
                                       "(none) -> admin")
    assert "ansible_user: admin" in r.out
