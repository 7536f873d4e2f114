/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/stats: every expected value below was computed
 * independently of this C code; the comment next to it says how (Python 3
 * standard library, brute-force enumeration, published examples, or hand
 * arithmetic), so a reviewer can recompute it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_summaries(void)
{
	/* Python 3: statistics.mean/stdev/harmonic_mean, quantiles(n=1000, method='inclusive') (= type 7). */
	double v[] = { 40, 15, 50, 20, 35 };
	double w[] = { 3.2, 1.7, 9.9, 4.4, 2.5, 7.1, 6.3, 5.8, 0.9, 8.6, 4.4 };
	double neg[] = { 2, -1, 3 };
	struct summary s;

	summarize(v, ARRAY_SIZE(v), &s);
	ok(s.n == 5 && s.min == 15 && s.max == 50, "summary n/min/max");
	ok(v[0] == 15 && v[4] == 50, "summarize sorts in place");
	ok_near(s.mean, 32, 1e-12, "mean of 15,20,35,40,50");
	ok_near(s.stddev, 14.404860290887934, 1e-12, "sample stddev (statistics.stdev)");
	ok_near(s.cov, 14.404860290887934 / 32, 1e-12, "CoV = stddev / mean");
	ok_near(s.p50, 35, 1e-12, "p50");
	ok_near(s.p90, 46.0, 1e-12, "p90 type 7");
	ok_near(s.p99, 49.6, 1e-12, "p99 type 7");
	ok_near(s.p999, 49.96, 1e-12, "p99.9 type 7");
	ok_near(s.hmean, 26.282853566958696, 1e-12, "harmonic mean (statistics.harmonic_mean)");

	summarize(w, ARRAY_SIZE(w), &s);
	ok_near(s.mean, 4.9818181818181815, 1e-12, "mean of 11 values");
	ok_near(s.stddev, 2.85685777798552, 1e-12, "stddev of 11 values");
	ok_near(s.hmean, 3.0936503771809045, 1e-12, "hmean of 11 values");
	ok_near(s.p50, 4.4, 1e-12, "p50 with a tie at the median");
	ok_near(s.p90, 8.6, 1e-12, "p90 of 11 values");
	ok_near(s.p99, 9.77, 1e-12, "p99 of 11 values");
	ok_near(s.p999, 9.887, 1e-12, "p99.9 of 11 values");
	ok_near(percentile_sorted(w, ARRAY_SIZE(w), 25), 2.85, 1e-12, "p25 of 11 values");
	ok(percentile_sorted(w, ARRAY_SIZE(w), 0) == 0.9 &&
	   percentile_sorted(w, ARRAY_SIZE(w), 100) == 9.9, "p0 = min, p100 = max");

	summarize(neg, ARRAY_SIZE(neg), &s);
	ok(isnan(s.hmean), "harmonic mean is NAN when a value is <= 0");

	summarize(v, 0, &s);
	ok(s.n == 0 && isnan(s.mean) && isnan(s.p50) && isnan(s.hmean), "empty sample: NAN fields");

	{
		double one[] = { 7 };

		summarize(one, 1, &s);
		ok(s.stddev == 0 && s.cov == 0 && s.p99 == 7, "one sample: stddev 0, every percentile the value");
	}
	{
		double even[] = { 4, 1, 3, 2 };

		/* Hand arithmetic: the median of 1,2,3,4 is (2 + 3) / 2. */
		ok_near(median_of(even, 4), 2.5, 0, "median of an even count interpolates");
		ok_near(mean_of(even, 4), 2.5, 0, "mean_of");
	}
	{
		/* Values near 1e9 with a spread of 1: a one-pass variance loses it. */
		double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };

		summarize(big, 3, &s);
		ok_near(s.stddev, 1.0, 1e-6, "stddev stays exact around 1e9");
	}
}

static void test_hist(void)
{
	static struct hist h, h2;
	uint64_t lo, hi, prev_hi = 0;
	unsigned b;
	int ranges_ok = 1;
	uint64_t i;

	/* Hand arithmetic from the layout: exact below 32, then 32 buckets per power of two. */
	ok(hist_bucket(0) == 0 && hist_bucket(31) == 31 && hist_bucket(32) == 32 &&
	   hist_bucket(63) == 63, "values below 64 have a bucket each");
	ok(hist_bucket(64) == 64 && hist_bucket(65) == 64 && hist_bucket(66) == 65,
	   "64..127 use buckets of width 2");
	ok(hist_bucket(UINT64_MAX) == HIST_BUCKETS - 1, "UINT64_MAX lands in the last bucket");
	hist_bucket_range(64, &lo, &hi);
	ok(lo == 64 && hi == 65, "bucket 64 covers [64, 65]");

	/* Every bucket: contiguous with the previous, maps back to itself, error < 1/32. */
	for (b = 0; b < HIST_BUCKETS; b++) {
		hist_bucket_range(b, &lo, &hi);
		if ((b && lo != prev_hi + 1) || hist_bucket(lo) != b || hist_bucket(hi) != b ||
		    (lo >= 32 && (double)(hi - lo + 1) / (double)lo > 1.0 / 32 + 1e-12)) {
			ranges_ok = 0;
			printf("# bucket %u: [%llu, %llu]\n", b, (unsigned long long)lo,
			       (unsigned long long)hi);
			break;
		}
		prev_hi = hi;
	}
	ok(ranges_ok && prev_hi == UINT64_MAX, "buckets tile 0..2^64-1 with relative width <= 1/32");

	hist_init(&h);
	ok(h.total == 0 && hist_percentile(&h, 50) == 0 && isnan(hist_mean(&h)), "empty histogram");
	for (i = 1; i <= 1000; i++)
		hist_add(&h, i);
	ok(h.total == 1000 && h.min == 1 && h.max == 1000, "total/min/max after 1..1000");
	/* Exact mean of 1..1000 is 500.5: the sum is kept exactly. */
	ok_near(hist_mean(&h), 500.5, 1e-9, "hist mean exact");
	/*
	 * Nearest rank 500 is the value 500, in the bucket [496, 503] (msb 8,
	 * width 8); its midpoint is 499.
	 */
	ok(hist_percentile(&h, 50) == 499, "p50 of 1..1000 is the midpoint of [496,503] (got %llu)",
	   (unsigned long long)hist_percentile(&h, 50));
	ok(hist_percentile(&h, 100) == 1000 && hist_percentile(&h, 0) == 1, "p0/p100 are min/max");
	/* Rank 990 -> value 990 in [976, 991] (width 16), midpoint 983. */
	ok(hist_percentile(&h, 99) == 983, "p99 of 1..1000 (got %llu)",
	   (unsigned long long)hist_percentile(&h, 99));
	/* Small values are exact: rank 5 of 1..1000 is 5. */
	ok(hist_percentile(&h, 0.5) == 5, "p0.5 is exact in the linear range");

	hist_init(&h2);
	hist_add(&h2, 5000000);
	hist_add(&h2, 3);
	hist_merge(&h, &h2);
	ok(h.total == 1002 && h.min == 1 && h.max == 5000000, "merge adds counts and extremes");
	ok(hist_percentile(&h, 100) == 5000000, "merged max");
	{
		/* A single huge value: the bucket midpoint is clamped to the value seen. */
		hist_init(&h2);
		hist_add(&h2, 1000003);
		ok(hist_percentile(&h2, 50) == 1000003, "single value reported exactly");
	}
}

static void test_mwu(void)
{
	struct mwu r;
	/* Brute-force enumeration of all C(11,5) = 462 rank sets in Python: U = 1, p = 4/462. */
	double a[] = { 1.1, 2.3, 3.5, 4.2, 6.0 };
	double b[] = { 5.1, 7.2, 8.3, 9.4, 10.5, 11.6 };
	/*
	 * scipy.stats.mannwhitneyu documentation example (ages of males and
	 * females): U1 = 17, exact p = 0.1111..., asymptotic p =
	 * 0.11134688653314041. Also confirmed by enumeration in Python.
	 */
	double males[] = { 19, 22, 16, 29, 24 };
	double females[] = { 20, 11, 17, 12 };
	/* Enumeration of all C(20,10) = 184756 rank sets in Python: U = 17, p = 0.011496243694386109. */
	double a10[] = { 10.3, 11.8, 9.7, 12.4, 10.9, 13.1, 11.2, 9.9, 12.0, 10.5 };
	double b10[] = { 11.5, 12.9, 13.7, 10.8, 14.2, 12.6, 13.3, 11.9, 14.8, 12.2 };
	/*
	 * With ties, normal approximation with tie and continuity correction,
	 * recomputed in Python (statistics.NormalDist): U = 7.5,
	 * z = -2.727939278646863, p = 0.006373133838085909.
	 */
	double at[] = { 1, 2, 2, 3, 3, 3, 4, 5 };
	double bt[] = { 3, 4, 4, 5, 5, 6, 7, 7, 8 };
	double same[] = { 4, 4, 4 };

	ok(mann_whitney_u(a, 5, b, 6, &r) == 0, "mwu returns 0");
	ok_near(r.u, 1, 0, "U of a separated pair");
	ok_near(r.p, 4.0 / 462, 1e-12, "exact p of a separated pair");
	ok(r.z == 0, "exact test reports z = 0");

	mann_whitney_u(b, 6, a, 5, &r);
	ok_near(r.u, 29, 0, "swapping samples gives U' = na nb - U");
	ok_near(r.p, 4.0 / 462, 1e-12, "swapping samples keeps p");

	mann_whitney_u(males, 5, females, 4, &r);
	ok_near(r.u, 17, 0, "scipy doc example: U1 = 17");
	ok_near(r.p, 1.0 / 9, 1e-12, "scipy doc example: exact p = 0.1111");

	mann_whitney_u(a10, 10, b10, 10, &r);
	ok_near(r.u, 17, 0, "10 vs 10: U");
	ok_near(r.p, 0.011496243694386109, 1e-12, "10 vs 10: exact p by enumeration");

	mann_whitney_u(at, 8, bt, 9, &r);
	ok_near(r.u, 7.5, 0, "ties: U with averaged ranks");
	ok_near(r.z, -2.727939278646863, 1e-9, "ties: z with tie and continuity correction");
	ok_near(r.p, 0.006373133838085909, 1e-9, "ties: normal-approximation p");

	{
		/*
		 * 21 vs 21 forces the normal approximation. By hand for a fully
		 * separated pair: U = 0, mu = 220.5, sigma^2 = 21*21*43/12 =
		 * 1580.25, z = -(220.5 - 0.5) / sqrt(1580.25) = -5.5342628...
		 */
		double lo21[21], hi21[21];
		int i;

		for (i = 0; i < 21; i++) {
			lo21[i] = i;
			hi21[i] = 100 + i;
		}
		mann_whitney_u(lo21, 21, hi21, 21, &r);
		ok_near(r.u, 0, 0, "21 vs 21 separated: U = 0");
		ok_near(r.z, -220.0 / sqrt(1580.25), 1e-9, "21 vs 21: z by hand");
		ok_near(r.p, erfc(220.0 / sqrt(1580.25) / sqrt(2)), 1e-15, "21 vs 21: p");
	}

	mann_whitney_u(same, 3, same, 3, &r);
	ok(r.p == 1, "all values equal: p = 1");
	ok(mann_whitney_u(a, 0, b, 6, &r) == -EINVAL, "empty sample: -EINVAL");
	{
		double with_nan[] = { 1, NAN };

		ok(mann_whitney_u(with_nan, 2, b, 6, &r) == -EINVAL, "NaN in a sample: -EINVAL");
	}
}

static void test_bootstrap(void)
{
	double a[] = { 2, 2, 2, 2, 2 }, b[] = { 3, 3, 3, 3, 3, 3 };
	double zero[] = { 0, 0, 0 };
	double lo, hi, lo2, hi2;
	struct rng r;
	int covered = 0, trials = 200, t, i;

	/* Constant samples: every resample ratio is 3 / 2. */
	ok(bootstrap_ratio_ci(a, 5, b, 6, 1000, 0.95, 1, &lo, &hi) == 0, "bootstrap returns 0");
	ok(lo == 1.5 && hi == 1.5, "constant samples: CI is [1.5, 1.5]");
	ok(bootstrap_ratio_ci(zero, 3, b, 6, 100, 0.95, 1, &lo, &hi) == -EINVAL,
	   "zero median in the denominator: -EINVAL");
	ok(bootstrap_ratio_ci(a, 0, b, 6, 100, 0.95, 1, &lo, &hi) == -EINVAL, "empty: -EINVAL");
	ok(bootstrap_ratio_ci(a, 5, b, 6, 100, 1.5, 1, &lo, &hi) == -EINVAL, "confidence > 1: -EINVAL");

	/*
	 * Coverage: draw pairs of samples whose true medians are equal
	 * (uniform on [100, 200), n = 15 each) and check the 95% interval
	 * contains 1 in roughly 95% of trials. Deterministic (fixed seeds);
	 * the bound is loose because percentile bootstrap under-covers a bit
	 * at small n.
	 */
	rng_seed(&r, 12345);
	for (t = 0; t < trials; t++) {
		double x[15], y[15];

		for (i = 0; i < 15; i++) {
			x[i] = 100 + (double)rng_below(&r, 1000000) / 10000.0;
			y[i] = 100 + (double)rng_below(&r, 1000000) / 10000.0;
		}
		if (bootstrap_ratio_ci(x, 15, y, 15, 500, 0.95, (uint64_t)t, &lo, &hi) == 0 &&
		    lo <= 1 && 1 <= hi)
			covered++;
	}
	ok(covered >= trials * 85 / 100 && covered <= trials * 995 / 1000,
	   "95%% CI covers the true ratio in %d of %d trials", covered, trials);

	{
		double x[12], y[12];

		rng_seed(&r, 7);
		for (i = 0; i < 12; i++) {
			x[i] = 1000 + (double)rng_below(&r, 100);
			y[i] = x[i] * 1.3;
		}
		bootstrap_ratio_ci(x, 12, y, 12, 2000, 0.95, 99, &lo, &hi);
		bootstrap_ratio_ci(x, 12, y, 12, 2000, 0.95, 99, &lo2, &hi2);
		ok(lo == lo2 && hi == hi2, "same seed, same interval");
		ok(lo <= 1.3 && 1.3 <= hi && lo > 1.2 && hi < 1.4,
		   "b = 1.3 a: CI [%.4f, %.4f] contains 1.3", lo, hi);
	}
}

static void test_rng(void)
{
	struct rng r;
	unsigned counts[10] = { 0 };
	double chi2 = 0;
	int i;

	/*
	 * Reference: xoshiro256** and splitmix64 transcribed into Python from
	 * Vigna's C sources (prng.di.unimi.it), seed 42 through splitmix64.
	 */
	rng_seed(&r, 42);
	ok(rng_next(&r) == 0x15780b2e0c2ec716ull, "xoshiro256** output 1");
	ok(rng_next(&r) == 0x6104d9866d113a7eull, "xoshiro256** output 2");
	ok(rng_next(&r) == 0xae17533239e499a1ull, "xoshiro256** output 3");

	ok(rng_below(&r, 0) == 0 && rng_below(&r, 1) == 0, "rng_below(0 or 1) is 0");
	for (i = 0; i < 100000; i++)
		counts[rng_below(&r, 10)]++;
	for (i = 0; i < 10; i++)
		chi2 += (counts[i] - 10000.0) * (counts[i] - 10000.0) / 10000.0;
	/* 9 degrees of freedom: P(chi2 > 27.88) = 0.001. */
	ok(chi2 < 27.88, "rng_below(10) is uniform (chi2 = %.2f)", chi2);
}

int main(void)
{
	test_summaries();
	test_hist();
	test_mwu();
	test_bootstrap();
	test_rng();
	return done_testing();
}
