/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowbench-restore: undo what killed runs left behind (knob values,
 * cgroups, swap files, zram devices, helper processes), from their
 * journals. Run by `cowbench restore [--all]`.
 */
#include <stdio.h>
#include <string.h>
#include "journal.h"
#include "log.h"

static void usage(FILE *to)
{
	fprintf(to,
		"usage: cowbench restore [--all] [-q]\n"
		"Undo the changes recorded in the journals of cowbench runs that no\n"
		"longer run (killed with SIGKILL, or the machine lost power). Journals\n"
		"live in $COWBENCH_STATE_DIR, else /run/cowbench, else /tmp/cowbench.\n"
		"  --all    also undo the changes of runs that are still running\n"
		"  -q       print only failures\n"
		"Exit status: 0 everything undone (or nothing to do), 1 something could\n"
		"not be undone (it stays in the journal for the next try), 2 usage.\n"
		"Example: cowbench restore\n");
}

int main(int argc, char **argv)
{
	bool all = false;
	int i, failures, found;

	log_init("cowbench-restore");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all")) {
			all = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			log_verbose = 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return EXIT_MEASURED;
		} else {
			fprintf(stderr, "cowbench-restore: unknown argument '%s' (try --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	failures = journal_restore_dead(all, &found);
	if (!found)
		info("nothing to restore");
	if (failures) {
		warn("%d change%s could not be undone; they stay in the journal in %s",
		     failures, failures == 1 ? "" : "s", journal_state_dir());
		return 1;	/* not a data violation: "something is left", see --help */
	}
	return EXIT_MEASURED;
}
