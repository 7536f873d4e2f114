/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc: processes of a benchmark. fork with stdio flushed and the child
 * registered (so an interrupted run kills it), a start barrier that
 * releases every process at the same instant, waiting with a timeout, exit
 * status in words, and memory shared across fork for results.
 */
#ifndef COWBENCH_PROC_H
#define COWBENCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* MAP_SHARED|MAP_ANONYMOUS memory that parent and children see alike; NULL on failure. */
void *shared_alloc(size_t len);
void shared_free(void *p, size_t len);

/*
 * fork(): flushes stdio first; in the parent the child is remembered until
 * reaped, and killed (SIGKILL) by the cleanup path if the run is
 * interrupted. In the child, cleanups registered by the parent are
 * disarmed. Returns like fork().
 */
pid_t proc_fork(void);
/* Wait for pid up to timeout_ns (0 = forever). 0 and *status, -ETIMEDOUT, -errno. */
int proc_wait(pid_t pid, uint64_t timeout_ns, int *status);
/* Kill (SIGKILL) and reap every child still registered. */
void proc_kill_children(void);
/* "exited 0", "killed by SIGKILL", ... */
const char *proc_status_str(int status, char *buf, size_t len);
/* Start time of a process in clock ticks since boot (field 22 of /proc/pid/stat), 0 if gone. */
unsigned long long proc_start_time(pid_t pid);
/* Resident anonymous memory of pid in bytes (RssAnon from /proc/pid/status). */
int proc_rss_anon(pid_t pid, uint64_t *bytes);
/*
 * A "Field:   N kB" line of a /proc file (/proc/meminfo, /proc/self/status),
 * in bytes. 0, -ENOENT when the field is missing, -errno.
 */
int proc_kb_field(const char *path, const char *field, uint64_t *bytes);
/* The CPU model from /proc/cpuinfo ("model name"), "unknown" when absent. */
void proc_cpu_model(char *buf, size_t len);

/*
 * Start barrier in shared memory: n parties call barrier_wait(); the last
 * to arrive releases all of them at once (futex wake). Reusable.
 */
struct barrier {
	unsigned parties;
	unsigned arrived;
	unsigned generation;
};
struct barrier *barrier_create(unsigned parties);	/* in shared memory */
void barrier_destroy(struct barrier *b);
void barrier_wait(struct barrier *b);

/* Run a command (PATH searched) and wait: its exit status, or -errno if it could not start. */
int proc_run(char *const argv[]);

/* Line-buffer stdout (call before the first fork). */
void stdout_line_buffered(void);

#endif
