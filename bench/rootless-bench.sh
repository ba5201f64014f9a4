#!/bin/bash
# Rootless `run` beside root `run`: berth, runc and crun, in one interleaved run (issue 13).
#
#   bench/rootless-bench.sh [--runs N] [--build DIR] [--out DIR]
#
# As root. Makes a throw-away user (tests/rootless/user.sh) and a rootless bundle of the
# busybox rootfs (`berth spec --rootless`: a user namespace mapping the user to root, no
# cgroup limits, so no runtime needs a cgroup), and times `RUNTIME run` of /bin/true:
#   root      as root, --root on a tmpfs, the same rootfs with the root config
#   rootless  as the user (runuser once; the samples are timed inside one shell of the
#             user's, so runuser's PAM start-up is not in them), --root in its own directory
#             (both on a tmpfs)
# Both modes run in a private mount namespace without /sys/fs/cgroup/unified (as
# run-bench.sh, for crun), the rootless one entered as root before runuser.
# Runtimes: berth, runc, Debian's crun (1.8.1) and crun-new (BUILD/bench/crun/crun, the
# newest crun bench/setup-crun.sh set up for run-bench.sh), each when present.
# Rounds are interleaved (each round runs every runtime once in each mode, in a random
# order). Prints medians (and min-max) in ms and writes every sample to OUT/rootless.csv.
# A runtime that fails a mode is reported with its first error line and left out of it.
# A small script of its own, apart from run-bench.sh (no berth-measure needed: wall time only).
set -euo pipefail
export LC_ALL=C
src=$(cd "$(dirname "$0")/.." && pwd)
runs=20 build=$src/build out=$src/bench/results
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?}; shift ;;
    --build) build=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "rootless-bench.sh: needs root (to make the test user)" >&2; exit 1; }
. "$src/tests/rootless/user.sh"
declare -A bin=([berth]=$build/berth)
for rt in runc crun; do command -v $rt >/dev/null && bin[$rt]=$(command -v $rt); done
if [ -x "$build/bench/crun/crun" ]; then bin[crun-new]=$build/bench/crun/crun; fi

work=$(mktemp -d /tmp/berth-rl-bench.XXXXXX)
chmod 755 "$work"
cleanup() {
  set +e
  for pid in $(user_pids); do kill -9 "$pid"; done
  mountpoint -q "$work/root" && umount "$work/root"
  mountpoint -q "$work/xdg" && umount "$work/xdg"
  remove_test_user
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
make_test_user "$work"
mkdir -p "$work/root" "$work/user" "$work/xdg"
mount -t tmpfs tmpfs "$work/root"
# The user's state directories on a tmpfs too, as root's and as $XDG_RUNTIME_DIR (/run/user/UID)
# is on a usual host: /tmp here is ext4 mounted with discard, where removing a state directory
# waits for the discard (berth +0.7-2 ms per run, measured 2026-12-07).
mount -t tmpfs -o "mode=0700,uid=$uid,gid=$gid" tmpfs "$work/xdg"
bash "$src/tests/setup/make-bundle.sh" "$work/bundle" true >/dev/null
# crun 1.8.1 refuses an ociVersion other than 1.0.x
jq '.ociVersion = "1.0.2"' "$work/bundle/config.json" >"$work/root.json"
cp "$build/berth" "$work/berth"; bin[berth]=$work/berth
(cd "$work" && "$work/berth" spec --rootless && mv config.json rootless.json)
jq --arg r "$work/bundle/rootfs" --argjson u "$uid" --argjson g "$gid" '.ociVersion = "1.0.2"
  | .root = {path: $r, readonly: true} | .process.args = ["/bin/true"] | .process.terminal = false
  | .linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g' \
  "$work/rootless.json" >"$work/user/config.json"
cp "$work/root.json" "$work/bundle/config.json"
chown -R "$user:" "$work/user" "$work/xdg"
chmod 700 "$work/xdg"

# time_runs MODE RUNTIME...: one `run` per runtime, in this order; prints "RUNTIME MS" or
# "RUNTIME FAIL first-error-line". The same function runs as root and (via bash -c) as the user.
time_runs() {
  local mode=$1 rt path t0 t1 err; shift
  for rt in "$@"; do
    path=${rt#*=}; rt=${rt%%=*}
    t0=$EPOCHREALTIME
    if [ "$mode" = root ]; then
      err=$("$path" --root "$WORK/root/$rt" run --bundle "$WORK/bundle" "$rt-$RANDOM" 2>&1 >/dev/null) || { echo "$rt FAIL ${err%%$'\n'*}"; continue; }
    else
      err=$(cd "$WORK/user" && "$path" --root "$WORK/xdg/$rt" run "$rt-$RANDOM" 2>&1 >/dev/null) || { echo "$rt FAIL ${err%%$'\n'*}"; continue; }
    fi
    t1=$EPOCHREALTIME
    echo "$rt $(( (${t1/./} - ${t0/./}) / 10 ))"   # 10 µs units: ms with two decimals
  done
}
export WORK=$work
# without_unified CMD...: CMD in a private mount namespace without /sys/fs/cgroup/unified:
# crun 1.8.1 and 1.28 refuse this host's hybrid layout (the host's mounts are not touched).
without_unified() {
  unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' _ "$@"
}

echo "mode,runtime,round,ms" >"$work/samples.csv"
for round in $(seq "$runs"); do
  order=$(printf '%s\n' "${!bin[@]}" | shuf | while read -r rt; do echo "$rt=${bin[$rt]}"; done | tr '\n' ' ')
  for mode in $(printf 'root\nrootless\n' | shuf); do
    if [ $mode = root ]; then
      lines=$(without_unified bash -c "$(declare -f time_runs); time_runs root $order")
    else
      lines=$(without_unified runuser -u "$user" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$work" \
        WORK="$work" XDG_RUNTIME_DIR="$work/xdg" bash -c "$(declare -f time_runs); time_runs rootless $order")
    fi
    while read -r rt value rest; do
      if [ "$value" = FAIL ]; then echo "$mode,$rt,$round,FAIL $rest" >>"$work/samples.csv"
      else echo "$mode,$rt,$round,$(printf '%d.%02d' $((value / 100)) $((value % 100)))" >>"$work/samples.csv"; fi
    done <<<"$lines"
  done
done
mkdir -p "$out"
cp "$work/samples.csv" "$out/rootless.csv"
printf '| runtime | root `run` (ms) | rootless `run` (ms) | rootless - root |\n|---|---|---|---|\n'
for rt in $(printf '%s\n' "${!bin[@]}" | sort); do
  declare -A med=() cell=()
  for mode in root rootless; do
    vals=$(awk -F, -v m=$mode -v r=$rt '$1 == m && $2 == r && $4 !~ /^FAIL/ { print $4 }' "$work/samples.csv" | sort -g)
    if [ -z "$vals" ]; then
      med[$mode]=""; cell[$mode]="fails: $(awk -F, -v m=$mode -v r=$rt '$1 == m && $2 == r { print substr($4, 6); exit }' "$work/samples.csv")"
    else
      n=$(wc -l <<<"$vals")
      med[$mode]=$(sed -n "$(( (n + 1) / 2 ))p" <<<"$vals")
      cell[$mode]="${med[$mode]} ($(head -n1 <<<"$vals")-$(tail -n1 <<<"$vals"))"
    fi
  done
  diff=""; [ -n "${med[root]}" ] && [ -n "${med[rootless]}" ] && diff=$(awk -v a="${med[rootless]}" -v b="${med[root]}" 'BEGIN { printf "%+.2f", a - b }')
  echo "| $rt | ${cell[root]} | ${cell[rootless]} | $diff |"
done
