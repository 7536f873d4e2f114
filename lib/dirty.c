/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dirty: the verified dirty loop (see dirty.h). The hot loop must stay
 * close to a bare store-one-word-per-page loop, so that the loop and not
 * the kernel is never what a stress run measures.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "clock.h"
#include "dirty.h"
#include "pagemap.h"
#include "proc.h"

#define BATCH_NS 200000		/* a writer publishes progress and takes one latency sample per batch */
#define BATCH_MAX 65536
#define RANDOM_BATCH_MAX 4096
#define PREFETCH_PAGES 128	/* far enough ahead that the stamp's cache line is there in time */
#define SHARER_HOLD_NS 100000000ull
#define GEN_MAX ((1u << 24) - 1)

/*
 * The stamp of a page: one word, (0x80 | writer) << 56 | page << 24 | gen,
 * gen in 1..GEN_MAX (0 = never written). It sits in cache line page % 64
 * of the page: at offset 0 every page's stamp falls in the same L1 set and
 * a loop over pages runs 3x slower. Successive pages' stamps differ by
 * 1 << 24, so the sequential loop computes them with one add.
 * Word 1 of the line gets the new stamp first and word 0 is checked after:
 * the first access to a page is then a store, so the kernel sees the write
 * fault of a plain dirty loop, not a read fault followed by a write fault.
 */
#define STAMP_PAGE (1ull << 24)

const char *const dirty_loop_names[] = { "check", "end", "bare", NULL };
const char *const dirty_phase_names[] = { "populate", "dirty", "verify", "done" };

struct writer {
	pthread_t thread;
	int id, cpu;
	const struct dirty_config *c;
	char *base;
	size_t first, npages, pos;	/* slice [first, first + npages); next page of a pass */
	uint32_t gen;			/* generation of the pass's pages at and after pos */
	uint32_t *gens;			/* random: generation per page of the slice */
	uint32_t *idx;			/* random: this batch's pages */
	bool populated;			/* the first (sequential) pass is done */
	uint64_t next_fork;		/* writer 0 forks the copy-on-write sharers */
	pid_t sharer;
	struct rng rng;
	struct dirty_shared *sh;
	struct dirty_writer_state *st;
};

static unsigned page_shift;

static inline uint64_t *stamp_at(char *base, size_t page)
{
	return (uint64_t *)(base + (page << page_shift) + ((page & 63) << 6));
}

static inline uint64_t stamp(int writer, size_t page, uint32_t gen)
{
	return (uint64_t)(0x80 | writer) << 56 | (uint64_t)page << 24 | gen;
}

static inline uint32_t next_gen(uint32_t g)
{
	return g >= GEN_MAX ? 1 : g + 1;
}

void dirty_describe_stamp(char *buf, size_t len, uint64_t v)
{
	if (v >> 63)
		snprintf(buf, len, "writer %u page %llu generation %u", (unsigned)(v >> 56) & 0x7f,
			 (unsigned long long)((v >> 24) & 0xffffffffull), (unsigned)(v & GEN_MAX));
	else
		snprintf(buf, len, "no stamp (0x%016llx)", (unsigned long long)v);
}

static __attribute__((noinline, cold)) void mismatch(struct writer *w, size_t page, uint64_t expected,
						     uint64_t found, bool at_end)
{
	uint64_t n = __atomic_fetch_add(&w->sh->errors, 1, __ATOMIC_RELAXED);

	if (n < DIRTY_MAX_RECORDS) {
		w->sh->rec[n] = (struct dirty_mismatch){ page, now_ns() - w->sh->t0, expected, found, at_end, 0 };
		__atomic_store_n(&w->sh->rec[n].valid, 1, __ATOMIC_RELEASE);
	}
}

/* Pages [from, to) of a pass, all at generation w->gen: the hot loop. */
static inline __attribute__((always_inline)) void dirty_seq(struct writer *w, size_t from, size_t to,
							    enum dirty_loop loop, bool check)
{
	uint64_t expect = stamp(w->id, from, w->gen);
	uint64_t delta = (uint64_t)next_gen(w->gen) - w->gen;	/* wraps like the stamps do */
	char *base = w->base;
	size_t p;

	for (p = from; p < to; p++, expect += STAMP_PAGE) {
		uint64_t *s = stamp_at(base, p);

		if (loop == DIRTY_BARE) {
			*(volatile uint64_t *)s = expect;
			continue;
		}
		/* Beyond the region the prefetch is simply dropped: prefetches never fault. */
		__builtin_prefetch(stamp_at(base, p + PREFETCH_PAGES), 1, 3);
		s[1] = expect + delta;
		if (check && __builtin_expect(s[0] != expect, 0))
			mismatch(w, p, expect, s[0], false);
		s[0] = expect + delta;
	}
}

/* Entries [from, to) of this batch's random pages. */
static inline __attribute__((always_inline)) void dirty_random(struct writer *w, size_t from, size_t to,
							       enum dirty_loop loop, bool check)
{
	size_t j;

	for (j = from; j < to; j++) {
		size_t p = w->idx[j], i = p - w->first;
		uint32_t g = w->gens[i];
		uint64_t *s = stamp_at(w->base, p), next = stamp(w->id, p, next_gen(g));

		if (j + 16 < to)
			__builtin_prefetch(stamp_at(w->base, w->idx[j + 16]), 1, 3);
		if (loop == DIRTY_BARE) {
			*(volatile uint64_t *)s = next;
			continue;
		}
		s[1] = next;
		if (check && __builtin_expect(s[0] != stamp(w->id, p, g), 0))
			mismatch(w, p, stamp(w->id, p, g), s[0], false);
		s[0] = next;
		w->gens[i] = next_gen(g);
	}
}

/* With the loop kind as a constant in each call, every hot loop compiles without branches on it. */
static void dirty_range(struct writer *w, size_t from, size_t to)
{
	bool seq = !w->populated || !w->c->random;
	bool check = w->populated && w->c->loop == DIRTY_CHECK;

	if (w->c->loop == DIRTY_BARE)
		seq ? dirty_seq(w, from, to, DIRTY_BARE, false) : dirty_random(w, from, to, DIRTY_BARE, false);
	else if (seq)
		check ? dirty_seq(w, from, to, DIRTY_CHECK, true) : dirty_seq(w, from, to, DIRTY_VERIFY_AT_END, false);
	else
		check ? dirty_random(w, from, to, DIRTY_CHECK, true)
		      : dirty_random(w, from, to, DIRTY_VERIFY_AT_END, false);
}

/* Test hook: make a page look as if its neighbour had come back from swap in its place. */
static void plant_corruption(struct writer *w)
{
	size_t p = (size_t)w->c->corrupt_page;
	uint64_t *s;

	if (w->c->corrupt_page < 0 || p < w->first || p >= w->first + w->npages)
		return;
	s = stamp_at(w->base, p);
	s[0] = s[1] = stamp(w->id, p ^ 1, 1);
}

/* Every page written must hold its last stamp, in both words. */
static void verify_slice(struct writer *w)
{
	size_t i;

	for (i = 0; i < w->npages; i++) {
		size_t p = w->first + i;
		uint32_t g = w->c->random && w->populated ? w->gens[i] : p < w->pos ? next_gen(w->gen) : w->gen;
		uint64_t *s = stamp_at(w->base, p), want = stamp(w->id, p, g);

		if (!g)
			continue;	/* never written: the run stopped during the first pass */
		if (s[0] != want || s[1] != want)
			mismatch(w, p, want, s[0] != want ? s[0] : s[1], true);
	}
}

/* One batch: the first write timed alone (the latency sample), then the rest untimed. */
static size_t dirty_batch(struct writer *w, size_t k, uint64_t t_start)
{
	size_t j;

	if (w->populated && w->c->random) {
		k = k > RANDOM_BATCH_MAX ? RANDOM_BATCH_MAX : k;
		for (j = 0; j < k; j++)
			w->idx[j] = (uint32_t)(w->first + rng_below(&w->rng, w->npages));
		dirty_range(w, 0, 1);
		hist_add(&w->st->latency, now_ns() - t_start);
		dirty_range(w, 1, k);
		return k;
	}
	if (k > w->first + w->npages - w->pos)
		k = w->first + w->npages - w->pos;
	dirty_range(w, w->pos, w->pos + 1);
	hist_add(&w->st->latency, now_ns() - t_start);
	dirty_range(w, w->pos + 1, w->pos + k);
	w->pos += k;
	if (w->pos == w->first + w->npages) {
		w->pos = w->first;
		w->gen = next_gen(w->gen);
	}
	return k;
}

/*
 * Briefly share every page copy-on-write with a child, so swap-cache pages
 * meet COW faults. Writer 0 does it between batches, so that one writer
 * leaves the mm single-threaded like a plain dirty loop: no control thread
 * whose CPU the TLB flushes of reclaim would also have to reach.
 */
static void fork_sharer(struct writer *w)
{
	uint64_t every = w->c->fork_every_ns;
	uint64_t hold = every / 2 < SHARER_HOLD_NS ? every / 2 : SHARER_HOLD_NS;
	int status;

	w->next_fork += every;
	if (w->sharer > 0 && proc_wait(w->sharer, 1000000, &status) == 0)
		w->sharer = 0;
	if (w->sharer > 0)
		return;		/* the last one still lives (stuck in reclaim): never pile them up */
	w->sharer = proc_fork();
	if (w->sharer == 0) {
		sleep_ns(hold);
		_exit(0);
	}
	__atomic_add_fetch(w->sharer > 0 ? &w->sh->forks : &w->sh->fork_failures, 1, __ATOMIC_RELAXED);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint64_t pages = 0, t = now_ns(), batch = 64, t_end;
	size_t i, k;

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!__atomic_load_n(&w->sh->stop, __ATOMIC_RELAXED)) {
		/* Random batch lengths, so the timed write lands anywhere in a swap readahead window. */
		k = dirty_batch(w, (size_t)(batch / 2 + rng_below(&w->rng, batch) + 1), t);
		pages += k;
		__atomic_store_n(&w->st->pages, pages, __ATOMIC_RELAXED);
		if (!w->populated && w->gen) {
			w->populated = true;
			for (i = 0; w->c->random && i < w->npages; i++)
				w->gens[i] = w->gen;
			if (w->c->loop == DIRTY_CHECK)
				plant_corruption(w);
			__atomic_store_n(&w->st->phase, DIRTY_DIRTYING, __ATOMIC_RELEASE);
		}
		t_end = now_ns();
		if (w->c->fork_every_ns && w->id == 0 && t_end >= w->next_fork)
			fork_sharer(w);
		/* Size the next batch to last about BATCH_NS at the current speed. */
		batch = t_end > t ? k * BATCH_NS / (t_end - t) : batch * 2;
		batch = batch < 1 ? 1 : batch > BATCH_MAX ? BATCH_MAX : batch;
		t = t_end;
	}
	if (w->sharer > 0)
		proc_wait(w->sharer, 0, NULL);
	__atomic_store_n(&w->st->phase, DIRTY_VERIFYING, __ATOMIC_RELEASE);
	if (w->c->loop == DIRTY_VERIFY_AT_END)
		plant_corruption(w);
	if (w->c->loop != DIRTY_BARE)
		verify_slice(w);
	__atomic_store_n(&w->st->phase, DIRTY_DONE, __ATOMIC_RELEASE);
	return NULL;
}

static int failed(struct dirty_shared *sh, const char *what, int err)
{
	snprintf(sh->failure, sizeof(sh->failure), "%s: %s", what, strerror(err));
	return -err;
}

int dirty_run(const struct dirty_config *c, struct dirty_shared *sh)
{
	size_t npages = c->size / page_size(), per;
	struct writer *ws;
	int i, created = 1, err = 0;
	char *base;

	page_shift = (unsigned)__builtin_ctzl(page_size());
	if (c->threads < 1 || c->threads > DIRTY_MAX_WRITERS || npages / (size_t)c->threads < 1 ||
	    npages >= 1ull << 32)
		return failed(sh, "configuration", EINVAL);
	per = npages / (size_t)c->threads;
	if (!sh->t0)
		sh->t0 = now_ns();
	base = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return failed(sh, "mmap of the region", errno);
	/* 4 KiB pages whatever THP says: the scenario is small pages going through swap. */
	madvise(base, c->size, MADV_NOHUGEPAGE);
	ws = calloc((size_t)c->threads, sizeof(*ws));
	if (!ws) {
		munmap(base, c->size);
		return failed(sh, "writer table", ENOMEM);
	}
	for (i = 0; i < c->threads && !err; i++) {
		struct writer *w = &ws[i];

		w->id = i;
		w->cpu = c->ncpus ? c->cpus[i % c->ncpus] : -1;
		w->c = c;
		w->base = base;
		w->first = (size_t)i * per;
		w->npages = i == c->threads - 1 ? npages - w->first : per;
		w->pos = w->first;
		w->sh = sh;
		w->st = &sh->w[i];
		w->next_fork = sh->t0 + c->fork_every_ns;
		rng_seed(&w->rng, 0x5eed + (uint64_t)i);
		if (c->random) {
			w->gens = calloc(w->npages, sizeof(*w->gens));
			w->idx = calloc(RANDOM_BATCH_MAX, sizeof(*w->idx));
			if (!w->gens || !w->idx)
				err = failed(sh, "generation table", ENOMEM);
		}
	}
	/* Writer 0 is this thread: a single writer leaves the mm single-threaded, like a plain dirty loop. */
	while (created < c->threads && !err) {
		errno = pthread_create(&ws[created].thread, NULL, writer_main, &ws[created]);
		if (errno)
			err = failed(sh, "pthread_create", errno);
		else
			created++;
	}
	if (err)
		dirty_stop(sh);
	else
		writer_main(&ws[0]);
	for (i = 1; i < created; i++)
		pthread_join(ws[i].thread, NULL);
	for (i = 0; i < c->threads; i++) {
		free(ws[i].gens);
		free(ws[i].idx);
	}
	free(ws);
	munmap(base, c->size);
	return err;
}

void dirty_stop(struct dirty_shared *sh)
{
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
}

struct dirty_shared *dirty_shared_create(void)
{
	struct dirty_shared *sh = shared_alloc(sizeof(*sh));

	if (sh)
		dirty_shared_reset(sh);
	return sh;
}

void dirty_shared_reset(struct dirty_shared *sh)
{
	int i;

	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < DIRTY_MAX_WRITERS; i++)
		hist_init(&sh->w[i].latency);
}

void dirty_shared_destroy(struct dirty_shared *sh)
{
	shared_free(sh, sizeof(*sh));
}

void dirty_progress(const struct dirty_shared *sh, int threads, struct dirty_progress *p, struct hist *lat)
{
	int i;

	p->pages = 0;
	p->phase = DIRTY_DONE;
	if (lat)
		hist_init(lat);
	for (i = 0; i < threads; i++) {
		enum dirty_phase ph = (enum dirty_phase)__atomic_load_n(&sh->w[i].phase, __ATOMIC_ACQUIRE);

		p->pages += __atomic_load_n(&sh->w[i].pages, __ATOMIC_RELAXED);
		p->phase = ph < p->phase ? ph : p->phase;
		/* Read while the writer adds to it: counts only grow; dirty_hist_delta recounts totals. */
		if (lat)
			hist_merge(lat, &sh->w[i].latency);
	}
	p->errors = __atomic_load_n(&sh->errors, __ATOMIC_RELAXED);
	p->forks = __atomic_load_n(&sh->forks, __ATOMIC_RELAXED);
}

void dirty_hist_delta(struct hist *into, const struct hist *earlier, const struct hist *later)
{
	uint64_t lo, hi;
	unsigned i;

	hist_init(into);
	for (i = 0; i < HIST_BUCKETS; i++) {
		uint64_t n = later->count[i] > earlier->count[i] ? later->count[i] - earlier->count[i] : 0;

		if (!n)
			continue;
		hist_bucket_range(i, &lo, &hi);
		into->count[i] = n;
		into->total += n;
		into->sum += (long double)n * (long double)(lo + (hi - lo) / 2);
		into->min = into->min < lo ? into->min : lo;
		into->max = hi;
	}
}
