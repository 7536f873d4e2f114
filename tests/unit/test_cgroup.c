/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_cgroup: the v2 file names and controller delegation on a fake
 * hierarchy (COWBENCH_CGROUP2_ROOT), then the real memory cgroup of this
 * machine: create, limit, a child entered that allocates past the limit
 * (usage, memory.stat and the OOM kill seen), self enter and leave,
 * destroy with tasks still inside.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "swap.h"
#include "tap.h"
#include "testenv.h"

#define MiB (1ull << 20)

static char tmpdir[] = "/tmp/cowbench-unit-cgroup.XXXXXX";

static void put_at(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *get_at(const char *dir, const char *file)
{
	static char buf[4096];
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (knob_read(path, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "<unreadable>");
	return buf;
}

static void unlink_at(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	unlink(path);
}

static const char *fake_files[] = {
	"memory.max", "memory.swap.max", "memory.current", "memory.swap.current",
	"memory.stat", "memory.events", "cgroup.procs", "cgroup.kill", NULL
};

static void test_fake_v2(void)
{
	char root[PATH_MAX], reason[1024], name[64];
	struct cgroup cg;
	uint64_t v = 0;
	int r, i;

	snprintf(root, sizeof(root), "%s/v2", tmpdir);
	mkdir(root, 0755);
	setenv("COWBENCH_CGROUP2_ROOT", root, 1);
	setenv("COWBENCH_CGROUP1_ROOT", "", 1);

	put_at(root, "cgroup.controllers", "cpu io\n");
	ok(cgroup_probe(reason, sizeof(reason)) == CGROUP_NONE && strstr(reason, "lacks the memory"),
	   "v2 without the memory controller and no v1: none (%s)", reason);
	ok(cgroup_create(&cg, "unit", reason, sizeof(reason)) == -ENOTSUP, "create: -ENOTSUP");

	put_at(root, "cgroup.controllers", "cpu io memory\n");
	put_at(root, "cgroup.subtree_control", "cpu\n");
	ok(cgroup_probe(reason, sizeof(reason)) == CGROUP_V2, "v2 with memory available: v2");
	ok(cgroup_create(&cg, "bad/name", reason, sizeof(reason)) == -EINVAL, "a '/' in the name: -EINVAL");
	r = cgroup_create(&cg, "unit", reason, sizeof(reason));
	snprintf(name, sizeof(name), "/cowbench-unit-%d-", (int)getpid());
	ok(r == 0 && cg.version == CGROUP_V2 && strstr(cg.path, name) &&
	   !strncmp(cg.path, root, strlen(root)), "created %s", cg.path);
	ok(!strcmp(get_at(root, "cgroup.subtree_control"), "+memory"),
	   "memory enabled in the root's subtree_control");
	ok(journal_has("cgroup", cg.path), "the group is journaled");

	/* What the kernel would have put into the new group. */
	put_at(cg.path, "memory.max", "max\n");
	put_at(cg.path, "memory.swap.max", "max\n");
	put_at(cg.path, "memory.current", "12345\n");
	put_at(cg.path, "memory.swap.current", "678\n");
	put_at(cg.path, "memory.stat", "anon 4096\nfile 0\npgfault 77\n");
	put_at(cg.path, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n");
	put_at(cg.path, "cgroup.procs", "");
	put_at(cg.path, "cgroup.kill", "");
	cg.has_swap_limit = true;

	ok(cgroup_set_memory_limit(&cg, 256 * MiB) == 0 &&
	   !strcmp(get_at(cg.path, "memory.max"), "268435456"), "memory.max = 268435456");
	ok(cgroup_set_swap_limit(&cg, 5 * 1024 * MiB) == 0 &&
	   !strcmp(get_at(cg.path, "memory.swap.max"), "5368709120"), "memory.swap.max = 5G");
	ok(cgroup_set_swap_limit(&cg, UINT64_MAX) == 0 &&
	   !strcmp(get_at(cg.path, "memory.swap.max"), "max"), "unlimited swap: 'max'");
	ok(cgroup_memory_current(&cg, &v) == 0 && v == 12345, "memory.current");
	ok(cgroup_swap_current(&cg, &v) == 0 && v == 678, "memory.swap.current");
	ok(cgroup_stat(&cg, "anon", &v) == 0 && v == 4096, "memory.stat anon");
	ok(cgroup_stat(&cg, "pgfault", &v) == 0 && v == 77, "memory.stat pgfault");
	ok(cgroup_stat(&cg, "anon_thp", &v) == -ENOENT, "a missing memory.stat field: -ENOENT");
	ok(cgroup_oom_kills(&cg, &v) == 0 && v == 2, "memory.events oom_kill (not oom, not oom_group_kill)");
	ok(cgroup_enter(&cg, 4242) == 0 && !strcmp(get_at(cg.path, "cgroup.procs"), "4242"),
	   "enter writes the pid to cgroup.procs");
	put_at(cg.path, "cgroup.procs", "");

	/* The kernel removes a group's files with it; a fake dir keeps them, so rmdir fails once. */
	ok(cgroup_destroy(&cg) == -ENOTEMPTY && !strcmp(get_at(cg.path, "cgroup.kill"), "1"),
	   "destroy uses cgroup.kill on v2");
	for (i = 0; fake_files[i]; i++)
		unlink_at(cg.path, fake_files[i]);
	ok(cgroup_destroy(&cg) == 0 && access(cg.path, F_OK) != 0 && !journal_has("cgroup", cg.path),
	   "destroy removes the group and its journal line");
	put_at(root, "cgroup.subtree_control", "cpu memory\n");
	knobs_restore();
	ok(!strcmp(get_at(root, "cgroup.subtree_control"), "-memory"),
	   "the memory controller is switched off again on restore");

	snprintf(name, sizeof(name), "%s/other", tmpdir);
	mkdir(name, 0755);
	ok(cgroup_remove_path(name) == -EINVAL && access(name, F_OK) == 0,
	   "remove_path refuses a directory not named cowbench-*");

	/* A v1 root is taken when v2 has no memory controller. */
	put_at(root, "cgroup.controllers", "cpu\n");
	snprintf(name, sizeof(name), "%s/v1", tmpdir);
	mkdir(name, 0755);
	put_at(name, "memory.limit_in_bytes", "9223372036854771712\n");
	setenv("COWBENCH_CGROUP1_ROOT", name, 1);
	ok(cgroup_probe(reason, sizeof(reason)) == CGROUP_V1, "v2 without memory falls back to v1");
	unsetenv("COWBENCH_CGROUP1_ROOT");
	unsetenv("COWBENCH_CGROUP2_ROOT");
}

static const char *self_memcg(void)
{
	static char line[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "r");

	line[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, ":memory:") || !strncmp(line, "0::", 3))
			break;
	if (f)
		fclose(f);
	return line;
}

/* Child: wait for "go", touch `first` bytes, report, wait, touch `then` more. */
static pid_t allocating_child(int *go, int *done, size_t first, size_t then)
{
	int to_child[2], from_child[2];
	pid_t pid;
	char c;

	if (pipe(to_child) || pipe(from_child))
		return -1;
	pid = fork();
	if (pid == 0) {
		char *p;

		if (read(to_child[0], &c, 1) != 1)
			_exit(1);
		p = mmap(NULL, first + then, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 1, first);
		if (write(from_child[1], "a", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(1);
		memset(p + first, 1, then);
		_exit(0);
	}
	close(to_child[0]);
	close(from_child[1]);
	*go = to_child[1];
	*done = from_child[0];
	return pid;
}

static void test_real(void)
{
	char reason[1024], before[PATH_MAX];
	enum cgroup_version version;
	struct cgroup cg;
	uint64_t v = 0, oom = 0;
	int go = -1, done = -1, status = 0, r;
	pid_t pid, sleeper;
	char c;

	if (cgroup_of_self(&cg, reason, sizeof(reason)) == 0) {
		r = cgroup_memory_current(&cg, &v);
		ok(r == 0 && v > 0, "cgroup_of_self: %s charges %llu bytes", cg.path,
		   (unsigned long long)v);
	} else {
		skip("cgroup_of_self: %s", reason);
	}
	version = cgroup_probe(reason, sizeof(reason));
	if (version == CGROUP_NONE || getuid() != 0) {
		skip("no memory cgroup usable here: %s", getuid() ? "not root" : reason);
		return;
	}
	printf("# real hierarchy: cgroup v%d\n", (int)version);
	r = cgroup_create(&cg, "unit", reason, sizeof(reason));
	if (!ok(r == 0, "create a real group (%s)", r ? reason : cg.path))
		return;
	ok(cgroup_set_memory_limit(&cg, 32 * MiB) == 0, "limit memory to 32M");
	ok(!strcmp(get_at(cg.path, version == CGROUP_V2 ? "memory.max" : "memory.limit_in_bytes"),
		   "33554432"), "the kernel shows the limit");
	if (cg.has_swap_limit) {
		ok(cgroup_set_swap_limit(&cg, 0) == 0, "no swap for the group");
		if (version == CGROUP_V1)
			ok(!strcmp(get_at(cg.path, "memory.memsw.limit_in_bytes"), "33554432"),
			   "v1: memsw = memory + swap");
		ok(cgroup_set_memory_limit(&cg, 48 * MiB) == 0, "raise memory (v1: memsw first)");
		if (version == CGROUP_V1)
			ok(!strcmp(get_at(cg.path, "memory.memsw.limit_in_bytes"), "50331648"),
			   "v1: the swap allowance (0) is kept: memsw = 48M");
		ok(cgroup_swap_current(&cg, &v) == 0, "swap usage readable");
	}

	/* Without a swap limit, a machine with swap would swap instead of OOM-killing. */
	if (!cg.has_swap_limit && swap_totals(&v, &oom) == 0 && v > 0) {
		skip("swap present and no swap accounting: OOM kill not testable");
		cgroup_destroy(&cg);
		return;
	}
	pid = allocating_child(&go, &done, 16 * MiB, 128 * MiB);
	ok(cgroup_enter(&cg, pid) == 0, "child entered");
	if (write(go, "g", 1) != 1 || read(done, &c, 1) != 1)
		printf("# child did not report\n");
	r = cgroup_memory_current(&cg, &v);
	ok(r == 0 && v >= 16 * MiB && v <= 48 * MiB, "usage counts the child's 16M (%llu)",
	   (unsigned long long)v);
	r = cgroup_stat(&cg, version == CGROUP_V2 ? "anon" : "rss", &v);
	ok(r == 0 && v >= 16 * MiB, "memory.stat anon/rss >= 16M (%llu)", (unsigned long long)v);
	ok(cgroup_oom_kills(&cg, &oom) == 0 && oom == 0, "no OOM kill yet");
	if (write(go, "g", 1) != 1)
		printf("# child gone early\n");
	waitpid(pid, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "allocating 128M more past the 48M limit: child OOM-killed");
	r = cgroup_oom_kills(&cg, &oom);
	ok(r == 0 && oom >= 1, "OOM kills counted (%llu)", (unsigned long long)oom);
	close(go);
	close(done);

	/* Entering ourselves, then destroy puts us back where we were. */
	snprintf(before, sizeof(before), "%s", self_memcg());
	ok(cgroup_enter(&cg, 0) == 0 && strstr(self_memcg(), strrchr(cg.path, '/')),
	   "self entered");
	sleeper = fork();
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	r = cgroup_destroy(&cg);
	ok(r == 0, "destroy with a task inside and ourselves in it (%s)", strerror(-r));
	ok(!strcmp(self_memcg(), before), "we are back in our cgroup (%s)", before);
	ok(waitpid(sleeper, &status, 0) == sleeper && WIFSIGNALED(status) &&
	   WTERMSIG(status) == SIGKILL, "the task left inside was killed");
	ok(access(cg.path, F_OK) != 0 && !journal_has("cgroup", cg.path), "group and journal line gone");
}

int main(void)
{
	char state[PATH_MAX];

	if (testenv_setup(tmpdir, state, sizeof(state)))
		return 1;

	test_fake_v2();
	test_real();

	testenv_cleanup(tmpdir);
	return done_testing();
}
