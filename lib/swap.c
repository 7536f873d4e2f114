/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swap: swap totals from /proc/swaps, and swap a run adds for itself (a
 * swap file or a zram device), journaled before it is created and removed
 * at exit, on signals or by `cowbench restore`. The swap header is
 * written here, so no mkswap is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>
#include "journal.h"
#include "knobs.h"
#include "log.h"
#include "proc.h"
#include "swap.h"

#define ZRAM_CONTROL "/sys/class/zram-control"
/* Fewer pages than this make no useful swap (and mkswap refuses them too). */
#define SWAP_MIN_PAGES 16

static pid_t cleanup_owner;

/* /proc/swaps escapes blanks and backslashes in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

/*
 * Walk /proc/swaps: sums sizes, and tells whether `path` is one of the
 * areas. 0 or -errno.
 */
static int scan_swaps(const char *path, bool *active, uint64_t *total, uint64_t *free_bytes)
{
	char line[PATH_MAX + 128], name[PATH_MAX];
	unsigned long long size, used;
	FILE *f = fopen("/proc/swaps", "re");

	if (!f)
		return -errno;
	if (active)
		*active = false;
	if (total)
		*total = 0;
	if (free_bytes)
		*free_bytes = 0;
	if (!fgets(line, sizeof(line), f)) {	/* the header line */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %*s %llu %llu", name, &size, &used) != 3)
			continue;
		unescape_octal(name);
		if (active && path && !strcmp(name, path))
			*active = true;
		if (total)
			*total += size * 1024;
		if (free_bytes)
			*free_bytes += (size > used ? size - used : 0) * 1024;
	}
	fclose(f);
	return 0;
}

int swap_totals(uint64_t *total, uint64_t *free_bytes)
{
	return scan_swaps(NULL, NULL, total, free_bytes);
}

static bool swap_active(const char *path)
{
	bool active = false;

	scan_swaps(path, &active, NULL, NULL);
	return active;
}

static void swap_cleanup(void)
{
	int r;

	if (cleanup_owner != getpid())
		return;
	/* Devices and files first, then the module that zram devices needed. */
	r = journal_undo_own_kind("zram");
	r |= journal_undo_own_kind("swapfile");
	r |= journal_undo_own_kind("module");
	if (r)
		warn("some swap could not be removed; `cowbench restore` retries");
}

static void arm_cleanup(void)
{
	if (cleanup_owner != getpid()) {
		cleanup_owner = getpid();
		at_cleanup(swap_cleanup);
	}
}

/*
 * The v1 swap header (as mkswap writes it): version 1, last usable page,
 * no bad pages, a random UUID, and "SWAPSPACE2" at the end of page 0.
 */
static int write_swap_header(int fd, uint64_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pages = bytes / page;
	unsigned char *hdr;
	uint32_t info[3];
	ssize_t n;

	if (pages < SWAP_MIN_PAGES || pages - 1 > UINT32_MAX)
		return -EINVAL;
	hdr = calloc(1, page);
	if (!hdr)
		return -ENOMEM;
	info[0] = 1;			/* version */
	info[1] = (uint32_t)(pages - 1);	/* last_page */
	info[2] = 0;			/* nr_badpages */
	memcpy(hdr + 1024, info, sizeof(info));
	if (getrandom(hdr + 1024 + sizeof(info), 16, 0) != 16)
		memset(hdr + 1024 + sizeof(info), 0x5a, 16);
	memcpy(hdr + 1024 + sizeof(info) + 16, "cowbench", 8);	/* volume label */
	memcpy(hdr + page - 10, "SWAPSPACE2", 10);
	n = pwrite(fd, hdr, page, 0);
	free(hdr);
	if (n < 0)
		return -errno;
	if (n != page)
		return -EIO;
	return fsync(fd) ? -errno : 0;
}

/* Reserve the blocks without writing them; zeros where the fs can't. */
static int fill_file(int fd, uint64_t bytes)
{
	static char zeros[1 << 20];
	uint64_t done = 0;

	if (fallocate(fd, 0, 0, bytes) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	while (done < bytes) {
		size_t chunk = bytes - done < sizeof(zeros) ? bytes - done : sizeof(zeros);
		ssize_t n = pwrite(fd, zeros, chunk, done);

		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

static int absolute_path(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], resolved[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	if (!*base)
		return -EINVAL;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (!realpath(dir, resolved))
		return -errno;
	if (snprintf(out, len, "%s/%s", strcmp(resolved, "/") ? resolved : "", base) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int add_file(const char *spec_path, uint64_t bytes, struct swap_added *out,
		    char *reason, size_t len)
{
	char path[PATH_MAX];
	int fd, r;

	r = absolute_path(spec_path, path, sizeof(path));
	if (r) {
		snprintf(reason, len, "swap file %s: %s", spec_path, strerror(-r));
		return r;
	}
	/* Restore deletes what the journal names: never adopt a file we didn't create. */
	if (access(path, F_OK) == 0) {
		snprintf(reason, len, "%s already exists; cowbench only uses a swap file it creates "
			 "(a killed run's leftover? `cowbench restore` removes it)", path);
		return -EEXIST;
	}
	r = journal_add("swapfile", path, NULL);
	if (r) {
		snprintf(reason, len, "cannot journal swap file %s: %s", path, strerror(-r));
		return r;
	}
	arm_cleanup();
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(reason, len, "create %s: %s", path, strerror(-r));
		journal_forget("swapfile", path);
		return r;
	}
	/* swapon refuses world-readable swap files (and the data is other processes' memory). */
	r = fchmod(fd, 0600) ? -errno : 0;
	if (!r)
		r = fill_file(fd, bytes);
	if (r)
		snprintf(reason, len, "allocate %llu bytes for %s: %s",
			 (unsigned long long)bytes, path, strerror(-r));
	if (!r) {
		r = write_swap_header(fd, bytes);
		if (r)
			snprintf(reason, len, "write swap header to %s: %s", path, strerror(-r));
	}
	close(fd);
	if (!r && swapon(path, 0)) {
		r = -errno;
		snprintf(reason, len, "swapon %s: %s%s", path, strerror(-r),
			 r == -EINVAL ? " (its filesystem may not support swap files)" : "");
	}
	if (r) {
		unlink(path);
		journal_forget("swapfile", path);
		return r;
	}
	out->kind = SWAP_ADDED_FILE;
	snprintf(out->path, sizeof(out->path), "%s", path);
	out->zram_id = -1;
	out->bytes = bytes;
	return 0;
}

static int run_modprobe(const char *module)
{
	char *argv[] = { "modprobe", "-q", (char *)module, NULL };

	return proc_run(argv) ? -ENOENT : 0;
}

/* The id hot_add will hand out: the kernel gives the lowest free one. */
static int next_zram_id(void)
{
	char path[64];
	int id;

	for (id = 0; id < 4096; id++) {
		snprintf(path, sizeof(path), "/sys/block/zram%d", id);
		if (access(path, F_OK))
			return id;
	}
	return -1;
}

static int add_zram(uint64_t bytes, struct swap_added *out, char *reason, size_t len)
{
	char buf[64], sysdir[64], dev[64];
	int predicted, id, fd, r, i;

	if (access(ZRAM_CONTROL, F_OK)) {
		/* Loading the module is a change too: journaled, and unloaded afterwards. */
		r = journal_add("module", "zram", NULL);
		if (r) {
			snprintf(reason, len, "cannot journal loading zram: %s", strerror(-r));
			return r;
		}
		arm_cleanup();
		if (run_modprobe("zram") || access(ZRAM_CONTROL, F_OK)) {
			journal_forget("module", "zram");
			snprintf(reason, len, "zram is not available on this kernel "
				 "(no %s and `modprobe zram` failed)", ZRAM_CONTROL);
			return -ENOTSUP;
		}
	}
	/*
	 * The id exists only after hot_add, but the journal line must come
	 * first: journal the id the kernel will hand out, correct it after.
	 */
	predicted = next_zram_id();
	if (predicted < 0) {
		snprintf(reason, len, "no free zram id");
		return -ENOSPC;
	}
	snprintf(buf, sizeof(buf), "%d", predicted);
	r = journal_add("zram", buf, NULL);
	if (r) {
		snprintf(reason, len, "cannot journal zram%d: %s", predicted, strerror(-r));
		return r;
	}
	arm_cleanup();
	/* Reading hot_add creates the device and returns its id. */
	r = knob_read(ZRAM_CONTROL "/hot_add", buf, sizeof(buf));
	if (r) {
		journal_forget("zram", buf);
		snprintf(reason, len, "%s/hot_add: %s", ZRAM_CONTROL, strerror(-r));
		return r;
	}
	id = atoi(buf);
	if (id != predicted) {
		char pred[16];

		journal_add("zram", buf, NULL);
		snprintf(pred, sizeof(pred), "%d", predicted);
		journal_forget("zram", pred);
	}
	out->kind = SWAP_ADDED_ZRAM;
	out->zram_id = id;
	out->bytes = bytes;
	snprintf(out->path, sizeof(out->path), "/dev/zram%d", id);
	snprintf(sysdir, sizeof(sysdir), "/sys/block/zram%d/disksize", id);
	snprintf(dev, sizeof(dev), "/dev/zram%d", id);

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)bytes);
	r = knob_write(sysdir, buf);
	if (r) {
		snprintf(reason, len, "%s = %s: %s", sysdir, buf, strerror(-r));
		goto fail;
	}
	/* devtmpfs makes the node as the disk appears; give it a moment if not yet. */
	for (i = 0; i < 100 && access(dev, F_OK); i++)
		usleep(10000);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(reason, len, "open %s: %s", dev, strerror(-r));
		goto fail;
	}
	r = write_swap_header(fd, bytes);
	close(fd);
	if (r) {
		snprintf(reason, len, "write swap header to %s: %s", dev, strerror(-r));
		goto fail;
	}
	if (swapon(dev, 0)) {
		r = -errno;
		snprintf(reason, len, "swapon %s: %s", dev, strerror(-r));
		goto fail;
	}
	return 0;
fail:
	swap_remove(out);
	return r;
}

int swap_add(const char *spec, uint64_t bytes, struct swap_added *out, char *reason, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(out, 0, sizeof(*out));
	out->zram_id = -1;
	bytes = (bytes + page - 1) / page * page;
	if (bytes / page < SWAP_MIN_PAGES) {
		snprintf(reason, len, "swap of %llu bytes is too small (at least %d pages)",
			 (unsigned long long)bytes, SWAP_MIN_PAGES);
		return -EINVAL;
	}
	if (!strncmp(spec, "file:", 5) && spec[5])
		return add_file(spec + 5, bytes, out, reason, len);
	if (!strcmp(spec, "zram"))
		return add_zram(bytes, out, reason, len);
	snprintf(reason, len, "unknown swap kind '%s' (file:PATH or zram)", spec);
	return -EINVAL;
}

int swap_remove_file(const char *path)
{
	if (swap_active(path) && swapoff(path))
		return -errno;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int swap_remove_zram(int id)
{
	char path[96], buf[16];
	int r, i;

	if (id < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/block/zram%d", id);
	if (access(path, F_OK))
		return 0;
	snprintf(path, sizeof(path), "/dev/zram%d", id);
	if (swap_active(path) && swapoff(path))
		return -errno;
	snprintf(path, sizeof(path), "/sys/block/zram%d/reset", id);
	snprintf(buf, sizeof(buf), "%d", id);
	/* The block device may stay open for a moment after swapoff: retry busy. */
	for (i = 0; i < 100; i++) {
		r = knob_write(path, "1");
		if (!r)
			r = knob_write(ZRAM_CONTROL "/hot_remove", buf);
		if (r != -EBUSY)
			break;
		usleep(20000);
	}
	return r;
}

int swap_remove(struct swap_added *added)
{
	char id[16];
	int r;

	switch (added->kind) {
	case SWAP_ADDED_FILE:
		r = swap_remove_file(added->path);
		if (!r)
			journal_forget("swapfile", added->path);
		break;
	case SWAP_ADDED_ZRAM:
		r = swap_remove_zram(added->zram_id);
		snprintf(id, sizeof(id), "%d", added->zram_id);
		if (!r)
			journal_forget("zram", id);
		break;
	default:
		return 0;
	}
	if (!r)
		added->kind = SWAP_ADDED_NONE;
	return r;
}
