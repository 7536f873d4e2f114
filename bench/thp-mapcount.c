/* SPDX-License-Identifier: GPL-2.0 */
/*
 * thp-mapcount: what asking "is this large folio shared?" costs. A region is
 * built as small pages, PMD-mapped THP, PTE-mapped THP, partially mapped THP
 * or mTHP, shared with N sleeping children, and every mm operation that needs
 * the answer (fork, COW, reuse, munmap, smaps, pagemap, MADV_COLD/PAGEOUT,
 * move_pages) is timed on it, per 4 KiB page and per folio.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
#include "swap.h"
#include "topo.h"

enum op_id {
	OP_FORK, OP_COW, OP_REUSE, OP_MUNMAP, OP_SMAPS, OP_SMAPS_ROLLUP,
	OP_PAGEMAP, OP_COLD, OP_PAGEOUT, OP_MOVE_PAGES, NR_OPS
};
static const char *const op_names[] = {
	"fork", "cow", "reuse", "munmap", "smaps", "smaps-rollup",
	"pagemap", "cold", "pageout", "move-pages", NULL
};
/*
 * Operations that leave the region as they found it share one freshly built
 * state, in this order (fork last: without sharers it write-protects the
 * parent's PTEs). Every other operation gets a state of its own.
 */
static const enum op_id readonly_ops[] = { OP_SMAPS, OP_SMAPS_ROLLUP, OP_PAGEMAP, OP_FORK };
#define NR_READONLY (sizeof(readonly_ops) / sizeof(readonly_ops[0]))

#define MAX_BACKINGS 8
#define MAX_SHARER_COUNTS 16
#define FILL_BYTE 0x5a
/*
 * A build that fails verification is retried this often, 0.1 s, 0.2 s, ...
 * apart: THP knobs are machine-wide, and another run flipping them while
 * our region faults in gives it the wrong folio sizes for a moment.
 */
#define BUILD_ATTEMPTS 6

static struct {
	struct backing backings[MAX_BACKINGS];
	int nbackings;
	long sharers[MAX_SHARER_COUNTS];
	int nsharers;
	bool op_on[NR_OPS];
	const char *op_skip[NR_OPS];	/* why this machine cannot run an operation */
	bool selftest_unshared;
	const char *make_swap;		/* --make-swap SPEC */
} cfg;

/* Everything one measured operation runs on. */
struct state {
	const struct backing *b;
	struct region reg;
	bool unmapped;		/* the operation unmapped the region itself */
	bool verified;		/* region_verify() proved the backing */
	struct region_check check;
	size_t span_pages;	/* 4 KiB pages spanned, holes included */
	size_t pages;		/* mapped 4 KiB pages */
	size_t folios;
	size_t *offs;		/* byte offsets of the mapped pages */
	long sharers;
	size_t shared_pages;	/* mapped pages without PM_MMAP_EXCLUSIVE before the op */
	struct barrier *ready;
};

static uint64_t *pm_entries;	/* pagemap entries of the region */
static int pm_fd = -1;
static struct csv out;
static char size_str[32];
static int status = EXIT_MEASURED;
static unsigned rebuilds;	/* states built again after failing verification */
/* ns per page for the closing summary, [backing][sharers][op][rep]. */
static double *samples;

static double *sample_slot(int bi, int si, int op, unsigned rep, unsigned nrep)
{
	return &samples[(((size_t)bi * cfg.nsharers + si) * NR_OPS + op) * nrep + rep];
}

static const struct bench_option options[] = {
	{ "backing", "LIST", "small,thp,pte-thp,partial-thp,mthp:SIZE (default "
	  "small,thp,pte-thp,partial-thp,mthp:64K; one the kernel lacks is skipped with the reason)" },
	{ "sharers", "LIST", "sleeping children mapping the region during each operation "
	  "(default 0,1,2,4,8,16; --quick 0,1,4,16)" },
	{ "ops", "LIST", "fork,cow,reuse,munmap,smaps,smaps-rollup,pagemap,cold,pageout,move-pages "
	  "(default all)" },
	{ "selftest-unshared", NULL, "self-test: the sharers unmap the region, so the sharing "
	  "check must fail (exit 1)" },
	{ "make-swap", "SPEC", "file:PATH or zram: add swap of --size for pageout if there is too "
	  "little, remove it afterwards (default: skip pageout without swap)" },
	{ NULL, NULL, NULL },
};

static int mapcount_parse(struct run *r, int index, const char *arg)
{
	char buf[256], *tok, *save;
	int op;

	switch (index) {
	case 0:
		return backing_parse_list(arg, cfg.backings, MAX_BACKINGS, &cfg.nbackings);
	case 1:
		return parse_long_list(arg, 0, 256, cfg.sharers, MAX_SHARER_COUNTS, &cfg.nsharers);
	case 2:
		snprintf(buf, sizeof(buf), "%s", arg);
		for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			op = parse_choice(tok, op_names);
			if (op < 0)
				return op;
			cfg.op_on[op] = true;
		}
		return 0;
	case 3:
		cfg.selftest_unshared = true;
		return 0;
	case 4:
		if (strcmp(arg, "zram") && strncmp(arg, "file:/", 6)) {
			snprintf(opt_error, sizeof(opt_error), "'%s': expected zram or file:/ABSOLUTE/PATH", arg);
			return -EINVAL;
		}
		cfg.make_swap = arg;
		return 0;
	}
	return -EINVAL;
}

static int mapcount_validate(struct run *r)
{
	static const long all_sharers[] = { 0, 1, 2, 4, 8, 16 }, quick_sharers[] = { 0, 1, 4, 16 };
	bool any = false, ops_given = false;

	if (!cfg.nbackings)
		mapcount_parse(r, 0, "small,thp,pte-thp,partial-thp,mthp:64K");
	if (!cfg.nsharers) {
		cfg.nsharers = r->quick ? 4 : 6;
		memcpy(cfg.sharers, r->quick ? quick_sharers : all_sharers,
		       sizeof(long) * (size_t)cfg.nsharers);
	}
	for (int op = 0; op < NR_OPS; op++)
		ops_given |= cfg.op_on[op];
	for (int op = 0; op < NR_OPS && !ops_given; op++)
		cfg.op_on[op] = true;
	if (r->quick) {
		if (!r->size_given)
			r->size = 64 << 20;
		r->repeat = r->repeat > 3 ? 3 : r->repeat;
		r->warmup = r->warmup > 1 ? 1 : r->warmup;
	}
	for (int op = 0; op < NR_OPS; op++)
		for (int si = 0; si < cfg.nsharers; si++)
			any |= cfg.op_on[op] && (cfg.sharers[si] > 0 || (op != OP_COW && op != OP_REUSE));
	if (!any) {
		snprintf(opt_error, sizeof(opt_error), "cow and reuse need a sharer count above 0");
		return -EINVAL;
	}
	if (r->size % (2 << 20)) {
		snprintf(opt_error, sizeof(opt_error), "--size must be a multiple of 2M (whole PMD folios)");
		return -EINVAL;
	}
	/* The region, plus a full copy of it after the COW operation. */
	if (r->size > (uint64_t)sysconf(_SC_PHYS_PAGES) * page_size() / 4) {
		snprintf(opt_error, sizeof(opt_error), "--size is more than a quarter of this machine's RAM");
		return -EINVAL;
	}
	return 0;
}

/* Operations this machine cannot run, decided once, with the reason; swap added if asked. */
static void decide_op_skips(struct run *r, struct swap_added *added)
{
	uint64_t total = 0, free_bytes = 0;
	const char *last = NULL;
	char reason[256];
	bool any = false;

	swap_totals(&total, &free_bytes);
	if (cfg.op_on[OP_PAGEOUT] && cfg.make_swap && free_bytes < r->size) {
		/* The swap header and rounding take a little: 4M more than the region. */
		if (swap_add(cfg.make_swap, r->size + (4 << 20), added, reason, sizeof(reason)))
			run_skip(r, "--make-swap %s: %s", cfg.make_swap, reason);
		run_meta(r, "swap", "added %s at %s", format_size(added->bytes, reason, sizeof(reason)),
			 added->path);
		swap_totals(&total, &free_bytes);
	}
	if (free_bytes < r->size)
		cfg.op_skip[OP_PAGEOUT] = "not enough free swap for the region: MADV_PAGEOUT cannot "
					  "reclaim it (--make-swap zram adds some for the run)";
	if (numa_nodes() < 2)
		cfg.op_skip[OP_MOVE_PAGES] = "one NUMA node: move_pages has nowhere to move pages to";
	for (int op = 0; op < NR_OPS; op++) {
		if (cfg.op_on[op] && cfg.op_skip[op]) {
			warn("%s: skipped: %s", op_names[op], cfg.op_skip[op]);
			run_meta(r, op_names[op], "skipped: %s", cfg.op_skip[op]);
			last = cfg.op_skip[op];
		}
		any |= cfg.op_on[op] && !cfg.op_skip[op];
	}
	if (!any)
		run_skip(r, "no requested operation can run here: %s", last);
}

static bool op_runs(int op, long sharers)
{
	if (!cfg.op_on[op] || cfg.op_skip[op])
		return false;
	/* Without sharers there is nothing to copy and nothing to reuse. */
	return !((op == OP_COW || op == OP_REUSE) && sharers == 0);
}

/*
 * Mapped pages present, and with PM_MMAP_EXCLUSIVE, in this process. A page
 * being migrated (compaction for someone's THP) is briefly a migration
 * entry, not present and never exclusive: read again for up to a second.
 */
static void count_exclusive(const struct state *st, size_t *exclusive, size_t *present)
{
	for (int tries = 0; ; tries++) {
		int err = pagemap_read(pm_fd, st->reg.addr, st->span_pages, pm_entries);

		if (err)
			die("pagemap: %s", strerror(-err));
		*exclusive = *present = 0;
		for (size_t i = 0; i < st->pages; i++) {
			uint64_t e = pm_entries[st->offs[i] / page_size()];

			*present += !!(e & PM_PRESENT);
			*exclusive += !!(e & PM_MMAP_EXCLUSIVE);
		}
		if (*present == st->pages || tries == 10)
			return;
		sleep_ns(1000000ull << tries);
	}
}

static void state_destroy(struct state *st)
{
	proc_kill_children();
	barrier_destroy(st->ready);
	if (!st->unmapped)
		region_destroy(&st->reg);
	free(st->offs);
}

/*
 * Build the region, prove it is the backing it claims, fork the sharers and
 * prove they map it. 0, or -ENOTSUP with the reason in why.
 */
static int state_build(struct run *r, struct state *st, const struct backing *b,
		       long sharers, char *why, size_t len)
{
	size_t exclusive, present;
	int err;

	memset(st, 0, sizeof(*st));
	st->b = b;
	st->sharers = sharers;
	err = region_create(&st->reg, r->size, b, FILL_BYTE, why, len);
	if (!err) {
		err = region_verify(&st->reg, &st->check, why, len);
		st->verified = !err;
		if (err == -EPERM)
			err = 0;	/* said once by the caller; measured anyway */
	}
	if (err) {
		region_destroy(&st->reg);
		return err;
	}
	st->span_pages = r->size / page_size();
	st->offs = malloc(st->span_pages * sizeof(*st->offs));
	if (!st->offs)
		die("out of memory");
	for (size_t off = 0; off < r->size; off += page_size())
		if (region_page_mapped(&st->reg, off))
			st->offs[st->pages++] = off;
	st->folios = b->kind == BACKING_SMALL ? st->pages : r->size / b->folio_size;

	st->ready = barrier_create((unsigned)sharers + 1);
	if (!st->ready)
		die("barrier: %s", strerror(errno));
	for (long i = 0; i < sharers; i++) {
		pid_t pid = proc_fork();

		if (pid < 0)
			die("fork of sharer %ld: %s", i, strerror(errno));
		if (pid == 0) {
			if (cfg.selftest_unshared)
				munmap(st->reg.map, st->reg.map_len);
			barrier_wait(st->ready);
			for (;;)	/* until killed; proc_fork ties it to our life */
				pause();
		}
	}
	barrier_wait(st->ready);

	/* The sharers must really map the pages, or the numbers mean nothing. */
	count_exclusive(st, &exclusive, &present);
	if (present != st->pages) {
		snprintf(why, len, "%zu of %zu mapped pages present after fork (migrated or reclaimed)",
			 present, st->pages);
		state_destroy(st);
		return -ENOTSUP;
	}
	st->shared_pages = present - exclusive;
	if (sharers > 0 && exclusive > 0)
		die_violation("%s: %zu of %zu pages have PM_MMAP_EXCLUSIVE set while %ld sharers map them",
			      b->name, exclusive, present, sharers);
	return 0;
}

static void read_whole_file(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die("read %s: %s", path, strerror(errno));
	close(fd);
}

/*
 * madvise over the whole span: partial-thp's holes make it fail with ENOMEM
 * after the mapped parts were advised.
 */
static void advise(const struct state *st, int advice, const char *name)
{
	if (madvise(st->reg.addr, st->reg.len, advice) && !(errno == ENOMEM && st->pages < st->span_pages))
		die("madvise(%s): %s", name, strerror(errno));
}

/* The timed part of each operation. */
static void run_op(struct state *st, enum op_id op, int target_node)
{
	volatile char *base = st->reg.addr;
	long moved;
	pid_t pid;
	int err;

	switch (op) {
	case OP_FORK:
		pid = proc_fork();
		while (pid == 0)	/* the child maps the region until killed */
			pause();
		if (pid < 0)
			die("fork: %s", strerror(errno));
		break;
	case OP_COW:
	case OP_REUSE:
		for (size_t i = 0; i < st->pages; i++)
			base[st->offs[i]] = (char)op;
		break;
	case OP_MUNMAP:
		if (munmap(st->reg.map, st->reg.map_len))
			die("munmap: %s", strerror(errno));
		st->unmapped = true;
		break;
	case OP_SMAPS:
		read_whole_file("/proc/self/smaps");
		break;
	case OP_SMAPS_ROLLUP:
		read_whole_file("/proc/self/smaps_rollup");
		break;
	case OP_PAGEMAP:
		err = pagemap_read(pm_fd, st->reg.addr, st->span_pages, pm_entries);
		if (err)
			die("pagemap: %s", strerror(-err));
		break;
	case OP_COLD:
		advise(st, MADV_COLD, "MADV_COLD");
		break;
	case OP_PAGEOUT:
		advise(st, MADV_PAGEOUT, "MADV_PAGEOUT");
		break;
	case OP_MOVE_PAGES:
		/* MPOL_MF_MOVE leaves shared folios where they are: deciding that is part of the cost. */
		moved = numa_move_to_node(st->reg.addr, st->span_pages, target_node);
		if (moved < 0)
			die("move_pages: %s", strerror((int)-moved));
		break;
	case NR_OPS:
		break;
	}
}

/* Set up, time and check one operation on a built state, and write its row. */
static void measure_op(struct run *r, struct state *st, enum op_id op, unsigned rep,
		       bool record, double *slot)
{
	size_t exclusive = 0, present = 0;
	int node = 0, target = 0;
	struct sample s;
	double ns;

	if (op == OP_REUSE) {
		/* The sharers go first: what is timed is the reuse decision. */
		proc_kill_children();
	} else if (op == OP_MOVE_PAGES) {
		if (numa_pages_on_node(st->reg.addr, 1, 0, &node) < 0 || node < 0)
			die("cannot tell the NUMA node of the region");
		target = (node + 1) % numa_nodes();
	}
	sample_begin(r, &s);
	run_op(st, op, target);
	sample_end(r, &s);

	if (op == OP_COW || op == OP_REUSE) {
		/* After the parent wrote, every page it maps must be its own: else a sharer sees the write. */
		count_exclusive(st, &exclusive, &present);
		if (exclusive != present) {
			warn("%s, %s, %ld sharers: only %zu of %zu pages exclusive after the parent wrote",
			     st->b->name, op_names[op], st->sharers, exclusive, present);
			status = EXIT_VIOLATION;
		} else if (present != st->pages) {
			warn("%s, %s, %ld sharers: %zu of %zu pages not present after the parent wrote "
			     "(migrated or reclaimed)", st->b->name, op_names[op], st->sharers, st->pages - present,
			     st->pages);
		}
	}
	if (!record)
		return;
	ns = (double)(s.t1 - s.t0);
	*slot = ns / (double)st->pages;
	csv_str(&out, st->b->name);
	csv_i64(&out, st->sharers);
	csv_str(&out, op_names[op]);
	csv_str(&out, size_str);
	csv_u64(&out, rep);
	csv_dbl(&out, ns / (double)st->pages);
	csv_dbl(&out, ns / (double)st->folios);
	csv_u64(&out, s.t1 - s.t0);
	csv_u64(&out, st->pages);
	csv_u64(&out, st->folios);
	csv_str(&out, st->verified ? "yes" : "no");
	csv_u64(&out, st->check.thp_pages);
	csv_i64(&out, st->check.anon_huge_kb);
	csv_u64(&out, st->shared_pages);
	if (op == OP_COW || op == OP_REUSE)
		csv_u64(&out, exclusive);
	else
		csv_empty(&out);
	counter_cells(&out, r, &s, (double)st->pages);
	csv_end_row(&out);
}

static bool op_in_readonly_group(int op)
{
	for (size_t i = 0; i < NR_READONLY; i++)
		if ((int)readonly_ops[i] == op)
			return true;
	return false;
}

/*
 * One parameter point: the read-only operations on one state, then each
 * other operation on a state of its own. False if the backing cannot be built.
 */
static bool measure_point(struct run *r, int bi, int si, unsigned rep, bool record)
{
	const struct backing *b = &cfg.backings[bi];
	long sharers = cfg.sharers[si];
	bool any_readonly = false;
	struct state st;
	char why[256] = "";
	size_t i;

	for (i = 0; i < NR_READONLY; i++)
		any_readonly |= op_runs(readonly_ops[i], sharers);
	/* op -1 stands for the group of read-only operations. */
	for (int op = -1; op < NR_OPS; op++) {
		bool group = op < 0;
		int err;

		if (group ? !any_readonly : (op_in_readonly_group(op) || !op_runs(op, sharers)))
			continue;
		for (int attempt = 0; ; attempt++) {
			err = state_build(r, &st, b, sharers, why, sizeof(why));
			if (err != -ENOTSUP || attempt == BUILD_ATTEMPTS - 1)
				break;
			info("%s, %ld sharers: not as claimed (%s); building it again", b->name, sharers, why);
			rebuilds++;
			sleep_ns(100000000ull << attempt);
		}
		if (err == -ENOTSUP) {
			warn("%s: skipped from here on: %s", b->name, why);
			run_meta(r, b->name, "skipped: %s", why);
			return false;
		}
		if (err)
			die("%s: %s", b->name, why[0] ? why : strerror(-err));
		for (i = 0; i < (group ? NR_READONLY : 1); i++) {
			enum op_id o = group ? readonly_ops[i] : (enum op_id)op;

			if (op_runs(o, sharers))
				measure_op(r, &st, o, rep, record,
					   sample_slot(bi, si, o, record ? rep : 0, r->repeat));
		}
		state_destroy(&st);
	}
	return true;
}

/*
 * The table for a cover letter: median ns per page, and PTE-mapped THP /
 * small pages with a bootstrap 95% confidence interval of that ratio.
 */
static void print_summary(struct run *r, const bool *alive)
{
	int small = -1, pte = -1;
	double lo, hi;

	for (int bi = 0; bi < cfg.nbackings; bi++) {
		if (cfg.backings[bi].kind == BACKING_SMALL && alive[bi])
			small = bi;
		if (cfg.backings[bi].kind == BACKING_PTE_THP && alive[bi])
			pte = bi;
	}
	printf("median ns per 4 KiB page, %u repetitions, %s region\n%-13s %7s", r->repeat,
	       size_str, "op", "sharers");
	for (int bi = 0; bi < cfg.nbackings; bi++)
		printf(" %11s", cfg.backings[bi].name);
	printf("%s\n", small >= 0 && pte >= 0 ? "  pte-thp/small [95% CI]" : "");
	for (int op = 0; op < NR_OPS; op++) {
		for (int si = 0; si < cfg.nsharers; si++) {
			double *ps, *pp;

			if (!op_runs(op, cfg.sharers[si]))
				continue;
			printf("%-13s %7ld", op_names[op], cfg.sharers[si]);
			for (int bi = 0; bi < cfg.nbackings; bi++)
				printf(" %11.3f", alive[bi] ? median_of(sample_slot(bi, si, op, 0, r->repeat),
									 r->repeat) : NAN);
			if (small >= 0 && pte >= 0) {
				ps = sample_slot(small, si, op, 0, r->repeat);
				pp = sample_slot(pte, si, op, 0, r->repeat);
				printf("  %6.2f", median_of(pp, r->repeat) / median_of(ps, r->repeat));
				if (!bootstrap_ratio_ci(ps, r->repeat, pp, r->repeat, 2000, 0.95, 1, &lo, &hi))
					printf(" [%.2f, %.2f]", lo, hi);
			}
			printf("\n");
		}
	}
}

static const char *const counters[] = {
	"pgfault", "pgreuse", "thp_split_pmd", "thp_split_page", "thp_deferred_split_page",
	"pgdeactivate", "pswpout", "pgmigrate_success", NULL,
};

static int mapcount_run(struct run *r)
{
	struct csv_col cols[CSV_MAX_COLS] = {
		{ "backing", COL_PARAM }, { "sharers", COL_PARAM }, { "op", COL_PARAM },
		{ "size", COL_PARAM }, { "rep", COL_REP },
		{ "ns_per_page", COL_LOWER }, { "ns_per_folio", COL_LOWER }, { "elapsed_ns", COL_INFO },
		{ "pages", COL_INFO }, { "folios", COL_INFO }, { "backing_verified", COL_INFO },
		{ "thp_pages", COL_INFO }, { "anon_huge_kb", COL_INFO },
		{ "shared_pages", COL_INFO }, { "exclusive_after", COL_INFO },
	};
	struct swap_added added = { .kind = SWAP_ADDED_NONE };
	size_t nsamples;
	bool alive[MAX_BACKINGS];
	int ncols, nalive = 0;
	char reason[256] = "", list[128] = "";

	format_size(r->size, size_str, sizeof(size_str));
	if (r->ncpus && topo_bind_self(r->cpus[0]))
		warn("cannot bind to CPU %d", r->cpus[0]);
	if (!pagemap_pfns_visible())
		warn("page flags are only visible to root: backings are measured unverified");
	for (int bi = 0; bi < cfg.nbackings; bi++) {
		alive[bi] = backing_available(&cfg.backings[bi], reason, sizeof(reason)) == 0;
		if (!alive[bi]) {
			warn("%s: skipped: %s", cfg.backings[bi].name, reason);
			run_meta(r, cfg.backings[bi].name, "skipped: %s", reason);
		}
		nalive += alive[bi];
	}
	if (!nalive)
		run_skip(r, "no requested backing is available: %s", reason);
	decide_op_skips(r, &added);
	for (int i = 0; i < cfg.nsharers; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%ld", i ? "," : "", cfg.sharers[i]);
	run_meta(r, "sharers", "%s", list);

	nsamples = (size_t)cfg.nbackings * cfg.nsharers * NR_OPS * r->repeat;
	samples = malloc(nsamples * sizeof(*samples));
	pm_entries = calloc(r->size / page_size(), sizeof(*pm_entries));
	if (!samples || !pm_entries)
		die("out of memory");
	for (size_t i = 0; i < nsamples; i++)
		samples[i] = NAN;
	pm_fd = pagemap_open(0);
	if (pm_fd < 0)
		die("/proc/self/pagemap: %s", strerror(-pm_fd));

	ncols = counter_columns(r, cols, 15);
	if (run_csv_create(r, &out, "thp-mapcount.csv", cols, ncols))
		die("cannot create %s/thp-mapcount.csv: %s", r->dir, strerror(errno));
	csv_meta(&out, "per_op", "counter deltas per mapped 4 KiB page");
	for (unsigned rep = 0; rep < r->warmup + r->repeat; rep++) {
		bool record = rep >= r->warmup;

		for (int bi = 0; bi < cfg.nbackings; bi++) {
			info("%s %u: %s", record ? "repetition" : "warmup",
			     record ? rep - r->warmup + 1 : rep + 1, cfg.backings[bi].name);
			for (int si = 0; si < cfg.nsharers && alive[bi]; si++)
				alive[bi] = measure_point(r, bi, si, record ? rep - r->warmup : 0, record);
		}
	}
	run_meta(r, "rebuilds", "%u", rebuilds);
	if (run_csv_commit(&out))
		die("cannot write %s: %s", out.path, strerror(errno));
	close(pm_fd);
	if (added.kind != SWAP_ADDED_NONE && swap_remove(&added))
		warn("could not remove the swap added at %s; `cowbench restore` retries", added.path);
	print_summary(r, alive);
	free(pm_entries);
	free(samples);
	return status;
}

static const struct bench thp_mapcount = {
	.name = "thp-mapcount",
	.purpose = "times the mm operations that must decide whether a large folio is shared "
		   "(fork, COW and reuse write faults, munmap, /proc smaps and pagemap, "
		   "MADV_COLD/PAGEOUT, move_pages) on small pages, PMD-mapped THP, PTE-mapped "
		   "THP, partially mapped THP and mTHP, shared with 0..N sleeping children. "
		   "Backings are verified from pagemap/kpageflags/smaps; sharing from "
		   "PM_MMAP_EXCLUSIVE. Reports ns per 4 KiB page and per folio, and vmstat deltas "
		   "per page.",
	.example = "thp-mapcount --size 64M --sharers 1,16 --backing small,pte-thp --ops fork,cow,smaps",
	.options = options,
	.parse = mapcount_parse,
	.validate = mapcount_validate,
	.run = mapcount_run,
	.counters = counters,
	.default_size = 256 << 20,
	.default_repeat = 5,
	.default_warmup = 1,
};

int main(int argc, char **argv)
{
	return bench_main(&thp_mapcount, argc, argv);
}
