/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numa: libnuma where the kernel has NUMA, and where the pages of a
 * buffer really are (move_pages with no target only queries), so a
 * benchmark can confirm node-local memory instead of assuming it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <numa.h>
#include <numaif.h>

#include "log.h"
#include "numa.h"

/* move_pages() takes arrays; go in batches so a huge buffer needs no huge allocation. */
#define NUMA_BATCH 1024

bool numa_usable(void)
{
	/* libnuma's other calls are undefined until this says yes. */
	return numa_available() >= 0;
}

int numa_nodes(void)
{
	int n;

	if (!numa_usable())
		return 1;
	n = numa_num_configured_nodes();
	return n > 0 ? n : 1;
}

int numa_node_of_cpu_id(int cpu)
{
	if (cpu < 0)
		return -1;
	if (!numa_usable()) {
		/* Without NUMA every online CPU is on the only node there is. */
		return cpu < sysconf(_SC_NPROCESSORS_CONF) ? 0 : -1;
	}
	return numa_node_of_cpu(cpu);
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/*
 * A kernel built without NUMA has no move_pages(): every resident page is
 * then on node 0, and mincore() tells resident from not.
 */
static long pages_on_node_without_numa(char *base, size_t npages, int node, int *nodes)
{
	unsigned char vec[NUMA_BATCH];
	size_t psize = page_size();
	long count = 0;

	for (size_t done = 0; done < npages; ) {
		size_t n = npages - done < NUMA_BATCH ? npages - done : NUMA_BATCH;

		if (mincore(base + done * psize, n * psize, vec) < 0)
			return -errno;
		for (size_t i = 0; i < n; i++) {
			int where = (vec[i] & 1) ? 0 : -ENOENT;

			if (nodes)
				nodes[done + i] = where;
			if (where == node)
				count++;
		}
		done += n;
	}
	return count;
}

/* move_pages() over [base, base + npages): query when target is NULL. */
static long move_pages_batched(char *base, size_t npages, const int *target, int node,
			       int *nodes)
{
	void *pages[NUMA_BATCH];
	int status[NUMA_BATCH], want[NUMA_BATCH];
	size_t psize = page_size();
	long count = 0;

	for (size_t done = 0; done < npages; ) {
		size_t n = npages - done < NUMA_BATCH ? npages - done : NUMA_BATCH;

		for (size_t i = 0; i < n; i++) {
			pages[i] = base + (done + i) * psize;
			want[i] = node;
			status[i] = -EFAULT;
		}
		/*
		 * A positive return counts pages that could not be moved; their
		 * status says why, which is what the caller counts from anyway.
		 */
		if (move_pages(0, n, pages, target ? want : NULL, status,
			       target ? MPOL_MF_MOVE : 0) < 0)
			return -errno;
		for (size_t i = 0; i < n; i++) {
			if (nodes)
				nodes[done + i] = status[i];
			if (status[i] == node)
				count++;
		}
		done += n;
	}
	return count;
}

static char *page_base(void *addr)
{
	return (char *)((uintptr_t)addr & ~(uintptr_t)(page_size() - 1));
}

long numa_pages_on_node(void *addr, size_t npages, int node, int *nodes)
{
	char *base = page_base(addr);
	long ret;

	if (!addr)
		return -EINVAL;
	ret = move_pages_batched(base, npages, NULL, node, nodes);
	if (ret == -ENOSYS)
		ret = pages_on_node_without_numa(base, npages, node, nodes);
	return ret;
}

long numa_move_to_node(void *addr, size_t npages, int node)
{
	static const int as_target = 1;

	if (!addr || node < 0)
		return -EINVAL;
	if (!numa_usable())
		return node == 0 ? numa_pages_on_node(addr, npages, 0, NULL) : -ENODEV;
	if (node > numa_max_node())
		return -ENODEV;
	return move_pages_batched(page_base(addr), npages, &as_target, node, NULL);
}


/* "0-3,8" for the CPUs of a node. */
static void node_cpus(int node, char *out, size_t len)
{
	struct bitmask *cpus = numa_allocate_cpumask();
	int first = -1;

	out[0] = '\0';
	if (!cpus)
		return;
	if (numa_node_to_cpus(node, cpus) < 0) {
		numa_free_cpumask(cpus);
		return;
	}
	for (unsigned int cpu = 0; cpu <= cpus->size; cpu++) {
		bool set = cpu < cpus->size && numa_bitmask_isbitset(cpus, cpu);

		if (set && first < 0)
			first = (int)cpu;
		if (!set && first >= 0) {
			if ((int)cpu - 1 == first)
				buf_appendf(out, len, "%s%d", out[0] ? "," : "", first);
			else
				buf_appendf(out, len, "%s%d-%u", out[0] ? "," : "", first, cpu - 1);
			first = -1;
		}
	}
	numa_free_cpumask(cpus);
}

int numa_describe(char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	buf_appendf(buf, len, "numa.available=%s\n", numa_usable() ? "yes" : "no");
	buf_appendf(buf, len, "numa.nodes=%d\n", numa_nodes());
	if (numa_usable()) {
		/*
		 * No node sizes: with lazily initialised struct pages a node's
		 * MemTotal grows as memory is first used, so it would differ
		 * between runs of the same machine.
		 */
		for (int node = 0; node <= numa_max_node(); node++) {
			char cpus[256];

			if (!numa_bitmask_isbitset(numa_nodes_ptr, (unsigned int)node))
				continue;
			node_cpus(node, cpus, sizeof(cpus));
			buf_appendf(buf, len, "numa.node%d.cpus=%s\n", node, cpus[0] ? cpus : "none");
		}
	}
	return strlen(buf) + 1 < len ? 0 : -ENOSPC;
}
