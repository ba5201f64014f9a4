#!/bin/bash
# Runs INSIDE the systemd VM: RUNTIME's systemd cgroup driver (`--systemd-cgroup`:
# transient scopes and slices over D-Bus) on the busybox bundle in /payload/bundle.
#   systemd-driver.sh RUNTIME        (a path or a name in PATH: runc, crun, berth)
# One line per check (ok NAME / FAIL NAME: why), then `N passed, M failed`; exit 1 on
# any failure. Checks about behaviour compare meaning, never a runtime's wording.
# The same checks on a pure cgroup v2 boot and on a hybrid one (VM_UNIFIED_CGROUPS=0:
# systemd's legacy unit properties, the v1 controller hierarchies' files, the v1 freezer).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 RUNTIME" >&2; exit 2; }
. "$here/lib.sh" "$1"
RUNTIME=$1
BUNDLE=${BUNDLE:-/payload/bundle}
name=$(basename "$RUNTIME")
ROOT=/run/sdvm-state-$name        # the runtime's --root
B=/run/sdvm-bundles-$name         # one config.json per container, the rootfs shared
LOG=/run/sdvm-log-$name; mkdir -p "$B" "$LOG"
CG=/sys/fs/cgroup
V2=; [ -e $CG/cgroup.controllers ] && V2=1

# cg_dir CONTROLLER: the container's ($P) directory holding CONTROLLER's files
cg_dir() { if [ -n "$V2" ]; then echo "$CG$P"; else echo "$CG/$1$P"; fi; }
# cg_dirs_of PATH: the directories of cgroup PATH that exist, in any hierarchy
cg_dirs_of() {
    local d
    for d in $CG $CG/*; do [ -d "$d$1" ] && [ ! -L "$d" ] && echo "$d$1"; done
}
# expect_props NAME UNIT, lines "PROPERTY VALUE" on stdin: systemctl show's values
expect_props() {
    local p v
    while read -r p v; do expect "$1: $p" "$(unit_prop "$2" "$p")" "$v"; done
}
# expect_files NAME, lines "CONTROLLER FILE VALUE" on stdin: the files of the container's cgroup
expect_files() {
    local c f v
    while read -r c f v; do expect "$1: $f" "$(cat "$(cg_dir "$c")/$f" 2>&1)" "$v"; done
}

rt() { "$RUNTIME" --root "$ROOT" --systemd-cgroup "$@"; }
# bundle ID CGROUPSPATH [JQ-FILTER]: $B/ID/config.json from the bundle's, sleeping forever
# (ociVersion 1.0.2: what every runtime under test accepts; crun 1.8 refuses 1.3.0)
bundle() {
    mkdir -p "$B/$1"
    jq --arg root "$BUNDLE/rootfs" --arg cg "$2" \
        ".ociVersion = \"1.0.2\" | .root.path = \$root | .linux.cgroupsPath = \$cg | .process.args = [\"sleep\", \"100000\"] | ${3:-.}" \
        "$BUNDLE/config.json" >"$B/$1/config.json"
}
# create_start NAME ID: create + start (the container's stdio goes to $LOG/ID)
create_start() {
    step "$1: create" "$LOG/$2" rt create --bundle "$B/$2" "$2" && step "$1: start" "$LOG/$2" rt start "$2"
}
init_pid() { rt state "$1" 2>/dev/null | jq -r .pid; }
# elsewhere PID CGPATH: the lines of /proc/PID/cgroup (one per hierarchy; v2: one) whose
# cgroup is not CGPATH, joined by spaces
elsewhere() { awk -F: -v p="$2" '$3 != p' "/proc/$1/cgroup" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
# in_unit NAME ID UNIT CGPATH: the container runs in the active UNIT whose cgroup is CGPATH
in_unit() {
    local pid; pid=$(init_pid "$2")
    expect "$1: $3 active" "$(unit_prop "$3" ActiveState)" active
    expect "$1: ControlGroup" "$(unit_prop "$3" ControlGroup)" "$4"
    expect "$1: init's /proc/PID/cgroup" "$(elsewhere "$pid" "$4")" ""
}
# removed NAME ID UNIT CGPATH: delete -f leaves no unit, no cgroup and no state
removed() {
    step "$1: delete -f" "$LOG/$2" rt delete -f "$2"
    if wait_for 5 unit_gone "$3"; then ok "$1: unit gone after delete"
    else fail "$1: unit gone after delete" "$3 is $(unit_prop "$3" ActiveState)"; fi
    left=$(cg_dirs_of "$4")
    if [ -n "$left" ]; then fail "$1: cgroup removed" "$(tr '\n' ' ' <<<"$left")still exist"; else ok "$1: cgroup removed"; fi
    if rt state "$2" >/dev/null 2>&1; then fail "$1: state removed" "state $2 still answers"; else ok "$1: state removed"; fi
}

echo "# systemd-driver checks: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1)), systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"

# ---- spec: on a cgroup v2 host runc's adds a cgroup namespace after the mount one
mkdir -p "$B/spec"
(cd "$B/spec" && "$RUNTIME" spec >/dev/null 2>&1)
expect "spec: namespaces" "$(jq -r '[.linux.namespaces[].type] | join(" ")' "$B/spec/config.json" 2>&1)" \
    "pid network ipc uts mount${V2:+ cgroup}"
rm -rf "$B/spec"

# ---- a transient scope: run -d, Delegate, the init in it
U=berth-test-c1.scope; P=/system.slice/$U
bundle c1 system.slice:berth-test:c1
step "scope: run -d" "$LOG/c1" rt run -d --bundle "$B/c1" c1
in_unit scope c1 $U $P
expect "scope: Delegate" "$(unit_prop $U Delegate)" yes
pid=$(init_pid c1)

# ---- pause / resume, ps, events --stats on the scope's container
step pause "$LOG/c1" rt pause c1
expect "pause: state" "$(rt state c1 | jq -r .status)" paused
if [ -n "$V2" ]; then
    expect "pause: cgroup.freeze" "$(cat $CG$P/cgroup.freeze 2>&1)" 1
    wait_for 5 grep -qsx 'frozen 1' $CG$P/cgroup.events && ok "pause: cgroup.events frozen" ||
        fail "pause: cgroup.events frozen" "$(grep frozen $CG$P/cgroup.events)"
else
    expect "pause: freezer.state" "$(cat $CG/freezer$P/freezer.state 2>&1)" FROZEN
fi
step resume "$LOG/c1" rt resume c1
expect "resume: state" "$(rt state c1 | jq -r .status)" running
if [ -n "$V2" ]; then expect "resume: cgroup.freeze" "$(cat $CG$P/cgroup.freeze 2>&1)" 0
else expect "resume: freezer.state" "$(cat $CG/freezer$P/freezer.state 2>&1)" THAWED; fi
expect "ps: lists the init" "$(rt ps --format json c1 2>&1 | jq -c .)" "[$pid]"
stats=$(rt events --stats c1 2>&1)
expect "events --stats: type" "$(jq -r .type <<<"$stats" 2>&1)" stats
expect "events --stats: pids.current" "$(jq -r .data.pids.current <<<"$stats" 2>&1)" 1
jq -e '.data.memory.usage.usage > 0' <<<"$stats" >/dev/null && ok "events --stats: memory usage" ||
    fail "events --stats: memory usage" "$stats"

# ---- devices: the allow-list systemd holds for the scope survives daemon-reload.
# runc issue 4568 (fixed by PR 4612: DeviceAllow before DevicePolicy): every scope runc
# made had NeedDaemonReload=yes, and a reload re-applied the unit's device rules.
expect "devices: NeedDaemonReload" "$(unit_prop $U NeedDaemonReload)" no
devcheck() {
    local out
    out=$(rt exec c1 sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c' 2>&1)
    expect "devices $1: /dev/null write, /dev/zero read" "$out" 4
}
devcheck "before daemon-reload"
systemctl daemon-reload
devcheck "after daemon-reload"
removed scope c1 $U $P

# ---- limits as unit properties and in the cgroup files, then update
U=berth-test-c2.scope; P=/system.slice/$U
bundle c2 system.slice:berth-test:c2 '.linux.resources += {
    memory: {limit: 67108864, reservation: 33554432, swap: 134217728},
    cpu: {shares: 2048, quota: 50000, period: 100000, cpus: "1"},
    pids: {limit: 20}}'
create_start limits c2
in_unit limits c2 $U $P
# v2: the unified properties and files; v1 (hybrid): systemd's legacy properties (runc
# 1.1's genV1ResourcesProperties) and each controller's v1 files
if [ -n "$V2" ]; then
    expect_props limits $U <<'EOF'
MemoryMax 67108864
MemoryLow 33554432
MemorySwapMax 67108864
CPUQuotaPerSecUSec 500ms
TasksMax 20
CPUWeight 79
AllowedCPUs 1
EOF
    expect_files limits <<'EOF'
memory memory.max 67108864
memory memory.low 33554432
memory memory.swap.max 67108864
cpu cpu.max 50000 100000
pids pids.max 20
cpu cpu.weight 79
cpuset cpuset.cpus 1
EOF
else
    expect_props limits $U <<'EOF'
MemoryLimit 67108864
CPUShares 2048
CPUQuotaPerSecUSec 500ms
TasksMax 20
AllowedCPUs 1
EOF
    expect_files limits <<'EOF'
memory memory.limit_in_bytes 67108864
memory memory.soft_limit_in_bytes 33554432
memory memory.memsw.limit_in_bytes 134217728
cpu cpu.cfs_quota_us 50000
cpu cpu.cfs_period_us 100000
cpu cpu.shares 2048
pids pids.max 20
cpuset cpuset.cpus 1
EOF
fi
step update "$LOG/c2" rt update --memory 33554432 --pids-limit 10 --cpu-quota 20000 c2
memory_prop=MemoryLimit; [ -n "$V2" ] && memory_prop=MemoryMax
expect_props update $U <<EOF
$memory_prop 33554432
TasksMax 10
CPUQuotaPerSecUSec 200ms
EOF
if [ -n "$V2" ]; then
    expect_files update <<'EOF'
memory memory.max 33554432
pids pids.max 10
cpu cpu.max 20000 100000
EOF
else
    expect_files update <<'EOF'
memory memory.limit_in_bytes 33554432
pids pids.max 10
cpu cpu.cfs_quota_us 20000
cpu cpu.cfs_period_us 100000
EOF
fi
removed limits c2 $U $P

# ---- kill --all: every process of the scope, not only the init
U=berth-test-c3.scope; P=/system.slice/$U
bundle c3 system.slice:berth-test:c3 '.process.args = ["sh", "-c", "sleep 100000 & sleep 100000 & wait"]'
create_start "kill --all" c3
procs=$(cg_dir pids)/cgroup.procs
wait_for 5 sh -c "[ \"\$(wc -l <$procs)\" = 3 ] 2>/dev/null" ||
    fail "kill --all: 3 processes" "$(cat $procs 2>&1 | tr '\n' ' ')"
step "kill --all" "$LOG/c3" rt kill --all c3 KILL
# (systemd may already have stopped the emptied scope and removed its cgroup)
wait_for 5 sh -c "[ ! -s $procs ]" && ok "kill --all: scope empty" ||
    fail "kill --all: scope empty" "left: $(cat $procs 2>&1 | tr '\n' ' ')"
expect "kill --all: state" "$(rt state c3 2>&1 | jq -r .status)" stopped
removed "kill --all" c3 $U $P

# ---- kubepods-style nested slices: the slice part expands to its parents
U=cri-containerd-abc.scope
P=/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/$U
bundle abc kubepods-besteffort-pod1234.slice:cri-containerd:abc
create_start kubepods abc
in_unit kubepods abc $U $P
removed kubepods abc $U $P
systemctl stop kubepods.slice

# ---- a name ending in .slice makes a slice, not a scope
U=system-berthtest5.slice; P=/system.slice/$U
bundle c5 system.slice:berth-test:$U
create_start slice c5
in_unit slice c5 $U $P
removed slice c5 $U $P

# ---- org.systemd.property.* annotations become unit properties
U=berth-test-c6.scope; P=/system.slice/$U
bundle c6 system.slice:berth-test:c6 '.annotations = {
    "org.systemd.property.TimeoutStopUSec": "uint64 123456789",
    "org.systemd.property.CollectMode": "'"'"'inactive-or-failed'"'"'"}'
create_start annotations c6
expect "annotations: TimeoutStopUSec" "$(unit_prop $U TimeoutStopUSec)" "2min 3.456789s"
expect "annotations: CollectMode" "$(unit_prop $U CollectMode)" inactive-or-failed
removed annotations c6 $U $P

# ---- no bus: systemd runs (/run/systemd/system, which runtimes test for, is there) but
# neither the system bus nor systemd's private socket is reachable
U=berth-test-nobus.scope; P=/system.slice/$U
bundle nobus system.slice:berth-test:nobus
unshare -m sh -c 'mount -t tmpfs none /run/dbus && mount -t tmpfs none /run/systemd &&
                  mkdir /run/systemd/system && exec "$@"' sh \
    "$RUNTIME" --root "$ROOT" --systemd-cgroup create --bundle "$B/nobus" nobus </dev/null >"$LOG/nobus" 2>&1
rc=$?
[ $rc != 0 ] && ok "no bus: create fails" || fail "no bus: create fails" "exit 0"
lines=$(wc -l <"$LOG/nobus")
[ "$lines" = 1 ] && ok "no bus: one line" || fail "no bus: one line" "$lines lines: $(tr '\n' '|' <"$LOG/nobus")"
grep -qE '/run/systemd/private|/run/dbus/system_bus_socket' "$LOG/nobus" && ok "no bus: names the socket" ||
    fail "no bus: names the socket" "$(last_line "$LOG/nobus")"
expect "no bus: no unit" "$(unit_prop $U LoadState)" not-found
[ -n "$(cg_dirs_of $P)" ] && fail "no bus: no cgroup" "$(cg_dirs_of $P | tr '\n' ' ')" || ok "no bus: no cgroup"
rt state nobus >/dev/null 2>&1 && fail "no bus: no state" "state nobus answers" || ok "no bus: no state"
[ -e "$ROOT/nobus" ] && fail "no bus: no state dir" "$ROOT/nobus exists" || ok "no bus: no state dir"

# ---- nothing left behind
left=$(systemctl list-units --all --plain --no-legend 'berth-test*' 'cri-containerd*' 'kubepods*' 'system-berthtest*' | awk '{print $1}')
expect "nothing left: units" "$(tr '\n' ' ' <<<"$left" | sed 's/ $//')" ""
expect "nothing left: containers" "$(rt list -q 2>&1 | tr '\n' ' ')" ""
# (in the v1 hierarchies systemd does not manage, freezer, cpuset, ..., the kubepods slices'
# directories the runtime made for the scope's stay, with runc 1.1's legacy manager as with
# berth: they may be a pod's that its manager made and still uses)
left=$(find $CG -mindepth 2 -maxdepth 6 -type d \( -name 'berth-test*' -o -name 'cri-containerd*' -o -name 'system-berthtest*' \) 2>&1)
expect "nothing left: cgroup directories" "$(tr '\n' ' ' <<<"$left" | sed 's/ $//')" ""
summary
