#!/bin/bash
# Where berth's `run` of /bin/true spends its time, per phase (berth --trace),
# as medians over N runs in the same private mount namespace as run-bench.sh.
#
#   bench/trace-phases.sh [--runs N] [--build DIR] [--berth BINARY]
#
# As root. Prints one line per phase: process (berth = the CLI, child = the
# cloned init), phase, median / min / max duration in ms, median offset from
# the start of the command. --berth measures another binary (e.g. an older
# build) on the same bundle.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/.." && pwd)
runs=30
build=$src/build
berth=""
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?}; shift ;;
    --build) build=${2:?}; shift ;;
    --berth) berth=${2:?}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    *) echo "trace-phases.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" = 0 ] || { echo "trace-phases.sh: needs root" >&2; exit 77; }
berth=$(realpath "${berth:-$build/berth}")

if [ -z "${BERTH_BENCH_PRIVATE_NS:-}" ]; then
  BERTH_BENCH_PRIVATE_NS=1 exec unshare -m --propagation private "$0" --runs "$runs" --berth "$berth"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi

# On a tmpfs, as /run is on a usual host (see run-bench.sh).
work=$(mktemp -d /run/berth-trace.XXXXXX)
mount -t tmpfs -o mode=0700 berth-trace "$work"
trap 'umount "$work"; rmdir "$work"' EXIT
"$src/tests/setup/make-bundle.sh" "$work/true" /bin/true >/dev/null
for i in $(seq 1 "$runs"); do
  "$berth" --root "$work/root" --trace run --bundle "$work/true" "trace-$i" 2>>"$work/trace.txt" >/dev/null
done

awk -f "$src/bench/trace-summary.awk" "$work/trace.txt"
