/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel integer types, for compiling vmpass's pure pieces (the 16550A
 * model, the parsers) into userspace tests. Shadows <linux/types.h>.
 */
#ifndef VMPASS_TESTS_LINUX_TYPES_H
#define VMPASS_TESTS_LINUX_TYPES_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#endif
