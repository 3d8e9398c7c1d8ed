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
 * Two exceptions keep the guest's hot path short: an access that changes
 * nothing outside the model's registers is not synced, and THR and RBR
 * strings move as blocks, with bytes moved where a FIFO fills or runs dry
 * and the IRQ output evaluated once (com_port_guest_rep()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/tty_flip.h>
#include <uapi/linux/vmpass.h>

#include "com_port.h"
#include "compat.h"

struct vmpass_port *vmpass_ports;
unsigned int vmpass_nr_ports;
/* Serialises identity changes (setserial, sysfs) against each other. */
DEFINE_MUTEX(vmpass_identity_lock);

static bool out2_gates_irq = true;
module_param(out2_gates_irq, bool, 0444);
MODULE_PARM_DESC(out2_gates_irq,
		 "A port's IRQ output is gated by MCR.OUT2, as on a PC (default: yes)");

/*
 * The tty layer says nothing when its buffers drain, and its line
 * discipline throttles only when its own buffer fills: the flip buffers can
 * fill first (flush_to_ldisc running late, another line discipline, an
 * atomic allocation that failed). While guest output is stuck behind them,
 * a retry timer pushes again, backing off from 1 ms to 64 ms while nothing
 * moves; it is not armed otherwise.
 */
#define TX_RETRY_MIN_NS		NSEC_PER_MSEC
#define TX_RETRY_MAX_SHIFT	6

static void port_tx_retry_arm(struct vmpass_port *port)
{
	if (!hrtimer_is_queued(&port->tx_retry))
		hrtimer_start(&port->tx_retry,
			      ns_to_ktime(TX_RETRY_MIN_NS << port->tx_retry_shift),
			      HRTIMER_MODE_REL_SOFT);
}

/*
 * The host end is closed and the port drops what the guest sends then, as
 * a real UART transmits into the void: counted as buf_overrun.
 */
static void port_drop_to_host(struct vmpass_port *port)
{
	unsigned int n = kfifo_len(&port->to_host);

	if (!n)
		return;
	kfifo_reset_out(&port->to_host);
	port->icount.buf_overrun += n;
}

/* The most bytes handed to the tty layer in one block. */
#define VMPASS_PUSH_RUN		32

/* The host end takes bytes now: open, not throttled, CREAD. */
static bool port_host_ready(const struct vmpass_port *port)
{
	return port->host_open && !port->throttled && port->host_cread;
}

/*
 * Guest output reaches the host end's reader when the flip buffer is
 * pushed, which queues the tty layer's flush work: a wakeup, often on
 * another CPU, and the dearest step of a byte's way. Bytes that THR
 * accesses put into the flip buffer are pushed together: when a FIFO's
 * worth has gathered, at the port's next sync (any access to another
 * register, such as the LSR read a driver does before its next burst, and
 * any host-side event), or PUSH_DELAY after the first of them at the
 * latest (four character times at the guest's line settings, at most
 * PUSH_DELAY_MAX_NS), which is as late as a receiving 16550 would report
 * them. Everything else is pushed at once.
 */
#define PUSH_DELAY_MAX_NS	NSEC_PER_MSEC

static void port_flip_push(struct vmpass_port *port)
{
	if (!port->tx_unpushed)
		return;
	port->tx_unpushed = 0;
	tty_flip_buffer_push(&port->tport);
}

static void port_flip_push_soon(struct vmpass_port *port)
{
	u64 delay;

	if (port->tx_unpushed >= UART16550_FIFO_SIZE) {
		port_flip_push(port);
		return;
	}
	if (!port->tx_unpushed || hrtimer_is_queued(&port->push_timer))
		return;
	delay = min_t(u64, 4 * uart16550_char_time_ns(&port->uart), PUSH_DELAY_MAX_NS);
	hrtimer_start(&port->push_timer, ns_to_ktime(delay), HRTIMER_MODE_REL_SOFT);
}

static enum hrtimer_restart port_push_timeout(struct hrtimer *timer)
{
	struct vmpass_port *port = container_of(timer, struct vmpass_port, push_timer);
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port_flip_push(port);
	spin_unlock_irqrestore(&port->lock, flags);
	return HRTIMER_NORESTART;
}

/*
 * Guest output into the host's tty, as far as the host end takes it: runs
 * of plain bytes as blocks (tty_insert_flip_string()), breaks one by one,
 * and one flip buffer push for all of it.
 */
static void port_push_to_host(struct vmpass_port *port)
{
	unsigned int room, run, n, pushed = 0;
	u16 peek[VMPASS_PUSH_RUN], c;
	u8 chars[VMPASS_PUSH_RUN];

	if (!port->host_open && port->drop_closed_output)
		port_drop_to_host(port);
	if (!port->host_open || port->throttled || kfifo_is_empty(&port->to_host))
		return;
	room = tty_buffer_space_avail(&port->tport);
	while (kfifo_peek(&port->to_host, &c)) {
		/*
		 * TTY_DRIVER_REAL_RAW: the driver honours CREAD and IGNBRK, as
		 * uart_insert_char() does. A byte or break ignored is still
		 * received (and counted), as by a UART.
		 */
		if (c & VMPASS_CHAR_BREAK) {
			if (port->host_cread && !port->host_ignbrk) {
				if (!room || !tty_insert_flip_char(&port->tport, 0, TTY_BREAK))
					break;
				room--;
				pushed++;
			}
			kfifo_skip(&port->to_host);
			port->icount.brk++;
			continue;
		}
		if (!port->host_cread) {
			kfifo_skip(&port->to_host);
			port->icount.rx++;
			continue;
		}
		/* A run of plain bytes, up to the next break or room's end. */
		n = kfifo_out_peek(&port->to_host, peek,
				   min_t(unsigned int, room, ARRAY_SIZE(peek)));
		for (run = 0; run < n && !(peek[run] & VMPASS_CHAR_BREAK); run++)
			chars[run] = peek[run];
		run = tty_insert_flip_string(&port->tport, chars, run);
		for (n = 0; n < run; n++)
			kfifo_skip(&port->to_host);
		room -= run;
		pushed += run;
		port->icount.rx += run;
		if (!run || !room)
			break;
	}
	if (pushed) {
		port->tx_retry_shift = 0;
		port->tx_unpushed += pushed;
		port_flip_push(port);
	}
	if (!kfifo_is_empty(&port->to_host))
		port_tx_retry_arm(port);
}

/*
 * Guest output: from the TX FIFO into the tty as a block while nothing is
 * queued in front of it, else into to_host while there is room; and a
 * break the guest starts as a TTY_BREAK. Returns true if anything moved.
 */
static bool port_take_guest_output(struct vmpass_port *port)
{
	struct uart16550 *u = &port->uart;
	unsigned int n, done, count = uart16550_tx_count(u);
	u8 chars[UART16550_FIFO_SIZE];
	bool moved = false;
	u8 ch;

	if (count && kfifo_is_empty(&port->to_host) && port_host_ready(port)) {
		n = tty_buffer_space_avail(&port->tport);
		n = uart16550_tx_pop_string(u, chars, min_t(unsigned int, n, sizeof(chars)));
		count -= n;
		done = tty_insert_flip_string(&port->tport, chars, n);
		port->icount.rx += done;
		/* to_host is empty: what the tty layer did not take fits. */
		while (done < n)
			kfifo_put(&port->to_host, chars[done++]);
		if (n) {
			port->tx_retry_shift = 0;
			port->tx_unpushed += done;
			moved = true;
		}
	}
	while (count && !kfifo_is_full(&port->to_host) && uart16550_tx_pop(u, &ch)) {
		kfifo_put(&port->to_host, ch);
		count--;
		moved = true;
	}
	if (!uart16550_break(u)) {
		port->guest_break = false;
	} else if (!port->guest_break && kfifo_put(&port->to_host, VMPASS_CHAR_BREAK)) {
		port->guest_break = true;
		moved = true;
	}
	return moved;
}

/* Guest output, all the way to the host end as far as it takes it. */
static void port_tx_flush(struct vmpass_port *port)
{
	bool full;

	port_take_guest_output(port);
	full = kfifo_is_full(&port->to_host);
	port_push_to_host(port);
	/*
	 * The push may have made room in a full to_host (an unthrottle, a
	 * tx_retry): the TX FIFO moves on now, or THRE would stay clear
	 * with nothing left to push and nothing to restart the guest. A
	 * to_host that was not full took the whole TX FIFO and the break.
	 */
	if (full && port_take_guest_output(port))
		port_push_to_host(port);
}

/* Host output: from to_guest into the RX FIFO, while there is room. */
static unsigned int port_fill_rx(struct vmpass_port *port)
{
	unsigned int moved = 0;
	u16 c;

	while (uart16550_rx_room(&port->uart) && kfifo_get(&port->to_guest, &c)) {
		uart16550_rx_push(&port->uart, c & 0xff,
				  (c & VMPASS_CHAR_BREAK) ? UART_LSR_BI : 0);
		moved++;
	}
	if (moved && kfifo_len(&port->to_guest) < VMPASS_PORT_BUF / 2)
		set_bit(VMPASS_EV_WAKEUP, &port->events);
	return moved;
}

/*
 * Returns true if bytes entered the RX FIFO, which stays as it is while
 * the guest's handler reads it, or a hold keeps it shut.
 */
static bool port_move_bytes(struct vmpass_port *port)
{
	port_tx_flush(port);
	/* Emptied other than by reads (an FCR reset): topped up again. */
	if (port->rx_draining && !port->uart.rx.count)
		port->rx_draining = false;
	return !port->rx_held && !port->rx_draining && port_fill_rx(port);
}

/*
 * A guest IIR read (irq_line.c): an interrupt handler runs from the read
 * that reports the interrupt it took (the IRQ output is high) to the one
 * that finds nothing pending, as serial8250_interrupt()'s last pass does.
 */
static void port_rx_iir_read(struct vmpass_port *port, u8 iir)
{
	if (iir & UART_IIR_NO_INT) {
		port->rx_in_handler = false;
	} else if (port->irq_level && !port->rx_in_handler) {
		port->rx_in_handler = true;
		port->rx_handler_start = ktime_get();
	}
}

/*
 * After a guest RBR read (irq_line.c): in an interrupt handler, with RDI
 * enabled, the handler must be able to read the FIFO empty, so it is not
 * topped up while it holds bytes; once it is empty with more of the host's
 * bytes waiting, nothing enters it until the line releases it. A guest
 * that polls (no IIR read) has the FIFO topped up at each read.
 */
static void port_rx_hold_check(struct vmpass_port *port)
{
	struct uart16550 *u = &port->uart;

	port->rx_draining = false;
	if (port->rx_held || !port->rx_in_handler || !(u->ier & UART_IER_RDI))
		return;
	if (u->rx.count) {
		port->rx_draining = true;
		return;
	}
	if (kfifo_is_empty(&port->to_guest))
		return;
	port->rx_held = true;
	irq_line_hold(port->line, port->line_bit, uart16550_char_time_ns(u),
		      port->rx_handler_start);
}

/* The FIFO is topped up again from the next sync. */
static void port_rx_unhold(struct vmpass_port *port)
{
	port->rx_draining = false;
	if (!port->rx_held)
		return;
	port->rx_held = false;
	irq_line_unhold(port->line, port->line_bit);
}

/* No handler runs any more, as for a new guest or a reset chip. */
static void port_rx_forget(struct vmpass_port *port)
{
	port->rx_in_handler = false;
	port_rx_unhold(port);
}

/*
 * After a guest IER or MCR write: a hold ends with RDI cleared or the
 * output gated off (the guest stops receiving, or polls from now on).
 */
static void port_rx_irq_check(struct vmpass_port *port)
{
	if (!(port->uart.ier & UART_IER_RDI) || !uart16550_irq_gate_open(&port->uart))
		port_rx_forget(port);
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

/*
 * A byte was received or read: the character timeout starts again, four
 * character times from now. The timer is not re-armed for each byte: the
 * new deadline is recorded, and a timer that fires before it moves itself
 * there (port_rx_timeout()).
 */
static void port_rx_activity(struct vmpass_port *port)
{
	struct uart16550 *u = &port->uart;

	if (!uart16550_rx_timeout_armed(u))
		return;
	port->rx_deadline = ktime_add_ns(ktime_get(), 4 * uart16550_char_time_ns(u));
	/* Started at once if the line got faster (a shorter character time). */
	if (!hrtimer_is_queued(&port->rx_timer) ||
	    ktime_before(port->rx_deadline, hrtimer_get_expires(&port->rx_timer)))
		hrtimer_start(&port->rx_timer, port->rx_deadline, HRTIMER_MODE_ABS);
}

/* Report an edge of the IRQ output to the guest, if there is one. */
static void port_update_irq(struct vmpass_port *port)
{
	bool level = uart16550_irq_level(&port->uart);

	if (level == port->irq_level)
		return;
	port->irq_level = level;
	irq_line_level(port->line, port->line_bit, level);
	if (port->guest_ops)
		port->guest_ops->irq_changed(port->guest_data, level);
}

/**
 * port_sync() - bring everything outside the model up to date with it
 * @port: the port, locked
 * @rx_activity: a byte was received or read, so the character timeout
 *	starts again
 */
static void port_sync(struct vmpass_port *port, bool rx_activity)
{
	lockdep_assert_held(&port->lock);
	if (port->frozen)
		return;

	if (port_move_bytes(port))
		rx_activity = true;
	port_sync_modem(port);
	if (rx_activity)
		port_rx_activity(port);
	port_flip_push(port);
	port_update_irq(port);
	if (port->events)
		schedule_work(&port->event_work);
}

/**
 * com_port_rx_release() - end a port's RX hold, for its line's release
 * @port: the port
 * @line: the line that held it; a port that has left it since is not
 *	released early
 *
 * Context: takes the port's lock; not under @line's lock.
 */
void com_port_rx_release(struct vmpass_port *port, struct vmpass_irq_line *line)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	/* Held again since the release took its bit: that hold waits. */
	if (port->rx_held && port->line == line &&
	    !irq_line_held(line, port->line_bit)) {
		port->rx_held = false;
		/* The next interrupt's handler starts its own busy time. */
		port->rx_in_handler = false;
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

static enum hrtimer_restart port_rx_timeout(struct hrtimer *timer)
{
	struct vmpass_port *port = container_of(timer, struct vmpass_port, rx_timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->frozen) {
		/* The time left is in the snapshot. */
	} else if (hrtimer_is_queued(timer)) {
		/* Started again meanwhile: that start stands. */
	} else if (ktime_before(ktime_get(), port->rx_deadline)) {
		/* Bytes moved since it was started: the timeout starts later. */
		hrtimer_set_expires(timer, port->rx_deadline);
		ret = HRTIMER_RESTART;
	} else {
		uart16550_rx_timeout(&port->uart);
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	return ret;
}

static enum hrtimer_restart port_tx_retry(struct hrtimer *timer)
{
	struct vmpass_port *port = container_of(timer, struct vmpass_port, tx_retry);
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->tx_retry_shift < TX_RETRY_MAX_SHIFT)
		port->tx_retry_shift++;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
	return HRTIMER_NORESTART;
}

static void port_event_work(struct work_struct *work)
{
	com_tty_port_events(container_of(work, struct vmpass_port, event_work));
}

/*
 * Snapshots (vmm-api.rst, "Port state"). A GET freezes the port: from then
 * on nothing moves between the model and the buffers or the host end, the
 * character timer is stopped (its time left kept), guest accesses are
 * ignored, host writes wait, and the host end's modem lines reach the model
 * only when the port thaws. So the snapshot stays exact until the port is
 * detached (the buffers go with the snapshot) or a SET thaws it. After
 * such a detach, host writers go on waiting until the port runs again (a
 * SET, or the next guest's first access): written meanwhile, their bytes
 * would come before the snapshot's when it is restored onto this port.
 */

/* The host end's DTR and RTS, as the model's modem inputs. */
static void port_apply_host_mctrl(struct vmpass_port *port)
{
	u8 msr = 0;

	if (port->host_mctrl & TIOCM_DTR)
		msr |= UART_MSR_DSR | UART_MSR_DCD;
	if (port->host_mctrl & TIOCM_RTS)
		msr |= UART_MSR_CTS;
	uart16550_set_modem_inputs(&port->uart, msr);
}

static void port_freeze(struct vmpass_port *port)
{
	ktime_t end, left;

	lockdep_assert_held(&port->lock);
	if (port->frozen)
		return;
	port->frozen = true;
	/* A snapshot has no hold: the thaw tops the FIFO up. */
	port_rx_forget(port);
	port->frozen_timer = hrtimer_is_queued(&port->rx_timer);
	port->frozen_timeout_ns = 0;
	if (port->frozen_timer) {
		/* A timer due before the deadline moves itself there. */
		end = hrtimer_get_expires(&port->rx_timer);
		if (ktime_before(end, port->rx_deadline))
			end = port->rx_deadline;
		left = ktime_sub(end, ktime_get());
		port->frozen_timeout_ns = max_t(s64, ktime_to_ns(left), 0);
	}
	/*
	 * Not hrtimer_cancel(): the callbacks take this lock. One that
	 * already waits for it finds the port frozen and does nothing; a
	 * timeout it would have raised is raised at the thaw instead.
	 */
	hrtimer_try_to_cancel(&port->rx_timer);
	hrtimer_try_to_cancel(&port->tx_retry);
}

static void port_thaw(struct vmpass_port *port)
{
	struct uart16550 *u = &port->uart;
	u64 ns = 4 * uart16550_char_time_ns(u);

	lockdep_assert_held(&port->lock);
	port->frozen = false;
	port_apply_host_mctrl(port);
	if (port->frozen_timer)
		ns = port->frozen_timeout_ns;
	if (port->frozen_timer || uart16550_rx_timeout_armed(u)) {
		port->rx_deadline = ktime_add_ns(ktime_get(), ns);
		hrtimer_start(&port->rx_timer, port->rx_deadline, HRTIMER_MODE_ABS);
	}
	port->frozen_timer = false;
	port->frozen_timeout_ns = 0;
	port->host_held = false;
	set_bit(VMPASS_EV_WAKEUP, &port->events);
	port_sync(port, false);
}

/*
 * A frozen port loses its guest: the buffered bytes left with the snapshot,
 * and so did the model's FIFOs, which go back to their reset state.
 */
static void port_hand_over(struct vmpass_port *port)
{
	lockdep_assert_held(&port->lock);
	port_rx_forget(port);
	port->frozen = false;
	port->frozen_timer = false;
	port->frozen_timeout_ns = 0;
	port->host_held = true;
	kfifo_reset(&port->to_guest);
	kfifo_reset(&port->to_host);
	uart16550_reset(&port->uart);
	port->uart.no_out2_gate = !out2_gates_irq;
	port_apply_host_mctrl(port);
}

/**
 * com_port_get_state() - freeze a port and take its state
 * @port: the port
 * @st: filled in, all of it (reserved fields and unused entries zero)
 *
 * Under one hold of the port's lock, so the state is consistent. The port
 * stays frozen until it is detached or a com_port_set_state() thaws it.
 */
void com_port_get_state(struct vmpass_port *port, struct vmpass_port_state *st)
{
	unsigned long flags;

	BUILD_BUG_ON(VMPASS_STATE_BUF != VMPASS_PORT_BUF);
	BUILD_BUG_ON(VMPASS_STATE_CHAR_BREAK != VMPASS_CHAR_BREAK);
	BUILD_BUG_ON(VMPASS_STATE_FIFO_SIZE != UART16550_FIFO_SIZE);

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->version = VMPASS_PORT_STATE_VERSION;

	spin_lock_irqsave(&port->lock, flags);
	port_freeze(port);
	if (uart16550_irq_level(&port->uart))
		st->flags |= VMPASS_STATE_IRQ_LEVEL;
	if (port->frozen_timer) {
		st->flags |= VMPASS_STATE_TIMER;
		st->timeout_ns = port->frozen_timeout_ns;
	}
	if (port->guest_break)
		st->flags |= VMPASS_STATE_GUEST_BREAK;
	uart16550_save(&port->uart, &st->uart);
	st->to_guest_len = kfifo_out_peek(&port->to_guest, st->to_guest, VMPASS_STATE_BUF);
	st->to_host_len = kfifo_out_peek(&port->to_host, st->to_host, VMPASS_STATE_BUF);
	spin_unlock_irqrestore(&port->lock, flags);
}

/* Entries are bytes or breaks; those past @len are zero. */
static bool state_buf_valid(const u16 *buf, unsigned int len)
{
	unsigned int i;

	if (len > VMPASS_STATE_BUF)
		return false;
	for (i = 0; i < len; i++)
		if (buf[i] > VMPASS_STATE_CHAR_BREAK)
			return false;
	return !memchr_inv(buf + len, 0, (VMPASS_STATE_BUF - len) * sizeof(*buf));
}

/* What is wrong with @st outside the 16550A, or NULL. */
static const char *port_state_check(const struct vmpass_port_state *st)
{
	if (st->size != sizeof(*st) || st->version != VMPASS_PORT_STATE_VERSION)
		return "unknown size or version";
	if (st->flags & ~(VMPASS_STATE_IRQ_LEVEL | VMPASS_STATE_TIMER |
			  VMPASS_STATE_GUEST_BREAK))
		return "unknown flags";
	if (st->reserved0 || memchr_inv(st->reserved1, 0, sizeof(st->reserved1)) ||
	    memchr_inv(st->reserved2, 0, sizeof(st->reserved2)))
		return "non-zero reserved fields";
	if (!(st->flags & VMPASS_STATE_TIMER) && st->timeout_ns)
		return "a time left with no timer";
	if (st->timeout_ns > 4 * UART16550_MAX_CHAR_TIME_NS)
		return "a timeout longer than four of the longest characters";
	if (!state_buf_valid(st->to_guest, st->to_guest_len) ||
	    !state_buf_valid(st->to_host, st->to_host_len))
		return "buffer lengths or entries out of range";
	return NULL;
}

/* Check all of @st and load its 16550A into @u; -EINVAL with an error. */
static int port_state_load(struct vmpass_port *port, const struct vmpass_port_state *st,
			   struct uart16550 *u)
{
	const char *why;

	*u = (struct uart16550){ .no_out2_gate = !out2_gates_irq };
	why = port_state_check(st);
	if (!why)
		why = uart16550_restore(u, &st->uart);
	if (!why && uart16550_irq_level(u) != !!(st->flags & VMPASS_STATE_IRQ_LEVEL))
		why = "an IRQ level that the registers do not give";
	if (why) {
		pr_err_ratelimited("ttyVCOM%u: state refused: %s\n", port->index, why);
		return -EINVAL;
	}
	return 0;
}

/**
 * com_port_check_state() - would com_port_set_state() take @st?
 * @port: the port (for the error message)
 * @st: the state
 *
 * Return: 0, or -EINVAL with a one-line error. Changes nothing.
 */
int com_port_check_state(struct vmpass_port *port, const struct vmpass_port_state *st)
{
	struct uart16550 u;

	return port_state_load(port, st, &u);
}

/**
 * com_port_freeze() - freeze a port, as com_port_get_state() does
 * @port: the port
 */
void com_port_freeze(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port_freeze(port);
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * com_port_hand_over() - the state of a frozen port went elsewhere
 * @port: the port
 *
 * As a detach of a frozen port does (vmpass_port_detach()), for a guest that
 * stays attached (a mediated card closed after its stream was taken): the
 * model is reset, the buffered bytes, which the state holds, are dropped,
 * and host writers wait until the port runs again. A port that is not
 * frozen is left alone.
 */
void com_port_hand_over(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->frozen) {
		port_hand_over(port);
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * com_port_drop_state() - a frozen port's state is not to run here
 * @port: the port
 *
 * As com_port_hand_over(), for a state that was loaded and is dropped
 * unrun (a migration's destination reset or closed before it ran): the
 * model is reset and the buffered bytes dropped, but host writers go on at
 * once, since no snapshot of this port is left to be restored. A port
 * that is not frozen is left alone.
 */
void com_port_drop_state(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->frozen) {
		port_hand_over(port);
		port->host_held = false;
		set_bit(VMPASS_EV_WAKEUP, &port->events);
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * com_port_thaw() - let a frozen port run again from the state it holds
 * @port: the port
 */
void com_port_thaw(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->frozen)
		port_thaw(port);
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * com_port_set_state() - give an attached port a state from com_port_get_state()
 * @port: the port
 * @st: the state
 * @stay_frozen: leave the port frozen, as after a get, rather than run it
 *
 * Everything is checked first: a state the port could never be in is
 * refused, with a one-line error, and the port is left as it was. Then the
 * model and both buffers are replaced (what the port had buffered is
 * dropped), and the model's modem inputs become those of this port's host
 * end, with delta bits where they differ from the saved ones.
 * Return: 0, or -EINVAL (a bad state, or no guest attached).
 */
int com_port_set_state(struct vmpass_port *port, const struct vmpass_port_state *st,
		       bool stay_frozen)
{
	struct uart16550 u;
	unsigned long flags;
	bool attached;

	if (port_state_load(port, st, &u))
		return -EINVAL;

	spin_lock_irqsave(&port->lock, flags);
	attached = port->guest_ops;
	if (attached)
		port_freeze(port);
	spin_unlock_irqrestore(&port->lock, flags);
	if (!attached) {
		pr_err_ratelimited("ttyVCOM%u: state refused: no guest attached\n", port->index);
		return -EINVAL;
	}
	/* Frozen, nothing restarts it: wait out a callback still running. */
	hrtimer_cancel(&port->rx_timer);

	spin_lock_irqsave(&port->lock, flags);
	if (!port->guest_ops) {	/* detached meanwhile: nothing to restore */
		spin_unlock_irqrestore(&port->lock, flags);
		return -EINVAL;
	}
	port->uart = u;
	kfifo_reset(&port->to_guest);
	kfifo_reset(&port->to_host);
	kfifo_in(&port->to_guest, st->to_guest, st->to_guest_len);
	kfifo_in(&port->to_host, st->to_host, st->to_host_len);
	port->guest_break = st->flags & VMPASS_STATE_GUEST_BREAK;
	port->frozen_timer = st->flags & VMPASS_STATE_TIMER;
	port->frozen_timeout_ns = st->timeout_ns;
	port_apply_host_mctrl(port);
	/*
	 * The output reported for the model that is gone is taken back: the
	 * guest sees the line low while the port is frozen, and the loaded
	 * state's output, when asserted, as a rising edge when the port runs,
	 * even if it was asserted before: the VMM may have restored its
	 * interrupt controller with the line low (vmm-api.rst).
	 */
	if (port->irq_level) {
		port->irq_level = false;
		irq_line_level(port->line, port->line_bit, false);
		port->guest_ops->irq_changed(port->guest_data, false);
	}
	if (!stay_frozen)
		port_thaw(port);
	spin_unlock_irqrestore(&port->lock, flags);
	return 0;
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

/* Under the port's lock: @port moves to @line, as member @bit, unheld. */
static void port_line_move(struct vmpass_port *port, struct vmpass_irq_line *line,
			   unsigned int bit)
{
	port_rx_forget(port);
	irq_line_leave(port->line, port->line_bit);
	port->line = line;
	port->line_bit = bit;
	irq_line_join(line, bit, port, port->irq_level);
}

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
	return vmpass_port_hold(port, NULL, ops, data, NULL, 0);
}
EXPORT_SYMBOL_GPL(vmpass_port_attach);

/**
 * vmpass_port_detach() - stop being the guest of a port
 * @port: the port
 *
 * The model goes back to its reset state, as a new guest would find it.
 * Bytes buffered for either side stay, unless the port is frozen: then
 * they went with the snapshot (com_port_get_state()), and are dropped.
 * No callback runs after this returns.
 */
void vmpass_port_detach(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (port->frozen)
		port_hand_over(port);
	port->guest_ops = NULL;
	port->guest_data = NULL;
	port->holder = NULL;
	port_line_move(port, &port->own_line, 0);
	uart16550_reset(&port->uart);
	port->uart.no_out2_gate = !out2_gates_irq;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}
EXPORT_SYMBOL_GPL(vmpass_port_detach);

/**
 * vmpass_port_hold() - become the guest of a port, as a named holder
 * @port: the port
 * @holder: who holds it (a mediated card's device name); must stay valid
 *	until vmpass_port_detach()
 * @ops: callbacks
 * @data: their argument
 * @line: the interrupt line the guest wires the port to, shared with its
 *	other ports (struct vmpass_irq_line), or NULL for a line of its own
 * @bit: the port's bit on @line, below VMPASS_LINE_PORTS
 *
 * As vmpass_port_attach(); the port reports @holder, set under the same
 * lock as the guest, until it is detached (VMPASS_PORT_CARD in
 * VMPASS_DESCRIBE_PORT). @holder NULL is a plain attach. The port leaves
 * @line when it is detached.
 * Return: 0, -EBUSY if the port already has a guest, or -EINVAL for a bad @bit.
 */
int vmpass_port_hold(struct vmpass_port *port, const char *holder,
		     const struct vmpass_guest_ops *ops, void *data,
		     struct vmpass_irq_line *line, unsigned int bit)
{
	unsigned long flags;
	int ret = 0;

	if (WARN_ON(line && bit >= VMPASS_LINE_PORTS))
		return -EINVAL;
	spin_lock_irqsave(&port->lock, flags);
	if (port->guest_ops) {
		ret = -EBUSY;
	} else {
		port->guest_ops = ops;
		port->guest_data = data;
		port->holder = holder;
		port->irq_level = false;
		port_line_move(port, line ?: &port->own_line, line ? bit : 0);
		port_sync(port, false);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(vmpass_port_hold);

/**
 * vmpass_port_reset() - reset a port, as a guest's hardware reset does
 * @port: the port
 *
 * The model goes back to its reset state and the bytes buffered for the
 * guest are dropped, so that the next guest does not receive them. The
 * guest stays attached; guest output on its way to the host end stays.
 */
void vmpass_port_reset(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port_rx_forget(port);
	uart16550_reset(&port->uart);
	port->uart.no_out2_gate = !out2_gates_irq;
	kfifo_reset(&port->to_guest);
	set_bit(VMPASS_EV_WAKEUP, &port->events);
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}
EXPORT_SYMBOL_GPL(vmpass_port_reset);

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

/*
 * An access whose effects stay inside the model's registers: nothing
 * outside it (bytes, modem lines, line settings, timers, the IRQ output)
 * can change, so it needs no sync. Everything else is synced.
 */
static bool port_access_is_quiet(struct vmpass_port *port, unsigned int reg,
				 bool write)
{
	const struct uart16550 *u = &port->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;

	/* Bytes still wait for the host end: any access pushes them on. */
	if (!kfifo_is_empty(&port->to_host) || port->tx_unpushed)
		return false;
	if (write)
		return reg == UART_SCR || reg == UART_LSR || reg == UART_MSR;
	switch (reg) {
	case UART_RX:
		return dlab;
	case UART_IER:
	case UART_LCR:
	case UART_MCR:
	case UART_SCR:
		return true;
	case UART_LSR:
		/* The read clears the error bits, an input of the IRQ. */
		return !u->lsr_err;
	case UART_MSR:
		return !(u->msr & UART_MSR_ANY_DELTA);
	}
	return false;
}

/*
 * THR written @n times: the TX FIFO is filled as a block and drained to
 * the host end whenever it is full, so that a string longer than the free
 * FIFO loses nothing while the host end takes bytes. A write that finds
 * the FIFO full is dropped, as a single one would be (the guest ignored
 * THRE); when the FIFO is still full after that, with nothing downstream
 * taking bytes, so is the rest of the string.
 */
static void port_thr_string(struct vmpass_port *port, const u8 *buf,
			    unsigned int n)
{
	struct uart16550 *u = &port->uart;
	unsigned int room, k, done = 0;
	bool dropped = false;

	while (done < n) {
		room = uart16550_tx_room(u);
		if (!room && dropped) {
			uart16550_thr_write_string(u, buf + done, n - done);
			break;
		}
		k = room ? min(n - done, room) : 1;
		uart16550_thr_write_string(u, buf + done, k);
		dropped = !room;
		done += k;
		port_tx_flush(port);
	}
}

/*
 * RBR read @n times: the RX FIFO is read as a block and refilled from
 * to_guest whenever it is empty, so that the string reads on into what the
 * host wrote, as single reads would; once both are empty, the reads return
 * what RBR holds.
 */
static void port_rbr_string(struct vmpass_port *port, u8 *buf, unsigned int n)
{
	struct uart16550 *u = &port->uart;
	unsigned int done = 0;

	/* A string reads on, held or not. */
	port_rx_unhold(port);
	while (done < n) {
		done += uart16550_rbr_read_string(u, buf + done, n - done);
		if (done < n && !port_fill_rx(port))
			break;
	}
	while (done < n)
		buf[done++] = uart16550_read(u, UART_RX);
}

/**
 * com_port_guest_rep() - @n guest accesses to one register, as rep insb/outsb
 * @port: the port
 * @reg: register number, 0..7
 * @buf: the bytes to write, or room for the bytes read
 * @n: number of accesses
 * @write: write (outsb) rather than read (insb)
 *
 * The lock is taken once. Each access has its full effect on the model
 * before the next, as separate accesses would. THR and RBR strings move
 * as blocks: bytes move to the host end where the TX FIFO fills, and in
 * from to_guest where the RX FIFO runs dry, so that none is lost or
 * skipped; the IRQ output is reported once, as it is when the string
 * ends, so a pulse between two bytes of one string is not reported (see
 * performance.rst). A single RBR read is an access like the others, so
 * that the RX hold (irq_line.c) sees it. Other registers are synced after
 * each access that can change anything outside the model's registers.
 */
void com_port_guest_rep(struct vmpass_port *port, unsigned int reg, u8 *buf,
			unsigned int n, bool write)
{
	struct uart16550 *u = &port->uart;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&port->lock, flags);
	if (unlikely(com_port_host_waits(port))) {
		if (port->frozen) {
			/* A frozen chip answers nothing and takes nothing. */
			if (!write)
				memset(buf, 0xff, n);
			goto out;
		}
		/* A new guest runs: the host's writers go on. */
		port->host_held = false;
		set_bit(VMPASS_EV_WAKEUP, &port->events);
		schedule_work(&port->event_work);
	}
	if (reg == UART_TX && write && uart16550_string_ok(u)) {
		port_thr_string(port, buf, n);
		port_flip_push_soon(port);
		port_update_irq(port);
	} else if (reg == UART_RX && !write && n > 1 && uart16550_string_ok(u)) {
		port_rbr_string(port, buf, n);
		port_sync(port, true);
	} else {
		for (i = 0; i < n; i++) {
			bool quiet = port_access_is_quiet(port, reg, write);
			bool rx = write ? reg == UART_FCR || reg == UART_TX :
				  reg == UART_RX && !(u->lcr & UART_LCR_DLAB);

			if (write)
				uart16550_write(u, reg, buf[i]);
			else
				buf[i] = uart16550_read(u, reg);
			if (rx && !write)
				port_rx_hold_check(port);
			else if (reg == UART_IIR && !write)
				port_rx_iir_read(port, buf[i]);
			else if (write && (reg == UART_IER || reg == UART_MCR))
				port_rx_irq_check(port);
			if (!quiet)
				port_sync(port, rx);
		}
	}
out:
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
	/* Frozen: the host waits (write_room is 0) until the port thaws. */
	for (done = 0; done < count && !com_port_host_waits(port); done++)
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
	if (!com_port_host_waits(port))	/* else lost with the snapshot */
		kfifo_put(&port->to_guest, VMPASS_CHAR_BREAK);
	port_sync(port, true);
	spin_unlock_irqrestore(&port->lock, flags);
}

void com_port_flush_to_guest(struct vmpass_port *port)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	if (!port->frozen)	/* the snapshot holds them now */
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

/* The host end's input flags that the driver honours (TTY_DRIVER_REAL_RAW). */
void com_port_host_set_input(struct vmpass_port *port, bool cread, bool ignbrk)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port->host_cread = cread;
	port->host_ignbrk = ignbrk;
	port_sync(port, false);
	spin_unlock_irqrestore(&port->lock, flags);
}

/**
 * com_port_set_closed_output() - what guest output does while the host end is closed
 * @port: the port
 * @drop: drop it and count it (as a real UART would), rather than keep it
 *	for the next opener, with the guest waiting once the buffers are full
 */
void com_port_set_closed_output(struct vmpass_port *port, bool drop)
{
	unsigned long flags;

	spin_lock_irqsave(&port->lock, flags);
	port->drop_closed_output = drop;
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

	spin_lock_irqsave(&port->lock, flags);
	port->host_mctrl = (port->host_mctrl & ~clear) | set;
	port->host_mctrl &= TIOCM_DTR | TIOCM_RTS;
	/* Frozen: the model sees the lines when the port thaws. */
	if (!port->frozen)
		port_apply_host_mctrl(port);
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
 * vmpass_port_set_identity_locked() - give a port a new I/O base and IRQ
 * @port: the port
 * @iobase: new I/O base, 0 for none
 * @irq: new IRQ, 0 for none
 *
 * The caller holds vmpass_identity_lock, so that it can read the port's
 * current identity and change it in one step.
 * Return: 0, -EINVAL (bad or overlapping identity), or -EBUSY while a guest
 * is attached.
 */
int vmpass_port_set_identity_locked(struct vmpass_port *port, unsigned long iobase,
				    unsigned int irq)
{
	unsigned int old_irq = 0;
	unsigned long flags;
	int ret;

	lockdep_assert_held(&vmpass_identity_lock);
	if (iobase == port->iobase && irq == port->irq)
		return 0;
	ret = vmpass_identity_check(port->index, iobase, irq);
	if (ret)
		return ret;
	/* Under the port lock, so that no guest attaches in between. */
	spin_lock_irqsave(&port->lock, flags);
	if (port->holder) {
		pr_err_ratelimited("ttyVCOM%u: held by the mediated card %s; remove the card first\n",
				   port->index, port->holder);
		ret = -EBUSY;
	} else if (port->guest_ops) {
		ret = -EBUSY;
	} else {
		old_irq = port->irq;
		WRITE_ONCE(port->iobase, iobase);
		WRITE_ONCE(port->irq, irq);
	}
	spin_unlock_irqrestore(&port->lock, flags);
	if (!ret && irq != old_irq)
		vmpass_identity_warn_shared(irq);
	return ret;
}

/**
 * vmpass_port_set_iobase() - give a port a new I/O base, keeping its IRQ
 * @port: the port
 * @iobase: new I/O base, 0 for none
 *
 * Return: as vmpass_port_set_identity_locked().
 */
int vmpass_port_set_iobase(struct vmpass_port *port, unsigned long iobase)
{
	int ret;

	mutex_lock(&vmpass_identity_lock);
	ret = vmpass_port_set_identity_locked(port, iobase, port->irq);
	mutex_unlock(&vmpass_identity_lock);
	return ret;
}

/**
 * vmpass_port_set_irq() - give a port a new IRQ, keeping its I/O base
 * @port: the port
 * @irq: new IRQ, 0 for none
 *
 * Return: as vmpass_port_set_identity_locked().
 */
int vmpass_port_set_irq(struct vmpass_port *port, unsigned int irq)
{
	int ret;

	mutex_lock(&vmpass_identity_lock);
	ret = vmpass_port_set_identity_locked(port, port->iobase, irq);
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
	compat_hrtimer_setup(&port->rx_timer, port_rx_timeout, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL);
	compat_hrtimer_setup(&port->tx_retry, port_tx_retry, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_SOFT);
	compat_hrtimer_setup(&port->push_timer, port_push_timeout, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_SOFT);
	INIT_WORK(&port->event_work, port_event_work);
	vmpass_irq_line_init(&port->own_line);
	/* Nothing else sees the line yet: no lock. */
	port->own_line.ports[0] = port;
	port->line = &port->own_line;
	tty_port_init(&port->tport);
	port->tport.ops = &com_tty_port_ops;
	/* Close does not wait for a guest to take what was written. */
	port->tport.closing_wait = ASYNC_CLOSING_WAIT_NONE;
}

static void port_teardown(struct vmpass_port *port)
{
	com_tty_remove_port(port);
	/*
	 * Each timer's callback runs port_sync(), which could start the
	 * others; not here, though: the module is pinned while a guest is
	 * attached or the host end is open, so the own line's release (armed
	 * only by a guest's handler, and first here, as its callback syncs),
	 * tx_retry (armed only by a push to an open host end) and rx_timer
	 * (started only while the FIFOs a guest enabled hold bytes) stay off
	 * once cancelled. push_timer starts nothing and is armed only by
	 * guest output.
	 */
	vmpass_irq_line_stop(&port->own_line);
	hrtimer_cancel(&port->tx_retry);
	hrtimer_cancel(&port->rx_timer);
	hrtimer_cancel(&port->push_timer);
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

/*
 * debugfs: vmpass/ttyVCOMn/tty_buffer_limit, the most the tty layer
 * buffers for the host end (tty_buffer_set_limit()). Tests lower it to
 * make the host end's buffers fill before its line discipline throttles.
 */
static int tty_buffer_limit_get(void *data, u64 *val)
{
	struct vmpass_port *port = data;

	*val = READ_ONCE(port->tport.buf.mem_limit);
	return 0;
}

static int tty_buffer_limit_set(void *data, u64 val)
{
	struct vmpass_port *port = data;

	if (val > INT_MAX)
		return -EINVAL;
	return tty_buffer_set_limit(&port->tport, val);
}
DEFINE_DEBUGFS_ATTRIBUTE(tty_buffer_limit_fops, tty_buffer_limit_get,
			 tty_buffer_limit_set, "%llu\n");

static void ports_debugfs_create(void)
{
	struct dentry *dir;
	char name[24];
	unsigned int i;

	vmpass_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ports", 0400, vmpass_debugfs, NULL, &ports_debug_fops);
	for (i = 0; i < vmpass_nr_ports; i++) {
		snprintf(name, sizeof(name), "ttyVCOM%u", i);
		dir = debugfs_create_dir(name, vmpass_debugfs);
		debugfs_create_file_unsafe("tty_buffer_limit", 0600, dir, &vmpass_ports[i],
					   &tty_buffer_limit_fops);
	}
}

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
	ports_debugfs_create();
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
