/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmstat: snapshots of /proc/vmstat and the difference of two, by counter
 * name. A counter the running kernel does not have reads as "absent",
 * never as zero, so the CSV cell stays empty.
 */
#ifndef COWBENCH_VMSTAT_H
#define COWBENCH_VMSTAT_H

#include <stdbool.h>
#include <stdint.h>

#define VMSTAT_MAX 320
#define VMSTAT_NAME 48

struct vmstat {
	int n;
	char name[VMSTAT_MAX][VMSTAT_NAME];
	uint64_t value[VMSTAT_MAX];
};

/* Read /proc/vmstat (or `path` if not NULL, for tests). 0 or -errno. */
int vmstat_read(struct vmstat *s);
int vmstat_read_file(struct vmstat *s, const char *path);
/* Value of a counter; false if the kernel lacks it. */
bool vmstat_get(const struct vmstat *s, const char *name, uint64_t *value);
/* after - before for one counter; false if either lacks it. */
bool vmstat_delta(const struct vmstat *before, const struct vmstat *after,
		  const char *name, int64_t *delta);

#endif
