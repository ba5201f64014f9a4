#!/bin/bash
# runc's checkpoint.bats INSIDE the VM against RUNTIME_PATH, run as runc-bats.sh runs its files
# (root, RUNC_USE_SYSTEMD=1, recvtty for the console socket, one line per test): runc 1.3.6's
# file whole (`1.3.6/checkpoint.bats: NAME`), and of runc 1.1.5's (criu-bats-1.1.5.sh runs
# it whole, by hand) the one test that differs in what it asks: its lazy-pages restore lets
# CRIU restore the cgroup into the systemd unit (1.3.6's has --manage-cgroups-mode=ignore);
# its other tests make the same runtime calls as their 1.3.6 versions.
# CRIU is the image's (Debian's 3.17.1). A test that cannot pass in the VM is on
# checks/known/RUNTIME with the reason. When the lazy-pages test fails before its restore,
# its background checkpoint (a page server waiting for its client) keeps running and bats
# waits for it: the limit per file bounds that.
#   criu-bats.sh RUNTIME_PATH
RUNC_BATS_TESTS=$'1.3.6/checkpoint.bats=.\ncheckpoint.bats=lazy-pages' \
    RUNC_BATS_TIMEOUT=600 exec "$(dirname "$0")/runc-bats.sh" "$1"
