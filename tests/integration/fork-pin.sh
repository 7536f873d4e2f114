#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fork-pin on the real kernel: fork copies exactly the io_uring-pinned
# pages into the child (none under MADV_DONTFORK), the pin still covers the
# parent's pages after fork+exec for every available method, a planted
# incoherence is caught, missing capabilities skip with a reason, bad
# input is refused, and the figure renders.
. "$(dirname "$0")/../lib.sh"
FP=fork-pin
PS=$(getconf PAGESIZE)

all_equal() {	# all_equal VALUE: every line of stdin equals VALUE (and there is one)
	awk -v v="$1" 'BEGIN { n = 0; bad = 0 } { n++; if ($0 != v) bad++ } END { exit !(n > 0 && bad == 0) }'
}
# values FILE COLUMN PIN BACKING DONTFORK PINNED: one column of one parameter point
values() {
	local f=$1 col=$2
	awk -F, -v c="$(csv_col "$f" "$col")" -v p="$3" -v b="$4" -v d="$5" -v s="$6" \
		'NR > 1 && !/^#/ && $1 == p && $2 == b && $3 == d && $4 == s { print $c }' "$f"
}

# 1. io_uring, small pages: fork copies every pinned page and nothing else; DONTFORK copies none.
run_bin $FP --pin iouring,none --pinned 0,4M,16M --backing small --dontfork 0,1 --repeat 2 --warmup 1 -o "$TMP/small"
is "$RC" 0 "iouring small pages: exit status"
[ "$RC" -eq 0 ] || show_out
f=$TMP/small/fork-pin.csv
for mib in 4 16; do
	values "$f" copied_pages iouring small 0 $((mib << 20)) | all_equal $(( (mib << 20) / PS ))
	ok $? "iouring ${mib}M pinned: fork copied all $(( (mib << 20) / PS )) pinned pages into the child"
	values "$f" copied_pages iouring small 1 $((mib << 20)) | all_equal 0
	ok $? "iouring ${mib}M pinned + MADV_DONTFORK: no page copied"
	values "$f" copied_pages none small 0 $((mib << 20)) | all_equal 0
	ok $? "${mib}M not pinned: no page copied (shared copy-on-write)"
done
values "$f" copied_pages iouring small 0 0 | all_equal 0; ok $? "nothing pinned: no page copied"
csv_values "$f" coherent | grep -v '^$' | all_equal yes; ok $? "coherence holds at every checked point"
csv_values "$f" pfn_moved pin iouring | grep -v '^$' | all_equal 0; ok $? "io_uring-pinned pages keep their PFN in the parent"
[ "$(csv_values "$f" memcpy_ns pin iouring | grep -c .)" -gt 0 ]; ok $? "memcpy reference measured in the same run"

# 2. THP: pinned THPs are copied page by page too (the PMD is split); DONTFORK still copies none.
run_bin $FP --pin iouring --pinned 4M --backing thp --dontfork 0,1 --repeat 2 -o "$TMP/thp"
if [ "$RC" -eq 0 ] && [ "$(values "$TMP/thp/fork-pin.csv" backing_verified iouring thp 0 $((4 << 20)) | head -1)" = yes ]; then
	values "$TMP/thp/fork-pin.csv" copied_pages iouring thp 0 $((4 << 20)) | all_equal $(( (4 << 20) / PS ))
	ok $? "iouring 4M of THP: fork copied all $(( (4 << 20) / PS )) pages"
	values "$TMP/thp/fork-pin.csv" copied_pages iouring thp 1 $((4 << 20)) | all_equal 0
	ok $? "iouring 4M of THP + MADV_DONTFORK: no page copied"
	csv_values "$TMP/thp/fork-pin.csv" coherent | all_equal yes; ok $? "THP: coherence holds"
elif grep -q "skipping iouring/thp" "$TMP/out"; then
	skip "THP not available: $(grep -m1 skipping "$TMP/out")"
else
	fail "THP run: exit $RC"; show_out
fi

# 3. A fixed total: only the pinned prefix is copied.
run_bin $FP --pin iouring --pinned 4M --total 16M --backing small --dontfork 0 --repeat 1 -o "$TMP/total"
is "$RC" 0 "--total 16M: exit status"
values "$TMP/total/fork-pin.csv" copied_pages iouring small 0 $((4 << 20)) | all_equal $(( (4 << 20) / PS ))
ok $? "--total 16M, 4M pinned: only the pinned 4M copied"

# 4. Every other method: coherent, with the child exec'ing or exiting.
for child in exec exit; do
	run_bin $FP --pin vmsplice,gup-test --pinned 4M --backing small --dontfork 0,1 --repeat 1 --child $child -o "$TMP/methods-$child"
	is "$RC" 0 "vmsplice (and gup-test where present), child $child: exit status"
	csv_values "$TMP/methods-$child/fork-pin.csv" coherent | all_equal yes; ok $? "child $child: coherence holds"
done
if grep -q "skipping --pin gup-test" "$TMP/out"; then
	grep -q "gup-test: .*gup_test" "$TMP/methods-exit/meta.txt"; ok $? "gup-test missing: the reason is in meta.txt"
fi

# 5. The check catches a pin that no longer covers the parent's pages.
run_bin $FP --pin iouring --pinned 1M --backing small --dontfork 0 --repeat 1 --inject-incoherence -o "$TMP/inject"
is "$RC" 1 "planted incoherence: exit 1"
grep -q "pinned pages have a new PFN" "$TMP/out"; ok $? "planted incoherence: PFN change reported"
grep -q "device reads other data than the parent wrote" "$TMP/out"; ok $? "planted incoherence: parent's write not seen through the pin"
grep -q "READ_FIXED into the pinned buffer is not visible" "$TMP/out"; ok $? "planted incoherence: device write not seen by the parent"
csv_values "$TMP/inject/fork-pin.csv" coherent | all_equal no; ok $? "planted incoherence: coherent=no in the CSV"

# 6. Missing capabilities: exit 4 with the reason, never a crash.
if [ -e /sys/kernel/debug/gup_test ]; then
	skip "this kernel has gup_test"
else
	run_bin $FP --pin gup-test --pinned 1M --backing small -o "$TMP/gup"
	is "$RC" 4 "no gup_test: exit 4"
	grep -q "skipped: .*gup_test" "$TMP/out"; ok $? "no gup_test: reason printed"
	grep -q "^fork-pin.skipped=.*gup_test" "$TMP/gup/meta.txt"; ok $? "no gup_test: reason in meta.txt"
fi
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	chmod o+x "$TMP" && mkdir -m 777 "$TMP/nobody"
	(ulimit -l 64 && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/$FP" --pin iouring --pinned 16M \
		-o "$TMP/nobody/out") >"$TMP/out" 2>&1 </dev/null
	is "$?" 4 "not root, 64K memlock limit: exit 4"
	grep -q "RLIMIT_MEMLOCK" "$TMP/out"; ok $? "not root: the memlock limit is named"
else
	skip "memlock limit as an unprivileged user needs root and setpriv"
fi
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 0 ]; then
	run_bin $FP --pin iouring --pinned 1M --backing small -o "$TMP/disabled"
	is "$RC" 4 "io_uring disabled: exit 4"
fi

# 7. Bad input: exit 2, one line, nothing written.
bad_input() {	# bad_input NAME ARGS...
	local name=$1; shift
	rm -rf "$TMP/bad"
	run_bin $FP "$@" -o "$TMP/bad"
	is "$RC" 2 "bad input ($name): exit 2"
	is "$(wc -l <"$TMP/out")" 1 "bad input ($name): one line"
	[ ! -e "$TMP/bad" ]; ok $? "bad input ($name): nothing written"
}
bad_input "--pin rdma" --pin rdma
bad_input "--pinned 8M --total 4M" --pinned 8M --total 4M
bad_input "--backing partial-thp" --backing partial-thp
bad_input "--backing thp --pinned 3M" --backing thp --pinned 3M
bad_input "--dontfork 2" --dontfork 2
bad_input "--child fork" --child fork

# 8. The figure renders from a run.
if command -v gnuplot >/dev/null; then
	mkdir -p "$TMP/small/plots"
	gnuplot -e "dir='$TMP/small'; out='$TMP/small/plots'" "$TOP/plots/fork-pin.gp" >"$TMP/out" 2>&1
	ok $? "fork-pin.gp runs"
	[ -s "$TMP/small/plots/fork-pin.png" ] && [ -s "$TMP/small/plots/fork-pin.svg" ]; ok $? "fork-pin.png and .svg written"
else
	skip "gnuplot not installed"
fi
done_testing
