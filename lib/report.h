/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report: a table of text cells printed three ways: aligned columns for
 * the terminal, a GitHub Markdown table for a cover letter, or CSV for
 * machines. Callers fill cells; the table owns widths and escaping.
 */
#ifndef COWBENCH_REPORT_H
#define COWBENCH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "log.h"

enum table_format { TABLE_TEXT, TABLE_MD, TABLE_CSV };
extern const char *const table_format_names[];	/* "text", "md", "csv", NULL */

struct table {
	int ncols;
	char **head;
	bool *right;		/* right-aligned (numbers) */
	size_t nrows, cap;
	char **cells;		/* nrows * ncols, NULL = empty */
};

/* 0 or -ENOMEM. */
int table_init(struct table *t, int ncols);
void table_free(struct table *t);
/* Column heading and alignment. 0 or -ENOMEM. */
int table_column(struct table *t, int col, const char *head, bool right);
/* Append an empty row: its index, or -ENOMEM. */
long table_add_row(struct table *t);
/* Set a cell of a row from a format. 0 or -ENOMEM/-EINVAL. */
int table_set(struct table *t, size_t row, int col, const char *fmt, ...) PRINTF_LIKE(4, 5);
const char *table_get(const struct table *t, size_t row, int col);

/*
 * Print. TEXT: cells padded to the widest in each column, two spaces
 * between columns, no trailing blanks. MD: "| a | b |" with an alignment
 * row; '|' and '*' escaped. CSV: header then rows, quoted when needed.
 */
void table_print(const struct table *t, FILE *f, enum table_format fmt);

/* Display width of UTF-8 text: code points, not bytes. */
size_t text_width(const char *s);

#endif
