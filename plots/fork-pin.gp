# SPDX-License-Identifier: GPL-2.0
# fork-pin: fork() latency against pinned size (log-log) and fork's copy
# speed relative to memcpy, one line per pin method and backing (dashed:
# MADV_DONTFORK on the pinned range). Medians over repetitions.
#   gnuplot -e "dir='results/L'; out='results/L/plots'" plots/fork-pin.gp
plots_dir = system("dirname '".ARG0."'")
load plots_dir."/common.gp"
f = dir."/fork-pin.csv"
system("mkdir -p '".out."'")
kernel = system("sed -n 's/^# kernel: //p' '".f."' | head -1")

# Lines (pin/backing/dontfork) and pinned sizes (> 0, numeric order) in the file.
lines = distinct(f, "$1 \"/\" $2 \"/\" $3")
sizes = system(sprintf("awk -F, 'NR > 1 && !/^#/ && $4 > 0 { print $4 }' '%s' | sort -un | tr '\\n' ' '", f))
nl = words(lines); ns = words(sizes)
# Lines with an efficiency (their forks copied pages), space-delimited for lookup.
eff_lines = " ".distinct(f, "($14 != \"\" ? $1 \"/\" $2 \"/\" $3 : \"\")")." "
field(s, i) = word(system(sprintf("echo '%s' | tr '/' ' '", s)), i)

# Medians per line and size into a datablock: line index, MiB, fork ms, efficiency.
set datafile columnheaders
set print $med
do for [l = 1:nl] {
	do for [s = 1:ns] {
		key = word(lines, l); size = word(sizes, s)
		fork_ms = NaN; eff = NaN
		undefine STATS_*
		stats f using ((strcol("pin")."/".strcol("backing")."/".strcol("dontfork") eq key && \
				strcol("pinned_bytes") eq size) ? column("fork_ns") : NaN) nooutput
		if (exists("STATS_records") && STATS_records > 0) { fork_ms = STATS_median / 1e6 }
		if (strstrt(eff_lines, " ".key." ")) {
			undefine STATS_*
			stats f using ((strcol("pin")."/".strcol("backing")."/".strcol("dontfork") eq key && \
					strcol("pinned_bytes") eq size) ? column("efficiency") : NaN) nooutput
			if (exists("STATS_records") && STATS_records > 0) { eff = STATS_median }
		}
		print sprintf("%d,%.6g,%.6g,%.6g", l, size / 1048576.0, fork_ms, eff)
	}
}
set print
set datafile nocolumnheaders

# Per line: its title and dash type (2 = DONTFORK); the indices of lines with an efficiency.
array title_of[nl]; array dash_of[nl]
eff_idx = ""
do for [l = 1:nl] {
	k = word(lines, l)
	title_of[l] = field(k, 1)." ".field(k, 2).(field(k, 3) eq "1" ? " DONTFORK" : "")
	dash_of[l] = field(k, 3) eq "1" ? 2 : 1
	if (strstrt(eff_lines, " ".k." ")) { eff_idx = eff_idx.l." " }
}
do for [kind in "png svg"] {
	eval set_term(kind, 1200, 560)
	set output out."/fork-pin.".kind
	set multiplot layout 1, 2 title "fork() with pinned memory (".kernel.")"
	set bmargin 10	# both panels alike, room for the keys below them
	set logscale xy
	set format x "%g"
	set format y "%g"
	set xlabel "pinned (MiB, log)"
	set ylabel "fork() in the parent (ms, median, log)"
	set key below maxrows 4
	set title "fork latency"
	plot for [l = 1:nl] $med using ($1 == l ? $2 : NaN):3 with linespoints ls l pt 7 ps 0.6 \
		dt dash_of[l] title title_of[l]
	unset logscale y
	set format y "%g"
	set ylabel "efficiency: memcpy time / fork time"
	set title "fork copy speed vs memcpy (same bytes)"
	set yrange [0:*]
	set key below maxrows 4
	if (words(eff_idx) > 0) {
		plot for [w in eff_idx] $med using ($1 == w + 0 ? $2 : NaN):4 \
			with linespoints ls (w + 0) pt 7 ps 0.6 dt dash_of[w + 0] title title_of[w + 0]
	} else {
		set label 1 "no fork copied pages in this run" at graph 0.5, 0.5 center
		plot [1:10] [0:1] 2 notitle
		unset label 1
	}
	unset multiplot
	unset yrange
	set output
}
