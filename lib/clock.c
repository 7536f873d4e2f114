/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock: the measured cost of reading the clock, so that per-fault
 * latencies can be reported next to what the instrument itself costs.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "clock.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t clock_overhead_ns(void)
{
	static uint64_t cached;
	enum { ROUNDS = 101, CALLS = 64 };
	uint64_t d[ROUNDS];
	int i, j;

	if (cached)
		return cached;
	for (i = 0; i < ROUNDS; i++) {
		uint64_t t0 = now_ns(), t1 = t0;

		for (j = 0; j < CALLS; j++)
			t1 = now_ns();
		d[i] = (t1 - t0) / CALLS;
	}
	qsort(d, ROUNDS, sizeof(d[0]), cmp_u64);
	cached = d[ROUNDS / 2] ? d[ROUNDS / 2] : 1;
	return cached;
}

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull, .tv_nsec = ns % 1000000000ull };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
