/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup: a uniquely named memory cgroup for one run, on cgroup v2 (the
 * memory controller enabled in some mounted cgroup2 hierarchy) or v1
 * (/sys/fs/cgroup/memory). Limits memory and swap, moves a process in,
 * reads memory.stat/events, and removes the group (killing what is left
 * in it) at the end. Creation is journaled so `restore` removes leftovers.
 * Group names start with "cowbench-".
 */
#ifndef COWBENCH_CGROUP_H
#define COWBENCH_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_version { CGROUP_NONE = 0, CGROUP_V1 = 1, CGROUP_V2 = 2 };

struct cgroup {
	enum cgroup_version version;
	char path[PATH_MAX];	/* directory of the group */
	bool has_swap_limit;	/* memory.swap.max (v2) or memsw (v1) exists */
};

/*
 * Which hierarchy would be used: v2 if a cgroup2 mount has the memory
 * controller available (it is enabled in subtree_control on the way down
 * if needed, journaled), else v1 memory. Fills a reason when none.
 */
enum cgroup_version cgroup_probe(char *reason, size_t len);

/* Create "cowbench-<what>-<pid>-<n>". 0, -errno; reason filled on failure. */
int cgroup_create(struct cgroup *cg, const char *what, char *reason, size_t len);
/*
 * memory limit (bytes); swap limit (bytes of swap, not memory+swap; UINT64_MAX = unlimited).
 * v1 limits memory+swap: set the memory limit first (a swap limit while
 * memory is unlimited is -EINVAL); the swap allowance survives a later
 * memory limit change. -ENOTSUP: no swap accounting (!has_swap_limit).
 */
int cgroup_set_memory_limit(struct cgroup *cg, uint64_t bytes);
int cgroup_set_swap_limit(struct cgroup *cg, uint64_t bytes);
/* Move pid (0 = self) into the group. */
int cgroup_enter(struct cgroup *cg, pid_t pid);
/*
 * The memory cgroup this process already runs in, to read its charge:
 * nothing is created, entered or journaled. -ENOENT (reason filled) when
 * there is no memory hierarchy or the process sits in its root.
 */
int cgroup_of_self(struct cgroup *cg, char *reason, size_t len);
/* Current memory usage and swap usage in bytes (swap: -ENOENT if unknown). */
int cgroup_memory_current(struct cgroup *cg, uint64_t *bytes);
int cgroup_swap_current(struct cgroup *cg, uint64_t *bytes);
/* A field of memory.stat ("anon", "swap", "pgfault"; v1 names as the kernel has them). */
int cgroup_stat(struct cgroup *cg, const char *field, uint64_t *value);
/* OOM kills inside the group so far (memory.events oom_kill; v1 memory.oom_control oom_kill). */
int cgroup_oom_kills(struct cgroup *cg, uint64_t *count);
/* Kill everything left in the group, wait for it to empty, rmdir, forget the journal line. */
int cgroup_destroy(struct cgroup *cg);
/* Remove a group directory found in a journal (used by restore). */
int cgroup_remove_path(const char *path);

#endif
