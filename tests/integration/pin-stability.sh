#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# pin-stability on the real kernel: pinned pages keep their PFN and their
# data path under every disturbance, and the disturbances really happened;
# the unpinned control sees pages move; a planted page replacement is
# caught by every check; bad input is refused; a killed run is repaired by
# `cowbench restore`.
. "$(dirname "$0")/../lib.sh"
PS=pin-stability
export COWBENCH_STATE_DIR=$TMP/state

row() {	# row DIR MODE COLUMN: one cell of the summary row of a phase
	csv_values "$1/pin-stability.csv" "$3" mode "$2"
}
# The part of the machine state this program may change (THP and khugepaged
# knobs, numa_balancing, its cgroups and processes): other programs' runs
# may come and go meanwhile.
my_state() {
	machine_state | grep -E '^/sys/kernel/mm/transparent_hugepage/|numa_balancing'
	echo "cgroups=$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'cowbench-pin-*' 2>/dev/null | tr '\n' ' ')"
	echo "procs=$(pgrep -f -- '(^|/)pin-stability( |$)' | tr '\n' ' ')"
}
positive() { awk -v v="$1" 'BEGIN { exit !(v != "" && v > 0) }'; }
phase_has_rows() {	# phase_has_rows DIR MODE: one timeseries row per interval, violations all 0
	local n want
	n=$(csv_values "$1/pin-stability-timeseries.csv" violations mode "$2" | awk '$0 == 0' | wc -l)
	want=$(row "$1" "$2" intervals)
	[ "$n" -gt 1 ] && [ "$n" = "$want" ]
}

# 1. THP pinned under every disturbance: nothing moves, and each disturbance left its trace.
before=$(my_state)
run_bin $PS --backing thp --size 64M --duration 6s --control 4s -o "$TMP/thp"
is "$RC" 0 "thp, all disturbances: exit status"
[ "$RC" -eq 0 ] || show_out
d=$TMP/thp
is "$(row "$d" pinned violations)" 0 "thp pinned: no violation"
is "$(row "$d" pinned pages_moved)" 0 "thp pinned: no PFN changed"
row "$d" pinned verified | grep -q "16384/16384 pages in THPs; VmPin 65536 kB"
ok $? "thp pinned: backing verified and 64M pinned ($(row "$d" pinned verified))"
phase_has_rows "$d" pinned; ok $? "thp pinned: one timeseries row per interval, all clean"
positive "$(row "$d" pinned compactions)"; ok $? "compaction: compact_memory written ($(row "$d" pinned compactions)x)"
positive "$(row "$d" pinned compact_migrate_scanned_per_op)"; ok $? "compaction: compact_migrate_scanned moved"
positive "$(( $(row "$d" pinned khugepaged_full_scans) + $(row "$d" pinned khugepaged_pages_collapsed) ))"
ok $? "khugepaged: full_scans +$(row "$d" pinned khugepaged_full_scans), pages_collapsed +$(row "$d" pinned khugepaged_pages_collapsed)"
positive "$(row "$d" pinned thp_split_pmd_per_op)"; ok $? "mprotect/fork: PMD mappings split"
for c in pressure_cycles forks_write forks_exec mprotects pageouts; do
	positive "$(row "$d" pinned $c)"; ok $? "pinned phase: $c = $(row "$d" pinned $c)"
done
if [ "$(ls -d /sys/devices/system/node/node* | wc -l)" -lt 2 ]; then
	grep -q "skipped_disturbances=numa: one NUMA node" "$d/meta.txt"; ok $? "numa skipped with its reason on one node"
else
	positive "$(row "$d" pinned numa_pages_moved)"; ok $? "numa: pages moved to another node"
fi
positive "$(row "$d" unpinned pages_moved)"; ok $? "thp unpinned control: $(row "$d" unpinned pages_moved) pages moved"
is "$(row "$d" unpinned violations)" 0 "thp unpinned control: data always arrived"
after=$(my_state)
[ "$before" = "$after" ]; ok $? "knobs restored, helpers gone, cgroup removed after the run"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'

# 2. Small pages pinned, collapse candidates for khugepaged (MADV_HUGEPAGE after pinning).
run_bin $PS --backing small --size 32M --duration 5s --control 4s -o "$TMP/small"
is "$RC" 0 "small, all disturbances: exit status"
is "$(row "$TMP/small" pinned violations)" 0 "small pinned: no violation"
is "$(row "$TMP/small" pinned pages_moved)" 0 "small pinned: no PFN changed"
positive "$(row "$TMP/small" unpinned pages_moved)"; ok $? "small unpinned control: $(row "$TMP/small" unpinned pages_moved) pages moved"

# 3. khugepaged alone moves unpinned memory: collapses small pages, and THPs whose PMD mprotect split.
khugepaged_control() {	# khugepaged_control NAME ARGS...
	local name=$1; shift
	run_bin $PS --unpinned --size 32M --duration 4s "$@" -o "$TMP/$name"
	is "$RC" 0 "$name: exit status"
	is "$(csv_values "$TMP/$name/pin-stability.csv" mode | tr '\n' ' ')" "unpinned " "$name: only the control ran"
	local moved scans
	moved=$(row "$TMP/$name" unpinned pages_moved); scans=$(row "$TMP/$name" unpinned khugepaged_full_scans)
	if positive "$moved"; then pass "$name: khugepaged moved $moved unpinned pages"
	elif [ "${scans:-0}" -lt 2 ]; then skip "$name: khugepaged made $scans full scans (busy with other processes)"
	else fail "$name: $scans full khugepaged scans and no unpinned page moved"; fi
}
khugepaged_control "khugepaged-small" --backing small --disturb khugepaged
khugepaged_control "khugepaged-thp" --backing thp --disturb khugepaged,mprotect

# 4. A planted replacement (pinned page zapped, new page faulted in) is caught by every check.
COWBENCH_TEST_REPLACE_PINNED_PAGE=1 run_bin $PS --size 16M --duration 2s --control 0 --disturb mprotect -o "$TMP/planted"
is "$RC" 1 "planted replacement: exit 1"
grep -q "VIOLATION: pinned page replaced at offset 0x803000 (page 2051), .* during mprotect: PFN 0x[0-9a-f]* -> 0x[0-9a-f]*" "$TMP/out"
ok $? "planted replacement: PFN check reports offset, time, disturbance, old and new PFN"
grep -q "VIOLATION: data written through the pin did not arrive in the mapping at offset 0x803000" "$TMP/out"
ok $? "planted replacement: READ_FIXED data check catches it"
grep -q "VIOLATION: the pin holder does not see the process's write at offset 0x803000" "$TMP/out"
ok $? "planted replacement: device read-back check catches it"
is "$(row "$TMP/planted" pinned violations)" 3 "planted replacement: 3 violations in the summary"
grep -q "first_violation=pinned page replaced at offset 0x803000" "$TMP/planted/meta.txt"; ok $? "first violation in meta.txt"

# 5. Bad input: exit 2, one line, nothing written.
bad_input() {	# bad_input NAME ARGS...
	local name=$1; shift
	rm -rf "$TMP/bad"
	run_bin $PS "$@" -o "$TMP/bad"
	is "$RC" 2 "bad input ($name): exit 2"
	is "$(wc -l <"$TMP/out")" 1 "bad input ($name): one line"
	[ ! -e "$TMP/bad" ]; ok $? "bad input ($name): nothing written"
}
bad_input "--disturb quake" --disturb khugepaged,quake
bad_input "--backing pte-thp" --backing pte-thp
bad_input "--size 3M with thp" --size 3M
bad_input "--interval 0" --interval 0
bad_input "--interval > --duration" --duration 2s --interval 5s
bad_input "--pressure-size 1K" --pressure-size 1K

# 6. SIGKILL mid-run: the journal is left; restore puts every knob back; helpers die with the run.
knob=/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
if [ -w "$knob" ] && [ "$(cat $knob)" != 0 ]; then
	before=$(my_state)
	"$BIN/$PS" --size 32M --duration 60s --disturb khugepaged,compaction,pressure -o "$TMP/killed" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		[ "$(cat $knob)" = 0 ] && [ -n "$(find /sys/fs/cgroup -maxdepth 2 -name 'cowbench-pin-pressure-*')" ] && break
		sleep 0.1
	done
	is "$(cat $knob)" 0 "khugepaged at full speed while running"
	kill -9 $pid; wait $pid 2>/dev/null
	ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; ok $? "SIGKILL left a journal"
	"$TOP/tools/cowbench" restore >"$TMP/restore.out" 2>&1; rc=$?
	is "$rc" 0 "restore exit status"
	for _ in $(seq 50); do [ "$before" = "$(my_state)" ] && break; sleep 0.1; done
	after=$(my_state)
	[ "$before" = "$after" ]; ok $? "restore returned every knob, removed the cgroup, no helper left"
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
else
	skip "khugepaged knobs not writable here or already at full speed"
fi
done_testing
