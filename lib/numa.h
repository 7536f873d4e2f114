/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numa: libnuma where the machine has it: how many nodes, the node of a
 * CPU, and on which node pages actually are (move_pages query), so a
 * benchmark can confirm node-local allocation.
 */
#ifndef COWBENCH_NUMA_H
#define COWBENCH_NUMA_H

#include <stdbool.h>
#include <stddef.h>

bool numa_usable(void);		/* libnuma reports NUMA available */
int numa_nodes(void);		/* configured nodes with memory; 1 without NUMA */
int numa_node_of_cpu_id(int cpu);	/* -1 when unknown */
/*
 * Count how many of the npages pages starting at addr sit on `node`;
 * -errno on failure. Nodes of the pages go to nodes[] if not NULL.
 */
long numa_pages_on_node(void *addr, size_t npages, int node, int *nodes);
/* Move pages to node (move_pages); returns pages moved or -errno. */
long numa_move_to_node(void *addr, size_t npages, int node);
int numa_describe(char *buf, size_t len);

#endif
