/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm: drive and observe Kernel Samepage Merging. Its sysfs knobs (set
 * through knobs, so journaled) and counters, this process's merging state
 * from /proc/self/ksm_stat, page content that merges in a predictable way,
 * and waiting for ksmd to forget pages that are gone.
 */
#ifndef COWBENCH_KSM_H
#define COWBENCH_KSM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "pagemap.h"

#define KSM_ABSENT LONG_MIN	/* a knob or counter this kernel lacks */

/*
 * Can this process drive ksmd and verify merging? -ENOTSUP (no KSM, no
 * process-wide merging when `process_wide`, no use_zero_pages knob when
 * `zero_pages`) or -EPERM (not root: ksmd's knobs and PFNs need it), with
 * the reason; 0 if it can.
 */
int ksm_usable(bool process_wide, bool zero_pages, char *reason, size_t len);
/* Opt in (on) or out: MADV_MERGEABLE on [addr, addr+len), or PR_SET_MEMORY_MERGE for the process. */
int ksm_merge_enable(void *addr, size_t len, bool process_wide, bool on);
/* Nanoseconds ksmd needs for the two full scans that merge npages at these settings (a jiffy >= 4 ms). */
uint64_t ksm_two_scans_ns(long pages_to_scan, long sleep_ms, size_t npages);
/* KSM_DIR/<name> as a number, KSM_ABSENT if missing or not a number. */
long ksm_read(const char *name);
/* Set KSM_DIR/<name> through knob_set (journaled); nothing when equal. 0 or -errno. */
int ksm_write(const char *name, long value);

/* This process, from /proc/self/ksm_stat (ksm_merging_pages on older kernels); -1 if unknown. */
struct ksm_self {
	long rmap_items;
	long merged;		/* pages mapped to KSM pages, plus KSM-placed zero pages */
	long profit;		/* bytes; KSM_ABSENT if unknown */
};
void ksm_self_read(struct ksm_self *s);

/*
 * Other processes whose memory ksmd scans (ksm_stat says mergeable or
 * merge_any, or they have rmap items): their number, and "comm(pid) ..."
 * in buf. ksmd merges their pages too while it runs, and their content may
 * join the KSM pages of ours.
 */
int ksm_other_users(char *buf, size_t len);

/* ksmd's counters (KSM_ABSENT where missing) and this process's state. */
struct ksm_counters {
	long full_scans, pages_scanned, pages_sharing, pages_shared, zero_pages, general_profit;
	struct ksm_self self;
};
void ksm_counters_read(struct ksm_counters *k);

/*
 * A run that drives ksmd. ksm_begin() starts ksmd unless it runs already
 * (then it stays running and is never paused: something else on the
 * machine uses it), journaling `run` before any other KSM knob so that it
 * is restored last and ksmd still runs while the others go back; it turns
 * the scan advisor (6.9+) off, which would override pages_to_scan, and
 * remembers pages_shared/pages_sharing to settle back to. 0 or -errno.
 */
int ksm_begin(void);
/* True when ksm_begin() started ksmd (run was not 1). */
bool ksm_owns_run(void);
/* Stop or restart ksmd's scanning while this run owns it; merged pages stay merged. */
void ksm_pause(bool pause);
/*
 * After merged pages were unmapped or unmerged: resume ksmd and wait
 * (sleeping) until it dropped every rmap item of this process, which takes
 * our share out of pages_shared/pages_sharing (on kernels without
 * ksm_stat: until those are back where ksm_begin() found them, or two full
 * scans passed). 0, or -ETIMEDOUT after timeout_ns.
 */
int ksm_settle(uint64_t timeout_ns);

/*
 * Waiting for ksmd to merge a region of this process. The caller fills the
 * request, reads `start` (ksm_counters_read) and `t0` (now_ns) right
 * before it opts in, then calls ksm_wait_merged(). It polls with sleeps
 * that grow with the elapsed time (1 to 20 ms), never spinning, until this
 * process's merged pages grew by `want` and kpageflags confirms `want` KSM
 * or zero pages in the region (checked at most every 50 ms).
 */
struct ksm_wait {
	const void *addr;
	size_t npages, want;
	uint64_t t0, timeout_ns;
	struct ksm_counters start;
	/* Called after every poll with the counters just read; may be NULL. */
	void (*progress)(void *arg, uint64_t elapsed_ns, const struct ksm_counters *now,
			 const struct ksm_counters *start);
	void *arg;
	/* results */
	uint64_t elapsed_ns;
	struct ksm_counters end;
	struct page_census census;	/* of the region, at the end */
};
/* 0 when merged; -ETIMEDOUT; -EAGAIN when nothing merged over four full scans; -errno. */
int ksm_wait_merged(struct ksm_wait *w);

/*
 * Content of a region that KSM merges predictably: page i is unique (a
 * `unique_fraction` of the pages, spread evenly), else it holds one of
 * `distinct` patterns in turn, or zeros when `zero` is set.
 */
struct ksm_content {
	unsigned long distinct;		/* >= 1 */
	double unique_fraction;		/* [0, 1) */
	bool zero;
};
#define KSM_ZERO_ID UINT64_MAX

/* Content id of page i: KSM_ZERO_ID, a pattern < distinct, or a unique id. */
uint64_t ksm_content_id(const struct ksm_content *c, size_t page);
/* Unique pages among the first npages. */
size_t ksm_content_unique(const struct ksm_content *c, size_t npages);
/* The value a measured write leaves in word 0 of page i: never 0, never a pattern word. */
uint64_t ksm_stamp(size_t page);
/* Fill pages [first, first + npages) of the region starting at base (page `first` at base). */
void ksm_content_fill(const struct ksm_content *c, char *base, size_t first, size_t npages);
/*
 * Pages of base[0..npages) (pages first.. of the region) whose content is
 * not what it must be; `stamped`: word 0 must hold ksm_stamp(page).
 */
size_t ksm_content_errors(const struct ksm_content *c, const char *base, size_t first, size_t npages,
			  bool stamped);
/*
 * What merging npages of this content must give with max_page_sharing m:
 * pages merged and distinct KSM pages. A KSM page takes at most m
 * mappings, and a single page left over stays unmerged. With
 * `zero_page_merge` (use_zero_pages=1 and zero content) every zero page
 * maps the one zero page without limit.
 */
void ksm_content_expect(const struct ksm_content *c, size_t npages, long m, bool zero_page_merge,
			size_t *merged, size_t *kpages);

/*
 * A forked child that keeps [base, base + npages pages) mapped, so shared,
 * until released, then checks it still sees the original content (pages
 * first.. of c). Returns its pid (or -errno) and the fd that releases it.
 */
pid_t ksm_sharer_fork(const struct ksm_content *c, const char *base, size_t first, size_t npages,
		      int *release);
/* Release and reap it: 0, -EIO if it saw wrong data, -ETIMEDOUT, -errno. */
int ksm_sharer_end(pid_t pid, int release, uint64_t timeout_ns);

/*
 * True when a write to the page of this pagemap entry must move it to a
 * new frame: absent, a KSM or zero page, or mapped elsewhere too (not
 * PM_MMAP_EXCLUSIVE). An exclusive anonymous page is reused in place.
 */
bool ksm_must_move(uint64_t pagemap_entry);

#endif
