#!/bin/bash
# runc 1.1.5's bats tests that are about the systemd cgroup driver, run INSIDE the VM
# against RUNTIME_PATH as runc's CI runs them there: root, RUNC_USE_SYSTEMD=1 (every call
# gets --systemd-cgroup, cgroupsPath is machine.slice:runc-cgroups:integration-test-N), on
# either boot (pure cgroup v2, or hybrid: each test skips what its layout lacks). Only those
# tests (software emulation makes each one cost 10-20 s): the ones that `requires systemd`
# (cgroup_delegation.bats, dev.bats' daemon-reload one) and the ones that check unit
# properties with `systemctl show` (check_systemd_value: cgroups.bats' unified ones,
# update.bats'; "update cpu period in a pod cgroup with pod limit set", v1 only, starts its
# pod slice with runc's sd-helper, add-runc-bats.sh's stand-in from runc 1.3.6).
# The suite and bats come from add-runc-bats.sh. One line per test through lib.sh (`ok`,
# `FAIL`, `known`, as `FILE: test name`); a skipped test prints `skip FILE: name: reason`.
#   runc-bats.sh RUNTIME_PATH
set -u
. "$(dirname "$0")/lib.sh" "$1"
rt=$1
# FILE=bats -f regex (the test names, as bats matches them)
TESTS=(
    "cgroup_delegation.bats=."
    "dev.bats=daemon-reload"
    "cgroups.bats=resources\.unified (only|override)"
    "update.bats=^(set cpu (period with no quota|quota with no period)|update cgroup (cpu limits|v1/v2 common limits|v2 resources via unified map)|update cpu (period|quota) with no previous period/quota set|update cpu period in a pod cgroup with pod limit set|update cpuset parameters via (resources\.CPU|v2 unified map))\$"
)
# another file's tests instead (criu-bats.sh): RUNC_BATS_TESTS, one [VERSION/]FILE=regex a line
# (VERSION: the suite in /payload/runc-suite-VERSION, named so in the results; add-runc-bats.sh's
# 1.3.6), and RUNC_BATS_TIMEOUT, the seconds one file may take
[ -z "${RUNC_BATS_TESTS:-}" ] || mapfile -t TESTS <<<"$RUNC_BATS_TESTS"
limit=${RUNC_BATS_TIMEOUT:-900}
skipped=0
# checkpoint.bats' CRIU config test writes CRIU's default config and leaves it (in runc's CI
# the VM is thrown away): it would name every later CRIU log (criu.sh's) differently
criu_conf=/etc/criu/default.conf
[ -e $criu_conf ] && criu_conf=
# short: recvtty's and seccompagent's sockets live below it (108-byte limit)
tmp=$(mktemp -d /tmp/rb.XXXXXX)
# cgroup_delegation.bats' container root is host uid 100000: it must get through to the bundle
chmod 755 "$tmp"
for t in "${TESTS[@]}"; do
    f=${t%%=*}
    suite=/payload/runc-suite/tests/integration
    [[ $f != */* ]] || suite=/payload/runc-suite-${f%/*}/tests/integration
    [ -d "$suite" ] || { fail "$f" "no $suite in the payload"; continue; }
    tap=$tmp/${f//\//-}.tap
    mkdir "$tmp/run"
    # bats and `exec -t` need a controlling terminal: script(1) gives them one
    cmd="cd $suite && exec bats --tap -f $(printf %q "${t#*=}") ${f##*/} >$tap 2>&1"
    RUNC=$rt RUNC_USE_SYSTEMD=1 TMPDIR=$tmp/run PATH=/payload/bats/bin:$PATH \
        timeout -k 10 "$limit" script -qec "$cmd" /dev/null </dev/null >/dev/null 2>&1
    rc=$?
    [ $rc = 124 ] && fail "$f" "timed out after $limit s"
    # TAP: `ok N name`, `ok N name # skip (reason)`, `not ok N name` and its `# ` lines
    while IFS= read -r line; do
        case $line in
        "ok "*" # skip"*)
            name=${line#ok * }; echo "skip $f: ${name%% # skip*}: ${name#* # skip }"
            skipped=$((skipped + 1)) ;;
        "ok "*) name=${line#ok }; ok "$f: ${name#* }" ;;
        "not ok "*)
            name=${line#not ok }; name=${name#* }
            diag=$(awk -v n="${line#not ok }" '
                /^(not )?ok / { on = (substr($0, index($0, "ok ") + 3) == n); next }
                on && /^# / { print substr($0, 3) }' "$tap")
            # the first runtime call that failed, and its output's first line
            why=$(awk '/\(status=[1-9][0-9]*\):$/ { w = $0; getline; print w " => " $0; exit }' <<<"$diag")
            fail "$f: $name" "${why:-$(tail -n1 <<<"$diag")}"
            head -n 40 <<<"$diag" | sed 's/^/# log: /' ;;
        esac
    done < <(grep -E '^(not )?ok [0-9]+ ' "$tap"; true)
    grep -qE '^(not )?ok [0-9]+ ' "$tap" || fail "$f" "no test ran (exit $rc): $(head -c 300 "$tap" | tr '\n' ' ')"
    rm -rf --one-file-system "$tmp/run"
done
# the suite's teardown deletes its containers; anything left is a leak
left=$(systemctl list-units --all --plain --no-legend 'runc-cgroups-*' 2>&1 | awk '$3 == "active" {print $1}')
expect "runc-bats: no unit left" "$left" ""
rm -rf --one-file-system "$tmp"
[ -z "$criu_conf" ] || rm -f $criu_conf
echo "$skipped skipped"
summary
