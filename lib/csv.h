/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csv: results files. A CSV's first line is the header; the second,
 * "# kinds: ...", says what each column is, so the comparator needs no
 * guessing: param (part of the parameter point), rep (repetition index),
 * lower / higher (a measurement, and which direction is better), ops (a
 * counter delta per operation), info (recorded, never compared).
 * Further "# key: value" lines carry metadata (gnuplot skips them).
 * Empty cells mean "not available", never zero.
 * Every file is written to a temporary name and renamed into place on
 * commit, so a reader never sees half a file.
 */
#ifndef COWBENCH_CSV_H
#define COWBENCH_CSV_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include "log.h"

enum col_kind { COL_PARAM, COL_REP, COL_LOWER, COL_HIGHER, COL_OPS, COL_INFO };
extern const char *const col_kind_names[];	/* "param","rep","lower","higher","ops","info" */

#define CSV_MAX_COLS 96

struct csv_col {
	char name[64];
	enum col_kind kind;
};

struct csv {
	FILE *f;
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int ncols;
	int col;		/* cells written in the current row */
	long rows;
	struct csv_col cols[CSV_MAX_COLS];
};

/* mkdir -p; 0 or -errno. */
int mkdir_p(const char *dir);
/* Write a whole file atomically (tmp + fsync + rename). 0 or -errno. */
int atomic_write_file(const char *path, const char *data, size_t len);

/*
 * Merge "key=value\n" lines into DIR/meta.txt (keys already present are
 * replaced, others kept), atomically. 0 or -errno.
 */
int meta_update(const char *dir, const char *lines);
/* The same, after dropping every key that starts with `prefix` (a new run of one binary). */
int meta_replace_prefix(const char *dir, const char *prefix, const char *lines);

/* Start DIR/FILE (under a temporary name) with header and kinds lines. 0 or -errno. */
int csv_create(struct csv *c, const char *dir, const char *file,
	       const struct csv_col *cols, int ncols);
void csv_meta(struct csv *c, const char *key, const char *fmt, ...) PRINTF_LIKE(3, 4);
void csv_str(struct csv *c, const char *s);	/* quoted when needed */
void csv_u64(struct csv *c, uint64_t v);
void csv_i64(struct csv *c, int64_t v);
void csv_dbl(struct csv *c, double v);		/* NAN -> empty cell */
void csv_empty(struct csv *c);
void csv_end_row(struct csv *c);		/* aborts on a cell-count mismatch (a bug) */
/* fsync + rename into place. 0 or -errno. */
int csv_commit(struct csv *c);
/* Drop the temporary file (error paths, signals). */
void csv_abort(struct csv *c);

#endif
