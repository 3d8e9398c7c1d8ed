// SPDX-License-Identifier: GPL-2.0
/*
 * params.c - strict module parameter types; see params.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "params.h"

static int vmpass_param_result(int ret, const char *val, const struct kernel_param *kp)
{
	if (ret == -ERANGE) {
		pr_err("%s=: '%s' is out of range\n", kp->name, val);
		return -EINVAL;
	}
	return ret;
}

static int vmpass_param_set_uint(const char *val, const struct kernel_param *kp)
{
	return vmpass_param_result(param_set_uint(val, kp), val, kp);
}

static int vmpass_param_set_ulong(const char *val, const struct kernel_param *kp)
{
	return vmpass_param_result(param_set_ulong(val, kp), val, kp);
}

static int vmpass_param_set_string(const char *val, const struct kernel_param *kp)
{
	if (strlen(val) + 1 > kp->str->maxlen) {
		pr_err("%s=: longer than %u characters\n", kp->name, kp->str->maxlen - 1);
		return -EINVAL;
	}
	return param_set_copystring(val, kp);
}

const struct kernel_param_ops vmpass_param_ops_uint = {
	.set = vmpass_param_set_uint,
	.get = param_get_uint,
};

const struct kernel_param_ops vmpass_param_ops_ulong = {
	.set = vmpass_param_set_ulong,
	.get = param_get_ulong,
};

const struct kernel_param_ops vmpass_param_ops_string = {
	.set = vmpass_param_set_string,
	.get = param_get_string,
};
