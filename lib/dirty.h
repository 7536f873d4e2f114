/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dirty: a verified dirty loop for stress tools. Writer threads dirty an
 * anonymous region page by page; every write first checks the stamp the
 * page must hold (page, generation, writer) and leaves the next one, and
 * every page is verified at the end, so a page that lost its data is
 * caught with its number and the time. Progress, phase and sampled write
 * latency live in shared memory, so a monitor in another process (outside
 * the workload's memory cgroup) can read them while the loop runs.
 */
#ifndef COWBENCH_DIRTY_H
#define COWBENCH_DIRTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stats.h"

#define DIRTY_MAX_WRITERS 64
#define DIRTY_MAX_RECORDS 64	/* mismatches kept with page and time; more are only counted */

enum dirty_loop {
	DIRTY_CHECK,		/* check each page's stamp before overwriting it */
	DIRTY_VERIFY_AT_END,	/* overwrite without checking; verify every page at the end */
	DIRTY_BARE,		/* store one word per page, no stamps: the loop's speed limit */
};
enum dirty_phase { DIRTY_POPULATE, DIRTY_DIRTYING, DIRTY_VERIFYING, DIRTY_DONE };
extern const char *const dirty_loop_names[];	/* "check", "end", "bare", NULL */
extern const char *const dirty_phase_names[];	/* "populate", "dirty", "verify", "done" */

struct dirty_config {
	size_t size;		/* bytes, a multiple of the page size */
	int threads;		/* writers, each owning a contiguous slice */
	bool random;		/* random pages instead of passes (the first pass is always sequential) */
	enum dirty_loop loop;
	uint64_t fork_every_ns;	/* fork a child sharing the region copy-on-write this often; 0 = never */
	long corrupt_page;	/* test hook, -1 = off: plant a wrong stamp in this page (after the
				 * first pass when checking, after the last write otherwise) */
	const int *cpus;	/* writer i runs on cpus[i % ncpus]; ncpus 0 = anywhere */
	int ncpus;
};

struct dirty_mismatch {
	uint64_t page, t_ns;	/* page index in the region, ns after dirty_shared.t0 */
	uint64_t expected, found;
	uint64_t at_end;	/* found by the final verification, not before a write */
	uint64_t valid;		/* set last: the record is complete */
};

struct dirty_writer_state {
	uint64_t pages;		/* writes so far */
	uint64_t phase;		/* enum dirty_phase */
	struct hist latency;	/* one sampled write per batch of ~200 us, ns, cumulative */
} __attribute__((aligned(64)));

struct dirty_shared {
	uint64_t stop;		/* set by dirty_stop() */
	uint64_t t0;		/* start (now_ns); dirty_run sets it if 0 */
	uint64_t errors, forks, fork_failures;
	struct dirty_mismatch rec[DIRTY_MAX_RECORDS];
	char failure[256];	/* why dirty_run failed */
	struct dirty_writer_state w[DIRTY_MAX_WRITERS];
};

/* MAP_SHARED memory for one run, reset; NULL on failure. */
struct dirty_shared *dirty_shared_create(void);
void dirty_shared_reset(struct dirty_shared *sh);
void dirty_shared_destroy(struct dirty_shared *sh);

/*
 * In the workload process: map the region (4 KiB pages: MADV_NOHUGEPAGE),
 * write until dirty_stop(), then verify. 0, or -errno with sh->failure set.
 * Mismatches are not failures: they are in sh->errors and sh->rec.
 */
int dirty_run(const struct dirty_config *c, struct dirty_shared *sh);
void dirty_stop(struct dirty_shared *sh);

struct dirty_progress {
	uint64_t pages;		/* all writers */
	enum dirty_phase phase;	/* of the least advanced writer */
	uint64_t errors, forks;
};
/* Read while the writers run; lat (may be NULL) gets their merged cumulative histogram. */
void dirty_progress(const struct dirty_shared *sh, int threads, struct dirty_progress *p, struct hist *lat);
/* into = later - earlier, bucket by bucket, for two cumulative histograms of the same writers. */
void dirty_hist_delta(struct hist *into, const struct hist *earlier, const struct hist *later);

/* "writer 0 page 12 generation 3", or "no stamp (0x...)". */
void dirty_describe_stamp(char *buf, size_t len, uint64_t stamp);

#endif
