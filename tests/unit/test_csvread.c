/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/csvread: what lib/csv writes reads back cell for
 * cell; every kind of malformed input is refused with "file:line: why";
 * and a randomized mutation test (fixed seed, thousands of corrupted
 * copies, run under ASan/UBSan in `make check`) proves it never crashes.
 */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "csvread.h"
#include "stats.h"
#include "tap.h"

static const char good[] =
	"backing,rep,fault_ns,pages_per_s,pgfault_per_op,note\n"
	"# kinds: param,rep,lower,higher,ops,info\n"
	"# bench: cow-fault\n"
	"# command: cow-fault --quick -o x\n"
	"small,0,1500.5,660000,1.001,plain\n"
	"small,1,1490,,1,\"with, comma and \"\"quotes\"\"\"\n"
	"# a comment in the middle: kept as metadata\n"
	"\"thp\",0,3e4,33000.25,,\"#not a comment\"\n";

static void test_parse_good(void)
{
	struct csv_table t;
	char err[512] = "";
	int ret = csv_table_parse(&t, "good.csv", good, strlen(good), err, sizeof(err));

	ok(ret == 0, "valid CSV parses (%s)", err);
	ok(t.ncols == 6 && t.nrows == 3, "6 columns, 3 rows (got %d, %zu)", t.ncols, t.nrows);
	ok(t.kinds[0] == COL_PARAM && t.kinds[1] == COL_REP && t.kinds[2] == COL_LOWER &&
	   t.kinds[3] == COL_HIGHER && t.kinds[4] == COL_OPS && t.kinds[5] == COL_INFO, "kinds");
	ok(csv_table_col(&t, "pages_per_s") == 3 && csv_table_col(&t, "nosuch") == -1, "csv_table_col");
	ok(csv_table_meta(&t, "bench") && !strcmp(csv_table_meta(&t, "bench"), "cow-fault"), "metadata bench");
	ok(csv_table_meta(&t, "command") && !strcmp(csv_table_meta(&t, "command"), "cow-fault --quick -o x"),
	   "metadata value keeps its spaces");
	ok(t.values[0 * 6 + 2] == 1500.5 && t.values[2 * 6 + 2] == 3e4, "lower values parsed");
	ok(isnan(t.values[1 * 6 + 3]) && isnan(t.values[2 * 6 + 4]), "empty cells are NAN, not zero");
	ok(t.values[1 * 6 + 1] == 1, "rep parsed");
	ok(!strcmp(t.cells[1 * 6 + 5], "with, comma and \"quotes\""), "quoted cell unescaped: [%s]",
	   t.cells[1 * 6 + 5]);
	ok(!strcmp(t.cells[2 * 6 + 0], "thp") && !strcmp(t.cells[2 * 6 + 5], "#not a comment"),
	   "quoted param and a quoted cell starting with #");
	ok(t.lines[0] == 5 && t.lines[2] == 8, "row line numbers (got %ld, %ld)", t.lines[0], t.lines[2]);
	csv_table_free(&t);
}

/* Write with lib/csv, read with lib/csvread: the two halves must agree exactly. */
static void test_round_trip(void)
{
	static const struct csv_col cols[] = {
		{ "p", COL_PARAM }, { "rep", COL_REP }, { "v", COL_LOWER }, { "s", COL_INFO },
	};
	static const char *const strs[] = { "plain", "a,b", "say \"hi\"", "#hash", "", "line\nbreak" };
	char dir[] = "/tmp/cowbench-csvread.XXXXXX", path[PATH_MAX], err[512] = "";
	struct csv_table t;
	struct csv c;
	int i, same = 1;

	if (!mkdtemp(dir)) {
		skip("mkdtemp: %s", strerror(errno));
		return;
	}
	ok(csv_create(&c, dir, "rt.csv", cols, 4) == 0, "csv_create");
	csv_meta(&c, "key", "value: with colon");
	for (i = 0; i < 6; i++) {
		csv_str(&c, strs[i]);
		csv_i64(&c, i);
		if (i == 3)
			csv_dbl(&c, NAN);
		else
			csv_dbl(&c, 1.0 / (i + 1));
		csv_str(&c, strs[5 - i]);
		csv_end_row(&c);
	}
	ok(csv_commit(&c) == 0, "csv_commit");
	snprintf(path, sizeof(path), "%s/rt.csv", dir);
	ok(csv_table_read(&t, path, err, sizeof(err)) == 0, "read back (%s)", err);
	for (i = 0; i < 6 && t.nrows == 6; i++) {
		/* lib/csv turns a newline inside a cell into a space, by design. */
		const char *want = i == 5 ? "line break" : strs[i];

		same &= !strcmp(t.cells[i * 4], want) && t.values[i * 4 + 1] == i;
		same &= i == 3 ? isnan(t.values[i * 4 + 2]) :
				 fabs(t.values[i * 4 + 2] - 1.0 / (i + 1)) < 1e-9;
	}
	ok(t.nrows == 6 && same, "every cell reads back as written");
	ok(csv_table_meta(&t, "key") && !strcmp(csv_table_meta(&t, "key"), "value: with colon"),
	   "metadata with a colon in the value");
	csv_table_free(&t);
	ok(csv_table_read(&t, dir, err, sizeof(err)) == -EISDIR && strstr(err, dir), "a directory: -EISDIR (%s)",
	   err);
	csv_table_free(&t);
	unlink(path);
	rmdir(dir);
	ok(csv_table_read(&t, path, err, sizeof(err)) == -ENOENT && strstr(err, "rt.csv"),
	   "a missing file: -ENOENT naming it");
	csv_table_free(&t);
}

struct bad_case {
	const char *what, *text, *want;	/* want: expected start of the message */
};

static void test_malformed(void)
{
	static const struct bad_case cases[] = {
		{ "empty file", "", "f.csv:1: empty file" },
		{ "header is a comment", "# x\n", "f.csv:1: expected the header" },
		{ "no kinds line", "a,b\n1,2\n", "f.csv:2: expected '# kinds" },
		{ "kinds missing at end", "a,b\n", "f.csv:2: expected '# kinds" },
		{ "too few kinds", "a,b\n# kinds: param\n", "f.csv:2: 1 kinds for 2" },
		{ "too many kinds", "a\n# kinds: param,lower\n", "f.csv:2: more kinds" },
		{ "unknown kind", "a,b\n# kinds: param,faster\n", "f.csv:2: column 2: unknown kind 'faster'" },
		{ "empty kind", "a,b\n# kinds: param,\n", "f.csv:2: column 2: unknown kind ''" },
		{ "duplicate column", "a,a\n# kinds: param,lower\n", "f.csv:1: column name 'a' appears twice" },
		{ "empty column name", "a,,b\n# kinds: param,lower,info\n", "f.csv:1: column 2 has an empty" },
		{ "short row", "a,b\n# kinds: param,lower\nx,1\ny\n", "f.csv:4: 1 cells, the header has 2" },
		{ "long row", "a,b\n# kinds: param,lower\nx,1,2\n", "f.csv:3: more than 2 cells" },
		{ "not a number", "a,b\n# kinds: param,lower\nx,12Q\n", "f.csv:3: column 'b': '12Q' is not a number" },
		{ "nan is not a number", "a,b\n# kinds: param,higher\nx,nan\n", "f.csv:3: column 'b'" },
		{ "inf is not a number", "a,b\n# kinds: param,ops\nx,inf\n", "f.csv:3: column 'b'" },
		{ "negative rep", "a,r\n# kinds: param,rep\nx,-1\n", "f.csv:3: column 'r': repetition '-1'" },
		{ "empty rep", "a,r\n# kinds: param,rep\nx,\n", "f.csv:3: column 'r': repetition ''" },
		{ "fractional rep", "a,r\n# kinds: param,rep\nx,1.5\n", "f.csv:3: column 'r'" },
		{ "unterminated quote", "a,b\n# kinds: param,info\n\"x,1\n", "f.csv:3: cell 1: unterminated" },
		{ "text after quote", "a,b\n# kinds: param,info\n\"x\"y,1\n", "f.csv:3: cell 1: text after" },
		{ "stray quote", "a,b\n# kinds: param,info\nx,a\"b\n", "f.csv:3: cell 2: stray quote" },
		{ "truncated row", "a,b\n# kinds: param,lower\nx,1\ny,2", "f.csv:4: truncated" },
		{ "truncated header", "a,b", "f.csv:1: truncated" },
	};
	char err[512];
	struct csv_table t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;

		err[0] = 0;
		ret = csv_table_parse(&t, "f.csv", cases[i].text, strlen(cases[i].text), err, sizeof(err));
		ok(ret == -EINVAL && !strncmp(err, cases[i].want, strlen(cases[i].want)),
		   "%s: refused as [%s]", cases[i].what, err);
		csv_table_free(&t);
	}
	{
		static const char with_nul[] = "a,b\n# kinds: param,lower\nx,1\0\n";

		ok(csv_table_parse(&t, "f.csv", with_nul, sizeof(with_nul) - 1, err, sizeof(err)) == -EINVAL &&
		   !strcmp(err, "f.csv:3: NUL byte: not a text file"), "NUL byte refused: [%s]", err);
		csv_table_free(&t);
	}
	{
		static const char crlf[] = "a,b\r\n# kinds: param,lower\r\nx,1\r\n";

		ok(csv_table_parse(&t, "f.csv", crlf, strlen(crlf), err, sizeof(err)) == 0 &&
		   t.nrows == 1 && t.values[1] == 1, "CRLF line ends are accepted");
		csv_table_free(&t);
	}
}

/* Every prefix of a valid file: either a complete file or "truncated" with the right line. */
static void test_every_prefix(void)
{
	size_t len = strlen(good), n;
	int bad = 0;

	for (n = 0; n < len; n++) {
		struct csv_table t;
		char err[512] = "";
		int ret = csv_table_parse(&t, "p.csv", good, n, err, sizeof(err));
		bool at_line_end = n == 0 || good[n - 1] == '\n';

		if (!at_line_end && (ret != -EINVAL || !strstr(err, "truncated")))
			bad++;
		if (at_line_end && n > 0 && ret != 0 && !strstr(err, "kinds"))
			bad++;
		csv_table_free(&t);
	}
	ok(!bad, "all %zu prefixes: complete lines parse, a cut line is 'truncated' (%d wrong)", len, bad);
}

static void test_kv(void)
{
	static const char meta[] = "label=a\n# comment\n\ncpu.model=X = Y\nlabel=b\n";
	struct kv_list l;
	char err[512] = "";

	ok(kv_list_parse(&l, "meta.txt", meta, strlen(meta), err, sizeof(err)) == 0, "meta.txt parses");
	ok(l.n == 3 && kv_get(&l, "cpu.model") && !strcmp(kv_get(&l, "cpu.model"), "X = Y"),
	   "value keeps '=' and spaces");
	ok(!strcmp(kv_get(&l, "label"), "b") && !kv_get(&l, "nosuch"), "last value of a repeated key wins");
	kv_list_free(&l);
	ok(kv_list_parse(&l, "meta.txt", "a=1\nbogus\n", 10, err, sizeof(err)) == -EINVAL &&
	   !strncmp(err, "meta.txt:2: expected key=value", 30), "line without '=' refused: [%s]", err);
	kv_list_free(&l);
	ok(kv_list_parse(&l, "meta.txt", "a=1\nb=2", 7, err, sizeof(err)) == -EINVAL &&
	   !strncmp(err, "meta.txt:2: truncated", 21), "truncated meta.txt refused: [%s]", err);
	kv_list_free(&l);
}

/*
 * Randomized mutations of a valid file: deletions, insertions of the
 * characters that matter to the grammar, byte flips, cut and duplicated
 * ranges. Every result must be a clean parse whose invariants hold, or
 * -EINVAL with a "name:LINE: " message whose line exists.
 */
static void test_mutations(void)
{
	static const char interesting[] = ",\"\n\r#:0123456789.-+eE \txn\0\x80\xff";
	const unsigned iterations = 20000;
	size_t len = strlen(good), cap = 4 * len + 64;
	char *buf = malloc(cap), err[512];
	unsigned it, parsed = 0, refused = 0, wrong = 0;
	regex_t re;
	struct rng r;

	regcomp(&re, "^m\\.csv:([0-9]+): ", REG_EXTENDED);
	rng_seed(&r, 20250101);
	for (it = 0; it < iterations && buf; it++) {
		unsigned k, nmut = 1 + (unsigned)rng_below(&r, 4);
		size_t n = len, lines = 1, i;
		struct csv_table t;
		regmatch_t m[2];
		int ret;

		memcpy(buf, good, len);
		for (k = 0; k < nmut && n; k++) {
			size_t at = (size_t)rng_below(&r, n), span = 1 + (size_t)rng_below(&r, 8);

			switch (rng_below(&r, 5)) {
			case 0:	/* delete */
				if (at + span > n)
					span = n - at;
				memmove(buf + at, buf + at + span, n - at - span);
				n -= span;
				break;
			case 1:	/* insert */
				if (n + 1 < cap) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = interesting[rng_below(&r, sizeof(interesting) - 1)];
					n++;
				}
				break;
			case 2:	/* replace */
				buf[at] = interesting[rng_below(&r, sizeof(interesting) - 1)];
				break;
			case 3:	/* truncate */
				n = at;
				break;
			default:	/* duplicate a range */
				if (at + span > n)
					span = n - at;
				if (n + span < cap) {
					memmove(buf + at + span, buf + at, n - at);
					n += span;
				}
				break;
			}
		}
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
		err[0] = 0;
		ret = csv_table_parse(&t, "m.csv", buf, n, err, sizeof(err));
		if (ret == 0) {
			size_t c;

			parsed++;
			for (c = 0; c < t.nrows * t.ncols; c++) {
				enum col_kind kind = t.kinds[c % t.ncols];
				bool numeric = kind == COL_LOWER || kind == COL_HIGHER || kind == COL_OPS ||
					       kind == COL_REP;

				if (!t.cells[c] || (numeric && isinf(t.values[c])) ||
				    (!numeric && !isnan(t.values[c])))
					wrong++;
			}
		} else if (ret == -EINVAL && !regexec(&re, err, 2, m, 0) &&
			   strtol(err + m[1].rm_so, NULL, 10) >= 1 &&
			   (size_t)strtol(err + m[1].rm_so, NULL, 10) <= lines) {
			refused++;
		} else {
			if (wrong++ < 5)
				printf("# iteration %u: ret %d, message [%s]\n", it, ret, err);
		}
		csv_table_free(&t);
	}
	ok(buf && !wrong, "%u mutated files: %u parsed cleanly, %u refused with file:line, %u wrong",
	   iterations, parsed, refused, wrong);
	ok(parsed > iterations / 50 && refused > iterations / 2, "mutations exercise both outcomes");
	regfree(&re);
	free(buf);
}

int main(void)
{
	test_parse_good();
	test_round_trip();
	test_malformed();
	test_every_prefix();
	test_kv();
	test_mutations();
	return done_testing();
}
