/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare: the model behind `cowbench compare`. Loads a results
 * directory (meta.txt and every <bench>.csv), groups rows into parameter
 * points, and compares one metric between a baseline and another run:
 * central value, spread, change (positive = better, as in mmtests),
 * Mann-Whitney p, bootstrap CI of the ratio of medians, and the warnings
 * that keep a reviewer from trusting a star the data can't support.
 */
#ifndef COWBENCH_COMPARE_H
#define COWBENCH_COMPARE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "csvread.h"

#define CMP_ALPHA 0.05		/* significance level of the star */
#define CMP_MIN_N 5		/* fewer samples per side: no star */
#define CMP_MAX_COV 0.05	/* a noisier side: no star */
#define CMP_BOOTSTRAP_ITERATIONS 2000
#define CMP_BOOTSTRAP_SEED 0x636f7762656e6368ull

/* Rows with equal values in every param column. */
struct cmp_point {
	char *key;		/* "name=value,..." over all param columns: the identity */
	size_t n, cap;
	size_t *rows;		/* row indices in the table */
};

struct cmp_bench {
	char name[128];		/* file name without .csv */
	struct csv_table t;
	struct cmp_point *points;	/* in order of first appearance */
	size_t npoints;
};

struct cmp_run {
	char dir[PATH_MAX];
	char label[128];	/* meta.txt label=, else the directory name */
	struct kv_list meta;
	bool has_meta;
	struct cmp_bench *benches;	/* sorted by name */
	size_t nbenches;
};

/*
 * Load DIR: meta.txt (optional) and every *.csv except *-hist.csv,
 * *-timeseries.csv and compare.csv (the comparator's own output). 0, -EINVAL (malformed input: err names file and
 * line), -ENOENT (no such directory or no CSV in it), other -errno.
 */
int cmp_run_load(struct cmp_run *r, const char *dir, char *err, size_t errlen);
/* Safe on a run that failed to load. */
void cmp_run_free(struct cmp_run *r);
struct cmp_bench *cmp_run_bench(const struct cmp_run *r, const char *name);
struct cmp_point *cmp_bench_point(const struct cmp_bench *b, const char *key);
/* Values of column col at point p, empty cells skipped, into out[0..p->n). */
size_t cmp_point_samples(const struct cmp_bench *b, const struct cmp_point *p, int col, double *out);
/*
 * The point key restricted to the param columns that vary in b: compact,
 * for tables. The whole key when nothing varies.
 */
void cmp_point_label(const struct cmp_bench *b, const struct cmp_point *p, char *buf, size_t len);

/*
 * Samples of baseline bench b0's column col0 at point p0, taken from
 * `run` by benchmark name, column name and point key: the count (0 if
 * the run lacks any of them) or -ENOMEM. *buf is (re)allocated.
 */
ssize_t cmp_run_samples(const struct cmp_run *run, const struct cmp_bench *b0, int col0,
			const struct cmp_point *p0, double **buf);

/* Central value per kind: median for lower, harmonic mean for higher, mean for ops. */
struct cmp_side {
	size_t n;
	double central, median, mean, stddev, cov, min, max;
	bool central_is_hmean;
};
void cmp_side_summarize(double *v, size_t n, enum col_kind kind, struct cmp_side *s);
/* mmtests' sign: higher: (new - base) / base; lower: (base - new) / base. Percent. */
double cmp_change_pct(double base, double new_value, enum col_kind kind);

struct cmp_result {
	struct cmp_side base, other;
	double change_pct;
	double p;			/* Mann-Whitney two-sided; NAN if a side is empty */
	double ratio_lo, ratio_hi;	/* bootstrap 95% CI of median(other) / median(base); NAN if undefined */
	double change_lo_pct, change_hi_pct;	/* the same interval as a change, lo <= hi */
	bool low_n;			/* a side has fewer than CMP_MIN_N samples */
	bool high_cov;			/* a side has CoV above CMP_MAX_COV */
	bool significant;		/* p < CMP_ALPHA and neither warning: the star */
	bool unreliable_significance;	/* p < CMP_ALPHA but a warning holds: no star, said so */
};
/* Compare samples of one metric (arrays are sorted in place). 0 or -ENOMEM. */
int cmp_metric(double *base, size_t nbase, double *other, size_t nother, enum col_kind kind,
	       struct cmp_result *res);

/* meta.txt keys that identify the machine (CPU model, CPU count, memory, arch). */
bool cmp_meta_is_machine(const char *key);
/* Keys that differ on every run (label, start/end times): left out of the diff. */
bool cmp_meta_is_noise(const char *key);
/*
 * A benchmark command line without what always differs between runs
 * (the program's directory, -o/--output DIR, --label L), so two runs
 * with the same parameters compare equal.
 */
void cmp_normalize_cmdline(const char *cmd, char *out, size_t len);

/* A growable list of messages. */
struct strlist {
	char **v;
	size_t n;
};
int strlist_addf(struct strlist *l, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strlist_free(struct strlist *l);

/*
 * Benchmarks, columns and points that one run has and the baseline lacks
 * or the other way round (into missing), and columns whose kind differs
 * (into warnings). 0 or -ENOMEM.
 */
int cmp_list_missing(const struct cmp_run *runs, int nruns, struct strlist *missing,
		     struct strlist *warnings);
/* A meta.txt value, "-" when absent. */
const char *cmp_meta_value(const struct cmp_run *r, const char *key);
/*
 * meta.txt keys whose value differs between the baseline and another run
 * (noise keys left out, command lines compared without -o/--label), in
 * order of first appearance; warnings when the machines differ or a
 * benchmark ran with other parameters (also from the CSV "# command:"
 * line). 0 or -ENOMEM.
 */
int cmp_meta_diff(const struct cmp_run *runs, int nruns, struct strlist *keys,
		  struct strlist *warnings);

#endif
