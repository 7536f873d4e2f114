#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# cowbench compare on synthetic result directories whose truth is known
# (tests/helpers/gen-results: normal samples from fixed seeds): equal
# distributions give no more stars than chance; one metric scaled by 1.3
# is starred alone with the right sign, change and CI; the Markdown is a
# table and the text lines up; warnings, missing rows, figures, malformed
# input (exit 2 naming file and line, never a crash); then two real
# cow-fault --quick runs.
. "$(dirname "$0")/../lib.sh"
CMP=$BIN/cowbench-compare
GEN=$(dirname "$BIN")/tests/helpers/gen-results
if [ ! -x "$CMP" ] || [ ! -x "$GEN" ]; then
	fail "cowbench-compare or tests/helpers/gen-results not built (make all tests)"
	done_testing; exit
fi

gen() { "$GEN" "$@" >/dev/null 2>&1 || fail "gen-results $*"; }
# The long CSV as tab-separated fields (point keys hold commas inside quotes).
# Fields: 1 bench 2 point 3 metric 4 kind 5 run 6 n 7 central ... 14 change_pct
# 15 p 16 ci_change_lo_pct 17 ci_change_hi_pct 18-19 ratio CI 20 significant 21 warning.
tsv() {
	awk '{ n = 0; cur = ""; q = 0
	       for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
		 if (q) { if (c == "\"") { if (substr($0, i + 1, 1) == "\"") { cur = cur c; i++ } else q = 0 } else cur = cur c }
		 else if (c == "\"") q = 1
		 else if (c == ",") { f[++n] = cur; cur = "" } else cur = cur c }
	       f[++n] = cur; out = f[1]; for (i = 2; i <= n; i++) out = out "\t" f[i]; print out }' "$@"
}
# rows RUN METRIC: the long-table rows of one run and metric.
rows() { awk -F'\t' -v r="$1" -v m="$2" '$5 == r && $3 == m' "$TMP/cmp.tsv"; }
compare_csv() {	# compare_csv DIR...: long CSV into $TMP/cmp.tsv, status in RC
	"$CMP" --format csv "$@" >"$TMP/cmp.csv" 2>"$TMP/err"
	RC=$?
	tsv "$TMP/cmp.csv" >"$TMP/cmp.tsv"
}

# 1. Same distribution, different seeds: stars no more often than chance allows.
stars=0 tests=0
for s in 1 2 3 4 5; do
	gen "$TMP/same$s-a" --label a --seed $((100 + s)) --points 6 --reps 8
	gen "$TMP/same$s-b" --label b --seed $((200 + s)) --points 6 --reps 8
	compare_csv "$TMP/same$s-a" "$TMP/same$s-b"
	[ "$RC" -eq 0 ] || fail "same distribution: exit $RC"
	stars=$((stars + $(awk -F'\t' '$5 == "b" && $4 != "ops" && $20 == 1' "$TMP/cmp.tsv" | wc -l)))
	tests=$((tests + $(awk -F'\t' '$5 == "b" && $4 != "ops"' "$TMP/cmp.tsv" | wc -l)))
done
is "$tests" 60 "same distribution: 5 pairs x 6 points x 2 metrics compared"
# Binomial(60, 0.05): mean 3, P(X > 8) < 0.5%.
[ "$stars" -le 8 ]; ok $? "same distribution: $stars of $tests starred (chance: ~3)"

# 2. One metric scaled by 1.3 in every sample (same seed otherwise).
gen "$TMP/A" --label base --seed 1 --points 6 --reps 8
gen "$TMP/lat" --label lat13 --seed 1 --points 6 --reps 8 --scale fault_ns=1.3
gen "$TMP/rate" --label rate13 --seed 1 --points 6 --reps 8 --scale pages_per_s=1.3
check_scaled() {	# check_scaled RUN METRIC OTHER WANT_CHANGE
	local run=$1 metric=$2 other=$3 want=$4 n
	n=$(rows "$run" "$metric" | awk -F'\t' -v w="$want" '$20 == 1 && $14 - w < 0.01 && w - $14 < 0.01 && $16 <= w && w <= $17' | wc -l)
	is "$n" 6 "$run: $metric starred at all 6 points with change $want% and the CI around it"
	n=$(awk -F'\t' -v r="$run" -v m="$metric" '$5 == r && $3 != m && ($20 != 0 || $14 != 0)' "$TMP/cmp.tsv" | wc -l)
	is "$n" 0 "$run: every other metric ($other, pgfault_per_op) unchanged and unstarred"
}
compare_csv "$TMP/A" "$TMP/lat"
is "$RC" 0 "latency x1.3: exit 0"
check_scaled lat13 fault_ns pages_per_s -30
compare_csv "$TMP/A" "$TMP/rate"
check_scaled rate13 pages_per_s fault_ns 30
# Seen from the scaled side the same effect is (1.3 - 1) / 1.3 = 23.08%.
compare_csv "$TMP/lat" "$TMP/A"
check_scaled base fault_ns pages_per_s 23.0769
compare_csv "$TMP/rate" "$TMP/A"
check_scaled base pages_per_s fault_ns -23.0769
compare_csv "$TMP/A" "$TMP/lat" "$TMP/rate"
n=$(awk -F'\t' '$20 == 1' "$TMP/cmp.tsv" | wc -l)
is "$n" 12 "three runs: each scaled metric starred against the baseline, nothing else"

# 3. Text: the stars where they belong, and columns that line up.
"$CMP" "$TMP/A" "$TMP/lat" >"$TMP/out.txt" 2>&1
n=$(grep -E '^Median +fault_ns ' "$TMP/out.txt" | grep -cE '\* -30\.00%\*')
is "$n" 6 "text: every fault_ns row reads '* -30.00%*'"
n=$(grep -E '^Hmean +pages_per_s ' "$TMP/out.txt" | grep -c '\*')
is "$n" 0 "text: no star on pages_per_s"
grep -q 'Significant (\*): 6 of 12 comparisons' "$TMP/out.txt"; ok $? "text: summary counts 6 of 12"
# Every table block: right-aligned headings end where their cells end, left-aligned
# ones start where their cells start (a table is a heading line up to a blank line).
aligned=$(awk '
	function check(line,   i) {
		for (i = 1; i <= nh; i++) {
			if (left[i]) { if (start[i] > 1 && length(line) >= start[i] && substr(line, start[i] - 1, 1) != " ") return 0 }
			else if (substr(line, end[i], 1) == " " || substr(line, end[i] + 1, 1) ~ /[^ ]/) return 0
		}
		return 1
	}
	/^(Stat|Metric|Key) / {
		intable = 1; nh = 0; rest = $0; pos = 0; keytable = /^Key /	# metadata: all left
		while (match(rest, /[^ ]+( [^ ]+)*/)) {
			h = substr(rest, RSTART, RLENGTH); nh++
			start[nh] = pos + RSTART; end[nh] = pos + RSTART + RLENGTH - 1
			left[nh] = keytable || h ~ /^(Stat|Metric|Point|Notes|Counter)$/
			pos += RSTART + RLENGTH - 1; rest = substr(rest, RSTART + RLENGTH)
		}
		tables++; next
	}
	/^$/ { intable = 0; next }
	intable { rows++; if (!check($0)) { bad++; print "# misaligned: " $0 > "/dev/stderr" } }
	END { printf "%d %d %d\n", tables, rows, bad }' "$TMP/out.txt")
set -- $aligned
[ "$1" -ge 3 ] && [ "$2" -ge 24 ] && [ "$3" -eq 0 ]; ok $? "text: $2 rows in $1 tables line up in columns ($3 misaligned)"
! grep -q ' $' "$TMP/out.txt"; ok $? "text: no trailing blanks"

# 4. Markdown: each table is a header, an alignment row, rows with the same cell count.
"$CMP" --format md "$TMP/A" "$TMP/lat" >"$TMP/out.md" 2>&1
md=$(awk '
	/^\|/ { if (!intable) { intable = 1; tables++; cells = gsub(/[^\\]\|/, "&"); line = 1; next }
		line++; n = gsub(/[^\\]\|/, "&")
		if (line == 2 && $0 !~ /^\|( :?---:? \|)+$/) bad++
		if (n != cells) bad++
		rows++; next }
	{ intable = 0 }
	END { printf "%d %d %d\n", tables, rows, bad }' "$TMP/out.md")
set -- $md
[ "$1" -ge 3 ] && [ "$2" -ge 24 ] && [ "$3" -eq 0 ]; ok $? "markdown: $1 tables, $2 rows, well-formed ($3 bad)"
grep -qF '\* -30.00%\*' "$TMP/out.md"; ok $? "markdown: stars escaped so they are not emphasis"
grep -q '^| Stat | Metric | Point | base | CoV | n | lat13 | CoV | n | p | 95% CI | Notes |$' "$TMP/out.md"
ok $? "markdown: result table heading"

# 5. Too few samples or too noisy: p < 0.05 is not starred, and it says so.
gen "$TMP/few-a" --label a --seed 1 --points 2 --reps 4
gen "$TMP/few-b" --label b --seed 1 --points 2 --reps 4 --scale fault_ns=1.3
compare_csv "$TMP/few-a" "$TMP/few-b"
n=$(rows b fault_ns | awk -F'\t' '$15 < 0.05 && $20 == 0 && $21 ~ /n<5/' | wc -l)
is "$n" 2 "n = 4 per side: p < 0.05 but not starred, warning n<5"
"$CMP" "$TMP/few-a" "$TMP/few-b" >"$TMP/out.txt" 2>&1
n=$(grep -E '^Median +fault_ns ' "$TMP/out.txt" | grep -E '\? -30\.00%\?' | grep -c 'n<5')
is "$n" 2 "text: '?' instead of '*' and the note n<5"
gen "$TMP/noisy-a" --label a --seed 1 --points 2 --reps 10 --cov 0.2
gen "$TMP/noisy-b" --label b --seed 7 --points 2 --reps 10 --cov 0.2 --scale fault_ns=1.5
compare_csv "$TMP/noisy-a" "$TMP/noisy-b"
n=$(rows b fault_ns | awk -F'\t' '$20 == 0 && $21 ~ /cov>5%/' | wc -l)
is "$n" 2 "CoV 20%: never starred, warning cov>5%"

# 6. Missing rows, metadata that differs, and the warnings that matter.
gen "$TMP/drop" --label drop --seed 2 --points 6 --reps 8 --drop 2 \
	--meta cpu.model=OtherCPU --meta kernel.release=6.19.0-rc1 --args "--quick --size 2G"
"$CMP" "$TMP/A" "$TMP/drop" >"$TMP/out.txt" 2>&1
is "$?" 0 "missing point: still compares the rest"
grep -q 'point backing=pte-thp,writers=parent only in base (not in drop)' "$TMP/out.txt"
ok $? "missing point listed, not dropped silently"
grep -q "WARNING: different machines: cpu.model is 'Synthetic CPU @ 2.0GHz' in base but 'OtherCPU' in drop" "$TMP/out.txt"
ok $? "different CPU model: warned"
grep -q "WARNING: benchmark parameters differ: synth.cmdline is 'synth --quick' in base but 'synth --quick --size 2G' in drop" "$TMP/out.txt"
ok $? "different benchmark parameters: warned (without -o/--label)"
grep -qE '^kernel\.release +6\.18\.0-synthetic +6\.19\.0-rc1$' "$TMP/out.txt"; ok $? "metadata: kernel.release shown"
! grep -qE '^(label|synth\.start|tool\.version|thp\.enabled) ' "$TMP/out.txt"; ok $? "metadata: equal keys and noise left out"
! grep -q 'WARNING: .*kernel.release' "$TMP/out.txt"; ok $? "a different kernel is the point, not a warning"
"$CMP" "$TMP/same1-a" "$TMP/same1-b" >"$TMP/out.txt" 2>&1
! grep -q WARNING "$TMP/out.txt"; ok $? "same parameters, other -o/--label: no warning"

# 7. Output directory: the three formats, figures and a .gp that renders again.
"$CMP" -o "$TMP/fig" "$TMP/A" "$TMP/lat" "$TMP/rate" >/dev/null 2>"$TMP/err"
is "$?" 0 "-o: exit 0"
for f in compare.txt compare.md compare.csv synth-compare.gp synth-compare.dat; do
	[ -s "$TMP/fig/$f" ]; ok $? "-o: $f written"
done
if command -v gnuplot >/dev/null; then
	[ "$(head -c 8 "$TMP/fig/synth-compare.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	ok $? "figure: synth-compare.png is a PNG"
	grep -q '<svg' "$TMP/fig/synth-compare.svg"; ok $? "figure: synth-compare.svg is an SVG"
	n=$(grep -c 'data index' "$TMP/fig/synth-compare.gp")
	is "$n" 2 "figure: one panel per metric (fault_ns, pages_per_s)"
	rm -f "$TMP/fig/synth-compare.png"
	(cd "$TMP/fig" && gnuplot synth-compare.gp) 2>"$TMP/err"
	[ -s "$TMP/fig/synth-compare.png" ]; ok $? "figure: the kept .gp renders again from its directory"
else
	skip "gnuplot not installed: figures not rendered"
fi
cmp -s "$TMP/fig/compare.csv" <("$CMP" --format csv "$TMP/A" "$TMP/lat" "$TMP/rate" 2>/dev/null)
ok $? "-o compare.csv equals --format csv (deterministic, bootstrap seeded)"

# 8. Bad input: exit 2, one clear line naming file and line, nothing written.
bad_case() {	# bad_case NAME WANT-REGEX ARGS...
	local name=$1 want=$2; shift 2
	"$CMP" -o "$TMP/never" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qE "$want" "$TMP/err" && [ ! -e "$TMP/never" ]; then
		pass "$name: exit 2, '$(head -1 "$TMP/err")'"
	else
		fail "$name: exit $rc, stderr: $(head -2 "$TMP/err" | tr '\n' ' ')"
	fi
}
cp -r "$TMP/A" "$TMP/M"
head -c 1000 "$TMP/A/synth.csv" >"$TMP/M/synth.csv"
bad_case "truncated CSV" "synth\.csv:[0-9]+: truncated" "$TMP/A" "$TMP/M"
sed '7s/^\([^,]*,[^,]*,[^,]*\),[^,]*,/\1,12Q,/' "$TMP/A/synth.csv" >"$TMP/M/synth.csv"
bad_case "bad number" "synth\.csv:7: column 'fault_ns': '12Q' is not a number" "$TMP/A" "$TMP/M"
sed '2s/lower/slower/' "$TMP/A/synth.csv" >"$TMP/M/synth.csv"
bad_case "unknown kind" "synth\.csv:2: column 4: unknown kind 'slower'" "$TMP/A" "$TMP/M"
cp "$TMP/A/synth.csv" "$TMP/M/synth.csv"; echo "not a key value line" >>"$TMP/M/meta.txt"
bad_case "bad meta.txt" "meta\.txt:[0-9]+: expected key=value" "$TMP/M" "$TMP/A"
bad_case "no such directory" "nosuch" "$TMP/A" "$TMP/nosuch"
bad_case "one directory" "need at least two" "$TMP/A"
bad_case "bad format" "format" --format html "$TMP/A" "$TMP/lat"
mkdir -p "$TMP/empty"
bad_case "not a results directory" "not a results directory" "$TMP/A" "$TMP/empty"

# Random corruption end to end (the unit test does 20000 in-process): exit 0 or
# 2 with file:line, never a crash.
RANDOM=4242 crashes=0 named=0 refused=0
grammar=(',' '"' $'\n' '#' 'x' '-' '9' ' ')
size=$(stat -c %s "$TMP/A/synth.csv")
for i in $(seq 1 40); do
	cp "$TMP/A/synth.csv" "$TMP/M/synth.csv"; rm -f "$TMP/M/meta.txt"
	for k in 1 2 3; do
		off=$(( (RANDOM * 32768 + RANDOM) % size ))
		case $((RANDOM % 3)) in
		0) printf '%s' "${grammar[RANDOM % ${#grammar[@]}]}" |
			dd of="$TMP/M/synth.csv" bs=1 seek=$off conv=notrunc status=none;;
		1) truncate -s "$off" "$TMP/M/synth.csv";;
		2) printf '\377' | dd of="$TMP/M/synth.csv" bs=1 seek=$off conv=notrunc status=none;;
		esac
	done
	"$CMP" "$TMP/A" "$TMP/M" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -ge 128 ] || [ $rc -eq 3 ] && crashes=$((crashes + 1))
	[ $rc -eq 2 ] && refused=$((refused + 1)) && grep -qE 'synth\.csv:[0-9]+: ' "$TMP/err" && named=$((named + 1))
done
is "$crashes" 0 "40 randomly corrupted CSVs: no crash ($refused refused)"
is "$named" "$refused" "every refusal names file and line"

# 9. The front door, and two real cow-fault runs compared.
COWBENCH_BIN=$BIN "$TOP/tools/cowbench" compare "$TMP/A" "$TMP/lat" >"$TMP/out.txt" 2>&1
ok $? "tools/cowbench compare runs the comparator"
if [ -x "$BIN/cow-fault" ]; then
	for r in real1 real2; do
		"$BIN/cow-fault" --quick -o "$TMP/$r" --label "$r" >/dev/null 2>"$TMP/err"
		rc=$?
		[ $rc -eq 0 ] || [ $rc -eq 4 ] || diag "cow-fault --quick: exit $rc: $(tail -1 "$TMP/err")"
	done
	if [ -s "$TMP/real1/cow-fault.csv" ] && [ -s "$TMP/real2/cow-fault.csv" ]; then
		"$CMP" -o "$TMP/realcmp" "$TMP/real1" "$TMP/real2" >"$TMP/out.txt" 2>"$TMP/err"
		is "$?" 0 "two real cow-fault --quick runs: compared"
		grep -q '^== cow-fault ==' "$TMP/out.txt" && grep -q '^== Ops: cow-fault' "$TMP/out.txt"
		ok $? "real runs: result and Ops tables"
		! grep -q 'WARNING' "$TMP/out.txt"; ok $? "real runs on one machine with one command: no warning"
		n=$(grep -cE '^(Median|Hmean) ' "$TMP/out.txt")
		tsv "$TMP/realcmp/compare.csv" >"$TMP/cmp.tsv"
		bad=$(awk -F'\t' '$20 == 1 && ($6 < 5 || $21 != "")' "$TMP/cmp.tsv" | wc -l)
		[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
		ok $? "real runs: $n rows; no star where n < 5 or CoV > 5%"
		[ -s "$TMP/realcmp/cow-fault-compare.gp" ]; ok $? "real runs: overlay figure script written"
		sed -n '/^== Summary/,$p' "$TMP/out.txt" | sed 's/^/# /'
	else
		skip "cow-fault --quick produced no CSV here"
	fi
else
	skip "cow-fault not built"
fi
done_testing
