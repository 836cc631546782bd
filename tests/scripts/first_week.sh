#!/usr/bin/env bash
# A sysadmin's first week with cinv, on an inventory made by `cinv init DIR` alone: the script
# of issue 11's "Done means", run by tests/test_first_run.py (which then runs the real servers'
# checkers on the output). Usage: first_week.sh DIR OUT; needs `cinv` on PATH.
set -euo pipefail
dir=$1 out=$2

refused() {  # refused WHAT CMD...: the command must exit 1 with one line on stderr
  local what=$1 err
  shift
  if err=$("$@" 2>&1 >/dev/null); then
    echo "first_week: $what was accepted, expected a refusal" >&2
    exit 1
  fi
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || { echo "first_week: $what: $err" >&2; exit 1; }
  printf 'refused (%s): %s\n' "$what" "$err"
}

cinv init "$dir"
cd "$dir"
commits() { git rev-list --count HEAD; }

# networks: dual stack, IPv4 only, IPv6 only
cinv net add prod --ipv4 192.0.2.0/24 --gateway4 192.0.2.1 --ipv6 2001:db8:0:1::/64 \
  --gateway6 2001:db8:0:1::1 --domain prod.example.com --dns-server 192.0.2.53 --bridge br-prod
cinv net add back --ipv4 198.51.100.0/26 --gateway4 198.51.100.1 --domain back.example.com \
  --bridge br-back
cinv net add lab6 --ipv4 none --ipv6 2001:db8:6::/64 --domain lab6.example.com --bridge br-lab6

# two hypervisors, three VMs, an IPv6-only VM
cinv host add hv1.example.com --kind physical --network prod --mac 0c:c4:7a:10:00:01 \
  --cpus 32 --memory 128GiB --disk 2TiB
cinv host add hv2.example.com --kind physical --network prod --mac 0c:c4:7a:10:00:02 \
  --cpus 4 --memory 8GiB --disk 200GiB
for n in 1 2 3; do
  cinv host add 'vm{n:02}' --kind virtual --network prod --parent hv1 --cpus 2 --memory 16GiB \
    --disk 40GiB
done
cinv host add six1 --kind virtual --network lab6 --parent hv1 --cpus 1 --memory 1GiB
cinv host list

# a move hv2 cannot hold, then one it can
refused "move vm01 to hv2" cinv host move vm01 --parent hv2
cinv host set vm01 hardware.memory=4GiB hardware.disks=20GiB
cinv host move vm01 --parent hv2

# renames: a VM, then a hypervisor (its guests follow)
cinv host rename vm03 web1
cinv host rename hv1.example.com kvm1

# a new NIC (MAC typed Cisco-style), a re-IP onto another network
cinv iface set web1 eth0 --mac 5254.00ab.cdef
cinv iface set vm02 eth0 --network back

# who has this address / this MAC, in three spellings
cinv find "$(cinv host show vm02 --format json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["ipv4"])')"
for mac in 52:54:00:ab:cd:ef 52-54-00-AB-CD-EF 525400abcdef; do
  cinv find "$mac" | grep -q '^web1.prod.example.com ' || { echo "find $mac" >&2; exit 1; }
done

# net free says what auto takes next
next=$(cinv net free prod --count 1)
cinv host add db1 --kind virtual --network prod --parent kvm1 --cpus 2 --memory 8GiB \
  | grep -q "ipv4: $next\$" || { echo "auto did not take $next" >&2; exit 1; }

# bulk tag: one commit
before=$(commits)
cinv host tag vm01 vm02 web1 db1 --add backup-daily
[ "$(commits)" -eq $((before + 1)) ] || { echo "host tag made $(($(commits) - before)) commits" >&2; exit 1; }

# change a network; remove one that is used (refused) and one that is not
cinv net set prod dns_servers=192.0.2.53,192.0.2.54 vlan=10
refused "rm a used network" cinv net rm back
cinv net add scratch --ipv4 10.99.0.0/24
cinv net rm scratch

cinv check
cinv render --out "$out"
git status --porcelain | grep -v '^?? ' && { echo "uncommitted changes" >&2; exit 1; }
echo "first_week: done"
