#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-layers: src/ has one folder per layer, lowest first (ARCHITECTURE.md):
# base sys model store guard core report cli. Every #include "x.h" in src/ must name a
# header of the file's own layer or one below it. An include that points up fails, unless it
# is listed in scripts/layers.allow ("FILE HEADER  # why"), the known arrows issue 13's first
# item removes; a listed arrow that no longer exists fails too, so the list only shrinks. A
# file outside the folders, or a header found in none of them, fails as well.
set -u
cd "$(dirname "$0")/.." || exit 2
layers="base sys model store guard core report cli"
# rank LAYER: its position, 0 for base
rank() {
    _i=0
    for _l in $layers; do
        [ "$_l" = "$1" ] && { echo "$_i"; return; }
        _i=$((_i + 1))
    done
    echo ""
}
# where HEADER: the layer folder that holds src/LAYER/HEADER, or ""
where() {
    for _l in $layers; do
        [ -f "src/$_l/$1" ] && { echo "$_l"; return; }
    done
    echo ""
}
allow=scripts/layers.allow
bad=0 seen=""
for f in src/*; do
    [ -d "$f" ] || { echo "check-layers: $f is outside the layer folders"; bad=1; continue; }
    [ -n "$(rank "$(basename "$f")")" ] || { echo "check-layers: $f is not a layer (ARCHITECTURE.md)"; bad=1; }
done
for f in src/*/*.c src/*/*.h; do
    lf=$(basename "$(dirname "$f")")
    rf=$(rank "$lf")
    [ -n "$rf" ] || continue
    for h in $(sed -n 's/^#include "\([^"]*\.h\)".*/\1/p' "$f"); do
        lh=$(where "$h")
        [ -n "$lh" ] || { echo "check-layers: $f includes $h: in no layer folder"; bad=1; continue; }
        rh=$(rank "$lh")
        [ "$rh" -le "$rf" ] && continue
        if grep -q "^$f $h " "$allow" 2>/dev/null; then
            seen="$seen $f:$h"
            continue
        fi
        echo "check-layers: $f ($lf) includes $h ($lh): an arrow up the layers"
        bad=1
    done
done
while read -r f h _rest; do
    case $f in '#'* | '') continue ;; esac
    case " $seen " in *" $f:$h "*) ;; *) echo "check-layers: $allow: '$f $h' is gone: remove the line"; bad=1 ;; esac
done < "$allow"
[ "$bad" = 0 ] && echo "check-layers: ok ($(grep -c '^src/' "$allow") allowed arrows up, issue 13)"
exit "$bad"
