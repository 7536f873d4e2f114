/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of lib/csv and lib/vmstat: files appear whole or not at all,
 * cells are quoted and empty where unavailable, meta.txt merges keys, and
 * vmstat tells an absent counter from a zero one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "csv.h"
#include "tap.h"
#include "vmstat.h"

static char dir[] = "/tmp/cowbench-test-csv.XXXXXX";

static char *slurp(const char *name)
{
	static char buf[8192];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

int main(void)
{
	static const struct csv_col cols[] = { { "backing", COL_PARAM }, { "rep", COL_REP },
					       { "ns", COL_LOWER }, { "rate", COL_HIGHER } };
	struct csv c;
	struct vmstat a, b;
	char path[512], *s;
	uint64_t v;
	int64_t d;
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	ok(!csv_create(&c, dir, "x.csv", cols, 4), "csv_create");
	ok(slurp("x.csv") == NULL, "nothing under the final name before commit");
	csv_meta(&c, "note", "two\nlines");
	csv_str(&c, "a,b");
	csv_u64(&c, 0);
	csv_dbl(&c, NAN);
	csv_dbl(&c, 2.5);
	csv_end_row(&c);
	ok(!csv_commit(&c), "csv_commit");
	s = slurp("x.csv");
	ok(s && !strncmp(s, "backing,rep,ns,rate\n# kinds: param,rep,lower,higher\n", 52), "header and kinds line");
	ok(s && strstr(s, "# note: two lines\n"), "metadata stays on one line");
	ok(s && strstr(s, "\"a,b\",0,,2.5\n"), "quoted cell, empty cell for NAN: %s", s ? strstr(s, "\"a") : "");

	ok(!csv_create(&c, dir, "y.csv", cols, 4), "second csv");
	csv_abort(&c);
	snprintf(path, sizeof(path), "%s/y.csv.tmp.%d", dir, (int)getpid());
	ok(slurp("y.csv") == NULL && access(path, F_OK) != 0, "csv_abort leaves nothing");

	ok(!meta_update(dir, "a=1\nb=2\n"), "meta_update creates");
	ok(!meta_update(dir, "b=3\nc=4\n"), "meta_update merges");
	s = slurp("meta.txt");
	ok(s && !strcmp(s, "a=1\nb=3\nc=4\n"), "meta.txt: kept a, replaced b, added c");
	ok(!meta_update(dir, "x.skipped=why\nx.start=1\n") && !meta_replace_prefix(dir, "x.", "x.start=2\n"),
	   "meta_replace_prefix");
	s = slurp("meta.txt");
	ok(s && !strcmp(s, "a=1\nb=3\nc=4\nx.start=2\n"), "a new run drops its binary's old keys: %s", s);

	ok(!atomic_write_file(path, "x", 1) && !strcmp(slurp(strrchr(path, '/') + 1), "x"), "atomic_write_file");
	unlink(path);

	snprintf(path, sizeof(path), "%s/vmstat1", dir);
	f = fopen(path, "w");
	fprintf(f, "pgfault 100\npgreuse 0\n");
	fclose(f);
	ok(!vmstat_read_file(&a, path), "vmstat_read_file");
	f = fopen(path, "w");
	fprintf(f, "pgfault 150\npgreuse 7\ncow_ksm 1\n");
	fclose(f);
	vmstat_read_file(&b, path);
	ok(vmstat_get(&a, "pgreuse", &v) && v == 0, "a zero counter is present and zero");
	ok(!vmstat_get(&a, "cow_ksm", &v), "a counter the kernel lacks is absent");
	ok(vmstat_delta(&a, &b, "pgfault", &d) && d == 50, "delta pgfault 50");
	ok(!vmstat_delta(&a, &b, "cow_ksm", &d), "no delta when one side lacks the counter");
	ok(!vmstat_read(&a) && vmstat_get(&a, "pgfault", &v) && v > 0, "real /proc/vmstat has pgfault");

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		return 1;
	return done_testing();
}
