/* SPDX-License-Identifier: GPL-2.0 */
/*
 * params.h - module parameter types that refuse bad input with -EINVAL.
 *
 * The kernel's own uint, ulong and string parameters fail a load with
 * -ERANGE for a number that overflows and -ENOSPC for a string that is too
 * long. vmpass answers every malformed parameter the same way: one
 * "vmpass:" line and -EINVAL. These ops parse as the kernel's do; the
 * parameters that use them declare the kernel's type names for modinfo
 * ("uint", "array of ulong", "string") with __MODULE_PARM_TYPE().
 */
#ifndef VMPASS_PARAMS_H
#define VMPASS_PARAMS_H

#include <linux/moduleparam.h>

extern const struct kernel_param_ops vmpass_param_ops_uint;
extern const struct kernel_param_ops vmpass_param_ops_ulong;
extern const struct kernel_param_ops vmpass_param_ops_string;

#endif /* VMPASS_PARAMS_H */
