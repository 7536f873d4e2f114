/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fork-pin: the price of fork() when memory is pinned, and whether the
 * pin keeps its promise. Since 5.9 fork copies pages that may be DMA-pinned
 * into the child at once, so the parent keeps the pinned page; this times
 * fork against pinned size, counts the pages it copied, compares the copy
 * speed with memcpy, and checks the RDMA scenario (fork, exec, write, DMA).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "cgroup.h"
#include "clock.h"
#include "opt.h"
#include "pagemap.h"
#include "pin.h"
#include "proc.h"
#include "region.h"
#include "stats.h"
#include "topo.h"

#define MAX_SIZES 16
#define MAX_BACKINGS 4
#define MEMCPY_MAX_DST (256ul << 20)	/* memcpy reference: larger copies cycle over this */
#define FILL_BYTE 0x3c
#define MiB (1ul << 20)

static struct {
	bool methods[PIN_NMETHODS];
	uint64_t pinned[MAX_SIZES];
	int npinned;
	uint64_t total;
	struct backing backings[MAX_BACKINGS];
	int nbackings;
	long dontfork[2];
	int ndontfork;
	bool child_exec;
	bool inject;
	bool pinned_given, backing_given;
} cfg = { .methods = { true, true, true, true }, .dontfork = { 0, 1 }, .ndontfork = 2, .child_exec = true };

static const struct bench_option options[] = {
	{ "pin", "LIST", "iouring,vmsplice,gup-test,none (default all; unavailable ones are skipped with the reason)" },
	{ "pinned", "LIST", "pinned sizes (default 0,16M,64M,256M,1G,4G; --quick: up to 256M)" },
	{ "total", "SIZE", "fixed region size, pinned sizes are its first bytes (default: region = pinned size)" },
	{ "backing", "LIST", "small,thp,pte-thp,mthp:SIZE (default small,thp)" },
	{ "dontfork", "LIST", "0,1: without / with MADV_DONTFORK on the pinned range (default 0,1)" },
	{ "child", "WHAT", "exec (run /bin/true) or exit: the coherence check's child after fork (default exec)" },
	{ "inject-incoherence", NULL, "testing only: move the parent's pages away from the pin before the check" },
	{ NULL, NULL, NULL },
};

static const char *const counters[] = { "thp_split_pmd", "nr_anon_pages", NULL };

static int fp_parse(struct run *r, int index, const char *arg)
{
	int err;

	switch (index) {
	case 0:
		return parse_choice_list(arg, pin_method_names, cfg.methods);
	case 1:
		cfg.pinned_given = true;
		return parse_size_list(arg, cfg.pinned, MAX_SIZES, &cfg.npinned);
	case 2:
		return parse_size(arg, &cfg.total);
	case 3:
		cfg.backing_given = true;
		err = backing_parse_list(arg, cfg.backings, MAX_BACKINGS, &cfg.nbackings);
		for (int i = 0; !err && i < cfg.nbackings; i++) {
			if (cfg.backings[i].kind == BACKING_PARTIAL_THP) {
				snprintf(opt_error, sizeof(opt_error), "partial-thp has holes and cannot be pinned");
				err = -EINVAL;
			}
		}
		return err;
	case 4:
		return parse_long_list(arg, 0, 1, cfg.dontfork, 2, &cfg.ndontfork);
	case 5:
		err = parse_choice(arg, (const char *const[]){ "exec", "exit", NULL });
		cfg.child_exec = err == 0;
		return err < 0 ? err : 0;
	case 6:
		cfg.inject = true;
		return 0;
	}
	return -EINVAL;
}

static int fp_validate(struct run *r)
{
	static const uint64_t full[] = { 0, 16 * MiB, 64 * MiB, 256 * MiB, 1024 * MiB, 4096 * MiB };
	int i, j;

	if (!cfg.pinned_given)
		for (i = 0; i < 6; i++)
			if (!r->quick || full[i] <= 256 * MiB)
				cfg.pinned[cfg.npinned++] = full[i];
	if (!cfg.backing_given) {
		backing_parse("small", &cfg.backings[0]);
		backing_parse("thp", &cfg.backings[1]);
		cfg.nbackings = 2;
	}
	if (r->quick) {
		r->repeat = r->repeat > 5 ? 5 : r->repeat;
		r->warmup = r->warmup > 1 ? 1 : r->warmup;
	}
	for (i = 0; i < cfg.npinned; i++) {
		if (cfg.total && cfg.pinned[i] > cfg.total) {
			snprintf(opt_error, sizeof(opt_error), "--pinned %" PRIu64 " is larger than --total %" PRIu64,
				 cfg.pinned[i], cfg.total);
			return -EINVAL;
		}
		for (j = 0; j < cfg.nbackings; j++) {
			size_t align = cfg.backings[j].folio_size;

			if (cfg.pinned[i] % align || cfg.total % align) {
				snprintf(opt_error, sizeof(opt_error), "sizes must be multiples of %zuK for backing %s",
					 align >> 10, cfg.backings[j].name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- one parameter point ---- */

struct point {
	enum pin_method method;
	const struct backing *backing;
	bool dontfork;
	uint64_t pinned, total;
	struct region region;		/* addr NULL when total is 0 */
	struct pin pin;
	bool verified;
};

/* What the coherence check found. */
struct coherence {
	bool checked, ok;
	size_t samples, pfn_moved;
	bool pfns_known;
	char detail[512];
};

/* Shared with the children. */
struct shm {
	uint64_t child_start_ns;
	uint64_t child_bad;		/* sample pages the child saw changed */
	int child_checked;
};

/* Test hook: what the 2016 THP bug did, the mapping moves to new pages the pin does not hold. */
static void move_pages_away(char *base, const size_t *off, size_t n, unsigned gen)
{
	size_t i, ps = page_size();

	for (i = 0; i < n; i++) {
		if (mmap(base + off[i], ps, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0) == MAP_FAILED)
			die("test hook: mmap: %s", strerror(errno));
		pin_pattern_fill(base + off[i], gen, i);
	}
}

#define GEN_PREFORK 1	/* in every sample page before fork */
#define GEN_CHILD_ALIVE 2	/* parent writes while the child lives */
#define GEN_AFTER 3	/* parent writes after the child exec'd or exited */
#define GEN_DEVICE 4	/* the device writes (READ_FIXED) */

static void mismatch(struct coherence *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void mismatch(struct coherence *c, const char *fmt, ...)
{
	size_t used = strlen(c->detail);
	va_list ap;

	c->ok = false;
	if (used + 2 >= sizeof(c->detail))
		return;
	va_start(ap, fmt);
	vsnprintf(c->detail + used, sizeof(c->detail) - used, fmt, ap);
	va_end(ap);
}

/*
 * The RDMA scenario. The child must keep the pre-fork content whatever the
 * parent writes; after the child exec'd (or exited), the parent's writes
 * must land in the pages the pin holds (same PFN, and the device reads
 * them back), and the device's writes must show in the parent's mapping.
 * vmsplice holds plain references, which COW may leave behind: there the
 * pipe must hold the new data if the PFN stayed, the old data if it moved.
 */
static void check_coherence(struct point *pt, struct shm *shm, struct barrier *bar, struct coherence *c)
{
	size_t ps = page_size(), off[PIN_MAX_SAMPLES], n, i;
	uint64_t pfn0[PIN_MAX_SAMPLES], pfn1[PIN_MAX_SAMPLES];
	char *base = pt->region.addr, *dev = NULL, why[64], reason[256];
	bool device = pt->method != PIN_NONE;
	int status, err;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	c->ok = true;
	n = pin_sample_offsets(pt->pinned, PIN_MAX_SAMPLES, off);
	if (!n)
		return;
	c->checked = true;
	c->samples = n;
	for (i = 0; i < n; i++)
		pin_pattern_fill(base + off[i], GEN_PREFORK, i);
	if (pt->method == PIN_VMSPLICE) {
		/*
		 * The timed forks already moved the parent away from the pages
		 * the pipes hold (its first write after each fork copied them):
		 * splice the current pages afresh for the scenario.
		 */
		pin_release(&pt->pin);
		err = pin_create(&pt->pin, PIN_VMSPLICE, base, pt->pinned, reason, sizeof(reason));
		if (err)
			die("coherence check: vmsplice again: %s", reason);
	}
	c->pfns_known = !pin_sample_pfns(base, off, n, pfn0);
	memset(shm, 0, sizeof(*shm));

	pid = proc_fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		barrier_wait(bar);	/* the parent writes meanwhile */
		if (!pt->dontfork) {
			for (i = 0; i < n; i++)
				shm->child_bad += !pin_pattern_check(base + off[i], GEN_PREFORK, i);
			shm->child_checked = 1;
		}
		if (cfg.child_exec)
			execl("/bin/true", "true", (char *)NULL);
		_exit(cfg.child_exec ? 127 : 0);
	}
	for (i = 0; i < n; i++)
		pin_pattern_fill(base + off[i], GEN_CHILD_ALIVE, i);
	barrier_wait(bar);
	if (proc_wait(pid, 60 * 1000000000ull, &status))
		die("coherence check: the child did not finish in 60 s");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("coherence check: child %s", proc_status_str(status, why, sizeof(why)));
	if (shm->child_bad)
		mismatch(c, "the child saw %" PRIu64 " of %zu pages change after fork; ", shm->child_bad, n);
	if (!pt->dontfork && !shm->child_checked)
		mismatch(c, "the child did not check its pages; ");

	if (cfg.inject && device)
		move_pages_away(base, off, n, GEN_CHILD_ALIVE);
	for (i = 0; i < n; i++)
		pin_pattern_fill(base + off[i], GEN_AFTER, i);
	if (c->pfns_known && !pin_sample_pfns(base, off, n, pfn1)) {
		size_t first = n;

		for (i = n; i-- > 0;)
			if (pfn0[i] != pfn1[i]) {
				c->pfn_moved++;
				first = i;
			}
		if (c->pfn_moved && (pt->method == PIN_IOURING || pt->method == PIN_GUP_TEST))
			mismatch(c, "%zu of %zu pinned pages have a new PFN in the parent, first at offset %zu "
				 "(PFN 0x%" PRIx64 " -> 0x%" PRIx64 "); ", c->pfn_moved, n, off[first],
				 pfn0[first], pfn1[first]);
	} else {
		c->pfns_known = false;
	}
	if (!device)
		goto out;

	dev = malloc(n * ps);
	if (!dev)
		die("out of memory");
	err = pin_device_read_pages(&pt->pin, off, n, dev);
	if (err)
		die("coherence check: device read: %s", strerror(-err));
	for (i = 0; i < n; i++) {
		bool seen = pin_pattern_check(dev + i * ps, GEN_AFTER, i);

		/* vmsplice: the pipe keeps the page COW left behind; without PFNs either is right. */
		if (pt->method == PIN_VMSPLICE && (!c->pfns_known || pfn0[i] != pfn1[i]))
			seen = pin_pattern_check(dev + i * ps, GEN_PREFORK, i) || (!c->pfns_known && seen);
		if (!seen) {
			mismatch(c, "the device reads other data than the parent wrote at offset %zu%s; ",
				 off[i], pt->method == PIN_VMSPLICE ? " (vmsplice)" : "");
			break;
		}
	}
	if (pt->method != PIN_IOURING)
		goto out;
	/* The device writes: READ_FIXED from a file into the pinned pages. */
	err = pin_device_write_pattern(&pt->pin, off, n, GEN_DEVICE);
	if (err)
		die("coherence check: READ_FIXED: %s", strerror(-err));
	for (i = 0; i < n; i++) {
		if (!pin_pattern_check(base + off[i], GEN_DEVICE, i)) {
			mismatch(c, "a READ_FIXED into the pinned buffer is not visible in the parent at offset %zu; ",
				 off[i]);
			break;
		}
	}
out:
	free(dev);
}

/* ---- timing ---- */

/* Median time of memcpy of `bytes` from the pinned range, over a pre-faulted destination. */
static double memcpy_median_ns(const char *src, uint64_t bytes, unsigned reps)
{
	size_t dst_len = bytes < MEMCPY_MAX_DST ? bytes : MEMCPY_MAX_DST;
	double t[64];
	char *dst;
	unsigned i;

	if (!bytes)
		return NAN;
	dst = mmap(NULL, dst_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED)
		die("mmap %zu bytes for the memcpy reference: %s", dst_len, strerror(errno));
	madvise(dst, dst_len, MADV_HUGEPAGE);	/* like the kernel's direct map: few TLB misses */
	memset(dst, 1, dst_len);
	if (reps > 64)
		reps = 64;
	for (i = 0; i < reps; i++) {
		uint64_t t0 = now_ns(), done;

		for (done = 0; done < bytes; done += dst_len)
			memcpy(dst, src + done, dst_len);
		t[i] = (double)(now_ns() - t0);
	}
	munmap(dst, dst_len);
	return median_of(t, reps);
}

struct fork_result {
	uint64_t fork_ns, child_start_ns, copied_pages, child_rss;
	bool copied_known, rss_known, memcg_known;
	int64_t memcg_growth;
};

/* Present pages of the child's region mapped only there: the pages fork copied for it. */
static bool count_child_copies(pid_t pid, const struct point *pt, uint64_t *copied)
{
	size_t pages = pt->total / page_size(), i, chunk = 4096;
	uint64_t e[4096];
	int fd = pagemap_open(pid);
	bool ok = fd >= 0;

	*copied = 0;
	for (i = 0; ok && i < pages; i += chunk) {
		size_t k, m = pages - i < chunk ? pages - i : chunk;

		ok = !pagemap_read(fd, pt->region.addr + i * page_size(), m, e);
		for (k = 0; ok && k < m; k++)
			*copied += (e[k] & PM_PRESENT) && (e[k] & PM_MMAP_EXCLUSIVE);
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void time_fork(struct run *r, struct point *pt, struct shm *shm, struct barrier *bar,
		      struct cgroup *memcg, struct sample *s, struct fork_result *fr)
{
	uint64_t t0, t1, before = 0, after = 0;
	int status;
	pid_t pid;

	memset(fr, 0, sizeof(*fr));
	memset(shm, 0, sizeof(*shm));
	fr->memcg_known = memcg->version != CGROUP_NONE && !cgroup_memory_current(memcg, &before);
	sample_begin(r, s);
	t0 = now_ns();
	pid = proc_fork();
	if (pid == 0) {
		shm->child_start_ns = now_ns();
		barrier_wait(bar);	/* stay until the parent has looked at us */
		_exit(0);
	}
	t1 = now_ns();
	if (pid < 0)
		die("fork with %" PRIu64 " bytes pinned: %s", pt->pinned, strerror(errno));
	sample_end(r, s);
	fr->fork_ns = t1 - t0;
	if (fr->memcg_known && !cgroup_memory_current(memcg, &after))
		fr->memcg_growth = (int64_t)(after - before);
	else
		fr->memcg_known = false;
	fr->copied_known = !pt->region.addr || count_child_copies(pid, pt, &fr->copied_pages);
	fr->rss_known = !proc_rss_anon(pid, &fr->child_rss);
	barrier_wait(bar);
	if (proc_wait(pid, 60 * 1000000000ull, &status) || !WIFEXITED(status) || WEXITSTATUS(status))
		die("forked child did not exit cleanly");
	fr->child_start_ns = shm->child_start_ns > t0 ? shm->child_start_ns - t0 : 0;
}

/* ---- output ---- */

static const struct csv_col fixed_cols[] = {
	{ "pin", COL_PARAM }, { "backing", COL_PARAM }, { "dontfork", COL_PARAM },
	{ "pinned_bytes", COL_PARAM }, { "total_bytes", COL_PARAM }, { "rep", COL_REP },
	{ "fork_ns", COL_LOWER }, { "child_start_ns", COL_LOWER },
	{ "copied_pages", COL_INFO }, { "child_rss_anon_bytes", COL_INFO },
	{ "memcg_charge_bytes", COL_INFO }, { "ns_per_pinned_mib", COL_LOWER },
	{ "memcpy_ns", COL_INFO }, { "efficiency", COL_HIGHER }, { "coherent", COL_INFO },
	{ "pfn_moved", COL_INFO }, { "backing_verified", COL_INFO },
};

static void write_row(struct run *r, struct csv *c, const struct point *pt, unsigned rep,
		      const struct fork_result *fr, const struct sample *s, double memcpy_ns,
		      const struct coherence *coh)
{
	double mib = (double)pt->pinned / MiB;

	csv_str(c, pin_method_names[pt->method]);
	csv_str(c, pt->backing->name);
	csv_u64(c, pt->dontfork);
	csv_u64(c, pt->pinned);
	csv_u64(c, pt->total);
	csv_u64(c, rep);
	csv_u64(c, fr->fork_ns);
	csv_u64(c, fr->child_start_ns);
	fr->copied_known ? csv_u64(c, fr->copied_pages) : csv_empty(c);
	fr->rss_known ? csv_u64(c, fr->child_rss) : csv_empty(c);
	fr->memcg_known ? csv_i64(c, fr->memcg_growth) : csv_empty(c);
	csv_dbl(c, pt->pinned ? (double)fr->fork_ns / mib : NAN);
	csv_dbl(c, memcpy_ns);
	/* Only a fork that copied has a copy speed to compare. */
	csv_dbl(c, fr->copied_known && fr->copied_pages ? memcpy_ns / (double)fr->fork_ns : NAN);
	coh->checked ? csv_str(c, coh->ok ? "yes" : "no") : csv_empty(c);
	coh->checked && coh->pfns_known ? csv_u64(c, coh->pfn_moved) : csv_empty(c);
	csv_str(c, pt->verified ? "yes" : "no");
	counter_cells(c, r, s, 1);
	csv_end_row(c);
}

static void append(char *buf, size_t len, const char *what, const char *why)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s: %s", used ? "; " : "", what, why);
}

/*
 * Build the point's memory and pin it. 0; -ENOTSUP with `why` when the
 * backing or the pin cannot be had here (the point is skipped).
 */
static int setup_point(struct point *pt, char *why, size_t len)
{
	struct region_check chk;
	int err;

	memset(&pt->region, 0, sizeof(pt->region));
	pt->verified = false;
	if (pt->total) {
		err = region_create(&pt->region, pt->total, pt->backing, FILL_BYTE, why, len);
		if (!err)
			err = region_verify(&pt->region, &chk, why, len);
		if (err == -EPERM)
			err = 0;	/* cannot prove it without root: measured, marked unverified */
		else if (!err)
			pt->verified = true;
		if (err)
			return err == -ENOTSUP ? err : -ENOTSUP;
		if (pt->dontfork && pt->pinned && madvise(pt->region.addr, pt->pinned, MADV_DONTFORK))
			die("madvise(MADV_DONTFORK): %s", strerror(errno));
	}
	err = pin_create(&pt->pin, pt->method, pt->region.addr, pt->pinned, why, len);
	if (err == -ENOTSUP)
		return err;
	if (err)
		die("%s pin of %" PRIu64 " bytes: %s", pin_method_names[pt->method], pt->pinned, why);
	return 0;
}

static int fp_run(struct run *r)
{
	struct csv csv;
	struct csv_col cols[CSV_MAX_COLS];
	struct fork_result *fr = calloc(r->repeat + r->warmup, sizeof(*fr));
	struct sample *s = calloc(r->repeat + r->warmup, sizeof(*s));
	struct shm *shm = shared_alloc(sizeof(*shm));
	struct barrier *bar = barrier_create(2);
	struct cgroup memcg;
	struct point pt;
	struct coherence coh;
	uint64_t max_pinned = 0;
	char why[512], skipped[2048] = "", topo[512];
	int ncols, m, b, d, i, measured = 0, status = EXIT_MEASURED, available = 0;

	if (!fr || !s || !shm || !bar)
		die("out of memory");
	for (i = 0; i < cfg.npinned; i++)
		max_pinned = cfg.pinned[i] > max_pinned ? cfg.pinned[i] : max_pinned;
	for (m = 0; m < PIN_NMETHODS; m++) {
		if (!cfg.methods[m])
			continue;
		if (pin_probe((enum pin_method)m, max_pinned, why, sizeof(why))) {
			warn("skipping --pin %s: %s", pin_method_names[m], why);
			append(skipped, sizeof(skipped), pin_method_names[m], why);
			cfg.methods[m] = false;
		} else {
			available++;
		}
	}
	if (!available)
		run_skip(r, "%s", skipped);
	if (r->ncpus && topo_bind_self(r->cpus[0]))
		warn("cannot bind to CPU %d", r->cpus[0]);
	run_meta(r, "cpu", "%d", r->ncpus ? r->cpus[0] : -1);
	if (!topo_init() && !topo_describe(topo, sizeof(topo)))
		meta_update(r->dir, topo);
	if (cgroup_of_self(&memcg, why, sizeof(why)))
		info("memcg charge not reported: %s", why);
	else
		run_meta(r, "memcg", "%s", memcg.path);
	if (!pagemap_pfns_visible())
		warn("PFNs are hidden without CAP_SYS_ADMIN: the coherence check cannot compare PFNs");

	ncols = counter_columns(r, memcpy(cols, fixed_cols, sizeof(fixed_cols)),
				sizeof(fixed_cols) / sizeof(fixed_cols[0]));
	if (run_csv_create(r, &csv, "fork-pin.csv", cols, ncols))
		die("cannot create %s/fork-pin.csv: %s", r->dir, strerror(errno));
	csv_meta(&csv, "child", "%s", cfg.child_exec ? "exec /bin/true" : "exit");

	for (b = 0; b < cfg.nbackings; b++) {
		for (d = 0; d < cfg.ndontfork; d++) {
			for (m = 0; m < PIN_NMETHODS; m++) {
				for (i = 0; cfg.methods[m] && i < cfg.npinned; i++) {
					double memcpy_ns;
					unsigned rep;
					char what[96];

					memset(&pt, 0, sizeof(pt));
					pt.method = (enum pin_method)m;
					pt.backing = &cfg.backings[b];
					pt.dontfork = cfg.dontfork[d];
					pt.pinned = cfg.pinned[i];
					pt.total = cfg.total ? cfg.total : cfg.pinned[i];
					snprintf(what, sizeof(what), "%s/%s/dontfork=%d/%" PRIu64, pin_method_names[m],
						 pt.backing->name, pt.dontfork, pt.pinned);
					if (setup_point(&pt, why, sizeof(why))) {
						warn("skipping %s: %s", what, why);
						append(skipped, sizeof(skipped), what, why);
						pin_release(&pt.pin);
						region_destroy(&pt.region);
						continue;
					}
					memcpy_ns = memcpy_median_ns(pt.region.addr, pt.pinned, r->repeat);
					for (rep = 0; rep < r->warmup + r->repeat; rep++)
						time_fork(r, &pt, shm, bar, &memcg, &s[rep], &fr[rep]);
					/* A long-term pin must make fork copy every pinned page (5.9+). */
					if ((m == PIN_IOURING || m == PIN_GUP_TEST) && !pt.dontfork &&
					    fr[0].copied_known && fr[0].copied_pages != pt.pinned / page_size())
						warn("%s: fork copied %" PRIu64 " of %" PRIu64 " pinned pages: this kernel "
						     "shares pinned pages with the child", what, fr[0].copied_pages,
						     pt.pinned / page_size());
					check_coherence(&pt, shm, bar, &coh);
					if (!coh.ok) {
						warn("coherence violated (%s): %s", what, coh.detail);
						status = EXIT_VIOLATION;
					}
					for (rep = r->warmup; rep < r->warmup + r->repeat; rep++, measured++)
						write_row(r, &csv, &pt, rep - r->warmup, &fr[rep], &s[rep], memcpy_ns, &coh);
					debug("%s: fork %" PRIu64 " ns, %" PRIu64 " pages copied", what,
					      fr[r->warmup].fork_ns, fr[r->warmup].copied_pages);
					pin_release(&pt.pin);
					region_destroy(&pt.region);
				}
			}
		}
	}
	if (skipped[0]) {
		csv_meta(&csv, "skipped", "%s", skipped);
		run_meta(r, "skipped_points", "%s", skipped);
	}
	if (!measured)
		run_skip(r, "%s", skipped);
	if (run_csv_commit(&csv))
		die("cannot write %s/fork-pin.csv", r->dir);
	barrier_destroy(bar);
	shared_free(shm, sizeof(*shm));
	free(fr);
	free(s);
	info("%d samples written to %s/fork-pin.csv", measured, r->dir);
	return status;
}

static const struct bench fork_pin = {
	.name = "fork-pin",
	.purpose = "fork() latency against pinned memory (io_uring fixed buffers, vmsplice, gup_test), "
		   "the pages fork copied for the child, fork's copy speed against memcpy, and whether "
		   "the pin still covers the parent's pages after fork+exec (the RDMA scenario).",
	.example = "fork-pin --pin iouring,none --pinned 0,64M,256M --backing small,thp --repeat 10",
	.options = options,
	.parse = fp_parse,
	.validate = fp_validate,
	.run = fp_run,
	.counters = counters,
	.default_repeat = 10,
	.default_warmup = 1,
};

int main(int argc, char **argv)
{
	return bench_main(&fork_pin, argc, argv);
}
