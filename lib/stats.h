/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats: what a reviewer needs to trust a number. Sample summaries
 * (percentiles, mean, stddev, CoV), a log-linear latency histogram that
 * costs O(1) per event, the Mann-Whitney U test and a bootstrap confidence
 * interval of the ratio of two medians. Pure computation, no I/O.
 */
#ifndef COWBENCH_STATS_H
#define COWBENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct summary {
	size_t n;
	double min, max, mean, stddev, cov;	/* cov = stddev / mean (0 if mean 0) */
	double p50, p90, p99, p999;
	double hmean;				/* harmonic mean, for rates (NAN if any <= 0) */
};

/* Percentile p in [0, 100] of sorted[0..n), linear interpolation (type 7, as R/numpy). */
double percentile_sorted(const double *sorted, size_t n, double p);
/* Sorts v in place, then fills s. n == 0 gives n = 0 and NAN fields. */
void summarize(double *v, size_t n, struct summary *s);
double mean_of(const double *v, size_t n);
double median_of(double *v, size_t n);	/* sorts v */

/*
 * Log-linear histogram: values below 2^sub_bits are exact; above, each
 * power of two is split in 2^sub_bits linear buckets, so the relative
 * error of any bucket is below 2^-sub_bits (sub_bits = 5: 3%).
 * Covers 0 .. 2^63.
 */
#define HIST_SUB_BITS 5
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) << HIST_SUB_BITS)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t total;
	uint64_t min, max;
	long double sum;
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t value);
void hist_merge(struct hist *into, const struct hist *from);
/* Bucket index of a value and the inclusive value range a bucket covers. */
unsigned hist_bucket(uint64_t value);
void hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi);
/* Value at percentile p (0..100), the midpoint of the bucket holding it. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);

/*
 * Mann-Whitney U test, two-sided, ties averaged. p-value from the exact
 * distribution when na, nb <= 20 and there are no ties, else the normal
 * approximation with tie and continuity correction.
 */
struct mwu {
	double u;	/* U statistic of sample a */
	double z;	/* normal-approximation z (0 when exact) */
	double p;	/* two-sided p-value */
};
int mann_whitney_u(const double *a, size_t na, const double *b, size_t nb, struct mwu *out);

/*
 * Bootstrap percentile CI of median(b) / median(a): `iterations` resamples
 * with a fixed seed, so the same input gives the same interval.
 * Returns -EINVAL for empty input or a zero median in a resample denominator
 * that makes the ratio undefined.
 */
int bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
		       unsigned iterations, double confidence, uint64_t seed,
		       double *lo, double *hi);

/* Small deterministic PRNG (xoshiro256**) for bootstrap and random patterns. */
struct rng { uint64_t s[4]; };
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);	/* uniform in [0, n) */

#endif
