/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swap-dirty: writers dirty a large region inside a memory cgroup whose
 * limit forces it to swap, and every write proves the page still held what
 * was last written there (lib/dirty). The monitor, outside the cgroup,
 * samples the dirty rate, vmstat (pgreuse, pswpin/out, swap readahead),
 * cgroup usage, memory PSI and write latency every interval, and reports
 * an OOM kill in the cgroup instead of waiting on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "cgroup.h"
#include "clock.h"
#include "dirty.h"
#include "opt.h"
#include "pagemap.h"
#include "proc.h"
#include "swap.h"

#define NS 1e9
#define MIB (1024.0 * 1024.0)
#define SEC 1000000000ull

static const char *const pattern_names[] = { "seq", "random", NULL };

static struct {
	struct dirty_config dc;
	uint64_t memory_limit, swap_limit, duration_ns, interval_ns;
	bool swap_auto, limit_given, duration_given;
	const char *make_swap;
} cfg = { .dc = { .threads = 1, .corrupt_page = -1 }, .memory_limit = 1ull << 30, .swap_auto = true,
	  .duration_ns = 60 * SEC, .interval_ns = SEC };

static const char *const counters[] = {
	"pgfault", "pgmajfault", "pgreuse", "pswpin", "pswpout", "swap_ra", "swap_ra_hit", NULL,
};
enum { C_PGREUSE = 2, C_PSWPIN = 3, C_PSWPOUT = 4, NCOUNTERS = 7 };

/* What the monitor sees at one instant. */
struct snap {
	uint64_t t, psi_some, psi_full;
	bool psi;
	struct dirty_progress p;
	struct vmstat vm;
	struct hist lat;
};

/* Sums over intervals: steady ones (every writer past its first pass), and all writing ones. */
struct acc {
	double s, pages, cnt[NCOUNTERS], psi_some, psi_full;
	bool has_cnt[NCOUNTERS], psi;
	struct hist lat;
};
struct totals {
	struct acc steady, writing;
	uint64_t mem_max, swap_max;
	bool cg_mem, cg_swap;
};

static struct cgroup cg;
static bool have_cg;
static char psi_path[PATH_MAX + 32] = "/proc/pressure/memory";

/* Cumulative stall time (us) from a PSI file: "some ... total=N" and "full ... total=N". */
static bool read_psi(uint64_t *some, uint64_t *full)
{
	char line[256], *tot;
	unsigned long long v;
	FILE *f = fopen(psi_path, "re");
	int n = 0;

	while (f && fgets(line, sizeof(line), f)) {
		tot = strstr(line, "total=");
		if (tot && sscanf(tot, "total=%llu", &v) == 1 && (line[0] == 's' || line[0] == 'f')) {
			*(line[0] == 's' ? some : full) = v;
			n++;
		}
	}
	if (f)
		fclose(f);
	return n == 2;
}

static void take_snap(const struct dirty_shared *sh, struct snap *s)
{
	s->t = now_ns();
	dirty_progress(sh, cfg.dc.threads, &s->p, &s->lat);
	vmstat_read(&s->vm);
	s->psi = read_psi(&s->psi_some, &s->psi_full);
}

static double per_s(double v, double s)
{
	return s > 0 ? v / s : NAN;
}

/* One timeseries row for the interval (a, b]; steady intervals add to the totals. */
static void interval_row(struct csv *ts, unsigned rep, const struct dirty_shared *sh,
			 const struct snap *a, const struct snap *b, struct totals *tot)
{
	double dt = (double)(b->t - a->t) / NS, pages = (double)(b->p.pages - a->p.pages);
	bool steady = a->p.phase == DIRTY_DIRTYING && b->p.phase == DIRTY_DIRTYING;
	bool psi = a->psi && b->psi;
	uint64_t mem = 0, swap = 0;
	bool has_mem = have_cg && !cgroup_memory_current(&cg, &mem);
	bool has_swap = have_cg && !cgroup_swap_current(&cg, &swap);
	bool writing = b->p.phase <= DIRTY_DIRTYING;
	double rate[NCOUNTERS], cnt[NCOUNTERS];
	bool has_cnt[NCOUNTERS];
	struct acc *acc[2] = { steady ? &tot->steady : NULL, writing ? &tot->writing : NULL };
	struct hist lat;
	char sw[32];
	int64_t d;
	int i, k;

	dirty_hist_delta(&lat, &a->lat, &b->lat);
	csv_u64(ts, rep);
	csv_dbl(ts, (double)(b->t - sh->t0) / NS);
	csv_str(ts, dirty_phase_names[b->p.phase]);
	csv_dbl(ts, dt);
	csv_dbl(ts, pages / dt);
	csv_dbl(ts, pages * (double)page_size() / dt / MIB);
	for (i = 0; i < NCOUNTERS; i++) {
		has_cnt[i] = vmstat_delta(&a->vm, &b->vm, counters[i], &d);
		cnt[i] = (double)d;
		rate[i] = has_cnt[i] ? cnt[i] / dt : NAN;
		csv_dbl(ts, rate[i]);
	}
	csv_dbl(ts, has_mem ? (double)mem / MIB : NAN);
	csv_dbl(ts, has_swap ? (double)swap / MIB : NAN);
	csv_dbl(ts, psi ? (double)(b->psi_some - a->psi_some) / 1e4 / dt : NAN);
	csv_dbl(ts, psi ? (double)(b->psi_full - a->psi_full) / 1e4 / dt : NAN);
	csv_dbl(ts, lat.total ? (double)hist_percentile(&lat, 50) : NAN);
	csv_dbl(ts, lat.total ? (double)hist_percentile(&lat, 99) : NAN);
	csv_dbl(ts, lat.total ? (double)hist_percentile(&lat, 100) : NAN);
	csv_u64(ts, b->p.forks);
	csv_u64(ts, b->p.errors);
	csv_end_row(ts);
	tot->mem_max = has_mem && mem > tot->mem_max ? mem : tot->mem_max;
	tot->swap_max = has_swap && swap > tot->swap_max ? swap : tot->swap_max;
	tot->cg_mem |= has_mem;
	tot->cg_swap |= has_swap;
	for (k = 0; k < 2; k++) {
		if (!acc[k])
			continue;
		acc[k]->s += dt;
		acc[k]->pages += pages;
		hist_merge(&acc[k]->lat, &lat);
		for (i = 0; i < NCOUNTERS; i++) {
			acc[k]->cnt[i] += has_cnt[i] ? cnt[i] : 0;
			acc[k]->has_cnt[i] |= has_cnt[i];
		}
		acc[k]->psi |= psi;
		acc[k]->psi_some += psi ? (double)(b->psi_some - a->psi_some) : 0;
		acc[k]->psi_full += psi ? (double)(b->psi_full - a->psi_full) : 0;
	}
	if (isatty(STDERR_FILENO) && log_verbose)
		fprintf(stderr, "\rswap-dirty: %4.0f/%.0f s %-8s dirty %8.1f MiB/s  pswpin %7.0f/s  pswpout %7.0f/s"
			"  pgreuse %7.0f/s  swap %6s  errors %" PRIu64 "\033[K",
			(double)(b->t - sh->t0) / NS, cfg.duration_ns / NS, dirty_phase_names[b->p.phase],
			pages * (double)page_size() / dt / MIB, rate[C_PSWPIN], rate[C_PSWPOUT], rate[C_PGREUSE],
			format_size(swap, sw, sizeof(sw)), b->p.errors);
}

static void add_cols(struct csv_col *cols, int *n, const char *const *names, int count,
		     const char *suffix, enum col_kind kind)
{
	for (int i = 0; i < count; i++) {
		snprintf(cols[*n].name, sizeof(cols[*n].name), "%s%s", names[i], suffix);
		cols[(*n)++].kind = kind;
	}
}

static int timeseries_columns(struct csv_col *cols)
{
	static const char *const info[] = { "phase", "interval_s", "dirty_pages_per_s", "dirty_mib_per_s" };
	static const char *const tail[] = { "cg_memory_mib", "cg_swap_mib", "psi_some_pct", "psi_full_pct",
		"write_p50_ns", "write_p99_ns", "write_max_ns", "forks", "verify_errors" };
	int n = 2;

	cols[0] = (struct csv_col){ "rep", COL_REP };
	cols[1] = (struct csv_col){ "t_s", COL_PARAM };
	add_cols(cols, &n, info, 4, "", COL_INFO);
	add_cols(cols, &n, counters, NCOUNTERS, "_per_s", COL_INFO);
	add_cols(cols, &n, tail, 9, "", COL_INFO);
	return n;
}

static int summary_columns(struct run *r, struct csv_col *cols)
{
	static const char *const params[] = { "size", "memory_limit", "swap_limit", "threads", "pattern",
		"loop", "fork_every_s" };
	static const char *const lat[] = { "write_p50_ns", "write_p99_ns", "write_p999_ns" };
	static const char *const info[] = { "measured_s", "pages_written", "cg_memory_max_mib", "cg_swap_max_mib",
		"psi_some_pct", "psi_full_pct", "forks", "verify_errors", "oom_kills", "swapped" };
	int n = 0;

	add_cols(cols, &n, params, 7, "", COL_PARAM);
	cols[n++] = (struct csv_col){ "rep", COL_REP };
	cols[n++] = (struct csv_col){ "measured_phase", COL_INFO };
	cols[n++] = (struct csv_col){ "dirty_pages_per_s", COL_HIGHER };
	cols[n++] = (struct csv_col){ "dirty_mib_per_s", COL_HIGHER };
	add_cols(cols, &n, lat, 3, "", COL_LOWER);
	add_cols(cols, &n, counters, NCOUNTERS, "_per_s", COL_INFO);
	add_cols(cols, &n, info, 10, "", COL_INFO);
	return counter_columns(r, cols, n);
}

/* The steady intervals, or when the first pass never ended (swap too slow for --duration), all writing ones. */
static const struct acc *summary_acc(const struct totals *t)
{
	return t->steady.s > 0 ? &t->steady : &t->writing;
}

static void summary_row(struct run *r, struct csv *c, unsigned rep, const struct totals *tot,
			const struct sample *smp, const struct dirty_progress *p, uint64_t oom, bool swapped)
{
	const struct acc *t = summary_acc(tot);
	char buf[32];
	int i;

	csv_str(c, format_size(r->size, buf, sizeof(buf)));
	csv_str(c, cfg.memory_limit ? format_size(cfg.memory_limit, buf, sizeof(buf)) : "none");
	csv_str(c, cfg.memory_limit ? format_size(cfg.swap_limit, buf, sizeof(buf)) : "none");
	csv_i64(c, cfg.dc.threads);
	csv_str(c, pattern_names[cfg.dc.random]);
	csv_str(c, dirty_loop_names[cfg.dc.loop]);
	csv_dbl(c, (double)cfg.dc.fork_every_ns / NS);
	csv_u64(c, rep);
	csv_str(c, t == &tot->steady ? "dirty" : "populate");
	csv_dbl(c, per_s(t->pages, t->s));
	csv_dbl(c, per_s(t->pages * (double)page_size() / MIB, t->s));
	csv_dbl(c, t->lat.total ? (double)hist_percentile(&t->lat, 50) : NAN);
	csv_dbl(c, t->lat.total ? (double)hist_percentile(&t->lat, 99) : NAN);
	csv_dbl(c, t->lat.total ? (double)hist_percentile(&t->lat, 99.9) : NAN);
	for (i = 0; i < NCOUNTERS; i++)
		csv_dbl(c, t->has_cnt[i] ? per_s(t->cnt[i], t->s) : NAN);
	csv_dbl(c, t->s);
	csv_u64(c, p->pages);
	csv_dbl(c, tot->cg_mem ? (double)tot->mem_max / MIB : NAN);
	csv_dbl(c, tot->cg_swap ? (double)tot->swap_max / MIB : NAN);
	csv_dbl(c, t->psi ? per_s(t->psi_some / 1e4, t->s) : NAN);
	csv_dbl(c, t->psi ? per_s(t->psi_full / 1e4, t->s) : NAN);
	csv_u64(c, p->forks);
	csv_u64(c, p->errors);
	cfg.memory_limit ? csv_u64(c, oom) : csv_empty(c);
	csv_str(c, swapped ? "yes" : "no");
	counter_cells(c, r, smp, (double)p->pages);
	csv_end_row(c);
}

static void report_mismatches(const struct dirty_shared *sh)
{
	char want[96], got[96];
	uint64_t i;

	for (i = 0; i < sh->errors && i < DIRTY_MAX_RECORDS; i++) {
		const struct dirty_mismatch *m = &sh->rec[i];

		if (!m->valid)
			continue;
		dirty_describe_stamp(want, sizeof(want), m->expected);
		dirty_describe_stamp(got, sizeof(got), m->found);
		warn("verification error: page %" PRIu64 " (offset 0x%" PRIx64 ") at %.3f s, %s: expected %s, found %s",
		     m->page, m->page * page_size(), (double)m->t_ns / NS,
		     m->at_end ? "final check" : "before overwriting", want, got);
	}
	if (sh->errors > DIRTY_MAX_RECORDS)
		warn("... and %" PRIu64 " more verification errors", sh->errors - DIRTY_MAX_RECORDS);
}

/* A peak-usage file of the group (v1 max_usage_in_bytes, v2 *.peak): the OOM report needs the peak. */
static uint64_t cg_peak(const char *v1, const char *v2)
{
	char path[PATH_MAX + 64];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg.path, cg.version == CGROUP_V2 ? v2 : v1);
	f = fopen(path, "re");
	if (f && fscanf(f, "%llu", &v) != 1)
		v = 0;
	if (f)
		fclose(f);
	return v;
}

static void report_oom(const struct dirty_shared *sh, uint64_t oom, uint64_t when, size_t size)
{
	char lim[32], sw[32], mem[32], used[32], region[32];
	bool v2 = cg.version == CGROUP_V2;

	warn("OOM kill in memory cgroup %s (%" PRIu64 " kill%s, noticed %.1f s into the run): memory limit %s, "
	     "swap limit %s; peak use %s of memory, %s of %s, for a region of %s. "
	     "Give it room: --swap auto, a larger --swap or --memory-limit, or a smaller --size",
	     cg.path, oom, oom == 1 ? "" : "s", (double)(when - sh->t0) / NS,
	     format_size(cfg.memory_limit, lim, sizeof(lim)),
	     cg.has_swap_limit ? format_size(cfg.swap_limit, sw, sizeof(sw)) : "none (not limited)",
	     format_size(cg_peak("memory.max_usage_in_bytes", "memory.peak"), mem, sizeof(mem)),
	     format_size(cg_peak("memory.memsw.max_usage_in_bytes", "memory.swap.peak"), used, sizeof(used)),
	     v2 ? "swap" : "memory+swap", format_size(size, region, sizeof(region)));
}

/* The process in the cgroup: waits until the monitor moved it there, then runs the loop. */
static _Noreturn void workload_main(struct dirty_shared *sh, int go_fd, pid_t monitor)
{
	char go;

	/* Never outlive the monitor (SIGKILL, crash): nobody would stop or reap us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != monitor || read(go_fd, &go, 1) != 1)
		_exit(EXIT_FAILURE_RUN);
	_exit(dirty_run(&cfg.dc, sh) ? EXIT_FAILURE_RUN : EXIT_MEASURED);
}

static void setup_cgroup(struct run *r, unsigned rep)
{
	char reason[512];
	int err;

	if (cgroup_create(&cg, "swap-dirty", reason, sizeof(reason)))
		run_skip(r, "cannot create a memory cgroup: %s", reason);
	have_cg = true;
	err = cgroup_set_memory_limit(&cg, cfg.memory_limit);
	if (!err && cg.has_swap_limit)
		err = cgroup_set_swap_limit(&cg, cfg.swap_limit);
	if (err)
		die("cannot set the limits of %s: %s", cg.path, strerror(-err));
	if (!cg.has_swap_limit && !rep)
		warn("this cgroup hierarchy cannot limit swap: the workload may use any free swap");
	if (cg.version == CGROUP_V2)
		snprintf(psi_path, sizeof(psi_path), "%s/memory.pressure", cg.path);
}

/*
 * One repetition: cgroup, workload, a sample every interval until the
 * workload has verified its pages and exited. Returns the exit status, or
 * -1 when the run should have swapped and did not.
 */
static int run_rep(struct run *r, unsigned rep, struct dirty_shared *sh, struct csv *ts, struct csv *sum)
{
	static struct snap a, b;
	static struct totals tot;
	static struct sample smp;
	const struct acc *t;
	uint64_t end, next, deadline = 0, oom = 0, now, until;
	int go[2], status = 0, err, result = EXIT_MEASURED;
	bool stopped = false, exited = false, swapped, oom_known;
	int64_t pswpout = 0;
	char buf[64];
	pid_t pid;

	dirty_shared_reset(sh);
	memset(&tot, 0, sizeof(tot));
	hist_init(&tot.steady.lat);
	hist_init(&tot.writing.lat);
	if (cfg.memory_limit)
		setup_cgroup(r, rep);
	if (pipe2(go, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	sample_begin(r, &smp);
	pid = proc_fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(go[1]);
		workload_main(sh, go[0], getppid());
	}
	close(go[0]);
	/* Only the workload is limited: the monitor stays outside so it can always sample and report. */
	if (have_cg && (err = cgroup_enter(&cg, pid)))
		die("cannot move the workload into %s: %s", cg.path, strerror(-err));
	sh->t0 = now_ns();
	if (write(go[1], "g", 1) != 1)
		die("cannot start the workload: %s", strerror(errno));
	close(go[1]);
	take_snap(sh, &a);
	end = sh->t0 + cfg.duration_ns;
	next = sh->t0 + cfg.interval_ns;
	while (!exited) {
		now = now_ns();
		if (!stopped && now >= end) {
			dirty_stop(sh);
			stopped = true;
			/* The verification reads every page back from swap: allow 8 MiB/s and a minute. */
			deadline = now + 60 * SEC + r->size / (8 << 20) * SEC;
		}
		if (stopped && now > deadline)
			die("the workload did not finish its verification within %.0f s", (double)(deadline - end) / NS);
		until = !stopped && end < next ? end : next;
		err = proc_wait(pid, until > now ? until - now : 1, &status);
		if (err && err != -ETIMEDOUT)
			die("waiting for the workload: %s", strerror(-err));
		exited = !err;
		if (exited || now_ns() >= next) {
			take_snap(sh, &b);
			interval_row(ts, rep, sh, &a, &b, &tot);
			a = b;
			while (next <= a.t)
				next += cfg.interval_ns;
		}
	}
	sample_end(r, &smp);
	if (isatty(STDERR_FILENO) && log_verbose)
		fputc('\n', stderr);
	oom_known = have_cg && !cgroup_oom_kills(&cg, &oom);
	/* Without an oom_kill counter (old kernels), a SIGKILL inside the group is the OOM killer's. */
	if (oom || (have_cg && !oom_known && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
		report_oom(sh, oom, a.t, r->size);
		result = EXIT_VIOLATION;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_FAILURE_RUN) {
		die("the workload failed: %s", sh->failure[0] ? sh->failure : "it could not start");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		die("the workload %s", proc_status_str(status, buf, sizeof(buf)));
	}
	if (have_cg && (err = cgroup_destroy(&cg)))
		warn("cannot remove %s: %s (`cowbench restore` retries)", cg.path, strerror(-err));
	have_cg = false;
	swapped = tot.swap_max > 0 || (sample_delta(&smp, "pswpout", &pswpout) && pswpout > 0);
	summary_row(r, sum, rep, &tot, &smp, &a.p, oom, swapped);
	if (sh->errors) {
		report_mismatches(sh);
		result = EXIT_VIOLATION;
	}
	t = summary_acc(&tot);
	info("rep %u: %.1f s %s: dirty %.0f pages/s (%.1f MiB/s), pgreuse %.0f/s, pswpin %.0f/s, pswpout %.0f/s; "
	     "cgroup swap max %s; %" PRIu64 " forks; %" PRIu64 " verification errors", rep, t->s,
	     t == &tot.steady ? "dirtying" : "including the first pass (no interval after it)", per_s(t->pages, t->s),
	     per_s(t->pages * (double)page_size() / MIB, t->s), per_s(t->cnt[C_PGREUSE], t->s),
	     per_s(t->cnt[C_PSWPIN], t->s), per_s(t->cnt[C_PSWPOUT], t->s),
	     format_size(tot.swap_max, buf, sizeof(buf)), a.p.forks, sh->errors);
	if (cfg.memory_limit && r->size > cfg.memory_limit && !swapped && result == EXIT_MEASURED)
		return -1;
	return result;
}

static uint64_t mem_available(void)
{
	uint64_t bytes = 0;

	proc_kb_field("/proc/meminfo", "MemAvailable", &bytes);
	return bytes;
}

/* Enough free swap for the cgroup's swap limit; else add it (--make-swap) or skip with the fix. */
static void ensure_swap(struct run *r, struct swap_added *added)
{
	uint64_t total = 0, free_bytes = 0;
	char need[32], have[32], reason[512], cmd[2048] = "";
	int i, err;

	swap_totals(&total, &free_bytes);
	format_size(cfg.swap_limit, need, sizeof(need));
	format_size(free_bytes, have, sizeof(have));
	if (free_bytes >= cfg.swap_limit) {
		run_meta(r, "swap", "existing swap: %s free, %s needed", have, need);
		return;
	}
	if (!cfg.make_swap) {
		for (i = 0; i < r->argc; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s ", r->argv[i]);
		run_skip(r, "not enough swap: %s free, %s needed (--swap); let the run add a swap file and "
			 "remove it afterwards: %s--make-swap file:/var/tmp/cowbench-swap-dirty.swap "
			 "(or --make-swap zram)", have, need, cmd);
	}
	err = swap_add(cfg.make_swap, cfg.swap_limit - free_bytes, added, reason, sizeof(reason));
	if (err == -ENOTSUP || err == -EINVAL)
		run_skip(r, "--make-swap %s: %s", cfg.make_swap, reason);
	if (err)
		die("--make-swap %s: %s", cfg.make_swap, reason);
	run_meta(r, "swap", "added %s of swap at %s (%s were free, %s needed)",
		 format_size(added->bytes, reason, sizeof(reason)), added->path, have, need);
}

static const struct bench_option options[] = {
	{ "memory-limit", "SIZE", "memory limit of the workload's cgroup (default 1G; 0 = no cgroup, no limit)" },
	{ "swap", "SIZE", "swap the cgroup may use, and that must be free (default auto: size - memory-limit "
			  "+ 64M + size/64 for page tables and bookkeeping, 5.2G for the defaults)" },
	{ "duration", "TIME", "how long the writers dirty memory: 10s, 5m, 2h (default 60s)" },
	{ "threads", "N", "writer threads, each owning a slice of the region (default 1)" },
	{ "pattern", "P", "seq (passes over the slice) or random pages (default seq)" },
	{ "interval", "TIME", "sampling interval of the timeseries (default 1s)" },
	{ "fork-every", "TIME", "fork a child that shares the region copy-on-write for up to 100 ms, "
				"every TIME (default 0: never)" },
	{ "make-swap", "SPEC", "file:PATH or zram: add the missing swap for this run, remove it after" },
	{ "verify-only-at-end", NULL, "write without checking each page first; verify all pages at the end" },
	{ "bare", NULL, "store one word per page, no stamps, no checks: the loop's speed limit (baseline)" },
	{ NULL, NULL, NULL },
};

static int invalid(const char *msg)
{
	snprintf(opt_error, sizeof(opt_error), "%s", msg);
	return -EINVAL;
}

static int sd_parse(struct run *r, int index, const char *arg)
{
	uint64_t *durations[] = { &cfg.duration_ns, &cfg.interval_ns, &cfg.dc.fork_every_ns };
	long n;
	int err;

	switch (index) {
	case 0:
		cfg.limit_given = true;
		return parse_size(arg, &cfg.memory_limit);
	case 1:
		cfg.swap_auto = !strcmp(arg, "auto");
		return cfg.swap_auto ? 0 : parse_size(arg, &cfg.swap_limit);
	case 2:
	case 5:
	case 6:
		err = parse_duration_ns(arg, durations[index == 2 ? 0 : index - 4]);
		cfg.duration_given |= index == 2;
		return !err && index != 6 && !*durations[index == 2 ? 0 : 1] ? invalid("must be more than 0") : err;
	case 3:
		err = parse_long(arg, 1, DIRTY_MAX_WRITERS, &n);
		cfg.dc.threads = (int)n;
		return err;
	case 4:
		err = parse_choice(arg, pattern_names);
		cfg.dc.random = err == 1;
		return err < 0 ? err : 0;
	case 7:
		if (strcmp(arg, "zram") && (strncmp(arg, "file:", 5) || !arg[5]))
			return invalid("expected file:PATH or zram");
		cfg.make_swap = arg;
		return 0;
	case 8:
	case 9:
		if (cfg.dc.loop != DIRTY_CHECK)
			return invalid("--verify-only-at-end and --bare exclude each other");
		cfg.dc.loop = index == 8 ? DIRTY_VERIFY_AT_END : DIRTY_BARE;
		return 0;
	}
	return -EINVAL;
}

static int sd_validate(struct run *r)
{
	const char *corrupt = getenv("COWBENCH_TEST_CORRUPT_PAGE");
	uint64_t npages;

	if (r->quick) {
		r->size = r->size_given ? r->size : 1ull << 30;
		cfg.memory_limit = cfg.limit_given ? cfg.memory_limit : 256ull << 20;
		cfg.duration_ns = cfg.duration_given ? cfg.duration_ns : 10 * SEC;
	}
	npages = r->size / page_size();
	if (r->size % page_size())
		return invalid("--size must be a multiple of the page size");
	if (npages / (uint64_t)cfg.dc.threads < 256)
		return invalid("--size must give every writer thread at least 256 pages");
	if (npages >= 1ull << 32)
		return invalid("--size must be below 16T with 4K pages (pages are numbered in 32 bits)");
	if (cfg.memory_limit && cfg.memory_limit < 8 << 20)
		return invalid("--memory-limit must be at least 8M (or 0: no cgroup)");
	if (!cfg.memory_limit && (!cfg.swap_auto || cfg.make_swap))
		return invalid("--swap and --make-swap are for the cgroup: they need --memory-limit");
	if (cfg.interval_ns < 10000000 || cfg.interval_ns > cfg.duration_ns)
		return invalid("--interval must be between 10ms and --duration");
	if (cfg.dc.fork_every_ns && cfg.dc.fork_every_ns < 10000000)
		return invalid("--fork-every must be at least 10ms");
	if (r->warmup)
		return invalid("--warmup: a stress run has no warm-up repetitions");
	if (cfg.swap_auto)
		cfg.swap_limit = cfg.memory_limit && r->size > cfg.memory_limit
				 ? r->size - cfg.memory_limit + (64 << 20) + r->size / 64 : 0;
	/* Test hook: the integration tests prove with it that a damaged page is caught and named. */
	if (corrupt && (cfg.dc.loop == DIRTY_BARE || parse_long(corrupt, 0, (long)npages - 1, &cfg.dc.corrupt_page)))
		return invalid("COWBENCH_TEST_CORRUPT_PAGE must be a page index within --size, without --bare");
	cfg.dc.size = r->size;
	cfg.dc.cpus = r->cpus;
	cfg.dc.ncpus = r->ncpus;
	return 0;
}

static int sd_run(struct run *r)
{
	struct csv ts, sum;
	struct csv_col cols[CSV_MAX_COLS];
	struct swap_added added = { .kind = SWAP_ADDED_NONE };
	struct dirty_shared *sh;
	uint64_t need = cfg.memory_limit ? cfg.memory_limit : r->size;
	char reason[512], a[32], b[32];
	int status = EXIT_MEASURED, st, not_swapped = 0, err;
	unsigned rep;

	if (cfg.memory_limit && cgroup_probe(reason, sizeof(reason)) == CGROUP_NONE)
		run_skip(r, "%s", reason);
	if (need + (256 << 20) > mem_available())
		run_skip(r, "the workload needs %s of memory (%s) and only %s is available",
			 format_size(need, a, sizeof(a)), cfg.memory_limit ? "--memory-limit" : "--size",
			 format_size(mem_available(), b, sizeof(b)));
	if (cfg.swap_limit)
		ensure_swap(r, &added);
	sh = dirty_shared_create();
	if (!sh)
		die("cannot allocate shared memory: %s", strerror(errno));
	if (run_csv_create(r, &ts, "swap-dirty-timeseries.csv", cols, timeseries_columns(cols)) ||
	    run_csv_create(r, &sum, "swap-dirty.csv", cols, summary_columns(r, cols)))
		die("cannot create CSV files in %s: %s", r->dir, strerror(errno));
	run_meta(r, "memory_limit", "%s", cfg.memory_limit ? format_size(cfg.memory_limit, a, sizeof(a)) : "none");
	run_meta(r, "swap_limit", "%s", cfg.memory_limit ? format_size(cfg.swap_limit, a, sizeof(a)) : "none");
	run_meta(r, "cgroup", "%s", !cfg.memory_limit ? "none" : cgroup_probe(NULL, 0) == CGROUP_V2 ? "v2" : "v1");
	run_meta(r, "loop", "%s, %s pattern, %d writer thread(s), 4K pages (MADV_NOHUGEPAGE)",
		 dirty_loop_names[cfg.dc.loop], pattern_names[cfg.dc.random], cfg.dc.threads);
	for (rep = 0; rep < r->repeat; rep++) {
		st = run_rep(r, rep, sh, &ts, &sum);
		not_swapped += st < 0;
		status = st > status ? st : status;
	}
	run_meta(r, "psi", "%s", psi_path);
	run_meta(r, "swapped", "%s", not_swapped ? "no" : r->size > cfg.memory_limit && cfg.memory_limit
		 ? "yes" : "not expected");
	if (run_csv_commit(&ts) || run_csv_commit(&sum))
		die("cannot write CSV files in %s", r->dir);
	if ((err = swap_remove(&added)))
		warn("cannot remove the swap this run added: %s (`cowbench restore` retries)", strerror(-err));
	dirty_shared_destroy(sh);
	if (not_swapped && status == EXIT_MEASURED)
		run_skip(r, "the cgroup run did not swap (no pswpout, no cgroup swap use): "
			 "can this cgroup swap (memory.swappiness, swap limit)?");
	return status;
}

static const struct bench swap_dirty = {
	.name = "swap-dirty",
	.purpose = "writer threads dirty --size of memory inside a memory cgroup limited to --memory-limit, "
		   "so that it swaps, for --duration; every write first checks the page's stamp (page, "
		   "generation, writer), and every page is verified at the end. Every interval: the dirty "
		   "rate, pgfault/pgmajfault/pgreuse/pswpin/pswpout/swap readahead per second, the cgroup's "
		   "memory and swap, memory PSI and write latency percentiles. Exit 1 on a verification "
		   "error or an OOM kill in the cgroup.",
	.example = "swap-dirty --size 6G --memory-limit 1G --duration 10m --fork-every 5s "
		   "--make-swap file:/var/tmp/cowbench.swap",
	.options = options,
	.parse = sd_parse,
	.validate = sd_validate,
	.run = sd_run,
	.counters = counters,
	.default_size = 6ull << 30,
	.default_repeat = 1,
};

int main(int argc, char **argv)
{
	return bench_main(&swap_dirty, argc, argv);
}
