# Shared helpers for integration tests (POSIX sh, busybox-compatible). Source it first.
# Each test gets a private scratch dir $T with a state dir and a socket, and a cleanup
# trap that stops its own daemon by pid and removes what it created.
set -u
T=$(mktemp -d /tmp/warden-t.XXXXXX)
export WARDEN_SOCKET="$T/warden.sock"
DAEMON_PID=""

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
log() { echo "# $*"; }

cleanup() {
    _rc=$?
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait_until 20 "! kill -0 $DAEMON_PID 2>/dev/null" || kill -KILL "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID"
        _drc=$?
        if [ "$_drc" != 0 ] && [ "$_rc" = 0 ]; then
            echo "FAIL: daemon exited $_drc after SIGTERM"; tail -n 30 "$T/daemon.out"; _rc=1
        fi
    fi
    # Under SAN=1 a sanitizer report anywhere in this test's output fails it.
    # regular files only: a test's FIFO would block grep -r (busybox reads FIFOs)
    if [ -n "$(find "$T" -type f -exec grep -l -e 'Sanitizer' -e 'runtime error:' {} + 2>/dev/null)" ]; then
        echo "FAIL: sanitizer report:"
        find "$T" -type f -exec grep -h -A 20 -e 'Sanitizer' -e 'runtime error:' {} + | head -n 60
        _rc=1
    fi
    rm -rf "$T"
    exit "$_rc"
}
trap cleanup EXIT

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

# now_ms: monotonic-enough wall clock in milliseconds (busybox date lacks %N on some builds).
now_ms() {
    awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# write_conf NAME <<EOF ... : writes $T/NAME.conf with [warden] pointing into $T, then
# the caller's body.
write_conf() {
    _f="$T/$1.conf"
    { printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n' "$T" "$WARDEN_SOCKET"; cat; } > "$_f"
    echo "$_f"
}

# start_daemon CONF: start warden daemon in the background, wait for its socket.
start_daemon() {
    "$WARDEN" daemon -c "$1" >"$T/daemon.out" 2>&1 &
    DAEMON_PID=$!
    wait_until 10 "[ -S '$WARDEN_SOCKET' ]" || { cat "$T/daemon.out"; fail "daemon did not come up"; }
}

# svc_field NAME KEY: a top-level field of one service from `warden status NAME --json`
# (flat scalar keys only: state, pid, restarts, oom_kills, ...).
svc_field() {
    "$WARDEN" status "$1" --json 2>/dev/null | sed -n '/"services"/,$p' | tr ',{}' '\n\n\n' | \
        sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" | head -n 1
}

# events_of TYPE [SERVICE]: journal lines of one event type.
events_of() {
    "$WARDEN" events ${2:-} --json 2>/dev/null | grep "\"type\": *\"$1\""
}

# cgroup_backend: what warden detects here (v2, hybrid or none).
cgroup_backend() {
    "$WARDEN" version --json 2>/dev/null | sed -n 's/.*"cgroup": *"\([a-z0-9]*\)".*/\1/p'
}

# pids_alive PID...: prints those still alive (zombies count as dead).
pids_alive() {
    for _p in "$@"; do
        if [ -r "/proc/$_p/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$_p/stat" 2>/dev/null; then
            echo "$_p"
        fi
    done
}
