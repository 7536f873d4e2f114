#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ksm-cow on the real kernel: pages really merge (counters and PFNs), every
# write to a merged page is a copy, the KSM knobs and ksmd's state are left
# as found (also when ksmd ran before), a killed run is repaired by
# `cowbench restore`, a leak is caught, bad input is refused, and a kernel
# without KSM is a skip.
. "$(dirname "$0")/../lib.sh"
KC=ksm-cow
KSM=/sys/kernel/mm/ksm
FAST=(--pages-to-scan 5000 --sleep-ms 10)
export COWBENCH_STATE_DIR=$TMP/state

all_equal() {	# all_equal VALUE: every line of stdin equals VALUE (and there is one)
	awk -v v="$1" 'BEGIN { n = 0; bad = 0 } { n++; if ($0 != v) bad++ } END { exit !(n > 0 && bad == 0) }'
}
all_between() {	# all_between LO HI: every stdin number in [LO, HI]
	awk -v lo="$1" -v hi="$2" 'BEGIN { n = 0; bad = 0 } { n++; if ($0 == "" || $0 < lo || $0 > hi) bad++ } END { exit !(n > 0 && bad == 0) }'
}
# Other processes whose memory ksmd scans (a VM, say): then machine-wide counters are not ours alone.
others_mergeable() { grep -lsE 'mergeable: yes|merge_any: yes' /proc/[0-9]*/ksm_stat | grep -v "/proc/$$/" | grep -q .; }
# The KSM knobs and ksm-cow processes (other tests may change THP knobs meanwhile).
ksm_state() { machine_state | grep -E '^/sys/kernel/mm/ksm/'; pgrep -x ksm-cow; }
col() { csv_values "$1/ksm-cow.csv" "$2" case "$3"; }	# col DIR COLUMN CASE

if [ ! -e $KSM/run ]; then
	run_bin $KC --quick -o "$TMP/noksm"
	is "$RC" 4 "no KSM in this kernel: skipped"
	done_testing
	exit
fi

# 1. Identical pages merge: kpageflags, PFNs and counters agree; every write to them copies.
state0=$(ksm_state)
run_bin $KC --size 16M --repeat 2 "${FAST[@]}" -o "$TMP/basic"
is "$RC" 0 "16M of identical pages: exit status"
show_out 5
d=$TMP/basic
col "$d" verified_pages merge | all_equal 4096; ok $? "merge: all 4096 pages are KSM pages (kpageflags)"
col "$d" merged_pages merge | all_equal 4096; ok $? "merge: ksm_merging_pages of the process grew by 4096"
if others_mergeable; then
	col "$d" distinct_pfns merge | all_between 1 64; ok $? "merge: 4096 pages share at most 64 frames (others merge too)"
else
	col "$d" distinct_pfns merge | all_equal 16; ok $? "merge: 4096 pages share 16 frames (max_page_sharing 256)"
	col "$d" pages_sharing merge | all_equal 4080; ok $? "merge: pages_sharing grew by 4080, pages_shared by 16"
fi
for c in ksm ksm-forked cow first-write; do
	col "$d" verified_pages $c | all_equal 1365; ok $? "$c: every written page moved to a new frame with the right data"
	col "$d" new_frames $c | all_equal 1365; ok $? "$c: 1365 new frames"
done
col "$d" verified_pages unmerge | all_equal 1366; ok $? "unmerge: every page got its own frame back, data intact"
# cow_ksm is machine-wide: a VM whose memory ksmd merged copies KSM pages too.
hi=1.2 lo=0.01; others_mergeable && hi=1000 lo=1000
if col "$d" cow_ksm_per_op ksm | grep -q .; then
	for c in ksm ksm-forked unmerge; do
		col "$d" cow_ksm_per_op $c | all_between 0.99 $hi; ok $? "$c: cow_ksm per page ~1"
	done
	col "$d" cow_ksm_per_op cow | all_between 0 $lo; ok $? "cow after fork: cow_ksm per page ~0"
else
	skip "this kernel has no cow_ksm counter"
fi
# pgfault is machine-wide too: only a lower bound holds when a VM runs beside.
col "$d" pgfault_per_op ksm | all_between 0.99 "$(others_mergeable && echo 1000 || echo 2)"; ok $? "ksm: about one fault per page"
col "$d" p50_ns ksm | all_between 1 100000000; ok $? "ksm: p50 write latency recorded"
n=$(grep -vc '^#' "$d/ksm-cow-timeseries.csv"); [ "$n" -gt 3 ]; ok $? "timeseries: $n rows of merge progress"
csv_values "$d/ksm-cow-hist.csv" cdf | sort -g | tail -1 | all_equal 1; ok $? "histogram: the CDF ends at 1"
is "$(ksm_state)" "$state0" "KSM knobs left as found, no ksm-cow process left"
is "$(grep -c . <(ls "$COWBENCH_STATE_DIR"/journal.* 2>/dev/null))" 0 "no journal left behind"
if ! others_mergeable; then
	is "$(cat $KSM/pages_sharing)/$(cat $KSM/pages_shared)" "0/0" "ksmd holds none of the run's pages afterwards"
fi

# 2. Distinct contents and unique pages: exactly the predicted pages merge, unique ones are reused in place.
run_bin $KC --size 4M --repeat 1 --distinct 4 --unique-fraction 0.25 "${FAST[@]}" -o "$TMP/distinct"
is "$RC" 0 "--distinct 4 --unique-fraction 0.25: exit status"
col "$TMP/distinct" verified_pages merge | all_equal 768; ok $? "768 of 1024 pages merge (256 unique)"
others_mergeable || { col "$TMP/distinct" distinct_pfns merge | all_equal 260; ok $? "256 unique + 4 KSM frames"; }
col "$TMP/distinct" new_frames ksm | all_equal 256; ok $? "ksm: only the 256 merged pages of 341 are copied"
col "$TMP/distinct" verified_pages ksm | all_equal 341; ok $? "ksm: all 341 pages in the required state"

# 3. Zero pages with use_zero_pages on and off.
run_bin $KC --size 4M --repeat 1 --zero-pages on,off "${FAST[@]}" -o "$TMP/zero"
is "$RC" 0 "--zero-pages on,off: exit status"
f=$TMP/zero/ksm-cow.csv
csv_values "$f" verified_pages case merge | all_equal 1024; ok $? "zero pages merge in both modes"
on=$(awk -F, -v c="$(csv_col "$f" case)" -v z="$(csv_col "$f" use_zero_pages)" -v p="$(csv_col "$f" distinct_pfns)" \
	'!/^#/ && $c == "merge" && $z == 1 { print $p }' "$f")
is "$on" 1 "use_zero_pages=1: every page maps the one zero page"
if col "$d" cow_ksm_per_op ksm | grep -q .; then
	awk -F, -v c="$(csv_col "$f" case)" -v z="$(csv_col "$f" use_zero_pages)" -v k="$(csv_col "$f" cow_ksm_per_op)" \
		'!/^#/ && $c == "ksm" && $z == 1 { print $k }' "$f" | all_between 0 "$lo"
	ok $? "use_zero_pages=1: a write to the zero page is no KSM copy (cow_ksm ~0)"
fi

# 4. Process-wide merging with prctl, where the kernel has it.
run_bin $KC --size 4M --repeat 1 --merge prctl "${FAST[@]}" -o "$TMP/prctl"
if [ "$RC" = 4 ]; then
	grep -q "PR_SET_MEMORY_MERGE\|PR_GET_MEMORY_MERGE" "$TMP/out"; ok $? "prctl: skipped with the reason"
else
	is "$RC" 0 "--merge prctl: exit status"
	col "$TMP/prctl" verified_pages merge | all_equal 1024; ok $? "prctl: all pages merge"
fi

# 5. max_page_sharing: set and put back, or refused while other KSM pages are shared.
before_mps=$(cat $KSM/max_page_sharing)
run_bin $KC --size 4M --repeat 1 --max-page-sharing 64 "${FAST[@]}" -o "$TMP/mps"
if [ "$RC" = 4 ]; then
	grep -q "KSM page is shared" "$TMP/out"; ok $? "max_page_sharing busy (other KSM users): skipped with the reason"
else
	is "$RC" 0 "--max-page-sharing 64: exit status"
	others_mergeable || { col "$TMP/mps" distinct_pfns merge | all_equal 16; ok $? "1024 pages in 16 frames of 64"; }
fi
is "$(cat $KSM/max_page_sharing)" "$before_mps" "max_page_sharing put back"

# 6. ksmd already running (something else relies on it): it stays running, unpaused.
if [ "$(cat $KSM/run)" = 0 ]; then
	trap 'echo 0 > '$KSM'/run; rm -rf "$TMP"' EXIT
	trap 'exit 143' TERM INT
	echo 1 >$KSM/run
	run_bin $KC --size 4M --repeat 1 "${FAST[@]}" -o "$TMP/running"
	is "$RC" 0 "ksmd running before: exit status"
	is "$(cat $KSM/run)" 1 "ksmd running before: still running after"
	col "$TMP/running" ksmd_paused ksm | all_equal 0; ok $? "ksmd running before: never paused"
	echo 0 >$KSM/run
	trap 'rm -rf "$TMP"' EXIT
else
	skip "ksmd runs already on this machine"
fi

# 7. The leak check catches a leak: with a shared mapping the parent's writes reach the child.
COWBENCH_TEST_SHARED_MAPPING=1 run_bin $KC --size 4M --repeat 1 "${FAST[@]}" -o "$TMP/leak"
is "$RC" 1 "planted leak (shared mapping): exit 1"
grep -q "cow: the sharing child saw wrong data" "$TMP/out"; ok $? "planted leak: reported"

# 8. SIGKILL mid-merge: restore puts every KSM knob back.
state0=$(ksm_state)
extra=(); [ "$(cat $KSM/pages_shared)" = 0 ] && ! others_mergeable && extra=(--max-page-sharing 128)
# 32768 pages at ~50000 pages/s: the merging half of the second full scan takes ~0.6 s.
"$BIN/$KC" --size 128M --pages-to-scan 1011 --sleep-ms 20 --repeat 1000 "${extra[@]}" -o "$TMP/killed" \
	>"$TMP/killed.out" 2>&1 &
pid=$!
for _ in $(seq 1500); do
	m=$(cat /proc/$pid/ksm_merging_pages 2>/dev/null || echo 0)
	[ "$m" -gt 0 ] && break
	sleep 0.02
done
[ "$m" -gt 0 ] && [ "$m" -lt 32768 ]; ok $? "killed mid-merge ($m of 32768 pages merged)"
is "$(cat $KSM/pages_to_scan)" 1011 "the run had changed pages_to_scan"
kill -9 $pid; wait $pid 2>/dev/null
ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; ok $? "SIGKILL left a journal"
# ksmd (still running) drops the dead process's pages within a scan; max_page_sharing needs that.
for _ in $(seq 100); do [ -z "${extra[*]}" ] || [ "$(cat $KSM/pages_shared)" = 0 ] && break; sleep 0.05; done
"$TOP/tools/cowbench" restore >"$TMP/restore.out" 2>&1; rc=$?
is "$rc" 0 "restore exit status"
sed 's/^/#   /' "$TMP/restore.out"
is "$(ksm_state)" "$state0" "restore put every KSM knob back"
ls "$COWBENCH_STATE_DIR"/journal.* >/dev/null 2>&1; [ $? -ne 0 ]; ok $? "restore removed the journal"

# 9. Bad input: exit 2, one line, nothing written.
bad_input() {	# bad_input NAME ARGS...
	local name=$1; shift
	rm -rf "$TMP/bad"
	run_bin $KC "$@" -o "$TMP/bad"
	is "$RC" 2 "bad input ($name): exit 2"
	is "$(wc -l <"$TMP/out")" 1 "bad input ($name): one line"
	[ ! -e "$TMP/bad" ]; ok $? "bad input ($name): nothing written"
}
bad_input "--distinct 0" --distinct 0
bad_input "--unique-fraction 1" --unique-fraction 1
bad_input "--zero-pages maybe" --zero-pages maybe
bad_input "--zero-pages with --distinct" --zero-pages on --distinct 4
bad_input "--merge ioctl" --merge ioctl
bad_input "--max-page-sharing 1" --max-page-sharing 1
bad_input "--size 8K" --size 8K

# 10. A kernel without KSM: skipped with the reason (the sysfs directory hidden in a mount namespace).
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount -t tmpfs none $KSM && exec '$BIN/$KC' --size 4M -o '$TMP/noksm'" >"$TMP/out" 2>&1
	is "$?" 4 "no KSM: exit 4"
	grep -q "no KSM" "$TMP/out"; ok $? "no KSM: the reason is printed"
	grep -q "ksm-cow.skipped=.*CONFIG_KSM" "$TMP/noksm/meta.txt"; ok $? "no KSM: the reason is in meta.txt"
else
	skip "no mount namespaces here"
fi

# 11. The figures render.
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$TMP/basic'; out='$TMP/basic/plots'" "$TOP/plots/ksm-cow.gp" 2>"$TMP/gp.err"
	ok $? "plots/ksm-cow.gp runs"
	for f in ksm-cow.png ksm-cow.svg ksm-cow-merge.png ksm-cow-merge.svg; do
		[ -s "$TMP/basic/plots/$f" ]; ok $? "figure $f"
	done
else
	skip "gnuplot not installed"
fi
done_testing
