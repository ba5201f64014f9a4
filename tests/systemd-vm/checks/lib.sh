# Shared by the check scripts that run INSIDE the systemd VM (bash), sourced as
# `. lib.sh RUNTIME`. One line per check: `ok NAME` or `FAIL NAME: why`; summary() prints
# `N passed, M failed, K known failures` and returns non-zero when any check failed.
# A reference runtime's known differences: checks/known/RUNTIME lists check names (one a
# line, `#` comments say why). A listed check that fails prints `known NAME: why` and does
# not count as failed; one that passes is a FAIL, so the list cannot go stale. On a hybrid
# boot (VM_UNIFIED_CGROUPS=0) checks/known/RUNTIME.hybrid lists that layout's own as well.
passed=0; failed=0; known=0
KNOWN=$(dirname "${BASH_SOURCE[0]}")/known/$(basename "$1")
KNOWN_FILES=$KNOWN; [ -e /sys/fs/cgroup/cgroup.controllers ] || KNOWN_FILES+=" $KNOWN.hybrid"
is_known() { cat $KNOWN_FILES 2>/dev/null | grep -v '^#' | grep -qxF -- "$1"; }
ok() {
    if is_known "$1"; then echo "FAIL $1: passes, but is listed in $KNOWN_FILES"; failed=$((failed + 1))
    else echo "ok $1"; passed=$((passed + 1)); fi
}
fail() {
    if is_known "$1"; then echo "known $1: $2"; known=$((known + 1))
    else echo "FAIL $1: $2"; failed=$((failed + 1)); fi
}
# expect NAME ACTUAL WANT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi; }
summary() { echo "$passed passed, $failed failed, $known known failures"; [ "$failed" = 0 ]; }
# unit_prop UNIT PROPERTY: the property's value as systemctl shows it
unit_prop() { systemctl show -p "$2" --value "$1" 2>&1; }
# wait_for SECONDS CMD...: poll (0.2 s) until CMD succeeds
wait_for() {
    local n=$(($1 * 5)); shift
    while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.2; done
}
# unit_gone UNIT: systemd no longer has the unit running (not loaded, or loaded but inactive)
unit_gone() { [ "$(unit_prop "$1" ActiveState)" = inactive ]; }
# step NAME LOG CMD...: run CMD (stdin /dev/null, output appended to LOG): ok NAME, or
# FAIL NAME with LOG's last line (the runtime's or manager's error) and return 1
step() {
    local name=$1 log=$2; shift 2
    if "$@" </dev/null >>"$log" 2>&1; then ok "$name"; else fail "$name" "exit $?: $(last_line "$log")"; return 1; fi
}
# last_line FILE: the last line of FILE (a runtime's error), for FAIL messages
last_line() { tail -n1 "$1" 2>/dev/null; }
# podman_checks ROOTFS_TAR PARENT PROP GONE: podman (the caller's `pm` function: its config,
# storage and --runtime) imports ROOTFS_TAR and runs on the runtime's systemd driver: run, exit
# status, run -d --memory (libpod-ID.scope, its cgroup PARENT/libpod-ID.scope), exec, stop, rm.
# `PROP UNIT NAME` reads a unit's property and `GONE UNIT` says it is gone, from the manager
# podman uses (the system's or the user's). The commands' output goes to $W/podman.log.
podman_checks() {
    local tar=$1 parent=$2 prop=$3 gone=$4 img=localhost/sdvm-busybox:latest log=$W/podman.log id pid unit path
    step "podman: import" "$log" pm import "$tar" "$img"
    expect "podman: run" "$(pm run --rm --network none "$img" echo hello 2>&1 </dev/null)" hello
    pm run --rm --network none "$img" sh -c 'exit 3' </dev/null >/dev/null 2>&1
    expect "podman: run exit status" $? 3
    step "podman: run -d" "$log" pm run -d --name sdvm-p1 --network none --memory 64m "$img" sleep 100000
    read -r id pid < <(pm inspect -f '{{.Id}} {{.State.Pid}}' sdvm-p1 2>/dev/null </dev/null)
    unit=libpod-$id.scope path=$parent/libpod-$id.scope
    expect "podman: scope active" "$("$prop" "$unit" ActiveState)" active
    expect "podman: ControlGroup" "$("$prop" "$unit" ControlGroup)" "$path"
    expect "podman: init's cgroup" "$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>&1)" "$path"
    expect "podman: --memory as MemoryMax" "$("$prop" "$unit" MemoryMax)" 67108864
    expect "podman: memory.max" "$(cat "/sys/fs/cgroup$path/memory.max" 2>&1)" 67108864
    # podman gives the container a cgroup namespace on v2: the exec'd process joined it
    expect "podman: exec" "$(pm exec sdvm-p1 cat /proc/self/cgroup 2>&1 </dev/null)" "0::/"
    step "podman: stop" "$log" pm stop -t 1 sdvm-p1
    expect "podman: stopped" "$(pm inspect -f '{{.State.Status}}' sdvm-p1 2>&1 </dev/null)" exited
    if wait_for 5 "$gone" "$unit"; then ok "podman: scope gone after stop"
    else fail "podman: scope gone after stop" "$("$prop" "$unit" ActiveState)"; fi
    step "podman: rm" "$log" pm rm sdvm-p1
    expect "podman: nothing left" "$(pm ps -aq 2>&1 </dev/null)" ""
}
# oci_archive ROOTFS OUT.tar WORKDIR: an OCI image archive of ROOTFS (one uncompressed layer,
# its config, a manifest), named docker.io/library/sdvm-busybox:latest, built in WORKDIR
oci_archive() {
    local d=$3 b=$3/blobs/sha256 layer cfg man
    rm -rf "$d"; mkdir -p "$b"
    tar -C "$1" -cf "$d/layer" .
    layer=$(sha256sum "$d/layer" | cut -d' ' -f1); mv "$d/layer" "$b/$layer"
    jq -nc --arg l "sha256:$layer" '{architecture: "amd64", os: "linux",
        config: {Cmd: ["sh"]}, rootfs: {type: "layers", diff_ids: [$l]}}' >"$d/cfg"
    cfg=$(sha256sum "$d/cfg" | cut -d' ' -f1); mv "$d/cfg" "$b/$cfg"
    jq -nc --arg c "sha256:$cfg" --argjson cs "$(stat -c %s "$b/$cfg")" \
        --arg l "sha256:$layer" --argjson ls "$(stat -c %s "$b/$layer")" '{schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
        layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$d/man"
    man=$(sha256sum "$d/man" | cut -d' ' -f1); mv "$d/man" "$b/$man"
    jq -nc --arg m "sha256:$man" --argjson ms "$(stat -c %s "$b/$man")" '{schemaVersion: 2,
        manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
                     annotations: {"io.containerd.image.name": "docker.io/library/sdvm-busybox:latest",
                                   "org.opencontainers.image.ref.name": "latest"}}]}' >"$d/index.json"
    echo '{"imageLayoutVersion": "1.0.0"}' >"$d/oci-layout"
    tar -C "$d" -cf "$2" oci-layout index.json blobs
}
# containerd_up DIR: a containerd of its own (config, socket, root and state in DIR, the CRI
# plugin off) in the background, `ok containerd: up` when it answers; `c ARGS...` is ctr on
# it (namespace sdvm); containerd_down stops it
containerd_up() {
    CTRD_DIR=$1
    mkdir -p "$CTRD_DIR"
    cat >"$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTRD_DIR/containerd.sock"
EOF
    containerd --config "$CTRD_DIR/config.toml" >"$CTRD_DIR/containerd.log" 2>&1 &
    CTRD_PID=$!
    wait_for 20 c version >/dev/null 2>&1 && ok "containerd: up" || fail "containerd: up" "$(tail -n2 "$CTRD_DIR/containerd.log")"
}
c() { ctr -a "$CTRD_DIR/containerd.sock" -n sdvm "$@"; }
containerd_down() { kill "$CTRD_PID"; wait "$CTRD_PID" 2>/dev/null; }
