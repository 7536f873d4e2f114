/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topo: CPU topology through hwloc, to place the processes of a benchmark
 * deliberately (same core = SMT siblings, other core) and to confirm the
 * placement took effect.
 */
#ifndef COWBENCH_TOPO_H
#define COWBENCH_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum placement { PLACE_AUTO, PLACE_SAME_CPU, PLACE_SAME_CORE, PLACE_OTHER_CORE, PLACE_NONE };
extern const char *const placement_names[];	/* "auto","same-cpu","same-core","other-core","none",NULL */

int topo_init(void);		/* 0 or -errno */
int topo_online_cpus(void);	/* number of online PUs */
bool topo_cpu_online(int cpu);
int topo_cores(void);		/* physical cores */
/* Core index of a PU, or -1. */
int topo_core_of(int cpu);

/*
 * Choose n CPUs (n >= 2: cpus[0] for the parent, cpus[1..] for children)
 * for a placement. -ENODEV with a reason when the machine cannot provide
 * it (e.g. same-core without SMT); `auto` resolves to other-core when
 * there are at least two cores, same-cpu otherwise, and reports what it chose.
 */
int topo_choose(enum placement p, int n, int *cpus, enum placement *chosen,
		char *reason, size_t len);

/* Bind the calling thread/process to one CPU and check it runs there. */
int topo_bind_self(int cpu);
/* Machine description for meta.txt: cpu model, sockets, cores, PUs, SMT. */
int topo_describe(char *buf, size_t len);

#endif
