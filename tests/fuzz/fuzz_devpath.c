// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the hide=/guestdev=/new_slot parsers must never read
 * out of bounds, and whatever they accept must satisfy the grammar's
 * limits.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "devpath.h"
#include "fuzz.h"

static void check_names(const struct devpath_name *n, int count)
{
	int i;

	for (i = 0; i < count; i++) {
		if (n[i].kind == DEVPATH_BDF) {
			assert(n[i].bus <= 0xff);
			assert(n[i].slot <= 0x1f || n[i].slot == DEVPATH_ANY);
			assert(n[i].func <= 7 || n[i].func == DEVPATH_ANY);
			assert(n[i].slot != DEVPATH_ANY || n[i].func == DEVPATH_ANY);
		} else {
			assert(n[i].nr_hops >= 1 && n[i].nr_hops <= DEVPATH_MAX_HOPS);
			assert(strlen(n[i].hid) >= 1 && strlen(n[i].hid) <= DEVPATH_ID_LEN);
			assert(strlen(n[i].uid) <= DEVPATH_ID_LEN);
		}
		assert(strlen(n[i].text) < DEVPATH_TEXT_LEN);
	}
}

int FUZZ_ENTRY(const u8 *data, size_t size)
{
	struct devpath_name names[4], one;
	struct devpath_error err;
	char *s = malloc(size + 1);
	int count;

	memcpy(s, data, size);
	s[size] = 0;
	count = devpath_parse_hide(s, names, 4, &err);
	if (count >= 0)
		check_names(names, count < 4 ? count : 4);
	else
		assert(err.pos <= strlen(s) && err.why);
	count = devpath_parse_guestdev(s, names, 4, &err);
	if (count >= 0)
		check_names(names, count < 4 ? count : 4);
	else
		assert(err.pos <= strlen(s) && err.why);
	if (!devpath_parse_one(s, &one, &err)) {
		check_names(&one, 1);
		assert(devpath_same(&one, &one));
	}
	free(s);
	return 0;
}
