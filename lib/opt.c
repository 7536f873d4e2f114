/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opt: parsers for the values users type, each failing with a sentence
 * that says what was expected, so every binary reports bad input alike.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "opt.h"

char opt_error[256];

static int fail(int err, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(opt_error, sizeof(opt_error), fmt, ap);
	va_end(ap);
	return -err;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	uint64_t mult = 1;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return fail(EINVAL, "'%s' is not a size (examples: 4096, 64K, 64M, 6G)", s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return fail(EINVAL, "'%s' is not a size (examples: 4096, 64K, 64M, 6G)", s);
	switch (toupper((unsigned char)*end)) {
	case 0: break;
	case 'K': mult = 1ull << 10; end++; break;
	case 'M': mult = 1ull << 20; end++; break;
	case 'G': mult = 1ull << 30; end++; break;
	case 'T': mult = 1ull << 40; end++; break;
	default:
		return fail(EINVAL, "'%s': unknown size unit '%s' (use K, M, G or T)", s, end);
	}
	if (mult > 1 && (!strcmp(end, "iB") || !strcmp(end, "ib") || !strcmp(end, "B") || !strcmp(end, "b")))
		end += strlen(end);
	if (*end)
		return fail(EINVAL, "'%s': unknown size unit '%s' (use K, M, G or T)", s, end);
	if (v * (double)mult >= 18446744073709551616.0)
		return fail(ERANGE, "'%s' is too large", s);
	if (v * (double)mult != floor(v * (double)mult))
		return fail(EINVAL, "'%s' is not a whole number of bytes", s);
	*out = (uint64_t)(v * (double)mult);
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out_ns)
{
	char *end;
	double v, mult = 1e9;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return fail(EINVAL, "'%s' is not a duration (examples: 500ms, 10s, 5m, 2h)", s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return fail(EINVAL, "'%s' is not a duration (examples: 500ms, 10s, 5m, 2h)", s);
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mult = 1e9;
	else if (!strcmp(end, "ms"))
		mult = 1e6;
	else if (!strcmp(end, "us"))
		mult = 1e3;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60e9;
	else if (!strcmp(end, "h"))
		mult = 3600e9;
	else
		return fail(EINVAL, "'%s': unknown duration unit '%s' (use ms, s, m or h)", s, end);
	if (v * mult > 1e18)
		return fail(ERANGE, "'%s' is too long", s);
	*out_ns = (uint64_t)(v * mult + 0.5);
	return 0;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return fail(EINVAL, "expected a number from %ld to %ld", min, max);
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return fail(EINVAL, "'%s' is not a whole number", s);
	if (v < min || v > max)
		return fail(ERANGE, "%ld is out of range (%ld to %ld)", v, min, max);
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return fail(EINVAL, "expected a number from %g to %g", min, max);
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || isnan(v))
		return fail(EINVAL, "'%s' is not a number", s);
	if (v < min || v > max)
		return fail(ERANGE, "%g is out of range (%g to %g)", v, min, max);
	*out = v;
	return 0;
}

/* Split a comma list into items of at most 63 chars, calling fn on each. */
static int for_each_item(const char *s, int (*fn)(const char *item, void *ctx), void *ctx)
{
	char item[64];
	const char *p = s;

	if (!s || !*s)
		return fail(EINVAL, "empty list");
	for (;;) {
		size_t n = strcspn(p, ",");
		int err;

		if (n == 0 || n >= sizeof(item))
			return fail(EINVAL, "'%s': bad list item", s);
		memcpy(item, p, n);
		item[n] = 0;
		err = fn(item, ctx);
		if (err)
			return err;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

struct cpu_ctx { int *cpus, max, n; };

static int add_cpu_item(const char *item, void *arg)
{
	struct cpu_ctx *c = arg;
	long lo, hi, i, j;
	char *end;

	errno = 0;
	lo = strtol(item, &end, 10);
	hi = lo;
	if (end != item && *end == '-')
		hi = strtol(end + 1, &end, 10);
	if (errno || *end || end == item || lo < 0 || hi < lo || hi > 4095)
		return fail(EINVAL, "'%s' is not a CPU or range (examples: 0, 2-3)", item);
	for (i = lo; i <= hi; i++) {
		for (j = 0; j < c->n; j++)
			if (c->cpus[j] == i)
				return fail(EINVAL, "CPU %ld is listed twice", i);
		if (c->n == c->max)
			return fail(ERANGE, "more than %d CPUs", c->max);
		c->cpus[c->n++] = (int)i;
	}
	return 0;
}

int parse_cpu_list(const char *s, int *cpus, int max, int *n)
{
	struct cpu_ctx c = { cpus, max, 0 };
	int err = for_each_item(s, add_cpu_item, &c);

	if (!err)
		*n = c.n;
	return err;
}

struct size_ctx { uint64_t *vals; int max, n; };

static int add_size_item(const char *item, void *arg)
{
	struct size_ctx *c = arg;

	if (c->n == c->max)
		return fail(ERANGE, "more than %d values", c->max);
	return parse_size(item, &c->vals[c->n++]);
}

int parse_size_list(const char *s, uint64_t *vals, int max, int *n)
{
	struct size_ctx c = { vals, max, 0 };
	int err = for_each_item(s, add_size_item, &c);

	if (!err)
		*n = c.n;
	return err;
}

struct long_ctx { long min, max, *vals; int max_n, n; };

static int add_long_item(const char *item, void *arg)
{
	struct long_ctx *c = arg;

	if (c->n == c->max_n)
		return fail(ERANGE, "more than %d values", c->max_n);
	return parse_long(item, c->min, c->max, &c->vals[c->n++]);
}

int parse_long_list(const char *s, long min, long max, long *vals, int max_n, int *n)
{
	struct long_ctx c = { min, max, vals, max_n, 0 };
	int err = for_each_item(s, add_long_item, &c);

	if (!err)
		*n = c.n;
	return err;
}

int parse_choice(const char *s, const char *const *words)
{
	char list[200] = "";
	int i;

	for (i = 0; words[i]; i++)
		if (s && !strcmp(s, words[i]))
			return i;
	for (i = 0; words[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, words[i], sizeof(list) - strlen(list) - 1);
	}
	return fail(EINVAL, "'%s' is not one of: %s", s ? s : "", list);
}

struct choice_ctx { const char *const *words; bool *flags; };

static int add_choice_item(const char *item, void *arg)
{
	struct choice_ctx *c = arg;
	int i = parse_choice(item, c->words);

	if (i < 0)
		return i;
	c->flags[i] = true;
	return 0;
}

int parse_choice_list(const char *s, const char *const *words, bool *flags)
{
	struct choice_ctx c = { words, flags };
	int n;

	for (n = 0; words[n]; n++)
		flags[n] = false;
	return for_each_item(s, add_choice_item, &c);
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	/* Exact: the largest unit that divides the size (1536M, not 1.5G). */
	while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}
