#!/bin/sh
# /init (PID 1) of the cgroup-v2 test VM; tests/vm/run.sh packs it into the initramfs.
# Mounts the basics, checks that cgroup v2 is the only hierarchy, runs the integration
# suite, prints "VMRESULT-<token> rc=N" (the token comes from /token, which only this
# script reads and then deletes) and powers off. It must never exit: PID 1 exiting panics.
export PATH=/bin HOME=/root TMPDIR=/tmp TERM=dumb LANG=C
umask 022

token=$(cat /token 2>/dev/null)
rm -f /token

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# Keep kernel chatter (OOM-kill reports, ...) off the console so it cannot garble the
# suite's output; failing runs get a dmesg tail below.
dmesg -n 1
ip link set lo up
hostname warden-vm

finish() {
    echo "VMRESULT-$token rc=$1"
    sleep 0.2   # let the UART drain before the power goes
    poweroff -f
    sleep 5     # not reached; never fall off the end as PID 1
}

# Optional settings from the host (T_FILTER=...), written by run.sh.
# shellcheck disable=SC1091
[ -f /vm.env ] && . /vm.env

echo "vm: kernel $(uname -r), $(nproc) cpus, $(awk '/^MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"

# cgroup v2 must be the only hierarchy: /sys/fs/cgroup is cgroup2 with memory and pids,
# no cgroup v1 hierarchy is in use (/proc/cgroups column 2) and none is mounted.
fstype=$(awk '$2 == "/sys/fs/cgroup" { t = $3 } END { print t }' /proc/mounts)
ctrls=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)
v1=$(awk '!/^#/ && $2 != 0 { printf "%s%s", s, $1; s = "," }' /proc/cgroups)
v1mnt=$(awk '$3 == "cgroup" { printf "%s%s", s, $2; s = "," }' /proc/mounts)
pure=yes
[ "$fstype" = cgroup2 ] || pure=no
case " $ctrls " in *" memory "*) ;; *) pure=no ;; esac
case " $ctrls " in *" pids "*) ;; *) pure=no ;; esac
[ -z "$v1" ] && [ -z "$v1mnt" ] || pure=no
if [ "$pure" = yes ]; then
    echo "vm: cgroup: pure v2 (controllers: $ctrls; v1 hierarchies in use: none)"
else
    echo "vm: cgroup: NOT pure v2 (/sys/fs/cgroup: ${fstype:-unmounted};" \
        "controllers: ${ctrls:-none}; v1 in use: ${v1:-none}; v1 mounts: ${v1mnt:-none})"
    finish 1
fi

export WARDEN=/warden HELPERS=/helpers WARDEN_IN_VM=1
[ -n "${T_FILTER:-}" ] && export T_FILTER
cd /
sh /tests/integration/run.sh </dev/null
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "vm: notable kernel messages (full log: dmesg in the VM):"
    dmesg | grep -E 'Killed process|segfault|traps:|BUG|WARNING|Oops|blocked for more|hung_task' |
        tail -n 30 | sed 's/^/    dmesg| /'
fi
finish "$rc"
