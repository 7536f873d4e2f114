/* SPDX-License-Identifier: GPL-2.0 */
/*
 * testenv: what the unit tests that change the machine share: a private
 * temporary directory whose state/ subdirectory holds the journals (so a
 * test that dies can be repaired with one printed command), and small
 * whole-file read/write helpers for fake knob files.
 */
#ifndef COWBENCH_TESTENV_H
#define COWBENCH_TESTENV_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "knobs.h"

/* Make tmpdir (a mkdtemp template) and point COWBENCH_STATE_DIR into it. 0 or -1. */
static inline int testenv_setup(char *tmpdir, char *state, size_t len)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(state, len, "%s/state", tmpdir);
	setenv("COWBENCH_STATE_DIR", state, 1);
	/* Real changes are journaled here: if this test dies, this undoes them. */
	printf("# if this test dies: COWBENCH_STATE_DIR=%s tools/cowbench restore\n", state);
	return 0;
}

static inline void testenv_cleanup(const char *tmpdir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static inline void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline const char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = 0;
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

/* A knob's value as knob_read gives it, or "<unreadable>". */
static inline const char *knob(const char *path)
{
	static char buf[4096];

	if (knob_read(path, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "<unreadable>");
	return buf;
}

#endif
