/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/pmu: libpfm4 names to perf attributes (including a
 * forced PMU model), why a counter is unavailable, and software counts
 * that match the page faults we cause, in children too.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmu.h"
#include "tap.h"
#include "vmstat.h"

static long page_size;

/* A hardware PMU registers itself as "cpu" (or a named core PMU) in sysfs. */
static bool machine_has_hw_pmu(void)
{
	return access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/armv8_pmuv3_0", F_OK) == 0;
}

static struct pmu_event *find(struct pmu_set *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->ev[i].name, name))
			return &s->ev[i];
	return NULL;
}

/* Map and write `pages` fresh small pages: one minor fault each. */
static char *touch_fresh_pages(long pages)
{
	char *p = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* A THP would satisfy 512 pages with one fault. */
	madvise(p, pages * page_size, MADV_NOHUGEPAGE);
	for (long i = 0; i < pages; i++)
		p[i * page_size] = (char)i;
	return p;
}

/* What a child in a forced-PMU process saw, sent back through a pipe. */
struct forced_result {
	int parse_ret, open_ret, fd;
	uint32_t type;
	uint64_t config;
	int generic_ret;	/* pmu_parse("cycles") under the forced model */
	char reason[160], why[160], generic_reason[160];
};

/*
 * LIBPFM_FORCE_PMU is read by pfm_initialize(), once per process: try it
 * in a child so this process keeps the real (generic perf) PMU.
 */
static int run_forced(const char *model, const char *event, struct forced_result *res)
{
	int pipefd[2];
	pid_t pid;
	int status;

	memset(res, 0, sizeof(*res));
	if (pipe(pipefd) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct pmu_set set, generic;
		struct forced_result r;

		memset(&r, 0, sizeof(r));
		close(pipefd[0]);
		setenv("LIBPFM_FORCE_PMU", model, 1);
		r.parse_ret = pmu_parse(&set, event, r.reason, sizeof(r.reason));
		if (r.parse_ret == 0) {
			r.type = set.ev[0].attr.type;
			r.config = set.ev[0].attr.config;
			r.open_ret = pmu_open(&set);
			r.fd = set.ev[0].fd;
			memcpy(r.why, set.ev[0].why, sizeof(r.why));
			pmu_close(&set);
		}
		r.generic_ret = pmu_parse(&generic, "cycles", r.generic_reason,
					  sizeof(r.generic_reason));
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], res, sizeof(*res)) != sizeof(*res))
		res->parse_ret = -EPIPE;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return 0;
}

static void test_forced_model(const char *model, const char *event)
{
	struct forced_result r;

	if (run_forced(model, event, &r)) {
		ok(0, "%s: fork a child", model);
		return;
	}
	ok(r.parse_ret == 0, "LIBPFM_FORCE_PMU=%s: %s resolves (%s)", model, event,
	   r.parse_ret ? r.reason : "ok");
	ok(r.type == PERF_TYPE_RAW, "%s: %s is a raw event (type %u)", model, event, r.type);
	ok(r.config == 0xc0, "%s: %s encodes as event 0xc0 (config %#llx)", model, event,
	   (unsigned long long)r.config);
	if (machine_has_hw_pmu()) {
		skip("%s: this machine has a hardware PMU, so opening may succeed", model);
	} else {
		ok(r.open_ret == 0 && r.fd == -1, "%s: opening %s fails here", model, event);
		ok(strstr(r.why, "no hardware PMU") != NULL, "%s: and says why: %s", model, r.why);
	}
	/* Forcing a model replaces the generic perf PMU: worth knowing, and the reason says so. */
	ok(r.generic_ret == -EINVAL && strstr(r.generic_reason, "LIBPFM_FORCE_PMU"),
	   "%s: generic 'cycles' is then unknown and the reason mentions the forced model (%s)",
	   model, r.generic_reason);
}

static void test_parse(void)
{
	struct pmu_set set;
	char reason[160] = "";
	const char *names = "cycles,instructions,page-faults,minor-faults,context-switches,perf::PAGE-FAULTS";
	struct pmu_event *ev;
	int ret;

	ret = pmu_parse(&set, names, reason, sizeof(reason));
	ok(ret == 0 && set.n == 6, "generic names resolve (%d, n=%d, %s)", ret, set.n, reason);
	if (ret)
		return;
	ev = find(&set, "cycles");
	ok(ev && ev->attr.type == PERF_TYPE_HARDWARE && ev->attr.config == PERF_COUNT_HW_CPU_CYCLES,
	   "cycles -> PERF_TYPE_HARDWARE/CPU_CYCLES");
	ev = find(&set, "instructions");
	ok(ev && ev->attr.type == PERF_TYPE_HARDWARE && ev->attr.config == PERF_COUNT_HW_INSTRUCTIONS,
	   "instructions -> PERF_TYPE_HARDWARE/INSTRUCTIONS");
	ev = find(&set, "page-faults");
	ok(ev && ev->attr.type == PERF_TYPE_SOFTWARE && ev->attr.config == PERF_COUNT_SW_PAGE_FAULTS,
	   "page-faults -> PERF_TYPE_SOFTWARE/PAGE_FAULTS");
	ev = find(&set, "minor-faults");
	ok(ev && ev->attr.type == PERF_TYPE_SOFTWARE && ev->attr.config == PERF_COUNT_SW_PAGE_FAULTS_MIN,
	   "minor-faults -> PERF_TYPE_SOFTWARE/PAGE_FAULTS_MIN");
	ev = find(&set, "context-switches");
	ok(ev && ev->attr.type == PERF_TYPE_SOFTWARE && ev->attr.config == PERF_COUNT_SW_CONTEXT_SWITCHES,
	   "context-switches -> PERF_TYPE_SOFTWARE/CONTEXT_SWITCHES");
	ev = find(&set, "perf::PAGE-FAULTS");
	ok(ev && ev->attr.type == PERF_TYPE_SOFTWARE && ev->attr.config == PERF_COUNT_SW_PAGE_FAULTS,
	   "perf::PAGE-FAULTS -> PERF_TYPE_SOFTWARE/PAGE_FAULTS");
	ok(ev && ev->attr.inherit && ev->attr.disabled && !ev->attr.exclude_kernel &&
	   !ev->attr.exclude_user && ev->fd == -1 && isnan(ev->value),
	   "attributes: inherit, disabled, user+kernel, not open yet");
}

static void test_parse_errors(void)
{
	static const char *const bad[] = {
		"nosuch", "page-faults,nosuch", ",", "page-faults,", "page-faults,,cycles",
		"page-faults,page-faults", NULL,
	};
	struct pmu_set set;
	char reason[160], many[1024] = "", longname[128];
	int ret;

	ret = pmu_parse(&set, "page-faults,nosuch", reason, sizeof(reason));
	ok(ret == -EINVAL && strstr(reason, "nosuch"), "unknown name: -EINVAL naming it (%s)", reason);
	for (int i = 0; bad[i]; i++) {
		reason[0] = '\0';
		ret = pmu_parse(&set, bad[i], reason, sizeof(reason));
		ok(ret == -EINVAL && reason[0], "'%s' rejected: %s", bad[i], reason);
	}
	ok(pmu_parse(&set, "", reason, sizeof(reason)) == 0 && set.n == 0, "empty list: no events");

	/* One more distinct valid name than fits: 5 events x 4 privilege-level variants. */
	for (int i = 0; i <= PMU_MAX_EVENTS; i++) {
		static const char *const base[] = {
			"PAGE-FAULTS", "CONTEXT-SWITCHES", "CPU-MIGRATIONS", "MINOR-FAULTS", "MAJOR-FAULTS",
		};
		char one[64];

		snprintf(one, sizeof(one), "%sperf::%s:u=%d:k=%d", i ? "," : "", base[i / 4],
			 i & 1, (i >> 1) & 1);
		strcat(many, one);
	}
	ok(pmu_parse(&set, many, reason, sizeof(reason)) == -EINVAL && strstr(reason, "too many"),
	   "more than %d events rejected (%s)", PMU_MAX_EVENTS, reason);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(pmu_parse(&set, longname, reason, sizeof(reason)) == -EINVAL && strstr(reason, "too long"),
	   "over-long name rejected");
}

/* stderr of a callback, captured in a temporary file. */
static void capture_stderr(void (*fn)(const struct pmu_set *), const struct pmu_set *set,
			   char *out, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n = 0;

	out[0] = '\0';
	if (!tmp || saved < 0)
		return;
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	fn(set);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, len - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

static void test_open_and_count(void)
{
	struct pmu_set set;
	struct vmstat before, after;
	struct pmu_event *pf, *minf, *cyc;
	char reason[160], desc[2048], err[2048], err2[256];
	const long pages = 1000;
	int64_t pgfault;
	bool hw = machine_has_hw_pmu();
	int nopen;
	char *p;

	if (pmu_parse(&set, "page-faults,cycles,minor-faults,context-switches", reason, sizeof(reason))) {
		ok(0, "parse: %s", reason);
		return;
	}
	nopen = pmu_open(&set);
	pf = find(&set, "page-faults");
	minf = find(&set, "minor-faults");
	cyc = find(&set, "cycles");
	ok(pf->fd >= 0 && minf->fd >= 0 && find(&set, "context-switches")->fd >= 0,
	   "software events open (%s)", pf->why);
	ok(nopen == 3 + (cyc->fd >= 0), "pmu_open returns the number open (%d)", nopen);
	if (hw) {
		skip("this machine has a hardware PMU: cycles may open");
	} else {
		ok(cyc->fd == -1 && strstr(cyc->why, "no hardware PMU") &&
		   strstr(cyc->why, "perf_event_open"), "cycles unavailable and why: %s", cyc->why);
	}

	pmu_start(&set);
	vmstat_read(&before);
	p = touch_fresh_pages(pages);
	vmstat_read(&after);
	pmu_stop(&set);
	ok(p != NULL, "mapped %ld pages", pages);
	if (p)
		munmap(p, pages * page_size);
	/* Sanitizer builds fault in shadow pages as well: allow a margin above. */
	ok(pf->value >= pages && pf->value <= pages * 1.3,
	   "page-faults counts %ld page touches (%.0f)", pages, pf->value);
	ok(minf->value >= pages && minf->value <= pages * 1.3,
	   "minor-faults counts them too (%.0f)", minf->value);
	ok(pf->scaling == 1.0, "software events are never multiplexed (scaling %g)", pf->scaling);
	if (!hw)
		ok(isnan(cyc->value), "unavailable counter reads NAN");
	/* pgfault is system-wide: at least our faults, more if anything else ran. */
	if (!vmstat_delta(&before, &after, "pgfault", &pgfault))
		pgfault = -1;
	ok(pgfault >= pf->value * 0.95,
	   "vmstat pgfault delta (%lld) covers page-faults (%.0f)", (long long)pgfault, pf->value);

	pmu_describe(&set, desc, sizeof(desc));
	ok(strstr(desc, "pmu.page-faults=open\n") != NULL, "describe: page-faults open");
	if (!hw)
		ok(strstr(desc, "pmu.cycles=unavailable: no hardware PMU") != NULL,
		   "describe: cycles unavailable with the reason");
	ok(pmu_describe(&set, desc, 10) == -ENOSPC, "describe: -ENOSPC when the buffer is short");

	capture_stderr(pmu_report_unavailable, &set, err, sizeof(err));
	capture_stderr(pmu_report_unavailable, &set, err2, sizeof(err2));
	if (hw)
		skip("hardware PMU present: nothing may be unavailable");
	else
		ok(strstr(err, "cycles") && strstr(err, "no hardware PMU") && !strstr(err, "page-faults"),
		   "report names the unavailable counter and why: %.*s", (int)strcspn(err, "\n"), err);
	ok(err2[0] == '\0', "and says it only once");
	pmu_close(&set);
	ok(set.ev[0].fd == -1, "closed");
}

static long own_faults(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -1;
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * The benchmarks' figure: page-faults per operation against the vmstat
 * pgfault delta. The kernel's own per-process fault count must match
 * exactly; vmstat counts the whole machine, so other activity can only add
 * to it: take the closest of a few tries, spaced out to catch a quiet moment.
 */
static void test_agrees_with_vmstat(void)
{
	struct pmu_set set;
	char reason[160];
	const long pages = 4096;
	double best = INFINITY, best_pf = 0, own_pf = 0;
	int64_t best_vm = 0;
	long own = -1;
	bool vm_never_below = true;
	int attempts = 0;

	if (pmu_parse(&set, "page-faults", reason, sizeof(reason)) || pmu_open(&set) != 1) {
		ok(0, "open page-faults");
		return;
	}
	for (; attempts < 10 && best > 0.05; attempts++) {
		struct vmstat before, after;
		long own_before, own_after;
		int64_t pgfault;
		double pf;
		char *p;

		if (attempts)
			usleep(50 * 1000);
		vmstat_read(&before);
		own_before = own_faults();
		pmu_start(&set);
		p = touch_fresh_pages(pages);
		pmu_stop(&set);
		own_after = own_faults();
		vmstat_read(&after);
		if (p)
			munmap(p, pages * page_size);
		pf = set.ev[0].value;
		if (attempts == 0) {
			own = own_after - own_before;
			own_pf = pf;
		}
		if (!vmstat_delta(&before, &after, "pgfault", &pgfault))
			break;
		if (pgfault < pf * 0.95)
			vm_never_below = false;
		if (fabs(pgfault - pf) / pf < best) {
			best = fabs(pgfault - pf) / pf;
			best_pf = pf;
			best_vm = pgfault;
		}
	}
	ok(own >= own_pf && own <= own_pf + 2,
	   "page-faults (%.0f) equals the process's own minflt+majflt delta (%ld)", own_pf, own);
	if (best <= 0.05)
		ok(1, "page-faults (%.0f) within 5%% of the vmstat pgfault delta (%lld)",
		   best_pf, (long long)best_vm);
	else if (vm_never_below)
		skip("machine busy: vmstat pgfault delta always above page-faults by more than 5%% "
		     "(best %lld vs %.0f in %d tries): other processes' faults", (long long)best_vm,
		     best_pf, attempts);
	else
		ok(0, "page-faults (%.0f) within 5%% of the vmstat pgfault delta (%lld)",
		   best_pf, (long long)best_vm);
	pmu_close(&set);
}

/* Faults taken by children forked after pmu_open(): exited, and still alive. */
static void test_inherit(void)
{
	struct pmu_set set;
	char reason[160];
	const long pages = 500;
	int go[2], done[2];
	pid_t pid;
	int status;
	char c;

	if (pmu_parse(&set, "page-faults", reason, sizeof(reason)) || pmu_open(&set) != 1) {
		ok(0, "open page-faults");
		return;
	}

	pmu_start(&set);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(touch_fresh_pages(pages) ? 0 : 1);
	waitpid(pid, &status, 0);
	pmu_stop(&set);
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child touched its pages and exited");
	/* The parent itself takes a few COW faults after fork: the child's are the bulk. */
	ok(set.ev[0].value >= pages && set.ev[0].value <= pages * 2,
	   "faults of a child that exited before pmu_stop are counted (%.0f for %ld pages)",
	   set.ev[0].value, pages);

	if (pipe(go) < 0 || pipe(done) < 0) {
		ok(0, "pipe");
		pmu_close(&set);
		return;
	}
	pmu_start(&set);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		touch_fresh_pages(pages);
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		/* Stay alive until the parent has read the counter. */
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	close(done[1]);
	if (read(done[0], &c, 1) != 1)
		c = 0;
	pmu_stop(&set);
	if (write(go[1], "x", 1) != 1)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(go[1]);
	close(done[0]);
	ok(set.ev[0].value >= pages && set.ev[0].value <= pages * 2,
	   "faults of a child still running at pmu_stop are counted (%.0f)", set.ev[0].value);
	pmu_close(&set);
}

/* What perf_event_open says to an unprivileged user or an exhausted fd table. */
static void test_open_errors(void)
{
	struct pmu_set set;
	char reason[160];
	int pipefd[2];
	pid_t pid;
	int status;
	char why[2][160];
	FILE *f;
	int paranoid = 0;

	if (pmu_parse(&set, "page-faults", reason, sizeof(reason)) || pipe(pipefd) < 0) {
		ok(0, "parse page-faults");
		return;
	}
	f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	if (!f || fscanf(f, "%d", &paranoid) != 1)
		paranoid = 0;
	if (f)
		fclose(f);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit fds, none;

		memset(why, 0, sizeof(why));
		close(pipefd[0]);
		/* A soft limit of 0 makes every new descriptor fail with EMFILE. */
		if (getrlimit(RLIMIT_NOFILE, &fds) == 0) {
			none = fds;
			none.rlim_cur = 0;
			if (setrlimit(RLIMIT_NOFILE, &none) == 0) {
				pmu_open(&set);
				memcpy(why[1], set.ev[0].why, sizeof(why[1]));
				pmu_close(&set);
				setrlimit(RLIMIT_NOFILE, &fds);
			}
		}
		/* Counting kernel mode needs privilege once perf_event_paranoid >= 2. */
		if (geteuid() == 0 && paranoid >= 2 && setresuid(65534, 65534, 65534) == 0) {
			pmu_open(&set);
			memcpy(why[0], set.ev[0].why, sizeof(why[0]));
			pmu_close(&set);
		}
		_exit(write(pipefd[1], why, sizeof(why)) == sizeof(why) ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], why, sizeof(why)) != sizeof(why))
		memset(why, 0, sizeof(why));
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (geteuid() != 0 || paranoid < 2)
		skip("EACCES: needs root (to drop to nobody) and perf_event_paranoid >= 2");
	else
		ok(strstr(why[0], "perf_event_paranoid=") != NULL,
		   "unprivileged: the reason names perf_event_paranoid: %s", why[0]);
	ok(strstr(why[1], "file descriptors") != NULL, "no fd left: the reason says so: %s", why[1]);
}

int main(void)
{
	char reason[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);

	/* Before this process initializes libpfm4 with the real PMUs. */
	test_forced_model("skl", "INST_RETIRED:ANY_P");
	test_forced_model("amd64_fam19h_zen3", "RETIRED_INSTRUCTIONS");

	ok(pmu_init(reason, sizeof(reason)) == 0, "pmu_init");
	ok(pmu_init(reason, sizeof(reason)) == 0, "pmu_init again is harmless");
	test_parse();
	test_parse_errors();
	test_open_and_count();
	test_agrees_with_vmstat();
	test_inherit();
	test_open_errors();
	return done_testing();
}
