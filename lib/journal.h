/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal: a durable list of every change a run makes to the machine
 * (knob values, cgroups, swap, zram, helper processes), written *before*
 * the change, so that `cowbench restore` can undo it after the run was
 * killed with SIGKILL. One file per process: <state dir>/journal.<pid>.
 *
 * State dir: $COWBENCH_STATE_DIR, else /run/cowbench (tmpfs: a reboot
 * resets the knobs and clears the journal together), else /tmp/cowbench.
 *
 * Line format, one change per line, fields separated by one space, the
 * last field may contain spaces (values are written with \n and \\ escaped):
 *   knob <path> <original value>
 *   cgroup <path>
 *   swapfile <path>
 *   zram <device number>
 *   pid <pid> <start time in clock ticks from /proc/pid/stat>
 *   module <name>                 (a kernel module loaded for the run)
 * The first line, "process <pid> <start time>", names the owner, so that
 * a journal whose pid was reused by another process is still seen as dead.
 * Undoing replays the lines in reverse order.
 */
#ifndef COWBENCH_JOURNAL_H
#define COWBENCH_JOURNAL_H

#include <stdbool.h>
#include <sys/types.h>

const char *journal_state_dir(void);

/* Append one line to this process's journal and fsync it. 0 or -errno. */
int journal_add(const char *kind, const char *arg, const char *value);
/* Drop the matching line (after the change was undone normally). */
int journal_forget(const char *kind, const char *arg);
/* Whether this process's journal has a line of that kind and argument. */
bool journal_has(const char *kind, const char *arg);
/* Undo everything this process journaled, newest first, and delete its journal. */
int journal_undo_own(void);
/* The same for the entries of one kind only ("knob", "cgroup", ...). 0 or -EIO. */
int journal_undo_own_kind(const char *kind);

/*
 * For `restore`: undo the journals of processes that no longer run
 * (all journals when `all` is set). Prints what it does to stderr.
 * Returns the number of entries that could not be undone (0 = clean);
 * *found (if not NULL) tells how many journals there were.
 */
int journal_restore_dead(bool all, int *found);

/* Undo one entry. Exposed for knobs/cgroup/swap, which own the how. */
int journal_undo_entry(const char *kind, const char *arg, const char *value);

#endif
