/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of lib/dirty: a clean run has no verification error in every
 * loop kind and pattern, a planted wrong stamp is caught and named (before
 * the overwrite when checking, at the end otherwise), fork-every forks,
 * and the histogram difference recounts what was added in between.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "dirty.h"
#include "pagemap.h"
#include "proc.h"
#include "tap.h"

#define REGION (8u << 20)

/* Run the loop in a child for run_ns, like the stress tool does; the child's exit status. */
static int run_child(struct dirty_config *c, struct dirty_shared *sh, uint64_t run_ns)
{
	int status = -1;
	pid_t pid;

	dirty_shared_reset(sh);
	pid = proc_fork();
	if (pid == 0)
		_exit(dirty_run(c, sh) ? 3 : 0);
	sleep_ns(run_ns);
	dirty_stop(sh);
	if (pid < 0 || proc_wait(pid, 30 * 1000000000ull, &status))
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void clean_run(struct dirty_shared *sh, enum dirty_loop loop, bool random, int threads)
{
	struct dirty_config c = { .size = REGION, .threads = threads, .random = random, .loop = loop,
				  .corrupt_page = -1 };
	struct dirty_progress p;
	int st = run_child(&c, sh, 300000000ull);

	dirty_progress(sh, threads, &p, NULL);
	ok(st == 0 && p.errors == 0 && p.phase == DIRTY_DONE,
	   "%s %s, %d writers: clean run (exit %d, %llu errors, phase %s)", dirty_loop_names[loop],
	   random ? "random" : "seq", threads, st, (unsigned long long)p.errors, dirty_phase_names[p.phase]);
	ok(p.pages > REGION / page_size(), "%s %s: more than one pass written (%llu pages)",
	   dirty_loop_names[loop], random ? "random" : "seq", (unsigned long long)p.pages);
}

static void planted(struct dirty_shared *sh, enum dirty_loop loop, bool random, long page)
{
	struct dirty_config c = { .size = REGION, .threads = 2, .random = random, .loop = loop,
				  .corrupt_page = page };
	char found[96];
	int st = run_child(&c, sh, 200000000ull);

	dirty_describe_stamp(found, sizeof(found), sh->rec[0].found);
	ok(st == 0 && sh->errors == 1 && sh->rec[0].valid && sh->rec[0].page == (uint64_t)page,
	   "%s %s: planted page %ld caught (%llu errors, first at page %llu: found %s)",
	   dirty_loop_names[loop], random ? "random" : "seq", page, (unsigned long long)sh->errors,
	   (unsigned long long)sh->rec[0].page, found);
	ok(sh->rec[0].at_end == (loop == DIRTY_VERIFY_AT_END),
	   "%s: caught %s", dirty_loop_names[loop], sh->rec[0].at_end ? "by the final check" : "before the overwrite");
}

int main(void)
{
	struct dirty_shared *sh = dirty_shared_create();
	struct dirty_config c = { .size = REGION, .threads = 1, .loop = DIRTY_CHECK, .corrupt_page = -1,
				  .fork_every_ns = 20000000 };
	struct hist a, b, d;
	char buf[96];
	int i, st;

	if (!ok(sh != NULL, "shared state allocated"))
		return done_testing();
	dirty_describe_stamp(buf, sizeof(buf), (0x80ull | 3) << 56 | 12345ull << 24 | 7);
	ok(!strcmp(buf, "writer 3 page 12345 generation 7"), "stamp decoded: '%s'", buf);
	dirty_describe_stamp(buf, sizeof(buf), 0);
	ok(!strcmp(buf, "no stamp (0x0000000000000000)"), "zero is no stamp: '%s'", buf);

	clean_run(sh, DIRTY_CHECK, false, 1);
	clean_run(sh, DIRTY_CHECK, true, 2);
	clean_run(sh, DIRTY_VERIFY_AT_END, false, 2);
	clean_run(sh, DIRTY_VERIFY_AT_END, true, 1);
	clean_run(sh, DIRTY_BARE, false, 1);

	planted(sh, DIRTY_CHECK, false, 100);
	planted(sh, DIRTY_CHECK, true, 1500);
	planted(sh, DIRTY_VERIFY_AT_END, false, 2047);
	planted(sh, DIRTY_VERIFY_AT_END, true, 3);

	st = run_child(&c, sh, 200000000ull);
	ok(st == 0 && sh->forks >= 3 && sh->errors == 0, "fork-every 20ms: %llu forks, %llu errors, exit %d",
	   (unsigned long long)sh->forks, (unsigned long long)sh->errors, st);

	c.threads = 0;
	ok(run_child(&c, sh, 1000000) == 3 && strstr(sh->failure, "configuration"),
	   "a bad configuration fails with a reason: '%s'", sh->failure);

	hist_init(&a);
	for (i = 0; i < 100; i++)
		hist_add(&a, 1000);
	b = a;
	for (i = 0; i < 10; i++)
		hist_add(&b, 50000);
	dirty_hist_delta(&d, &a, &b);
	ok(d.total == 10 && hist_percentile(&d, 50) >= 48000 && hist_percentile(&d, 50) <= 52000,
	   "histogram difference holds only the later values (total %llu, p50 %llu)",
	   (unsigned long long)d.total, (unsigned long long)hist_percentile(&d, 50));
	dirty_shared_destroy(sh);
	return done_testing();
}
