#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-layers: every #include "x.h" in src/ must point to the file's own layer or one
# below it (ARCHITECTURE.md has the map and why). An include that points up fails, unless it
# is listed in scripts/layers.allow ("FILE HEADER  # why"), the known arrows that issue 13's
# first item removes; an allowed arrow that no longer exists fails too, so the list only
# shrinks.
set -u
cd "$(dirname "$0")/.." || exit 2
# layer NAME: the layer number of a module (file name without .c/.h)
layer() {
    case $1 in
        bounds|errbuf|io|log|loop|units) echo 0 ;;
        cgroup|cgroup_*|spawn|kmsg|escape|probe_owner|listen|snapshot|meminfo) echo 1 ;;
        config|config_*|policy|trend|growth|outtail|runtime_heap|runtime_heap_*|metrics) echo 2 ;;
        journal|journal_*|history|history_*|logfile|logfile_*|logs) echo 3 ;;
        guard|guard_host) echo 4 ;;
        service|service_*|supervisor|observe|reload|control) echo 5 ;;
        metrics_*|report|report_*) echo 6 ;;
        cli|cli_*|main) echo 7 ;;
        *) echo "" ;;
    esac
}
names="base sys model store guard core serve/report cli"
allow=scripts/layers.allow
bad=0 seen=""
for f in src/*.c src/*.h; do
    m=$(basename "$f"); m=${m%.*}
    lf=$(layer "$m")
    [ -n "$lf" ] || { echo "check-layers: $f: no layer (add it to scripts/check_layers.sh and ARCHITECTURE.md)"; bad=1; continue; }
    for h in $(sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f"); do
        lh=$(layer "$h")
        [ -n "$lh" ] || { echo "check-layers: $f includes $h.h: no layer"; bad=1; continue; }
        [ "$lh" -le "$lf" ] && continue
        if grep -q "^$f $h.h" "$allow" 2>/dev/null; then
            seen="$seen $f:$h.h"
            continue
        fi
        ln=$(echo "$names" | cut -d' ' -f$((lf + 1))); hn=$(echo "$names" | cut -d' ' -f$((lh + 1)))
        echo "check-layers: $f ($ln) includes $h.h ($hn): an arrow up the layers"
        bad=1
    done
done
while read -r f h _rest; do
    case $f in '#'* | '') continue ;; esac
    case " $seen " in *" $f:$h "*) ;; *) echo "check-layers: $allow: '$f $h' is gone: remove the line"; bad=1 ;; esac
done < "$allow"
[ "$bad" = 0 ] && echo "check-layers: ok ($(grep -c '^src/' "$allow") allowed arrows up, issue 13)"
exit "$bad"
