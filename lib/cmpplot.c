/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmpplot: the comparator's overlay figures. Writes a gnuplot script and
 * its data beside the tables (so a user can restyle and re-render them)
 * and runs gnuplot on them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmpplot.h"
#include "proc.h"

/* A gnuplot double-quoted string. */
static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

struct fig_point {
	const struct cmp_bench *bench;	/* of the first run that has the point */
	const struct cmp_point *point;
};

/* Points of a benchmark over all runs: the baseline's order, then what others add. */
static size_t figure_points(const struct cmp_run *runs, int nruns, const char *name,
			    struct fig_point **out)
{
	size_t n = 0, cap = 0, i, j;
	int run;

	*out = NULL;
	for (run = 0; run < nruns; run++) {
		const struct cmp_bench *b = cmp_run_bench(&runs[run], name);

		for (i = 0; b && i < b->npoints; i++) {
			for (j = 0; j < n && strcmp((*out)[j].point->key, b->points[i].key); j++)
				;
			if (j < n)
				continue;
			if (n == cap) {
				struct fig_point *bigger = realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof(*bigger));

				if (!bigger)
					return 0;
				*out = bigger;
			}
			(*out)[n++] = (struct fig_point){ b, &b->points[i] };
		}
	}
	return n;
}

/* One index block per metric: point index, then central, min, max of every run. */
static int figure_data(FILE *f, const struct cmp_run *runs, int nruns, const char *name,
		       const struct fig_point *pts, size_t npts, int col0, double *vmin, double *vmax)
{
	const struct cmp_bench *b0 = pts[0].bench;
	size_t i;
	int run;

	fprintf(f, "# %s: point central min max per run\n", b0->t.names[col0]);
	for (i = 0; i < npts; i++) {
		fprintf(f, "%zu", i);
		for (run = 0; run < nruns; run++) {
			const struct cmp_bench *b = cmp_run_bench(&runs[run], name);
			const struct cmp_point *p = b ? cmp_bench_point(b, pts[i].point->key) : NULL;
			int col = b ? csv_table_col(&b->t, b0->t.names[col0]) : -1;
			double *v = p ? malloc(p->n * sizeof(*v)) : NULL;
			size_t n = p && v && col >= 0 ? cmp_point_samples(b, p, col, v) : 0;
			struct cmp_side s;

			if (p && !v)
				return -ENOMEM;
			cmp_side_summarize(v, n, b0->t.kinds[col0], &s);
			if (n)
				fprintf(f, " %.10g %.10g %.10g", s.central, s.min, s.max);
			else
				fprintf(f, " ? ? ?");
			if (n && s.min < *vmin)
				*vmin = s.min;
			if (n && s.max > *vmax)
				*vmax = s.max;
			free(v);
		}
		fputc('\n', f);
	}
	fprintf(f, "\n\n");
	return 0;
}

int cmp_figure_write(const struct cmp_run *runs, int nruns, const char *name, const char *dir)
{
	char *dat = NULL, *gp = NULL, path[PATH_MAX], label[256];
	size_t datlen = 0, gplen = 0, npts, i;
	struct fig_point *pts;
	const struct cmp_bench *b0;
	int col, nmetrics = 0, run, ret = -ENOMEM, height;
	FILE *fd, *fg;

	npts = figure_points(runs, nruns, name, &pts);
	if (!npts)
		return pts ? 0 : -ENOMEM;
	b0 = pts[0].bench;
	for (col = 0; col < b0->t.ncols; col++)
		nmetrics += b0->t.kinds[col] == COL_LOWER || b0->t.kinds[col] == COL_HIGHER;
	if (!nmetrics) {
		free(pts);
		return 0;
	}
	fd = open_memstream(&dat, &datlen);
	fg = open_memstream(&gp, &gplen);
	if (!fd || !fg)
		goto out;
	height = nmetrics > 1 ? 300 * nmetrics : 420;
	fprintf(fg, "# cowbench compare: %s, one line per run.\n"
		"# One panel per metric: the central value (median for latencies, harmonic\n"
		"# mean for rates) at each parameter point as a dot, bars from min to max.\n"
		"# Data: %s-compare.dat (one index block per metric). Restyle freely, then\n"
		"# render again from this directory: gnuplot %s-compare.gp\n"
		"data = \"%s-compare.dat\"\nruns = %d\narray run_label[%d]\n",
		name, name, name, name, nruns, nruns);
	for (run = 0; run < nruns; run++) {
		fprintf(fg, "run_label[%d] = ", run + 1);
		gp_string(fg, runs[run].label);
		fputc('\n', fg);
	}
	fprintf(fg, "offset(r) = (r - (runs + 1) / 2.0) * 0.12\n"
		"set datafile missing \"?\"\nset grid ytics\nset key outside right top noenhanced\n"
		"set xrange [-0.5:%zu.5]\nset xtics rotate by -20 noenhanced (", npts - 1);
	for (i = 0; i < npts; i++) {
		cmp_point_label(pts[i].bench, pts[i].point, label, sizeof(label));
		fprintf(fg, "%s", i ? ", " : "");
		gp_string(fg, label);
		fprintf(fg, " %zu", i);
	}
	fprintf(fg, ")\ndo for [fmt in \"png svg\"] {\n"
		"\tif (fmt eq \"png\") { set terminal pngcairo size 1000,%d font \"sans,9\" noenhanced }\n"
		"\telse { set terminal svg size 1000,%d dynamic font \"sans,10\" noenhanced }\n"
		"\tset output \"%s-compare.\".fmt\n\tset multiplot layout %d,1 title ",
		height, height, name, nmetrics);
	snprintf(label, sizeof(label), "%s: %s", name, runs[0].label);
	for (run = 1; run < nruns && strlen(label) < 200; run++)
		snprintf(label + strlen(label), sizeof(label) - strlen(label), " vs %s", runs[run].label);
	gp_string(fg, label);
	fprintf(fg, " noenhanced\n");
	for (i = 0, col = 0; col < b0->t.ncols; col++) {
		enum col_kind k = b0->t.kinds[col];
		double vmin = INFINITY, vmax = -INFINITY;

		if (k != COL_LOWER && k != COL_HIGHER)
			continue;
		if (figure_data(fd, runs, nruns, name, pts, npts, col, &vmin, &vmax))
			goto out;
		snprintf(label, sizeof(label), "%s (%s is better; %s)", b0->t.names[col],
			 k == COL_LOWER ? "lower" : "higher", k == COL_LOWER ? "median" : "harmonic mean");
		fprintf(fg, "\tset title ");
		gp_string(fg, label);
		/* Latencies of small pages and THPs differ by orders of magnitude. */
		fprintf(fg, "\n\t%s logscale y\n", vmin > 0 && vmax / vmin > 30 ? "set" : "unset");
		fprintf(fg, "\tplot for [r=1:runs] data index %zu using ($1 + offset(r)):(column(3*r-1)):"
			"(column(3*r)):(column(3*r+1)) with yerrorbars lw 1.5 pt 7 ps 0.8 title run_label[r]\n",
			i++);
	}
	fprintf(fg, "\tunset multiplot\n\tset output\n}\n");
	if (fflush(fd) || fflush(fg))
		goto out;
	snprintf(path, sizeof(path), "%s/%s-compare.dat", dir, name);
	ret = atomic_write_file(path, dat, datlen);
	snprintf(path, sizeof(path), "%s/%s-compare.gp", dir, name);
	if (!ret)
		ret = atomic_write_file(path, gp, gplen);
out:
	if (fd)
		fclose(fd);
	if (fg)
		fclose(fg);
	free(dat);
	free(gp);
	free(pts);
	return ret;
}

/* Run gnuplot on DIR/<name>-compare.gp from DIR; its stderr goes to a .log kept on failure. */
int cmp_figure_render(const char *dir, const char *name)
{
	char gp[PATH_MAX], logf[PATH_MAX];
	int status = 0, fd;
	pid_t pid;

	snprintf(gp, sizeof(gp), "%s-compare.gp", name);
	snprintf(logf, sizeof(logf), "%s/%s-compare.log", dir, name);
	pid = proc_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || chdir(dir) || dup2(fd, 2) < 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	if (proc_wait(pid, 120ull * 1000000000, &status)) {
		kill(pid, SIGKILL);
		proc_wait(pid, 0, &status);
		return -ETIMEDOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		unlink(logf);
		return 0;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
}
