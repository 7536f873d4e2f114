/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemap: what the kernel says about pages: /proc/PID/pagemap entries
 * (PFN, present, swapped, exclusively mapped), /proc/kpageflags (THP, KSM,
 * compound head/tail, zero page) and smaps fields of the mapping holding an
 * address. PFNs and kpageflags need CAP_SYS_ADMIN: without it PFNs read 0
 * and pagemap_pfns_visible() says so.
 */
#ifndef COWBENCH_PAGEMAP_H
#define COWBENCH_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PM_PFN_MASK	((1ull << 55) - 1)
#define PM_SOFT_DIRTY	(1ull << 55)
#define PM_MMAP_EXCLUSIVE (1ull << 56)
#define PM_FILE		(1ull << 61)
#define PM_SWAP		(1ull << 62)
#define PM_PRESENT	(1ull << 63)

#define KPF_ANON		12
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_KSM			21
#define KPF_THP			22
#define KPF_ZERO_PAGE		24

static inline uint64_t pm_pfn(uint64_t e) { return (e & PM_PRESENT) ? (e & PM_PFN_MASK) : 0; }

size_t page_size(void);

/* Open /proc/<pid>/pagemap (pid 0 = self). fd or -errno. */
int pagemap_open(pid_t pid);
/* Entries of npages pages from addr. 0 or -errno. */
int pagemap_read(int fd, const void *addr, size_t npages, uint64_t *entries);
/* One entry of the calling process. 0 on failure. */
uint64_t pagemap_entry(const void *addr);
/* True when this process may see PFNs (root): checked once on a touched page. */
bool pagemap_pfns_visible(void);

/* Flags of one PFN from /proc/kpageflags. 0 or -errno. */
int kpageflags_read(uint64_t pfn, uint64_t *flags);

struct page_census {
	size_t pages, present, swapped, exclusive;
	size_t thp_pages;	/* pages that belong to a THP/large folio (KPF_THP) */
	size_t compound_heads;	/* first pages of large folios (KPF_COMPOUND_HEAD) */
	size_t ksm_pages;
	size_t zero_pages;
	size_t distinct_pfns;	/* after sorting the PFNs of present pages */
};
/* Walk [addr, addr + npages pages) of pid (0 = self) and count. */
int page_census(pid_t pid, const void *addr, size_t npages, struct page_census *c);

/* Value in kB of an smaps field ("AnonHugePages", "Rss", ...) for the VMA
 * containing addr in pid (0 = self); summed over every VMA overlapping
 * [addr, addr+len) when len > 0. -errno on failure. */
long smaps_field_kb(pid_t pid, const void *addr, size_t len, const char *field);

#endif
