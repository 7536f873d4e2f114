/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disturb: what moves, splits or copies a process's anonymous pages behind
 * its back, made to happen on purpose: khugepaged at full speed, periodic
 * compaction, NUMA balancing, a memory-pressure helper, forks whose child
 * writes, forks that exec, MADV_PAGEOUT and mprotect toggles that split
 * PMD mappings. Helper processes run beside the caller; the rest happens in
 * the caller, one round per interval, on a target range it names.
 */
#ifndef COWBENCH_DISTURB_H
#define COWBENCH_DISTURB_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup.h"

enum disturb_kind { DISTURB_KHUGEPAGED, DISTURB_COMPACTION, DISTURB_NUMA, DISTURB_PRESSURE,
		    DISTURB_FORK_WRITE, DISTURB_FORK_EXEC, DISTURB_PAGEOUT, DISTURB_MPROTECT,
		    NR_DISTURB };
extern const char *const disturb_names[];	/* "khugepaged", ..., NULL */

/* Counts of what the disturbances did; khugepaged's come from its sysfs counters. */
enum { DC_COMPACTIONS, DC_PRESSURE_CYCLES, DC_FORKS_WRITE, DC_FORKS_EXEC, DC_MPROTECTS,
       DC_PAGEOUTS, DC_NUMA_PAGES_MOVED, DC_KHUGEPAGED_FULL_SCANS, DC_KHUGEPAGED_COLLAPSED,
       NR_DISTURB_COUNTS };
extern const char *const disturb_count_names[];	/* CSV column names, "compactions", ... */

/* What the helper processes report, in memory shared with them. */
struct disturb_shared {
	uint64_t compactions, pressure_cycles;
	int compacting, pressing;	/* inside compact_memory / holding memory right now */
	int compact_errno;
};

struct disturber {
	bool on[NR_DISTURB];
	uint64_t interval_ns;		/* helpers' period; fork-write children live 1.5 of it */
	uint64_t pressure_size;		/* bytes the pressure helper churns */
	/* private */
	struct disturb_shared *shared;
	pid_t compaction_pid, pressure_pid, fork_write, fork_exec;
	struct cgroup pressure_cg;
	cpu_set_t initial_affinity;
	char *addr;
	size_t len;
	unsigned round;
	int numa_node;
	uint64_t counts[NR_DISTURB_COUNTS];
};

/*
 * "khugepaged,compaction,...", "all" or "none" into on[]. 0 or -EINVAL
 * with opt_error set.
 */
int disturb_parse(const char *list, bool *on);

/*
 * Turn off what this machine cannot do (numa with one node), saying why in
 * skipped; set the knobs the rest need (journaled: khugepaged at full speed
 * as the 2016 reproducer had it, numa_balancing); check compact_memory is
 * writable. Notes for meta.txt go to notes. 0, -ENOTSUP (reason in
 * skipped), -errno.
 */
int disturb_setup(struct disturber *d, char *skipped, size_t slen, char *notes, size_t nlen);

/*
 * Fork the helper processes (compaction, pressure in a memory cgroup).
 * Call before mapping the memory to disturb: the helpers then share none
 * of it. 0 or -errno (reason filled).
 */
int disturb_start(struct disturber *d, char *reason, size_t len);

/* Disturb [addr, addr + len) from now on (page aligned). */
void disturb_target(struct disturber *d, char *addr, size_t len);
/* One round of what the caller does itself: mprotect, pageout, forks, NUMA moves. */
void disturb_round(struct disturber *d);
/* Wait for the target's fork children (killing them after 60 s) and undo CPU binding. */
void disturb_untarget(struct disturber *d);
/* Kill the helpers and remove the cgroup. */
void disturb_stop(struct disturber *d);

/* Snapshot of the counts (cumulative). */
void disturb_counts(const struct disturber *d, uint64_t *counts);
/* Bit mask of disturbances that acted between two snapshots or are acting now. */
unsigned disturb_active(const struct disturber *d, const uint64_t *then, const uint64_t *now);
/* "khugepaged+compaction", or "none". */
void disturb_mask_names(unsigned mask, char *buf, size_t len);

#endif
