#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a fresh copy of its seed
# corpus (the source tree is never written). Used by ctest (label `fuzz`).
#   run_fuzzer.sh FUZZER WORK_DIR SECONDS [-libfuzzer_option=...] SEED_DIR_OR_FILE...
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
options=
for arg in "$@"; do
    case $arg in
        -*) options="$options $arg" ;;
        *) if [ -d "$arg" ]; then cp "$arg"/* "$work/corpus/"; else cp "$arg" "$work/corpus/"; fi ;;
    esac
done
# -timeout: one input taking 10 s is a hang worth reporting.
# libFuzzer exits 77 on a crash by default, which ctest would report as a skip.
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -artifact_prefix="$work/artifacts/" $options "$work/corpus"
