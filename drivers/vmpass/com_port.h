/* SPDX-License-Identifier: GPL-2.0 */
/*
 * com_port.h - a vmpass COM port: a 16550A model (the guest end) wired as
 * a null modem to a tty (the host end, /dev/ttyVCOMn), plus its legacy
 * identity (I/O base and IRQ).
 */
#ifndef VMPASS_COM_PORT_H
#define VMPASS_COM_PORT_H

#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/mutex.h>
#include <linux/serial.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/tty_port.h>
#include <linux/workqueue.h>

#include "uart16550.h"
#include "vmpass_guest.h"

#define VMPASS_MAX_PORTS	128
#define VMPASS_IO_EXTENT	8

/*
 * Bytes buffered each way between the tty and the model's 16-byte FIFOs.
 * Host to guest: a host writer blocks when this and the guest's RX FIFO are
 * full. Guest to host: the guest sees THRE clear when this, the tty layer's
 * buffers (64 KiB) and its TX FIFO are full.
 */
#define VMPASS_PORT_BUF		4096

/* A byte in a port buffer: the character, and VMPASS_CHAR_BREAK. */
#define VMPASS_CHAR_BREAK	0x100

/**
 * struct vmpass_port - one COM port
 * @tport: the host end
 * @index: n in ttyVCOMn
 * @lock: protects everything below that is not marked otherwise
 * @uart: the register model
 * @to_guest: host writes waiting for room in the guest's RX FIFO
 * @to_host: guest output waiting for room in the tty layer
 * @host_open: the host end is open (data may be pushed to it)
 * @throttled: the host end's line discipline asked us to stop
 * @host_mctrl: the host end's TIOCM_DTR and TIOCM_RTS
 * @guest_mctrl: the model's output pins last seen (UART_MCR_*)
 * @guest_break: the guest is sending a break
 * @line_lcr: LCR (without DLAB and SBC) last reflected in the host termios
 * @line_dl: divisor last reflected in the host termios
 * @line_valid: the guest has programmed the line (LCR or divisor)
 * @irq_level: the IRQ output last reported to the guest
 * @icount: host-end counters (TIOCGICOUNT)
 * @guest_ops: the attached guest, or NULL
 * @guest_data: its argument
 * @iobase: legacy I/O base (0: none); changed under vmpass_identity_lock
 * @irq: legacy IRQ (0: none); likewise
 * @rx_timer: the character timeout
 * @event_work: host-end work that may sleep: termios, wakeups, hangup
 * @events: what @event_work has to do (VMPASS_EV_*)
 */
struct vmpass_port {
	struct tty_port tport;
	unsigned int index;

	spinlock_t lock;	/* see above */
	struct uart16550 uart;
	DECLARE_KFIFO(to_guest, u16, VMPASS_PORT_BUF);
	DECLARE_KFIFO(to_host, u16, VMPASS_PORT_BUF);
	bool host_open;
	bool throttled;
	unsigned int host_mctrl;
	u8 guest_mctrl;
	bool guest_break;
	u8 line_lcr;
	u16 line_dl;
	bool line_valid;
	bool irq_level;
	struct serial_icounter_struct icount;
	const struct vmpass_guest_ops *guest_ops;
	void *guest_data;

	unsigned long iobase;
	unsigned int irq;

	struct hrtimer rx_timer;
	struct work_struct event_work;
	unsigned long events;
};

#define VMPASS_EV_TERMIOS	0	/* the guest changed the line settings */
#define VMPASS_EV_WAKEUP	1	/* room for host writers */
#define VMPASS_EV_HANGUP	2	/* carrier lost on a !CLOCAL host end */

extern struct vmpass_port *vmpass_ports;
extern unsigned int vmpass_nr_ports;
extern struct mutex vmpass_identity_lock;

int vmpass_ports_create(unsigned int nr, const unsigned long *iobase,
			const unsigned int *irq);
void vmpass_ports_destroy(void);

int vmpass_identity_check(unsigned int index, unsigned long iobase,
			  unsigned int irq);
void vmpass_identity_warn_shared(unsigned int irq);
int vmpass_port_set_identity(struct vmpass_port *port, unsigned long iobase,
			     unsigned int irq);

void com_port_guest_rep(struct vmpass_port *port, unsigned int reg, u8 *buf,
			unsigned int n, bool write);

/* The host end's side of the port, for com_tty.c; all take port->lock. */
unsigned int com_port_host_write(struct vmpass_port *port, const u8 *buf,
				 unsigned int count);
void com_port_host_break(struct vmpass_port *port);
void com_port_host_open(struct vmpass_port *port, bool open);
void com_port_host_throttle(struct vmpass_port *port, bool throttled);
void com_port_host_set_mctrl(struct vmpass_port *port, unsigned int set,
			     unsigned int clear);
unsigned int com_port_host_get_mctrl(struct vmpass_port *port);
void com_port_flush_to_guest(struct vmpass_port *port);

/* com_tty.c */
int com_tty_register(unsigned int nr);
void com_tty_unregister(void);
int com_tty_add_port(struct vmpass_port *port);
void com_tty_remove_port(struct vmpass_port *port);
void com_tty_port_events(struct vmpass_port *port);
extern const struct tty_port_operations com_tty_port_ops;

#endif /* VMPASS_COM_PORT_H */
