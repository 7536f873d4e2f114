# SPDX-License-Identifier: GPL-2.0
# pin-stability from DIR/pin-stability-timeseries.csv, one figure in two panels:
#   top     pages whose PFN changed per interval: pinned (must stay 0) against
#           the unpinned control (must not), and pinned violations as points
#   bottom  what the disturbances did per interval in the pinned phase
#           (vmstat and khugepaged deltas, log scale; zero is not drawn)
#   gnuplot -e "dir='results/L'; out='results/L/plots'" plots/pin-stability.gp
plots_dir = system("dirname '".ARG0."'")
load plots_dir."/common.gp"
set datafile columnheaders
f = dir."/pin-stability-timeseries.csv"
system("mkdir -p '".out."'")
kernel = system("sed -n 's/^# kernel: //p' '".f."' | head -1")
nz(x) = x > 0 ? x : NaN
in_mode(m, x) = strcol("mode") eq m ? x : NaN

do for [kind in "png svg"] {
	eval set_term(kind, 900, 760)
	set output out."/pin-stability.".kind
	set multiplot layout 2, 1 title "Pinned pages under disturbance (".kernel.")"

	set title "PFNs changed per interval"
	set xlabel "time into the phase (s)"
	set ylabel "pages"
	set yrange [0:*]
	set key top right
	plot f using "t_s":(in_mode("unpinned", column("pfns_moved"))) with linespoints ls 1 title "unpinned control: PFNs moved", \
	     f using "t_s":(in_mode("pinned", column("pfns_moved"))) with linespoints ls 3 title "pinned: PFNs moved", \
	     f using "t_s":(in_mode("pinned", nz(column("violations")))) with points ls 2 pt 7 ps 1.5 title "pinned: violations"

	set title "What the disturbances did per interval (pinned phase)"
	set ylabel "events (log)"
	set logscale y
	set yrange [*:*]
	set key outside right
	plot for [c in "thp_collapse_alloc thp_split_pmd compact_isolated pgmigrate_success khugepaged_full_scans forks_write mprotects"] \
		f using "t_s":(in_mode("pinned", nz(column(c)))) with linespoints title c
	unset logscale y
	unset multiplot
	set output
}
