/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of lib/opt: every parser accepts what users type and refuses
 * the rest with a message.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "opt.h"
#include "tap.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;
	int err = parse_size(s, &v);

	ok(!err && v == want, "parse_size(\"%s\") = %llu", s, (unsigned long long)want);
}

static void size_bad(const char *s)
{
	uint64_t v;

	opt_error[0] = 0;
	ok(parse_size(s, &v) < 0 && opt_error[0], "parse_size(\"%s\") refused: %s", s, opt_error);
}

int main(void)
{
	uint64_t ns, sizes[8];
	long l, longs[8];
	double d;
	int cpus[8], n;
	char buf[32];
	static const char *const words[] = { "small", "thp", NULL };

	size_ok("4096", 4096);
	size_ok("64K", 64 << 10);
	size_ok("64k", 64 << 10);
	size_ok("64M", 64 << 20);
	size_ok("6G", 6ull << 30);
	size_ok("1T", 1ull << 40);
	size_ok("6GiB", 6ull << 30);
	size_ok("1.5G", 3ull << 29);
	size_ok("0", 0);
	size_bad("12Q");
	size_bad("");
	size_bad("-1M");
	size_bad("M");
	size_bad("1.5");
	size_bad("99999999999T");

	ok(!parse_duration_ns("10s", &ns) && ns == 10000000000ull, "10s");
	ok(!parse_duration_ns("500ms", &ns) && ns == 500000000ull, "500ms");
	ok(!parse_duration_ns("2m", &ns) && ns == 120000000000ull, "2m");
	ok(!parse_duration_ns("1h", &ns) && ns == 3600000000000ull, "1h");
	ok(!parse_duration_ns("1.5", &ns) && ns == 1500000000ull, "plain number is seconds");
	ok(parse_duration_ns("10x", &ns) < 0, "10x refused: %s", opt_error);
	ok(parse_duration_ns("-1s", &ns) < 0, "-1s refused");

	ok(!parse_long("16", 1, 64, &l) && l == 16, "parse_long in range");
	ok(parse_long("65", 1, 64, &l) == -ERANGE, "parse_long out of range: %s", opt_error);
	ok(parse_long("1x", 1, 64, &l) == -EINVAL, "parse_long junk: %s", opt_error);
	ok(!parse_double("0.25", 0, 1, &d) && d == 0.25, "parse_double");
	ok(parse_double("nan", 0, 1, &d) < 0, "parse_double nan refused");

	ok(!parse_cpu_list("0,2-4", cpus, 8, &n) && n == 4 && cpus[0] == 0 && cpus[3] == 4, "cpu list 0,2-4");
	ok(parse_cpu_list("1,1", cpus, 8, &n) < 0, "cpu listed twice refused: %s", opt_error);
	ok(parse_cpu_list("3-1", cpus, 8, &n) < 0, "reversed range refused");
	ok(parse_cpu_list("0,,1", cpus, 8, &n) < 0, "empty item refused");
	ok(!parse_size_list("0,16M,1G", sizes, 8, &n) && n == 3 && sizes[1] == 16 << 20 && sizes[2] == 1 << 30,
	   "size list");
	ok(parse_size_list("1M,2Q", sizes, 8, &n) < 0, "bad size in list refused: %s", opt_error);
	ok(!parse_long_list("0,1,2,4,8,16", 0, 64, longs, 8, &n) && n == 6 && longs[5] == 16, "long list");
	ok(parse_long_list("1,2,3", 0, 64, longs, 2, &n) < 0, "too many values refused");

	ok(parse_choice("thp", words) == 1, "parse_choice");
	ok(parse_choice("huge", words) < 0 && strstr(opt_error, "small, thp"), "parse_choice lists the words: %s",
	   opt_error);

	ok(!strcmp(format_size(64 << 20, buf, sizeof(buf)), "64M"), "format_size 64M");
	ok(!strcmp(format_size(1536ull << 20, buf, sizeof(buf)), "1536M"), "format_size 1536M");
	ok(!strcmp(format_size(4097, buf, sizeof(buf)), "4097"), "format_size 4097");
	ok(!strcmp(format_size(6ull << 30, buf, sizeof(buf)), "6G"), "format_size 6G");
	return done_testing();
}
