#!/bin/bash
# `run` of /bin/true with berth's, runc's and crun's cgroupfs and systemd cgroup drivers,
# side by side in the systemd VM (tests/systemd-vm/vm.sh: systemd 252, pure cgroup v2,
# runc 1.1.5, crun 1.8.1; QEMU under TCG emulation).
#
#   flock /tmp/berth-vm.lock bench/systemd-vm-bench.sh BERTH_BINARY [--runs N] [--traces N]
#                                                    [--cache DIR] [--out DIR]
#
# As root. One boot; inside (systemd-vm-inner.sh) N interleaved rounds (default 15), each
# running the six variants once in a random order: berth, runc, crun without
# --systemd-cgroup (no cgroupsPath) and with it (cgroupsPath system.slice:bench:<id>).
# A sample is the wall time of one `run` (create + start + wait + delete). Then --traces
# rounds (default 10) of `berth --trace run` with each driver: berth's phases.
# --cache: the VM's base image (default build/tests/systemd-vm/cache, as ctest's).
# Writes to --out (default bench/results): systemd-vm.md (per variant n, median, p90,
# p99, min, max; systemd - cgroupfs per runtime; berth's phases per driver) and
# systemd-vm.csv (every sample). Not a ctest: a manual bench, about 5 minutes with the
# defaults. Under TCG every time is ~10x a real host's: compare ratios and differences.
# The lock: the VM wants both CPUs of this project's hosts; never boot two at once.
set -euo pipefail
export LC_ALL=C

src=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
case $1 in -h | --help) usage ;; esac
berth=$(realpath "$1"); shift
runs=15 traces=10 cache=$src/build/tests/systemd-vm/cache out=$src/bench/results
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=${2:?}; shift ;;
        --traces) traces=${2:?}; shift ;;
        --cache) cache=${2:?}; shift ;;
        --out) out=${2:?}; shift ;;
        -h | --help) usage ;;
        *) echo "systemd-vm-bench.sh: unknown argument $1" >&2; usage ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "systemd-vm-bench.sh: needs root" >&2; exit 77; }
[ -x "$berth" ] || { echo "systemd-vm-bench.sh: $berth is not executable" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-sdbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
payload=$work/payload
mkdir -p "$payload/bin" "$out"
cp "$berth" "$payload/bin/berth"
cp "$src/bench/systemd-vm-inner.sh" "$payload/"
"$src/tests/setup/make-bundle.sh" "$payload/bundle" /bin/true >/dev/null

load=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%MZ)
t0=$(date +%s)
VM_CACHE=$cache VM_OUTDIR=$work/out VM_TIMEOUT=${VM_TIMEOUT:-1200} \
    "$src/tests/systemd-vm/vm.sh" "$payload" bash systemd-vm-inner.sh "$runs" "$traces"
elapsed=$(( $(date +%s) - t0 ))
[ -s "$work/out/samples.csv" ] || { echo "systemd-vm-bench.sh: no samples came back" >&2; exit 1; }
cp "$work/out/samples.csv" "$out/systemd-vm.csv"

# stats VARIANT: n median p90 p99 min max (nearest-rank percentiles)
stats() {
    awk -F, -v v="$1" '$1 == v {print $3}' "$work/out/samples.csv" | sort -g |
        awk '{x[NR] = $1}
             function rank(p,   r) { r = int(p * NR + 0.999999); return x[r < 1 ? 1 : r] }
             END { if (!NR) { print 0, "n/a", "n/a", "n/a", "n/a", "n/a"; exit }
                   med = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
                   printf "%d %.1f %.1f %.1f %.1f %.1f\n", NR, med, rank(0.9), rank(0.99), x[1], x[NR] }'
}

{
    echo "# \`run\` with the systemd cgroup driver vs cgroupfs, in the systemd VM"
    echo
    echo "$started; berth $("$berth" --version | sed -n 's/^commit: //p' | cut -c1-7) (source tree $(git -C "$src" rev-parse --short HEAD));"
    echo "host: $(nproc) CPUs, load $load before the boot; the VM: $(paste -sd';' "$work/out/vm.txt" | sed 's/;/; /g')."
    echo "$runs interleaved rounds (each variant once per round, random order), $traces traced runs per driver;"
    echo "the whole boot took ${elapsed}s. $(cat "$work/out/leftovers.txt" 2>/dev/null)."
    echo
    echo "QEMU under TCG emulation (no KVM): absolute times are about 10x a real host's. Compare"
    echo "ratios and differences between variants of the same run."
    echo
    echo "A sample: wall ms of \`RUNTIME run\` of /bin/true (create + start + wait + delete)."
    echo
    echo "| variant | n | median | p90 | p99 | min | max |"
    echo "|---|---|---|---|---|---|---|"
    for v in berth-cgroupfs berth-systemd runc-cgroupfs runc-systemd crun-cgroupfs crun-systemd; do
        read -r n med p90 p99 lo hi < <(stats "$v")
        echo "| $v | $n | $med | $p90 | $p99 | $lo | $hi |"
    done
    echo
    echo "systemd - cgroupfs, per runtime (medians):"
    echo
    echo "| runtime | cgroupfs | systemd | difference, ms | ratio |"
    echo "|---|---|---|---|---|"
    for rt in berth runc crun; do
        read -r _ a _ < <(stats "$rt-cgroupfs")
        read -r _ b _ < <(stats "$rt-systemd")
        echo "| $rt | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%+.1f | %.2f", b - a, a ? b / a : 0}') |"
    done
    for d in cgroupfs systemd; do
        [ -s "$work/out/trace-$d.txt" ] || continue
        echo
        echo "berth --trace run, $d driver (ms):"
        echo
        echo '```'
        awk -f "$src/bench/trace-summary.awk" "$work/out/trace-$d.txt"
        echo '```'
    done
    if [ -s "$work/out/failures.log" ]; then
        echo
        echo "Failed samples (not counted):"
        echo
        sed 's/^/    /' "$work/out/failures.log"
    fi
} >"$out/systemd-vm.md"
cat "$out/systemd-vm.md"
echo "results: $out/systemd-vm.md, $out/systemd-vm.csv" >&2
