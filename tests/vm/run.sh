#!/bin/sh
# Runs the integration suite inside a small qemu VM whose kernel has only cgroup v2.
# Usage: sh tests/vm/run.sh BUILD_DIR     (BUILD_DIR holds a static warden and helpers/)
# Env: WARDEN_VM_TIMEOUT (s, default 900), WARDEN_VM_ACCEL (tcg|kvm, default tcg),
#      WARDEN_VM_KERNEL (default: newest /boot/vmlinuz-*), WARDEN_VM_BUSYBOX,
#      WARDEN_VM_MEM (MiB, default 1024), WARDEN_VM_SMP (default 2), T_FILTER (passed on).
# The verdict comes only from the "VMRESULT-<token> rc=N" line that the VM's /init prints
# with a token drawn fresh for each run; exits with the suite's rc, or 1 if it is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

die() { echo "vm: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh tests/vm/run.sh BUILD_DIR"
[ -d "$1" ] || die "build dir $1 not found (run: make STATIC=1 BUILD=$1 all)"
build=$(cd "$1" && pwd)
vmdir=$build/vm
timeout_s=${WARDEN_VM_TIMEOUT:-900}
accel=${WARDEN_VM_ACCEL:-tcg}
mem=${WARDEN_VM_MEM:-1024}
smp=${WARDEN_VM_SMP:-2}

# --- what we need on the host ------------------------------------------------------------
qemu=$(command -v qemu-system-x86_64) ||
    die "qemu-system-x86_64 not found (install qemu-system-x86: make deps)"
for t in cpio gzip timeout od; do
    command -v "$t" >/dev/null || die "$t not found (make deps)"
done
case $accel in
tcg) accel_args="-accel tcg" ;;
kvm) { [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || die "WARDEN_VM_ACCEL=kvm but /dev/kvm is not usable"
     accel_args="-accel kvm -cpu host" ;;
*) die "WARDEN_VM_ACCEL must be tcg or kvm, not '$accel'" ;;
esac

# is_static FILE: true unless readelf shows a program interpreter (a dynamic binary).
is_static() {
    command -v readelf >/dev/null || return 0
    ! readelf -l "$1" 2>/dev/null | grep -q INTERP
}

[ -x "$build/warden" ] || die "$build/warden not found (run: make STATIC=1 BUILD=$1 all)"
is_static "$build/warden" || die "$build/warden is dynamically linked; the VM has no libc"
for h in "$build"/helpers/*; do
    [ -f "$h" ] || continue
    is_static "$h" || die "helper $h is dynamically linked; the VM has no libc"
done

busybox=${WARDEN_VM_BUSYBOX:-}
if [ -z "$busybox" ]; then
    for b in /bin/busybox /usr/bin/busybox; do
        [ -x "$b" ] && is_static "$b" && { busybox=$b; break; }
    done
fi
{ [ -n "$busybox" ] && [ -x "$busybox" ] && is_static "$busybox"; } ||
    die "static busybox not found (install busybox-static: make deps)"

kernel=${WARDEN_VM_KERNEL:-}
if [ -z "$kernel" ]; then
    kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V | tail -n 1)
fi
{ [ -n "$kernel" ] && [ -r "$kernel" ]; } ||
    die "no readable kernel (/boot/vmlinuz-*; install linux-image-amd64: make deps, or set WARDEN_VM_KERNEL)"

mkdir -p "$vmdir" || die "cannot create $vmdir"

# --- kernel: boot the uncompressed vmlinux (PVH entry) when we can ------------------------
# Under TCG, decompressing the xz bzImage costs ~3.5 s per boot; qemu boots an ELF vmlinux
# with a PVH note directly. Extracted once (scripts/extract-vmlinux style), cached here.
# extract_vmlinux IMG OUT: find each compressed payload by its magic, decompress, keep the
# first that is an ELF with a PVH entry note (Xen note type 0x12).
try_decompress() { # IMG OUT MAGIC PLACEHOLDER CMD...
    _img=$1 _out=$2 _magic=$3 _ph=$4; shift 4
    command -v "$1" >/dev/null || return 1
    for _pos in $(tr "$_magic\n$_ph" "\n$_ph=" <"$_img" | grep -abo "^$_ph"); do
        _pos=${_pos%%:*}
        tail -c+"$_pos" "$_img" | "$@" >"$_out" 2>/dev/null
        if [ "$(head -c 4 "$_out" | od -An -c | tr -d ' ')" = '177ELF' ] &&
            readelf -n "$_out" 2>/dev/null | grep -q '(0x00000012)'; then
            return 0
        fi
    done
    return 1
}
extract_vmlinux() {
    command -v readelf >/dev/null || return 1
    try_decompress "$1" "$2" '\3757zXZ\000' abcde xz -dc ||
        try_decompress "$1" "$2" '\037\213\010' xy gzip -dc ||
        try_decompress "$1" "$2" '(\265/\375' xxx zstd -dc ||
        try_decompress "$1" "$2" '\002!L\030' xxx lz4 -dc
}
cached=$vmdir/vmlinux-$(basename "$kernel")
boot_kernel=$kernel
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; } # POSIX "$1 -nt $2"
if [ -s "$cached" ] && newer "$cached" "$kernel"; then
    boot_kernel=$cached
elif [ -f "$cached.nopvh" ] && newer "$cached.nopvh" "$kernel"; then
    : # tried before: no PVH vmlinux in this image, boot the bzImage
elif extract_vmlinux "$kernel" "$cached.tmp.$$"; then
    mv -f "$cached.tmp.$$" "$cached" && boot_kernel=$cached
else
    rm -f "$cached.tmp.$$"
    : >"$cached.nopvh"
    echo "vm: note: could not extract a PVH vmlinux from $kernel; booting it compressed (slower)"
fi

# --- initramfs ----------------------------------------------------------------------------
token=$(od -An -N16 -tx1 /dev/urandom | tr -dc '0-9a-f')
[ ${#token} -eq 32 ] || die "could not draw a random token"
stage=$(mktemp -d "$vmdir/stage.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
r=$stage/root
mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/run" "$r/root" "$r/etc" \
    "$r/var/tmp" "$r/usr" "$r/helpers" "$r/tests" || die "cannot populate $r"
cp "$busybox" "$r/bin/busybox" || die "cannot copy $busybox"
for a in $("$busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
done
ln -s bin "$r/sbin"
ln -s ../bin "$r/usr/bin"
ln -s ../bin "$r/usr/sbin"
ln -s ../run "$r/var/run"
cp "$build/warden" "$r/warden"
for h in "$build"/helpers/*; do
    [ -f "$h" ] && cp "$h" "$r/helpers/"
done
cp -R "$top/tests/integration" "$r/tests/integration" || die "cannot copy tests/integration"
cp "$here/init.sh" "$r/init" && chmod 755 "$r/init"
printf '%s\n' "$token" >"$r/token" && chmod 600 "$r/token"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$r/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$r/etc/group"
printf '127.0.0.1 localhost warden-vm\n::1 localhost\n' >"$r/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$r/etc/nsswitch.conf"
if [ -n "${T_FILTER:-}" ]; then
    case $T_FILTER in *"'"*) die "T_FILTER must not contain a quote" ;; esac
    printf "T_FILTER='%s'\n" "$T_FILTER" >"$r/vm.env"
fi
initrd=$vmdir/initramfs.cpio.gz
if ! (cd "$r" && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -1) >"$initrd.tmp.$$" ||
    ! mv -f "$initrd.tmp.$$" "$initrd"; then
    die "cannot build $initrd"
fi

# --- boot ---------------------------------------------------------------------------------
# Under TCG the guest very occasionally hangs before /init runs (seen once in a loaded CI
# run: an empty console for minutes). A watchdog kills a boot that has not reached /init
# within WARDEN_VM_BOOT_S and boots again, up to 3 times, instead of burning the whole
# timeout. A hang after /init started is a test hang and is not retried.
log=$vmdir/console.log
err=$vmdir/qemu.err
boot_s=${WARDEN_VM_BOOT_S:-120}
boot_once() {
    : >"$log"
    rm -f "$stage/qemu.rc" "$stage/qemu.pid"
    # --foreground keeps qemu in our process group, so ^C and a killed job stop it too.
    {
        # shellcheck disable=SC2086
        timeout --foreground -k 10 "$timeout_s" "$qemu" -M pc $accel_args -m "$mem" \
            -smp "$smp" -nographic -no-reboot -kernel "$boot_kernel" -initrd "$initrd" \
            -append "console=ttyS0 cgroup_no_v1=all panic=-1 rdinit=/init quiet" \
            -pidfile "$stage/qemu.pid" \
            -fw_cfg name=etc/sercon-port,string=0 </dev/null 2>"$err"
        echo $? >"$stage/qemu.rc"
    } | stdbuf -oL tr -d '\r' | tee "$log" &
    _pipe=$!
    _t0=$(date +%s)
    while [ ! -s "$stage/qemu.rc" ]; do
        if ! grep -q '^vm: ' "$log" && [ $(($(date +%s) - _t0)) -ge "$boot_s" ]; then
            echo "vm: no sign of /init after ${boot_s}s: killing this boot" >&2
            [ -s "$stage/qemu.pid" ] && kill -KILL "$(cat "$stage/qemu.pid")" 2>/dev/null
            wait "$_pipe"
            return 2
        fi
        sleep 1
    done
    wait "$_pipe"
    return 0
}
echo "vm: booting $(basename "$boot_kernel") ($accel, ${mem} MiB, $smp cpus, timeout ${timeout_s}s)"
start=$(date +%s)
tries=0
while :; do
    tries=$((tries + 1))
    boot_once && break
    [ "$tries" -lt 3 ] || break
    echo "vm: booting again (try $((tries + 1)) of 3)"
done
secs=$(($(date +%s) - start))
qrc=$(cat "$stage/qemu.rc" 2>/dev/null || echo '?')

# --- verdict: only the marker with this run's token counts ----------------------------------
rc=$(sed -n "s/.*VMRESULT-$token rc=\([0-9][0-9]*\).*/\1/p" "$log" | tail -n 1)
if [ -n "$rc" ]; then
    if grep -q '^vm: cgroup: NOT pure v2' "$log"; then
        echo "vm: FAIL: the VM's kernel is not pure cgroup v2 (see above); suite not run" >&2
    else
        echo "vm: integration suite in the cgroup v2 VM: rc=$rc (${secs}s, $accel)"
    fi
    exit "$rc"
fi
echo "vm: FAIL: no result marker from the VM after ${secs}s (qemu rc $qrc)" >&2
if ! grep -q '^vm: ' "$log"; then
    echo "vm: the guest never reached /init in $tries boot(s) of ${boot_s}s each" >&2
elif [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
    echo "vm: the VM ran past WARDEN_VM_TIMEOUT=${timeout_s}s (hung test or guest)" >&2
elif grep -q 'Kernel panic' "$log"; then
    echo "vm: the guest kernel panicked (see $log)" >&2
else
    echo "vm: qemu or the guest stopped early (see $log)" >&2
fi
grep -v 'should be prefixed with "opt/"' "$err" | sed 's/^/vm: qemu: /' >&2
exit 1
