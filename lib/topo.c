/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topo: hwloc's view of cores and hardware threads, reduced to the CPUs
 * this process may run on, to pick CPUs for a placement and to bind to
 * one and confirm the kernel really runs us there.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>

#include "log.h"
#include "proc.h"
#include "topo.h"

const char *const placement_names[] = {
	[PLACE_AUTO] = "auto",
	[PLACE_SAME_CPU] = "same-cpu",
	[PLACE_SAME_CORE] = "same-core",
	[PLACE_OTHER_CORE] = "other-core",
	[PLACE_NONE] = "none",
	NULL,
};

static hwloc_topology_t topology;
/*
 * PUs this process may use: online, allowed by its cgroup cpuset (hwloc
 * drops the others) and by its affinity mask as it was at topo_init(),
 * so that binding ourselves later does not shrink the choice.
 */
static hwloc_bitmap_t usable;
static bool topo_ready;


int topo_init(void)
{
	hwloc_bitmap_t affinity;
	int err;

	if (topo_ready)
		return 0;
	if (hwloc_topology_init(&topology) < 0)
		return -errno ? -errno : -ENOMEM;
	if (hwloc_topology_load(topology) < 0) {
		err = errno ? -errno : -EIO;
		hwloc_topology_destroy(topology);
		return err;
	}
	usable = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(topology));
	affinity = hwloc_bitmap_alloc();
	if (!usable || !affinity) {
		hwloc_bitmap_free(usable);
		hwloc_bitmap_free(affinity);
		hwloc_topology_destroy(topology);
		return -ENOMEM;
	}
	if (hwloc_get_cpubind(topology, affinity, HWLOC_CPUBIND_PROCESS) == 0)
		hwloc_bitmap_and(usable, usable, affinity);
	hwloc_bitmap_free(affinity);
	topo_ready = true;
	return 0;
}

int topo_online_cpus(void)
{
	if (topo_init())
		return -1;
	return hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
}

/* Online and usable by this process: a CPU we could not bind to is no use. */
bool topo_cpu_online(int cpu)
{
	if (cpu < 0 || topo_init())
		return false;
	return hwloc_bitmap_isset(usable, (unsigned)cpu);
}

static hwloc_obj_t pu_of(int cpu)
{
	if (cpu < 0)
		return NULL;
	return hwloc_get_pu_obj_by_os_index(topology, (unsigned)cpu);
}

/*
 * The core a PU belongs to. Where hwloc reports no cores (some virtual
 * machines and architectures), each PU counts as a core of its own.
 */
static hwloc_obj_t core_obj_of(hwloc_obj_t pu)
{
	hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE, pu);

	return core ? core : pu;
}

static bool have_cores(void)
{
	return hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE) > 0;
}

int topo_cores(void)
{
	if (topo_init())
		return -1;
	return hwloc_get_nbobjs_by_type(topology, have_cores() ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU);
}

int topo_core_of(int cpu)
{
	hwloc_obj_t pu;

	if (topo_init())
		return -1;
	pu = pu_of(cpu);
	if (!pu)
		return -1;
	return (int)core_obj_of(pu)->logical_index;
}

/* The usable PUs of a core, by OS index, ascending; returns how many. */
static int usable_pus_of_core(hwloc_obj_t core, int *pus, int max)
{
	int n = 0;
	int id;

	hwloc_bitmap_foreach_begin(id, core->cpuset) {
		if (hwloc_bitmap_isset(usable, (unsigned)id) && n < max)
			pus[n++] = id;
	} hwloc_bitmap_foreach_end();
	return n;
}

/* Cores with at least `min_pus` usable PUs, in topology order. */
static int usable_cores(hwloc_obj_t *cores, int max, int min_pus)
{
	hwloc_obj_type_t type = have_cores() ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	int total = hwloc_get_nbobjs_by_type(topology, type);
	int n = 0;

	for (int i = 0; i < total && n < max; i++) {
		hwloc_obj_t core = hwloc_get_obj_by_type(topology, type, (unsigned)i);
		int pus[2];

		if (usable_pus_of_core(core, pus, 2) >= min_pus)
			cores[n++] = core;
	}
	return n;
}

static hwloc_obj_t package_of(hwloc_obj_t obj)
{
	return hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, obj);
}

#define TOPO_MAX_CORES 1024

static int first_usable_pu(hwloc_obj_t core)
{
	int pu;

	return usable_pus_of_core(core, &pu, 1) == 1 ? pu : -1;
}

static int usable_cores_count(void)
{
	hwloc_obj_t cores[TOPO_MAX_CORES];

	return usable_cores(cores, TOPO_MAX_CORES, 1);
}

static int choose_same_cpu(int n, int *cpus)
{
	int first = hwloc_bitmap_first(usable);

	if (first < 0)
		return -ENODEV;
	for (int i = 0; i < n; i++)
		cpus[i] = first;
	return 0;
}

static int choose_same_core(int n, int *cpus, char *reason, size_t len)
{
	hwloc_obj_t cores[TOPO_MAX_CORES];
	int pus[64];
	int ncores = usable_cores(cores, TOPO_MAX_CORES, 2);
	int npus;

	if (ncores == 0) {
		set_reason(reason, len, "no core with two hardware threads%s",
			   topo_cores() < hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU) ?
			   " that this process may use" : " (no SMT)");
		return -ENODEV;
	}
	/* The parent on the first thread, the children on its siblings in turn. */
	npus = usable_pus_of_core(cores[0], pus, 64);
	cpus[0] = pus[0];
	for (int i = 1; i < n; i++)
		cpus[i] = pus[1 + (i - 1) % (npus - 1)];
	return 0;
}

static int choose_other_core(int n, int *cpus, char *reason, size_t len)
{
	hwloc_obj_t cores[TOPO_MAX_CORES], order[TOPO_MAX_CORES];
	int ncores = usable_cores(cores, TOPO_MAX_CORES, 1);
	hwloc_obj_t home;
	int norder = 0;

	if (ncores < 2) {
		set_reason(reason, len, "only %d core available to this process", ncores);
		return -ENODEV;
	}
	/*
	 * Children go to the other cores of the parent's package first, so a
	 * run does not silently mix in cross-socket traffic.
	 */
	home = package_of(cores[0]);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 1; i < ncores; i++) {
			bool same = package_of(cores[i]) == home;

			if (same == (pass == 0))
				order[norder++] = cores[i];
		}
	}
	cpus[0] = first_usable_pu(cores[0]);
	for (int i = 1; i < n; i++)
		cpus[i] = first_usable_pu(order[(i - 1) % norder]);
	return 0;
}

int topo_choose(enum placement p, int n, int *cpus, enum placement *chosen,
		char *reason, size_t len)
{
	enum placement want = p;
	int ret;

	if (n < 1 || !cpus)
		return -EINVAL;
	ret = topo_init();
	if (ret) {
		set_reason(reason, len, "hwloc: cannot load the topology: %s", strerror(-ret));
		return ret;
	}
	if (p == PLACE_AUTO) {
		int ncores = usable_cores_count();

		want = ncores >= 2 ? PLACE_OTHER_CORE : PLACE_SAME_CPU;
		set_reason(reason, len, "%s (%d usable core%s)", placement_names[want],
			   ncores, ncores == 1 ? "" : "s");
	}
	switch (want) {
	case PLACE_SAME_CPU:
		ret = choose_same_cpu(n, cpus);
		if (ret)
			set_reason(reason, len, "no usable CPU");
		break;
	case PLACE_SAME_CORE:
		ret = choose_same_core(n, cpus, reason, len);
		break;
	case PLACE_OTHER_CORE:
		ret = choose_other_core(n, cpus, reason, len);
		break;
	case PLACE_NONE:
		/* -1: leave the process where the scheduler puts it. */
		for (int i = 0; i < n; i++)
			cpus[i] = -1;
		ret = 0;
		break;
	default:
		set_reason(reason, len, "unknown placement %d", (int)p);
		return -EINVAL;
	}
	if (ret == 0 && chosen)
		*chosen = want;
	return ret;
}

int topo_bind_self(int cpu)
{
	size_t size;
	cpu_set_t *set;
	int ret = 0, now = -1;

	if (cpu < 0)
		return -EINVAL;
	set = CPU_ALLOC((size_t)cpu + 1);
	if (!set)
		return -ENOMEM;
	size = CPU_ALLOC_SIZE((size_t)cpu + 1);
	CPU_ZERO_S(size, set);
	CPU_SET_S((size_t)cpu, size, set);
	/* pid 0 is the calling thread: what a forked child or a worker wants. */
	if (sched_setaffinity(0, size, set) < 0)
		ret = -errno;
	CPU_FREE(set);
	if (ret)
		return ret;
	/*
	 * The kernel migrates a task that narrows its own affinity before
	 * the call returns; still give it a few chances before calling the
	 * binding failed.
	 */
	for (int tries = 0; tries < 100; tries++) {
		now = sched_getcpu();
		if (now == cpu)
			return 0;
		sched_yield();
	}
	return now < 0 ? -errno : -EIO;
}


/* hwloc's CPUModel, else /proc/cpuinfo's "model name" (hwloc leaves it out on some VMs). */
static void cpu_model(char *out, size_t len)
{
	hwloc_obj_t pkg = hwloc_get_obj_by_type(topology, HWLOC_OBJ_PACKAGE, 0);
	const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;

	if (model && *model)
		snprintf(out, len, "%s", model);
	else
		proc_cpu_model(out, len);
}

int topo_describe(char *buf, size_t len)
{
	char model[256], allowed[256];
	int pus, cores, packages, threads;
	int ret = topo_init();

	if (len)
		buf[0] = '\0';
	if (ret)
		return ret;
	cpu_model(model, sizeof(model));
	pus = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
	cores = topo_cores();
	packages = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PACKAGE);
	threads = cores > 0 ? pus / cores : 1;
	hwloc_bitmap_list_snprintf(allowed, sizeof(allowed), usable);
	buf_appendf(buf, len, "cpu.model=%s\n", model);
	buf_appendf(buf, len, "cpu.sockets=%d\n", packages > 0 ? packages : 1);
	buf_appendf(buf, len, "cpu.cores=%d\n", cores);
	buf_appendf(buf, len, "cpu.pus=%d\n", pus);
	buf_appendf(buf, len, "cpu.smt=%s\n", threads > 1 ? "yes" : "no");
	buf_appendf(buf, len, "cpu.threads_per_core=%d\n", threads);
	buf_appendf(buf, len, "cpu.usable=%s\n", allowed);
	return strlen(buf) + 1 < len ? 0 : -ENOSPC;
}
