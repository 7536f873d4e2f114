/* SPDX-License-Identifier: GPL-2.0 */
/*
 * csv: results files written atomically. Data goes to "<file>.tmp.<pid>"
 * beside the target and is renamed over it only when complete, so a run
 * that dies leaves the previous file (or none), never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "csv.h"

const char *const col_kind_names[] = { "param", "rep", "lower", "higher", "ops", "info", NULL };

int mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	char *p;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int tmp_name(char *tmp, size_t len, const char *path)
{
	if (snprintf(tmp, len, "%s.tmp.%d", path, (int)getpid()) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int sync_and_rename(FILE *f, const char *tmp, const char *path)
{
	int err = 0;

	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int atomic_write_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = tmp_name(tmp, sizeof(tmp), path);

	if (err)
		return err;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (len && fwrite(data, 1, len, f) != len) {
		err = -errno;
		fclose(f);
		unlink(tmp);
		return err ? err : -EIO;
	}
	return sync_and_rename(f, tmp, path);
}

/* Is `key` (up to '=') present among the lines of `lines`? */
static bool has_key(const char *lines, const char *key, size_t klen)
{
	const char *p = lines;

	while (*p) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return true;
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	return false;
}

int meta_update(const char *dir, const char *lines)
{
	return meta_replace_prefix(dir, NULL, lines);
}

int meta_replace_prefix(const char *dir, const char *prefix, const char *lines)
{
	char path[PATH_MAX], line[4096];
	size_t cap = strlen(lines) + 4096, len = 0;
	char *out = malloc(cap);
	FILE *f;
	int err;

	if (!out)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/meta.txt", dir);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		size_t klen = strcspn(line, "="), n = strlen(line);

		if (line[klen] != '=' || has_key(lines, line, klen) ||
		    (prefix && !strncmp(line, prefix, strlen(prefix))))
			continue;
		if (len + n + 2 > cap) {
			char *bigger = realloc(out, cap = 2 * (cap + n));

			if (!bigger) {
				free(out);
				fclose(f);
				return -ENOMEM;
			}
			out = bigger;
		}
		memcpy(out + len, line, n);
		len += n;
		if (out[len - 1] != '\n')
			out[len++] = '\n';
	}
	if (f)
		fclose(f);
	if (len + strlen(lines) + 2 > cap) {
		char *bigger = realloc(out, cap = len + strlen(lines) + 2);

		if (!bigger) {
			free(out);
			return -ENOMEM;
		}
		out = bigger;
	}
	memcpy(out + len, lines, strlen(lines));
	len += strlen(lines);
	if (len && out[len - 1] != '\n')
		out[len++] = '\n';
	err = atomic_write_file(path, out, len);
	free(out);
	return err;
}

int csv_create(struct csv *c, const char *dir, const char *file,
	       const struct csv_col *cols, int ncols)
{
	int i, err;

	memset(c, 0, sizeof(*c));
	if (ncols > CSV_MAX_COLS)
		return -E2BIG;
	if (snprintf(c->path, sizeof(c->path), "%s/%s", dir, file) >= (int)sizeof(c->path))
		return -ENAMETOOLONG;
	err = tmp_name(c->tmp, sizeof(c->tmp), c->path);
	if (err)
		return err;
	c->f = fopen(c->tmp, "we");
	if (!c->f)
		return -errno;
	c->ncols = ncols;
	memcpy(c->cols, cols, sizeof(cols[0]) * ncols);
	for (i = 0; i < ncols; i++)
		fprintf(c->f, "%s%s", i ? "," : "", cols[i].name);
	fprintf(c->f, "\n# kinds: ");
	for (i = 0; i < ncols; i++)
		fprintf(c->f, "%s%s", i ? "," : "", col_kind_names[cols[i].kind]);
	fputc('\n', c->f);
	return 0;
}

void csv_meta(struct csv *c, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	/* A metadata value must stay on its one comment line. */
	for (p = value; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(c->f, "# %s: %s\n", key, value);
}

static void sep(struct csv *c)
{
	if (c->col++)
		fputc(',', c->f);
}

void csv_str(struct csv *c, const char *s)
{
	sep(c);
	if (strpbrk(s, ",\"\n\r") || *s == '#') {
		fputc('"', c->f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', c->f);
			fputc(*s == '\n' || *s == '\r' ? ' ' : *s, c->f);
		}
		fputc('"', c->f);
	} else {
		fputs(s, c->f);
	}
}

void csv_u64(struct csv *c, uint64_t v)
{
	sep(c);
	fprintf(c->f, "%" PRIu64, v);
}

void csv_i64(struct csv *c, int64_t v)
{
	sep(c);
	fprintf(c->f, "%" PRId64, v);
}

void csv_dbl(struct csv *c, double v)
{
	sep(c);
	if (!isnan(v) && !isinf(v))
		fprintf(c->f, "%.10g", v);
}

void csv_empty(struct csv *c)
{
	sep(c);
}

void csv_end_row(struct csv *c)
{
	if (c->col != c->ncols) {
		fprintf(stderr, "csv: %s: row with %d cells for %d columns\n",
			c->path, c->col, c->ncols);
		abort();
	}
	fputc('\n', c->f);
	c->col = 0;
	c->rows++;
}

int csv_commit(struct csv *c)
{
	int err;

	if (!c->f)
		return -EBADF;
	err = sync_and_rename(c->f, c->tmp, c->path);
	c->f = NULL;
	return err;
}

void csv_abort(struct csv *c)
{
	if (!c->f)
		return;
	fclose(c->f);
	unlink(c->tmp);
	c->f = NULL;
}
