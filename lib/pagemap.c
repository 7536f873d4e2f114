/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pagemap: page state as the kernel reports it, so every benchmark checks
 * the state it built instead of assuming it (see the mm selftests' vm_util).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "pagemap.h"

size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

int pagemap_open(pid_t pid)
{
	char path[64];
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pagemap_read(int fd, const void *addr, size_t npages, uint64_t *entries)
{
	off_t off = (off_t)((uintptr_t)addr / page_size() * sizeof(uint64_t));
	size_t want = npages * sizeof(uint64_t), got = 0;

	while (got < want) {
		ssize_t n = pread(fd, (char *)entries + got, want - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		got += (size_t)n;
	}
	return 0;
}

uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = pagemap_open(0);

	if (fd < 0)
		return 0;
	if (pagemap_read(fd, addr, 1, &e))
		e = 0;
	close(fd);
	return e;
}

bool pagemap_pfns_visible(void)
{
	static int visible = -1;

	if (visible < 0) {
		char *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return false;
		p[0] = 1;
		visible = pm_pfn(pagemap_entry(p)) != 0;
		munmap(p, page_size());
	}
	return visible;
}

int kpageflags_read(uint64_t pfn, uint64_t *flags)
{
	static int fd = -1;

	if (fd < 0) {
		fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (pread(fd, flags, sizeof(*flags), (off_t)(pfn * sizeof(*flags))) != sizeof(*flags))
		return errno ? -errno : -EIO;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int page_census(pid_t pid, const void *addr, size_t npages, struct page_census *c)
{
	uint64_t *e = malloc(npages * sizeof(*e));
	uint64_t *pfns = malloc(npages * sizeof(*pfns));
	size_t i, npfn = 0;
	int fd, err = 0;

	memset(c, 0, sizeof(*c));
	if (!e || !pfns) {
		err = -ENOMEM;
		goto out;
	}
	fd = pagemap_open(pid);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = pagemap_read(fd, addr, npages, e);
	close(fd);
	if (err)
		goto out;
	c->pages = npages;
	for (i = 0; i < npages; i++) {
		uint64_t flags, pfn = pm_pfn(e[i]);

		if (e[i] & PM_SWAP)
			c->swapped++;
		if (!(e[i] & PM_PRESENT))
			continue;
		c->present++;
		if (e[i] & PM_MMAP_EXCLUSIVE)
			c->exclusive++;
		if (!pfn)
			continue;
		pfns[npfn++] = pfn;
		if (kpageflags_read(pfn, &flags))
			continue;
		if (flags & (1ull << KPF_THP))
			c->thp_pages++;
		if (flags & (1ull << KPF_COMPOUND_HEAD))
			c->compound_heads++;
		if (flags & (1ull << KPF_KSM))
			c->ksm_pages++;
		if (flags & (1ull << KPF_ZERO_PAGE))
			c->zero_pages++;
	}
	qsort(pfns, npfn, sizeof(*pfns), cmp_u64);
	for (i = 0; i < npfn; i++)
		if (i == 0 || pfns[i] != pfns[i - 1])
			c->distinct_pfns++;
out:
	free(e);
	free(pfns);
	return err;
}

long smaps_field_kb(pid_t pid, const void *addr, size_t len, const char *field)
{
	char path[64], line[512];
	uintptr_t a = (uintptr_t)addr, end = a + (len ? len : 1);
	size_t flen = strlen(field);
	bool in = false, found = false;
	long total = 0;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/smaps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		long kb;

		/* A VMA header: "lo-hi perms ...", a field: "Name:   123 kB". */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = lo < end && hi > a;
			continue;
		}
		if (in && !strncmp(line, field, flen) && line[flen] == ':' &&
		    sscanf(line + flen + 1, "%ld", &kb) == 1) {
			total += kb;
			found = true;
		}
	}
	fclose(f);
	return found ? total : -ENOENT;
}
