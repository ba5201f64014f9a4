#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a fresh copy of its seed
# corpus (the source tree is never written). Used by ctest (label `fuzz`).
#   run_fuzzer.sh FUZZER WORK_DIR SECONDS SEED_DIR_OR_FILE...
# Exits 77 (ctest SKIP_RETURN_CODE) when FUZZER was not built (no clang++).
set -eu
fuzzer=$1 work=$2 seconds=$3
shift 3
if [ ! -x "$fuzzer" ]; then
    echo "SKIP: $fuzzer not built (clang++ with libFuzzer not found at configure time)"
    exit 77
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
for seed in "$@"; do
    if [ -d "$seed" ]; then cp "$seed"/* "$work/corpus/"; else cp "$seed" "$work/corpus/"; fi
done
# -timeout: one input taking 10 s is a hang worth reporting.
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
