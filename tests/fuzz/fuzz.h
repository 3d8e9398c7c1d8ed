/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libFuzzer entry point. Its name (CamelCase, libFuzzer's, not ours)
 * comes from the Makefile as -DFUZZ_ENTRY=...
 */
#ifndef VMPASS_FUZZ_H
#define VMPASS_FUZZ_H

#include <stddef.h>
#include <linux/types.h>

int FUZZ_ENTRY(const u8 *data, size_t size);

#endif
