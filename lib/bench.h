/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: the harness every binary runs under, in the spirit of
 * will-it-scale's main.c. A binary declares one `struct bench` (name,
 * purpose, its own options, what to run, which vmstat counters matter)
 * and calls bench_main(). The harness owns the rest: common options and
 * --help, validation before any work, the results directory and
 * meta.txt, PMU counters, vmstat snapshots around each sample, the
 * per-operation counter columns, skip/exit codes and cleanup.
 */
#ifndef COWBENCH_BENCH_H
#define COWBENCH_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include "csv.h"
#include "log.h"
#include "pmu.h"
#include "vmstat.h"

#define RUN_MAX_CPUS 64

struct run;

/* One option of a binary's own, shown in --help. */
struct bench_option {
	const char *name;	/* long name without "--"; NULL ends the table */
	const char *arg;	/* metavar ("SIZE", "LIST"), NULL for a flag */
	const char *help;	/* what it does, its default and unit */
};

struct bench {
	const char *name;	/* "cow-fault": binary, CSV and meta key stem */
	const char *purpose;	/* one paragraph for --help */
	const char *example;	/* one command line for --help */
	const struct bench_option *options;
	/*
	 * Called once per own option given: index into options[], arg (NULL
	 * for flags). Return 0, or -EINVAL after setting opt_error: the
	 * harness prints "<name>: --<option>: <opt_error>" and exits 2.
	 */
	int (*parse)(struct run *r, int index, const char *arg);
	/*
	 * After all options: check combinations and apply --quick defaults.
	 * Return 0 or -EINVAL with opt_error set (exit 2). Nothing may be
	 * written or changed on the machine here.
	 */
	int (*validate)(struct run *r);
	/* The benchmark. Returns an exit status (EXIT_MEASURED, EXIT_VIOLATION, ...). */
	int (*run)(struct run *r);
	/* vmstat counters reported per operation, NULL-terminated. */
	const char *const *counters;
	uint64_t default_size;		/* --size default (0: --size not used) */
	unsigned default_repeat;	/* --repeat default */
	unsigned default_warmup;	/* --warmup default */
	const char *default_events;	/* --events default (may be NULL) */
};

struct run {
	const struct bench *bench;
	int argc;
	char **argv;
	/* common options, validated */
	const char *output;	/* -o: directory the files go to */
	const char *label;	/* --label: default dir results/<label> */
	unsigned repeat, warmup;
	bool quick;
	const char *events;
	int cpus[RUN_MAX_CPUS];
	int ncpus;		/* 0: --cpus not given */
	uint64_t size;
	bool size_given;
	bool verbose;
	/* set up by the harness before bench->run */
	char dir[PATH_MAX];
	struct pmu_set pmu;
	bool pmu_ok;		/* libpfm4 initialised and events parsed */
};

/* A measured interval: vmstat and PMU counters around it, and its wall time. */
struct sample {
	struct vmstat before, after;
	double pmu[PMU_MAX_EVENTS];	/* NAN where unavailable */
	uint64_t t0, t1;
};

void sample_begin(struct run *r, struct sample *s);
void sample_end(struct run *r, struct sample *s);
/* Counter delta of a sample; false if the kernel lacks the counter. */
bool sample_delta(const struct sample *s, const char *counter, int64_t *delta);

/*
 * Append the counter columns of this run (one "<counter>_per_op" per
 * bench->counters entry, one "<event>_per_op" per --events entry) to
 * cols[n..]; returns the new column count.
 */
int counter_columns(const struct run *r, struct csv_col *cols, int n);
/* The matching cells: deltas divided by ops; empty where unavailable. */
void counter_cells(struct csv *c, const struct run *r, const struct sample *s, double ops);

/*
 * Create r->dir/<file> with the standard metadata lines (bench, command,
 * kernel, label, clock overhead). 0 or -errno.
 */
int run_csv_create(struct run *r, struct csv *c, const char *file,
		   const struct csv_col *cols, int ncols);

/* Commit a CSV made by run_csv_create (atomic rename into place). 0 or -errno. */
int run_csv_commit(struct csv *c);

/*
 * Give up because the machine lacks something: print the reason, record
 * it in meta.txt ("<bench>.skipped=reason"), run cleanups, exit 4.
 */
_Noreturn void run_skip(struct run *r, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Record one "<bench>.<key>=value" line in meta.txt. */
void run_meta(struct run *r, const char *key, const char *fmt, ...) PRINTF_LIKE(3, 4);

int bench_main(const struct bench *b, int argc, char **argv);

#endif
