/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_swap: a real 64M swap file (header written by us) and a 64M zram
 * device: added, seen in /proc/swaps with the right size, removed without
 * a trace; and a process killed with SIGKILL after adding both, whose swap
 * `restore` then removes. Bad specs are refused before anything is made.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/mman.h>
#include "cgroup.h"
#include "journal.h"
#include "swap.h"
#include "tap.h"
#include "testenv.h"

#define MiB (1ull << 20)

static char tmpdir[] = "/var/tmp/cowbench-unit-swap.XXXXXX";

/* Size in KiB of `name` in /proc/swaps, -1 when absent. */
static long long swaps_size_kb(const char *name)
{
	char line[PATH_MAX + 128], dev[PATH_MAX];
	long long size = -1, kb;
	FILE *f = fopen("/proc/swaps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %*s %lld", dev, &kb) == 2 && !strcmp(dev, name))
			size = kb;
	if (f)
		fclose(f);
	return size;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_refused(void)
{
	struct swap_added added;
	char reason[512], path[PATH_MAX];
	uint64_t total = 0, free_bytes = 0;

	ok(swap_totals(&total, &free_bytes) == 0 && free_bytes <= total, "swap_totals (%llu total)",
	   (unsigned long long)total);
	ok(swap_add("disk:/x", 64 * MiB, &added, reason, sizeof(reason)) == -EINVAL,
	   "unknown kind refused (%s)", reason);
	ok(swap_add("file:", 64 * MiB, &added, reason, sizeof(reason)) == -EINVAL, "empty path refused");
	snprintf(path, sizeof(path), "file:%s/tiny", tmpdir);
	ok(swap_add(path, 4096, &added, reason, sizeof(reason)) == -EINVAL && !exists(path + 5),
	   "a swap of one page refused (%s)", reason);
	snprintf(path, sizeof(path), "file:%s", tmpdir);
	ok(swap_add(path, 64 * MiB, &added, reason, sizeof(reason)) == -EEXIST &&
	   !journal_has("swapfile", tmpdir), "an existing path is never adopted (%s)", reason);
	ok(swap_remove(&added) == 0, "removing nothing is fine");
}

/* Used KiB of `name` in /proc/swaps. */
static long long swaps_used_kb(const char *name)
{
	char line[PATH_MAX + 128], dev[PATH_MAX];
	long long used = -1, kb;
	FILE *f = fopen("/proc/swaps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %*s %*d %lld", dev, &kb) == 2 && !strcmp(dev, name))
			used = kb;
	if (f)
		fclose(f);
	return used;
}

static int swap_areas(void)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/swaps", "r");
	int n = -1;		/* the header line */

	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

/*
 * The header we wrote must make a swap area the kernel really pages to:
 * a child in a 16M memory cgroup writes 48M and reads it all back.
 */
static void swap_really_used(const char *path)
{
	const size_t len = 48 * MiB, page = 4096;
	int go[2], written[2], status = 0;
	char reason[512], c;
	long long used = -1;
	struct cgroup cg;
	pid_t pid;

	if (cgroup_create(&cg, "swaptest", reason, sizeof(reason))) {
		skip("no memory cgroup to force swapping: %s", reason);
		return;
	}
	if (cgroup_set_memory_limit(&cg, 16 * MiB) || pipe(go) || pipe(written)) {
		ok(0, "set up the swapping child");
		cgroup_destroy(&cg);
		return;
	}
	pid = fork();
	if (pid == 0) {
		unsigned char *p;
		size_t i;

		/* Only allocate once inside the group: earlier pages are charged elsewhere. */
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (i = 0; i < len; i += page)
			p[i] = (unsigned char)(i / page * 7 + 1);
		if (write(written[1], "w", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		for (i = 0; i < len; i += page)
			if (p[i] != (unsigned char)(i / page * 7 + 1))
				_exit(1);
		_exit(0);
	}
	if (pid > 0 && cgroup_enter(&cg, pid) == 0 && write(go[1], "g", 1) == 1 &&
	    read(written[0], &c, 1) == 1)
		used = swaps_used_kb(path);
	if (write(go[1], "g", 1) != 1)
		printf("# the swapping child is gone\n");
	close(go[0]);
	close(go[1]);
	close(written[0]);
	close(written[1]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (swap_areas() == 1)
		ok(used > 0, "a child in a 16M cgroup writing 48M swapped to it (%lld KiB used)", used);
	else
		skip("other swap areas are active: pages may have gone there");
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "and read every page back intact (status %#x)", status);
	ok(cgroup_destroy(&cg) == 0, "cgroup removed");
}

static void test_file(void)
{
	struct swap_added added;
	char reason[512], spec[PATH_MAX + 8], path[PATH_MAX];
	long long kb;
	int r;

	snprintf(path, sizeof(path), "%s/swapfile", tmpdir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	r = swap_add(spec, 64 * MiB, &added, reason, sizeof(reason));
	if (r == -EINVAL || r == -EPERM || r == -EOPNOTSUPP) {
		skip("no swap file on this filesystem: %s", reason);
		return;
	}
	if (!ok(r == 0, "swap file added (%s)", r ? reason : added.path))
		return;
	kb = swaps_size_kb(path);
	/* All pages but the header page are usable. */
	ok(kb == 64 * 1024 - 4, "in /proc/swaps with 64M minus the header page (%lld KiB)", kb);
	ok(added.kind == SWAP_ADDED_FILE && !strcmp(added.path, path) && journal_has("swapfile", path),
	   "described and journaled");
	swap_really_used(path);
	ok(swap_remove(&added) == 0, "removed");
	ok(swaps_size_kb(path) < 0 && !exists(path) && !journal_has("swapfile", path),
	   "gone from /proc/swaps, the disk and the journal");
}

static void test_zram(void)
{
	struct swap_added added;
	char reason[512], sys[64];
	int r;

	r = swap_add("zram", 64 * MiB, &added, reason, sizeof(reason));
	if (r == -ENOTSUP) {
		skip("%s", reason);
		return;
	}
	if (!ok(r == 0, "zram swap added (%s)", r ? reason : added.path))
		return;
	snprintf(sys, sizeof(sys), "/sys/block/zram%d", added.zram_id);
	ok(swaps_size_kb(added.path) == 64 * 1024 - 4, "%s in /proc/swaps (%lld KiB)", added.path,
	   swaps_size_kb(added.path));
	ok(swap_remove(&added) == 0, "removed");
	ok(swaps_size_kb(added.path) < 0 && !exists(sys), "swapped off and %s hot-removed", sys);
}

/* A run killed with SIGKILL after adding swap: restore removes it. */
static void test_killed(void)
{
	char reason[512], spec[PATH_MAX + 8], path[PATH_MAX], msg[PATH_MAX + 64];
	int fds[2], zram_id = -1;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/killed", tmpdir);
	snprintf(spec, sizeof(spec), "file:%s", path);
	if (pipe(fds))
		return;
	pid = fork();
	if (pid == 0) {
		struct swap_added a, z;
		int len;

		close(fds[0]);
		if (swap_add(spec, 64 * MiB, &a, reason, sizeof(reason)))
			a.kind = SWAP_ADDED_NONE;
		if (swap_add("zram", 64 * MiB, &z, reason, sizeof(reason)))
			z.zram_id = -1;
		len = snprintf(msg, sizeof(msg), "%d %d", a.kind == SWAP_ADDED_FILE, z.zram_id);
		if (write(fds[1], msg, len) != len)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	n = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	msg[n > 0 ? n : 0] = 0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sscanf(msg, "%*d %d", &zram_id);
	if (!ok(msg[0] == '1' && swaps_size_kb(path) > 0, "killed child left its swap file active"))
		return;
	if (zram_id >= 0)
		snprintf(msg, sizeof(msg), "/dev/zram%d", zram_id);
	ok(zram_id < 0 || swaps_size_kb(msg) > 0, "and its zram device (%d)", zram_id);
	ok(journal_restore_dead(false, NULL) == 0, "restore: clean");
	ok(swaps_size_kb(path) < 0 && !exists(path), "swap file gone");
	if (zram_id >= 0) {
		snprintf(msg, sizeof(msg), "/sys/block/zram%d", zram_id);
		ok(!exists(msg), "zram device gone");
	}
}

int main(void)
{
	char state[PATH_MAX];

	if (getuid() != 0) {
		skip("swap needs root");
		return done_testing();
	}
	if (testenv_setup(tmpdir, state, sizeof(state)))
		return 1;

	test_refused();
	test_file();
	test_zram();
	test_killed();

	testenv_cleanup(tmpdir);
	return done_testing();
}
