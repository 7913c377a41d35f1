#!/bin/sh
# Runs every tests/integration/t_*.sh with the real warden binary. POSIX sh only: the same
# suite runs here (hybrid cgroups) and in the cgroup v2 VM under busybox.
# Env: WARDEN (binary), HELPERS (dir of static test helpers), T_FILTER (optional glob part).
# Prints one line per test and a closing "N passed, N failed, N skipped" line.
here=$(cd "$(dirname "$0")" && pwd)
: "${WARDEN:?set WARDEN to the warden binary}"
: "${HELPERS:?set HELPERS to the helpers dir}"
export WARDEN HELPERS
pass=0 fail=0 skip=0 failed=""
echo "integration: $("$WARDEN" version) on $(uname -r)"
for t in "$here"/t_*${T_FILTER:-}*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    out=$(mktemp /tmp/warden-it.XXXXXX)
    start=$(date +%s)
    sh "$t" >"$out" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    case $rc in
    0) pass=$((pass + 1)); echo "ok   $name (${secs}s)" ;;
    77) skip=$((skip + 1)); echo "skip $name: $(tail -n 1 "$out")" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (rc $rc, ${secs}s)"
       sed 's/^/    | /' "$out" | tail -n 60 ;;
    esac
    rm -f "$out"
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
