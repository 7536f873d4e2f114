/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_knobs: reading (selection knobs give the selected word), setting
 * with the original journaled once, restoring exactly (nothing written
 * when the value is already right, cgroup.subtree_control by controller),
 * on fake knob files and on real THP knobs that no benchmark depends on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "tap.h"
#include "testenv.h"

static char tmpdir[] = "/tmp/cowbench-unit-knobs.XXXXXX";
static char state[PATH_MAX];


static const char *own_journal(void)
{
	static char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/journal.%d", state, (int)getpid());
	return path;
}

/* Knob lines for `path` in our journal. */
static int journal_lines_for(const char *path)
{
	char line[8192], want[PATH_MAX + 8];
	int n = 0;
	FILE *f = fopen(own_journal(), "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "knob %s ", path);
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, want, strlen(want));
	fclose(f);
	return n;
}

static void test_read(const char *dir)
{
	char path[PATH_MAX], buf[8];
	long v = 0;
	int r;

	snprintf(path, sizeof(path), "%s/sel", dir);
	put(path, "always [madvise] never\n");
	ok(!strcmp(knob(path), "madvise"), "selection knob: the selected word");
	put(path, "  42 \n");
	r = knob_read_long(path, &v);
	ok(r == 0 && v == 42, "knob_read_long trims (%ld)", v);
	put(path, "42x\n");
	ok(knob_read_long(path, &v) == -EINVAL, "knob_read_long rejects '42x'");
	put(path, "123456789\n");
	ok(knob_read(path, buf, sizeof(buf)) == -ERANGE, "too small a buffer: -ERANGE");
	ok(knob_exists(path) && !knob_exists("/nonexistent/knob"), "knob_exists");
	ok(knob_read("/nonexistent/knob", buf, sizeof(buf)) == -ENOENT, "missing knob: -ENOENT");
}

static void test_set_restore(const char *dir)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };
	struct stat st;

	snprintf(path, sizeof(path), "%s/num", dir);
	put(path, "60\n");
	ok(knob_set(path, "60") == 0 && access(own_journal(), F_OK) != 0,
	   "setting the current value changes and journals nothing");
	ok(knob_set(path, "10") == 0 && !strcmp(get(path), "10\n"), "knob_set writes the value");
	ok(journal_lines_for(path) == 1, "original journaled");
	ok(knob_set_long(path, 20) == 0 && !strcmp(knob(path), "20"), "knob_set_long");
	ok(journal_lines_for(path) == 1, "a second change does not journal again");
	knobs_restore();
	ok(!strcmp(knob(path), "60"), "knobs_restore puts the first value back (%s)", knob(path));
	ok(access(own_journal(), F_OK) != 0, "and empties the journal");

	ok(knob_set("/nonexistent/knob", "1") == -ENOENT && access(own_journal(), F_OK) != 0,
	   "a missing knob: -ENOENT, nothing journaled");

	/* KSM run must come back to exactly what it was: 0 stays 0, never 2. */
	snprintf(path, sizeof(path), "%s/run", dir);
	put(path, "0\n");
	ok(knob_set(path, "1") == 0, "fake ksm run 0 -> 1");
	knobs_restore();
	ok(!strcmp(get(path), "0\n"), "restored to 0 exactly ('%s')", get(path));

	/* Restore writes nothing when the value is already right (writes may have side effects). */
	put(path, "2\n");
	utimensat(AT_FDCWD, path, old, 0);
	ok(knob_restore_value(path, "2") == 0 && stat(path, &st) == 0 && st.st_mtime == 0,
	   "equal value: not written");
	ok(knob_restore_value(path, "1") == 0 && !strcmp(get(path), "1\n"), "different value: written");

	/* Controllers are switched off one by one, not by writing the old list. */
	snprintf(sub, sizeof(sub), "%s/cgroup.subtree_control", dir);
	put(sub, "cpu io\n");
	ok(knob_set(sub, "+memory") == 0 && !strcmp(get(sub), "+memory\n"), "subtree_control +memory");
	put(sub, "cpu io memory\n");	/* what the kernel would show now */
	knobs_restore();
	ok(!strcmp(get(sub), "-memory\n"), "restore writes -memory ('%s')", get(sub));
}

static void test_child(const char *dir)
{
	char path[PATH_MAX];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/owner", dir);
	put(path, "1\n");
	ok(knob_set(path, "2") == 0, "parent sets a knob");
	pid = fork();
	if (pid == 0) {
		knobs_restore();
		run_cleanups();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(!strcmp(knob(path), "2"), "a forked child's knobs_restore/run_cleanups restore nothing");
	run_cleanups();
	ok(!strcmp(knob(path), "1"), "the parent's run_cleanups restores (knob_set registered it)");
}

/*
 * Real knobs that no benchmark reads and the suite's machine-state check
 * does not watch (the machine may be shared): KSM's chain pruning period
 * (KSM is off) and shmem THP.
 */
static void test_real(void)
{
	const char *number_knob = KSM_DIR "/stable_node_chains_prune_millisecs";
	const char *shmem_knob = THP_DIR "/shmem_enabled";
	char before[64], shmem_before[64], buf[8192];
	const char *other;
	long v = 0;
	int r;

	if (!knob_exists(THP_DIR "/enabled")) {
		skip("no THP on this kernel");
		return;
	}
	ok(!knob_read(THP_DIR "/enabled", buf, sizeof(buf)) &&
	   (!strcmp(buf, "always") || !strcmp(buf, "madvise") || !strcmp(buf, "never")),
	   "THP enabled reads as one word (%s)", buf);
	r = knob_read_long("/proc/sys/vm/swappiness", &v);
	ok(r == 0 && v >= 0 && v <= 200, "swappiness %ld", v);

	if (getuid() != 0 || knob_read(number_knob, before, sizeof(before)) ||
	    knob_read(shmem_knob, shmem_before, sizeof(shmem_before))) {
		skip("not root or knobs missing: real knob changes not tested");
	} else {
		r = knob_set_long(number_knob, atol(before) + 1);
		if (!r)
			r = knob_read_long(number_knob, &v);
		ok(r == 0 && v == atol(before) + 1, "real knob changed (%s -> %ld)", before, v);
		other = strcmp(shmem_before, "advise") ? "advise" : "never";
		ok(knob_set(shmem_knob, other) == 0 && !strcmp(knob(shmem_knob), other),
		   "real selection knob changed (%s -> %s)", shmem_before, other);
		ok(knob_set(shmem_knob, "bogus") == -EINVAL && journal_lines_for(shmem_knob) == 1,
		   "an invalid value is refused (-EINVAL), the journal keeps the original once");
		knobs_restore();
		ok(!strcmp(knob(number_knob), before), "restored exactly (%s)", knob(number_knob));
		ok(!strcmp(knob(shmem_knob), shmem_before), "restored exactly (%s)", knob(shmem_knob));
	}

	ok(knobs_describe(buf, sizeof(buf)) == 0 && strstr(buf, "thp.enabled=") &&
	   strstr(buf, "vm.swappiness=") && buf[strlen(buf) - 1] == '\n',
	   "knobs_describe lists key=value lines");
	if (knob_exists(THP_DIR "/hugepages-64kB/enabled"))
		ok(strstr(buf, "thp.hugepages-64kB.enabled=") != NULL, "knobs_describe lists mTHP sizes");
	ok(knobs_describe(buf, 16) == -ENOSPC, "knobs_describe: -ENOSPC when it does not fit");
}

int main(void)
{
	if (testenv_setup(tmpdir, state, sizeof(state)))
		return 1;

	test_read(tmpdir);
	test_set_restore(tmpdir);
	test_child(tmpdir);
	test_real();

	testenv_cleanup(tmpdir);
	return done_testing();
}
