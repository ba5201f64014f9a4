#!/bin/bash
# Runs INSIDE the systemd VM: RUNTIME's systemd cgroup driver (`--systemd-cgroup`:
# transient scopes and slices over D-Bus) on the busybox bundle in /payload/bundle.
#   systemd-driver.sh RUNTIME        (a path or a name in PATH: runc, crun, berth)
# One line per check (ok NAME / FAIL NAME: why), then `N passed, M failed`; exit 1 on
# any failure. Checks about behaviour compare meaning, never a runtime's wording.
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
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# in_unit NAME ID UNIT CGPATH: the container runs in the active UNIT whose cgroup is CGPATH
in_unit() {
    local pid; pid=$(init_pid "$2")
    expect "$1: $3 active" "$(unit_prop "$3" ActiveState)" active
    expect "$1: ControlGroup" "$(unit_prop "$3" ControlGroup)" "$4"
    expect "$1: init's /proc/PID/cgroup" "$(cgroup_of "$pid")" "$4"
}
# removed NAME ID UNIT CGPATH: delete -f leaves no unit, no cgroup and no state
removed() {
    step "$1: delete -f" "$LOG/$2" rt delete -f "$2"
    if wait_for 5 unit_gone "$3"; then ok "$1: unit gone after delete"
    else fail "$1: unit gone after delete" "$3 is $(unit_prop "$3" ActiveState)"; fi
    if [ -e "$CG$4" ]; then fail "$1: cgroup removed" "$CG$4 still exists"; else ok "$1: cgroup removed"; fi
    if rt state "$2" >/dev/null 2>&1; then fail "$1: state removed" "state $2 still answers"; else ok "$1: state removed"; fi
}

echo "# systemd-driver checks: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1)), systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"

# ---- spec on a cgroup v2 host: runc's adds a cgroup namespace after the mount one
mkdir -p "$B/spec"
(cd "$B/spec" && "$RUNTIME" spec >/dev/null 2>&1)
expect "spec: namespaces" "$(jq -r '[.linux.namespaces[].type] | join(" ")' "$B/spec/config.json" 2>&1)" \
    "pid network ipc uts mount cgroup"
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
expect "pause: cgroup.freeze" "$(cat $CG$P/cgroup.freeze 2>&1)" 1
wait_for 5 grep -qsx 'frozen 1' $CG$P/cgroup.events && ok "pause: cgroup.events frozen" ||
    fail "pause: cgroup.events frozen" "$(grep frozen $CG$P/cgroup.events)"
step resume "$LOG/c1" rt resume c1
expect "resume: state" "$(rt state c1 | jq -r .status)" running
expect "resume: cgroup.freeze" "$(cat $CG$P/cgroup.freeze 2>&1)" 0
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
props=$(systemctl show -p MemoryMax,MemoryLow,MemorySwapMax,CPUQuotaPerSecUSec,TasksMax,CPUWeight,AllowedCPUs $U)
prop() { sed -n "s/^$1=//p" <<<"$props"; }
expect "limits: MemoryMax" "$(prop MemoryMax)" 67108864
expect "limits: MemoryLow" "$(prop MemoryLow)" 33554432
expect "limits: MemorySwapMax" "$(prop MemorySwapMax)" 67108864
expect "limits: CPUQuotaPerSecUSec" "$(prop CPUQuotaPerSecUSec)" 500ms
expect "limits: TasksMax" "$(prop TasksMax)" 20
expect "limits: CPUWeight" "$(prop CPUWeight)" 79
expect "limits: AllowedCPUs" "$(prop AllowedCPUs)" 1
expect "limits: memory.max" "$(cat $CG$P/memory.max 2>&1)" 67108864
expect "limits: memory.low" "$(cat $CG$P/memory.low 2>&1)" 33554432
expect "limits: memory.swap.max" "$(cat $CG$P/memory.swap.max 2>&1)" 67108864
expect "limits: cpu.max" "$(cat $CG$P/cpu.max 2>&1)" "50000 100000"
expect "limits: pids.max" "$(cat $CG$P/pids.max 2>&1)" 20
expect "limits: cpu.weight" "$(cat $CG$P/cpu.weight 2>&1)" 79
expect "limits: cpuset.cpus" "$(cat $CG$P/cpuset.cpus 2>&1)" 1
step update "$LOG/c2" rt update --memory 33554432 --pids-limit 10 --cpu-quota 20000 c2
expect "update: MemoryMax" "$(unit_prop $U MemoryMax)" 33554432
expect "update: TasksMax" "$(unit_prop $U TasksMax)" 10
expect "update: CPUQuotaPerSecUSec" "$(unit_prop $U CPUQuotaPerSecUSec)" 200ms
expect "update: memory.max" "$(cat $CG$P/memory.max 2>&1)" 33554432
expect "update: pids.max" "$(cat $CG$P/pids.max 2>&1)" 10
expect "update: cpu.max" "$(cat $CG$P/cpu.max 2>&1)" "20000 100000"
removed limits c2 $U $P

# ---- kill --all: every process of the scope, not only the init
U=berth-test-c3.scope; P=/system.slice/$U
bundle c3 system.slice:berth-test:c3 '.process.args = ["sh", "-c", "sleep 100000 & sleep 100000 & wait"]'
create_start "kill --all" c3
wait_for 5 sh -c "[ \"\$(wc -l <$CG$P/cgroup.procs)\" = 3 ] 2>/dev/null" ||
    fail "kill --all: 3 processes" "$(cat $CG$P/cgroup.procs 2>&1 | tr '\n' ' ')"
step "kill --all" "$LOG/c3" rt kill --all c3 KILL
# (systemd may already have stopped the emptied scope and removed its cgroup)
wait_for 5 sh -c "[ ! -s $CG$P/cgroup.procs ]" && ok "kill --all: scope empty" ||
    fail "kill --all: scope empty" "left: $(cat $CG$P/cgroup.procs 2>&1 | tr '\n' ' ')"
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
[ -e $CG$P ] && fail "no bus: no cgroup" "$CG$P exists" || ok "no bus: no cgroup"
rt state nobus >/dev/null 2>&1 && fail "no bus: no state" "state nobus answers" || ok "no bus: no state"
[ -e "$ROOT/nobus" ] && fail "no bus: no state dir" "$ROOT/nobus exists" || ok "no bus: no state dir"

# ---- nothing left behind
left=$(systemctl list-units --all --plain --no-legend 'berth-test*' 'cri-containerd*' 'kubepods*' 'system-berthtest*' | awk '{print $1}')
expect "nothing left: units" "$(tr '\n' ' ' <<<"$left" | sed 's/ $//')" ""
expect "nothing left: containers" "$(rt list -q 2>&1 | tr '\n' ' ')" ""
summary
