# Shared by the project's throw-away QEMU VM harnesses (tests/cgroupv2-vm/run-in-vm.sh,
# tests/systemd-vm/vm.sh): bash, sourced after `set -euo pipefail` with VM_NAME set (the
# prefix of the harness's messages). The harness builds its own cached base initramfs;
# these functions fetch the kernel, append the payload and boot.

die() { echo "$VM_NAME: $*" >&2; exit 125; }                       # setup or VM failure
skip() { echo "$VM_NAME: SKIP: $*" >&2; exit 77; }                 # ctest: skipped
log() { [ "${VM_QUIET:-0}" = 1 ] || echo "$VM_NAME: [$(date +%T)] $*" >&2; }

# vm_host_tools COMMAND:PACKAGE...: apt-get install the packages of missing commands
# (root only), else skip
vm_host_tools() {
    local need=() t
    for t in "$@"; do command -v "${t%%:*}" >/dev/null || need+=("${t#*:}"); done
    [ ${#need[@]} -gt 0 ] || return 0
    [ "$(id -u)" = 0 ] || skip "missing ${need[*]}: run tests/setup/install-deps.sh"
    log "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
        skip "cannot install ${need[*]}"
}

# vm_kernel CACHE: sets KERNEL and MODDIR from a Debian kernel package unpacked (never
# installed) into CACHE/<package> once: VM_KERNEL_DEB (a downloaded .deb), else
# VM_KERNEL_PKG, else what linux-image-cloud-amd64 depends on, apt-get download-ed
vm_kernel() {
    local pkg kdir t
    if [ -n "${VM_KERNEL_DEB:-}" ]; then
        pkg=$(basename "$VM_KERNEL_DEB" .deb)
    else
        pkg=${VM_KERNEL_PKG:-$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
                               awk '/Depends: linux-image-[0-9]/{print $2; exit}')}
        [ -n "$pkg" ] || skip "cannot resolve the kernel package (set VM_KERNEL_PKG=exact-name; apt-get update?)"
    fi
    kdir=$1/$pkg
    if [ ! -e "$kdir/.done" ]; then
        rm -rf "$kdir"; mkdir -p "$kdir"
        if [ -n "${VM_KERNEL_DEB:-}" ]; then
            dpkg -x "$VM_KERNEL_DEB" "$kdir"
        else
            log "fetching kernel package $pkg"
            t=$(mktemp -d); chmod 0777 "$t"
            (cd "$t" && apt-get download "$pkg" >&2) || { rm -rf "$kdir" "$t"; skip "apt-get download $pkg failed"; }
            dpkg -x "$t"/*.deb "$kdir"; rm -rf "$t"
        fi
        touch "$kdir/.done"
    fi
    KERNEL=$(ls "$kdir"/boot/vmlinuz-* | head -1)
    MODDIR=$(ls -d "$kdir"/lib/modules/* | head -1)
}

# vm_initrd BASE DIR LIBS W CMD...: $W/initrd = the cached BASE initramfs + DIR at
# /payload + the host's shared libraries of the dynamic ELF files at depth <= 2 of DIR
# (deeper ones, e.g. inside a bundle's rootfs, are not resolved against the host) +
# /payload-cmd.sh running CMD (one argument: a sh -c script; several: an argv).
# LIBS=as-is puts each library at its host path; LIBS=real-dirs at its directory's real
# path, for a merged-/usr guest: a cpio entry "lib/..." would replace the guest's /lib
# symlink by a directory and hide what is under /usr/lib.
vm_initrd() {
    local base=$1 dir=$2 libs=$3 w=$4 p=$4/payload-root f lib d owner=()
    shift 4
    mkdir -p "$p/payload"
    cp -a "$dir"/. "$p/payload/"
    find "$p/payload" -maxdepth "${VM_LDD_DEPTH:-2}" -type f -perm -u+x | while read -r f; do
        [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
        { LC_ALL=C ldd "$f" 2>/dev/null || true; } | awk '/=> \//{print $3} /^\t\//{print $1}'
    done | sort -u | while read -r lib; do
        d=$(dirname "$lib"); [ "$libs" = real-dirs ] && d=$(readlink -f "$d")
        [ -e "$p$d/$(basename "$lib")" ] && continue
        mkdir -p "$p$d"; cp -L "$lib" "$p$d/"
    done
    {
        echo '#!/bin/sh'
        if [ $# -eq 1 ]; then
            printf '%s\n' "$1"
        else
            printf 'exec'; for f in "$@"; do printf " '%s'" "$(printf '%s' "$f" | sed "s/'/'\\\\''/g")"; done; echo
        fi
    } >"$p/payload-cmd.sh"
    # as root the payload keeps its owners (a bundle's /home/berth is 1000:1000)
    [ "$(id -u)" = 0 ] || owner=(-R 0:0)
    (cd "$p" && find . -mindepth 1 | cpio -o -H newc "${owner[@]}" --quiet) >"$w/payload.cpio"
    cat "$base" "$w/payload.cpio" >"$w/initrd"
    rm -rf "$p" "$w/payload.cpio"
}

# vm_boot W APPEND QEMU-ARG...: boot KERNEL with $W/initrd (VM_ACCEL, VM_MEM, VM_CPUS,
# VM_TIMEOUT, VM_QEMU_ARGS), the kernel command line "console=ttyS0 ... APPEND VM_APPEND".
# systemd mounts pure cgroup v2, or with VM_UNIFIED_CGROUPS=0 systemd 252's hybrid layout
# (v1 controllers, name=systemd, cgroup2 at /sys/fs/cgroup/unified).
# The console goes to $W/console.log; ttyS1 ($W/out.log, streamed to stdout while the VM
# runs) and ttyS2 ($W/status) are wired here, further channels come in QEMU-ARG (files in
# $W: whatever arrives in $W/out.tar is unpacked into VM_OUTDIR). Exits with the status
# the guest wrote to $W/status, or 124 (timeout) / 125 (none).
vm_boot() {
    local w=$1 append=$2 accel=$VM_ACCEL accel_args qpid tpid qrc start end rc
    shift 2
    if [ "$accel" = auto ]; then
        accel=tcg
        if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; fi
    fi
    case $accel in
        kvm) accel_args=(-accel kvm -cpu host) ;;
        tcg) accel_args=(-accel tcg,thread=multi -cpu "${VM_CPU_MODEL:-max}") ;;
        *) die "VM_ACCEL must be auto, kvm or tcg" ;;
    esac
    : >"$w/out.log"; : >"$w/status"
    log "booting ($accel, ${VM_CPUS} cpu, ${VM_MEM}M, $(basename "$KERNEL"), initrd $(du -h "$w/initrd" | cut -f1))"
    start=$(date +%s.%N)
    set +e
    timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -M q35 "${accel_args[@]}" \
        -m "$VM_MEM" -smp "$VM_CPUS" -nodefaults -no-user-config -display none -no-reboot \
        -kernel "$KERNEL" -initrd "$w/initrd" \
        -append "console=ttyS0 quiet panic=-1 mitigations=off systemd.unified_cgroup_hierarchy=${VM_UNIFIED_CGROUPS:-1} i8042.noaux i8042.nokbd $append ${VM_APPEND:-}" \
        -serial "file:$w/console.log" \
        -chardev "file,id=s1,path=$w/out.log,append=on" -serial chardev:s1 \
        -chardev "file,id=s2,path=$w/status,append=on" -serial chardev:s2 \
        "$@" ${VM_QEMU_ARGS:-} \
        </dev/null >"$w/qemu.log" 2>&1 &
    qpid=$!
    trap 'kill $qpid 2>/dev/null; exit 130' INT TERM
    tail -s 0.2 -f --pid=$qpid "$w/out.log" 2>/dev/null &
    tpid=$!
    wait $qpid; qrc=$?
    wait $tpid 2>/dev/null
    set -e
    end=$(date +%s.%N)
    log "VM finished in $(awk "BEGIN{printf \"%.1f\", $end-$start}")s; $(grep -ao 'payload start uptime=[0-9.]*s' "$w/console.log" | head -1)"
    [ "${VM_VERBOSE:-0}" = 1 ] && cat "$w/qemu.log" "$w/console.log" >&2
    if [ -n "${VM_OUTDIR:-}" ] && [ -s "$w/out.tar" ]; then
        mkdir -p "$VM_OUTDIR"; tar -C "$VM_OUTDIR" -xf "$w/out.tar" || log "could not unpack /out"
    fi
    rc=$(tr -dc '0-9' <"$w/status")
    if [ -z "$rc" ]; then
        [ "${VM_VERBOSE:-0}" = 1 ] || { cat "$w/qemu.log"; tail -n 40 "$w/console.log"; } >&2
        if [ $qrc = 124 ] || [ $qrc = 137 ]; then echo "$VM_NAME: timeout after ${VM_TIMEOUT}s" >&2; exit 124; fi
        echo "$VM_NAME: VM ended without an exit status (qemu rc=$qrc)" >&2; exit 125
    fi
    exit "$rc"
}
