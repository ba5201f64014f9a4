#!/bin/bash
# ctest entry for the pure cgroup v2 tests: assembles the VM payload from the
# build and boots it with run-in-vm.sh. Exit 77 (skipped) only when qemu or the
# guest kernel package cannot be installed or fetched.
#   run-ctest.sh CGROUP_TESTS_BINARY [BERTH_BINARY MAKE_BUNDLE_SCRIPT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CGROUP_TESTS_BINARY [BERTH_BINARY MAKE_BUNDLE_SCRIPT]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run-ctest.sh: SKIP: needs root (apt-get for qemu and the kernel package)" >&2; exit 77; }

payload=$(mktemp -d "${TMPDIR:-/tmp}/berth-cgv2-payload.XXXXXX")
trap 'rm -rf "$payload"' EXIT
cp "$1" "$payload/berth-cgroup-tests"
cp "$here/payload.sh" "$payload/"
if [ $# -ge 3 ]; then
    mkdir -p "$payload/bin"
    cp "$2" "$payload/bin/berth"
    "$3" "$payload/bundle" sh /vmtest-cmd.sh >/dev/null
    # limits the VM test checks: 64M memory (no swap), 20 pids, half a CPU
    jq '.linux.cgroupsPath = "/vm-test/CID"
        | .linux.resources.memory = {"limit": 67108864, "swap": 67108864}
        | .linux.resources.pids = {"limit": 20}
        | .linux.resources.cpu = {"quota": 50000, "period": 100000}' \
        "$payload/bundle/config.json" >"$payload/bundle/template.json"
    cp "$here/cli-limits.sh" "$payload/"
fi
# not exec: the EXIT trap removes the payload afterwards
rc=0
VM_QUIET=${VM_QUIET:-1} VM_TIMEOUT=${VM_TIMEOUT:-600} "$here/run-in-vm.sh" "$payload" sh payload.sh || rc=$?
exit $rc
