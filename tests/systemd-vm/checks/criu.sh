#!/bin/bash
# Runs INSIDE the systemd VM: RUNTIME's checkpoint and restore with CRIU (Debian's 3.17
# dumps on this 6.1 kernel; the hosts' kernel it cannot), on the busybox bundle running
# /bin/criu-workload (criu_workload.cpp: a counter in memory, a TCP connection over lo
# that carries it, an flock on /tmp/lock), with podman's flags (--tcp-established
# --file-locks). Each restore must keep all three: the counter goes on from at least its
# value at the dump, the connection still carries it with no gap, the lock is still held.
#   criu.sh RUNTIME        (a path or a name in PATH)
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 RUNTIME" >&2; exit 2; }
. "$here/lib.sh" "$1"
RUNTIME=$1
BUNDLE=${BUNDLE:-/payload/bundle}
name=$(basename "$RUNTIME")
ROOT=/run/sdvm-criu-state-$name
B=/run/sdvm-criu-bundles-$name
IMG=/var/tmp/sdvm-criu-images-$name
LOG=/run/sdvm-criu-log-$name; mkdir -p "$B" "$IMG" "$LOG"
CG=/sys/fs/cgroup
CRIU_FLAGS=(--tcp-established --file-locks)

echo "# criu checks: $RUNTIME ($("$RUNTIME" --version 2>&1 | head -n1)), criu $(criu --version 2>&1 | sed -n 's/^Version: //p')"
expect "criu check" "$(criu check 2>&1 | tail -n1)" "Looks good."
[ -x "$BUNDLE/rootfs/bin/criu-workload" ] || { fail workload "no $BUNDLE/rootfs/bin/criu-workload"; summary; exit; }

rt() { "$RUNTIME" --root "$ROOT" "$@"; }
# bundle ID CGROUPSPATH: the workload, no terminal, a tmpfs on /tmp (CRIU dumps its files)
bundle() {
    mkdir -p "$B/$1"
    jq --arg root "$BUNDLE/rootfs" --arg cg "$2" '.ociVersion = "1.0.2" | .root.path = $root
        | .linux.cgroupsPath = $cg | .process.terminal = false | .process.args = ["/bin/criu-workload"]
        | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]' \
        "$BUNDLE/config.json" >"$B/$1/config.json"
}
# The containers' stdio: pipes, which CRIU hands back on restore (a file outside the
# container's mounts it cannot dump).
exec {IN}< <(exec sleep 1000000) {OUT}> >(exec cat >>"$LOG/stdio")
# launch NAME ID [RUNTIME-FLAGS] -- SUBCOMMAND ARGS...: the runtime with the pipes as stdio
launch() {
    local n=$1 id=$2; shift 2
    if "$@" <&$IN >&$OUT 2>>"$LOG/$id"; then ok "$n"; else fail "$n" "exit $?: $(last_line "$LOG/$id")"; return 1; fi
}
init_pid() { rt state "$1" 2>/dev/null | jq -r .pid; }
status_of() { cat "/proc/$(init_pid "$1")/root/tmp/status" 2>/dev/null; }
counter_of() { status_of "$1" | awk '{print $2 + 0}'; }
counter_at_least() { [ "$(counter_of "$1")" -ge "$2" ]; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# running ID: started, the counter at 10 or more (2 s)
running() { wait_for 30 counter_at_least "$1" 10; }
# kept NAME ID BEFORE CGPATH: after a restore the container is running in CGPATH with
# its counter at BEFORE or more, still carried by the connection without a gap, going
# on, and the lock still held
kept() {
    local n=$1 id=$2 before=$3 cg=$4 pid c
    pid=$(init_pid "$id")
    expect "$n: state" "$(rt state "$id" 2>&1 | jq -r .status 2>&1)" running
    expect "$n: cgroup" "$(cgroup_of "$pid")" "$cg"
    c=$(counter_of "$id")
    if [ "${c:-0}" -ge "$before" ]; then ok "$n: counter kept"; else fail "$n: counter kept" "$c after restore, $before at the dump"; fi
    if wait_for 10 counter_at_least "$id" $((c + 3)); then ok "$n: counter goes on"; else fail "$n: counter goes on" "$(status_of "$id")"; fi
    expect "$n: TCP connection carries it" "$(status_of "$id" | awk '{print ($2 == $4) ? $5 : "behind"}')" ok
    if flock -n "/proc/$pid/root/tmp/lock" true 2>/dev/null; then fail "$n: file lock held" "the host took it"
    else ok "$n: file lock held"; fi
}
# gone NAME ID CGPATH: no container, no cgroup
gone() {
    if rt state "$2" >/dev/null 2>&1; then fail "$1: container gone" "state $2 answers"; else ok "$1: container gone"; fi
    if wait_for 5 test ! -e "$CG$3"; then ok "$1: cgroup gone"; else fail "$1: cgroup gone" "$CG$3 exists"; fi
}

t0=$(cut -d' ' -f1 /proc/uptime)
# ---- cgroupfs: --leave-running, then kill and restore
P=/sdvm-criu-c1
bundle c1 $P
launch "cgroupfs: run -d" c1 rt run -d --bundle "$B/c1" c1 && running c1
c0=$(counter_of c1)
step "leave-running: checkpoint" "$LOG/c1" rt checkpoint --leave-running "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-lr" c1
expect "leave-running: still running" "$(rt state c1 2>&1 | jq -r .status 2>&1)" running
if wait_for 10 counter_at_least c1 $((c0 + 3)); then ok "leave-running: counter goes on"; else fail "leave-running: counter goes on" "$(status_of c1)"; fi
step "leave-running: kill" "$LOG/c1" rt delete -f c1
gone "leave-running: kill" c1 $P
launch "leave-running: restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-lr" --bundle "$B/c1" c1
kept "leave-running: restored" c1 "$c0" $P

# ---- checkpoint (the container goes), restore
c0=$(counter_of c1)
step "checkpoint" "$LOG/c1" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c1" c1
gone "checkpoint" c1 $P
launch "restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1" --bundle "$B/c1" c1
kept "restored" c1 "$c0" $P

# ---- --pre-dump, then the final dump on top of it (--parent-path)
step "pre-dump" "$LOG/c1" rt checkpoint --pre-dump --image-path "$IMG/c1-pre" c1
expect "pre-dump: still running" "$(rt state c1 2>&1 | jq -r .status 2>&1)" running
c0=$(counter_of c1)
step "pre-dump: final dump --parent-path" "$LOG/c1" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-final" \
    --parent-path ../c1-pre c1
gone "pre-dump: final dump" c1 $P
[ -e "$IMG/c1-final/parent" ] && ok "pre-dump: images link their parent" || fail "pre-dump: images link their parent" "no $IMG/c1-final/parent"
launch "pre-dump: restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-final" --bundle "$B/c1" c1
kept "pre-dump: restored" c1 "$c0" $P
step "cgroupfs: delete -f" "$LOG/c1" rt delete -f c1
gone "cgroupfs: delete" c1 $P

# ---- the systemd driver: the restored container is in the unit its cgroupsPath names
U=sdvm-criu-c2.scope; P=/system.slice/$U
bundle c2 system.slice:sdvm-criu:c2
launch "systemd: run -d" c2 rt --systemd-cgroup run -d --bundle "$B/c2" c2 && running c2
c0=$(counter_of c2)
step "systemd: checkpoint" "$LOG/c2" rt --systemd-cgroup checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c2" c2
gone "systemd: checkpoint" c2 $P
wait_for 5 unit_gone $U && ok "systemd: checkpoint: unit gone" || fail "systemd: checkpoint: unit gone" "$U is $(unit_prop $U ActiveState)"
launch "systemd: restore" c2 rt --systemd-cgroup restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c2" --bundle "$B/c2" c2
expect "systemd: restore: $U active" "$(unit_prop $U ActiveState)" active
kept "systemd: restored" c2 "$c0" $P
step "systemd: delete -f" "$LOG/c2" rt --systemd-cgroup delete -f c2
gone "systemd: delete" c2 $P
wait_for 5 unit_gone $U && ok "systemd: delete: unit gone" || fail "systemd: delete: unit gone" "$U is $(unit_prop $U ActiveState)"

echo "# criu checks took $(awk "BEGIN{printf \"%.1f\", $(cut -d' ' -f1 /proc/uptime) - $t0}") s"
rm -rf "$IMG"
summary
