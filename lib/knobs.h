/* SPDX-License-Identifier: GPL-2.0 */
/*
 * knobs: read and set sysfs/procfs knobs (THP, khugepaged, KSM,
 * numa_balancing, swappiness, ...). Every change is journaled before it is
 * made and undone at exit, on signals, and by `cowbench restore` after a kill.
 */
#ifndef COWBENCH_KNOBS_H
#define COWBENCH_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"
#define KSM_DIR "/sys/kernel/mm/ksm"

/*
 * Read a knob's current value into buf, trailing newline removed. For
 * selection knobs ("always [madvise] never") the selected word is returned.
 * 0 or -errno.
 */
int knob_read(const char *path, char *buf, size_t len);
int knob_read_long(const char *path, long *value);
bool knob_exists(const char *path);

/*
 * Set a knob, journaling its original value first (only the first time a
 * path is changed by this process). Registers the restore at exit and on
 * signals the first time it is called. 0 or -errno.
 */
int knob_set(const char *path, const char *value);
int knob_set_long(const char *path, long value);

/* Write without journaling: for one-shot triggers (compact_memory, drop_caches). */
int knob_write(const char *path, const char *value);

/*
 * Put a journaled original value back (restore): nothing is written when
 * the knob already has it; cgroup.subtree_control gets "-controller" for
 * each controller enabled since. 0 or -errno (-EIO: it did not stick).
 */
int knob_restore_value(const char *path, const char *value);

/* Put back every knob this process changed, newest first. */
void knobs_restore(void);

/* One "key=value" line per knob worth recording in meta.txt, into buf. */
int knobs_describe(char *buf, size_t len);

#endif
