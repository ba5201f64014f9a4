#!/bin/bash
# Puts runc's bats suites into a systemd VM payload (for checks/runc-bats.sh), as run-ctest.sh
# puts berth there: conformance/setup.sh prepares each suite on the host (runc's source package,
# its Go helpers built with Debian's Go, the busybox image) and this copies what the VM runs:
# the suite's tests/integration and recvtty under PAYLOAD/runc-suite (1.1.5, with its
# seccompagent) and PAYLOAD/runc-suite-1.3.6 (only its checkpoint.bats runs there), in the
# layout each suite's helpers.bash expects, and the host's bats under PAYLOAD/bats.
#   add-runc-bats.sh PAYLOAD
# Differences from the host's copies, because the VM has no Go, no xz and no network:
# get-images.sh names the image's architecture with `go env GOARCH`, so the copy's prints
# the busybox image's path; that image is unpacked from .tar.xz to .tar (helpers.bash's
# `tar -xf` takes either); and the Debian image (hooks.bats only) is left out. One difference
# for the emulation: checkpoint.bats' lazy-pages test gives the dump 2 s to say its page server
# is ready, which CRIU alone nearly takes under TCG (1.8 s in dump.log), so the copy waits 20 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 PAYLOAD" >&2; exit 2; }
payload=$1
conformance=$here/../../conformance
work=${BERTH_CONFORMANCE_WORK:-$conformance/work}

# copy_suite VERSION DEST HELPER...: the suite of runc VERSION to PAYLOAD/DEST, with the
# helpers (paths in the source tree) at the same paths
copy_suite() {
    local version=$1 dst=$payload/$2 src h
    shift 2
    "$conformance/setup.sh" --suite "$version" >/dev/null ||
        { echo "add-runc-bats.sh: conformance/setup.sh --suite $version failed" >&2; exit 1; }
    src=$(find "$work" -maxdepth 1 -type d -name "runc-$version*" | head -n1)
    mkdir -p "$dst/tests"
    cp -r "$src/tests/integration" "$dst/tests/"
    rm -f "$dst/tests/integration/testdata/debian-"* "$dst/tests/integration/testdata/busybox-"*
    xz -dc "$src/tests/integration/testdata/busybox-amd64.tar.xz" >"$dst/tests/integration/testdata/busybox-amd64.tar"
    cat >"$dst/tests/integration/get-images.sh" <<'IMAGES'
#!/bin/bash
echo "BUSYBOX_IMAGE=$(dirname "$(readlink -f "$0")")/testdata/busybox-amd64.tar"
IMAGES
    sed -i 's/out=$(timeout 2 dd /out=$(timeout 20 dd /' "$dst/tests/integration/checkpoint.bats"
    grep -q 'timeout 20 dd ' "$dst/tests/integration/checkpoint.bats" ||
        { echo "add-runc-bats.sh: runc $version's checkpoint.bats has no 'timeout 2 dd' to lengthen" >&2; exit 1; }
    for h in "$@"; do mkdir -p "$dst/$(dirname "$h")" && cp "$src/$h" "$dst/$h"; done
}
copy_suite 1.1.5 runc-suite contrib/cmd/recvtty/recvtty contrib/cmd/seccompagent/seccompagent
copy_suite 1.3.6 runc-suite-1.3.6 tests/cmd/_bin/recvtty
# 1.1.5's update.bats starts a pod's slice with contrib/cmd/sd-helper, which Debian 12's Go
# packages cannot build at 1.1.5; setup.sh builds 1.3.6's, whose command line is the same
mkdir -p "$payload/runc-suite/contrib/cmd/sd-helper"
cp "$(find "$work" -maxdepth 1 -type d -name 'runc-1.3.6*' | head -n1)/tests/cmd/_bin/sd-helper" \
    "$payload/runc-suite/contrib/cmd/sd-helper/"
# helpers.bash finds the v1 hierarchies with gawk, which the image lacks: the host's, in
# PAYLOAD/bin, whose libraries vm.sh copies along
cp /usr/bin/gawk "$payload/bin/"
mkdir -p "$payload/bats/bin" "$payload/bats/lib" "$payload/bats/libexec"
cp /usr/bin/bats "$payload/bats/bin/"
cp -r /usr/lib/bats-core "$payload/bats/lib/"
cp -r /usr/libexec/bats-core "$payload/bats/libexec/"
