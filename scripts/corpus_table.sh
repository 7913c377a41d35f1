#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's "Judgement on real software" table: runs the workload corpus (tests/corpus)
# against a warden binary, or reads a TSV that tests/corpus/run.sh wrote, and prints a
# Markdown table: workload -> exit classification -> verdict -> first recommendation, and
# whether that is what the corpus expects.
# Usage: sh scripts/corpus_table.sh [RESULTS.tsv]
# Env (when it runs the corpus): WARDEN (default build/warden), HELPERS (build/helpers).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tsv=${1:-}
if [ -z "$tsv" ]; then
    tsv=$(mktemp /tmp/warden-corpus-table.XXXXXX)
    trap 'rm -f "$tsv"' EXIT
    WARDEN=${WARDEN:-$root/build/warden} HELPERS=${HELPERS:-$root/build/helpers} \
        CORPUS_OUT="$tsv" sh "$root/tests/corpus/run.sh" >&2
fi
[ -s "$tsv" ] || { echo "corpus_table: no results in '$tsv'" >&2; exit 1; }
awk -F '\t' '
function md(s) { gsub(/\|/, "\\|", s); return s }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
    name = $col["case"]; res = $col["result"]; kind = $col["exit_kind"]
    rt = $col["runtime_oom"]; why = $col["exit_reason"]
    if (kind == "-" || kind == "") exit_s = "no exit (kept running)"
    else {
        exit_s = "`" kind "`"
        if (rt != "none" && rt != "-" && rt != "") exit_s = exit_s ", runtime OOM: " rt
        gsub(/process [0-9]+ /, "process ", why) # pids differ from run to run
        if (why != "") exit_s = exit_s " (" md(why) ")"
    }
    if (res == "ok") got = "yes"
    else if (res == "skip") got = "skipped: " md($col["mismatches"])
    else {
        # "key: want V, seen S; ..." -> "key=V, ..."
        n = split($col["mismatches"], m, "; ")
        got = ""
        for (i = 1; i <= n; i++) {
            if (m[i] !~ /: want /) continue
            k = m[i]; sub(/: want .*/, "", k)
            v = m[i]; sub(/^[^:]*: want /, "", v); sub(/, seen .*/, "", v)
            got = got (got == "" ? "" : ", ") k (v ~ /^>=/ ? "" : "=") v
        }
        got = "**no**: want " md(got)
    }
    printf "| `%s`: %s | %s | `%s` | `%s` | %s |\n", name, md($col["desc"]), exit_s,
        $col["verdict"], $col["first_rec"], got
}
BEGIN {
    print "| workload | exit classification | verdict | first recommendation | as the corpus expects |"
    print "|---|---|---|---|---|"
}' "$tsv"
