#!/bin/sh
# SPDX-License-Identifier: MIT
# warden soak: one daemon supervising the attack run's mix (a crash loop, a leak recycled by
# memory_restart, a log flood, a forker held at pids_max) while a client loop runs status,
# events, report and metrics, for SOAK_SECONDS (600). Prints warden's RSS, fds and CPU after
# the warm-up and at the end, and exits 1 when RSS grew by more than SOAK_RSS_TOL_KB or the
# fd count grew at all. See bench/README.md ("soak").
#
#   sh bench/soak.sh [WARDEN_BINARY]
#
# Env: SOAK_SECONDS (600, whole run), SOAK_WARMUP_S (10 % of the run, at least 20 s, at most
# half), SOAK_SAMPLE_S (5, between samples), SOAK_RSS_TOL_KB (64), SOAK_CLI_PAUSE_S (0.1,
# between rounds of the client loop; 0 = flat out, about 200 calls/s here), HELPERS (static test
# helpers: hog, forker; default the binary's dir/helpers).
# Needs root for the caps to be enforced (cgroups). Everything it starts is stopped by pid on
# exit (the daemon removes its services' cgroups), and its scratch dir is removed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
WARDEN=${1:-${WARDEN:-$here/../build/warden}}
case $WARDEN in /*) ;; *) WARDEN=$(pwd)/$WARDEN ;; esac
HELPERS=${HELPERS:-$(dirname "$WARDEN")/helpers}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_SAMPLE_S=${SOAK_SAMPLE_S:-5}
SOAK_CLI_PAUSE_S=${SOAK_CLI_PAUSE_S:-0.1}
# 64 kB = 16 pages, the kernel's fault-around window: one code path the daemon runs for the
# first time after the warm-up (a rare error branch) maps up to 64 kB of the binary at once
# and that is not a leak. A leak of 100 bytes per client request is 500 kB in the ~5,000
# requests of a 10-minute run, far over it. The attack run's 10 minutes stayed within 4 kB.
SOAK_RSS_TOL_KB=${SOAK_RSS_TOL_KB:-64}
_w=$(( SOAK_SECONDS / 10 ))
[ "$_w" -lt 20 ] && _w=20
[ "$_w" -gt $(( SOAK_SECONDS / 2 )) ] && _w=$(( SOAK_SECONDS / 2 ))
SOAK_WARMUP_S=${SOAK_WARMUP_S:-$_w}

[ -x "$WARDEN" ] || { echo "soak: no warden binary at $WARDEN (make all)" >&2; exit 2; }
for h in hog forker; do
    [ -x "$HELPERS/$h" ] || { echo "soak: no $HELPERS/$h (make all, or HELPERS=DIR)" >&2; exit 2; }
done
for c in yes awk sort; do
    command -v "$c" >/dev/null 2>&1 || { echo "soak: needs $c" >&2; exit 2; }
done
[ "$SOAK_SECONDS" -ge 20 ] || { echo "soak: SOAK_SECONDS must be >= 20" >&2; exit 2; }
[ "$(id -u)" = 0 ] || echo "soak: warning: not root; cgroup limits will not be enforced" >&2

D=$(mktemp -d /tmp/warden-soak.XXXXXX)
DPID=""
CPID=""
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

now_s() { awk '{ printf "%d\n", $1 }' /proc/uptime; }

# wait_until SECONDS 'shell condition': poll every 20 ms against a deadline.
wait_until() {
    _end=$(( $(now_s) + $1 )); shift
    while :; do
        if eval "$*"; then return 0; fi
        [ "$(now_s)" -ge "$_end" ] && return 1
        sleep 0.02
    done
}

# ours PID TAG: PID is alive and its cmdline contains TAG (guards against pid reuse).
ours() {
    [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' 2>/dev/null < "/proc/$1/cmdline" | grep -qF -- "$2"
}

# end_pid PID TAG: SIGTERM, up to 20 s to go, then SIGKILL; reaps it (our child).
end_pid() {
    [ -n "$1" ] || return 0
    if ours "$1" "$2"; then
        kill -TERM "$1" 2>/dev/null
        wait_until 20 "! ours $1 '$2'" || kill -KILL "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null
    return 0
}

cleanup() {
    trap - EXIT INT TERM HUP
    rm -f "$D/cli.run"
    [ -n "$CPID" ] && wait "$CPID" 2>/dev/null # the loop ends after its current call
    end_pid "$DPID" "$D/w.conf"                # the daemon stops its services, removes cgroups
    rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

w() { WARDEN_SOCKET="$D/w.sock" "$WARDEN" "$@"; }

# state NAME: the service's state from `warden status NAME --json`.
state() {
    w status "$1" --json 2>/dev/null | sed -n '/"services"/,$p' |
        sed -n 's/^ *"state": *"\([^"]*\)".*/\1/p' | head -n 1
}

# The mix. Crash loop: exits 1 at once, short backoff (deterministic: warden keeps backing
# off, never gives up). Leak: hog touches 1 MiB every 5 ms, recycled by memory_restart at
# 64M (memory_max 256M). Flood: yes, rate-limited, into small rotating logs, so rotation runs
# every few seconds. Forker: forks until pids_max (400) refuses, then holds; the client loop
# restarts it every 10 s, so a 400-process tree is stopped and rebuilt all along.
SERVICES="crash leak flood forker"
{
    printf '[warden]\nstate_dir = %s/state\nsocket = %s/w.sock\n\n' "$D" "$D"
    printf '[service crash]\ncommand = sh -c "exit 1"\nrestart = always\nbackoff = 50ms..500ms\n'
    printf 'memory_max = 64M\npids_max = 16\nlog_max = 64K x 2\n\n'
    printf '[service leak]\ncommand = %s/hog 256 --step-ms 5\nrestart = always\n' "$HELPERS"
    printf 'backoff = 100ms..1s\nmemory_max = 256M\nmemory_restart = 64M\npids_max = 16\n\n'
    printf '[service flood]\ncommand = yes\nlog_rate = 2000/s, 64K/s\nlog_max = 64K x 2\n'
    printf 'memory_max = 64M\npids_max = 16\n\n'
    printf '[service forker]\ncommand = %s/forker 1000\nrestart = always\n' "$HELPERS"
    printf 'memory_max = 512M\npids_max = 400\nlog_max = 64K x 2\n'
} > "$D/w.conf"
w check -c "$D/w.conf" > "$D/check.out" 2>&1 || { cat "$D/check.out"; exit 2; }

"$WARDEN" daemon -c "$D/w.conf" > /dev/null 2> "$D/daemon.err" &
DPID=$!
wait_until 10 "[ -S '$D/w.sock' ]" || { cat "$D/daemon.err"; echo "soak: daemon did not come up" >&2; exit 1; }
for s in $SERVICES; do
    wait_until 10 "[ -n \"\$(state $s)\" ]" || { echo "soak: no status for $s" >&2; exit 1; }
done

# The client loop: until cli.run goes, status, events, report and metrics one after another,
# a pause, and `restart forker` every 10 s. Each call's exit code is appended to cli.rc ("CMD RC").
cli_loop() {
    _next=$(( $(now_s) + 10 ))
    while [ -e "$D/cli.run" ]; do
        for _c in "status" "status --json" "events --since 1m" "report" "metrics"; do
            # shellcheck disable=SC2086
            w $_c > /dev/null 2>&1
            echo "${_c%% *} $?" >> "$D/cli.rc"
        done
        if [ "$(now_s)" -ge "$_next" ]; then
            w restart forker > /dev/null 2>&1
            echo "restart $?" >> "$D/cli.rc"
            _next=$(( $(now_s) + 10 ))
        fi
        sleep "$SOAK_CLI_PAUSE_S" # pacing the load, not waiting for a condition
    done
}
cli_start() { : > "$D/cli.run"; cli_loop & CPID=$!; }
cli_stop() { rm -f "$D/cli.run"; wait "$CPID" 2>/dev/null; CPID=""; }
: > "$D/cli.rc"

# probe: "RSS_KB FDS CPU_TICKS" of the daemon now.
probe() {
    _rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status")
    _fds=$(ls "/proc/$DPID/fd" | wc -l)
    # utime, stime: fields 14, 15, counted after the ")" that ends the command name
    _cpu=$(sed 's/.*) //' "/proc/$DPID/stat" | awk '{ print $12 + $13 }')
    echo "$_rss $_fds $_cpu"
}

# checkpoint: the daemon with every service stopped and no client: the same state at the
# start and at the end, so per-instance fds (pipes, pidfds) and requests in flight cannot
# make a difference. checkpoint N: writes probe's line to $D/cp and the fd list to $D/fdsN
# (not run in $(...): a subshell can neither wait for the client loop nor exit the script).
checkpoint() {
    cli_stop
    for s in $SERVICES; do w stop "$s" > /dev/null 2>&1; done
    for s in $SERVICES; do
        wait_until 30 "[ \"\$(state $s)\" = stopped ] || [ \"\$(state $s)\" = failed ]" ||
            { echo "soak: $s did not stop (state $(state "$s"))" >&2; exit 1; }
    done
    sleep 0.5 # let a last reap, log flush or timer settle; a leak does not go away in 0.5 s
    probe > "$D/cp"
    # "fd -> target" lines, for the report of what grew; inode numbers of pipes and sockets
    # differ between the two points, so only their kind is kept
    for _f in "/proc/$DPID/fd"/*; do
        echo "${_f##*/} -> $(readlink "$_f" | sed 's/:\[[0-9]*\]$//')"
    done > "$D/fds$1"
}

t0=$(now_s)
echo "soak: $("$WARDEN" version) on $(uname -r), $(nproc) cores: ${SOAK_SECONDS} s, warm-up ${SOAK_WARMUP_S} s, samples every ${SOAK_SAMPLE_S} s, client pause ${SOAK_CLI_PAUSE_S} s, rss tolerance ${SOAK_RSS_TOL_KB} kB"
cli_start
sleep "$SOAK_WARMUP_S"
checkpoint 0
read -r rss0 fds0 cpu0 < "$D/cp"
for s in $SERVICES; do w start "$s" > /dev/null 2>&1; done
cli_start
t1=$(now_s)
end=$(( t0 + SOAK_SECONDS ))
: > "$D/samples"
while [ "$(( $(now_s) + SOAK_SAMPLE_S ))" -le "$end" ]; do
    sleep "$SOAK_SAMPLE_S"
    ours "$DPID" "$D/w.conf" || { cat "$D/daemon.err"; echo "soak: FAIL: the daemon died" >&2; exit 1; }
    probe >> "$D/samples"
done
_left=$(( end - $(now_s) ))
[ "$_left" -gt 0 ] && sleep "$_left" # the rest of SOAK_SECONDS, less than one sample apart
checkpoint 1
read -r rss1 fds1 cpu1 < "$D/cp"
t2=$(now_s)

# stats COLUMN: "min median max n" of one column of the samples.
stats() {
    awk -v c="$1" '{ print $c }' "$D/samples" | sort -n | awk '{ v[NR] = $1 }
        END { if (NR == 0) { print "- - - 0"; exit }
              m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%g %g %g %d\n", v[1], m, v[NR], NR }'
}
jbytes=$(cat "$D/state/journal"/* 2>/dev/null | wc -c)
jlines=$(cat "$D/state/journal"/* 2>/dev/null | wc -l)
# a bad line: not one whole record ({"seq":N,"time":"...",...}), e.g. torn or interleaved
nbad=$(cat "$D/state/journal"/* 2>/dev/null | grep -vc '^{"seq":[0-9][0-9]*,"time":"[^"]*",.*}$')
w events --json > "$D/events" 2>/dev/null
nev=$(grep -c '"type"' "$D/events")
ncli=$(wc -l < "$D/cli.rc")
nclifail=$(awk '$2 != 0' "$D/cli.rc" | wc -l)
count() { grep -c "\"type\": *\"$1\"" "$D/events"; }
ms() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%d", t * 1000 / hz }'; }

printf '\n%-34s %8s %8s %8s %4s %8s %8s\n' "warden (pid $DPID)" min median max n start end
stats 1 > "$D/st"; read -r a b c n < "$D/st"
printf '%-34s %8s %8s %8s %4s %8s %8s\n' "RSS kB (VmRSS)" "$a" "$b" "$c" "$n" "$rss0" "$rss1"
stats 2 > "$D/st"; read -r a b c n < "$D/st"
printf '%-34s %8s %8s %8s %4s %8s %8s\n' "open fds" "$a" "$b" "$c" "$n" "$fds0" "$fds1"
printf '%-34s %8s %8s %8s %4s %8s %8s\n' "CPU ms (utime+stime, cumulative)" - - - - "$(ms "$cpu0")" "$(ms "$cpu1")"
cpums=$(ms "$(( cpu1 - cpu0 ))")
echo
echo "measured window: $(( t2 - t1 )) s after a ${SOAK_WARMUP_S} s warm-up; start and end are taken with every service stopped and no client"
echo "CPU in the window: $cpums ms ($(awk -v c="$cpums" -v s="$(( t2 - t1 ))" 'BEGIN { printf "%.2f", s ? c / s / 10 : 0 }') % of one core)"
echo "journal: $jbytes bytes, $jlines lines on disk, $nbad bad; $nev events from warden events; logs $(du -sk "$D/state/logs" | awk '{ print $1 }') kB"
echo "events: $(count start) start, $(count exit) exit, $(count memory-restart) memory-restart, $(count operator) operator"
echo "client calls: $ncli, $nclifail with a nonzero exit ($(awk '$2 != 0 { n[$1]++ } END { for (c in n) printf "%s %d ", c, n[c] }' "$D/cli.rc"))"

rc=0
# the daemon's own shutdown is part of the run: SIGTERM, its exit code, and (SAN=1 builds) no
# sanitizer report in its stderr, leak reports at exit included
cli_stop
kill -TERM "$DPID" 2>/dev/null
if ! wait_until 20 "! ours $DPID '$D/w.conf'"; then
    echo "soak: FAIL: the daemon did not exit in 20 s after SIGTERM"
    rc=1
    kill -KILL "$DPID" 2>/dev/null
fi
wait "$DPID" 2>/dev/null
drc=$?
DPID=""
[ "$drc" = 0 ] || { echo "soak: FAIL: the daemon exited $drc after SIGTERM"; rc=1; }
if grep -q -e 'Sanitizer' -e 'runtime error:' "$D/daemon.err"; then
    echo "soak: FAIL: sanitizer report:"
    grep -A 20 -e 'Sanitizer' -e 'runtime error:' "$D/daemon.err" | head -n 60
    rc=1
fi
if [ "$rss1" -gt $(( rss0 + SOAK_RSS_TOL_KB )) ]; then
    echo "soak: FAIL: RSS grew from $rss0 kB to $rss1 kB (tolerance $SOAK_RSS_TOL_KB kB)"
    rc=1
fi
if [ "$fds1" -gt "$fds0" ]; then
    echo "soak: FAIL: open fds grew from $fds0 to $fds1"
    echo "    fds open at the end only (fd -> target):"
    sort "$D/fds0" > "$D/fds0.s"; sort "$D/fds1" > "$D/fds1.s"
    comm -13 "$D/fds0.s" "$D/fds1.s" | sed 's/^/    /'
    rc=1
fi
[ "$rc" = 0 ] && echo "soak: ok: RSS $rss0 -> $rss1 kB (tolerance $SOAK_RSS_TOL_KB), fds $fds0 -> $fds1"
exit "$rc"
