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
 * buffers (640 KiB by default) and its TX FIFO are full.
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
 * @drop_closed_output: guest output is dropped (and counted in
 *	icount.buf_overrun) while the host end is closed, instead of kept
 * @throttled: the host end's line discipline asked us to stop
 * @host_cread: the host end's CREAD: it receives at all
 * @host_ignbrk: the host end's IGNBRK: breaks from the guest are ignored
 * @host_mctrl: the host end's TIOCM_DTR and TIOCM_RTS
 * @guest_mctrl: the model's output pins last seen (UART_MCR_*)
 * @guest_break: the guest is sending a break
 * @line_lcr: LCR (without DLAB and SBC) last reflected in the host termios
 * @line_dl: divisor last reflected in the host termios
 * @line_valid: the guest has programmed the line (LCR or divisor)
 * @irq_level: the IRQ output last reported to the guest
 * @frozen: a snapshot was taken (com_port_get_state()): nothing moves, no
 *	timer runs, the model and the IRQ output stay as they are (a
 *	com_port_set_state() that leaves the port frozen reports it low)
 * @frozen_timer: the character timer ran when the port froze ...
 * @frozen_timeout_ns: ... with this much time left
 * @host_held: host writers wait, as while frozen: a frozen port lost its
 *	guest, and the next one has not run yet (see port_hand_over())
 * @icount: host-end counters (TIOCGICOUNT)
 * @guest_ops: the attached guest, or NULL
 * @guest_data: its argument
 * @holder: the name of the mediated card that holds the port, or NULL
 * @iobase: legacy I/O base (0: none); changed under vmpass_identity_lock
 * @irq: legacy IRQ (0: none); likewise
 * @rx_timer: the character timeout
 * @rx_deadline: when it elapses, on the CLOCK_MONOTONIC clock; @rx_timer
 *	may fire earlier and then moves itself there
 * @tx_retry: pushes guest output again while the tty layer's buffers are full
 * @tx_retry_shift: its backoff (1 ms << shift)
 * @tx_unpushed: guest output in the tty's flip buffer, not pushed yet
 * @push_timer: pushes it at the latest a few character times later
 * @event_work: host-end work that may sleep: termios, wakeups, hangup
 * @events: what @event_work has to do (VMPASS_EV_*)
 * @line: the interrupt line the port is on: a card's, or @own_line
 * @line_bit: the port's bit on @line
 * @own_line: the port's line while no card holds it
 * @rx_in_handler: the guest's interrupt handler runs, as far as its IIR
 *	reads tell (irq_line.c)
 * @rx_handler_start: when it began
 * @rx_draining: the guest's handler reads the RX FIFO: it is not topped
 *	up until empty (irq_line.c)
 * @rx_held: the guest read the RX FIFO empty in its handler, and nothing
 *	enters it until @line releases it
 */
struct vmpass_port {
	struct tty_port tport;
	unsigned int index;

	spinlock_t lock;	/* see above */
	struct uart16550 uart;
	DECLARE_KFIFO(to_guest, u16, VMPASS_PORT_BUF);
	DECLARE_KFIFO(to_host, u16, VMPASS_PORT_BUF);
	bool host_open;
	bool drop_closed_output;
	bool throttled;
	bool host_cread;
	bool host_ignbrk;
	unsigned int host_mctrl;
	u8 guest_mctrl;
	bool guest_break;
	u8 line_lcr;
	u16 line_dl;
	bool line_valid;
	bool irq_level;
	bool frozen;
	bool frozen_timer;
	u64 frozen_timeout_ns;
	bool host_held;
	struct serial_icounter_struct icount;
	const struct vmpass_guest_ops *guest_ops;
	void *guest_data;
	const char *holder;

	unsigned long iobase;
	unsigned int irq;

	struct hrtimer rx_timer;
	ktime_t rx_deadline;
	struct hrtimer tx_retry;
	unsigned int tx_retry_shift;
	unsigned int tx_unpushed;
	struct hrtimer push_timer;
	struct work_struct event_work;
	unsigned long events;

	struct vmpass_irq_line *line;
	unsigned int line_bit;
	struct vmpass_irq_line own_line;
	bool rx_in_handler;
	ktime_t rx_handler_start;
	bool rx_draining;
	bool rx_held;
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
int vmpass_port_set_identity_locked(struct vmpass_port *port, unsigned long iobase,
				    unsigned int irq);
int vmpass_port_set_iobase(struct vmpass_port *port, unsigned long iobase);
int vmpass_port_set_irq(struct vmpass_port *port, unsigned int irq);

void com_port_guest_rep(struct vmpass_port *port, unsigned int reg, u8 *buf,
			unsigned int n, bool write);

/* The host end's side of the port, for com_tty.c; all take port->lock. */
unsigned int com_port_host_write(struct vmpass_port *port, const u8 *buf,
				 unsigned int count);
void com_port_host_break(struct vmpass_port *port);
void com_port_host_open(struct vmpass_port *port, bool open);
void com_port_host_throttle(struct vmpass_port *port, bool throttled);
void com_port_host_set_input(struct vmpass_port *port, bool cread, bool ignbrk);
void com_port_set_closed_output(struct vmpass_port *port, bool drop);
void com_port_host_set_mctrl(struct vmpass_port *port, unsigned int set,
			     unsigned int clear);
unsigned int com_port_host_get_mctrl(struct vmpass_port *port);
void com_port_flush_to_guest(struct vmpass_port *port);

/* Host writers wait (the port is locked): see com_port.c, "Snapshots". */
static inline bool com_port_host_waits(const struct vmpass_port *port)
{
	return port->frozen || port->host_held;
}

/* Snapshots, for vmm_dev.c (struct vmpass_port_state in the uapi header). */
struct vmpass_port_state;
void com_port_get_state(struct vmpass_port *port, struct vmpass_port_state *st);
int com_port_set_state(struct vmpass_port *port, const struct vmpass_port_state *st,
		       bool stay_frozen);
int com_port_check_state(struct vmpass_port *port, const struct vmpass_port_state *st);
void com_port_freeze(struct vmpass_port *port);
void com_port_thaw(struct vmpass_port *port);
void com_port_hand_over(struct vmpass_port *port);
void com_port_drop_state(struct vmpass_port *port);

/* irq_line.c, for vmpass.ko's guests (mdev_card.c): no lock needed. */
void vmpass_irq_line_init(struct vmpass_irq_line *line);
void vmpass_irq_line_stop(struct vmpass_irq_line *line);

/* irq_line.c, for com_port.c; all under the port's lock. */
void irq_line_join(struct vmpass_irq_line *line, unsigned int bit,
		   struct vmpass_port *port, bool level);
void irq_line_leave(struct vmpass_irq_line *line, unsigned int bit);
void irq_line_level(struct vmpass_irq_line *line, unsigned int bit, bool level);
void irq_line_hold(struct vmpass_irq_line *line, unsigned int bit, u64 char_ns,
		   ktime_t since);
void irq_line_unhold(struct vmpass_irq_line *line, unsigned int bit);
bool irq_line_held(struct vmpass_irq_line *line, unsigned int bit);

/* com_port.c, for irq_line.c's release. */
void com_port_rx_release(struct vmpass_port *port, struct vmpass_irq_line *line);

/* com_tty.c */
int com_tty_register(unsigned int nr);
void com_tty_unregister(void);
int com_tty_add_port(struct vmpass_port *port);
void com_tty_remove_port(struct vmpass_port *port);
void com_tty_port_events(struct vmpass_port *port);
extern const struct tty_port_operations com_tty_port_ops;

#endif /* VMPASS_COM_PORT_H */
