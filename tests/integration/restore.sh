#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restore: a run killed with SIGKILL after changing THP knobs, creating a
# memory cgroup with a task inside, adding a swap file and a zram device
# and starting a helper process. `cowbench restore` must put every knob
# back exactly, remove the group, the swap and the device, kill what is
# left, leave the journals of live runs alone (unless --all), and exit 1
# when something can't be undone. The changes are made by
# tests/helpers/hold-changes; journals go to a private state dir.
. "$(dirname "$0")/../lib.sh"
HOLD=$(dirname "$BIN")/tests/helpers/hold-changes
export COWBENCH_STATE_DIR=$TMP/state COWBENCH_BIN=$BIN
T=/sys/kernel/mm/transparent_hugepage

if [ "$(id -u)" -ne 0 ] || [ ! -x "$HOLD" ] || [ ! -x "$BIN/cowbench-restore" ] || [ ! -d $T ]; then
	skip "needs root, THP, tests/helpers/hold-changes and cowbench-restore (make tests)"
	done_testing
	exit
fi
# Swap files need a disk filesystem; /tmp may be a tmpfs.
SWAPDIR=$(mktemp -d /var/tmp/cowbench-restore.XXXXXX)
HPID=
# Should a check fail half-way, nothing may stay behind: kill the helper,
# undo its journal, then remove the files.
at_exit() {
	[ -n "$HPID" ] && kill -9 "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
	"$BIN/cowbench-restore" --all -q
	rm -rf "$TMP" "$SWAPDIR"
}
trap at_exit EXIT

restore() { "$TOP/tools/cowbench" restore "$@" >"$TMP/restore.out" 2>&1; RC=$?; }
show_restore() { sed 's/^/#   /' "$TMP/restore.out"; }
gone() {	# gone PID: no such process, or a zombie about to be reaped
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null)
	[ -z "$st" ] || [[ $st == Z* ]]
}
start_hold() {	# start_hold CHANGE...: the helper makes the changes; waits for "ready"
	local i
	"$HOLD" "$@" >"$TMP/hold.out" 2>"$TMP/hold.err" &
	HPID=$!
	for i in $(seq 200); do
		grep -q '^ready' "$TMP/hold.out" && return 0
		kill -0 $HPID 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/#   /' "$TMP/hold.err"
	return 1
}
other_of() {	# other_of CURRENT A B: A unless CURRENT is A, then B
	if [ "$1" = "$2" ]; then echo "$3"; else echo "$2"; fi
}
selected() { sed -n 's/.*\[\(.*\)\].*/\1/p' "$1"; }

# Knobs no benchmark uses and the suite's machine-state check does not
# watch (other runs may share this machine), each set to a value it does
# not have now: a number, a THP selection knob and an mTHP one.
KPRUNE=/sys/kernel/mm/ksm/stable_node_chains_prune_millisecs
KSHMEM=$T/shmem_enabled
K64=$T/hugepages-64kB/shmem_enabled
changes=(knob $KSHMEM "$(other_of "$(selected $KSHMEM)" advise never)")
watched=($KSHMEM)
if [ -f $KPRUNE ]; then
	changes+=(knob $KPRUNE $(($(cat $KPRUNE) + 1)))
	watched+=($KPRUNE)
fi
if [ -f $K64 ]; then
	changes+=(knob $K64 "$(other_of "$(selected $K64)" never advise)")
	watched+=($K64)
fi
snapshot() { local k; for k in "${watched[@]}"; do echo "$k=$(cat "$k")"; done; }
have_zram=0
[ -d /sys/class/zram-control ] && have_zram=1

# 1. SIGKILL after every kind of change; restore undoes all of it.
before=$(snapshot)
args=("${changes[@]}" cgroup swapfile "file:$SWAPDIR/swapfile" $((64 << 20)) helper)
[ $have_zram = 1 ] && args+=(zram $((64 << 20)))
start_hold "${args[@]}"; ok $? "helper made its changes"
read -r _ cgpath cgtask < <(grep '^cgroup ' "$TMP/hold.out")
read -r _ helper < <(grep '^helper ' "$TMP/hold.out")
read -r _ zram < <(grep '^zram ' "$TMP/hold.out")
[ "$(snapshot)" != "$before" ]; ok $? "knobs changed"
[ -n "${cgpath:-}" ] && [ -d "$cgpath" ]; ok $? "cgroup ${cgpath:-?} exists with task ${cgtask:-?}"
grep -q "^$SWAPDIR/swapfile " /proc/swaps; ok $? "swap file active"
kill -9 $HPID; wait $HPID 2>/dev/null
[ -f "$COWBENCH_STATE_DIR/journal.$HPID" ]; ok $? "SIGKILL left journal.$HPID"
[ "$(snapshot)" != "$before" ] && [ -d "$cgpath" ]; ok $? "nothing was undone by the killed process"
restore
is "$RC" 0 "restore exit status"
show_restore
is "$(snapshot)" "$before" "every knob exactly as before"
for k in "${watched[@]}"; do
	grep -q "undid knob $k " "$TMP/restore.out"; ok $? "restore says it put back $k"
done
[ ! -e "$cgpath" ]; ok $? "cgroup removed"
gone "$cgtask"; ok $? "the task left in the cgroup was killed"
gone "$helper"; ok $? "the helper process was killed"
! grep -q "^$SWAPDIR/swapfile " /proc/swaps && [ ! -e "$SWAPDIR/swapfile" ]; ok $? "swap file off and deleted"
if [ $have_zram = 1 ]; then
	[ -n "${zram:-}" ] && ! grep -q "^/dev/zram$zram " /proc/swaps && [ ! -e /sys/block/zram$zram ]
	ok $? "zram${zram:-?} swapped off and removed"
else
	skip "no zram on this kernel"
fi
[ ! -e "$COWBENCH_STATE_DIR/journal.$HPID" ]; ok $? "journal removed"
restore
is "$RC" 0 "a second restore: exit 0"
grep -q "nothing to restore" "$TMP/restore.out"; ok $? "a second restore has nothing to do"

# 2. A live run's journal is left alone; --all undoes it.
start_hold knob $KSHMEM "$(other_of "$(selected $KSHMEM)" advise never)"; ok $? "a live run changed a knob"
restore
[ "$RC" = 0 ] && [ "$(snapshot)" != "$before" ] && [ -f "$COWBENCH_STATE_DIR/journal.$HPID" ]
ok $? "restore leaves a running run alone"
restore --all
[ "$RC" = 0 ] && [ "$(snapshot)" = "$before" ] && [ ! -f "$COWBENCH_STATE_DIR/journal.$HPID" ]
ok $? "restore --all undoes it"
kill -TERM $HPID; wait $HPID
is "$?" 143 "the run still ends normally on SIGTERM"
is "$(snapshot)" "$before" "knobs still as before"

# 3. SIGTERM: the run undoes its own changes, no restore needed.
start_hold "${changes[@]}" cgroup; ok $? "a run changed knobs and made a cgroup"
read -r _ cgpath cgtask < <(grep '^cgroup ' "$TMP/hold.out")
kill -TERM $HPID; wait $HPID
is "$?" 143 "SIGTERM: exit 128+15"
is "$(snapshot)" "$before" "SIGTERM: knobs restored by the run itself"
[ ! -e "$cgpath" ] && [ ! -e "$COWBENCH_STATE_DIR/journal.$HPID" ]; ok $? "SIGTERM: cgroup and journal gone"
gone "$cgtask"; ok $? "SIGTERM: the cgroup's task was killed"

# 4. What can't be undone: exit 1, and it stays in the journal.
sleep 0 & dead=$!; wait $dead
mkdir -p "$COWBENCH_STATE_DIR"
printf 'process %d 1\nknob %s/no-such-knob 1\n' $dead "$TMP" >"$COWBENCH_STATE_DIR/journal.$dead"
restore
is "$RC" 1 "an entry that can't be undone: exit 1"
grep -q "could not undo knob $TMP/no-such-knob" "$TMP/restore.out"; ok $? "and says which"
grep -q "no-such-knob" "$COWBENCH_STATE_DIR/journal.$dead"; ok $? "the entry stays in the journal"
rm -f "$COWBENCH_STATE_DIR/journal.$dead"

restore --bogus
is "$RC" 2 "unknown option: exit 2"
done_testing
