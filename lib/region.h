/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region: anonymous memory of a given backing, built with plain syscalls
 * and then verified from pagemap/kpageflags/smaps, as the mm selftests do:
 *   small        4 KiB pages only (MADV_NOHUGEPAGE)
 *   thp          PMD-mapped THP (MADV_HUGEPAGE, 2 MiB aligned)
 *   pte-thp      THP whose PMD mapping was split by mprotect (folio intact)
 *   partial-thp  PTE-mapped THP with every other 64 KiB of each folio unmapped
 *   mthp:SIZE    multi-size THP of SIZE (e.g. 64K), enabled per size via knobs
 * A backing the kernel cannot give returns -ENOTSUP with the reason.
 */
#ifndef COWBENCH_REGION_H
#define COWBENCH_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum backing_kind { BACKING_SMALL, BACKING_THP, BACKING_PTE_THP, BACKING_PARTIAL_THP, BACKING_MTHP };

struct backing {
	enum backing_kind kind;
	size_t folio_size;	/* bytes per folio: 4K, 2M, or the mTHP size */
	char name[24];		/* "small", "thp", "pte-thp", "partial-thp", "mthp-64K" */
};

/* Parse "small|thp|pte-thp|partial-thp|mthp:SIZE". 0 or -EINVAL (opt_error set). */
int backing_parse(const char *s, struct backing *b);
/* A comma list of backings into b[0..max), duplicates refused. 0 and *n, or -EINVAL (opt_error set). */
int backing_parse_list(const char *s, struct backing *b, int max, int *n);
/* -ENOTSUP and a reason when the kernel lacks the backing (no THP, size not offered). */
int backing_available(const struct backing *b, char *reason, size_t len);

struct region {
	char *addr;		/* start, aligned to the folio size */
	size_t len;		/* bytes requested */
	void *map;		/* what mmap returned (for munmap) */
	size_t map_len;
	struct backing b;
};

/*
 * Map len bytes with backing b, fill every page with `fill` (so none is
 * the shared zero page) and build the backing. Does not verify.
 * 0, -ENOTSUP (reason), -errno.
 */
int region_create(struct region *r, size_t len, const struct backing *b, int fill,
		  char *reason, size_t rlen);

struct region_check {
	size_t pages, present, thp_pages, folios;
	long anon_huge_kb;	/* smaps AnonHugePages over the region */
	bool ok;
};
/*
 * Verify the region is what it claims (needs root for kpageflags). Fills
 * `why` when it is not. 0 when verified, -ENOTSUP (not as claimed),
 * -EPERM (cannot check without root), -errno.
 */
int region_verify(const struct region *r, struct region_check *c, char *why, size_t len);
/* Bytes of the region that are mapped (partial-thp maps less than len). */
size_t region_mapped_bytes(const struct region *r);
/* True if the page at offset off is mapped (partial-thp leaves holes). */
bool region_page_mapped(const struct region *r, size_t off);
void region_destroy(struct region *r);

#endif
