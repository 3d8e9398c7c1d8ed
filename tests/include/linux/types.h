/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel integer types, for compiling vmpass's pure pieces (the 16550A
 * model, the parsers) into userspace tests. Shadows <linux/types.h>.
 */
#ifndef VMPASS_TESTS_LINUX_TYPES_H
#define VMPASS_TESTS_LINUX_TYPES_H

#include <asm/types.h>	/* __u8 and friends, for the uapi header */
#include <stdbool.h>
#include <stddef.h>	/* NULL, as the kernel's <linux/types.h> gives it */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#endif
