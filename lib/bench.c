/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: the harness. It parses and validates every option before the
 * machine is touched or a file is written, sets up counters and the
 * results directory, runs the benchmark, records how it ended in
 * meta.txt, and makes sure cleanups run on every way out.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "clock.h"
#include "knobs.h"
#include "opt.h"
#include "proc.h"
#include "swap.h"

#ifndef COWBENCH_VERSION
#define COWBENCH_VERSION "unknown"
#endif

enum { OPT_LABEL = 256, OPT_REPEAT, OPT_WARMUP, OPT_QUICK, OPT_EVENTS, OPT_CPUS, OPT_SIZE,
       OPT_OWN = 1000 };

static const struct bench_option common_options[] = {
	{ "output", "DIR", "write results into DIR (default: results/<label>); -o DIR" },
	{ "label", "NAME", "name of this run (default: <kernel release>-<host>-<time>)" },
	{ "repeat", "N", "measured repetitions per parameter point" },
	{ "warmup", "N", "unmeasured repetitions first" },
	{ "quick", NULL, "small sizes and few repetitions (the quick suite)" },
	{ "events", "LIST", "PMU counters by libpfm4 name, e.g. cycles,instructions,page-faults" },
	{ "cpus", "LIST", "CPUs to run on, e.g. 0,1 (parent first, then children)" },
	{ "size", "SIZE", "memory per run: 4096, 64K, 64M, 6G" },
	{ "verbose", NULL, "say more; -v" },
	{ "quiet", NULL, "only warnings and errors; -q" },
	{ "help", NULL, "this text; -h" },
	{ NULL, NULL, NULL },
};

/* CSVs being written, dropped if the run ends early. */
static struct csv *open_csvs[8];
static int nopen_csvs;

static void abort_open_csvs(void)
{
	int i;

	for (i = 0; i < nopen_csvs; i++)
		csv_abort(open_csvs[i]);
	nopen_csvs = 0;
}

static void print_option(const struct bench_option *o)
{
	char left[64];

	snprintf(left, sizeof(left), "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	printf("  --%-24s %s", left, o->help);
}

static void print_help(const struct bench *b)
{
	const struct bench_option *o;
	char sz[32];

	printf("%s: %s\n\nUsage: %s [OPTION]...\n\nOptions of %s:\n", b->name, b->purpose, b->name, b->name);
	for (o = b->options; o && o->name; o++) {
		print_option(o);
		printf("\n");
	}
	printf("\nCommon options:\n");
	for (o = common_options; o->name; o++) {
		if (!strcmp(o->name, "size") && !b->default_size)
			continue;
		print_option(o);
		if (!strcmp(o->name, "repeat"))
			printf(" (default %u)", b->default_repeat ? b->default_repeat : 5);
		else if (!strcmp(o->name, "warmup"))
			printf(" (default %u)", b->default_warmup);
		else if (!strcmp(o->name, "size"))
			printf(" (default %s)", format_size(b->default_size, sz, sizeof(sz)));
		else if (!strcmp(o->name, "events"))
			printf(" (default %s)", b->default_events ? b->default_events : "none");
		printf("\n");
	}
	printf("\nExit status: 0 measured, 1 correctness violation, 2 usage error, "
	       "3 the tool failed, 4 skipped (machine lacks a capability).\n"
	       "\nExample:\n  %s\n", b->example);
}

static void default_label(char *buf, size_t len)
{
	struct utsname u;
	char host[sizeof(((struct utsname *)0)->nodename)], when[32];
	time_t t = time(NULL);
	char *dot;

	uname(&u);
	snprintf(host, sizeof(host), "%s", u.nodename);
	dot = strchr(host, '.');
	if (dot)
		*dot = 0;
	strftime(when, sizeof(when), "%Y%m%d-%H%M%S", localtime(&t));
	snprintf(buf, len, "%s-%s-%s", u.release, host, when);
}

static bool cpu_allowed(int cpu)
{
	cpu_set_t set;

	if (cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof(set), &set))
		return false;
	return CPU_ISSET(cpu, &set);
}

static int parse_common(struct run *r, int key, const char *arg)
{
	long v;
	int i, err = 0;

	switch (key) {
	case 'o':
		r->output = arg;
		break;
	case OPT_LABEL:
		if (!*arg || strchr(arg, '/')) {
			snprintf(opt_error, sizeof(opt_error), "'%s': a label is a plain name (no '/')", arg);
			return -EINVAL;
		}
		r->label = arg;
		break;
	case OPT_REPEAT:
	case OPT_WARMUP:
		err = parse_long(arg, key == OPT_REPEAT ? 1 : 0, 1000000, &v);
		if (!err)
			*(key == OPT_REPEAT ? &r->repeat : &r->warmup) = (unsigned)v;
		break;
	case OPT_QUICK:
		r->quick = true;
		break;
	case OPT_EVENTS:
		r->events = arg;
		break;
	case OPT_CPUS:
		err = parse_cpu_list(arg, r->cpus, RUN_MAX_CPUS, &r->ncpus);
		for (i = 0; !err && i < r->ncpus; i++) {
			if (!cpu_allowed(r->cpus[i])) {
				snprintf(opt_error, sizeof(opt_error),
					 "CPU %d is not online or not allowed for this process (online: %ld)",
					 r->cpus[i], sysconf(_SC_NPROCESSORS_ONLN));
				err = -EINVAL;
			}
		}
		break;
	case OPT_SIZE:
		err = parse_size(arg, &r->size);
		if (!err && r->size == 0) {
			snprintf(opt_error, sizeof(opt_error), "size must be more than 0");
			err = -EINVAL;
		}
		r->size_given = true;
		break;
	case 'v':
		r->verbose = true;
		log_verbose = 2;
		break;
	case 'q':
		log_verbose = 0;
		break;
	}
	return err;
}

static void parse_args(struct run *r, int argc, char **argv)
{
	const struct bench *b = r->bench;
	struct option longopts[64];
	int n = 0, i, key;
	static const int common_keys[] = { 'o', OPT_LABEL, OPT_REPEAT, OPT_WARMUP, OPT_QUICK,
					   OPT_EVENTS, OPT_CPUS, OPT_SIZE, 'v', 'q', 'h' };

	for (i = 0; common_options[i].name; i++) {
		if (!strcmp(common_options[i].name, "size") && !b->default_size)
			continue;
		longopts[n++] = (struct option){ common_options[i].name,
			common_options[i].arg ? required_argument : no_argument, NULL, common_keys[i] };
	}
	for (i = 0; b->options && b->options[i].name; i++)
		longopts[n++] = (struct option){ b->options[i].name,
			b->options[i].arg ? required_argument : no_argument, NULL, OPT_OWN + i };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	opterr = 0;
	while ((key = getopt_long(argc, argv, ":o:vqh", longopts, NULL)) != -1) {
		const char *name = NULL;
		int err;

		if (key == 'h') {
			print_help(b);
			exit(EXIT_MEASURED);
		}
		if (key == '?')
			die_usage("unknown option '%s' (see --help)", argv[optind - 1]);
		if (key == ':')
			die_usage("option '%s' needs a value (see --help)", argv[optind - 1]);
		if (key >= OPT_OWN) {
			name = b->options[key - OPT_OWN].name;
			opt_error[0] = 0;
			err = b->parse(r, key - OPT_OWN, optarg);
		} else {
			for (i = 0; longopts[i].name; i++)
				if (longopts[i].val == key)
					name = longopts[i].name;
			err = parse_common(r, key, optarg);
		}
		if (err)
			die_usage("--%s: %s", name, opt_error[0] ? opt_error : "invalid value");
	}
	if (optind < argc)
		die_usage("unexpected argument '%s' (see --help)", argv[optind]);
}

static void read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/* The machine-wide facts every comparison needs, and this binary's command line. */
static void write_start_meta(struct run *r)
{
	static char meta[16384];
	char line[1024], cmd[2048] = "", prefix[80];
	struct utsname u;
	uint64_t swap_total = 0, swap_free = 0;
	time_t t = time(NULL);
	int i;

	uname(&u);
	for (i = 0; i < r->argc; i++)
		buf_appendf(cmd, sizeof(cmd), "%s%s", i ? " " : "", r->argv[i]);
	meta[0] = 0;
	buf_appendf(meta, sizeof(meta), "label=%s\nkernel.release=%s\nkernel.version=%s\nmachine=%s\nhost=%s\n",
	       r->label, u.release, u.version, u.machine, u.nodename);
	read_first_line("/proc/cmdline", line, sizeof(line));
	buf_appendf(meta, sizeof(meta), "kernel.cmdline=%s\n", line);
	proc_cpu_model(line, sizeof(line));
	buf_appendf(meta, sizeof(meta), "cpu.model=%s\ncpu.online=%ld\nmem.total_kb=%ld\n", line,
	       sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_PHYS_PAGES) * (sysconf(_SC_PAGESIZE) / 1024));
	swap_totals(&swap_total, &swap_free);
	buf_appendf(meta, sizeof(meta), "swap.total_kb=%llu\n", (unsigned long long)(swap_total >> 10));
	knobs_describe(line, sizeof(line));
	buf_appendf(meta, sizeof(meta), "%s", line);
	if (line[0] && line[strlen(line) - 1] != '\n')
		buf_appendf(meta, sizeof(meta), "\n");
	if (r->pmu_ok && r->pmu.n) {
		pmu_describe(&r->pmu, line, sizeof(line));
		buf_appendf(meta, sizeof(meta), "%s", line);
		if (line[0] && line[strlen(line) - 1] != '\n')
			buf_appendf(meta, sizeof(meta), "\n");
	}
	buf_appendf(meta, sizeof(meta), "tool.version=%s\nclock.overhead_ns=%llu\n", COWBENCH_VERSION,
	       (unsigned long long)clock_overhead_ns());
	strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	buf_appendf(meta, sizeof(meta), "%s.cmdline=%s\n%s.start=%s\n", r->bench->name, cmd, r->bench->name, line);
	/* Keys of an earlier run of this binary in the same directory (a skip reason...) go. */
	snprintf(prefix, sizeof(prefix), "%s.", r->bench->name);
	if (meta_replace_prefix(r->dir, prefix, meta))
		warn("cannot write %s/meta.txt", r->dir);
}

void run_meta(struct run *r, const char *key, const char *fmt, ...)
{
	char line[1200], value[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	value[strcspn(value, "\n")] = 0;
	snprintf(line, sizeof(line), "%s.%s=%s\n", r->bench->name, key, value);
	if (meta_update(r->dir, line))
		warn("cannot write %s/meta.txt", r->dir);
}

static void write_end_meta(struct run *r, int status)
{
	char when[64];
	time_t t = time(NULL);

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime(&t));
	run_meta(r, "end", "%s", when);
	run_meta(r, "status", "%d", status);
}

_Noreturn void run_skip(struct run *r, const char *fmt, ...)
{
	char reason[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: skipped: %s\n", r->bench->name, reason);
	abort_open_csvs();
	run_meta(r, "skipped", "%s", reason);
	write_end_meta(r, EXIT_SKIP);
	exit_after_cleanup(EXIT_SKIP);
}

void sample_begin(struct run *r, struct sample *s)
{
	vmstat_read(&s->before);
	if (r->pmu.n)
		pmu_start(&r->pmu);
	s->t0 = now_ns();
}

void sample_end(struct run *r, struct sample *s)
{
	int i;

	s->t1 = now_ns();
	if (r->pmu.n)
		pmu_stop(&r->pmu);
	vmstat_read(&s->after);
	for (i = 0; i < PMU_MAX_EVENTS; i++)
		s->pmu[i] = i < r->pmu.n ? r->pmu.ev[i].value : NAN;
}

bool sample_delta(const struct sample *s, const char *counter, int64_t *delta)
{
	return vmstat_delta(&s->before, &s->after, counter, delta);
}

static void column_name(char *out, size_t len, const char *stem)
{
	size_t i;

	snprintf(out, len, "%s_per_op", stem);
	for (i = 0; out[i]; i++)
		if (out[i] == ':' || out[i] == '-' || out[i] == ',' || out[i] == '.')
			out[i] = '_';
}

int counter_columns(const struct run *r, struct csv_col *cols, int n)
{
	const char *const *c;
	int i;

	for (c = r->bench->counters; c && *c && n < CSV_MAX_COLS; c++, n++) {
		column_name(cols[n].name, sizeof(cols[n].name), *c);
		cols[n].kind = COL_OPS;
	}
	for (i = 0; i < r->pmu.n && n < CSV_MAX_COLS; i++, n++) {
		column_name(cols[n].name, sizeof(cols[n].name), r->pmu.ev[i].name);
		cols[n].kind = COL_OPS;
	}
	return n;
}

void counter_cells(struct csv *c, const struct run *r, const struct sample *s, double ops)
{
	const char *const *name;
	int64_t d;
	int i;

	for (name = r->bench->counters; name && *name; name++) {
		if (ops > 0 && sample_delta(s, *name, &d))
			csv_dbl(c, (double)d / ops);
		else
			csv_empty(c);
	}
	for (i = 0; i < r->pmu.n; i++)
		csv_dbl(c, ops > 0 ? s->pmu[i] / ops : NAN);
}

int run_csv_create(struct run *r, struct csv *c, const char *file,
		   const struct csv_col *cols, int ncols)
{
	char cmd[2048] = "";
	struct utsname u;
	int i, err;

	if (nopen_csvs == (int)(sizeof(open_csvs) / sizeof(open_csvs[0])))
		return -EMFILE;
	err = csv_create(c, r->dir, file, cols, ncols);
	if (err)
		return err;
	open_csvs[nopen_csvs++] = c;
	uname(&u);
	for (i = 0; i < r->argc; i++)
		buf_appendf(cmd, sizeof(cmd), "%s%s", i ? " " : "", r->argv[i]);
	csv_meta(c, "bench", "%s", r->bench->name);
	csv_meta(c, "label", "%s", r->label);
	csv_meta(c, "kernel", "%s", u.release);
	csv_meta(c, "command", "%s", cmd);
	csv_meta(c, "clock_overhead_ns", "%llu", (unsigned long long)clock_overhead_ns());
	return 0;
}

static void forget_csv(struct csv *c)
{
	int i;

	for (i = 0; i < nopen_csvs; i++)
		if (open_csvs[i] == c)
			open_csvs[i] = open_csvs[--nopen_csvs];
}

static void setup_output(struct run *r)
{
	static char label[256];
	int err;

	if (!r->label) {
		default_label(label, sizeof(label));
		r->label = label;
	}
	if (r->output)
		snprintf(r->dir, sizeof(r->dir), "%s", r->output);
	else
		snprintf(r->dir, sizeof(r->dir), "results/%s", r->label);
	err = mkdir_p(r->dir);
	if (!err && access(r->dir, W_OK))
		err = -errno;
	if (err)
		die_usage("cannot write to output directory '%s': %s", r->dir, strerror(-err));
}

static void setup_pmu(struct run *r)
{
	char reason[256];

	if (!r->events || !*r->events)
		return;
	if (pmu_init(reason, sizeof(reason)))
		die_skip("--events: %s", reason);
	if (pmu_parse(&r->pmu, r->events, reason, sizeof(reason)))
		die_usage("--events: %s", reason);
	r->pmu_ok = true;
}

int bench_main(const struct bench *b, int argc, char **argv)
{
	static struct run r;
	int status;

	log_init(argv[0]);
	stdout_line_buffered();
	r.bench = b;
	r.argc = argc;
	r.argv = argv;
	r.repeat = b->default_repeat ? b->default_repeat : 5;
	r.warmup = b->default_warmup;
	r.size = b->default_size;
	r.events = b->default_events;
	parse_args(&r, argc, argv);
	setup_pmu(&r);
	opt_error[0] = 0;
	if (b->validate && b->validate(&r))
		die_usage("%s", opt_error[0] ? opt_error : "invalid combination of options");
	/* Everything the user typed is valid: from here on the run may write and change things. */
	setup_output(&r);
	cleanup_on_signals();
	at_cleanup(abort_open_csvs);
	if (r.pmu_ok) {
		pmu_open(&r.pmu);
		pmu_report_unavailable(&r.pmu);
	}
	write_start_meta(&r);
	status = b->run(&r);
	if (r.pmu.n)
		pmu_close(&r.pmu);
	abort_open_csvs();	/* anything not committed by now is incomplete */
	write_end_meta(&r, status);
	exit_after_cleanup(status);
}

/* Commit a CSV created with run_csv_create and stop tracking it. */
int run_csv_commit(struct csv *c)
{
	forget_csv(c);
	return csv_commit(c);
}
