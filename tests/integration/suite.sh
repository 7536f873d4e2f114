#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The suite runner and the install: `cowbench run` writes a results
# directory with meta.txt, CSVs, a suite summary and rendered figures;
# `make install` puts a working cowbench under DESTDIR/PREFIX.
. "$(dirname "$0")/../lib.sh"
CB=$TOP/tools/cowbench

"$CB" run --quick --only cow-fault --label suite-test -o "$TMP/run" >"$TMP/out" 2>&1; rc=$?
is "$rc" 0 "cowbench run --quick --only cow-fault: exit status"
grep -q '^cow-fault exit=0 ' "$TMP/run/suite.txt"; ok $? "suite.txt records cow-fault's exit status"
grep -q '^label=suite-test$' "$TMP/run/meta.txt"; ok $? "meta.txt carries the label"
grep -q '^kernel.release=' "$TMP/run/meta.txt"; ok $? "meta.txt names the kernel release"
for f in cow-fault.csv cow-fault-hist.csv plots/cow-fault.png plots/cow-fault.svg; do
	[ -s "$TMP/run/$f" ]; ok $? "$f written"
done
grep -q "results in $TMP/run/" "$TMP/out"; ok $? "the runner says where the results are"

"$CB" run --bogus >"$TMP/out" 2>&1; is "$?" 2 "unknown runner option: exit 2"
"$CB" nosuch >"$TMP/out" 2>&1; is "$?" 2 "unknown command: exit 2"
"$CB" run --label a/b >"$TMP/out" 2>&1; is "$?" 2 "label with a slash: exit 2"

make -s -C "$TOP" install DESTDIR="$TMP/inst" PREFIX=/usr >"$TMP/out" 2>&1; rc=$?
is "$rc" 0 "make install DESTDIR=... PREFIX=/usr"
[ -x "$TMP/inst/usr/libexec/cowbench/cow-fault" ]; ok $? "binaries installed under libexec/cowbench"
[ -f "$TMP/inst/usr/share/cowbench/plots/cow-fault.gp" ]; ok $? "plot scripts installed"
COWBENCH_BIN=$TMP/inst/usr/libexec/cowbench "$TMP/inst/usr/bin/cowbench" list >"$TMP/out" 2>&1
grep -q '^cow-fault:' "$TMP/out"; ok $? "installed cowbench lists the suite"
done_testing
