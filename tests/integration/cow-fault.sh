#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cow-fault on the real kernel: copies and reuses happen where the COW
# rules say, writers see only their own data, the backings are really
# built, PMU and vmstat agree, bad input is refused, and a killed run is
# repaired by `cowbench restore`.
. "$(dirname "$0")/../lib.sh"
CF=cow-fault
PAGES=4096	# 16M of 4K pages

all_equal() {	# all_equal VALUE: every line of stdin equals VALUE (and there is one)
	awk -v v="$1" 'BEGIN { n = 0; bad = 0 } { n++; if ($0 != v) bad++ } END { exit !(n > 0 && bad == 0) }'
}
all_between() {	# all_between LO HI: every stdin number in [LO, HI]
	awk -v lo="$1" -v hi="$2" 'BEGIN { n = 0; bad = 0 } { n++; if ($0 == "" || $0 < lo || $0 > hi) bad++ } END { exit !(n > 0 && bad == 0) }'
}

# 1. Child alive, parent writes: every page is copied, nothing reused.
run_bin $CF --backing small --writers parent --size 16M --repeat 3 --warmup 0 -o "$TMP/alive"
is "$RC" 0 "child alive, parent writes: exit status"
csv_values "$TMP/alive/cow-fault.csv" parent_copied | all_equal $PAGES; ok $? "child alive: parent copied all $PAGES pages"
csv_values "$TMP/alive/cow-fault.csv" parent_reused | all_equal 0; ok $? "child alive: parent reused none"
csv_values "$TMP/alive/cow-fault.csv" pgreuse_per_op | all_between 0 0.1; ok $? "child alive: pgreuse per page ~0 (system-wide counter: < 0.1)"
csv_values "$TMP/alive/cow-fault.csv" pgfault_per_op | all_between 0.95 1.5; ok $? "child alive: ~1 fault per page"

# 2. Child exited first, parent writes small pages: reused in place, no copy.
run_bin $CF --backing small --writers parent --child-exits --size 16M --repeat 3 --warmup 0 -o "$TMP/exited"
is "$RC" 0 "child exited: exit status"
csv_values "$TMP/exited/cow-fault.csv" parent_reused | all_equal $PAGES; ok $? "child exited: parent reused all $PAGES pages"
csv_values "$TMP/exited/cow-fault.csv" parent_copied | all_equal 0; ok $? "child exited: parent copied none"
csv_values "$TMP/exited/cow-fault.csv" pgreuse_per_op | all_between 0.95 1.2; ok $? "child exited: pgreuse per page ~1"

# 3. Both write at once: per writer copied + reused = pages; nobody sees another's data.
run_bin $CF --backing small --writers both --children 2 --size 16M --repeat 3 --warmup 0 -o "$TMP/both"
is "$RC" 0 "both write: exit status (no leak)"
f=$TMP/both/cow-fault.csv
paste -d' ' <(csv_values "$f" parent_copied) <(csv_values "$f" parent_reused) | awk '{print $1 + $2}' | all_equal $PAGES
ok $? "both write: parent copied + reused = pages"
paste -d' ' <(csv_values "$f" child_copied) <(csv_values "$f" child_reused) | awk '{print $1 + $2}' | all_equal $((2 * PAGES))
ok $? "both write: children copied + reused = pages per child"
csv_values "$f" leaks | all_equal 0; ok $? "both write: no leaked pages"

# 4. The leak check catches a leak: with a shared mapping, writes do cross processes.
COWBENCH_TEST_SHARED_MAPPING=1 run_bin $CF --backing small --writers child --size 4M --repeat 1 --warmup 0 -o "$TMP/leak"
is "$RC" 1 "planted leak (shared mapping): exit 1"
grep -q "sees wrong data.*first at offset 0" "$TMP/out"; ok $? "planted leak: the page offset is reported"

# 5. THP and PTE-mapped THP are really built (verified from kpageflags/smaps), or skipped with the reason.
run_bin $CF --backing thp,pte-thp,mthp:64K --writers parent --size 16M --repeat 2 --warmup 0 -o "$TMP/thp"
is "$RC" 0 "thp, pte-thp, mthp: exit status"
for b in thp pte-thp mthp-64K; do
	n=$(csv_values "$TMP/thp/cow-fault.csv" backing_verified backing $b | grep -c yes)
	if [ "$n" -gt 0 ]; then pass "$b built and verified ($n samples)"
	elif grep -q "skipped_points=.*$b" "$TMP/thp/meta.txt"; then skip "$b: $(sed -n 's/.*skipped_points=//p' "$TMP/thp/meta.txt")"
	else fail "$b neither measured nor skipped with a reason"; fi
done
# A PMD-mapped THP whose child is alive is split on the first write: thp_split_pmd per page ~1/512.
csv_values "$TMP/thp/cow-fault.csv" thp_split_pmd_per_op backing thp | all_between 0.0015 0.0025
ok $? "thp: one PMD split per 2M on the parent's COW"

# 6. PMU page-faults per op agree with the vmstat pgfault delta within 5%.
run_bin $CF --backing small --writers both --size 16M --repeat 3 --warmup 0 --events page-faults,cycles -o "$TMP/pmu"
is "$RC" 0 "--events page-faults,cycles: exit status"
paste -d' ' <(csv_values "$TMP/pmu/cow-fault.csv" page_faults_per_op) <(csv_values "$TMP/pmu/cow-fault.csv" pgfault_per_op) |
	awk '{ d = $1 - $2; if (d < 0) d = -d; if ($2 == 0 || d / $2 > 0.05) bad++; n++ } END { exit !(n > 0 && !bad) }'
ok $? "page-faults per op within 5% of vmstat pgfault per op"
if grep -q 'cycles' "$TMP/out" && csv_values "$TMP/pmu/cow-fault.csv" cycles_per_op | grep -q .; then
	pass "cycles counted (hardware PMU present)"
else
	csv_values "$TMP/pmu/cow-fault.csv" cycles_per_op | grep -q . ; [ $? -ne 0 ]; ok $? "cycles unavailable: cells left empty"
	grep -q "cycles" "$TMP/out"; ok $? "cycles unavailable: the reason is printed"
fi

# 7. Bad input: exit 2, one line, nothing written.
bad_input() {	# bad_input NAME ARGS...
	local name=$1; shift
	rm -rf "$TMP/bad"
	run_bin $CF "$@"
	is "$RC" 2 "bad input ($name): exit 2"
	is "$(wc -l <"$TMP/out")" 1 "bad input ($name): one line"
	[ ! -e "$TMP/bad" ]; ok $? "bad input ($name): nothing written"
}
bad_input "--size 0" --size 0 -o "$TMP/bad"
bad_input "--size 12Q" --size 12Q -o "$TMP/bad"
bad_input "--cpus 99" --cpus 99 -o "$TMP/bad"
bad_input "--events nosuch" --events nosuch -o "$TMP/bad"
bad_input "--backing huge" --backing huge -o "$TMP/bad"
bad_input "--child-exits --writers both" --child-exits --writers both -o "$TMP/bad"
run_bin $CF --size 4M -o /proc/cowbench-not-writable
is "$RC" 2 "unwritable -o: exit 2"
is "$(wc -l <"$TMP/out")" 1 "unwritable -o: one line"

# 8. SIGKILL mid-run leaves a journal; restore puts the THP knobs back exactly.
export COWBENCH_STATE_DIR=$TMP/state
knob=/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled
if [ -w "$knob" ]; then
	before=$(machine_state)
	"$BIN/$CF" --backing mthp:64K --size 64M --repeat 1000 --warmup 0 --writers parent -o "$TMP/killed" >/dev/null 2>&1 &
	pid=$!
	journaled() { grep -qs "hugepages-2048kB/enabled" "$COWBENCH_STATE_DIR"/journal.*; }
	for _ in $(seq 100); do journaled && grep -q '\[never\]' "$knob" && break; sleep 0.1; done
	grep -q '\[never\]' "$knob"; ok $? "mthp:64K run switched the 2M size off while running"
	kill -9 $pid; wait $pid 2>/dev/null
	ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; ok $? "SIGKILL left a journal"
	"$TOP/tools/cowbench" restore >"$TMP/restore.out" 2>&1; rc=$?
	is "$rc" 0 "restore exit status"
	after=$(machine_state)
	[ "$before" = "$after" ]; ok $? "restore returned every knob to what it was"
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
	ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; [ $? -ne 0 ]; ok $? "restore removed the journal"

	# 9. Ctrl-C mid-run: exit 130, knobs back, no journal, no child, no half-written CSV.
	"$BIN/$CF" --backing mthp:64K --size 64M --repeat 1000 --warmup 0 --writers both -o "$TMP/int" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do journaled && grep -q '\[never\]' "$knob" && break; sleep 0.1; done
	sleep 0.3
	kill -INT $pid; wait $pid; rc=$?
	is "$rc" 130 "SIGINT: exit status 130"
	after=$(machine_state)
	[ "$before" = "$after" ]; ok $? "SIGINT: knobs restored, no process left"
	ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; [ $? -ne 0 ]; ok $? "SIGINT: no journal left"
	ls "$TMP/int" | grep -q tmp; [ $? -ne 0 ]; ok $? "SIGINT: no temporary CSV left"
	[ ! -e "$TMP/int/cow-fault.csv" ]; ok $? "SIGINT: no CSV of an unfinished run"

	# 10. Two runs changing knobs at once: the second waits for the first, so
	# neither journals the other's temporary value as the original.
	"$BIN/$CF" --backing mthp:64K --size 64M --repeat 1000 --warmup 0 --writers parent -o "$TMP/first" >/dev/null 2>&1 &
	first=$!
	for _ in $(seq 100); do journaled && break; sleep 0.1; done
	"$BIN/$CF" --backing mthp:32K --size 4M --repeat 1 --warmup 0 --writers parent -o "$TMP/second" >"$TMP/second.out" 2>&1 &
	second=$!
	for _ in $(seq 50); do grep -q "waiting" "$TMP/second.out" && break; sleep 0.1; done
	grep -q "another cowbench run is changing kernel knobs" "$TMP/second.out"; ok $? "a second run waits for the knob lock"
	kill -INT $first; wait $first
	wait $second; is "$?" 0 "the second run finishes once the first is gone"
	after=$(machine_state)
	[ "$before" = "$after" ]; ok $? "two overlapping runs: every knob back to what it was"
else
	skip "THP per-size knobs not writable here"
fi
done_testing
