/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmpass: the control ABI of /dev/vmpass.
 *
 * Every struct here has a fixed size and layout on all architectures,
 * carries no kernel pointers, and ends in reserved fields that userspace
 * must set to zero; the kernel refuses non-zero reserved fields with
 * -EINVAL, so that they can be given a meaning later.
 */
#ifndef _UAPI_LINUX_VMPASS_H
#define _UAPI_LINUX_VMPASS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped on any incompatible change; compatible additions use features. */
#define VMPASS_API_VERSION	1

/* The ioctl type of /dev/vmpass and of the port fds it hands out. */
#define VMPASS_IOCTL_TYPE	0xBD

#endif /* _UAPI_LINUX_VMPASS_H */
