#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# swap-dirty on the real kernel: the quick configuration (smaller) really
# swaps in its cgroup and verifies every page without error; a planted
# corruption is caught and the page named (exit 1); an OOM kill in the
# cgroup is reported, not waited on; without swap the run skips with the
# command that fixes it; and after a normal end, SIGINT, and SIGKILL plus
# `cowbench restore`, no cgroup, swap file or process is left. Journals go
# to a private state dir; swap files to /var/tmp (/tmp may be a tmpfs).
. "$(dirname "$0")/../lib.sh"
export COWBENCH_STATE_DIR=$TMP/state COWBENCH_BIN=$BIN
SWAPFILE=/var/tmp/cowbench-test-swap-dirty.$$
SD=$BIN/swap-dirty
PID=

at_exit() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	"$BIN/cowbench-restore" --all -q 2>/dev/null
	rm -rf "$TMP"
}
trap at_exit EXIT

if [ "$(id -u)" -ne 0 ] || [ ! -x "$SD" ]; then
	skip "needs root and $SD (make)"
	done_testing
	exit
fi

# What this test's runs could leave behind: their cgroups, swap file and processes.
leftovers() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name 'cowbench-swap-dirty-*' 2>/dev/null
	grep -F "$SWAPFILE" /proc/swaps
	[ -e "$SWAPFILE" ] && echo "file $SWAPFILE"
	pgrep -x swap-dirty | sed 's/^/process /'
}
# A killed workload may take a moment to give back its memory and swap.
clean_within() {	# clean_within SECONDS NAME
	local i
	for i in $(seq $(($1 * 10))); do
		[ -z "$(leftovers)" ] && break
		sleep 0.1
	done
	is "$(leftovers | tr '\n' ' ')" "" "$2: no cgroup, swap file or process left"
}
col_sum() { csv_values "$1" "$2" | awk '{ s += $1 } END { printf "%.0f", s }'; }
summary() { csv_values "$1/swap-dirty.csv" "$2" | head -1; }

# 1. Usage errors: exit 2, nothing written.
run_bin swap-dirty --pattern zigzag -o "$TMP/usage"
is "$RC" 2 "bad --pattern is a usage error"
ok "$([ ! -e "$TMP/usage" ]; echo $?)" "a usage error writes nothing"
run_bin swap-dirty --make-swap tape:/dev/st0 -o "$TMP/usage"
is "$RC" 2 "bad --make-swap is a usage error"

# 2. Not enough swap and no --make-swap: skip, naming the command that fixes it.
read -r _ free < <(awk 'NR > 1 { s += $3 - $4 } END { print 0, s * 1024 }' /proc/swaps)
if [ "${free:-0}" -lt $((260 << 20)) ]; then
	run_bin swap-dirty --size 256M --memory-limit 64M --duration 1s -o "$TMP/noswap"
	is "$RC" 4 "without swap the run is skipped"
	grep -q -- "--size 256M --memory-limit 64M --duration 1s -o $TMP/noswap --make-swap file:" "$TMP/out"
	ok $? "the skip message holds the command with --make-swap" || show_out
	grep -q '^swap-dirty.skipped=not enough swap' "$TMP/noswap/meta.txt"
	ok $? "the reason is in meta.txt"
else
	skip "this machine has swap: the no-swap skip is not tested"
fi

# 3. The quick configuration, smaller: it swaps in the cgroup, no verification error.
run_bin swap-dirty --quick --size 512M --memory-limit 128M --duration 5s -o "$TMP/quick" \
	--make-swap "file:$SWAPFILE"
is "$RC" 0 "quick configuration (512M in 128M, 5 s) measured" || show_out 30
Q=$TMP/quick
is "$(summary "$Q" verify_errors)" 0 "no verification error"
is "$(summary "$Q" swapped)" yes "the run swapped"
ok "$([ "$(col_sum "$Q/swap-dirty-timeseries.csv" pswpout_per_s)" -gt 0 ]; echo $?)" "pswpout > 0 during the run"
ok "$(awk -v s="$(summary "$Q" cg_swap_max_mib)" 'BEGIN { exit !(s > 0) }'; echo $?)" \
	"the cgroup used swap ($(summary "$Q" cg_swap_max_mib) MiB)"
ok "$([ "$(csv_values "$Q/swap-dirty-timeseries.csv" t_s | wc -l)" -ge 4 ]; echo $?)" "one timeseries row per second"
grep -q "^swap-dirty.swap=added .* at $SWAPFILE" "$Q/meta.txt"
ok $? "meta.txt says the swap file was added"
clean_within 5 "after the run"
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$Q'; out='$Q/plots'" "$TOP/plots/swap-dirty.gp" 2>"$TMP/gp.err"
	ok "$([ -s "$Q/plots/swap-dirty.png" ] && [ -s "$Q/plots/swap-dirty.svg" ]; echo $?)" "figure rendered (PNG and SVG)" ||
		sed 's/^/#   /' "$TMP/gp.err"
else
	skip "gnuplot is not installed"
fi

# 4. Two writers, random pages, a COW sharer forked every 500 ms, under swap.
run_bin swap-dirty --size 192M --memory-limit 48M --duration 3s --threads 2 --pattern random \
	--fork-every 500ms -o "$TMP/fork" --make-swap "file:$SWAPFILE"
is "$RC" 0 "random pages, 2 writers, fork every 500 ms" || show_out 30
ok "$([ "$(summary "$TMP/fork" forks)" -ge 2 ]; echo $?)" "the sharers were forked ($(summary "$TMP/fork" forks))"
is "$(summary "$TMP/fork" verify_errors)" 0 "no verification error with forks"

# 5. A planted corruption is caught and the page named: under swap, and at the end.
COWBENCH_TEST_CORRUPT_PAGE=12345 run_bin swap-dirty --size 128M --memory-limit 32M --duration 2s \
	-o "$TMP/corrupt" --make-swap "file:$SWAPFILE"
is "$RC" 1 "planted corruption under swap: exit 1"
grep -q "verification error: page 12345 .*before overwriting" "$TMP/out"
ok $? "the damaged page is named" || show_out
is "$(summary "$TMP/corrupt" verify_errors)" 1 "one verification error counted"
COWBENCH_TEST_CORRUPT_PAGE=777 run_bin swap-dirty --memory-limit 0 --size 32M --duration 1s \
	--verify-only-at-end -o "$TMP/corrupt-end"
is "$RC" 1 "planted corruption with --verify-only-at-end: exit 1"
grep -q "verification error: page 777 .*final check" "$TMP/out"
ok $? "the final check names the page" || show_out
clean_within 5 "after the corruption runs"

# 6. An OOM kill inside the cgroup is reported with the figures, promptly.
SECONDS=0
run_bin swap-dirty --size 256M --memory-limit 32M --swap 0 --duration 20s -o "$TMP/oom"
is "$RC" 1 "OOM kill: exit 1"
grep -q "OOM kill in memory cgroup .*memory limit 32M, swap limit 0" "$TMP/out"
ok $? "the OOM kill is reported with limit and swap figures" || show_out
ok "$([ $SECONDS -lt 15 ]; echo $?)" "reported without waiting for --duration ($SECONDS s)"
clean_within 5 "after the OOM kill"

# 7. Interrupted (SIGINT) and killed (SIGKILL + restore) while swapping.
start_bg() {
	local i
	"$SD" --size 256M --memory-limit 64M --duration 60s -o "$TMP/bg" --make-swap "file:$SWAPFILE" \
		>"$TMP/bg.out" 2>&1 </dev/null &
	PID=$!
	for i in $(seq 100); do
		grep -qF "$SWAPFILE" /proc/swaps && [ -n "$(find /sys/fs/cgroup -maxdepth 3 -type d \
			-name "cowbench-swap-dirty-$PID-*" 2>/dev/null)" ] && sleep 1 && return 0
		sleep 0.1
	done
	return 1
}
start_bg; ok $? "a background run created its cgroup and swap file"
kill -INT "$PID"
wait "$PID"
is "$?" 130 "SIGINT: exit 130"
PID=
clean_within 10 "after SIGINT"

start_bg; ok $? "a second background run started"
kill -KILL "$PID"
wait "$PID" 2>/dev/null
PID=
"$TOP/tools/cowbench" restore >"$TMP/out" 2>&1
is "$?" 0 "cowbench restore after SIGKILL" || show_out
clean_within 10 "after SIGKILL and restore"

# 8. The baseline loop (no stamps) runs without a cgroup.
run_bin swap-dirty --bare --memory-limit 0 --size 64M --duration 1s -o "$TMP/bare"
is "$RC" 0 "--bare without a memory limit" || show_out
is "$(summary "$TMP/bare" loop)" bare "the summary names the loop"
done_testing
