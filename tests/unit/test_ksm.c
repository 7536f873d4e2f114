/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/ksm's pure parts: which page holds which content,
 * that the content check catches a changed word, and what merging must
 * give. Expected merge counts are hand arithmetic, explained next to each.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ksm.h"
#include "pagemap.h"
#include "tap.h"

static void test_content_ids(void)
{
	const struct ksm_content four = { .distinct = 4 }, zero = { .distinct = 1, .zero = true };
	const struct ksm_content quarter = { .distinct = 2, .unique_fraction = 0.25 };
	size_t unique = 0, ids[2] = { 0, 0 };
	int seen_bad = 0;

	ok(ksm_content_id(&four, 0) == 0 && ksm_content_id(&four, 5) == 1 && ksm_content_id(&four, 7) == 3,
	   "distinct 4: page i holds pattern i mod 4");
	ok(ksm_content_id(&zero, 3) == KSM_ZERO_ID, "zero content: every page is a zero page");
	/* f = 1/4: pages 3, 7, 11, ... are unique (floor((i+1)/4) > floor(i/4)). */
	for (size_t i = 0; i < 1000; i++) {
		uint64_t id = ksm_content_id(&quarter, i);

		if (id >= 2) {
			unique++;
			seen_bad |= (i % 4) != 3;
		} else {
			ids[id]++;
		}
	}
	ok(unique == 250 && ksm_content_unique(&quarter, 1000) == 250 && !seen_bad,
	   "unique fraction 0.25: 250 of 1000 pages, every fourth (got %zu)", unique);
	ok(ids[0] == 375 && ids[1] == 375, "the other 750 alternate between 2 patterns (%zu, %zu)", ids[0], ids[1]);
	ok(ksm_content_id(&quarter, 3) != ksm_content_id(&quarter, 7), "unique pages differ from each other");
}

static void test_fill_and_check(void)
{
	const struct ksm_content c = { .distinct = 3, .unique_fraction = 0.1 };
	size_t ps = page_size(), n = 64;
	char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		skip("mmap failed");
		return;
	}
	ksm_content_fill(&c, p, 10, n);
	ok(ksm_content_errors(&c, p, 10, n, false) == 0, "filled pages check clean");
	ok(memcmp(p, p + 3 * ps, ps) == 0, "pages 10 and 13 hold the same pattern");
	ok(memcmp(p, p + ps, ps) != 0, "pages 10 and 11 differ");
	ok(ksm_content_errors(&c, p, 11, n, false) == n, "checked as the wrong pages, every page is wrong");
	/* One flipped byte in the last word of one page: the check must see it. */
	p[5 * ps + ps - 1] ^= 1;
	ok(ksm_content_errors(&c, p, 10, n, false) == 1, "one changed byte is one bad page");
	p[5 * ps + ps - 1] ^= 1;
	for (size_t i = 0; i < n; i++)
		*(uint64_t *)(p + i * ps) = ksm_stamp(10 + i);
	ok(ksm_content_errors(&c, p, 10, n, true) == 0, "stamped pages check clean as stamped");
	ok(ksm_content_errors(&c, p, 10, n, false) == n, "stamped pages are all wrong as unwritten");
	*(uint64_t *)(p + 7 * ps) = ksm_stamp(10);
	ok(ksm_content_errors(&c, p, 10, n, true) == 1, "another page's stamp is caught");
	ok(ksm_stamp(0) != 0 && ksm_stamp(1) != ksm_stamp(0), "stamps are non-zero and per page");
	munmap(p, n * ps);
}

static void test_expectation(void)
{
	const struct ksm_content one = { .distinct = 1 }, four = { .distinct = 4 }, zero = { .distinct = 1, .zero = true };
	const struct ksm_content half = { .distinct = 2, .unique_fraction = 0.5 };
	size_t merged, kpages;

	/* 4096 identical pages, 256 mappings per KSM page: 16 KSM pages, all merged. */
	ksm_content_expect(&one, 4096, 256, false, &merged, &kpages);
	ok(merged == 4096 && kpages == 16, "4096 identical pages, max 256: 4096 merged into 16 (%zu, %zu)",
	   merged, kpages);
	/* 257 = 256 + 1: the single page left over finds no partner and stays. */
	ksm_content_expect(&one, 257, 256, false, &merged, &kpages);
	ok(merged == 256 && kpages == 1, "257 pages, max 256: 256 merged into 1 (%zu, %zu)", merged, kpages);
	/* 258 = 256 + 2: the two left over merge with each other. */
	ksm_content_expect(&one, 258, 256, false, &merged, &kpages);
	ok(merged == 258 && kpages == 2, "258 pages, max 256: all merged into 2 (%zu, %zu)", merged, kpages);
	/* 1026 pages over 4 patterns: 257, 257, 256, 256; max 64: 257 = 4*64+1 -> 256 merged in 4. */
	ksm_content_expect(&four, 1026, 64, false, &merged, &kpages);
	ok(merged == 1024 && kpages == 16, "1026 pages, 4 patterns, max 64: 1024 merged into 16 (%zu, %zu)",
	   merged, kpages);
	/* 1000 pages, half unique: 500 over 2 patterns of 250 -> 250 = 3*64 + 58: 4 KSM pages each. */
	ksm_content_expect(&half, 1000, 64, false, &merged, &kpages);
	ok(merged == 500 && kpages == 8, "half unique: 500 merged into 8 (%zu, %zu)", merged, kpages);
	/* Zero pages with use_zero_pages: all map the zero page, no sharing limit. */
	ksm_content_expect(&zero, 4096, 256, true, &merged, &kpages);
	ok(merged == 4096 && kpages == 1, "zero pages, use_zero_pages: 4096 onto the zero page (%zu, %zu)",
	   merged, kpages);
	ksm_content_expect(&zero, 4096, 256, false, &merged, &kpages);
	ok(merged == 4096 && kpages == 16, "zero pages without use_zero_pages: like any content (%zu, %zu)",
	   merged, kpages);
	ksm_content_expect(&four, 4, 256, false, &merged, &kpages);
	ok(merged == 0 && kpages == 0, "one page per pattern: nothing merges");
}

/* A forked sharer sees the original data after a private COW, and catches a shared mapping's leak. */
static void test_sharer(void)
{
	const struct ksm_content c = { .distinct = 2 };
	size_t ps = page_size(), n = 8;
	int flags[2] = { MAP_PRIVATE, MAP_SHARED };

	for (int k = 0; k < 2; k++) {
		char *p = mmap(NULL, n * ps, PROT_READ | PROT_WRITE, flags[k] | MAP_ANONYMOUS, -1, 0);
		int release, err;
		pid_t pid;

		if (p == MAP_FAILED) {
			skip("mmap failed");
			continue;
		}
		ksm_content_fill(&c, p, 0, n);
		if (pagemap_pfns_visible())
			ok(!ksm_must_move(pagemap_entry(p + ps)), "%s page before fork: mapped once, reused in place",
			   k ? "shared" : "private");
		pid = ksm_sharer_fork(&c, p, 0, n, &release);
		if (pid < 0) {
			skip("fork failed");
			munmap(p, n * ps);
			continue;
		}
		if (k == 0 && pagemap_pfns_visible())
			ok(ksm_must_move(pagemap_entry(p + ps)), "private page after fork: shared, must move on write");
		*(uint64_t *)(p + 3 * ps) = ksm_stamp(3);
		err = ksm_sharer_end(pid, release, 10000000000ull);
		if (k == 0)
			ok(err == 0, "private mapping: the sharer still sees the original data (%d)", err);
		else
			ok(err == -EIO, "shared mapping: the sharer sees the parent's write, -EIO (%d)", err);
		munmap(p, n * ps);
	}
	ok(ksm_must_move(0), "an absent page must get a frame");
}

int main(void)
{
	test_content_ids();
	test_fill_and_check();
	test_expectation();
	test_sharer();
	return done_testing();
}
