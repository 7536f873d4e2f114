# SPDX-License-Identifier: GPL-2.0
# ksm-cow figures:
#   ksm-cow.{png,svg}        write-fault latency CDF: a write to a KSM page (alone and with a
#                            forked sharer) vs a plain COW after fork vs a plain first write;
#                            one panel per content (patterns, zero pages with use_zero_pages 0/1)
#   ksm-cow-merge.{png,svg}  merge progress: pages_sharing (+ ksm_zero_pages) vs seconds since the
#                            opt-in, one colour per scan setting, one line per repetition
#   gnuplot -e "dir='results/L'; out='results/L/plots'" plots/ksm-cow.gp
plots_dir = system("dirname '".ARG0."'")
load plots_dir."/common.gp"
system("mkdir -p '".out."'")
h = dir."/ksm-cow-hist.csv"
ts = dir."/ksm-cow-timeseries.csv"
kernel = system("sed -n 's/^# kernel: //p' '".h."' | head -1")

# hist columns: 1 content, 2 use_zero_pages, 6 pages_to_scan, 7 sleep_ms, 10 case, 12 hi_ns, 14 cdf
contents = distinct(h, "$1 \"/\" $2")
scans = distinct(h, "$6 \"/\" $7")
cases = "first-write cow ksm ksm-forked"
n = words(contents)
content_title(c) = (c[1:4] eq "zero") ? "zero pages, use_zero_pages=".c[6:] : "patterns"

set logscale x
set format x "%g"
set xlabel "write-fault latency (ns, log)"
set ylabel "fraction of pages"
set yrange [0:1]
set key bottom right
do for [kind in "png svg"] {
	eval set_term(kind, 560 * (n > 0 ? n : 1), 440)
	set output out."/ksm-cow.".kind
	set multiplot layout 1, (n > 0 ? n : 1) title "ksm-cow: first store to a page (".kernel.")". \
		(words(scans) > 1 ? "\nscan settings (pages_to_scan/sleep_ms), solid first: ".scans : "")
	do for [c in contents] {
		set title content_title(c)
		# One colour per case; with several scan settings (ksmd is paused while writes are timed,
		# so they should agree) one dash pattern each, in the order of the title.
		plot for [ki = 1:words(cases)] for [si = 1:words(scans)] h \
			using ((strcol(1)."/".strcol(2) eq c && strcol(10) eq word(cases, ki) && \
				strcol(6)."/".strcol(7) eq word(scans, si)) ? $12 : NaN):14 \
			with steps ls ki dt si title (si == 1 ? word(cases, ki) : "")
	}
	unset multiplot
	set output
}

# timeseries columns: 1 content, 2 use_zero_pages, 6 pages_to_scan, 7 sleep_ms, 10 rep, 11 seconds,
# 14 pages_sharing, 16 ksm_zero_pages (machine-wide changes since the opt-in), 17 merged_pages (ksm-cow's)
points = distinct(ts, "$1 \"/\" $2 \"/\" $6 \"/\" $7")
reps = distinct(ts, "$10")
unset logscale x
set format x "%g"
set xlabel "seconds since the opt-in (MADV_MERGEABLE or PR_SET_MEMORY_MERGE)"
set ylabel "pages"
set yrange [0:*]
set key top left
split(p) = system("echo '".p."' | tr '/' ' '")
point_title(p) = sprintf("%s, pages_to_scan %s, sleep %s ms", content_title(word(p, 1)."/".word(p, 2)), word(p, 3), word(p, 4))
in_series(i, r) = strcol(1)."/".strcol(2)."/".strcol(6)."/".strcol(7) eq word(points, i) && strcol(10) eq r
do for [kind in "png svg"] {
	eval set_term(kind, 820, 500)
	set output out."/ksm-cow-merge.".kind
	set title "ksm-cow: merge progress (".kernel.")\nsolid: pages_sharing (+ ksm_zero_pages), machine-wide; dashed: pages of ksm-cow merged"
	plot for [i = 1:words(points)] for [r in reps] ts \
		using (in_series(i, r) ? $11 : NaN):($14 + ($16 == $16 ? $16 : 0)) \
		with lines ls i title (r eq word(reps, 1) ? point_title(split(word(points, i))) : ""), \
	     for [i = 1:words(points)] for [r in reps] ts using (in_series(i, r) ? $11 : NaN):17 \
		with lines ls i dt 2 notitle
	set output
}
