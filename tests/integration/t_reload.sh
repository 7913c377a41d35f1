# Reload (SIGHUP, `warden reload`): unchanged services keep their process, a changed one is
# restarted with the new settings, a removed one is stopped and leaves status, a new one is
# started; an invalid file changes nothing and says why with file:line.
. "$(dirname "$0")/lib.sh"
body() { # $1: b's sleep argument; $2: "c" to keep c, else drop it; $3: "d" to add d
    printf '[service a]\ncommand = sleep 1001\ndrain = 1s\n\n'
    printf '[service b]\ncommand = sleep %s\ndrain = 1s\n\n' "$1"
    [ "$2" = c ] && printf '[service c]\ncommand = sleep 1003\ndrain = 1s\n\n'
    [ "$3" = d ] && printf '[service d]\ncommand = sleep 1004\ndrain = 1s\n\n'
    return 0
}
conf=$(body 1002 c - | write_conf reload)
start_daemon "$conf"
for s in a b c; do
    wait_until 10 "[ \"\$(svc_field $s state)\" = running ]" || fail "$s not running"
done
pa=$(svc_field a pid); pb=$(svc_field b pid)
# b changes, c goes, d comes; a is the same
{ printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n' "$T" "$WARDEN_SOCKET"; body 2002 - d; } > "$conf"
kill -HUP "$DAEMON_PID"
wait_until 10 "[ \"\$(svc_field d state)\" = running ]" || { cat "$T/daemon.out"; fail "d not started by the reload"; }
wait_until 10 "[ \"\$(svc_field b state)\" = running ] && [ \"\$(svc_field b pid)\" != $pb ]" ||
    fail "b not restarted: $(svc_field b state) pid $(svc_field b pid)"
[ "$(svc_field a pid)" = "$pa" ] || fail "a was restarted though unchanged ($pa -> $(svc_field a pid))"
grep -q 'sleep 2002' "/proc/$(svc_field b pid)/cmdline" 2>/dev/null ||
    tr '\0' ' ' < "/proc/$(svc_field b pid)/cmdline" | grep -q 'sleep 2002' || fail "b runs the old command"
"$WARDEN" status c >/dev/null 2>&1 && fail "c still in status after its removal"
"$WARDEN" status --json | grep -q '"name": "c"' && fail "c listed after its removal"
events_of reload | grep -q '"changed": *\["b"\]' || fail "reload event: $(events_of reload)"
events_of reload | grep -q '"removed": *\["c"\]' || fail "reload event lacks c removed"
events_of reload | grep -q '"added": *\["d"\]' || fail "reload event lacks d added"
wait_until 10 "events_of stopped | grep -q '\"service\": *\"c\"'" || fail "c was not stopped: $(events_of stopped)"
# an invalid file: refused, nothing changes
pd=$(svc_field d pid)
printf '[service e]\ncommand = sleep 1005\nmemory_max = lots\n' >> "$conf"
out=$("$WARDEN" reload 2>&1); rc=$?
[ $rc -eq 2 ] || fail "reload of an invalid file exited $rc: $out"
echo "$out" | grep -q "reload.conf:[0-9]*: .*memory_max" || fail "no file:line in: $out"
[ "$(svc_field d pid)" = "$pd" ] && [ "$(svc_field a pid)" = "$pa" ] || fail "an invalid reload changed something"
# the same file again, fixed: nothing changed
{ printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n' "$T" "$WARDEN_SOCKET"; body 2002 - d; } > "$conf"
out=$("$WARDEN" reload) || fail "reload failed: $out"
echo "$out" | grep -q '^reloaded changed: -; added: -; removed: -; ignored: -$' || fail "second reload: $out"
[ "$(svc_field a pid)" = "$pa" ] && [ "$(svc_field d pid)" = "$pd" ] || fail "a no-op reload restarted something"
echo "reload ok"
