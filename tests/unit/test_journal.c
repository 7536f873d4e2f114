/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_journal: the journal format (escaping, owner line, forgetting),
 * undoing a process's own changes, and restore of journals left by dead
 * processes: killed children, a reused pid, a cut-off last line, an entry
 * that can't be undone. Fake knob files in a temp dir; state dir isolated.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "proc.h"
#include "tap.h"
#include "testenv.h"

static char tmpdir[] = "/tmp/cowbench-unit-journal.XXXXXX";
static char state[PATH_MAX];


static char *own_journal(void)
{
	static char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/journal.%d", state, (int)getpid());
	return path;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

/* A child that does `what`, reports on a pipe, then waits to be killed. */
static pid_t child_doing(void (*what)(void *), void *arg)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (what)
			what(arg);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &c, 1) != 1)
		pid = -1;
	close(fds[0]);
	return pid;
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void set_knob_to_7(void *path)
{
	knob_set(path, "7");
}

static void test_format(void)
{
	char expect[PATH_MAX * 2];
	unsigned long long start = proc_start_time(getpid());

	ok(!strcmp(journal_state_dir(), state), "state dir from COWBENCH_STATE_DIR (%s)",
	   journal_state_dir());
	ok(journal_add("knob", "/x/a b", "v1 v2\nz\\w") == 0, "journal_add");
	snprintf(expect, sizeof(expect), "process %d %llu\nknob /x/a\\sb v1 v2\\nz\\\\w\n",
	     (int)getpid(), start);
	ok(!strcmp(get(own_journal()), expect), "owner line, then the entry escaped: '%s'",
	   get(own_journal()));
	ok(journal_has("knob", "/x/a b"), "journal_has finds the entry");
	ok(!journal_has("knob", "/x/a"), "journal_has: no partial match");
	ok(journal_add("cgroup", "/sys/fs/cgroup/cowbench-x", NULL) == 0, "entry without value");
	ok(journal_forget("knob", "/nope") == -ENOENT, "forget an unknown entry: -ENOENT");
	ok(journal_forget("knob", "/x/a b") == 0 && !journal_has("knob", "/x/a b") &&
	   journal_has("cgroup", "/sys/fs/cgroup/cowbench-x"), "forget drops only that line");
	ok(journal_forget("cgroup", "/sys/fs/cgroup/cowbench-x") == 0 && !exists(own_journal()),
	   "the journal file goes with its last entry");
}

static void test_undo_own(char *k1, char *k2)
{
	put(k1, "5\n");
	put(k2, "always [madvise] never\n");
	ok(knob_set(k1, "6") == 0 && knob_set(k2, "never") == 0 && knob_set(k1, "8") == 0,
	   "set fake knobs");
	ok(!strcmp(knob(k1), "8") && !strcmp(knob(k2), "never"), "fake knobs changed");
	ok(journal_undo_own() == 0, "journal_undo_own");
	ok(!strcmp(knob(k1), "5") && !strcmp(knob(k2), "madvise"),
	   "original values back, the selected word for a selection knob (%s, %s)",
	   knob(k1), knob(k2));
	ok(!exists(own_journal()), "journal removed after undo");

	put(k1, "x y\n");
	ok(knob_set(k1, "z") == 0 && journal_undo_own() == 0 && !strcmp(knob(k1), "x y"),
	   "a value with a space survives the journal (%s)", knob(k1));
}

static void test_helper_pid(void)
{
	char arg[32], value[32];
	int status = 0;
	pid_t pid = child_doing(NULL, NULL);

	snprintf(arg, sizeof(arg), "%d", (int)pid);
	snprintf(value, sizeof(value), "%llu", proc_start_time(pid) + 1);
	journal_add("pid", arg, value);
	ok(journal_undo_own() == 0 && alive(pid),
	   "a helper pid whose start time differs (pid reused) is not killed");
	snprintf(value, sizeof(value), "%llu", proc_start_time(pid));
	journal_add("pid", arg, value);
	ok(journal_undo_own() == 0, "undo a helper pid entry");
	ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "the helper was killed");
}

static char *stale_k1, *stale_k2;

static void stale_then_set(void *unused)
{
	char text[PATH_MAX * 2];

	snprintf(text, sizeof(text), "process %d 1\nknob %s 5\n", (int)getpid(), stale_k1);
	put(own_journal(), text);
	knob_set(stale_k2, "always");
}

static void test_restore_dead(char *k1, char *k2)
{
	char path[PATH_MAX + 64], text[PATH_MAX * 4];
	pid_t pid;

	put(k1, "5\n");
	pid = child_doing(set_knob_to_7, k1);
	snprintf(path, sizeof(path), "%s/journal.%d", state, (int)pid);
	ok(exists(path) && !strcmp(knob(k1), "7"), "child changed a knob, journal.%d exists",
	   (int)pid);
	ok(journal_restore_dead(false, NULL) == 0 && !strcmp(knob(k1), "7") && exists(path),
	   "restore leaves a running process alone");
	kill_reap(pid);
	ok(!strcmp(knob(k1), "7"), "SIGKILL: nothing was restored by the child");
	ok(journal_restore_dead(false, NULL) == 0, "restore of the killed child's journal: clean");
	ok(!strcmp(knob(k1), "5") && !exists(path), "knob back to 5, journal gone");

	/* --all also undoes live processes. */
	pid = child_doing(set_knob_to_7, k1);
	ok(journal_restore_dead(true, NULL) == 0 && !strcmp(knob(k1), "5"), "--all restores a live one");
	kill_reap(pid);

	/* A live pid whose start time differs is a dead run whose pid was reused. */
	pid = child_doing(NULL, NULL);
	snprintf(path, sizeof(path), "%s/journal.%d", state, (int)pid);
	snprintf(text, sizeof(text), "process %d %llu\nknob %s 5\n", (int)pid,
		 proc_start_time(pid) + 1, k1);
	put(path, text);
	put(k1, "9\n");
	ok(journal_restore_dead(false, NULL) == 0 && !strcmp(knob(k1), "5") && !exists(path),
	   "pid reused by a live process: the journal is still undone");
	kill_reap(pid);

	/* A crash mid-append leaves a last line without newline: it never took effect. */
	snprintf(path, sizeof(path), "%s/journal.%d", state, (int)pid);
	snprintf(text, sizeof(text), "process %d 1\nknob %s 5\nknob %s alw", (int)pid, k1, k2);
	put(path, text);
	put(k1, "6\n");
	put(k2, "always [never]\n");
	ok(journal_restore_dead(false, NULL) == 0 && !strcmp(knob(k1), "5") && !strcmp(knob(k2), "never"),
	   "a cut-off last line is ignored, the rest undone");

	/* An entry that can't be undone stays, and is counted. */
	snprintf(text, sizeof(text), "process %d 1\nknob %s/missing 1\nknob %s 5\n", (int)pid,
		 tmpdir, k1);
	put(path, text);
	put(k1, "6\n");
	ok(journal_restore_dead(false, NULL) == 1, "restore counts the entry it could not undo");
	ok(!strcmp(knob(k1), "5"), "the other entries were still undone");
	snprintf(text, sizeof(text), "process %d 1\nknob %s/missing 1\n", (int)pid, tmpdir);
	ok(!strcmp(get(path), text), "only the failed entry is left in the journal");
	unlink(path);

	/* A new process whose pid has a dead run's journal must not adopt it. */
	put(k1, "6\n");
	put(k2, "always [never]\n");
	stale_k1 = k1;
	stale_k2 = k2;
	pid = child_doing(stale_then_set, NULL);
	ok(!strcmp(knob(k2), "always"), "a process with a stale journal under its pid can journal");
	ok(journal_restore_dead(false, NULL) == 0 && !strcmp(knob(k1), "5") && !strcmp(knob(k2), "always"),
	   "the stale journal is restored, the live process's own is left alone");
	kill_reap(pid);
	ok(journal_restore_dead(false, NULL) == 0 && !strcmp(knob(k2), "never"),
	   "after the kill, its own journal is restored too");
}

static void test_child_does_not_restore(char *k1)
{
	int status;
	pid_t pid;

	put(k1, "5\n");
	ok(knob_set(k1, "6") == 0, "parent changes a knob");
	pid = fork();
	if (pid == 0) {
		/* A forked child (even one not made by proc_fork) must not undo the parent's change. */
		run_cleanups();
		knobs_restore();
		journal_undo_own();
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(!strcmp(knob(k1), "6") && exists(own_journal()),
	   "cleanups in a forked child leave the parent's knob and journal");
	knobs_restore();
	ok(!strcmp(knob(k1), "5") && !exists(own_journal()), "the parent restores it");
}

int main(void)
{
	char k1[PATH_MAX], k2[PATH_MAX];

	if (testenv_setup(tmpdir, state, sizeof(state)))
		return 1;
	snprintf(k1, sizeof(k1), "%s/knob1", tmpdir);
	snprintf(k2, sizeof(k2), "%s/knob2", tmpdir);

	test_format();
	test_undo_own(k1, k2);
	test_helper_pid();
	test_restore_dead(k1, k2);
	test_child_does_not_restore(k1);

	testenv_cleanup(tmpdir);
	return done_testing();
}
