#!/bin/bash
# berth vs crun vs runc vs the floor, side by side on one busybox bundle (issues 7, 18).
#
#   bench/run-bench.sh [--quick] [--runs N] [--parallel N] [--build DIR] [--out DIR]
#                      [--before BINARY] [--runc-new BINARY]
#
# As root. Measures, interleaved (each round runs every runtime once, in a
# random order): `run` of /bin/true; create + start + wait + delete; `exec`
# of /bin/true into a running container; peak RSS of the runtime process
# (wait4's ru_maxrss of `run`); N containers `run` in parallel (containers/s,
# 10 rounds: one round's throughput swings by about 10%);
# the stripped binary size. Reports median, p90 and p99 of each.
# The floor (berth-floor, floor.cpp) clones with the bundle's namespaces,
# pivot_roots into the rootfs and execs /bin/true: no runtime.
#
# Runtimes: berth, Debian's crun (1.8.1) and runc (1.1.5), "crun-new": the
# newest crun in Debian's archive (setup-crun.sh, cached in BUILD/bench/crun;
# a fresh build tree fetches it once, ~10 s), and "runc-new": --runc-new
# BINARY, by default conformance/work/runc-1.3*/runc when conformance/setup.sh
# built it there (runc 1.3.6 from sid's source), else skipped.
#
# crun 1.8.1 refuses this host's hybrid cgroup layout, so everything runs in one
# private mount namespace where /sys/fs/cgroup/unified is unmounted; the host's
# mounts are not touched.
#
# Output in --out (default bench/results): results.csv (every sample),
# summary.csv and results.md (median/min/max and the ratios berth/crun,
# berth/runc, berth/floor), latency.png (gnuplot, when installed).
# --quick: 3 rounds, 10 in parallel, output in a temporary directory unless
# --out is given; for CI (ctest bench-quick): it fails only when berth fails,
# never on a timing.
# --before BINARY: one more contender, "before" (an older berth build), in
# every metric and as a column of the table: before/after in the same run.
#
# State directories and bundles live on a tmpfs mounted (in the private mount
# namespace) over the work directory, as /run is on a usual host: on this
# host /run is ext4 mounted with `discard`, where removing a container's state
# directory waits for a synchronous discard (0.7-3 ms, any runtime).
#
# Container ids start with the runtime's name: runc and crun both default to
# the cgroup /<id>.
# Needs: build/berth, build/bench/berth-measure and berth-floor (make berth
# berth-measure berth-floor), crun and runc (skipped with a note when missing),
# jq + busybox-static for the bundle, patchelf for crun-new
# (tests/setup/install-deps.sh), gnuplot-nox for the plot.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/.." && pwd)
runs=30
parallel=50
parallel_runs=10
build=$src/build
out=""
quick=0
before=""
runc_new=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; runs=3; parallel=10; parallel_runs=1 ;;
    --runs) runs=${2:?}; shift ;;
    --parallel) parallel=${2:?}; shift ;;
    --build) build=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    --before) before=$(realpath "${2:?}"); shift ;;
    --runc-new) runc_new=$(realpath "${2:?}"); shift ;;
    -h|--help) usage ;;
    *) echo "run-bench.sh: unknown argument $1" >&2; usage ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || { echo "run-bench.sh: needs root (skipped)" >&2; exit 77; }
berth=$(realpath "$build/berth")
measure=$(realpath "$build/bench/berth-measure")
floor=$(realpath "$build/bench/berth-floor")
for f in "$berth" "$measure" "$floor"; do
  [ -x "$f" ] || { echo "run-bench.sh: $f missing: make -C $build berth berth-measure berth-floor" >&2; exit 1; }
done

# Everything below runs in a private mount namespace (see the header).
if [ -z "${BERTH_BENCH_PRIVATE_NS:-}" ]; then
  args=(--runs "$runs" --parallel "$parallel" --build "$build")
  [ $quick = 1 ] && args=(--quick "${args[@]}")
  [ -n "$out" ] && args+=(--out "$out")
  [ -n "$before" ] && args+=(--before "$before")
  [ -n "$runc_new" ] && args+=(--runc-new "$runc_new")
  BERTH_BENCH_PRIVATE_NS=1 exec unshare -m --propagation private "$0" "${args[@]}"
fi
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

crun_new=""
if ! crun_new=$("$src/bench/setup-crun.sh" "$build/bench/crun"); then
  echo "note: the newest crun could not be set up (bench/setup-crun.sh), skipped" >&2
  crun_new=""
fi
crun_new_how=$(cat "$build/bench/crun/crun.txt" 2>/dev/null || true)
if [ -z "$runc_new" ]; then
  for f in "$src"/conformance/work/runc-1.3*/runc; do [ -x "$f" ] && runc_new=$f; done
fi

work=$(mktemp -d /run/berth-bench.XXXXXX)
mount -t tmpfs -o mode=0700 berth-bench "$work"
if [ -z "$out" ]; then
  if [ $quick = 1 ]; then out=$(mktemp -d /tmp/berth-bench-quick.XXXXXX); else out=$src/bench/results; fi
fi
mkdir -p "$out"
log=$work/runtime-errors.log
: >"$log"

# berth and the before build run from copies made the way a package installs
# them (install(1), one sequential write): the linker's own output file costs
# ~0.3 ms more CPU per `run` and ~90 KiB more peak RSS here than a byte-identical
# copy (measured 2026-12-07: build/berth vs a copy, 100 interleaved runs each),
# which a before/after that mixed the two would count as a difference.
installed=$build/bench/installed
mkdir -p "$installed"
install -m 0755 "$berth" "$installed/berth"
berth=$installed/berth
before_src=$before
if [ -n "$before" ]; then
  install -m 0755 "$before" "$installed/berth-before"
  before=$installed/berth-before
fi

declare -A bin=([berth]=$berth [crun]=$(command -v crun || true) [runc]=$(command -v runc || true)
               [crun-new]=$crun_new [runc-new]=$runc_new [before]=$before)
runtimes=(berth)
for rt in crun-new crun runc-new runc before; do
  [ "$rt" = before ] && [ -z "$before" ] && continue
  if [ -n "${bin[$rt]}" ]; then runtimes+=("$rt"); else echo "note: $rt not available, skipped" >&2; fi
done
contenders=("${runtimes[@]}" floor)
# berth once more from a read-only bind mount of the file (in this private mount
# namespace): what berth costs without its CVE-2019-5736 self-protection re-exec
# (protect_own_binary re-execs from a read-only overlay when the binary is on a
# writable filesystem, as its copy in build/bench/installed is).
berth_ro=$work/berth-ro
touch "$berth_ro"
mount --bind -o ro "$berth" "$berth_ro"

cleanup() {
  umount "$berth_ro" 2>/dev/null || true
  for rt in "${runtimes[@]}"; do
    local ids
    ids=$("${bin[$rt]}" --root "$work/root-$rt" list -q 2>/dev/null || true)
    for id in $ids; do "${bin[$rt]}" --root "$work/root-$rt" delete -f "$id" >/dev/null 2>&1 || true; done
  done
  umount "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

version() {  # RUNTIME -> its version line (sed reads all of it: head would SIGPIPE the runtime under pipefail)
  "${bin[$1]}" --version 2>/dev/null | sed -n 1p
}
echo "bundles in $work ($(for rt in "${runtimes[@]}"; do printf '%s: %s; ' "$rt" "$(version "$rt")"; done))" >&2
"$src/tests/setup/make-bundle.sh" "$work/true" /bin/true >/dev/null
"$src/tests/setup/make-bundle.sh" "$work/sleep" /bin/sleep 3600 >/dev/null
# crun 1.8.1 refuses any ociVersion but 1.0.x ("unknown version specified"); the
# config uses nothing newer, and all three read the same file.
mkdir -p "$work/mem512k"
jq --arg root "$work/true/rootfs" '.root.path = $root | .linux.resources.memory.limit = 524288' \
  "$work/true/config.json" >"$work/mem512k/config.json"
for b in true sleep mem512k; do
  jq '.ociVersion = "1.0.2"' "$work/$b/config.json" >"$work/$b/config.tmp" && mv "$work/$b/config.tmp" "$work/$b/config.json"
done
rootfs=$work/true/rootfs

csv=$out/results.csv
echo "runtime,metric,round,value" >"$csv"
failed=()

# record RUNTIME METRIC ROUND "WALL_US RSS_KIB FAILURES CPU_US" (berth-measure's line)
record() {
  local rt=$1 metric=$2 round=$3 wall rss failures cpu
  read -r wall rss failures cpu <<<"$4"
  if [ "$failures" != 0 ]; then
    failed+=("$rt $metric round $round")
    return
  fi
  case $metric in
    run_ms | run_ro_ms | lifecycle_ms | exec_ms) echo "$rt,$metric,$round,$(awk -v u="$wall" 'BEGIN{printf "%.3f", u/1000}')" >>"$csv" ;;
    parallel_per_s) echo "$rt,$metric,$round,$(awk -v u="$wall" -v n="$parallel" 'BEGIN{printf "%.1f", n*1e6/u}')" >>"$csv" ;;
  esac
  if [ "$metric" = run_ms ]; then
    echo "$rt,peak_rss_kib,$round,$rss" >>"$csv"
    echo "$rt,run_cpu_ms,$round,$(awk -v u="$cpu" 'BEGIN{printf "%.3f", u/1000}')" >>"$csv"
  fi
}

# Each round runs the contenders in a new random order. Not a rotation: a fixed
# cyclic order makes each runtime always follow the same one, and the one after
# the floor pays for the floor's network namespace teardown (the kernel cleans
# it up asynchronously, and the next clone(CLONE_NEWNET) waits for it).
shuffled() {  # NAME... -> the names in a random order
  shuf -e "$@" | tr '\n' ' '
}

run_once() {  # RUNTIME ID -> measurement line
  local rt=$1 id=$2
  if [ "$rt" = floor ]; then
    "$measure" --log "$log" -- "$floor" "$rootfs" /bin/true
  else
    "$measure" --log "$log" -- "${bin[$rt]}" --root "$work/root-$rt" run --bundle "$work/true" "$id"
  fi
}

# create + start + wait for /bin/true to exit + delete, each step timed by berth-measure.
lifecycle_once() {  # RUNTIME ID -> measurement line
  local rt=$1 id=$2 r="$work/root-$1" total=0 rss=0 failures=0 wall step_rss f pid state t0 t1
  rm -f "$work/pid"
  read -r wall step_rss f _ < <("$measure" --log "$log" -- "${bin[$rt]}" --root "$r" create --bundle "$work/true" --pid-file "$work/pid" "$id")
  total=$((total + wall)); failures=$((failures + f))
  read -r wall step_rss f _ < <("$measure" --log "$log" -- "${bin[$rt]}" --root "$r" start "$id")
  total=$((total + wall)); failures=$((failures + f))
  pid=$(cat "$work/pid" 2>/dev/null || echo 0)
  t0=${EPOCHREALTIME/./}
  # Until /bin/true has exited (zombie or reaped): a busy wait costs no fork.
  # A container that never starts counts as a failure after 10 s.
  while [ "$pid" != 0 ] && read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" && [ "$state" != Z ]; do
    if (( ${EPOCHREALTIME/./} - t0 > 10000000 )); then failures=$((failures + 1)); break; fi
  done
  t1=${EPOCHREALTIME/./}
  total=$((total + t1 - t0))
  read -r wall step_rss f _ < <("$measure" --log "$log" -- "${bin[$rt]}" --root "$r" delete "$id")
  total=$((total + wall)); failures=$((failures + f))
  echo "$total $rss $failures 0"
}

exec_once() {  # RUNTIME -> measurement line
  "$measure" --log "$log" -- "${bin[$1]}" --root "$work/root-$1" exec "$1-sleeper" /bin/true
}

echo "run and create/start/wait/delete: $runs rounds" >&2
for round in $(seq 1 "$runs"); do
  for rt in $(shuffled "${contenders[@]}" berth-ro); do
    if [ "$rt" = berth-ro ]; then
      record berth run_ro_ms "$round" "$("$measure" --log "$log" -- "$berth_ro" --root "$work/root-berth" run --bundle "$work/true" "berth-ro-run-$round")"
    else
      record "$rt" run_ms "$round" "$(run_once "$rt" "$rt-run-$round")"
    fi
  done
  for rt in $(shuffled "${runtimes[@]}"); do
    record "$rt" lifecycle_ms "$round" "$(lifecycle_once "$rt" "$rt-life-$round")"
  done
done

echo "exec: $runs rounds" >&2
exec_runtimes=()
for rt in "${runtimes[@]}"; do
  r="$work/root-$rt"
  if "${bin[$rt]}" --root "$r" run -d --bundle "$work/sleep" "$rt-sleeper" >/dev/null 2>>"$log" &&
     "${bin[$rt]}" --root "$r" exec "$rt-sleeper" /bin/true >/dev/null 2>>"$log"; then
    exec_runtimes+=("$rt")
  else
    echo "note: $rt: exec into a running container does not work here (see below), skipped" >&2
    [ "$rt" = berth ] && failed+=("berth exec (setup)")
  fi
done
for round in $(seq 1 "$runs"); do
  for rt in $(shuffled "${exec_runtimes[@]}"); do
    record "$rt" exec_ms "$round" "$(exec_once "$rt")"
  done
done
for rt in "${runtimes[@]}"; do
  "${bin[$rt]}" --root "$work/root-$rt" delete -f "$rt-sleeper" >/dev/null 2>&1 || true
done

echo "$parallel in parallel: $parallel_runs rounds" >&2
for round in $(seq 1 "$parallel_runs"); do
  for rt in $(shuffled "${contenders[@]}"); do
    if [ "$rt" = floor ]; then
      line=$("$measure" --parallel "$parallel" --log "$log" -- "$floor" "$rootfs" /bin/true)
    else
      line=$("$measure" --parallel "$parallel" --log "$log" -- "${bin[$rt]}" --root "$work/root-$rt" run --bundle "$work/true" "$rt-par-$round-%i")
    fi
    record "$rt" parallel_per_s "$round" "$line"
  done
done

# Issue 7: a container whose memory limit is 512 KiB starts and runs /bin/true
# (the runtime's own pages in the container's cgroup are charged to it).
for rt in "${runtimes[@]}"; do
  ok=0
  if "${bin[$rt]}" --root "$work/root-$rt" run --bundle "$work/mem512k" "$rt-mem512k" >/dev/null 2>"$work/mem512k.err"; then
    ok=1
  else
    echo "note: $rt under a 512 KiB memory limit: $(tail -n 1 "$work/mem512k.err")" >&2
  fi
  echo "$rt,mem512k_ok,1,$ok" >>"$csv"
done

# Stripped size: berth's build output keeps its symbols; Debian's crun/runc are stripped.
for rt in berth before; do
  [ -n "${bin[$rt]}" ] || continue
  strip -o "$work/$rt.stripped" "${bin[$rt]}"
  echo "$rt,binary_kib,1,$(( $(stat -c %s "$work/$rt.stripped") / 1024 ))" >>"$csv"
done
for rt in crun runc crun-new runc-new; do
  [ -n "${bin[$rt]}" ] && echo "$rt,binary_kib,1,$(( $(stat -c %s "${bin[$rt]}") / 1024 ))" >>"$csv"
done

# summary.csv: runtime,metric,n,median,p90,p99,min,max (nearest-rank percentiles)
summary=$out/summary.csv
echo "runtime,metric,n,median,p90,p99,min,max" >"$summary"
tail -n +2 "$csv" | cut -d, -f1,2 | sort -u | while IFS=, read -r rt metric; do
  awk -F, -v rt="$rt" -v m="$metric" '$1 == rt && $2 == m {print $4}' "$csv" | sort -g |
    awk -v rt="$rt" -v m="$metric" 'function rank(p,  r) {r = int(p * NR + 0.999999); return v[r < 1 ? 1 : r]}
      {v[NR] = $1}
      END {med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
           printf "%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g\n", rt, m, NR, med, rank(0.9), rank(0.99), v[1], v[NR]}'
done >>"$summary"

# results.md: one column per contender, ratios of medians to berth.
columns=(berth crun-new crun runc-new runc floor before)
{
  echo "$(date -u +%Y-%m-%dT%H:%MZ); host: $(nproc) CPUs, kernel $(uname -r), load $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after; $runs rounds ($parallel_runs for the parallel runs)."
  echo
  echo "berth: $("$berth" --version | head -n 1) (git $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)). crun-new: ${crun_new_how:-none}. runc-new: $([ -n "$runc_new" ] && version runc-new || echo none). crun: $(version crun). runc: $(version runc).${before_src:+ before: $before_src.}"
  echo
  awk -F, -v columns="${columns[*]}" -v parallel="$parallel" '
    NR > 1 {key = $1 SUBSEP $2; n[key] = $3; med[key] = $4; p90[key] = $5; p99[key] = $6; lo[key] = $7; hi[key] = $8; seen[$1] = 1}
    function cell(rt, m,  key) {
      key = rt SUBSEP m
      if (!(key in med)) return "n/a"
      if (n[key] == 1) return med[key]
      if (m == "parallel_per_s") return sprintf("%s (%s–%s)", med[key], lo[key], hi[key])
      return sprintf("%s · %s · %s", med[key], p90[key], p99[key])
    }
    function ratio(a, b, m) {
      if (!((a, m) in med) || !((b, m) in med) || med[b, m] == 0) return "n/a"
      return sprintf("%.2f", med[a, m] / med[b, m])
    }
    END {
      nc = split(columns, all, " ")
      k = 0
      for (i = 1; i <= nc; i++) if (all[i] in seen) col[++k] = all[i]
      header = "| metric |"; rule = "|---|"
      for (i = 1; i <= k; i++) {header = header " " col[i] " |"; rule = rule "---|"}
      for (i = 2; i <= k; i++) {header = header " berth/" col[i] " |"; rule = rule "---|"}
      print header; print rule
      split("run_ms run_cpu_ms run_ro_ms lifecycle_ms exec_ms peak_rss_kib parallel_per_s mem512k_ok binary_kib", ms, " ")
      name["mem512k_ok"] = "runs /bin/true under a 512 KiB memory limit (1 = yes)"
      name["run_cpu_ms"] = "CPU time of `run` (user+sys, with the container), ms"
      name["run_ms"] = "`run` /bin/true, ms"
      name["run_ro_ms"] = "`run` /bin/true, berth on a read-only mount (no self-protection re-exec), ms"
      name["lifecycle_ms"] = "create+start+wait+delete, ms"
      name["exec_ms"] = "`exec` /bin/true, ms"
      name["peak_rss_kib"] = "peak RSS of `run`, KiB"
      name["parallel_per_s"] = parallel " parallel `run`s, containers/s"
      name["binary_kib"] = "binary (stripped), KiB"
      for (j = 1; j <= 9; j++) {
        m = ms[j]
        line = "| " name[m] " |"
        for (i = 1; i <= k; i++) line = line " " cell(col[i], m) " |"
        for (i = 2; i <= k; i++) line = line " " ratio("berth", col[i], m) " |"
        print line
      }
    }' "$summary"
  echo
  echo "Cells: median · p90 · p99 (containers/s: median (min–max)). Ratios: of the medians (for containers/s, above 1 is better; elsewhere below 1 is)."
} >"$out/results.md"

# latency.png: the distribution (percentiles) of each contender's `run` and lifecycle samples.
if command -v gnuplot >/dev/null; then
  plot=()
  color=0
  for rt in "${contenders[@]}"; do
    color=$((color + 1))
    for metric in run_ms lifecycle_ms; do
      awk -F, -v rt="$rt" -v m="$metric" '$1 == rt && $2 == m {print $4}' "$csv" | sort -g |
        awk '{v[NR] = $1} END {for (i = 1; i <= NR; i++) print 100 * (i - 0.5) / NR, v[i]}' >"$work/$rt-$metric.dat"
    done
    [ -s "$work/$rt-run_ms.dat" ] && plot+=("'$work/$rt-run_ms.dat' with linespoints lc $color pt 7 ps 0.6 title '$rt run'")
    [ -s "$work/$rt-lifecycle_ms.dat" ] && plot+=("'$work/$rt-lifecycle_ms.dat' with linespoints lc $color pt 4 ps 0.6 dashtype 2 title '$rt create+start+wait+delete'")
  done
  joined=$(IFS=,; echo "${plot[*]}")
  gnuplot <<EOF
set terminal pngcairo size 1000,550 font ',10'
set output '$out/latency.png'
set title 'Start latency distribution ($runs rounds, interleaved)'
set xlabel 'percentile of the samples'
set xrange [0:100]
set ylabel 'ms'
set logscale y
set key outside right
set grid
plot $joined
EOF
else
  echo "note: gnuplot not installed (apt-get install gnuplot-nox): no latency.png" >&2
fi

cat "$out/results.md"
echo "results: $out" >&2
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  echo "runtime errors (last lines of $log):" >&2
  tail -n 20 "$log" >&2
  for f in "${failed[@]}"; do
    case $f in berth*) exit 1 ;; esac
  done
fi
exit 0
