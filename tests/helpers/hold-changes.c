/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hold-changes: a stand-in for a run that changes the machine, for
 * tests/integration/restore.sh. It makes the changes given through the
 * real lib/ modules (journaled), prints what it made and "ready", then
 * waits to be killed: SIGKILL leaves a journal, SIGTERM cleans up itself.
 *   hold-changes [knob PATH VALUE] [cgroup] [swapfile file:PATH BYTES]
 *                [zram BYTES] [helper] ...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup.h"
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "proc.h"
#include "swap.h"

/* A child that sleeps until killed (not proc_fork: it must outlive a SIGKILLed parent). */
static pid_t sleeping_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int make_cgroup(char *reason, size_t len)
{
	static struct cgroup cg;
	pid_t pid;
	int r;

	r = cgroup_create(&cg, "hold", reason, len);
	if (!r)
		r = cgroup_set_memory_limit(&cg, 64 << 20);
	if (r)
		return r;
	pid = sleeping_child();
	if (pid < 0)
		return -errno;
	r = cgroup_enter(&cg, pid);
	printf("cgroup %s %d\n", cg.path, (int)pid);
	return r;
}

/* A helper process journaled as "pid": restore must kill it. */
static int make_helper(void)
{
	char arg[32], value[32];
	pid_t pid = sleeping_child();

	if (pid < 0)
		return -errno;
	/* Its start time must be in /proc before it can be journaled. */
	while (!proc_start_time(pid))
		usleep(1000);
	snprintf(arg, sizeof(arg), "%d", (int)pid);
	snprintf(value, sizeof(value), "%llu", proc_start_time(pid));
	printf("helper %d\n", (int)pid);
	return journal_add("pid", arg, value);
}

int main(int argc, char **argv)
{
	static struct swap_added swaps[8];
	char reason[512] = "";
	int i, nswaps = 0;

	log_init(argv[0]);
	cleanup_on_signals();
	for (i = 1; i < argc; i++) {
		const char *what = argv[i];
		int r;

		if (!strcmp(argv[i], "knob") && i + 2 < argc) {
			r = knob_set(argv[i + 1], argv[i + 2]);
			i += 2;
		} else if (!strcmp(argv[i], "cgroup")) {
			r = make_cgroup(reason, sizeof(reason));
		} else if (!strcmp(argv[i], "swapfile") && i + 2 < argc && nswaps < 8) {
			r = swap_add(argv[i + 1], strtoull(argv[i + 2], NULL, 0), &swaps[nswaps++],
				     reason, sizeof(reason));
			i += 2;
		} else if (!strcmp(argv[i], "zram") && i + 1 < argc && nswaps < 8) {
			r = swap_add("zram", strtoull(argv[i + 1], NULL, 0), &swaps[nswaps],
				     reason, sizeof(reason));
			if (!r)
				printf("zram %d\n", swaps[nswaps].zram_id);
			nswaps++;
			i++;
		} else if (!strcmp(argv[i], "helper")) {
			r = make_helper();
		} else {
			fprintf(stderr, "hold-changes: bad change '%s'\n", argv[i]);
			exit_after_cleanup(EXIT_USAGE);
		}
		if (r) {
			fprintf(stderr, "hold-changes: %s: %s %s\n", what, strerror(-r), reason);
			exit_after_cleanup(EXIT_FAILURE_RUN);
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
