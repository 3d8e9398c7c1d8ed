/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci_stub.h - the PCI stub, as the rest of vmpass sees it.
 */
#ifndef VMPASS_PCI_STUB_H
#define VMPASS_PCI_STUB_H

#include <linux/compiler.h>
#include <linux/init.h>

struct vmpass_pci_dev;

int __init pcistub_parse_params(void);
void pcistub_free_params(void);
int __init pcistub_init(void);
void pcistub_exit(void);

/* The claimed devices, for VMPASS_GET_INFO and VMPASS_LIST_PCI. */
unsigned int vmpass_pci_count(void);
/* Copy up to @room entries to @devs; returns how many there are. */
int vmpass_pci_fill(struct vmpass_pci_dev __user *devs, unsigned int room);

#endif /* VMPASS_PCI_STUB_H */
