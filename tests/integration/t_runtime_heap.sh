# runtime_heap = auto: a real node service gets --max-old-space-size in NODE_OPTIONS (merged
# with what warden's environment has), GOMEMLIMIT and JAVA_TOOL_OPTIONS, and V8 inside it
# reports the heap_size_limit status promises; an explicit --max-old-space-size in warden's
# environment is left as it is; runtime_heap = off adds nothing; `warden run --runtime-heap`
# does the same. Expected figures from the fractions in src/model/runtime_heap.c (README
# "runtime_heap"): memory_max 512M + memory_restart 400M -> 418 MiB of old space, V8 adds a
# 3 MiB young generation under a 512 MiB limit; memory_max 256M alone -> 207 + 3 MiB.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs)"
[ "$(cgroup_backend)" != none ] || skip "no cgroup memory limit here for V8 to size from"
MIB=1048576

# what the service says about itself: one line per variable, then V8's heap limit
JS='const v8=require("v8");for(const k of ["NODE_OPTIONS","GOMEMLIMIT","JAVA_TOOL_OPTIONS"])console.log(k+"=["+(process.env[k]||"")+"]");console.log("HEAP_LIMIT="+v8.getHeapStatistics().heap_size_limit);setInterval(()=>{},1000)'

conf=$(write_conf heap <<EOF
[service heap]
command = node -e '$JS'
memory_max = 512M
memory_restart = 400M
runtime_heap = auto
drain = 1s

[service plain]
command = node -e '$JS'
memory_max = 512M
memory_restart = 400M
drain = 1s
EOF
)
# warden's own environment reaches its services: an option there is merged into, not replaced
export NODE_OPTIONS=--no-warnings
unset GOMEMLIMIT JAVA_TOOL_OPTIONS JAVA_OPTS JDK_JAVA_OPTIONS
start_daemon "$conf"
unset NODE_OPTIONS
wait_until 20 "\"$WARDEN\" logs heap -n 10 2>/dev/null | grep -q HEAP_LIMIT=" ||
    { cat "$T/daemon.out"; "$WARDEN" logs heap -n 10; fail "the auto service did not report"; }
out=$("$WARDEN" logs heap -n 10)
log "heap: $(echo "$out" | sed 's/^[^ ]* out //' | tr '\n' ' ')"
echo "$out" | grep -q ' out NODE_OPTIONS=\[--no-warnings --max-old-space-size=418\]$' ||
    fail "NODE_OPTIONS not merged with the flag: $out"
echo "$out" | grep -q ' out GOMEMLIMIT=\[360MiB\]$' || fail "GOMEMLIMIT not 90 % of 400M: $out"
echo "$out" | grep -q ' out JAVA_TOOL_OPTIONS=\[-XX:MaxRAM=512m -XX:MinRAMPercentage=58.5 -XX:MaxRAMPercentage=58.5\]$' ||
    fail "JAVA_TOOL_OPTIONS: $out"
limit=$(echo "$out" | sed -n 's/.* out HEAP_LIMIT=\([0-9]*\)$/\1/p' | tail -n 1)
[ "$limit" = $(( (418 + 3) * MIB )) ] || fail "V8 inside says heap_size_limit $limit, want $(( 421 * MIB ))"

# status says what was set, and the same limit V8 reports (once status carries runtime_heap)
st=$("$WARDEN" status heap --json)
if echo "$st" | grep -q '"runtime_heap"'; then
    echo "$st" | grep -q '"flag": *"--max-old-space-size=418"' || fail "status flag: $st"
    echo "$st" | grep -q '"value": *"--no-warnings --max-old-space-size=418"' || fail "status value: $st"
    echo "$st" | grep -q "\"heap_size_limit_bytes\": *$limit" || fail "status limit is not V8's $limit: $st"
    log "status agrees: heap_size_limit_bytes $limit"
else
    log "status has no runtime_heap object yet: checked against the formula only"
fi

# off: nothing added, V8 sizes itself from the cgroup limit (259 MiB under 512M, measured)
wait_until 20 "\"$WARDEN\" logs plain -n 10 2>/dev/null | grep -q HEAP_LIMIT=" || fail "plain did not report"
out=$("$WARDEN" logs plain -n 10)
echo "$out" | grep -q ' out NODE_OPTIONS=\[--no-warnings\]$' || fail "off changed NODE_OPTIONS: $out"
echo "$out" | grep -q ' out GOMEMLIMIT=\[\]$' || fail "off set GOMEMLIMIT: $out"
echo "$out" | grep -q " out HEAP_LIMIT=$((259 * MIB))\$" || fail "V8's default under 512M: $out"

# an explicit cap in warden's environment is left as it is (the other runtimes still get theirs)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "daemon exited $? on SIGTERM"
DAEMON_PID=""
rm -f "$T/state/logs/heap.log"
export NODE_OPTIONS=--max-old-space-size=64
start_daemon "$conf"
unset NODE_OPTIONS
wait_until 20 "\"$WARDEN\" logs heap -n 10 2>/dev/null | grep -q HEAP_LIMIT=" || fail "heap did not report again"
out=$("$WARDEN" logs heap -n 10)
echo "$out" | grep -q ' out NODE_OPTIONS=\[--max-old-space-size=64\]$' || fail "explicit NODE_OPTIONS changed: $out"
echo "$out" | grep -q ' out GOMEMLIMIT=\[360MiB\]$' || fail "GOMEMLIMIT missing beside explicit node: $out"
echo "$out" | grep -q " out HEAP_LIMIT=$(( (64 + 3) * MIB ))\$" || fail "V8 did not keep the explicit 64 MiB: $out"
st=$("$WARDEN" status heap --json)
if echo "$st" | grep -q '"runtime_heap"'; then
    echo "$st" | grep -q '"left": *"explicit: --max-old-space-size or --max-heap-size in NODE_OPTIONS"' ||
        fail "status does not say node was left alone: $st"
fi

# warden run: the same from the command line
out=$("$WARDEN" run --state-dir "$T/run" --socket "$T/run.sock" --runtime-heap auto \
    --memory-max 256M --restart never -- node -e \
    'console.log("NODE_OPTIONS=["+process.env.NODE_OPTIONS+"] HEAP_LIMIT="+require("v8").getHeapStatistics().heap_size_limit)' \
    2>"$T/run.err")
rc=$?
[ $rc = 0 ] || { cat "$T/run.err"; fail "warden run exited $rc"; }
echo "$out" | grep -q "NODE_OPTIONS=\[--max-old-space-size=207\] HEAP_LIMIT=$(( (207 + 3) * MIB ))\$" ||
    fail "warden run --runtime-heap auto --memory-max 256M: $out"
"$WARDEN" run --state-dir "$T/run" --socket "$T/run.sock" --runtime-heap yes -- true 2>"$T/bad.err"
[ $? = 2 ] || fail "--runtime-heap yes was accepted"
grep -q 'expected auto .* or off' "$T/bad.err" || fail "--runtime-heap yes: $(cat "$T/bad.err")"
log "run: $out"
