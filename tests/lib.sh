# SPDX-License-Identifier: GPL-2.0
# Helpers for integration tests: TAP output, running binaries, and the
# machine-state snapshot that proves a run left nothing behind.
# Tests source this; BIN, TOP and TMP are set for them.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${BIN:-$TOP/build/bin}
TMP=$(mktemp -d /tmp/cowbench-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
_n=0
_failed=0

ok() {	# ok COND-STATUS NAME...: 0 = pass
	local st=$1; shift
	_n=$((_n + 1))
	if [ "$st" -eq 0 ]; then echo "ok $_n - $*"; else echo "not ok $_n - $*"; _failed=$((_failed + 1)); fi
}
pass() { ok 0 "$@"; }
fail() { ok 1 "$@"; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $*"; }
diag() { echo "# $*"; }
is() {	# is GOT WANT NAME
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then pass "$*"; else fail "$* (got '$got', want '$want')"; fi
}
done_testing() { echo "1..$_n"; [ $_failed -eq 0 ]; }

# run_bin NAME ARGS...: runs $BIN/NAME, stdout+stderr to $TMP/out, status in $RC.
run_bin() {
	local name=$1; shift
	"$BIN/$name" "$@" >"$TMP/out" 2>&1 </dev/null
	RC=$?
	return 0
}
show_out() { sed 's/^/#   /' "$TMP/out" | head -n "${1:-20}"; }

# CSV helpers: column index by header name, and values of a column.
csv_col() { head -n1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
csv_values() {	# csv_values FILE COLUMN [FILTER-COLUMN VALUE]
	local f=$1 c i fc fi
	i=$(csv_col "$f" "$2")
	[ -n "$i" ] || return 1
	if [ $# -ge 4 ]; then
		fi=$(csv_col "$f" "$3")
		awk -F, -v i="$i" -v fi="$fi" -v fv="$4" 'NR > 1 && !/^#/ && $fi == fv { print $i }' "$f"
	else
		awk -F, -v i="$i" 'NR > 1 && !/^#/ { print $i }' "$f"
	fi
}

# The machine state a run must leave as found.
machine_state() {
	local k
	for k in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag \
		 /sys/kernel/mm/transparent_hugepage/hugepages-*/enabled \
		 /sys/kernel/mm/transparent_hugepage/khugepaged/* \
		 /sys/kernel/mm/ksm/run /sys/kernel/mm/ksm/pages_to_scan /sys/kernel/mm/ksm/sleep_millisecs \
		 /sys/kernel/mm/ksm/max_page_sharing /sys/kernel/mm/ksm/use_zero_pages /sys/kernel/mm/ksm/merge_across_nodes \
		 /proc/sys/vm/swappiness /proc/sys/kernel/numa_balancing /proc/sys/vm/compaction_proactiveness; do
		case $k in *full_scans|*pages_collapsed|*pages_unshared) continue;; esac
		[ -f "$k" ] && [ -r "$k" ] && echo "$k=$(cat "$k" 2>/dev/null)"
	done
	echo "swaps=$(tail -n +2 /proc/swaps | awk '{print $1}' | tr '\n' ' ')"
	echo "cgroups=$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'cowbench-*' 2>/dev/null | tr '\n' ' ')"
	echo "procs=$(pgrep -f -- '(^|/)(cow-fault|fork-pin|thp-mapcount|ksm-cow|swap-dirty|pin-stability)( |$)' | grep -vx "$$" | tr '\n' ' ')"
}
