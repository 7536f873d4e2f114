/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests for lib/topo and lib/numa on the real machine: placements
 * give valid CPUs (or an honest -ENODEV), binding lands where asked, the
 * process's allowed CPUs are respected, and touched pages are found on
 * their node.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "numa.h"
#include "tap.h"
#include "topo.h"

#define NCHOOSE 3

static int lowest_allowed_cpu(const cpu_set_t *set)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set))
			return cpu;
	return -1;
}

/* What topo saw in a child confined to one CPU before topo_init(). */
struct confined_result {
	int cpu, other_ret, auto_ret, auto_chosen, online_elsewhere;
	char reason[160];
};

/*
 * The allowed set is read at topo_init(), so confine a child first and
 * let it initialize on its own.
 */
static void test_respects_affinity(void)
{
	struct confined_result r = { .cpu = -1 };
	cpu_set_t set;
	int pipefd[2], status;
	pid_t pid;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) < 2) {
		skip("affinity: needs two allowed CPUs");
		return;
	}
	if (pipe(pipefd) < 0) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		cpu_set_t one;
		int cpus[2], other = -1;
		enum placement chosen = PLACE_NONE;

		close(pipefd[0]);
		r.cpu = lowest_allowed_cpu(&set);
		for (int cpu = r.cpu + 1; cpu < CPU_SETSIZE && other < 0; cpu++)
			if (CPU_ISSET(cpu, &set))
				other = cpu;
		CPU_ZERO(&one);
		CPU_SET(r.cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0) {
			r.other_ret = topo_choose(PLACE_OTHER_CORE, 2, cpus, NULL, r.reason, sizeof(r.reason));
			r.auto_ret = topo_choose(PLACE_AUTO, 2, cpus, &chosen, NULL, 0);
			r.auto_chosen = (int)chosen;
			r.online_elsewhere = topo_cpu_online(other);
		}
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &r, sizeof(r)) != sizeof(r))
		r.cpu = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	ok(r.cpu >= 0, "confined child reported back");
	ok(r.other_ret == -ENODEV, "confined to CPU %d: other-core is -ENODEV (%s)", r.cpu, r.reason);
	ok(r.auto_ret == 0 && r.auto_chosen == PLACE_SAME_CPU, "confined: auto falls back to same-cpu");
	ok(!r.online_elsewhere, "confined: a CPU outside the allowed set is not offered");
}

static void test_describe(int cores, int pus)
{
	char buf[1024], want[64];

	ok(topo_describe(buf, sizeof(buf)) == 0, "topo_describe");
	ok(strstr(buf, "cpu.model=") && strstr(buf, "cpu.sockets=") && strstr(buf, "cpu.smt="),
	   "describe has cpu.model, cpu.sockets, cpu.smt");
	snprintf(want, sizeof(want), "cpu.cores=%d\n", cores);
	ok(strstr(buf, want) != NULL, "describe: %.*s", (int)strlen(want) - 1, want);
	snprintf(want, sizeof(want), "cpu.pus=%d\n", pus);
	ok(strstr(buf, want) != NULL, "describe: %.*s", (int)strlen(want) - 1, want);
	ok(!strstr(buf, "cpu.model=unknown"), "describe: the CPU model is known");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("# %s\n", line);
	ok(topo_describe(buf, 16) == -ENOSPC, "describe: -ENOSPC when the buffer is short");
}

static void test_choose(int cores, int pus)
{
	int cpus[NCHOOSE];
	enum placement chosen;
	char reason[160];
	int ret;

	/* other-core: the parent and each child on distinct cores. */
	reason[0] = '\0';
	ret = topo_choose(PLACE_OTHER_CORE, 2, cpus, &chosen, reason, sizeof(reason));
	if (cores >= 2) {
		ok(ret == 0 && chosen == PLACE_OTHER_CORE, "other-core: chosen (%d)", ret);
		ok(topo_cpu_online(cpus[0]) && topo_cpu_online(cpus[1]) && cpus[0] != cpus[1],
		   "other-core: CPUs %d and %d are online and distinct", cpus[0], cpus[1]);
		ok(topo_core_of(cpus[0]) != topo_core_of(cpus[1]), "other-core: on cores %d and %d",
		   topo_core_of(cpus[0]), topo_core_of(cpus[1]));
		ret = topo_choose(PLACE_OTHER_CORE, NCHOOSE, cpus, NULL, reason, sizeof(reason));
		ok(ret == 0, "other-core with %d processes", NCHOOSE);
		for (int i = 1; i < NCHOOSE; i++)
			ok(topo_core_of(cpus[i]) != topo_core_of(cpus[0]),
			   "other-core: child %d (CPU %d) not on the parent's core", i, cpus[i]);
	} else {
		ok(ret == -ENODEV && reason[0], "other-core on one core: -ENODEV (%s)", reason);
	}

	/* same-core: SMT siblings, or an honest refusal without SMT. */
	reason[0] = '\0';
	ret = topo_choose(PLACE_SAME_CORE, 2, cpus, &chosen, reason, sizeof(reason));
	if (pus > cores && ret == 0) {
		ok(cpus[0] != cpus[1] && topo_core_of(cpus[0]) == topo_core_of(cpus[1]),
		   "same-core: CPUs %d and %d share core %d", cpus[0], cpus[1], topo_core_of(cpus[0]));
	} else {
		ok(ret == -ENODEV && strstr(reason, "no core with two hardware threads"),
		   "same-core without SMT: -ENODEV with a reason");
		skip("%s", reason);
	}

	ret = topo_choose(PLACE_SAME_CPU, NCHOOSE, cpus, &chosen, reason, sizeof(reason));
	ok(ret == 0 && chosen == PLACE_SAME_CPU && topo_cpu_online(cpus[0]) &&
	   cpus[1] == cpus[0] && cpus[2] == cpus[0], "same-cpu: everyone on CPU %d", cpus[0]);

	reason[0] = '\0';
	ret = topo_choose(PLACE_AUTO, 2, cpus, &chosen, reason, sizeof(reason));
	ok(ret == 0 && chosen == (cores >= 2 ? PLACE_OTHER_CORE : PLACE_SAME_CPU),
	   "auto resolves to %s", cores >= 2 ? "other-core" : "same-cpu");
	ok(strstr(reason, placement_names[chosen]) != NULL, "auto says what it chose: %s", reason);

	ret = topo_choose(PLACE_NONE, 2, cpus, &chosen, reason, sizeof(reason));
	ok(ret == 0 && chosen == PLACE_NONE && cpus[0] == -1 && cpus[1] == -1, "none: no binding (-1)");
	ok(topo_choose((enum placement)42, 2, cpus, &chosen, reason, sizeof(reason)) == -EINVAL,
	   "unknown placement: -EINVAL");
}

static void test_bind(void)
{
	cpu_set_t saved;
	int cpus[2];

	if (sched_getaffinity(0, sizeof(saved), &saved) < 0) {
		ok(0, "sched_getaffinity");
		return;
	}
	if (topo_choose(PLACE_AUTO, 2, cpus, NULL, NULL, 0)) {
		ok(0, "choose CPUs to bind to");
		return;
	}
	for (int i = 0; i < 2; i++) {
		int ret = topo_bind_self(cpus[i]);
		volatile unsigned long spin = 0;

		ok(ret == 0 && sched_getcpu() == cpus[i], "bound to CPU %d (running on %d)", cpus[i],
		   sched_getcpu());
		/* Still there after some work and a trip through the scheduler. */
		for (int k = 0; k < 1000000; k++)
			spin += (unsigned long)k;
		sched_yield();
		ok(sched_getcpu() == cpus[i], "stays on CPU %d", cpus[i]);
	}
	ok(topo_bind_self(-1) == -EINVAL, "bind to -1: -EINVAL");
	ok(topo_bind_self(CPU_SETSIZE * 4) < 0, "bind to a CPU that does not exist fails");
	sched_setaffinity(0, sizeof(saved), &saved);
}

static void test_numa(void)
{
	long psize = sysconf(_SC_PAGESIZE);
	const size_t npages = 64;
	int nodes[64], sum = 0, n = numa_nodes();
	bool single = access("/sys/devices/system/node/node1", F_OK) != 0;
	char buf[1024];
	char *p;
	long ret;

	ok(n >= 1, "numa_nodes() = %d", n);
	if (single)
		ok(n == 1, "single-node machine: one node");
	ok(numa_node_of_cpu_id(-1) == -1, "node of CPU -1 is unknown");
	ok(numa_node_of_cpu_id(sched_getcpu()) >= 0, "node of the current CPU is known (%d)",
	   numa_node_of_cpu_id(sched_getcpu()));

	p = mmap(NULL, npages * psize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		ok(0, "mmap");
		return;
	}
	madvise(p, npages * psize, MADV_NOHUGEPAGE);
	ret = numa_pages_on_node(p, npages, 0, nodes);
	ok(ret == 0 && nodes[0] == -ENOENT, "untouched pages are on no node (%ld, status %d)", ret, nodes[0]);

	memset(p, 1, npages * psize);
	for (int node = 0; node < 64 && node <= n * 4; node++) {
		ret = numa_pages_on_node(p, npages, node, NULL);
		if (ret > 0)
			sum += (int)ret;
	}
	ok(sum == (int)npages, "every touched page is on exactly one node (%d of %zu)", sum, npages);
	ret = numa_pages_on_node(p, npages, 0, nodes);
	if (single) {
		ok(ret == (long)npages && nodes[0] == 0 && nodes[npages - 1] == 0,
		   "touched pages are on node 0 (%ld)", ret);
		ok(numa_move_to_node(p, npages, 0) == (long)npages, "move to node 0: all there");
		ok(numa_move_to_node(p, npages, 7) == -ENODEV, "move to a node that does not exist: -ENODEV");
	} else {
		skip("multi-node: node 0 is not guaranteed");
	}
	ok(numa_pages_on_node(p + 100, 1, 0, NULL) == (single ? 1 : numa_pages_on_node(p, 1, 0, NULL)),
	   "an unaligned address means its page");
	munmap(p, npages * psize);

	ok(numa_describe(buf, sizeof(buf)) == 0 && strstr(buf, "numa.nodes="), "numa_describe");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("# %s\n", line);
}

int main(void)
{
	int pus, cores;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Before this process runs topo_init(). */
	test_respects_affinity();

	ok(topo_init() == 0, "topo_init");
	pus = topo_online_cpus();
	cores = topo_cores();
	ok(pus == sysconf(_SC_NPROCESSORS_ONLN), "online PUs (%d) match sysconf", pus);
	ok(cores >= 1 && cores <= pus, "cores (%d) between 1 and the PU count", cores);
	for (int cpu = 0; cpu < pus; cpu++)
		ok(topo_core_of(cpu) >= 0 && topo_core_of(cpu) < cores, "CPU %d is on core %d", cpu,
		   topo_core_of(cpu));
	ok(topo_core_of(-1) == -1 && topo_core_of(99999) == -1, "no core for CPUs that do not exist");
	ok(!topo_cpu_online(-1) && !topo_cpu_online(99999), "CPUs that do not exist are not online");
	ok(!strcmp(placement_names[PLACE_OTHER_CORE], "other-core") &&
	   !strcmp(placement_names[PLACE_SAME_CORE], "same-core") &&
	   !strcmp(placement_names[PLACE_AUTO], "auto") && placement_names[PLACE_NONE + 1] == NULL,
	   "placement names line up with the enum");

	test_choose(cores, pus);
	test_bind();
	test_describe(cores, pus);
	test_numa();
	return done_testing();
}
