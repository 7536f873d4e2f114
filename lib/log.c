/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log: messages to stderr, and the cleanup hooks every exit path runs so
 * that a failing or interrupted run still restores the machine.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"

const char *log_progname = "cowbench";
int log_verbose = 1;

#define MAX_CLEANUPS 16
static void (*cleanups[MAX_CLEANUPS])(void);
static int ncleanups;
static pid_t cleanup_owner;
static volatile sig_atomic_t cleaning;

void log_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	log_progname = slash ? slash + 1 : argv0;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "%s: %s", log_progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = saved;
}

#define LOG_FN(fn, prefix, level)			\
void fn(const char *fmt, ...)				\
{							\
	va_list ap;					\
	if (log_verbose < (level))			\
		return;					\
	va_start(ap, fmt);				\
	vlog(prefix, fmt, ap);				\
	va_end(ap);					\
}
LOG_FN(warn, "warning: ", 0)
LOG_FN(info, "", 1)
LOG_FN(debug, "debug: ", 2)

void at_cleanup(void (*fn)(void))
{
	int i;

	if (cleanup_owner != getpid()) {
		/* First registration in this process (or a child re-arming). */
		ncleanups = 0;
		cleanup_owner = getpid();
	}
	for (i = 0; i < ncleanups; i++)
		if (cleanups[i] == fn)
			return;
	if (ncleanups == MAX_CLEANUPS) {
		fprintf(stderr, "%s: too many cleanup hooks\n", log_progname);
		abort();
	}
	cleanups[ncleanups++] = fn;
}

void run_cleanups(void)
{
	/* Forked children inherit the table but must not undo the parent's changes. */
	if (cleanup_owner != getpid())
		return;
	cleaning = 1;
	while (ncleanups > 0)
		cleanups[--ncleanups]();
	cleaning = 0;
}

static void on_signal(int sig)
{
	/* A second signal while cleaning waits for the cleaning to finish. */
	if (cleaning)
		return;
	if (cleanup_owner == getpid()) {
		fprintf(stderr, "%s: interrupted by %s, restoring the machine\n",
			log_progname, strsignal(sig));
		run_cleanups();
	}
	signal(sig, SIG_DFL);
	_exit(128 + sig);
}

void cleanup_on_signals(void)
{
	struct sigaction sa;
	const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (!cleanup_owner)
		cleanup_owner = getpid();
}

_Noreturn void exit_after_cleanup(int status)
{
	run_cleanups();
	fflush(stdout);
	exit(status);
}

#define DIE_FN(fn, status)				\
_Noreturn void fn(const char *fmt, ...)			\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog("", fmt, ap);				\
	va_end(ap);					\
	exit_after_cleanup(status);			\
}
DIE_FN(die, EXIT_FAILURE_RUN)
DIE_FN(die_usage, EXIT_USAGE)
DIE_FN(die_skip, EXIT_SKIP)
DIE_FN(die_violation, EXIT_VIOLATION)

void set_reason(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!reason || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
}

void buf_appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}
