/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmstat: /proc/vmstat by name. Event counters there are exact sums of
 * per-CPU counts at read time, so deltas around a measured interval are
 * exact for the whole machine (other activity included).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "vmstat.h"

int vmstat_read_file(struct vmstat *s, const char *path)
{
	FILE *f = fopen(path, "re");
	char name[VMSTAT_NAME + 16];
	uint64_t v;

	if (!f)
		return -errno;
	s->n = 0;
	while (s->n < VMSTAT_MAX && fscanf(f, "%63s %" SCNu64, name, &v) == 2) {
		if (strlen(name) >= VMSTAT_NAME)
			continue;
		strcpy(s->name[s->n], name);
		s->value[s->n++] = v;
	}
	fclose(f);
	return s->n ? 0 : -ENODATA;
}

int vmstat_read(struct vmstat *s)
{
	return vmstat_read_file(s, "/proc/vmstat");
}

bool vmstat_get(const struct vmstat *s, const char *name, uint64_t *value)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->name[i], name)) {
			*value = s->value[i];
			return true;
		}
	}
	return false;
}

bool vmstat_delta(const struct vmstat *before, const struct vmstat *after,
		  const char *name, int64_t *delta)
{
	uint64_t a, b;

	if (!vmstat_get(before, name, &b) || !vmstat_get(after, name, &a))
		return false;
	*delta = (int64_t)(a - b);
	return true;
}
