/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pmu: libpfm4 event names to perf_event_open counters for this process
 * and the children it forks, each event on its own fd so one missing PMU
 * never takes the software counters down with it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * pmu.h brings <linux/perf_event.h>; libpfm4's own copy of the perf ABI
 * steps aside only when the kernel header came first, so keep this order.
 */
#include "pmu.h"
#include <perfmon/pfmlib_perf_event.h>

#include "log.h"


int pmu_init(char *reason, size_t len)
{
	/* pfm_initialize() remembers its outcome, so calling it again is cheap. */
	int ret = pfm_initialize();

	if (ret != PFM_SUCCESS) {
		set_reason(reason, len, "libpfm4: cannot initialize: %s", pfm_strerror(ret));
		return -EIO;
	}
	return 0;
}

/* Resolve one name into ev->attr; -EINVAL with a reason naming it. */
static int pmu_encode(struct pmu_event *ev, char *reason, size_t len)
{
	pfm_perf_encode_arg_t arg;
	int ret;

	memset(&ev->attr, 0, sizeof(ev->attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = &ev->attr;
	arg.size = sizeof(arg);
	/* Count in user and kernel mode: faults and COW copies are kernel work. */
	ret = pfm_get_os_event_encoding(ev->name, PFM_PLM0 | PFM_PLM3,
					PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret == PFM_ERR_NOTFOUND) {
		set_reason(reason, len, "unknown event '%s' (not a libpfm4 event name%s)",
			   ev->name, getenv("LIBPFM_FORCE_PMU") ? "; LIBPFM_FORCE_PMU is set" : "");
		return -EINVAL;
	}
	if (ret != PFM_SUCCESS) {
		set_reason(reason, len, "event '%s': libpfm4: %s", ev->name, pfm_strerror(ret));
		return -EINVAL;
	}
	/*
	 * libpfm4's perf_event_attr may be older than the kernel's; the
	 * kernel accepts any size it knows, so announce ours.
	 */
	ev->attr.size = sizeof(ev->attr);
	ev->attr.disabled = 1;
	ev->attr.inherit = 1;
	ev->attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	return 0;
}

/* One name of the list, [p, p + n), appended to the set. */
static int pmu_add(struct pmu_set *set, const char *p, size_t n, const char *list,
		   char *reason, size_t len)
{
	struct pmu_event *ev = &set->ev[set->n];

	if (n == 0) {
		set_reason(reason, len, "empty event name in '%s'", list);
		return -EINVAL;
	}
	if (set->n == PMU_MAX_EVENTS) {
		set_reason(reason, len, "too many events (at most %d)", PMU_MAX_EVENTS);
		return -EINVAL;
	}
	if (n >= sizeof(ev->name)) {
		set_reason(reason, len, "event name too long: '%.*s'", (int)n, p);
		return -EINVAL;
	}
	memset(ev, 0, sizeof(*ev));
	memcpy(ev->name, p, n);
	ev->fd = -1;
	ev->value = NAN;
	ev->scaling = 1.0;
	for (int i = 0; i < set->n; i++) {
		/* Duplicates would give two CSV columns of the same name. */
		if (!strcmp(set->ev[i].name, ev->name)) {
			set_reason(reason, len, "event '%s' listed twice", ev->name);
			return -EINVAL;
		}
	}
	if (pmu_encode(ev, reason, len))
		return -EINVAL;
	set->n++;
	return 0;
}

int pmu_parse(struct pmu_set *set, const char *list, char *reason, size_t len)
{
	const char *p = list ? list : "";
	int ret;

	set->n = 0;
	ret = pmu_init(reason, len);
	if (ret)
		return ret;
	if (!*p)
		return 0;
	for (;;) {
		const char *end = strchrnul(p, ',');

		ret = pmu_add(set, p, end - p, list, reason, len);
		if (ret) {
			/* Leave no half-parsed set behind. */
			set->n = 0;
			return ret;
		}
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int read_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int level = INT_MIN;

	if (!f)
		return level;
	if (fscanf(f, "%d", &level) != 1)
		level = INT_MIN;
	fclose(f);
	return level;
}

static bool is_hardware_type(uint32_t type)
{
	/* Dynamic PMUs (type > PERF_TYPE_MAX) are hardware units too (uncore, IBS). */
	return type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE ||
	       type == PERF_TYPE_RAW || type >= PERF_TYPE_MAX;
}

/* Say why perf_event_open() failed in terms of what the user can do. */
static void explain_open_error(struct pmu_event *ev, int err)
{
	const char *msg = strerror(err);
	int paranoid;

	switch (err) {
	case ENOENT:
	case ENODEV:
		if (is_hardware_type(ev->attr.type))
			set_reason(ev->why, sizeof(ev->why),
				   "no hardware PMU on this machine (perf_event_open: %s)", msg);
		else
			set_reason(ev->why, sizeof(ev->why),
				   "this kernel does not provide the event (perf_event_open: %s)", msg);
		break;
	case EACCES:
	case EPERM:
		/* User+kernel counting by an unprivileged user needs paranoid <= 1. */
		paranoid = read_paranoid();
		if (paranoid > 1)
			set_reason(ev->why, sizeof(ev->why),
				   "not permitted: kernel.perf_event_paranoid=%d; run as root or set it to 1 or less (perf_event_open: %s)",
				   paranoid, msg);
		else
			set_reason(ev->why, sizeof(ev->why),
				   "not permitted, though perf_event_paranoid allows it: a security policy (seccomp, LSM) blocks perf_event_open (%s)",
				   msg);
		break;
	case EMFILE:
	case ENFILE:
		set_reason(ev->why, sizeof(ev->why),
			   "out of file descriptors; raise ulimit -n (perf_event_open: %s)", msg);
		break;
	case EOPNOTSUPP:
		set_reason(ev->why, sizeof(ev->why),
			   "the PMU does not support this event's settings (perf_event_open: %s)", msg);
		break;
	case ENOSYS:
		set_reason(ev->why, sizeof(ev->why),
			   "this kernel has no perf events (perf_event_open: %s)", msg);
		break;
	case EINVAL:
		set_reason(ev->why, sizeof(ev->why),
			   "the kernel rejected the event's encoding (perf_event_open: %s)", msg);
		break;
	default:
		set_reason(ev->why, sizeof(ev->why), "perf_event_open: %s", msg);
		break;
	}
}

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
				int group_fd, unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
}

int pmu_open(struct pmu_set *set)
{
	int nopen = 0;

	for (int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];
		long fd;

		ev->why[0] = '\0';
		ev->value = NAN;
		/*
		 * pid 0, cpu -1: this process wherever it runs, plus (inherit)
		 * every child forked from now on; threads that already exist
		 * are not counted.
		 */
		fd = sys_perf_event_open(&ev->attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			ev->fd = -1;
			explain_open_error(ev, errno);
			continue;
		}
		ev->fd = (int)fd;
		nopen++;
	}
	/* Opened disabled, enabled together so the events cover the same span. */
	for (int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];

		if (ev->fd < 0)
			continue;
		if (ioctl(ev->fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			set_reason(ev->why, sizeof(ev->why), "cannot enable (ioctl: %s)", strerror(errno));
			close(ev->fd);
			ev->fd = -1;
			nopen--;
		}
	}
	return nopen;
}

void pmu_report_unavailable(const struct pmu_set *set)
{
	static bool reported;
	bool done[PMU_MAX_EVENTS] = { false };

	if (reported)
		return;
	/* One line per distinct reason: "cycles, instructions: no hardware PMU ...". */
	for (int i = 0; i < set->n; i++) {
		char names[PMU_MAX_EVENTS * 66] = "";
		size_t used = 0;

		if (set->ev[i].fd >= 0 || done[i])
			continue;
		for (int j = i; j < set->n; j++) {
			if (set->ev[j].fd >= 0 || done[j] || strcmp(set->ev[j].why, set->ev[i].why))
				continue;
			used += snprintf(names + used, sizeof(names) - used, "%s%s",
					 used ? ", " : "", set->ev[j].name);
			done[j] = true;
		}
		warn("counter%s unavailable, CSV cells left empty: %s: %s",
		     strchr(names, ',') ? "s" : "", names, set->ev[i].why);
		reported = true;
	}
}

struct pmu_reading {
	uint64_t value, enabled, running;
};

static int pmu_read(const struct pmu_event *ev, struct pmu_reading *r)
{
	ssize_t n = read(ev->fd, r, sizeof(*r));

	if (n != (ssize_t)sizeof(*r))
		return n < 0 ? -errno : -EIO;
	return 0;
}

/* value * enabled / running: the estimate for a multiplexed counter. */
static double scale(uint64_t value, uint64_t enabled, uint64_t running, double *ratio)
{
	if (running == 0) {
		*ratio = 0;
		/* Never scheduled: nothing known, unless nothing could have happened. */
		return (value == 0 && enabled == 0) ? 0 : NAN;
	}
	*ratio = (double)enabled / (double)running;
	return (double)value * *ratio;
}

void pmu_start(struct pmu_set *set)
{
	for (int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];
		struct pmu_reading r;

		if (ev->fd < 0)
			continue;
		if (pmu_read(ev, &r)) {
			/* Keep the previous start: the stop read will most likely fail too. */
			continue;
		}
		ev->raw_start = r.value;
		ev->enabled_start = r.enabled;
		ev->running_start = r.running;
		ev->start = r.running ? (uint64_t)llround((double)r.value * r.enabled / r.running)
				      : r.value;
	}
}

void pmu_stop(struct pmu_set *set)
{
	for (int i = 0; i < set->n; i++) {
		struct pmu_event *ev = &set->ev[i];
		struct pmu_reading r;

		ev->value = NAN;
		if (ev->fd < 0)
			continue;
		if (pmu_read(ev, &r))
			continue;
		/*
		 * Scale the interval by its own enabled/running ratio rather
		 * than subtracting two lifetime estimates, which would mix the
		 * multiplexing of earlier intervals into this one.
		 */
		ev->value = scale(r.value - ev->raw_start, r.enabled - ev->enabled_start,
				  r.running - ev->running_start, &ev->scaling);
	}
}

void pmu_close(struct pmu_set *set)
{
	for (int i = 0; i < set->n; i++) {
		if (set->ev[i].fd >= 0)
			close(set->ev[i].fd);
		set->ev[i].fd = -1;
	}
}

int pmu_describe(const struct pmu_set *set, char *buf, size_t len)
{
	size_t used = 0;
	const char *forced = getenv("LIBPFM_FORCE_PMU");

	if (len)
		buf[0] = '\0';
	if (forced) {
		used += snprintf(buf + used, len > used ? len - used : 0,
				 "pmu.forced_model=%s\n", forced);
	}
	for (int i = 0; i < set->n; i++) {
		const struct pmu_event *ev = &set->ev[i];

		if (ev->fd >= 0)
			used += snprintf(buf + used, len > used ? len - used : 0,
					 "pmu.%s=open\n", ev->name);
		else
			used += snprintf(buf + used, len > used ? len - used : 0,
					 "pmu.%s=unavailable: %s\n", ev->name,
					 ev->why[0] ? ev->why : "not opened");
	}
	return used < len ? 0 : -ENOSPC;
}
