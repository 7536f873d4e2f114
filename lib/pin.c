/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin: long-term and short-term page pins without special hardware, and
 * the "device" side of each pin (the kernel reading or writing the pinned
 * pages directly), so that callers can check a pin still covers the pages
 * their mapping shows. See pin.h for what each method can do.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>
#include "opt.h"
#include "pagemap.h"
#include "pin.h"

const char *const pin_method_names[] = { "none", "iouring", "vmsplice", "gup-test", NULL };

/* mm/gup_test.h: the kernel does not export it to userspace. */
struct pin_longterm_test {
	uint64_t addr;
	uint64_t size;
	uint32_t flags;
};
#define PIN_LONGTERM_TEST_START		_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP		_IO('g', 8)
#define PIN_LONGTERM_TEST_READ		_IOW('g', 9, uint64_t)
#define PIN_LONGTERM_TEST_FLAG_USE_WRITE 1

#define DEBUGFS_DEFAULT "/sys/kernel/debug"
#define CAP_IPC_LOCK_BIT	14
#define CAP_SYS_ADMIN_BIT	21
#define CAP_SYS_RESOURCE_BIT	24
/*
 * The pipe_buffer array of one pipe is one kcalloc(), capped at 4 MiB:
 * 64Ki slots of 40 bytes fit, so 256 MiB of pages per pipe is the most
 * even root can get.
 */
#define PIPE_MAX_BYTES (256ul << 20)

int pin_method_parse(const char *s, enum pin_method *m)
{
	int i = parse_choice(s, pin_method_names);

	if (i < 0) {
		snprintf(opt_error, sizeof(opt_error),
			 "'%s' is not a pin method (iouring, vmsplice, gup-test, none)", s);
		return -EINVAL;
	}
	*m = (enum pin_method)i;
	return 0;
}

/* Effective capability bit from /proc/self/status (no libcap needed). */
static bool has_cap(int bit)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> bit) & 1;
}

static long read_long_file(const char *path, long dflt)
{
	long v = dflt;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* ---- io_uring ---- */

static int iouring_ring_init(struct io_uring *ring, char *reason, size_t rlen)
{
	int err = io_uring_queue_init(64, ring, 0);

	if (err == -ENOSYS) {
		snprintf(reason, rlen, "the kernel has no io_uring (CONFIG_IO_URING)");
		return -ENOTSUP;
	}
	if (err == -EPERM) {
		snprintf(reason, rlen, "io_uring_setup refused with EPERM: io_uring is disabled "
			 "for this process (kernel.io_uring_disabled=%ld, seccomp or LSM otherwise)",
			 read_long_file("/proc/sys/kernel/io_uring_disabled", -1));
		return -ENOTSUP;
	}
	if (err < 0)
		snprintf(reason, rlen, "io_uring_queue_init: %s", strerror(-err));
	return err;
}

/*
 * io_uring charges fixed buffers to RLIMIT_MEMLOCK unless the ring was
 * created with CAP_IPC_LOCK. Raise the limit as far as we are allowed
 * (root: unlimited), then say plainly when it is still too low.
 */
static int memlock_allow(size_t len, char *reason, size_t rlen)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= len)
		return 0;
	if (setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY }) == 0)
		return 0;
	if (rl.rlim_max != rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	if (has_cap(CAP_IPC_LOCK_BIT) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= len)
		return 0;
	snprintf(reason, rlen, "RLIMIT_MEMLOCK is %llu KiB, pinning needs %zu KiB: "
		 "run as root or raise the limit (ulimit -l)",
		 (unsigned long long)rl.rlim_cur >> 10, len >> 10);
	return -ENOTSUP;
}

static int iouring_probe(size_t max_len, char *reason, size_t rlen)
{
	struct io_uring ring;
	int err = iouring_ring_init(&ring, reason, rlen);

	if (err)
		return err;
	io_uring_queue_exit(&ring);
	return memlock_allow(max_len, reason, rlen);
}

static int iouring_pin(struct pin *p, char *reason, size_t rlen)
{
	unsigned n = (unsigned)((p->len + PIN_IOURING_MAX_BUF - 1) / PIN_IOURING_MAX_BUF), i;
	struct iovec *iov;
	int err;

	err = memlock_allow(p->len, reason, rlen);
	if (err)
		return err;
	err = iouring_ring_init(&p->ring, reason, rlen);
	if (err)
		return err;
	p->ring_ok = true;
	iov = calloc(n, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		size_t off = (size_t)i * PIN_IOURING_MAX_BUF;

		iov[i].iov_base = p->addr + off;
		iov[i].iov_len = p->len - off < PIN_IOURING_MAX_BUF ? p->len - off : PIN_IOURING_MAX_BUF;
	}
	err = io_uring_register_buffers(&p->ring, iov, n);
	free(iov);
	if (err == -ENOMEM && !has_cap(CAP_IPC_LOCK_BIT)) {
		snprintf(reason, rlen, "io_uring_register_buffers: ENOMEM: locked-memory limit "
			 "(RLIMIT_MEMLOCK, counted per user) too low for %zu KiB: run as root",
			 p->len >> 10);
		return -ENOTSUP;
	}
	if (err) {
		snprintf(reason, rlen, "io_uring_register_buffers(%u x <= 1G): %s", n, strerror(-err));
		return err;
	}
	p->nbufs = n;
	return 0;
}

/* One READ_FIXED/WRITE_FIXED of buf[0..len) (within one registered buffer), waited for. */
static int iouring_rw(struct pin *p, bool device_writes, int fd, uint64_t file_off,
		      char *buf, unsigned len, int index)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&p->ring);
	struct io_uring_cqe *cqe;
	int err, res;

	if (!sqe)
		return -EBUSY;
	if (device_writes)
		io_uring_prep_read_fixed(sqe, fd, buf, len, file_off, index);
	else
		io_uring_prep_write_fixed(sqe, fd, buf, len, file_off, index);
	err = io_uring_submit(&p->ring);
	if (err < 0)
		return err;
	do
		err = io_uring_wait_cqe(&p->ring, &cqe);
	while (err == -EINTR);
	if (err)
		return err;
	res = cqe->res;
	io_uring_cqe_seen(&p->ring, cqe);
	return res;
}

/* Split [buf, buf + len) at registered-buffer boundaries and run every piece to completion. */
static int iouring_transfer(struct pin *p, bool device_writes, int fd, uint64_t file_off,
			    char *buf, size_t len)
{
	if (p->method != PIN_IOURING || !p->nbufs)
		return -EOPNOTSUPP;
	if (buf < p->addr || len > p->len || (size_t)(buf - p->addr) > p->len - len)
		return -EINVAL;
	while (len) {
		size_t off = (size_t)(buf - p->addr);
		size_t index = off / PIN_IOURING_MAX_BUF;
		size_t room = (index + 1) * PIN_IOURING_MAX_BUF - off;
		size_t n = len < room ? len : room;
		int res;

		if (n > (1u << 30))
			n = 1u << 30;
		res = iouring_rw(p, device_writes, fd, file_off, buf, (unsigned)n, (int)index);
		if (res < 0)
			return res;
		if (res == 0)
			return -EIO;	/* end of file before len bytes */
		buf += res;
		file_off += (uint64_t)res;
		len -= (size_t)res;
	}
	return 0;
}

int pin_read_fixed(struct pin *p, int fd, uint64_t file_off, void *dst, size_t len)
{
	return iouring_transfer(p, true, fd, file_off, dst, len);
}

int pin_write_fixed(struct pin *p, int fd, uint64_t file_off, const void *src, size_t len)
{
	return iouring_transfer(p, false, fd, file_off, (char *)src, len);
}

/* The memfd the device reads into and writes from, created on first use. */
static int scratch_file(struct pin *p)
{
	if (p->scratch_fd < 0)
		p->scratch_fd = memfd_create("cowbench-pin", MFD_CLOEXEC);
	return p->scratch_fd;
}

static int iouring_device_read(struct pin *p, const size_t *off, size_t n, void *out)
{
	size_t ps = page_size(), i, got = 0;
	int err = 0;

	if (scratch_file(p) < 0)
		return -errno;
	for (i = 0; i < n && !err; i++)
		err = pin_write_fixed(p, p->scratch_fd, (uint64_t)i * ps, p->addr + off[i], ps);
	while (!err && got < n * ps) {
		ssize_t r = pread(p->scratch_fd, (char *)out + got, n * ps - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			err = r < 0 ? -errno : -EIO;
		else
			got += (size_t)r;
	}
	/* Give the scratch pages back right away. */
	if (ftruncate(p->scratch_fd, 0) && !err)
		err = -errno;
	return err;
}

/* ---- vmsplice ---- */

static bool pipes_privileged(void)
{
	return has_cap(CAP_SYS_RESOURCE_BIT) || has_cap(CAP_SYS_ADMIN_BIT);
}

/* Largest power-of-two pipe capacity this process gets, up to want. */
static long pipe_capacity(int fd, size_t want)
{
	size_t size = PIPE_MAX_BYTES;

	while (size > want && size > page_size())
		size >>= 1;
	if (size < want && size < PIPE_MAX_BYTES)
		size <<= 1;
	for (; size >= page_size(); size >>= 1) {
		long got = fcntl(fd, F_SETPIPE_SZ, (int)size);

		if (got > 0)
			return got;
		if (errno != EPERM && errno != ENOMEM && errno != EBUSY)
			return -errno;
	}
	return -EPERM;
}

/* How many pipes of which capacity len needs; checks the fd and pipe-page limits. */
static int vmsplice_plan(size_t len, size_t *pipe_bytes, unsigned *npipes,
			 char *reason, size_t rlen)
{
	int fds[2];
	long cap;
	struct rlimit rl;
	size_t need_fds;

	if (pipe2(fds, O_CLOEXEC)) {
		snprintf(reason, rlen, "pipe2: %s", strerror(errno));
		return -errno;
	}
	cap = pipe_capacity(fds[1], len ? len : page_size());
	close(fds[0]);
	close(fds[1]);
	if (cap < 0) {
		snprintf(reason, rlen, "F_SETPIPE_SZ: %s", strerror((int)-cap));
		return (int)cap;
	}
	*pipe_bytes = (size_t)cap;
	*npipes = (unsigned)((len + (size_t)cap - 1) / (size_t)cap);
	if (!pipes_privileged()) {
		long hard = read_long_file("/proc/sys/fs/pipe-user-pages-hard", 0);
		long soft = read_long_file("/proc/sys/fs/pipe-user-pages-soft", 0);
		size_t pages = len / page_size();

		if ((hard && pages > (size_t)hard) || (soft && pages > (size_t)soft)) {
			snprintf(reason, rlen, "pipes may hold %ld pages per user (fs.pipe-user-pages-soft), "
				 "vmsplice of %zu KiB needs %zu: run as root", soft, len >> 10, pages);
			return -ENOTSUP;
		}
	}
	need_fds = 2 * (size_t)*npipes + 64;	/* 64: what the process already has open */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need_fds) {
		if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need_fds) {
			rl.rlim_cur = need_fds;
			if (setrlimit(RLIMIT_NOFILE, &rl))
				return -errno;
		} else {
			snprintf(reason, rlen, "vmsplice of %zu KiB needs %zu pipe fds (pipes of %zu KiB), "
				 "RLIMIT_NOFILE allows %llu", len >> 10, need_fds, *pipe_bytes >> 10,
				 (unsigned long long)rl.rlim_max);
			return -ENOTSUP;
		}
	}
	return 0;
}

static int vmsplice_pin(struct pin *p, char *reason, size_t rlen)
{
	size_t done = 0;
	unsigned i;
	int err;

	err = vmsplice_plan(p->len, &p->pipe_bytes, &p->npipes, reason, rlen);
	if (err)
		return err;
	p->pipes = calloc(p->npipes, sizeof(*p->pipes));
	if (!p->pipes)
		return -ENOMEM;
	for (i = 0; i < p->npipes; i++)
		p->pipes[i][0] = p->pipes[i][1] = -1;
	for (i = 0; i < p->npipes; i++) {
		size_t filled = 0, want = p->len - done < p->pipe_bytes ? p->len - done : p->pipe_bytes;
		long cap;

		if (pipe2(p->pipes[i], O_CLOEXEC | O_NONBLOCK)) {
			err = -errno;
			snprintf(reason, rlen, "pipe %u: %s", i, strerror(errno));
			return err;
		}
		cap = fcntl(p->pipes[i][1], F_SETPIPE_SZ, (int)p->pipe_bytes);
		if (cap < 0 || (size_t)cap != p->pipe_bytes) {
			snprintf(reason, rlen, "pipe %u of %zu KiB refused (%s): pipe limits reached",
				 i, p->pipe_bytes >> 10, cap < 0 ? strerror(errno) : "smaller");
			return -ENOTSUP;
		}
		while (filled < want) {
			struct iovec iov = { p->addr + done + filled, want - filled };
			ssize_t n = vmsplice(p->pipes[i][1], &iov, 1, SPLICE_F_NONBLOCK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				snprintf(reason, rlen, "vmsplice into pipe %u after %zu of %zu bytes: %s",
					 i, filled, want, n < 0 ? strerror(errno) : "no progress");
				return err;
			}
			filled += (size_t)n;
		}
		done += filled;
	}
	return 0;
}

/* Read len bytes at the read cursor out of the pipes into buf (NULL: discard). */
static int vmsplice_consume(struct pin *p, char *buf, size_t len)
{
	static char sink[65536];

	while (len) {
		unsigned i = (unsigned)(p->consumed / p->pipe_bytes);
		size_t left = p->pipe_bytes - p->consumed % p->pipe_bytes;
		size_t want = len < left ? len : left;
		ssize_t n;

		if (!buf && want > sizeof(sink))
			want = sizeof(sink);
		if (i >= p->npipes)
			return -EIO;
		n = read(p->pipes[i][0], buf ? buf : sink, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;	/* EAGAIN: the pipe holds less than it should */
		p->consumed += (size_t)n;
		len -= (size_t)n;
		if (buf)
			buf += n;
	}
	return 0;
}

static int vmsplice_device_read(struct pin *p, const size_t *off, size_t n, void *out)
{
	size_t ps = page_size(), i;
	int err;

	for (i = 0; i < n; i++) {
		if (off[i] < p->consumed || off[i] + ps > p->len)
			return -EINVAL;	/* already consumed, or out of range */
		err = vmsplice_consume(p, NULL, off[i] - p->consumed);
		if (!err)
			err = vmsplice_consume(p, (char *)out + i * ps, ps);
		if (err)
			return err;
	}
	return 0;
}

/* ---- gup_test ---- */

/* Where debugfs is mounted, or "" when it is not. */
static void debugfs_mountpoint(char *buf, size_t len)
{
	char line[1024], dev[256], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) == 3 && !strcmp(type, "debugfs")) {
			snprintf(buf, len, "%s", dir);
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * Open the gup_test device. When debugfs is not mounted, mount it, open
 * the device, and detach the mount again at once: an open file keeps a
 * detached mount alive, so nothing stays behind on the machine even if
 * we are killed while pinning.
 */
static int gup_test_open(char *reason, size_t rlen)
{
	char dir[512], path[600];
	bool mounted = false;
	int fd, err;

	debugfs_mountpoint(dir, sizeof(dir));
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s", DEBUGFS_DEFAULT);
		if (mount("debugfs", dir, "debugfs", 0, NULL)) {
			err = -errno;
			if (errno == EPERM)
				snprintf(reason, rlen, "debugfs is not mounted and mounting it needs root");
			else if (errno == ENODEV)
				snprintf(reason, rlen, "the kernel has no debugfs (CONFIG_DEBUG_FS)");
			else
				snprintf(reason, rlen, "mount debugfs on %s: %s", dir, strerror(errno));
			return err == -EPERM || err == -ENODEV ? -ENOTSUP : err;
		}
		mounted = true;
	}
	snprintf(path, sizeof(path), "%s/gup_test", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	if (mounted && umount2(dir, MNT_DETACH))
		fprintf(stderr, "pin: cannot unmount debugfs from %s: %s\n", dir, strerror(errno));
	if (fd >= 0)
		return fd;
	if (err == -ENOENT) {
		snprintf(reason, rlen, "the kernel has no gup_test device (CONFIG_GUP_TEST is not set): "
			 "%s does not exist", path);
		return -ENOTSUP;
	}
	snprintf(reason, rlen, "open %s: %s", path, strerror(-err));
	return err == -EACCES || err == -EPERM ? -ENOTSUP : err;
}

static int gup_test_pin(struct pin *p, char *reason, size_t rlen)
{
	struct pin_longterm_test args = {
		.addr = (uint64_t)(uintptr_t)p->addr,
		.size = p->len,
		.flags = PIN_LONGTERM_TEST_FLAG_USE_WRITE,
	};
	int fd = gup_test_open(reason, rlen);

	if (fd < 0)
		return fd;
	p->gup_fd = fd;
	if (ioctl(fd, PIN_LONGTERM_TEST_START, &args)) {
		int err = -errno;

		/* Older kernels keep one pin for the whole system: EINVAL if another holds it. */
		snprintf(reason, rlen, "gup_test PIN_LONGTERM_TEST_START of %zu KiB: %s%s", p->len >> 10,
			 strerror(errno), errno == EINVAL ? " (another process may hold the test pin)" : "");
		return err;
	}
	return 0;
}

static int gup_test_device_read(struct pin *p, const size_t *off, size_t n, void *out)
{
	size_t ps = page_size(), i;
	uint64_t dst;

	if (!p->gup_copy) {
		void *m = mmap(NULL, p->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_NORESERVE, -1, 0);

		if (m == MAP_FAILED)
			return -errno;
		p->gup_copy = m;
	}
	dst = (uint64_t)(uintptr_t)p->gup_copy;
	/* The device copies every pinned page; we keep the ones asked for. */
	if (ioctl(p->gup_fd, PIN_LONGTERM_TEST_READ, &dst))
		return -errno;
	for (i = 0; i < n; i++) {
		if (off[i] + ps > p->len)
			return -EINVAL;
		memcpy((char *)out + i * ps, p->gup_copy + off[i], ps);
	}
	return 0;
}

/* ---- common ---- */

int pin_probe(enum pin_method m, size_t max_len, char *reason, size_t rlen)
{
	size_t pipe_bytes;
	unsigned npipes;
	int fd;

	reason[0] = 0;
	switch (m) {
	case PIN_NONE:
		return 0;
	case PIN_IOURING:
		return iouring_probe(max_len, reason, rlen);
	case PIN_VMSPLICE:
		return vmsplice_plan(max_len, &pipe_bytes, &npipes, reason, rlen);
	case PIN_GUP_TEST:
		fd = gup_test_open(reason, rlen);
		if (fd < 0)
			return fd;
		close(fd);
		return 0;
	default:
		return -EINVAL;
	}
}

int pin_create(struct pin *p, enum pin_method m, void *addr, size_t len,
	       char *reason, size_t rlen)
{
	int err = 0;

	memset(p, 0, sizeof(*p));
	p->method = m;
	p->addr = addr;
	p->len = len;
	p->scratch_fd = -1;
	p->gup_fd = -1;
	reason[0] = 0;
	if ((uintptr_t)addr % page_size() || len % page_size()) {
		snprintf(reason, rlen, "pin range must be page aligned");
		return -EINVAL;
	}
	if (!len || m == PIN_NONE)
		return 0;
	switch (m) {
	case PIN_IOURING:
		err = iouring_pin(p, reason, rlen);
		break;
	case PIN_VMSPLICE:
		err = vmsplice_pin(p, reason, rlen);
		break;
	case PIN_GUP_TEST:
		err = gup_test_pin(p, reason, rlen);
		break;
	default:
		err = -EINVAL;
	}
	if (err) {
		if (!reason[0])
			snprintf(reason, rlen, "%s", strerror(-err));
		pin_release(p);
	}
	return err;
}

void pin_release(struct pin *p)
{
	unsigned i;

	/* PIN_NONE holds nothing; this also makes a zeroed struct pin safe to release. */
	if (p->method == PIN_NONE)
		goto out;
	if (p->ring_ok) {
		if (p->nbufs)
			io_uring_unregister_buffers(&p->ring);
		io_uring_queue_exit(&p->ring);
	}
	if (p->scratch_fd >= 0)
		close(p->scratch_fd);
	for (i = 0; p->pipes && i < p->npipes; i++) {
		if (p->pipes[i][0] >= 0)
			close(p->pipes[i][0]);
		if (p->pipes[i][1] >= 0)
			close(p->pipes[i][1]);
	}
	free(p->pipes);
	if (p->gup_fd >= 0) {
		ioctl(p->gup_fd, PIN_LONGTERM_TEST_STOP);
		close(p->gup_fd);
	}
	if (p->gup_copy)
		munmap(p->gup_copy, p->len);
out:
	memset(p, 0, sizeof(*p));
	p->scratch_fd = -1;
	p->gup_fd = -1;
}

int pin_device_read_pages(struct pin *p, const size_t *off, size_t n, void *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off[i] % page_size() || off[i] >= p->len || (i && off[i] <= off[i - 1]))
			return -EINVAL;
	if (!p->len)
		return n ? -EINVAL : 0;
	switch (p->method) {
	case PIN_IOURING:
		return iouring_device_read(p, off, n, out);
	case PIN_VMSPLICE:
		return vmsplice_device_read(p, off, n, out);
	case PIN_GUP_TEST:
		return gup_test_device_read(p, off, n, out);
	default:
		return -EOPNOTSUPP;
	}
}

/* ---- checking helpers ---- */

size_t pin_sample_offsets(size_t len, size_t max, size_t *off)
{
	size_t ps = page_size(), pages = len / ps, n = pages < max ? pages : max, stride, i;

	if (!n)
		return 0;
	stride = pages / n;
	/* i * 37 % stride: not always the first page of a folio. */
	for (i = 0; i < n; i++)
		off[i] = (i * stride + (i * 37) % stride) * ps;
	return n;
}

static inline uint64_t pattern_word(unsigned gen, size_t index, size_t word)
{
	return (uint64_t)gen << 56 ^ (uint64_t)index << 32 ^ word ^ 0x5a5a0000a5a5ull;
}

void pin_pattern_fill(void *page, unsigned gen, size_t index)
{
	uint64_t *w = page;
	size_t j;

	for (j = 0; j < page_size() / sizeof(*w); j++)
		w[j] = pattern_word(gen, index, j);
}

bool pin_pattern_check(const void *page, unsigned gen, size_t index)
{
	const uint64_t *w = page;
	size_t j;

	for (j = 0; j < page_size() / sizeof(*w); j++)
		if (w[j] != pattern_word(gen, index, j))
			return false;
	return true;
}

int pin_sample_pfns(const void *base, const size_t *off, size_t n, uint64_t *pfn)
{
	int fd, err = 0;
	size_t i;

	if (!pagemap_pfns_visible())
		return -EPERM;
	fd = pagemap_open(0);
	if (fd < 0)
		return fd;
	for (i = 0; i < n && !err; i++) {
		uint64_t e;

		err = pagemap_read(fd, (const char *)base + off[i], 1, &e);
		pfn[i] = pm_pfn(e);
	}
	close(fd);
	return err;
}

int pin_device_write_pattern(struct pin *p, const size_t *off, size_t n, unsigned gen)
{
	size_t ps = page_size(), i;
	char *page;
	int err = 0;

	if (p->method != PIN_IOURING)
		return -EOPNOTSUPP;
	if (scratch_file(p) < 0)
		return -errno;
	page = malloc(ps);
	if (!page)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		pin_pattern_fill(page, gen, i);
		if (pwrite(p->scratch_fd, page, ps, (off_t)(i * ps)) != (ssize_t)ps)
			err = errno ? -errno : -EIO;
	}
	for (i = 0; i < n && !err; i++)
		err = pin_read_fixed(p, p->scratch_fd, (uint64_t)i * ps, p->addr + off[i], ps);
	free(page);
	if (ftruncate(p->scratch_fd, 0) && !err)
		err = -errno;
	return err;
}
