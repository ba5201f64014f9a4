#!/bin/bash
# runc 1.1.5's checkpoint.bats whole, as criu-bats.sh runs its files; by hand (payload.sh
# RUNTIME:criu-bats-1.1.5): the results of both runtimes in README.md.
#   criu-bats-1.1.5.sh RUNTIME_PATH
RUNC_BATS_TESTS='checkpoint.bats=.' RUNC_BATS_TIMEOUT=600 exec "$(dirname "$0")/runc-bats.sh" "$1"
