/* SPDX-License-Identifier: GPL-2.0 */
/*
 * params.h - module parameter types that refuse bad input with -EINVAL.
 *
 * The kernel's own uint, ulong and string parameters fail a load with
 * -ERANGE for a number that overflows and -ENOSPC for a string that is too
 * long. vmpass answers every malformed parameter the same way: one
 * "vmpass:" line and -EINVAL. These types parse as the kernel's do and
 * keep their names in modinfo ("uint", "array of ulong", "string").
 */
#ifndef VMPASS_PARAMS_H
#define VMPASS_PARAMS_H

#include <linux/moduleparam.h>

extern const struct kernel_param_ops vmpass_param_ops_uint;
extern const struct kernel_param_ops vmpass_param_ops_ulong;
extern const struct kernel_param_ops vmpass_param_ops_string;

/* module_param(name, uint, perm), strict. */
#define vmpass_param_uint(name, perm)					\
	__param_check(name, &(name), unsigned int);			\
	module_param_cb(name, &vmpass_param_ops_uint, &(name), perm);	\
	__MODULE_PARM_TYPE(name, "uint")

/* module_param_hw_array(name, type, hwtype, nump, perm), strict. */
#define vmpass_param_hw_array(name, type, hwtype, nump, perm)		\
	param_check_##type(name, &(name)[0]);				\
	static const struct kparam_array __param_arr_##name		\
	= { .max = ARRAY_SIZE(name), .num = nump,			\
	    .ops = &vmpass_param_ops_##type,				\
	    .elemsize = sizeof(name[0]), .elem = name };		\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_array_ops,				\
			    .arr = &__param_arr_##name,			\
			    perm, -1, KERNEL_PARAM_FL_HWPARAM | (hwparam_##hwtype & 0)); \
	__MODULE_PARM_TYPE(name, "array of " #type)

/* module_param_string(name, string, len, perm), strict. */
#define vmpass_param_string(name, string, len, perm)			\
	static const struct kparam_string __param_string_##name		\
		= { len, string };					\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &vmpass_param_ops_string,			\
			    .str = &__param_string_##name, perm, -1, 0);\
	__MODULE_PARM_TYPE(name, "string")

#endif /* VMPASS_PARAMS_H */
