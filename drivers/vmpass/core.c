// SPDX-License-Identifier: GPL-2.0
/*
 * vmpass - virtual COM ports and PCI passthrough for virtual machine hosts.
 *
 * core.c: module init and exit. The parts of vmpass register here, in
 * order, and unregister in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "compat.h"

static int __init vmpass_init(void)
{
	return 0;
}

static void __exit vmpass_exit(void)
{
}

module_init(vmpass_init);
module_exit(vmpass_exit);

MODULE_DESCRIPTION("Virtual COM ports and PCI passthrough for virtual machine hosts");
MODULE_AUTHOR("The vmpass developers");
MODULE_LICENSE("GPL");
