#!/bin/sh
# make demo: run warden daemon on examples/demo.conf for a few seconds, show what it saw.
set -u
WARDEN=${1:-build/warden}
cd "$(dirname "$0")/.." || exit 1
rm -rf /tmp/warden-demo && mkdir -p /tmp/warden-demo
export WARDEN_SOCKET=/tmp/warden-demo/warden.sock
"$WARDEN" check -c examples/demo.conf || exit 2
echo "== warden daemon -c examples/demo.conf (12 s; its output below)"
"$WARDEN" daemon -c examples/demo.conf &
pid=$!
i=0
while [ $i -lt 120 ]; do sleep 0.1; i=$((i + 1)); done
echo
echo "== warden status"
"$WARDEN" status
echo
echo "== warden events leaky (the journal: OOM-killed at memory_max)"
"$WARDEN" events leaky | tail -n 4
echo
echo "== warden events cache (restarted by memory_restart before the OOM killer)"
"$WARDEN" events cache | grep -E ' (memory-restart|exit) ' | tail -n 2
kill -TERM "$pid"
wait "$pid"
echo "== daemon stopped (exit $?); journal kept in /tmp/warden-demo/state"
