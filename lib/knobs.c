/* SPDX-License-Identifier: GPL-2.0 */
/*
 * knobs: read and set sysfs/procfs knobs. A change is journaled (the
 * original value, once per knob and process) before it is written, and
 * undone at exit, on signals, or by `cowbench restore` after a kill.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "journal.h"
#include "knobs.h"
#include "log.h"

#define KNOB_MAX 4096

/* The process that changed knobs: only it restores them (not forked children). */
static pid_t knob_owner;

static int read_raw(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = 0;
	return n;
}

int knob_read(const char *path, char *buf, size_t len)
{
	char raw[KNOB_MAX], *value = raw, *open_br, *close_br;
	int r = read_raw(path, raw, sizeof(raw));

	if (r < 0)
		return r;
	/* Selection knobs ("always [madvise] never"): the selected word is the value. */
	open_br = strchr(raw, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (open_br && close_br) {
		*close_br = 0;
		value = open_br + 1;
	}
	if (strlen(value) >= len)
		return -ERANGE;
	strcpy(buf, value);
	return 0;
}

int knob_read_long(const char *path, long *value)
{
	char buf[64], *end;
	int r = knob_read(path, buf, sizeof(buf));

	if (r)
		return r;
	errno = 0;
	*value = strtol(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

bool knob_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * Kernel attributes take a write as the whole new value; a plain file (a
 * fake knob in a test) has to be truncated to behave the same.
 */
static bool is_kernel_fs(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return true;
	switch ((unsigned long)sfs.f_type) {
	case SYSFS_MAGIC:
	case PROC_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
		return true;
	}
	return false;
}

int knob_write(const char *path, const char *value)
{
	char buf[KNOB_MAX + 2];
	size_t len;
	ssize_t n;
	int fd, r = 0;

	len = snprintf(buf, sizeof(buf), "%s\n", value);
	if (len >= sizeof(buf))
		return -E2BIG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!is_kernel_fs(fd) && ftruncate(fd, 0))
		r = -errno;
	if (!r) {
		n = write(fd, buf, len);
		if (n < 0)
			r = -errno;
		else if ((size_t)n != len)
			r = -EIO;
	}
	if (close(fd) && !r)
		r = -errno;
	return r;
}

/*
 * Two runs changing knobs at the same time would each journal the other's
 * temporary value as the original, and the machine would end up altered.
 * So the first knob change of a process takes the machine-wide knob lock,
 * held until the process ends (the kernel drops it even after SIGKILL),
 * and then puts back what killed runs left, before reading any original.
 */
static int take_knob_lock(void)
{
	static int lock_fd = -1;
	char path[PATH_MAX];
	int fd, err;

	/* Held already, by this process or by the parent it forked from (same open file). */
	if (lock_fd >= 0)
		return 0;
	err = mkdir(journal_state_dir(), 0700);
	if (err && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/knobs.lock", journal_state_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			err = -errno;
			close(fd);
			return err;
		}
		warn("another cowbench run is changing kernel knobs: waiting for it to finish");
		while (flock(fd, LOCK_EX))
			if (errno != EINTR) {
				err = -errno;
				close(fd);
				return err;
			}
	}
	lock_fd = fd;
	journal_restore_dead(false, NULL);
	return 0;
}

int knob_set(const char *path, const char *value)
{
	char current[KNOB_MAX];
	bool journaled = false;
	int r;

	r = take_knob_lock();
	if (r)
		return r;
	r = knob_read(path, current, sizeof(current));
	if (r)
		return r;
	if (!strcmp(current, value))
		return 0;
	/* Only the first change of a knob journals: that value is the one to put back. */
	if (!journal_has("knob", path)) {
		r = journal_add("knob", path, current);
		if (r)
			return r;
		journaled = true;
	}
	if (knob_owner != getpid()) {
		knob_owner = getpid();
		at_cleanup(knobs_restore);
	}
	r = knob_write(path, value);
	if (r && journaled)
		journal_forget("knob", path);
	return r;
}

int knob_set_long(const char *path, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	return knob_set(path, buf);
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == 0))
			return true;
		p += len;
	}
	return false;
}

/* Controllers are switched one by one ("-memory"); writing the old list does nothing. */
static int restore_subtree_control(const char *path, const char *value)
{
	char current[KNOB_MAX], cmd[128], *word, *save;
	int r, failed = 0;

	r = knob_read(path, current, sizeof(current));
	if (r)
		return r;
	for (word = strtok_r(current, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		if (*word == '+' || *word == '-')
			word++;
		if (has_word(value, word))
			continue;
		snprintf(cmd, sizeof(cmd), "-%s", word);
		r = knob_write(path, cmd);
		if (r)
			failed = r;
	}
	return failed;
}

int knob_restore_value(const char *path, const char *value)
{
	const char *base = strrchr(path, '/');
	char current[KNOB_MAX];
	int r;

	if (base && !strcmp(base + 1, "cgroup.subtree_control"))
		return restore_subtree_control(path, value);
	r = knob_read(path, current, sizeof(current));
	if (r)
		return r;
	/* Writing an equal value can still have effects (KSM run=2 unmerges): don't. */
	if (!strcmp(current, value))
		return 0;
	r = knob_write(path, value);
	if (r)
		return r;
	r = knob_read(path, current, sizeof(current));
	if (r)
		return r;
	return strcmp(current, value) ? -EIO : 0;
}

void knobs_restore(void)
{
	if (knob_owner != getpid())
		return;
	if (journal_undo_own_kind("knob"))
		warn("some knobs could not be restored; `cowbench restore` retries from %s",
		     journal_state_dir());
}

/* Knobs worth recording with a run; missing ones are left out. */
static const struct {
	const char *key, *path;
} described[] = {
	{ "thp.enabled", THP_DIR "/enabled" },
	{ "thp.defrag", THP_DIR "/defrag" },
	{ "thp.shmem_enabled", THP_DIR "/shmem_enabled" },
	{ "thp.use_zero_page", THP_DIR "/use_zero_page" },
	{ "khugepaged.defrag", THP_DIR "/khugepaged/defrag" },
	{ "khugepaged.pages_to_scan", THP_DIR "/khugepaged/pages_to_scan" },
	{ "khugepaged.scan_sleep_millisecs", THP_DIR "/khugepaged/scan_sleep_millisecs" },
	{ "khugepaged.alloc_sleep_millisecs", THP_DIR "/khugepaged/alloc_sleep_millisecs" },
	{ "khugepaged.max_ptes_none", THP_DIR "/khugepaged/max_ptes_none" },
	{ "khugepaged.max_ptes_swap", THP_DIR "/khugepaged/max_ptes_swap" },
	{ "khugepaged.max_ptes_shared", THP_DIR "/khugepaged/max_ptes_shared" },
	{ "ksm.run", KSM_DIR "/run" },
	{ "ksm.pages_to_scan", KSM_DIR "/pages_to_scan" },
	{ "ksm.sleep_millisecs", KSM_DIR "/sleep_millisecs" },
	{ "ksm.merge_across_nodes", KSM_DIR "/merge_across_nodes" },
	{ "ksm.use_zero_pages", KSM_DIR "/use_zero_pages" },
	{ "ksm.max_page_sharing", KSM_DIR "/max_page_sharing" },
	{ "vm.swappiness", "/proc/sys/vm/swappiness" },
	{ "vm.overcommit_memory", "/proc/sys/vm/overcommit_memory" },
	{ "vm.compaction_proactiveness", "/proc/sys/vm/compaction_proactiveness" },
	{ "vm.page-cluster", "/proc/sys/vm/page-cluster" },
	{ "kernel.numa_balancing", "/proc/sys/kernel/numa_balancing" },
};

static int append(char *buf, size_t len, size_t *pos, const char *key, const char *value)
{
	int n = snprintf(buf + *pos, len - *pos, "%s=%s\n", key, value);

	if (n < 0 || (size_t)n >= len - *pos)
		return -ENOSPC;
	*pos += n;
	return 0;
}

static int by_kb(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int knobs_describe(char *buf, size_t len)
{
	char value[KNOB_MAX], key[96], path[256];
	long sizes[32];
	int nsizes = 0, r;
	size_t pos = 0, i;
	struct dirent *d;
	DIR *dp;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	for (i = 0; i < sizeof(described) / sizeof(described[0]); i++) {
		if (knob_read(described[i].path, value, sizeof(value)))
			continue;
		r = append(buf, len, &pos, described[i].key, value);
		if (r)
			return r;
	}
	/* Per-size (mTHP) settings, smallest first. */
	dp = opendir(THP_DIR);
	while (dp && (d = readdir(dp)) && nsizes < 32) {
		long kb;

		if (sscanf(d->d_name, "hugepages-%ldkB", &kb) == 1)
			sizes[nsizes++] = kb;
	}
	if (dp)
		closedir(dp);
	qsort(sizes, nsizes, sizeof(sizes[0]), by_kb);
	for (r = 0; r < nsizes; r++) {
		snprintf(path, sizeof(path), THP_DIR "/hugepages-%ldkB/enabled", sizes[r]);
		if (knob_read(path, value, sizeof(value)))
			continue;
		snprintf(key, sizeof(key), "thp.hugepages-%ldkB.enabled", sizes[r]);
		if (append(buf, len, &pos, key, value))
			return -ENOSPC;
	}
	return 0;
}
