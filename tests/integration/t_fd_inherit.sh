# Issue 12: no fd but stdio and the LISTEN_FDS ones reaches a service, whatever warden itself
# inherited: a launcher's fd 9 onto a root-only file and its fd 7 stay out (the attack run
# also saw 10 and 251 pass; sh redirects one digit only, and the fd count below covers them),
# for the service's own user too; the listen socket (fd 3) still arrives.
. "$(dirname "$0")/lib.sh"
: > "$T/secret"; chmod 600 "$T/secret"; : > "$T/high"
port=$((20000 + $$ % 20000))
out=$( (exec 9>>"$T/secret" 7>>"$T/high"; "$WARDEN" run --restart never --listen "tcp:127.0.0.1:$port" -- \
      sh -c 'echo pwned >&9; echo pwned >&7; [ -e /proc/self/fd/3 ] && echo fd3=yes; ls /proc/self/fd | tr "\n" " "; echo') 2>&1)
log "service saw: $out"
[ -s "$T/secret" ] && fail "the service wrote to the launcher's fd 9: $(cat "$T/secret")"
[ -s "$T/high" ] && fail "the service wrote to the launcher's fd 7"
echo "$out" | grep -q "fd3=yes" || fail "the listen socket did not reach the service: $out"
# /proc/self/fd of the service (ls's own directory fd aside): 0 1 2 3 only
fds=$(echo "$out" | tail -n 1 | tr ' ' '\n' | grep -c '^[0-9]')
[ "$fds" -le 5 ] || fail "the service has $fds fds: $out"
if id nobody >/dev/null 2>&1; then
    out=$( (exec 9>>"$T/secret"; "$WARDEN" run --restart never --user nobody -- sh -c 'echo pwned >&9' ) 2>&1)
    [ -s "$T/secret" ] && fail "user nobody wrote to the root-only file through fd 9"
fi
echo "fd inherit ok"
