#!/bin/bash
# berth's pure cgroup v2 test VM (adapted from the project's reference harness;
# berth's hosts are v1/hybrid and their hierarchies must not be changed).
#
# run-in-vm.sh - boot a throw-away QEMU VM whose only cgroup hierarchy is
# cgroup v2 (all controllers enabled), copy a directory into it, run a command,
# print the command's output and exit with the command's exit status.
#
# Usage: run-in-cgroupv2-vm.sh DIR CMD [ARG...]
#   DIR  is copied to /payload inside the VM (the command runs with cwd=/payload,
#        /payload and /payload/bin are first in PATH). Shared libraries of
#        dynamically linked ELF files in DIR (e.g. runc) are copied from the host
#        to the same paths in the VM.
#   (ELF files at depth<=2 of DIR; see VM_LDD_DEPTH)
#   CMD  one argument: run with `sh -c CMD`; several: run as an argv.
#        It runs as root (pid-1's child) in cgroup /init.scope, stdin=/dev/null,
#        stdout+stderr merged (a virtio char device, not a tty), busybox userland.
#
# Host needs only Debian packages: qemu-system-x86 and cpio (apt-get installed when
# missing and running as root), a static busybox (/bin/busybox if static, else
# `apt-get download busybox-static` + `dpkg -x` into the cache). The guest kernel is a
# Debian package fetched with `apt-get download <exact name>` + `dpkg -x` (never
# installed). Works as non-root (TCG needs no privileges; KVM needs rw /dev/kvm).
# Output arrives through a virtio-serial port (fast); the kernel console goes to a
# log that is printed only on failure or with VM_VERBOSE=1. No stdin. Processes the
# command leaves running are killed when it exits (the VM powers off).
#
# Environment knobs:
#   VM_MEM=1024        guest RAM in MiB          VM_CPUS=2   guest CPUs
#   VM_TIMEOUT=1200    seconds before the VM is killed (exit 124)
#   VM_ACCEL=auto      auto|kvm|tcg (auto: kvm only if /dev/kvm is usable AND the
#                      CPU has vmx/svm; a PVM-only /dev/kvm cannot boot stock kernels)
#   VM_KERNEL_PKG=     exact Debian kernel package (default: what linux-image-cloud-amd64
#                      depends on, e.g. linux-image-6.1.0-56-cloud-amd64)
#   VM_KERNEL_DEB=     use this already downloaded kernel .deb instead
#   VM_KERNEL=, VM_MODDIR=  use this vmlinuz and /lib/modules/<ver> dir instead
#   VM_MODULES="overlay loop veth bridge virtio_pci virtio_console"  kernel modules
#                      loaded at boot (dependencies resolved); virtio_* carry the output
#   VM_OUTDIR=         if set: whatever the command writes under $VM_OUT (/out) in the
#                      VM is copied back into this host directory
#   VM_CACHE=~/.cache/cgroupv2-vm          where the kernel/base initramfs are cached
#   VM_VERBOSE=0       1: print the guest kernel console log to stderr at the end
#   VM_KEEP=0          1: keep the work dir (console.log, out.log, initrds)
#   VM_QUIET=0         1: no progress lines on stderr
#   VM_CPU_MODEL=max   TCG CPU model;  VM_APPEND= extra kernel command line
#   VM_QEMU_ARGS=      extra qemu arguments (word-split)
#   VM_LDD_DEPTH=2     how deep in DIR to look for dynamic ELF executables
# Exit status: the command's, or 124 (VM timeout) / 125 (VM/setup failure) /
# 77 (a dependency cannot be installed or fetched: qemu, busybox, the kernel
# package; ctest reports the test as skipped with the reason on stderr).
set -euo pipefail

SCRIPT_VERSION=9
VM_NAME=run-in-cgroupv2-vm   # the prefix of its messages
. "$(dirname "$0")/../setup/vm-lib.sh"

[ $# -ge 2 ] || { sed -n '2,50p' "$0" >&2; exit 125; }
DIR=$1; shift
[ -d "$DIR" ] || die "not a directory: $DIR"

VM_MEM=${VM_MEM:-1024}
VM_CPUS=${VM_CPUS:-2}
VM_TIMEOUT=${VM_TIMEOUT:-1200}
VM_ACCEL=${VM_ACCEL:-auto}
VM_MODULES=${VM_MODULES:-overlay loop veth bridge virtio_pci virtio_console}
VM_CACHE=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cgroupv2-vm}
mkdir -p "$VM_CACHE"

# ---------------------------------------------------------------- host tools
vm_host_tools qemu-system-x86_64:qemu-system-x86 cpio:cpio

# a static busybox: the installed one if static, else busybox-static unpacked into the cache
is_static() { ! LC_ALL=C ldd "$1" >/dev/null 2>&1; }
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && is_static "$b"; then BUSYBOX=$b; break; fi
done
if [ -z "$BUSYBOX" ]; then
    bb=$VM_CACHE/busybox-static
    if [ ! -x "$bb/bin/busybox" ]; then
        log "fetching busybox-static"
        t=$(mktemp -d); chmod 0777 "$t"
        (cd "$t" && apt-get download busybox-static >&2) || skip "apt-get download busybox-static failed"
        rm -rf "$bb"; dpkg -x "$t"/busybox-static_*.deb "$bb"; rm -rf "$t"
    fi
    BUSYBOX=$bb/bin/busybox
fi

# ---------------------------------------------------------------- kernel
if [ -n "${VM_KERNEL:-}" ]; then
    KERNEL=$VM_KERNEL; MODDIR=${VM_MODDIR:-}
else
    vm_kernel "$VM_CACHE/kernel"
fi
[ -r "$KERNEL" ] || die "no kernel image"

# ---------------------------------------------------------------- base initramfs (cached)
INIT1='#!/bin/sh
# stage 1: the initramfs root ("rootfs") cannot be pivot_root()ed away from, so
# runtimes would fail with EINVAL. Bind-mount / over itself and chroot into it:
# the new root is an ordinary mount with a parent, and pivot_root works.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --bind / /newroot
cd /newroot
mount --move . /
exec chroot . /init2
'
INIT2='#!/bin/sh
export PATH=/payload:/payload/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C
mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o mode=0755,nosuid devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
mount -t bpf -o nosuid,nodev,noexec,mode=700 bpf /sys/fs/bpf 2>/dev/null
mount -t securityfs -o nosuid,nodev,noexec securityfs /sys/kernel/security 2>/dev/null
hostname cgv2vm
ip link set lo up
KV=$(uname -r)
while read -r m; do
  [ -n "$m" ] && { insmod "/lib/modules/$KV/$m" || echo "vm-init: insmod $m failed"; }
done </etc/vm-modules
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || echo "vm-init: cannot enable $c"
done
mkdir -p /sys/fs/cgroup/init.scope
echo $$ >/sys/fs/cgroup/init.scope/cgroup.procs
# output channels: virtio-serial ports named by the host (fast, ~100 MB/s);
# fallback: ttyS1/ttyS2 (8250 UART, ~200 KB/s under TCG)
if [ -d /sys/class/virtio-ports ]; then   # wait (<=2s) until every port has its name
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    ok=1
    for d in /sys/class/virtio-ports/*; do
      [ -s "$d/name" ] && [ -e "/dev/${d##*/}" ] || { ok=0; break; }
    done
    [ $ok = 1 ] && break
    sleep 0.1
  done
fi
port() {
  for d in /sys/class/virtio-ports/*; do
    [ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
  done
  return 1
}
OUT=$(port out) || { OUT=/dev/ttyS1; stty -F /dev/ttyS1 raw -echo; }
RC=$(port status) || { RC=/dev/ttyS2; stty -F /dev/ttyS2 raw -echo; }
TAR=$(port outtar) || TAR=
mkdir -p /out; export VM_OUT=/out
echo "vm-init: payload start uptime=$(cut -d" " -f1 /proc/uptime)s controllers=[$(cat /sys/fs/cgroup/cgroup.subtree_control)] out=$OUT"
cd /payload
sh /payload-cmd.sh </dev/null >"$OUT" 2>&1; echo $? >/run/vm-rc
echo "vm-init: payload done uptime=$(cut -d" " -f1 /proc/uptime)s rc=$(cat /run/vm-rc)"
grep -E "^(MemTotal|MemFree|MemAvailable|Shmem):" /proc/meminfo | tr -s " " | tr "\n" " "; echo
[ -n "$TAR" ] && tar -C /out -cf - . >"$TAR"
cat /run/vm-rc >"$RC"
sync
reboot -f
'
kver=$(basename "${MODDIR:-none}")
key=$(printf '%s\n' "$SCRIPT_VERSION" "$KERNEL" "$kver" "$VM_MODULES" "$INIT1" "$INIT2" "$BUSYBOX" | md5sum | cut -c1-12)
BASE=$VM_CACHE/base-$key.cpio.gz
if [ ! -s "$BASE" ]; then
    log "building base initramfs"
    s=$(mktemp -d)
    chmod 0755 "$s"
    mkdir -p "$s"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,root,etc,mnt,newroot,payload,lib/modules}
    chmod 1777 "$s/tmp"; chmod 0700 "$s/root"
    cp "$BUSYBOX" "$s/bin/busybox"
    for a in $("$BUSYBOX" --list-full); do
        [ -e "$s/$a" ] || ln -s /bin/busybox "$s/$a"
    done
    printf '%s' "$INIT1" >"$s/init"; printf '%s' "$INIT2" >"$s/init2"
    chmod 0755 "$s/init" "$s/init2"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$s/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$s/etc/group"
    printf '127.0.0.1 localhost cgv2vm\n::1 localhost\n' >"$s/etc/hosts"
    : >"$s/etc/vm-modules"
    # kernel modules + their dependencies, in load order
    if [ -n "${MODDIR:-}" ] && [ -n "$VM_MODULES" ]; then
        declare -A seen=()
        add_mod() {
            local m=$1 f d
            [ -n "${seen[$m]:-}" ] && return 0
            seen[$m]=1
            if grep -qE "/$m\.ko" "$MODDIR/modules.builtin" 2>/dev/null; then return 0; fi
            f=$(find "$MODDIR/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
            [ -n "$f" ] || f=$(find "$MODDIR/kernel" -name "${m//_/-}.ko*" | head -1)
            [ -n "$f" ] || { echo "run-in-cgroupv2-vm: module $m not found, skipped" >&2; return 0; }
            local dst=$s/lib/modules/$kver/${f#"$MODDIR"/}
            mkdir -p "$(dirname "$dst")"
            case $f in
                *.xz)  xz -dc "$f" >"${dst%.xz}"; dst=${dst%.xz} ;;
                *.zst) zstd -qdc "$f" >"${dst%.zst}"; dst=${dst%.zst} ;;
                *)     cp "$f" "$dst" ;;
            esac
            for d in $(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | tr ',' ' '); do add_mod "$d"; done
            echo "${dst#"$s/lib/modules/$kver/"}" >>"$s/etc/vm-modules"
        }
        for m in $VM_MODULES; do add_mod "$m"; done
    fi
    (cd "$s" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$BASE.tmp"
    # the kernel accepts an uncompressed cpio after a compressed one only at a
    # 4-byte aligned offset ("invalid magic at start of compressed archive")
    truncate -s %512 "$BASE.tmp"
    mv "$BASE.tmp" "$BASE"; rm -rf "$s"
fi

# ---------------------------------------------------------------- payload initramfs, boot
W=$(mktemp -d "${TMPDIR:-/tmp}/cgv2vm.XXXXXX")
cleanup() { [ "${VM_KEEP:-0}" = 1 ] && log "work dir kept: $W" || rm -rf "$W"; }
trap cleanup EXIT
vm_initrd "$BASE" "$DIR" as-is "$W" "$@"
tar_args=()
if [ -n "${VM_OUTDIR:-}" ]; then
    : >"$W/out.tar"
    tar_args=(-chardev "file,id=vtar,path=$W/out.tar" -device virtserialport,bus=vs.0,chardev=vtar,name=outtar)
fi
# the output and the status also come through virtio-serial ports (the guest prefers them)
vm_boot "$W" cgroup_no_v1=all \
    -device virtio-serial-pci,id=vs \
    -chardev "file,id=vout,path=$W/out.log,append=on" -device virtserialport,bus=vs.0,chardev=vout,name=out \
    -chardev "file,id=vrc,path=$W/status,append=on" -device virtserialport,bus=vs.0,chardev=vrc,name=status \
    "${tar_args[@]}"
