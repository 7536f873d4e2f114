/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm: KSM knobs and counters, this process's merging state, and page
 * content whose merging outcome can be computed in advance, so that a
 * benchmark can check ksmd did exactly what it should.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "knobs.h"
#include "ksm.h"
#include "log.h"
#include "pagemap.h"
#include "proc.h"

#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif

int ksm_usable(bool process_wide, bool zero_pages, char *reason, size_t len)
{
	if (!knob_exists(KSM_DIR "/run")) {
		snprintf(reason, len, "the kernel has no KSM (%s missing: CONFIG_KSM)", KSM_DIR);
		return -ENOTSUP;
	}
	if (access(KSM_DIR "/run", W_OK) || !pagemap_pfns_visible()) {
		snprintf(reason, len, "driving ksmd and seeing PFNs need root");
		return -EPERM;
	}
	if (process_wide && prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0) {
		snprintf(reason, len, "prctl(PR_GET_MEMORY_MERGE): %s: the kernel has no process-wide merging (6.4+)",
			 strerror(errno));
		return -ENOTSUP;
	}
	if (zero_pages && !knob_exists(KSM_DIR "/use_zero_pages")) {
		snprintf(reason, len, "the kernel has no KSM use_zero_pages knob");
		return -ENOTSUP;
	}
	return 0;
}

int ksm_merge_enable(void *addr, size_t len, bool process_wide, bool on)
{
	if (process_wide)
		return prctl(PR_SET_MEMORY_MERGE, on, 0, 0, 0) ? -errno : 0;
	return madvise(addr, len, on ? MADV_MERGEABLE : MADV_UNMERGEABLE) ? -errno : 0;
}

uint64_t ksm_two_scans_ns(long pages_to_scan, long sleep_ms, size_t npages)
{
	double pages_per_s = (double)pages_to_scan * 1000.0 / (double)(sleep_ms > 4 ? sleep_ms : 4);

	return (uint64_t)(2 * (double)npages / pages_per_s * 1e9);
}

long ksm_read(const char *name)
{
	char path[128];
	long v;

	snprintf(path, sizeof(path), KSM_DIR "/%s", name);
	return knob_read_long(path, &v) ? KSM_ABSENT : v;
}

int ksm_write(const char *name, long value)
{
	char path[128];

	snprintf(path, sizeof(path), KSM_DIR "/%s", name);
	return knob_set_long(path, value);
}

void ksm_self_read(struct ksm_self *s)
{
	char line[128], key[64];
	long v, zero = 0;
	FILE *f = fopen("/proc/self/ksm_stat", "re");

	s->rmap_items = s->merged = -1;
	s->profit = KSM_ABSENT;
	/* "name value" lines, and "ksm_merge_any: no" ones to skip, in an order that varies by version. */
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", key, &v) != 2)
			continue;
		if (!strcmp(key, "ksm_rmap_items"))
			s->rmap_items = v;
		else if (!strcmp(key, "ksm_merging_pages"))
			s->merged = v;
		else if (!strcmp(key, "ksm_zero_pages"))
			zero = v;
		else if (!strcmp(key, "ksm_process_profit"))
			s->profit = v;
	}
	if (f)
		fclose(f);
	/* ksm_stat lacks ksm_merging_pages before 6.1; the file came in 5.19. */
	if (s->merged < 0 && (f = fopen("/proc/self/ksm_merging_pages", "re"))) {
		if (fgets(line, sizeof(line), f) && sscanf(line, "%ld", &v) == 1)
			s->merged = v;
		fclose(f);
	}
	if (s->merged >= 0)
		s->merged += zero;
}

int ksm_other_users(char *buf, size_t len)
{
	char path[300], line[128], comm[64];
	struct dirent *d;
	DIR *dp = opendir("/proc");
	int n = 0;

	buf[0] = 0;
	while (dp && (d = readdir(dp))) {
		bool scanned = false;
		FILE *f;

		if (d->d_name[0] < '0' || d->d_name[0] > '9' || atoi(d->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ksm_stat", d->d_name);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f)) {
			long v;

			scanned |= strstr(line, "mergeable: yes") || strstr(line, "merge_any: yes") ||
				   (sscanf(line, "ksm_rmap_items %ld", &v) == 1 && v > 0);
		}
		if (f)
			fclose(f);
		if (!scanned)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "re");
		if (!f || !fgets(comm, sizeof(comm), f))
			snprintf(comm, sizeof(comm), "?");
		if (f)
			fclose(f);
		comm[strcspn(comm, "\n")] = 0;
		n++;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s(%s)", n > 1 ? " " : "", comm, d->d_name);
	}
	if (dp)
		closedir(dp);
	return n;
}

void ksm_counters_read(struct ksm_counters *k)
{
	k->full_scans = ksm_read("full_scans");
	k->pages_scanned = ksm_read("pages_scanned");
	k->pages_sharing = ksm_read("pages_sharing");
	k->pages_shared = ksm_read("pages_shared");
	k->zero_pages = ksm_read("ksm_zero_pages");
	k->general_profit = ksm_read("general_profit");
	ksm_self_read(&k->self);
}

static struct {
	bool own_run;
	long base_shared, base_sharing;
} session;

int ksm_begin(void)
{
	char mode[32];
	int err;

	session.base_shared = ksm_read("pages_shared");
	session.base_sharing = ksm_read("pages_sharing");
	if (ksm_read("run") != 1) {
		err = ksm_write("run", 1);
		if (err)
			return err;
		session.own_run = true;
	}
	if (!knob_read(KSM_DIR "/advisor_mode", mode, sizeof(mode)) && strcmp(mode, "none"))
		return knob_set(KSM_DIR "/advisor_mode", "none");
	return 0;
}

bool ksm_owns_run(void)
{
	return session.own_run;
}

void ksm_pause(bool pause)
{
	if (session.own_run && ksm_write("run", pause ? 0 : 1))
		warn("cannot %s ksmd", pause ? "stop" : "restart");
}

int ksm_settle(uint64_t timeout_ns)
{
	uint64_t t0 = now_ns();
	struct ksm_self s;
	long scans;

	ksm_pause(false);
	if (ksm_read("run") != 1)
		return 0;
	scans = ksm_read("full_scans");
	for (;; sleep_ns(5000000)) {
		ksm_self_read(&s);
		/* The counters count rmap items: when ours are gone, so is our share of them. */
		if (s.rmap_items == 0 || (s.rmap_items < 0 && s.merged == 0))
			return 0;
		/* Kernels without either counter: the machine's counters back, or two full scans. */
		if (s.rmap_items < 0 && s.merged < 0 &&
		    ((ksm_read("pages_shared") <= session.base_shared &&
		      ksm_read("pages_sharing") <= session.base_sharing) || ksm_read("full_scans") >= scans + 2))
			return 0;
		if (now_ns() - t0 > timeout_ns)
			return -ETIMEDOUT;
	}
}

int ksm_wait_merged(struct ksm_wait *w)
{
	uint64_t now, last_census = 0;
	long last_merged = -1, scans_at_change = 0;
	int err;

	for (;;) {
		now = now_ns();
		w->elapsed_ns = now - w->t0;
		ksm_counters_read(&w->end);
		if (w->progress)
			w->progress(w->arg, w->elapsed_ns, &w->end, &w->start);
		if (w->end.self.merged != last_merged) {
			last_merged = w->end.self.merged;
			scans_at_change = w->end.full_scans;
		}
		/* The counter says done (or is missing): confirm from kpageflags. */
		if ((w->end.self.merged < 0 || w->end.self.merged - w->start.self.merged >= (long)w->want) &&
		    now - last_census >= 50000000) {
			last_census = now;
			err = page_census(0, w->addr, w->npages, &w->census);
			if (err)
				return err;
			if (w->census.ksm_pages + w->census.zero_pages >= w->want)
				return 0;
		}
		if (w->elapsed_ns > w->timeout_ns || w->end.full_scans - scans_at_change >= 4) {
			err = page_census(0, w->addr, w->npages, &w->census);
			return err ? err : w->elapsed_ns > w->timeout_ns ? -ETIMEDOUT : -EAGAIN;
		}
		/* Fine steps while merging is quick, coarser ones for long waits. */
		sleep_ns(w->elapsed_ns < 64000000 ? 1000000 :
			 w->elapsed_ns / 64 > 20000000 ? 20000000 : w->elapsed_ns / 64);
	}
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Unique pages among pages [0, n): page i is unique when floor((i+1)f) > floor(if). */
size_t ksm_content_unique(const struct ksm_content *c, size_t n)
{
	return (size_t)floor((double)n * c->unique_fraction);
}

uint64_t ksm_content_id(const struct ksm_content *c, size_t page)
{
	size_t before = ksm_content_unique(c, page);

	if (ksm_content_unique(c, page + 1) > before)
		return (1ull << 40) + page;
	if (c->zero)
		return KSM_ZERO_ID;
	return (page - before) % c->distinct;
}

static uint64_t content_word(uint64_t id, size_t j)
{
	return id == KSM_ZERO_ID ? 0 : mix64(id * 4096 + j);
}

uint64_t ksm_stamp(size_t page)
{
	return mix64(~(uint64_t)page) | 1;
}

void ksm_content_fill(const struct ksm_content *c, char *base, size_t first, size_t npages)
{
	size_t words = page_size() / sizeof(uint64_t);

	for (size_t i = 0; i < npages; i++) {
		uint64_t *w = (uint64_t *)(base + i * page_size()), id = ksm_content_id(c, first + i);

		for (size_t j = 0; j < words; j++)
			w[j] = content_word(id, j);
	}
}

size_t ksm_content_errors(const struct ksm_content *c, const char *base, size_t first, size_t npages,
			  bool stamped)
{
	size_t words = page_size() / sizeof(uint64_t), bad = 0;

	for (size_t i = 0; i < npages; i++) {
		const uint64_t *w = (const uint64_t *)(base + i * page_size());
		uint64_t id = ksm_content_id(c, first + i);
		bool good = w[0] == (stamped ? ksm_stamp(first + i) : content_word(id, 0));

		for (size_t j = 1; good && j < words; j++)
			good = w[j] == content_word(id, j);
		bad += !good;
	}
	return bad;
}

void ksm_content_expect(const struct ksm_content *c, size_t npages, long m, bool zero_page_merge,
			size_t *merged, size_t *kpages)
{
	size_t rest = npages - ksm_content_unique(c, npages), k = c->zero ? 1 : c->distinct;

	*merged = *kpages = 0;
	if (c->zero && zero_page_merge) {
		*merged = rest;
		*kpages = rest ? 1 : 0;
		return;
	}
	for (size_t p = 0; p < k && m >= 2; p++) {
		size_t n = rest / k + (p < rest % k);

		if (n < 2)
			continue;
		*merged += n - (n % (size_t)m == 1);
		*kpages += n / (size_t)m + (n % (size_t)m >= 2);
	}
}

pid_t ksm_sharer_fork(const struct ksm_content *c, const char *base, size_t first, size_t npages,
		      int *release)
{
	int fds[2], err;
	pid_t pid;
	char b;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = proc_fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(ksm_content_errors(c, base, first, npages, false) ? 1 : 0);
	}
	close(fds[0]);
	*release = fds[1];
	return pid;
}

int ksm_sharer_end(pid_t pid, int release, uint64_t timeout_ns)
{
	int status, err;

	close(release);
	err = proc_wait(pid, timeout_ns, &status);
	if (err)
		return err;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

bool ksm_must_move(uint64_t entry)
{
	uint64_t flags = 0;

	if (!pm_pfn(entry))
		return true;
	kpageflags_read(pm_pfn(entry), &flags);
	return (flags & (1ull << KPF_KSM | 1ull << KPF_ZERO_PAGE)) || !(entry & PM_MMAP_EXCLUSIVE);
}
