#!/bin/bash
# ctest entry for the systemd VM: assembles the payload (berth, a busybox bundle, the
# checks, runc 1.1.5's bats suite) and boots vm.sh once; inside, every check group runs for each RUNTIME.
#   run-ctest.sh BERTH_BINARY MAKE_BUNDLE_SCRIPT CACHE_DIR RUNTIME...
# The base image is built into CACHE_DIR once (VM_CACHE; a build tree's) and reused; the
# checks' logs land in CACHE_DIR/../out (VM_OUTDIR; out-hybrid with VM_UNIFIED_CGROUPS=0,
# which boots systemd with the hybrid layout). Exit 77 (skipped) only when qemu or
# the guest kernel package cannot be installed or fetched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 4 ] || { echo "usage: $0 BERTH_BINARY MAKE_BUNDLE_SCRIPT CACHE_DIR RUNTIME..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run-ctest.sh: SKIP: needs root (debootstrap, apt-get)" >&2; exit 77; }
berth=$1 make_bundle=$2 cache=$3; shift 3

payload=$(mktemp -d "${TMPDIR:-/tmp}/berth-sdvm-payload.XXXXXX")
trap 'rm -rf "$payload"' EXIT
mkdir -p "$payload/bin"
cp "$berth" "$payload/bin/berth"
cp -r "$here/checks" "$here/payload.sh" "$payload/"
"$make_bundle" "$payload/bundle" sleep 100000 >/dev/null
"$here/add-runc-bats.sh" "$payload"
# more runtimes by hand (SDVM_EXTRA_RUNTIMES="NAME=PATH ...", e.g. runc13=conformance/work/
# runc-1.3.6+ds1/runc), in the payload's bin as NAME: run-ctest.sh ... runc13:criu-bats
for extra in ${SDVM_EXTRA_RUNTIMES:-}; do cp "${extra#*=}" "$payload/bin/${extra%%=*}"; done
# checks/criu.sh's container (SDVM_CRIU_WORKLOAD: the build's sdvm-criu-workload)
[ -z "${SDVM_CRIU_WORKLOAD:-}" ] || cp "$SDVM_CRIU_WORKLOAD" "$payload/bundle/rootfs/bin/criu-workload"
out=$(dirname "$cache")/out
# the hybrid boot (VM_UNIFIED_CGROUPS=0, ctest systemd-vm-hybrid) keeps its logs apart
[ "${VM_UNIFIED_CGROUPS:-1}" = 0 ] && out+=-hybrid
rm -rf "$out"
# not exec: the EXIT trap removes the payload afterwards
rc=0
# 2 GiB: the image lives unpacked in RAM (325 MB of a tmpfs sized by it) and CRIU's checks need
# room beside it; with 1 GiB (~90 MB left in /) the criu groups ran out of space
VM_CACHE=$cache VM_OUTDIR=$out VM_QUIET=${VM_QUIET:-0} VM_TIMEOUT=${VM_TIMEOUT:-2700} VM_MEM=${VM_MEM:-2048} \
    "$here/vm.sh" "$payload" bash payload.sh "$@" || rc=$?
exit $rc
