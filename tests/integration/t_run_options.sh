# warden run's options are the config's keys: a value `warden check` refuses in a file is
# refused by `warden run` with exit 2 and the same reason (naming --OPT VALUE instead of
# file:line), contradictions between options included; values check accepts are accepted.
. "$(dirname "$0")/lib.sh"
export WARDEN_STATE_DIR="$T/state"

# build SECTION 'key=value|key=value...': $T/case.conf with those keys (in [service t], or
# in [warden] beside a service), and $T/case.args with the same as --key-with-dashes value,
# one word a line. Values may hold spaces but not '|'.
build() {
    _sect=$1 _pairs=$2
    : > "$T/case.args"
    if [ "$_sect" = warden ]; then
        printf '[warden]\n' > "$T/case.conf"
    else
        printf '[service t]\ncommand = /bin/true\n' > "$T/case.conf"
    fi
    _rest="$_pairs|"
    while [ -n "$_rest" ]; do
        _pair=${_rest%%|*} _rest=${_rest#*|}
        _key=${_pair%%=*} _val=${_pair#*=}
        printf '%s = %s\n' "$_key" "$_val" >> "$T/case.conf"
        printf '%s%s\n%s\n' -- "$(echo "$_key" | tr _ -)" "$_val" >> "$T/case.args"
    done
    [ "$_sect" = warden ] && printf '[service t]\ncommand = /bin/true\n' >> "$T/case.conf"
}

# run_args CMD...: warden run with $T/case.args, then CMD; output in $T/run.out, rc in $rc.
run_args() {
    _cmd="$*"
    set --
    while IFS= read -r _a; do set -- "$@" "$_a"; done < "$T/case.args"
    # a bound run lets through would start the child: the deadline stops a restart loop
    timeout 20 "$WARDEN" run "$@" -- $_cmd > "$T/run.out" 2>&1
    rc=$?
}

# refused SECTION PAIRS: check and run both refuse, with exit 2, for the same reason.
refused() {
    build "$1" "$2"
    "$WARDEN" check -c "$T/case.conf" > "$T/check.out" 2>&1
    crc=$?
    [ "$crc" = 2 ] || { cat "$T/check.out"; fail "check: $2: exit $crc, want 2"; }
    [ "$(wc -l < "$T/check.out")" = 1 ] || { cat "$T/check.out"; fail "check: $2: not one error"; }
    # FILE:LINE: [SECTION] KEY: REASON, with "LINE N" in a reason naming another key's line
    key=$(sed -n 's/^[^:]*:[0-9]*: \[[^]]*\] \([a-z_]*\): .*$/\1/p' "$T/check.out")
    want=$(sed -n 's/^[^:]*:[0-9]*: \[[^]]*\] [a-z_]*: //p' "$T/check.out" |
        sed 's/, line [0-9]*)/)/')
    [ -n "$key" ] && [ -n "$want" ] || { cat "$T/check.out"; fail "check: $2: unexpected form"; }
    run_args /bin/true
    [ "$rc" = 2 ] || { cat "$T/run.out"; fail "run: $2: exit $rc, want 2"; }
    [ "$(wc -l < "$T/run.out")" = 1 ] || { cat "$T/run.out"; fail "run: $2: not one error"; }
    # warden run: --KEY-WITH-DASHES VALUE: REASON, with ", --OPT VALUE" for another key
    opt=$(echo "$key" | tr _ -)
    val=$(printf '%s\n' "$2" | tr '|' '\n' | sed -n "s/^$key=//p" | head -n 1)
    line=$(cat "$T/run.out")
    prefix="warden run: --$opt $val: "
    case $line in
    "$prefix"*) ;;
    *) fail "run: $2: \"$line\" does not start with \"$prefix\"" ;;
    esac
    got=${line#"$prefix"}
    _rest="$2|"
    while [ -n "$_rest" ]; do
        _pair=${_rest%%|*} _rest=${_rest#*|}
        _where=", --$(echo "${_pair%%=*}" | tr _ -) ${_pair#*=})"
        case $got in
        *"$_where"*) got="${got%%"$_where"*})${got#*"$_where"}" ;;
        esac
    done
    [ "$got" = "$want" ] || fail "$2: run says \"$got\", check says \"$want\""
    log "$2: $line"
}

# accepted PAIRS: check says ok, and warden run with the same options runs /bin/true (exit 0).
accepted() {
    build service "$1"
    "$WARDEN" check -c "$T/case.conf" > "$T/check.out" 2>&1 || { cat "$T/check.out"; fail "check refused $1"; }
    run_args /bin/true
    [ "$rc" = 0 ] || { cat "$T/run.out"; fail "run: $1: exit $rc, want 0"; }
}

# one value per bound or word, and the contradictions between keys
refused service 'memory_max=4K'
refused service 'memory_max=512'
refused service 'memory_max=lots'
refused service 'memory_max=200%'
refused service 'memory_high=100K'
refused service 'memory_restart=1K'
refused service 'pids_max=0'
refused service 'pids_max=5000000'
refused service 'pids_warn=4194305'
refused service 'pids_kill=0'
refused service 'fork_rate=0/s'
refused service 'fork_rate=200'
refused service 'restart=sometimes'
refused service 'restart=Always'
refused service 'restart_max=1000001'
refused service 'backoff=5s..1s'
refused service 'backoff=5ms..1s'
refused service 'stable_after=10'
refused service 'drain=2h'
refused service 'start_timeout=50ms'
refused service 'watchdog=2d'
refused service 'ready=junk'
refused service 'ready=http:healthz'
refused service 'ready=tcp'
refused service 'ready=http:/healthz|listen=unix:/run/warden-t-no.sock'
refused service 'listen=tcp:127.0.0.1:0'
refused service 'listen=8080'
refused service 'log_max=16M x 1'
refused service 'log_rate=0/s'
refused service 'runtime_heap=yes'
refused service 'user=nosuchuser-warden-t'
refused service 'memory_max=64M|memory_restart=100M'
refused service 'memory_max=64M|memory_high=64M'
refused service 'pids_max=10|pids_warn=10'
refused service 'pids_kill=10|pids_warn=20'
refused service 'pids_max=10|pids_kill=11'
refused warden 'state_dir=state'
refused warden 'socket=warden.sock'
refused warden 'metrics=localhost:9101'

# an option that is not a key is still a usage error: the usage text, exit 2
"$WARDEN" run --memory-maximum 1G -- /bin/true > "$T/run.out" 2>&1; rc=$?
[ "$rc" = 2 ] && grep -q '^usage: warden run' "$T/run.out" || { cat "$T/run.out"; fail "unknown option: exit $rc"; }

# what check accepts, run accepts: the values next to the bounds, and every key at once
"$WARDEN" run --restart never --memory-max 64M -- /bin/true > "$T/run.out" 2>&1; rc=$?
[ "$rc" = 0 ] || { cat "$T/run.out"; fail "--restart never --memory-max 64M: exit $rc"; }
accepted 'restart=never|memory_max=64M|memory_restart=63M|memory_high=32M'
accepted 'restart=never|pids_max=4194304|pids_warn=1|pids_kill=4194304|fork_rate=4194304/s'
accepted 'restart=never|backoff=10ms..10ms|restart_max=1000000|stable_after=0s|drain=1h'
accepted "restart=never|log_max=64K x 16|log_rate=1/s, 1K/s|listen=unix:$T/a.sock|listen=unix:$T/b.sock"
accepted 'restart=never|ready=none|start_timeout=100ms|watchdog=24h|runtime_heap=auto'
accepted 'restart=on-failure|user=root|memory_max=50%'
# the options' own defaults for the [warden] keys, given as absolute paths
"$WARDEN" run --restart never --state-dir "$T/s2" --socket "$T/s2.sock" -- /bin/true > "$T/run.out" 2>&1; rc=$?
[ "$rc" = 0 ] || { cat "$T/run.out"; fail "--state-dir/--socket: exit $rc"; }
[ -d "$T/s2" ] || fail "--state-dir $T/s2 not used"
echo "run options ok"
