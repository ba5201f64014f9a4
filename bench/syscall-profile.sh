#!/bin/bash
# Where a runtime's `run` of /bin/true spends its time, by system call.
#
#   bench/syscall-profile.sh [--runs N] [--build DIR] [RUNTIME...]   (default: berth crun runc)
#
# As root, in a private mount namespace without /sys/fs/cgroup/unified (as
# run-bench.sh, so crun works). Each run is traced with `strace -f -T`; for
# every system call the time spent inside it is summed over all the runtime's
# processes, and the table shows the median over the runs (ms per run), the
# calls per run, and the traced wall time. strace slows every call down, so
# compare runtimes and calls with each other, not with run-bench.sh's numbers;
# calls that block (waiting for an RCU grace period, or for the other process)
# keep their meaning.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/.." && pwd)
runs=10
build=$src/build
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --build) build=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    *) break ;;
  esac
done
runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(berth crun runc)
[ "$(id -u)" = 0 ] || { echo "syscall-profile.sh: needs root" >&2; exit 1; }
command -v strace >/dev/null || { echo "syscall-profile.sh: needs strace" >&2; exit 1; }

if [ -z "${BERTH_BENCH_PRIVATE_NS:-}" ]; then
  BERTH_BENCH_PRIVATE_NS=1 exec unshare -m --propagation private "$0" --runs "$runs" --build "$build" "${runtimes[@]}"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi

work=$(mktemp -d /run/berth-profile.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$src/tests/setup/make-bundle.sh" "$work/true" /bin/true >/dev/null
# crun 1.8.1 refuses any ociVersion but 1.0.x.
jq '.ociVersion = "1.0.2"' "$work/true/config.json" >"$work/config.tmp" && mv "$work/config.tmp" "$work/true/config.json"

for rt in "${runtimes[@]}"; do
  bin=$rt
  [ "$rt" = berth ] && bin=$(realpath "$build/berth")
  for i in $(seq 1 "$runs"); do
    strace -f -T -ttt -o "$work/$rt.$i" "$bin" --root "$work/root-$rt" run --bundle "$work/true" "p$i" >/dev/null 2>>"$work/errors"
  done
  # Per run: seconds inside each call (unfinished/resumed pairs carry the time on
  # the "resumed" line) and the wall time from the first to the last line.
  for i in $(seq 1 "$runs"); do
    awk -v run="$i" '
      NR == 1 {first = $2}
      {last = $2}
      $NF ~ /^<[0-9.]+>$/ {
        name = $3
        if (name == "<...") name = $4
        sub(/\(.*/, "", name)
        t[name] += substr($NF, 2, length($NF) - 2); n[name]++
      }
      END {
        for (k in t) printf "%s %s %.3f %d\n", run, k, t[k] * 1000, n[k]
        printf "%s (wall) %.3f 1\n", run, (last - first) * 1000
      }' "$work/$rt.$i"
  done >"$work/$rt.sum"
  echo "== $rt: $runs traced runs; median ms per run inside each call (top 12), calls per run"
  awk '{print $2}' "$work/$rt.sum" | sort -u | while read -r call; do
    # Runs without the call count as 0 ms.
    awk -v c="$call" -v runs="$runs" '$2 == c {print $3, $4; k++} END {for (; k < runs; k++) print 0, 0}' "$work/$rt.sum" | sort -g |
      awk -v c="$call" -v runs="$runs" '{v[NR] = $1; calls += $2}
        END {med = runs % 2 ? v[(runs + 1) / 2] : (v[runs / 2] + v[runs / 2 + 1]) / 2
             printf "%-18s %8.2f ms %7.1f calls\n", c, med, calls / runs}'
  done | sort -k2 -gr | head -13
done
