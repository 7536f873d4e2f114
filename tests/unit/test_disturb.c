/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_disturb: lib/disturb's list parsing, the "during ..." names, and
 * real rounds on a small region: mprotect splits a THP's PMD mapping, a
 * fork-write child makes the parent's next writes copy its pages, every
 * child is reaped. Knobs are left alone (no khugepaged/compaction here).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "clock.h"
#include "disturb.h"
#include "opt.h"
#include "pagemap.h"
#include "tap.h"

#define LEN (4ul << 20)

static void test_parse(void)
{
	bool on[NR_DISTURB];
	int i, n = 0;

	ok(disturb_parse("all", on) == 0, "all parses");
	for (i = 0; i < NR_DISTURB; i++)
		n += on[i];
	ok(n == NR_DISTURB, "all turns on every disturbance (%d)", n);
	ok(disturb_parse("khugepaged,fork-exec", on) == 0 && on[DISTURB_KHUGEPAGED] &&
	   on[DISTURB_FORK_EXEC] && !on[DISTURB_COMPACTION], "a list turns on exactly its members");
	ok(disturb_parse("all,none,mprotect", on) == 0 && on[DISTURB_MPROTECT] && !on[DISTURB_NUMA],
	   "later words win: all,none,mprotect is mprotect only");
	opt_error[0] = 0;
	ok(disturb_parse("khugepaged,earthquake", on) == -EINVAL && strstr(opt_error, "earthquake"),
	   "an unknown word is -EINVAL naming it (%s)", opt_error);
}

static void test_names(void)
{
	char buf[128];

	disturb_mask_names(0, buf, sizeof(buf));
	ok(!strcmp(buf, "none"), "empty mask reads none (%s)", buf);
	disturb_mask_names(1u << DISTURB_COMPACTION | 1u << DISTURB_MPROTECT, buf, sizeof(buf));
	ok(!strcmp(buf, "compaction+mprotect"), "mask names joined by + (%s)", buf);
	disturb_mask_names(~0u, buf, 12);
	ok(strlen(buf) < 12, "names truncate to the buffer (%s)", buf);
}

static void test_active(void)
{
	struct disturber d;
	uint64_t then[NR_DISTURB_COUNTS] = { 0 }, now[NR_DISTURB_COUNTS] = { 0 };

	memset(&d, 0, sizeof(d));
	d.on[DISTURB_MPROTECT] = d.on[DISTURB_KHUGEPAGED] = true;
	now[DC_MPROTECTS] = 3;
	now[DC_COMPACTIONS] = 1;	/* not enabled: someone else's, not reported */
	ok(disturb_active(&d, then, now) == (1u << DISTURB_MPROTECT | 1u << DISTURB_KHUGEPAGED),
	   "active: enabled disturbances whose counts moved, khugepaged always");
}

static int pfns(char *p, size_t n, uint64_t *out)
{
	int fd = pagemap_open(0), err;

	if (fd < 0)
		return fd;
	err = pagemap_read(fd, p, n, out);
	close(fd);
	for (size_t i = 0; i < n; i++)
		out[i] = pm_pfn(out[i]);
	return err;
}

static void test_rounds(void)
{
	size_t ps = page_size(), n = LEN / ps, i, moved = 0;
	uint64_t *before = calloc(n, 8), *after = calloc(n, 8), counts[NR_DISTURB_COUNTS];
	char *map = mmap(NULL, 2 * LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)map + LEN - 1) & ~(LEN - 1));
	struct disturber d;
	char skipped[256], notes[256];

	memset(&d, 0, sizeof(d));
	d.interval_ns = 200000000ull;
	d.on[DISTURB_MPROTECT] = d.on[DISTURB_FORK_WRITE] = d.on[DISTURB_FORK_EXEC] = true;
	ok(disturb_setup(&d, skipped, sizeof(skipped), notes, sizeof(notes)) == 0, "setup without knobs");
	ok(disturb_start(&d, skipped, sizeof(skipped)) == 0, "start with no helpers to fork");
	memset(p, 1, LEN);
	disturb_target(&d, p, LEN);
	disturb_round(&d);
	disturb_counts(&d, counts);
	ok(counts[DC_MPROTECTS] == 1 && counts[DC_FORKS_WRITE] == 1 && counts[DC_FORKS_EXEC] == 1,
	   "one round: one mprotect split, one fork-write, one fork-exec");
	if (!pagemap_pfns_visible()) {
		skip("PFNs need root: cannot see the parent's copies");
	} else {
		/* The child has written its half and still lives: the parent's writes copy the rest. */
		sleep_ns(d.interval_ns / 2);
		pfns(p, n, before);
		for (i = 0; i < n; i++)
			p[i * ps] = 2;
		pfns(p, n, after);
		for (i = 0; i < n; i++)
			moved += before[i] != after[i];
		ok(moved >= n / 2 && moved < n + 1, "parent writes while the fork-write child lives: %zu of %zu pages copied",
		   moved, n);
	}
	disturb_untarget(&d);
	ok(d.fork_write == 0 && d.fork_exec == 0, "untarget reaps the fork children");
	disturb_stop(&d);
	munmap(map, 2 * LEN);
	free(before);
	free(after);
}

int main(void)
{
	test_parse();
	test_names();
	test_active();
	test_rounds();
	return done_testing();
}
