# Shared by the check scripts that run INSIDE the systemd VM (bash), sourced as
# `. lib.sh RUNTIME`. One line per check: `ok NAME` or `FAIL NAME: why`; summary() prints
# `N passed, M failed, K known failures` and returns non-zero when any check failed.
# A reference runtime's known differences: checks/known/RUNTIME lists check names (one a
# line, `#` comments say why). A listed check that fails prints `known NAME: why` and does
# not count as failed; one that passes is a FAIL, so the list cannot go stale.
passed=0; failed=0; known=0
KNOWN=$(dirname "${BASH_SOURCE[0]}")/known/$(basename "$1")
is_known() { [ -f "$KNOWN" ] && grep -v '^#' "$KNOWN" | grep -qxF -- "$1"; }
ok() {
    if is_known "$1"; then echo "FAIL $1: passes, but is listed in $KNOWN"; failed=$((failed + 1))
    else echo "ok $1"; passed=$((passed + 1)); fi
}
fail() {
    if is_known "$1"; then echo "known $1: $2"; known=$((known + 1))
    else echo "FAIL $1: $2"; failed=$((failed + 1)); fi
}
# expect NAME ACTUAL WANT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi; }
summary() { echo "$passed passed, $failed failed, $known known failures"; [ "$failed" = 0 ]; }
# unit_prop UNIT PROPERTY: the property's value as systemctl shows it
unit_prop() { systemctl show -p "$2" --value "$1" 2>&1; }
# wait_for SECONDS CMD...: poll (0.2 s) until CMD succeeds
wait_for() {
    local n=$(($1 * 5)); shift
    while ! "$@"; do n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.2; done
}
# unit_gone UNIT: systemd no longer has the unit running (not loaded, or loaded but inactive)
unit_gone() { [ "$(unit_prop "$1" ActiveState)" = inactive ]; }
# step NAME LOG CMD...: run CMD (stdin /dev/null, output appended to LOG): ok NAME, or
# FAIL NAME with LOG's last line (the runtime's or manager's error) and return 1
step() {
    local name=$1 log=$2; shift 2
    if "$@" </dev/null >>"$log" 2>&1; then ok "$name"; else fail "$name" "exit $?: $(last_line "$log")"; return 1; fi
}
# last_line FILE: the last line of FILE (a runtime's error), for FAIL messages
last_line() { tail -n1 "$1" 2>/dev/null; }
