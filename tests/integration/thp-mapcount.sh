#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# thp-mapcount on the real kernel: each backing is what it claims (from
# pagemap/kpageflags), sharers really map the pages (PM_MMAP_EXCLUSIVE clear
# while they live, set after they exit and the parent wrote), every
# operation runs or is skipped with a reason, the sharing check catches
# unshared pages, bad input is refused, and no sharer outlives a run.
. "$(dirname "$0")/../lib.sh"
TM=thp-mapcount
PAGES=4096	# 16M of 4K pages
OPS="fork cow reuse munmap smaps smaps-rollup pagemap cold pageout move-pages"

# Checks on the lines of stdin: there is at least one, and each one passes.
all_pass() {	# all_pass AWK-CONDITION [awk -v assignments]
	local cond=$1; shift
	awk "$@" "BEGIN { n = 0; bad = 0 } { n++; if (!($cond)) bad++ } END { exit !(n > 0 && bad == 0) }"
}
all_equal() { all_pass '$0 == v' -v v="$1"; }
# Machine-wide counters: other activity can only add to them.
at_least() { all_pass '$0 != "" && $0 >= lo' -v lo="$1"; }
all_between() { all_pass '$0 != "" && $0 >= lo && $0 <= hi' -v lo="$1" -v hi="$2"; }
rows() {	# rows FILE NAME=VALUE[&NAME=VALUE...] COLUMN: COLUMN of the rows that match
	local f=$1 cond=$2 pick=$3
	awk -F, -v cond="$cond" -v pick="$pick" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; split(cond, kv, "&"); next }
		/^#/ { next }
		{ ok = 1; for (k in kv) { split(kv[k], p, "="); if ($c[p[1]] != p[2]) ok = 0 }
		  if (ok) print $c[pick] }' "$f"
}
# Processes of this test only (other runs of the binary may share the machine).
mine() { pgrep -c -f -- "$TM .*-o $TMP/" || true; }
no_strays() { [ "$(mine)" -eq 0 ]; }
# Knobs, swap and cgroups; processes are checked precisely by no_strays.
state() { machine_state | grep -v '^procs='; }

before=$(state)

# 1. Every backing, every operation, sharers 0, 1 and 4.
run_bin $TM --size 16M --sharers 0,1,4 --repeat 1 --warmup 0 -o "$TMP/run"
is "$RC" 0 "all backings and operations: exit status"
[ "$RC" -eq 0 ] || show_out 30
f=$TMP/run/thp-mapcount.csv
[ -f "$f" ]; ok $? "thp-mapcount.csv written"

# The backings are what they claim, from kpageflags (thp_pages) and smaps (PMD-mapped kB).
rows "$f" "backing=small" backing_verified | all_equal yes; ok $? "small: verified"
rows "$f" "backing=small" thp_pages | all_equal 0; ok $? "small: no page in a large folio"
rows "$f" "backing=thp" thp_pages | all_equal $PAGES; ok $? "thp: every page in a THP"
rows "$f" "backing=thp" anon_huge_kb | all_equal 16384; ok $? "thp: all 16M PMD-mapped"
rows "$f" "backing=pte-thp" thp_pages | all_equal $PAGES; ok $? "pte-thp: every page in a THP"
rows "$f" "backing=pte-thp" anon_huge_kb | all_equal 0; ok $? "pte-thp: nothing PMD-mapped"
rows "$f" "backing=pte-thp" folios | all_equal 8; ok $? "pte-thp: 8 folios of 2M"
rows "$f" "backing=partial-thp" pages | all_equal $((PAGES / 2)); ok $? "partial-thp: half of each folio mapped"
rows "$f" "backing=partial-thp" thp_pages | all_equal $((PAGES / 2)); ok $? "partial-thp: mapped pages in THPs"
if rows "$f" "backing=mthp-64K" backing_verified | grep -q .; then
	rows "$f" "backing=mthp-64K" backing_verified | all_equal yes; ok $? "mthp-64K: verified"
else
	grep -q '^thp-mapcount.mthp-64K=skipped: .' "$TMP/run/meta.txt"; ok $? "mthp-64K: skipped with a reason"
fi

# Sharers really map the pages; after the parent wrote, they are its own again.
for b in small thp pte-thp partial-thp; do
	n=$(rows "$f" "backing=$b&sharers=0&op=fork" pages)
	rows "$f" "backing=$b&sharers=0" shared_pages | all_equal 0; ok $? "$b, no sharers: every page exclusive"
	for s in 1 4; do
		rows "$f" "backing=$b&sharers=$s" shared_pages | all_equal "$n"
		ok $? "$b, $s sharers: PM_MMAP_EXCLUSIVE clear on all $n pages"
		for op in cow reuse; do
			rows "$f" "backing=$b&sharers=$s&op=$op" exclusive_after | all_equal "$n"
			ok $? "$b, $s sharers, $op: PM_MMAP_EXCLUSIVE set on all $n pages after the parent wrote"
		done
	done
done

# Every operation ran on every backing, or was skipped with a stated reason.
for op in $OPS; do
	if grep -q "^thp-mapcount.$op=skipped: ." "$TMP/run/meta.txt"; then
		skip "$op: $(sed -n "s/^thp-mapcount.$op=skipped: //p" "$TMP/run/meta.txt")"
		continue
	fi
	missing=""
	for b in $(rows "$f" "op=smaps&sharers=0" backing); do
		for s in 1 4; do
			rows "$f" "backing=$b&sharers=$s&op=$op" ns_per_page | grep -q . || missing="$missing $b/$s"
		done
	done
	[ -z "$missing" ]; ok $? "$op: measured on every backing${missing:+ (missing:$missing)}"
done

# The counters say what the kernel did: a COW fault per page, a reuse per page once the
# sharers left, a PMD split per 2M. vmstat is machine-wide: other activity can only add.
rows "$f" "backing=small&sharers=1&op=cow" pgfault_per_op | at_least 0.99; ok $? "small cow: a fault per page"
rows "$f" "backing=small&sharers=1&op=reuse" pgreuse_per_op | at_least 0.99; ok $? "small reuse: a pgreuse per page"
# Kernels that track which mm maps a large folio (CONFIG_MM_ID, 6.15+) reuse an exclusive PTE-mapped THP.
if zcat /proc/config.gz 2>/dev/null | grep -q '^CONFIG_MM_ID=y'; then
	rows "$f" "backing=pte-thp&sharers=1&op=reuse" pgreuse_per_op | at_least 0.99
	ok $? "pte-thp reuse: a pgreuse per page (CONFIG_MM_ID: the folio is reused, not copied)"
else
	skip "pte-thp reuse: kernel without CONFIG_MM_ID (or no /proc/config.gz) may copy instead"
fi
rows "$f" "backing=thp&sharers=1&op=cow" thp_split_pmd_per_op | at_least 0.00195
ok $? "thp cow: a PMD split per 2M"
grep -q '^thp-mapcount.rebuilds=[0-9]' "$TMP/run/meta.txt"; ok $? "meta.txt records rebuilt states"
grep -q 'pte-thp/small' "$TMP/out"; ok $? "summary table with the pte-thp/small ratio printed"
no_strays; ok $? "no thp-mapcount process left after the run"

# 2. MADV_PAGEOUT with swap added for the run (zram): exclusive pages go out, shared ones stay.
swaps_before=$(tail -n +2 /proc/swaps | awk '{print $1}')
run_bin $TM --ops pageout --make-swap zram --size 16M --sharers 0,1 --backing small,thp,pte-thp \
	--repeat 1 --warmup 0 -o "$TMP/pageout"
if [ "$RC" -eq 4 ]; then
	skip "pageout with --make-swap zram: $(grep skipped "$TMP/out" | head -1)"
else
	is "$RC" 0 "pageout with --make-swap zram: exit status"
	p=$TMP/pageout/thp-mapcount.csv
	for b in small thp pte-thp; do
		rows "$p" "backing=$b&sharers=0&op=pageout" pswpout_per_op | at_least 0.99
		ok $? "$b pageout, no sharers: every page swapped out"
		rows "$p" "backing=$b&sharers=1&op=pageout" pswpout_per_op | all_between 0 0.5
		ok $? "$b pageout, 1 sharer: shared folios left in memory"
	done
	grep -q '^thp-mapcount.swap=added ' "$TMP/pageout/meta.txt"; ok $? "the added swap is recorded in meta.txt"
fi
is "$(tail -n +2 /proc/swaps | awk '{print $1}')" "$swaps_before" "the swap added for pageout is gone"

# 3. The figures render from the CSV.
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$TMP/run'; out='$TMP/run/plots'" "$TOP/plots/thp-mapcount.gp" >"$TMP/gp.out" 2>&1
	ok $? "gnuplot script runs"
	for fig in thp-mapcount.png thp-mapcount.svg thp-mapcount-ratio.png thp-mapcount-ratio.svg; do
		[ -s "$TMP/run/plots/$fig" ]; ok $? "figure $fig rendered"
	done
else
	skip "gnuplot not installed"
fi

# 4. The sharing check catches sharers that do not map the pages.
run_bin $TM --size 4M --sharers 2 --backing small --ops smaps --repeat 1 --warmup 0 --selftest-unshared \
	-o "$TMP/unshared"
is "$RC" 1 "sharers that unmapped the region: exit 1"
grep -q "PM_MMAP_EXCLUSIVE set while 2 sharers map them" "$TMP/out"; ok $? "unshared pages: reason printed"
no_strays; ok $? "unshared pages: the sharers were killed"

# 5. Bad input: exit 2, one line, nothing written.
bad_input() {	# bad_input NAME ARGS...
	local name=$1; shift
	rm -rf "$TMP/bad"
	run_bin $TM "$@" -o "$TMP/bad"
	is "$RC" 2 "bad input ($name): exit 2"
	is "$(wc -l <"$TMP/out")" 1 "bad input ($name): one line"
	[ ! -e "$TMP/bad" ]; ok $? "bad input ($name): nothing written"
}
bad_input "--ops nosuch" --ops fork,nosuch
bad_input "--sharers -1" --sharers -1
bad_input "--sharers 1,x" --sharers 1,x
bad_input "--size 3M" --size 3M
bad_input "--backing huge" --backing huge
bad_input "--backing small,small" --backing small,small
bad_input "--ops cow --sharers 0" --ops cow --sharers 0
bad_input "--make-swap disk" --make-swap disk

# 6. A run killed with SIGKILL leaves no sharer behind, and restore puts the knobs back.
# The parent is killed as soon as it is seen with its sharers forked (not
# stopped first: stopping it would make the kernel SIGHUP the orphaned group).
export COWBENCH_STATE_DIR=$TMP/state
"$BIN/$TM" --size 64M --sharers 8 --backing mthp:64K,small --ops cow --repeat 1000 --warmup 0 \
	-o "$TMP/killed" >"$TMP/killed.out" 2>&1 &
pid=$!
kids=""
for _ in $(seq 500); do
	kids=$(pgrep -P $pid | tr '\n' ' ')
	[ "$(echo $kids | wc -w)" -ge 8 ] && break
	sleep 0.005
done
kill -9 $pid; wait $pid 2>/dev/null
[ "$(echo $kids | wc -w)" -ge 8 ]; ok $? "SIGKILL: parent killed with its sharers forked ($kids)"
alive() { local k; for k in $kids; do kill -0 "$k" 2>/dev/null && return 0; done; return 1; }
for _ in $(seq 50); do alive || break; sleep 0.1; done
! alive; ok $? "SIGKILL: no sharer outlives its parent"
alive && kill -9 $kids 2>/dev/null
"$TOP/tools/cowbench" restore >"$TMP/restore.out" 2>&1; ok $? "restore after SIGKILL"

after=$(state)
[ "$before" = "$after" ]; ok $? "machine left as found"
[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
done_testing
