/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csvread: strict readers for results CSVs and meta.txt. The file is
 * copied once and split in place; every cell points into that copy.
 * Any deviation from what lib/csv writes is an error naming the line,
 * because a comparison built on a half-read file is worse than none.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvread.h"

PRINTF_LIKE(5, 6)
static int fail_at(char *err, size_t errlen, const char *name, long line, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s:%ld: %s", name, line, what);
	return -EINVAL;
}

static int fail_io(char *err, size_t errlen, const char *path, int errnum)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(errnum));
	return -errnum;
}

/* Make room for one more key/value pair. */
static int kv_reserve(struct kv **v, size_t *cap, size_t n)
{
	size_t ncap = *cap ? 2 * *cap : 32;
	struct kv *bigger;

	if (n < *cap)
		return 0;
	bigger = realloc(*v, ncap * sizeof(**v));
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = ncap;
	return 0;
}

/*
 * Shared front end: copy, refuse NUL bytes and a missing final newline
 * (lib/csv ends every line with one, so its absence means truncation).
 */
static int copy_text(char **out, const char *name, const char *data, size_t len,
		     char *err, size_t errlen)
{
	const char *nul = memchr(data, 0, len);
	long line = 1;
	size_t i;

	*out = NULL;
	if (len > CSVREAD_MAX_BYTES)
		return fail_at(err, errlen, name, 1, "file larger than %u MiB", CSVREAD_MAX_BYTES >> 20);
	if (nul) {
		for (i = 0; i < (size_t)(nul - data); i++)
			line += data[i] == '\n';
		return fail_at(err, errlen, name, line, "NUL byte: not a text file");
	}
	if (len && data[len - 1] != '\n') {
		for (i = 0; i < len; i++)
			line += data[i] == '\n';
		return fail_at(err, errlen, name, line, "truncated: last line has no newline");
	}
	*out = malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, data, len);
	(*out)[len] = 0;
	return 0;
}

/* Next line of a NUL-terminated buffer, split in place; NULL at the end. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *nl;
	size_t n;

	if (!*line)
		return NULL;
	nl = strchr(line, '\n');
	*nl = 0;	/* copy_text() guaranteed the final newline */
	*cursor = nl + 1;
	n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	return line;
}

/*
 * Split one CSV line into cells, in place, undoing lib/csv's quoting
 * ("..." with "" for a quote). At most max cells; returns the count or
 * -EINVAL with err set.
 */
static int split_cells(char *line, const char **cells, int max, const char *name, long lineno,
		       char *err, size_t errlen)
{
	char *r = line, *w, sep;
	int n = 0;

	for (;;) {
		char *start = w = r;

		if (*r == '"') {
			r++;
			for (;;) {
				if (!*r)
					return fail_at(err, errlen, name, lineno,
						       "cell %d: unterminated quoted cell", n + 1);
				if (*r == '"') {
					if (r[1] != '"') {
						r++;
						break;
					}
					r++;
				}
				*w++ = *r++;
			}
			if (*r && *r != ',')
				return fail_at(err, errlen, name, lineno,
					       "cell %d: text after the closing quote", n + 1);
		} else {
			while (*r && *r != ',') {
				if (*r == '"')
					return fail_at(err, errlen, name, lineno,
						       "cell %d: stray quote in an unquoted cell", n + 1);
				*w++ = *r++;
			}
		}
		sep = *r;
		*w = 0;
		if (n == max)
			return fail_at(err, errlen, name, lineno, "more than %d cells", max);
		cells[n++] = start;
		if (!sep)
			return n;
		r++;
	}
}

static int parse_number(const char *s, double *v)
{
	char *end;

	if (!*s) {
		*v = NAN;
		return 0;
	}
	errno = 0;
	*v = strtod(s, &end);
	if (*end || end == s || !isfinite(*v) || (errno == ERANGE && fabs(*v) > 1))
		return -EINVAL;
	return 0;
}

static int parse_kinds(struct csv_table *t, char *list, long lineno, char *err, size_t errlen)
{
	int n = 0;
	char *tok, *save = NULL;

	if (*list == 0)
		return fail_at(err, errlen, t->path, lineno, "empty kinds list");
	/* strtok_r would merge ",,": an empty kind must be an error, so split by hand. */
	for (tok = list;; tok = save + 1) {
		int k;

		save = strchr(tok, ',');
		if (save)
			*save = 0;
		while (*tok == ' ')
			tok++;
		for (k = 0; col_kind_names[k]; k++)
			if (!strcmp(tok, col_kind_names[k]))
				break;
		if (!col_kind_names[k])
			return fail_at(err, errlen, t->path, lineno,
				       "column %d: unknown kind '%.40s' (param, rep, lower, higher, ops, info)",
				       n + 1, tok);
		if (n == t->ncols)
			return fail_at(err, errlen, t->path, lineno, "more kinds than the %d header columns",
				       t->ncols);
		t->kinds[n++] = k;
		if (!save)
			break;
	}
	if (n != t->ncols)
		return fail_at(err, errlen, t->path, lineno, "%d kinds for %d header columns", n, t->ncols);
	return 0;
}

static int parse_header(struct csv_table *t, char *line, const char **tmp,
			char *err, size_t errlen)
{
	int n, i, j;

	if (!line)
		return fail_at(err, errlen, t->path, 1, "empty file: no header line");
	if (*line == '#' || !*line)
		return fail_at(err, errlen, t->path, 1, "expected the header line, found %s",
			       *line ? "a comment" : "an empty line");
	n = split_cells(line, tmp, CSVREAD_MAX_COLS, t->path, 1, err, errlen);
	if (n < 0)
		return n;
	t->names = calloc(n, sizeof(*t->names));
	t->kinds = calloc(n, sizeof(*t->kinds));
	if (!t->names || !t->kinds)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!*tmp[i])
			return fail_at(err, errlen, t->path, 1, "column %d has an empty name", i + 1);
		for (j = 0; j < i; j++)
			if (!strcmp(tmp[i], tmp[j]))
				return fail_at(err, errlen, t->path, 1, "column name '%.60s' appears twice",
					       tmp[i]);
		t->names[i] = tmp[i];
	}
	t->ncols = n;
	return 0;
}

/* "# key: value" metadata; other comments are kept out of the table. */
static int add_meta(struct csv_table *t, size_t *cap, char *line)
{
	char *key = line + 1, *colon;

	while (*key == ' ')
		key++;
	colon = strstr(key, ": ");
	if (!colon || colon == key) {
		colon = strchr(key, ':');
		if (!colon || colon[1] || colon == key)
			return 0;	/* a plain comment */
	}
	*colon = 0;
	if (kv_reserve(&t->meta, cap, t->nmeta))
		return -ENOMEM;
	t->meta[t->nmeta].key = key;
	t->meta[t->nmeta].value = colon[1] ? colon + 2 : colon + 1;
	t->nmeta++;
	return 0;
}

static int add_row(struct csv_table *t, size_t *cap, char *line, long lineno, const char **tmp,
		   char *err, size_t errlen)
{
	int n, i;
	size_t base;

	n = split_cells(line, tmp, t->ncols, t->path, lineno, err, errlen);
	if (n < 0)
		return n;
	if (n != t->ncols)
		return fail_at(err, errlen, t->path, lineno, "%d cells, the header has %d", n, t->ncols);
	if (t->nrows == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		long *lines = realloc(t->lines, ncap * sizeof(*lines));
		double *values;
		const char **cells;

		if (!lines)
			return -ENOMEM;
		t->lines = lines;
		values = realloc(t->values, ncap * t->ncols * sizeof(*values));
		if (!values)
			return -ENOMEM;
		t->values = values;
		cells = realloc(t->cells, ncap * t->ncols * sizeof(*cells));
		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		*cap = ncap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < n; i++) {
		double v = NAN;

		t->cells[base + i] = tmp[i];
		switch (t->kinds[i]) {
		case COL_REP: {
			char *end;
			long rep;

			errno = 0;
			rep = strtol(tmp[i], &end, 10);
			if (!*tmp[i] || *end || rep < 0 || errno || tmp[i][0] == '+' || tmp[i][0] == ' ')
				return fail_at(err, errlen, t->path, lineno,
					       "column '%s': repetition '%.40s' is not an integer >= 0",
					       t->names[i], tmp[i]);
			v = (double)rep;
			break;
		}
		case COL_LOWER:
		case COL_HIGHER:
		case COL_OPS:
			if (parse_number(tmp[i], &v))
				return fail_at(err, errlen, t->path, lineno,
					       "column '%s': '%.40s' is not a number", t->names[i], tmp[i]);
			break;
		default:
			break;
		}
		t->values[base + i] = v;
	}
	t->lines[t->nrows++] = lineno;
	return 0;
}

int csv_table_parse(struct csv_table *t, const char *name, const char *data, size_t len,
		    char *err, size_t errlen)
{
	const char **tmp = NULL;
	size_t meta_cap = 0, row_cap = 0;
	char *cursor, *line;
	long lineno = 2;
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", name);
	ret = copy_text(&t->buf, name, data, len, err, errlen);
	if (ret)
		return ret;
	tmp = malloc((CSVREAD_MAX_COLS + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	cursor = t->buf;
	ret = parse_header(t, next_line(&cursor), tmp, err, errlen);
	if (ret)
		goto out;
	line = next_line(&cursor);
	if (!line || strncmp(line, "# kinds:", 8)) {
		ret = fail_at(err, errlen, t->path, 2, "expected '# kinds: ...' (one kind per column)%s",
			      line ? "" : ", found the end of the file");
		goto out;
	}
	ret = parse_kinds(t, line + 8 + (line[8] == ' '), 2, err, errlen);
	while (!ret && (line = next_line(&cursor))) {
		lineno++;
		if (!*line)
			continue;	/* blank lines carry nothing; gnuplot ignores them too */
		if (*line == '#')
			ret = add_meta(t, &meta_cap, line);
		else
			ret = add_row(t, &row_cap, line, lineno, tmp, err, errlen);
	}
out:
	free(tmp);
	if (ret == -ENOMEM && err && errlen)
		snprintf(err, errlen, "%s: out of memory", name);
	return ret;
}

static int read_whole(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	if (fd < 0)
		return fail_io(err, errlen, path, errno);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno ? errno : EINVAL;

		close(fd);
		return fail_io(err, errlen, path, e);
	}
	if ((uint64_t)st.st_size > CSVREAD_MAX_BYTES) {
		close(fd);
		return fail_at(err, errlen, path, 1, "file larger than %u MiB", CSVREAD_MAX_BYTES >> 20);
	}
	*data = malloc((size_t)st.st_size + 1);
	if (!*data) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *data + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(fd);
			free(*data);
			*data = NULL;
			return fail_io(err, errlen, path, e);
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

int csv_table_read(struct csv_table *t, const char *path, char *err, size_t errlen)
{
	char *data;
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = read_whole(path, &data, &len, err, errlen);
	if (ret)
		return ret;
	ret = csv_table_parse(t, path, data, len, err, errlen);
	free(data);
	return ret;
}

void csv_table_free(struct csv_table *t)
{
	free(t->buf);
	free(t->names);
	free(t->kinds);
	free(t->meta);
	free(t->cells);
	free(t->values);
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

int csv_table_col(const struct csv_table *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (!strcmp(t->names[i], name))
			return i;
	return -1;
}

const char *csv_table_meta(const struct csv_table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->nmeta; i++)
		if (!strcmp(t->meta[i].key, key))
			return t->meta[i].value;
	return NULL;
}

int kv_list_parse(struct kv_list *l, const char *name, const char *data, size_t len,
		  char *err, size_t errlen)
{
	size_t cap = 0;
	long lineno = 0;
	char *cursor, *line;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = copy_text(&l->buf, name, data, len, err, errlen);
	if (ret)
		return ret;
	cursor = l->buf;
	while ((line = next_line(&cursor))) {
		char *eq;

		lineno++;
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq || eq == line)
			return fail_at(err, errlen, name, lineno, "expected key=value, found '%.60s'", line);
		*eq = 0;
		if (kv_reserve(&l->v, &cap, l->n)) {
			if (err && errlen)
				snprintf(err, errlen, "%s: out of memory", name);
			return -ENOMEM;
		}
		l->v[l->n].key = line;
		l->v[l->n].value = eq + 1;
		l->n++;
	}
	return 0;
}

int kv_list_read(struct kv_list *l, const char *path, char *err, size_t errlen)
{
	char *data;
	size_t len;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = read_whole(path, &data, &len, err, errlen);
	if (ret)
		return ret;
	ret = kv_list_parse(l, path, data, len, err, errlen);
	free(data);
	return ret;
}

void kv_list_free(struct kv_list *l)
{
	free(l->buf);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const char *kv_get(const struct kv_list *l, const char *key)
{
	size_t i;

	for (i = l->n; i-- > 0;)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}
