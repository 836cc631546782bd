#!/usr/bin/env bash
# cinv in CI: install cinv from a pinned source, check the inventory, render it into
# OUT/<branch>, run the real servers' checkers on every rendered file. Both .gitlab-ci.yml and
# github-actions.yml call this one script; run it by hand the same way: `bash ci/cinv-ci.sh` at
# the inventory's top (init's .gitignore already ignores the cinv-out/ it writes).
#
# Environment (all optional):
#   CINV_INVENTORY      the inventory directory (default: .)
#   CINV_REF            check and render this branch, tag or commit (read from git, no checkout;
#                       default: what is checked out)
#   CINV_OUT            the base output directory; files land in CINV_OUT/<branch> (default: cinv-out)
#   CINV_BRANCH         the branch name used for the output folder (default: CINV_REF,
#                       CI_COMMIT_REF_SLUG, GITHUB_REF_NAME, or git's current branch; "/" and odd
#                       characters become "-")
#   CINV_INSTALL        auto (default: install only when `cinv` is not on PATH), always, never
#   CINV_PIP_SPEC       where cinv comes from, pinned: cinv's git repository at a commit id or a
#                       release tag, "git+https://git.example.org/tools/cinv.git@<40-hex commit>"
#                       (or a release tag of your copy of cinv's repository, @vX.Y.Z), or a
#                       local checkout (/path/to/cinv)
#   CINV_REQUIREMENTS   instead: a requirements file pinning cinv and every dependency with
#                       hashes (`cinv==0.1.0 --hash=sha256:...`), installed with --require-hashes
#   CINV_VENV           the virtualenv cinv is installed into (default: $HOME/.cache/cinv-ci-venv;
#                       reused when it exists)
#   CINV_ALLOW_MISSING_CHECKERS=1   skip (with a warning) a checker that is not installed; without
#                       it a missing checker fails the job
#   CINV_DIFF_BASE      the branch to review against: `cinv diff --render BASE HEAD` goes to the job
#                       log, to CINV_OUT/<branch>.render.diff and (GitHub) the step summary.
#                       Default: the merge request's target branch (CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
#                       GITHUB_BASE_REF), else GitLab's CI_DEFAULT_BRANCH; empty: no diff
#   CINV_CHECK_REFS     a branch name pattern, e.g. 'customer-*': also run
#                       `cinv check --refs PATTERN` (MACs, and addresses on shared networks,
#                       clashing across those branches)
#
# The output folder also holds report/index.html, a page of the networks, hosts and placement.
#
# A bare package name ("cinv", "cinv==0.1.0" without hashes) is refused: anyone may publish a
# package under a name, and CI runs what it installs.
#
# Exit status: 0 when everything passed; 1 when `cinv check`, `cinv render` or a checker failed,
# or a checker is missing. Every failure ends with one line "cinv-ci: FAILED: ...".
set -uo pipefail

say() { printf 'cinv-ci: %s\n' "$*"; }
fail() { printf 'cinv-ci: FAILED: %s\n' "$*" >&2; exit 1; }

INVENTORY=${CINV_INVENTORY:-.}
REF=${CINV_REF:-}
OUT_BASE=${CINV_OUT:-cinv-out}
INSTALL=${CINV_INSTALL:-auto}
PIP_SPEC=${CINV_PIP_SPEC:-}
REQUIREMENTS=${CINV_REQUIREMENTS:-}
VENV=${CINV_VENV:-${HOME:-/tmp}/.cache/cinv-ci-venv}
ALLOW_MISSING=${CINV_ALLOW_MISSING_CHECKERS:-0}
PATH="$PATH:/usr/sbin:/sbin"

# --- install, from a pinned source only --------------------------------------------------------
# pinned SPEC: git+URL@<40-hex commit id> or git+URL@<release tag like v1.2.3>, or a local folder
pinned() {
  case "$1" in
    git+*@*)
      local rev=${1##*@}
      [[ $rev =~ ^[0-9a-f]{40}$ || $rev =~ ^v?[0-9]+(\.[0-9]+)*$ ]] ;;
    /* | ./* | ../*) [ -d "$1" ] ;;
    *) return 1 ;;
  esac
}
case "$INSTALL" in
  auto) command -v cinv >/dev/null 2>&1 && INSTALL=never || INSTALL=always ;;
  always | never) ;;
  *) fail "CINV_INSTALL must be auto, always or never, not '$INSTALL'" ;;
esac
if [ "$INSTALL" = always ]; then
  if [ -n "$REQUIREMENTS" ]; then
    [ -f "$REQUIREMENTS" ] || fail "CINV_REQUIREMENTS: $REQUIREMENTS is not a file"
    pip_args=(--require-hashes -r "$REQUIREMENTS")
  elif [ -n "$PIP_SPEC" ]; then
    pinned "$PIP_SPEC" || fail "CINV_PIP_SPEC '$PIP_SPEC' is not pinned: use git+URL@<commit id> or git+URL@<release tag> of cinv's repository, a local checkout, or CINV_REQUIREMENTS with hashes"
    pip_args=("$PIP_SPEC")
  else
    fail "cinv is not installed and nothing says where from: set CINV_PIP_SPEC to git+URL@<commit id> of cinv's repository (or CINV_REQUIREMENTS to a file with hashes)"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || fail "python3 -m venv $VENV did not work (install python3-venv)"
  fi
  say "installing ${pip_args[*]} into $VENV"
  "$VENV/bin/python" -m pip install --quiet "${pip_args[@]}" || fail "pip install ${pip_args[*]}"
  PATH="$VENV/bin:$PATH"
fi
command -v cinv >/dev/null 2>&1 || fail "cinv is not on PATH (CINV_INSTALL=$INSTALL)"
say "using $(command -v cinv)"

# --- which branch ----------------------------------------------------------------------------
case "$REF" in -*) fail "CINV_REF '$REF' starts with '-'; refusing" ;; esac
if [ -n "$REF" ]; then
  branch=${CINV_BRANCH:-$REF}
else
  branch=${CINV_BRANCH:-${CI_COMMIT_REF_SLUG:-${GITHUB_REF_NAME:-}}}
fi
if [ -z "$branch" ]; then
  branch=$(git -C "$INVENTORY" rev-parse --abbrev-ref HEAD 2>/dev/null || true)
  [ "$branch" = HEAD ] && branch=$(git -C "$INVENTORY" rev-parse --short HEAD 2>/dev/null || true)
fi
branch=$(printf '%s' "${branch:-unknown}" | tr -c 'A-Za-z0-9._\n-' '-' | sed 's/^[.-]*//')
[ -n "$branch" ] || branch=unknown
out="$OUT_BASE/$branch"
mkdir -p "$out" || fail "cannot make $out"
out=$(cd "$out" && pwd)
say "branch $branch, output $out"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "branch=$branch"; echo "out=$out"; } >>"$GITHUB_OUTPUT"
fi

# --- the base: what the branch is checked and compared against ---------------------------------
base=${CINV_DIFF_BASE-${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-${GITHUB_BASE_REF:-${CI_DEFAULT_BRANCH:-}}}}
rev= head_rev=
if [ -n "$base" ]; then
  case "$base" in -*) fail "CINV_DIFF_BASE '$base' is not a branch name" ;; esac
  # the base as a commit: the remote's branch, a local one, or fetched now (CI clones often hold
  # only the branch being built)
  rev=$(git -C "$INVENTORY" rev-parse --verify --quiet "refs/remotes/origin/$base^{commit}" ||
        git -C "$INVENTORY" rev-parse --verify --quiet "refs/heads/$base^{commit}" ||
        { git -C "$INVENTORY" fetch --quiet origin "refs/heads/$base" 2>/dev/null &&
          git -C "$INVENTORY" rev-parse --verify --quiet "FETCH_HEAD^{commit}"; } || true)
  [ -n "$rev" ] || fail "CINV_DIFF_BASE: no branch '$base' here or at origin"
  head_rev=$(git -C "$INVENTORY" rev-parse --verify --quiet --end-of-options \
             "${REF:-HEAD}^{commit}" || true)
fi

# --- check and render --------------------------------------------------------------------------
ref_args=()
[ -n "$REF" ] && ref_args=(--ref "$REF")
# the domains a branch may manage are its base's: a new one fails the job (cinv check --base)
base_args=()
if [ -n "$rev" ] && [ "$rev" != "$head_rev" ]; then
  base_args=(--base "$rev")
fi
say "cinv ${ref_args[*]} check${base_args:+ --base $base}"
cinv -C "$INVENTORY" "${ref_args[@]}" check "${base_args[@]}" ||
  fail "cinv check found problems in the inventory (listed above)"

# --- checks across branches (only with CINV_CHECK_REFS) ------------------------------------------
# `cinv check --refs PATTERN`: MACs, and shared networks' addresses, clashing across customer
# branches, read from git objects (see the README). A CI clone often holds the checked-out branch
# alone: fetch the others as remote-tracking branches first (nothing is checked out).
if [ -n "${CINV_CHECK_REFS:-}" ]; then
  if git -C "$INVENTORY" remote get-url origin >/dev/null 2>&1; then
    git -C "$INVENTORY" fetch --quiet origin '+refs/heads/*:refs/remotes/origin/*' ||
      say "warning: could not fetch the branches of origin; comparing with those at hand"
  fi
  say "cinv ${ref_args[*]} check --refs $CINV_CHECK_REFS"
  cinv -C "$INVENTORY" "${ref_args[@]}" check --refs "$CINV_CHECK_REFS" ||
    fail "cinv check --refs $CINV_CHECK_REFS found clashes with other branches (listed above)"
fi

say "cinv ${ref_args[*]} render --out $out"
cinv -C "$INVENTORY" "${ref_args[@]}" render --out "$out" || fail "cinv render (see above)"

say "report: $out/report/index.html"

# --- the rendered diff, for review ---------------------------------------------------------------
if [ -n "$base" ]; then
  diff_file="$(cd "$OUT_BASE" && pwd)/$branch.render.diff"
  if [ "$rev" = "$head_rev" ]; then
    say "rendered diff: HEAD is $base; nothing to compare"
    : >"$diff_file"
  else
    cinv -C "$INVENTORY" diff --render "$rev" "$head_rev" >"$diff_file"
    rc=$?
    if [ "$rc" = 0 ]; then
      say "rendered diff: no rendered file changes against $base"
    elif [ "$rc" = 1 ] && [ -s "$diff_file" ]; then
      say "rendered diff against $base ($diff_file):"
      cat "$diff_file"
    else
      fail "cinv diff --render $base HEAD (see above)"
    fi
  fi
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    # a fence longer than any run of backticks in the diff, so no line can end it
    fence=$(grep -o '```*' "$diff_file" | awk '{ if (length > m) m = length } END { print m }')
    fence=$(printf '%*s' "$(( ${fence:-0} < 3 ? 3 : ${fence:-0} + 1 ))" '' | tr ' ' '`')
    {
      printf '### cinv: rendered files against %s\n\n' "$base"
      if [ -s "$diff_file" ]; then
        printf '%sdiff\n' "$fence"
        head -c 900000 "$diff_file"
        printf '\n%s\n' "$fence"
        [ "$(wc -c <"$diff_file")" -le 900000 ] || printf '(cut at 900 kB: see the artifact)\n'
      else
        printf 'No rendered file changes.\n'
      fi
    } >>"$GITHUB_STEP_SUMMARY"
  fi
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "diff=$diff_file" >>"$GITHUB_OUTPUT"
  fi
fi

# --- the real checkers, each in a sandbox -------------------------------------------------------
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

# The checkers read files a branch wrote. cinv refuses every directive it knows to load code,
# run a program or read a file, but a checker that still surprises us must find nothing worth
# taking: no token in its environment, no network, no view of the checkout (its .git/config may
# hold the job's credentials) or of $HOME, and nowhere to write but the scratch folder.
SANDBOX=${CINV_CHECKER_SANDBOX:-bwrap}
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
case "$SANDBOX" in
  bwrap | none) ;;
  *) fail "CINV_CHECKER_SANDBOX must be bwrap or none, not '$SANDBOX'" ;;
esac

# sandboxed CMD...: run CMD with an empty environment (PATH, HOME and Kea's folders only, all
# pointing at the scratch folder); under bwrap also in namespaces of its own (no network, no
# other process, no capability), seeing only the system's program folders, the few files of
# /etc that loading programs needs, and the rendered files (read-only), and writing only the
# scratch folder
sandboxed() {
  local env=(PATH="$SAFE_PATH" HOME="$scratch" KEA_PIDFILE_DIR="$scratch"
             KEA_LOCKFILE_DIR="$scratch" KEA_LOG_FILE_DIR="$scratch")
  if [ "$SANDBOX" = none ]; then
    (cd "$scratch" && env -i "${env[@]}" "$@")
    return
  fi
  local args=() path item
  for path in /usr /bin /sbin /lib /lib32 /lib64 /libx32 /etc/ld.so.cache /etc/ld.so.conf \
              /etc/ld.so.conf.d /etc/alternatives /etc/passwd /etc/group /etc/nsswitch.conf \
              /etc/localtime /etc/xml; do
    args+=(--ro-bind-try "$path" "$path")
  done
  for item in "${env[@]}"; do
    args+=(--setenv "${item%%=*}" "${item#*=}")
  done
  env -i PATH="$SAFE_PATH" bwrap --unshare-all --die-with-parent --new-session \
    --cap-drop ALL --clearenv "${args[@]}" --proc /proc --dev /dev --tmpfs /tmp \
    --ro-bind "$out" "$out" --bind "$scratch" "$scratch" --chdir "$scratch" -- "$@"
}

if [ "$SANDBOX" = none ]; then
  say "warning: CINV_CHECKER_SANDBOX=none: the checkers run with an empty environment only"
else
  command -v bwrap >/dev/null 2>&1 ||
    fail "bubblewrap (bwrap) is not installed: install it (Debian: bubblewrap), or set CINV_CHECKER_SANDBOX=none to run the checkers with an empty environment only"
  probe=$(sandboxed /bin/sh -c true 2>&1) ||
    fail "bubblewrap cannot make a sandbox here ($probe): let the job make namespaces (a privileged container, or seccomp and AppArmor that allow them), or set CINV_CHECKER_SANDBOX=none"
  say "checkers run in bubblewrap: empty environment, no network, read-only view, scratch only"
fi

# neutral_kea IN OUT: a copy of a Kea file without its interface names (a subnet's or shared
# network's `interface`, interfaces-config's list): `kea -t` refuses a name the machine lacks,
# and the runner's network cards (the sandbox has none) are not the DHCP server's. Prints the
# names left out.
neutral_kea() {
  python3 - "$1" "$2" <<'PY'
import json
import sys

data = json.load(open(sys.argv[1], encoding="utf-8"))
names = set()


def walk(value):
    if isinstance(value, dict):
        if isinstance(value.get("interface"), str):
            names.add(value.pop("interface"))
        config = value.get("interfaces-config")
        if isinstance(config, dict) and isinstance(config.get("interfaces"), list):
            names.update(str(i) for i in config["interfaces"] if i != "*")
            config["interfaces"] = []
        for item in value.values():
            walk(item)
    elif isinstance(value, list):
        for item in value:
            walk(item)


walk(data)
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(data, f, indent=2)
print(" ".join(sorted(names)))
PY
}

# have TOOL: 0 if installed; else fail the job, or warn and return 1 under ALLOW_MISSING
have() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$ALLOW_MISSING" = 1 ]; then
    say "warning: checker $1 is not installed; skipped (CINV_ALLOW_MISSING_CHECKERS=1)"
    return 1
  fi
  fail "checker $1 is not installed (install it, or set CINV_ALLOW_MISSING_CHECKERS=1 to skip it)"
}

# run_check WHAT CMD...: run a checker; on refusal print its output and count a failure
run_check() {
  local what=$1 log
  shift
  log=$("$@" 2>&1)
  if [ $? -eq 0 ]; then
    say "ok: $what"
  else
    printf '%s\n' "$log" >&2
    say "refused: $what" >&2
    failures=$((failures + 1))
  fi
}

if [ -f "$out/dhcpd.conf" ] && have dhcpd; then
  run_check "dhcpd -4 -t dhcpd.conf" \
    sandboxed "$(command -v dhcpd)" -4 -t -q -cf "$out/dhcpd.conf" -lf /dev/null
  if [ -f "$out/dhcpd6.conf" ]; then
    run_check "dhcpd -6 -t dhcpd6.conf" \
      sandboxed "$(command -v dhcpd)" -6 -t -q -cf "$out/dhcpd6.conf" -lf /dev/null
  fi
fi

for family in 4 6; do
  conf="$out/kea-dhcp$family.conf"
  if [ -f "$conf" ] && have "kea-dhcp$family"; then
    checked=$conf
    if command -v python3 >/dev/null 2>&1 &&
        names=$(neutral_kea "$conf" "$scratch/kea-dhcp$family.conf" 2>/dev/null); then
      checked="$scratch/kea-dhcp$family.conf"
      [ -z "$names" ] || say "kea-dhcp$family -t checks a copy without the interface names" \
        "$names (the runner's network cards are not the DHCP server's)"
    fi
    run_check "kea-dhcp$family -t kea-dhcp$family.conf" \
      sandboxed "$(command -v "kea-dhcp$family")" -t "$checked"
  fi
done

zones_conf="$out/dns/named.conf.zones"
if [ -f "$zones_conf" ] && have named-checkzone && have named-checkconf; then
  # zone "NAME" { type primary; file "FILE"; };  ->  "NAME FILE" per line
  pairs=$(tr '\n' ' ' <"$zones_conf" |
    grep -o 'zone "[^"]*" {[^}]*file "[^"]*"' |
    sed 's/^zone "\([^"]*\)".*file "\([^"]*\)"$/\1 \2/')
  [ -n "$pairs" ] || fail "$zones_conf lists no zone"
  while read -r zone file; do
    run_check "named-checkzone $zone" sandboxed "$(command -v named-checkzone)" \
      -i local -k fail -n fail "$zone" "$out/dns/$file"
  done <<<"$pairs"
  printf 'options { directory "%s"; };\ninclude "%s";\n' "$out/dns" "$zones_conf" \
    >"$scratch/named.conf"
  run_check "named-checkconf -z (every zone of named.conf.zones)" \
    sandboxed "$(command -v named-checkconf)" -z "$scratch/named.conf"
fi

if [ -d "$out/libvirt" ] && have virt-xml-validate; then
  for domain in "$out"/libvirt/*.xml; do
    [ -e "$domain" ] || continue
    run_check "virt-xml-validate libvirt/${domain##*/}" \
      sandboxed "$(command -v virt-xml-validate)" "$domain" domain
  done
fi

if [ -f "$out/dnsmasq/cinv.conf" ] && have dnsmasq; then
  run_check "dnsmasq --test dnsmasq/cinv.conf" \
    sandboxed "$(command -v dnsmasq)" --test -C "$out/dnsmasq/cinv.conf"
fi

[ "$failures" -eq 0 ] || fail "$failures checker(s) refused files in $out (output above)"

say "passed: $out is checked and ready to publish"
