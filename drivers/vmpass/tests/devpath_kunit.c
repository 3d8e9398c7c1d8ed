// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the hide=/guestdev= parsers: the strings of
 * devpath_cases.h, good and malformed, and random bytes that must never
 * make a parser read or write out of bounds.
 *
 * The parsers are compiled into this test module from their source file.
 */
#include <kunit/test.h>
#include <linux/ctype.h>
#include <linux/prandom.h>

#include "../devpath.c"
#include "devpath_cases.h"

static void devpath_good_desc(const struct devpath_good_case *c, char *desc)
{
	char *p;

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s \"%s\"", c->hide ? "hide" : "guestdev", c->s);
	/* One line per result in KTAP: whitespace shows as blanks. */
	for (p = desc; *p; p++)
		if (isspace(*p))
			*p = ' ';
}

static void devpath_bad_desc(const struct devpath_bad_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->s);
}

KUNIT_ARRAY_PARAM(devpath_good, devpath_good, devpath_good_desc);
KUNIT_ARRAY_PARAM(devpath_bad_hide, devpath_bad_hide, devpath_bad_desc);
KUNIT_ARRAY_PARAM(devpath_bad_guestdev, devpath_bad_guestdev, devpath_bad_desc);

#define DEVPATH_TEST_MAX	4

static void devpath_test_good(struct kunit *test)
{
	const struct devpath_good_case *c = test->param_value;
	struct devpath_name *names;
	struct devpath_error err = {};
	int n;

	names = kunit_kcalloc(test, DEVPATH_TEST_MAX, sizeof(*names), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	if (c->hide)
		n = devpath_parse_hide(c->s, names, DEVPATH_TEST_MAX, &err);
	else
		n = devpath_parse_guestdev(c->s, names, DEVPATH_TEST_MAX, &err);
	KUNIT_ASSERT_EQ_MSG(test, n, c->count, "%s", err.why ?: "");
	if (!n)
		return;
	KUNIT_EXPECT_EQ(test, names[0].kind, c->kind);
	KUNIT_EXPECT_STREQ(test, names[0].text, c->first);
}

static void devpath_test_bad(struct kunit *test, bool hide)
{
	const struct devpath_bad_case *c = test->param_value;
	struct devpath_name *names;
	struct devpath_error err = {};
	int n;

	names = kunit_kcalloc(test, DEVPATH_TEST_MAX, sizeof(*names), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	if (hide)
		n = devpath_parse_hide(c->s, names, DEVPATH_TEST_MAX, &err);
	else
		n = devpath_parse_guestdev(c->s, names, DEVPATH_TEST_MAX, &err);
	KUNIT_EXPECT_EQ(test, n, -1);
	KUNIT_EXPECT_EQ(test, err.pos, c->col);
	KUNIT_EXPECT_NOT_NULL(test, err.why);
}

static void devpath_test_bad_hide(struct kunit *test)
{
	devpath_test_bad(test, true);
}

static void devpath_test_bad_guestdev(struct kunit *test)
{
	devpath_test_bad(test, false);
}

/* Random strings from the parsers' alphabet, each in a tight allocation. */
static void devpath_test_random_strings(struct kunit *test)
{
	static const char alphabet[] = "0123456789abcdefABCDEFPNPACI:.-,()* \t*x";
	struct devpath_name *names;
	struct devpath_error err;
	struct rnd_state rnd;
	unsigned int i, j, len;
	char *s;

	names = kunit_kcalloc(test, DEVPATH_TEST_MAX, sizeof(*names), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, names);
	prandom_seed_state(&rnd, 0xdef0);
	for (i = 0; i < 20000; i++) {
		len = prandom_u32_state(&rnd) % 80;
		s = kmalloc(len + 1, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		for (j = 0; j < len; j++)
			s[j] = alphabet[prandom_u32_state(&rnd) % (sizeof(alphabet) - 1)];
		s[len] = '\0';
		if (devpath_parse_hide(s, names, DEVPATH_TEST_MAX, &err) < 0)
			KUNIT_EXPECT_LE(test, err.pos, len);
		if (devpath_parse_guestdev(s, names, DEVPATH_TEST_MAX, &err) < 0)
			KUNIT_EXPECT_LE(test, err.pos, len);
		if (devpath_parse_one(s, names, &err) < 0)
			KUNIT_EXPECT_LE(test, err.pos, len);
		kfree(s);
	}
}

static struct kunit_case devpath_test_cases[] = {
	KUNIT_CASE_PARAM(devpath_test_good, devpath_good_gen_params),
	KUNIT_CASE_PARAM(devpath_test_bad_hide, devpath_bad_hide_gen_params),
	KUNIT_CASE_PARAM(devpath_test_bad_guestdev, devpath_bad_guestdev_gen_params),
	KUNIT_CASE(devpath_test_random_strings),
	{}
};

static struct kunit_suite devpath_test_suite = {
	.name = "vmpass_devpath",
	.test_cases = devpath_test_cases,
};

kunit_test_suite(devpath_test_suite);

MODULE_DESCRIPTION("KUnit tests of vmpass's hide=/guestdev= parsers");
MODULE_LICENSE("GPL");
