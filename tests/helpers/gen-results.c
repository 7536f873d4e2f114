/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gen-results: writes a synthetic results directory (meta.txt and
 * synth.csv) through the real lib/csv writer, with normal samples from a
 * fixed seed, so the comparator's tests know the truth behind the data.
 * Same seed = same samples; --scale multiplies one metric in every
 * sample, the "patched kernel" whose effect is known exactly.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "log.h"
#include "opt.h"
#include "stats.h"

static const char *const backings[] = { "small", "thp", "pte-thp" };
static const char *const writers[] = { "parent", "child", "both" };

static double normal(struct rng *r)
{
	/* Box-Muller; (0, 1] keeps log() finite. */
	double u1 = ((double)(rng_next(r) >> 11) + 1) / 9007199254740992.0;
	double u2 = (double)(rng_next(r) >> 11) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: gen-results DIR [--label L] [--seed N] [--points N] [--reps N] [--cov X]\n"
		"       [--scale METRIC=FACTOR] [--drop POINT] [--meta KEY=VALUE]... [--args TEXT]\n"
		"Metrics: fault_ns (lower), pages_per_s (higher), pgfault_per_op (ops).\n");
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	static const struct csv_col cols[] = {
		{ "backing", COL_PARAM }, { "writers", COL_PARAM }, { "rep", COL_REP },
		{ "fault_ns", COL_LOWER }, { "pages_per_s", COL_HIGHER },
		{ "pgfault_per_op", COL_OPS }, { "cycles_per_op", COL_OPS }, { "note", COL_INFO },
	};
	const char *dir, *label = "synthetic", *args = "--quick";
	char scale_metric[64] = "", meta[4096] = "", defaults[4096], cmd[512];
	long seed = 1, points = 6, reps = 8, drop = -1;
	double cov = 0.02, factor = 1;
	struct rng rng;
	struct csv c;
	int i, err;
	long p, rep;

	log_init(argv[0]);
	if (argc < 2 || argv[1][0] == '-')
		usage();
	dir = argv[1];
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--label"))
			label = v;
		else if (!strcmp(o, "--seed"))
			err = parse_long(v, 0, LONG_MAX, &seed);
		else if (!strcmp(o, "--points"))
			err = parse_long(v, 1, 9, &points);
		else if (!strcmp(o, "--reps"))
			err = parse_long(v, 1, 100000, &reps);
		else if (!strcmp(o, "--drop"))
			err = parse_long(v, 0, 8, &drop);
		else if (!strcmp(o, "--cov"))
			err = parse_double(v, 0, 1, &cov);
		else if (!strcmp(o, "--args"))
			args = v;
		else if (!strcmp(o, "--meta"))
			snprintf(meta + strlen(meta), sizeof(meta) - strlen(meta), "%s\n", v);
		else if (!strcmp(o, "--scale") && strchr(v, '='))
			err = sscanf(v, "%63[^=]=%lf", scale_metric, &factor) == 2 ? 0 : -EINVAL;
		else
			usage();
		if (err)
			die_usage("%s %s: %s", o, v, opt_error);
	}
	err = mkdir_p(dir);
	if (err)
		die("%s: %s", dir, strerror(-err));
	snprintf(cmd, sizeof(cmd), "/usr/libexec/cowbench/synth %s -o %s --label %s", args, dir, label);
	/* What lib/bench writes, so the metadata diff sees realistic keys. */
	snprintf(defaults, sizeof(defaults),
		 "label=%s\nkernel.release=6.18.0-synthetic\ncpu.model=Synthetic CPU @ 2.0GHz\n"
		 "cpu.online=2\nmem.total_kb=24000000\nthp.enabled=madvise\ntool.version=test\n"
		 "synth.cmdline=%s\nsynth.start=2025-01-01T00:00:%02ld+0000\n",
		 label, cmd, seed % 60);
	/* The second update replaces the defaults named by --meta. */
	err = meta_update(dir, defaults);
	if (!err && meta[0])
		err = meta_update(dir, meta);
	if (err)
		die("%s/meta.txt: %s", dir, strerror(-err));
	err = csv_create(&c, dir, "synth.csv", cols, (int)(sizeof(cols) / sizeof(cols[0])));
	if (err)
		die("%s/synth.csv: %s", dir, strerror(-err));
	csv_meta(&c, "bench", "synth");
	csv_meta(&c, "label", "%s", label);
	csv_meta(&c, "command", "%s", cmd);
	rng_seed(&rng, (uint64_t)seed);
	for (p = 0; p < points; p++) {
		/* Each point has its own scale so figures need a log axis to show them all. */
		double fault_mean = 1500.0 * (1 + p % 3 * 20), rate_mean = 1e9 / fault_mean;

		for (rep = 0; rep < reps; rep++) {
			double fault = fault_mean * (1 + cov * normal(&rng));
			double rate = rate_mean * (1 + cov * normal(&rng));
			double pgfault = 1 + 0.001 * normal(&rng);

			if (p == drop)
				continue;
			if (!strcmp(scale_metric, "fault_ns"))
				fault *= factor;
			if (!strcmp(scale_metric, "pages_per_s"))
				rate *= factor;
			if (!strcmp(scale_metric, "pgfault_per_op"))
				pgfault *= factor;
			csv_str(&c, backings[p % 3]);
			csv_str(&c, writers[p / 3]);
			csv_i64(&c, rep);
			csv_dbl(&c, fault);
			csv_dbl(&c, rate);
			csv_dbl(&c, pgfault);
			csv_empty(&c);	/* no hardware PMU: not available, not zero */
			csv_str(&c, "a note, with a comma");
			csv_end_row(&c);
		}
	}
	err = csv_commit(&c);
	if (err)
		die("%s/synth.csv: %s", dir, strerror(-err));
	return 0;
}
