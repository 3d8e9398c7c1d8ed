// SPDX-License-Identifier: GPL-2.0
/*
 * vmpass - virtual COM ports and PCI passthrough for virtual machine hosts.
 *
 * core.c: module parameters, init and exit. Every parameter is checked
 * first; then the parts of vmpass register here, in order, /dev/vmpass
 * last, and unregister in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "compat.h"
#include "com_port.h"
#include "mdev_card.h"
#include "params.h"
#include "pci_stub.h"
#include "vmm_dev.h"

static unsigned int nr_ports = 4;
module_param_cb(nr_ports, &vmpass_param_ops_uint, &nr_ports, 0444);
__MODULE_PARM_TYPE(nr_ports, "uint");
MODULE_PARM_DESC(nr_ports, "Number of COM ports, 0 to 128 (default: 4)");

/* The PC's COM1-COM4. */
static const unsigned long pc_iobase[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
static const unsigned int pc_irq[] = { 4, 3, 4, 3 };

static unsigned long io[VMPASS_MAX_PORTS];
static unsigned int nr_io;
static const struct kparam_array io_array = {
	.max = ARRAY_SIZE(io), .num = &nr_io, .ops = &vmpass_param_ops_ulong,
	.elemsize = sizeof(io[0]), .elem = io,
};

__module_param_call(MODULE_PARAM_PREFIX, io, &param_array_ops, (void *)&io_array, 0444, -1,
		    KERNEL_PARAM_FL_HWPARAM | (hwparam_ioport & 0));
__MODULE_PARM_TYPE(io, "array of ulong");
MODULE_PARM_DESC(io, "I/O base of each COM port, 0 for none (default: 0x3f8,0x2f8,0x3e8,0x2e8)");

static unsigned int irq[VMPASS_MAX_PORTS];
static unsigned int nr_irq;
static const struct kparam_array irq_array = {
	.max = ARRAY_SIZE(irq), .num = &nr_irq, .ops = &vmpass_param_ops_uint,
	.elemsize = sizeof(irq[0]), .elem = irq,
};

__module_param_call(MODULE_PARAM_PREFIX, irq, &param_array_ops, (void *)&irq_array, 0444, -1,
		    KERNEL_PARAM_FL_HWPARAM | (hwparam_irq & 0));
__MODULE_PARM_TYPE(irq, "array of uint");
MODULE_PARM_DESC(irq, "IRQ of each COM port, 0 to 15 but not 2, 0 for none (default: 4,3,4,3)");

/*
 * Fill in the identities the parameters leave out: without io=, the first
 * four ports are COM1-COM4; ports past the io= entries have no identity.
 * An IRQ not given is COM1-COM4's for those of the first four ports that
 * have an I/O base.
 */
static int __init vmpass_params_check(void)
{
	unsigned int i;

	if (nr_ports > VMPASS_MAX_PORTS) {
		pr_err("nr_ports=%u: at most %u ports\n", nr_ports, VMPASS_MAX_PORTS);
		return -EINVAL;
	}
	if (nr_io > nr_ports) {
		pr_err("io= has %u entries for %u ports\n", nr_io, nr_ports);
		return -EINVAL;
	}
	if (nr_irq > nr_ports) {
		pr_err("irq= has %u entries for %u ports\n", nr_irq, nr_ports);
		return -EINVAL;
	}
	for (i = 0; i < nr_ports; i++) {
		if (!nr_io && i < ARRAY_SIZE(pc_iobase))
			io[i] = pc_iobase[i];
		if (i >= nr_irq)
			irq[i] = (io[i] && i < ARRAY_SIZE(pc_irq)) ? pc_irq[i] : 0;
	}
	return 0;
}

static int __init vmpass_init(void)
{
	int ret;

	/* Every parameter is checked before anything user-visible exists ... */
	ret = vmpass_params_check();
	if (ret)
		return ret;
	ret = pcistub_parse_params();
	if (ret)
		return ret;
	ret = vmpass_ports_create(nr_ports, io, irq);
	if (ret)
		goto err_params;
	ret = pcistub_init();
	if (ret)
		goto err_ports;
	ret = mdev_card_register();
	if (ret)
		goto err_pci;
	/* ... and /dev/vmpass, which reports on the others, comes last. */
	ret = vmm_dev_register();
	if (ret)
		goto err_mdev;
	return 0;

err_mdev:
	mdev_card_unregister();
err_pci:
	pcistub_exit();
err_ports:
	vmpass_ports_destroy();
err_params:
	pcistub_free_params();
	return ret;
}

static void __exit vmpass_exit(void)
{
	vmm_dev_unregister();
	mdev_card_unregister();
	pcistub_exit();
	vmpass_ports_destroy();
	pcistub_free_params();
}

module_init(vmpass_init);
module_exit(vmpass_exit);

MODULE_DESCRIPTION("Virtual COM ports and PCI passthrough for virtual machine hosts");
MODULE_AUTHOR("The vmpass developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VMPASS_VERSION);
