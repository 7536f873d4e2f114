/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats: sample summaries, the log-linear latency histogram, the
 * Mann-Whitney U test and the bootstrap CI of a ratio of medians.
 * Pure computation: no I/O, no global state, -errno on bad input.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* NaN sorts last so a stray NaN cannot scramble the order of real values. */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a > b) - (a < b);
}

static void sort_doubles(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double percentile_sorted(const double *sorted, size_t n, double p)
{
	double h, frac;
	size_t lo;

	if (n == 0 || isnan(p))
		return NAN;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	/* Type 7 (Hyndman & Fan): h = (n - 1) p, interpolate between neighbours. */
	h = (double)(n - 1) * p / 100.0;
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

double mean_of(const double *v, size_t n)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double median_of(double *v, size_t n)
{
	sort_doubles(v, n);
	return percentile_sorted(v, n, 50);
}

void summarize(double *v, size_t n, struct summary *s)
{
	double ss = 0, inv = 0;
	size_t i;
	int any_nonpositive = 0;

	s->n = n;
	if (n == 0) {
		s->min = s->max = s->mean = s->stddev = s->cov = NAN;
		s->p50 = s->p90 = s->p99 = s->p999 = s->hmean = NAN;
		return;
	}
	sort_doubles(v, n);
	s->min = v[0];
	s->max = v[n - 1];
	s->mean = mean_of(v, n);
	/* Two-pass variance: numerically safe for latencies around 1e9. */
	for (i = 0; i < n; i++) {
		double d = v[i] - s->mean;

		ss += d * d;
		if (v[i] <= 0)
			any_nonpositive = 1;
		else
			inv += 1.0 / v[i];
	}
	/* Sample standard deviation (n - 1): the runs are a sample of the kernel's behaviour. */
	s->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	s->cov = s->mean != 0 ? s->stddev / fabs(s->mean) : 0;
	s->p50 = percentile_sorted(v, n, 50);
	s->p90 = percentile_sorted(v, n, 90);
	s->p99 = percentile_sorted(v, n, 99);
	s->p999 = percentile_sorted(v, n, 99.9);
	s->hmean = any_nonpositive ? NAN : (double)n / inv;
}

/* ---- log-linear histogram ---- */

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned hist_bucket(uint64_t value)
{
	unsigned msb, shift;

	if (value < (1u << HIST_SUB_BITS))
		return (unsigned)value;
	msb = 63 - (unsigned)__builtin_clzll(value);
	shift = msb - HIST_SUB_BITS;
	/*
	 * Group msb - SUB_BITS + 1, sub-bucket = the SUB_BITS bits below the
	 * leading one. For msb == SUB_BITS this gives the value itself, so
	 * the exact and the log-linear ranges join without a gap.
	 */
	return ((msb - HIST_SUB_BITS + 1) << HIST_SUB_BITS) +
	       (unsigned)((value >> shift) & ((1u << HIST_SUB_BITS) - 1));
}

void hist_bucket_range(unsigned bucket, uint64_t *lo, uint64_t *hi)
{
	unsigned group = bucket >> HIST_SUB_BITS;
	uint64_t sub = bucket & ((1u << HIST_SUB_BITS) - 1);
	unsigned shift;

	if (bucket >= HIST_BUCKETS) {
		*lo = *hi = UINT64_MAX;
		return;
	}
	if (group == 0) {
		*lo = *hi = bucket;
		return;
	}
	shift = group - 1;
	*lo = ((1ull << HIST_SUB_BITS) + sub) << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

void hist_add(struct hist *h, uint64_t value)
{
	h->count[hist_bucket(value)]++;
	h->total++;
	h->sum += value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	unsigned i;

	if (!from->total)
		return;
	for (i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += from->count[i];
	into->total += from->total;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	unsigned i;

	if (!h->total)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* Nearest rank: the smallest value with at least p% of events at or below it. */
	rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)
		return h->max;
	hist_bucket_range(i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	/* The extreme buckets hold min and max exactly: never report past them. */
	if (mid < h->min)
		mid = h->min;
	if (mid > h->max)
		mid = h->max;
	return mid;
}

double hist_mean(const struct hist *h)
{
	return h->total ? (double)(h->sum / h->total) : NAN;
}

/* ---- Mann-Whitney U ---- */

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

static void swap_planes(double **x, double **y)
{
	double *t = *x;

	*x = *y;
	*y = t;
}

/*
 * P(U <= u) under H0 for sample sizes m, n with no ties: count the
 * arrangements with the recurrence f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u)
 * (Mann & Whitney 1947), divided by C(m+n, m). m, n <= 20, so U <= 400.
 */
static double mwu_exact_cdf(size_t m, size_t n, double u)
{
	size_t umax = m * n, i, j, k;
	double *f, *prev, total = 0, below = 0;
	size_t stride = umax + 1;

	/* f[i][j][k] for the current i in one plane, rolled over i. */
	prev = calloc((n + 1) * stride, sizeof(double));
	f = calloc((n + 1) * stride, sizeof(double));
	if (!prev || !f) {
		free(prev);
		free(f);
		return NAN;
	}
	/* i = 0: only U = 0, one way, whatever j is. */
	for (j = 0; j <= n; j++)
		prev[j * stride] = 1;
	for (i = 1; i <= m; i++) {
		memset(f, 0, (n + 1) * stride * sizeof(double));
		f[0] = 1;	/* j = 0: U = 0 */
		for (j = 1; j <= n; j++)
			for (k = 0; k <= i * j; k++) {
				double ways = f[(j - 1) * stride + k];

				if (k >= j)
					ways += prev[j * stride + k - j];
				f[j * stride + k] = ways;
			}
		swap_planes(&prev, &f);
	}
	for (k = 0; k <= umax; k++) {
		total += prev[n * stride + k];
		if ((double)k <= u + 1e-9)
			below += prev[n * stride + k];
	}
	free(prev);
	free(f);
	return below / total;
}

int mann_whitney_u(const double *a, size_t na, const double *b, size_t nb, struct mwu *out)
{
	size_t n = na + nb, i, j;
	struct ranked *all;
	double rank_sum_a = 0, tie_term = 0, mu, sigma2, u;
	int ties = 0;

	if (!na || !nb || !out)
		return -EINVAL;
	for (i = 0; i < na; i++)
		if (isnan(a[i]))
			return -EINVAL;
	for (i = 0; i < nb; i++)
		if (isnan(b[i]))
			return -EINVAL;
	all = malloc(n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < na; i++)
		all[i] = (struct ranked){ a[i], 1 };
	for (i = 0; i < nb; i++)
		all[na + i] = (struct ranked){ b[i], 0 };
	qsort(all, n, sizeof(*all), cmp_ranked);
	/* Ranks 1..n; a run of t equal values shares the average rank. */
	for (i = 0; i < n; i = j) {
		double avg, t;
		size_t k;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		t = (double)(j - i);
		avg = ((double)(i + 1) + (double)j) / 2.0;
		for (k = i; k < j; k++)
			if (all[k].from_a)
				rank_sum_a += avg;
		if (t > 1) {
			ties = 1;
			tie_term += t * t * t - t;
		}
	}
	free(all);

	u = rank_sum_a - (double)na * (double)(na + 1) / 2.0;
	out->u = u;
	out->z = 0;
	mu = (double)na * (double)nb / 2.0;

	if (na <= 20 && nb <= 20 && !ties) {
		/* The distribution is symmetric about mu: take the smaller tail, double it. */
		double u_small = u < mu ? u : (double)na * (double)nb - u;
		double p = 2.0 * mwu_exact_cdf(na, nb, u_small);

		if (isnan(p))
			return -ENOMEM;
		out->p = p > 1 ? 1 : p;
		return 0;
	}

	sigma2 = (double)na * (double)nb / 12.0 *
		 ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1)));
	if (sigma2 <= 0) {
		/* Every value equal: no evidence of any difference. */
		out->p = 1;
		return 0;
	}
	/* Continuity correction: move |U - mu| half a step towards zero. */
	{
		double d = fabs(u - mu) - 0.5;

		if (d < 0)
			d = 0;
		out->z = (u >= mu ? d : -d) / sqrt(sigma2);
		out->p = erfc(fabs(out->z) / M_SQRT2);
		if (out->p > 1)
			out->p = 1;
	}
	return 0;
}

/* ---- bootstrap ---- */

/*
 * Median of a resample of sorted[0..n) given how often each element was
 * drawn: walk the sorted values by multiplicity, O(n) instead of a sort.
 */
static double median_of_resample(const double *sorted, const unsigned *times, size_t n)
{
	size_t lo_rank = (n - 1) / 2, hi_rank = n / 2, seen = 0, i;
	double lo = NAN, hi = NAN;

	for (i = 0; i < n; i++) {
		size_t next = seen + times[i];

		if (isnan(lo) && lo_rank < next)
			lo = sorted[i];
		if (hi_rank < next) {
			hi = sorted[i];
			break;
		}
		seen = next;
	}
	return (lo + hi) / 2.0;
}

static double resample_median(struct rng *r, const double *sorted, unsigned *times, size_t n)
{
	size_t i;

	memset(times, 0, n * sizeof(*times));
	for (i = 0; i < n; i++)
		times[rng_below(r, n)]++;
	return median_of_resample(sorted, times, n);
}

int bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
		       unsigned iterations, double confidence, uint64_t seed,
		       double *lo, double *hi)
{
	double *sa = NULL, *sb = NULL, *ratios = NULL;
	unsigned *times = NULL;
	struct rng r;
	unsigned it;
	int ret = -ENOMEM;

	if (!na || !nb || !iterations || !(confidence > 0 && confidence < 1))
		return -EINVAL;
	sa = malloc(na * sizeof(*sa));
	sb = malloc(nb * sizeof(*sb));
	ratios = malloc(iterations * sizeof(*ratios));
	times = malloc((na > nb ? na : nb) * sizeof(*times));
	if (!sa || !sb || !ratios || !times)
		goto out;
	memcpy(sa, a, na * sizeof(*sa));
	memcpy(sb, b, nb * sizeof(*sb));
	sort_doubles(sa, na);
	sort_doubles(sb, nb);
	ret = -EINVAL;
	if (isnan(sa[na - 1]) || isnan(sb[nb - 1]))
		goto out;
	rng_seed(&r, seed);
	for (it = 0; it < iterations; it++) {
		double ma = resample_median(&r, sa, times, na);
		double mb = resample_median(&r, sb, times, nb);

		if (ma == 0)
			goto out;
		ratios[it] = mb / ma;
	}
	sort_doubles(ratios, iterations);
	*lo = percentile_sorted(ratios, iterations, (1 - confidence) / 2 * 100);
	*hi = percentile_sorted(ratios, iterations, (1 + confidence) / 2 * 100);
	ret = 0;
out:
	free(sa);
	free(sb);
	free(ratios);
	free(times);
	return ret;
}

/* ---- xoshiro256** (Blackman & Vigna), seeded through splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t low, threshold;

	if (n == 0)
		return 0;
	/* Lemire's multiply-and-reject: unbiased without a division per draw. */
	m = (unsigned __int128)rng_next(r) * n;
	low = (uint64_t)m;
	if (low < n) {
		threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
