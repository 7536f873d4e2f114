/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_pin: the pin module on the running kernel. Data written by the
 * "device" (READ_FIXED) must appear in the mapping and data written
 * through the mapping must reach the device, for every method the kernel
 * offers; missing capabilities (gup_test, memlock, io_uring refused) must
 * come back as -ENOTSUP with a reason, never as a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pagemap.h"
#include "pin.h"
#include "opt.h"
#include "tap.h"

#define MiB (1ul << 20)

static char *map_filled(size_t len, int c)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, c, len);
	return p;
}

static int memfd_with(size_t len, int c)
{
	int fd = memfd_create("test-pin", MFD_CLOEXEC);
	char *buf = malloc(len);
	int ok_write;

	if (fd < 0 || !buf) {
		free(buf);
		return -1;
	}
	memset(buf, c, len);
	ok_write = pwrite(fd, buf, len, 0) == (ssize_t)len;
	free(buf);
	if (!ok_write) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool all_bytes(const char *p, size_t len, int c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)c)
			return false;
	return true;
}

static void test_parse(void)
{
	enum pin_method m;

	ok(pin_method_parse("iouring", &m) == 0 && m == PIN_IOURING, "parse iouring");
	ok(pin_method_parse("gup-test", &m) == 0 && m == PIN_GUP_TEST, "parse gup-test");
	ok(pin_method_parse("rdma", &m) == -EINVAL && strstr(opt_error, "rdma"),
	   "unknown method refused with its name in the error (%s)", opt_error);
}

static void test_release_zeroed(void)
{
	struct pin p;
	int fd = open("/dev/null", O_RDONLY), was = fcntl(fd, F_GETFD);

	memset(&p, 0, sizeof(p));
	/* A zeroed struct has fd fields of 0: releasing it must close nothing. */
	if (fd > 0 && dup2(fd, 0) == 0) {
		pin_release(&p);
		pin_release(&p);
		ok(was >= 0 && fcntl(0, F_GETFD) >= 0, "releasing a zeroed struct pin (twice) leaves fd 0 open");
	} else {
		skip("cannot set up fd 0");
	}
	if (fd > 0)
		close(fd);
}

static void test_samples_and_patterns(void)
{
	size_t ps = page_size(), off[PIN_MAX_SAMPLES], n, i;
	bool increasing = true, inside = true, varied = false;
	char *page = malloc(ps);

	n = pin_sample_offsets(64 * MiB, PIN_MAX_SAMPLES, off);
	for (i = 0; i < n; i++) {
		increasing &= !i || off[i] > off[i - 1];
		inside &= off[i] % ps == 0 && off[i] < 64 * MiB;
		varied |= off[i] % (2 * MiB) != 0;
	}
	ok(n == PIN_MAX_SAMPLES && increasing && inside, "256 samples over 64M, page aligned, increasing, inside");
	ok(varied, "samples are not all at the start of a 2M folio");
	ok(pin_sample_offsets(3 * ps, PIN_MAX_SAMPLES, off) == 3 && off[2] == 2 * ps,
	   "a range smaller than max: every page once");
	ok(pin_sample_offsets(0, PIN_MAX_SAMPLES, off) == 0, "an empty range: no samples");
	if (!page)
		return;
	pin_pattern_fill(page, 3, 7);
	ok(pin_pattern_check(page, 3, 7), "a filled page has its own pattern");
	ok(!pin_pattern_check(page, 4, 7) && !pin_pattern_check(page, 3, 8),
	   "and not another generation's or another sample's");
	page[ps - 1] ^= 1;
	ok(!pin_pattern_check(page, 3, 7), "one flipped bit in the last byte is caught");
	free(page);
}

static void test_iouring(void)
{
	size_t ps = page_size(), len = 8 * MiB, off[3] = { 0, 5 * ps, len - ps };
	char reason[256], *buf, *out;
	struct pin p;
	int fd, err;

	err = pin_probe(PIN_IOURING, len, reason, sizeof(reason));
	if (err) {
		skip("io_uring unavailable: %s", reason);
		return;
	}
	buf = map_filled(len, 'a');
	out = malloc(3 * ps);
	fd = memfd_with(2 * ps, 'D');
	if (!buf || !out || fd < 0) {
		ok(0, "setup");
		return;
	}
	err = pin_create(&p, PIN_IOURING, buf, len, reason, sizeof(reason));
	if (!ok(err == 0, "io_uring pins 8M (%s)", reason))
		return;
	ok(p.nbufs == 1, "8M is one registered buffer");
	ok(pin_read_fixed(&p, fd, 0, buf + 3 * ps, 2 * ps) == 0, "READ_FIXED into the pinned range");
	ok(all_bytes(buf + 3 * ps, 2 * ps, 'D') && buf[3 * ps - 1] == 'a' && buf[5 * ps] == 'a',
	   "the mapping sees exactly the bytes the device wrote");
	buf[5 * ps] = 'W';
	memset(buf + len - ps, 'E', ps);
	ok(pin_device_read_pages(&p, off, 3, out) == 0, "device reads three pages");
	ok(all_bytes(out, ps, 'a') && out[ps] == 'W' && all_bytes(out + 2 * ps, ps, 'E'),
	   "the device sees the writes made through the mapping");
	ok(pin_read_fixed(&p, fd, 0, buf + len - ps, 2 * ps) == -EINVAL,
	   "READ_FIXED past the pinned range is refused");
	ok(pin_read_fixed(&p, fd, ps, buf, 2 * ps) == -EIO, "a short read (end of file) is -EIO");
	{
		size_t soff[2] = { ps, 6 * ps };
		uint64_t pfn[2] = { 0, 0 };
		int e;

		ok(pin_device_write_pattern(&p, soff, 2, 9) == 0 && pin_pattern_check(buf + ps, 9, 0) &&
		   pin_pattern_check(buf + 6 * ps, 9, 1) && buf[2 * ps] == 'a',
		   "device_write_pattern lands in the mapping at the sampled pages only");
		e = pin_sample_pfns(buf, soff, 2, pfn);
		ok(e == -EPERM || (e == 0 && pfn[0] && pfn[1] && pfn[0] != pfn[1]),
		   "sample PFNs: two distinct PFNs, or -EPERM without root (%d)", e);
	}
	pin_release(&p);
	ok(p.nbufs == 0 && !p.ring_ok, "release forgets the ring");
	ok(pin_read_fixed(&p, fd, 0, buf, ps) == -EOPNOTSUPP, "READ_FIXED after release: -EOPNOTSUPP");
	close(fd);
	free(out);
	munmap(buf, len);
}

/* A buffer over the 1 GiB per-buffer limit is registered in pieces; I/O may straddle them. */
static void test_iouring_chunks(void)
{
	size_t ps = page_size(), len = (1ul << 30) + 4 * MiB;
	char reason[256], *buf;
	long avail = sysconf(_SC_AVPHYS_PAGES);
	struct pin p;
	int fd;

	if (avail < 0 || (size_t)avail * ps < 4 * len || pin_probe(PIN_IOURING, len, reason, sizeof(reason))) {
		skip("1G+4M io_uring pin: not enough free memory or no io_uring");
		return;
	}
	buf = map_filled(len, 'c');
	fd = memfd_with(4 * ps, 'X');
	if (!buf || fd < 0) {
		ok(0, "setup");
		return;
	}
	if (ok(pin_create(&p, PIN_IOURING, buf, len, reason, sizeof(reason)) == 0,
	       "io_uring pins 1G+4M (%s)", reason)) {
		ok(p.nbufs == 2, "registered as two buffers (got %u)", p.nbufs);
		ok(pin_read_fixed(&p, fd, 0, buf + (1ul << 30) - 2 * ps, 4 * ps) == 0,
		   "READ_FIXED across the 1G buffer boundary");
		ok(all_bytes(buf + (1ul << 30) - 2 * ps, 4 * ps, 'X') &&
		   buf[(1ul << 30) - 2 * ps - 1] == 'c' && buf[(1ul << 30) + 2 * ps] == 'c',
		   "both pieces landed, nothing around them changed");
		pin_release(&p);
	}
	close(fd);
	munmap(buf, len);
}

static void test_vmsplice(void)
{
	size_t ps = page_size(), len = 4 * MiB, off[2] = { ps, 7 * ps }, early = 0;
	char reason[256], *buf, *out;
	struct pin p;
	int err;

	err = pin_probe(PIN_VMSPLICE, len, reason, sizeof(reason));
	if (err) {
		skip("vmsplice unavailable: %s", reason);
		return;
	}
	buf = map_filled(len, 'v');
	out = malloc(2 * ps);
	if (!buf || !out) {
		ok(0, "setup");
		return;
	}
	err = pin_create(&p, PIN_VMSPLICE, buf, len, reason, sizeof(reason));
	if (!ok(err == 0 && p.npipes >= 1, "vmsplice pins 4M in %u pipe(s) (%s)", p.npipes, reason))
		return;
	/* No fork: the pipe references the very pages the mapping shows. */
	memset(buf + 7 * ps, 'Z', ps);
	ok(pin_device_read_pages(&p, off, 2, out) == 0, "pipe reader reads two pages");
	ok(all_bytes(out, ps, 'v') && all_bytes(out + ps, ps, 'Z'),
	   "the pipe holds the mapped pages themselves (sees a later write)");
	ok(pin_device_read_pages(&p, &early, 1, out) == -EINVAL,
	   "reading before the pipe's read position is refused");
	ok(pin_read_fixed(&p, 0, 0, buf, ps) == -EOPNOTSUPP, "no READ_FIXED through a pipe");
	ok(pin_device_write_pattern(&p, off, 1, 1) == -EOPNOTSUPP, "no device writes through a pipe");
	pin_release(&p);
	free(out);
	munmap(buf, len);
}

static void mountpoints(char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mounts", "re");

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " debugfs ") && strlen(buf) + strlen(line) < len)
			strcat(buf, line);
	if (f)
		fclose(f);
}

static void test_gup_test(void)
{
	char reason[256], before[4096], after[4096];
	int err;

	mountpoints(before, sizeof(before));
	err = pin_probe(PIN_GUP_TEST, MiB, reason, sizeof(reason));
	mountpoints(after, sizeof(after));
	ok(err == 0 || (err == -ENOTSUP && reason[0]), "gup-test probe: available, or -ENOTSUP with a reason (%s)",
	   err ? reason : "available");
	ok(!strcmp(before, after), "debugfs mounts are as they were after the probe");
	if (err) {
		skip("gup_test pin round trip: %s", reason);
	} else {
		size_t ps = page_size(), off = 2 * ps;
		char *buf = map_filled(MiB, 'g'), out[4096];
		struct pin p;

		if (ok(pin_create(&p, PIN_GUP_TEST, buf, MiB, reason, sizeof(reason)) == 0,
		       "gup_test pins 1M (%s)", reason)) {
			buf[off] = 'Q';
			ok(ps <= sizeof(out) && pin_device_read_pages(&p, &off, 1, out) == 0 && out[0] == 'Q',
			   "gup_test reads back a write made through the mapping");
			pin_release(&p);
		}
		munmap(buf, MiB);
	}
}

/* In a child: which reason does pin_probe give under a restriction? */
static int probe_in_child(void (*restrict_fn)(void), enum pin_method m, size_t len,
			  char *reason, size_t rlen)
{
	int pfd[2], status, err = -EIO;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid == 0) {
		char r[256] = "";
		int e;

		close(pfd[0]);
		restrict_fn();
		e = pin_probe(m, len, r, sizeof(r));
		if (write(pfd[1], &e, sizeof(e)) != sizeof(e) || write(pfd[1], r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && read(pfd[0], &err, sizeof(err)) == sizeof(err) &&
	    read(pfd[0], reason, rlen < 256 ? rlen : 256) > 0)
		reason[rlen - 1] = 0;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return err;
}

static void become_nobody_with_small_memlock(void)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgid(65534) || setuid(65534))
		_exit(2);
}

/* What kernel.io_uring_disabled=2 does to us, without touching the machine: seccomp EPERM. */
static void refuse_io_uring_setup(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(2);
}

static void test_missing_capabilities(void)
{
	char reason[256] = "";
	int err;

	if (geteuid() != 0) {
		skip("memlock limit as an unprivileged user: the test must start as root");
	} else {
		err = probe_in_child(become_nobody_with_small_memlock, PIN_IOURING, 64 * MiB,
				     reason, sizeof(reason));
		ok(err == -ENOTSUP && strstr(reason, "RLIMIT_MEMLOCK"),
		   "unprivileged user with a 64K memlock limit: -ENOTSUP naming RLIMIT_MEMLOCK (%d: %s)",
		   err, reason);
	}
	err = probe_in_child(refuse_io_uring_setup, PIN_IOURING, MiB, reason, sizeof(reason));
	ok(err == -ENOTSUP && strstr(reason, "io_uring_disabled"),
	   "io_uring refused by the kernel: -ENOTSUP naming io_uring_disabled (%d: %s)", err, reason);
}

int main(void)
{
	test_parse();
	test_release_zeroed();
	test_samples_and_patterns();
	test_iouring();
	test_iouring_chunks();
	test_vmsplice();
	test_gup_test();
	test_missing_capabilities();
	return done_testing();
}
