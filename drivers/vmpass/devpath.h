/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devpath.h - names of PCI devices, as the host administrator writes them.
 *
 *   hide=     xen-pciback's grammar: "(dddd:bb:dd.f)" entries, the domain
 *             optional, "*" for the function or for the slot and the
 *             function, whitespace allowed between entries.
 *   guestdev= a comma-separated list of BDFs ("dddd:bb:dd.f", same
 *             wildcards) and ACPI device paths "HID[:UID]-dd.f[-dd.f...]",
 *             e.g. "PNP0A08:0-1c.1-00.0": the root bridge with that _HID (or
 *             _CID) and _UID, then one device.function per hop down from it.
 *
 * The parsers are pure: no locks, no allocation, nothing only the kernel
 * has, so they also build into userspace tests and fuzzers.
 */
#ifndef VMPASS_DEVPATH_H
#define VMPASS_DEVPATH_H

#include <linux/types.h>

#define DEVPATH_ANY		0xffff	/* a "*" in a BDF */
#define DEVPATH_ID_LEN		8	/* longest HID or UID */
#define DEVPATH_MAX_HOPS	8
#define DEVPATH_TEXT_LEN	64	/* longest entry kept, with its NUL */

enum devpath_kind {
	DEVPATH_BDF,
	DEVPATH_ACPI,
};

/**
 * struct devpath_name - one parsed name
 * @kind: a BDF (pattern) or an ACPI path
 * @domain: BDF: PCI domain
 * @bus: BDF: bus
 * @slot: BDF: slot, or DEVPATH_ANY
 * @func: BDF: function, or DEVPATH_ANY
 * @hid: ACPI: the root bridge's _HID or _CID
 * @uid: ACPI: its _UID, "" if not given
 * @nr_hops: ACPI: number of hops
 * @hops: ACPI: PCI_DEVFN() of each hop, from the root bus down
 * @text: the entry as written (for messages and the slots file)
 */
struct devpath_name {
	enum devpath_kind kind;
	u16 domain;
	u16 bus;
	u16 slot;
	u16 func;
	char hid[DEVPATH_ID_LEN + 1];
	char uid[DEVPATH_ID_LEN + 1];
	u8 nr_hops;
	u8 hops[DEVPATH_MAX_HOPS];
	char text[DEVPATH_TEXT_LEN];
};

/**
 * struct devpath_error - where and why a string did not parse
 * @pos: 0-based offset of the offending character in the whole string
 * @entry: offset where the offending entry starts
 * @entry_len: its length
 * @why: what was wrong
 */
struct devpath_error {
	unsigned int pos;
	unsigned int entry;
	unsigned int entry_len;
	const char *why;
};

/*
 * Each parser fills up to @max names and returns how many the string has
 * (which may be more than @max), or -1 with @err filled in. An empty
 * string has no names.
 */
int devpath_parse_hide(const char *s, struct devpath_name *names, int max,
		       struct devpath_error *err);
int devpath_parse_guestdev(const char *s, struct devpath_name *names, int max,
			   struct devpath_error *err);
/* One entry in any form (new_slot, remove_slot): "(bdf)", "bdf" or a path. */
int devpath_parse_one(const char *s, struct devpath_name *name,
		      struct devpath_error *err);

/* Do two names name the same thing? */
bool devpath_same(const struct devpath_name *a, const struct devpath_name *b);

/* Does a BDF name cover this device? */
bool devpath_bdf_matches(const struct devpath_name *n, unsigned int domain,
			 unsigned int bus, unsigned int devfn);

#endif /* VMPASS_DEVPATH_H */
