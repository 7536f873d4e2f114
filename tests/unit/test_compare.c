/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/compare and lib/report: the sign convention of the
 * change (mmtests: positive = better), when a star is given or refused,
 * loading a results directory, the metadata rules, and the three table
 * formats. Expected changes are hand arithmetic, written next to them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "report.h"
#include "stats.h"
#include "tap.h"

static void test_change_sign(void)
{
	/* Hand arithmetic: 1.3x a latency is (100 - 130) / 100 = -30% (worse). */
	ok_near(cmp_change_pct(100, 130, COL_LOWER), -30, 1e-12, "latency 1.3x: -30%");
	/* A rate 1.3x is +30% (better). */
	ok_near(cmp_change_pct(100, 130, COL_HIGHER), 30, 1e-12, "rate 1.3x: +30%");
	/* Seen from the scaled side: (130 - 100) / 130 = +23.0769...% and its negative. */
	ok_near(cmp_change_pct(130, 100, COL_LOWER), 300.0 / 13, 1e-12, "latency 1/1.3: +23.08%");
	ok_near(cmp_change_pct(130, 100, COL_HIGHER), -300.0 / 13, 1e-12, "rate 1/1.3: -23.08%");
	/* mmtests' example: 5362.80 -> 4446.89 is 915.91 / 5362.80 = +17.08%. */
	ok_near(cmp_change_pct(5362.80, 4446.89, COL_LOWER), 17.078951, 1e-6, "mmtests example +17.08%");
	ok(isnan(cmp_change_pct(0, 5, COL_LOWER)) && isnan(cmp_change_pct(NAN, 5, COL_HIGHER)),
	   "no change from a zero or missing baseline");
}

static void fill_normal(double *v, size_t n, double mean, double rel_sd, uint64_t seed)
{
	struct rng r;
	size_t i;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		double u1 = ((double)(rng_next(&r) >> 11) + 1) / 9007199254740992.0;
		double u2 = (double)(rng_next(&r) >> 11) / 9007199254740992.0;

		v[i] = mean * (1 + rel_sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
	}
}

static void test_metric(void)
{
	double a[12], b[12], ac[12];
	struct cmp_result res;
	size_t i;

	fill_normal(a, 12, 1000, 0.01, 1);
	for (i = 0; i < 12; i++)
		b[i] = a[i] * 1.3;
	memcpy(ac, a, sizeof(a));
	ok(cmp_metric(ac, 12, b, 12, COL_HIGHER, &res) == 0, "cmp_metric");
	/* The harmonic mean scales exactly with the samples: exactly +30%. */
	ok_near(res.change_pct, 30, 1e-9, "rate scaled 1.3: +30%");
	ok(res.base.central_is_hmean && res.significant && !res.unreliable_significance,
	   "rate: harmonic mean, significant (p = %g)", res.p);
	ok(res.change_lo_pct <= 30 && 30 <= res.change_hi_pct, "CI [%.2f, %.2f] contains +30",
	   res.change_lo_pct, res.change_hi_pct);
	ok(res.ratio_lo <= 1.3 && 1.3 <= res.ratio_hi, "ratio CI contains 1.3");

	memcpy(ac, a, sizeof(a));
	cmp_metric(ac, 12, b, 12, COL_LOWER, &res);
	/* The median scales exactly too: (m - 1.3 m) / m = -30%. */
	ok_near(res.change_pct, -30, 1e-9, "latency scaled 1.3: -30%");
	ok(res.significant && res.change_lo_pct <= -30 && -30 <= res.change_hi_pct &&
	   res.change_lo_pct <= res.change_hi_pct, "latency CI [%.2f, %.2f] contains -30, ordered",
	   res.change_lo_pct, res.change_hi_pct);

	memcpy(ac, a, sizeof(a));
	cmp_metric(b, 12, ac, 12, COL_LOWER, &res);
	ok_near(res.change_pct, 300.0 / 13, 1e-9, "scaled side as baseline: +23.08%");

	fill_normal(a, 12, 1000, 0.01, 1);
	memcpy(ac, a, sizeof(a));
	cmp_metric(ac, 12, a, 12, COL_LOWER, &res);
	ok(res.change_pct == 0 && res.p == 1 && !res.significant, "identical samples: 0%%, p = 1, no star");

	fill_normal(a, 4, 1000, 0.01, 1);
	for (i = 0; i < 4; i++)
		b[i] = a[i] * 1.3;
	/* 4 vs 4 fully separated: exact p = 2 / C(8,4) = 0.0286 < 0.05, but n < 5. */
	cmp_metric(a, 4, b, 4, COL_LOWER, &res);
	ok(res.low_n && !res.significant && res.unreliable_significance,
	   "n = 4 per side: p = %.4f < 0.05 but not starred, and said so", res.p);
	ok_near(res.p, 2.0 / 70, 1e-12, "4 vs 4 exact p");

	fill_normal(a, 12, 1000, 0.2, 3);
	for (i = 0; i < 12; i++)
		b[i] = a[i] * 3;
	cmp_metric(a, 12, b, 12, COL_LOWER, &res);
	ok(res.high_cov && !res.significant && res.unreliable_significance,
	   "CoV %.0f%% > 5%%: not starred, and said so", res.base.cov * 100);

	cmp_metric(a, 12, b, 0, COL_LOWER, &res);
	ok(isnan(res.p) && isnan(res.change_pct) && !res.significant, "empty side: nothing claimed");
	{
		double zero[5] = { 0 }, some[5] = { 1, 2, 3, 4, 5 };

		cmp_metric(zero, 5, some, 5, COL_OPS, &res);
		ok(isnan(res.ratio_lo) && isnan(res.change_lo_pct), "zero baseline median: no ratio CI");
	}
	{
		double v[] = { 10, 20, 40 };
		struct cmp_side s;

		/* Hand arithmetic: median 20, mean 70/3, harmonic mean 3 / (1/10 + 1/20 + 1/40) = 17.142857. */
		cmp_side_summarize(v, 3, COL_LOWER, &s);
		ok(s.central == 20 && !s.central_is_hmean, "lower: central = median");
		cmp_side_summarize(v, 3, COL_HIGHER, &s);
		ok_near(s.central, 120.0 / 7, 1e-12, "higher: central = harmonic mean");
		cmp_side_summarize(v, 3, COL_OPS, &s);
		ok_near(s.central, 70.0 / 3, 1e-12, "ops: central = mean");
	}
}

static void test_meta_rules(void)
{
	char out[256];

	cmp_normalize_cmdline("/opt/x/build/bin/cow-fault --quick -o /tmp/a --label base --size=2G "
			      "--output=/b --label=x -o/tmp/c --backing thp", out, sizeof(out));
	ok(!strcmp(out, "cow-fault --quick --size=2G --backing thp"), "cmdline without -o/--label: [%s]", out);
	ok(cmp_meta_is_machine("cpu.model") && cmp_meta_is_machine("mem.total_kb") &&
	   cmp_meta_is_machine("cpu.online") && !cmp_meta_is_machine("kernel.release"),
	   "machine keys: cpu.*, mem.total*, not the kernel");
	ok(cmp_meta_is_noise("label") && cmp_meta_is_noise("cow-fault.start") &&
	   !cmp_meta_is_noise("cow-fault.status") && !cmp_meta_is_noise("kernel.cmdline"),
	   "noise: label and start/end times only");
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_load(void)
{
	char dir[] = "/tmp/cowbench-compare.XXXXXX", err[512] = "", label[128];
	struct cmp_run run;
	struct cmp_bench *b;
	struct cmp_point *p;
	double v[8];

	if (!mkdtemp(dir)) {
		skip("mkdtemp failed");
		return;
	}
	write_file(dir, "meta.txt", "label=mine\ncpu.model=X\n");
	write_file(dir, "b.csv", "mode,size,rep,lat\n# kinds: param,param,rep,lower\n"
		   "a,4096,0,10\na,4096,1,12\nb,4096,0,20\nb,4096,1,\na,4096,2,11\n");
	write_file(dir, "a.csv", "rep,x\n# kinds: rep,higher\n0,1\n");
	write_file(dir, "b-hist.csv", "this is not a results table\n");
	write_file(dir, "c-timeseries.csv", "neither\n");
	ok(cmp_run_load(&run, dir, err, sizeof(err)) == 0, "load a results directory (%s)", err);
	ok(run.nbenches == 2 && !strcmp(run.benches[0].name, "a") && !strcmp(run.benches[1].name, "b"),
	   "benches sorted, -hist and -timeseries skipped");
	ok(!strcmp(run.label, "mine") && run.has_meta, "label from meta.txt");
	b = cmp_run_bench(&run, "b");
	ok(b && b->npoints == 2, "rows grouped into 2 points");
	p = b ? cmp_bench_point(b, "mode=a,size=4096") : NULL;
	ok(p && p->n == 3 && cmp_point_samples(b, p, 3, v) == 3 && v[2] == 11, "point a has 3 samples");
	p = b ? cmp_bench_point(b, "mode=b,size=4096") : NULL;
	ok(p && cmp_point_samples(b, p, 3, v) == 1, "empty cells are not samples");
	if (p) {
		cmp_point_label(b, p, label, sizeof(label));
		ok(!strcmp(label, "mode=b"), "point label keeps only the param that varies: [%s]", label);
	}
	cmp_run_free(&run);

	write_file(dir, "bad.csv", "x,y\n# kinds: param,lower\nq,1\nq,abc\n");
	ok(cmp_run_load(&run, dir, err, sizeof(err)) == -EINVAL && strstr(err, "bad.csv:4:"),
	   "a malformed CSV names file and line: [%s]", err);
	cmp_run_free(&run);
	ok(cmp_run_load(&run, "/nonexistent/cowbench", err, sizeof(err)) == -ENOENT, "missing directory: -ENOENT");
	cmp_run_free(&run);
	{
		char path[PATH_MAX];
		const char *names[] = { "meta.txt", "b.csv", "a.csv", "b-hist.csv", "c-timeseries.csv", "bad.csv" };
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			unlink(path);
		}
		ok(cmp_run_load(&run, dir, err, sizeof(err)) == -ENOENT && strstr(err, "not a results directory"),
		   "a directory without CSVs is refused: [%s]", err);
		cmp_run_free(&run);
		rmdir(dir);
	}
}

/* After a failed ok(): the text as TAP comments. */
static void show_on_failure(const char *text)
{
	if (!tap_failed)
		return;
	printf("# ");
	for (; *text; text++)
		printf(*text == '\n' && text[1] ? "\n# " : "%c", *text);
}

static void test_report(void)
{
	struct table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	long r;

	table_init(&t, 3);
	table_column(&t, 0, "Name", false);
	table_column(&t, 1, "Value", true);
	table_column(&t, 2, "Note", false);
	r = table_add_row(&t);
	table_set(&t, r, 0, "a|b");
	table_set(&t, r, 1, "1.00 * 2%%*");
	r = table_add_row(&t);
	table_set(&t, r, 0, "longer, name");
	table_set(&t, r, 1, "10.5");
	table_set(&t, r, 2, "µs");

	f = open_memstream(&buf, &len);
	table_print(&t, f, TABLE_TEXT);
	fclose(f);
	/* Widths: Name 12, Value 10; right-aligned values end in the same column; no trailing blank. */
	ok(!strcmp(buf, "Name               Value  Note\n"
			"a|b           1.00 * 2%*\n"
			"longer, name        10.5  µs\n"), "text table aligned");
	show_on_failure(buf);
	free(buf);

	f = open_memstream(&buf, &len);
	table_print(&t, f, TABLE_MD);
	fclose(f);
	ok(!strcmp(buf, "| Name | Value | Note |\n| :--- | ---: | :--- |\n"
			"| a\\|b | 1.00 \\* 2%\\* |  |\n| longer, name | 10.5 | µs |\n"),
	   "markdown table with | and * escaped");
	show_on_failure(buf);
	free(buf);

	f = open_memstream(&buf, &len);
	table_print(&t, f, TABLE_CSV);
	fclose(f);
	ok(!strcmp(buf, "Name,Value,Note\na|b,1.00 * 2%*,\n\"longer, name\",10.5,µs\n"), "csv table quoted");
	show_on_failure(buf);
	free(buf);
	ok(text_width("µs") == 2, "width counts code points");
	table_free(&t);
}

int main(void)
{
	test_change_sign();
	test_metric();
	test_meta_rules();
	test_load();
	test_report();
	return done_testing();
}
