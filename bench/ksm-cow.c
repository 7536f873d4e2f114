/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm-cow: what KSM merging costs, how fast ksmd gets there at a given scan
 * rate, and what a write to a merged page costs next to an ordinary COW
 * after fork and an ordinary first write (KSM pages are always copied).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"
#include "clock.h"
#include "knobs.h"
#include "ksm.h"
#include "opt.h"
#include "pagemap.h"
#include "region.h"
#include "stats.h"

#define MAX_SCAN_POINTS 8
#define MS 1000000ull
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* The write-fault cases (with histograms), then the two other phases. */
enum { CASE_FIRST_WRITE, CASE_COW, CASE_KSM, CASE_KSM_FORKED, NWRITE_CASES,
       CASE_MERGE = NWRITE_CASES, CASE_UNMERGE };
static const char *const case_names[] = { "first-write", "cow", "ksm", "ksm-forked", "merge", "unmerge" };
enum { MERGE_MADVISE, MERGE_PRCTL };
static const char *const merge_words[] = { "madvise", "prctl", NULL };
static const char *const zero_words[] = { "off", "on", "on,off", "off,on", NULL };
static const struct backing small = { .kind = BACKING_SMALL, .name = "small" };

static struct {
	long distinct;
	double unique_fraction;
	int zero_modes[2], nzero;	/* use_zero_pages values to run zero content with */
	int merge;
	long scan[MAX_SCAN_POINTS], sleep[MAX_SCAN_POINTS];
	int nscan, nsleep;
	bool scan_given, sleep_given;
	long max_page_sharing;		/* 0: leave the knob as found */
	uint64_t merge_timeout_ns;	/* 0: from size and scan rate */
} opt = { .distinct = 1, .scan = { 1000 }, .nscan = 1, .sleep = { 20 }, .nsleep = 1 };

/* One parameter point. */
struct point {
	struct ksm_content content;
	int use_zero_pages;		/* in effect; -1 if the kernel lacks the knob */
	long pages_to_scan, sleep_ms;
};

/* The region being merged, for the cleanup path. */
static struct region merged;

static const struct bench_option options[] = {
	{ "distinct", "K", "distinct page contents the region is filled with (default 1: all pages identical)" },
	{ "unique-fraction", "F", "fraction of pages with unique content that never merge, 0..0.9 (default 0)" },
	{ "zero-pages", "LIST", "all-zero content instead, run with use_zero_pages on, off or on,off" },
	{ "merge", "HOW", "madvise (MADV_MERGEABLE on the region) or prctl (PR_SET_MEMORY_MERGE, whole process, 6.4+) (default madvise)" },
	{ "pages-to-scan", "LIST", "ksmd pages_to_scan; a list gives one point each (default 1000; --quick 5000)" },
	{ "sleep-ms", "LIST", "ksmd sleep_millisecs; a list gives one point each (default 20; --quick 10)" },
	{ "max-page-sharing", "N", "set max_page_sharing >= 2 (default: as found; settable only while no KSM page is shared)" },
	{ "merge-timeout", "DURATION", "skip when the region has not merged by then (default: 30 s + 10x the expected time)" },
	{ NULL, NULL, NULL },
};

static int ksm_cow_parse(struct run *r, int index, const char *arg)
{
	switch (index) {
	case 0: return parse_long(arg, 1, 1 << 20, &opt.distinct);
	case 1: return parse_double(arg, 0, 0.9, &opt.unique_fraction);
	case 2:
		opt.nzero = parse_choice(arg, zero_words);
		if (opt.nzero < 0)
			return -EINVAL;
		/* off: {0}, on: {1}, on,off: {1, 0}, off,on: {0, 1} */
		opt.zero_modes[0] = opt.nzero == 1 || opt.nzero == 2;
		opt.zero_modes[1] = !opt.zero_modes[0];
		opt.nzero = opt.nzero < 2 ? 1 : 2;
		return 0;
	case 3:
		opt.merge = parse_choice(arg, merge_words);
		return opt.merge < 0 ? -EINVAL : 0;
	case 4:
		opt.scan_given = true;
		return parse_long_list(arg, 1, 1 << 24, opt.scan, MAX_SCAN_POINTS, &opt.nscan);
	case 5:
		opt.sleep_given = true;
		return parse_long_list(arg, 0, 60000, opt.sleep, MAX_SCAN_POINTS, &opt.nsleep);
	case 6: return parse_long(arg, 2, 1 << 20, &opt.max_page_sharing);
	case 7: return parse_duration_ns(arg, &opt.merge_timeout_ns);
	}
	return -EINVAL;
}

static int ksm_cow_validate(struct run *r)
{
	if (r->quick) {
		if (!r->size_given)
			r->size = 16 << 20;
		if (!opt.scan_given)
			opt.scan[0] = 5000;
		if (!opt.sleep_given)
			opt.sleep[0] = 10;
	}
	if (r->size / page_size() < 48) {
		snprintf(opt_error, sizeof(opt_error), "--size must be at least %zuK (three parts of 16 pages)",
			 48 * page_size() >> 10);
		return -EINVAL;
	}
	if (opt.nzero && opt.distinct > 1) {
		snprintf(opt_error, sizeof(opt_error), "--zero-pages and --distinct exclude each other (zero pages have one content)");
		return -EINVAL;
	}
	if (opt.nscan * opt.nsleep > MAX_SCAN_POINTS) {
		snprintf(opt_error, sizeof(opt_error), "at most %d --pages-to-scan x --sleep-ms combinations",
			 MAX_SCAN_POINTS);
		return -EINVAL;
	}
	return 0;
}

/*
 * ksmd scans only while a region merges, so that it does not compete with
 * the timed writes; not if it ran before us, nor with --max-page-sharing:
 * after a kill -9 a stopped ksmd would never drop the dead run's pages, and
 * max_page_sharing could not go back.
 */
static bool ksmd_pausable(void)
{
	return ksm_owns_run() && !opt.max_page_sharing;
}

static void ksmd_pause(bool pause)
{
	if (ksmd_pausable())
		ksm_pause(pause);
}

/* Let ksmd forget this run's pages: the next merge must not pay for it, knobs must go back. */
static void ksmd_settle(void)
{
	if (ksm_settle(10000 * MS))
		warn("ksmd still counts pages of this run after 10 s (pages_shared %ld, pages_sharing %ld)",
		     ksm_read("pages_shared"), ksm_read("pages_sharing"));
}

static void ksm_cow_cleanup(void)
{
	if (merged.map)
		region_destroy(&merged);
	ksmd_settle();
	/* Now that nothing of ours is shared, max_page_sharing can go back (in case knobs went first). */
	knobs_restore();
}

/* ---- CSV files ---- */

enum { R_SECONDS, R_NS_PER_PAGE, R_MIB_S, R_P50, R_P90, R_P99, R_PAGES, R_VERIFIED, R_MOVED, R_DISTINCT_PFNS,
       R_FULL_SCANS, R_SCAN_RATE, R_SHARING, R_SHARED, R_MERGED, R_GENERAL_PROFIT, R_PROCESS_PROFIT,
       R_KSMD_PAUSED, NRESULTS };

static const struct csv_col param_cols[] = {
	{ "content", COL_PARAM }, { "use_zero_pages", COL_PARAM }, { "distinct", COL_PARAM },
	{ "unique_fraction", COL_PARAM }, { "merge", COL_PARAM }, { "pages_to_scan", COL_PARAM },
	{ "sleep_ms", COL_PARAM }, { "max_page_sharing", COL_PARAM }, { "size", COL_PARAM },
};
#define NPARAMS (int)(sizeof(param_cols) / sizeof(param_cols[0]))

static const struct csv_col result_cols[NRESULTS] = {
	{ "seconds", COL_LOWER }, { "ns_per_page", COL_LOWER }, { "mib_s", COL_HIGHER },
	{ "p50_ns", COL_LOWER }, { "p90_ns", COL_LOWER }, { "p99_ns", COL_LOWER },
	{ "pages", COL_INFO }, { "verified_pages", COL_INFO }, { "new_frames", COL_INFO }, { "distinct_pfns", COL_INFO },
	{ "full_scans", COL_INFO }, { "scan_pages_per_s", COL_INFO }, { "pages_sharing", COL_INFO },
	{ "pages_shared", COL_INFO }, { "merged_pages", COL_INFO }, { "general_profit_bytes", COL_INFO },
	{ "process_profit_bytes", COL_INFO }, { "ksmd_paused", COL_INFO },
};

static const struct csv_col hist_cols[] = {
	{ "case", COL_PARAM }, { "lo_ns", COL_INFO }, { "hi_ns", COL_INFO }, { "count", COL_INFO }, { "cdf", COL_INFO },
};

static const struct csv_col ts_cols[] = {
	{ "rep", COL_REP }, { "seconds", COL_INFO }, { "full_scans", COL_INFO }, { "pages_scanned", COL_INFO },
	{ "pages_sharing", COL_INFO }, { "pages_shared", COL_INFO }, { "ksm_zero_pages", COL_INFO },
	{ "merged_pages", COL_INFO },
};

struct out {
	struct csv main, hist, ts;
	struct hist *hists;	/* [point][write case], over the measured repetitions */
	long max_sharing;
};

static void param_cells(struct csv *c, const struct run *r, const struct out *o, const struct point *pt)
{
	csv_str(c, pt->content.zero ? "zero" : "patterns");
	pt->use_zero_pages < 0 ? csv_empty(c) : csv_i64(c, pt->use_zero_pages);
	csv_u64(c, pt->content.distinct);
	csv_dbl(c, pt->content.unique_fraction);
	csv_str(c, merge_words[opt.merge]);
	csv_i64(c, pt->pages_to_scan);
	csv_i64(c, pt->sleep_ms);
	csv_i64(c, o->max_sharing);
	csv_u64(c, r->size);
}

/* One row of ksm-cow.csv: NAN marks a cell this case does not have. */
struct row {
	int kase;
	double v[NRESULTS];
	const struct sample *s;
};

static void row_init(struct row *w, int kase, uint64_t ns, size_t pages)
{
	w->kase = kase;
	for (int i = 0; i < NRESULTS; i++)
		w->v[i] = NAN;
	w->v[R_SECONDS] = (double)ns / 1e9;
	w->v[R_NS_PER_PAGE] = (double)ns / (double)pages;
	w->v[R_MIB_S] = (double)pages * (double)page_size() / (1 << 20) / ((double)ns / 1e9);
	w->v[R_PAGES] = (double)pages;
	w->v[R_KSMD_PAUSED] = ksmd_pausable();
	w->s = NULL;
}

static void row_write(struct out *o, struct run *r, const struct point *pt, int rep, const struct row *w)
{
	param_cells(&o->main, r, o, pt);
	csv_str(&o->main, case_names[w->kase]);
	csv_i64(&o->main, rep);
	for (int i = 0; i < NRESULTS; i++)
		csv_dbl(&o->main, w->v[i]);
	if (w->s)
		counter_cells(&o->main, r, w->s, w->v[R_PAGES]);
	while (o->main.col < o->main.ncols)
		csv_empty(&o->main);
	csv_end_row(&o->main);
}

static int create_csv(struct run *r, struct csv *c, const char *file, const struct csv_col *own, int nown,
		      const char *what)
{
	struct csv_col cols[CSV_MAX_COLS];
	int n = NPARAMS + nown, err;

	memcpy(cols, param_cols, sizeof(param_cols));
	memcpy(cols + NPARAMS, own, sizeof(*own) * nown);
	err = run_csv_create(r, c, file, cols, n);
	if (!err)
		csv_meta(c, "about", "%s", what);
	return err;
}

static int outputs_create(struct run *r, struct out *o, int npoints)
{
	struct csv_col cols[CSV_MAX_COLS];
	int n = 0, err;

	o->hists = calloc((size_t)npoints * NWRITE_CASES, sizeof(*o->hists));
	if (!o->hists)
		return -ENOMEM;
	for (int i = 0; i < npoints * NWRITE_CASES; i++)
		hist_init(&o->hists[i]);
	cols[n++] = (struct csv_col){ "case", COL_PARAM };
	cols[n++] = (struct csv_col){ "rep", COL_REP };
	memcpy(cols + n, result_cols, sizeof(result_cols));
	n = counter_columns(r, cols, n + NRESULTS);
	err = create_csv(r, &o->main, "ksm-cow.csv", cols, n,
			 "cases: merge: opt-in until merged; first-write: untouched page; cow: page shared with a "
			 "forked child; ksm: merged page; ksm-forked: merged page with a forked child alive; unmerge: "
			 "MADV_UNMERGEABLE. verified_pages: merge: KSM or zero pages by kpageflags; others: pages in "
			 "the required state (right data; a KSM, zero, shared or absent page moved to a new frame). "
			 "new_frames: pages that moved. Counter columns per page.");
	if (!err)
		err = create_csv(r, &o->hist, "ksm-cow-hist.csv", hist_cols, sizeof(hist_cols) / sizeof(hist_cols[0]),
				 "write-fault latency per page over the measured repetitions, non-empty buckets");
	if (!err)
		err = create_csv(r, &o->ts, "ksm-cow-timeseries.csv", ts_cols, sizeof(ts_cols) / sizeof(ts_cols[0]),
				 "merge progress from the opt-in: ksmd counters are changes since then, "
				 "merged_pages counts this process");
	return err;
}

static void timeseries_row(struct out *o, struct run *r, const struct point *pt, int rep, uint64_t ns,
			   const struct ksm_counters *k, const struct ksm_counters *k0)
{
	const long now[] = { k->full_scans, k->pages_scanned, k->pages_sharing, k->pages_shared, k->zero_pages,
			     k->self.merged };
	const long base[] = { k0->full_scans, k0->pages_scanned, k0->pages_sharing, k0->pages_shared,
			      k0->zero_pages, k0->self.merged };

	param_cells(&o->ts, r, o, pt);
	csv_i64(&o->ts, rep);
	csv_dbl(&o->ts, (double)ns / 1e9);
	for (size_t i = 0; i < sizeof(now) / sizeof(now[0]); i++)
		now[i] < 0 || base[i] < 0 ? csv_empty(&o->ts) : csv_i64(&o->ts, now[i] - base[i]);
	csv_end_row(&o->ts);
}

static void write_hists(struct out *o, struct run *r, const struct point *pts, int npoints)
{
	for (int p = 0; p < npoints; p++) {
		for (int k = 0; k < NWRITE_CASES; k++) {
			const struct hist *h = &o->hists[p * NWRITE_CASES + k];
			uint64_t cum = 0, lo, hi;

			for (unsigned b = 0; b < HIST_BUCKETS && h->total; b++) {
				if (!h->count[b])
					continue;
				cum += h->count[b];
				hist_bucket_range(b, &lo, &hi);
				param_cells(&o->hist, r, o, &pts[p]);
				csv_str(&o->hist, case_names[k]);
				csv_u64(&o->hist, lo);
				csv_u64(&o->hist, hi);
				csv_u64(&o->hist, h->count[b]);
				csv_dbl(&o->hist, (double)cum / (double)h->total);
				csv_end_row(&o->hist);
			}
		}
	}
}

/* ---- measurement ---- */

/* One repetition of one point. */
struct rep_ctx {
	struct run *r;
	struct out *o;
	const struct point *pt;
	int point_index, rep;		/* rep < 0: warmup */
	int status;
	uint64_t *before, *after;	/* pagemap entries, one per page of the largest part */
	bool *must;			/* per page: must move to a new frame */
	long last_merged;		/* merge progress: last timeseries row */
	uint64_t last_row;
};

static void read_entries(const void *addr, size_t npages, uint64_t *e)
{
	int fd = pagemap_open(0);

	if (fd < 0 || pagemap_read(fd, addr, npages, e))
		die("cannot read /proc/self/pagemap: %s", strerror(errno));
	close(fd);
}

static void sharer_end(struct rep_ctx *x, pid_t pid, int release, int kase)
{
	int err = ksm_sharer_end(pid, release, 60000 * MS);

	if (err == -EIO) {
		warn("%s: the sharing child saw wrong data: the parent's writes reached it", case_names[kase]);
		x->status = EXIT_VIOLATION;
	} else if (err) {
		die("%s: the sharing child: %s", case_names[kase], strerror(-err));
	}
}

/*
 * Time one store to each page (or MADV_UNMERGEABLE on all of them). Then
 * every page must hold exactly what it should, and every page that was a
 * KSM, zero, shared or absent page must have moved to a new frame that is
 * neither KSM nor zero (exclusive pages are reused in place).
 */
static void measure(struct rep_ctx *x, int kase, const struct ksm_content *c, char *base, size_t first,
		    size_t npages)
{
	static struct hist h;
	static struct sample s;
	size_t moved = 0, good = 0, ps = page_size();
	struct row w;

	read_entries(base, npages, x->before);
	for (size_t i = 0; i < npages; i++)
		x->must[i] = ksm_must_move(x->before[i]);
	hist_init(&h);
	sample_begin(x->r, &s);
	if (kase == CASE_UNMERGE && madvise(base, npages * ps, MADV_UNMERGEABLE))
		die("madvise(MADV_UNMERGEABLE): %s", strerror(errno));
	for (size_t i = 0; kase != CASE_UNMERGE && i < npages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(base + i * ps);
		uint64_t v = ksm_stamp(first + i), t0 = now_ns();

		*p = v;
		hist_add(&h, now_ns() - t0);
	}
	sample_end(x->r, &s);
	read_entries(base, npages, x->after);
	for (size_t i = 0; i < npages; i++) {
		uint64_t pfn = pm_pfn(x->after[i]), flags = 0;
		bool new_frame = pfn && pfn != pm_pfn(x->before[i]);

		kpageflags_read(pfn, &flags);
		moved += new_frame;
		good += !ksm_content_errors(c, base + i * ps, first + i, 1, kase != CASE_UNMERGE) &&
			(!x->must[i] || (new_frame && !(flags & (1ull << KPF_KSM | 1ull << KPF_ZERO_PAGE))));
	}
	if (good != npages) {
		warn("%s: %zu of %zu pages are wrong: a KSM, zero or shared page kept its frame, or the data "
		     "is not what was written", case_names[kase], npages - good, npages);
		x->status = EXIT_VIOLATION;
	}
	if (x->rep < 0)
		return;
	row_init(&w, kase, s.t1 - s.t0, npages);
	if (h.total) {
		hist_merge(&x->o->hists[x->point_index * NWRITE_CASES + kase], &h);
		w.v[R_P50] = (double)hist_percentile(&h, 50);
		w.v[R_P90] = (double)hist_percentile(&h, 90);
		w.v[R_P99] = (double)hist_percentile(&h, 99);
	}
	w.v[R_VERIFIED] = (double)good;
	w.v[R_MOVED] = (double)moved;
	w.s = &s;
	row_write(x->o, x->r, x->pt, x->rep, &w);
}

/* Test hook: a MAP_SHARED region in place of the private one, so writes do reach the child. */
static void make_shared(const struct ksm_content *c, char *base, size_t npages)
{
	if (mmap(base, npages * page_size(), PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0) == MAP_FAILED)
		die("test hook: mmap shared: %s", strerror(errno));
	ksm_content_fill(c, base, 0, npages);
}

/* The baselines: a first write to untouched memory, and a COW of a page a child shares. */
static void measure_baselines(struct rep_ctx *x, size_t npages)
{
	const struct ksm_content fresh = { .distinct = 1, .zero = true };
	size_t len = npages * page_size();
	struct region rg;
	char why[256];
	int release;
	pid_t pid;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE))
		die("mmap %zu bytes: %s", len, strerror(errno));
	measure(x, CASE_FIRST_WRITE, &fresh, p, 0, npages);
	munmap(p, len);

	if (region_create(&rg, len, &small, 1, why, sizeof(why)))
		die("cannot map the COW region: %s", why);
	ksm_content_fill(&x->pt->content, rg.addr, 0, npages);
	if (getenv("COWBENCH_TEST_SHARED_MAPPING"))
		make_shared(&x->pt->content, rg.addr, npages);
	pid = ksm_sharer_fork(&x->pt->content, rg.addr, 0, npages, &release);
	measure(x, CASE_COW, &x->pt->content, rg.addr, 0, npages);
	sharer_end(x, pid, release, CASE_COW);
	region_destroy(&rg);
}

/* A timeseries row when the merged count moved, else every 100 ms. */
static void merge_progress(void *arg, uint64_t ns, const struct ksm_counters *k, const struct ksm_counters *k0)
{
	struct rep_ctx *x = arg;

	if (x->rep < 0 || (k->self.merged == x->last_merged && ns - x->last_row < 100 * MS && ns))
		return;
	timeseries_row(x->o, x->r, x->pt, x->rep, ns, k, k0);
	x->last_merged = k->self.merged;
	x->last_row = ns;
}

/*
 * Fill the region, opt in and wait until ksmd merged what it must (skip
 * if it does not); identical pages must then share page frames.
 */
static void merge_region(struct rep_ctx *x, size_t npages)
{
	const struct point *pt = x->pt;
	struct ksm_wait wt = { .npages = npages, .progress = merge_progress, .arg = x, .timeout_ns =
		opt.merge_timeout_ns ?: 30000 * MS + 10 * ksm_two_scans_ns(pt->pages_to_scan, pt->sleep_ms, npages) };
	const struct ksm_counters *k = &wt.end, *k0 = &wt.start;
	size_t kpages, unique = ksm_content_unique(&pt->content, npages), max_pfns;
	bool zero_merge = pt->content.zero && pt->use_zero_pages == 1, alone;
	char why[256];
	struct row w;
	int err;

	ksm_content_expect(&pt->content, npages, x->o->max_sharing, zero_merge, &wt.want, &kpages);
	x->last_merged = -2;
	if (region_create(&merged, npages * page_size(), &small, 1, why, sizeof(why)))
		die("cannot map the region: %s", why);
	ksm_content_fill(&pt->content, merged.addr, 0, npages);
	wt.addr = merged.addr;
	ksmd_pause(false);
	ksm_counters_read(&wt.start);
	wt.t0 = now_ns();
	err = ksm_merge_enable(merged.addr, merged.len, opt.merge == MERGE_PRCTL, true);
	if (err)
		die("cannot opt in to merging (%s): %s", merge_words[opt.merge], strerror(-err));
	err = ksm_wait_merged(&wt);
	ksmd_pause(true);
	if (err == -ETIMEDOUT || err == -EAGAIN)
		run_skip(x->r, "ksmd merged %zu of the %zu pages expected in %.1f s (%ld full scans)",
			 wt.census.ksm_pages + wt.census.zero_pages, wt.want, (double)wt.elapsed_ns / 1e9,
			 k->full_scans - k0->full_scans);
	if (err)
		die("cannot read pagemap/kpageflags: %s", strerror(-err));
	/*
	 * Frames: one per unique page, per page left unmerged, per KSM page.
	 * When other processes hold KSM pages, ours may join theirs: then
	 * only the machine's KSM pages (and the zero page) bound the count.
	 */
	alone = k0->pages_shared == 0 && k->pages_shared - k0->pages_shared == (long)(zero_merge ? 0 : kpages);
	max_pfns = unique + (npages - unique - wt.want) +
		   (alone ? kpages : MIN(wt.want, (size_t)k->pages_shared + 1));
	if (wt.census.distinct_pfns > max_pfns)
		run_skip(x->r, "merged pages do not share frames: %zu distinct PFNs, at most %zu expected",
			 wt.census.distinct_pfns, max_pfns);
	if (x->rep < 0)
		return;
	row_init(&w, CASE_MERGE, wt.elapsed_ns, npages);
	w.v[R_VERIFIED] = (double)(wt.census.ksm_pages + wt.census.zero_pages);
	w.v[R_DISTINCT_PFNS] = (double)wt.census.distinct_pfns;
	w.v[R_FULL_SCANS] = (double)(k->full_scans - k0->full_scans);
	if (k->pages_scanned != KSM_ABSENT)
		w.v[R_SCAN_RATE] = (double)(k->pages_scanned - k0->pages_scanned) * 1e9 / (double)wt.elapsed_ns;
	w.v[R_SHARING] = (double)(k->pages_sharing - k0->pages_sharing);
	w.v[R_SHARED] = (double)(k->pages_shared - k0->pages_shared);
	if (k->self.merged >= 0)
		w.v[R_MERGED] = (double)(k->self.merged - k0->self.merged);
	if (k->general_profit != KSM_ABSENT)
		w.v[R_GENERAL_PROFIT] = (double)(k->general_profit - k0->general_profit);
	if (k->self.profit != KSM_ABSENT)
		w.v[R_PROCESS_PROFIT] = (double)k->self.profit;
	row_write(x->o, x->r, pt, x->rep, &w);
}

/* Baselines; merge; write a third alone, a third with a forked sharer alive; unmerge the last third. */
static void run_rep(struct rep_ctx *x)
{
	size_t npages = x->r->size / page_size(), part = npages / 3, ps = page_size();
	const struct ksm_content *c = &x->pt->content;
	char *base;
	int release;
	pid_t pid;

	measure_baselines(x, part);
	merge_region(x, npages);
	base = merged.addr;
	measure(x, CASE_KSM, c, base, 0, part);
	pid = ksm_sharer_fork(c, base + part * ps, part, part, &release);
	measure(x, CASE_KSM_FORKED, c, base + part * ps, part, part);
	sharer_end(x, pid, release, CASE_KSM_FORKED);
	measure(x, CASE_UNMERGE, c, base + 2 * part * ps, 2 * part, npages - 2 * part);
	if (opt.merge == MERGE_PRCTL && ksm_merge_enable(NULL, 0, true, false))
		warn("prctl(PR_SET_MEMORY_MERGE, 0): %s", strerror(errno));
	region_destroy(&merged);
	ksmd_settle();
	ksmd_pause(true);
}

/* Start ksmd (journaled, restored last) unless it runs; max_page_sharing only while nothing is shared. */
static long setup_knobs(struct run *r, const struct point *first)
{
	char others[512];
	int err;

	run_meta(r, "run_before", "%ld", ksm_read("run"));
	if (ksm_other_users(others, sizeof(others))) {
		warn("ksmd also scans (and merges) the memory of: %s", others);
		run_meta(r, "other_mergeable", "%s", others);
		/* Their pages, once merged, would keep max_page_sharing from going back. */
		if (opt.max_page_sharing)
			run_skip(r, "--max-page-sharing: other processes have mergeable memory (%s); it can be "
				 "changed back only while no KSM page is shared", others);
	}
	err = ksm_begin();
	if (!err)
		err = ksm_write("pages_to_scan", first->pages_to_scan);
	if (!err)
		err = ksm_write("sleep_millisecs", first->sleep_ms);
	if (err)
		die("cannot start ksmd: %s", strerror(-err));
	/* After the first knob change: runs before the knobs go back, at the scan rate of the run. */
	at_cleanup(ksm_cow_cleanup);
	if (!ksm_owns_run())
		warn("ksmd was running already: it stays so, and scans while the writes are measured");
	if (opt.max_page_sharing && (err = ksm_write("max_page_sharing", opt.max_page_sharing)))
		run_skip(r, "cannot set max_page_sharing=%ld: %s%s", opt.max_page_sharing, strerror(-err),
			 err == -EBUSY ? " (it changes only while no KSM page is shared, and some are)" : "");
	ksmd_pause(true);
	return ksm_read("max_page_sharing");
}

static int ksm_cow_run(struct run *r)
{
	struct point pts[2 * MAX_SCAN_POINTS];
	size_t npages = r->size / page_size(), largest = npages - 2 * (npages / 3);
	int npoints = 0, nz = opt.nzero ? opt.nzero : 1;
	long found_zero_pages = ksm_read("use_zero_pages");
	struct rep_ctx x = { .r = r, .status = EXIT_MEASURED };
	char why[256];
	struct out o;

	if (ksm_usable(opt.merge == MERGE_PRCTL, opt.nzero > 0, why, sizeof(why)))
		run_skip(r, "%s", why);
	for (int z = 0; z < nz; z++)
		for (int s = 0; s < opt.nscan; s++)
			for (int l = 0; l < opt.nsleep; l++)
				pts[npoints++] = (struct point){
					.content = { .distinct = (unsigned long)opt.distinct,
						     .unique_fraction = opt.unique_fraction, .zero = opt.nzero > 0 },
					.use_zero_pages = opt.nzero ? opt.zero_modes[z] :
							  found_zero_pages == KSM_ABSENT ? -1 : (int)found_zero_pages,
					.pages_to_scan = opt.scan[s], .sleep_ms = opt.sleep[l] };
	o.max_sharing = setup_knobs(r, &pts[0]);
	x.o = &o;
	x.before = malloc(largest * sizeof(uint64_t));
	x.after = malloc(largest * sizeof(uint64_t));
	x.must = malloc(largest * sizeof(bool));
	if (!x.before || !x.after || !x.must || outputs_create(r, &o, npoints))
		die("cannot create the output files in %s: %s", r->dir, strerror(errno));
	csv_meta(&o.main, "ksm_smart_scan", "%ld", ksm_read("smart_scan"));
	for (int p = 0; p < npoints; p++) {
		int err = 0;

		x.pt = &pts[p];
		x.point_index = p;
		if (opt.nzero)
			err = ksm_write("use_zero_pages", pts[p].use_zero_pages);
		if (!err)
			err = ksm_write("pages_to_scan", pts[p].pages_to_scan);
		if (!err)
			err = ksm_write("sleep_millisecs", pts[p].sleep_ms);
		if (err)
			die("cannot set the KSM scan knobs: %s", strerror(-err));
		for (x.rep = -(int)r->warmup; x.rep < (int)r->repeat; x.rep++)
			run_rep(&x);
	}
	write_hists(&o, r, pts, npoints);
	if (run_csv_commit(&o.main) || run_csv_commit(&o.hist) || run_csv_commit(&o.ts))
		die("cannot write the CSV files in %s", r->dir);
	run_meta(r, "ksmd_paused_while_writing", "%s", ksmd_pausable() ? "yes" :
		 ksm_owns_run() ? "no (--max-page-sharing)" : "no (it was running before)");
	info("%d points x %u repetitions written to %s/ksm-cow.csv", npoints, r->repeat, r->dir);
	free(x.before);
	free(x.after);
	free(x.must);
	free(o.hists);
	return x.status;
}

static const char *const counters[] = { "pgfault", "cow_ksm", "pgreuse", NULL };

static const struct bench ksm_cow = {
	.name = "ksm-cow",
	.purpose = "fills anonymous memory with identical pages, lets ksmd merge them and measures how long "
		   "that takes at the given scan settings (verified by counters and PFNs), then the latency of "
		   "a write to a merged page (always a copy) next to a plain COW after fork and a plain first "
		   "write, cow_ksm and pgfault per page, and the time to unmerge. Every KSM knob it touches is "
		   "put back; ksmd is left running if it was.",
	.example = "ksm-cow --size 64M --distinct 4 --pages-to-scan 100,1000 --sleep-ms 20 --repeat 5",
	.options = options,
	.parse = ksm_cow_parse,
	.validate = ksm_cow_validate,
	.run = ksm_cow_run,
	.counters = counters,
	.default_size = 64 << 20,
	.default_repeat = 3,
	.default_warmup = 0,
};

int main(int argc, char **argv)
{
	return bench_main(&ksm_cow, argc, argv);
}
