#!/usr/bin/env bash
# cinv in CI, the deploy half: in a merge request, `cinv plan` against the running servers, kept
# as an artifact next to the rendered diff; on the default branch, `cinv apply`, but only when
# the operator's protected variables ask for it. Run it after cinv-ci.sh in the same job (it
# uses the cinv that script installed), or by hand at the inventory's top:
#   CINV_PLAN_SERVERS=/etc/cinv/plan-servers.yaml bash ci/cinv-deploy.sh
#
# Environment:
#   CINV_PLAN_SERVERS   the servers file for plans: keys that may READ the servers (a TSIG key
#                       allowed to transfer, not to update; a kea-ctrl-agent account), since a
#                       merge request's pipeline runs the branch's own CI file. Unset: no plan.
#   CINV_SERVERS        the servers file for apply, with keys that may write: a PROTECTED (and
#                       masked) variable, given only to pipelines of protected branches.
#   CINV_DEPLOY         "apply" (a protected variable too) turns the apply on the default branch
#                       on; anything else, or unset, only plans.
#   CINV_DEPLOY_FORCE   "1" (protected): apply past the safety limits (cinv apply --force).
#   CINV_DEFAULT_BRANCH the default branch (default: GitLab's CI_DEFAULT_BRANCH; GitHub's
#                       workflow passes it).
#   CINV_PLAN_JSON      "1": also <branch>.plan.json (`cinv plan --format json`, a second read)
#   CINV_INVENTORY, CINV_OUT, CINV_BRANCH, CINV_VENV   as for cinv-ci.sh.
#
# Files (next to CINV_OUT/<branch>.render.diff): <branch>.plan.txt (the plan a reviewer reads)
# and, with CINV_PLAN_JSON=1, <branch>.plan.json; after an apply, <branch>.apply.txt, and <branch>.floors.patch when a
# DNS server held higher serials than the inventory renders (commit that patch: the zones'
# serial floors, see the README).
#
# Exit status: 0 when the plan was made (changes pending or not) or the apply succeeded; 1 when
# a server could not be planned, a change would not be made, or the apply failed. Every failure
# ends with one line "cinv-deploy: FAILED: ...".
set -uo pipefail

say() { printf 'cinv-deploy: %s\n' "$*"; }
fail() { printf 'cinv-deploy: FAILED: %s\n' "$*" >&2; exit 1; }

INVENTORY=${CINV_INVENTORY:-.}
OUT_BASE=${CINV_OUT:-cinv-out}
VENV=${CINV_VENV:-${HOME:-/tmp}/.cache/cinv-ci-venv}
PATH="$PATH:$VENV/bin"
command -v cinv >/dev/null 2>&1 || fail "cinv is not on PATH (run cinv-ci.sh first: it installs it)"

branch=${CINV_BRANCH:-${CI_COMMIT_REF_SLUG:-${GITHUB_REF_NAME:-}}}
[ -n "$branch" ] || branch=$(git -C "$INVENTORY" rev-parse --abbrev-ref HEAD 2>/dev/null || true)
branch=$(printf '%s' "${branch:-unknown}" | tr -c 'A-Za-z0-9._\n-' '-' | sed 's/^[.-]*//')
mkdir -p "$OUT_BASE" || fail "cannot make $OUT_BASE"
files="$(cd "$OUT_BASE" && pwd)/${branch:-unknown}"

default=${CINV_DEFAULT_BRANCH:-${CI_DEFAULT_BRANCH:-}}
current=${CI_COMMIT_BRANCH:-${GITHUB_REF_NAME:-}}
on_default=0
if [ -n "$default" ] && [ "$current" = "$default" ] && [ -z "${CI_MERGE_REQUEST_IID:-}" ] &&
   [ "${GITHUB_EVENT_NAME:-push}" = push ]; then
  on_default=1
fi

summary() {  # GitHub: the step summary gets the plan
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
  { printf '### cinv: %s\n\n````\n' "$1"; head -c 900000 "$2"; printf '\n````\n'; } \
    >>"$GITHUB_STEP_SUMMARY"
}

if [ "$on_default" = 1 ] && [ "${CINV_DEPLOY:-}" = apply ]; then
  [ -n "${CINV_SERVERS:-}" ] || fail "CINV_DEPLOY=apply but CINV_SERVERS names no servers file"
  force=()
  [ "${CINV_DEPLOY_FORCE:-}" = 1 ] && force=(--force)
  say "cinv apply on $current (servers file from CINV_SERVERS)"
  cinv -C "$INVENTORY" apply --servers "$CINV_SERVERS" --yes --no-commit "${force[@]}" \
    >"$files.apply.txt" 2>&1
  rc=$?
  cat "$files.apply.txt"
  summary "apply on $current" "$files.apply.txt"
  if ! git -C "$INVENTORY" diff --quiet -- zones 2>/dev/null ||
     [ -n "$(git -C "$INVENTORY" ls-files --others --exclude-standard -- zones 2>/dev/null)" ]; then
    git -C "$INVENTORY" add -N -- zones 2>/dev/null
    git -C "$INVENTORY" diff -- zones >"$files.floors.patch"
    say "serial floors to record in the inventory: commit $files.floors.patch"
  fi
  [ "$rc" = 0 ] || fail "cinv apply (see above)"
  exit 0
fi

if [ -z "${CINV_PLAN_SERVERS:-}" ]; then
  say "no CINV_PLAN_SERVERS: no plan against the servers"
  exit 0
fi
say "cinv plan (servers file from CINV_PLAN_SERVERS)"
cinv -C "$INVENTORY" plan --servers "$CINV_PLAN_SERVERS" >"$files.plan.txt" 2>&1
rc=$?
cat "$files.plan.txt"
summary "plan against the servers" "$files.plan.txt"
if [ "${CINV_PLAN_JSON:-}" = 1 ] && [ "$rc" != 1 ]; then
  cinv -C "$INVENTORY" plan --servers "$CINV_PLAN_SERVERS" --format json >"$files.plan.json"
fi
case "$rc" in
  0) say "the servers agree with the inventory" ;;
  2) say "changes pending: $files.plan.txt" ;;
  *) fail "cinv plan could not plan every server (see above)" ;;
esac
if [ "$on_default" = 1 ]; then
  say "the apply is off (the protected variable CINV_DEPLOY=apply turns it on)"
fi
exit 0
