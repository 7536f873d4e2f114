/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libFuzzer target for lib/csvread: any byte string given to the CSV and
 * meta.txt parsers must give a table or a "file:line" error, never a
 * crash or a sanitizer report. Built and run by `make fuzz` (clang).
 */
#include <stddef.h>
#include <stdint.h>

#include "csvread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_table t;
	struct kv_list l;
	char err[512];

	csv_table_parse(&t, "fuzz.csv", (const char *)data, size, err, sizeof(err));
	csv_table_free(&t);
	kv_list_parse(&l, "meta.txt", (const char *)data, size, err, sizeof(err));
	kv_list_free(&l);
	return 0;
}
