# The test service of t_escape.sh (not a test: no t_ prefix). It moves itself out of its
# cgroup, into the directory that holds warden's group (the root where that is refused),
# in every hierarchy it is in, forks 5 sleeps (born outside), writes their pids to $1 and
# waits. A main process that does this runs outside every cap.
kids=$1
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then uni=/sys/fs/cgroup; else uni=/sys/fs/cgroup/unified; fi
while IFS=: read -r _id ctl path; do
    case $ctl in
        memory | pids) m=/sys/fs/cgroup/$ctl ;;
        "") m=$uni ;;
        *) continue ;;
    esac
    gp=${path%/*}; gp=${gp%/*}
    echo $$ 2>/dev/null > "$m$gp/cgroup.procs" || echo $$ > "$m/cgroup.procs"
done < /proc/self/cgroup
cat /proc/self/cgroup >&2
: > "$kids.tmp"
for _i in 1 2 3 4 5; do sleep 1000 & echo $! >> "$kids.tmp"; done
mv "$kids.tmp" "$kids"
wait
