#!/bin/bash
# Puts runc 1.1.5's bats suite into a systemd VM payload (for checks/runc-bats.sh), as
# run-ctest.sh puts berth there: conformance/setup.sh prepares the suite on the host (runc's
# source package, recvtty and seccompagent built with Debian's Go, the busybox image) and
# this copies what the VM runs: the suite's tests/integration and those two helpers under
# PAYLOAD/runc-suite (the layout helpers.bash expects), and the host's bats under PAYLOAD/bats.
#   add-runc-bats.sh PAYLOAD
# Differences from the host's copy, because the VM has no Go, no xz and no network:
# get-images.sh names the image's architecture with `go env GOARCH`, so the copy's prints
# the busybox image's path; that image is unpacked from .tar.xz to .tar (helpers.bash's
# `tar -xf` takes either); and the Debian image (hooks.bats only) is left out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { echo "usage: $0 PAYLOAD" >&2; exit 2; }
payload=$1
conformance=$here/../../conformance
work=${BERTH_CONFORMANCE_WORK:-$conformance/work}
"$conformance/setup.sh" || { echo "add-runc-bats.sh: conformance/setup.sh failed" >&2; exit 1; }
src=$(find "$work" -maxdepth 1 -type d -name 'runc-1.1.5*' | head -n1)
dst=$payload/runc-suite
mkdir -p "$dst/tests" "$dst/contrib/cmd/recvtty" "$dst/contrib/cmd/seccompagent"
cp -r "$src/tests/integration" "$dst/tests/"
rm -f "$dst/tests/integration/testdata/debian-"* "$dst/tests/integration/testdata/busybox-"*
xz -dc "$src/tests/integration/testdata/busybox-amd64.tar.xz" >"$dst/tests/integration/testdata/busybox-amd64.tar"
cat >"$dst/tests/integration/get-images.sh" <<'IMAGES'
#!/bin/bash
echo "BUSYBOX_IMAGE=$(dirname "$(readlink -f "$0")")/testdata/busybox-amd64.tar"
IMAGES
for h in recvtty seccompagent; do cp "$src/contrib/cmd/$h/$h" "$dst/contrib/cmd/$h/"; done
# helpers.bash finds the v1 hierarchies with gawk, which the image lacks: the host's, in
# PAYLOAD/bin, whose libraries vm.sh copies along
cp /usr/bin/gawk "$payload/bin/"
mkdir -p "$payload/bats/bin" "$payload/bats/lib" "$payload/bats/libexec"
cp /usr/bin/bats "$payload/bats/bin/"
cp -r /usr/lib/bats-core "$payload/bats/lib/"
cp -r /usr/libexec/bats-core "$payload/bats/libexec/"
