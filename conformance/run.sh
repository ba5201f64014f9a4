#!/bin/bash
# Run one of runc's bats integration suites (1.1.5 or 1.3.6) against a runtime (berth by default).
#
# usage: run.sh [--suite 1.1.5|1.3.6] [--runtime PATH | --reference] [--expected | --all]
#               [--label NAME] [--timeout SEC] [--stall SEC] [--user NAME] [--expected-list FILE]
#               [FILE.bats...]
#   --suite VER     runc release whose suite runs (default 1.1.5)
#   --runtime PATH  binary the suite calls as $RUNC (default: $BERTH, else build*/berth of this tree)
#   --reference     run the suite against its own runc (1.1.5: /usr/sbin/runc; 1.3.6: built by setup.sh)
#   --expected      run the files named in the suite's expected-pass list (the default when no file
#                   is given): expected-pass.txt for 1.1.5, expected-pass-1.3.6.txt for 1.3.6
#   --all           run every tests/integration/*.bats
#   --label NAME    results go to work/results/NAME (default: the runtime's file name, plus
#                   -VER for a suite other than 1.1.5)
#   --timeout SEC   per-file limit (default 600)
#   --stall SEC     a test hung this long gets its runtime and container processes killed (60)
#   --user NAME     bats runs as that (unprivileged) user: runc's rootless variants, with the
#                   ROOTLESS_* variables of the environment (tests/rootless/runc-bats.sh sets them)
#   --expected-list FILE  the tests expected to pass (default: the suite's list, see --expected)
# Writes per-file TAP output, a Markdown table (summary.md) and the failing tests with their
# first error lines (failures.txt). Exit status: 0 when every expected test that ran passed
# (skips allowed), 1 when one failed, 2 on a harness error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
REPO=$(dirname "$HERE")
WORK="${BERTH_CONFORMANCE_WORK:-$HERE/work}"

die() { echo "run.sh: $*" >&2; exit 2; }

default_runtime() {
	local b
	[ -n "${BERTH:-}" ] && { echo "$BERTH"; return; }
	for b in "$REPO"/build-conformance/berth "$REPO"/build/berth "$REPO"/build*/berth; do
		[ -x "$b" ] && { echo "$b"; return; }
	done
}

runtime="" label="" mode="" file_timeout=600 stall=60 files=() suite=1.1.5 reference=0 suite_user="" EXPECTED_LIST=""
while [ $# -gt 0 ]; do
	case "$1" in
	--suite) suite="$2"; shift 2 ;;
	--suite=*) suite="${1#*=}"; shift ;;
	--reference) reference=1; shift ;;
	--runtime) runtime="$2"; shift 2 ;;
	--runtime=*) runtime="${1#*=}"; shift ;;
	--label) label="$2"; shift 2 ;;
	--timeout) file_timeout="$2"; shift 2 ;;
	--stall) stall="$2"; shift 2 ;;
	--user) suite_user="$2"; shift 2 ;;
	--expected-list) EXPECTED_LIST=$(readlink -f "$2"); shift 2 ;;
	--expected) mode=expected; shift ;;
	--all) mode=all; shift ;;
	-h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) files+=("$(basename "$1")"); shift ;;
	esac
done
case "$suite" in
1.1.5) : "${EXPECTED_LIST:=$HERE/expected-pass.txt}" ;;
1.3.6) : "${EXPECTED_LIST:=$HERE/expected-pass-$suite.txt}" ;;
*) die "unknown suite $suite (1.1.5 or 1.3.6)" ;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root"
mkdir -p "$WORK"
# One run at a time on the host, whichever tree it runs from: the suite's container ids
# (test_busybox...) and their cgroups are fixed names, so two runs would collide.
lock="${BERTH_CONFORMANCE_LOCK:-/run/lock/berth-conformance.lock}"
exec {lock_fd}>"$lock"
if ! flock -n "$lock_fd"; then
	echo "run.sh: waiting for another run.sh to finish" >&2
	flock -w 1800 "$lock_fd" || die "another run.sh holds $lock"
fi

"$HERE/setup.sh" --suite "$suite" || die "setup.sh failed"
RUNC_SRC=$(find "$WORK" -maxdepth 1 -type d -name "runc-$suite*" | head -n1)
INTEGRATION="$RUNC_SRC/tests/integration"

# The reference runc: Debian's for bookworm's suite, the one setup.sh built for sid's.
if [ $reference -eq 1 ]; then
	[ -z "$runtime" ] || die "--reference and --runtime exclude each other"
	if [ "$suite" = 1.1.5 ]; then runtime=/usr/sbin/runc; else runtime="$RUNC_SRC/runc"; fi
	[[ "$("$runtime" --version)" == "runc version $suite"* ]] || die "$runtime is not runc $suite"
fi
[ -n "$runtime" ] || runtime=$(default_runtime)
[ -n "$runtime" ] || die "no runtime: build berth or pass --runtime"
runtime=$(command -v "$runtime") || die "runtime not found"
command -v tini >/dev/null || die "tini not found (Debian package tini; tests/setup/install-deps.sh installs it)"
runtime=$(readlink -f "$runtime")
[ -x "$runtime" ] || die "$runtime is not executable"
if [ -z "$label" ]; then
	label=$(basename "$runtime")
	[ "$suite" = 1.1.5 ] || label+="-$suite"
fi

# The suite names its runtime "runc" where no behaviour is at stake: the program name that
# help.bats and version.bats match, and the texts of runc's internal debug messages. For any
# other runtime the suite runs from a copy (a sibling directory, so helpers.bash's ../../ paths
# still resolve) with exactly those patterns rewritten. Everything else is runc's text
# (conformance/README.md lists the rewrites).
adapt_suite() {
	local name adapted
	name=$(basename "$runtime")
	[ "$name" = runc ] && return 0
	adapted="$RUNC_SRC/tests/integration-$name"
	rm -rf "$adapted"
	cp -a "$INTEGRATION" "$adapted" || die "cannot copy the suite to $adapted"
	sed -i "s/=~ runc\\\\ /=~ $name\\\\ /" "$adapted/help.bats" "$adapted/version.bats"
	# debug.bats and exec.bats look for runc's nsexec/init debug messages; berth logs its own
	# phase line at each of those points (src/util/trace.cpp).
	sed -i -e 's/"nsexec container setup"/"phase child\/setup"/' \
		-e 's/"child process in init()"/"phase child\/process"/' \
		-e 's/"init: closing the pipe to signal completion"/"phase child\/ready"/' \
		-e 's/"setns_init: about to exec"/"phase child\/execve"/' \
		"$adapted/debug.bats" "$adapted/exec.bats"
	# cpu_affinity.bats (1.3.6) finds the initial affinity in nsexec's "nsexec-1[PID]: affinity:
	# 0x..." line: any runtime's debug line ending in ": affinity: <mask>" does.
	[ -f "$adapted/cpu_affinity.bats" ] &&
		sed -i 's/\*"nsexec"\*": affinity: \$mask"\*/*": affinity: $mask"*/' "$adapted/cpu_affinity.bats"
	# run.bats (1.3.6) looks for runc's "exeseal" debug lines (CVE-2019-5736): berth logs what
	# protects its /proc/self/exe at the same point (src/cli/main.cpp).
	sed -i -e 's|"runc exeseal: using /proc/self/exe clone"|"exe protection: /proc/self/exe is "|' \
		-e 's|"runc exeseal: using overlayfs for sealed /proc/self/exe"|"exe protection: /proc/self/exe is a read-only overlayfs"|' \
		"$adapted/run.bats"
	# mounts_sshfs.bats (1.3.6) matches runc's error prefix for run, which names the program
	# ("runc run failed: unable to start container process: error during container init: ...").
	[ -f "$adapted/mounts_sshfs.bats" ] &&
		sed -i "s/\"runc run failed: /\"$name run failed: /" "$adapted/mounts_sshfs.bats"
	INTEGRATION="$adapted"
}
adapt_suite

# as_suite_user CMD...: CMD as the suite's user (the runtime's state there is that user's)
as_suite_user() {
	if [ -n "$suite_user" ]; then runuser -u "$suite_user" -- "$@"; else "$@"; fi
}
if [ -n "$suite_user" ]; then
	id -u "$suite_user" >/dev/null 2>&1 || die "no user $suite_user"
	as_suite_user test -r "$INTEGRATION/helpers.bash" -a -x "$runtime" ||
		die "$suite_user cannot read $INTEGRATION or run $runtime (a parent directory it cannot enter?)"
fi

# "file.bats" (whole file) and "file.bats: test name" entries, comments stripped.
expected_entries() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$EXPECTED_LIST"; }

only_expected=0
if [ ${#files[@]} -eq 0 ]; then
	if [ "$mode" = all ]; then
		mapfile -t files < <(cd "$INTEGRATION" && ls ./*.bats | xargs -n1 basename)
	else
		mapfile -t files < <(expected_entries | sed 's/:.*//' | sort -u)
		only_expected=1
	fi
fi

# With the expected list, a file listed test by test runs only those tests (bats --filter): the
# rest are known failures, some slow (idmap.bats). Prints the filter ("" for a whole file).
expected_filter() {
	local f="$1"
	[ $only_expected -eq 1 ] || return 0
	local entries
	entries=$(expected_entries)
	grep -qxF "$f" <<<"$entries" && return 0
	printf '%s\n' "$entries" | awk -v f="$f: " 'index($0, f) == 1 { print substr($0, length(f) + 1) }' |
		sed 's/[][\.*^$()+?{}|]/\\&/g' | paste -sd'|' | sed 's/.*/^(&)[[:space:]]*$/'
}

# The suite runs checkpoint tests whenever a criu binary exists ("requires criu" only checks
# `command -v criu`). On a kernel criu cannot handle (`criu check` fails, e.g. its vDSO
# parser) those tests fail for every runtime: hide such a criu so they skip as "requires criu".
hide_broken_criu() {
	local criu dir shadow="$WORK/path-without-criu" entry
	criu=$(command -v criu) || return 0
	# criu check leaves a log file in its working directory.
	local scratch ok=0
	scratch=$(mktemp -d "$WORK/criu-check.XXXXXX")
	(cd "$scratch" && criu check) >/dev/null 2>&1 && ok=1
	rm -rf "$scratch"
	[ $ok -eq 1 ] && return 0
	dir=$(dirname "$criu")
	rm -rf "$shadow"
	mkdir -p "$shadow"
	for entry in "$dir"/*; do
		[ "$(basename "$entry")" = criu ] || ln -s "$entry" "$shadow/"
	done
	local newpath="" p
	IFS=: read -ra parts <<<"$PATH"
	for p in "${parts[@]}"; do
		[ "$(readlink -f "$p")" = "$(readlink -f "$dir")" ] && p="$shadow"
		newpath+="${newpath:+:}$p"
	done
	PATH="$newpath"
	echo "run.sh: $criu fails 'criu check' on this kernel: checkpoint tests will skip" >&2
}
hide_broken_criu

RESULTS="$WORK/results/$label"
TMP="$WORK/tmp" # short: recvtty and seccompagent sockets live below it (108-byte limit)

mounts_below_tmp() { awk -v tmp="$TMP/" 'index($5, tmp) == 1 { print $5 }' /proc/self/mountinfo | sort -r; }

# Never recurse into a mount (a leaked bind of a host directory would be emptied).
remove_tmp() {
	[ -z "$(mounts_below_tmp)" ] || die "mounts left below $TMP: $(mounts_below_tmp | tr '\n' ' ')"
	rm -rf --one-file-system "$TMP"
}

rm -rf "$RESULTS"
remove_tmp
mkdir -p "$RESULTS"

# Containers, processes, mounts and cgroups a file left behind are removed and reported:
# a runtime that leaks must not break the next file or the host.
cleanup_leftovers() {
	local file="$1" state ct pid leaked=()
	for state in "$TMP"/bats-run-*/runc.*/state; do
		[ -d "$state" ] || continue
		for ct in $(as_suite_user "$runtime" --root "$state" list -q 2>/dev/null); do
			leaked+=("container $ct")
			as_suite_user "$runtime" --root "$state" delete -f "$ct" >/dev/null 2>&1
		done
	done
	for pid in $(container_processes); do
		leaked+=("process $pid ($(cmdline_of "$pid"))")
		kill_suite_process "$pid"
	done
	for pid in $(runtime_processes); do
		leaked+=("process $pid ($(cmdline_of "$pid"))")
		kill_suite_process "$pid" keep-cgroups
	done
	local mnt
	while read -r mnt; do
		leaked+=("mount $mnt")
		umount -l "$mnt" 2>/dev/null
	done < <(mounts_below_tmp)
	local cg
	while read -r cg; do
		grep -qxF "$cg" "$RESULTS/.cgroups-before" && continue
		leaked+=("cgroup $cg")
		find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done < <(list_suite_cgroups)
	if [ ${#leaked[@]} -gt 0 ]; then
		printf "$file: left behind %s\n" "${leaked[@]}" >>"$RESULTS/leaks.txt"
	fi
	remove_tmp
}

# A container process is recognised by its root mount: a directory below $TMP.
container_processes() {
	awk -v tmp="$TMP/" '$5 == "/" && index($4, tmp) == 1 { split(FILENAME, p, "/"); print p[3] }' \
		/proc/[0-9]*/mountinfo 2>/dev/null | sort -u
}

cmdline_of() { { tr '\0' ' ' <"/proc/$1/cmdline" | cut -c1-200; } 2>/dev/null; }

# v1 and v2 cgroup directories of a process, other than the root.
cgroup_dirs_of() {
	awk -F: '$3 != "/" && $2 !~ /^name=/ {
		n = split($2 == "" ? "unified" : $2, c, ",")
		for (i = 1; i <= n; i++) print "/sys/fs/cgroup/" c[i] $3
	}' "/proc/$1/cgroup" 2>/dev/null
}

# SIGKILL does not complete in a frozen cgroup (a paused container): kill, thaw, then remove
# the process's leaf cgroups once it is gone (unless $2 is keep-cgroups).
kill_suite_process() {
	local pid="$1" keep="${2:-}" dirs d i
	dirs=$(cgroup_dirs_of "$pid")
	kill -9 "$pid" 2>/dev/null
	for d in $dirs; do
		[ -w "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
		[ -w "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
	done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -e "/proc/$pid" ] || break
		sleep 0.2
	done
	[ "$keep" = keep-cgroups ] && return
	for d in $dirs; do rmdir "$d" 2>/dev/null; done
}

# The runtime processes the suite started ("$RUNC" --root $TMP/...) and its helpers
# (recvtty, seccompagent) when they outlive their test: they may hold bats' output pipes.
runtime_processes() {
	local cmdline
	for cmdline in /proc/[0-9]*/cmdline; do
		{ tr '\0' '\n' <"$cmdline"; } 2>/dev/null | awk -v rt="$runtime" -v tmp="$TMP/" -v pid="$cmdline" '
			NR == 1 && $0 != rt && $0 !~ /\/(contrib\/cmd\/(recvtty|seccompagent)|tests\/cmd\/_bin)\/[a-z-]+$/ { exit }
			index($0, tmp) { split(pid, p, "/"); print p[3]; exit }'
	done
}

# A test that hangs (e.g. a process the runtime left behind holds the output pipe of bats'
# `run`, which then never sees EOF) is unblocked: the runtime's and the containers' processes
# are killed, so the test fails with what it saw and the file goes on.
unstall() {
	local f="$1" tap="$2" n test pid killed=()
	n=$(($(grep -cE '^(not )?ok [0-9]+ ' "$tap") + 1))
	test=$(sed -n 's/^@test "\(.*\)" {$/\1/p' "$INTEGRATION/$f" | sed -n "${n}p")
	[ -n "$test" ] || test="after the last test"
	for pid in $(runtime_processes); do
		killed+=("$pid: $(cmdline_of "$pid")")
		kill_suite_process "$pid" keep-cgroups # e.g. a runtime child in a frozen cgroup
	done
	for pid in $(container_processes); do
		killed+=("$pid (container): $(cmdline_of "$pid")")
		kill_suite_process "$pid"
	done
	{
		echo "$f: test $n ($test) hung for ${stall}s; killed:"
		printf '    %s\n' "${killed[@]}"
	} >>"$RESULTS/stalls.txt"
}

# Cgroups named after the suite's container ids or its cgroupsPath.
list_suite_cgroups() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d \
		\( -name 'test_*' -o -name 'runc-cgroups-integration-test*' -o -name 'runc-test*' \
		-o -name 'ct[0-9]' -o -name 'target_*' -o -name 'attached_ctr' -o -name 'in_userns' \
		-o -name 'personality' -o -name 'detached' -o -name 'tst' \) \
		2>/dev/null | sort -r
}

# TAP -> "result<TAB>test name" lines (pass, fail, skip).
tap_results() {
	awk '
		/^ok [0-9]+ / { sub(/^ok [0-9]+ /, ""); if ($0 ~ / # skip/) { sub(/ # skip.*/, ""); print "skip\t" $0 } else print "pass\t" $0; next }
		/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); sub(/ # timeout.*/, ""); print "fail\t" $0 }
	' "$1"
}

# Every failing test with its first failing runtime call and that call's first output line.
tap_failures() {
	awk -v file="$1" '
		function flush() { if (name != "") print file ": " name " -- " (first != "" ? first : where); name = "" }
		/^(not )?ok [0-9]+ / { flush() }
		/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); name = $0; first = ""; where = ""; grab = 0; next }
		name != "" && /^# / {
			line = substr($0, 3)
			if (grab) { first = first " => " line; grab = 0; next }
			if (where == "" && line ~ /failed/) where = line
			if (first == "" && line ~ /\(status=[1-9][0-9]*\):$/) { first = line; grab = 1 }
		}
		END { flush() }
	' "$2"
}

list_suite_cgroups >"$RESULTS/.cgroups-before"
printf '| file | passed | failed | skipped | seconds |\n|---|---:|---:|---:|---:|\n' >"$RESULTS/summary.md"
total_pass=0 total_fail=0 total_skip=0
for f in "${files[@]}"; do
	[ -f "$INTEGRATION/$f" ] || die "no such bats file: $f"
	name="${f%.bats}"
	tap="$RESULTS/$name.tap"
	remove_tmp
	mkdir -p "$TMP"
	# the user's bats: the tests' files below TMP are its own, HOME too
	runas=""
	[ -n "$suite_user" ] && chown "$suite_user:" "$TMP" && runas="runuser -u $suite_user -- env HOME=$TMP "
	start=$(date +%s)
	# bats and several tests need a controlling terminal: script(1) gives them one. Their stdin
	# is /dev/null, not that terminal: a foreground container inherits it, and the first run of
	# a file then got a NUL byte in its output (1.3.6's env, timens, mounts_propagation compare
	# output exactly).
	# tini -s: the processes the suite orphans (every `run -d` init, `exec -d` process) are
	# reparented to tini, which reaps them as soon as they die, as a host's init does. This
	# host's pid 1 (a sandbox agent) reaps orphans only about every 2 s, and kill -0 sees a
	# zombie as alive: the [host pidns] tests (kill.bats, delete.bats), which give the kill
	# 10 x 0.2 s to end the container's processes, then failed for runc and berth alike.
	filter=$(expected_filter "$f")
	cmd="cd $(printf %q "$INTEGRATION") && exec ${runas}bats --tap --no-tempdir-cleanup ${filter:+--filter $(printf %q "$filter")} $(printf %q "$f") >$(printf %q "$tap") 2>&1 </dev/null"
	SHELL=/bin/bash TMPDIR="$TMP" RUNC="$runtime" \
		timeout -k 10 "$file_timeout" tini -s -- script -qec "$cmd" /dev/null </dev/null >/dev/null 2>&1 {lock_fd}>&- &
	job=$!
	done_tests=-1 last_progress=$start
	while kill -0 "$job" 2>/dev/null; do
		sleep 1
		now=$(date +%s) n=$(grep -cE '^(not )?ok [0-9]+ ' "$tap" 2>/dev/null)
		if [ "$n" != "$done_tests" ]; then
			done_tests=$n last_progress=$now
		elif [ $((now - last_progress)) -ge "$stall" ]; then
			unstall "$f" "$tap"
			last_progress=$now
		fi
	done
	wait "$job"
	rc=$?
	seconds=$(($(date +%s) - start))
	[ $rc -eq 124 ] && echo "not ok 0 $f timed out after ${file_timeout}s" >>"$tap"
	cleanup_leftovers "$f"
	tap_results "$tap" | sed "s|^|$f\t|" >>"$RESULTS/results.tsv"
	tap_failures "$f" "$tap" >>"$RESULTS/failures.txt"
	pass=$(tap_results "$tap" | grep -c '^pass')
	fail=$(tap_results "$tap" | grep -c '^fail')
	skip=$(tap_results "$tap" | grep -c '^skip')
	if [ $((pass + fail + skip)) -eq 0 ]; then
		fail=1 # bats itself failed (setup error, syntax, missing tool)
		echo "$f: no test ran (bats exit $rc): $(head -n3 "$tap" | tr '\n' ' ')" >>"$RESULTS/failures.txt"
		printf '%s\tfail\t(no test ran)\n' "$f" >>"$RESULTS/results.tsv"
	fi
	total_pass=$((total_pass + pass)) total_fail=$((total_fail + fail)) total_skip=$((total_skip + skip))
	printf '| %s | %d | %d | %d | %d |\n' "$name" "$pass" "$fail" "$skip" "$seconds" >>"$RESULTS/summary.md"
	printf '%-28s pass %3d  fail %3d  skip %3d  (%ds)\n' "$f" "$pass" "$fail" "$skip" "$seconds"
done
printf '| **total** | **%d** | **%d** | **%d** | |\n' "$total_pass" "$total_fail" "$total_skip" >>"$RESULTS/summary.md"
touch "$RESULTS/results.tsv" "$RESULTS/failures.txt"
rm -f "$RESULTS/.cgroups-before"

echo "runtime $runtime: $total_pass passed, $total_fail failed, $total_skip skipped (results in $RESULTS)"
[ -s "$RESULTS/leaks.txt" ] && { echo "leftovers removed after the run:"; cat "$RESULTS/leaks.txt"; }
[ -s "$RESULTS/stalls.txt" ] && { echo "hung tests:"; cat "$RESULTS/stalls.txt"; }

# Expected tests that failed: whole-file entries match every test of the file.
unexpected=$(expected_entries | awk -F'\t' '
	NR == FNR { if (index($0, ": ")) want[$0] = 1; else wantfile[$0] = 1; next }
	$2 == "fail" && (($1 in wantfile) || (($1 ": " $3) in want)) { print $1 ": " $3 }
' - "$RESULTS/results.tsv")
if [ -n "$unexpected" ]; then
	echo "FAILED (expected to pass):"
	echo "$unexpected"
	echo "details:"
	cat "$RESULTS/failures.txt"
	exit 1
fi
[ -s "$RESULTS/failures.txt" ] && { echo "failures outside the expected list:"; cat "$RESULTS/failures.txt"; }
exit 0
