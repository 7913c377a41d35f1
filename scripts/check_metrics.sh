#!/bin/sh
# SPDX-License-Identifier: MIT
# Lint a Prometheus exposition with promtool (Debian package `prometheus`): fails on any
# error or lint warning (a counter without _total, a missing HELP, a bad unit, ...).
# Usage: scripts/check_metrics.sh FILE
# A sample comes from the unit test:
#   METRICS_SAMPLE_OUT=/tmp/m.txt build/tests/test_metrics && scripts/check_metrics.sh /tmp/m.txt
# or from a running warden: `warden metrics > /tmp/m.txt`.
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 FILE" >&2
    exit 2
fi
file=$1
if ! command -v promtool >/dev/null 2>&1; then
    echo "check_metrics: promtool not found (apt-get install prometheus)" >&2
    exit 2
fi
if [ ! -s "$file" ]; then
    echo "check_metrics: $file is missing or empty" >&2
    exit 1
fi
# promtool exits 0 when clean, 1 on a parse error, 3 on lint problems; it prints the
# problems either way, so any output at all is a failure too.
out=$(promtool check metrics <"$file" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "check_metrics: $file: promtool rc $rc" >&2
    [ -n "$out" ] && printf '%s\n' "$out" >&2
    exit 1
fi
echo "check_metrics: $file: clean ($(grep -c '^# TYPE ' "$file") families, $(grep -vc '^#' "$file") samples)"
