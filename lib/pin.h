/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pin: hold user pages the way a device driver would, without a device.
 *   iouring   io_uring fixed buffers: a long-term FOLL_PIN|FOLL_LONGTERM pin,
 *             and the kernel itself reads and writes through it (READ_FIXED,
 *             WRITE_FIXED), like DMA would.
 *   vmsplice  pages spliced into pipes: a short-term read-only reference
 *             (FOLL_GET, not FOLL_PIN); the pipe reader sees what it holds.
 *   gup-test  the kernel's debugfs test device (CONFIG_GUP_TEST): a long-term
 *             pin whose pages the kernel copies back on request.
 * One struct pin covers one range [addr, addr + len). What each method
 * can do is in the table below; a missing capability is -ENOTSUP with a
 * reason, so callers skip rather than fail.
 *
 *             device_read_pages                 read_fixed, write_fixed,
 *                                               device_write_pattern
 *   iouring    yes                               yes
 *   vmsplice   once, in increasing order         no
 *              (reading consumes the pipes)
 *   gup-test   yes (copies the whole range)      no
 */
#ifndef COWBENCH_PIN_H
#define COWBENCH_PIN_H

#include <liburing.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pin_method { PIN_NONE, PIN_IOURING, PIN_VMSPLICE, PIN_GUP_TEST, PIN_NMETHODS };
extern const char *const pin_method_names[];	/* "none","iouring","vmsplice","gup-test",NULL */

/* The kernel refuses io_uring fixed buffers larger than this (per iovec). */
#define PIN_IOURING_MAX_BUF (1ull << 30)

struct pin {
	enum pin_method method;
	char *addr;
	size_t len;
	/* iouring */
	struct io_uring ring;
	bool ring_ok;
	unsigned nbufs;		/* registered buffers, each <= PIN_IOURING_MAX_BUF */
	int scratch_fd;		/* memfd the device reads into / writes from, -1 until needed */
	/* vmsplice */
	int (*pipes)[2];
	unsigned npipes;
	size_t pipe_bytes;	/* capacity of each pipe */
	size_t consumed;	/* bytes already read out of the pipes */
	/* gup-test */
	int gup_fd;
	char *gup_copy;		/* PIN_LONGTERM_TEST_READ lands here (len bytes) */
};

/* Parse a method name; -EINVAL with opt_error set. */
int pin_method_parse(const char *s, enum pin_method *m);

/*
 * Can this machine pin max_len bytes with method m? Checks io_uring_disabled
 * and creates a ring, the locked-memory limit (raising it when allowed), the
 * pipe size limits, and the gup_test device (mounting debugfs for the look
 * if it is not mounted, and unmounting it again). 0, or -ENOTSUP with a
 * reason, or -errno.
 */
int pin_probe(enum pin_method m, size_t max_len, char *reason, size_t rlen);

/*
 * Pin [addr, addr + len): the pages must be populated and writable. For
 * PIN_NONE this records the range and pins nothing. 0, -ENOTSUP (reason:
 * a limit or capability is missing) or -errno (reason filled).
 */
int pin_create(struct pin *p, enum pin_method m, void *addr, size_t len,
	       char *reason, size_t rlen);
/* Drop the pin (unregister, close the pipes, stop the gup_test pin). Safe on a zeroed struct. */
void pin_release(struct pin *p);

/*
 * What the pin holder sees: copy the pages at byte offsets off[0..n)
 * (page aligned, increasing) of the pinned range, as held by the pin, into
 * out (n pages), without going through this process's page tables.
 * iouring: WRITE_FIXED to a scratch file and read it back; gup-test:
 * PIN_LONGTERM_TEST_READ; vmsplice: reads the pipes, which releases the
 * references up to the last offset read. -EOPNOTSUPP for PIN_NONE.
 */
int pin_device_read_pages(struct pin *p, const size_t *off, size_t n, void *out);

/*
 * The device writes: io_uring READ_FIXED of len bytes at file offset
 * file_off of fd into dst, which must lie inside the pinned range. The
 * kernel writes through the pin, not through this process's mapping.
 * Returns 0 when all len bytes arrived, -EIO on a short read, -errno,
 * -EOPNOTSUPP for methods other than iouring.
 */
int pin_read_fixed(struct pin *p, int fd, uint64_t file_off, void *dst, size_t len);
/* The reverse: WRITE_FIXED len bytes from src (inside the range) to fd at file_off. */
int pin_write_fixed(struct pin *p, int fd, uint64_t file_off, const void *src, size_t len);

/*
 * Checking that a pin still covers what the mapping shows (fork-pin,
 * pin-stability): a pattern per page that names its generation and
 * sample index, sample pages spread over a range, their PFNs, and the
 * device writing a pattern through the pin.
 */
#define PIN_MAX_SAMPLES 256

/* Up to max page offsets spread over [0, len), increasing, at varied places inside folios. */
size_t pin_sample_offsets(size_t len, size_t max, size_t *off);
void pin_pattern_fill(void *page, unsigned gen, size_t index);
bool pin_pattern_check(const void *page, unsigned gen, size_t index);
/* PFNs of the pages at base + off[i] in this process. 0, -EPERM (PFNs hidden without root), -errno. */
int pin_sample_pfns(const void *base, const size_t *off, size_t n, uint64_t *pfn);
/*
 * The device writes: pattern gen lands in the pinned pages at off[0..n)
 * by READ_FIXED from a scratch file, not through this process's mapping.
 * 0, -errno, -EOPNOTSUPP for methods other than iouring.
 */
int pin_device_write_pattern(struct pin *p, const size_t *off, size_t n, unsigned gen);

#endif
