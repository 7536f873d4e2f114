/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmpplot: overlay figures for `cowbench compare`: one figure per
 * benchmark, one panel per metric, one series per run, written as a
 * gnuplot script plus data (kept, so users can restyle) and rendered.
 */
#ifndef COWBENCH_CMPPLOT_H
#define COWBENCH_CMPPLOT_H

#include "compare.h"

/*
 * Write DIR/<name>-compare.dat (one index block per lower/higher metric:
 * point index, then central, min, max per run; "?" where a run lacks the
 * point) and DIR/<name>-compare.gp, which renders <name>-compare.png and
 * .svg when gnuplot runs it from DIR. Nothing is written for a benchmark
 * without such metrics. 0 or -errno.
 */
int cmp_figure_write(const struct cmp_run *runs, int nruns, const char *name, const char *dir);
/*
 * Run gnuplot on DIR/<name>-compare.gp from DIR (2 minutes at most); its
 * stderr goes to DIR/<name>-compare.log, removed on success. 0, -ENOENT
 * (gnuplot not installed), -ETIMEDOUT or -EIO (see the log).
 */
int cmp_figure_render(const char *dir, const char *name);

#endif
