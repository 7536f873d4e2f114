/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log: the one way to report. Everything goes to stderr, prefixed with the
 * program name; errno is preserved so callers may log before inspecting it.
 * die*() are for binaries only: library code returns -errno.
 */
#ifndef COWBENCH_LOG_H
#define COWBENCH_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Exit statuses shared by every binary (see DESIGN.md). */
enum {
	EXIT_MEASURED = 0,	/* ran and measured */
	EXIT_VIOLATION = 1,	/* data lost or corrupted, a pinned page moved */
	EXIT_USAGE = 2,		/* bad input: nothing was run or written */
	EXIT_FAILURE_RUN = 3,	/* the tool itself failed (a syscall it needs) */
	EXIT_SKIP = 4,		/* the machine lacks a capability */
};

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

extern const char *log_progname;
extern int log_verbose;		/* 0 quiet, 1 info, 2 debug */

void log_init(const char *argv0);
void warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

/*
 * Hooks run (in reverse order of registration) by every die*() before the
 * process exits and by the signal handler: restore knobs, remove cgroups,
 * kill children. Only the registering process runs them (not forked children).
 */
void at_cleanup(void (*fn)(void));
void run_cleanups(void);
/* Install SIGINT/SIGTERM/SIGHUP handlers that run the cleanups and exit 128+sig. */
void cleanup_on_signals(void);

/* Fill a caller's reason buffer (NULL-safe): how lib/ explains a -ENOTSUP. */
void set_reason(char *reason, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Append to a NUL-terminated buffer, truncating silently at len. */
void buf_appendf(char *buf, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);

_Noreturn void die(const char *fmt, ...) PRINTF_LIKE(1, 2);	/* exit 3 */
_Noreturn void die_usage(const char *fmt, ...) PRINTF_LIKE(1, 2);	/* exit 2 */
_Noreturn void die_skip(const char *fmt, ...) PRINTF_LIKE(1, 2);	/* exit 4 */
_Noreturn void die_violation(const char *fmt, ...) PRINTF_LIKE(1, 2); /* exit 1 */
_Noreturn void exit_after_cleanup(int status);

#endif
