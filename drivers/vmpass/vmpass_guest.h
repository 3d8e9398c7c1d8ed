/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpass_guest.h - the in-kernel guest side of a vmpass COM port.
 *
 * Whoever plays the guest (the /dev/vmpass port fd, or a test module that
 * puts Linux's own 8250 driver on the model) attaches to a port, then reads
 * and writes its 16550A registers and follows its IRQ output. One guest at
 * a time; all calls may be made from any context, including hard IRQ.
 */
#ifndef VMPASS_GUEST_H
#define VMPASS_GUEST_H

#include <linux/types.h>

struct vmpass_port;

/**
 * struct vmpass_guest_ops - what a port tells its guest
 * @irq_changed: the port's IRQ output changed to @level. Called with the
 *	port's lock held and interrupts off: it must not call back into the
 *	port. Keep it short (signal an eventfd, queue an irq_work).
 */
struct vmpass_guest_ops {
	void (*irq_changed)(void *data, bool level);
};

struct vmpass_port *vmpass_port_find(unsigned int index);
int vmpass_port_attach(struct vmpass_port *port,
		       const struct vmpass_guest_ops *ops, void *data);
void vmpass_port_detach(struct vmpass_port *port);
u8 vmpass_port_read(struct vmpass_port *port, unsigned int reg);
void vmpass_port_write(struct vmpass_port *port, unsigned int reg, u8 val);
bool vmpass_port_irq_level(struct vmpass_port *port);

#endif /* VMPASS_GUEST_H */
