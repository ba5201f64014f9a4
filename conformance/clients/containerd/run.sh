#!/bin/bash
# Drives a runc-compatible runtime (berth, or runc to validate the test) through
# Debian's containerd 1.6 and ctr, the way a containerd user does:
#
#   run.sh RUNTIME_BINARY
#
# A private containerd (own config, root, state, sockets under a mktemp dir,
# cgroupfs, no CRI) is started in the background, a locally built busybox image
# is imported, and containers run with
# `ctr run --runtime io.containerd.runc.v2 --runc-binary RUNTIME`: foreground
# run (stdout, exit code, tty, spec options, limits, OOM, userns), a detached
# task, task exec with and without a tty, task ps, pause/resume, metrics, kill
# and kill --all, delete, a dead shim, and runtime errors that must reach ctr's
# output. Every step checks output, not just exit codes. At the end containerd
# is stopped by its PID and everything the test made is removed; leftovers
# (processes, mounts, cgroups, runtime state) fail the test. README.md lists
# the checks.
#
# Exit: 0 all checks passed, 1 a check failed, 77 skipped (not root or no
# containerd/ctr).
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 RUNTIME_BINARY" >&2; exit 2; }
runtime=$(command -v "$1" || true)
[ -n "$runtime" ] && runtime=$(readlink -f "$runtime")
[ -x "$runtime" ] || { echo "$0: runtime $1 not found" >&2; exit 2; }
if [ "$(id -u)" != 0 ]; then echo "skip: needs root"; exit 77; fi
for tool in containerd ctr containerd-shim-runc-v2 script jq; do
  command -v "$tool" >/dev/null || { echo "skip: $tool not installed"; exit 77; }
done

here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
T=$(mktemp -d /tmp/berth-containerd.XXXXXX)
NS=berth-ctd-$$                        # containerd namespace = cgroup parent /$NS
IMAGE=docker.io/library/berth-busybox:latest
TIMEOUT=60                             # per ctr command
containerd_pid=""
events_pid=""
failures=0
started=$(date +%s)

# Directories containerd/the shim create outside their configured paths
# (shim sockets live in /run/containerd/s whatever the config says).
HOST_DIRS=(/run/containerd/s /run/containerd/fifo /run/containerd/runc /run/containerd
           /opt/containerd /var/lib/containerd)
preexisting=()
for dir in "${HOST_DIRS[@]}"; do [ -e "$dir" ] && preexisting+=("$dir"); done

pass() { echo "ok - $1"; }
fail() {
  echo "not ok - $1"
  shift
  local line
  for line in "$@"; do printf '#   %s\n' "$line"; done
  failures=$((failures + 1))
}

# ctr against the private daemon, in the test's namespace, with a time limit.
# (-k: ctr run forwards SIGTERM to the container instead of exiting.)
c() { timeout -k 5 "$TIMEOUT" ctr --address "$T/containerd.sock" --namespace "$NS" "$@"; }
# ctr run with the runtime under test; runtime state and IO fifos in $T.
RUN_FLAGS=(--runtime io.containerd.runc.v2 --runc-binary "$runtime" --runc-root "$T/runc"
           --fifo-dir "$T/fifo")
# ctr task exec keeps the fifos of detached processes: keep them in $T too.
# ctr 1.6 may lose the output of an exec'd process that exits at once (it
# deletes the process with output still in flight; containerd PR 13931), so
# exec'd commands whose output is checked linger 0.2 s after writing it.
EXEC_FLAGS=(--fifo-dir "$T/fifo")
# ctr with a pty as stdin (`ctr -t` refuses a stdin that is not a terminal).
# script(1) passes on its own stdin's EOF as a NUL byte, which the container's
# pty may echo as "^@" before the output: capture drops it.
# `exec` keeps timeout the session leader of script's pty: a shell that forks
# it instead (dash, script's default without $SHELL, as under CI) leaves it to
# setpgid(2) itself into a background group, where ctr's raw-mode tcsetattr
# stops on SIGTTOU until the time limit.
c_tty() {
  local cmd="exec timeout -k 5 $TIMEOUT ctr --address $T/containerd.sock --namespace $NS"
  local arg
  for arg in "$@"; do cmd+=" $(printf '%q' "$arg")"; done
  script -qec "$cmd" /dev/null </dev/null
}

# Runs CMD...; sets $out (stdout+stderr, \r removed) and $rc.
capture() {
  out=$("$@" 2>&1)
  rc=$?
  out=${out//$'\r'/}
  out=${out//^@/}
}

# expect DESCRIPTION RC REGEX CMD...: CMD exits RC and its output matches REGEX
# (extended, case-insensitive; one line of the output or the whole of it).
expect() {
  local what=$1 want_rc=$2 regex=$3
  shift 3
  capture "$@"
  if [ "$rc" = "$want_rc" ] && grep -Eiq -- "$regex" <<<"$out"; then
    pass "$what"
  else
    fail "$what" "command: $*" "exit $rc (want $want_rc), output should match /$regex/:" "$out"
  fi
}

# expect_four_at_once DESCRIPTION WANT CMD...: four copies of CMD at once, with
# "@" in WANT and in every argument replaced by the copy's number (1-4); each
# must print WANT and exit 0.
expect_four_at_once() {
  local what=$1 want=$2 i arg
  shift 2
  local pids=() args
  for i in 1 2 3 4; do
    args=()
    for arg in "$@"; do args+=("${arg//@/$i}"); done
    { "${args[@]}"; echo "exit $?"; } > "$T/four$i.out" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in 1 2 3 4; do
    if [ "$(cat "$T/four$i.out")" != "${want//@/$i}"$'\n'"exit 0" ]; then
      fail "$what" "$(head "$T"/four*.out)"
      return
    fi
  done
  pass "$what"
}

# Status of a task in `ctr task ls` (RUNNING, PAUSED, STOPPED, or empty).
task_status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
task_pid() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

# wait_for DESCRIPTION CMD...: retries CMD for up to 10 s.
wait_for() {
  local what=$1 i
  shift
  for i in $(seq 100); do
    "$@" >/dev/null 2>&1 && { pass "$what"; return 0; }
    sleep 0.1
  done
  fail "$what" "timed out: $*"
  return 1
}
status_is() { [ "$(task_status "$1")" = "$2" ]; }

# Cgroup directories of container ID in every mounted hierarchy.
cgroup_dirs() { find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$NS/$1" 2>/dev/null; }
# Freezer state of container ID (cgroup v1 freezer or v2 cgroup.freeze).
freezer_state() {
  if [ -r "/sys/fs/cgroup/freezer/$NS/$1/freezer.state" ]; then
    cat "/sys/fs/cgroup/freezer/$NS/$1/freezer.state"
  elif [ -r "/sys/fs/cgroup/$NS/$1/cgroup.freeze" ]; then
    sed 's/1/FROZEN/; s/0/THAWED/' "/sys/fs/cgroup/$NS/$1/cgroup.freeze"
  fi
}

# After a container's task and container are deleted nothing of it may remain.
expect_gone() {
  local id=$1 left=() root
  for root in "$T/runc" /run/containerd/runc; do
    [ -e "$root/$NS/$id" ] && left+=("runtime state $root/$NS/$id")
  done
  local dir
  while read -r dir; do [ -n "$dir" ] && left+=("cgroup $dir"); done < <(cgroup_dirs "$id")
  grep -q "/$id/rootfs " /proc/self/mountinfo && left+=("rootfs mount of $id")
  c task ls 2>/dev/null | awk '{ print $1 }' | grep -qx "$id" && left+=("task $id")
  if [ ${#left[@]} -eq 0 ]; then pass "$id: nothing left after delete"; else fail "$id: left after delete" "${left[@]}"; fi
}

# Processes started through our daemon (its address is on their command line)
# or living in our namespace's cgroups.
our_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$containerd_pid" ] && continue
    if tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qF -- "$T/containerd.sock" ||
       grep -qs ":/$NS/" "$p/cgroup"; then
      echo "${p#/proc/}"
    fi
  done
}

cleanup() {
  local id pid dir leaks=()
  if [ -n "$containerd_pid" ] && kill -0 "$containerd_pid" 2>/dev/null; then
    for id in $(c task ls -q 2>/dev/null); do
      c task kill -a -s SIGKILL "$id" >/dev/null 2>&1
      c task delete -f "$id" >/dev/null 2>&1
    done
    for id in $(c container ls -q 2>/dev/null); do c container delete "$id" >/dev/null 2>&1; done
    [ -n "$events_pid" ] && kill -TERM "$events_pid" 2>/dev/null && wait "$events_pid" 2>/dev/null
    kill -TERM "$containerd_pid"
    for _ in $(seq 100); do kill -0 "$containerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$containerd_pid" 2>/dev/null && { leaks+=("containerd did not stop on SIGTERM"); kill -KILL "$containerd_pid"; }
    wait "$containerd_pid" 2>/dev/null
  fi
  for pid in $(our_pids); do
    leaks+=("process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)")
    kill -KILL "$pid" 2>/dev/null
  done
  while read -r dir; do
    [ -n "$dir" ] || continue
    leaks+=("mount $dir")
    umount -l "$dir"
  done < <(awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  # runc and berth leave the parent /$NS (they only remove the container's own
  # cgroup); anything below it is a leak.
  while read -r dir; do
    [ -n "$dir" ] || continue
    leaks+=("cgroup $dir")
  done < <(find /sys/fs/cgroup -mindepth 3 -maxdepth 4 -type d -path "*/$NS/*" 2>/dev/null)
  find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -depth -type d \( -path "*/$NS" -o -path "*/$NS/*" \) \
    -exec rmdir {} + 2>/dev/null
  # berth keeps compiled seccomp filters in <root>/@seccomp-cache ('@' is not
  # valid in a container id): a cache, not a container's state.
  for dir in "$T/runc/$NS" "/run/containerd/runc/$NS"; do
    [ -d "$dir" ] && [ -n "$(ls -A -I @seccomp-cache "$dir")" ] &&
      leaks+=("runtime state: $dir/$(ls -A -I @seccomp-cache "$dir" | tr '\n' ' ')")
  done
  rm -rf --one-file-system "/run/containerd/runc/$NS"
  rm -rf --one-file-system "$T"
  for dir in "${HOST_DIRS[@]}"; do
    [[ " ${preexisting[*]} " == *" $dir "* ]] && continue
    # Only empty directories: a concurrent daemon may use them.
    [ -d "$dir" ] && ! rmdir "$dir" 2>/dev/null && [ -d "$dir" ] &&
      echo "# note: $dir is not empty (another containerd?): $(ls -A "$dir" | head -5 | tr '\n' ' ')"
  done
  if [ ${#leaks[@]} -eq 0 ]; then pass "nothing left behind"; else fail "left behind" "${leaks[@]}"; fi
  echo "# $((failures)) failure(s), $(( $(date +%s) - started )) s, runtime $runtime"
  [ "$failures" -eq 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'fail "interrupted"; exit 1' INT TERM

# --- containerd ---------------------------------------------------------------
# The shim runs "runc" from containerd's PATH when a container has no runtime
# options; ctr 1.6 drops them for --uidmap (its task options replace the
# container's), so that name must be the runtime under test too.
mkdir -p "$T/runc" "$T/fifo" "$T/bin"
ln -s "$runtime" "$T/bin/runc"
# A user namespace's root must reach the bundle under $T.
chmod 0755 "$T"
cat > "$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$T/containerd.sock"
[ttrpc]
  address = "$T/containerd.sock.ttrpc"
[debug]
  address = ""
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"
EOF
PATH=$T/bin:$PATH containerd --config "$T/config.toml" > "$T/containerd.log" 2>&1 &
containerd_pid=$!
wait_for "containerd is up" c version || { cat "$T/containerd.log"; exit 1; }
ctr --address "$T/containerd.sock" events > "$T/events.log" 2>&1 &
events_pid=$!

"$here/make-image.sh" "$T/busybox.tar" berth-busybox:latest || { fail "make-image.sh"; exit 1; }
expect "image import" 0 "$IMAGE" c image import "$T/busybox.tar"
expect "image listed" 0 "^$IMAGE " c image ls

# --- foreground run -------------------------------------------------------------
expect "run: output" 0 "^hello from ctr uid=0$" \
  c run --rm "${RUN_FLAGS[@]}" "$IMAGE" t-run sh -c 'echo "hello from ctr uid=$(id -u)"'
expect_gone t-run
expect "run: exit code" 7 "^$" c run --rm "${RUN_FLAGS[@]}" "$IMAGE" t-exit sh -c 'exit 7'
expect "run: container's own pid namespace and cgroup" 0 "^1 .*/$NS/t-ns$" \
  c run --rm "${RUN_FLAGS[@]}" "$IMAGE" t-ns sh -c 'echo "$$ $(grep -m1 memory /proc/self/cgroup)"'
expect "run -t: console" 0 "/dev/pts/0 tty$" \
  c_tty run --rm -t "${RUN_FLAGS[@]}" "$IMAGE" t-tty sh -c '[ -t 0 ] && echo "$(tty) tty"'
expect_gone t-tty

# containerd's spec options: env, a read-only rootfs, a read-only bind mount,
# cwd, and its default RLIMIT_NOFILE of 1024.
mkdir -p "$T/share" && echo shared > "$T/share/file"
expect "run: env, --read-only, ro bind --mount, --cwd, rlimits" 0 \
  '^bar shared /share 1024 rootfs-ro share-ro$' \
  c run --rm "${RUN_FLAGS[@]}" --env FOO=bar --read-only --cwd /share \
    --mount "type=bind,src=$T/share,dst=/share,options=rbind:ro" "$IMAGE" t-opts sh -c \
    'echo "$FOO $(cat file) $PWD $(ulimit -n) $(touch /x 2>/dev/null || echo rootfs-ro) $(touch y 2>/dev/null || echo share-ro)"'
expect_gone t-opts
# --privileged: every capability the host allows and the host's devices.
host_capeff=$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)
expect "run --privileged: all capabilities, host devices" 0 "^CapEff:[[:space:]]+$host_capeff devices-ok$" \
  c run --rm "${RUN_FLAGS[@]}" --privileged "$IMAGE" t-priv sh -c \
    'echo "$(grep CapEff /proc/self/status) $([ -c /dev/null ] && [ -c /dev/kmsg ] && echo devices-ok)"'
expect_gone t-priv
# --seccomp: containerd's default profile (hundreds of rules, argument
# filters) compiled by the runtime; it refuses unshare(2) without CAP_SYS_ADMIN.
expect "run: unshare(2) allowed without a seccomp profile" 0 '^filter 0 unshared$' \
  c run --rm "${RUN_FLAGS[@]}" "$IMAGE" t-noseccomp sh -c \
    'echo filter $(awk "/^Seccomp:/ { print \$2 }" /proc/self/status) $(unshare -U true 2>&1 && echo unshared)'
expect "run --seccomp: containerd's default profile refuses unshare(2)" 0 \
  '^filter 2 unshare: unshare\(0x10000000\): Operation not permitted$' \
  c run --rm "${RUN_FLAGS[@]}" --seccomp "$IMAGE" t-seccomp sh -c \
    'echo filter $(awk "/^Seccomp:/ { print \$2 }" /proc/self/status) $(unshare -U true 2>&1 && echo unshared)'
expect_gone t-seccomp
# --cap-add/--cap-drop on top of containerd's default set (CapEff in hex:
# CAP_SYS_ADMIN is bit 21, CAP_CHOWN bit 0).
expect "run --cap-add CAP_SYS_ADMIN --cap-drop CAP_CHOWN" 0 '^sys_admin no-chown$' \
  c run --rm "${RUN_FLAGS[@]}" --cap-add CAP_SYS_ADMIN --cap-drop CAP_CHOWN "$IMAGE" t-caps sh -c \
    'e=0x$(awk "/^CapEff:/ { print \$2 }" /proc/self/status); echo $(( (e >> 21) & 1 ? 1 : 0 )):$(( e & 1 )) |
     sed "s/^1:0$/sys_admin no-chown/"'
# --net-host: no network namespace; --no-pivot: the runtime's MS_MOVE path.
host_netns=$(readlink /proc/self/ns/net)
expect "run --net-host --no-pivot" 0 "^${host_netns//[/\\[} berth$" \
  c run --rm "${RUN_FLAGS[@]}" --net-host --no-pivot "$IMAGE" t-nopivot sh -c \
    'echo $(readlink /proc/self/ns/net) $(cat /etc/hostname)'
expect_gone t-nopivot
# --device: a host device node (10:229, hex a:e5) and its device cgroup rule.
if [ -c /dev/fuse ]; then
  expect "run --device /dev/fuse" 0 '^c a:e5 fuse-open-ok$' \
    c run --rm "${RUN_FLAGS[@]}" --device /dev/fuse "$IMAGE" t-dev sh -c \
      'echo c $(stat -c %t:%T /dev/fuse) $(: < /dev/fuse && echo fuse-open-ok)'
fi
# Resource limits land in the container's cgroup, which it sees at
# /sys/fs/cgroup through a cgroup mount (as CRI's spec has).
expect "run --cpus --memory-limit: limits in the container's cgroup" 0 '^50000 100000 33554432$' \
  c run --rm "${RUN_FLAGS[@]}" --cpus 0.5 --memory-limit 33554432 \
    --mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:nodev:noexec "$IMAGE" t-cg sh -c \
    'cd /sys/fs/cgroup && echo $(cat cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us memory/memory.limit_in_bytes)'
expect_gone t-cg
# A memory limit the process exceeds: the kernel OOM-kills it and containerd
# (watching the cgroup the runtime made) reports the OOM. Detached, so the
# cgroup outlives the process until the event is seen: the shim drops an OOM
# event when the cgroup is already gone.
expect "run -d --memory-limit" 0 '^$' \
  c run -d --null-io "${RUN_FLAGS[@]}" --memory-limit 16777216 "$IMAGE" t-oom sh -c 'tail /dev/zero'
wait_for "run --memory-limit: /tasks/oom event" grep -q '/tasks/oom.*"t-oom"' "$T/events.log"
wait_for "run --memory-limit: OOM-killed task STOPPED" status_is t-oom STOPPED
expect "run --memory-limit: exit 137" 0 "task t-oom exit with non-zero exit code 137" c task delete t-oom
expect "container delete (OOM)" 0 "^$" c container delete t-oom
expect_gone t-oom

# A user namespace: ctr chowns a copy of the snapshot, the runtime maps ids.
# (ctr 1.6 runs this one with the shim's defaults: "runc" from PATH = the
# runtime under test, state in /run/containerd/runc/$NS.)
expect "run --uidmap --gidmap: user namespace" 0 '^0 100000 65536 0 100000 65536 uid=0$' \
  c run --rm "${RUN_FLAGS[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMAGE" t-userns \
    sh -c 'echo $(cat /proc/self/uid_map /proc/self/gid_map) uid=$(id -u)'
expect_gone t-userns
# Several containers at once.
expect_four_at_once "4 containers in parallel" "parallel @" \
  c run --rm "${RUN_FLAGS[@]}" "$IMAGE" "t-par@" echo "parallel @"
for i in 1 2 3 4; do expect_gone "t-par$i"; done

# --- runtime errors reach ctr ----------------------------------------------------
# The runtime's own message (from its --log JSON) must be in ctr's error.
expect "run: missing executable -> runtime's error" 1 \
  'OCI runtime create failed:.*/nonexistent.*no such file or directory' \
  c run --rm "${RUN_FLAGS[@]}" "$IMAGE" t-err /nonexistent
c container delete t-err >/dev/null 2>&1
expect_gone t-err
expect "run: bad cwd -> runtime's error" 1 'OCI runtime create failed:.*/etc/passwd.*not a directory' \
  c run --rm "${RUN_FLAGS[@]}" --cwd /etc/passwd/no/such/dir "$IMAGE" t-cwd true
c container delete t-cwd >/dev/null 2>&1
expect_gone t-cwd

expect "run: missing bind mount source -> runtime's error" 1 \
  'OCI runtime create failed:.*/nonexistent.*no such file or directory' \
  c run --rm "${RUN_FLAGS[@]}" --mount type=bind,src=/nonexistent,dst=/x,options=rbind "$IMAGE" t-mnt true
c container delete t-mnt >/dev/null 2>&1
expect_gone t-mnt
# A memory limit below what the init needs to start: the user must learn that
# memory is the problem (runc: "unable to set memory limit to 4096 (current
# usage: ...)").
expect "run: memory limit too low to start -> the error names memory" 1 \
  'OCI runtime create failed:.*memory' \
  c run --rm "${RUN_FLAGS[@]}" --memory-limit 4096 "$IMAGE" t-tinymem true
c container delete t-tinymem >/dev/null 2>&1
expect_gone t-tinymem

# --- detached task ---------------------------------------------------------------
# The init traps SIGTERM and reports it; its child keeps ps/metrics busy.
capture c run -d --log-uri "file://$T/t-det.log" "${RUN_FLAGS[@]}" "$IMAGE" t-det \
  sh -c 'trap "echo got TERM; exit 3" TERM; echo started; sleep 1000 & wait'
[ "$rc" = 0 ] && pass "run -d" || fail "run -d" "exit $rc" "$out"
wait_for "run -d: task output in its log" grep -qx started "$T/t-det.log"
pid=$(task_pid t-det)
# In /$NS/t-det in every hierarchy (v1 controllers, named ones like
# name=systemd, and the v2 one), as runc puts it.
if [ "$(task_status t-det)" = RUNNING ] && [ -n "$pid" ] && [ -r "/proc/$pid/cgroup" ] &&
   ! grep -qv ":/$NS/t-det$" "/proc/$pid/cgroup"; then
  pass "task ls: RUNNING with a host pid in /$NS/t-det in every hierarchy"
else
  fail "task ls: RUNNING with a host pid in /$NS/t-det in every hierarchy" "$(c task ls 2>&1)" \
    "pid $pid:" "$(cat "/proc/$pid/cgroup" 2>&1)"
fi

expect "exec: output and exit code" 5 "^exec as 0 in /tmp$" \
  c task exec "${EXEC_FLAGS[@]}" --cwd /tmp --exec-id e1 t-det sh -c 'echo "exec as $(id -u) in $PWD"; sleep 0.2; exit 5'
# The exec'd process is in the init's pid namespace: it sees the init as pid 1.
expect "exec: joins the init's pid namespace" 0 "^1 sh" \
  c task exec "${EXEC_FLAGS[@]}" --exec-id e2 t-det sh -c 'ps -o pid,comm | grep "^ *1 "| sed "s/^ *//"; sleep 0.2'
expect "exec -t: console" 0 "/dev/pts/[0-9]+ tty$" \
  c_tty task exec -t "${EXEC_FLAGS[@]}" --exec-id e3 t-det sh -c '[ -t 0 ] && echo "$(tty) tty"; sleep 0.2'
expect "exec -t: exit code" 4 "^bye$" \
  c_tty task exec -t "${EXEC_FLAGS[@]}" --exec-id e8 t-det sh -c 'echo bye; sleep 0.2; exit 4'
# --with-ns: a new container joins t-det's network namespace by path.
det_netns=$(readlink "/proc/$pid/ns/net")
expect "run --with-ns: joins another container's network namespace" 0 "^${det_netns//[/\\[}$" \
  c run --rm "${RUN_FLAGS[@]}" --with-ns "network:/proc/$pid/ns/net" "$IMAGE" t-withns readlink /proc/self/ns/net
expect_gone t-withns
expect "exec: missing executable -> runtime's error" 1 'OCI runtime exec failed:.*/nonexistent.*no such file or directory' \
  c task exec "${EXEC_FLAGS[@]}" --exec-id e4 t-det /nonexistent

expect "exec --user" 0 '^uid=1000\(berth\) gid=1000\(berth\)' \
  c task exec "${EXEC_FLAGS[@]}" --user 1000 --exec-id e7 t-det sh -c 'id; sleep 0.2'
# Several execs into one container at once (probes, kubectl exec).
expect_four_at_once "4 execs in parallel" "exec @" \
  c task exec "${EXEC_FLAGS[@]}" --exec-id "p@" t-det sh -c "echo 'exec @'; sleep 0.2"
expect "exec -d" 0 "^$" c task exec -d "${EXEC_FLAGS[@]}" --exec-id e5 t-det sleep 999
# Nothing of the runtime's (log, state, sync or exec-fifo fds) reaches the
# container: the init and the exec'd process hold only their stdio.
expect "no runtime fds in the init or an exec'd process" 0 '^init: 0 1 2 exec: 0 1 2$' \
  c task exec "${EXEC_FLAGS[@]}" --exec-id e9 t-det sh -c \
    'for p in /proc/[0-9]*; do [ "$(tr "\0" " " < $p/cmdline)" = "sleep 999 " ] && e=$(ls $p/fd); done
     echo init: $(ls /proc/1/fd) exec: $e; sleep 0.2'
capture c task ps t-det
# PID INFO header + init (sh) + its sleep + the exec'd sleep.
ps_pids=$(awk 'NR > 1 { print $1 }' <<<"$out" | sort -n | tr '\n' ' ')
cgroup_pids=$(sort -n "/sys/fs/cgroup/pids/$NS/t-det/cgroup.procs" 2>/dev/null | tr '\n' ' ')
if [ "$rc" = 0 ] && [ "$(wc -w <<<"$ps_pids")" = 3 ] && [[ " $ps_pids" == *" $pid "* ]] &&
   { [ -z "$cgroup_pids" ] || [ "$ps_pids" = "$cgroup_pids" ]; }; then
  pass "task ps: init, its child and the exec'd process"
else
  fail "task ps: init, its child and the exec'd process" "exit $rc, cgroup.procs: $cgroup_pids" "$out"
fi

expect "pause" 0 "^$" c task pause t-det
if status_is t-det PAUSED && [ "$(freezer_state t-det)" = FROZEN ]; then
  pass "pause: PAUSED and frozen"
else
  fail "pause: PAUSED and frozen" "status $(task_status t-det), freezer $(freezer_state t-det)"
fi
expect "resume" 0 "^$" c task resume t-det
if status_is t-det RUNNING && [ "$(freezer_state t-det)" = THAWED ]; then
  pass "resume: RUNNING and thawed"
else
  fail "resume: RUNNING and thawed" "status $(task_status t-det), freezer $(freezer_state t-det)"
fi
expect "exec after resume" 0 "^alive$" c task exec "${EXEC_FLAGS[@]}" --exec-id e6 t-det sh -c 'echo alive; sleep 0.2'

capture c task metrics t-det
metric() { awk -v name="$1" '$1 == name { print $2 }' <<<"$out"; }
if [ "$rc" = 0 ] && [ "$(metric pids.current)" = 3 ] && [[ $(metric memory.usage_in_bytes) =~ ^[1-9][0-9]*$ ]] &&
   [[ $(metric cpuacct.usage) =~ ^[1-9][0-9]*$ ]]; then
  pass "metrics: pids and memory of the container's cgroup"
else
  fail "metrics: pids and memory of the container's cgroup" "exit $rc" "$out"
fi

capture c task kill t-det
wait_for "kill: SIGTERM stops the init" status_is t-det STOPPED
if grep -qx "got TERM" "$T/t-det.log"; then pass "kill: the init's trap ran"; else fail "kill: the init's trap ran" "$(cat "$T/t-det.log")"; fi
expect "delete: reports the exit status" 0 "task t-det exit with non-zero exit code 3" c task delete t-det
expect "container delete" 0 "^$" c container delete t-det
expect_gone t-det

# --- a detached task without IO -----------------------------------------------------
# With --null-io the shim hands the runtime the HOST's /dev/null as the init's
# stdio; the runtime must replace it with the container's own /dev/null (runc's
# reOpenDevNull), or the container can chmod the host's node via /proc/self/fd/0.
mkdir -p "$T/out"
expect "run -d --null-io" 0 "^$" c run -d --null-io "${RUN_FLAGS[@]}" \
  --mount "type=bind,src=$T/out,dst=/out,options=rbind:rw" "$IMAGE" t-null sh -c \
  'null=$(stat -c %d:%i /dev/null) r=""
   for fd in 0 1 2; do
     if [ "$(stat -L -c %d:%i /proc/$$/fd/$fd)" = "$null" ]; then r="$r own"; else r="$r host"; fi
   done
   echo $r > /out/stdio; exec sleep 1000'
wait_for "run -d --null-io: the init reported" test -s "$T/out/stdio"
if [ "$(cat "$T/out/stdio")" = "own own own" ]; then
  pass "--null-io: stdio is the container's /dev/null, not the host's"
else
  fail "--null-io: stdio is the container's /dev/null, not the host's" "fd 0 1 2: $(cat "$T/out/stdio")"
fi
expect "delete -f (null io)" 0 "exit code 137" c task delete -f t-null
expect "container delete (null io)" 0 "^$" c container delete t-null
expect_gone t-null

# --- kill --all ----------------------------------------------------------------------
# The init is pid 1 without a SIGTERM handler, so SIGTERM only ends the others.
expect "run -d (kill --all)" 0 "^$" c run -d --null-io "${RUN_FLAGS[@]}" "$IMAGE" t-all sleep 1000
expect "exec -d (kill --all) 1" 0 "^$" c task exec -d "${EXEC_FLAGS[@]}" --exec-id s1 t-all sleep 1001
expect "exec -d (kill --all) 2" 0 "^$" c task exec -d "${EXEC_FLAGS[@]}" --exec-id s2 t-all sleep 1002
expect "kill --all SIGTERM" 0 "^$" c task kill -a -s SIGTERM t-all
all_pid=$(task_pid t-all)
only_init() { [ "$(c task ps t-all | awk 'NR > 1 { print $1 }' | tr -d '\n')" = "$all_pid" ]; }
wait_for "kill --all: reached every process, the init survives" only_init
status_is t-all RUNNING && pass "kill --all: task still RUNNING" || fail "kill --all: task still RUNNING" "$(task_status t-all)"
expect "delete -f of a running task" 0 "task t-all exit with non-zero exit code 137" c task delete -f t-all
expect "container delete (kill --all)" 0 "^$" c container delete t-all
expect_gone t-all

# A container's task can be started again after its task was deleted (its
# runtime state and cgroup must be gone, the id is reused).
expect "run -d (restart)" 0 "^$" c run -d --null-io "${RUN_FLAGS[@]}" "$IMAGE" t-again sh -c 'exec sleep 1000'
expect "kill (restart)" 0 "^$" c task kill -s SIGKILL t-again
wait_for "STOPPED (restart)" status_is t-again STOPPED
expect "task delete (restart)" 0 "exit code 137" c task delete t-again
expect "task start -d: the same container again" 0 "^$" c task start -d t-again
if status_is t-again RUNNING && [ -n "$(cgroup_dirs t-again)" ]; then
  pass "restarted task RUNNING in its cgroup"
else
  fail "restarted task RUNNING in its cgroup" "status $(task_status t-again)"
fi
expect "delete -f (restart)" 0 "exit code 137" c task delete -f t-again
expect "container delete (restart)" 0 "^$" c container delete t-again
expect_gone t-again

# --- the runtime deletes a container behind containerd's back -----------------------
# containerd must still clean up: the shim matches the runtime's
# "container does not exist" and treats the container as gone.
expect "run -d (deleted behind containerd's back)" 0 "^$" \
  c run -d --null-io "${RUN_FLAGS[@]}" "$IMAGE" t-gone sleep 1000
expect "runtime delete --force under containerd" 0 '^$' "$runtime" --root "$T/runc/$NS" delete --force t-gone
wait_for "task STOPPED after the runtime's delete" status_is t-gone STOPPED
expect "task delete: the runtime's container is gone" 0 "task t-gone exit with non-zero exit code 137" \
  c task delete t-gone
expect "container delete (deleted behind containerd's back)" 0 "^$" c container delete t-gone
expect_gone t-gone

# --- the shim dies ------------------------------------------------------------------------
# containerd cleans up after a dead shim by running `containerd-shim-runc-v2
# delete`, which runs `RUNTIME delete --force` on the still running container:
# the init must die and its state and cgroup go.
expect "run -d (dead shim)" 0 "^$" c run -d --null-io "${RUN_FLAGS[@]}" "$IMAGE" t-shim sleep 1000
shim_init=$(task_pid t-shim)
shim_pid=""
for p in /proc/[0-9]*; do
  tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -qF -- "-id t-shim -address $T/containerd.sock" && shim_pid=${p#/proc/}
done
# A killed shim leaves its socket, /run/containerd/s/sha256(<address>/<ns>/<id>).
shim_socket=/run/containerd/s/$(printf '%s' "$T/containerd.sock/$NS/t-shim" | sha256sum | cut -d' ' -f1)
if [ -n "$shim_pid" ] && [ -n "$shim_init" ]; then
  [ -S "$shim_socket" ] && pass "dead shim: its socket found" || fail "dead shim: its socket found" "$shim_socket"
  kill -KILL "$shim_pid"
  init_gone() { ! kill -0 "$shim_init" 2>/dev/null; }
  task_gone() { ! c task ls -q | grep -qx t-shim; }
  wait_for "dead shim: containerd's cleanup killed the init" init_gone
  wait_for "dead shim: task gone" task_gone
  expect "container delete (dead shim)" 0 "^$" c container delete t-shim
  expect_gone t-shim
  rm -f "$shim_socket"
else
  fail "dead shim: shim and init found" "shim '$shim_pid', init '$shim_init'"
fi

# --- SIGKILL and delete of a stopped-by-signal task ------------------------------------
expect "run -d (kill -s SIGKILL)" 0 "^$" c run -d --null-io "${RUN_FLAGS[@]}" "$IMAGE" t-kill sleep 1000
expect "kill -s SIGKILL" 0 "^$" c task kill -s SIGKILL t-kill
wait_for "kill -s SIGKILL: STOPPED" status_is t-kill STOPPED
expect "delete: exit status 137" 0 "task t-kill exit with non-zero exit code 137" c task delete t-kill
expect "container delete (SIGKILL)" 0 "^$" c container delete t-kill
expect_gone t-kill
