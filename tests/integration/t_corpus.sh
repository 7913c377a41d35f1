# The workload corpus (tests/corpus, issue 11): real Node, Python, memcached and sh
# workloads under the real binary, each judged against its expected exit classification,
# restart outcome, verdict and first recommendation. Needs node and python3, so it skips
# in the busybox VM; cases that need a missing program (memcached) skip on their own.
# timeout: 600
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups: the corpus needs memory attribution"
command -v node >/dev/null 2>&1 || skip "no node: the corpus needs Node and Python"
command -v python3 >/dev/null 2>&1 || skip "no python3: the corpus needs Node and Python"
CORPUS_OUT="$T/corpus.tsv" sh "$(dirname "$0")/../corpus/run.sh"
rc=$?
[ $rc = 0 ] || fail "corpus: $(grep -c "$(printf '\tFAIL\t')" "$T/corpus.tsv") case(s) failed (rc $rc)"
echo "corpus ok"
