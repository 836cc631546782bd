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
#                       (or @v0.1.0), or a local checkout (/path/to/cinv)
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

# --- check and render --------------------------------------------------------------------------
ref_args=()
[ -n "$REF" ] && ref_args=(--ref "$REF")
say "cinv ${ref_args[*]} check"
cinv -C "$INVENTORY" "${ref_args[@]}" check ||
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
base=${CINV_DIFF_BASE-${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-${GITHUB_BASE_REF:-${CI_DEFAULT_BRANCH:-}}}}
if [ -n "$base" ]; then
  case "$base" in -*) fail "CINV_DIFF_BASE '$base' is not a branch name" ;; esac
  # the base as a commit: the remote's branch, a local one, or fetched now (CI clones often hold
  # only the branch being built)
  rev=$(git -C "$INVENTORY" rev-parse --verify --quiet "refs/remotes/origin/$base^{commit}" ||
        git -C "$INVENTORY" rev-parse --verify --quiet "refs/heads/$base^{commit}" ||
        { git -C "$INVENTORY" fetch --quiet origin "refs/heads/$base" 2>/dev/null &&
          git -C "$INVENTORY" rev-parse --verify --quiet "FETCH_HEAD^{commit}"; } || true)
  [ -n "$rev" ] || fail "CINV_DIFF_BASE: no branch '$base' here or at origin"
  head_rev=$(git -C "$INVENTORY" rev-parse --verify --quiet "HEAD^{commit}" || true)
  diff_file="$(cd "$OUT_BASE" && pwd)/$branch.render.diff"
  if [ "$rev" = "$head_rev" ]; then
    say "rendered diff: HEAD is $base; nothing to compare"
    : >"$diff_file"
  else
    cinv -C "$INVENTORY" diff --render "$rev" HEAD >"$diff_file"
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

# --- the real checkers ---------------------------------------------------------------------------
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0

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
  run_check "dhcpd -4 -t dhcpd.conf" dhcpd -4 -t -q -cf "$out/dhcpd.conf" -lf /dev/null
  if [ -f "$out/dhcpd6.conf" ]; then
    run_check "dhcpd -6 -t dhcpd6.conf" dhcpd -6 -t -q -cf "$out/dhcpd6.conf" -lf /dev/null
  fi
fi

for family in 4 6; do
  conf="$out/kea-dhcp$family.conf"
  if [ -f "$conf" ] && have "kea-dhcp$family"; then
    run_check "kea-dhcp$family -t kea-dhcp$family.conf" env KEA_PIDFILE_DIR="$scratch" \
      KEA_LOCKFILE_DIR="$scratch" KEA_LOG_FILE_DIR="$scratch" "kea-dhcp$family" -t "$conf"
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
    run_check "named-checkzone $zone" \
      named-checkzone -i local -k fail -n fail "$zone" "$out/dns/$file"
  done <<<"$pairs"
  printf 'options { directory "%s"; };\ninclude "%s";\n' "$out/dns" "$zones_conf" \
    >"$scratch/named.conf"
  run_check "named-checkconf -z (every zone of named.conf.zones)" \
    named-checkconf -z "$scratch/named.conf"
fi

if [ -d "$out/libvirt" ] && have virt-xml-validate; then
  for domain in "$out"/libvirt/*.xml; do
    [ -e "$domain" ] || continue
    run_check "virt-xml-validate libvirt/${domain##*/}" virt-xml-validate "$domain" domain
  done
fi

if [ -f "$out/dnsmasq/cinv.conf" ] && have dnsmasq; then
  run_check "dnsmasq --test dnsmasq/cinv.conf" dnsmasq --test -C "$out/dnsmasq/cinv.conf"
fi

[ "$failures" -eq 0 ] || fail "$failures checker(s) refused files in $out (output above)"

say "passed: $out is checked and ready to publish"
