#!/bin/sh
# SPDX-License-Identifier: MIT
# warden benchmarks: the issues' targets, each measured over repeated runs and printed as
# min / median / (p99 /) max next to its target. See bench/README.md.
#
#   sh bench/run.sh [WARDEN_BINARY] [rss|idle|fail|stop|tree|memrestart|memsampled|stormkill|cpuscale|logflood|zerodrop|soak ...]
#                                        (default: all of them but soak; "guards" = memrestart
#                                        memsampled stormkill cpuscale; soak = bench/soak.sh,
#                                        SOAK_SECONDS (600), exits 1 when it fails)
#
# Env: BENCH (same as the names after the binary), HELPERS (static test helpers; default
# the binary's dir/helpers), RSS_RUNS (5), IDLE_RUNS (3), IDLE_WINDOW_S (60), FAIL_RUNS (3 daemons per variant, in parallel),
# FAIL_WINDOW_S (60), STOP_CYCLES (20), TREE_RUNS (10), TREE_N (499), MEMRESTART_RUNS (100),
# MEMRESTART_RAMP_MIB (192), STORM_RUNS (10), STORM_N (1199), STORM_POLL_US (100),
# CPUSCALE_RUNS (3 daemons per size, in parallel), CPUSCALE_N (4999), CPUSCALE_PIDS_MAX
# (6000), CPUSCALE_WINDOW_S (60), LOGFLOOD_RUNS (5), LOGFLOOD_WINDOW_S (10), ZERODROP_CLIENTS
# (8), ZERODROP_SECONDS (30 per mode), CC (cc: builds bench/*.c, static, into the scratch dir),
# LOAD (0: N busy loops, a warden service, run beside memrestart and stormkill).
# Needs root (cgroups). Writes the table to bench/results-latest.txt (not meant for git).
# Every daemon it starts is stopped by pid (SIGTERM) and its scratch dir removed on exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
WARDEN=${1:-${WARDEN:-$here/../build/warden}}
[ $# -gt 0 ] && shift
case $WARDEN in /*) ;; *) WARDEN=$(pwd)/$WARDEN ;; esac
HELPERS=${HELPERS:-$(dirname "$WARDEN")/helpers}
SELECTED=${*:-${BENCH:-all}}
[ "$SELECTED" = all ] && SELECTED="rss idle fail stop tree memrestart memsampled stormkill cpuscale logflood zerodrop"
SELECTED=$(echo " $SELECTED " | sed 's/ guards / memrestart memsampled stormkill cpuscale /; s/^ //; s/ $//')
RSS_RUNS=${RSS_RUNS:-5}
IDLE_RUNS=${IDLE_RUNS:-3}
IDLE_WINDOW_S=${IDLE_WINDOW_S:-60}
FAIL_RUNS=${FAIL_RUNS:-3}
FAIL_WINDOW_S=${FAIL_WINDOW_S:-60}
STOP_CYCLES=${STOP_CYCLES:-20}
TREE_RUNS=${TREE_RUNS:-10}
TREE_N=${TREE_N:-499}
MEMRESTART_RUNS=${MEMRESTART_RUNS:-100}
MEMRESTART_RAMP_MIB=${MEMRESTART_RAMP_MIB:-192}
STORM_RUNS=${STORM_RUNS:-10}
STORM_N=${STORM_N:-1199}
STORM_POLL_US=${STORM_POLL_US:-100}
CPUSCALE_RUNS=${CPUSCALE_RUNS:-3}
CPUSCALE_N=${CPUSCALE_N:-4999}
CPUSCALE_PIDS_MAX=${CPUSCALE_PIDS_MAX:-6000}
CPUSCALE_WINDOW_S=${CPUSCALE_WINDOW_S:-60}
LOGFLOOD_RUNS=${LOGFLOOD_RUNS:-5}
LOGFLOOD_WINDOW_S=${LOGFLOOD_WINDOW_S:-10}
ZERODROP_CLIENTS=${ZERODROP_CLIENTS:-8}
ZERODROP_SECONDS=${ZERODROP_SECONDS:-30}
RESULTS=$here/results-latest.txt

[ -x "$WARDEN" ] || { echo "bench: no warden binary at $WARDEN (make all)" >&2; exit 2; }
for b in $SELECTED; do
    case $b in rss|idle|fail|stop|tree|memrestart|memsampled|stormkill|cpuscale|logflood|zerodrop|soak|guards) ;;
        *) echo "bench: unknown benchmark '$b' (rss idle fail stop tree memrestart memsampled stormkill cpuscale logflood zerodrop soak; guards = memrestart memsampled stormkill cpuscale)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || echo "bench: warning: not root; cgroup limits will not be enforced" >&2

B=$(mktemp -d /tmp/warden-bench.XXXXXX)
: > "$B/owned"  # "PID TAG" of everything started here; TAG must be in its cmdline to be killed
: > "$B/table"
: > "$B/notes"

# ---- helpers ----

now_ms() {
    _n=$(date +%s%N)
    case $_n in *N) awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime ;; *) echo $(( _n / 1000000 )) ;; esac
}

# wait_until SECONDS 'shell condition': poll every 10 ms against a deadline.
wait_until() {
    _end=$(( $(now_ms) + $1 * 1000 )); shift
    while :; do
        if eval "$*"; then return 0; fi
        [ "$(now_ms)" -ge "$_end" ] && return 1
        sleep 0.01
    done
}

own() { echo "$1 $2" >> "$B/owned"; }

# ours PID TAG: PID is alive and its cmdline contains TAG (guards against pid reuse).
ours() {
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | grep -qF -- "$2"
}

# end_pid PID TAG: SIGTERM, up to 15 s to go, then SIGKILL; reaps it when it is our child.
end_pid() {
    if ours "$1" "$2"; then
        kill -TERM "$1" 2>/dev/null
        wait_until 15 "! ours $1 '$2'" || kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    return 0
}

cleanup() {
    trap - EXIT INT TERM HUP
    while read -r _p _tag; do end_pid "$_p" "$_tag"; done < "$B/owned"
    rm -rf "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

note() { echo "$*" | tee -a "$B/notes"; }

# stats FILE: "min median p99 max n" of the numbers in FILE, one per line (p99: nearest
# rank, so with fewer than 100 values it is the max).
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { if (NR == 0) { print "- - - - 0"; exit }
              m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              r = int(NR * 0.99); if (r < NR * 0.99) r++
              printf "%g %g %g %g %d\n", v[1], m, v[r], v[NR], NR }'
}

# row BENCH METRIC FILE TARGET [p99]: one result line, printed now and kept for the final
# table. The p99 column is filled only when asked for ("-" otherwise).
row() {
    set -- "$1" "$2" "$(stats "$3")" "$4" "${5:-}"
    # shellcheck disable=SC2086
    set -- "$1" "$2" $3 "$4" "$5"
    [ "$9" = p99 ] || set -- "$1" "$2" "$3" "$4" - "$6" "$7" "$8"
    printf '%-10s %-50s %8s %8s %8s %8s %3s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" | tee -a "$B/table"
}

# start_daemon DIR: warden daemon on DIR/w.conf, output in DIR/out; sets DPID.
start_daemon() {
    "$WARDEN" daemon -c "$1/w.conf" > "$1/out" 2>&1 &
    DPID=$!
    own "$DPID" "$1/w.conf"
    wait_until 10 "[ -S '$1/w.sock' ]" || { cat "$1/out"; echo "bench: daemon did not come up" >&2; exit 1; }
}

# conf_head DIR: the [warden] section of DIR/w.conf.
conf_head() { printf '[warden]\nstate_dir = %s/state\nsocket = %s/w.sock\n\n' "$1" "$1"; }

# w DIR ARGS...: a client command against the daemon of DIR.
w() { _d=$1; shift; WARDEN_SOCKET="$_d/w.sock" "$WARDEN" "$@" 2>/dev/null; }

# svc DIR NAME KEY: a flat key of one service from `warden status NAME --json`.
svc() {
    w "$1" status "$2" --json | sed -n '/"services"/,$p' | \
        sed -n "s/^ *\"$3\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\} *\$/\1/p" | head -n 1
}

# pids_alive PID...: those still alive (zombies count as dead).
pids_alive() {
    for _p in "$@"; do
        if [ -r "/proc/$_p/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$_p/stat" 2>/dev/null; then
            echo "$_p"
        fi
    done
}

# mem PID: "private rss pss" in kB (Private_Clean + Private_Dirty, Rss, Pss).
mem() {
    _f=/proc/$1/smaps_rollup
    [ -r "$_f" ] || _f=/proc/$1/smaps
    awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } /^Private_(Clean|Dirty):/ { v += $2 }
         END { print v, r, p }' "$_f"
}

# sample_mem PID PREFIX: 5 samples over 2 s; appends the run's max to PREFIX.{priv,rss,pss}.
sample_mem() {
    : > "$B/samples"
    for _i in 1 2 3 4 5; do
        [ "$_i" = 1 ] || sleep 0.5
        mem "$1" >> "$B/samples"
    done
    awk -v f="$2" '$1 > a { a = $1 } $2 > b { b = $2 } $3 > c { c = $3 }
        END { print a >> (f ".priv"); print b >> (f ".rss"); print c >> (f ".pss") }' "$B/samples"
}

# events DIR NAME: the service's journal as "SECONDS TYPE COMMAND" lines (SECONDS of the
# day, ms precision; the day's rollover is handled by the consumers' monotonic fix-up).
events() {
    w "$1" events "$2" --json | awk '{
        t = ""; ty = ""; c = "-"
        if (match($0, /"time": *"[^"]*"/)) { s = substr($0, RSTART, RLENGTH); sub(/.*T/, "", s); sub(/Z"$/, "", s)
            split(s, h, ":"); t = h[1] * 3600 + h[2] * 60 + h[3] }
        if (match($0, /"type": *"[^"]*"/)) { ty = substr($0, RSTART, RLENGTH); sub(/"type": *"/, "", ty); sub(/"$/, "", ty) }
        if (match($0, /"command": *"[^"]*"/)) { c = substr($0, RSTART, RLENGTH); sub(/"command": *"/, "", c); sub(/"$/, "", c) }
        if (t != "") { if (NR > 1 && t < prev - 43200) day += 86400; prev = t; printf "%.3f %s %s\n", t + day, ty, c }
    }'
}

# journal_latency DIR NAME CMD DONE: ms from each "operator CMD" event to the next DONE event.
journal_latency() {
    events "$1" "$2" | awk -v cmd="$3" -v done="$4" '
        $2 == "operator" && $3 == cmd { t0 = $1; open = 1; next }
        open && $2 == done { printf "%d\n", ($1 - t0) * 1000 + 0.5; open = 0 }'
}

# ---- 1. warden's own memory with 10 idle services (+ tini, supervisord for comparison) ----

# start_idle_daemon DIR: a daemon on DIR with 10 x 'sleep 100000' (no guards), all running.
start_idle_daemon() {
    { conf_head "$1"; for i in 0 1 2 3 4 5 6 7 8 9; do printf '[service s%d]\ncommand = sleep 100000\n\n' "$i"; done; } > "$1/w.conf"
    start_daemon "$1"
    wait_until 10 "[ \"\$(w $1 status --json | grep -c '\"state\": *\"running\"')\" = 10 ]" || \
        { w "$1" status; echo "bench: services did not all start" >&2; exit 1; }
}

bench_rss() {
    note "# rss: $RSS_RUNS runs; each: 10 x 'sleep 100000', wait until all running, 5 samples over 2 s, the run's max"
    for run in $(seq "$RSS_RUNS"); do
        d=$B/rss$run; mkdir -p "$d"
        start_idle_daemon "$d"
        sample_mem "$DPID" "$B/w"
        if [ "$run" = "$RSS_RUNS" ]; then
            note "# warden's biggest private mappings (kB, last run, /proc/PID/smaps):"
            awk '/^[0-9a-f]+-[0-9a-f]+ / { m = $1 " " $2 " " ($6 == "" ? "[anon]" : $6) ; next }
                 /^Private_(Clean|Dirty):/ { p[m] += $2 }
                 END { for (k in p) if (p[k] > 0) printf "%6d  %s\n", p[k], k }' "/proc/$DPID/smaps" | \
                sort -rn | head -n 6 | sed 's/^/#   /' | tee -a "$B/notes"
            if command -v python3 >/dev/null && command -v nm >/dev/null; then
                note "# warden's static objects by resident pages (bench/bss_pages.py):"
                python3 "$here/bss_pages.py" "$DPID" "$WARDEN" 6 2>&1 | sed 's/^/#   /' | tee -a "$B/notes"
            fi
        fi
        end_pid "$DPID" "$d/w.conf"
        rm -rf "$d"
    done
    row rss "warden private kB, 10 idle services" "$B/w.priv" "<= 400"
    row rss "warden Rss kB" "$B/w.rss" "-"
    row rss "warden Pss kB" "$B/w.pss" "-"

    if command -v tini >/dev/null; then
        for run in $(seq "$RSS_RUNS"); do
            tini -s -- sleep 100000 &
            tp=$!; own "$tp" "tini"
            wait_until 5 "[ -n \"\$(cat /proc/$tp/task/$tp/children 2>/dev/null)\" ]" || { echo "bench: tini did not start sleep" >&2; exit 1; }
            sleep 0.2
            sample_mem "$tp" "$B/t"
            end_pid "$tp" "tini"
        done
        row rss "tini -s private kB, 1 sleep (issue: 124)" "$B/t.priv" "-"
        row rss "tini Rss kB" "$B/t.rss" "-"
    else
        note "# rss: tini not installed (apt-get install -y tini): skipped"
    fi

    if command -v supervisord >/dev/null && command -v supervisorctl >/dev/null; then
        sv_runs=$(( RSS_RUNS < 3 ? RSS_RUNS : 3 ))
        for run in $(seq "$sv_runs"); do
            d=$B/sv$run; mkdir -p "$d"
            { printf '[unix_http_server]\nfile = %s/sv.sock\n\n' "$d"
              printf '[supervisord]\nnodaemon = true\nlogfile = %s/sv.log\npidfile = %s/sv.pid\nchildlogdir = %s\nuser = root\n\n' "$d" "$d" "$d"
              printf '[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n'
              printf '[supervisorctl]\nserverurl = unix://%s/sv.sock\n\n' "$d"
              for i in 0 1 2 3 4 5 6 7 8 9; do printf '[program:s%d]\ncommand = sleep 100000\nstartsecs = 0\n\n' "$i"; done
            } > "$d/sv.conf"
            supervisord -c "$d/sv.conf" > "$d/out" 2>&1 &
            sp=$!; own "$sp" "$d/sv.conf"
            wait_until 15 "[ \"\$(supervisorctl -c $d/sv.conf status 2>/dev/null | grep -c RUNNING)\" = 10 ]" || \
                { cat "$d/out"; echo "bench: supervisord did not start its programs" >&2; exit 1; }
            sample_mem "$sp" "$B/s"
            end_pid "$sp" "$d/sv.conf"
            rm -rf "$d"
        done
        row rss "supervisord private kB, 10 idle programs" "$B/s.priv" "-"
        row rss "supervisord Rss kB" "$B/s.rss" "-"
    else
        note "# rss: supervisord not installed (apt-get install -y supervisor): skipped"
    fi
}

# ---- 2. starts of an always-failing service in its first 60 s ----
# FAIL_RUNS daemons per variant, all in parallel (each supervises only that service, so its
# CPU time is its own). Nothing else runs meanwhile: a second warden mapping the same
# binary would also turn the rss benchmark's Private_Clean text pages into shared ones.

fail_one() { # DIR: snapshot one daemon at its deadline, then stop it
    d=$1; pid=$(cat "$d/pid"); t0=$(cat "$d/t0")
    while [ "$(now_ms)" -lt $(( t0 + FAIL_WINDOW_S * 1000 )) ]; do sleep 0.2; done
    # utime + stime (fields 14, 15) after the ")" of the comm field
    ticks=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    echo $(( ticks * 1000 / $(getconf CLK_TCK) )) > "$d/cpu_ms"
    # the same with ns precision where the kernel has /proc/PID/sched (CONFIG_SCHED_DEBUG)
    awk '/^se.sum_exec_runtime/ { printf "%.1f\n", $3 }' "/proc/$pid/sched" 2>/dev/null > "$d/exec_ms"
    events "$d" f | awk '$2 == "start" { if (n++ == 0) t0 = $1; printf "%.1f ", $1 - t0 }' > "$d/times"
    awk -v w="$FAIL_WINDOW_S" '{ for (i = 1; i <= NF; i++) if ($i < w) n++ } END { print n + 0 }' "$d/times" > "$d/starts"
    svc "$d" f state > "$d/svcstate"
}

bench_fail() {
    note "# fail: $FAIL_RUNS daemons per variant in parallel, ${FAIL_WINDOW_S} s each (the wait is the measurement)"
    for run in $(seq "$FAIL_RUNS"); do
        for v in false vary; do
            d=$B/fail-$v-$run; mkdir -p "$d"
            if [ "$v" = false ]; then cmd=/bin/false; else cmd="sh -c 'exit \$(( \$(date +%s%N) % 3 + 1 ))'"; fi
            { conf_head "$d"; printf '[service f]\ncommand = %s\n' "$cmd"; } > "$d/w.conf"
            now_ms > "$d/t0"
            start_daemon "$d"
            echo "$DPID" > "$d/pid"
        done
    done
    # snapshots one after the other: the daemons' deadlines are ms apart, and starts are
    # counted from the journal's own times, so a late snapshot does not change them
    for d in "$B"/fail-*; do fail_one "$d"; done
    for v in false vary; do
        : > "$B/f.$v.starts"; : > "$B/f.$v.cpu"; states=""
        for d in "$B"/fail-"$v"-*; do
            cat "$d/starts" >> "$B/f.$v.starts"; cat "$d/cpu_ms" >> "$B/f.$v.cpu"; cat "$d/exec_ms" >> "$B/f.$v.exec"
            states="$states $(cat "$d/svcstate")"
            end_pid "$(cat "$d/pid")" "$d/w.conf"
        done
        note "# fail: $v: state at ${FAIL_WINDOW_S} s:$states"
        note "# fail: $v: start times (s after the first), run 1: $(cat "$B/fail-$v-1/times")"
    done
    row fail "/bin/false: starts in first ${FAIL_WINDOW_S} s" "$B/f.false.starts" "<= 6"
    row fail "/bin/false: warden CPU ms (utime+stime)" "$B/f.false.cpu" "-"
    row fail "/bin/false: warden CPU ms (sum_exec_runtime)" "$B/f.false.exec" "-"
    row fail "varying exit: starts in first ${FAIL_WINDOW_S} s" "$B/f.vary.starts" "-"
    row fail "varying exit: warden CPU ms (utime+stime)" "$B/f.vary.cpu" "-"
    row fail "varying exit: warden CPU ms (sum_exec_runtime)" "$B/f.vary.exec" "-"
    rm -rf "$B"/fail-*
}

# ---- 3. nothing left after stop / restart (setsid grandchild, background job) ----

bench_stop() {
    d=$B/stop; mkdir -p "$d"
    cat > "$d/svc.sh" <<EOF
"$HELPERS/daemonize" "$d/gc.pid" --exit
sleep 1000 &
echo \$! > "$d/bg.pid"
exec sleep 1000
EOF
    { conf_head "$d"; printf '[service app]\ncommand = sh %s/svc.sh\ndrain = 2s\nmemory_max = 64M\npids_max = 32\n' "$d"; } > "$d/w.conf"
    start_daemon "$d"
    : > "$B/stop.ms"; : > "$B/restart.ms"; : > "$B/stop.surv"; : > "$B/restart.surv"
    children() { # sets gc bg main of the running instance
        wait_until 10 "[ -s '$d/gc.pid' ] && [ -s '$d/bg.pid' ]" || { echo "bench: service did not start its children" >&2; exit 1; }
        gc=$(cat "$d/gc.pid"); bg=$(cat "$d/bg.pid"); main=$(svc "$d" app pid)
        rm -f "$d/gc.pid" "$d/bg.pid"
    }
    for i in $(seq "$STOP_CYCLES"); do
        children
        t0=$(now_ms)
        w "$d" stop app >/dev/null || { echo "bench: stop failed" >&2; exit 1; }
        wait_until 10 "[ \"\$(svc $d app state)\" = stopped ]" || { echo "bench: not stopped" >&2; exit 1; }
        echo $(( $(now_ms) - t0 )) >> "$B/stop.ms"
        pids_alive "$gc" "$bg" "$main" | wc -l >> "$B/stop.surv"
        w "$d" start app >/dev/null
    done
    for i in $(seq "$STOP_CYCLES"); do
        children
        t0=$(now_ms)
        w "$d" restart app >/dev/null || { echo "bench: restart failed" >&2; exit 1; }
        wait_until 10 "p=\$(svc $d app pid); [ -n \"\$p\" ] && [ \"\$p\" != $main ] && [ \"\$(svc $d app state)\" = running ]" || \
            { echo "bench: restart did not bring a new instance" >&2; exit 1; }
        echo $(( $(now_ms) - t0 )) >> "$B/restart.ms"
        pids_alive "$gc" "$bg" "$main" | wc -l >> "$B/restart.surv"
    done
    journal_latency "$d" app stop stopped > "$B/stop.jms"
    journal_latency "$d" app restart running > "$B/restart.jms"
    end_pid "$DPID" "$d/w.conf"
    rm -rf "$d"
    note "# stop: $STOP_CYCLES stop/start + $STOP_CYCLES restart cycles; survivors = pids (main, setsid grandchild, bg job) alive per cycle"
    note "# stop: 'client ms' = from invoking 'warden stop' until a 10 ms status poll sees it; 'journal ms' = warden's own event times"
    row stop "survivors per stop (total $(awk '{ s += $1 } END { print s + 0 }' "$B/stop.surv"))" "$B/stop.surv" "0"
    row stop "survivors per restart (total $(awk '{ s += $1 } END { print s + 0 }' "$B/restart.surv"))" "$B/restart.surv" "0"
    row stop "stop -> stopped, client ms" "$B/stop.ms" "-"
    row stop "stop -> stopped, journal ms" "$B/stop.jms" "-"
    row stop "restart -> new instance running, client ms" "$B/restart.ms" "-"
    row stop "restart -> running, journal ms" "$B/restart.jms" "-"
}

# ---- 4. time to kill a 500-process tree ----

bench_tree() {
    d=$B/tree; mkdir -p "$d"
    { conf_head "$d"; printf '[service tree]\ncommand = %s/forker %s\npids_max = 600\nmemory_max = 1G\ndrain = 5s\n' "$HELPERS" "$TREE_N"; } > "$d/w.conf"
    start_daemon "$d"
    : > "$B/tree.ms"; : > "$B/tree.pids"; bad=0
    for i in $(seq "$TREE_RUNS"); do
        [ "$i" = 1 ] || w "$d" start tree >/dev/null
        wait_until 30 "[ \"\$(grep -c 'forker: forked' '$d/out')\" -ge $i ]" || { cat "$d/out"; echo "bench: forker did not report" >&2; exit 1; }
        grep 'forker: forked' "$d/out" | tail -n 1 | grep -q "forked $TREE_N failed 0\$" || bad=$((bad + 1))
        w "$d" status tree --json | sed -n 's/^ *"current": \([0-9]*\),\{0,1\}$/\1/p' | tail -n 1 >> "$B/tree.pids"
        t0=$(now_ms)
        w "$d" stop tree >/dev/null || { echo "bench: stop failed" >&2; exit 1; }
        wait_until 30 "[ \"\$(svc $d tree state)\" = stopped ]" || { echo "bench: tree not stopped" >&2; exit 1; }
        echo $(( $(now_ms) - t0 )) >> "$B/tree.ms"
    done
    journal_latency "$d" tree stop stopped > "$B/tree.jms"
    end_pid "$DPID" "$d/w.conf"
    rm -rf "$d"
    note "# tree: $TREE_RUNS runs of 'forker $TREE_N' (pids_max 600); runs where a fork failed: $bad"
    row tree "processes in the cgroup at stop" "$B/tree.pids" "-"
    row tree "stop -> stopped, client ms" "$B/tree.ms" "-"
    row tree "stop -> stopped, journal ms" "$B/tree.jms" "-"
}

# ---- the guards' C helpers (bench/*.c), built static into the scratch dir ----

build_bench_helpers() {
    [ -n "${BIN:-}" ] && return 0
    BIN=$B/bin; mkdir -p "$BIN"
    CC=${CC:-cc}
    for _s in memcross stormfork stormwatch streamload; do
        "$CC" -O2 -pthread -static -o "$BIN/$_s" "$here/$_s.c" 2>"$B/cc.err" || \
            "$CC" -O2 -pthread -o "$BIN/$_s" "$here/$_s.c" 2>>"$B/cc.err" || \
            { cat "$B/cc.err"; echo "bench: cannot build bench/$_s.c ($CC)" >&2; exit 1; }
    done
}

# ns_diff_ms FILE EXPR: for each line of FILE (fields in ns), EXPR in ms, 3 decimals. EXPR
# names the fields as awk does (e.g. '$3 - $1').
ns_diff_ms() { awk "{ printf \"%.3f\\n\", ($2) / 1e6 }" "$1"; }

# start_load / stop_load: with LOAD=N > 0, N busy loops (sh) as a warden service of their
# own daemon (pids_max and memory_max cap it) while memrestart and stormkill run: how the
# guards do when the CPUs are busy.
start_load() {
    LOAD_DIR=""
    [ "${LOAD:-0}" -gt 0 ] || return 0
    LOAD_DIR=$B/load; mkdir -p "$LOAD_DIR"
    _cmd=$(i=1; while [ "$i" -lt "$LOAD" ]; do printf 'while :; do :; done & '; i=$((i + 1)); done; printf 'while :; do :; done')
    { conf_head "$LOAD_DIR"; printf "[service load]\ncommand = sh -c '%s'\npids_max = %d\nmemory_max = 64M\n" "$_cmd" $(( LOAD + 2 )); } > "$LOAD_DIR/w.conf"
    start_daemon "$LOAD_DIR"
    LOAD_PID=$DPID
    wait_until 10 "[ \"\$(svc $LOAD_DIR load state)\" = running ]" || { echo "bench: load did not start" >&2; exit 1; }
    note "# load: $LOAD busy loops running (LOAD=$LOAD)"
}
stop_load() {
    [ -n "$LOAD_DIR" ] || return 0
    end_pid "$LOAD_PID" "$LOAD_DIR/w.conf"
    rm -rf "$LOAD_DIR"; LOAD_DIR=""
}

# ---- 5. memory_restart: crossing -> SIGTERM ----
# memcross grows 1 MiB every 5 ms (200 MiB/s) after a fast ramp to MEMRESTART_RAMP_MIB and
# timestamps its own crossing (usage checked every 64 KiB) and the SIGTERM's arrival. Each
# restart (restart = always) is a new sample on the same daemon. Quick guard restarts back
# off like failures: backoff = 10ms..100ms keeps the cycle short.

# memsampled: the same with the v1 threshold eventfd left out (test-only env), which is the
# path v2 hosts get: the adaptive sampler, woken early by a memory PSI trigger.
bench_memrestart() {
    build_bench_helpers
    tag=${1:-memrestart}
    d=$B/$tag; mkdir -p "$d"
    thr=$((256 * 1024 * 1024))
    { conf_head "$d"
      printf '[service grow]\ncommand = %s/memcross %s %s/res 5 %s 480\n' "$BIN" "$thr" "$d" "$MEMRESTART_RAMP_MIB"
      printf 'memory_max = 512M\nmemory_restart = 256M\nrestart = always\nbackoff = 10ms..100ms\n'; } > "$d/w.conf"
    : > "$d/res"
    start_load
    t0=$(now_ms)
    [ "$tag" = memsampled ] && export WARDEN_TEST_NO_THRESHOLD=1
    start_daemon "$d"
    unset WARDEN_TEST_NO_THRESHOLD
    wait_until $(( MEMRESTART_RUNS * 3 + 30 )) "[ \$(wc -l < '$d/res') -ge $MEMRESTART_RUNS ]" || \
        { tail -n 20 "$d/out"; echo "bench: memrestart: only $(wc -l < "$d/res") samples" >&2; exit 1; }
    elapsed=$(( $(now_ms) - t0 ))
    # the last sample's exit reaches the journal a moment after its line: wait for it
    wait_until 5 "[ \$(w $d events grow --json | grep '\"type\": *\"exit\"' | grep -c memory-restart) -ge $MEMRESTART_RUNS ]"
    det=$(w "$d" status grow --json | sed -n 's/.*"memory": *"\([a-z+]*\)".*/\1/p' | head -n 1)
    wakes=$(w "$d" status grow --json | sed -n 's/.*"pressure_wakeups": *\([0-9]*\).*/\1/p' | head -n 1)
    w "$d" stop grow >/dev/null
    head -n "$MEMRESTART_RUNS" "$d/res" > "$d/samples"
    awk '$1 > 0' "$d/samples" > "$d/ok"
    # shellcheck disable=SC2016 # awk field expressions
    ns_diff_ms "$d/ok" '$3 - $1' > "$B/mr.lat"
    awk '$2 > 0' "$d/samples" > "$d/prev" # also the samples whose crossing the hog did not see
    # shellcheck disable=SC2016
    ns_diff_ms "$d/prev" '$3 - $2' > "$B/mr.lat_hi"
    # shellcheck disable=SC2016
    ns_diff_ms "$d/ok" '$1 - $2' > "$B/mr.window"
    awk '{ printf "%.1f\n", ($4 - '"$thr"') / 1024 }' "$d/ok" > "$B/mr.over"
    w "$d" events grow --json > "$d/events"
    # the hog's CLOCK_REALTIME crossing against the journal's memory-restart time (ms, seconds
    # of the day): the i-th event belongs to the i-th sample
    events "$d" grow | awk 'NR == FNR { if ($5 > 0) rt[FNR] = ($5 / 1e9) % 86400; next }
        $2 == "memory-restart" && (++k in rt) { x = $1 % 86400 - rt[k]; if (x < -43200) x += 86400
            printf "%.1f\n", x * 1000 }' "$d/samples" - > "$B/mr.detect"
    paths=$(grep '"type": *"memory-restart"' "$d/events" | sed -n 's/.*"detected_by": *"\([^"]*\)".*/\1/p' | \
        sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s x%s", (NR > 1 ? ", " : ""), substr($0, 2), c }')
    ooms=$(grep '"type": *"exit"' "$d/events" | grep -c 'oom-killed')
    nexit=$(grep '"type": *"exit"' "$d/events" | grep -c 'memory-restart')
    end_pid "$DPID" "$d/w.conf"
    stop_load
    note "# $tag: $MEMRESTART_RUNS restarts of memcross (ramp ${MEMRESTART_RAMP_MIB} MiB, then 1 MiB / 5 ms = 200 MiB/s; memory_restart 256M, memory_max 512M) in $(( elapsed / 1000 )) s"
    note "# $tag: samples where SIGTERM came before the hog saw the crossing (preempted between a touch and its read; only in the upper bound): $(( $(wc -l < "$d/samples") - $(wc -l < "$d/ok") ))"
    note "# $tag: detected_by (journal): ${paths:-none}; exits attributed to memory-restart: $nexit; oom-killed exits: $ooms"
    note "# $tag: cgroup backend: $("$WARDEN" version --json | sed -n 's/.*"cgroup": *"\([a-z0-9]*\)".*/\1/p') ; detection: ${det:-?} (threshold: the v1 eventfd; sampled+pressure: v2's path); PSI wake-ups: ${wakes:-0}"
    rm -rf "$d"
    row $tag "crossing seen -> SIGTERM, ms (200 MiB/s)" "$B/mr.lat" "p99 <= 20" p99
    row $tag "last read below -> SIGTERM, ms (upper bound)" "$B/mr.lat_hi" "p99 <= 20" p99
    row $tag "crossing -> memory-restart event (journal ms)" "$B/mr.detect" "-" p99
    row $tag "crossing window: last below -> first above, ms" "$B/mr.window" "-" p99
    row $tag "usage over threshold when seen, KiB" "$B/mr.over" "-"
}

# ---- 6. pids_kill: crossing -> last process of the storm gone ----
# stormfork forks as fast as it can to STORM_N children and timestamps the fork that made
# 1000 processes; stormwatch (outside, started with the forker's pid) opens the cgroup's
# pids.current and cgroup.events, lets the storm go, and timestamps "populated 0" and
# pids.current = 0. Same clock (CLOCK_MONOTONIC) on both sides.

bench_stormkill() {
    build_bench_helpers
    d=$B/storm; mkdir -p "$d"
    { conf_head "$d"
      printf '[service storm]\ncommand = %s/stormfork %s 1000 %s/cross %s/go\n' "$BIN" "$STORM_N" "$d" "$d"
      printf 'memory_max = 1G\npids_max = 1500\npids_kill = 1000\nrestart = never\n'; } > "$d/w.conf"
    start_load
    start_daemon "$d"
    : > "$d/rt"; : > "$B/sk.freeze"; : > "$B/sk.frozen"; : > "$B/sk.unpop"; : > "$B/sk.zero"; : > "$B/sk.ge"; : > "$B/sk.max"; : > "$B/sk.surv"; : > "$B/sk.fork"
    prev=""; removed=0; lost=0
    for i in $(seq "$STORM_RUNS"); do
        rm -f "$d/go" "$d/watch"
        [ "$i" = 1 ] || w "$d" start storm >/dev/null
        wait_until 10 "p=\$(svc $d storm pid); [ -n \"\$p\" ] && [ \"\$p\" != 0 ] && [ \"\$p\" != '$prev' ]" || \
            { tail -n 20 "$d/out"; echo "bench: stormkill: the storm did not start" >&2; exit 1; }
        # shellcheck disable=SC2154 # p is set by the wait_until condition (eval)
        prev=$p
        "$BIN/stormwatch" "$p" 1000 "$d/go" "$d/watch" "$STORM_POLL_US" 20 || { echo "bench: stormwatch failed" >&2; exit 1; }
        wait_until 10 "[ \"\$(svc $d storm state)\" = failed ]" || { echo "bench: stormkill: state $(svc "$d" storm state)" >&2; exit 1; }
        # survivors: live processes (zombies count as dead) running this storm's command. The
        # pattern "cros[s]" does not match grep's own command line, which the glob may list.
        surv=$(grep -l "$d/cros[s]" /proc/[0-9]*/cmdline 2>/dev/null | sed 's,^/proc/\([0-9]*\)/cmdline$,\1,' | \
            { while read -r q; do pids_alive "$q"; done; } | wc -l)
        echo "$surv" >> "$B/sk.surv"
        read -r s c rt < "$d/cross" || { lost=$((lost + 1)); continue; }
        echo "$i $rt" >> "$d/rt"
        read -r ge unpop zero maxp how frz frozen < "$d/watch"
        [ "$how" = removed ] && removed=$((removed + 1))
        [ "$zero" = 0 ] && { lost=$((lost + 1)); continue; }
        awk -v c="$c" -v s="$s" -v ge="$ge" -v u="$unpop" -v z="$zero" -v m="$maxp" -v fz="$frz" -v fd="$frozen" -v f="$B/sk" 'BEGIN {
            if (fz > 0) printf "%.3f\n", (fz - c) / 1e6 >> (f ".freeze")
            if (fd > 0) printf "%.3f\n", (fd - c) / 1e6 >> (f ".frozen")
            printf "%.3f\n", (z - c) / 1e6 >> (f ".zero")
            if (u > 0) printf "%.3f\n", (u - c) / 1e6 >> (f ".unpop")
            if (ge > 0) printf "%.3f\n", (ge - c) / 1e6 >> (f ".ge")
            printf "%.1f\n", (c - s) / 1e6 >> (f ".fork")
            print m >> (f ".max") }'
    done
    events "$d" storm > "$d/events"
    awk '$2 == "process-storm" { t0 = $1; open = 1; next }
        open && $2 == "failed" { printf "%d\n", ($1 - t0) * 1000 + 0.5; open = 0 }' "$d/events" > "$B/sk.journal"
    # the forker's CLOCK_REALTIME crossing against the journal's process-storm time (ms
    # precision, seconds of the day): the i-th event belongs to the i-th run
    awk 'NR == FNR { rt[$1] = ($2 / 1e9) % 86400; next }
        $2 == "process-storm" && (++k in rt) { d = $1 % 86400 - rt[k]; if (d < -43200) d += 86400
            printf "%.1f\n", d * 1000 }' "$d/rt" "$d/events" > "$B/sk.detect"
    w "$d" events storm --json | grep '"type": *"process-storm"' | \
        sed -n 's/.*"pids": *\([0-9]*\).*"frozen": *\([a-z]*\).*/\1 \2/p' > "$d/storm_ev"
    awk '{ print $1 }' "$d/storm_ev" > "$B/sk.evpids"
    frozen=$(awk '$2 == "true"' "$d/storm_ev" | wc -l)
    end_pid "$DPID" "$d/w.conf"
    stop_load
    rm -rf "$d"
    note "# stormkill: $STORM_RUNS storms of 'stormfork $STORM_N' (pids_max 1500, pids_kill 1000, restart never); stormwatch polls every ${STORM_POLL_US} us and on cgroup.events changes"
    note "# stormkill: runs without a measurement: $lost; runs where the cgroup was removed before pids.current read 0: $removed; process-storm events with frozen = true: $frozen of $(wc -l < "$B/sk.evpids")"
    row stormkill "pids_kill crossing -> cgroup unpopulated, ms" "$B/sk.unpop" "<= 100"
    row stormkill "pids_kill crossing -> pids.current 0 (reaped), ms" "$B/sk.zero" "<= 100"
    row stormkill "survivors after each kill (total $(awk '{ s += $1 } END { print s + 0 }' "$B/sk.surv"))" "$B/sk.surv" "0"
    row stormkill "crossing -> watcher reads pids >= 1000, ms" "$B/sk.ge" "-"
    row stormkill "most processes seen in the cgroup" "$B/sk.max" "-"
    row stormkill "processes in the process-storm event" "$B/sk.evpids" "-"
    row stormkill "crossing -> cgroup.freeze reads 1 (warden acts), ms" "$B/sk.freeze" "-"
    row stormkill "crossing -> cgroup.events frozen 1, ms" "$B/sk.frozen" "-"
    row stormkill "crossing -> process-storm event (journal ms)" "$B/sk.detect" "-"
    row stormkill "process-storm -> failed, journal ms" "$B/sk.journal" "-"
    row stormkill "storm: time to fork 999, ms" "$B/sk.fork" "-"
}

# ---- 7. warden's CPU time: a service of 1 vs 5,000 processes ----
# CPUSCALE_RUNS daemons per size, all in parallel, one CPUSCALE_WINDOW_S window: the
# forker's processes sleep, memory_max makes the guard sample (every 1 s far from every
# threshold). CPU = se.sum_exec_runtime of /proc/PID/sched, read at the window's ends.

bench_cpuscale() {
    [ -r /proc/self/sched ] || { note "# cpuscale: no /proc/PID/sched (CONFIG_SCHED_DEBUG): skipped"; return 0; }
    for run in $(seq "$CPUSCALE_RUNS"); do
        for n in 0 "$CPUSCALE_N"; do
            d=$B/cpu-$n-$run; mkdir -p "$d"
            { conf_head "$d"
              printf '[service big]\ncommand = %s/forker %s\npids_max = %s\nmemory_max = 2G\n' "$HELPERS" "$n" "$CPUSCALE_PIDS_MAX"; } > "$d/w.conf"
            start_daemon "$d"
            echo "$DPID" > "$d/pid"; echo "$n" > "$d/n"
        done
    done
    for d in "$B"/cpu-*; do
        n=$(cat "$d/n")
        wait_until 120 "grep -q 'forker: forked' '$d/out'" || { tail "$d/out"; echo "bench: cpuscale: forker $n did not report" >&2; exit 1; }
        grep -q "forker: forked $n failed 0" "$d/out" || note "# cpuscale: $(grep 'forker: forked' "$d/out")"
    done
    sleep 2 # the last forks' SIGCHLD-free settling; warden's sampling is at its 1 s pace by now
    for d in "$B"/cpu-*; do
        w "$d" status big --json | sed -n 's/^ *"current": \([0-9]*\),\{0,1\}$/\1/p' | tail -n 1 > "$d/pids"
        awk '/^se.sum_exec_runtime/ { print $3 }' "/proc/$(cat "$d/pid")/sched" > "$d/cpu0"
        now_ms > "$d/t0"
    done
    sleep "$CPUSCALE_WINDOW_S"
    for d in "$B"/cpu-*; do
        awk '/^se.sum_exec_runtime/ { print $3 }' "/proc/$(cat "$d/pid")/sched" > "$d/cpu1"
        now_ms > "$d/t1"
    done
    : > "$B/cs.1"; : > "$B/cs.n"; : > "$B/cs.pids"
    for d in "$B"/cpu-*; do
        n=$(cat "$d/n"); f=$B/cs.1; [ "$n" = 0 ] || { f=$B/cs.n; cat "$d/pids" >> "$B/cs.pids"; }
        # ms of CPU, scaled to exactly the window (the reads are a few ms apart)
        awk -v a="$(cat "$d/cpu0")" -v b="$(cat "$d/cpu1")" -v t0="$(cat "$d/t0")" -v t1="$(cat "$d/t1")" -v w="$CPUSCALE_WINDOW_S" \
            'BEGIN { printf "%.2f\n", (b - a) * w * 1000 / (t1 - t0) }' >> "$f"
        end_pid "$(cat "$d/pid")" "$d/w.conf"
    done
    rm -rf "$B"/cpu-*
    m1=$(stats "$B/cs.1" | awk '{ print $2 }'); mn=$(stats "$B/cs.n" | awk '{ print $2 }')
    ratio=$(awk -v a="$m1" -v b="$mn" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')
    ok=$(awk -v r="$ratio" 'BEGIN { print (r != "-" && r >= 0.8 && r <= 1.2) ? "✓" : "✗" }')
    tot=$(awk 'NR == FNR { a += $1; next } { b += $1 } END { if (a > 0) printf "%.2f", b / a; else print "-" }' "$B/cs.1" "$B/cs.n")
    note "# cpuscale: $CPUSCALE_RUNS daemons per size in parallel, one ${CPUSCALE_WINDOW_S} s window; service = forker 0 (1 process) or forker $CPUSCALE_N; pids_max $CPUSCALE_PIDS_MAX, memory_max 2G"
    note "# cpuscale: CPU ratio $(( CPUSCALE_N + 1 )) / 1 process: of the medians $ratio (target within 20%: 0.8..1.2 $ok), of the totals $tot"
    row cpuscale "processes in the big service's cgroup" "$B/cs.pids" "-"
    row cpuscale "warden CPU ms in ${CPUSCALE_WINDOW_S} s, 1 process" "$B/cs.1" "-"
    row cpuscale "warden CPU ms in ${CPUSCALE_WINDOW_S} s, $(( CPUSCALE_N + 1 )) processes" "$B/cs.n" "within 20% of 1-process"
}

# logflood: what a service writing stdout as fast as it can (yes: 8 KiB writes of "y\n")
# costs warden with capture on (defaults: 16M x 4, 1000 lines/s, 1 MiB/s), and what it
# lets onto the disk. Over the rate limit warden stops reading the pipe for LOGS_PAUSE_MS.
bench_logflood() {
    : > "$B/lf.cpu"; : > "$B/lf.disk"; : > "$B/lf.kept"
    for run in $(seq "$LOGFLOOD_RUNS"); do
        d=$B/lf-$run; mkdir -p "$d"
        { conf_head "$d"; printf '[service flood]\ncommand = yes\nmemory_max = 64M\npids_max = 16\n'; } > "$d/w.conf"
        start_daemon "$d"
        wait_until 10 "[ -s '$d/state/logs/flood.log' ]" || { echo "bench: logflood: no log file" >&2; exit 1; }
        a=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat"); t0=$(now_ms)
        sleep "$LOGFLOOD_WINDOW_S"
        b=$(awk '{ print $14 + $15 }' "/proc/$DPID/stat"); t1=$(now_ms)
        hz=$(getconf CLK_TCK)
        awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
            'BEGIN { printf "%.1f\n", (b - a) * 1000 / hz * 1000 / (t1 - t0) }' >> "$B/lf.cpu"
        kept=$(w "$d" status flood --json | sed -n 's/^ *"written_lines": \([0-9]*\),\{0,1\}$/\1/p')
        dropped=$(w "$d" status flood --json | sed -n 's/^ *"dropped_lines": \([0-9]*\),\{0,1\}$/\1/p')
        echo "$kept" >> "$B/lf.kept"
        du -sk "$d/state/logs" | awk '{ print $1 }' >> "$B/lf.disk"
        note "# logflood run $run: $kept lines kept, $dropped dropped"
        end_pid "$DPID" "$d/w.conf"
        rm -rf "$d"
    done
    note "# logflood: service = yes with default capture, ${LOGFLOOD_WINDOW_S} s window per run, CPU from /proc/PID/stat (clock ticks)"
    row logflood "warden CPU ms per second under the flood" "$B/lf.cpu" "bounded (< 1 core)"
    row logflood "lines kept in the file" "$B/lf.kept" "-"
    row logflood "disk used by the logs (KiB)" "$B/lf.disk" "<= 65536 (16M x 4)"
}

# zerodrop: clients stream 2 MiB responses from examples/streamd while it leaks 2 MiB per
# request toward memory_max (64M), three ways: (1) nothing but the kernel's OOM killer at
# memory_max (warden only restarts it, as a restart policy would); (2) warden's
# memory_restart at 40M, the server binding its own port; (3) the same with `listen`:
# warden holds the port. Counts streams completed, cut and connections refused, and the
# restarts the leak caused (OOM kills, or memory-restart events). A fourth line, without
# the leak: `warden restart` every 2 s with listen + ready = notify, i.e. overlap restarts
# (the replacement ready before the old instance is told to go); restarts = retired events.
zerodrop_mode() { # MODE NAME: one run; appends "NAME restarts completed cut refused worst_ms"
    _m=$1; _name=$2
    d=$B/zd-$_m; mkdir -p "$d"
    _port=$(( 21000 + ($$ + _m) % 9000 ))
    _leak=2048; [ "$_m" -ge 4 ] && _leak=0
    { conf_head "$d"
      printf '[service stream]\ncommand = %s/streamd --port %s --leak-kb %s --kb 2048\n' "$HELPERS" "$_port" "$_leak"
      printf 'memory_max = 64M\npids_max = 300\nrestart = always\nbackoff = 10ms..100ms\ndrain = 10s\nlog_max = off\n'
      [ "$_m" -ge 2 ] && [ "$_m" -le 3 ] && printf 'memory_restart = 40M\n'
      [ "$_m" -ge 3 ] && printf 'listen = tcp:127.0.0.1:%s\n' "$_port"
      [ "$_m" = 4 ] && printf 'ready = notify\n'
      [ "$_m" = 5 ] && printf 'ready = http:/healthz\n'
    } > "$d/w.conf"
    start_daemon "$d"
    wait_until 10 "[ \"\$(svc "$d" stream state)\" = running ]" || { cat "$d/out"; echo "bench: zerodrop: streamd did not start" >&2; exit 1; }
    sleep 0.3
    if [ "$_m" -ge 4 ]; then # an operator's restart every 2 s: overlap restarts under load
        ( _end=$(( $(date +%s) + ZERODROP_SECONDS - 2 ))
          while [ "$(date +%s)" -lt "$_end" ]; do sleep 2; w "$d" restart stream >/dev/null; done ) &
        _rl=$!
    fi
    _r=$("$BIN/streamload" "$_port" "$ZERODROP_CLIENTS" "$ZERODROP_SECONDS" 2048)
    [ "$_m" -ge 4 ] && wait "$_rl"
    if [ "$_m" -ge 4 ]; then
        _n=$(w "$d" events stream --json | grep -c '"type": *"retired"')
    elif [ "$_m" = 1 ]; then
        _n=$(w "$d" events stream --json | grep '"type": *"exit"' | grep -c '"kind": *"oom-killed"')
    else
        _n=$(w "$d" events stream --json | grep -c '"type": *"memory-restart"')
    fi
    echo "$_name $_n $(echo "$_r" | awk '{ print $2, $4, $6, $8 }')" >> "$B/zd.table"
    end_pid "$DPID" "$d/w.conf"
    rm -rf "$d"
}

bench_zerodrop() {
    build_bench_helpers
    [ -x "$HELPERS/streamd" ] || { echo "bench: zerodrop needs $HELPERS/streamd (make all)" >&2; exit 1; }
    : > "$B/zd.table"
    zerodrop_mode 1 "oom-killer-at-memory_max"
    zerodrop_mode 2 "memory_restart,no-listen"
    zerodrop_mode 3 "memory_restart+listen"
    zerodrop_mode 4 "restart+listen+ready(overlap)"
    zerodrop_mode 5 "restart+listen+ready=http"
    note "# zerodrop: $ZERODROP_CLIENTS clients x ${ZERODROP_SECONDS} s per line, 2 MiB streams (64 KiB per 10 ms); streamd leaks 2 MiB per request; memory_max 64M, memory_restart 40M, backoff 10ms..100ms, drain 10s"
    printf '%-30s %9s %10s %6s %8s %14s\n' mode restarts completed cut refused worst_wait_ms | tee -a "$B/notes"
    while read -r _a _b _c _d _e _f; do
        printf '%-30s %9s %10s %6s %8s %14s\n' "$_a" "$_b" "$_c" "$_d" "$_e" "$_f" | tee -a "$B/notes"
    done < "$B/zd.table"
}

# soak: bench/soak.sh (its own daemon, scratch dir and cleanup); its table goes to the notes.
# A failed soak (RSS or fds grew) fails the run.
bench_soak() {
    HELPERS=$HELPERS sh "$here/soak.sh" "$WARDEN" > "$B/soak.out" 2>&1
    _rc=$?
    sed 's/^/# soak: /' "$B/soak.out" | tee -a "$B/notes"
    [ "$_rc" = 0 ] || { echo "bench: soak failed (rc $_rc)" >&2; exit 1; }
}

# ---- idle: warden's CPU with 10 idle services (history recorded each second) ----

# cpu_ns PID: time on CPU so far (ns), from /proc/PID/schedstat (utime/stime tick in 10 ms).
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }

bench_idle() {
    note "# idle: $IDLE_RUNS runs; each: 10 x 'sleep 100000' (no guards; history at 1 s), 5 s to settle, then CPU over $IDLE_WINDOW_S s (schedstat), as ms per minute"
    : > "$B/idle.ms"
    for run in $(seq "$IDLE_RUNS"); do
        d=$B/idle$run; mkdir -p "$d"
        start_idle_daemon "$d"
        sleep 5
        c0=$(cpu_ns "$DPID"); t0=$(date +%s%N)
        sleep "$IDLE_WINDOW_S"
        c1=$(cpu_ns "$DPID"); t1=$(date +%s%N)
        awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f\n", c / 1e6 * 60e9 / t }' >> "$B/idle.ms"
        end_pid "$DPID" "$d/w.conf"
        rm -rf "$d"
    done
    row idle "warden CPU ms per minute, 10 idle services" "$B/idle.ms" "<= 5"
}

# ---- main ----

started=$(date +%s)
echo "warden bench: $("$WARDEN" version) on $(uname -r), $(nproc) cores; running: $SELECTED"
printf '%-10s %-50s %8s %8s %8s %8s %3s  %s\n' bench metric min median p99 max n target | tee -a "$B/table"
case " $SELECTED " in *" rss "*) bench_rss ;; esac
case " $SELECTED " in *" idle "*) bench_idle ;; esac
case " $SELECTED " in *" fail "*) bench_fail ;; esac
case " $SELECTED " in *" stop "*) bench_stop ;; esac
case " $SELECTED " in *" tree "*) bench_tree ;; esac
case " $SELECTED " in *" memrestart "*) bench_memrestart ;; esac
case " $SELECTED " in *" memsampled "*) bench_memrestart memsampled ;; esac
case " $SELECTED " in *" stormkill "*) bench_stormkill ;; esac
case " $SELECTED " in *" cpuscale "*) bench_cpuscale ;; esac
case " $SELECTED " in *" logflood "*) bench_logflood ;; esac
case " $SELECTED " in *" zerodrop "*) bench_zerodrop ;; esac
case " $SELECTED " in *" soak "*) bench_soak ;; esac
{
    echo "warden bench $(date -u +%Y-%m-%dT%H:%M:%SZ): $("$WARDEN" version) on $(uname -r), $(nproc) cores, $(( $(date +%s) - started )) s"
    echo "benchmarks: $SELECTED"
    echo
    cat "$B/table"
    echo
    cat "$B/notes"
} > "$RESULTS"
echo
echo "results in $RESULTS ($(( $(date +%s) - started )) s)"
