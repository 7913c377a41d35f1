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
    # a hung test fails with its output instead of hanging the suite (and the VM)
    # a test may ask for more time with a "# timeout: N" line (the corpus runs real programs)
    limit=$(sed -n 's/^# timeout: \([0-9]*\)$/\1/p' "$t" | head -n 1)
    limit=${T_TIMEOUT:-${limit:-180}}
    timeout -s KILL "$limit" sh -x "$t" >"$out" 2>&1
    rc=$?
    [ $rc = 137 ] && echo "    | (killed after $limit s)" >>"$out"
    secs=$(( $(date +%s) - start ))
    case $rc in
    0) pass=$((pass + 1)); echo "ok   $name (${secs}s)" ;;
    77) skip=$((skip + 1)); echo "skip $name: $(tail -n 1 "$out")" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (rc $rc, ${secs}s)"
       grep -v '^+' "$out" | sed 's/^/    | /' | tail -n 40
       echo "    | last commands:"; grep '^+' "$out" | tail -n 15 | sed 's/^/    | /' ;;
    esac
    rm -f "$out"
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
