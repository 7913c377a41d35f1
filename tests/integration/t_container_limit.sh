# In a container (here: a cgroup with a 512 MiB limit that warden starts in), "N%" sizes
# are a share of the container's limit, not of the host's RAM.
. "$(dirname "$0")/lib.sh"
be=$(cgroup_backend)
[ "$be" = none ] && skip "no cgroups"
if [ "$be" = v2 ]; then
    self=$(sed -n 's/^0:://p' /proc/self/cgroup)
    base="/sys/fs/cgroup$self"
    [ "$self" = / ] && base=/sys/fs/cgroup
    echo +memory > "$base/cgroup.subtree_control" 2>/dev/null
    lim=memory.max
else
    self=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
    base="/sys/fs/cgroup/memory$self"
    lim=memory.limit_in_bytes
fi
CG="$base/wt-container.$$"
mkdir "$CG" || skip "cannot create a cgroup under $base"
trap 'rc_=$?; rmdir "$CG" 2>/dev/null; (exit $rc_); cleanup' EXIT
echo 536870912 > "$CG/$lim" || fail "cannot set the limit"
# the service prints the memory_max warden gave it: its own cgroup's limit
cat > "$T/svc.sh" <<'EOS'
if [ -r /sys/fs/cgroup/cgroup.controllers ]; then
    p=$(sed -n 's/^0:://p' /proc/self/cgroup); cat "/sys/fs/cgroup$p/memory.max"
else
    p=$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup); cat "/sys/fs/cgroup/memory$p/memory.limit_in_bytes"
fi
EOS
out=$(sh -c "echo \$\$ > '$CG/cgroup.procs' && exec '$WARDEN' run --restart never --memory-max 50% -- sh '$T/svc.sh'" 2>"$T/err")
rc=$?
[ "$rc" = 0 ] || { cat "$T/err"; fail "warden run exit $rc"; }
log "memory_max for 50%: $out"
[ "$out" = 268435456 ] || fail "50% of a 512 MiB container gave $out, want 268435456"
echo "container limit ok"
