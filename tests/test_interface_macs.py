"""An interface's other_macs and duid through the everyday commands: stored normalised in one
commit, held like the interface's own MAC (find, allocation, clashes, the lease audit)."""
from __future__ import annotations


def test_set_find_and_hold_other_macs_and_a_duid(inventory):
    inv = inventory
    inv.ok("host", "add", "lap", "--kind", "physical", "--network", "prod", "--mac",
           "0c:c4:7a:00:00:01")
    commits = inv.commit_count()
    inv.ok("host", "set", "lap", "interfaces.eth0.other_macs=0c-c4-7a-00-00-02,0cc4.7a00.0003",
           "interfaces.eth0.duid=000300010CC47A000001")
    assert inv.commit_count() == commits + 1
    assert inv.subjects()[0] == (
        "Change host lap.prod.example.com: interfaces.eth0.other_macs: +0c:c4:7a:00:00:02 "
        "+0c:c4:7a:00:00:03; interfaces.eth0.duid: (none) -> 00:03:00:01:0c:c4:7a:00:00:01")
    record = inv.read("hosts/lap.prod.example.com.yaml")
    assert ("  mac: '0c:c4:7a:00:00:01'\n  other_macs:\n  - '0c:c4:7a:00:00:02'\n"
            "  - '0c:c4:7a:00:00:03'\n  duid: '00:03:00:01:0c:c4:7a:00:00:01'\n") in record
    assert "lap.prod.example.com" in inv.ok("find", "0C:C4:7A:00:00:03").out
    r = inv.run("host", "add", "desk", "--kind", "physical", "--network", "prod", "--mac",
                "0c:c4:7a:00:00:02")
    assert r.code == 1 and "0c:c4:7a:00:00:02 is already held by lap.prod.example.com" in r.err


def test_auto_never_hands_out_another_interfaces_other_mac(inventory):
    inv = inventory
    inv.ok("host", "add", "lap", "--kind", "physical", "--network", "prod", "--mac",
           "0c:c4:7a:00:00:01")
    inv.ok("host", "set", "lap", "interfaces.eth0.other_macs=52:54:00:00:00:01")
    r = inv.ok("host", "add", "vm1", "--kind", "virtual", "--network", "prod")
    assert "52:54:00:00:00:01" not in r.out and "52:54:00:00:00:02" in r.out


def test_a_lease_of_an_other_mac_on_the_address_is_no_clash(inventory, tmp_path):
    """The wireless NIC leasing the laptop's address is the laptop, not a stranger."""
    inv = inventory
    inv.ok("host", "add", "lap", "--kind", "physical", "--network", "prod", "--mac",
           "0c:c4:7a:00:00:01", "--ipv4", "192.0.2.60")
    leases = tmp_path / "dhcpd.leases"
    leases.write_text("lease 192.0.2.60 {\n  starts 4 2030/01/01 00:00:00;\n"
                      "  ends 4 2031/01/01 00:00:00;\n  binding state active;\n"
                      "  hardware ethernet 0c:c4:7a:00:00:02;\n}\n")
    now = ("--now", "2030-06-01 12:00:00")
    r = inv.run("audit", "leases", leases, *now)
    assert r.code == 1 and "address-taken" in r.out  # a stranger, as far as it knows
    inv.ok("host", "set", "lap", "interfaces.eth0.other_macs=0c:c4:7a:00:00:02")
    r = inv.run("audit", "leases", leases, *now)
    assert r.code == 0, r
