/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devpath_cases.h - malformed hide=/guestdev= strings and the column of
 * their fault, shared by the KUnit suite (devpath_kunit.c) and the
 * userspace unit test (tests/devpath_test.c).
 */
#ifndef VMPASS_DEVPATH_CASES_H
#define VMPASS_DEVPATH_CASES_H

#include "devpath.h"

/**
 * struct devpath_bad_case - a string a parser must refuse
 * @s: the string
 * @col: the 0-based column of the fault
 */
struct devpath_bad_case {
	const char *s;
	unsigned int col;
};

static const struct devpath_bad_case devpath_bad_hide[] = {
	{ "0000:00:19.0", 0 },		/* no parentheses */
	{ "(0000:00:19.0", 13 },	/* unclosed */
	{ "(0000:00:19.0)x", 14 },	/* junk after */
	{ "()", 1 },
	{ "(0000:00:19)", 11 },		/* no function */
	{ "(0000:0g:19.0)", 7 },	/* not hex */
	{ "(10000:00:19.0)", 1 },	/* domain above ffff */
	{ "(0000:100:19.0)", 6 },	/* bus above ff */
	{ "(0000:00:20.0)", 9 },	/* slot above 1f */
	{ "(0000:00:19.8)", 12 },	/* function above 7 */
	{ "(0000:00:*.0)", 11 },	/* "*" slot needs "*" function */
	{ "(0000:00:19.**)", 13 },
	{ "(0000:00:19.0 )", 13 },	/* space inside */
	{ "(0000:00:19.0)(00:1.0", 21 },
	{ "(0000::19.0)", 6 },
	{ "(:00:19.0)", 1 },
	{ "(0:0:0:0.0)", 1 },		/* three colons */
	{ "(00.19.0)", 1 },
	{ "(00:19:0)", 8 },
	{ "(-1:00.0)", 1 },
};

static const struct devpath_bad_case devpath_bad_guestdev[] = {
	{ ",", 0 },			/* empty entry */
	{ "00:19.0,", 8 },		/* empty last entry */
	{ "00:19.0,,01:00.0", 8 },
	{ "PNP0A03", 7 },		/* a HID alone: no hop */
	{ "PNP0A03:", 8 },		/* empty UID */
	{ "PNP0A03:0", 9 },		/* no hop */
	{ "PNP0A03-", 8 },		/* empty hop */
	{ "PNP0A03-1c", 10 },		/* hop without function */
	{ "PNP0A03-1c.8", 11 },		/* function above 7 */
	{ "PNP0A03-20.0", 8 },		/* device above 1f */
	{ "PNP0A03-1c.1-", 13 },	/* trailing '-' */
	{ "PNP0A03X0-1c.0", 0 },	/* HID longer than 8 */
	{ "PNP0A03:123456789-1c.0", 8 },	/* UID longer than 8 */
	{ "PNP 0A03-1c.0", 3 },		/* space in HID */
	{ "PNP0A03-1c.0x", 12 },
	{ "-1c.0", 0 },			/* no HID */
	{ "PNP0A03:1:2-1c.0", 9 },
	{ "ACPI0016:0-00.0-01.0-02.0-03.0-04.0-05.0-06.0-07.0-08.0", 51 },	/* 9 hops */
	{ "(0000:00:19.0)", 0 },	/* hide= syntax in guestdev= */
	{ "0000:00:19", 10 },
	{ "PNP0A03:0-1c.1-00.0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
};

/**
 * struct devpath_good_case - a string a parser must accept
 * @s: the string
 * @hide: true for hide=, false for guestdev=
 * @count: how many names it has
 * @kind: the kind of the first name
 * @first: the text the first name keeps
 */
struct devpath_good_case {
	const char *s;
	bool hide;
	int count;
	enum devpath_kind kind;
	const char *first;
};

static const struct devpath_good_case devpath_good[] = {
	{ "(0000:00:19.0)(0000:01:01.0)", true, 2, DEVPATH_BDF, "(0000:00:19.0)" },
	{ " (02:1f.7)\t(ffff:ff:03.*)\n(0001:80:*.*) ", true, 3, DEVPATH_BDF, "(02:1f.7)" },
	{ "", true, 0, DEVPATH_BDF, NULL },
	{ "PNP0A03:100-1c.1-00.0", false, 1, DEVPATH_ACPI, "PNP0A03:100-1c.1-00.0" },
	{ "PNP0A08-02.0,0000:03:00.0,01:00.*", false, 3, DEVPATH_ACPI, "PNP0A08-02.0" },
	{ "0000:03:00.0", false, 1, DEVPATH_BDF, "0000:03:00.0" },
	{ "ACPI0016:ABCDEFGH-00.0-01.0-02.0-03.0-04.0-05.0-06.0-07.0", false, 1, DEVPATH_ACPI,
	  "ACPI0016:ABCDEFGH-00.0-01.0-02.0-03.0-04.0-05.0-06.0-07.0" },
};

#endif /* VMPASS_DEVPATH_CASES_H */
