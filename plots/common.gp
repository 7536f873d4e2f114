# SPDX-License-Identifier: GPL-2.0
# House style for every cowbench figure, loaded by each script:
#   load plots_dir."/common.gp"
# Callers set `dir` (a results directory) and `out` (where figures go).
if (!exists("dir")) dir = "."
if (!exists("out")) out = dir."/plots"
set datafile separator ","
set datafile commentschars "#"
set datafile missing ""
set grid lc rgb "#dddddd"
set key top left noopaque box lc rgb "#bbbbbb"
set border lc rgb "#555555"
set style line 1 lw 2 lc rgb "#1f77b4"
set style line 2 lw 2 lc rgb "#d62728"
set style line 3 lw 2 lc rgb "#2ca02c"
set style line 4 lw 2 lc rgb "#ff7f0e"
set style line 5 lw 2 lc rgb "#9467bd"
set style line 6 lw 2 lc rgb "#8c564b"
set style line 7 lw 2 lc rgb "#e377c2"
set style line 8 lw 2 lc rgb "#7f7f7f"
set style increment user
# Distinct values of a column (or of an awk expression) of a CSV, space separated.
distinct(file, expr) = system(sprintf("awk -F, 'NR > 1 && !/^#/ { print %s }' '%s' | sort -u | tr '\\n' ' '", expr, file))
# Terminal for one output kind ("png" or "svg") at a size in pixels.
set_term(kind, w, h) = (kind eq "png") ? \
	sprintf("set terminal pngcairo size %d,%d font 'DejaVu Sans,10' noenhanced", w, h) : \
	sprintf("set terminal svg size %d,%d font 'DejaVu Sans,10' noenhanced dynamic", w, h)
