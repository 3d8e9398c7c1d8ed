// SPDX-License-Identifier: GPL-2.0
/*
 * vmpass_8250_guest - test helper: Linux's own 8250 driver as the guest of
 * a vmpass COM port.
 *
 * It registers an 8250 port whose serial_in/serial_out are register
 * accesses to the vmpass port's 16550A model, and whose interrupt is a
 * software IRQ that follows the model's IRQ output as a level. The 8250
 * driver's autoconfig() then probes the model like a chip, and its ttyS is
 * the guest end of the line whose host end is /dev/ttyVCOMn.
 *
 * The 8250 port needs a non-zero, reservable mapbase (it requests the
 * region) and must not be UPIO_PORT, so it is UPIO_MEM at a free physical
 * address that nothing ever maps: the accessors never touch memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/interrupt.h>
#include <linux/ioport.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/serial_8250.h>

#include "compat.h"
#include "vmpass_guest.h"

static unsigned int port_index;
module_param_named(port, port_index, uint, 0444);
MODULE_PARM_DESC(port, "The vmpass port to drive (n in ttyVCOMn)");

static int line = -1;
module_param(line, int, 0444);
MODULE_PARM_DESC(line, "Output: n in the ttySn that the 8250 driver made");

static struct {
	struct vmpass_port *port;
	struct platform_device *pdev;
	struct irq_work irq_work;
	unsigned int irq;
} guest;

static COMPAT_SERIAL_IN_RET guest_serial_in(struct uart_port *p, COMPAT_SERIAL_OFFSET offset)
{
	return vmpass_port_read(guest.port, offset);
}

static void guest_serial_out(struct uart_port *p, COMPAT_SERIAL_OFFSET offset,
			     COMPAT_SERIAL_VALUE value)
{
	vmpass_port_write(guest.port, offset, value);
}

/*
 * The IRQ is a level: while the model asserts it, the handler runs again
 * each time the line is unmasked (after each handler run, on enable_irq()).
 */
static void guest_irq_work(struct irq_work *work)
{
	if (vmpass_port_irq_level(guest.port))
		generic_handle_irq_safe(guest.irq);
}

static void guest_irq_mask(struct irq_data *d)
{
}

static void guest_irq_unmask(struct irq_data *d)
{
	irq_work_queue(&guest.irq_work);
}

static struct irq_chip guest_irq_chip = {
	.name = "vmpass-guest",
	.irq_mask = guest_irq_mask,
	.irq_unmask = guest_irq_unmask,
};

static void guest_irq_changed(void *data, bool level)
{
	if (level)
		irq_work_queue(&guest.irq_work);
}

static const struct vmpass_guest_ops guest_ops = {
	.irq_changed = guest_irq_changed,
};

/* A free, page-sized physical range for the 8250 core to reserve. */
static int guest_find_mapbase(resource_size_t *mapbase)
{
	struct resource res = { .name = KBUILD_MODNAME, .flags = IORESOURCE_MEM };
	int ret;

	ret = allocate_resource(&iomem_resource, &res, PAGE_SIZE, SZ_1G,
				~(resource_size_t)0, PAGE_SIZE, NULL, NULL);
	if (ret)
		return ret;
	*mapbase = res.start;
	release_resource(&res);
	return 0;
}

static int __init guest_init(void)
{
	struct uart_8250_port up = { };
	int ret;

	guest.port = vmpass_port_find(port_index);
	if (!guest.port) {
		pr_err("no vmpass port %u\n", port_index);
		return -ENODEV;
	}
	init_irq_work(&guest.irq_work, guest_irq_work);

	/*
	 * No owner: the IRQ must not pin this module, so that it can be
	 * unloaded (and the 8250 port hung up) while its ttyS is open.
	 */
	ret = __irq_alloc_descs(-1, 0, 1, NUMA_NO_NODE, NULL, NULL);
	if (ret < 0)
		return ret;
	guest.irq = ret;
	irq_set_chip_and_handler(guest.irq, &guest_irq_chip, handle_level_irq);

	guest.pdev = platform_device_register_simple(KBUILD_MODNAME, -1, NULL, 0);
	if (IS_ERR(guest.pdev)) {
		ret = PTR_ERR(guest.pdev);
		goto err_irq;
	}

	ret = vmpass_port_attach(guest.port, &guest_ops, NULL);
	if (ret)
		goto err_pdev;

	ret = guest_find_mapbase(&up.port.mapbase);
	if (ret)
		goto err_detach;
	up.port.mapsize = PAGE_SIZE;
	up.port.membase = (void __iomem *)&guest;	/* never dereferenced */
	up.port.iotype = UPIO_MEM;
	up.port.serial_in = guest_serial_in;
	up.port.serial_out = guest_serial_out;
	up.port.irq = guest.irq;
	up.port.uartclk = 1843200;
	up.port.flags = UPF_BOOT_AUTOCONF;
	up.port.dev = &guest.pdev->dev;

	ret = serial8250_register_8250_port(&up);
	if (ret < 0)
		goto err_detach;
	line = ret;
	pr_info("ttyS%d is the guest of ttyVCOM%u\n", line, port_index);
	return 0;

err_detach:
	vmpass_port_detach(guest.port);
err_pdev:
	platform_device_unregister(guest.pdev);
err_irq:
	irq_free_desc(guest.irq);
	return ret;
}

static void __exit guest_exit(void)
{
	serial8250_unregister_port(line);
	vmpass_port_detach(guest.port);
	irq_work_sync(&guest.irq_work);
	platform_device_unregister(guest.pdev);
	irq_free_desc(guest.irq);
}

module_init(guest_init);
module_exit(guest_exit);

MODULE_DESCRIPTION("vmpass selftest helper: the 8250 driver as a COM port's guest");
MODULE_LICENSE("GPL");
