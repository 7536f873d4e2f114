/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disturb: make the kernel move, split and copy anonymous pages the ways
 * that once broke long-term pins, with nothing but knobs, helper processes
 * and syscalls on the target range. Knobs go through the journal; helpers
 * die with the caller (PDEATHSIG) and the pressure helper sits in a memory
 * cgroup so it can never push the machine into OOM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "clock.h"
#include "disturb.h"
#include "knobs.h"
#include "log.h"
#include "numa.h"
#include "opt.h"
#include "pagemap.h"
#include "proc.h"
#include "swap.h"

#define COMPACT_MEMORY "/proc/sys/vm/compact_memory"
#define KHUGEPAGED THP_DIR "/khugepaged"
#define SPLIT_UNIT (2ul << 20)		/* one PMD */
#define CHILD_WAIT_NS 60000000000ull

const char *const disturb_names[] = { "khugepaged", "compaction", "numa", "pressure",
	"fork-write", "fork-exec", "pageout", "mprotect", NULL };

const char *const disturb_count_names[] = { "compactions", "pressure_cycles", "forks_write",
	"forks_exec", "mprotects", "pageouts", "numa_pages_moved", "khugepaged_full_scans",
	"khugepaged_pages_collapsed", NULL };

/* The disturbance each count belongs to. */
static const int count_kind[NR_DISTURB_COUNTS] = { DISTURB_COMPACTION, DISTURB_PRESSURE,
	DISTURB_FORK_WRITE, DISTURB_FORK_EXEC, DISTURB_MPROTECT, DISTURB_PAGEOUT, DISTURB_NUMA,
	DISTURB_KHUGEPAGED, DISTURB_KHUGEPAGED };

int disturb_parse(const char *list, bool *on)
{
	char buf[256], *tok, *save;
	int i;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(opt_error, sizeof(opt_error), "list too long");
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	memset(on, 0, sizeof(bool) * NR_DISTURB);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all") || !strcmp(tok, "none")) {
			for (i = 0; i < NR_DISTURB; i++)
				on[i] = !strcmp(tok, "all");
			continue;
		}
		i = parse_choice(tok, disturb_names);
		if (i < 0) {
			snprintf(opt_error, sizeof(opt_error), "'%s' is not a disturbance (%s, all, none)", tok,
				 "khugepaged, compaction, numa, pressure, fork-write, fork-exec, pageout, mprotect");
			return -EINVAL;
		}
		on[i] = true;
	}
	return 0;
}

int disturb_setup(struct disturber *d, char *skipped, size_t slen, char *notes, size_t nlen)
{
	uint64_t swap_total = 0, swap_free;
	char val[32];
	int i, err = 0, left = 0;

	skipped[0] = notes[0] = 0;
	sched_getaffinity(0, sizeof(d->initial_affinity), &d->initial_affinity);
	if (d->on[DISTURB_NUMA] && numa_nodes() < 2) {
		d->on[DISTURB_NUMA] = false;
		snprintf(skipped, slen, "numa: one NUMA node, nothing for NUMA balancing to move");
	}
	for (i = 0; i < NR_DISTURB; i++)
		left += d->on[i];
	if (!left && skipped[0])
		return -ENOTSUP;
	if (d->on[DISTURB_NUMA])
		err = knob_set("/proc/sys/kernel/numa_balancing", "1");
	if (d->on[DISTURB_KHUGEPAGED]) {
		/* The 2016 reproducer's settings: khugepaged scanning without a pause. */
		if (!err && !knob_read(THP_DIR "/enabled", val, sizeof(val)) && !strcmp(val, "never"))
			err = knob_set(THP_DIR "/enabled", "madvise");
		err = err ?: knob_set(THP_DIR "/defrag", "always");
		err = err ?: knob_set(KHUGEPAGED "/defrag", "1");
		err = err ?: knob_set(KHUGEPAGED "/scan_sleep_millisecs", "0");
		err = err ?: knob_set(KHUGEPAGED "/pages_to_scan", "65536");
	}
	if (err) {
		snprintf(skipped, slen, "cannot set the knobs the disturbances need: %s", strerror(-err));
		return err == -EACCES || err == -EPERM || err == -ENOENT ? -ENOTSUP : err;
	}
	if (d->on[DISTURB_COMPACTION] && access(COMPACT_MEMORY, W_OK)) {
		snprintf(skipped, slen, "compaction: cannot write %s: %s", COMPACT_MEMORY, strerror(errno));
		return -ENOTSUP;
	}
	if (d->on[DISTURB_PAGEOUT] && !swap_totals(&swap_total, &swap_free) && !swap_total)
		snprintf(notes, nlen, "pageout: no swap, so MADV_PAGEOUT cannot reclaim anonymous pages");
	return 0;
}

/* ---- helper processes ---- */

static _Noreturn void compaction_helper(struct disturber *d)
{
	struct disturb_shared *s = d->shared;

	for (;;) {
		int err;

		__atomic_store_n(&s->compacting, 1, __ATOMIC_RELAXED);
		err = knob_write(COMPACT_MEMORY, "1");
		__atomic_store_n(&s->compacting, 0, __ATOMIC_RELAXED);
		if (err) {
			s->compact_errno = -err;
			_exit(EXIT_FAILURE_RUN);
		}
		__atomic_add_fetch(&s->compactions, 1, __ATOMIC_RELAXED);
		sleep_ns(d->interval_ns);
	}
}

/*
 * Churn THP-backed memory and give back every other small page of it, so
 * free memory is fragmented and THP allocations (defrag=always with the
 * khugepaged disturbance) have to reclaim and compact.
 */
static _Noreturn void pressure_helper(struct disturber *d, struct barrier *entered)
{
	struct disturb_shared *s = d->shared;
	size_t len = d->pressure_size, ps = page_size(), off;

	barrier_wait(entered);	/* in the cgroup before the first byte is charged */
	for (;;) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(EXIT_FAILURE_RUN);
		__atomic_store_n(&s->pressing, 1, __ATOMIC_RELAXED);
		madvise(p, len, MADV_HUGEPAGE);
		memset(p, 0x77, len);
		for (off = ps; off < len; off += 2 * ps)
			madvise(p + off, ps, MADV_DONTNEED);
		sleep_ns(d->interval_ns / 2);
		munmap(p, len);
		__atomic_store_n(&s->pressing, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&s->pressure_cycles, 1, __ATOMIC_RELAXED);
		sleep_ns(d->interval_ns / 2);
	}
}

int disturb_start(struct disturber *d, char *reason, size_t len)
{
	struct barrier *entered;
	char why[256] = "";

	reason[0] = 0;
	d->shared = shared_alloc(sizeof(*d->shared));
	if (!d->shared) {
		snprintf(reason, len, "shared memory: %s", strerror(errno));
		return -ENOMEM;
	}
	if (d->on[DISTURB_COMPACTION]) {
		d->compaction_pid = proc_fork();
		if (d->compaction_pid < 0) {
			snprintf(reason, len, "fork: %s", strerror(errno));
			return -errno;
		}
		if (!d->compaction_pid)
			compaction_helper(d);
	}
	if (!d->on[DISTURB_PRESSURE])
		return 0;
	entered = barrier_create(2);
	if (!entered)
		return -ENOMEM;
	d->pressure_pid = proc_fork();
	if (d->pressure_pid < 0) {
		snprintf(reason, len, "fork: %s", strerror(errno));
		return -errno;
	}
	if (!d->pressure_pid)
		pressure_helper(d, entered);
	/* The limit leaves room for page tables; the helper never asks for more than pressure_size. */
	if (cgroup_create(&d->pressure_cg, "pin-pressure", why, sizeof(why)) ||
	    cgroup_set_memory_limit(&d->pressure_cg, d->pressure_size + (64ul << 20)) ||
	    cgroup_enter(&d->pressure_cg, d->pressure_pid)) {
		snprintf(reason, len, "pressure helper runs outside a memory cgroup: %s",
			 why[0] ? why : "cannot limit it");
		cgroup_destroy(&d->pressure_cg);
	}
	barrier_wait(entered);
	barrier_destroy(entered);
	return 0;
}

static void stop_helper(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	proc_wait(*pid, 0, &status);
	*pid = 0;
}

void disturb_stop(struct disturber *d)
{
	stop_helper(&d->compaction_pid);
	stop_helper(&d->pressure_pid);
	cgroup_destroy(&d->pressure_cg);
	if (d->shared)
		shared_free(d->shared, sizeof(*d->shared));
	d->shared = NULL;
}

/* ---- rounds on the target ---- */

void disturb_target(struct disturber *d, char *addr, size_t len)
{
	d->addr = addr;
	d->len = len;
	d->round = 0;
	d->numa_node = 0;
}

static void reap(pid_t *pid)
{
	int status;

	if (*pid > 0 && proc_wait(*pid, 1, &status) == 0)
		*pid = 0;
}

/* Write-protecting one page and back splits the PMD mapping of its THP. */
static void mprotect_round(struct disturber *d)
{
	size_t units = (d->len + SPLIT_UNIT - 1) / SPLIT_UNIT, step = units / 4 ?: 1, i;

	for (i = 0; i < step; i++) {
		char *p = d->addr + ((d->round * step + i) % units) * SPLIT_UNIT;

		if (!mprotect(p, page_size(), PROT_READ) && !mprotect(p, page_size(), PROT_READ | PROT_WRITE))
			d->counts[DC_MPROTECTS]++;
	}
}

static void pageout_round(struct disturber *d)
{
	size_t slice = d->len / 8 / SPLIT_UNIT * SPLIT_UNIT, off;

	if (!slice)
		slice = d->len;
	off = (d->round * slice) % d->len;

	if (!madvise(d->addr + off, slice < d->len - off ? slice : d->len - off, MADV_PAGEOUT))
		d->counts[DC_PAGEOUTS]++;
}

/*
 * The child writes every other page (a page it wrote is the parent's alone
 * again), then outlives the parent's next interval, whose writes copy the
 * pages still shared, unless they are pinned: fork copied those for the
 * child (the 2020 rule), so the parent keeps its own.
 */
static void fork_write_round(struct disturber *d)
{
	size_t ps = page_size(), i;

	d->fork_write = proc_fork();
	if (d->fork_write == 0) {
		for (i = 0; i < d->len / ps; i += 2)
			((volatile uint64_t *)(d->addr + i * ps))[2] = i;
		sleep_ns(d->interval_ns * 3 / 2);
		_exit(0);
	}
	if (d->fork_write > 0)
		d->counts[DC_FORKS_WRITE]++;
	else
		d->fork_write = 0;
}

static void fork_exec_round(struct disturber *d)
{
	d->fork_exec = proc_fork();
	if (d->fork_exec == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (d->fork_exec > 0)
		d->counts[DC_FORKS_EXEC]++;
	else
		d->fork_exec = 0;
}

/* Run on the next node's CPUs (NUMA balancing then wants the pages there) and move a slice. */
static void numa_round(struct disturber *d)
{
	int node = (d->numa_node + 1) % numa_nodes(), cpu;
	size_t npages = d->len / page_size(), slice = npages / 8 ?: npages;
	size_t first = (d->round * slice) % npages;
	cpu_set_t set;
	long moved;

	CPU_ZERO(&set);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &d->initial_affinity) && numa_node_of_cpu_id(cpu) == node)
			CPU_SET(cpu, &set);
	if (CPU_COUNT(&set))
		sched_setaffinity(0, sizeof(set), &set);
	moved = numa_move_to_node(d->addr + first * page_size(),
				  npages - first < slice ? npages - first : slice, node);
	if (moved > 0)
		d->counts[DC_NUMA_PAGES_MOVED] += (uint64_t)moved;
	d->numa_node = node;
}

void disturb_round(struct disturber *d)
{
	reap(&d->fork_write);
	reap(&d->fork_exec);
	if (d->on[DISTURB_MPROTECT])
		mprotect_round(d);
	if (d->on[DISTURB_PAGEOUT])
		pageout_round(d);
	if (d->on[DISTURB_FORK_WRITE] && !d->fork_write)
		fork_write_round(d);
	if (d->on[DISTURB_FORK_EXEC] && !d->fork_exec)
		fork_exec_round(d);
	if (d->on[DISTURB_NUMA])
		numa_round(d);
	d->round++;
}

void disturb_untarget(struct disturber *d)
{
	pid_t *kids[] = { &d->fork_write, &d->fork_exec };
	int status;

	for (size_t i = 0; i < 2; i++) {
		if (*kids[i] > 0 && proc_wait(*kids[i], CHILD_WAIT_NS, &status)) {
			kill(*kids[i], SIGKILL);
			proc_wait(*kids[i], 0, &status);
		}
		*kids[i] = 0;
	}
	sched_setaffinity(0, sizeof(d->initial_affinity), &d->initial_affinity);
	d->addr = NULL;
	d->len = 0;
}

/* ---- what happened ---- */

static uint64_t khugepaged_count(const char *name)
{
	char path[128];
	long v = 0;

	snprintf(path, sizeof(path), KHUGEPAGED "/%s", name);
	knob_read_long(path, &v);
	return (uint64_t)v;
}

void disturb_counts(const struct disturber *d, uint64_t *counts)
{
	memcpy(counts, d->counts, sizeof(d->counts));
	if (d->shared) {
		counts[DC_COMPACTIONS] = __atomic_load_n(&d->shared->compactions, __ATOMIC_RELAXED);
		counts[DC_PRESSURE_CYCLES] = __atomic_load_n(&d->shared->pressure_cycles, __ATOMIC_RELAXED);
	}
	/* Machine-wide: khugepaged also works for other processes. */
	counts[DC_KHUGEPAGED_FULL_SCANS] = khugepaged_count("full_scans");
	counts[DC_KHUGEPAGED_COLLAPSED] = khugepaged_count("pages_collapsed");
}

unsigned disturb_active(const struct disturber *d, const uint64_t *then, const uint64_t *now)
{
	unsigned m = 0, on = 0;
	int i;

	for (i = 0; i < NR_DISTURB; i++)
		on |= d->on[i] ? 1u << i : 0;
	if (d->on[DISTURB_KHUGEPAGED])
		m |= 1u << DISTURB_KHUGEPAGED;	/* it never pauses */
	for (i = 0; i < NR_DISTURB_COUNTS; i++)
		if (now[i] != then[i])
			m |= 1u << count_kind[i];
	if (d->shared && __atomic_load_n(&d->shared->compacting, __ATOMIC_RELAXED))
		m |= 1u << DISTURB_COMPACTION;
	if (d->shared && __atomic_load_n(&d->shared->pressing, __ATOMIC_RELAXED))
		m |= 1u << DISTURB_PRESSURE;
	if (d->fork_write > 0)
		m |= 1u << DISTURB_FORK_WRITE;
	return m & on;
}

void disturb_mask_names(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < NR_DISTURB; i++) {
		if (!(mask & (1u << i)) || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "+" : "", disturb_names[i]);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}
