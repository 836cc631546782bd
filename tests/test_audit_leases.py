"""cinv audit leases: ISC dhcpd.leases and Kea lease CSVs against the inventory.

The readers are checked on real lease files (tests/corpus/leases/, sources in
tests/corpus/SOURCES.md) with counts worked out by hand, and on small files written here for
each rule: the last declaration of a lease wins, only active and unexpired leases count, v6 IAs
(ia-na, ia-ta, ia-pd) give the MAC inside their DUID, Kea rows are read by their header's
column names. The comparison is checked through the CLI on a git inventory, finding by finding.
"""
from __future__ import annotations

import calendar
import json
import time
from pathlib import Path

import pytest
from conftest import git

from cinv.audit import compare, leases
from cinv.errors import CinvError

CORPUS = Path(__file__).parent / "corpus" / "leases"
NOW = calendar.timegm((2030, 6, 1, 12, 0, 0))  # 2030-06-01 12:00:00 UTC
NOW_TEXT = "2030-06-01 12:00:00"


def read(tmp_path, text: str, name: str = "dhcpd.leases") -> list:
    path = tmp_path / name
    path.write_text(text)
    return leases.read_files([(path, name)])


def by_address(found) -> dict:
    return {lease.shown: lease for lease in found}


# --- the real files ----------------------------------------------------------------------

# file -> (leases, by state, with a MAC, active on 2014-02-20 00:00 UTC)
CORPUS_COUNTS = {
    # isc-dhcp-4.2.2, 278 declarations of 262 addresses: the last of each wins
    "artcontrol-api.dhcpd.leases": (262, {"free": 249, "active": 13}, 261, 13),
    # isc-dhcp-4.2.4, 287 declarations of 15 addresses (a busy little network)
    "leaseinfo.dhcpd.leases": (15, {"active": 11, "free": 4}, 15, 0),
    # isc-dhcp-4.4.1 with authoring-byte-order; abandoned leases, all-zero hardware addresses
    "metal-bmc-reporter.dhcpd.leases": (121, {"free": 114, "active": 4, "abandoned": 3}, 1, 4),
    # tab-indented, no header
    "metal-bmc.dhcpd.leases": (2, {"active": 2}, 2, 2),
    # isc-dhcp-4.1.1-P1 without binding states: active until they end
    "packet-guardian.dhcpd.leases": (4, {"active": 4}, 4, 4),
    # dhcpd -6: ia-na with DUID-LL, released addresses, IAs left empty
    "wenisatgithub.dhcpd6.leases": (3, {"released": 3}, 3, 0),
    # Kea 2.4+ headers (pool_id; v6 also hwtype, hwaddr_source)
    "metal-bmc.kea-leases4.csv": (2, {"assigned": 2}, 2, 2),
    "stork-small-leases4.csv": (3, {"assigned": 3}, 3, 3),
    "stork-small-leases6.csv": (3, {"expired-reclaimed": 3}, 0, 0),
}
FEB_2014 = calendar.timegm((2014, 2, 20, 0, 0, 0))


@pytest.mark.parametrize("name", sorted(CORPUS_COUNTS))
def test_real_lease_files_are_read_whole(name):
    found = leases.read_files([(CORPUS / name, name)])
    total, states, with_mac, active = CORPUS_COUNTS[name]
    assert len(found) == total
    counted: dict = {}
    for lease in found:
        counted[lease.state] = counted.get(lease.state, 0) + 1
    assert counted == states
    assert sum(1 for lease in found if lease.mac is not None) == with_mac
    assert len(leases.active(found, FEB_2014)) == active


def test_real_files_keep_the_last_declaration_and_its_line():
    found = by_address(leases.read_files([(CORPUS / "artcontrol-api.dhcpd.leases", "a")]))
    # 10.3.1.128 is declared at line 4 (free) and again later (active)
    lease = found["10.3.1.128"]
    text = (CORPUS / "artcontrol-api.dhcpd.leases").read_text().splitlines()
    line = int(lease.where.split(":")[1])
    assert text[line - 1] == "lease 10.3.1.128 {"
    assert line > 4 and lease.state == "active"
    assert compare.vendor(lease.mac) == "HTC Corporation"
    six = by_address(leases.read_files([(CORPUS / "wenisatgithub.dhcpd6.leases", "w")]))
    assert six["2001:10:74:97::f8"].mac == 0x00562B0457C9  # from the DUID-LL of the IA
    assert six["2001:10:74:97::f8"].where == "w:12"
    kea = by_address(leases.read_files([(CORPUS / "stork-small-leases6.csv", "s")]))
    assert kea["51a4:14ec:1::2"].client == "01:00:00:00:00:02"
    assert kea["51a4:14ec:1::2"].where == "s:4"


def test_files_are_read_in_the_order_given_the_last_record_winning(tmp_path):
    old = tmp_path / "kea-leases4.csv.2"
    new = tmp_path / "kea-leases4.csv"
    header = "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev," \
             "hostname,state,user_context\n"
    old.write_text(header + f"192.0.2.50,00:1b:21:00:00:09,,3600,{NOW + 600},1,0,0,a,0,\n")
    new.write_text(header + f"192.0.2.50,00:1b:21:00:00:09,,3600,{NOW + 600},1,0,0,a,3,\n")
    assert [x.state for x in leases.read_files([(old, "o"), (new, "n")])] == ["released"]
    assert [x.state for x in leases.read_files([(new, "n"), (old, "o")])] == ["assigned"]


# --- ISC dhcpd.leases rules ---------------------------------------------------------------

ISC = """# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

server-duid "\\000\\001\\000\\001+\\312\\350\\262\\000\\026>\\000\\000\\001";

failover peer "dhcp-peer" state {
  my state normal at 3 2030/05/29 10:00:00;
  partner state normal at 3 2030/05/29 10:00:00;
  mclt 3600;
}

lease 192.0.2.200 {
  starts 6 2030/06/01 10:00:00;
  ends 6 2030/06/01 22:00:00;
  cltt 6 2030/06/01 10:00:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:00:00:00:01;
  uid "\\001\\002\\000\\000\\000\\000\\001";
  client-hostname "laptop;1";
}
lease 192.0.2.201 {
  starts 6 2030/06/01 10:00:00;
  ends 6 2030/06/01 11:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:02;
}
lease 192.0.2.202 {
  starts 6 2030/06/01 10:00:00;
  ends 6 2030/06/01 22:00:00;
  tstp 6 2030/06/01 22:00:00;
  tsfp 6 2030/06/01 22:00:00;
  atsfp 6 2030/06/01 22:00:00;
  binding state backup;
  hardware ethernet 02:00:00:00:00:03;
}
lease 192.0.2.203 {
  starts 6 2030/06/01 10:00:00;
  ends 6 2030/06/01 22:00:00;
  binding state abandoned;
  next binding state free;
}
lease 192.0.2.204 {
  starts 6 2030/06/01 10:00:00;
  ends never;
  binding state active;
  hardware ethernet 2:0:0:0:0:4;
  on expiry {
    set ddns-fwd-name = "x";
  }
}
lease 192.0.2.205 {
  starts epoch 1906538400; # Sat Jun 01 10:00:00 2030
  ends epoch 1906581600; # Sat Jun 01 22:00:00 2030
  binding state active;
  hardware ethernet 02-00-00-00-00-05;
}
lease 192.0.2.206 {
  ends 6 2030/06/01 22:00:00;
  hardware ethernet 02:00:00:00:00:06;
}
lease 192.0.2.207 {
  ends 6 2030/06/01 09:00:00;
  hardware ethernet 02:00:00:00:00:07;
}
lease 192.0.2.208 {
  ends 6 2030/06/01 22:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:08;
}
lease 192.0.2.209 {
  ends 6 2030/06/01 22:00:00;
  binding state free;
  hardware ethernet 02:00:00:00:00:09;
}
lease 192.0.2.208 {
  ends 6 2030/06/01 22:00:00;
  binding state free;
  hardware ethernet 02:00:00:00:00:08;
}
lease 192.0.2.209 { ends 6 2030/06/01 22:00:00; binding state active;
  hardware ethernet 02:00:00:00:00:09; }
host fixed1 {
  dynamic;
  hardware ethernet 02:00:00:00:00:aa;
  fixed-address 192.0.2.99;
}
"""


def test_isc_states_expiry_and_the_last_declaration(tmp_path):
    found = by_address(read(tmp_path, ISC))
    assert sorted(found) == [f"192.0.2.{n}" for n in range(200, 210)]
    running = {x.shown for x in leases.active(list(found.values()), NOW)}
    # 201 has ended, 202 is a failover backup, 203 abandoned, 207 (no binding state) ended,
    # 208's last declaration is free; 209's last one (hand-written on two lines) is active
    assert running == {"192.0.2.200", "192.0.2.204", "192.0.2.205", "192.0.2.206",
                       "192.0.2.209"}
    assert found["192.0.2.200"].hostname == "laptop;1"
    assert found["192.0.2.200"].client == "01:02:00:00:00:00:01"
    assert found["192.0.2.200"].where == "dhcpd.leases:15"
    assert found["192.0.2.204"].mac == 0x020000000004  # netaddr reads the short spelling
    assert found["192.0.2.205"].mac == 0x020000000005 and found["192.0.2.205"].ends == 1906581600
    line = ISC.splitlines().index("lease 192.0.2.209 { ends 6 2030/06/01 22:00:00; binding "
                                  "state active;") + 1
    assert found["192.0.2.209"].where == f"dhcpd.leases:{line}"
    assert found["192.0.2.203"].mac is None and found["192.0.2.203"].state == "abandoned"


ISC6 = """server-duid "\\000\\001\\000\\001+\\312\\350\\262\\000\\026>\\000\\000\\001";

ia-na "\\001\\000\\000\\000\\000\\001\\000\\001+\\312\\350\\262RT\\000\\000\\000\\001" {
  cltt 6 2030/06/01 10:00:00;
  iaaddr 2001:db8:0:1::10 {
    binding state active;
    preferred-life 1800;
    max-life 3600;
    ends 6 2030/06/01 13:00:00;
  }
}
ia-na 01:00:00:00:00:03:00:01:02:00:00:00:00:61 {
  cltt 6 2030/06/01 10:00:00;
  iaaddr 2001:db8:0:1::61 {
    binding state active;
    ends 6 2030/06/01 13:00:00;
  }
  iaaddr 2001:db8:0:1::62 {
    binding state active;
    ends 6 2030/06/01 13:00:00;
  }
}
ia-na 01:00:00:00:00:03:00:01:02:00:00:00:00:61 {
  cltt 6 2030/06/01 11:00:00;
  iaaddr 2001:db8:0:1::61 {
    binding state active;
    ends 6 2030/06/01 13:00:00;
  }
}
ia-ta "\\002\\000\\000\\000\\000\\002\\000\\000\\011\\277abc" {
  iaaddr 2001:db8:0:1::7e57 {
    binding state active;
    ends 6 2030/06/01 13:00:00;
  }
}
ia-pd "\\003\\000\\000\\000\\000\\003\\000\\001\\002\\000\\000\\000\\000\\070" {
  cltt 6 2030/06/01 10:00:00;
  iaprefix 2001:db8:100::/56 {
    binding state active;
    preferred-life 1800;
    max-life 3600;
    ends 6 2030/06/01 13:00:00;
  }
}
ia-na "\\004\\000\\000\\000\\000\\003\\000\\001\\002\\000\\000\\000\\000\\071" {
  iaaddr 2001:db8:0:1::71 {
    binding state expired;
    ends 6 2030/06/01 11:00:00;
  }
}
"""


def test_isc_v6_ias_give_the_mac_inside_their_duid(tmp_path):
    found = by_address(read(tmp_path, ISC6, "dhcpd6.leases"))
    # ::62 left the IA when it was declared again without it
    assert sorted(found) == ["2001:db8:0:1::10", "2001:db8:0:1::61", "2001:db8:0:1::71",
                             "2001:db8:0:1::7e57", "2001:db8:100::/56"]
    assert found["2001:db8:0:1::10"].mac == 0x525400000001  # DUID-LLT
    assert found["2001:db8:0:1::61"].mac == 0x020000000061  # DUID-LL
    second = ISC6.splitlines().index("  cltt 6 2030/06/01 11:00:00;") + 2  # the IA again
    assert found["2001:db8:0:1::61"].where == f"dhcpd6.leases:{second}"
    assert found["2001:db8:0:1::7e57"].mac is None  # DUID-EN: no MAC in it
    assert found["2001:db8:0:1::7e57"].client == "00:02:00:00:09:bf:61:62:63"
    assert found["2001:db8:0:1::7e57"].kind == "ta"
    pd = found["2001:db8:100::/56"]
    assert (pd.kind, pd.prefixlen, pd.mac) == ("pd", 56, 0x020000000038)
    running = {x.shown for x in leases.active(list(found.values()), NOW)}
    assert "2001:db8:0:1::71" not in running and len(running) == 4


KEA4 = ("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
        "state,user_context\n")
KEA6 = ("address,duid,valid_lifetime,expire,subnet_id,pref_lifetime,lease_type,iaid,"
        "prefix_len,fqdn_fwd,fqdn_rev,hostname,hwaddr,state,user_context,hwtype,"
        "hwaddr_source,pool_id\n")


def test_kea_rows_are_read_by_column_name(tmp_path):
    later = NOW + 3600
    text = (KEA4
            + f"192.0.2.30,02:00:00:00:00:30,01:02:00:00:00:00:30,3600,{later},1,0,0,"
              "a&#x2cb,0,\n"
            + f"192.0.2.31,02:00:00:00:00:31,,3600,{later},1,0,0,,1,\n"
            + f"192.0.2.32,02:00:00:00:00:32,,3600,{NOW - 1},1,0,0,,0,\n"
            + f"192.0.2.33,02:00:00:00:00:33,,3600,{later},1,0,0,,0,\n"
            + f"192.0.2.33,02:00:00:00:00:33,,0,{later},1,0,0,,0,\n"
            + "192.0.2.34,,01:02:00:00:00:00:34,4294967295,0,1,0,0,,0,"
              '{ "comment": "x&#x2c y" }\n')
    found = by_address(read(tmp_path, text, "kea-leases4.csv"))
    assert sorted(found) == ["192.0.2.30", "192.0.2.31", "192.0.2.32", "192.0.2.34"]
    assert found["192.0.2.30"].hostname == "a,b" and found["192.0.2.31"].state == "declined"
    assert found["192.0.2.34"].mac is None and found["192.0.2.34"].ends == leases.NEVER
    running = {x.shown for x in leases.active(list(found.values()), NOW)}
    assert running == {"192.0.2.30", "192.0.2.34"}
    # the same columns in another order, as a newer Kea might write them
    shuffled = "hwaddr,address,expire,valid_lifetime,subnet_id\n" \
               f"02:00:00:00:00:40,192.0.2.40,{later},3600,1\n"  # and no state, as Kea 1.0
    (lease,) = read(tmp_path, shuffled, "other.csv")
    assert (lease.shown, lease.mac, lease.active(NOW)) == ("192.0.2.40", 0x020000000040, True)
    v6 = (KEA6
          + f"2001:db8:0:1::40,00:01:00:01:2b:ca:e8:b2:02:00:00:00:00:40,3600,{later},1,1800,"
            "0,1,128,0,0,,,0,,,,0\n"
          + f"2001:db8:0:1::41,00:02:00:00:09:bf:61,3600,{later},1,1800,0,1,128,0,0,,"
            "02:00:00:00:00:41,0,,1,2,0\n"
          + f"2001:db8:200::,00:03:00:01:02:00:00:00:00:42,3600,{later},1,1800,2,7,56,0,0,,,0,"
            ",,,0\n")
    found = by_address(read(tmp_path, v6, "kea-leases6.csv"))
    assert found["2001:db8:0:1::40"].mac == 0x020000000040  # from the DUID-LLT
    assert found["2001:db8:0:1::41"].mac == 0x020000000041  # the hwaddr column
    assert found["2001:db8:200::/56"].mac == 0x020000000042 and found["2001:db8:200::/56"].kind \
        == "pd"


@pytest.mark.parametrize("text, message", [
    ("lease 192.0.2.1 {\n  binding state active;\n", "dhcpd.leases:2: the file ends inside a "
     "declaration"),
    ("lease 192.0.2.1 {\n  ends 6 2030/13/01 22:00:00;\n}\n", "dhcpd.leases:2: '6 2030/13/01 "
     "22:00:00' is not a date"),
    ("lease 192.0.2.300 {\n}\n", "dhcpd.leases:1: '192.0.2.300' is not an IPv4 address"),
    ("\n\nlease6 {\n  interface \"eth0\";\n}\n", "dhcpd.leases:3: 'lease6' is not a declaration "
     "of a dhcpd lease file"),
    ("lease 192.0.2.1 {\n  client-hostname \"unterminated;\n}\n", "dhcpd.leases:2: cannot read"),
    ("lease 192.0.2.1 {\n  hardware ethernet 00:11:22;\n}\n", "dhcpd.leases:2: hardware "
     "ethernet: '00:11:22' is not a MAC address"),
    ("ia-na \"\\001\" {\n}\n", "dhcpd.leases:1: '\"\\\\001\"' is not an IAID and DUID"),
    (KEA4 + "192.0.2.1,02:00:00:00:00:01,,3600\n", "dhcpd.leases:2: 4 fields where the header "
     "names 11"),
    (KEA4 + "192.0.2.1,02:00:00:00:00:01,,36x0,1,1,0,0,,0,\n", "dhcpd.leases:2: not a Kea lease"),
    ("address,hwaddr\n", "dhcpd.leases:1: a Kea lease file header without valid_lifetime, "
     "expire"),
])
def test_a_damaged_file_is_refused_at_its_line(tmp_path, text, message):
    with pytest.raises(CinvError) as e:
        read(tmp_path, text)
    assert str(e.value).startswith(message), str(e.value)


# --- the comparison, through the CLI --------------------------------------------------------

@pytest.fixture
def site(inventory):
    """prod (192.0.2.0/24, reserved .2-.9, pool .200-.250) with a VM, a physical host and a
    retired one."""
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod",
                 "--ipv4", "192.0.2.10", "--ipv6", "2001:db8:0:1::10", "--mac",
                 "52:54:00:00:00:01")
    inventory.ok("host", "add", "db1", "--kind", "physical", "--network", "prod",
                 "--ipv4", "192.0.2.11", "--mac", "00:1b:21:00:00:02")
    inventory.ok("host", "add", "old1", "--kind", "physical", "--network", "prod",
                 "--ipv4", "192.0.2.12", "--mac", "00:1b:21:00:00:03")
    inventory.ok("host", "state", "old1", "retired")
    return inventory


def lease(address: str, mac: str | None, state: str = "active",
          ends: str = "6 2030/06/01 22:00:00") -> str:
    hw = f"  hardware ethernet {mac};\n" if mac else '  uid "\\001\\002\\003";\n'
    return f"lease {address} {{\n  ends {ends};\n  binding state {state};\n{hw}}}\n"


def audit(site, tmp_path, text: str, *more: str, name: str = "dhcpd.leases"):
    path = tmp_path / name
    path.write_text(text)
    r = site.run("audit", "leases", path, *more, "--now", NOW_TEXT, "--format", "json")
    return r, [(f["kind"], f["subject"], f["expected"], f["actual"]) for f in
               json.loads(r.out or "[]")]


def test_every_kind_of_difference_is_found(site, tmp_path):
    text = (lease("192.0.2.10", "52:54:00:00:00:01")  # web1 where it belongs: fine
            + lease("192.0.2.201", "00:1b:21:00:00:02")  # db1 on a pool address
            + lease("192.0.2.202", "02:00:00:00:00:99")  # a stranger
            + lease("192.0.2.203", "00:1b:21:aa:bb:cc")  # a stranger with an Intel NIC
            + lease("192.0.2.204", "00:1b:21:00:00:03")  # the retired old1
            + lease("192.0.2.5", "08:00:27:00:00:05")  # a stranger in the reserved range
            + lease("192.0.2.11", "08:00:27:00:00:11")  # a stranger on db1's address
            + lease("192.0.2.210", "08:00:27:00:00:10", ends="6 2030/06/01 11:00:00")  # ended
            + lease("192.0.2.211", "08:00:27:00:00:11", state="free")
            + lease("192.0.2.212", None))  # no MAC, an address nobody has
    r, found = audit(site, tmp_path, text)
    assert r.code == 1, r
    assert found == [
        ("address-taken", "192.0.2.11", "db1.prod.example.com (00:1b:21:00:00:02)",
         "08:00:27:00:00:11"),
        ("reserved-range", "192.0.2.5", "reserved: 192.0.2.2-192.0.2.9 of prod",
         "08:00:27:00:00:05"),
        ("retired-host", "old1.prod.example.com", "no lease (retired)",
         "192.0.2.204 (00:1b:21:00:00:03)"),
        ("unknown-client", "01:02:03", None, "192.0.2.212"),
        ("unknown-mac", "00:1b:21:aa:bb:cc", None, "192.0.2.203"),
        ("unknown-mac", "02:00:00:00:00:99", None, "192.0.2.202"),
        ("unknown-mac", "08:00:27:00:00:05", None, "192.0.2.5"),
        ("unknown-mac", "08:00:27:00:00:11", None, "192.0.2.11"),
        ("wrong-address", "db1.prod.example.com eth0 (00:1b:21:00:00:02)", "192.0.2.11",
         "192.0.2.201"),
    ]
    notes = {f["subject"]: f["note"] for f in json.loads(r.out) if f["kind"] == "unknown-mac"}
    assert notes == {"00:1b:21:aa:bb:cc": "vendor: Intel Corporate",
                     "02:00:00:00:00:99": "vendor: locally administered (no vendor)",
                     "08:00:27:00:00:05": "vendor: PCS Systemtechnik GmbH",
                     "08:00:27:00:00:11": "vendor: PCS Systemtechnik GmbH"}
    where = {f["subject"]: f["where"] for f in json.loads(r.out)}
    assert where["db1.prod.example.com eth0 (00:1b:21:00:00:02)"].endswith("dhcpd.leases:6")
    assert r.err.strip().endswith("leases: 9 differences from the inventory")


def test_all_agrees_exit_0_and_the_table(site, tmp_path):
    text = lease("192.0.2.10", "52:54:00:00:00:01") + lease("192.0.2.11", "00:1B:21:00:00:02")
    r, found = audit(site, tmp_path, text)
    assert (r.code, found) == (0, []) and r.out.strip() == "[]"
    (tmp_path / "bad").write_text(text + lease("192.0.2.220", "02:00:00:00:00:99"))
    r = site.run("audit", "leases", tmp_path / "bad", "--now", NOW_TEXT)
    assert r.code == 1
    assert r.out.splitlines()[0].split() == ["KIND", "SUBJECT", "EXPECTED", "ACTUAL", "WHERE", "/",
                                             "NOTE"]
    assert r.out.splitlines()[1].split()[:4] == ["unknown-mac", "02:00:00:00:00:99", "-",
                                                 "192.0.2.220"]


def test_a_strangers_clues_the_name_it_sent_and_since_when(site, tmp_path):
    """Issue 23: the lease's client-hostname and start time (Kea: its last renewal, expire -
    valid_lifetime) go with each finding, the name quoted and escaped as the client's own
    text (an escape sequence reaches no terminal)."""
    text = lease("192.0.2.202", "02:00:00:00:00:99").replace(
        "  ends", '  starts 3 2030/05/29 08:15:00;\n  client-hostname "eve\\033[2J";\n  ends')
    text += lease("192.0.2.204", "00:1b:21:00:00:03")  # the retired old1, no clues
    r, _found = audit(site, tmp_path, text)
    notes = {f["subject"]: f["note"] for f in json.loads(r.out)}
    assert notes["02:00:00:00:00:99"] == ('vendor: locally administered (no vendor); '
                                          'client-hostname "eve\\u001b[2J"; since 2030-05-29 '
                                          '08:15:00 UTC')
    assert notes["old1.prod.example.com"] == "interface eth0"
    table = site.run("audit", "leases", tmp_path / "dhcpd.leases", "--now", NOW_TEXT).out
    assert '"eve\\u001b[2J"' in table and "\x1b" not in table
    kea = KEA4 + f"192.0.2.240,02:00:00:00:00:98,,3600,{NOW + 60},1,0,0,laptop-7,0,\n"
    r, _found = audit(site, tmp_path, kea, name="kea-leases4.csv")
    since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(NOW + 60 - 3600))
    assert json.loads(r.out)[0]["note"] == ("vendor: locally administered (no vendor); "
                                            f'client-hostname "laptop-7"; since {since}')


def test_now_decides_which_leases_have_ended(site, tmp_path):
    text = lease("192.0.2.230", "02:00:00:00:00:99", ends="6 2030/06/01 22:00:00")
    path = tmp_path / "l"
    path.write_text(text)
    assert site.run("audit", "leases", path, "--now", "2030-06-01 21:59:59").code == 1
    assert site.run("audit", "leases", path, "--now", "2030-06-01 22:00:00").code == 0
    assert site.run("audit", "leases", path, "--now", str(NOW)).code == 1
    r = site.run("audit", "leases", path, "--now", "yesterday")
    assert r.code == 2 and "neither POSIX seconds nor a time" in r.err
    assert site.run("audit", "leases", path).code == 1  # the clock: 2030 has not come yet
    path.write_text(text.replace("2030/06/01", "2020/06/01"))
    assert site.run("audit", "leases", path).code == 0  # ... but 2020 has gone


def test_v6_and_kea_leases_are_compared_too(site, tmp_path):
    text = ISC6.replace("2001:db8:0:1::10 {", "2001:db8:0:1::99 {")
    r, found = audit(site, tmp_path, text, name="dhcpd6.leases")
    assert r.code == 1
    assert found == [
        ("unknown-client", "00:02:00:00:09:bf:61:62:63", None, "2001:db8:0:1::7e57"),
        ("unknown-mac", "02:00:00:00:00:38", None, "2001:db8:100::/56"),
        ("unknown-mac", "02:00:00:00:00:61", None, "2001:db8:0:1::61"),
        ("wrong-address", "web1.prod.example.com eth0 (52:54:00:00:00:01)", "2001:db8:0:1::10",
         "2001:db8:0:1::99"),
    ]
    kea = KEA4 + f"192.0.2.10,52:54:00:00:00:01,,3600,{NOW + 60},1,0,0,,0,\n" \
                 f"192.0.2.240,02:00:00:00:00:98,,3600,{NOW + 60},1,0,0,,0,\n"
    r, found = audit(site, tmp_path, kea, name="kea-leases4.csv")
    assert found == [("unknown-mac", "02:00:00:00:00:98", None, "192.0.2.240")]


def test_unreadable_and_damaged_files_are_one_line_and_exit_1(site, tmp_path):
    snap = site.snapshot()
    r = site.run("audit", "leases", tmp_path / "missing.leases")
    assert r.code == 1 and r.out == ""
    assert r.err == f"cinv: {tmp_path / 'missing.leases'}: cannot read: No such file or " \
                    "directory\n"
    (tmp_path / "broken").write_text("lease 192.0.2.1 {\n  ends soon;\n}\n")
    r = site.run("audit", "leases", tmp_path / "broken")
    assert r.code == 1
    assert r.err == f"cinv: {tmp_path / 'broken'}:2: 'soon' is not a date (W YYYY/MM/DD " \
                    "HH:MM:SS, epoch N or never)\n"
    r = site.run("audit", "leases", tmp_path)
    assert (r.code, r.err) == (1, f"cinv: {tmp_path}: cannot read: Is a directory\n")
    assert site.run("audit", "leases").code == 2
    assert site.snapshot() == snap


def test_read_only_and_a_customer_branch_by_ref(site, tmp_path):
    """An audit changes nothing; --ref audits a branch as it is in git."""
    text = lease("192.0.2.13", "02:00:00:00:00:13")
    site.git("checkout", "-q", "-b", "customer-a")
    site.ok("host", "add", "new1", "--kind", "physical", "--network", "prod", "--ipv4",
            "192.0.2.13", "--mac", "02:00:00:00:00:13")
    site.git("checkout", "-q", "-")
    snap = site.snapshot()
    r, found = audit(site, tmp_path, text)
    assert r.code == 1 and found[0][:2] == ("unknown-mac", "02:00:00:00:00:13")
    path = tmp_path / "dhcpd.leases"
    r = site.run("--ref", "customer-a", "audit", "leases", path, "--now", NOW_TEXT)
    assert (r.code, r.out) == (0, ""), r
    assert "agrees with the inventory" in r.err
    assert site.snapshot() == snap
    assert git(site.root, "status", "--porcelain") == ""


def test_a_change_to_the_inventory_is_seen_at_once(site, tmp_path):
    """The cached comparison facts follow every edit, as `cinv check`'s cache does."""
    text = lease("192.0.2.14", "02:00:00:00:00:14")
    assert audit(site, tmp_path, text)[0].code == 1
    assert audit(site, tmp_path, text)[0].code == 1  # from the cache
    site.ok("host", "add", "new2", "--kind", "physical", "--network", "prod", "--ipv4",
            "192.0.2.14", "--mac", "02:00:00:00:00:14")
    assert audit(site, tmp_path, text)[0].code == 0


def test_the_vendor_comes_from_netaddrs_oui_registry():
    assert compare.vendor(0x001B21000001) == "Intel Corporate"
    assert compare.vendor(0x525400000001) == "locally administered (no vendor)"
    assert compare.vendor(0x0C00000000AA) == "OUI not registered"


def test_an_inventory_with_errors_is_not_audited(site, tmp_path):
    path = tmp_path / "dhcpd.leases"
    path.write_text(lease("192.0.2.10", "52:54:00:00:00:01"))
    (site.root / "hosts" / "bad.prod.example.com.yaml").write_text("kind: [virtual\n")
    r = site.run("audit", "leases", path, "--now", NOW_TEXT)
    assert (r.code, r.out) == (1, "")
    lines = r.err.splitlines()
    assert lines[0].startswith("hosts/bad.prod.example.com.yaml:")
    assert lines[-1] == "cinv: audit refused: the inventory has 1 error (see `cinv check`)"


def test_the_fingerprint_runs_in_a_child_and_falls_back_to_this_process(monkeypatch):
    import os

    from cinv import audit
    assert audit._Background(os.getpid).result() != os.getpid()  # it ran in another process
    parent = os.getpid()
    only_here = audit._Background(lambda: "here" if os.getpid() == parent else 1 // 0)
    assert only_here.result() == "here"  # the child failed: computed here instead

    def no_fork():
        raise OSError("no more processes")
    monkeypatch.setattr(os, "fork", no_fork)
    assert audit._Background(os.getpid).result() == os.getpid()


@pytest.mark.parametrize("name", sorted(n for n in CORPUS_COUNTS if "leases" in n
                                        and not n.endswith(".csv")) + ["ISC", "ISC6"])
def test_the_fast_paths_read_what_the_tokenizer_reads(name):
    """dhcpd's own layout is read by two regexes; the strict tokenizer alone must find the
    very same leases, fields and lines in every file."""
    text = globals()[name] if name.startswith("ISC") else (CORPUS / name).read_text()

    def seen(found) -> list:
        return sorted((x.shown, x.kind, x.state, x.ends, x.mac, x.where, x.client, x.hostname)
                      for x in found)
    fast = leases.read_files_text(text, name)
    state: dict = {}
    leases.IscReader(text, name, state).read_tokens(text, 1)
    slow = [x for x in state.values() if x is not None]
    assert seen(fast) == seen(slow)
    assert len(fast) > 0 or name == "wenisatgithub.dhcpd6.leases"
