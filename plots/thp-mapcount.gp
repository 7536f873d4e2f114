# SPDX-License-Identifier: GPL-2.0
# thp-mapcount figures from DIR/thp-mapcount.csv:
#   thp-mapcount.{png,svg}        cost vs sharers, one panel per operation, one line per backing
#   thp-mapcount-ratio.{png,svg}  PTE-mapped THP / small-page cost per operation, a bar per sharer count
# Medians over repetitions. Usage: gnuplot -e "dir='DIR'; out='DIR/plots'" plots/thp-mapcount.gp

if (!exists("dir")) dir = "."
if (!exists("out")) out = dir."/plots"
file = dir."/thp-mapcount.csv"
system("mkdir -p '".out."'")

set datafile separator ","
set datafile columnheaders
set datafile missing ""

# What the CSV holds: operations in a fixed reading order, backings and
# sharer counts in the order the run used.
op_order = "fork cow reuse munmap smaps smaps-rollup pagemap cold pageout move-pages"
seen_ops = " "; backings = " "; sharers = " "; points = " "
add(list, w) = strstrt(list, " ".w." ") ? list : list.w." "
stats file using (seen_ops = add(seen_ops, strcol("op")), backings = add(backings, strcol("backing")), \
		  sharers = add(sharers, strcol("sharers")), \
		  points = add(points, strcol("op")."/".strcol("backing")."/".strcol("sharers")), 0) nooutput
ops = ""
do for [i = 1:words(op_order)] {
	if (strstrt(seen_ops, " ".word(op_order, i)." ")) { ops = ops.word(op_order, i)." " }
}
nops = words(ops); nb = words(backings); ns = words(sharers)

# Median ns per 4 KiB page of each point; NaN where the point was not run.
array med[nops * nb * ns]
idx(o, b, s) = ((o - 1) * nb + (b - 1)) * ns + s
do for [o = 1:nops] {
	do for [b = 1:nb] {
		do for [s = 1:ns] {
			med[idx(o, b, s)] = NaN
			if (strstrt(points, " ".word(ops, o)."/".word(backings, b)."/".word(sharers, s)." ")) {
				stats file using ((strcol("op") eq word(ops, o) && strcol("backing") eq word(backings, b) \
						   && strcol("sharers") eq word(sharers, s)) ? column("ns_per_page") : NaN) nooutput
				med[idx(o, b, s)] = STATS_median
			}
		}
	}
}
# From here on the data are in memory; a header line would eat the first sample.
set datafile nocolumnheaders

set terminal pngcairo size 1500, 400 * int((nops + 2) / 3) font ",10"
set output out."/thp-mapcount.png"
do for [term = 1:2] {
	if (term == 2) {
		set terminal svg size 1500, 400 * int((nops + 2) / 3) font ",10" dynamic
		set output out."/thp-mapcount.svg"
	}
	set multiplot layout int((nops + 2) / 3), 3 \
		title "thp-mapcount: cost per 4 KiB page vs processes sharing the region (median)"
	set logscale y
	set ylabel "ns per 4 KiB page"
	set xlabel "sharers"
	set grid ytics
	set key top left font ",8"
	set xrange [0.5:ns + 0.5]
	set xtics () 
	do for [s = 1:ns] { set xtics add (word(sharers, s) s) }
	do for [o = 1:nops] {
		set title word(ops, o)
		plot for [b = 1:nb] [s = 1:ns:1] '+' using 1:(med[idx(o, b, int($1))]) \
			with linespoints lw 2 pt b title word(backings, b)
	}
	unset multiplot
}

# The cover-letter figure: PTE-mapped THP / small pages, per operation.
bs = 0; bp = 0
do for [b = 1:nb] {
	if (word(backings, b) eq "small") { bs = b }
	if (word(backings, b) eq "pte-thp") { bp = b }
}
if (bs > 0 && bp > 0) {
	set print $ratio
	rmin = 1; rmax = 1
	do for [o = 1:nops] {
		line = word(ops, o)
		do for [s = 1:ns] {
			r = med[idx(o, bp, s)] / med[idx(o, bs, s)]
			line = line.sprintf(" %s", r == r ? sprintf("%.4g", r) : "NaN")
			if (r == r && r > 0 && r < rmin) { rmin = r }
			if (r == r && r > rmax) { rmax = r }
		}
		print line
	}
	unset print
	reset
	set datafile separator whitespace
	set datafile missing "NaN"
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set logscale y
	# Room on both sides of 1, so the reference line is never the frame.
	set yrange [rmin / 2 : rmax * 2]
	set grid ytics
	set ylabel "PTE-mapped THP / small pages (ns per 4 KiB page, medians)"
	set title "thp-mapcount: cost of PTE-mapped THP relative to small pages (1 = same; above 1 = THP costs more)"
	set key outside right title "sharers"
	set xtics rotate by -30
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 front
	set terminal pngcairo size 1200, 600 font ",10"
	set output out."/thp-mapcount-ratio.png"
	plot for [s = 1:ns] $ratio using (column(s + 1)):xtic(1) title word(sharers, s)
	set terminal svg size 1200, 600 font ",10" dynamic
	set output out."/thp-mapcount-ratio.svg"
	replot
} else {
	print "thp-mapcount.gp: no ratio figure (the run needs both small and pte-thp backings)"
}
unset output
