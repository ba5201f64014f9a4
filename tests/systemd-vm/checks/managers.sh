#!/bin/bash
# Runs INSIDE the systemd VM: real managers driving RUNTIME through its systemd cgroup
# driver, on a local image imported from the busybox bundle's rootfs (no registry):
#   podman (cgroup_manager = "systemd", --runtime RUNTIME_PATH, vfs storage, no network)
#   containerd 1.6 + ctr with the runc shim (io.containerd.runc.v2; ctr's --runc-binary and
#   --runc-systemd-cgroup set the shim's BinaryName and SystemdCgroup options, the fields a
#   CRI config sets), a slice:prefix:name cgroup, the native snapshotter
#   managers.sh RUNTIME_PATH
# One line per check, then `N passed, M failed`; exit 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 RUNTIME_PATH" >&2; exit 2; }
. "$here/lib.sh" "$1"
RUNTIME=$(command -v "$1") || { echo "managers.sh: no runtime $1" >&2; exit 2; }
ROOTFS=${BUNDLE:-/payload/bundle}/rootfs
name=$(basename "$RUNTIME")
W=/run/sdvm-managers-$name; mkdir -p "$W"
CG=/sys/fs/cgroup
echo "# manager checks: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1))"

# ---------------------------------------------------------------- podman
cat >"$W/containers.conf" <<'EOF'
[engine]
cgroup_manager = "systemd"
events_logger = "file"
EOF
pm() {
    CONTAINERS_CONF=$W/containers.conf podman --root "$W/podman" --runroot "$W/podman-run" \
        --storage-driver vfs --runtime "$RUNTIME" "$@"
}
tar -C "$ROOTFS" -cf "$W/rootfs.tar" .
podman_checks "$W/rootfs.tar" /machine.slice unit_prop unit_gone

# ---------------------------------------------------------------- containerd + ctr
S=$W/containerd
containerd_up "$S"
oci_archive "$ROOTFS" "$W/image.tar" "$W/oci"
step "containerd: import" "$S/ctr.log" c images import --snapshotter native "$W/image.tar"
U=sdvm-ctr-c1.scope; P=/system.slice/$U
step "containerd: run -d" "$S/ctr.log" c run -d --snapshotter native --runc-binary "$RUNTIME" --runc-systemd-cgroup \
    --cgroup system.slice:sdvm-ctr:c1 --memory-limit 67108864 docker.io/library/sdvm-busybox:latest c1 sleep 100000
# the shim ran RUNTIME (BinaryName) with its state under the shim's default root: the
# runtime itself knows the container (the scope below shows SystemdCgroup took effect)
expect "containerd: the runtime's container" "$("$RUNTIME" --root /run/containerd/runc/sdvm list -q 2>&1)" c1
pid=$(c task ls 2>/dev/null | awk '$1 == "c1" {print $2}')
expect "containerd: scope active" "$(unit_prop $U ActiveState)" active
expect "containerd: ControlGroup" "$(unit_prop $U ControlGroup)" "$P"
expect "containerd: init's cgroup" "$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>&1)" "$P"
expect "containerd: MemoryMax" "$(unit_prop $U MemoryMax)" 67108864
# ctr's default spec has no cgroup namespace: the exec'd process sees the scope's path
expect "containerd: exec" "$(c task exec --exec-id e1 c1 cat /proc/self/cgroup 2>&1)" "0::$P"
step "containerd: kill" "$S/ctr.log" c task kill -s KILL c1
wait_for 10 sh -c "ctr -a $S/containerd.sock -n sdvm task ls | grep -q '^c1 .*STOPPED'" && ok "containerd: task stopped" ||
    fail "containerd: task stopped" "$(c task ls 2>&1 | tr '\n' '|')"
step "containerd: task delete" "$S/ctr.log" c task delete c1
step "containerd: container delete" "$S/ctr.log" c containers delete c1
if wait_for 5 unit_gone $U; then ok "containerd: scope gone"; else fail "containerd: scope gone" "$(unit_prop $U ActiveState)"; fi
[ -e $CG$P ] && fail "containerd: cgroup removed" "$CG$P exists" || ok "containerd: cgroup removed"
containerd_down
rm -rf "$W"
summary
