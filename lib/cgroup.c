/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup: one memory cgroup per run, on cgroup v2 when some cgroup2 mount
 * offers the memory controller, else on the v1 memory hierarchy. Groups
 * live directly under the hierarchy root and are journaled before mkdir.
 * COWBENCH_CGROUP2_ROOT / COWBENCH_CGROUP1_ROOT replace the mount lookup
 * (tests point them at a fake tree; an empty value means "none").
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup.h"
#include "clock.h"
#include "journal.h"
#include "knobs.h"
#include "log.h"

/* v1 reports "unlimited" as PAGE_COUNTER_MAX pages; anything this large is no limit. */
#define V1_UNLIMITED (1ULL << 62)
#define DESTROY_TIMEOUT_NS (10ULL * 1000 * 1000 * 1000)

static pid_t cleanup_owner;
static unsigned groups_made;
/* Where this process was before cgroup_enter(self), per version: it goes back there. */
static char origin[3][PATH_MAX];

static bool path_exists(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static int read_file_at(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return knob_read(path, buf, len);
}

static int write_file_at(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return knob_write(path, value);
}

static int read_u64_at(const char *dir, const char *file, uint64_t *value)
{
	char buf[64], *end;
	int r = read_file_at(dir, file, buf, sizeof(buf));

	if (r)
		return r;
	if (!strcmp(buf, "max")) {
		*value = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*value = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

static int write_u64_at(const char *dir, const char *file, uint64_t value, const char *unlimited)
{
	char buf[32];

	if (value == UINT64_MAX)
		return write_file_at(dir, file, unlimited);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	return write_file_at(dir, file, buf);
}

/* "key value" lines (memory.stat, memory.events, memory.oom_control). */
static int read_keyed(const char *dir, const char *file, const char *key, uint64_t *value)
{
	char path[PATH_MAX + 64], line[256], name[128];
	unsigned long long v;
	int r = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %llu", name, &v) == 2 && !strcmp(name, key)) {
			*value = v;
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		/* Separated by spaces (cgroup.controllers) or commas (/proc/self/cgroup). */
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (p[len] == ' ' || p[len] == ',' || p[len] == 0 || p[len] == '\n'))
			return true;
		p += len;
	}
	return false;
}

static void unescape_mount_path(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

/*
 * The nth mount point of fstype (whose super options include `option`,
 * when given), from /proc/self/mountinfo. 0 or -ENOENT.
 */
static int find_mount(const char *fstype, const char *option, int nth, char *out, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int seen = 0, r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], type[64], opts[1024], *sep;

		sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (sscanf(sep + 3, "%63s %*s %1023s", type, opts) != 2)
			continue;
		if (strcmp(type, fstype))
			continue;
		if (option) {
			char *o, *save;
			bool found = false;

			for (o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
				found |= !strcmp(o, option);
			if (!found)
				continue;
		}
		if (seen++ < nth)
			continue;
		unescape_mount_path(mnt);
		if (strlen(mnt) >= len) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(out, mnt);
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

/* The v2 root that has the memory controller available. */
static int v2_root(char *root, size_t len, char *why, size_t whylen)
{
	const char *env = getenv("COWBENCH_CGROUP2_ROOT");
	char controllers[1024];
	int nth;

	for (nth = 0;; nth++) {
		if (env) {
			if (nth || !*env)
				break;
			snprintf(root, len, "%s", env);
		} else if (find_mount("cgroup2", NULL, nth, root, len)) {
			break;
		}
		if (read_file_at(root, "cgroup.controllers", controllers, sizeof(controllers)))
			controllers[0] = 0;
		if (has_word(controllers, "memory"))
			return 0;
		snprintf(why, whylen, "cgroup2 at %s lacks the memory controller (controllers: '%s')",
			 root, controllers);
	}
	if (nth == 0)
		snprintf(why, whylen, "no cgroup2 hierarchy is mounted");
	return -ENOENT;
}

static int v1_root(char *root, size_t len)
{
	const char *env = getenv("COWBENCH_CGROUP1_ROOT");

	if (env) {
		if (!*env)
			return -ENOENT;
		snprintf(root, len, "%s", env);
	} else if (find_mount("cgroup", "memory", 0, root, len)) {
		return -ENOENT;
	}
	return path_exists(root, "memory.limit_in_bytes") ? 0 : -ENOENT;
}

static enum cgroup_version probe_root(char *root, size_t len, char *reason, size_t rlen)
{
	char why[PATH_MAX + 1200] = "";

	if (!v2_root(root, len, why, sizeof(why)))
		return CGROUP_V2;
	if (!v1_root(root, len))
		return CGROUP_V1;
	if (reason)
		snprintf(reason, rlen, "no memory cgroup: %s, and no cgroup v1 memory hierarchy is mounted",
			 why);
	return CGROUP_NONE;
}

enum cgroup_version cgroup_probe(char *reason, size_t len)
{
	char root[PATH_MAX];

	return probe_root(root, sizeof(root), reason, len);
}

static void cgroups_cleanup(void)
{
	if (cleanup_owner != getpid())
		return;
	if (journal_undo_own_kind("cgroup"))
		warn("a cgroup could not be removed; `cowbench restore` retries");
}

static bool valid_what(const char *what)
{
	const char *p;

	if (!what || !*what || strlen(what) > 64)
		return false;
	for (p = what; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return true;
}

int cgroup_create(struct cgroup *cg, const char *what, char *reason, size_t len)
{
	char root[PATH_MAX], subtree[PATH_MAX + 32], enabled[1024];
	int r, tries;

	memset(cg, 0, sizeof(*cg));
	if (!valid_what(what)) {
		snprintf(reason, len, "bad cgroup name part '%s'", what ? what : "");
		return -EINVAL;
	}
	cg->version = probe_root(root, sizeof(root), reason, len);
	if (cg->version == CGROUP_NONE)
		return -ENOTSUP;
	if (cg->version == CGROUP_V2) {
		/* A v2 group only gets memory.* files when its parent delegates the controller. */
		snprintf(subtree, sizeof(subtree), "%s/cgroup.subtree_control", root);
		r = knob_read(subtree, enabled, sizeof(enabled));
		if (!r && !has_word(enabled, "memory"))
			r = knob_set(subtree, "+memory");
		if (r) {
			snprintf(reason, len, "cannot enable the memory controller in %s: %s",
				 subtree, strerror(-r));
			cg->version = CGROUP_NONE;
			return r;
		}
	}
	for (tries = 0; tries < 1000; tries++) {
		if (snprintf(cg->path, sizeof(cg->path), "%s/cowbench-%s-%d-%u", root, what,
			     (int)getpid(), ++groups_made) >= (int)sizeof(cg->path)) {
			snprintf(reason, len, "cgroup path too long under %s", root);
			return -ENAMETOOLONG;
		}
		r = journal_add("cgroup", cg->path, NULL);
		if (r) {
			snprintf(reason, len, "cannot journal %s in %s: %s", cg->path,
				 journal_state_dir(), strerror(-r));
			return r;
		}
		if (mkdir(cg->path, 0755) == 0)
			break;
		r = -errno;
		journal_forget("cgroup", cg->path);
		if (r != -EEXIST) {
			snprintf(reason, len, "mkdir %s: %s", cg->path, strerror(-r));
			cg->version = CGROUP_NONE;
			return r;
		}
	}
	if (cleanup_owner != getpid()) {
		cleanup_owner = getpid();
		at_cleanup(cgroups_cleanup);
	}
	if (cg->version == CGROUP_V2)
		cg->has_swap_limit = path_exists(cg->path, "memory.swap.max");
	else
		cg->has_swap_limit = path_exists(cg->path, "memory.memsw.limit_in_bytes");
	return 0;
}

static uint64_t v1_limit(uint64_t value)
{
	return value >= V1_UNLIMITED ? UINT64_MAX : value;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a == UINT64_MAX || b == UINT64_MAX || a + b < a ? UINT64_MAX : a + b;
}

int cgroup_set_memory_limit(struct cgroup *cg, uint64_t bytes)
{
	uint64_t mem, memsw, swap;
	int r;

	if (cg->version == CGROUP_V2)
		return write_u64_at(cg->path, "memory.max", bytes, "max");
	if (cg->version != CGROUP_V1)
		return -EINVAL;
	if (!cg->has_swap_limit)
		return write_u64_at(cg->path, "memory.limit_in_bytes", bytes, "-1");
	/*
	 * v1 limits memory+swap together and insists memsw >= memory: keep the
	 * swap allowance (memsw - memory) and order the two writes so that
	 * the rule holds in between.
	 */
	r = read_u64_at(cg->path, "memory.limit_in_bytes", &mem);
	if (!r)
		r = read_u64_at(cg->path, "memory.memsw.limit_in_bytes", &memsw);
	if (r)
		return r;
	mem = v1_limit(mem);
	memsw = v1_limit(memsw);
	swap = memsw == UINT64_MAX ? UINT64_MAX : memsw - mem;
	memsw = add_saturating(bytes, swap);
	if (bytes == UINT64_MAX || bytes > mem) {
		r = write_u64_at(cg->path, "memory.memsw.limit_in_bytes", memsw, "-1");
		if (!r)
			r = write_u64_at(cg->path, "memory.limit_in_bytes", bytes, "-1");
	} else {
		r = write_u64_at(cg->path, "memory.limit_in_bytes", bytes, "-1");
		if (!r)
			r = write_u64_at(cg->path, "memory.memsw.limit_in_bytes", memsw, "-1");
	}
	return r;
}

int cgroup_set_swap_limit(struct cgroup *cg, uint64_t bytes)
{
	uint64_t mem;
	int r;

	if (!cg->has_swap_limit)
		return -ENOTSUP;
	if (cg->version == CGROUP_V2)
		return write_u64_at(cg->path, "memory.swap.max", bytes, "max");
	if (cg->version != CGROUP_V1)
		return -EINVAL;
	r = read_u64_at(cg->path, "memory.limit_in_bytes", &mem);
	if (r)
		return r;
	mem = v1_limit(mem);
	/* memory+swap can't bound swap alone while memory is unlimited: set memory first. */
	if (mem == UINT64_MAX && bytes != UINT64_MAX)
		return -EINVAL;
	return write_u64_at(cg->path, "memory.memsw.limit_in_bytes", add_saturating(mem, bytes),
			    "-1");
}

/* Where this process sits in the hierarchy whose root holds `group` (a direct child). */
static int self_group(enum cgroup_version version, const char *root, char *out, size_t len)
{
	char line[PATH_MAX + 256];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *rel;

		if (!ctrls)
			continue;
		rel = strchr(++ctrls, ':');
		if (!rel)
			continue;
		*rel++ = 0;
		rel[strcspn(rel, "\n")] = 0;
		if (version == CGROUP_V2 ? strncmp(line, "0:", 2) || *ctrls
					 : !has_word(ctrls, "memory"))
			continue;
		if (snprintf(out, len, "%s%s", root, strcmp(rel, "/") ? rel : "") >= (int)len)
			r = -ENAMETOOLONG;
		else
			r = 0;
		break;
	}
	fclose(f);
	return r;
}

static void parent_dir(const char *path, char *out, size_t len)
{
	char *slash;

	snprintf(out, len, "%s", path);
	slash = strrchr(out, '/');
	if (slash && slash != out)
		*slash = 0;
}

int cgroup_enter(struct cgroup *cg, pid_t pid)
{
	char buf[32], root[PATH_MAX];

	if (cg->version == CGROUP_NONE)
		return -EINVAL;
	if (pid == 0)
		pid = getpid();
	if (pid == getpid() && !origin[cg->version][0]) {
		parent_dir(cg->path, root, sizeof(root));
		if (self_group(cg->version, root, origin[cg->version], PATH_MAX))
			origin[cg->version][0] = 0;
	}
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_file_at(cg->path, "cgroup.procs", buf);
}

int cgroup_of_self(struct cgroup *cg, char *reason, size_t len)
{
	char root[PATH_MAX];

	memset(cg, 0, sizeof(*cg));
	cg->version = probe_root(root, sizeof(root), reason, len);
	if (cg->version == CGROUP_NONE)
		return -ENOENT;
	if (self_group(cg->version, root, cg->path, sizeof(cg->path)) || !strcmp(cg->path, root)) {
		snprintf(reason, len, "this process is in the root memory cgroup");
		cg->version = CGROUP_NONE;
		return -ENOENT;
	}
	cg->has_swap_limit = path_exists(cg->path, cg->version == CGROUP_V2 ? "memory.swap.max"
									  : "memory.memsw.limit_in_bytes");
	return 0;
}

int cgroup_memory_current(struct cgroup *cg, uint64_t *bytes)
{
	return read_u64_at(cg->path, cg->version == CGROUP_V2 ? "memory.current"
							       : "memory.usage_in_bytes", bytes);
}

int cgroup_swap_current(struct cgroup *cg, uint64_t *bytes)
{
	uint64_t mem, memsw;
	int r;

	if (cg->version == CGROUP_V2)
		return read_u64_at(cg->path, "memory.swap.current", bytes);
	if (!path_exists(cg->path, "memory.memsw.usage_in_bytes"))
		return -ENOENT;
	r = read_u64_at(cg->path, "memory.usage_in_bytes", &mem);
	if (!r)
		r = read_u64_at(cg->path, "memory.memsw.usage_in_bytes", &memsw);
	if (r)
		return r;
	/* Two reads, not one snapshot: never report a negative difference. */
	*bytes = memsw > mem ? memsw - mem : 0;
	return 0;
}

int cgroup_stat(struct cgroup *cg, const char *field, uint64_t *value)
{
	return read_keyed(cg->path, "memory.stat", field, value);
}

int cgroup_oom_kills(struct cgroup *cg, uint64_t *count)
{
	if (cg->version == CGROUP_V2)
		return read_keyed(cg->path, "memory.events", "oom_kill", count);
	return read_keyed(cg->path, "memory.oom_control", "oom_kill", count);
}

/* Pids listed in cgroup.procs (a missing file means the group is gone: none). */
static int group_pids(const char *path, pid_t *pids, int max)
{
	char file[PATH_MAX + 32];
	int n = 0, pid;
	FILE *f;

	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	f = fopen(file, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

int cgroup_remove_path(const char *path)
{
	const char *base = strrchr(path, '/');
	char root[PATH_MAX], self[PATH_MAX], buf[32];
	enum cgroup_version version;
	uint64_t deadline;
	pid_t pids[256];
	int n, i;

	/* Restore acts on journal lines: never remove a group cowbench did not name. */
	if (!base || strncmp(base + 1, "cowbench-", 9))
		return -EINVAL;
	if (access(path, F_OK))
		return 0;
	parent_dir(path, root, sizeof(root));
	version = path_exists(root, "cgroup.controllers") ? CGROUP_V2 : CGROUP_V1;

	/* A group that holds us can't go: move back to where we came from. */
	if (!self_group(version, root, self, sizeof(self)) && !strcmp(self, path)) {
		const char *to = origin[version][0] && access(origin[version], F_OK) == 0
				 ? origin[version] : root;

		snprintf(buf, sizeof(buf), "%d", (int)getpid());
		n = write_file_at(to, "cgroup.procs", buf);
		if (n)
			return n;
	}
	if (version == CGROUP_V2 && path_exists(path, "cgroup.kill"))
		write_file_at(path, "cgroup.kill", "1");

	deadline = now_ns() + DESTROY_TIMEOUT_NS;
	for (;;) {
		n = group_pids(path, pids, 256);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		if (now_ns() > deadline)
			return -EBUSY;
		for (i = 0; i < n; i++)
			if (pids[i] != getpid())
				kill(pids[i], SIGKILL);
		usleep(10000);
	}
	/* The last task may still be leaving (memcg offlining): retry a busy rmdir. */
	while (rmdir(path)) {
		if (errno == ENOENT)
			break;
		if (errno != EBUSY || now_ns() > deadline)
			return -errno;
		usleep(10000);
	}
	return 0;
}

int cgroup_destroy(struct cgroup *cg)
{
	int r;

	if (cg->version == CGROUP_NONE)
		return 0;
	r = cgroup_remove_path(cg->path);
	if (r)
		return r;
	journal_forget("cgroup", cg->path);
	cg->version = CGROUP_NONE;
	return 0;
}
