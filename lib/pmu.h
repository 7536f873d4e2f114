/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmu: counters by libpfm4 event name ("cycles", "instructions",
 * "page-faults", "INST_RETIRED:ANY_P", "perf::context-switches"), opened
 * with perf_event_open for the calling process and, through inherit, for
 * the children it forks afterwards. Each event is opened on its own so
 * that a missing hardware PMU costs only the hardware events: software
 * events keep counting, and the reason a counter is missing is kept and
 * printed once. Reads are scaled by time enabled / time running.
 */
#ifndef COWBENCH_PMU_H
#define COWBENCH_PMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

#define PMU_MAX_EVENTS 16

struct pmu_event {
	char name[64];		/* as the user wrote it: also the CSV column stem */
	struct perf_event_attr attr;
	int fd;			/* -1 when unavailable */
	char why[160];		/* why unavailable ("" when open) */
	uint64_t start;		/* scaled value at pmu_start() */
	double value;		/* scaled delta at pmu_stop(); NAN if unavailable */
	double scaling;		/* time_enabled / time_running of the last read (1 = never multiplexed) */
	/* raw readings at pmu_start(), so pmu_stop() scales the interval alone */
	uint64_t raw_start, enabled_start, running_start;
};

struct pmu_set {
	int n;
	struct pmu_event ev[PMU_MAX_EVENTS];
};

/* Initialize libpfm4 once. 0 or -EIO with reason. */
int pmu_init(char *reason, size_t len);

/*
 * Resolve a comma list of names to perf_event_attr (no open yet).
 * An unknown name is a usage error: -EINVAL, `reason` names it.
 */
int pmu_parse(struct pmu_set *set, const char *list, char *reason, size_t len);

/*
 * Open every event for this process with inherit = 1, disabled.
 * Events the machine cannot count are marked unavailable with a reason;
 * that is not an error. Returns the number of events open.
 */
int pmu_open(struct pmu_set *set);
/* Print once to stderr which events are unavailable and why. */
void pmu_report_unavailable(const struct pmu_set *set);

/* Snapshot start values / compute deltas (inherited children that exited are included). */
void pmu_start(struct pmu_set *set);
void pmu_stop(struct pmu_set *set);
void pmu_close(struct pmu_set *set);

/* One "pmu.<name>=open|unavailable: why" line per event for meta.txt. */
int pmu_describe(const struct pmu_set *set, char *buf, size_t len);

#endif
