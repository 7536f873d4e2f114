# SPDX-License-Identifier: GPL-2.0
# swap-dirty: the dirty rate (MiB/s, left axis) and pswpout, pswpin and
# pgreuse per second (right axis) over time, one figure. Shaded: the first
# pass (populating) and the final verification of the first repetition;
# further repetitions are drawn dashed over the first.
#   gnuplot -e "dir='results/L'; out='results/L/plots'" plots/swap-dirty.gp
plots_dir = system("dirname '".ARG0."'")
load plots_dir."/common.gp"
f = dir."/swap-dirty-timeseries.csv"
s = dir."/swap-dirty.csv"
system("mkdir -p '".out."'")
kernel = system("sed -n 's/^# kernel: //p' '".f."' | head -1")
# "6G in 1G (+5.2G swap), seq, 1 writer(s), check" from the first summary row.
setup = system(sprintf("awk -F, 'NR > 1 && !/^#/ { printf \"%%s in %%s (+%%s swap), %%s, %%s writer(s), %%s\", $1, $2, $3, $5, $4, $6; exit }' '%s' 2>/dev/null", s))
reps = distinct(f, "$1")
nr = words(reps)

set datafile columnheaders
stats f using "dirty_mib_per_s" nooutput
ymax = (exists("STATS_max") && STATS_max > 0) ? STATS_max * 1.15 : 1
first(r) = strcol("rep") eq word(reps, 1)
in_rep(r) = strcol("rep") eq word(reps, r)

do for [kind in "png svg"] {
	eval set_term(kind, 1100, 560)
	set output out."/swap-dirty.".kind
	set title "swap-dirty: ".setup." -- ".kernel
	set xlabel "time since start (s)"
	set ylabel "dirty rate (MiB/s)"
	set y2label "pages per second (swap-in, swap-out, COW reuse)"
	set ytics nomirror
	set y2tics
	set xrange [0:*]
	set autoscale xfixmax
	set yrange [0:ymax]
	set y2range [0:*]
	set key outside below horizontal
	set style fill solid 0.12 noborder
	plot f using (column("t_s") - column("interval_s") / 2): \
		((first(0) && strcol("phase") eq "populate") ? ymax : NaN):(column("interval_s")) \
		with boxes lc rgb "#1f77b4" title "first pass", \
	     f using (column("t_s") - column("interval_s") / 2): \
		((first(0) && (strcol("phase") eq "verify" || strcol("phase") eq "done")) ? ymax : NaN):(column("interval_s")) \
		with boxes lc rgb "#7f7f7f" title "final verification", \
	     for [r = 1:nr] f using "t_s":(in_rep(r) ? column("dirty_mib_per_s") : NaN) \
		with lines ls 1 dt r title (r == 1 ? "dirty rate (MiB/s, left)" : ""), \
	     for [r = 1:nr] f using "t_s":(in_rep(r) ? column("pswpout_per_s") : NaN) axes x1y2 \
		with lines ls 2 dt r title (r == 1 ? "pswpout/s" : ""), \
	     for [r = 1:nr] f using "t_s":(in_rep(r) ? column("pswpin_per_s") : NaN) axes x1y2 \
		with lines ls 3 dt r title (r == 1 ? "pswpin/s" : ""), \
	     for [r = 1:nr] f using "t_s":(in_rep(r) ? column("pgreuse_per_s") : NaN) axes x1y2 \
		with lines ls 4 dt r title (r == 1 ? "pgreuse/s" : "")
	set output
}
