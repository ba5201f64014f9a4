#!/bin/bash
# berth's systemd test VM (adapted from the project's reference harness; berth's hosts
# have no systemd and hybrid cgroups, which must not be changed).
#
# vm.sh - boot a throw-away QEMU VM with a real systemd as PID 1 (Debian bookworm
# minbase root filesystem, pure cgroup v2 or hybrid, system D-Bus), copy a directory into it,
# run a command as a systemd service, print its output and exit with its status.
# For the runtimes' `--systemd-cgroup` driver (transient scopes and slices over D-Bus)
# and the managers that use it (podman with cgroup_manager=systemd, containerd with
# SystemdCgroup).
#
# Usage: vm.sh DIR CMD [ARG...]
#   DIR is copied to /payload (the command's cwd; /payload and /payload/bin are first
#   in PATH). Shared libraries of dynamic ELF files at depth<=2 of DIR are copied from
#   the host (a Debian 12 host: they match the guest's libc).
#   CMD one argument: run with `sh -c CMD`; several: run as an argv. It runs as root in
#   payload.service (cgroup /system.slice/payload.service), stdin=/dev/null, stdout and
#   stderr to the host's stdout (serial port ttyS1). When it exits the VM powers off.
#
# Root filesystem: `debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,
# libseccomp2,kmod,<VM_EXTRA_PKGS> bookworm` from the host's apt mirror, trimmed (docs,
# locales, apt lists, containerd's v1 shims) and packed once as an uncompressed initramfs
# into VM_CACHE (under TCG the kernel unpacks its 300 MB from zstd in ~16 s, from lz4 in
# ~3.5 s). Its /init makes / an ordinary bind mount (pivot_root fails on the initramfs
# root), chroots into it and execs systemd. The kernel is Debian's cloud kernel package, unpacked (never installed)
# into the cache that tests/cgroupv2-vm/run-in-vm.sh uses too.
#
# Environment knobs:
#   VM_CACHE=~/.cache/berth-systemd-vm   the base image (ctest: the build tree's)
#   VM_KERNEL_CACHE=~/.cache/cgroupv2-vm/kernel   unpacked kernel packages (shared)
#   VM_KERNEL_PKG=   exact kernel package (default: linux-image-cloud-amd64's dependency)
#   VM_KERNEL_DEB=   use this already downloaded kernel .deb instead
#   VM_MIRROR=       (default: the first URIs of the host's debian.sources)
#   VM_SUITE=bookworm
#   VM_EXTRA_PKGS=   comma-separated Debian packages in the image (default: $DEFAULT_PKGS
#                    below: the reference runtimes, the managers, CRIU and tools)
#   VM_MODULES=      kernel modules (with their dependencies) loaded at boot by
#                    systemd-modules-load (default: what CRIU needs, see below)
#   VM_MEM=1024  VM_CPUS=2  VM_TIMEOUT=900 (exit 124)  VM_ACCEL=auto|kvm|tcg
#   VM_OUTDIR=       if set: files the command writes under $VM_OUT (/out) are copied
#                    back into this host directory (a tar over serial port ttyS3)
#   VM_UNIFIED_CGROUPS=1  0: systemd boots hybrid (v1 controllers + cgroup2 at
#                    /sys/fs/cgroup/unified) instead of pure cgroup v2; same image
#   VM_APPEND=       extra kernel command line (e.g. systemd.log_level=debug)
#   VM_QEMU_ARGS=    extra qemu arguments (word-split)    VM_CPU_MODEL=max  TCG CPU model
#   VM_VERBOSE=0     1: print the guest console (systemd's boot log) at the end
#   VM_KEEP=0        1: keep the work dir        VM_QUIET=0  1: no progress lines
#   VM_BUILD_ONLY=0  1: fetch the kernel and build the base image, boot nothing
#                    (DIR and CMD are still required but unused)
# Exit status: the command's, 124 (timeout), 125 (setup or VM failure), 77 (qemu or the
# kernel package cannot be installed or fetched: ctest reports a skip).
# Timings on this project's 2-core hosts (TCG): see tests/systemd-vm/README.md.
set -euo pipefail
SCRIPT_VERSION=2   # bump when the image recipe below changes (the cache key)
VM_NAME=systemd-vm   # the prefix of its messages
. "$(dirname "$0")/../setup/vm-lib.sh"
[ $# -ge 2 ] || { sed -n '2,50p' "$0" >&2; exit 125; }
DIR=$1; shift
[ -d "$DIR" ] || die "not a directory: $DIR"

# runc, crun: the reference runtimes. podman+conmon+netavark, containerd (ctr, the runc
# shim): managers driving a runtime's systemd driver. uidmap, dbus-user-session: rootless
# user sessions with delegation. criu: checkpoint/restore, and iptables for its network lock
# (--tcp-established: `ip6tables-restore`; criu only recommends it). The rest: the checks' tools.
DEFAULT_PKGS=runc,crun,podman,conmon,netavark,containerd,busybox-static,uidmap,dbus-user-session,criu,iptables,iproute2,jq,procps
# CRIU 3.17 on the 6.1 kernel: every dump fails ("-22 reported by netlink") without
# nf_conntrack_netlink; the TCP connection locks need xt_mark xt_tcpudp nft_compat; the
# socket-diag modules let it collect a container's sockets (without them every family
# answers -2 and the dump fails).
DEFAULT_MODULES="nf_conntrack_netlink xt_mark xt_tcpudp nft_compat unix_diag inet_diag tcp_diag udp_diag raw_diag af_packet_diag netlink_diag"
VM_EXTRA_PKGS=${VM_EXTRA_PKGS-$DEFAULT_PKGS}
VM_MODULES=${VM_MODULES-$DEFAULT_MODULES}
VM_MEM=${VM_MEM:-1024}; VM_CPUS=${VM_CPUS:-2}; VM_TIMEOUT=${VM_TIMEOUT:-900}
VM_ACCEL=${VM_ACCEL:-auto}; VM_SUITE=${VM_SUITE:-bookworm}
VM_MIRROR=${VM_MIRROR:-$(sed -n "s/^URIs: *//p" /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)}
VM_CACHE=${VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth-systemd-vm}
VM_KERNEL_CACHE=${VM_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cgroupv2-vm/kernel}
mkdir -p "$VM_CACHE" "$VM_KERNEL_CACHE"

# ---------------------------------------------------------------- host tools
vm_host_tools qemu-system-x86_64:qemu-system-x86 cpio:cpio

# ---------------------------------------------------------------- kernel (shared cache)
vm_kernel "$VM_KERNEL_CACHE"
kver=$(basename "$MODDIR")

# ---------------------------------------------------------------- base rootfs (cached)
PKGS=systemd,systemd-sysv,dbus,libseccomp2,kmod${VM_EXTRA_PKGS:+,$VM_EXTRA_PKGS}
INIT='#!/bin/sh
# stage 1: the initramfs root cannot be pivot_root()ed away from (runtimes get EINVAL):
# make / an ordinary bind mount, chroot into it and exec systemd as PID 1.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -n --bind / /newroot
cd /newroot
mount -n --move . /
exec chroot . /lib/systemd/systemd "$@"
'
UNIT='[Unit]
Description=VM payload
After=basic.target dbus.socket systemd-modules-load.service
Wants=dbus.socket
SuccessAction=poweroff-force
FailureAction=poweroff-force
[Service]
Type=oneshot
StandardInput=null
StandardOutput=journal+console
Environment=PATH=/payload:/payload/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C VM_OUT=/out SYSTEMD_COLORS=0 SYSTEMD_URLIFY=0 SYSTEMD_PAGER=
WorkingDirectory=/payload
ExecStart=/bin/sh /vm-payload.sh
'
# ttyS1: output, ttyS2: exit status, ttyS3: tar of /out (raw ttys: binary-clean)
RUNNER='#!/bin/sh
echo "vm: payload start uptime=$(cut -d" " -f1 /proc/uptime)s" >/dev/console
stty -F /dev/ttyS1 raw -echo; stty -F /dev/ttyS2 raw -echo; stty -F /dev/ttyS3 raw -echo
mkdir -p /out
sh /payload-cmd.sh </dev/null >/dev/ttyS1 2>&1
rc=$?
echo "vm: payload done uptime=$(cut -d" " -f1 /proc/uptime)s rc=$rc" >/dev/console
tar -C /out -cf /dev/ttyS3 .
echo $rc >/dev/ttyS2
'
key=$(printf '%s\n' "$SCRIPT_VERSION" "$VM_SUITE" "$PKGS" "$kver" "$VM_MODULES" "$INIT" "$UNIT" "$RUNNER" | md5sum | cut -c1-12)
BASE=$VM_CACHE/base-$key.cpio

# copy_module NAME ROOT: the module and every module it depends on
copy_module() {
    local f d dst
    f=$(find "$MODDIR/kernel" \( -name "$1.ko" -o -name "${1//_/-}.ko" \) | head -1)
    if [ -z "$f" ]; then
        grep -qE "/($1|${1//_/-})\.ko" "$MODDIR/modules.builtin" 2>/dev/null || die "kernel module $1 not in $MODDIR"
        return 0
    fi
    dst=$2/lib/modules/$kver/${f#"$MODDIR"/}
    [ -e "$dst" ] && return 0
    mkdir -p "$(dirname "$dst")"; cp "$f" "$dst"
    # the depends= entry of the .modinfo section (the host may have no kmod; Debian's
    # 6.1 modules are uncompressed)
    for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do copy_module "$d" "$2"; done
}

if [ ! -s "$BASE" ]; then
    [ "$(id -u)" = 0 ] || die "building the base image needs root (debootstrap); booting a cached one does not"
    command -v debootstrap >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2 ||
        die "cannot install debootstrap"
    R=$VM_CACHE/rootfs
    rm -rf --one-file-system "$R"
    log "debootstrap $VM_SUITE from $VM_MIRROR ($PKGS)"
    t0=$(date +%s)
    debootstrap --variant=minbase --include="$PKGS" "$VM_SUITE" "$R" "$VM_MIRROR" >"$VM_CACHE/debootstrap.log" 2>&1 ||
        { tail -20 "$VM_CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $VM_CACHE/debootstrap.log)"; }
    log "debootstrap took $(( $(date +%s) - t0 ))s"
    rm -rf "$R"/usr/share/{doc,man,info,locale,lintian,bug} "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/* \
           "$R"/var/cache/debconf/*-old "$R"/var/log/*.log "$R"/usr/bin/containerd-shim{,-runc-v1}
    printf '%s' "$INIT" >"$R/init"; chmod 0755 "$R/init"; mkdir -p "$R/newroot" "$R/payload" "$R/out"
    echo sdvm >"$R/etc/hostname"; printf '127.0.0.1 localhost sdvm\n::1 localhost\n' >"$R/etc/hosts"
    : >"$R/etc/fstab"
    # Boot straight to multi-user and the payload: no gettys, timers, firstboot, and no
    # daemons the packages enable (the checks start what they use, with their own config).
    for u in getty@tty1.service serial-getty@ttyS0.service getty.target systemd-firstboot.service \
             apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
             e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer systemd-pstore.service \
             remote-fs.target systemd-update-utmp.service systemd-update-utmp-runlevel.service \
             modprobe@configfs.service modprobe@dm_mod.service modprobe@drm.service \
             modprobe@fuse.service modprobe@loop.service systemd-journald-audit.socket \
             sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount \
             containerd.service podman.socket podman.service podman-auto-update.timer \
             podman-restart.service podman-auto-update.service; do
        ln -sf /dev/null "$R/etc/systemd/system/$u"
    done
    ln -sf /lib/systemd/system/multi-user.target "$R/etc/systemd/system/default.target"
    printf '%s' "$UNIT" >"$R/etc/systemd/system/payload.service"
    printf '%s' "$RUNNER" >"$R/vm-payload.sh"; chmod 0755 "$R/vm-payload.sh"
    mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
    ln -sf ../payload.service "$R/etc/systemd/system/multi-user.target.wants/payload.service"
    mkdir -p "$R/etc/systemd/journald.conf.d"
    printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' >"$R/etc/systemd/journald.conf.d/vm.conf"
    if [ -n "$VM_MODULES" ]; then
        for m in $VM_MODULES; do copy_module "$m" "$R"; done
        cp "$MODDIR"/modules.{order,builtin}* "$R/lib/modules/$kver/" 2>/dev/null || true
        chroot "$R" depmod "$kver"
        printf '%s\n' $VM_MODULES >"$R/etc/modules-load.d/vm.conf"
    fi
    log "packing base initramfs ($(du -sh "$R" | cut -f1) unpacked)"
    (cd "$R" && find . | cpio -o -H newc --quiet) >"$BASE.tmp"
    rm -rf --one-file-system "$R"
    mv "$BASE.tmp" "$BASE"
    find "$VM_CACHE" -maxdepth 1 -name 'base-*' ! -name "$(basename "$BASE")" -delete   # older recipes
    log "base initramfs $(du -h "$BASE" | cut -f1), built in $(( $(date +%s) - t0 ))s"
fi
[ "${VM_BUILD_ONLY:-0}" = 1 ] && { log "build only: $BASE"; exit 0; }

# ---------------------------------------------------------------- payload initramfs, boot
W=$(mktemp -d "${TMPDIR:-/tmp}/berth-sdvm.XXXXXX")
cleanup() { [ "${VM_KEEP:-0}" = 1 ] && log "work dir kept: $W" || rm -rf "$W"; }
trap cleanup EXIT
vm_initrd "$BASE" "$DIR" real-dirs "$W" "$@"
: >"$W/out.tar"
vm_boot "$W" systemd.show_status=0 -chardev "file,id=s3,path=$W/out.tar,append=on" -serial chardev:s3
