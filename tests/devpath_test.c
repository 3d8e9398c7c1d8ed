// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the hide=/guestdev= parsers (drivers/vmpass/devpath.c),
 * compiled into userspace: what parses to what, and a table of malformed
 * strings, each refused with the column of the fault.
 */
#include "kselftest_harness.h"
#include "devpath.h"
#include "devpath_cases.h"

#define DEVFN(d, f)	(((d) << 3) | (f))

TEST(hide_forms)
{
	struct devpath_name n[8];
	struct devpath_error err;

	ASSERT_EQ(2, devpath_parse_hide("(0000:00:19.0)(0000:01:01.0)", n, 8, &err));
	EXPECT_EQ(DEVPATH_BDF, n[0].kind);
	EXPECT_EQ(0, n[0].domain);
	EXPECT_EQ(0, n[0].bus);
	EXPECT_EQ(0x19, n[0].slot);
	EXPECT_EQ(0, n[0].func);
	EXPECT_STREQ("(0000:00:19.0)", n[0].text);
	EXPECT_EQ(1, n[1].bus);
	EXPECT_EQ(1, n[1].slot);

	ASSERT_EQ(3, devpath_parse_hide(" (02:1f.7)\t(ffff:ff:03.*)\n(0001:80:*.*) ", n, 8, &err));
	EXPECT_EQ(0, n[0].domain);
	EXPECT_EQ(2, n[0].bus);
	EXPECT_EQ(0x1f, n[0].slot);
	EXPECT_EQ(7, n[0].func);
	EXPECT_EQ(0xffff, n[1].domain);
	EXPECT_EQ(0xff, n[1].bus);
	EXPECT_EQ(3, n[1].slot);
	EXPECT_EQ(DEVPATH_ANY, n[1].func);
	EXPECT_EQ(1, n[2].domain);
	EXPECT_EQ(DEVPATH_ANY, n[2].slot);
	EXPECT_EQ(DEVPATH_ANY, n[2].func);

	EXPECT_EQ(0, devpath_parse_hide("", n, 8, &err));
	EXPECT_EQ(0, devpath_parse_hide("   ", n, 8, &err));
	/* More names than room: counted, not written past @max. */
	EXPECT_EQ(3, devpath_parse_hide("(00:01.0)(00:02.0)(00:03.0)", n, 1, &err));
}

TEST(guestdev_forms)
{
	struct devpath_name n[8];
	struct devpath_error err;

	const char *list = "PNP0A03:100-1c.1-00.0,0000:03:00.0,PNP0A08-02.0,01:00.*";
	const char *deep = "ACPI0016:ABCDEFGH-00.0-01.0-02.0-03.0-04.0-05.0-06.0-07.0";

	ASSERT_EQ(4, devpath_parse_guestdev(list, n, 8, &err));
	EXPECT_EQ(DEVPATH_ACPI, n[0].kind);
	EXPECT_STREQ("PNP0A03", n[0].hid);
	EXPECT_STREQ("100", n[0].uid);
	EXPECT_EQ(2, n[0].nr_hops);
	EXPECT_EQ(DEVFN(0x1c, 1), n[0].hops[0]);
	EXPECT_EQ(DEVFN(0, 0), n[0].hops[1]);
	EXPECT_STREQ("PNP0A03:100-1c.1-00.0", n[0].text);
	EXPECT_EQ(DEVPATH_BDF, n[1].kind);
	EXPECT_EQ(3, n[1].bus);
	EXPECT_STREQ("PNP0A08", n[2].hid);
	EXPECT_STREQ("", n[2].uid);
	EXPECT_EQ(1, n[2].nr_hops);
	EXPECT_EQ(DEVFN(2, 0), n[2].hops[0]);
	EXPECT_EQ(DEVPATH_ANY, n[3].func);

	ASSERT_EQ(1, devpath_parse_guestdev(deep, n, 8, &err));
	EXPECT_EQ(8, n[0].nr_hops);
	EXPECT_STREQ("ABCDEFGH", n[0].uid);
	EXPECT_EQ(0, devpath_parse_guestdev("", n, 8, &err));
}

TEST(one_entry_for_new_slot)
{
	struct devpath_name a, b;
	struct devpath_error err;

	ASSERT_EQ(0, devpath_parse_one("(0000:00:04.0)\n", &a, &err));
	ASSERT_EQ(0, devpath_parse_one("0000:00:04.0", &b, &err));
	EXPECT_TRUE(devpath_same(&a, &b));
	ASSERT_EQ(0, devpath_parse_one("PNP0A08:0-04.0\n", &a, &err));
	EXPECT_FALSE(devpath_same(&a, &b));
	ASSERT_EQ(0, devpath_parse_one("PNP0A08:0-04.0", &b, &err));
	EXPECT_TRUE(devpath_same(&a, &b));
	EXPECT_EQ(-1, devpath_parse_one("(00:04.0)(00:05.0)", &a, &err));
	EXPECT_EQ(-1, devpath_parse_one("", &a, &err));
}

TEST(bdf_matching)
{
	struct devpath_name n;
	struct devpath_error err;

	ASSERT_EQ(0, devpath_parse_one("(0000:01:1c.*)", &n, &err));
	EXPECT_TRUE(devpath_bdf_matches(&n, 0, 1, DEVFN(0x1c, 5)));
	EXPECT_FALSE(devpath_bdf_matches(&n, 0, 1, DEVFN(0x1d, 0)));
	EXPECT_FALSE(devpath_bdf_matches(&n, 1, 1, DEVFN(0x1c, 0)));
	ASSERT_EQ(0, devpath_parse_one("(0000:01:*.*)", &n, &err));
	EXPECT_TRUE(devpath_bdf_matches(&n, 0, 1, DEVFN(0x1f, 7)));
	EXPECT_FALSE(devpath_bdf_matches(&n, 0, 2, DEVFN(0, 0)));
}

TEST(malformed_hide_strings_are_refused_at_their_column)
{
	struct devpath_name n[4];
	struct devpath_error err;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(devpath_bad_hide); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_EQ(-1, devpath_parse_hide(devpath_bad_hide[i].s, n, 4, &err))
			TH_LOG("'%s' parsed", devpath_bad_hide[i].s);
		EXPECT_EQ(devpath_bad_hide[i].col, err.pos)
			TH_LOG("'%s': column %u (%s)", devpath_bad_hide[i].s, err.pos, err.why);
		EXPECT_NE(NULL, err.why);
	}
}

TEST(malformed_guestdev_strings_are_refused_at_their_column)
{
	struct devpath_name n[4];
	struct devpath_error err;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(devpath_bad_guestdev); i++) {
		memset(&err, 0, sizeof(err));
		EXPECT_EQ(-1, devpath_parse_guestdev(devpath_bad_guestdev[i].s, n, 4, &err))
			TH_LOG("'%s' parsed", devpath_bad_guestdev[i].s);
		EXPECT_EQ(devpath_bad_guestdev[i].col, err.pos)
			TH_LOG("'%s': column %u (%s)", devpath_bad_guestdev[i].s, err.pos, err.why);
		EXPECT_NE(NULL, err.why);
	}
}

TEST_HARNESS_MAIN
