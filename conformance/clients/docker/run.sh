#!/bin/bash
# Runs containers through Docker (Debian's docker.io) with a given runtime
# binary and checks what the docker client sees.
#
#   conformance/clients/docker/run.sh RUNTIME_BINARY
#
# Starts a private dockerd (own data root, exec root, pidfile, socket and
# managed containerd, no iptables/bridge, cgroupfs driver) that knows the
# binary as runtime "berth", imports a busybox image from a local rootfs
# tarball (no registry) and drives `docker run --runtime berth` through
# --init, --read-only, -m, exec with and without a tty, pause/unpause, top,
# stats, update -m, stop, restart and error cases. Docker's prestart hook
# (libnetwork-setkey) must run. Afterwards it stops the daemon by its PID and
# removes everything it made, including the host paths dockerd/containerd
# create despite the private paths.
# Exit 0 = pass, 1 = fail, 77 = skipped (not root, docker.io missing).
# Validate the test itself with runc: run.sh /usr/sbin/runc.
set -uo pipefail

usage() { echo "usage: $0 RUNTIME_BINARY" >&2; exit 2; }
[ $# -eq 1 ] || usage
runtime=$(readlink -f "$1") || usage
[ -x "$runtime" ] || { echo "docker: $1 is not executable" >&2; exit 2; }

# /usr/bin/docker: Debian's client, matching the daemon (a newer client may
# sit earlier in PATH).
docker_client=/usr/bin/docker
dockerd=/usr/sbin/dockerd
skip() { echo "docker: SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x "$dockerd" ] && [ -x "$docker_client" ] || skip "docker.io is not installed"
command -v jq >/dev/null || skip "jq is not installed"
# The limits are read back from cgroup v1 files inside the containers.
[ -d /sys/fs/cgroup/memory ] || skip "needs a cgroup v1 (or hybrid) host"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
start_seconds=$SECONDS
start_epoch=$(date +%s)

# Host paths dockerd and its containerd create even when every path they are
# given is private. Only those that did not exist before are removed.
# (/etc/docker/key.json: dockerd 20.10's trust key, always in /etc/docker.)
# Files first: a directory goes only when empty.
host_paths=(/etc/docker/key.json /run/docker.pid /run/docker.sock /run/docker /var/lib/docker /etc/docker
            /run/containerd /var/lib/containerd /opt/containerd)
declare -A existed=()
for path in "${host_paths[@]}" /sys/fs/cgroup/*/docker; do
  [ -e "$path" ] && existed[$path]=1
done

# Container cgroups under Docker's parent that were not there at the start
# (another dockerd on the host may have containers under the same parent).
container_cgroups() {
  local dir
  for dir in /sys/fs/cgroup/*/docker/*/; do [ -d "$dir" ] && echo "$dir"; done
}
cgroups_before=$(container_cgroups)
new_container_cgroups() { container_cgroups | grep -vxF -e "$cgroups_before"; }

tmp=$(mktemp -d /tmp/berth-docker.XXXXXX)
sock=$tmp/docker.sock
pidfile=$tmp/dockerd.pid
export DOCKER_CONFIG=$tmp/client   # keeps the client away from ~/.docker
daemon_pid=""
failures=0

log() { echo "docker: $*"; }
fail() { echo "docker: FAIL: $*"; failures=$((failures + 1)); }
d() { "$docker_client" -H "unix://$sock" "$@"; }

# expect NAME WANT CMD...: runs CMD, the output (stdout+stderr) must contain WANT.
expect() {
  local name=$1 want=$2 out
  shift 2
  out=$("$@" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: '$*' exited $rc: $out"
  elif [[ "$out" != *"$want"* ]]; then
    fail "$name: '$*' printed '$out', expected '$want'"
  else
    log "ok: $name"
  fi
}

# expect_error NAME RC WANT CMD...: CMD must exit RC and print WANT.
expect_error() {
  local name=$1 want_rc=$2 want=$3 out
  shift 3
  out=$("$@" 2>&1)
  local rc=$?
  if [ $rc -ne "$want_rc" ] || [[ "$out" != *"$want"* ]]; then
    fail "$name: '$*' exited $rc (want $want_rc) printing '$out' (want '$want')"
  else
    log "ok: $name"
  fi
}

processes_of_tmp() {
  local p
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | grep -q "$tmp" && echo "${p#/proc/}"
  done
}

# mounts_of_tmp [PID]: mount points under the temp dir in PID's (default: our)
# mount namespace.
mounts_of_tmp() { awk -v t="$tmp" 'index($5, t) == 1 {print $5}' "/proc/${1:-self}/mountinfo"; }

stop_pid() {  # stop_pid PID: TERM, wait up to 20 s, then KILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  sleep 0.2
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    d ps -aq 2>/dev/null | xargs -r "$docker_client" -H "unix://$sock" rm -f >/dev/null 2>&1
    stop_pid "$daemon_pid"
  fi
  # Whatever outlived the daemon (its containerd, shims) was started by us
  # and names our temp dir on its command line.
  local pid
  for pid in $(processes_of_tmp); do stop_pid "$pid"; done
  # Mounts under the temp dir (overlay layers, netns, shm), deepest first.
  local mounts
  mounts=$(mounts_of_tmp | sort -r)
  for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf --one-file-system "$tmp"
  # Container cgroups this run left (a leak already reported): empty ones go.
  local cg
  for cg in $(new_container_cgroups); do
    rmdir "$cg" 2>/dev/null
  done
  for path in "${host_paths[@]}" /sys/fs/cgroup/*/docker; do
    [ -e "$path" ] && [ -z "${existed[$path]:-}" ] || continue
    # Directories only when empty: containerd's shims of another test (e.g.
    # client-containerd run by hand at the same time) may share
    # /run/containerd/s; ours remove their sockets when they exit.
    if [[ $path == /sys/fs/cgroup/* ]]; then
      rmdir "$path" 2>/dev/null  # a cgroup: only when it has no children
    elif [ -d "$path" ]; then
      find "$path" -depth -type d -empty -delete 2>/dev/null
      [ -e "$path" ] && log "left in place (not empty, maybe another daemon's): $path"
    else
      rm -f "$path"
    fi
  done
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- daemon -----------------------------------------------------------------
# The runtime and the cgroup driver as README.md's daemon.json has them; the
# private paths and the networking switches as flags.
jq -n --arg path "$runtime" \
  '{runtimes: {berth: {path: $path}}, "exec-opts": ["native.cgroupdriver=cgroupfs"]}' > "$tmp/daemon.json"
mkdir -p "$tmp/client"
# dockerd gets a mount namespace of its own: its overlay, shm and netns mounts
# stay out of the host's table (other tests' leak checks watch it) and go
# away with the namespace.
unshare --mount --propagation private "$dockerd" --config-file "$tmp/daemon.json" \
  --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$pidfile" \
  -H "unix://$sock" \
  --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
  --userland-proxy=false \
  --log-level warn \
  >"$tmp/dockerd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 300); do
  d version >/dev/null 2>&1 && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if ! d version >/dev/null 2>&1; then
  echo "docker: dockerd did not come up:" >&2
  tail -20 "$tmp/dockerd.log" >&2
  exit 1
fi
log "dockerd $daemon_pid up after $((SECONDS - start_seconds)) s, runtime berth=$runtime"
daemon_mounts=$(mounts_of_tmp "$daemon_pid")
expect "daemon.json: cgroupfs driver, runtime berth" "cgroupfs $runtime" \
  d info -f '{{.CgroupDriver}} {{(index .Runtimes "berth").Path}}'

# --- image (no registry) ----------------------------------------------------
"$repo/tests/setup/make-bundle.sh" "$tmp/bundle" >/dev/null || exit 1
tar -C "$tmp/bundle/rootfs" -c . | d import - berth-busybox:test >/dev/null || exit 1
image=berth-busybox:test

run=(run --runtime berth --network none)

# --- one-shot containers ----------------------------------------------------
# First, in parallel: concurrent creates on a cold runtime state root (berth's
# seccomp filter cache is filled by all of them at once).
parallel_pids=()
for i in 1 2 3 4; do
  d "${run[@]}" --rm $image echo "parallel $i" > "$tmp/parallel.$i" 2>&1 &
  parallel_pids+=($!)
done
for i in 1 2 3 4; do
  if ! wait "${parallel_pids[$((i - 1))]}" || [ "$(cat "$tmp/parallel.$i")" != "parallel $i" ]; then
    fail "parallel run $i: $(cat "$tmp/parallel.$i")"
  fi
done
[ $failures -eq 0 ] && log "ok: 4 parallel runs"
expect "run echo" "hello from berth" d "${run[@]}" --rm $image echo hello from berth
expect "run exit code" "rc=3" sh -c "$docker_client -H unix://$sock ${run[*]} --rm $image sh -c 'exit 3'; echo rc=\$?"
expect "run --init (pid 1 is docker-init)" "docker-init" \
  d "${run[@]}" --rm --init $image cat /proc/1/comm
expect "run --read-only" "Read-only file system" \
  d "${run[@]}" --rm --read-only $image sh -c 'touch /probe 2>&1; true'
expect "run -m 64m (limit inside)" "67108864" \
  d "${run[@]}" --rm -m 64m $image cat /sys/fs/cgroup/memory/memory.limit_in_bytes
expect "run -t" "/dev/pts/0" d "${run[@]}" --rm -t $image tty
expect "run -i (stdin)" "piped in" sh -c "echo piped in | $docker_client -H unix://$sock ${run[*]} --rm -i $image cat"
expect "run --network host" "hostnet" d run --runtime berth --network host --rm $image echo hostnet

# An error of the runtime reaches the client; dockerd maps "no such file"
# for the command to exit code 127.
expect_error "run of a missing command" 127 "/no/such/binary" \
  d "${run[@]}" --rm $image /no/such/binary
d "${run[@]}" --rm $image /no/such/binary 2>&1 | grep 'OCI runtime' | sed 's/^/docker:   client saw: /'

# More of what `docker run` flags put into config.json, read back from inside
# one container each (one line per value).
expect "resources (--pids-limit --cpus --cpuset-cpus --ulimit --shm-size --sysctl)" \
  "pids=20 quota=50000 cpus=0 nofile=512 shm=8192 fwd=1" \
  d "${run[@]}" --rm --pids-limit 20 --cpus 0.5 --cpuset-cpus 0 --ulimit nofile=512:1024 \
    --shm-size 8m --sysctl net.ipv4.ip_forward=1 $image sh -c \
    'echo pids=$(cat /sys/fs/cgroup/pids/pids.max) quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) \
       cpus=$(cat /sys/fs/cgroup/cpuset/cpuset.cpus) nofile=$(ulimit -n) \
       shm=$(df -k /dev/shm | awk "NR==2 {print \$2}") fwd=$(cat /proc/sys/net/ipv4/ip_forward)'
# CapBnd 0x2000 = CAP_NET_RAW only; Seccomp 2 = filter (docker's default profile).
expect "security (--user --cap-drop --cap-add --no-new-privileges)" \
  "uid=1000 gid=1000 CapBnd:	0000000000002000 NoNewPrivs:	1 Seccomp:	2" \
  d "${run[@]}" --rm --user 1000:1000 --cap-drop ALL --cap-add NET_RAW --security-opt no-new-privileges \
    $image sh -c 'echo $(id -u | sed s/^/uid=/) $(id -g | sed s/^/gid=/) \
      "$(grep CapBnd /proc/self/status)" "$(grep NoNewPrivs /proc/self/status)" "$(grep "^Seccomp:" /proc/self/status)"'
# (--privileged needs every capability: this host's bounding set lacks
# CAP_SYS_RESOURCE, so it fails with runc as well.)
expect "--security-opt seccomp=unconfined" "Seccomp:	0" \
  d "${run[@]}" --rm --security-opt seccomp=unconfined $image grep "^Seccomp:" /proc/self/status
mkdir -p "$tmp/volume"
echo from-host > "$tmp/volume/in"
expect "mounts (-v, --tmpfs, --read-only, --hostname)" "from-host written tmpfs box" \
  d "${run[@]}" --rm --read-only -v "$tmp/volume:/data" --tmpfs /scratch:size=1m --hostname box $image sh -c \
    'echo $(cat /data/in) $(echo x > /data/out && echo written) \
       $(grep " /scratch " /proc/mounts | cut -d" " -f3) $(hostname)'
[ -f "$tmp/volume/out" ] || fail "-v: the container's write is not in the host directory"
expect "--device (renamed /dev/zero)" "zero=00000000" \
  d "${run[@]}" --rm --device /dev/zero:/dev/xzero $image sh -c 'echo zero=$(head -c 4 /dev/xzero | od -An -tx1 | tr -d " ")'
expect "host namespaces (--pid --ipc --uts host)" "$(hostname) $(cat /proc/1/comm)" \
  d "${run[@]}" --rm --pid host --ipc host --uts host $image sh -c 'echo $(hostname) $(cat /proc/1/comm)'
expect "--cgroupns private (rooted at the container's cgroup)" ":memory:/
" d "${run[@]}" --rm --cgroupns private $image sh -c 'cat /proc/self/cgroup; echo'
expect "--oom-score-adj" "adj=500" \
  d "${run[@]}" --rm --oom-score-adj 500 $image sh -c 'echo adj=$(cat /proc/self/oom_score_adj)'
# Without -i the shim gives the container the host's /dev/null as stdin: the
# runtime must swap in the container's own (else chmod /proc/self/fd/0 in the
# container changes the host's node).
inside_null=$(d "${run[@]}" --rm $image stat -L -c %d:%i:%t:%T /proc/self/fd/0)
if [ "$inside_null" != "$(stat -c %d:%i:%t:%T /dev/null)" ] && [[ "$inside_null" == *:1:3 ]]; then
  log "ok: stdin is the container's own /dev/null"
else
  fail "stdin without -i: '$inside_null' (the host's /dev/null is $(stat -c %d:%i:%t:%T /dev/null))"
fi
# With the default rootfsPropagation (rslave) the container's / stays a slave
# of the (shared) overlay mount dockerd made, as with runc.
expect "/ is a slave mount (master:N)" "master:" \
  d "${run[@]}" --rm $image sh -c 'grep " / / " /proc/self/mountinfo'
expect "-w creates a missing working directory" "/new/dir" d "${run[@]}" --rm -w /new/dir $image pwd
expect "-u uid:gid --group-add" "uid=1000(berth) gid=1000(berth) groups=100(users),1000(berth),1234" \
  d "${run[@]}" --rm -u 1000:1000 --group-add 100 --group-add 1234 $image id
expect "-u NAME (groups from the image)" "uid=1000(berth) gid=1000(berth) groups=100(users),1000(berth)" \
  d "${run[@]}" --rm -u berth $image id
expect "memory and cpu knobs (--memory-swappiness --oom-kill-disable --memory-reservation --cpu-shares)" \
  "swappiness=0 oom_kill_disable=1 soft=33554432 shares=512" \
  d "${run[@]}" --rm -m 64m --memory-swappiness 0 --oom-kill-disable --memory-reservation 32m --cpu-shares 512 \
    $image sh -c 'cd /sys/fs/cgroup; echo swappiness=$(cat memory/memory.swappiness) \
      oom_kill_disable=$(sed -n "s/oom_kill_disable //p" memory/memory.oom_control) \
      soft=$(cat memory/memory.soft_limit_in_bytes) shares=$(cat cpu/cpu.shares)'
# (The shim watches for OOM after the start: allocate a moment later. The OOM
# event can reach dockerd after the exit, hence the short wait.)
expect_error "OOM kill (-m 16m)" 137 "" \
  d "${run[@]}" --name berth-docker-oom -m 16m --memory-swap 16m $image \
    sh -c 'sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1'
for _ in $(seq 20); do
  [ "$(d inspect -f '{{.State.OOMKilled}}' berth-docker-oom)" = true ] && break
  sleep 0.2
done
expect "OOMKilled" "true" d inspect -f '{{.State.OOMKilled}}' berth-docker-oom
d rm berth-docker-oom >/dev/null

# --- a long-running container -----------------------------------------------
ct=berth-docker-test
if ! cid=$(d "${run[@]}" -d --name $ct --init -m 32m --memory-swap 64m $image sleep 1000); then
  fail "run -d failed"
  exit 1
fi
expect "run -d is running" "running" d inspect -f '{{.State.Status}}' $ct
pid=$(d inspect -f '{{.State.Pid}}' $ct)
# The runtime binary itself knows the container. dockerd 20.10 gives every
# runtime the state root of its default runtime: EXEC_ROOT/runtime-runc/NAMESPACE.
state_root=$tmp/exec/runtime-runc/moby
expect "runtime state" "\"pid\": $pid" "$runtime" --root "$state_root" state "$cid"

# Docker's prestart hook (libnetwork-setkey) binds the container's network
# namespace to the sandbox key: only there when the runtime ran the hook.
sandbox=$(d inspect -f '{{.NetworkSettings.SandboxKey}}' $ct)
if [ -n "$sandbox" ] && [ "$(stat -L -c %i "/proc/$daemon_pid/root$sandbox" 2>/dev/null)" = \
     "$(stat -L -c %i "/proc/$pid/ns/net")" ]; then
  log "ok: prestart hook libnetwork-setkey ran ($sandbox)"
else
  fail "prestart hook: sandbox key '$sandbox' is not the container's netns"
fi

expect "cgroup /docker/<id>" "/docker/$cid" cat "/proc/$pid/cgroup"
outside=$(grep -v ":/docker/$cid\$" "/proc/$pid/cgroup")
[ -z "$outside" ] || fail "hierarchies where the container is not in /docker/<id>: $outside"
# ... and each hierarchy mounted inside shows that cgroup, not the host's tree.
expect "cgroup mounts inside are rooted at /docker/<id>" "roots=/docker/$cid." d exec $ct sh -c \
  'echo roots=$(awk "\$5 ~ \"^/sys/fs/cgroup/.\" {print \$4}" /proc/self/mountinfo | sort -u).'
expect "exec" "exec works" d exec $ct echo exec works
expect "exec without -t has no tty" "not a tty" sh -c "$docker_client -H unix://$sock exec $ct tty; true"
expect "exec -t" "/dev/pts/" d exec -t $ct tty
expect "exec -i (stdin)" "into exec" sh -c "echo into exec | $docker_client -H unix://$sock exec -i $ct cat"
expect "exec -u 1000" "uid=1000" d exec -u 1000 $ct id
expect "exec -e -w" "v=1 /tmp" d exec -e V=1 -w /tmp $ct sh -c 'echo v=$V $(pwd)'
expect_error "exec of a missing command" 126 "/no/such/binary" d exec $ct /no/such/binary
expect "exec exit status" "rc=7" sh -c "$docker_client -H unix://$sock exec $ct sh -c 'exit 7'; echo rc=\$?"
expect "exec killed by a signal" "rc=137" sh -c "$docker_client -H unix://$sock exec $ct sh -c 'kill -9 \$\$'; echo rc=\$?"
expect "exec -d" "" d exec -d $ct sh -c 'echo detached > /tmp/exec-d'
expect "exec -d ran" "detached" sh -c "sleep 1; $docker_client -H unix://$sock exec $ct cat /tmp/exec-d"
expect "run --pid container: --network container: (joins by path)" "sleep 1000" \
  d run --runtime berth --rm --pid container:$ct --network container:$ct $image ps

expect "top" "sleep 1000" d top $ct
expect "stats --no-stream" "32MiB" d stats --no-stream --format '{{.Name}} {{.MemUsage}}' $ct

expect "pause" "" d pause $ct
expect "paused state" "paused" d inspect -f '{{.State.Status}}' $ct
expect "freezer FROZEN" "FROZEN" cat "/sys/fs/cgroup/freezer/docker/$cid/freezer.state"
expect "unpause" "" d unpause $ct
expect "running after unpause" "running" d inspect -f '{{.State.Status}}' $ct
expect "exec after unpause" "thawed" d exec $ct echo thawed

expect "update -m 48m" "" d update -m 48m --memory-swap 96m $ct
expect "updated limit inside" "50331648" d exec $ct cat /sys/fs/cgroup/memory/memory.limit_in_bytes
if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then  # swap accounting on
  expect "updated memsw inside" "100663296" d exec $ct cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
fi
expect "stats after update" "48MiB" d stats --no-stream --format '{{.MemUsage}}' $ct
expect "update --cpus --pids-limit --cpuset-cpus --cpu-shares" "quota=25000 pids=30 cpus=0 shares=256" sh -c \
  "$docker_client -H unix://$sock update --cpus 0.25 --pids-limit 30 --cpuset-cpus 0 --cpu-shares 256 $ct >/dev/null &&
   $docker_client -H unix://$sock exec $ct sh -c 'cd /sys/fs/cgroup; echo quota=\$(cat cpu/cpu.cfs_quota_us) \
     pids=\$(cat pids/pids.max) cpus=\$(cat cpuset/cpuset.cpus) shares=\$(cat cpu/cpu.shares)'"

expect "stop" "$ct" d stop -t 10 $ct
expect "exited after stop" "exited 143" d inspect -f '{{.State.Status}} {{.State.ExitCode}}' $ct
[ ! -e "/proc/$pid" ] || fail "stop: pid $pid still exists"
expect "restart" "$ct" d restart -t 10 $ct
expect "running after restart" "running" d inspect -f '{{.State.Status}}' $ct
expect "exec after restart" "again" d exec $ct echo again
expect "limit kept after restart" "50331648" d exec $ct cat /sys/fs/cgroup/memory/memory.limit_in_bytes
expect "rm -f" "$ct" d rm -f $ct
for dir in /sys/fs/cgroup/*/docker/"$cid"; do
  [ -e "$dir" ] && fail "cgroup $dir left after rm"
done
# stop without an init, start, kill, and rm -f of a paused container.
for name in berth-docker-kill berth-docker-paused; do
  d "${run[@]}" -d --name $name $image sleep 1000 >/dev/null || fail "run -d $name"
done
# berth-docker-kill has no --init: pid 1 ignores SIGTERM, stop ends in SIGKILL.
expect "stop -t 1 without --init" "berth-docker-kill" d stop -t 1 berth-docker-kill
expect "exited 137 after stop -t 1" "exited 137" d inspect -f '{{.State.Status}} {{.State.ExitCode}}' berth-docker-kill
expect "start again" "berth-docker-kill" d start berth-docker-kill
expect "exec after start" "started again" d exec berth-docker-kill echo started again
expect "kill" "berth-docker-kill" d kill berth-docker-kill
expect "exited 137 after kill" "exited 137" d inspect -f '{{.State.Status}} {{.State.ExitCode}}' berth-docker-kill
expect "pause before rm -f" "" d pause berth-docker-paused
paused_id=$(d inspect -f '{{.Id}}' berth-docker-paused)
expect "rm -f of a paused container" "berth-docker-paused" timeout 60 "$docker_client" -H "unix://$sock" rm -f berth-docker-paused
expect "rm of a killed container" "berth-docker-kill" d rm berth-docker-kill
for dir in /sys/fs/cgroup/*/docker/"$paused_id"; do
  [ -e "$dir" ] && fail "cgroup $dir left after rm -f of a paused container"
done
# (berth keeps compiled seccomp filters in @seccomp-cache: not a container.)
left=$(find "$state_root" -mindepth 1 -maxdepth 1 ! -name @seccomp-cache -printf '%f\n' 2>/dev/null)
if [ -n "$left" ]; then
  fail "runtime state left in $state_root: $left"
fi

log "containers done after $((SECONDS - start_seconds)) s"
# With every container gone, dockerd's namespace holds only its own mounts
# (and exec/netns/default, the host's network namespace it binds for the
# first --network host container and keeps until it exits).
left=$(mounts_of_tmp "$daemon_pid" | grep -vxF -e "$daemon_mounts" -e "$tmp/exec/netns/default")
[ -z "$left" ] || fail "mounts left in dockerd's namespace after rm: $left"

# --- daemon stop: nothing may outlive it ------------------------------------
# Which container was which, to name leaks below.
d events --since "$start_epoch" --until "$(date +%s)" --filter type=container \
  --format '{{.Actor.ID}} {{.Action}} {{.Actor.Attributes.name}}' > "$tmp/events" 2>&1
d ps -a --no-trunc > "$tmp/ps" 2>&1
stop_pid "$daemon_pid"
daemon_pid=""
for _ in $(seq 50); do  # its containerd may still be on its way out
  left=$(processes_of_tmp)
  [ -n "$left" ] || break
  sleep 0.1
done
[ -z "$left" ] || fail "processes left after dockerd stopped: $(for p in $left; do tr '\0' ' ' < /proc/$p/cmdline; echo; done)"
left=$(mounts_of_tmp)
[ -z "$left" ] || fail "mounts left in the host's namespace: $left"
left=$(new_container_cgroups)
[ -z "$left" ] || fail "container cgroups left: $left"
if [ $failures -ne 0 ]; then
  log "containers dockerd still listed:"; cat "$tmp/ps"
  log "container events:"; cat "$tmp/events"
fi
[ $failures -eq 0 ] || { log "$failures check(s) failed; end of the dockerd log:"; tail -30 "$tmp/dockerd.log"; exit 1; }
log "PASS ($((SECONDS - start_seconds)) s)"
exit 0
