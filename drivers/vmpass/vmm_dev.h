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

/*
 * The claimed PCI devices, for VMPASS_GET_INFO and VMPASS_LIST_PCI. The
 * PCI stub is not there yet: none are claimed.
 */
static inline unsigned int vmpass_pci_count(void)
{
	return 0;
}

static inline int vmpass_pci_fill(struct vmpass_pci_dev __user *devs,
				  unsigned int room)
{
	return 0;
}

#endif /* VMPASS_VMM_DEV_H */
