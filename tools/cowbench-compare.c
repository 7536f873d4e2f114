/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowbench-compare: results A vs B (vs C ...) as the table kernel
 * developers know from mmtests' compare-kernels (positive = better, stars
 * = significant), an Ops table, the metadata that differs, rows missing
 * on a side, and gnuplot overlay figures. `cowbench compare` runs it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmpplot.h"
#include "compare.h"
#include "csv.h"
#include "log.h"
#include "opt.h"
#include "report.h"

#define LABEL_LEN 256
#define NOTE_LEN 1024

static struct cmp_run *runs;
static int nruns;

/* Everything the report prints, built once and printed in each format. */
struct bench_report {
	const struct cmp_bench *bench;	/* the baseline's */
	struct table results, spread, ops;
};
static struct bench_report *reports;
static size_t nreports;
static struct table long_table, meta_table;
static struct strlist warnings, missing;
static unsigned ntests, nsignificant, nunreliable;

static void check(int err)
{
	if (err)
		die("out of memory");
}
#define set_cell(...) check(table_set(__VA_ARGS__))
#define set_column(...) check(table_column(__VA_ARGS__))

/* mmtests' two decimals, more where they would hide a per-operation count. */
static const char *fmt_num(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) >= 10 || v == 0)
		snprintf(buf, len, "%.2f", v);
	else if (fabs(v) >= 0.001)
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.3e", v);
	return buf;
}

static const char *fmt_p(double p, char *buf, size_t len)
{
	if (isnan(p))
		return "-";
	if (p < 0.001)
		return "<0.001";
	snprintf(buf, len, "%.3f", p);
	return buf;
}

static const char *kind_name(enum col_kind k)
{
	return col_kind_names[k];
}

/* One row of the machine-readable long table. */
static void long_row(const struct cmp_bench *b, const char *point, int col, int run,
		     const struct cmp_side *s, const struct cmp_result *res)
{
	long r = table_add_row(&long_table);
	char cells[13][64];
	const double v[] = { s->central, s->median, s->mean, s->stddev, s->cov * 100, s->min, s->max,
			     res ? res->change_pct : 0, res ? res->p : NAN,
			     res ? res->change_lo_pct : NAN, res ? res->change_hi_pct : NAN,
			     res ? res->ratio_lo : NAN, res ? res->ratio_hi : NAN };
	int i;

	check(r < 0);
	for (i = 0; i < 13; i++) {
		cells[i][0] = 0;	/* NAN: an empty cell, "not available" */
		if (!isnan(v[i]))
			snprintf(cells[i], sizeof(cells[i]), "%.10g", v[i]);
	}
	set_cell(&long_table, r, 0, "%s", b->name);
	set_cell(&long_table, r, 1, "%s", point);
	set_cell(&long_table, r, 2, "%s", b->t.names[col]);
	set_cell(&long_table, r, 3, "%s", kind_name(b->t.kinds[col]));
	set_cell(&long_table, r, 4, "%s", runs[run].label);
	set_cell(&long_table, r, 5, "%zu", s->n);
	for (i = 0; i < 13; i++)
		set_cell(&long_table, r, 6 + i, "%s", cells[i]);
	set_cell(&long_table, r, 19, "%s", !res ? "" : res->significant ? "1" : "0");
	set_cell(&long_table, r, 20, "%s", !res ? "" :
		  res->low_n && res->high_cov ? "n<5,cov>5%" : res->low_n ? "n<5" :
		  res->high_cov ? "cov>5%" : "");
}

static void init_tables(struct bench_report *br)
{
	static const char *const long_head[] = {
		"bench", "point", "metric", "kind", "run", "n", "central", "median", "mean", "stddev",
		"cov_pct", "min", "max", "change_pct", "p", "ci_change_lo_pct", "ci_change_hi_pct",
		"ci_ratio_lo", "ci_ratio_hi", "significant", "warning" };
	char head[LABEL_LEN + 16];
	int i, c;

	if (!long_table.ncols) {
		check(table_init(&long_table, 21));
		for (i = 0; i < 21; i++)
			set_column(&long_table, i, long_head[i], i >= 5 && i < 19);
	}
	check(table_init(&br->results, 3 + 3 + (nruns - 1) * 5 + 1));
	check(table_init(&br->spread, 2 + 3 * nruns));
	check(table_init(&br->ops, 3 + nruns));
	set_column(&br->results, 0, "Stat", false);
	set_column(&br->results, 1, "Metric", false);
	set_column(&br->results, 2, "Point", false);
	set_column(&br->spread, 0, "Metric", false);
	set_column(&br->spread, 1, "Point", false);
	set_column(&br->ops, 0, "Stat", false);
	set_column(&br->ops, 1, "Counter", false);
	set_column(&br->ops, 2, "Point", false);
	for (i = 0, c = 3; i < nruns; i++) {
		set_column(&br->results, c++, runs[i].label, true);
		set_column(&br->results, c++, "CoV", true);
		set_column(&br->results, c++, "n", true);
		if (i) {
			set_column(&br->results, c++, "p", true);
			set_column(&br->results, c++, "95% CI", true);
		}
		snprintf(head, sizeof(head), "%s stddev", runs[i].label);
		set_column(&br->spread, 2 + 3 * i, head, true);
		set_column(&br->spread, 3 + 3 * i, "min", true);
		set_column(&br->spread, 4 + 3 * i, "max", true);
		set_column(&br->ops, 3 + i, runs[i].label, true);
	}
	set_column(&br->results, c, "Notes", false);
}

static void metric_rows(struct bench_report *br, const struct cmp_point *p0, int col)
{
	const struct cmp_bench *b0 = br->bench;
	enum col_kind kind = b0->t.kinds[col];
	double *base = malloc(p0->n * sizeof(*base) + 1), *other = NULL, *base_copy;
	char point[LABEL_LEN], num[64], pbuf[32], notes[NOTE_LEN] = "";
	size_t nbase = cmp_point_samples(b0, p0, col, base), nother;
	struct cmp_result res;
	bool base_noisy = false;
	long r;
	int i, c = 3;

	check(!base);
	cmp_point_label(b0, p0, point, sizeof(point));
	base_copy = malloc(p0->n * sizeof(*base) + 1);
	check(!base_copy);
	r = table_add_row(kind == COL_OPS ? &br->ops : &br->results);
	check(r < 0 || (kind != COL_OPS && table_add_row(&br->spread) != r));
	for (i = 0; i < nruns; i++) {
		if (i == 0) {
			/* The baseline against nothing: its summary, change 0. */
			memset(&res, 0, sizeof(res));
			memcpy(base_copy, base, nbase * sizeof(*base));
			cmp_side_summarize(base_copy, nbase, kind, &res.base);
			res.other = res.base;
			nother = nbase;
			long_row(b0, p0->key, col, 0, &res.base, NULL);
		} else {
			ssize_t got = cmp_run_samples(&runs[i], b0, col, p0, &other);

			check(got < 0);
			nother = (size_t)got;
			memcpy(base_copy, base, nbase * sizeof(*base));
			check(cmp_metric(base_copy, nbase, other, nother, kind, &res));
			long_row(b0, p0->key, col, i, &res.other, &res);
		}
		if (kind == COL_OPS) {
			fmt_num(res.other.central, num, sizeof(num));
			if (i && !isnan(res.change_pct))
				set_cell(&br->ops, r, 3 + i, "%s (%+.2f%%)", num, res.change_pct);
			else
				set_cell(&br->ops, r, 3 + i, "%s", num);
			continue;
		}
		set_cell(&br->spread, r, 2 + 3 * i, "%s", fmt_num(res.other.stddev, num, sizeof(num)));
		set_cell(&br->spread, r, 3 + 3 * i, "%s", fmt_num(res.other.min, num, sizeof(num)));
		set_cell(&br->spread, r, 4 + 3 * i, "%s", fmt_num(res.other.max, num, sizeof(num)));
		fmt_num(res.other.central, num, sizeof(num));
		if (!nother)
			set_cell(&br->results, r, c, "-");
		else if (isnan(res.change_pct))
			set_cell(&br->results, r, c, "%s (    n/a)", num);
		else if (i && (res.significant || res.unreliable_significance))
			set_cell(&br->results, r, c, "%s %c%7.2f%%%c", num, res.significant ? '*' : '?',
				  res.change_pct, res.significant ? '*' : '?');
		else
			set_cell(&br->results, r, c, "%s (%7.2f%%)", num, i ? res.change_pct : 0.0);
		set_cell(&br->results, r, c + 1, nother ? "%.1f%%" : "-", res.other.cov * 100);
		set_cell(&br->results, r, c + 2, "%zu", nother);
		c += 3;
		if (!i)
			continue;
		set_cell(&br->results, r, c++, "%s", fmt_p(res.p, pbuf, sizeof(pbuf)));
		if (isnan(res.change_lo_pct))
			set_cell(&br->results, r, c++, "-");
		else
			set_cell(&br->results, r, c++, "[%+.2f%%, %+.2f%%]", res.change_lo_pct,
				  res.change_hi_pct);
		if (!nother)
			continue;
		ntests++;
		nsignificant += res.significant;
		nunreliable += res.unreliable_significance;
		if (res.low_n && !strstr(notes, "n<5"))
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%sn<5",
				 *notes ? "; " : "");
		if (res.base.cov > CMP_MAX_COV && !base_noisy) {
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%sCoV>5%% %s",
				 *notes ? "; " : "", runs[0].label);
			base_noisy = true;
		}
		if (res.other.cov > CMP_MAX_COV)
			snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "%sCoV>5%% %s",
				 *notes ? "; " : "", runs[i].label);
	}
	if (kind == COL_OPS) {
		set_cell(&br->ops, r, 0, "Mean");
		set_cell(&br->ops, r, 1, "%s", b0->t.names[col]);
		set_cell(&br->ops, r, 2, "%s", point);
	} else {
		set_cell(&br->results, r, 0, "%s", res.base.central_is_hmean ? "Hmean" :
			  kind == COL_LOWER || kind == COL_HIGHER ? "Median" : "Mean");
		set_cell(&br->results, r, 1, "%s", b0->t.names[col]);
		set_cell(&br->results, r, 2, "%s", point);
		set_cell(&br->results, r, c, "%s", notes);
		set_cell(&br->spread, r, 0, "%s", b0->t.names[col]);
		set_cell(&br->spread, r, 1, "%s", point);
	}
	free(base);
	free(base_copy);
	free(other);
}

/* Does any run have a value of this metric at this point? */
static bool has_samples(const struct cmp_bench *b0, const struct cmp_point *p0, int col)
{
	double *buf = NULL;
	ssize_t n = 0;
	int run;

	for (run = 0; run < nruns && !n; run++) {
		n = cmp_run_samples(&runs[run], b0, col, p0, &buf);
		check(n < 0);
	}
	free(buf);
	return n > 0;
}

static void build_reports(void)
{
	struct strlist keys = { 0 };
	size_t i, j;
	int col, run;

	reports = calloc(runs[0].nbenches, sizeof(*reports));
	check(!reports);
	for (i = 0; i < runs[0].nbenches; i++) {
		struct bench_report *br = &reports[nreports++];

		br->bench = &runs[0].benches[i];
		init_tables(br);
		for (col = 0; col < br->bench->t.ncols; col++) {
			enum col_kind k = br->bench->t.kinds[col];
			bool any = false;

			if (k != COL_LOWER && k != COL_HIGHER && k != COL_OPS)
				continue;
			for (j = 0; j < br->bench->npoints; j++)
				any |= has_samples(br->bench, &br->bench->points[j], col);
			if (!any)
				check(strlist_addf(&missing, "%s: %s has no values in any run (not available, e.g. no PMU)",
						   br->bench->name, br->bench->t.names[col]));
		}
		for (j = 0; j < br->bench->npoints; j++)
			for (col = 0; col < br->bench->t.ncols; col++) {
				enum col_kind k = br->bench->t.kinds[col];

				if ((k == COL_LOWER || k == COL_HIGHER || k == COL_OPS) &&
				    has_samples(br->bench, &br->bench->points[j], col))
					metric_rows(br, &br->bench->points[j], col);
			}
	}
	check(cmp_list_missing(runs, nruns, &missing, &warnings));
	check(cmp_meta_diff(runs, nruns, &keys, &warnings));
	check(table_init(&meta_table, 1 + nruns));
	set_column(&meta_table, 0, "Key", false);
	for (run = 0; run < nruns; run++)
		set_column(&meta_table, 1 + run, runs[run].label, false);
	for (i = 0; i < keys.n; i++) {
		long r = table_add_row(&meta_table);

		check(r < 0);
		set_cell(&meta_table, r, 0, "%s", keys.v[i]);
		for (run = 0; run < nruns; run++)
			set_cell(&meta_table, r, 1 + run, "%s", cmp_meta_value(&runs[run], keys.v[i]));
	}
	strlist_free(&keys);
}

static void heading(FILE *f, enum table_format fmt, const char *title)
{
	fprintf(f, fmt == TABLE_MD ? "\n### %s\n\n" : "\n== %s ==\n", title);
}

static void bullets(FILE *f, const struct strlist *l, const char *prefix)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		fprintf(f, "- %s%s\n", prefix, l->v[i]);
}

static void print_report(FILE *f, enum table_format fmt)
{
	size_t i;
	int run;

	if (fmt == TABLE_CSV) {
		table_print(&long_table, f, fmt);
		return;
	}
	fprintf(f, "%scowbench compare: baseline %s (%s)", fmt == TABLE_MD ? "## " : "",
		runs[0].label, runs[0].dir);
	for (run = 1; run < nruns; run++)
		fprintf(f, " vs %s (%s)", runs[run].label, runs[run].dir);
	fprintf(f, "\n\n"
		"- Change: positive = better. Latencies (lower is better): median, (base - new) / base;\n"
		"  rates (higher is better): harmonic mean, (new - base) / base.\n"
		"- `*`: Mann-Whitney U p < %.2f with n >= %d per side and CoV <= %.0f%%.\n"
		"  `?`: p < %.2f but n < %d or CoV > %.0f%% on a side: NOT marked significant.\n"
		"- 95%% CI: bootstrap (%d resamples) of the ratio of medians, shown as a change.\n",
		CMP_ALPHA, CMP_MIN_N, CMP_MAX_COV * 100, CMP_ALPHA, CMP_MIN_N, CMP_MAX_COV * 100,
		CMP_BOOTSTRAP_ITERATIONS);
	if (warnings.n)
		fprintf(f, "\n");
	bullets(f, &warnings, "WARNING: ");
	for (i = 0; i < nreports; i++) {
		const struct bench_report *br = &reports[i];
		char title[256];

		heading(f, fmt, br->bench->name);
		if (br->results.nrows)
			table_print(&br->results, f, fmt);
		if (br->spread.nrows) {
			fprintf(f, "\nSpread of %s (stddev, min, max per run):\n\n", br->bench->name);
			table_print(&br->spread, f, fmt);
		}
		if (br->ops.nrows) {
			snprintf(title, sizeof(title), "Ops: %s (counter deltas per operation, mean per run)",
				 br->bench->name);
			heading(f, fmt, title);
			table_print(&br->ops, f, fmt);
		}
	}
	heading(f, fmt, "Summary");
	fprintf(f, "- Significant (*): %u of %u comparisons (%.1f expected by chance at p < %.2f if nothing changed).\n",
		nsignificant, ntests, ntests * CMP_ALPHA, CMP_ALPHA);
	fprintf(f, "- p < %.2f but not marked (?, too few samples or too noisy): %u.\n", CMP_ALPHA,
		nunreliable);
	heading(f, fmt, "Metadata that differs");
	if (meta_table.nrows)
		table_print(&meta_table, f, fmt);
	else
		fprintf(f, "- none (label and start/end times are not compared)\n");
	if (missing.n) {
		heading(f, fmt, "Not compared");
		bullets(f, &missing, "");
	}
}

static void write_outputs(const char *dir, bool figures)
{
	static const char *const ext[] = { "txt", "md", "csv" };
	char path[PATH_MAX];
	size_t i;
	int fmt, err, nfig = 0;

	for (fmt = TABLE_TEXT; fmt <= TABLE_CSV; fmt++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		check(!f);
		print_report(f, fmt);
		fclose(f);
		snprintf(path, sizeof(path), "%s/compare.%s", dir, ext[fmt]);
		err = atomic_write_file(path, buf, len);
		free(buf);
		if (err)
			die("cannot write %s: %s", path, strerror(-err));
	}
	for (i = 0; figures && i < nreports; i++) {
		const char *name = reports[i].bench->name;

		err = cmp_figure_write(runs, nruns, name, dir);
		if (err)
			die("cannot write the %s figure into %s: %s", name, dir, strerror(-err));
		snprintf(path, sizeof(path), "%s/%s-compare.gp", dir, name);
		if (access(path, F_OK))
			continue;	/* nothing to plot */
		err = cmp_figure_render(dir, name);
		if (err == -ENOENT) {
			warn("gnuplot is not installed (make deps): figure scripts written, not rendered");
			figures = false;
		} else if (err) {
			warn("gnuplot failed on %s; see %s/%s-compare.log", path, dir, name);
		} else {
			nfig++;
			fprintf(stderr, "figure: %s/%s-compare.png (and .svg, .gp)\n", dir, name);
		}
	}
	fprintf(stderr, "wrote %s/compare.{txt,md,csv}%s\n", dir, nfig ? " and the figures above" : "");
}

static _Noreturn void usage(void)
{
	printf(
		"usage: cowbench compare [--format text|md|csv] [-o DIR] [--no-figures] RESULTS_A RESULTS_B [RESULTS_C ...]\n"
		"\n"
		"Compare result directories of cowbench runs; the first is the baseline.\n"
		"Per benchmark, parameter point and metric: the central value (median for\n"
		"latencies, harmonic mean for rates), CoV and n, the change (positive =\n"
		"better), Mann-Whitney U p, a bootstrap 95%% CI; an Ops table of counter\n"
		"deltas per operation; the metadata that differs; rows missing on a side.\n"
		"\n"
		"  -f, --format FMT   stdout format: text (aligned, default), md (GitHub table), csv\n"
		"  -o, --output DIR   also write DIR/compare.{txt,md,csv} and, per benchmark,\n"
		"                     DIR/<bench>-compare.{gp,dat,png,svg} (overlay figures)\n"
		"      --no-figures   with -o: tables only\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit: 0 compared, 2 usage error or malformed input (file:line named), 3 failure.\n"
		"Example: cowbench compare -o results/cmp results/6.18-base results/6.18-patched\n");
	exit(0);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-figures", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum table_format fmt = TABLE_TEXT;
	const char *out = NULL;
	bool figures = true;
	char err[PATH_MAX + 512];
	int c, i, j, ret;

	log_init(argv[0]);
	opterr = 0;	/* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			ret = parse_choice(optarg, table_format_names);
			if (ret < 0)
				die_usage("--format: %s", opt_error);
			fmt = ret;
			break;
		case 'o':
			out = optarg;
			break;
		case 'F':
			figures = false;
			break;
		case 'h':
			usage();
		case ':':
			die_usage("%s needs an argument (try --help)", argv[optind - 1]);
		default:
			die_usage("unknown option '%s' (try --help)", argv[optind - 1]);
		}
	}
	nruns = argc - optind;
	if (nruns < 2)
		die_usage("need at least two results directories (try --help)");
	runs = calloc(nruns, sizeof(*runs));
	check(!runs);
	for (i = 0; i < nruns; i++) {
		ret = cmp_run_load(&runs[i], argv[optind + i], err, sizeof(err));
		if (ret == -EINVAL || ret == -ENOENT || ret == -ENOTDIR || ret == -EACCES)
			die_usage("%s", err);
		if (ret)
			die("%s", err);
	}
	/* Columns are headed by labels: make them unique. */
	for (i = 1; i < nruns; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(runs[i].label, runs[j].label)) {
				char unique[sizeof(runs[i].label)];

				snprintf(unique, sizeof(unique), "%.100s#%d", runs[i].label, i + 1);
				snprintf(runs[i].label, sizeof(runs[i].label), "%s", unique);
				j = -1;
			}
	if (out && (mkdir_p(out) || access(out, W_OK)))
		die_usage("-o %s: cannot create or write: %s", out, strerror(errno));
	build_reports();
	print_report(stdout, fmt);
	if (fmt == TABLE_CSV)
		for (i = 0; i < (int)(warnings.n + missing.n); i++)
			fprintf(stderr, "%s: %s%s\n", log_progname, i < (int)warnings.n ? "WARNING: " : "missing: ",
				i < (int)warnings.n ? warnings.v[i] : missing.v[i - warnings.n]);
	if (fflush(stdout))
		die("cannot write the report: %s", strerror(errno));
	if (out)
		write_outputs(out, figures);
	for (i = 0; i < nruns; i++)
		cmp_run_free(&runs[i]);
	return EXIT_MEASURED;
}
