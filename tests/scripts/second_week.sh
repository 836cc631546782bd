#!/usr/bin/env bash
# A sysadmin's second week with cinv (issue 23's "Done means"), on an inventory made by
# `cinv init DIR` alone: customer branches that allocate around each other, the diff a
# reviewer reads, over-commit and rebuilds, iPXE and UEFI HTTP boot, DHCPv6 options by their
# dotted names, retiring and renaming VMs, two hosts with one short name, a lease audit, the
# report. Run by tests/test_second_week.py, which then runs the real servers' checkers on the
# output. Usage: second_week.sh DIR OUT; needs `cinv` on PATH.
set -euo pipefail
dir=$1 out=$2

say() { printf 'second_week: %s\n' "$*"; }
fail() { echo "second_week: $*" >&2; exit 1; }
refused() {  # refused WHAT CMD...: the command must exit 1 with one line on stderr
  local what=$1 err
  shift
  if err=$("$@" 2>&1 >/dev/null); then
    fail "$what was accepted, expected a refusal"
  fi
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "$what: $err"
  printf 'refused (%s): %s\n' "$what" "$err"
}
field() {  # field HOST PYTHON-EXPR: a value of the host's record (json as `h`)
  cinv host show "$1" --format json | python3 -c "import json,sys; h=json.load(sys.stdin); print($2)"
}
commits() { git rev-list --count HEAD; }
has() { grep -e "$1" >/dev/null; }  # reads all its input (no SIGPIPE upstream, as grep -q)

cinv init "$dir"
cd "$dir"
git branch -M main
git config user.email >/dev/null || git config user.email admin@example.com  # hand commits
git config user.name >/dev/null || git config user.name "Second Week"

# --- the networks, and their DHCP: DHCPv6 options by their dotted names, iPXE and HTTP boot ---
cinv net add prod --ipv4 192.0.2.0/24 --gateway4 192.0.2.1 --ipv6 2001:db8:0:1::/64 \
  --gateway6 2001:db8:0:1::1 --domain prod.example.com --dns-server 192.0.2.53 \
  --dhcp-pool 192.0.2.200-192.0.2.250 --bridge br-prod
cinv net add lab --ipv4 198.51.100.0/26 --gateway4 198.51.100.1 --domain lab.example.com \
  --bridge br-lab
cinv dhcp options -6 | has '^dhcp6.name-servers ' || fail "no dhcp6.name-servers listed"
cinv net set prod dhcp.options.dhcp6.name-servers=2001:db8:0:1::53 \
  dhcp.options.dhcp6.domain-search=prod.example.com dhcp.next_server=192.0.2.5 \
  dhcp.provisioning.bios=undionly.kpxe dhcp.provisioning.uefi=ipxe.efi \
  dhcp.provisioning.ipxe=http://192.0.2.5/boot.ipxe \
  dhcp.provisioning.uefi_http=http://192.0.2.5/ipxe.efi
cinv net show prod | has '^    provisioning:$' || fail "net show: dhcp is not YAML"
refused "an HTTP boot file that is no URL" cinv net set prod dhcp.provisioning.uefi_http=x.efi

# --- customer branches allocate around each other (allocate.avoid_refs) ---------------------
sed -i 's/^  hold_days: 7$/  hold_days: 7\n  avoid_refs: [main, "customer-*"]/' cinv.yaml
grep -q 'avoid_refs' cinv.yaml || fail "avoid_refs not set"
git commit -qam "Allocate around the customer branches"
cinv check

cinv host add hv1.example.com --kind physical --network prod --mac 0c:c4:7a:20:00:01 \
  --cpus 8 --memory 64GiB --disk 2TiB
cinv host add hv2.example.com --kind physical --network prod --mac 0c:c4:7a:20:00:02 \
  --cpus 4 --memory 16GiB --disk 500GiB
git branch customer-a
git branch customer-b
git checkout -q customer-a
a1=$(cinv host add a1 --kind virtual --network prod --parent hv1 --cpus 2 --memory 4GiB)
git checkout -q customer-b
b1=$(cinv host add b1 --kind virtual --network prod --parent hv1 --cpus 2 --memory 4GiB)
for key in mac ipv4 ipv6; do
  va=$(printf '%s\n' "$a1" | sed -n "s/^  $key: //p") vb=$(printf '%s\n' "$b1" | sed -n "s/^  $key: //p")
  [ -n "$va" ] && [ "$va" != "$vb" ] || fail "customer-a and customer-b share $key $va"
done
cinv check --refs 'customer-*'
git checkout -q main
next=$(cinv net free prod --count 1)
printf '%s\n' "$a1" "$b1" | has "ipv4: $next\$" && fail "net free offers $next, held on a branch"

# the reviewer's view of the two branches: hosts with their addresses, both ways
cinv diff customer-a customer-b | has '^- host a1.prod.example.com (192' \
  || fail "diff: a removed host without its addresses"

# --- capacity: a vCPU over-commit is routine, memory past the ratio is not ------------------
for n in 1 2 3; do
  cinv host add "vm0$n" --kind virtual --network prod --parent hv1 --cpus 4 --memory 8GiB \
    --disk 40GiB
done
cinv host move vm01 --parent hv2  # 4 vCPUs on 4 CPUs: fine
cinv host set vm02 hardware.cpus=3
cinv host move vm02 --parent hv2  # 7 vCPUs on 4 CPUs (1.75:1): within cpus 4
refused "memory past the ratio" cinv host set vm02 hardware.memory=12GiB
refused "a move past the memory ratio" cinv host move vm03 --parent hv2

# --- PXE: a rebuild, a host's own boot file --------------------------------------------------
cinv host add db1 --kind physical --network prod --mac 0c:c4:7a:20:00:21
before=$(commits)
cinv host state db1 provisioning  # a rebuild: active -> provisioning, one commit
[ "$(commits)" -eq $((before + 1)) ] || fail "the rebuild took $(($(commits) - before)) commits"
cinv render dhcpd --out "$out"
grep -q 'option user-class = "iPXE"' "$out/dhcpd.conf" || fail "no iPXE branch for db1"
cinv host set db1 interfaces.eth0.dhcp.provisioning=http://192.0.2.5/db1.ipxe
cinv render dhcpd --out "$out"
grep -q 'filename "http://192.0.2.5/db1.ipxe";' "$out/dhcpd.conf" || fail "db1's own file"
cinv host state db1 active
cinv render dhcpd --out "$out"
grep -q 'db1.ipxe' "$out/dhcpd.conf" && fail "db1 netboots while active"

# --- zones: a record, and the diff as octoDNS's plan shows it; since when -------------------
cinv record add example.com @ TXT "v=spf1 mx -all"
cinv diff HEAD~1 HEAD | has '^+ zone example.com: @ 3600 TXT "v=spf1 mx -all"$' \
  || fail "diff: the record is not shown as a plan"
cinv diff --since "$(git log -1 --format=%cI HEAD~1)" >/dev/null  # by commit date

# --- VMs leaving: retire one, rename one; two hosts with one short name ---------------------
cinv render --out "$out"
cinv host state vm03 retired | has 'still runs on hv1.example.com' \
  || fail "retiring vm03 did not say that its domain still runs"
cinv host rename vm01 web1 | has 'keeps the name vm01.prod.example.com' \
  || fail "the rename did not say that the domain keeps its name"
cinv render --out "$out" | has '^libvirt: vm03.prod.example.com is no longer in' \
  || fail "the render did not name vm03's domain to undefine"
cinv host add web1.lab.example.com --kind virtual --network lab --parent hv1 --memory 1GiB \
  2>&1 | has 'the short name web1 is also that of' || fail "no short-name warning"
cinv check

# --- an audit of the leases: the stranger's clues --------------------------------------------
cat > "$out.leases" <<'LEASES'
lease 192.0.2.230 {
  starts 3 2030/05/29 08:15:00;
  ends 6 2030/06/01 22:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:99;
  client-hostname "mystery-laptop";
}
LEASES
if report=$(cinv audit leases "$out.leases" --now '2030-06-01 12:00:00'); then
  fail "the audit found no stranger"
fi
printf '%s\n' "$report" | has 'client-hostname "mystery-laptop"; since 2030-05-29 08:15:00' \
  || fail "the audit row lacks the lease's clues"
rm "$out.leases"

cinv check
cinv render --out "$out"
has 'held back, ' < "$out/report/index.html" || fail "the report shows no address held back"
git status --porcelain | grep -v '^?? ' && fail "uncommitted changes"
say done
