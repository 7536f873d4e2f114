/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc: forking, waiting and a start barrier for benchmark processes.
 * Children are remembered so an interrupted run kills them instead of
 * leaving them behind on the machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "proc.h"

#define MAX_CHILDREN 1024
static pid_t children[MAX_CHILDREN];
static int nchildren;

void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void shared_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static void forget_child(pid_t pid)
{
	int i;

	for (i = 0; i < nchildren; i++) {
		if (children[i] == pid) {
			children[i] = children[--nchildren];
			return;
		}
	}
}

void proc_kill_children(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGKILL);
	for (i = 0; i < nchildren; i++)
		while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR)
			;
	nchildren = 0;
}

pid_t proc_fork(void)
{
	pid_t pid, parent = getpid();

	fflush(stdout);
	fflush(stderr);
	if (nchildren == MAX_CHILDREN) {
		errno = EAGAIN;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		nchildren = 0;	/* the parent's children are not ours to kill */
		/* A parent killed with SIGKILL runs no cleanup: take the child with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_FAILURE_RUN);
		return 0;
	}
	if (pid > 0) {
		if (nchildren == 0)
			at_cleanup(proc_kill_children);
		children[nchildren++] = pid;
	}
	return pid;
}

int proc_wait(pid_t pid, uint64_t timeout_ns, int *status)
{
	uint64_t deadline = timeout_ns ? now_ns() + timeout_ns : 0;
	uint64_t nap = 100000;	/* 100 us, growing to 10 ms */

	for (;;) {
		pid_t r = waitpid(pid, status, deadline ? WNOHANG : 0);

		if (r == pid) {
			forget_child(pid);
			return 0;
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (deadline && now_ns() >= deadline)
			return -ETIMEDOUT;
		if (deadline) {
			sleep_ns(nap);
			if (nap < 10000000)
				nap *= 2;
		}
	}
}

const char *proc_status_str(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		snprintf(buf, len, "status 0x%x", status);
	return buf;
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* The command name may hold spaces and ')': fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		sscanf(p + 1, "%llu", &start);
	return start;
}

int proc_kb_field(const char *path, const char *field, uint64_t *bytes)
{
	size_t flen = strlen(field);
	unsigned long long kb;
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%llu", &kb) == 1) {
			fclose(f);
			*bytes = kb << 10;
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

void proc_cpu_model(char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	if (f)
		fclose(f);
}

int proc_rss_anon(pid_t pid, uint64_t *bytes)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid ? (int)pid : (int)getpid());
	return proc_kb_field(path, "RssAnon", bytes);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static long futex(unsigned *uaddr, int op, unsigned val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

struct barrier *barrier_create(unsigned parties)
{
	struct barrier *b = shared_alloc(sizeof(*b));

	if (b)
		b->parties = parties;
	return b;
}

void barrier_destroy(struct barrier *b)
{
	shared_free(b, sizeof(*b));
}

void barrier_wait(struct barrier *b)
{
	unsigned gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == b->parties) {
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->generation, 1, __ATOMIC_RELEASE);
		futex(&b->generation, FUTEX_WAKE, INT_MAX);
		return;
	}
	/* Spin briefly (parties on other CPUs leave together), then sleep in the kernel. */
	for (int spin = 0; spin < 20000; spin++) {
		if (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) != gen)
			return;
		cpu_relax();
	}
	while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen)
		futex(&b->generation, FUTEX_WAIT, gen);
}

void stdout_line_buffered(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

int proc_run(char *const argv[])
{
	extern char **environ;
	int status;
	pid_t pid;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ))
		return -ENOENT;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
