#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/cowbench vm: the suite inside Debian's 6.1 and 6.12 cloud kernels
# under QEMU (software emulation here), results and meta.txt per kernel,
# the comparison; a panicking, a hanging and a garbling guest each reported
# for its kernel while the next kernel still runs; no QEMU left behind,
# also after Ctrl-C. Kernels are fetched once into the cache.
. "$(dirname "$0")/../lib.sh"

VM=$TOP/tools/cowbench
export COWBENCH_BIN=$BIN
res=$TMP/results

our_qemus() { pgrep -f -- "-name cowbench-vm-" | tr '\n' ' '; }
vm() {	# vm ARGS...: output in $TMP/out, status in RC, seconds in SECS
	local t0=$SECONDS
	"$VM" vm -o "$res" "$@" >"$TMP/out" 2>&1 </dev/null
	RC=$? SECS=$((SECONDS - t0))
}
meta() { sed -n "s/^$2=//p" "$1/meta.txt" 2>/dev/null | head -n1; }

# Usage errors: one line, exit 2, nothing written, nothing booted.
vm --quick
is "$RC" 2 "no --kernel: usage error"
vm --kernel debian:6.1 --cpus 0
is "$RC" 2 "--cpus 0: usage error"
vm --kernel "$TMP/no-such-image"
is "$RC" 2 "missing kernel image: usage error"
vm --kernel debian:6.1 --only no-such-bench
is "$RC" 2 "--only with an unknown program: usage error"
vm --kernel debian:6.1 --mem 12Q
[ "$RC" -eq 2 ] && [ "$(wc -l <"$TMP/out")" -eq 1 ]; ok $? "--mem 12Q: exit 2 with one line ($(head -n1 "$TMP/out"))"
[ ! -e "$res" ]; ok $? "usage errors wrote nothing"

missing=""
for t in qemu-system-x86_64 busybox cpio; do command -v $t >/dev/null || missing="$missing $t"; done
[ -x "$BIN/cow-fault" ] || missing="$missing cow-fault (not built)"
if [ -n "$missing" ]; then
	skip "vm runs: missing$missing"
	done_testing; exit
fi

# --- both kernels, the quick suite (cow-fault is the only program in the
# quick suite that the acceptance run is restricted to, so the test stays
# within minutes under software emulation whatever joins the suite later).
vm --kernel debian:6.1 --kernel debian:6.12 --quick --only cow-fault --mem 1G --label t
if [ "$RC" -ne 0 ] && grep -q 'cannot fetch\|no Debian cloud kernel package' "$TMP/out"; then
	show_out
	skip "vm runs: the Debian kernels cannot be fetched here"
	done_testing; exit
fi
is "$RC" 0 "vm --kernel debian:6.1 --kernel debian:6.12 --quick --only cow-fault exits 0 (${SECS}s)"
[ "$RC" -eq 0 ] || show_out 40
d61=$(ls -d "$res"/t-6.1.* 2>/dev/null | head -n1)
d612=$(ls -d "$res"/t-6.12.* 2>/dev/null | head -n1)
for d in "$d61" "$d612"; do
	case $d in */t-6.1.*) want=6.1.;; *) want=6.12.;; esac
	rel=$(meta "$d" vm.kernel_release)
	[[ $rel == $want* ]]; ok $? "${d##*/}: vm.kernel_release=$rel names its own kernel"
	is "$(meta "$d" kernel.release)" "$rel" "${d##*/}: the benchmark recorded the guest's release"
	accel=$(meta "$d" vm.accel)
	[[ $accel == tcg || $accel == kvm ]]; ok $? "${d##*/}: vm.accel=$accel recorded"
	[[ $(meta "$d" vm.kernel_source) == debian:* ]]; ok $? "${d##*/}: vm.kernel_source names the Debian package"
	rows=$(grep -vc '^#' "$d/cow-fault.csv" 2>/dev/null)
	[ "${rows:-0}" -gt 1 ]; ok $? "${d##*/}: cow-fault.csv arrived ($((${rows:-1} - 1)) rows)"
	is "$(cut -d' ' -f1,2 "$d/suite.txt" 2>/dev/null)" "cow-fault exit=0" "${d##*/}: suite.txt as a native run writes it"
done
cmp=$res/t-compare
if [ -x "$BIN/cowbench-compare" ]; then
	[ -s "$cmp/compare.txt" ] && [ -s "$cmp/compare.md" ]; ok $? "comparison report in t-compare/"
	if command -v gnuplot >/dev/null; then
		ls "$cmp"/*.png >/dev/null 2>&1; ok $? "comparison figures in t-compare/"
	else
		skip "comparison figures: gnuplot is not installed"
	fi
else
	skip "comparison: cowbench-compare is not built"
fi
is "$(our_qemus)" "" "no QEMU left after the run"

# --- a guest that panics (its init exits) is reported, the next kernel runs
cat >"$TMP/panic-init" <<'EOF'
#!/bin/sh
# 6.1 guests: init exits, so the kernel panics (panic=-1 ends QEMU).
case $(uname -r) in 6.1.*) echo "bogus init: exiting"; exit 1;; esac
exec /sbin/cowbench-init "$@"
EOF
vm --kernel debian:6.1 --kernel debian:6.12 --init "$TMP/panic-init" --timeout 120 --label p \
	-- cow-fault --size 4M --repeat 2 --backing small --writers parent
is "$RC" 3 "a panicking kernel makes the command fail with 3"
d=$(ls -d "$res"/p-6.1.* | head -n1)
st=$(meta "$d" vm.status)
[[ $st == panicked* ]]; ok $? "6.1: reported as panicked ($st)"
is "$(meta "$d" vm.boot_retry)" "" "6.1: a panic after init started is not retried"
grep -q 'panicked: Kernel panic' "$TMP/out"; ok $? "the panic is reported on the terminal"
[ "$SECS" -lt 120 ]; ok $? "reported within the timeout (${SECS}s for both kernels)"
d=$(ls -d "$res"/p-6.12.* | head -n1)
is "$(meta "$d" vm.status)" "exit 0" "6.12 still ran after 6.1 panicked"
[ -s "$d/cow-fault.csv" ]; ok $? "6.12 results arrived"
is "$(our_qemus)" "" "no QEMU left after a panic"

# --- a kernel that panics in its own boot, before any init: booted once
# more (such panics can be flukes of emulation), then reported
vm --kernel debian:6.12 --append mem=20M --timeout 120 --label m -- cow-fault
d=$(ls -d "$res"/m-* | head -n1)
is "$RC" 3 "a kernel that cannot boot makes the command fail with 3"
[[ $(meta "$d" vm.status) == panicked* ]]; ok $? "it is reported as panicked ($(meta "$d" vm.status))"
[[ $(meta "$d" vm.boot_retry) == "the first boot panicked before init"* ]]; ok $? "after a second boot, noted in vm.boot_retry"
[ -s "$d/vm-console-boot1.log" ] && [ -s "$d/vm-console.log" ]; ok $? "both boots' consoles are kept"

# --- a guest that hangs in a benchmark: killed at --timeout, named
cat >"$TMP/hang-init" <<'EOF'
#!/bin/sh
mount -t devtmpfs dev /dev
stty -F /dev/ttyS1 raw -echo
echo "@@cowbench hello release=$(uname -r)" >/dev/ttyS1
echo "@@cowbench start cow-fault" >/dev/ttyS1
while :; do sleep 1000; done
EOF
vm --kernel debian:6.12 --init "$TMP/hang-init" --timeout 20 --label h -- cow-fault
is "$RC" 3 "a hanging guest makes the command fail with 3"
st=$(meta "$(ls -d "$res"/h-* | head -n1)" vm.status)
is "$st" "timed out after 20s, during cow-fault" "the hang is reported with the benchmark it hung in"
[ "$SECS" -lt 60 ]; ok $? "and the guest is stopped at the timeout (${SECS}s)"
is "$(our_qemus)" "" "no QEMU left after a hang"

# --- results damaged on the way home: detected by the checksum, not used
cat >"$TMP/garble-init" <<'EOF'
#!/bin/sh
mount -t devtmpfs dev /dev
. /cowbench/params
mkdir -p /results/$label /tmp
echo "a,b" >/results/$label/cow-fault.csv
tar -C /results -czf /tmp/r.tgz "$label"
stty -F /dev/ttyS1 raw -echo
exec 3>/dev/ttyS1
echo "@@cowbench hello release=$(uname -r)" >&3
echo "@@cowbench start cow-fault" >&3
echo "@@cowbench done cow-fault exit=0" >&3
echo "@@cowbench data cow-fault bytes=$(wc -c </tmp/r.tgz) sha256=$(sha256sum /tmp/r.tgz | cut -d' ' -f1)" >&3
# Same length, other bytes: shift every letter of the first base64 line.
base64 /tmp/r.tgz | sed '1y/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/BCDEFGHIJKLMNOPQRSTUVWXYZAbcdefghijklmnopqrstuvwxyza/' >&3
echo "@@cowbench end cow-fault" >&3
echo "@@cowbench exit 0" >&3
exec 3>&-
poweroff -f
EOF
vm --kernel debian:6.12 --init "$TMP/garble-init" --timeout 60 --label g -- cow-fault
d=$(ls -d "$res"/g-* | head -n1)
is "$RC" 3 "damaged results make the command fail with 3"
grep -q 'results of cow-fault arrived damaged' "$TMP/out"; ok $? "the damaged benchmark is named"
[ ! -e "$d/cow-fault.csv" ]; ok $? "damaged results are not unpacked"

# --- cgroup v2 for real: the host has only v1's memory controller, the guest has v2's
vm --kernel debian:6.12 --label v2 -- swap-dirty --size 256M --memory-limit 64M --duration 5s
d=$(ls -d "$res"/v2-* | head -n1)
is "$RC" 0 "swap-dirty in a cgroup v2 guest: exit 0"
grep -q '^swap-dirty.cgroup=v2$' "$d/meta.txt"; ok $? "swap-dirty used the cgroup v2 memory controller"
is "$(csv_values "$d/swap-dirty.csv" swapped)" yes "cgroup v2: the workload swapped (memory.max, memory.swap.max)"
is "$(csv_values "$d/swap-dirty.csv" verify_errors)" 0 "cgroup v2: every page verified"

# --- Ctrl-C: the whole process group gets SIGINT, as from a terminal
set -m
"$VM" vm -o "$res" --kernel debian:6.12 --label c -- cow-fault >"$TMP/int" 2>&1 </dev/null &
pid=$!
set +m
for _ in $(seq 120); do
	grep -q 'hello release' "$TMP/int" && break
	sleep 0.5
done
[ -n "$(pgrep -f -- "-name cowbench-vm-$pid")" ]; ok $? "the guest is running before Ctrl-C"
kill -INT -- "-$pid"
wait "$pid"
is "$?" 130 "Ctrl-C: exit 130"
is "$(pgrep -f -- "-name cowbench-vm-$pid")" "" "Ctrl-C: no QEMU left"
left=$(grep -l "^$pid " "${TMPDIR:-/tmp}"/cowbench-vm.*/owner 2>/dev/null)
is "$left" "" "Ctrl-C: the work directory is removed"

done_testing
