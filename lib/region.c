/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region: build anonymous memory of a requested backing with plain
 * syscalls, then prove it from what the kernel reports. The tricks are the
 * mm selftests': a PMD mapping is split without splitting the folio by
 * changing the protection of one page and back; a partially mapped THP is
 * a PTE-mapped one with some subpages zapped by MADV_DONTNEED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "knobs.h"
#include "log.h"
#include "opt.h"
#include "pagemap.h"
#include "region.h"

#define PMD_SIZE (2ul << 20)
/* partial-thp keeps every other chunk of this size mapped. */
#define PARTIAL_CHUNK (64ul << 10)

static const char *const backing_words[] = { "small", "thp", "pte-thp", "partial-thp", NULL };

int backing_parse(const char *s, struct backing *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	if (!strncmp(s, "mthp:", 5)) {
		uint64_t size;
		char sz[16];

		if (parse_size(s + 5, &size))
			return -EINVAL;
		if (size <= page_size() || size >= PMD_SIZE || (size & (size - 1))) {
			snprintf(opt_error, sizeof(opt_error),
				 "'%s': mTHP size must be a power of two between 8K and 1M", s);
			return -EINVAL;
		}
		b->kind = BACKING_MTHP;
		b->folio_size = size;
		snprintf(b->name, sizeof(b->name), "mthp-%s", format_size(size, sz, sizeof(sz)));
		return 0;
	}
	i = parse_choice(s, backing_words);
	if (i < 0) {
		snprintf(opt_error, sizeof(opt_error),
			 "'%s' is not a backing (small, thp, pte-thp, partial-thp, mthp:SIZE)", s);
		return -EINVAL;
	}
	b->kind = (enum backing_kind)i;
	b->folio_size = b->kind == BACKING_SMALL ? page_size() : PMD_SIZE;
	snprintf(b->name, sizeof(b->name), "%s", s);
	return 0;
}

int backing_parse_list(const char *s, struct backing *b, int max, int *n)
{
	char buf[256], *tok, *save;
	int i;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(opt_error, sizeof(opt_error), "list too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == max) {
			snprintf(opt_error, sizeof(opt_error), "at most %d backings", max);
			return -EINVAL;
		}
		if (backing_parse(tok, &b[*n]))
			return -EINVAL;
		for (i = 0; i < *n; i++) {
			if (!strcmp(b[i].name, b[*n].name)) {
				snprintf(opt_error, sizeof(opt_error), "'%s' given twice", tok);
				return -EINVAL;
			}
		}
		(*n)++;
	}
	if (!*n) {
		snprintf(opt_error, sizeof(opt_error), "no backing given");
		return -EINVAL;
	}
	return 0;
}

int backing_available(const struct backing *b, char *reason, size_t len)
{
	char path[256], val[64];

	if (b->kind == BACKING_SMALL)
		return 0;
	if (!knob_exists(THP_DIR "/enabled")) {
		snprintf(reason, len, "the kernel has no transparent hugepages (CONFIG_TRANSPARENT_HUGEPAGE)");
		return -ENOTSUP;
	}
	if (b->kind == BACKING_MTHP) {
		snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled", b->folio_size >> 10);
		if (!knob_exists(path)) {
			snprintf(reason, len, "the kernel offers no %zuK multi-size THP (%s missing)",
				 b->folio_size >> 10, path);
			return -ENOTSUP;
		}
	}
	if (knob_read(THP_DIR "/enabled", val, sizeof(val)) == 0 && !strcmp(val, "never") &&
	    access(THP_DIR "/enabled", W_OK)) {
		snprintf(reason, len, "THP is disabled (enabled=never) and cannot be changed without root");
		return -ENOTSUP;
	}
	return 0;
}

/*
 * Make MADV_HUGEPAGE give folios of exactly the backing's size, changing
 * (journaled) only what stands in the way: THP off altogether, the wanted
 * size off, and for mTHP every other size, which the fault path would
 * otherwise prefer.
 */
static int set_thp_knobs(const struct backing *b)
{
	char path[256], val[64];
	size_t kb;
	int err;

	if (knob_read(THP_DIR "/enabled", val, sizeof(val)) == 0 && !strcmp(val, "never")) {
		err = knob_set(THP_DIR "/enabled", "madvise");
		if (err)
			return err;
	}
	/* Per-size knobs exist from 6.8 on. */
	for (kb = 2 * page_size() >> 10; kb <= PMD_SIZE >> 10; kb *= 2) {
		const char *want = NULL;

		snprintf(path, sizeof(path), THP_DIR "/hugepages-%zukB/enabled", kb);
		if (!knob_exists(path) || knob_read(path, val, sizeof(val)))
			continue;
		if (kb << 10 == b->folio_size)
			want = !strcmp(val, "never") ? "madvise" : NULL;
		else if (b->kind == BACKING_MTHP)
			want = strcmp(val, "never") ? "never" : NULL;
		if (!want)
			continue;
		err = knob_set(path, want);
		if (err)
			return err;
	}
	return 0;
}

int region_create(struct region *r, size_t len, const struct backing *b, int fill,
		  char *reason, size_t rlen)
{
	size_t align = b->kind == BACKING_SMALL ? page_size() : b->folio_size;
	size_t off;
	char *p;
	int err;

	memset(r, 0, sizeof(*r));
	if (!len || len % align) {
		snprintf(reason, rlen, "size must be a positive multiple of %zuK for %s", align >> 10, b->name);
		return -EINVAL;
	}
	err = backing_available(b, reason, rlen);
	if (err)
		return err;
	if (b->kind != BACKING_SMALL) {
		err = set_thp_knobs(b);
		if (err) {
			snprintf(reason, rlen, "cannot set THP knobs: %s", strerror(-err));
			return err;
		}
	}
	r->map_len = len + align;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->map == MAP_FAILED) {
		err = -errno;
		snprintf(reason, rlen, "mmap %zu bytes: %s", r->map_len, strerror(errno));
		r->map = NULL;
		return err;
	}
	p = (char *)(((uintptr_t)r->map + align - 1) & ~(uintptr_t)(align - 1));
	r->addr = p;
	r->len = len;
	r->b = *b;
	if (madvise(p, len, b->kind == BACKING_SMALL ? MADV_NOHUGEPAGE : MADV_HUGEPAGE)) {
		err = -errno;
		snprintf(reason, rlen, "madvise(%s): %s",
			 b->kind == BACKING_SMALL ? "MADV_NOHUGEPAGE" : "MADV_HUGEPAGE", strerror(errno));
		region_destroy(r);
		return err;
	}
	memset(p, fill, len);
	/*
	 * The folios exist now: khugepaged must not collapse PTE-mapped or
	 * mTHP folios into new PMD-mapped THPs behind our back (it would with
	 * scan_sleep_millisecs=0), not even while the loop below splits them.
	 */
	if (b->kind != BACKING_SMALL && b->kind != BACKING_THP)
		madvise(p, len, MADV_NOHUGEPAGE);
	if (b->kind == BACKING_PTE_THP || b->kind == BACKING_PARTIAL_THP) {
		for (off = 0; off < len; off += PMD_SIZE) {
			/* Splits the PMD mapping; the folio stays one 2M folio. */
			if (mprotect(p + off, page_size(), PROT_READ) ||
			    mprotect(p + off, page_size(), PROT_READ | PROT_WRITE)) {
				err = -errno;
				snprintf(reason, rlen, "mprotect: %s", strerror(errno));
				region_destroy(r);
				return err;
			}
			if (b->kind != BACKING_PARTIAL_THP)
				continue;
			for (size_t c = PARTIAL_CHUNK; c < PMD_SIZE; c += 2 * PARTIAL_CHUNK)
				madvise(p + off + c, PARTIAL_CHUNK, MADV_DONTNEED);
		}
	}
	return 0;
}

bool region_page_mapped(const struct region *r, size_t off)
{
	if (r->b.kind != BACKING_PARTIAL_THP)
		return off < r->len;
	return ((off % PMD_SIZE) / PARTIAL_CHUNK) % 2 == 0;
}

size_t region_mapped_bytes(const struct region *r)
{
	return r->b.kind == BACKING_PARTIAL_THP ? r->len / 2 : r->len;
}

int region_verify(const struct region *r, struct region_check *c, char *why, size_t len)
{
	size_t pages = r->len / page_size(), mapped = region_mapped_bytes(r) / page_size();
	size_t folio_pages = r->b.folio_size / page_size();
	struct page_census pc;
	int err;

	memset(c, 0, sizeof(*c));
	why[0] = 0;
	if (!pagemap_pfns_visible()) {
		snprintf(why, len, "page flags are only visible to root (CAP_SYS_ADMIN)");
		return -EPERM;
	}
	err = page_census(0, r->addr, pages, &pc);
	if (err) {
		snprintf(why, len, "pagemap: %s", strerror(-err));
		return err;
	}
	c->pages = mapped;
	c->present = pc.present;
	c->thp_pages = pc.thp_pages;
	c->folios = r->b.kind == BACKING_SMALL ? pc.present : pc.compound_heads;
	c->anon_huge_kb = smaps_field_kb(0, r->addr, r->len, "AnonHugePages");
	if (c->anon_huge_kb < 0)
		c->anon_huge_kb = 0;

	if (pc.present != mapped) {
		snprintf(why, len, "%zu of %zu pages present", pc.present, mapped);
		return -ENOTSUP;
	}
	switch (r->b.kind) {
	case BACKING_SMALL:
		if (pc.thp_pages)
			snprintf(why, len, "%zu of %zu pages are in large folios", pc.thp_pages, mapped);
		break;
	case BACKING_THP:
		if (pc.thp_pages != mapped || (size_t)c->anon_huge_kb * 1024 != r->len)
			snprintf(why, len, "only %zu of %zu pages in THPs, %ld kB PMD-mapped of %zu "
				 "(memory fragmented? defrag setting?)",
				 pc.thp_pages, mapped, c->anon_huge_kb, r->len >> 10);
		break;
	case BACKING_PTE_THP:
	case BACKING_PARTIAL_THP:
		if (pc.thp_pages != mapped || c->anon_huge_kb)
			snprintf(why, len, "%zu of %zu pages in THPs, %ld kB still PMD-mapped",
				 pc.thp_pages, mapped, c->anon_huge_kb);
		else if (pc.compound_heads != r->len / PMD_SIZE)
			snprintf(why, len, "%zu folio heads for %zu 2M folios", pc.compound_heads,
				 r->len / PMD_SIZE);
		break;
	case BACKING_MTHP:
		if (pc.thp_pages != mapped || c->anon_huge_kb || pc.compound_heads * folio_pages != mapped)
			snprintf(why, len, "%zu of %zu pages in large folios, %zu folio heads (want %zu), "
				 "%ld kB PMD-mapped", pc.thp_pages, mapped, pc.compound_heads,
				 mapped / folio_pages, c->anon_huge_kb);
		break;
	}
	c->ok = !why[0];
	return c->ok ? 0 : -ENOTSUP;
}

void region_destroy(struct region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}
