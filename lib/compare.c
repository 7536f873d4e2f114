/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare: load results directories and compare one metric between two
 * runs. Everything here is deterministic (the bootstrap has a fixed
 * seed), so the same inputs always give the same table.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare.h"
#include "stats.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The benchmark CSVs of a directory, sorted; histograms and time series are figures' input. */
static int list_csvs(const char *dir, char ***names, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		int e0 = errno;

		snprintf(err, errlen, "%s: %s", dir, strerror(e0));
		return -e0;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		/* compare.csv: our own output, if -o pointed into a results directory. */
		if (!ends_with(e->d_name, ".csv") || ends_with(e->d_name, "-hist.csv") ||
		    ends_with(e->d_name, "-timeseries.csv") || e->d_name[0] == '.' ||
		    !strcmp(e->d_name, "compare.csv"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			char **bigger = realloc(*names, (cap = cap ? 2 * cap : 16) * sizeof(*bigger));

			if (!bigger)
				goto nomem;
			*names = bigger;
		}
		(*names)[*n] = strdup(e->d_name);
		if (!(*names)[*n])
			goto nomem;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return 0;
nomem:
	closedir(d);
	snprintf(err, errlen, "%s: out of memory", dir);
	return -ENOMEM;
}

/* Join the param cells of a row into the point's identity. */
static int row_key(const struct csv_table *t, size_t row, char **key)
{
	size_t len = 1, i;
	char *k, *p;

	for (i = 0; i < (size_t)t->ncols; i++)
		if (t->kinds[i] == COL_PARAM)
			len += strlen(t->names[i]) + strlen(t->cells[row * t->ncols + i]) + 2;
	k = malloc(len);
	if (!k)
		return -ENOMEM;
	p = k;
	*p = 0;
	for (i = 0; i < (size_t)t->ncols; i++)
		if (t->kinds[i] == COL_PARAM)
			p += sprintf(p, "%s%s=%s", p == k ? "" : ",", t->names[i],
				     t->cells[row * t->ncols + i]);
	*key = k;
	return 0;
}

static int group_points(struct cmp_bench *b)
{
	size_t cap = 0, row;

	for (row = 0; row < b->t.nrows; row++) {
		struct cmp_point *p;
		char *key;

		if (row_key(&b->t, row, &key))
			return -ENOMEM;
		p = cmp_bench_point(b, key);
		if (p) {
			free(key);
		} else {
			if (b->npoints == cap) {
				struct cmp_point *bigger =
					realloc(b->points, (cap = cap ? 2 * cap : 16) * sizeof(*bigger));

				if (!bigger) {
					free(key);
					return -ENOMEM;
				}
				b->points = bigger;
			}
			p = &b->points[b->npoints++];
			memset(p, 0, sizeof(*p));
			p->key = key;
		}
		if (p->n == p->cap) {
			size_t *bigger = realloc(p->rows, (p->cap = p->cap ? 2 * p->cap : 8) * sizeof(*bigger));

			if (!bigger)
				return -ENOMEM;
			p->rows = bigger;
		}
		p->rows[p->n++] = row;
	}
	return 0;
}

int cmp_run_load(struct cmp_run *r, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], **names = NULL;
	size_t n = 0, i;
	const char *label, *base;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	for (i = strlen(r->dir); i > 1 && r->dir[i - 1] == '/'; i--)
		r->dir[i - 1] = 0;
	ret = list_csvs(r->dir, &names, &n, err, errlen);
	if (ret)
		return ret;
	if (!n) {
		snprintf(err, errlen, "%s: no <bench>.csv files: not a results directory", r->dir);
		ret = -ENOENT;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/meta.txt", r->dir);
	ret = kv_list_read(&r->meta, path, err, errlen);
	if (ret == -ENOENT)
		ret = 0;
	else if (ret)
		goto out;
	else
		r->has_meta = true;
	r->benches = calloc(n, sizeof(*r->benches));
	if (!r->benches) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct cmp_bench *b = &r->benches[r->nbenches];

		snprintf(b->name, sizeof(b->name), "%.*s", (int)(strlen(names[i]) - 4), names[i]);
		snprintf(path, sizeof(path), "%s/%s", r->dir, names[i]);
		ret = csv_table_read(&b->t, path, err, errlen);
		r->nbenches++;
		if (!ret)
			ret = group_points(b);
		if (ret)
			goto out;
	}
	label = r->has_meta ? kv_get(&r->meta, "label") : NULL;
	base = strrchr(r->dir, '/');
	base = base && base[1] ? base + 1 : r->dir;
	snprintf(r->label, sizeof(r->label), "%s", label && *label ? label : base);
out:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", r->dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

void cmp_run_free(struct cmp_run *r)
{
	size_t i, j;

	for (i = 0; i < r->nbenches; i++) {
		struct cmp_bench *b = &r->benches[i];

		for (j = 0; j < b->npoints; j++) {
			free(b->points[j].key);
			free(b->points[j].rows);
		}
		free(b->points);
		csv_table_free(&b->t);
	}
	free(r->benches);
	kv_list_free(&r->meta);
	memset(r, 0, sizeof(*r));
}

struct cmp_bench *cmp_run_bench(const struct cmp_run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nbenches; i++)
		if (!strcmp(r->benches[i].name, name))
			return &r->benches[i];
	return NULL;
}

struct cmp_point *cmp_bench_point(const struct cmp_bench *b, const char *key)
{
	size_t i;

	for (i = 0; i < b->npoints; i++)
		if (!strcmp(b->points[i].key, key))
			return &b->points[i];
	return NULL;
}

size_t cmp_point_samples(const struct cmp_bench *b, const struct cmp_point *p, int col, double *out)
{
	size_t i, n = 0;

	for (i = 0; i < p->n; i++) {
		double v = b->t.values[p->rows[i] * b->t.ncols + col];

		if (!isnan(v))
			out[n++] = v;
	}
	return n;
}

void cmp_point_label(const struct cmp_bench *b, const struct cmp_point *p, char *buf, size_t len)
{
	const struct csv_table *t = &b->t;
	size_t used = 0, i;
	int c;

	buf[0] = 0;
	for (c = 0; c < t->ncols; c++) {
		const char *v = t->cells[p->rows[0] * t->ncols + c];
		bool varies = false;

		if (t->kinds[c] != COL_PARAM)
			continue;
		for (i = 0; i < b->npoints && !varies; i++)
			varies = strcmp(v, t->cells[b->points[i].rows[0] * t->ncols + c]) != 0;
		if (varies && used < len)
			used += snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", t->names[c], v);
	}
	if (!buf[0])	/* nothing varies: the whole key says what was measured */
		snprintf(buf, len, "%s", p->key[0] ? p->key : "-");
}

void cmp_side_summarize(double *v, size_t n, enum col_kind kind, struct cmp_side *s)
{
	struct summary sum;

	summarize(v, n, &sum);
	s->n = n;
	s->median = sum.p50;
	s->mean = sum.mean;
	s->stddev = sum.stddev;
	s->cov = sum.cov;
	s->min = sum.min;
	s->max = sum.max;
	s->central_is_hmean = false;
	if (kind == COL_LOWER) {
		s->central = sum.p50;
	} else if (kind == COL_HIGHER && !isnan(sum.hmean)) {
		/* Rates average harmonically: the mean of the times, as a rate. */
		s->central = sum.hmean;
		s->central_is_hmean = true;
	} else if (kind == COL_HIGHER) {
		s->central = sum.p50;	/* a zero or negative rate: the median still means something */
	} else {
		s->central = sum.mean;
	}
}

double cmp_change_pct(double base, double new_value, enum col_kind kind)
{
	if (isnan(base) || isnan(new_value) || base == 0)
		return NAN;
	if (kind == COL_LOWER)
		return (base - new_value) / base * 100.0;
	return (new_value - base) / base * 100.0;
}

int cmp_metric(double *base, size_t nbase, double *other, size_t nother, enum col_kind kind,
	       struct cmp_result *res)
{
	struct mwu test;
	int ret;

	memset(res, 0, sizeof(*res));
	cmp_side_summarize(base, nbase, kind, &res->base);
	cmp_side_summarize(other, nother, kind, &res->other);
	res->change_pct = cmp_change_pct(res->base.central, res->other.central, kind);
	res->p = res->ratio_lo = res->ratio_hi = NAN;
	res->change_lo_pct = res->change_hi_pct = NAN;
	res->low_n = nbase < CMP_MIN_N || nother < CMP_MIN_N;
	res->high_cov = res->base.cov > CMP_MAX_COV || res->other.cov > CMP_MAX_COV;
	if (!nbase || !nother)
		return 0;
	ret = mann_whitney_u(base, nbase, other, nother, &test);
	if (ret == -ENOMEM)
		return ret;
	if (!ret)
		res->p = test.p;
	ret = bootstrap_ratio_ci(base, nbase, other, nother, CMP_BOOTSTRAP_ITERATIONS, 0.95,
				 CMP_BOOTSTRAP_SEED, &res->ratio_lo, &res->ratio_hi);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		res->ratio_lo = res->ratio_hi = NAN;	/* a zero median: no ratio */
	} else if (kind == COL_LOWER) {
		/* change = 1 - ratio for a latency: the interval flips. */
		res->change_lo_pct = (1 - res->ratio_hi) * 100.0;
		res->change_hi_pct = (1 - res->ratio_lo) * 100.0;
	} else {
		res->change_lo_pct = (res->ratio_lo - 1) * 100.0;
		res->change_hi_pct = (res->ratio_hi - 1) * 100.0;
	}
	if (res->p < CMP_ALPHA) {
		res->significant = !res->low_n && !res->high_cov;
		res->unreliable_significance = !res->significant;
	}
	return 0;
}

bool cmp_meta_is_machine(const char *key)
{
	return !strcmp(key, "machine") || starts_with(key, "cpu.") || starts_with(key, "mem.total") ||
	       starts_with(key, "numa.nodes") || starts_with(key, "topo.") ||
	       !strcmp(key, "vm.mem") || !strcmp(key, "vm.cpus");
}

/*
 * Guests given the same memory report different MemTotal under different
 * kernels (each reserves its own share): between two VM runs the
 * machine's size is vm.mem, so mem.total* differing is no other machine.
 */
static bool guest_memtotal(const struct cmp_run *a, const struct cmp_run *b, const char *key)
{
	return starts_with(key, "mem.total") && kv_get(&a->meta, "vm.mem") && kv_get(&b->meta, "vm.mem");
}

bool cmp_meta_is_noise(const char *key)
{
	return !strcmp(key, "label") || ends_with(key, ".start") || ends_with(key, ".end") ||
	       ends_with(key, "overhead_ns");
}

void cmp_normalize_cmdline(const char *cmd, char *out, size_t len)
{
	char *copy = strdup(cmd), *tok, *save = NULL;
	size_t used = 0;
	bool first = true, skip_next = false;

	if (!len)
		return;
	out[0] = 0;
	if (!copy)
		return;
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		const char *word = tok;

		if (skip_next) {
			skip_next = false;
			continue;
		}
		if (first) {
			const char *slash = strrchr(tok, '/');

			word = slash ? slash + 1 : tok;
			first = false;
		} else if (!strcmp(tok, "-o") || !strcmp(tok, "--output") || !strcmp(tok, "--label")) {
			skip_next = true;
			continue;
		} else if (starts_with(tok, "--output=") || starts_with(tok, "--label=") ||
			   (starts_with(tok, "-o") && tok[2])) {
			continue;
		}
		if (used < len)
			used += snprintf(out + used, len - used, "%s%s", used ? " " : "", word);
	}
	free(copy);
}

int strlist_addf(struct strlist *l, const char *fmt, ...)
{
	char **bigger, *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	bigger = realloc(l->v, (l->n + 1) * sizeof(*bigger));
	if (!bigger) {
		free(s);
		return -ENOMEM;
	}
	l->v = bigger;
	l->v[l->n++] = s;
	return 0;
}

void strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

ssize_t cmp_run_samples(const struct cmp_run *run, const struct cmp_bench *b0, int col0,
			const struct cmp_point *p0, double **buf)
{
	const struct cmp_bench *b = cmp_run_bench(run, b0->name);
	const struct cmp_point *p = b ? cmp_bench_point(b, p0->key) : NULL;
	int col = b ? csv_table_col(&b->t, b0->t.names[col0]) : -1;
	double *bigger;

	if (!p || col < 0)
		return 0;
	bigger = realloc(*buf, (p->n ? p->n : 1) * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	*buf = bigger;
	return (ssize_t)cmp_point_samples(b, p, col, bigger);
}

#define TRY(expr) do { int try_err = (expr); if (try_err) return try_err; } while (0)

/* What b0 (in the baseline) has and b (in run `run`) lacks, and columns whose kind differs. */
static int missing_in_bench(const struct cmp_run *runs, int run, const struct cmp_bench *b0,
			    const struct cmp_bench *b, struct strlist *missing, struct strlist *warnings)
{
	const char *l0 = runs[0].label, *l = runs[run].label;
	size_t j;
	int c;

	for (c = 0; c < b0->t.ncols; c++) {
		int oc = csv_table_col(&b->t, b0->t.names[c]);

		if (oc < 0 && b0->t.kinds[c] != COL_INFO)
			TRY(strlist_addf(missing, "%s: column %s only in %s", b0->name, b0->t.names[c], l0));
		else if (oc >= 0 && b->t.kinds[oc] != b0->t.kinds[c])
			TRY(strlist_addf(warnings, "%s: column %s is '%s' in %s but '%s' in %s (compared as '%s')",
					 b0->name, b0->t.names[c], col_kind_names[b0->t.kinds[c]], l0,
					 col_kind_names[b->t.kinds[oc]], l, col_kind_names[b0->t.kinds[c]]));
	}
	for (c = 0; c < b->t.ncols; c++)
		if (csv_table_col(&b0->t, b->t.names[c]) < 0 && b->t.kinds[c] != COL_INFO)
			TRY(strlist_addf(missing, "%s: column %s only in %s", b->name, b->t.names[c], l));
	for (j = 0; j < b0->npoints; j++)
		if (!cmp_bench_point(b, b0->points[j].key))
			TRY(strlist_addf(missing, "%s: point %s only in %s (not in %s)", b0->name,
					 b0->points[j].key, l0, l));
	for (j = 0; j < b->npoints; j++)
		if (!cmp_bench_point(b0, b->points[j].key))
			TRY(strlist_addf(missing, "%s: point %s only in %s (not in %s)", b->name,
					 b->points[j].key, l, l0));
	return 0;
}

int cmp_list_missing(const struct cmp_run *runs, int nruns, struct strlist *missing,
		     struct strlist *warnings)
{
	size_t i;
	int run;

	for (run = 1; run < nruns; run++) {
		for (i = 0; i < runs[0].nbenches; i++) {
			const struct cmp_bench *b0 = &runs[0].benches[i];
			const struct cmp_bench *b = cmp_run_bench(&runs[run], b0->name);

			if (!b)
				TRY(strlist_addf(missing, "%s: whole benchmark only in %s (not in %s)",
						 b0->name, runs[0].label, runs[run].label));
			else
				TRY(missing_in_bench(runs, run, b0, b, missing, warnings));
		}
		for (i = 0; i < runs[run].nbenches; i++)
			if (!cmp_run_bench(&runs[0], runs[run].benches[i].name))
				TRY(strlist_addf(missing, "%s: whole benchmark only in %s (not in %s)",
						 runs[run].benches[i].name, runs[run].label, runs[0].label));
	}
	return 0;
}

const char *cmp_meta_value(const struct cmp_run *r, const char *key)
{
	const char *v = r->has_meta ? kv_get(&r->meta, key) : NULL;

	return v ? v : "-";
}

static bool is_cmdline_key(const char *key)
{
	return ends_with(key, ".cmdline") && strcmp(key, "kernel.cmdline");
}

/* Equal in both runs; a benchmark's command line compares without -o/--label. */
static bool same_meta(const struct cmp_run *a, const struct cmp_run *b, const char *key)
{
	char na[2048], nb[2048];

	if (!is_cmdline_key(key))
		return !strcmp(cmp_meta_value(a, key), cmp_meta_value(b, key));
	cmp_normalize_cmdline(cmp_meta_value(a, key), na, sizeof(na));
	cmp_normalize_cmdline(cmp_meta_value(b, key), nb, sizeof(nb));
	return !strcmp(na, nb);
}

static int warn_cmdline(struct strlist *warnings, const char *what, const char *cmd0,
			const char *label0, const char *cmd, const char *label)
{
	char a[2048], b[2048];

	cmp_normalize_cmdline(cmd0, a, sizeof(a));
	cmp_normalize_cmdline(cmd, b, sizeof(b));
	if (!strcmp(a, b))
		return 0;
	return strlist_addf(warnings, "benchmark parameters differ: %s is '%s' in %s but '%s' in %s",
			    what, a, label0, b, label);
}

/* Every meta.txt key of every run, once, in order of first appearance. */
static int check_meta_key(const struct cmp_run *runs, int nruns, int run, size_t i,
			  struct strlist *keys, struct strlist *warnings)
{
	const char *key = runs[run].meta.v[i].key;
	bool differs = false;
	int c;

	for (c = 0; c < run; c++)
		if (runs[c].has_meta && kv_get(&runs[c].meta, key))
			return 0;	/* listed with an earlier run */
	if (kv_get(&runs[run].meta, key) != runs[run].meta.v[i].value || cmp_meta_is_noise(key))
		return 0;	/* a repeated key (the last wins), or one that always differs */
	for (c = 1; c < nruns; c++)
		differs |= !same_meta(&runs[0], &runs[c], key);
	if (!differs)
		return 0;
	TRY(strlist_addf(keys, "%s", key));
	for (c = 1; c < nruns; c++) {
		if (same_meta(&runs[0], &runs[c], key))
			continue;
		if (cmp_meta_is_machine(key) && !guest_memtotal(&runs[0], &runs[c], key))
			TRY(strlist_addf(warnings, "different machines: %s is '%s' in %s but '%s' in %s",
					 key, cmp_meta_value(&runs[0], key), runs[0].label,
					 cmp_meta_value(&runs[c], key), runs[c].label));
		else if (is_cmdline_key(key))
			TRY(warn_cmdline(warnings, key, cmp_meta_value(&runs[0], key), runs[0].label,
					 cmp_meta_value(&runs[c], key), runs[c].label));
	}
	return 0;
}

int cmp_meta_diff(const struct cmp_run *runs, int nruns, struct strlist *keys,
		  struct strlist *warnings)
{
	size_t i;
	int run;

	for (run = 0; run < nruns; run++)
		for (i = 0; runs[run].has_meta && i < runs[run].meta.n; i++)
			TRY(check_meta_key(runs, nruns, run, i, keys, warnings));
	/* The CSV's own command line, for runs whose meta.txt lacks it. */
	for (i = 0; i < runs[0].nbenches; i++) {
		const struct cmp_bench *b0 = &runs[0].benches[i];
		char key[160];

		snprintf(key, sizeof(key), "%s.cmdline", b0->name);
		for (run = 1; run < nruns; run++) {
			const struct cmp_bench *b = cmp_run_bench(&runs[run], b0->name);
			const char *ca = csv_table_meta(&b0->t, "command");
			const char *cb = b ? csv_table_meta(&b->t, "command") : NULL;

			if (ca && cb && (!strcmp(cmp_meta_value(&runs[0], key), "-") ||
					 !strcmp(cmp_meta_value(&runs[run], key), "-")))
				TRY(warn_cmdline(warnings, key, ca, runs[0].label, cb, runs[run].label));
		}
	}
	return 0;
}
