/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests of lib/region's parsing: backing names and lists as users type
 * them, refused with a message otherwise. Nothing is mapped or changed.
 */
#include <errno.h>
#include <string.h>
#include "opt.h"
#include "region.h"
#include "tap.h"

static void list_bad(const char *s)
{
	struct backing b[4];
	int n = 0;

	opt_error[0] = 0;
	ok(backing_parse_list(s, b, 4, &n) == -EINVAL && opt_error[0],
	   "backing_parse_list(\"%s\") refused: %s", s, opt_error);
}

int main(void)
{
	struct backing b[4];
	int n = 0;

	ok(backing_parse("pte-thp", &b[0]) == 0 && b[0].kind == BACKING_PTE_THP &&
	   b[0].folio_size == 2u << 20 && !strcmp(b[0].name, "pte-thp"), "pte-thp: 2M folios");
	ok(backing_parse("mthp:64K", &b[0]) == 0 && b[0].kind == BACKING_MTHP &&
	   b[0].folio_size == 64u << 10 && !strcmp(b[0].name, "mthp-64K"), "mthp:64K: named mthp-64K");

	ok(backing_parse_list("small,thp,pte-thp,partial-thp,mthp:64K", b, 4, &n) == -EINVAL,
	   "five backings into room for four refused");
	ok(backing_parse_list("small,mthp:16K,thp", b, 4, &n) == 0 && n == 3 &&
	   b[0].kind == BACKING_SMALL && b[1].folio_size == 16u << 10 && b[2].kind == BACKING_THP,
	   "small,mthp:16K,thp: three backings in order");
	list_bad("small,small");
	list_bad("mthp:64K,mthp:64k");
	list_bad("small,huge");
	list_bad(",");
	list_bad("mthp:3K");
	return done_testing();
}
