/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opt: parsing of sizes, durations, counts and lists, with one clear error
 * message each. Every parser returns 0 or -EINVAL/-ERANGE and, on error,
 * leaves a one-line explanation in opt_error (no trailing newline).
 */
#ifndef COWBENCH_OPT_H
#define COWBENCH_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern char opt_error[256];

/* "4096", "64k", "64K", "64M", "6G", "1T", "64KiB", "6GiB": binary units. */
int parse_size(const char *s, uint64_t *out);
/* "500ms", "10s", "5m", "2h", "1.5s", plain number = seconds. */
int parse_duration_ns(const char *s, uint64_t *out_ns);
/* Decimal integer within [min, max]. */
int parse_long(const char *s, long min, long max, long *out);
/* Decimal or fractional number within [min, max]. */
int parse_double(const char *s, double min, double max, double *out);
/* "0,2-3,5": sorted as given, duplicates rejected. */
int parse_cpu_list(const char *s, int *cpus, int max, int *n);
/* "0,16M,64M": a comma list of sizes. */
int parse_size_list(const char *s, uint64_t *vals, int max, int *n);
/* "0,1,2,4": a comma list of longs within [min, max]. */
int parse_long_list(const char *s, long min, long max, long *vals, int max_n, int *n);
/* Index of s in the NULL-terminated words[], or -EINVAL ("expected one of ..."). */
int parse_choice(const char *s, const char *const *words);

/* A comma list of words from words[]: flags[i] set for each given (the rest cleared). */
int parse_choice_list(const char *s, const char *const *words, bool *flags);

/* Human-readable size into buf ("64M", "1.5G"): inverse of parse_size. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
