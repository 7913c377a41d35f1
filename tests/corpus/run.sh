#!/bin/sh
# SPDX-License-Identifier: MIT
# The workload corpus (issue 11, "Proof"): real programs (Node, Python, memcached, sh) run
# under the real warden, each case with its own scratch dir, state dir, socket and daemon,
# and judged against the case's `expect` file by judge.py. POSIX sh; cases run in parallel.
#
# Usage: sh tests/corpus/run.sh [CASE...]        (default: every directory with an expect)
# Env:   WARDEN, HELPERS (required, as for tests/integration/run.sh); CORPUS_OUT (write the
#        results there as TSV); CORPUS_JOBS (parallel cases, default 4); CORPUS_KEEP (a dir:
#        keep each case's journal, report, status and samples there); NODE, PYTHON, JAVA
#        (the interpreters; default: node and java from PATH, /usr/bin/python3, else
#        python3 from PATH).
# Prints one line per case, "ok|FAIL NAME: exit=... runtime_oom=... verdict=... first_rec=..."
# (want/seen and warden's evidence below a FAIL), then "corpus: N passed, N failed".
# Exit: 0 all passed, 1 a case failed, 2 usage (no warden, no python3).
#
# A case's directory holds its workload, `service.conf` (one [service NAME] section, NAME
# the directory's name) and `expect` (key=value). Placeholders in service.conf: @PORT@ (a
# free loopback port above 20000, picked at run time), @DIR@ (the case's directory),
# @CORPUS@ (this directory), @TMP@ (the case's scratch dir), @NODE@, @PYTHON@, @JAVA@,
# @HELPERS@.
# Keys that steer the run (the rest are expectations, see judge.py and README.md):
#   build=CMD         run CMD (placeholders filled) before the daemon starts; GOCACHE and
#                     GOPATH point into the scratch dir
#   requires=CMD...   skip the case when one is missing (a name on PATH or an absolute path)
#   min_s=N           observe at least N s (the workload needs time to pass)
#   wait_exits=N      wait until the journal has N exit events
#   wait_event=TYPE   wait until the journal has an event of TYPE
#   listener_at_s=N   at N s take the judgement snapshot, then start the case's listener.py
#                     on @PORT@; wait until an instance has run 2 s (measures back_within_s)
#   deadline_s=N      stop waiting after N s, whatever was seen
#   desc=TEXT, order=N  the README table's description and row order
# A case also ends when its service reaches `failed` and the case expects never_failed=yes.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# now_ms: milliseconds from /proc/uptime (busybox date lacks %N on some builds).
now_ms() {
    awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# wait_until SECONDS 'shell condition': poll every 20 ms against a deadline.
wait_until() {
    _secs=$1; shift
    _end=$(( $(date +%s) + _secs ))
    while :; do
        if eval "$*"; then return 0; fi
        [ "$(date +%s)" -ge "$_end" ] && return 1
        sleep 0.02
    done
}

# have CMD: a name on PATH or an executable path.
have() {
    case $1 in
    /*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

# find_python: the interpreter the workloads and the judge run with. Debian's own first;
# else the real binary behind python3 on PATH (a pyenv shim would add a bash per start).
find_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; return; fi
    have python3 && python3 -c 'import sys; print(sys.executable)'
}

# exp KEY: the value of KEY in the current case's expect file (empty when absent).
exp() {
    sed -n "s/^$1=//p" "$dir/expect" | head -n 1
}

# free_port: a loopback TCP port above 20000 that nothing holds now (random, so parallel
# cases do not pick the same one).
free_port() {
    "$PY" -c 'import random, socket
for _ in range(500):
    p = random.randint(20001, 60999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break'
}

# fill: stdin with the placeholders replaced.
fill() {
    sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@CORPUS@|$here|g" -e "s|@TMP@|$T|g" \
        -e "s|@NODE@|$NODE|g" -e "s|@PYTHON@|$PY|g" -e "s|@HELPERS@|$HELPERS|g" \
        -e "s|@JAVA@|$JAVA|g"
}

# ---- one case (run.sh --one NAME RESULTS_DIR): everything below runs in its own process

# sample: one status poll, appended to $T/samples as "t_ms state crash_looping uptime_s".
sample() {
    "$WARDEN" status "$name" --json >"$T/st.json" 2>/dev/null
    st=$(sed -n '/"services"/,$p' "$T/st.json" | sed -n 's/^ *"state": *"\([a-z-]*\)".*/\1/p' | head -n 1)
    up=$(sed -n '/"services"/,$p' "$T/st.json" | sed -n 's/^ *"uptime_s": *\([0-9.]*\).*/\1/p' | head -n 1)
    cl=0
    grep -q '"crash_looping": *true' "$T/st.json" && cl=1
    st=${st:-unknown} up=${up:-0}
    echo "$(now_ms) $st $cl $up" >>"$T/samples"
}

# journal_count TYPE: events of TYPE for this service so far.
journal_count() {
    "$WARDEN" events "$name" --json 2>/dev/null | grep -c "\"type\": *\"$1\""
}

# snapshot PREFIX: the report, status and journal as they are now.
snapshot() {
    "$WARDEN" report "$name" --json -c "$conf" >"$T/$1.report.json" 2>"$T/$1.report.err"
    "$WARDEN" status "$name" --json >"$T/$1.status.json" 2>/dev/null
    "$WARDEN" events "$name" --json >"$T/$1.events.json" 2>/dev/null
}

# open_listener: start the case's "database" and wait until it listens.
open_listener() {
    "$PY" "$dir/listener.py" "$port" >"$T/listener.out" 2>&1 &
    LISTENER_PID=$!
    wait_until 5 "grep -q ' up on ' '$T/listener.out'" ||
        echo "listener did not come up: $(cat "$T/listener.out")" >>"$T/harness.log"
    t_open=$(now_ms)
}

svc_stopped() {
    "$WARDEN" status "$name" --json 2>/dev/null | grep -q '"state": *"stopped"'
}

# teardown: warden stop (warden kills the service's cgroup), SIGTERM to the daemon, the
# listener by pid; then look for any process still carrying this case's marker.
teardown() {
    [ -n "$torn" ] && return
    torn=1
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        timeout 30 "$WARDEN" stop "$name" >>"$T/harness.log" 2>&1
        # (at the outer deadline the daemon got the SIGTERM too and is stopping on its own)
        wait_until 15 "svc_stopped || ! kill -0 $DAEMON_PID 2>/dev/null" ||
            echo "stop: not stopped after 15 s" >>"$T/harness.log"
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait_until 20 "! kill -0 $DAEMON_PID 2>/dev/null" || kill -KILL "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
    fi
    if [ -n "$LISTENER_PID" ]; then
        kill -TERM "$LISTENER_PID" 2>/dev/null
        wait "$LISTENER_PID" 2>/dev/null
    fi
    left=""
    for p in /proc/[0-9]*; do
        grep -qz "^WARDEN_CORPUS_CASE=$marker\$" "$p/environ" 2>/dev/null && left="$left ${p#/proc/}"
    done
    # processes found by marker are reported, never killed: killing by what a process
    # looks like is how a harness hits someone else's
    [ -n "$left" ] && echo "leftovers=${left# }" >>"$T/meta"
}

case_cleanup() {
    teardown
    if [ ! -s "$R/$name.line" ]; then
        why=$(tail -n 1 "$T/harness.log" 2>/dev/null)
        grep -q 'killed at the deadline' "$T/harness.log" 2>/dev/null && why="killed at the outer deadline"
        echo "FAIL $name: harness aborted ($why)" >"$R/$name.line"
        printf '%s\tFAIL\t-\t-\t-\t-\t\t\tharness aborted\t%s\n' "$name" "$(exp desc)" >"$R/$name.tsv"
    fi
    if [ -n "${CORPUS_KEEP:-}" ]; then
        mkdir -p "$CORPUS_KEEP/$name" && cp -r "$T"/. "$CORPUS_KEEP/$name/" 2>/dev/null
    fi
    rm -rf "$T"
}

case_main() {
    name=$1 R=$2 dir=$here/$1
    T=$(mktemp -d /tmp/warden-corpus.XXXXXX)
    DAEMON_PID="" LISTENER_PID="" torn="" t_open=""
    marker="$name.$$"
    trap case_cleanup EXIT
    trap 'echo "killed at the deadline" >>"$T/harness.log"; exit 124' TERM INT HUP
    export WARDEN_SOCKET="$T/warden.sock"
    unset NODE_OPTIONS
    port=$(free_port)
    [ -n "$port" ] || { echo "no free port" >>"$T/harness.log"; exit 1; }
    conf="$T/corpus.conf"
    { printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n' "$T" "$WARDEN_SOCKET"
      fill <"$dir/service.conf"; } >"$conf"
    build=$(exp build | fill)
    if [ -n "$build" ]; then
        GOCACHE="$T/gocache" GOPATH="$T/gopath" sh -c "$build" >"$T/build.out" 2>&1 ||
            { echo "build failed: $(tail -n 2 "$T/build.out" | tr '\n' ' ')" >>"$T/harness.log"; exit 1; }
    fi
    WARDEN_CORPUS_CASE=$marker "$WARDEN" daemon -c "$conf" >"$T/daemon.out" 2>&1 &
    DAEMON_PID=$!
    wait_until 10 "[ -S '$WARDEN_SOCKET' ]" || { echo "daemon did not come up: $(tail -n 3 "$T/daemon.out")" >>"$T/harness.log"; exit 1; }
    min_ms=$(( ${min_s:-0} * 1000 )) dl_ms=$(( ${deadline_s:-60} * 1000 ))
    t0=$(now_ms) back_s="" end=""
    while :; do
        sample
        el=$(( $(now_ms) - t0 ))
        if [ "$st" = failed ] && [ "$(exp never_failed)" = yes ]; then end=failed; break; fi
        if [ -n "$listener_at_s" ] && [ -z "$t_open" ] && [ "$el" -ge $(( listener_at_s * 1000 )) ]; then
            snapshot judge
            open_listener
            sleep 0.5
            continue # judge "back" only on samples taken after the port opened
        fi
        # back: the first instance seen running 2 s; its start time minus the port's opening
        if [ -n "$t_open" ] && [ -z "$back_s" ] && [ "$st" = running ] &&
                awk -v u="$up" 'BEGIN { exit !(u >= 2) }'; then
            back_s=$(awk -v now="$(now_ms)" -v u="$up" -v o="$t_open" \
                    'BEGIN { b = (now - u * 1000 - o) / 1000; printf "%.1f\n", b < 0 ? 0 : b }')
        fi
        done=1
        [ "$el" -ge "$min_ms" ] || done=0
        [ -n "$wait_exits" ] && [ "$(journal_count exit)" -lt "$wait_exits" ] && done=0
        [ -n "$wait_event" ] && [ "$(journal_count "$wait_event")" -lt 1 ] && done=0
        [ -n "$listener_at_s" ] && [ -z "$back_s" ] && done=0
        [ "$done" = 1 ] && { end=conditions; break; }
        [ "$el" -ge "$dl_ms" ] && { end=deadline; break; }
        sleep 0.5
    done
    exits=$(journal_count exit)
    snapshot final
    elapsed=$(( ($(now_ms) - t0) / 1000 ))
    { echo "end=$end"; echo "elapsed_s=$elapsed"; echo "exits=$exits"; echo "port=$port"
      [ -n "$t_open" ] && echo "t_open_ms=$t_open"
      [ -n "$back_s" ] && echo "back_s=$back_s"; } >"$T/meta"
    teardown
    "$PY" "$here/judge.py" "$name" "$dir/expect" "$T" "$R/$name.tsv" >"$R/$name.line.tmp" 2>&1
    mv "$R/$name.line.tmp" "$R/$name.line"
}

if [ "${1:-}" = --one ]; then
    dir=$here/$2
    min_s=$(exp min_s) deadline_s=$(exp deadline_s) wait_exits=$(exp wait_exits)
    wait_event=$(exp wait_event) listener_at_s=$(exp listener_at_s)
    case_main "$2" "$3"
    exit 0
fi

# ---- the corpus: every case, CORPUS_JOBS at a time, the longest first

: "${WARDEN:?set WARDEN to the warden binary}"
: "${HELPERS:?set HELPERS to the helpers dir}"
PY=$(find_python)
[ -n "$PY" ] || { echo "corpus: no python3 (the judge needs it)" >&2; exit 2; }
NODE=${NODE:-$(command -v node || true)}
JAVA=${JAVA:-$(command -v java || true)}
export WARDEN HELPERS PY NODE JAVA
jobs=${CORPUS_JOBS:-4}
if [ $# -gt 0 ]; then
    cases="$*"
else
    cases=$(for e in "$here"/*/expect; do
        d=$(dirname "$e")
        echo "$(sed -n 's/^deadline_s=//p' "$e" | head -n 1) $(basename "$d")"
    done | sort -rn | awk '{ print $2 }')
fi
res=$(mktemp -d /tmp/warden-corpus-res.XXXXXX)
echo "corpus: $("$WARDEN" version) on $(uname -r); node ${NODE:-none}, python $PY; $jobs at a time"
pass=0 fail=0 running="" order=""

# finish PID NAME: reap one case and print its result.
finish() {
    wait "$1"
    _rc=$?
    if [ -s "$res/$2.line" ]; then
        cat "$res/$2.line"
    else
        echo "FAIL $2: no result (harness rc $_rc)"
        printf '%s\tFAIL\t-\t-\t-\t-\t\t\tno result\t\n' "$2" >"$res/$2.tsv"
    fi
    case $(head -n 1 "$res/$2.line" 2>/dev/null) in
    ok*) pass=$((pass + 1)) ;;
    skip*) ;;
    *) fail=$((fail + 1)) ;;
    esac
}

# count_running: the cases running now.
count_running() {
    # shellcheck disable=SC2086 # one word per job
    set -- $running
    echo $#
}

# reap: finish every case that has ended; prints the jobs still running.
reap() {
    _still=""
    for _j in $running; do
        if kill -0 "${_j%%:*}" 2>/dev/null; then
            _still="$_still $_j"
        else
            finish "${_j%%:*}" "${_j#*:}"
        fi
    done
    running=$_still
}

for name in $cases; do
    dir=$here/$name
    if [ ! -f "$dir/expect" ] || [ ! -f "$dir/service.conf" ]; then
        echo "FAIL $name: no such case"; fail=$((fail + 1)); continue
    fi
    missing=""
    for r in $(exp requires); do
        case $r in
        node) [ -n "$NODE" ] || missing="$missing node" ;;
        java) [ -n "$JAVA" ] || missing="$missing java" ;;
        python3) ;; # found above: the judge needs it too
        *) have "$r" || missing="$missing $r" ;;
        esac
    done
    if [ -n "$missing" ]; then
        echo "skip $name: missing$missing" | tee "$res/$name.line"
        printf '%s\tskip\t-\t-\t-\t-\t\t\tmissing%s\t%s\n' "$name" "$missing" "$(exp desc)" >"$res/$name.tsv"
        order="$order $name"
        continue
    fi
    while [ "$(count_running)" -ge "$jobs" ]; do
        reap
        [ "$(count_running)" -ge "$jobs" ] && sleep 0.2
    done
    # a hung case is ended (SIGTERM: it cleans up its own daemon) well after its deadline
    limit=$(( $(exp deadline_s) + 60 ))
    timeout -k 15 "$limit" sh "$0" --one "$name" "$res" >"$res/$name.out" 2>&1 &
    running="$running $!:$name"
    order="$order $name"
done
while [ -n "$running" ]; do
    reap
    [ -n "$running" ] && sleep 0.2
done
if [ -n "${CORPUS_OUT:-}" ]; then
    { printf 'case\tresult\texit_kind\truntime_oom\tverdict\tfirst_rec\texit_reason\tsecs\tmismatches\tdesc\n'
      # rows in the cases' order= (the issue's order), then by name
      for name in $order; do
          o=$(sed -n 's/^order=//p' "$here/$name/expect" 2>/dev/null | head -n 1)
          printf '%s\t' "${o:-999}"
          cat "$res/$name.tsv" 2>/dev/null || echo
      done | sort -t "$(printf '\t')" -k1,1n -k2,2 | cut -f 2-; } >"$CORPUS_OUT"
fi
rm -rf "$res"
echo "corpus: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
