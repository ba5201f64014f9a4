#!/bin/sh
# Runs INSIDE the cgroup v2 VM: berth's CLI on a busybox bundle (bundle/template.json,
# cgroupsPath /vm-test/CID, args sh /vmtest-cmd.sh). Checks that linux.resources
# land in the v2 files, the init is born in its cgroup, update/pause/resume/ps/
# events work, the kernel enforces the limits, and delete leaves nothing.
R="berth --root /run/berth"
cd /payload/bundle || exit 2
fail=0
t() { echo "cli-limits: [$(cut -d" " -f1 /proc/uptime)] $*"; }
bad() { t "FAIL: $*"; fail=1; }
expect() {  # expect FILE VALUE
    v=$(cat "$1" 2>&1)
    [ "$v" = "$2" ] && t "ok $1 = $2" || bad "$1 = '$v', want '$2'"
}
mk() { sed "s/CID/$1/" template.json >config.json; printf '%s\n' "$2" >rootfs/vmtest-cmd.sh; }

mk c1 'exec sleep 100'
$R create c1 || bad "create c1"
CG=/sys/fs/cgroup/vm-test/c1
expect $CG/memory.max 67108864
expect $CG/pids.max 20
expect $CG/cpu.max "50000 100000"
pid=$($R state c1 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
grep -qx "$pid" $CG/cgroup.procs && t "ok init $pid in $CG" || bad "init $pid not in $CG/cgroup.procs"
$R start c1 || bad "start c1"
$R pause c1 || bad "pause"
$R state c1 | grep -q '"paused"' && t "ok state paused" || bad "state not paused"
expect $CG/cgroup.freeze 1
$R resume c1 || bad "resume"
expect $CG/cgroup.freeze 0
$R update --memory 32M --pids-limit 10 --cpu-quota 20000 c1 || bad "update flags"
expect $CG/memory.max 33554432
expect $CG/pids.max 10
expect $CG/cpu.max "20000 100000"
echo '{"memory":{"limit":50331648},"cpu":{"shares":2048}}' | $R update -r - c1 || bad "update -r -"
expect $CG/memory.max 50331648
expect $CG/cpu.weight 79
$R update --blkio-weight 500 c1 || bad "update --blkio-weight"
expect $CG/io.weight "default 4950"
# rdma: this VM has the controller but no RDMA device: the kernel's refusal
# (ENODEV) must come back naming the file and the value
out=$(echo '{"rdma":{"mlx5_0":{"hcaHandles":3,"hcaObjects":9}}}' | $R update -r - c1 2>&1) && bad "rdma update accepted"
case "$out" in
    *'rdma[\"mlx5_0\"]: write'*'rdma.max\" \"mlx5_0 hca_handle=3 hca_object=9\": No such device'*) t "ok rdma error: $out" ;;
    *) bad "rdma error: $out" ;;
esac
expect $CG/rdma.max ""
$R ps --format json c1 | grep -q "$pid" && t "ok ps json" || bad "ps json: $($R ps --format json c1)"
$R events --stats c1 | grep -q '"pids":{"current":1,"limit":10}' && t "ok events --stats" || bad "events --stats: $($R events --stats c1)"
# runtime-spec 1.3: pids.limit 0 is a limit (runc 1.4 writes 1: systemd has no TasksMax=0)
$R update --pids-limit 0 c1 || bad "update --pids-limit 0"
expect $CG/pids.max 1
$R delete -f c1 || bad "delete -f c1"
[ -d $CG ] && bad "$CG left after delete" || t "ok $CG removed"

t "pids enforcement (pids.max=20): expect fork failures"
mk c2 'for i in $(seq 1 25); do sleep 1 & done; wait'
$R run c2 2>&1 | grep -q "can't fork" && t "ok forks refused" || bad "pids limit not enforced"
$R delete -f c2 2>/dev/null

t "memory enforcement (memory.max=16M): expect an OOM kill (rc 137) reported by events"
# dd fills its 32M buffer from /dev/zero: quick even under TCG. The sleep gives
# `events` (started just before, in the background) time to open its watch.
mk c3 'sleep 1; dd if=/dev/zero of=/dev/null bs=32M count=1'
sed -i 's/67108864/16777216/g' config.json
$R create c3 || bad "create c3"
$R events c3 >/tmp/events.c3 &
ev=$!
$R start c3
i=0; while [ $i -lt 600 ] && $R state c3 | grep -q '"running"'; do sleep 0.1; i=$((i+1)); done
sleep 0.5
kill $ev 2>/dev/null; wait $ev 2>/dev/null
grep -q '{"type":"oom","id":"c3"}' /tmp/events.c3 && t "ok events reported the OOM" || bad "no oom event: $(cat /tmp/events.c3)"
grep -q "oom_kill [1-9]" /sys/fs/cgroup/vm-test/c3/memory.events && t "ok oom_kill counted" || bad "memory.events: $(cat /sys/fs/cgroup/vm-test/c3/memory.events)"
$R delete -f c3

t "threaded subtree: a container cgroup there is refused clearly and nothing is left"
mkdir -p /sys/fs/cgroup/vm-thr/t && echo threaded >/sys/fs/cgroup/vm-thr/t/cgroup.type
sed 's|/vm-test/CID|/vm-thr/t/c4|' template.json >config.json
out=$($R create c4 2>&1) && bad "create in a threaded subtree succeeded"
case "$out" in
    *'vm-thr/t/c4\" is \"domain invalid\" (cgroup.type): a container'*'needs a domain cgroup'*) t "ok: $out" ;;
    *) bad "threaded error: $out" ;;
esac
[ -d /sys/fs/cgroup/vm-thr/t/c4 ] && bad "vm-thr/t/c4 left behind"
$R state c4 >/dev/null 2>&1 && bad "state of c4 left behind"
rmdir /sys/fs/cgroup/vm-thr/t /sys/fs/cgroup/vm-thr || bad "rmdir vm-thr"

t "a cgroup with controllers enabled for its children holds no processes: refused clearly"
mkdir -p /sys/fs/cgroup/vm-busy/x && echo +pids >/sys/fs/cgroup/vm-busy/cgroup.subtree_control
sed 's|/vm-test/CID|/vm-busy|' template.json >config.json
out=$($R create c5 2>&1) && bad "create in a cgroup with enabled controllers succeeded"
case "$out" in
    *'vm-busy\" has controllers enabled for its children (cgroup.subtree_control \"pids\")'*) t "ok: $out" ;;
    *) bad "subtree_control error: $out" ;;
esac
[ -d /sys/fs/cgroup/vm-busy/x ] || bad "the pre-existing vm-busy/x was removed"
$R state c5 >/dev/null 2>&1 && bad "state of c5 left behind"
rmdir /sys/fs/cgroup/vm-busy/x /sys/fs/cgroup/vm-busy || bad "rmdir vm-busy"

rmdir /sys/fs/cgroup/vm-test 2>/dev/null
t "RESULT $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
