#!/bin/bash
# runc 1.1.5's checkpoint.bats INSIDE the VM against RUNTIME_PATH, run as runc-bats.sh runs
# its files (root, RUNC_USE_SYSTEMD=1, recvtty for the console socket, one line per test).
# CRIU is the image's (Debian's 3.17.1). A test that cannot pass in the VM is on
# checks/known/RUNTIME with the reason. Every test but "checkpoint --lazy-pages and restore":
# on its first run here it never ended for berth (bats waits for the test's background
# checkpoint, which waits for its page server to be drained), so the file ran into the
# 1500 s limit; criu.sh's lazy group checks the same steps with a bound on each.
#   criu-bats.sh RUNTIME_PATH
RUNC_BATS_TESTS='checkpoint.bats=^checkpoint (and restore( \(.*\)| in external network namespace| with .*)?|--pre-dump .*)$' \
    RUNC_BATS_TIMEOUT=1200 exec "$(dirname "$0")/runc-bats.sh" "$1"
