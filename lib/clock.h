/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock: one clock for every measurement (CLOCK_MONOTONIC, nanoseconds) and
 * the measured cost of reading it, so per-event latencies can be corrected.
 */
#ifndef COWBENCH_CLOCK_H
#define COWBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Median cost of one now_ns() call, measured once and cached. */
uint64_t clock_overhead_ns(void);
/* Sleep for ns, resuming after signals. */
void sleep_ns(uint64_t ns);

#endif
