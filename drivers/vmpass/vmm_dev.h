/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm_dev.h - /dev/vmpass, and what it asks of the other parts.
 */
#ifndef VMPASS_VMM_DEV_H
#define VMPASS_VMM_DEV_H

#include <linux/types.h>
#include <uapi/linux/vmpass.h>

int vmm_dev_register(void);
void vmm_dev_unregister(void);

#endif /* VMPASS_VMM_DEV_H */
