/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csvread: the reading half of lib/csv, for the comparator. Parses a
 * results CSV (header, "# kinds:" line, "# key: value" metadata, rows)
 * and a meta.txt (key=value lines) strictly: anything malformed or
 * truncated is refused with "FILE:LINE: what is wrong", never guessed at.
 */
#ifndef COWBENCH_CSVREAD_H
#define COWBENCH_CSVREAD_H

#include <limits.h>
#include <stddef.h>
#include "csv.h"

/* Inputs beyond these are refused rather than half-read. */
#define CSVREAD_MAX_BYTES (256u << 20)
#define CSVREAD_MAX_COLS 1024

struct kv {
	const char *key, *value;
};

struct csv_table {
	char path[PATH_MAX];	/* for messages */
	char *buf;		/* private copy of the file; cells point into it */
	int ncols;
	const char **names;
	enum col_kind *kinds;
	size_t nmeta;
	struct kv *meta;	/* "# key: value" lines, in file order */
	size_t nrows;
	const char **cells;	/* nrows * ncols, "" = not available */
	double *values;		/* nrows * ncols: the number; NAN if empty or a param/info cell */
	long *lines;		/* line number of each row */
};

/*
 * Parse len bytes of CSV text named `name` (used in messages). 0, or
 * -EINVAL with "name:line: reason" in err, or -ENOMEM. t is always left
 * safe to pass to csv_table_free().
 */
int csv_table_parse(struct csv_table *t, const char *name, const char *data, size_t len,
		    char *err, size_t errlen);
/* Read and parse a file; I/O errors give -errno and "path: reason" in err. */
int csv_table_read(struct csv_table *t, const char *path, char *err, size_t errlen);
void csv_table_free(struct csv_table *t);

/* Index of a column by name, or -1. */
int csv_table_col(const struct csv_table *t, const char *name);
/* Value of a metadata key, or NULL. */
const char *csv_table_meta(const struct csv_table *t, const char *key);

/* A meta.txt: "key=value" lines; blank and '#' lines are skipped. */
struct kv_list {
	char *buf;
	size_t n;
	struct kv *v;
};

int kv_list_parse(struct kv_list *l, const char *name, const char *data, size_t len,
		  char *err, size_t errlen);
int kv_list_read(struct kv_list *l, const char *path, char *err, size_t errlen);
void kv_list_free(struct kv_list *l);
/* Value of key (the last one if repeated), or NULL. */
const char *kv_get(const struct kv_list *l, const char *key);

#endif
