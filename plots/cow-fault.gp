# SPDX-License-Identifier: GPL-2.0
# cow-fault: first-store latency CDF after fork, one panel per writer mode,
# one line per backing and writing process.
#   gnuplot -e "dir='results/L'; out='results/L/plots'" plots/cow-fault.gp
plots_dir = system("dirname '".ARG0."'")
load plots_dir."/common.gp"
f = dir."/cow-fault-hist.csv"
modes = distinct(f, "$2")
n = words(modes)
set logscale x
set format x "%g"
set xlabel "first-store latency (ns, log)"
set ylabel "fraction of pages"
set yrange [0:1]
set key bottom right
do for [kind in "png svg"] {
	eval set_term(kind, 520 * (n > 0 ? n : 1), 420)
	set output out."/cow-fault.".kind
	set multiplot layout 1, (n > 0 ? n : 1) title "COW fault latency after fork (".system("sed -n 's/^# kernel: //p' '".f."' | head -1").")"
	do for [m in modes] {
		set title "writers: ".m
		lines = distinct(f, sprintf("($2 == \"%s\" ? $1 \"/\" $6 : \"\")", m))
		plot for [k in lines] f using ((strcol(2) eq m && strcol(1)."/".strcol(6) eq k) ? $8 : NaN):10 \
			with steps title k
	}
	unset multiplot
	set output
}
