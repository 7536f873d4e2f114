/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swap: make sure a run has enough swap, adding a swap file or a zram
 * device when asked to, and removing exactly what it added (at exit, on
 * signals, and from the journal by `restore`).
 */
#ifndef COWBENCH_SWAP_H
#define COWBENCH_SWAP_H

#include <limits.h>
#include <stdint.h>

/* Total and free swap in bytes, from /proc/swaps. */
int swap_totals(uint64_t *total, uint64_t *free);

struct swap_added {
	enum { SWAP_ADDED_NONE, SWAP_ADDED_FILE, SWAP_ADDED_ZRAM } kind;
	char path[PATH_MAX];	/* swap file or /dev/zramN */
	int zram_id;
	uint64_t bytes;
};

/*
 * Add `bytes` of swap as described by `spec`: "file:PATH" or "zram".
 * Journaled before anything is created. 0, -errno (reason filled).
 * Add swap before creating a cgroup that uses it: cleanups run newest
 * first, so the group's memory is gone before the swap is switched off.
 */
int swap_add(const char *spec, uint64_t bytes, struct swap_added *out,
	     char *reason, size_t len);
/* swapoff and delete/reset what swap_add made, forget the journal line. */
int swap_remove(struct swap_added *added);
/* Undo journal entries (restore). */
int swap_remove_file(const char *path);
int swap_remove_zram(int id);

#endif
