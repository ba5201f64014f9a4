#!/bin/bash
# Runs INSIDE the systemd VM: RUNTIME without root, its systemd cgroup driver talking to the
# user's own systemd (user@UID.service, over the session bus), alone and under rootless
# podman. A lingering user `sdvm` (made once per boot, shared by the runtimes) with
# subuid/subgid ranges and cpu, cpuset, io, memory and pids delegated to its manager:
#   runtime: `RUNTIME --systemd-cgroup run -d` of a `spec --rootless` config (user namespace,
#            the user mapped to root) with memory and pids limits and cgroupsPath
#            user.slice:sdvm:c1: the scope active in the user's manager, under its
#            ControlGroup, the init in it, limits as properties and files; exec, kill, delete
#   podman:  rootless podman (cgroup_manager = "systemd", --runtime RUNTIME_PATH, vfs
#            storage, no network, an image imported from the bundle's rootfs): run, exit
#            status, run -d --memory (libpod-ID.scope in the user manager's user.slice),
#            exec, stop, rm
#   rootless.sh RUNTIME_PATH
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 RUNTIME_PATH" >&2; exit 2; }
. "$here/lib.sh" "$1"
RUNTIME=$(command -v "$1") || { echo "rootless.sh: no runtime $1" >&2; exit 2; }
ROOTFS=${BUNDLE:-/payload/bundle}/rootfs
rt=$(basename "$RUNTIME")  # not `name`: lib.sh's step has a local of that name
CG=/sys/fs/cgroup
USR=sdvm
echo "# rootless checks: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1))"

# ---------------------------------------------------------------- the user (once per boot)
if ! id -u $USR >/dev/null 2>&1; then
    useradd -m -s /bin/sh $USR
    # bookworm's useradd allots ranges itself (SUB_UID_MIN in login.defs)
    grep -q "^$USR:" /etc/subuid || echo "$USR:100000:65536" >>/etc/subuid
    grep -q "^$USR:" /etc/subgid || echo "$USR:100000:65536" >>/etc/subgid
    # systemd 252 delegates only memory and pids to user@.service; podman's docs add these
    mkdir -p /etc/systemd/system/user@.service.d
    printf '[Service]\nDelegate=cpu cpuset io memory pids\n' >/etc/systemd/system/user@.service.d/delegate.conf
    systemctl daemon-reload
    loginctl enable-linger $USR
fi
ID=$(id -u $USR)
RUN=/run/user/$ID
MGR=/user.slice/user-$ID.slice/user@$ID.service
wait_for 30 test -S "$RUN/bus" && ok "user manager: session bus" || fail "user manager: session bus" "no $RUN/bus"
expect "user manager: delegated controllers" "$(tr ' ' '\n' <"$CG$MGR/cgroup.controllers" 2>&1 | grep -cxE 'cpu|cpuset|io|memory|pids')" 5
asuser() {
    (cd / && runuser -u $USR -- env HOME=/home/$USR XDG_RUNTIME_DIR="$RUN" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=$RUN/bus" "$@")
}
uprop() { asuser systemctl --user show -p "$2" --value "$1" 2>&1; }
ugone() { [ "$(uprop "$1" ActiveState)" = inactive ]; }
W=/home/$USR/sdvm-$rt
asuser mkdir -p "$W"
# /payload is root's: the user runs a copy (podman too)
if ! asuser test -x "$RUNTIME"; then
    install -D -m 755 "$RUNTIME" "/usr/local/lib/sdvm/$rt" && RUNTIME=/usr/local/lib/sdvm/$rt
fi
# the user's copy of the rootfs (/payload is root's)
cp -a "$ROOTFS" "$W/rootfs" && chown -R $USR: "$W/rootfs"

# ---------------------------------------------------------------- the runtime alone
R() { asuser "$RUNTIME" --root "$RUN/sdvm-state-$rt" --systemd-cgroup "$@"; }
B=$W/bundle
asuser mkdir -p "$B"
step "runtime: spec --rootless" "$W/rt.log" asuser sh -c "cd $B && $RUNTIME spec --rootless"
# runc's rootless spec keeps the cgroup namespace its v2 spec has: the container's
# /sys/fs/cgroup (a bind of the host's /sys) cannot take a cgroup2 mount, the
# runtime binds the container's cgroup there instead (exec below reads it)
expect "runtime: spec --rootless namespaces" "$(jq -r '[.linux.namespaces[].type] | join(" ")' "$B/config.json" 2>&1)" \
    "pid ipc uts mount cgroup user"
asuser sh -c "jq --arg r $W/rootfs '.root = {path: \$r, readonly: true} | .process.terminal = false
    | .process.args = [\"sleep\", \"100000\"] | .linux.cgroupsPath = \"user.slice:sdvm:c1\"
    | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 32}}' $B/config.json >$B/c && mv $B/c $B/config.json"
U=sdvm-c1.scope; P=$MGR/user.slice/$U
step "runtime: run -d" "$W/rt.log" R run -d --bundle "$B" c1
pid=$(R state c1 2>/dev/null | jq -r .pid)
expect "runtime: scope active in the user manager" "$(uprop $U ActiveState)" active
expect "runtime: ControlGroup" "$(uprop $U ControlGroup)" "$P"
expect "runtime: init's cgroup" "$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>&1)" "$P"
expect "runtime: init's owner" "$(stat -c %u "/proc/$pid" 2>&1)" "$ID"
expect "runtime: MemoryMax" "$(uprop $U MemoryMax)" 67108864
expect "runtime: TasksMax" "$(uprop $U TasksMax)" 32
expect "runtime: memory.max" "$(cat "$CG$P/memory.max" 2>&1)" 67108864
expect "runtime: pids.max" "$(cat "$CG$P/pids.max" 2>&1)" 32
expect "runtime: exec" "$(R exec c1 sh -c 'echo hi; id -u' 2>&1 </dev/null | tr '\n' ' ')" "hi 0 "
# the init at its cgroup namespace's root, the scope's files at /sys/fs/cgroup (read by an
# exec, which joins the namespaces; exec itself stays outside the scope, see the README)
expect "runtime: cgroup namespace" "$(R exec c1 sh -c 'cat /proc/1/cgroup; cat /sys/fs/cgroup/memory.max' 2>&1 </dev/null | tr '\n' ' ')" "0::/ 67108864 "
step "runtime: kill" "$W/rt.log" R kill c1 KILL
stopped() { [ "$(R state c1 2>/dev/null | jq -r .status)" = stopped ]; }
wait_for 10 stopped && ok "runtime: stopped" || fail "runtime: stopped" "$(R state c1 2>&1 | tail -n1)"
step "runtime: delete" "$W/rt.log" R delete c1
if wait_for 5 ugone $U; then ok "runtime: scope gone"; else fail "runtime: scope gone" "$(uprop $U ActiveState)"; fi
[ -e "$CG$P" ] && fail "runtime: cgroup removed" "$CG$P exists" || ok "runtime: cgroup removed"
expect "runtime: list empty" "$(R list -q 2>&1)" ""

# ---------------------------------------------------------------- rootless podman
asuser sh -c "printf '[engine]\ncgroup_manager = \"systemd\"\nevents_logger = \"file\"\n' >$W/containers.conf"
pm() {
    asuser env CONTAINERS_CONF="$W/containers.conf" podman --root "$W/podman" --runroot "$RUN/sdvm-podman-$rt" \
        --storage-driver vfs --runtime "$RUNTIME" "$@"
}
tar -C "$W/rootfs" -cf "$W/rootfs.tar" . && chown $USR "$W/rootfs.tar"
podman_checks "$W/rootfs.tar" "$MGR/user.slice" uprop ugone
# a failure's details, then the user's files (podman's vfs layers belong to its subuids)
[ "$failed" = 0 ] || tail -n 20 "$W"/*.log 2>/dev/null | sed 's/^/# log: /'
rm -rf "$W" "$RUN/sdvm-state-$rt" "$RUN/sdvm-podman-$rt"
summary
