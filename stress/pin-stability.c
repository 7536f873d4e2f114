/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin-stability: pin anonymous memory long-term with io_uring fixed buffers,
 * disturb it the ways that once broke pins (lib/disturb: khugepaged at full
 * speed, compaction, NUMA balancing, pressure, forks, MADV_PAGEOUT, PMD
 * splits) and check every interval that each pinned page is still the page
 * the process maps: same PFN, and data the kernel writes through the pin
 * (READ_FIXED) arrives in the mapping. The unpinned control must see pages move.
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
#include "disturb.h"
#include "opt.h"
#include "pagemap.h"
#include "pin.h"
#include "proc.h"
#include "region.h"

#define CHUNK (2ul << 20)	/* unit of READ_FIXED and size of the pattern file */
#define DEVICE_SAMPLE 64	/* pages the pin holder reads back per interval */
#define MAX_REPORTS 20		/* violation lines printed per phase */
#define FILL_BYTE 0x5a

static struct {
	struct backing backing;
	uint64_t duration_ns, control_ns;
	bool duration_given, control_given, unpinned, disturb_given;
	char disturb_list[160];	/* what ran, '+'-separated (no commas in CSV cells) */
	struct disturber d;
} cfg = { .duration_ns = 60000000000ull, .d.interval_ns = 1000000000ull };

/* Bits of phase.flags[page]. */
enum { PAGE_MOVED = 1, PAGE_PFN_REPORTED = 2, PAGE_DATA_REPORTED = 4 };

struct phase {
	bool pinned;
	const char *mode;		/* "pinned" or "unpinned" */
	struct region region;
	struct pin pin;
	size_t npages;
	uint64_t *ref, *prev, *cur;	/* PFN per page: when pinned, at the last check, now */
	uint8_t *flags;
	uint64_t *pattern;		/* CHUNK bytes: what the "device" writes this interval */
	uint64_t *seen;			/* DEVICE_SAMPLE pages read back through the pin */
	int pattern_fd, pagemap_fd;
	uint32_t gen;
	uint64_t t0;
	char verified[160];
	/* results */
	unsigned intervals, reports;
	uint64_t page_checks, data_checks, pfns_moved, pages_moved;
	uint64_t pfn_violations, data_violations, device_violations, check_ns;
};

static const struct bench_option options[] = {
	{ "backing", "KIND", "thp (MADV_HUGEPAGE, PMD-mapped) or small (default thp)" },
	{ "duration", "DUR", "how long to disturb and check, e.g. 30s, 10m (default 60s; --quick 10s)" },
	{ "interval", "DUR", "time between checks of every page (default 1s)" },
	{ "disturb", "LIST", "khugepaged,compaction,numa,pressure,fork-write,fork-exec,pageout,mprotect, "
	  "all or none (default all)" },
	{ "unpinned", NULL, "only the negative control: the same disturbances on memory nobody pins" },
	{ "control", "DUR", "unpinned control phase after the pinned one, 0 for none "
	  "(default a quarter of --duration, 5s to 60s)" },
	{ "pressure-size", "SIZE", "memory the pressure helper churns (default --size, at most 1/8 of free memory)" },
	{ NULL, NULL, NULL },
};

static const char *const counters[] = {
	"thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_split_pmd",
	"compact_stall", "compact_fail", "compact_success", "compact_migrate_scanned",
	"compact_free_scanned", "compact_isolated", "compact_daemon_wake",
	"pgmigrate_success", "pgmigrate_fail", "thp_migration_success", "thp_migration_fail",
	"numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_pages_migrated",
	"pswpout", NULL,
};

static int ps_parse(struct run *r, int index, const char *arg)
{
	int err;

	switch (index) {
	case 0:
		err = backing_parse(arg, &cfg.backing);
		if (!err && cfg.backing.kind != BACKING_SMALL && cfg.backing.kind != BACKING_THP) {
			snprintf(opt_error, sizeof(opt_error), "'%s': pin-stability takes thp or small", arg);
			err = -EINVAL;
		}
		return err;
	case 1:
		cfg.duration_given = true;
		return parse_duration_ns(arg, &cfg.duration_ns);
	case 2:
		return parse_duration_ns(arg, &cfg.d.interval_ns);
	case 3:
		cfg.disturb_given = true;
		return disturb_parse(arg, cfg.d.on);
	case 4:
		cfg.unpinned = true;
		return 0;
	case 5:
		cfg.control_given = true;
		return parse_duration_ns(arg, &cfg.control_ns);
	case 6:
		err = parse_size(arg, &cfg.d.pressure_size);
		if (!err && (cfg.d.pressure_size < CHUNK || cfg.d.pressure_size % page_size())) {
			snprintf(opt_error, sizeof(opt_error), "at least 2M, in whole pages");
			err = -EINVAL;
		}
		return err;
	}
	return -EINVAL;
}

static int ps_validate(struct run *r)
{
	uint64_t free_bytes = (uint64_t)sysconf(_SC_AVPHYS_PAGES) * page_size();

	if (!cfg.backing.name[0])
		backing_parse("thp", &cfg.backing);
	if (!cfg.disturb_given)
		disturb_parse("all", cfg.d.on);
	if (r->quick) {
		if (!r->size_given)
			r->size = 128 << 20;
		if (!cfg.duration_given)
			cfg.duration_ns = 10000000000ull;
	}
	if (!cfg.control_given) {
		cfg.control_ns = cfg.duration_ns / 4;
		cfg.control_ns = cfg.control_ns < 5000000000ull ? 5000000000ull :
				 cfg.control_ns > 60000000000ull ? 60000000000ull : cfg.control_ns;
	}
	if (r->repeat != 1 || r->warmup) {
		snprintf(opt_error, sizeof(opt_error), "--repeat/--warmup: one pinned phase per run; "
			 "use --duration for longer");
		return -EINVAL;
	}
	if (cfg.d.interval_ns < 10000000ull || cfg.d.interval_ns > cfg.duration_ns) {
		snprintf(opt_error, sizeof(opt_error), "--interval must be between 10ms and --duration");
		return -EINVAL;
	}
	if (r->size % cfg.backing.folio_size) {
		snprintf(opt_error, sizeof(opt_error), "--size must be a multiple of %zuK for backing %s",
			 cfg.backing.folio_size >> 10, cfg.backing.name);
		return -EINVAL;
	}
	if (!cfg.d.pressure_size)
		cfg.d.pressure_size = r->size < free_bytes / 8 ? r->size : free_bytes / 8 / CHUNK * CHUNK;
	return 0;
}

/* Kilobytes this process has pinned (VmPin), -1 when unknown. */
static long vm_pinned_kb(void)
{
	uint64_t bytes;

	return proc_kb_field("/proc/self/status", "VmPin", &bytes) ? -1 : (long)(bytes >> 10);
}

/* ---- checks ---- */

/* What the "device" writes into every word of a page, by page index within its 2M chunk. */
static inline uint64_t device_stamp(uint32_t gen, size_t page_in_chunk)
{
	return 0xdaull << 56 | (uint64_t)gen << 24 | page_in_chunk;
}

/* What the process writes into word 1 of every page. */
static inline uint64_t cpu_stamp(uint32_t gen, size_t page)
{
	return 0xc0ull << 56 | (uint64_t)gen << 24 | (page & 0xffffff);
}

static void report(struct run *r, struct phase *ph, size_t page, const char *what, unsigned active)
{
	char act[160], line[512];
	uint64_t old = ph->ref ? ph->ref[page] : ph->prev[page];

	disturb_mask_names(active, act, sizeof(act));
	snprintf(line, sizeof(line), "%s at offset %#zx (page %zu), %.3f s into the %s phase, during %s: "
		 "PFN %#" PRIx64 " -> %#" PRIx64, what, page * page_size(), page,
		 (double)(now_ns() - ph->t0) / 1e9, ph->mode, act, old, pm_pfn(ph->cur[page]));
	if (ph->reports++ < MAX_REPORTS)
		warn("VIOLATION: %s", line);
	else if (ph->reports == MAX_REPORTS + 1)
		warn("more violations: only counted from here on");
	if (ph->reports == 1)
		run_meta(r, "first_violation", "%s", line);
}

static uint64_t violations(const struct phase *ph)
{
	return ph->pfn_violations + ph->data_violations + ph->device_violations;
}

/* Every page's PFN against the pinned one (and the last seen, to count moves). */
static uint64_t check_pfns(struct run *r, struct phase *ph, unsigned active)
{
	uint64_t moved = 0;
	size_t i;
	int err;

	if ((err = pagemap_read(ph->pagemap_fd, ph->region.addr, ph->npages, ph->cur)))
		die("pagemap: %s", strerror(-err));
	for (i = 0; i < ph->npages; i++) {
		uint64_t pfn = pm_pfn(ph->cur[i]);

		ph->page_checks++;
		if (pfn != ph->prev[i]) {
			moved++;
			if (!(ph->flags[i] & PAGE_MOVED))
				ph->pages_moved++;
			ph->flags[i] |= PAGE_MOVED;
		}
		if (ph->ref && pfn != ph->ref[i] && !(ph->flags[i] & PAGE_PFN_REPORTED)) {
			ph->flags[i] |= PAGE_PFN_REPORTED;
			ph->pfn_violations++;
			report(r, ph, i, "pinned page replaced", active);
		}
		ph->prev[i] = pfn;
	}
	ph->pfns_moved += moved;
	return moved;
}

/*
 * The "device" writes a fresh pattern through the pin (READ_FIXED of the
 * pattern file; unpinned: a plain read into the mapping) and the process
 * must see it. Then the process writes through its mapping: a page wrongly
 * shared would be copied here, and the next PFN check catches it.
 */
static void check_data(struct run *r, struct phase *ph, unsigned active)
{
	size_t ps = page_size(), ppc = CHUNK / ps, i, off;
	int err;

	ph->gen++;
	for (i = 0; i < CHUNK / sizeof(uint64_t); i++)
		ph->pattern[i] = device_stamp(ph->gen, i * sizeof(uint64_t) / ps);
	if (pwrite(ph->pattern_fd, ph->pattern, CHUNK, 0) != (ssize_t)CHUNK)
		die("pattern file: %s", strerror(errno));
	for (off = 0; off < ph->region.len; off += CHUNK) {
		size_t n = ph->region.len - off < CHUNK ? ph->region.len - off : CHUNK;

		if (ph->pinned)
			err = pin_read_fixed(&ph->pin, ph->pattern_fd, 0, ph->region.addr + off, n);
		else
			err = pread(ph->pattern_fd, ph->region.addr + off, n, 0) == (ssize_t)n ? 0 : -EIO;
		if (err)
			die("%s of the pattern at offset %#zx: %s", ph->pinned ? "READ_FIXED" : "read", off,
			    strerror(-err));
	}
	for (i = 0; i < ph->npages; i++) {
		volatile uint64_t *w = (volatile uint64_t *)(ph->region.addr + i * ps);
		uint64_t want = device_stamp(ph->gen, i % ppc);

		ph->data_checks++;
		if ((w[0] != want || w[ps / 8 - 1] != want) && !(ph->flags[i] & PAGE_DATA_REPORTED)) {
			ph->flags[i] |= PAGE_DATA_REPORTED;
			ph->data_violations++;
			report(r, ph, i, ph->pinned ? "data written through the pin did not arrive in the mapping" :
			       "data read into the mapping did not arrive", active);
		}
		w[1] = cpu_stamp(ph->gen, i);
	}
}

/* The pin holder reads back a rotating sample and must see the process's writes. */
static void check_device(struct run *r, struct phase *ph, unsigned active)
{
	size_t ps = page_size(), n = ph->npages < DEVICE_SAMPLE ? ph->npages : DEVICE_SAMPLE;
	size_t stride = ph->npages / n, first = ph->gen % stride, offs[DEVICE_SAMPLE], i;
	int err;

	for (i = 0; i < n; i++)
		offs[i] = (first + i * stride) * ps;
	if ((err = pin_device_read_pages(&ph->pin, offs, n, ph->seen)))
		die("reading back through the pin: %s", strerror(-err));
	for (i = 0; i < n; i++) {
		size_t page = first + i * stride;

		ph->data_checks++;
		if (ph->seen[i * ps / 8 + 1] != cpu_stamp(ph->gen, page)) {
			ph->device_violations++;
			report(r, ph, page, "the pin holder does not see the process's write", active);
		}
	}
}

/* ---- output ---- */

enum { T_MODE, T_INTERVAL, T_TIME, T_CHECKS, T_VIOL, T_MOVED, T_MOVED_TOTAL, T_CHECK_MS, T_DISTURB_MS,
       T_ACTIVE, NR_T };
static const struct csv_col ts_fixed[NR_T] = {
	{ "mode", COL_PARAM }, { "interval", COL_INFO }, { "t_s", COL_INFO }, { "page_checks", COL_INFO },
	{ "violations", COL_INFO }, { "pfns_moved", COL_INFO }, { "pages_moved_total", COL_INFO },
	{ "check_ms", COL_INFO }, { "disturb_ms", COL_INFO }, { "active", COL_INFO },
};

enum { S_MODE, S_BACKING, S_SIZE, S_DISTURB, S_INTERVAL, S_DURATION, S_INTERVALS, S_PAGES, S_VERIFIED,
       S_PAGE_CHECKS, S_DATA_CHECKS, S_VIOL, S_PFN_VIOL, S_DATA_VIOL, S_DEV_VIOL, S_MOVED, S_PAGES_MOVED,
       S_CHECK_MS, NR_S };
static const struct csv_col sum_fixed[NR_S] = {
	{ "mode", COL_PARAM }, { "backing", COL_PARAM }, { "size", COL_PARAM }, { "disturb", COL_PARAM },
	{ "interval_s", COL_PARAM }, { "duration_s", COL_INFO }, { "intervals", COL_INFO },
	{ "pages", COL_INFO }, { "verified", COL_INFO }, { "page_checks", COL_INFO },
	{ "data_checks", COL_INFO }, { "violations", COL_LOWER }, { "pfn_violations", COL_LOWER },
	{ "data_violations", COL_LOWER }, { "device_violations", COL_LOWER }, { "pfns_moved", COL_INFO },
	{ "pages_moved", COL_INFO }, { "check_ms_mean", COL_LOWER },
};

/* Fixed columns, one per disturbance count, then the vmstat counters (raw deltas or per interval). */
static int make_columns(struct run *r, struct csv_col *cols, bool summary)
{
	int n = summary ? NR_S : NR_T, i;

	memcpy(cols, summary ? sum_fixed : ts_fixed, sizeof(cols[0]) * (size_t)n);
	for (i = 0; i < NR_DISTURB_COUNTS; i++, n++) {
		cols[n] = (struct csv_col){ .kind = COL_INFO };
		snprintf(cols[n].name, sizeof(cols[n].name), "%s", disturb_count_names[i]);
	}
	if (summary) {
		cols[n] = (struct csv_col){ "result", COL_INFO };
		return counter_columns(r, cols, n + 1);
	}
	for (i = 0; counters[i]; i++, n++) {
		cols[n] = (struct csv_col){ .kind = COL_INFO };
		snprintf(cols[n].name, sizeof(cols[n].name), "%s", counters[i]);
	}
	return n;
}

static void write_ts_row(struct csv *c, const struct phase *ph, uint64_t t, uint64_t moved, uint64_t viol,
			 uint64_t check_ns, uint64_t disturb_ns, unsigned active, const uint64_t *then,
			 const uint64_t *now, const struct vmstat *before, const struct vmstat *after)
{
	char act[160];
	int64_t d;
	int i;

	disturb_mask_names(active, act, sizeof(act));
	csv_str(c, ph->mode);
	csv_u64(c, ph->intervals);
	csv_dbl(c, t > ph->t0 ? (double)(t - ph->t0) / 1e9 : 0);
	csv_u64(c, ph->npages);
	csv_u64(c, viol);
	csv_u64(c, moved);
	csv_u64(c, ph->pages_moved);
	csv_dbl(c, (double)check_ns / 1e6);
	csv_dbl(c, ph->intervals ? (double)disturb_ns / 1e6 : NAN);
	csv_str(c, act);
	for (i = 0; i < NR_DISTURB_COUNTS; i++)
		csv_u64(c, now[i] - then[i]);
	for (i = 0; counters[i]; i++)
		vmstat_delta(before, after, counters[i], &d) ? csv_i64(c, d) : csv_empty(c);
	csv_end_row(c);
}

static const char *phase_result(const struct phase *ph)
{
	if (violations(ph))
		return "VIOLATION";
	if (ph->pinned)
		return "no pinned page moved";
	return ph->pages_moved ? "pages moved: the checker sees moves" : "no page moved: control inconclusive";
}

static void write_summary(struct run *r, struct csv *c, const struct phase *ph, const struct sample *s,
			  const uint64_t *base, const uint64_t *end)
{
	char size[32];
	int i;

	csv_str(c, ph->mode);
	csv_str(c, cfg.backing.name);
	csv_str(c, format_size(r->size, size, sizeof(size)));
	csv_str(c, cfg.disturb_list);
	csv_dbl(c, (double)cfg.d.interval_ns / 1e9);
	csv_dbl(c, (double)(s->t1 - s->t0) / 1e9);
	csv_u64(c, ph->intervals);
	csv_u64(c, ph->npages);
	csv_str(c, ph->verified);
	csv_u64(c, ph->page_checks);
	csv_u64(c, ph->data_checks);
	csv_u64(c, violations(ph));
	csv_u64(c, ph->pfn_violations);
	csv_u64(c, ph->data_violations);
	ph->pinned ? csv_u64(c, ph->device_violations) : csv_empty(c);
	csv_u64(c, ph->pfns_moved);
	csv_u64(c, ph->pages_moved);
	csv_dbl(c, (double)ph->check_ns / 1e6 / ph->intervals);
	for (i = 0; i < NR_DISTURB_COUNTS; i++)
		csv_u64(c, end[i] - base[i]);
	csv_str(c, phase_result(ph));
	counter_cells(c, r, s, ph->intervals);
	csv_end_row(c);
}

/* ---- phases ---- */

/*
 * Build the region, pin it (or not), prove it is what it claims, record its
 * PFNs. -ENOTSUP (why filled) when the kernel cannot give the backing now.
 */
static int phase_setup(struct run *r, struct phase *ph, char *why, size_t whylen)
{
	size_t ps = page_size(), i;
	struct region_check chk;
	long pinned_kb = -1;
	int err;

	err = region_create(&ph->region, r->size, &cfg.backing, FILL_BYTE, why, whylen);
	if (!err)
		err = region_verify(&ph->region, &chk, why, whylen);
	if (err == -ENOTSUP) {
		region_destroy(&ph->region);
		return err;
	}
	if (err)
		die("%s backing: %s", cfg.backing.name, why);
	ph->npages = r->size / ps;
	ph->ref = ph->pinned ? calloc(ph->npages, sizeof(uint64_t)) : NULL;
	ph->prev = calloc(ph->npages, sizeof(uint64_t));
	ph->cur = calloc(ph->npages, sizeof(uint64_t));
	ph->flags = calloc(ph->npages, 1);
	ph->pattern = malloc(CHUNK);
	ph->seen = malloc(DEVICE_SAMPLE * ps);
	if ((ph->pinned && !ph->ref) || !ph->prev || !ph->cur || !ph->flags || !ph->pattern || !ph->seen)
		die("out of memory");
	ph->pattern_fd = memfd_create("cowbench-pattern", MFD_CLOEXEC);
	if (ph->pattern_fd < 0)
		die("memfd_create: %s", strerror(errno));
	ph->pagemap_fd = pagemap_open(0);
	if (ph->pagemap_fd < 0)
		die("pagemap: %s", strerror(-ph->pagemap_fd));
	if (ph->pinned) {
		err = pin_create(&ph->pin, PIN_IOURING, ph->region.addr, ph->region.len, why, whylen);
		if (err == -ENOTSUP)
			run_skip(r, "io_uring pin: %s", why);
		if (err)
			die("io_uring pin of %zu bytes: %s", ph->region.len, why);
		pinned_kb = vm_pinned_kb();
		if (pinned_kb >= 0 && (size_t)pinned_kb < ph->region.len >> 10)
			warn("VmPin says %ld kB pinned, expected %zu kB", pinned_kb, ph->region.len >> 10);
	}
	snprintf(ph->verified, sizeof(ph->verified), "%s: %zu/%zu pages in THPs; VmPin %ld kB",
		 cfg.backing.name, chk.thp_pages, chk.pages, pinned_kb);
	if ((err = pagemap_read(ph->pagemap_fd, ph->region.addr, ph->npages, ph->cur)))
		die("pagemap: %s", strerror(-err));
	for (i = 0; i < ph->npages; i++) {
		ph->prev[i] = pm_pfn(ph->cur[i]);
		if (ph->ref)
			ph->ref[i] = ph->prev[i];
	}
	/* Small pages become candidates for khugepaged to collapse (and, if pinned, to refuse). */
	if (cfg.d.on[DISTURB_KHUGEPAGED] && cfg.backing.kind == BACKING_SMALL &&
	    madvise(ph->region.addr, ph->region.len, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE): %s", strerror(errno));
	return 0;
}

/*
 * Test hook, after the first disturbance round: zap one pinned page and
 * fault in a new one, the state the old kernel bugs left behind, so the
 * tests can prove that every check catches it.
 */
static void test_replace_pinned_page(struct phase *ph)
{
	char *p = ph->region.addr + ph->region.len / 2 + 3 * page_size();

	if (madvise(p, page_size(), MADV_DONTNEED))
		die("test hook: madvise: %s", strerror(errno));
	*(volatile char *)p = 1;
}

static void phase_teardown(struct phase *ph)
{
	if (ph->pinned)
		pin_release(&ph->pin);
	region_destroy(&ph->region);
	close(ph->pattern_fd);
	close(ph->pagemap_fd);
	free(ph->ref);
	free(ph->prev);
	free(ph->cur);
	free(ph->flags);
	free(ph->pattern);
	free(ph->seen);
}

static int run_phase(struct run *r, struct phase *ph, bool pinned, uint64_t duration,
		     struct csv *ts, struct csv *sum)
{
	struct sample *s = malloc(sizeof(*s));
	struct vmstat *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after)), *tmp;
	uint64_t base[NR_DISTURB_COUNTS], then[NR_DISTURB_COUNTS], now[NR_DISTURB_COUNTS];
	uint64_t t, moved, viol, check_t0, disturb_ns = 0;
	unsigned active;
	bool said_slow = false;
	char why[512];

	if (!s || !before || !after)
		die("out of memory");
	memset(ph, 0, sizeof(*ph));
	ph->pinned = pinned;
	ph->mode = pinned ? "pinned" : "unpinned";
	if (phase_setup(r, ph, why, sizeof(why))) {
		/* Under the disturbances THPs may be short: a control that cannot run keeps the pinned results. */
		if (pinned || cfg.unpinned)
			run_skip(r, "%s backing (%s phase): %s", cfg.backing.name, ph->mode, why);
		warn("unpinned control skipped: %s backing: %s", cfg.backing.name, why);
		run_meta(r, "unpinned_result", "skipped: %s", why);
		free(s);
		free(before);
		free(after);
		return EXIT_MEASURED;
	}
	disturb_target(&cfg.d, ph->region.addr, ph->region.len);
	disturb_counts(&cfg.d, base);
	memcpy(then, base, sizeof(then));
	vmstat_read(before);
	sample_begin(r, s);
	ph->t0 = now_ns();
	for (;;) {
		/* Interval 0 is the baseline, before this process disturbs anything. */
		t = now_ns();
		disturb_counts(&cfg.d, now);
		vmstat_read(after);
		active = disturb_active(&cfg.d, then, now);
		viol = violations(ph);
		check_t0 = now_ns();
		moved = check_pfns(r, ph, active);
		check_data(r, ph, active);
		if (ph->pinned)
			check_device(r, ph, active);
		ph->check_ns += now_ns() - check_t0;
		write_ts_row(ts, ph, t, moved, violations(ph) - viol, now_ns() - check_t0, disturb_ns, active,
			     then, now, before, after);
		memcpy(then, now, sizeof(then));
		tmp = before, before = after, after = tmp;
		ph->intervals++;
		if (now_ns() - ph->t0 >= duration)
			break;
		t = now_ns();
		disturb_round(&cfg.d);
		disturb_ns = now_ns() - t;
		if (disturb_ns > cfg.d.interval_ns && !said_slow) {
			/* Usually fork: it copies every pinned page for the child. */
			info("%s: a disturbance round took %.1f s, longer than --interval: checks are further apart",
			     ph->mode, (double)disturb_ns / 1e9);
			said_slow = true;
		}
		if (ph->pinned && ph->intervals == 1 && getenv("COWBENCH_TEST_REPLACE_PINNED_PAGE"))
			test_replace_pinned_page(ph);
		t = ph->t0 + ph->intervals * cfg.d.interval_ns;
		if (t > now_ns())
			sleep_ns(t - now_ns());
	}
	sample_end(r, s);
	disturb_untarget(&cfg.d);
	disturb_counts(&cfg.d, now);
	write_summary(r, sum, ph, s, base, now);
	info("%s %s: %" PRIu64 " violations in %" PRIu64 " checks over %u intervals; %" PRIu64
	     " of %zu pages moved; khugepaged full scans +%" PRIu64 ", collapsed +%" PRIu64
	     "; compactions %" PRIu64 "; forks %" PRIu64 "+%" PRIu64 ": %s", ph->mode, cfg.backing.name,
	     violations(ph), ph->page_checks + ph->data_checks, ph->intervals, ph->pages_moved, ph->npages,
	     now[DC_KHUGEPAGED_FULL_SCANS] - base[DC_KHUGEPAGED_FULL_SCANS],
	     now[DC_KHUGEPAGED_COLLAPSED] - base[DC_KHUGEPAGED_COLLAPSED],
	     now[DC_COMPACTIONS] - base[DC_COMPACTIONS], now[DC_FORKS_WRITE] - base[DC_FORKS_WRITE],
	     now[DC_FORKS_EXEC] - base[DC_FORKS_EXEC], phase_result(ph));
	run_meta(r, pinned ? "pinned_result" : "unpinned_result", "%s", phase_result(ph));
	if (!pinned && !ph->pages_moved)
		warn("the unpinned control saw no page move: a clean pinned run proves less than it seems");
	phase_teardown(ph);
	free(s);
	free(before);
	free(after);
	return violations(ph) ? EXIT_VIOLATION : EXIT_MEASURED;
}

static void setup_disturbances(struct run *r)
{
	char skipped[256], notes[256], why[256];
	int i, err;

	err = disturb_setup(&cfg.d, skipped, sizeof(skipped), notes, sizeof(notes));
	if (err == -ENOTSUP)
		run_skip(r, "%s", skipped);
	if (err)
		die("%s", skipped);
	if (skipped[0]) {
		warn("%s", skipped);
		run_meta(r, "skipped_disturbances", "%s", skipped);
	}
	if (notes[0])
		run_meta(r, "notes", "%s", notes);
	for (i = 0; i < NR_DISTURB; i++)
		if (cfg.d.on[i])
			snprintf(cfg.disturb_list + strlen(cfg.disturb_list),
				 sizeof(cfg.disturb_list) - strlen(cfg.disturb_list), "%s%s",
				 cfg.disturb_list[0] ? "+" : "", disturb_names[i]);
	if (!cfg.disturb_list[0])
		snprintf(cfg.disturb_list, sizeof(cfg.disturb_list), "none");
	run_meta(r, "disturbances", "%s", cfg.disturb_list);
	/* Helpers first: forked before any region exists, they share none of it. */
	err = disturb_start(&cfg.d, why, sizeof(why));
	if (err)
		die("disturbance helpers: %s", why);
	if (why[0])
		warn("%s", why);
	if (cfg.d.on[DISTURB_PRESSURE])
		run_meta(r, "pressure", "%" PRIu64 " MiB churned per cycle%s", cfg.d.pressure_size >> 20,
			 why[0] ? " (no memory cgroup)" : " in a memory cgroup");
}

static int ps_run(struct run *r)
{
	struct csv ts, sum;
	struct csv_col cols[CSV_MAX_COLS];
	struct phase *ph = calloc(1, sizeof(*ph));
	int status = EXIT_MEASURED, st, n;
	char why[512];

	if (!ph)
		die("out of memory");
	if (!pagemap_pfns_visible())
		run_skip(r, "PFNs are only visible to root (CAP_SYS_ADMIN): there is nothing to check against");
	if (backing_available(&cfg.backing, why, sizeof(why)))
		run_skip(r, "%s", why);
	if (!cfg.unpinned && pin_probe(PIN_IOURING, r->size, why, sizeof(why)))
		run_skip(r, "io_uring pin: %s", why);
	if (r->ncpus) {
		/* Helpers and fork children inherit it. */
		cpu_set_t set;

		CPU_ZERO(&set);
		for (n = 0; n < r->ncpus; n++)
			CPU_SET(r->cpus[n], &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("cannot run on --cpus: %s", strerror(errno));
	}
	setup_disturbances(r);
	n = make_columns(r, cols, false);
	if (run_csv_create(r, &ts, "pin-stability-timeseries.csv", cols, n))
		die("cannot create %s/pin-stability-timeseries.csv: %s", r->dir, strerror(errno));
	n = make_columns(r, cols, true);
	if (run_csv_create(r, &sum, "pin-stability.csv", cols, n))
		die("cannot create %s/pin-stability.csv: %s", r->dir, strerror(errno));
	csv_meta(&sum, "counters", "the *_per_op columns are per interval");
	if (!cfg.unpinned)
		status = run_phase(r, ph, true, cfg.duration_ns, &ts, &sum);
	if (cfg.unpinned || cfg.control_ns) {
		st = run_phase(r, ph, false, cfg.unpinned ? cfg.duration_ns : cfg.control_ns, &ts, &sum);
		status = status ? status : st;
	}
	if (cfg.d.shared && cfg.d.shared->compact_errno)
		warn("writing compact_memory failed: %s", strerror(cfg.d.shared->compact_errno));
	disturb_stop(&cfg.d);
	if (run_csv_commit(&ts) || run_csv_commit(&sum))
		die("cannot write the CSV files in %s", r->dir);
	free(ph);
	return status;
}

static const struct bench pin_stability = {
	.name = "pin-stability",
	.purpose = "pins anonymous memory long-term with io_uring fixed buffers and disturbs it "
		   "(khugepaged at full speed, compaction, NUMA balancing, memory pressure, forks, "
		   "MADV_PAGEOUT, PMD splits); every interval each pinned page must keep its PFN and "
		   "data written through the pin must arrive in the mapping (a violation is exit 1). "
		   "An unpinned control phase runs the same disturbances and must see pages move.",
	.example = "pin-stability --size 1G --backing thp --duration 10m --disturb all",
	.options = options,
	.parse = ps_parse,
	.validate = ps_validate,
	.run = ps_run,
	.counters = counters,
	.default_size = 1ull << 30,
	.default_repeat = 1,
	.default_warmup = 0,
};

int main(int argc, char **argv)
{
	return bench_main(&pin_stability, argc, argv);
}
