#!/bin/sh
# Runs INSIDE the cgroup v2 VM (busybox sh, root, cwd /payload): berth's cgroup
# tests on a pure v2 hierarchy with every controller enabled.
#   /payload/berth-cgroup-tests   the cgroup library tests (gtest)
#   /payload/cli-limits.sh        berth's CLI on a busybox bundle, when present
fail=0
echo "payload: $(uname -r), cgroup2 controllers [$(cat /sys/fs/cgroup/cgroup.subtree_control)]"
./berth-cgroup-tests --gtest_brief=1 || fail=1
if [ -f ./cli-limits.sh ]; then
    sh ./cli-limits.sh || fail=1
fi
# Nothing may be left behind.
left=$(find /sys/fs/cgroup -mindepth 1 -type d ! -path '/sys/fs/cgroup/init.scope*')
if [ -n "$left" ]; then echo "payload: cgroups left behind: $left"; fail=1; fi
echo "payload: RESULT $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
