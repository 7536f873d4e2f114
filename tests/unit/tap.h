/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap: the smallest TAP producer for unit tests. ok() prints one test
 * line; done_testing() prints the plan and returns the exit status.
 */
#ifndef COWBENCH_TAP_H
#define COWBENCH_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((format(printf, 1, 2)))
static inline void skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* |got - want| <= tol, printing both on failure. */
#define ok_near(got, want, tol, name) \
	(ok(fabs((double)(got) - (double)(want)) <= (tol), "%s (got %.10g, want %.10g)", \
	    (name), (double)(got), (double)(want)))

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
