#!/bin/bash
# berth run by an unprivileged user, as rootless podman, Docker and BuildKit
# run runc (README.md here).
#
#   tests/rootless/run.sh BERTH_BINARY
#
# Makes a throw-away user (unique name, a /etc/subuid and /etc/subgid range),
# a work directory it owns ($XDG_RUNTIME_DIR, bundles, a copy of berth) and
# runs berth as that user through runuser. At the end it removes the user,
# its ranges and everything it made, even on failure, and reports leaks
# (processes, mounts, state directories, cgroups).
# Exit 0 = pass, 1 = fail, 77 = skipped (not root, or no useradd/newuidmap).
set -Eeuo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BERTH_BINARY" >&2; exit 2; }
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (to make the test user)"
for tool in useradd userdel runuser newuidmap newgidmap jq python3; do
  command -v "$tool" >/dev/null || skip "$tool not installed (tests/setup/install-deps.sh)"
done
berth_src=$(realpath -e "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)

. "$repo/tests/rootless/user.sh"
work=$(mktemp -d /tmp/berth-rootless.XXXXXX)
failures=0
step=0
ok() { step=$((step + 1)); echo "ok $step - $*"; }
fail() {
  step=$((step + 1)); failures=$((failures + 1))
  echo "not ok $step - $1"; shift
  local line; for line in "$@"; do printf '#   %s\n' "$line"; done
}
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected: $(printf %q "$2")" "actual:   $(printf %q "$3")"; fi; }
expect_contains() { if [[ "$3" == *"$2"* ]]; then ok "$1"; else fail "$1" "expected to contain: $2" "actual: $3"; fi; }

cleanup() {
  local status=$? leaks=() pid mnt dir
  set +e
  trap - EXIT
  for _ in $(seq 50); do [ -z "$(user_pids)" ] && break; sleep 0.1; done
  pid=$(user_pids)
  if [ -n "$pid" ]; then
    leaks+=("processes of $user left: $(echo $pid)")
    for p in $pid; do kill -9 "$p" 2>/dev/null; done
  fi
  while read -r mnt; do
    [ -n "$mnt" ] || continue
    leaks+=("mount left: $mnt"); umount -l "$mnt" 2>/dev/null
  done < <(awk -v w="$work" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  # The compiled seccomp filter cache stays by design (linux/seccomp_cache.hpp).
  if [ -d "$work/xdg/berth" ] && [ -n "$(ls -A "$work/xdg/berth" | grep -vx @seccomp-cache)" ]; then
    leaks+=("state left: $(ls -A "$work/xdg/berth" | tr '\n' ' ')")
  fi
  for dir in /sys/fs/cgroup/*/rl-* /sys/fs/cgroup/rl-*; do
    [ -d "$dir" ] && leaks+=("cgroup left: $dir") && rmdir "$dir"
  done
  # rootless podman's lock file for the user: nothing else removes it
  [ -n "${uid:-}" ] && rm -f "/dev/shm/libpod_rootless_lock_$uid"
  remove_test_user
  rm -rf --one-file-system "$work"
  for leak in "${leaks[@]}"; do echo "LEAK: $leak"; done
  echo "# $step checks, $failures failed, ${#leaks[@]} leaks"
  if [ "$status" = 0 ] && { [ "$failures" != 0 ] || [ ${#leaks[@]} != 0 ]; }; then status=1; fi
  exit "$status"
}
trap cleanup EXIT

make_test_user "$work"
chmod 755 "$work"
mkdir -p "$work/xdg" "$work/bin"
# A copy the user owns and could write: the CVE-2019-5736 protection matters.
cp "$berth_src" "$work/bin/berth"
bash "$repo/tests/setup/make-bundle.sh" "$work/bundle" sh >/dev/null
chown -R "$user:" "$work"
chmod 700 "$work/xdg"

# as_user CMD...: runs CMD as the test user with its own runtime dir.
as_user() {
  runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" USER="$user" \
    XDG_RUNTIME_DIR="$work/xdg" "$@"
}
berth() { as_user "$work/bin/berth" "$@"; }
# config MAPPINGS_JQ ARGS_JSON [EXTRA_JQ]: the rootless spec with those maps and args.
config() {
  jq --argjson args "$2" "$1 | .process.args = \$args | .process.terminal = false ${3:+| $3}" \
    "$work/rootless.json" > "$work/bundle/config.json"
  chown "$user:" "$work/bundle/config.json"
}
berth_out() { berth "$@" 2>&1 || true; }

# ---------------------------------------------------------------- spec + state root
(cd "$work" && berth spec --rootless && mv config.json rootless.json)
expect "spec --rootless maps the caller's own uid" "[{\"containerID\":0,\"hostID\":$uid,\"size\":1}]" \
  "$(jq -c .linux.uidMappings "$work/rootless.json")"
single=".linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1}] | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1}]"
range=".linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1}, {containerID: 1, hostID: $subid_start, size: 65536}] | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1}, {containerID: 1, hostID: $subid_start, size: 65536}]"

config "$single" '["sleep", "100"]'
# Not through a pipe: the detached container keeps the caller's stdio.
berth run -d --bundle "$work/bundle" rl-a </dev/null >"$work/out" 2>&1 || true
expect "run -d with a single mapping" "" "$(cat "$work/out")"
expect "state root is \$XDG_RUNTIME_DIR/berth, 0700 + sticky, the user's" "1700 $user" \
  "$(stat -c '%a %U' "$work/xdg/berth")"
expect "the container's directory is there" "rl-a" "$(ls "$work/xdg/berth")"
expect "another user cannot list the state root" "denied" \
  "$(runuser -u nobody -- ls "$work/xdg/berth" >/dev/null 2>&1 && echo readable || echo denied)"
expect "state says running" "running" "$(berth state rl-a | jq -r .status)"
expect "list shows it, owned by the user" "rl-a running $user" \
  "$(berth list | awk 'NR > 1 { print $1, $3, $NF }')"
expect "exec runs as root in the container, the user outside" "0 $uid" \
  "$(berth exec rl-a sh -c 'id -u; cat /proc/self/uid_map' | awk 'NR == 1 { a = $1 } NR == 2 { b = $2 } END { print a, b }')"
berth exec rl-a sh -c 'exit 7' && code=0 || code=$?
expect "exec returns the process's status" 7 "$code"
expect "setgroups is denied with a directly written gid map" "deny" "$(berth exec rl-a cat /proc/self/setgroups)"
expect "/dev/null is the host's node, bound" "1 3" "$(berth exec rl-a stat -c '%t %T' /dev/null)"
expect_contains "ps without a cgroup: runc's error" "unable to get all container pids: cgroups not configured for container" \
  "$(berth_out ps rl-a)"
expect_contains "pause without a cgroup: runc's error" "cannot toggle freezer: cgroups not configured for container" \
  "$(berth_out pause rl-a)"
expect_contains "update without a cgroup: runc's error" "cannot set memory limit: container could not join or create cgroup" \
  "$(berth_out update --memory 100M rl-a)"
expect_contains "kill --all without a cgroup fails" "cgroups not configured for container" "$(berth_out kill --all rl-a KILL)"
expect "state records the none driver" "none" "$(jq -r .cgroup_driver "$work/xdg/berth/rl-a/state.json")"
expect "kill" "" "$(berth_out kill rl-a KILL)"
for _ in $(seq 50); do [ "$(berth state rl-a | jq -r .status)" = stopped ] && break; sleep 0.1; done
expect "stopped after kill" "stopped" "$(berth state rl-a | jq -r .status)"
expect "kill --all of a stopped container without a cgroup: nothing to signal (runc's kill.bats)" "" \
  "$(berth_out kill --all rl-a 0)"
expect "delete" "" "$(berth_out delete rl-a)"
expect "nothing left in the state root" "" "$(ls -A "$work/xdg/berth")"

# ---------------------------------------------------------------- create/start, subordinate range
config "$range" '["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /dev/shm/f && stat -c %u:%g /dev/shm/f"]'
berth create --bundle "$work/bundle" rl-b </dev/null >"$work/out" 2>&1 || true
expect "create with a subuid range (newuidmap)" "" "$(cat "$work/out")"
expect "created" "created" "$(berth state rl-b | jq -r .status)"
expect "exec into the created container (its init's namespaces are the user's to open)" "in" "$(berth_out exec rl-b echo in)"
berth start rl-b || true
for _ in $(seq 50); do [ "$(berth state rl-b | jq -r .status)" = stopped ] && break; sleep 0.1; done
expect "stopped after start" "stopped" "$(berth state rl-b | jq -r .status)"
berth delete rl-b || true
config "$range" '["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; touch /dev/shm/f && stat -c %u:%g /dev/shm/f"]' \
  '.process.user = {uid: 1000, gid: 1000}'
out=$(berth_out run --bundle "$work/bundle" rl-c | tr -s ' ' | tr '\n' '|')
expect "maps, and the process runs as a subordinate id" \
  " 0 $uid 1| 1 $subid_start 65536| 0 $gid 1| 1 $subid_start 65536|1000:1000|" "$out"
config ".linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1}, {containerID: 1, hostID: 100, size: 10}] | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1}]" '["true"]'
expect_contains "a range the user does not own: newuidmap's refusal, naming the map" \
  "linux.uidMappings: newuidmap " "$(berth_out run --bundle "$work/bundle" rl-d)"

# ---------------------------------------------------------------- refusals
config "$single" '["true"]' '.linux.resources = {memory: {limit: 104857600}}'
expect_contains "a limit without a delegated cgroup: one clear line" \
  "linux.resources.memory: cannot set memory limit: container could not join or create cgroup: mkdir" \
  "$(berth_out run --bundle "$work/bundle" rl-e)"
config "$single" '["true"]' '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
expect_contains "no user namespace" "linux.namespaces: rootless container requires user namespaces" \
  "$(berth_out run --bundle "$work/bundle" rl-f)"
config "$single" '["true"]' '.process.oomScoreAdj = -500'
expect_contains "lowering oomScoreAdj" "process.oomScoreAdj" "$(berth_out run --bundle "$work/bundle" rl-g)"
config "$single" '["readlink", "/dev/ptmx"]' '.linux.devices += [{path: "/dev/ptmx", type: "c", major: 5, minor: 2}]'
expect "a configured /dev/ptmx is the link to pts/ptmx all the same (runc's dev.bats)" "pts/ptmx" \
  "$(berth_out run --bundle "$work/bundle" rl-j)"
# The default cgroup /<id> made by someone else (root): not the user's to use, so no cgroup, as runc.
theirs=/sys/fs/cgroup/pids/rl-k
mkdir "$theirs"
config "$single" '["true"]'
expect "a default cgroup someone else made: run without one" "" "$(berth_out run --bundle "$work/bundle" rl-k)"
rmdir "$theirs"
# Only CAP_SYS_RESOURCE in the host's user namespace raises a hard limit: the user has none.
hard=$(as_user sh -c 'ulimit -Hn')
config "$single" '["true"]' ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: 64, hard: $((hard + 1))}]"
expect_contains "an rlimit above the hard limit: the error names it" \
  "setrlimit RLIMIT_NOFILE (soft 64, hard $((hard + 1))): operation not permitted" "$(berth_out run --bundle "$work/bundle" rl-i)"
# berth check says why, from what is true here: the host's bounding set, the caller's permitted set
if (( 0x$(awk '/^CapBnd:/ { print $2 }' /proc/self/status) & (1 << 24) )); then
  why="which berth's caller lacks (not in its permitted set)"
else
  why="which this host lacks (not in the bounding set)"
fi
expect_contains "berth check as the user: the rlimit needs CAP_SYS_RESOURCE, and why not" \
  "process.rlimits[0].hard: RLIMIT_NOFILE $((hard + 1)) is above berth's own hard limit ($hard) and raising it needs CAP_SYS_RESOURCE, $why" \
  "$(berth_out check --bundle "$work/bundle")"
expect "no root without \$XDG_RUNTIME_DIR: a clear error" \
  'rootless: no state root: set $XDG_RUNTIME_DIR to a directory you own, or pass --root (the default /run/berth is root'"'"'s)' \
  "$(runuser -u "$user" -- env -i PATH=/usr/bin:/bin "$work/bin/berth" --log-format=text list 2>&1 | sed 's/.*msg="\(.*\)"$/\1/; s/\\"/"/g')"
expect "nothing left after the refusals" "" "$(ls -A "$work/xdg/berth")"

# ---------------------------------------------------------------- v1 cgroups delegated to the user
# As runc's rootless `cgroup` feature on this hybrid host: a parent in every v1 hierarchy the
# user may write (the cgroup2 one stays root's). berth makes the container's cgroup there and
# leaves the cgroup2 hierarchy out, and the device rules the user may not write, as runc.
deleg=rl-deleg$$
v1=$(awk '$9 == "cgroup" { print $5 }' /proc/self/mountinfo)
for mp in $v1; do
  mkdir "$mp/$deleg"
  chown "root:$gid" "$mp/$deleg" "$mp/$deleg/cgroup.procs" "$mp/$deleg/tasks"
  chmod g+rwx "$mp/$deleg" && chmod g+rw "$mp/$deleg/cgroup.procs" "$mp/$deleg/tasks"
  [ -e "$mp/$deleg/cpuset.cpus" ] && chown "$uid:$gid" "$mp/$deleg/cpuset.cpus" "$mp/$deleg/cpuset.mems"
done
config "$single" '["sh", "-c", "grep -E \"^[0-9]+:(memory|pids):\" /proc/self/cgroup | sort; cat /sys/fs/cgroup/memory/memory.limit_in_bytes"]' \
  ".linux.cgroupsPath = \"/$deleg/c\" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}"
memory=$(awk -F: '$2 == "memory" { print $1 }' /proc/self/cgroup); pids=$(awk -F: '$2 == "pids" { print $1 }' /proc/self/cgroup)
expect "a cgroup in the delegated v1 hierarchies, limits applied, cgroup2 left out" \
  "$(printf '%s\n' "$memory:memory:/$deleg/c" "$pids:pids:/$deleg/c" | sort | tr '\n' ' ')67108864 " \
  "$(berth_out run --bundle "$work/bundle" rl-v1 | tr '\n' ' ')"
berth delete -f rl-v1 >/dev/null 2>&1 || true
expect "delete removed the container's cgroups" "" "$(ls -d $(printf '%s/'"$deleg"'/c ' $v1) 2>/dev/null)"
# `update` too leaves out the device rules the user may not write (devices.allow is root's),
# as create did and runc's rootless managers do, and applies the rest.
config "$single" '["sleep", "100"]' ".linux.cgroupsPath = \"/$deleg/u\""
berth run -d --bundle "$work/bundle" rl-up </dev/null >"$work/out" 2>&1 || true
echo '{"devices": [{"allow": false, "access": "rwm"}], "memory": {"limit": 33554432}}' >"$work/res.json"
expect "update of a rootless container with a device rule: the limit applied, the rule left out" \
  "true 33554432" "$(jq .cgroup_rootless "$work/xdg/berth/rl-up/state.json") $(berth_out update --resources "$work/res.json" rl-up
    cat "/sys/fs/cgroup/memory/$deleg/u/memory.limit_in_bytes")"
berth delete -f rl-up >/dev/null 2>&1 || true
for mp in $v1; do rmdir "$mp/$deleg"; done

# ---------------------------------------------------------------- a cgroup namespace on cgroup v2
# The host is hybrid; a private mount namespace (nothing propagates back) shows the host's
# cgroup2 hierarchy at /sys/fs/cgroup with the v1 ones detached, so berth sees a pure v2
# host there. A rootless spec binds /sys, so the container's /sys/fs/cgroup already is that
# cgroup2 mount and the kernel refuses mounting cgroup2 on it again (EBUSY): runc falls back
# to binding the container's cgroup there, and when it has none (no delegated cgroup) to
# masking /sys/fs/cgroup, which the host's tree would otherwise show. berth does the same.
# in_v2 CGROUP CMD...: CMD in that view, moved (by root) into CGROUP first unless "".
in_v2() {
  unshare -m --propagation private sh -ec '
    mkdir -p "$0/cg2"; mount --bind /sys/fs/cgroup/unified "$0/cg2"
    umount -R -l /sys/fs/cgroup; mount --move "$0/cg2" /sys/fs/cgroup
    [ -z "$1" ] || echo $$ > "/sys/fs/cgroup/$1/cgroup.procs"
    shift; exec "$@"' "$work" "$@"
}
v2_run() {
  in_v2 "$1" runuser -u "$user" -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$work/xdg" \
    "$work/bin/berth" run --bundle "$work/bundle" "$2" 2>&1 | tr '\n' ' '
}
if [ -d /sys/fs/cgroup/unified ] && [ "$(stat -fc %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
  mkdir -p "$work/v2spec" && chown "$user:" "$work/v2spec"
  in_v2 "" runuser -u "$user" -- sh -c "cd '$work/v2spec' && '$work/bin/berth' spec --rootless" || true
  expect "spec --rootless on a cgroup v2 host: a cgroup namespace after the mount one, as runc's" \
    "pid ipc uts mount cgroup user" "$(jq -r '[.linux.namespaces[].type] | join(" ")' "$work/v2spec/config.json")"
  config "$single" '["sh", "-c", "grep ^0:: /proc/self/cgroup; stat -fc %T /sys/fs/cgroup; ls -A /sys/fs/cgroup | wc -l; touch /sys/fs/cgroup/x 2>/dev/null || echo ro"]' \
    '.linux.namespaces += [{type: "cgroup"}]'
  expect "cgroup namespace, cgroup2 refused, no cgroup of its own: /sys/fs/cgroup masked (empty, read-only)" \
    "0::/ tmpfs 0 ro " "$(v2_run "" rl-v2m)"
  berth delete -f rl-v2m >/dev/null 2>&1 || true
  # A cgroup delegated to the user, the caller inside it (rootless v2 moves need the common parent's).
  v2deleg=rl-v2deleg$$
  mkdir "/sys/fs/cgroup/unified/$v2deleg"
  chown "$uid:$gid" "/sys/fs/cgroup/unified/$v2deleg" "/sys/fs/cgroup/unified/$v2deleg/cgroup.procs"
  config "$single" '["sh", "-c", "grep ^0:: /proc/self/cgroup; grep -cx 1 /sys/fs/cgroup/cgroup.procs"]' \
    ".linux.namespaces += [{type: \"cgroup\"}] | .linux.cgroupsPath = \"/$v2deleg/c\""
  expect "cgroup namespace, cgroup2 refused: the container's own cgroup is bound at /sys/fs/cgroup" \
    "0::/ 1 " "$(v2_run "$v2deleg" rl-v2)"
  berth delete -f rl-v2 >/dev/null 2>&1 || true
  rmdir "/sys/fs/cgroup/unified/$v2deleg" 2>/dev/null || true  # a cgroup berth left stays: a leak below
  rmdir "$work/cg2" 2>/dev/null || true
else
  for _ in 1 2 3; do echo "ok $((step += 1)) # skip no cgroup2 hierarchy at /sys/fs/cgroup/unified"; done
fi

# ---------------------------------------------------------------- CVE-2019-5736 without root
# The user owns (and could write) its copy of berth. Without privileges over
# the host's mount namespace berth makes the read-only overlayfs in a user
# and mount namespace of its own and re-execs from it (the sealed memfd copy
# is the fallback where that fails: self_protect_test.cpp).
config "$single" '["sleep", "100"]'
as_user "$work/bin/berth" run --bundle "$work/bundle" rl-h &
runner=$!
# Until the record names the init: while `create` runs it says "creating" with pid 0.
for _ in $(seq 50); do
  init=$(berth state rl-h 2>/dev/null | jq -r .pid) && [ "${init:-0}" != 0 ] && break
  sleep 0.1
done
# The foreground berth is the init's parent.
cli=$(awk '/^PPid:/ { print $2 }' "/proc/$init/status")
sum_before=$(sha256sum < "$work/bin/berth")
attack=$(as_user python3 - "$cli" <<'PY'
import os, sys
pid = sys.argv[1]
exe = os.readlink(f"/proc/{pid}/exe")
try:
    fd = os.open(f"/proc/{pid}/exe", os.O_RDWR)
except OSError as e:
    print(f"{exe}|open refused: {e.errno}"); sys.exit()
first = os.pread(fd, 1, 0)
try:
    os.pwrite(fd, first, 0); print(f"{exe}|WRITTEN")
except OSError as e:
    print(f"{exe}|write refused: {e.errno}")
PY
)
expect "the rootless berth runs from the overlay (the binary's name at its root)" "/berth" "${attack%%|*}"
case ${attack#*|} in
  "open refused: 30") ok "writing the binary through /proc/PID/exe is refused (${attack#*|})" ;;
  *) fail "writing the binary through /proc/PID/exe is refused" "got: $attack" ;;
esac
expect "the binary on disk is unchanged" "$sum_before" "$(sha256sum < "$work/bin/berth")"
berth kill rl-h KILL
wait "$runner" || true
berth delete rl-h 2>/dev/null || true
expect "nothing left in the state root at the end" "" "$(ls -A "$work/xdg/berth")"

# ---------------------------------------------------------------- rootless podman
# podman runs the runtime as root of its own user namespace (the user's
# subordinate range), without a user namespace in the config, cgroupfs
# manager (no cgroup: berth's none driver), no network. The image is a local
# import of the busybox rootfs (no registry).
if command -v podman >/dev/null && command -v conmon >/dev/null; then
  tar -C "$work/bundle/rootfs" -cf "$work/rootfs.tar" . && chown "$user:" "$work/rootfs.tar"
  pm() { as_user timeout -k 5 90 podman --cgroup-manager=cgroupfs --events-backend=file --runtime "$work/bin/berth" "$@"; }
  pm import "$work/rootfs.tar" localhost/berth-busybox:latest >/dev/null 2>&1
  expect "podman run" "hello 0" "$(pm run --rm --network none localhost/berth-busybox:latest sh -c 'echo hello $(id -u)' 2>&1)"
  pm run -d --name rl-p --network none localhost/berth-busybox:latest sleep 100 >/dev/null 2>"$work/out" || true
  expect "podman run -d" "running" "$(pm inspect -f '{{.State.Status}}' rl-p 2>&1)"
  expect "podman exec" "inexec 0" "$(pm exec rl-p sh -c 'echo inexec $(id -u)' 2>&1)"
  expect "podman stop" "rl-p" "$(pm stop -t 1 rl-p 2>/dev/null)"
  expect "podman rm" "rl-p" "$(pm rm rl-p 2>&1)"
  expect "podman has no containers left" "" "$(pm ps -aq 2>&1)"
  # podman's own pause process holds its user namespace; it is not berth's.
  pause=$(cat "$work/xdg/libpod/tmp/pause.pid" 2>/dev/null || true)
  [ -n "$pause" ] && kill -9 "$pause" 2>/dev/null
  as_user rm -rf "$work/.local/share/containers" 2>/dev/null || true
else
  echo "ok $((step += 1)) # skip podman or conmon not installed"
fi
