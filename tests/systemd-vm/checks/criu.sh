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
LOG=/run/sdvm-criu-log-$name; mkdir -p "$B" "$LOG"
# made here, so the runtimes keep CRIU's logs in them (berth removes image directories it
# made when a dump fails); copied to $VM_OUT at the end
mkdir -p "$IMG"/{c1-lr,c1,c1-pre,c1-final,c2,c3,c4,c4-fg,c5}
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
# container's mounts it cannot dump). Their ends here keep nothing of our stdout (the
# payload's tee waits for every writer).
exec {IN}< <(exec sleep 1000000 >/dev/null 2>&1)
IN_PID=$!
exec {OUT}> >(exec cat >>"$LOG/stdio" 2>/dev/null)
# launch NAME ID [RUNTIME-FLAGS] -- SUBCOMMAND ARGS...: the runtime with the pipes as stdio
# (stderr too: the runtime's error lands in $LOG/stdio, which the workload never writes)
launch() {
    local n=$1 id=$2 rc; shift 2
    "$@" <&$IN >&$OUT 2>&$OUT; rc=$?
    if [ $rc = 0 ]; then ok "$n"; else sleep 0.5; fail "$n" "exit $rc: $(last_line "$LOG/stdio")"; return 1; fi
}
init_pid() { rt state "$1" 2>/dev/null | jq -r .pid; }
# the workload's status line and counter, by its pid
pid_status() { cat "/proc/$1/root/tmp/status" 2>/dev/null; }
pid_counter() { pid_status "$1" | awk '{n = $2} END {print n + 0}'; }
pid_counter_at_least() { [ "$(pid_counter "$1")" -ge "$2" ]; }
status_of() { pid_status "$(init_pid "$1")"; }
counter_of() { pid_counter "$(init_pid "$1")"; }
counter_at_least() { [ "$(counter_of "$1")" -ge "$2" ]; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# running NAME ID: started, the counter at 10 or more (2 s); else FAIL with its output
running() {
    if wait_for 30 counter_at_least "$2" 10; then ok "$1: counting"; else fail "$1: counting" "$(tail -n2 "$LOG/stdio")"; return 1; fi
}
# kept NAME ID BEFORE CGPATH: after a restore the container is running in CGPATH with
# its counter at BEFORE or more, still carried by the connection without a gap, going
# on, and the lock still held
kept() {
    expect "$1: state" "$(rt state "$2" 2>&1 | jq -r .status 2>&1)" running
    kept_pid "$1" "$(init_pid "$2")" "$3" "$4"
}
# kept_pid NAME PID BEFORE CGPATH: the same for the workload with this pid
kept_pid() {
    local n=$1 pid=$2 before=$3 cg=$4 c
    expect "$n: cgroup" "$(cgroup_of "$pid")" "$cg"
    c=$(pid_counter "$pid")
    if [ "${c:-0}" -ge "$before" ]; then ok "$n: counter kept"; else fail "$n: counter kept" "$c after restore, $before at the dump"; fi
    if wait_for 10 pid_counter_at_least "$pid" $((c + 3)); then ok "$n: counter goes on"; else fail "$n: counter goes on" "$(pid_status "$pid")"; fi
    expect "$n: TCP connection carries it" "$(pid_status "$pid" | awk '{print ($2 == $4) ? $5 : "behind"}')" ok
    if [ ! -e "/proc/$pid/root/tmp/lock" ]; then fail "$n: file lock held" "no /tmp/lock in the container"
    elif flock -n "/proc/$pid/root/tmp/lock" true; then fail "$n: file lock held" "the host took it"
    else ok "$n: file lock held"; fi
}
# gone NAME ID CGPATH: no container, no cgroup
gone() {
    if rt state "$2" >/dev/null 2>&1; then fail "$1: container gone" "state $2 answers"; else ok "$1: container gone"; fi
    if wait_for 5 test ! -e "$CG$3"; then ok "$1: cgroup gone"; else fail "$1: cgroup gone" "$CG$3 exists"; fi
}

t0=$(cut -d' ' -f1 /proc/uptime)
# Each group stops at the first failure that leaves nothing to check further.
# ---- cgroupfs: --leave-running, then kill and restore; then checkpoint (the container
# goes) and restore; then --pre-dump and the final dump on top of it (--parent-path)
cgroupfs_group() {
    local P=/sdvm-criu-c1 c0
    bundle c1 $P
    launch "cgroupfs: run -d" c1 rt run -d --bundle "$B/c1" c1 && running cgroupfs c1 || return
    c0=$(counter_of c1)
    step "leave-running: checkpoint" "$LOG/c1" rt checkpoint --leave-running "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-lr" c1 || return
    expect "leave-running: still running" "$(rt state c1 2>&1 | jq -r .status 2>&1)" running
    if wait_for 10 counter_at_least c1 $((c0 + 3)); then ok "leave-running: counter goes on"; else fail "leave-running: counter goes on" "$(status_of c1)"; fi
    step "leave-running: kill" "$LOG/c1" rt delete -f c1
    gone "leave-running: kill" c1 $P
    launch "leave-running: restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-lr" --bundle "$B/c1" c1 || return
    kept "leave-running: restored" c1 "$c0" $P

    c0=$(counter_of c1)
    step "checkpoint" "$LOG/c1" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c1" c1 || return
    gone "checkpoint" c1 $P
    launch "restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1" --bundle "$B/c1" c1 || return
    kept "restored" c1 "$c0" $P

    step "pre-dump" "$LOG/c1" rt checkpoint --pre-dump --image-path "$IMG/c1-pre" c1 || return
    expect "pre-dump: still running" "$(rt state c1 2>&1 | jq -r .status 2>&1)" running
    c0=$(counter_of c1)
    step "pre-dump: final dump --parent-path" "$LOG/c1" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-final" \
        --parent-path ../c1-pre c1 || return
    gone "pre-dump: final dump" c1 $P
    [ -e "$IMG/c1-final/parent" ] && ok "pre-dump: images link their parent" || fail "pre-dump: images link their parent" "no $IMG/c1-final/parent"
    launch "pre-dump: restore" c1 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c1-final" --bundle "$B/c1" c1 || return
    kept "pre-dump: restored" c1 "$c0" $P
}
cgroupfs_group
rt delete -f c1 >/dev/null 2>&1 && ok "cgroupfs: delete -f" || fail "cgroupfs: delete -f" "$(rt state c1 2>&1 | tail -n1)"
gone "cgroupfs: delete" c1 /sdvm-criu-c1

# ---- restore in the foreground (no -d): it runs until the container exits, forwards
# the signals it gets (SIGUSR1: the workload exits 42) and returns the exit status
container_running() { [ "$(rt state "$1" 2>/dev/null | jq -r .status)" = running ]; }
# usr1_exit PID [CHILD]: SIGUSR1 to a foreground restore (the workload exits 42, PID too,
# KILLed after 30 s), then the exit status of CHILD (our child that waits for PID; default PID) in RC
usr1_exit() {
    local watchdog
    kill -USR1 "$1"
    (sleep 30; kill -KILL "$1") >/dev/null 2>&1 &
    watchdog=$!
    wait "${2:-$1}"; RC=$?
    kill $watchdog 2>/dev/null
}
foreground_group() {
    local P=/sdvm-criu-c3 c0 rpid
    bundle c3 $P
    launch "foreground: run -d" c3 rt run -d --bundle "$B/c3" c3 && running foreground c3 || return
    c0=$(counter_of c3)
    step "foreground: checkpoint" "$LOG/c3" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c3" c3 || return
    gone "foreground: checkpoint" c3 $P
    # exec: $! is the runtime itself, which gets the signal
    (exec "$RUNTIME" --root "$ROOT" restore "${CRIU_FLAGS[@]}" --image-path "$IMG/c3" --bundle "$B/c3" c3 <&$IN >&$OUT 2>&$OUT) &
    rpid=$!
    if wait_for 30 container_running c3; then ok "foreground: restore"; else
        fail "foreground: restore" "$(last_line "$LOG/stdio")"; kill $rpid 2>/dev/null; wait $rpid; return
    fi
    kept "foreground: restored" c3 "$c0" $P
    kill -0 $rpid 2>/dev/null && ok "foreground: restore still waits" || fail "foreground: restore still waits" "it returned"
    usr1_exit $rpid
    expect "foreground: restore returns the exit status" $RC 42
    gone "foreground: exited" c3 $P
}
foreground_group
rt delete -f c3 >/dev/null 2>&1

# ---- a terminal: the console socket gets the pty master at run and again at restore
# (CRIU makes a new pty and hands its master over), and the restored init writes to it
RECVTTY=/payload/runc-suite/contrib/cmd/recvtty/recvtty
TTY_PIDS=()
# recvtty_on N: runc's recvtty on $LOG/ttyN.sock, the terminal's output into $LOG/ttyN
recvtty_on() {
    "$RECVTTY" --no-stdin "$LOG/tty$1.sock" >"$LOG/tty$1" 2>&1 </dev/null &
    TTY_PIDS+=($!)
    wait_for 5 test -S "$LOG/tty$1.sock"
}
# tty_shows N FROM: the terminal's output has a counter line at FROM or more
tty_shows() { tr '\r' '\n' <"$LOG/tty$1" | awk -v from="$2" '$1 == "counter" && $2 + 0 >= from + 0 { f = 1 } END { exit !f }'; }
terminal_group() {
    local P=/sdvm-criu-c4 c0 pid
    [ -x "$RECVTTY" ] || { fail "terminal: recvtty" "no $RECVTTY in the payload"; return; }
    bundle c4 $P
    jq '.process.terminal = true' "$B/c4/config.json" >"$B/c4/config.json.new" && mv "$B/c4/config.json.new" "$B/c4/config.json"
    recvtty_on 1
    launch "terminal: run -d --console-socket" c4 rt run -d --console-socket "$LOG/tty1.sock" --bundle "$B/c4" c4 &&
        running terminal c4 || return
    wait_for 10 tty_shows 1 1 && ok "terminal: the console shows it" || fail "terminal: the console shows it" "$(tail -c 200 "$LOG/tty1")"
    c0=$(counter_of c4)
    step "terminal: checkpoint" "$LOG/c4" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c4" c4 || return
    gone "terminal: checkpoint" c4 $P
    recvtty_on 2
    launch "terminal: restore -d --console-socket" c4 rt restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c4" \
        --console-socket "$LOG/tty2.sock" --bundle "$B/c4" c4 || return
    kept "terminal: restored" c4 "$c0" $P
    pid=$(init_pid c4)
    expect "terminal: the init's stdin a pty" "$(readlink "/proc/$pid/fd/0" | sed 's/[0-9]*$//')" /dev/pts/
    wait_for 10 tty_shows 2 "$c0" && ok "terminal: the pty master came back" ||
        fail "terminal: the pty master came back" "$(tail -c 200 "$LOG/tty2")"
    foreground_terminal
}
# a restore in the foreground without a console socket relays the pty to its own terminal, as
# runc does, and (runc's checkTerminal and initHostConsole) needs one: with stdio not a
# terminal and no controlling terminal it is refused before anything is restored
foreground_terminal() {
    local P=/sdvm-criu-c4 c0 out spid
    local restore=(restore "${CRIU_FLAGS[@]}" --image-path "$IMG/c4-fg" --bundle "$B/c4" c4)
    c0=$(counter_of c4)
    step "terminal: checkpoint for the foreground" "$LOG/c4" rt checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c4-fg" c4 || return
    gone "terminal: checkpoint for the foreground" c4 $P
    out=$(setsid timeout 60 "$RUNTIME" --root "$ROOT" "${restore[@]}" </dev/null 2>&1)
    expect "terminal: foreground restore without a terminal: refused" "$? $(grep -o 'open /dev/tty: [a-z ]*' <<<"$out")" \
        "1 open /dev/tty: no such device or address"
    gone "terminal: refused" c4 $P
    # script(1): a pty as the runtime's stdio (and controlling terminal), what it shows into tty3
    script -qfec "exec $(printf '%q ' "$RUNTIME" --root "$ROOT" "${restore[@]}")" "$LOG/tty3" </dev/null >/dev/null 2>&1 &
    spid=$!
    if wait_for 30 container_running c4; then ok "terminal: foreground restore with a terminal"; else
        fail "terminal: foreground restore with a terminal" "$(tail -c 200 "$LOG/tty3")"; kill $spid 2>/dev/null; wait $spid; return
    fi
    kept "terminal: foreground restored" c4 "$c0" $P
    wait_for 10 tty_shows 3 "$c0" && ok "terminal: foreground restore relays the pty" ||
        fail "terminal: foreground restore relays the pty" "$(tail -c 200 "$LOG/tty3")"
    # script's child is the runtime (exec), which forwards the signal; script -e returns its status
    usr1_exit "$(pgrep -P $spid)" $spid
    expect "terminal: foreground restore returns the exit status" $RC 42
    gone "terminal: foreground exited" c4 $P
}
terminal_group
rt delete -f c4 >/dev/null 2>&1 && ok "terminal: delete -f" || fail "terminal: delete -f" "$(rt state c4 2>&1 | tail -n1)"
gone "terminal: delete" c4 /sdvm-criu-c4
kill "${TTY_PIDS[@]}" 2>/dev/null

# ---- lazy pages (userfaultfd) through a page server, as runc's checkpoint.bats does it: the
# dump serves the pages on 127.0.0.1:27277 (--status-fd says when it is ready), `criu
# lazy-pages` fetches them for the restore, which starts the container under a new name
# before the memory is there; the dump ends once every page has moved
lazy_group() {
    local P=/sdvm-criu-c5 c0 dpid lpid st_r st_w ready port=27277
    if ! criu check --feature uffd-noncoop >/dev/null 2>&1; then
        echo "# lazy pages: not checked, criu check --feature uffd-noncoop: $(criu check --feature uffd-noncoop 2>&1 | tail -n1)"
        return
    fi
    bundle c5 $P
    bundle c6 /sdvm-criu-c6
    launch "lazy: run -d" c5 rt run -d --bundle "$B/c5" c5 && running lazy c5 || return
    exec {st_r}<> <(:)
    exec {st_w}>"/proc/self/fd/$st_r"
    (exec timeout 300 "$RUNTIME" --root "$ROOT" checkpoint --lazy-pages --page-server "127.0.0.1:$port" --status-fd $st_w \
        "${CRIU_FLAGS[@]}" --image-path "$IMG/c5" --work-path "$IMG/c5" c5 <&$IN >&$OUT 2>&$OUT) &
    dpid=$!
    ready=$(timeout 60 dd if="/proc/self/fd/$st_r" bs=1 count=1 2>/dev/null | od -An -c | tr -d ' ')
    exec {st_r}>&- {st_w}>&-
    expect "lazy: the page server is ready (status-fd)" "$ready" '\0'
    c0=$(counter_of c5)
    criu lazy-pages --page-server --address 127.0.0.1 --port $port -D "$IMG/c5" -o lazy-pages.log >/dev/null 2>&1 &
    lpid=$!
    launch "lazy: restore -d --lazy-pages" c6 timeout 120 "$RUNTIME" --root "$ROOT" restore -d --lazy-pages "${CRIU_FLAGS[@]}" --image-path "$IMG/c5" \
        --work-path "$IMG/c5" --bundle "$B/c6" c6 || { kill $dpid $lpid 2>/dev/null; return; }
    kept "lazy: restored" c6 "$c0" /sdvm-criu-c6
    wait $dpid && ok "lazy: the dump ends when every page has moved" || fail "lazy: the dump ends when every page has moved" "exit $?"
    wait $lpid && ok "lazy: criu lazy-pages ends" || fail "lazy: criu lazy-pages ends" "exit $?"
    gone "lazy: dumped" c5 $P
}
lazy_group
rt delete -f c5 >/dev/null 2>&1
rt delete -f c6 >/dev/null 2>&1 && ok "lazy: delete -f" || fail "lazy: delete -f" "$(rt state c6 2>&1 | tail -n1)"

# ---- the systemd driver: the restored container is in the unit its cgroupsPath names
U=sdvm-criu-c2.scope
systemd_group() {
    local P=/system.slice/$U c0
    bundle c2 system.slice:sdvm-criu:c2
    launch "systemd: run -d" c2 rt --systemd-cgroup run -d --bundle "$B/c2" c2 && running systemd c2 || return
    c0=$(counter_of c2)
    step "systemd: checkpoint" "$LOG/c2" rt --systemd-cgroup checkpoint "${CRIU_FLAGS[@]}" --image-path "$IMG/c2" c2 || return
    gone "systemd: checkpoint" c2 $P
    wait_for 5 unit_gone $U && ok "systemd: checkpoint: unit gone" || fail "systemd: checkpoint: unit gone" "$U is $(unit_prop $U ActiveState)"
    launch "systemd: restore" c2 rt --systemd-cgroup restore -d "${CRIU_FLAGS[@]}" --image-path "$IMG/c2" --bundle "$B/c2" c2 || return
    expect "systemd: restore: $U active" "$(unit_prop $U ActiveState)" active
    kept "systemd: restored" c2 "$c0" $P
}
systemd_group
rt --systemd-cgroup delete -f c2 >/dev/null 2>&1 && ok "systemd: delete -f" || fail "systemd: delete -f" "$(rt state c2 2>&1 | tail -n1)"
gone "systemd: delete" c2 /system.slice/$U
wait_for 5 unit_gone $U && ok "systemd: delete: unit gone" || fail "systemd: delete: unit gone" "$U is $(unit_prop $U ActiveState)"

# ---- podman container checkpoint / restore, and --export / --import, with RUNTIME
# (containers.conf: the systemd cgroup manager; vfs storage, no network, as managers.sh)
W=/run/sdvm-criu-podman-$name
mkdir -p "$W"
printf '[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\n' >"$W/containers.conf"
pm() {
    CONTAINERS_CONF=$W/containers.conf podman --root "$W/podman" --runroot "$W/podman-run" \
        --storage-driver vfs --runtime "$(command -v "$RUNTIME")" "$@"
}
# cr_log dump|restore: CRIU's last errors under podman (it shows only the runtime's status)
cr_log() { grep -h Error "$W"/podman/vfs-containers/*/userdata/"$1".log 2>/dev/null | tail -n3 | sed 's/^/#   /'; }
pm_pid() { pm inspect -f '{{.State.Pid}}' sdvm-cr1 2>/dev/null; }
podman_group() {
    local img=localhost/sdvm-criu:latest id pid c0 U
    tar -C "$BUNDLE/rootfs" -cf "$W/rootfs.tar" .
    step "podman: import" "$W/podman.log" pm import "$W/rootfs.tar" "$img" || return
    step "podman: run -d" "$W/podman.log" pm run -d --name sdvm-cr1 --network none "$img" /bin/criu-workload || return
    pid=$(pm_pid)
    if wait_for 30 pid_counter_at_least "$pid" 10; then ok "podman: counting"; else fail "podman: counting" "$(pm logs sdvm-cr1 2>&1 | tail -n1)"; return; fi
    id=$(pm inspect -f '{{.Id}}' sdvm-cr1); U=libpod-$id.scope
    c0=$(pid_counter "$pid")
    step "podman: container checkpoint" "$W/podman.log" pm container checkpoint "${CRIU_FLAGS[@]}" sdvm-cr1 || { cr_log dump; return; }
    expect "podman: checkpointed" "$(pm inspect -f '{{.State.Status}}' sdvm-cr1 2>&1)" exited
    step "podman: container restore" "$W/podman.log" pm container restore "${CRIU_FLAGS[@]}" sdvm-cr1 || { cr_log restore; return; }
    expect "podman: restored" "$(pm inspect -f '{{.State.Status}}' sdvm-cr1 2>&1)" running
    kept_pid "podman: restored" "$(pm_pid)" "$c0" "/machine.slice/$U"

    c0=$(pid_counter "$(pm_pid)")
    step "podman: checkpoint --export" "$W/podman.log" pm container checkpoint "${CRIU_FLAGS[@]}" --export "$W/cr1.tar" sdvm-cr1 || return
    step "podman: rm" "$W/podman.log" pm rm -f sdvm-cr1
    step "podman: restore --import" "$W/podman.log" pm container restore "${CRIU_FLAGS[@]}" --import "$W/cr1.tar" || return
    expect "podman: imported" "$(pm inspect -f '{{.State.Status}}' sdvm-cr1 2>&1)" running
    id=$(pm inspect -f '{{.Id}}' sdvm-cr1)
    kept_pid "podman: imported" "$(pm_pid)" "$c0" "/machine.slice/libpod-$id.scope"
}
podman_group
pm rm -f sdvm-cr1 >/dev/null 2>&1
pm rmi -f localhost/sdvm-criu:latest >/dev/null 2>&1
expect "podman: nothing left" "$(pm ps -aq 2>&1)" ""

# ---- containerd 1.6 + ctr with the runc shim running RUNTIME (BinaryName, SystemdCgroup):
# `ctr containers checkpoint --task --rw` makes a checkpoint image (the shim calls the
# runtime's checkpoint), the container goes, `ctr containers restore --live --rw` makes it
# again from that image (the runtime's restore). ctr asks for no --tcp-established, so the
# container is a shell keeping its counter in a variable.
K=sdvm-criu-ctr-k1.scope
containerd_group() {
    local P=/system.slice/$K ref=localhost/sdvm-criu-k1:checkpoint pid c0 n
    local counter='i=0; while :; do i=$((i + 1)); echo "counter $i" >/tmp/status; sleep 0.2; done'
    containerd_up "/run/sdvm-criu-containerd-$name"
    oci_archive "$BUNDLE/rootfs" "$CTRD_DIR/image.tar" "$CTRD_DIR/oci"
    step "containerd: import" "$CTRD_DIR/ctr.log" c images import --snapshotter native "$CTRD_DIR/image.tar" || return
    step "containerd: run -d" "$CTRD_DIR/ctr.log" c run -d --snapshotter native --runc-binary "$(command -v "$RUNTIME")" \
        --runc-systemd-cgroup --cgroup system.slice:sdvm-criu-ctr:k1 docker.io/library/sdvm-busybox:latest k1 sh -c "$counter" || return
    pid=$(c task ls 2>/dev/null | awk '$1 == "k1" {print $2}')
    if wait_for 30 pid_counter_at_least "$pid" 10; then ok "containerd: counting"; else fail "containerd: counting" "$(pid_status "$pid")"; return; fi
    step "containerd: containers checkpoint --task --rw" "$CTRD_DIR/ctr.log" c containers checkpoint --task --rw k1 "$ref" || return
    c0=$(pid_counter "$pid")
    c task kill -s KILL k1 >>"$CTRD_DIR/ctr.log" 2>&1
    wait_for 10 sh -c "ctr -a $CTRD_DIR/containerd.sock -n sdvm task ls | grep -q '^k1 .*STOPPED'"
    step "containerd: task delete" "$CTRD_DIR/ctr.log" c task delete k1
    step "containerd: container delete" "$CTRD_DIR/ctr.log" c containers delete k1
    step "containerd: containers restore --live --rw" "$CTRD_DIR/ctr.log" c containers restore --live --rw k1 "$ref" || return
    pid=$(c task ls 2>/dev/null | awk '$1 == "k1" {print $2}')
    expect "containerd: restored: the runtime's container" "$("$RUNTIME" --root /run/containerd/runc/sdvm list -q 2>&1)" k1
    expect "containerd: restored: $K active" "$(unit_prop $K ActiveState)" active
    expect "containerd: restored: cgroup" "$(cgroup_of "$pid")" "$P"
    n=$(pid_counter "$pid")
    if [ "${n:-0}" -ge "$c0" ]; then ok "containerd: restored: counter kept"; else fail "containerd: restored: counter kept" "$n after restore, $c0 before"; fi
    if wait_for 10 pid_counter_at_least "$pid" $((n + 3)); then ok "containerd: restored: counter goes on"; else fail "containerd: restored: counter goes on" "$(pid_status "$pid")"; fi
}
containerd_group
c task kill -s KILL k1 >/dev/null 2>&1
wait_for 10 sh -c "ctr -a $CTRD_DIR/containerd.sock -n sdvm task ls | grep -q '^k1 .*STOPPED'"
c task delete k1 >/dev/null 2>&1
c containers delete k1 >/dev/null 2>&1
expect "containerd: nothing left" "$(c containers ls -q 2>&1)" ""
if wait_for 5 unit_gone $K; then ok "containerd: scope gone"; else fail "containerd: scope gone" "$(unit_prop $K ActiveState)"; fi
[ -n "$(grep -i error "$CTRD_DIR/ctr.log" | tail -n3)" ] && grep -i error "$CTRD_DIR/ctr.log" | tail -n3 | sed 's/^/#   /'
containerd_down
rm -rf "$CTRD_DIR"

echo "# criu checks took $(awk "BEGIN{printf \"%.1f\", $(cut -d' ' -f1 /proc/uptime) - $t0}") s"
exec {IN}<&- {OUT}>&-
kill "$IN_PID" 2>/dev/null
for f in "$IMG"/*/*.log; do [ -e "$f" ] && cp "$f" "${VM_OUT:-/tmp}/criu-$name-$(basename "$(dirname "$f")")-$(basename "$f")"; done
rm -rf "$IMG"
summary
