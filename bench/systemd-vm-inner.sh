#!/bin/bash
# Runs INSIDE the systemd VM (bench/systemd-vm-bench.sh's payload; root, cwd /payload):
# `run` of /bin/true with each runtime's cgroupfs and systemd cgroup drivers.
#   systemd-vm-inner.sh RUNS TRACES
# RUNS interleaved rounds; each runs the six variants (berth, runc, crun x cgroupfs,
# systemd) once, in a new random order. A sample is the wall time of one `RUNTIME run`
# (create + start + wait + delete), from bash's $EPOCHREALTIME around the command (the
# fork of the runtime is in every sample alike). One unrecorded warm-up run per variant.
# Then TRACES rounds of `berth --trace run`, each driver once per round.
# Writes to $VM_OUT (/out): samples.csv (variant,round,ms), failures.log,
# trace-cgroupfs.txt and trace-systemd.txt (berth's --trace output), vm.txt (versions).
set -u
[ $# = 2 ] || { echo "usage: $0 RUNS TRACES" >&2; exit 2; }
runs=$1 traces=$2
out=${VM_OUT:-/out}
mkdir -p "$out"
declare -A bin=([berth]=/payload/bin/berth [runc]=$(command -v runc) [crun]=$(command -v crun))
variants=(berth-cgroupfs berth-systemd runc-cgroupfs runc-systemd crun-cgroupfs crun-systemd)

# One bundle directory per driver, the rootfs shared. crun 1.8 refuses an ociVersion
# other than 1.0.x; the config uses nothing newer. cgroupfs: no cgroupsPath (each
# runtime's default, /<id>); systemd: system.slice:bench:<n>, written before each sample.
B=/run/sdbench-bundles
mkdir -p "$B/cgroupfs" "$B/systemd"
jq --arg root /payload/bundle/rootfs '.ociVersion = "1.0.2" | .root.path = $root | del(.linux.cgroupsPath)' \
    /payload/bundle/config.json >"$B/cgroupfs/config.json"

{
    echo "kernel $(uname -r), $(nproc) CPUs, $(free -m | awk '/^Mem:/ {print $2}') MiB"
    echo "systemd $(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')"
    for rt in berth runc crun; do echo "$rt: $("${bin[$rt]}" --version 2>&1 | head -n1)"; done
} >"$out/vm.txt"
cat "$out/vm.txt"

# prepare VARIANT ID: the bundle for this sample (the systemd unit name is unique per sample)
prepare() {
    case $1 in
        *-systemd) jq --arg cg "system.slice:bench:$2" '.linux.cgroupsPath = $cg' "$B/cgroupfs/config.json" >"$B/systemd/config.json" ;;
    esac
}
# runtime VARIANT ARG...: the variant's runtime with its driver and state root
runtime() {
    local v=$1; shift
    local rt=${v%%-*} flags=()
    [ "${v#*-}" = systemd ] && flags=(--systemd-cgroup)
    "${bin[$rt]}" --root "/run/sdbench-state-$rt" "${flags[@]}" "$@"
}
# sample VARIANT ID: prints the wall ms of one run, or fails (its stderr in failures.log)
sample() {
    local v=$1 id=$2 t0 t1 rc
    prepare "$v" "$id"
    t0=${EPOCHREALTIME/./}
    runtime "$v" run --bundle "$B/${v#*-}" "$id" >/dev/null 2>"$B/err"
    rc=$?
    t1=${EPOCHREALTIME/./}
    if [ $rc != 0 ]; then
        echo "$v $id: exit $rc: $(tail -n 3 "$B/err")" >>"$out/failures.log"
        return 1
    fi
    awk -v us=$((t1 - t0)) 'BEGIN {printf "%.1f\n", us / 1000}'
}

: >"$out/failures.log"
for v in "${variants[@]}"; do sample "$v" "${v}-warmup" >/dev/null; done
echo "variant,round,ms" >"$out/samples.csv"
t_start=$(cut -d' ' -f1 /proc/uptime)
for round in $(seq 1 "$runs"); do
    for v in $(shuf -e "${variants[@]}"); do
        ms=$(sample "$v" "$v-$round") && echo "$v,$round,$ms" >>"$out/samples.csv"
    done
    echo "round $round/$runs done at uptime $(cut -d' ' -f1 /proc/uptime)s"
done
echo "rounds took $(awk -v a="$t_start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN {printf "%.0f", b - a}')s"

# berth's phases per driver (the trace is printed on stderr when the command ends)
for round in $(seq 1 "$traces"); do
    for d in $(shuf -e cgroupfs systemd); do
        prepare "berth-$d" "trace$round"
        runtime "berth-$d" --trace run --bundle "$B/$d" "trace-$d-$round" >/dev/null 2>>"$out/trace-$d.txt" ||
            echo "berth-$d trace $round: failed" >>"$out/failures.log"
    done
done

# Nothing may be left behind: a leftover scope or container would skew later samples.
left=$(systemctl list-units --all --no-legend 'bench-*' | wc -l)
for rt in berth runc crun; do left=$((left + $("${bin[$rt]}" --root "/run/sdbench-state-$rt" list -q 2>/dev/null | wc -l))); done
echo "left behind: $left units and containers" | tee "$out/leftovers.txt"
echo "failures: $(wc -l <"$out/failures.log")"
[ -s "$out/failures.log" ] && cat "$out/failures.log"
exit 0
