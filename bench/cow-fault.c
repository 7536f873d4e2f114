/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cow-fault: a process fills an anonymous region and forks; then the
 * parent, the children or all of them write to every page, released at the
 * same instant by a start barrier. Measures the latency of the first store
 * to each page, which writer got its page copied and which reused it (PFN
 * before and after), and the vmstat/PMU counters per page written.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"
#include "clock.h"
#include "numa.h"
#include "opt.h"
#include "pagemap.h"
#include "proc.h"
#include "region.h"
#include "stats.h"
#include "topo.h"

#define MAX_BACKINGS 8
#define MAX_CHILDREN 64
#define FILL_BYTE 0x5a

enum writers { WRITERS_PARENT, WRITERS_CHILD, WRITERS_BOTH, NR_WRITERS };
static const char *const writers_names[] = { "parent", "child", "both", NULL };
enum timing { TIMING_PER_FAULT, TIMING_BULK, NR_TIMING };
static const char *const timing_names[] = { "per-fault", "bulk", NULL };

static struct {
	struct backing backings[MAX_BACKINGS];
	int nbackings;
	bool writers[NR_WRITERS];
	bool timing[NR_TIMING];
	bool child_exits;
	long children;
	enum placement placement;
	bool backing_given, writers_given;
} cfg = { .children = 1, .placement = PLACE_AUTO };

/* What one writer (or the watching non-writer) reports back through shared memory. */
struct writer_result {
	struct hist hist;	/* first-store latency per page */
	uint64_t elapsed_ns;	/* whole write loop */
	uint64_t pages;		/* pages written */
	uint64_t copied, reused;	/* by PFN comparison; valid if pfns_known */
	bool pfns_known;
	uint64_t bad_pages;	/* content not what this process should see */
	uint64_t first_bad_offset;
	uint64_t first_bad_value;
	int cpu;		/* where it actually ran */
};

/* Everything about one parameter point, shared between parent and children. */
struct point {
	struct region region;
	const struct backing *backing;	/* outlives the region, for the histogram rows */
	const uint64_t *pfn_before;	/* PFN per page before fork (parent's view) */
	struct barrier *start, *done;
	struct writer_result *res;	/* [0] parent, [1..children] children */
	enum writers writers;
	enum timing timing;
	int cpus[1 + MAX_CHILDREN];
};

static const struct bench_option options[] = {
	{ "backing", "LIST", "small,thp,pte-thp,partial-thp,mthp:SIZE (default small,thp,pte-thp)" },
	{ "writers", "LIST", "who writes after fork: parent,child,both (default all three)" },
	{ "child-exits", NULL, "children exit before the parent writes (the reuse path; writers=parent)" },
	{ "children", "N", "forked children (default 1)" },
	{ "placement", "WHERE", "auto, same-cpu, same-core, other-core, none (default auto; --cpus overrides)" },
	{ "timing", "LIST", "per-fault (a timestamp around every first store), bulk (one around the loop) (default per-fault)" },
	{ NULL, NULL, NULL },
};

static const char *const counters[] = {
	"pgfault", "pgreuse", "thp_split_pmd", "thp_fault_alloc", "thp_deferred_split_page", NULL,
};

static int cow_parse(struct run *r, int index, const char *arg)
{
	long v;
	int err;

	switch (index) {
	case 0:
		cfg.backing_given = true;
		return backing_parse_list(arg, cfg.backings, MAX_BACKINGS, &cfg.nbackings);
	case 1:
		cfg.writers_given = true;
		return parse_choice_list(arg, writers_names, cfg.writers);
	case 2:
		cfg.child_exits = true;
		return 0;
	case 3:
		err = parse_long(arg, 1, MAX_CHILDREN, &v);
		cfg.children = v;
		return err;
	case 4:
		err = parse_choice(arg, placement_names);
		if (err >= 0)
			cfg.placement = (enum placement)err;
		return err < 0 ? err : 0;
	case 5:
		return parse_choice_list(arg, timing_names, cfg.timing);
	}
	return -EINVAL;
}

static int cow_validate(struct run *r)
{
	int i;

	if (!cfg.backing_given) {
		const char *def[] = { "small", "thp", "pte-thp" };

		for (i = 0; i < 3; i++)
			backing_parse(def[i], &cfg.backings[cfg.nbackings++]);
	}
	if (!cfg.writers_given)
		for (i = 0; i < NR_WRITERS; i++)
			cfg.writers[i] = !cfg.child_exits || i == WRITERS_PARENT;
	if (!cfg.timing[TIMING_PER_FAULT] && !cfg.timing[TIMING_BULK])
		cfg.timing[TIMING_PER_FAULT] = true;
	if (cfg.child_exits && (cfg.writers[WRITERS_CHILD] || cfg.writers[WRITERS_BOTH])) {
		snprintf(opt_error, sizeof(opt_error),
			 "--child-exits: the children exit before writing, so only --writers parent makes sense");
		return -EINVAL;
	}
	if (r->quick) {
		if (!r->size_given)
			r->size = 16 << 20;
		r->repeat = r->repeat > 3 ? 3 : r->repeat;
		r->warmup = r->warmup > 1 ? 1 : r->warmup;
	}
	for (i = 0; i < cfg.nbackings; i++) {
		size_t align = cfg.backings[i].kind == BACKING_SMALL ? page_size() : cfg.backings[i].folio_size;

		if (r->size % align) {
			snprintf(opt_error, sizeof(opt_error), "--size must be a multiple of %zuK for backing %s",
				 align >> 10, cfg.backings[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* The stamp a writer leaves in the first word of each page: who and which page. */
static inline uint64_t stamp(int writer, size_t page)
{
	return (uint64_t)(writer + 1) << 48 | page;
}

static uint64_t original_word(void)
{
	uint64_t w;

	memset(&w, FILL_BYTE, sizeof(w));
	return w;
}

static void write_pages(struct point *pt, int writer, struct writer_result *res)
{
	const struct region *rg = &pt->region;
	size_t ps = page_size(), npages = rg->len / ps, i;
	uint64_t t_start = now_ns();

	if (pt->timing == TIMING_BULK) {
		for (i = 0; i < npages; i++)
			if (region_page_mapped(rg, i * ps))
				*(volatile uint64_t *)(rg->addr + i * ps) = stamp(writer, i);
	} else {
		for (i = 0; i < npages; i++) {
			uint64_t t0, t1;

			if (!region_page_mapped(rg, i * ps))
				continue;
			t0 = now_ns();
			*(volatile uint64_t *)(rg->addr + i * ps) = stamp(writer, i);
			t1 = now_ns();
			hist_add(&res->hist, t1 - t0);
		}
	}
	res->elapsed_ns = now_ns() - t_start;
	res->pages = region_mapped_bytes(rg) / ps;
}

/*
 * After everyone wrote: this process must see its own stamps where it
 * wrote, the original fill where it did not, and nobody else's data.
 */
static void check_view(struct point *pt, int writer, bool wrote, struct writer_result *res)
{
	const struct region *rg = &pt->region;
	size_t ps = page_size(), npages = rg->len / ps, i;
	uint64_t fill = original_word();

	for (i = 0; i < npages; i++) {
		const uint64_t *w = (const uint64_t *)(rg->addr + i * ps);
		uint64_t want = wrote ? stamp(writer, i) : fill;

		if (!region_page_mapped(rg, i * ps))
			continue;
		if (w[0] != want || w[ps / sizeof(*w) - 1] != fill) {
			if (!res->bad_pages++) {
				res->first_bad_offset = i * ps;
				res->first_bad_value = w[0] != want ? w[0] : w[ps / sizeof(*w) - 1];
			}
		}
	}
}

static void count_copies(struct point *pt, struct writer_result *res)
{
	const struct region *rg = &pt->region;
	size_t ps = page_size(), npages = rg->len / ps, i;
	uint64_t *after;
	int fd;

	if (!pt->pfn_before || !pagemap_pfns_visible())
		return;
	after = malloc(npages * sizeof(*after));
	fd = pagemap_open(0);
	if (after && fd >= 0 && !pagemap_read(fd, rg->addr, npages, after)) {
		for (i = 0; i < npages; i++) {
			if (!region_page_mapped(rg, i * ps))
				continue;
			if (pm_pfn(after[i]) == pt->pfn_before[i])
				res->reused++;
			else
				res->copied++;
		}
		res->pfns_known = true;
	}
	if (fd >= 0)
		close(fd);
	free(after);
}

static bool is_writer(enum writers w, int who)
{
	return w == WRITERS_BOTH || (w == WRITERS_PARENT) == (who == 0);
}

/* A child's whole life: bind, wait for the start, write or watch, check, report. */
static _Noreturn void child_main(struct point *pt, int who)
{
	struct writer_result *res = &pt->res[who];
	bool writes = is_writer(pt->writers, who);

	if (pt->cpus[who] >= 0)
		topo_bind_self(pt->cpus[who]);
	res->cpu = sched_getcpu();
	if (cfg.child_exits)
		_exit(0);
	barrier_wait(pt->start);
	if (writes) {
		write_pages(pt, who, res);
		count_copies(pt, res);
	}
	/* Non-writers stay until the writers are done, so the pages stay shared meanwhile. */
	barrier_wait(pt->done);
	check_view(pt, who, writes, res);
	_exit(0);
}

static int run_point(struct run *r, struct point *pt, struct sample *s, char *why, size_t whylen)
{
	size_t npages = pt->region.len / page_size();
	int parties = 1 + (int)cfg.children, i, status, err = 0;
	pid_t pids[MAX_CHILDREN];
	uint64_t *pfns = malloc(npages * sizeof(*pfns));
	char buf[64];
	int fd;

	memset(pt->res, 0, sizeof(*pt->res) * (size_t)parties);
	for (i = 0; i < parties; i++)
		hist_init(&pt->res[i].hist);
	pt->pfn_before = NULL;
	fd = pagemap_open(0);
	if (pfns && fd >= 0 && !pagemap_read(fd, pt->region.addr, npages, pfns)) {
		for (size_t p = 0; p < npages; p++)
			pfns[p] = pm_pfn(pfns[p]);
		pt->pfn_before = pfns;
	}
	if (fd >= 0)
		close(fd);
	pt->start = barrier_create((unsigned)parties);
	pt->done = barrier_create((unsigned)parties);
	if (!pt->start || !pt->done)
		die("cannot allocate barriers: %s", strerror(errno));

	for (i = 0; i < cfg.children; i++) {
		pids[i] = proc_fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (pids[i] == 0)
			child_main(pt, i + 1);
	}
	if (cfg.child_exits)
		for (i = 0; i < cfg.children; i++)
			if (proc_wait(pids[i], 0, &status) == 0)
				pids[i] = 0;

	sample_begin(r, s);
	if (!cfg.child_exits)
		barrier_wait(pt->start);
	if (is_writer(pt->writers, 0)) {
		write_pages(pt, 0, &pt->res[0]);
		count_copies(pt, &pt->res[0]);
	}
	if (!cfg.child_exits)
		barrier_wait(pt->done);
	for (i = 0; i < cfg.children; i++) {
		if (!pids[i])
			continue;
		if (proc_wait(pids[i], 120 * 1000000000ull, &status)) {
			snprintf(why, whylen, "child %d did not finish in 120 s", (int)pids[i]);
			err = -ETIMEDOUT;
			proc_kill_children();
			break;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			snprintf(why, whylen, "child %d %s", (int)pids[i], proc_status_str(status, buf, sizeof(buf)));
			err = -ECHILD;
		}
	}
	sample_end(r, s);
	check_view(pt, 0, is_writer(pt->writers, 0), &pt->res[0]);
	barrier_destroy(pt->start);
	barrier_destroy(pt->done);
	free(pfns);
	pt->pfn_before = NULL;
	return err;
}

/* Median cost of copying one 4 KiB page with memcpy, over a buffer larger than the caches. */
static double memcpy_4k_p50_ns(void)
{
	size_t ps = page_size(), n = 4096, i;
	char *src = malloc(ps * n), *dst = malloc(ps * n);
	double *d = malloc(n * sizeof(*d)), p50;

	if (!src || !dst || !d)
		die("out of memory");
	memset(src, 1, ps * n);
	memset(dst, 2, ps * n);
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		memcpy(dst + i * ps, src + ((i * 7919) % n) * ps, ps);
		d[i] = (double)(now_ns() - t0);
	}
	p50 = median_of(d, n);
	free(src);
	free(dst);
	free(d);
	return p50;
}

enum { C_BACKING, C_WRITERS, C_CHILDREN, C_CHILD_EXITS, C_SIZE, C_TIMING, C_REP,
       C_P50, C_P90, C_P99, C_NS_PER_PAGE, C_PAGES_PER_S, C_ELAPSED,
       C_PARENT_COPIED, C_PARENT_REUSED, C_CHILD_COPIED, C_CHILD_REUSED,
       C_LEAKS, C_VERIFIED, C_CPUS, NR_FIXED_COLS };

static const struct csv_col fixed_cols[NR_FIXED_COLS] = {
	{ "backing", COL_PARAM }, { "writers", COL_PARAM }, { "children", COL_PARAM },
	{ "child_exits", COL_PARAM }, { "size", COL_PARAM }, { "timing", COL_PARAM },
	{ "rep", COL_REP },
	{ "fault_p50_ns", COL_LOWER }, { "fault_p90_ns", COL_LOWER }, { "fault_p99_ns", COL_LOWER },
	{ "ns_per_page", COL_LOWER },
	{ "pages_per_s", COL_HIGHER }, { "elapsed_ns", COL_LOWER },
	{ "parent_copied", COL_INFO }, { "parent_reused", COL_INFO },
	{ "child_copied", COL_INFO }, { "child_reused", COL_INFO },
	{ "leaks", COL_INFO }, { "backing_verified", COL_INFO }, { "cpus", COL_INFO },
};

static const struct csv_col hist_cols[] = {
	{ "backing", COL_PARAM }, { "writers", COL_PARAM }, { "children", COL_PARAM },
	{ "child_exits", COL_PARAM }, { "size", COL_PARAM }, { "writer", COL_PARAM },
	{ "lo_ns", COL_INFO }, { "hi_ns", COL_INFO }, { "count", COL_INFO }, { "cdf", COL_INFO },
};

static void write_params(struct csv *c, const struct point *pt, const char *size)
{
	csv_str(c, pt->backing->name);
	csv_str(c, writers_names[pt->writers]);
	csv_i64(c, cfg.children);
	csv_str(c, cfg.child_exits ? "yes" : "no");
	csv_str(c, size);
}

static void write_row(struct run *r, struct csv *c, struct point *pt, const struct sample *s,
		      unsigned rep, const char *size)
{
	struct hist all;
	uint64_t pages = 0, elapsed = 0, pc = 0, pr = 0, cc = 0, cr = 0, bad = 0;
	bool pfns = true;
	char cpus[128] = "";
	int i;

	hist_init(&all);
	for (i = 0; i <= cfg.children; i++) {
		struct writer_result *w = &pt->res[i];

		snprintf(cpus + strlen(cpus), sizeof(cpus) - strlen(cpus), "%s%d", i ? " " : "", w->cpu);
		bad += w->bad_pages;
		if (!w->pages)
			continue;
		hist_merge(&all, &w->hist);
		pages += w->pages;
		elapsed += w->elapsed_ns;
		pfns &= w->pfns_known;
		if (i == 0) {
			pc += w->copied;
			pr += w->reused;
		} else {
			cc += w->copied;
			cr += w->reused;
		}
	}
	write_params(c, pt, size);
	csv_str(c, timing_names[pt->timing]);
	csv_u64(c, rep);
	if (all.total) {
		csv_u64(c, hist_percentile(&all, 50));
		csv_u64(c, hist_percentile(&all, 90));
		csv_u64(c, hist_percentile(&all, 99));
		/* Per-fault timing: the sum of the timed stores, to hold against bulk timing. */
		csv_dbl(c, (double)all.sum / (double)pages);
	} else {
		for (i = 0; i < 3; i++)
			csv_empty(c);
		csv_dbl(c, (double)elapsed / (double)pages);	/* bulk: the loop's time per page */
	}
	/* Per writer: pages over the writer's own loop time, averaged over writers. */
	csv_dbl(c, elapsed ? (double)pages * 1e9 / (double)elapsed : NAN);
	csv_u64(c, s->t1 - s->t0);
	if (pfns) {
		bool parent_wrote = is_writer(pt->writers, 0), child_wrote = is_writer(pt->writers, 1) && !cfg.child_exits;

		parent_wrote ? csv_u64(c, pc) : csv_empty(c);
		parent_wrote ? csv_u64(c, pr) : csv_empty(c);
		child_wrote ? csv_u64(c, cc) : csv_empty(c);
		child_wrote ? csv_u64(c, cr) : csv_empty(c);
	} else {
		for (i = 0; i < 4; i++)
			csv_empty(c);
	}
	csv_u64(c, bad);
	csv_str(c, "yes");
	csv_str(c, cpus);
	counter_cells(c, r, s, (double)pages);
	csv_end_row(c);
}

static void write_hist(struct csv *c, const struct point *pt, const struct hist *h, const char *writer,
		       const char *size)
{
	uint64_t cum = 0, lo, hi;
	unsigned b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		if (!h->count[b])
			continue;
		cum += h->count[b];
		hist_bucket_range(b, &lo, &hi);
		write_params(c, pt, size);
		csv_str(c, writer);
		csv_u64(c, lo);
		csv_u64(c, hi);
		csv_u64(c, h->count[b]);
		csv_dbl(c, (double)cum / (double)h->total);
		csv_end_row(c);
	}
}

/*
 * Test hook: replace the private region by a MAP_SHARED one, so writes do
 * leak between parent and children. The integration tests use it to prove
 * that the leak check catches a leak.
 */
static void make_region_shared(struct region *rg)
{
	if (mmap(rg->addr, rg->len, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0) == MAP_FAILED)
		die("test hook: mmap shared: %s", strerror(errno));
	memset(rg->addr, FILL_BYTE, rg->len);
}

static void choose_cpus(struct run *r, struct point *pt)
{
	int n = 1 + (int)cfg.children, i, chosen[1 + MAX_CHILDREN];
	enum placement got;
	char reason[256];

	for (i = 0; i < n; i++)
		pt->cpus[i] = -1;
	if (r->ncpus) {
		for (i = 0; i < n; i++)
			pt->cpus[i] = r->cpus[i % r->ncpus];
		run_meta(r, "placement", "cpus %s", "as given by --cpus");
		return;
	}
	if (cfg.placement == PLACE_NONE || topo_init())
		return;
	if (topo_choose(cfg.placement, n, chosen, &got, reason, sizeof(reason)))
		run_skip(r, "placement %s: %s", placement_names[cfg.placement], reason);
	for (i = 0; i < n; i++)
		pt->cpus[i] = chosen[i];
	run_meta(r, "placement", "%s", placement_names[got]);
}

static int cow_run(struct run *r)
{
	struct csv csv, hcsv;
	struct csv_col cols[CSV_MAX_COLS];
	struct point pt;
	struct sample *s = malloc(sizeof(*s));
	struct hist *agg = malloc(sizeof(*agg) * 2);
	int ncols, b, w, t, measured = 0, status = EXIT_MEASURED;
	char size[32], why[512], skipped[1024] = "", topo[512];

	if (!s || !agg)
		die("out of memory");
	memset(&pt, 0, sizeof(pt));
	format_size(r->size, size, sizeof(size));
	pt.res = shared_alloc(sizeof(*pt.res) * (size_t)(1 + cfg.children));
	if (!pt.res)
		die("cannot allocate shared memory: %s", strerror(errno));
	choose_cpus(r, &pt);
	if (pt.cpus[0] >= 0 && topo_bind_self(pt.cpus[0]))
		warn("cannot bind to CPU %d", pt.cpus[0]);
	if (!topo_describe(topo, sizeof(topo)))
		meta_update(r->dir, topo);
	if (!numa_describe(topo, sizeof(topo)))
		meta_update(r->dir, topo);
	if (!pagemap_pfns_visible())
		warn("PFNs are hidden without CAP_SYS_ADMIN: copied/reused columns stay empty");

	ncols = counter_columns(r, memcpy(cols, fixed_cols, sizeof(fixed_cols)), NR_FIXED_COLS);
	if (run_csv_create(r, &csv, "cow-fault.csv", cols, ncols) ||
	    run_csv_create(r, &hcsv, "cow-fault-hist.csv", hist_cols, sizeof(hist_cols) / sizeof(hist_cols[0])))
		die("cannot create CSV files in %s: %s", r->dir, strerror(errno));
	csv_meta(&csv, "memcpy_4k_p50_ns", "%.0f", memcpy_4k_p50_ns());
	csv_meta(&csv, "cpus", "parent %d, children from %d", pt.cpus[0], pt.cpus[1]);

	for (b = 0; b < cfg.nbackings; b++) {
		for (w = 0; w < NR_WRITERS; w++) {
			if (!cfg.writers[w])
				continue;
			for (t = 0; t < NR_TIMING; t++) {
				unsigned rep;
				int err = 0;

				if (!cfg.timing[t])
					continue;
				pt.backing = &cfg.backings[b];
				pt.writers = (enum writers)w;
				pt.timing = (enum timing)t;
				hist_init(&agg[0]);
				hist_init(&agg[1]);
				for (rep = 0; rep < r->warmup + r->repeat && !err; rep++) {
					struct region_check chk;

					why[0] = 0;
					err = region_create(&pt.region, r->size, &cfg.backings[b], FILL_BYTE, why, sizeof(why));
					if (!err)
						err = region_verify(&pt.region, &chk, why, sizeof(why));
					if (err == -EPERM) {
						/* Without root the backing cannot be proven: say so once, measure anyway. */
						if (!rep)
							warn("%s: %s; backing not verified", cfg.backings[b].name, why);
						err = 0;
					}
					if (err) {
						snprintf(skipped + strlen(skipped), sizeof(skipped) - strlen(skipped),
							 "%s%s: %s", skipped[0] ? "; " : "", cfg.backings[b].name, why);
						warn("skipping backing %s: %s", cfg.backings[b].name, why);
						region_destroy(&pt.region);
						break;
					}
					if (getenv("COWBENCH_TEST_SHARED_MAPPING"))
						make_region_shared(&pt.region);
					err = run_point(r, &pt, s, why, sizeof(why));
					if (err)
						die("%s/%s: %s", cfg.backings[b].name, writers_names[w], why);
					for (int i = 0; i <= cfg.children; i++) {
						if (pt.res[i].bad_pages) {
							warn("%s %s writers: %s sees wrong data: %" PRIu64 " pages, first at offset %" PRIu64
							     " (0x%016" PRIx64 ")", cfg.backings[b].name, writers_names[w],
							     i ? "a child" : "the parent", pt.res[i].bad_pages,
							     pt.res[i].first_bad_offset, pt.res[i].first_bad_value);
							status = EXIT_VIOLATION;
						}
					}
					if (rep >= r->warmup) {
						write_row(r, &csv, &pt, s, rep - r->warmup, size);
						hist_merge(&agg[0], &pt.res[0].hist);
						for (int i = 1; i <= cfg.children; i++)
							hist_merge(&agg[1], &pt.res[i].hist);
						measured++;
					}
					region_destroy(&pt.region);
				}
				if (err)
					break;	/* this backing cannot be built: next backing */
				if (agg[0].total)
					write_hist(&hcsv, &pt, &agg[0], "parent", size);
				if (agg[1].total)
					write_hist(&hcsv, &pt, &agg[1], "child", size);
			}
		}
	}
	if (skipped[0]) {
		csv_meta(&csv, "skipped", "%s", skipped);
		run_meta(r, "skipped_points", "%s", skipped);
	}
	if (!measured)
		run_skip(r, "%s", skipped);
	if (run_csv_commit(&csv) || run_csv_commit(&hcsv))
		die("cannot write CSV files in %s", r->dir);
	shared_free(pt.res, sizeof(*pt.res) * (size_t)(1 + cfg.children));
	free(s);
	free(agg);
	info("%d samples written to %s/cow-fault.csv", measured, r->dir);
	return status;
}

static const struct bench cow_fault = {
	.name = "cow-fault",
	.purpose = "parent and children write to the same copy-on-write pages after fork(), "
		   "released at the same instant; first-store latency per page, pages copied vs "
		   "reused (PFNs), and vmstat/PMU counters per page written.",
	.example = "cow-fault --backing small,thp,pte-thp --writers both --size 256M --repeat 10 --events page-faults",
	.options = options,
	.parse = cow_parse,
	.validate = cow_validate,
	.run = cow_run,
	.counters = counters,
	.default_size = 64 << 20,
	.default_repeat = 5,
	.default_warmup = 1,
};

int main(int argc, char **argv)
{
	return bench_main(&cow_fault, argc, argv);
}
