#!/bin/bash
# podman 4.3 + conmon driving a runc-compatible runtime (berth, or runc/crun to
# check the test itself), fully private, no registry, no network.
#
#   conformance/clients/podman/run.sh RUNTIME_BINARY
#
# Exit 0 = pass, 1 = fail, 77 = skipped (not root, podman/conmon/busybox/jq
# missing). Everything lives in a mktemp dir: storage (--root, --runroot, vfs
# driver), containers.conf (CONTAINERS_CONF: cgroupfs, file events, file locks,
# private tmp/network/hooks dirs, default_ulimits = limits podman can grant),
# and a cgroup parent of its own. The image is `podman import` of a
# busybox-static rootfs made by tests/setup/make-bundle.sh. At the end it checks
# that the runtime left nothing behind (processes, mounts, container cgroups,
# runtime state) and removes what podman itself creates on the host
# (/var/lib/containers/cache, ...) when it did not exist before.
set -Eeuo pipefail

usage() { echo "usage: $0 RUNTIME_BINARY" >&2; exit 2; }
[ $# -eq 1 ] || usage
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
for tool in podman conmon jq; do
  command -v "$tool" >/dev/null || skip "$tool not installed (tests/setup/install-deps.sh)"
done
[ -x /bin/busybox ] || skip "busybox-static not installed"
runtime=$(realpath -e "$1")
[ -x "$runtime" ] || { echo "not executable: $runtime" >&2; exit 2; }
runtime_name=$(basename "$runtime")
repo=$(cd "$(dirname "$0")/../../.." && pwd)

started=$SECONDS
work=$(mktemp -d /tmp/berth-podman.XXXXXX)
cgroup_parent=/$(basename "$work")
image=localhost/berth-busybox:latest
# Host paths podman 4.3 may create even with private --root/--runroot/tmp_dir:
# the blob info cache is always /var/lib/containers/cache for root. Removed
# when they did not exist before; directories only when empty (another podman
# may have started using them meanwhile).
host_paths=(/var/lib/containers/cache /var/lib/containers /run/containers /run/libpod
            /etc/containers/networks /dev/shm/libpod_lock /var/tmp/containers-user-0)
preexisting=()
for path in "${host_paths[@]}"; do [ -e "$path" ] && preexisting+=("$path"); done

failures=0
step=0
ok() { step=$((step + 1)); echo "ok $step - $*"; }
fail() {
  step=$((step + 1)); failures=$((failures + 1))
  echo "not ok $step - $1"
  shift
  local line
  for line in "$@"; do printf '#   %s\n' "$line"; done
}
skip_check() { step=$((step + 1)); echo "ok $step # skip $*"; }
# expect DESCRIPTION EXPECTED ACTUAL
expect() {
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected: $(printf %q "$2")" "actual:   $(printf %q "$3")"; fi
}
# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() {
  if [[ "$3" == *"$2"* ]]; then ok "$1"; else fail "$1" "expected to contain: $2" "actual: $3"; fi
}

# ---------------------------------------------------------------- private podman
ulimit_pair() { echo "$(ulimit -S "$1"):$(ulimit -H "$1")"; }
# podman 4.3 lowers its own RLIMIT_NPROC to 32768 before starting conmon, so a
# container cannot be given more (raising a hard limit needs CAP_SYS_RESOURCE).
nproc_hard=$(ulimit -Hu)
[ "$nproc_hard" = unlimited ] || [ "$nproc_hard" -gt 32768 ] && nproc_hard=32768
nproc_soft=$(ulimit -Su)
[ "$nproc_soft" = unlimited ] || [ "$nproc_soft" -gt "$nproc_hard" ] && nproc_soft=$nproc_hard
mkdir -p "$work"/{tmp,net,hooks,state}
write_containers_conf() {  # FILE [extra [engine] line]
  cat > "$1" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit_pair -n)", "nproc=$nproc_soft:$nproc_hard"]
netns = "none"
log_driver = "k8s-file"

[network]
network_config_dir = "$work/net"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/tmp/events.log"
lock_type = "file"
num_locks = 64
tmp_dir = "$work/tmp"
static_dir = "$work/root/libpod"
volume_path = "$work/root/volumes"
hooks_dir = ["$work/hooks"]
image_copy_tmp_dir = "$work/tmp"
${2:-}
EOF
}
write_containers_conf "$work/containers.conf"
# The same, with the runtime's name among those podman gives --log-format=json.
write_containers_conf "$work/containers-json.conf" \
  "runtime_supports_json = [\"crun\", \"runc\", \"kata\", \"runsc\", \"krun\", \"$runtime_name\"]"
cat > "$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/root"
runroot = "$work/runroot"
EOF
: > "$work/registries.conf"
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf \
       CONTAINERS_REGISTRIES_CONF=$work/registries.conf
podman_global=(--root "$work/root" --runroot "$work/runroot" --storage-driver vfs
               --cgroup-manager cgroupfs --runtime "$runtime")
pm() { timeout -k 5 90 podman "${podman_global[@]}" "$@"; }
# Every container gets our own cgroup parent (conmon goes to PARENT/conmon).
run_opts=(--cgroup-parent "$cgroup_parent")

# ---------------------------------------------------------------- cleanup + leak check
# Processes podman started for us (conmon, `podman container cleanup`) all name $work.
our_pids() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" = $$ ] && continue
    tr '\0' ' ' 2>/dev/null < "$dir/cmdline" | grep -qF "$work/" && echo "$pid"
  done
  return 0
}
# Real cgroup hierarchies only: podman also mkdirs PARENT/conmon (with a
# "tasks" file) in /sys/fs/cgroup/<controller> dirs that are plain tmpfs when
# the controller is not mounted (here hugetlb, net_cls, net_prio, perf_event).
cgroup_fs_dirs() {
  local hierarchy type
  for hierarchy in /sys/fs/cgroup/*/; do
    [ -d "$hierarchy${cgroup_parent#/}" ] || continue
    type=$(stat -f -c %T "$hierarchy")
    case $type in
      cgroupfs|cgroup2fs) find "$hierarchy${cgroup_parent#/}" -depth -type d ;;
      *) echo "$hierarchy${cgroup_parent#/}" ;;
    esac
  done
}
# Every container podman made, from its event log (events_logger = "file").
all_container_ids() {
  jq -r 'select(.Type == "container") | .ID' "$work/tmp/events.log" 2>/dev/null | sort -u || true
}

cleanup() {
  local status=$? leaks=() pid dir id path mnt ids
  set +e
  trap - EXIT
  [ -d "$work/root" ] && pm rm -a -f -t 0 >/dev/null 2>&1
  ids=$(all_container_ids)
  # conmon and the exit command finish asynchronously after rm.
  for _ in $(seq 100); do [ -z "$(our_pids)" ] && break; sleep 0.2; done
  pid=$(our_pids)
  if [ -n "$pid" ]; then
    leaks+=("processes still running: $(echo $pid)")
    for p in $pid; do kill -9 "$p" 2>/dev/null; done
  fi
  for dir in $(cgroup_fs_dirs); do
    if [ ! -e "$dir/cgroup.procs" ]; then rm -rf "$dir"; continue; fi  # tmpfs, podman's
    case $dir in
      */libpod-*) [[ " ${leaks[*]-} " == *" ${dir##*/} "* ]] || leaks+=("container cgroup left: ${dir##*/} (e.g. $dir)") ;;
    esac
    if [ -s "$dir/cgroup.procs" ]; then
      leaks+=("processes left in $dir: $(tr "\n" " " < "$dir/cgroup.procs")")
      for pid in $(cat "$dir/cgroup.procs"); do kill -9 "$pid" 2>/dev/null; done
      sleep 0.2
    fi
    rmdir "$dir" 2>/dev/null || leaks+=("cannot remove cgroup $dir")
  done
  for id in $ids; do
    if "$runtime" list -q 2>/dev/null | grep -qx "$id"; then
      leaks+=("runtime state left for $id")
      "$runtime" delete --force "$id" >/dev/null 2>&1
    fi
  done
  while read -r mnt; do
    [ -n "$mnt" ] || continue
    leaks+=("mount left: $mnt")
    umount -l "$mnt" 2>/dev/null
  done < <(awk -v w="$work" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  rm -rf --one-file-system "$work"
  for path in "${host_paths[@]}"; do
    [[ " ${preexisting[*]-} " == *" $path "* ]] && continue
    case $path in
      /var/lib/containers/cache) rm -f "$path"/blob-info-cache-v1.boltdb; rmdir "$path" 2>/dev/null ;;
      /dev/shm/libpod_lock) rm -f "$path" ;;
      *) rmdir "$path" 2>/dev/null ;;
    esac
    [ -e "$path" ] && echo "# note: left $path (not empty; made while the test ran)"
  done
  for leak in "${leaks[@]}"; do echo "LEAK: $leak"; done
  echo "# $((SECONDS - started)) s, $step checks, $failures failed, ${#leaks[@]} leaks (runtime $runtime)"
  if [ "$status" = 0 ] && { [ "$failures" != 0 ] || [ ${#leaks[@]} != 0 ]; }; then status=1; fi
  exit "$status"
}
trap cleanup EXIT
# fd 3 = the test's stdout, even inside commands whose output is redirected.
exec 3>&1
on_error() { echo "# command failed: $BASH_COMMAND (call chain, lines: ${BASH_LINENO[*]})" >&3; }
trap on_error ERR

# ---------------------------------------------------------------- image, no registry
"$repo/tests/setup/make-bundle.sh" "$work/bundle" /nonexistent >/dev/null
tar -C "$work/bundle/rootfs" -cf "$work/rootfs.tar" .
pm import --quiet "$work/rootfs.tar" "$image" >/dev/null
expect "podman import of a busybox rootfs" "$image" "$(pm images --format '{{.Repository}}:{{.Tag}}')"

# ---------------------------------------------------------------- foreground runs
out=$(pm run --rm "${run_opts[@]}" --hostname podman-ctr "$image" sh -c 'echo hello from $(hostname); id -u')
expect "run --rm: output and hostname" $'hello from podman-ctr\n0' "$out"

rc=0; pm run --rm "${run_opts[@]}" "$image" sh -c 'exit 7' || rc=$?
expect "run: exit status reaches podman" 7 "$rc"

# Without -i conmon hands the runtime the host's /dev/null as stdin: inside it
# must be the container's own node (a host node would be chmod-able from inside).
out=$(pm run --rm "${run_opts[@]}" "$image" stat -L -c %d:%i /proc/self/fd/0 /dev/null)
[ "$(sed -n 1p <<<"$out")" = "$(sed -n 2p <<<"$out")" ] && ok "run: stdin is the container's /dev/null" \
  || fail "run: stdin is the container's /dev/null" "$out"
expect "run -i: stdin" piped "$(echo piped | pm run --rm -i "${run_opts[@]}" "$image" cat)"

out=$(pm run --rm -t "${run_opts[@]}" "$image" tty </dev/null | tr -d '\r')
[[ "$out" == /dev/pts/* ]] && ok "run -t: process has a pty ($(echo $out))" || fail "run -t: process has a pty" "$out"

out=$(pm run --rm "${run_opts[@]}" -u 1000:1000 -w /tmp -e GREETING=hi --read-only -m 64m "$image" \
  sh -c 'echo $(id -u):$(id -g) $(pwd) $GREETING; touch /x 2>/dev/null || echo ro; cat /sys/fs/cgroup/memory/memory.limit_in_bytes')
expect "run -u -w -e --read-only -m" $'1000:1000 /tmp hi\nro\n67108864' "$out"

# Every v1 hierarchy, the named name=systemd one included (as runc), has the
# container in PARENT/libpod-ID.
out=$(pm run --rm "${run_opts[@]}" --cgroupns host "$image" cat /proc/self/cgroup)
others=$(grep -v ":$cgroup_parent/libpod-[0-9a-f]*\$" <<<"$out" | grep -v '^0::' || true)
if [ -z "$others" ] && grep -q ":name=systemd:$cgroup_parent/libpod-" <<<"$out"; then
  ok "the container is in PARENT/libpod-ID in every hierarchy (name=systemd too)"
else
  fail "the container is in PARENT/libpod-ID in every hierarchy" "$out"
fi

out=$(pm run --rm "${run_opts[@]}" --init "$image" ps -o pid,args)
[[ "$out" == *"1 /run/podman-init -- ps"* ]] && ok "run --init: catatonit is pid 1" || fail "run --init" "$out"

out=$(pm run --rm "${run_opts[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$image" \
  sh -c 'cat /proc/self/uid_map; id -u; touch /tmp/w && echo writable')
expect "run --uidmap: user namespace" "0 100000 65536 0 writable" "$(echo $out)"

# podman's `-v SRC:DST:idmap` passes the "idmap" mount option (no mappings of
# its own: the container's). runc 1.1 does not list it in `features` and ignores it.
if "$runtime" features 2>/dev/null | jq -e '.mountOptions | index("idmap")' >/dev/null; then
  mkdir "$work/vol" && echo x > "$work/vol/root-owned"
  out=$(pm run --rm "${run_opts[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
    -v "$work/vol:/data:idmap" "$image" stat -c %u:%g /data/root-owned 2>&1)
  expect "run --uidmap -v SRC:DST:idmap: host 0:0 is 0:0 inside" 0:0 "$out"
else
  skip_check "-v SRC:DST:idmap: $runtime_name's features do not list idmap"
fi

out=$(pm run --rm "${run_opts[@]}" --privileged "$image" sh -c 'grep CapEff /proc/self/status; test -c /dev/kmsg && echo kmsg')
expect "run --privileged: all capabilities, host devices" "CapEff: $(awk '/CapBnd/ { print $2 }' /proc/self/status) kmsg" "$(echo $out)"

expect "run --network none: only lo" lo "$(pm run --rm "${run_opts[@]}" "$image" ls /sys/class/net)"
expect "run --network host: the host's interfaces" "$(ls /sys/class/net | sort)" \
  "$(pm run --rm "${run_opts[@]}" --network host "$image" ls /sys/class/net | sort)"

# An OCI prestart hook from podman's hooks_dir, run by the runtime with the
# container's state on stdin (only for containers with the annotation).
cat > "$work/hooks/prestart.json" <<EOF
{"version": "1.0.0",
 "hook": {"path": "/bin/sh", "args": ["sh", "-c", "cat > $work/hook-state.json"]},
 "when": {"annotations": {"^berth\\\\.test\\\\.hook\$": "^yes\$"}},
 "stages": ["prestart"]}
EOF
pm run --name hooked "${run_opts[@]}" --annotation berth.test.hook=yes "$image" true
hooked_id=$(pm inspect --format '{{.Id}}' hooked)
pm rm hooked >/dev/null
expect "prestart hook from hooks_dir: state on stdin" "creating $hooked_id number" \
  "$(jq -r '"\(.status) \(.id) \(.pid | type)"' "$work/hook-state.json" 2>&1)"

# ---------------------------------------------------------------- detached container
pm run -d --name web "${run_opts[@]}" "$image" sh -c \
  'trap "echo got USR1" USR1; trap "echo got TERM; exit 0" TERM; echo started; while :; do sleep 0.1; done' >/dev/null
web_id=$(pm inspect --format '{{.Id}}' web)
# wait_for CONTAINER TEXT: until the container's log has TEXT (10 s)
wait_for() {
  for _ in $(seq 100); do pm logs "$1" 2>&1 | grep -qF "$2" && return 0; sleep 0.1; done
  return 1
}
wait_for web started && ok "run -d: container started" || fail "run -d: container started" "$(pm logs web 2>&1)"
expect "run -d: podman says running" running "$(pm inspect --format '{{.State.Status}}' web)"
out=$(pm inspect --format '{{.OCIRuntime}}' web)
[ "$out" = "$runtime_name" ] || [ "$out" = "$runtime" ] && ok "podman records the runtime: $out" \
  || fail "podman records the runtime" "$out"
"$runtime" list -q | grep -qx "$web_id" && ok "the runtime lists the container" \
  || fail "the runtime lists the container" "$("$runtime" list 2>&1)"

# ---------------------------------------------------------------- exec
rc=0; out=$(pm exec web sh -c 'echo out; echo err >&2; exit 3' 2>"$work/err") || rc=$?
expect "exec: stdout" out "$out"
expect "exec: stderr" err "$(cat "$work/err")"
expect "exec: exit status" 3 "$rc"
out=$(pm exec -t web sh -c 'tty; test -t 1 && echo stdout-is-tty' </dev/null | tr -d '\r')
[[ "$out" == /dev/pts/*$'\n'stdout-is-tty ]] && ok "exec -t: pty" || fail "exec -t: pty" "$out"
expect "exec -i: stdin" in "$(echo in | pm exec -i web cat)"
expect "exec -u -w -e" "1000 /home/berth x" "$(pm exec -u 1000 -w /home/berth -e V=x web sh -c 'echo $(id -u) $(pwd) $V')"
expect "exec joins the pid namespace" 1 "$(pm exec web sh -c 'pidof sh | tr " " "\n" | sort -n | head -1')"

# ---------------------------------------------------------------- sharing, update, restart
out=$(pm run --rm "${run_opts[@]}" --pid container:web --ipc container:web "$image" ps -o args)
[[ "$out" == *"while :; do sleep 0.1; done"* ]] && ok "run --pid container:web joins its pid namespace" \
  || fail "run --pid container:web" "$out"
pm update --memory 48m --cpu-shares 512 web >/dev/null
expect "update: new limits inside" $'50331648\n512' \
  "$(pm exec web cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares)"

# ---------------------------------------------------------------- top, stats
out=$(pm top web pid args)
[[ "$out" == *"while :; do sleep 0.1; done"* ]] && ok "top: shows the container's init" || fail "top" "$out"
out=$(pm stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' web)
read -r pids mem _ <<<"$out"
if [ "${pids:-0}" -ge 1 ] && [ -n "${mem:-}" ] && [ "$mem" != 0B ] && [ "$mem" != "--" ]; then
  ok "stats --no-stream: $out"
else
  fail "stats --no-stream reads the container's cgroup" "$out"
fi

# ---------------------------------------------------------------- pause / unpause
pm pause web >/dev/null
expect "pause: podman says paused" paused "$(pm inspect --format '{{.State.Status}}' web)"
expect "pause: the runtime says paused" paused "$("$runtime" state "$web_id" | jq -r .status)"
pm unpause web >/dev/null
expect "unpause: running" running "$(pm inspect --format '{{.State.Status}}' web)"
expect "unpause: exec works again" back "$(pm exec web echo back)"

# ---------------------------------------------------------------- kill, stop, start again
pm kill -s USR1 web >/dev/null
wait_for web "got USR1" && ok "kill -s USR1 reaches the process" || fail "kill -s USR1" "$(pm logs web 2>&1)"
pm stop -t 10 web >/dev/null
expect "stop: exited with the process's status" "exited 0" "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' web)"
pm logs web | grep -qx "got TERM" && ok "stop sent SIGTERM" || fail "stop sent SIGTERM" "$(pm logs web 2>&1)"

pm start web >/dev/null
expect "start again: running" running "$(pm inspect --format '{{.State.Status}}' web)"
[ "$(pm logs web | grep -cx started)" = 2 ] && ok "start again: the process ran twice" \
  || fail "start again: the process ran twice" "$(pm logs web 2>&1)"
expect "start again: exec" again "$(pm exec web echo again)"
pm kill web >/dev/null
pm wait web >/dev/null
expect "kill: SIGKILL -> 137" "exited 137" "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' web)"
pm rm web >/dev/null
expect "rm: gone" "" "$(pm ps -a -q)"

pm run -d --name stubborn "${run_opts[@]}" "$image" sh -c 'trap "" TERM; echo started; while :; do sleep 0.1; done' >/dev/null
wait_for stubborn started || true
pm stop -t 1 stubborn >/dev/null
expect "stop: SIGKILL after the timeout" "exited 137" "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' stubborn)"
pm start stubborn >/dev/null
pm restart -t 1 stubborn >/dev/null
expect "restart: running again, the process ran 3 times" "running 3" \
  "$(pm inspect --format '{{.State.Status}}' stubborn) $(pm logs stubborn | grep -cx started)"
# SIGKILL reaches a paused (frozen) container: runc thaws it after the kill.
pm pause stubborn >/dev/null
rc=0; pm kill stubborn >/dev/null 2>"$work/err" || rc=$?
timeout -k 2 20 podman "${podman_global[@]}" wait stubborn >/dev/null 2>&1 || true  # short: it may never exit
expect "kill of a paused container: exit 137" "0 exited 137" \
  "$rc $(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' stubborn)"
pm start stubborn >/dev/null
expect "rm -f of a running container" stubborn "$(pm rm -f -t 0 stubborn)"

# ---------------------------------------------------------------- the runtime's errors reach the user
# What the runtime itself says when the process cannot be executed, as a JSON
# log line (msg) and as its text log on stderr (without the time= field).
"$runtime" --root "$work/state" --log-format json --log "$work/direct.json" \
  create --bundle "$work/bundle" direct-json >/dev/null 2>&1 || true
"$runtime" --root "$work/state" create --bundle "$work/bundle" direct-text >/dev/null 2>"$work/direct.txt" || true
for id in direct-json direct-text; do "$runtime" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true; done
msg_json=$(jq -r 'select(.level == "error") | .msg' "$work/direct.json" | tail -1)
msg_text=$(sed -n 's/^time="[^"]*" //p' "$work/direct.txt" | tail -1)
[ -n "$msg_json" ] && [ -n "$msg_text" ] && ok "the runtime refuses a missing binary: $msg_json" \
  || fail "the runtime refuses a missing binary" "json: $(cat "$work/direct.json")" "text: $(cat "$work/direct.txt")"

# podman passes --log-format=json --log FILE only to runtimes named in
# runtime_supports_json (crun, runc, kata, runsc, krun); other runtimes' errors
# are read from their stderr, i.e. their text log line.
for conf in containers.conf containers-json.conf; do
  rc=0
  CONTAINERS_CONF=$work/$conf pm run --rm "${run_opts[@]}" "$image" /nonexistent >/dev/null 2>"$work/err" || rc=$?
  err=$(cat "$work/err")
  case " crun runc kata runsc krun $( [ $conf = containers-json.conf ] && echo "$runtime_name") " in
    *" $runtime_name "*) want=$msg_json; how="--log-format=json" ;;
    *) want=$msg_text; how="text log on stderr" ;;
  esac
  expect "$conf: missing binary -> podman exits 127" 127 "$rc"
  expect_contains "$conf: podman shows the runtime's error ($how)" "$want" "$err"
done
rc=0
pm run -d --name exec-err "${run_opts[@]}" "$image" sleep 1000 >/dev/null
pm exec exec-err /nonexistent >/dev/null 2>"$work/err" || rc=$?
expect "exec of a missing binary -> 127" 127 "$rc"
expect_contains "exec: podman shows the runtime's error" "/nonexistent" "$(cat "$work/err")"
pm rm -f -t 0 exec-err >/dev/null

expect "all containers removed" "" "$(pm ps -a -q)"
