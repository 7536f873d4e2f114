/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal: every change a run makes to the machine, written and fsynced
 * before the change is made, one file per process, so that a run killed
 * with SIGKILL can still be undone by `cowbench restore`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "csv.h"
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "proc.h"
#include "swap.h"

#define JOURNAL_LINE_MAX 16384

struct entry {
	char *kind, *arg, *value;
	bool keep;
};

struct journal {
	char *text;		/* the file, split in place into lines */
	struct entry *entries;	/* entries[0] is the "process" header when has_header */
	int n;
	bool has_header;
	pid_t pid;
	unsigned long long start;
};

/* This process's journal: per pid, so a forked child never touches the parent's. */
static pid_t own_pid;
static char own_path[PATH_MAX];
static bool exit_hook_armed;

const char *journal_state_dir(void)
{
	const char *env = getenv("COWBENCH_STATE_DIR");

	if (env && *env)
		return env;
	/* /run is a tmpfs on most machines: a reboot resets knobs and journal together. */
	if (access("/run/cowbench", W_OK) == 0 || access("/run", W_OK) == 0)
		return "/run/cowbench";
	return "/tmp/cowbench";
}

/* Values may hold any byte; a line must stay one line and fields must split. */
static int escape_into(char *out, size_t cap, size_t *pos, const char *s, bool space)
{
	for (; s && *s; s++) {
		const char *rep = NULL;
		char one[2] = { *s, 0 };

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == ' ' && space)
			rep = "\\s";
		else
			rep = one;
		if (*pos + strlen(rep) + 1 >= cap)
			return -E2BIG;
		memcpy(out + *pos, rep, strlen(rep));
		*pos += strlen(rep);
	}
	out[*pos] = 0;
	return 0;
}

static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*w++ = *s == 'n' ? '\n' : *s == 's' ? ' ' : *s;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

static int format_line(char *line, size_t cap, const char *kind, const char *arg,
		       const char *value)
{
	size_t pos = 0;
	int r;

	line[0] = 0;
	r = escape_into(line, cap, &pos, kind, true);
	if (!r && pos + 2 < cap)
		line[pos++] = ' ';
	if (!r)
		r = escape_into(line, cap, &pos, arg, true);
	if (!r && value) {
		if (pos + 2 >= cap)
			return -E2BIG;
		line[pos++] = ' ';
		r = escape_into(line, cap, &pos, value, false);
	}
	if (!r) {
		if (pos + 2 >= cap)
			return -E2BIG;
		line[pos++] = '\n';
		line[pos] = 0;
	}
	return r;
}

static void fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = 0;
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Write a file under a temporary name, fsync, rename: never half a journal. */
static int replace_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd, r;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	if (!r && rename(tmp, path))
		r = -errno;
	if (r)
		unlink(tmp);
	else
		fsync_dir_of(path);
	return r;
}

static void journal_free(struct journal *j)
{
	free(j->text);
	free(j->entries);
	memset(j, 0, sizeof(*j));
}

static int journal_load(const char *path, struct journal *j)
{
	struct stat st;
	char *p, *end;
	int fd, cap;
	ssize_t n;

	memset(j, 0, sizeof(*j));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	j->text = malloc(st.st_size + 1);
	if (!j->text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, j->text, st.st_size);
	close(fd);
	if (n < 0) {
		journal_free(j);
		return -errno;
	}
	j->text[n] = 0;
	cap = 1;
	for (p = j->text; *p; p++)
		cap += *p == '\n';
	j->entries = calloc(cap, sizeof(*j->entries));
	if (!j->entries) {
		journal_free(j);
		return -ENOMEM;
	}
	for (p = j->text; *p; p = end) {
		struct entry *e = &j->entries[j->n];
		char *sp;

		end = strchr(p, '\n');
		/* A last line without newline was cut short by a crash: it never took effect. */
		if (!end)
			break;
		*end++ = 0;
		if (!*p)
			continue;
		e->kind = p;
		/* Missing fields are empty: point at this line's own terminator (writable). */
		e->arg = e->value = p + strlen(p);
		sp = strchr(p, ' ');
		if (sp) {
			*sp = 0;
			e->arg = sp + 1;
			sp = strchr(e->arg, ' ');
			if (sp) {
				*sp = 0;
				e->value = sp + 1;
			}
		}
		unescape(e->kind);
		unescape(e->arg);
		unescape(e->value);
		e->keep = true;
		j->n++;
	}
	if (j->n && !strcmp(j->entries[0].kind, "process")) {
		j->has_header = true;
		j->pid = atoi(j->entries[0].arg);
		j->start = strtoull(j->entries[0].value, NULL, 10);
	}
	return 0;
}

/* Write back the entries still marked keep; no entries left: the journal goes. */
static int journal_store(const char *path, struct journal *j)
{
	char line[JOURNAL_LINE_MAX];
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int i, entries = 0, r = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; i < j->n && !r; i++) {
		struct entry *e = &j->entries[i];
		size_t l;

		if (!e->keep)
			continue;
		if (!(j->has_header && i == 0))
			entries++;
		r = format_line(line, sizeof(line), e->kind, e->arg, e->value);
		if (r)
			break;
		l = strlen(line);
		if (len + l + 1 > cap) {
			char *nb;

			cap = (len + l + 1) * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		memcpy(buf + len, line, l);
		len += l;
	}
	if (!r) {
		if (entries == 0) {
			if (unlink(path) && errno != ENOENT)
				r = -errno;
			else
				fsync_dir_of(path);
		} else {
			r = replace_file(path, buf, len);
		}
	}
	free(buf);
	return r;
}

static const char *own_journal_path(void)
{
	if (own_pid != getpid()) {
		own_pid = getpid();
		snprintf(own_path, sizeof(own_path), "%s/journal.%d",
			 journal_state_dir(), (int)own_pid);
	}
	return own_path;
}

/*
 * A journal left by a dead process whose pid we now have must not become
 * ours (its header names the other process): move it aside for restore.
 */
static int own_journal_create(const char *path)
{
	unsigned long long start = proc_start_time(getpid());
	char header[128], aside[PATH_MAX + 32], dir[PATH_MAX];
	struct journal old;
	int r;

	if (journal_load(path, &old) == 0) {
		bool ours = old.has_header && old.pid == getpid() && old.start == start;

		journal_free(&old);
		if (ours)
			return 0;
		snprintf(aside, sizeof(aside), "%s.stale-%llu", path,
			 (unsigned long long)time(NULL));
		if (rename(path, aside))
			return -errno;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	r = mkdir_p(dir);
	if (r)
		return r;
	snprintf(header, sizeof(header), "process %d %llu\n", (int)getpid(), start);
	return replace_file(path, header, strlen(header));
}

int journal_add(const char *kind, const char *arg, const char *value)
{
	char line[JOURNAL_LINE_MAX];
	static pid_t created_for;
	const char *path = own_journal_path();
	int fd, r;

	r = format_line(line, sizeof(line), kind, arg, value);
	if (r)
		return r;
	if (created_for != getpid() || access(path, F_OK)) {
		r = own_journal_create(path);
		if (r)
			return r;
		created_for = getpid();
	}
	/* A binary that returns from main instead of dying still undoes its changes. */
	if (!exit_hook_armed) {
		exit_hook_armed = true;
		atexit(run_cleanups);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, line, strlen(line));
	/* The line must be on disk before the change it describes is made. */
	if (!r && fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

static int find_last(struct journal *j, const char *kind, const char *arg)
{
	int i;

	for (i = j->n - 1; i >= (j->has_header ? 1 : 0); i--)
		if (!strcmp(j->entries[i].kind, kind) && !strcmp(j->entries[i].arg, arg))
			return i;
	return -1;
}

int journal_forget(const char *kind, const char *arg)
{
	const char *path = own_journal_path();
	struct journal j;
	int i, r;

	r = journal_load(path, &j);
	if (r)
		return r;
	i = find_last(&j, kind, arg);
	if (i < 0) {
		r = -ENOENT;
	} else {
		j.entries[i].keep = false;
		r = journal_store(path, &j);
	}
	journal_free(&j);
	return r;
}

bool journal_has(const char *kind, const char *arg)
{
	struct journal j;
	bool found;

	if (journal_load(own_journal_path(), &j))
		return false;
	found = find_last(&j, kind, arg) >= 0;
	journal_free(&j);
	return found;
}

/* Undo a module load: only ever journaled when this run loaded it. */
static int module_unload(const char *name)
{
	char *argv[] = { "modprobe", "-r", (char *)name, NULL };
	int status = proc_run(argv);

	return status < 0 ? status : status ? -EBUSY : 0;
}

/* 'Z' or 'X' in /proc/pid/stat: the process ended, only its entry is left. */
static bool process_is_zombie(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool zombie = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		zombie = p && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return zombie;
}

/* Alive and the same process: the pid may have been reused since. */
static bool process_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now = proc_start_time(pid);

	return now != 0 && now == start && !process_is_zombie(pid);
}

static int kill_helper(const char *arg, const char *value)
{
	pid_t pid = atoi(arg);
	unsigned long long start = strtoull(value, NULL, 10);
	int i;

	if (pid <= 0 || !start)
		return -EINVAL;
	if (!process_alive(pid, start))
		return 0;
	if (kill(pid, SIGKILL) && errno != ESRCH)
		return -errno;
	/* Wait until it is gone (or a zombie its parent has yet to reap). */
	for (i = 0; i < 500 && process_alive(pid, start); i++)
		usleep(10000);
	return process_alive(pid, start) ? -EBUSY : 0;
}

int journal_undo_entry(const char *kind, const char *arg, const char *value)
{
	if (!strcmp(kind, "knob"))
		return knob_restore_value(arg, value);
	if (!strcmp(kind, "cgroup"))
		return cgroup_remove_path(arg);
	if (!strcmp(kind, "swapfile"))
		return swap_remove_file(arg);
	if (!strcmp(kind, "zram"))
		return swap_remove_zram(atoi(arg));
	if (!strcmp(kind, "pid"))
		return kill_helper(arg, value);
	if (!strcmp(kind, "module"))
		return module_unload(arg);
	return -EINVAL;
}

static void describe_entry(char *buf, size_t len, const struct entry *e)
{
	if (!strcmp(e->kind, "knob"))
		snprintf(buf, len, "knob %s (back to '%s')", e->arg, e->value);
	else if (!strcmp(e->kind, "zram"))
		snprintf(buf, len, "zram device /dev/zram%s", e->arg);
	else if (!strcmp(e->kind, "pid"))
		snprintf(buf, len, "helper process %s", e->arg);
	else if (!strcmp(e->kind, "swapfile"))
		snprintf(buf, len, "swap file %s", e->arg);
	else
		snprintf(buf, len, "%s %s", e->kind, e->arg);
}

/*
 * Undo the entries of one journal file newest first (those of `kind` only,
 * when given); the ones that fail stay in the file for a later restore.
 * Returns the number of failures, or -errno when the file can't be read.
 */
static int undo_file(const char *path, const char *kind, bool report)
{
	struct journal j;
	char what[PATH_MAX + 128];
	int i, failures = 0, r;

	r = journal_load(path, &j);
	if (r)
		return r;
	for (i = j.n - 1; i >= (j.has_header ? 1 : 0); i--) {
		struct entry *e = &j.entries[i];

		if (kind && strcmp(e->kind, kind))
			continue;
		r = journal_undo_entry(e->kind, e->arg, e->value);
		describe_entry(what, sizeof(what), e);
		if (r) {
			failures++;
			warn("could not undo %s: %s", what, strerror(-r));
		} else {
			e->keep = false;
			if (report)
				info("undid %s", what);
		}
	}
	r = journal_store(path, &j);
	if (r) {
		warn("could not rewrite journal %s: %s", path, strerror(-r));
		failures++;
	}
	journal_free(&j);
	return failures;
}

int journal_undo_own_kind(const char *kind)
{
	const char *path = own_journal_path();
	int r;

	if (access(path, F_OK))
		return 0;
	r = undo_file(path, kind, false);
	return r == 0 || r == -ENOENT ? 0 : -EIO;
}

int journal_undo_own(void)
{
	return journal_undo_own_kind(NULL);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

static int restore_dir(const char *dir, bool all, int *found)
{
	char **names = NULL, path[PATH_MAX + 300];
	int n = 0, cap = 0, i, failures = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return 0;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, "journal.", 8))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(d->d_name);
		if (names[n])
			n++;
	}
	closedir(dp);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		struct journal j;
		pid_t pid = atoi(names[i] + 8);
		bool running;
		int left, r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (ends_with(names[i], ".tmp")) {
			/* A rewrite or creation cut short: the journal itself is authoritative. */
			if (proc_start_time(pid) == 0 || process_is_zombie(pid))
				unlink(path);
			continue;
		}
		if (journal_load(path, &j)) {
			warn("cannot read %s: %m", path);
			failures++;
			continue;
		}
		if (j.has_header)
			pid = j.pid;
		left = j.n - (j.has_header ? 1 : 0);
		/* Without an owner line there is no start time to tell pid reuse apart. */
		running = j.has_header ? process_alive(pid, j.start)
				       : proc_start_time(pid) && !process_is_zombie(pid);
		if (running && (pid == getpid() || !all)) {
			if (pid != getpid())
				info("%s: process %d is still running; left alone (--all undoes it too)",
				     path, (int)pid);
			journal_free(&j);
			continue;
		}
		(*found)++;
		info("%s: process %d %s; undoing %d change%s", path, (int)pid,
		     running ? "still runs (--all)" : "is gone",
		     left, left == 1 ? "" : "s");
		journal_free(&j);
		r = undo_file(path, NULL, true);
		if (r < 0) {
			warn("cannot undo %s: %s", path, strerror(-r));
			failures++;
		} else {
			failures += r;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return failures;
}

int journal_restore_dead(bool all, int *found_journals)
{
	const char *env = getenv("COWBENCH_STATE_DIR");
	int failures, found = 0;

	failures = restore_dir(journal_state_dir(), all, &found);
	/* Without an explicit dir, a run as another user may have fallen back to /tmp. */
	if (!(env && *env) && strcmp(journal_state_dir(), "/tmp/cowbench"))
		failures += restore_dir("/tmp/cowbench", all, &found);
	if (found_journals)
		*found_journals = found;
	return failures;
}
