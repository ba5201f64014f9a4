#!/bin/bash
# Runs INSIDE the systemd VM (payload.service, root, cwd /payload): every check group
# for each runtime named on the command line (a name in PATH: /payload/bin/berth, or the
# image's runc and crun). Each group's output also goes to /out/RUNTIME-GROUP.log, which
# vm.sh copies back to the host (VM_OUTDIR). RUNTIME:GROUP[,GROUP] runs only those groups
# (by hand: `run-ctest.sh ... berth:rootless`).
#   payload.sh RUNTIME[:GROUPS]...
set -u
[ $# -ge 1 ] || { echo "usage: $0 RUNTIME..." >&2; exit 2; }
fail=0
up() { cut -d' ' -f1 /proc/uptime; }
echo "payload: $(uname -r), systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'), /sys/fs/cgroup $(stat -fc %T /sys/fs/cgroup), uptime $(up)s, $(df -m --output=avail / | tail -n1 | tr -d ' ') MB free in /"
# the modules vm.sh put into the image (CRIU's) are loaded
for m in $(cat /etc/modules-load.d/vm.conf 2>/dev/null); do
    grep -q "^$m " /proc/modules || { echo "payload: FAIL kernel module $m not loaded"; fail=1; }
done
for arg in "$@"; do
    rt=${arg%%:*} groups="systemd-driver managers rootless runc-bats criu criu-bats"
    [ "$rt" = "$arg" ] || groups=$(tr , ' ' <<<"${arg#*:}")
    path=$(command -v "$rt") || { echo "payload: FAIL no runtime $rt"; fail=1; continue; }
    for group in $groups; do
        t0=$(up)
        # the manager groups hand the runtime's path to podman and containerd
        what=$path; [ $group = systemd-driver ] && what=$rt
        ./checks/$group.sh "$what" 2>&1 | tee "$VM_OUT/$rt-$group.log"
        rc=${PIPESTATUS[0]}
        [ "$rc" = 0 ] || fail=1
        # each group's files stay in / (the image, unpacked into RAM: half of it at most)
        echo "payload: $rt $group rc=$rc in $(awk "BEGIN{printf \"%.1f\", $(up) - $t0}")s, $(df -m --output=avail / | tail -n1 | tr -d ' ') MB left in /"
    done
done
echo "payload: RESULT $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
