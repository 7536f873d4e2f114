/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of lib/proc: the start barrier holds everyone until the last
 * arrives and is reusable, waits time out, and children die with a parent
 * killed by SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "proc.h"
#include "tap.h"

int main(void)
{
	enum { N = 4, ROUNDS = 50 };
	struct barrier *b = barrier_create(N + 1);
	unsigned *arrived = shared_alloc(sizeof(unsigned) * 2);
	int i, st, bad = 0, r;
	pid_t pids[N], mid, *grandchild = shared_alloc(sizeof(pid_t));
	char buf[64];

	for (i = 0; i < N; i++) {
		pids[i] = proc_fork();
		if (pids[i] == 0) {
			for (r = 0; r < ROUNDS; r++) {
				__atomic_add_fetch(&arrived[0], 1, __ATOMIC_SEQ_CST);
				barrier_wait(b);
				barrier_wait(b);
			}
			_exit(0);
		}
	}
	for (r = 0; r < ROUNDS; r++) {
		/* Nobody passes the first barrier before everyone of this round arrived. */
		while (__atomic_load_n(&arrived[0], __ATOMIC_SEQ_CST) < (unsigned)(N * (r + 1)))
			;
		barrier_wait(b);
		if (__atomic_load_n(&arrived[0], __ATOMIC_SEQ_CST) != (unsigned)(N * (r + 1)))
			bad++;
		barrier_wait(b);
	}
	for (i = 0; i < N; i++)
		bad += proc_wait(pids[i], 10 * 1000000000ull, &st) || !WIFEXITED(st) || WEXITSTATUS(st);
	ok(!bad, "barrier released %d processes together for %d rounds", N + 1, ROUNDS);

	pids[0] = proc_fork();
	if (pids[0] == 0) {
		pause();
		_exit(0);
	}
	ok(proc_wait(pids[0], 50 * 1000000ull, &st) == -ETIMEDOUT, "proc_wait times out");
	proc_kill_children();
	ok(waitpid(pids[0], &st, WNOHANG) < 0 && errno == ECHILD, "proc_kill_children killed and reaped it");
	ok(!strcmp(proc_status_str(9, buf, sizeof(buf)), "killed by SIGKILL"), "status words: %s", buf);

	/* A child of a SIGKILLed parent must not outlive it. */
	fflush(stdout);
	mid = fork();
	if (mid == 0) {
		pid_t c = proc_fork();

		if (c == 0) {
			pause();
			_exit(0);
		}
		*grandchild = c;
		pause();
		_exit(0);
	}
	while (!*grandchild)
		sleep_ns(1000000);
	kill(mid, SIGKILL);
	waitpid(mid, &st, 0);
	for (i = 0; i < 200 && kill(*grandchild, 0) == 0; i++)
		sleep_ns(10000000);
	ok(kill(*grandchild, 0) < 0, "the child died with its SIGKILLed parent");
	ok(proc_start_time(getpid()) > 0 && proc_start_time(*grandchild) == 0, "proc_start_time");
	return done_testing();
}
