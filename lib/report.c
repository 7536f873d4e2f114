/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report: text tables in three formats. Widths are measured in code
 * points so a label with a UTF-8 name still lines up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

const char *const table_format_names[] = { "text", "md", "csv", NULL };

int table_init(struct table *t, int ncols)
{
	memset(t, 0, sizeof(*t));
	if (ncols <= 0)
		return -EINVAL;
	t->ncols = ncols;
	t->head = calloc(ncols, sizeof(*t->head));
	t->right = calloc(ncols, sizeof(*t->right));
	if (!t->head || !t->right) {
		table_free(t);
		return -ENOMEM;
	}
	return 0;
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; t->cells && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; t->head && i < (size_t)t->ncols; i++)
		free(t->head[i]);
	free(t->cells);
	free(t->head);
	free(t->right);
	memset(t, 0, sizeof(*t));
}

int table_column(struct table *t, int col, const char *head, bool right)
{
	char *copy;

	if (col < 0 || col >= t->ncols)
		return -EINVAL;
	copy = strdup(head);
	if (!copy)
		return -ENOMEM;
	free(t->head[col]);
	t->head[col] = copy;
	t->right[col] = right;
	return 0;
}

long table_add_row(struct table *t)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? 2 * t->cap : 32;
		char **bigger = realloc(t->cells, ncap * t->ncols * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		t->cells = bigger;
		t->cap = ncap;
	}
	memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(*t->cells));
	return (long)t->nrows++;
}

int table_set(struct table *t, size_t row, int col, const char *fmt, ...)
{
	char **cell;
	va_list ap;
	int n;

	if (row >= t->nrows || col < 0 || col >= t->ncols)
		return -EINVAL;
	cell = &t->cells[row * t->ncols + col];
	free(*cell);
	va_start(ap, fmt);
	n = vasprintf(cell, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*cell = NULL;
		return -ENOMEM;
	}
	return 0;
}

const char *table_get(const struct table *t, size_t row, int col)
{
	const char *s;

	if (row >= t->nrows || col < 0 || col >= t->ncols)
		return "";
	s = t->cells[row * t->ncols + col];
	return s ? s : "";
}

size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void put_padded(FILE *f, const char *s, size_t width, bool right)
{
	size_t pad = width - text_width(s);

	if (right)
		fprintf(f, "%*s%s", (int)pad, "", s);
	else
		fprintf(f, "%s%*s", s, (int)pad, "");
}

static void print_text(const struct table *t, FILE *f)
{
	size_t *width = calloc(t->ncols, sizeof(*width));
	char *buf = NULL;
	size_t r, len = 0;
	FILE *line;
	int c;

	if (!width)
		return;
	for (c = 0; c < t->ncols; c++) {
		width[c] = text_width(t->head[c] ? t->head[c] : "");
		for (r = 0; r < t->nrows; r++) {
			size_t w = text_width(table_get(t, r, c));

			if (w > width[c])
				width[c] = w;
		}
	}
	line = open_memstream(&buf, &len);
	if (!line) {
		free(width);
		return;
	}
	for (r = 0; r <= t->nrows; r++) {
		rewind(line);
		for (c = 0; c < t->ncols; c++) {
			const char *s = r ? table_get(t, r - 1, c) : (t->head[c] ? t->head[c] : "");

			if (c)
				fputs("  ", line);
			put_padded(line, s, width[c], t->right[c]);
		}
		fflush(line);
		len = ftell(line);
		/* Empty trailing cells would leave blanks a mail client shows as noise. */
		while (len && buf[len - 1] == ' ')
			len--;
		fprintf(f, "%.*s\n", (int)len, buf);
	}
	fclose(line);
	free(buf);
	free(width);
}

static void put_md_cell(FILE *f, const char *s)
{
	fputs(" ", f);
	for (; *s; s++) {
		/* A '|' ends the cell and '*' starts emphasis: both must be literal. */
		if (*s == '|' || *s == '*' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputs(" |", f);
}

static void print_md(const struct table *t, FILE *f)
{
	size_t r;
	int c;

	fputc('|', f);
	for (c = 0; c < t->ncols; c++)
		put_md_cell(f, t->head[c] ? t->head[c] : "");
	fputs("\n|", f);
	for (c = 0; c < t->ncols; c++)
		fputs(t->right[c] ? " ---: |" : " :--- |", f);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (c = 0; c < t->ncols; c++)
			put_md_cell(f, table_get(t, r, c));
		fputc('\n', f);
	}
}

static void put_csv_cell(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (!strpbrk(s, ",\"\n\r") && *s != '#') {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('"', f);
}

static void print_csv(const struct table *t, FILE *f)
{
	size_t r;
	int c;

	for (c = 0; c < t->ncols; c++)
		put_csv_cell(f, t->head[c] ? t->head[c] : "", c == 0);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			put_csv_cell(f, table_get(t, r, c), c == 0);
		fputc('\n', f);
	}
}

void table_print(const struct table *t, FILE *f, enum table_format fmt)
{
	switch (fmt) {
	case TABLE_TEXT:
		print_text(t, f);
		break;
	case TABLE_MD:
		print_md(t, f);
		break;
	case TABLE_CSV:
		print_csv(t, f);
		break;
	}
}
