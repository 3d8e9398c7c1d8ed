/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpass_guest.h - the in-kernel guest side of a vmpass COM port.
 *
 * Whoever plays the guest (the /dev/vmpass port fd, or a test module that
 * puts Linux's own 8250 driver on the model, or a mediated PCI card)
 * attaches to a port, then reads and writes its 16550A registers and follows
 * its IRQ output. One guest at a time; a card holds its ports (an attach
 * with a holder name) from its creation to its removal. All calls may be
 * made from any context, including hard IRQ.
 */
#ifndef VMPASS_GUEST_H
#define VMPASS_GUEST_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct vmpass_port;

/* The most ports on one interrupt line (a mediated card's). */
#define VMPASS_LINE_PORTS	4

/**
 * struct vmpass_irq_line - an interrupt line that ports of one guest share
 * @lock: protects the fields below; taken inside a port's lock
 * @high: the members whose IRQ output is high, one bit each
 * @held: the members whose RX FIFO is held (irq_line.c)
 * @rise: when @high last became non-zero
 * @since: when the handlers of the held members began
 * @release_at: when the held members are released, once that is set
 * @deadline: the latest the held members are released
 * @char_ns: the longest character time of the held members
 * @release: ends the hold of the held members
 * @ports: the members, by bit
 *
 * A guest that wires several ports to one interrupt (a card's INTx) gives
 * them one line (vmpass_port_hold()), so that the RX hold follows the
 * line's handler, which serves them all; each port is otherwise a line of
 * its own. vmpass_irq_line_init() before the first member joins, and
 * vmpass_irq_line_stop() once the last has left; both are vmpass.ko's own
 * (com_port.h), so a guest in another module passes no line.
 */
struct vmpass_irq_line {
	spinlock_t lock;	/* see above */
	unsigned long high;
	unsigned long held;
	ktime_t rise;
	ktime_t since;
	ktime_t release_at;
	ktime_t deadline;
	u64 char_ns;
	struct hrtimer release;
	struct vmpass_port *ports[VMPASS_LINE_PORTS];
};

/**
 * struct vmpass_guest_ops - what a port tells its guest
 * @irq_changed: the port's IRQ output changed to @level. Called with the
 *	port's lock held and interrupts off: it must not call back into the
 *	port. Keep it short (signal an eventfd, queue an irq_work). A new
 *	guest sees the current level: vmpass_port_attach() calls it with true
 *	at once if the output is already asserted. A guest that later installs
 *	a new consumer of the line (an eventfd, an INTx) must likewise hand it
 *	the current level (vmpass_port_irq_level()). A state loaded into the
 *	port (com_port_set_state()) first takes back the level reported for
 *	the state it replaces: @level false then, even if the loaded state's
 *	output is asserted, which is reported true when the port runs.
 */
struct vmpass_guest_ops {
	void (*irq_changed)(void *data, bool level);
};

struct vmpass_port *vmpass_port_find(unsigned int index);
int vmpass_port_attach(struct vmpass_port *port,
		       const struct vmpass_guest_ops *ops, void *data);
void vmpass_port_detach(struct vmpass_port *port);
int vmpass_port_hold(struct vmpass_port *port, const char *holder,
		     const struct vmpass_guest_ops *ops, void *data,
		     struct vmpass_irq_line *line, unsigned int bit);
void vmpass_port_reset(struct vmpass_port *port);
u8 vmpass_port_read(struct vmpass_port *port, unsigned int reg);
void vmpass_port_write(struct vmpass_port *port, unsigned int reg, u8 val);
bool vmpass_port_irq_level(struct vmpass_port *port);

#endif /* VMPASS_GUEST_H */
