#!/bin/bash
# runc 1.1.5's bats suite run as an unprivileged user, its rootless variants, as runc's CI
# runs them (runc's tests/rootless.sh, `make localrootlessintegration`): once per set of
# ROOTLESS_FEATURES, by a throw-away user (tests/rootless/user.sh), through
# conformance/run.sh --user (the suite from conformance/setup.sh; README.md there).
#
#   tests/rootless/runc-bats.sh RUNTIME [FEATURES...]
#
# FEATURES: any of none idmap cgroup idmap+cgroup (default: all four, runc's powerset).
#   idmap   the user's /etc/subuid and /etc/subgid range as ROOTLESS_UIDMAP_START/LENGTH and
#           ROOTLESS_GIDMAP_START/LENGTH (runc_rootless_idmap maps them, via newuidmap), and
#           AUX_DIR owned by container uid 1024 (cwd.bats). Without it the user has no range.
#   cgroup  runc's enable_cgroup: /sys/fs/cgroup/<each v1 hierarchy>/runc-cgroups-integration-test
#           made here, group-owned by the user and writable (cgroup.procs, tasks; cpuset.cpus
#           and .mems, cpu.rt_* owned), removed afterwards. This hybrid host has no cgroup v2
#           controllers at /sys/fs/cgroup, so runc's v2 part does not apply.
# Results per set: conformance/work/results/RUNTIME-rootless-SET/ (summary.md, results.tsv).
# Tests listed in conformance/expected-pass-rootless-SET.txt must pass (when that file exists).
# Exit: 0 when they did, 1 when one failed, 77 (skipped) without root or useradd/newuidmap.
set -Eeuo pipefail
[ $# -ge 1 ] || { echo "usage: $0 RUNTIME [FEATURES...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (to make the test user)"; exit 77; }
for tool in useradd userdel runuser newuidmap newgidmap; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
runtime=$(readlink -f "$(command -v "$1")"); shift
sets=("$@"); [ ${#sets[@]} -gt 0 ] || sets=(none idmap cgroup idmap+cgroup)
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/rootless/user.sh"

home=$(mktemp -d /tmp/berth-rl-bats.XXXXXX)
chmod 755 "$home"
cg_name=runc-cgroups-integration-test
aux_dir=""
# the v1 hierarchies of this host (a name=systemd one by its name)
hierarchies() { cut -d: -f2 /proc/self/cgroup | sed -e 's/^name=//' -e 's/,/\n/g' | sed '/^$/d' | sort -u; }
disable_cgroup() {
  local cg
  for cg in $(hierarchies); do
    # with what the tests made there themselves (update.bats' rt test mkdirs its own)
    [ -d "/sys/fs/cgroup/$cg/$cg_name" ] &&
      find "/sys/fs/cgroup/$cg/$cg_name" -depth -type d -exec rmdir {} +
  done
  return 0
}
enable_cgroup() {
  local cg d
  for cg in $(hierarchies); do
    d=/sys/fs/cgroup/$cg/$cg_name
    [ -d "/sys/fs/cgroup/$cg" ] || continue
    mkdir -p "$d"
    chown "root:$gid" "$d" "$d/cgroup.procs" "$d/tasks"
    chmod g+rwx "$d" && chmod g+rw "$d/cgroup.procs" "$d/tasks"
    if [ "$cg" = cpuset ]; then chown "$uid:$gid" "$d/cpuset.cpus" "$d/cpuset.mems"; fi
    if [ "$cg" = cpu ]; then
      for f in cpu.rt_period_us cpu.rt_runtime_us; do [ -e "$d/$f" ] && chown "$uid:$gid" "$d/$f"; done
    fi
  done
}
cleanup() {
  set +e
  local pid
  for pid in $(user_pids); do kill -9 "$pid"; done
  disable_cgroup
  [ -n "$aux_dir" ] && rmdir "$aux_dir"
  remove_test_user
  rm -rf --one-file-system "$home"
}
trap cleanup EXIT
# run.sh allows one run of the suite at a time on the host, but `cgroup` makes the suite's
# parent cgroups before run.sh starts, and a root run's teardown (runc's remove_parent)
# removes /sys/fs/cgroup/*/runc-cgroups-integration-test: this script holds run.sh's
# host-wide lock across its sets, and gives run.sh a private one.
lock=${BERTH_CONFORMANCE_LOCK:-/run/lock/berth-conformance.lock}
exec {lock_fd}>"$lock"
if ! flock -n "$lock_fd"; then
  echo "runc-bats.sh: waiting for another run.sh to finish" >&2
  flock -w 1800 "$lock_fd" || { echo "runc-bats.sh: another run.sh holds $lock" >&2; exit 1; }
fi
export BERTH_CONFORMANCE_LOCK=$home/run.lock
make_test_user "$home"
# a copy the user can run wherever the build tree is (and that a rebuild cannot change mid-run)
install -D -m 755 "$runtime" "$home/bin/$(basename "$runtime")"
runtime=$home/bin/$(basename "$runtime")

failed=0
for set in "${sets[@]}"; do
  features=${set/none/}
  ranges=$(grep "^$user:" /etc/subuid)
  sed -i "/^$user:/d" /etc/subuid /etc/subgid
  unset ROOTLESS_UIDMAP_START ROOTLESS_UIDMAP_LENGTH ROOTLESS_GIDMAP_START ROOTLESS_GIDMAP_LENGTH AUX_DIR AUX_UID
  if [[ $features == *idmap* ]]; then
    echo "$ranges" >>/etc/subuid; echo "$ranges" >>/etc/subgid
    export ROOTLESS_UIDMAP_START=$subid_start ROOTLESS_UIDMAP_LENGTH=65536
    export ROOTLESS_GIDMAP_START=$subid_start ROOTLESS_GIDMAP_LENGTH=65536
    # cwd.bats: a directory of container uid 1024 (runc_rootless_idmap maps 1000.. to the range)
    export AUX_UID=1024
    aux_dir=$(mktemp -d /tmp/berth-rl-aux.XXXXXX) && chmod 755 "$aux_dir"
    chown $((subid_start - 1000 + AUX_UID)) "$aux_dir"
    export AUX_DIR=$aux_dir
  fi
  if [[ $features == *cgroup* ]]; then enable_cgroup; else disable_cgroup; fi
  export ROOTLESS_FEATURES=$features
  expected=$repo/conformance/expected-pass-rootless-$set.txt
  args=(--runtime "$runtime" --label "$(basename "$runtime")-rootless-$set" --user "$user" --all)
  [ -f "$expected" ] || expected=/dev/null  # no list: nothing is expected
  args+=(--expected-list "$expected")
  echo "== rootless, features: $set"
  "$repo/conformance/run.sh" "${args[@]}" || failed=1
  # what the user's ranges were, for the next set
  grep -q "^$user:" /etc/subuid || { echo "$ranges" >>/etc/subuid; echo "$ranges" >>/etc/subgid; }
  [ -n "$aux_dir" ] && rmdir "$aux_dir" && aux_dir=""
done
exit $failed
