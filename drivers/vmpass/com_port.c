// SPDX-License-Identifier: GPL-2.0
/*
 * com_port.c - COM ports: the glue between the 16550A model, its guest
 * (vmpass_guest.h) and the host tty (com_tty.c), and the ports' legacy
 * identities.
 *
 * Every operation on a port takes port->lock, changes the model, then calls
 * port_sync(), which moves bytes between the model's FIFOs and the port
 * buffers, reflects modem lines, breaks and line settings to the host end,
 * restarts the character timeout and reports IRQ edges to the guest. Work
 * that may sleep (termios, writer wakeups, hangup) goes to event_work.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tty_flip.h>

#include "com_port.h"

struct vmpass_port *vmpass_ports;
unsigned int vmpass_nr_ports;
/* Serialises identity changes (setserial, sysfs) against each other. */
DEFINE_MUTEX(vmpass_identity_lock);

static bool out2_gates_irq = true;
module_param(out2_gates_irq, bool, 0444);
MODULE_PARM_DESC(out2_gates_irq,
		 "A port's IRQ output is gated by MCR.OUT2, as on a PC (default: yes)");

/* Guest output into the host's tty, as far as the host end takes it. */
static void port_push_to_host(struct vmpass_port *port)
{
	unsigned int room, pushed = 0;
	u16 c;

	if (!port->host_open || port->throttled || kfifo_is_empty(&port->to_host))
		return;
	room = tty_buffer_space_avail(&port->tport);
	while (room && kfifo_peek(&port->to_host, &c)) {
		u8 flag = (c & VMPASS_CHAR_BREAK) ? TTY_BREAK : TTY_NORMAL;

		if (!tty_insert_flip_char(&port->tport, c & 0xff, flag))
			break;
		kfifo_skip(&port->to_host);
		if (flag == TTY_BREAK)
			port->icount.brk++;
		else
			port->icount.rx++;
		room--;
		pushed++;
	}
	if (pushed)
		tty_flip_buffer_push(&port->tport);
}

/* Returns true if bytes entered the RX FIFO. */
static bool port_move_bytes(struct vmpass_port *port)
{
	unsigned int moved = 0;
	u16 c;
	u8 ch;

	/* Guest output: from the TX FIFO into to_host, while there is room. */
	while (!kfifo_is_full(&port->to_host) && uart16550_tx_pop(&port->uart, &ch))
		kfifo_put(&port->to_host, ch);

	/* A break the guest starts goes to the host as a TTY_BREAK. */
	if (!uart16550_break(&port->uart))
		port->guest_break = false;
	else if (!port->guest_break && kfifo_put(&port->to_host, VMPASS_CHAR_BREAK))
		port->guest_break = true;

	port_push_to_host(port);

	/* Host output: from to_guest into the RX FIFO, while there is room. */
	while (uart16550_rx_room(&port->uart) && kfifo_get(&port->to_guest, &c)) {
		uart16550_rx_push(&port->uart, c & 0xff,
				  (c & VMPASS_CHAR_BREAK) ? UART_LSR_BI : 0);
		moved++;
	}
	if (moved && kfifo_len(&port->to_guest) < VMPASS_PORT_BUF / 2)
		set_bit(VMPASS_EV_WAKEUP, &port->events);
	return moved;
}

/* Null-modem wiring: guest DTR -> host DSR and DCD, guest RTS -> host CTS. */
static void port_sync_modem(struct vmpass_port *port)
{
	u8 out = uart16550_modem_outputs(&port->uart);
	u8 changed = out ^ port->guest_mctrl;
	u8 line = port->uart.lcr & ~(UART_LCR_DLAB | UART_LCR_SBC);

	if (changed & (UART_MCR_DTR | UART_MCR_RTS)) {
		if (changed & UART_MCR_DTR) {
			port->icount.dsr++;
			port->icount.dcd++;
			if (out & UART_MCR_DTR)
				wake_up_interruptible(&port->tport.open_wait);
			else
				set_bit(VMPASS_EV_HANGUP, &port->events);
		}
		if (changed & UART_MCR_RTS)
			port->icount.cts++;
		wake_up_interruptible(&port->tport.delta_msr_wait);
	}
	port->guest_mctrl = out;

	if (line != port->line_lcr || port->uart.dl != port->line_dl) {
		port->line_lcr = line;
		port->line_dl = port->uart.dl;
		WRITE_ONCE(port->line_valid, true);
		set_bit(VMPASS_EV_TERMIOS, &port->events);
	}
}

/**
 * port_sync() - bring everything outside the model up to date with it
 * @port: the port, locked
 * @rx_activity: a byte was received or read, so the character timeout
 *	starts again
 */
static void port_sync(struct vmpass_port *port, bool rx_activity)
{
	struct uart16550 *u = &port->uart;
	bool level;

	lockdep_assert_held(&port->lock);

	if (port_move_bytes(port))
		rx_activity = true;
	port_sync_modem(port);

	if (rx_activity && uart16550_rx_timeout_armed(u))
		hrtimer_start(&port->rx_timer,
			      ns_to_ktime(4 * uart16550_char_time_ns(u)),
			      HRTIMER_MODE_REL);

	level = uart16550_irq_level(u);
	if (level != port->irq_level) {
		port->irq_level = level;
		if (port->guest_ops)
			port->guest_ops->irq_changed(port->guest_data, level);
	}

	if (port->events)
		schedule_work(&port->event_work);
}

static enum hrtimer_restart port_rx_timeout(struct hrtimer *timer)
{
	struct vmpass_port *port = container_of(timer, struct vmpass_port, rx_timer);
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	uart16550_rx_timeout(&port->uart);
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
	return HRTIMER_NORESTART;
}

static void port_event_work(struct work_struct *work)
{
	com_tty_port_events(container_of(work, struct vmpass_port, event_work));
}

/* The guest side (vmpass_guest.h). */

/**
 * vmpass_port_find() - look up a COM port by index
 * @index: n in ttyVCOMn
 *
 * Ports live as long as the module, which the caller's use of this symbol
 * pins. Return: the port, or NULL if there is no such port.
 */
struct vmpass_port *vmpass_port_find(unsigned int index)
{
	return index < vmpass_nr_ports ? &vmpass_ports[index] : NULL;
}
EXPORT_SYMBOL_GPL(vmpass_port_find);

/**
 * vmpass_port_attach() - become the guest of a port
 * @port: the port
 * @ops: callbacks
 * @data: their argument
 *
 * Return: 0, or -EBUSY if the port already has a guest.
 */
int vmpass_port_attach(struct vmpass_port *port,
		       const struct vmpass_guest_ops *ops, void *data)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&port->lock, flags);
	if (port->guest_ops) {
		ret = -EBUSY;
	} else {
		port->guest_ops = ops;
		port->guest_data = data;
		port->irq_level = false;
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(vmpass_port_attach);

/**
 * vmpass_port_detach() - stop being the guest of a port
 * @port: the port
 *
 * The model goes back to its reset state, as a new guest would find it.
 * Bytes buffered for either side stay. No callback runs after this returns.
 */
void vmpass_port_detach(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port->guest_ops = NULL;
	port->guest_data = NULL;
	uart16550_reset(&port->uart);
	port->uart.no_out2_gate = !out2_gates_irq;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}
EXPORT_SYMBOL_GPL(vmpass_port_detach);

/**
 * vmpass_port_read() - one guest read of a 16550A register
 * @port: the port
 * @reg: register number, 0..7
 *
 * Return: the register's value, with the read's side effects done.
 */
u8 vmpass_port_read(struct vmpass_port *port, unsigned int reg)
{
	u8 val;

	com_port_guest_rep(port, reg, &val, 1, false);
	return val;
}
EXPORT_SYMBOL_GPL(vmpass_port_read);

/**
 * vmpass_port_write() - one guest write of a 16550A register
 * @port: the port
 * @reg: register number, 0..7
 * @val: the value written
 */
void vmpass_port_write(struct vmpass_port *port, unsigned int reg, u8 val)
{
	com_port_guest_rep(port, reg, &val, 1, true);
}
EXPORT_SYMBOL_GPL(vmpass_port_write);

/**
 * com_port_guest_rep() - @n guest accesses to one register, as rep insb/outsb
 * @port: the port
 * @reg: register number, 0..7
 * @buf: the bytes to write, or room for the bytes read
 * @n: number of accesses
 * @write: write (outsb) rather than read (insb)
 *
 * Each access has its full effect before the next, as separate accesses
 * would; the lock is taken once.
 */
void com_port_guest_rep(struct vmpass_port *port, unsigned int reg, u8 *buf,
			unsigned int n, bool write)
{
	unsigned long flags;
	unsigned int i;
	bool rbr;

	spin_lock_irqsave(&port->lock, flags);
	for (i = 0; i < n; i++) {
		if (write) {
			uart16550_write(&port->uart, reg, buf[i]);
			port_sync(port, reg == UART_FCR || reg == UART_TX);
		} else {
			rbr = reg == UART_RX && !(port->uart.lcr & UART_LCR_DLAB);
			buf[i] = uart16550_read(&port->uart, reg);
			port_sync(port, rbr);
		}
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * vmpass_port_irq_level() - the port's IRQ output now
 * @port: the port
 *
 * Return: true while the IRQ output is asserted.
 */
bool vmpass_port_irq_level(struct vmpass_port *port)
{
	unsigned long flags;
	bool level;

	spin_lock_irqsave(&port->lock, flags);
	level = port->irq_level;
	spin_unlock_irqrestore(&port->lock, flags);
	return level;
}
EXPORT_SYMBOL_GPL(vmpass_port_irq_level);

/* The host side, for com_tty.c. */

unsigned int com_port_host_write(struct vmpass_port *port, const u8 *buf,
				 unsigned int count)
{
	unsigned long flags;
	unsigned int done;

	spin_lock_irqsave(&port->lock, flags);
	for (done = 0; done < count; done++)
		if (!kfifo_put(&port->to_guest, buf[done]))
			break;
	port->icount.tx += done;
	port_sync(port, done);
	spin_unlock_irqrestore(&port->lock, flags);
	return done;
}

void com_port_host_break(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	kfifo_put(&port->to_guest, VMPASS_CHAR_BREAK);
	port_sync(port, true);
	spin_unlock_irqrestore(&port->lock, flags);
}

void com_port_flush_to_guest(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	kfifo_reset(&port->to_guest);
	set_bit(VMPASS_EV_WAKEUP, &port->events);
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}

void com_port_host_open(struct vmpass_port *port, bool open)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port->host_open = open;
	port->throttled = false;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}

void com_port_host_throttle(struct vmpass_port *port, bool throttled)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port->throttled = throttled;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}

/* Host DTR -> guest DSR and DCD, host RTS -> guest CTS. */
void com_port_host_set_mctrl(struct vmpass_port *port, unsigned int set,
			     unsigned int clear)
{
	unsigned long flags;
	u8 msr = 0;

	spin_lock_irqsave(&port->lock, flags);
	port->host_mctrl = (port->host_mctrl & ~clear) | set;
	port->host_mctrl &= TIOCM_DTR | TIOCM_RTS;
	if (port->host_mctrl & TIOCM_DTR)
		msr |= UART_MSR_DSR | UART_MSR_DCD;
	if (port->host_mctrl & TIOCM_RTS)
		msr |= UART_MSR_CTS;
	uart16550_set_modem_inputs(&port->uart, msr);
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}

unsigned int com_port_host_get_mctrl(struct vmpass_port *port)
{
	unsigned long flags;
	unsigned int mctrl;

	spin_lock_irqsave(&port->lock, flags);
	mctrl = port->host_mctrl;
	if (port->guest_mctrl & UART_MCR_DTR)
		mctrl |= TIOCM_DSR | TIOCM_CD;
	if (port->guest_mctrl & UART_MCR_RTS)
		mctrl |= TIOCM_CTS;
	spin_unlock_irqrestore(&port->lock, flags);
	return mctrl;
}

/* Identities. */

static bool io_ranges_overlap(unsigned long a, unsigned long b)
{
	return a && b && a < b + VMPASS_IO_EXTENT && b < a + VMPASS_IO_EXTENT;
}

/* Check an identity against ports 0 .. @nr - 1; see vmpass_identity_check(). */
static int identity_check(unsigned int index, unsigned long iobase,
			  unsigned int irq, unsigned int nr)
{
	unsigned int i;

	if (iobase > 0x10000 - VMPASS_IO_EXTENT) {
		pr_err("ttyVCOM%u: I/O base %#lx is outside the 16-bit I/O space\n",
		       index, iobase);
		return -EINVAL;
	}
	if (irq > 15 || irq == 2) {
		pr_err("ttyVCOM%u: IRQ %u is not an ISA IRQ (0 to 15; 2 is the cascade)\n",
		       index, irq);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (i == index || !io_ranges_overlap(iobase, vmpass_ports[i].iobase))
			continue;
		pr_err("ttyVCOM%u: I/O base %#lx overlaps ttyVCOM%u at %#lx\n",
		       index, iobase, i, vmpass_ports[i].iobase);
		return -EINVAL;
	}
	return 0;
}

/**
 * vmpass_identity_check() - may port @index have this I/O base and IRQ?
 * @index: the port
 * @iobase: I/O base, 0 for none
 * @irq: IRQ, 0 for none
 *
 * The I/O range must fit the 16-bit I/O space and overlap no other port's,
 * and the IRQ must be an ISA IRQ other than the cascade. A one-line error
 * names the port and the value when the answer is no.
 * Return: 0 or -EINVAL.
 */
int vmpass_identity_check(unsigned int index, unsigned long iobase,
			  unsigned int irq)
{
	return identity_check(index, iobase, irq, vmpass_nr_ports);
}

/**
 * vmpass_identity_warn_shared() - warn once if ports share @irq
 * @irq: the IRQ
 */
void vmpass_identity_warn_shared(unsigned int irq)
{
	char names[128];
	unsigned int i, nr = 0;
	int len = 0;

	if (!irq)
		return;
	for (i = 0; i < vmpass_nr_ports; i++) {
		if (vmpass_ports[i].irq != irq)
			continue;
		nr++;
		if (len < sizeof(names))
			len += scnprintf(names + len, sizeof(names) - len, "%sttyVCOM%u",
					 nr > 1 ? ", " : "", i);
	}
	if (nr > 1)
		pr_warn("IRQ %u is shared by %s; a guest must not use them with edge-triggered ISA interrupts at once\n",
			irq, names);
}

/**
 * vmpass_port_set_identity() - give a port a new I/O base and IRQ
 * @port: the port
 * @iobase: new I/O base, 0 for none
 * @irq: new IRQ, 0 for none
 *
 * Return: 0, -EINVAL (bad or overlapping identity), or -EBUSY while a guest
 * is attached.
 */
int vmpass_port_set_identity(struct vmpass_port *port, unsigned long iobase,
			     unsigned int irq)
{
	unsigned int old_irq = 0;
	unsigned long flags;
	int ret;

	mutex_lock(&vmpass_identity_lock);
	if (iobase == port->iobase && irq == port->irq) {
		ret = 0;
		goto out_unlock;
	}
	ret = vmpass_identity_check(port->index, iobase, irq);
	if (ret)
		goto out_unlock;
	/* Under the port lock, so that no guest attaches in between. */
	spin_lock_irqsave(&port->lock, flags);
	if (port->guest_ops) {
		ret = -EBUSY;
	} else {
		old_irq = port->irq;
		port->iobase = iobase;
		port->irq = irq;
	}
	spin_unlock_irqrestore(&port->lock, flags);
	if (!ret && irq != old_irq)
		vmpass_identity_warn_shared(irq);
out_unlock:
	mutex_unlock(&vmpass_identity_lock);
	return ret;
}

static void port_init(struct vmpass_port *port, unsigned int index,
		      unsigned long iobase, unsigned int irq)
{
	port->index = index;
	port->iobase = iobase;
	port->irq = irq;
	spin_lock_init(&port->lock);
	INIT_KFIFO(port->to_guest);
	INIT_KFIFO(port->to_host);
	uart16550_reset(&port->uart);
	port->uart.no_out2_gate = !out2_gates_irq;
	port->line_lcr = port->uart.lcr;
	port->line_dl = port->uart.dl;
	hrtimer_init(&port->rx_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	port->rx_timer.function = port_rx_timeout;
	INIT_WORK(&port->event_work, port_event_work);
	tty_port_init(&port->tport);
	port->tport.ops = &com_tty_port_ops;
	/* Close does not wait for a guest to take what was written. */
	port->tport.closing_wait = ASYNC_CLOSING_WAIT_NONE;
}

static void port_teardown(struct vmpass_port *port)
{
	com_tty_remove_port(port);
	hrtimer_cancel(&port->rx_timer);
	cancel_work_sync(&port->event_work);
	tty_port_destroy(&port->tport);
}

/* debugfs: vmpass/ports, the state of every port, for debugging. */
static struct dentry *vmpass_debugfs;

static int ports_debug_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	seq_puts(m, "port iobase irq ier iir lcr mcr lsr msr rx tx to_guest to_host irq_level host_open throttled guest\n");
	for (i = 0; i < vmpass_nr_ports; i++) {
		struct vmpass_port *port = &vmpass_ports[i];
		struct uart16550 u;
		unsigned long flags;
		unsigned int tg, th;
		bool level, open, thr, guest;
		u8 lsr, msr;

		spin_lock_irqsave(&port->lock, flags);
		u = port->uart;
		tg = kfifo_len(&port->to_guest);
		th = kfifo_len(&port->to_host);
		level = port->irq_level;
		open = port->host_open;
		thr = port->throttled;
		guest = port->guest_ops;
		spin_unlock_irqrestore(&port->lock, flags);
		/* LSR and MSR reads clear bits: read them from a copy. */
		lsr = uart16550_read(&u, UART_LSR);
		msr = uart16550_read(&u, UART_MSR);
		seq_printf(m, "%u %#lx %u %02x %02x %02x %02x %02x %02x %u %u %u %u %d %d %d %d\n",
			   i, port->iobase, port->irq, u.ier, uart16550_iir(&u), u.lcr, u.mcr,
			   lsr, msr, u.rx.count, u.tx.count, tg, th, level, open, thr, guest);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ports_debug);

/**
 * vmpass_ports_create() - create the COM ports and their ttys
 * @nr: number of ports
 * @iobase: their I/O bases
 * @irq: their IRQs
 *
 * The identities are checked first (vmpass_identity_check()); ports that
 * share an IRQ get one warning for each IRQ.
 * Return: 0 or a negative errno, with nothing left behind.
 */
int vmpass_ports_create(unsigned int nr, const unsigned long *iobase,
			const unsigned int *irq)
{
	unsigned int i;
	int ret;

	if (!nr)
		return 0;
	vmpass_ports = kvcalloc(nr, sizeof(*vmpass_ports), GFP_KERNEL);
	if (!vmpass_ports)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ret = identity_check(i, iobase[i], irq[i], i);
		if (ret)
			goto err_free;
		vmpass_ports[i].iobase = iobase[i];
	}

	ret = com_tty_register(nr);
	if (ret)
		goto err_free;

	for (i = 0; i < nr; i++) {
		port_init(&vmpass_ports[i], i, iobase[i], irq[i]);
		ret = com_tty_add_port(&vmpass_ports[i]);
		if (ret) {
			tty_port_destroy(&vmpass_ports[i].tport);
			goto err_ports;
		}
		vmpass_nr_ports = i + 1;
	}
	for (i = 1; i < 16; i++)
		vmpass_identity_warn_shared(i);
	vmpass_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ports", 0400, vmpass_debugfs, NULL, &ports_debug_fops);
	return 0;

err_ports:
	while (vmpass_nr_ports)
		port_teardown(&vmpass_ports[--vmpass_nr_ports]);
	com_tty_unregister();
err_free:
	kvfree(vmpass_ports);
	vmpass_ports = NULL;
	return ret;
}

void vmpass_ports_destroy(void)
{
	debugfs_remove_recursive(vmpass_debugfs);
	vmpass_debugfs = NULL;
	if (!vmpass_ports)
		return;
	while (vmpass_nr_ports)
		port_teardown(&vmpass_ports[--vmpass_nr_ports]);
	com_tty_unregister();
	kvfree(vmpass_ports);
	vmpass_ports = NULL;
}
