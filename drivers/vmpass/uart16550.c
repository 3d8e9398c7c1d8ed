// SPDX-License-Identifier: GPL-2.0
/*
 * uart16550.c - a register model of the 16550A; see uart16550.h.
 *
 * What a real driver can observe is modelled: reset values, DLAB, IIR
 * priorities, the THRE interrupt (cleared by an IIR read that reports it or
 * by a THR write, re-armed when IER.THRI is set while THRE is set), FIFO
 * resets and trigger levels, the character timeout (once it has occurred,
 * cleared only by an RBR read), RBR holding the last byte received, sticky
 * LSR errors cleared on read, MSR deltas (TERI on the falling edge of RI),
 * loopback, and the IRQ output gated by OUT2 as on a PC.
 */
#include <uapi/linux/vmpass.h>

#include "uart16550.h"

#define MSR_STATUS	(UART_MSR_CTS | UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCD)
#define MCR_WRITABLE	(UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | \
			 UART_MCR_OUT2 | UART_MCR_LOOP)
#define IER_WRITABLE	(UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI)
#define FCR_KEPT	(UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | \
			 UART_FCR_TRIGGER_MASK)

static unsigned int fifo_capacity(const struct uart16550 *u)
{
	return uart16550_fifo_enabled(u) ? UART16550_FIFO_SIZE : 1;
}

static void fifo_clear(struct uart16550_fifo *f)
{
	f->head = 0;
	f->count = 0;
}

static void fifo_put(struct uart16550_fifo *f, u8 ch, u8 err)
{
	unsigned int tail = (f->head + f->count) % UART16550_FIFO_SIZE;

	f->data[tail] = ch;
	f->err[tail] = err;
	f->count++;
}

static u8 fifo_get(struct uart16550_fifo *f)
{
	u8 ch = f->data[f->head];

	f->head = (f->head + 1) % UART16550_FIFO_SIZE;
	f->count--;
	return ch;
}

/* The errors of the byte at the top of the RX FIFO move into LSR. */
static void rx_top_errors_to_lsr(struct uart16550 *u)
{
	if (u->rx.count) {
		u->lsr_err |= u->rx.err[u->rx.head];
		u->rx.err[u->rx.head] = 0;
	}
}

/* The bits of a character at the programmed word length (5 to 8). */
static u8 word_mask(const struct uart16550 *u)
{
	return 0xff >> (3 - (u->lcr & UART_LCR_WLEN8));
}

static unsigned int rx_trigger_level(const struct uart16550 *u)
{
	static const u8 levels[] = { 1, 4, 8, 14 };

	if (!uart16550_fifo_enabled(u))
		return 1;
	return levels[(u->fcr & UART_FCR_TRIGGER_MASK) >> UART_FCR_R_TRIG_SHIFT];
}

static u8 msr_inputs(const struct uart16550 *u)
{
	u8 in = 0;

	if (!uart16550_loopback(u))
		return u->modem_in & MSR_STATUS;
	if (u->mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

/* Recompute the MSR status bits, latching deltas for the bits that moved. */
static void msr_update(struct uart16550 *u)
{
	u8 old = u->msr & MSR_STATUS;
	u8 now = msr_inputs(u);
	u8 changed = old ^ now;

	if (changed & UART_MSR_CTS)
		u->msr |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		u->msr |= UART_MSR_DDSR;
	if ((old & UART_MSR_RI) && !(now & UART_MSR_RI))
		u->msr |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		u->msr |= UART_MSR_DDCD;
	u->msr = (u->msr & UART_MSR_ANY_DELTA) | now;
}

static u8 lsr_value(const struct uart16550 *u)
{
	u8 lsr = u->lsr_err;
	unsigned int i;

	if (u->rx.count)
		lsr |= UART_LSR_DR;
	if (!u->tx.count)
		lsr |= UART_LSR_THRE | UART_LSR_TEMT;
	if (uart16550_fifo_enabled(u)) {
		for (i = 0; i < u->rx.count; i++)
			if (u->rx.err[(u->rx.head + i) % UART16550_FIFO_SIZE])
				lsr |= UART_LSR_FIFOE;
		if (u->lsr_err & UART_LSR_BRK_ERROR_BITS & ~UART_LSR_OE)
			lsr |= UART_LSR_FIFOE;
	}
	return lsr;
}

u8 uart16550_iir(const struct uart16550 *u)
{
	u8 fifo = uart16550_fifo_enabled(u) ? UART16550_IIR_FIFOS : 0;

	if ((u->ier & UART_IER_RLSI) && (u->lsr_err & UART_LSR_BRK_ERROR_BITS))
		return fifo | UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx.count >= rx_trigger_level(u))
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_RDI) && u->timeout_pending)
		return fifo | UART_IIR_RX_TIMEOUT;
	if ((u->ier & UART_IER_THRI) && u->thr_pending)
		return fifo | UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_ANY_DELTA))
		return fifo | UART_IIR_MSI;
	return fifo | UART_IIR_NO_INT;
}

/* The IRQ output's gate is open: it shows what IIR reports. */
bool uart16550_irq_gate_open(const struct uart16550 *u)
{
	if (u->no_out2_gate)
		return true;
	/* On a PC, the OUT2 pin enables the IRQ driver; loopback forces it off. */
	return (u->mcr & UART_MCR_OUT2) && !uart16550_loopback(u);
}

bool uart16550_irq_level(const struct uart16550 *u)
{
	return !(uart16550_iir(u) & UART_IIR_NO_INT) && uart16550_irq_gate_open(u);
}

void uart16550_reset(struct uart16550 *u)
{
	bool no_out2_gate = u->no_out2_gate;
	u8 modem_in = u->modem_in;

	*u = (struct uart16550){ 0 };
	u->no_out2_gate = no_out2_gate;
	u->modem_in = modem_in;
	u->dl = UART16550_BASE_BAUD / 9600;
	u->msr = msr_inputs(u);
}

/* A byte reaches the receiver: from the far end, or from THR in loopback. */
static void rx_receive(struct uart16550 *u, u8 ch, u8 err)
{
	if (u->rx.count >= fifo_capacity(u)) {
		/*
		 * The byte in the shift register is lost. Without FIFOs, the
		 * new byte overwrites the holding register.
		 */
		u->lsr_err |= UART_LSR_OE;
		if (!uart16550_fifo_enabled(u)) {
			u->rx.data[u->rx.head] = ch;
			u->rx.err[u->rx.head] = err;
			u->rbr = ch;
			rx_top_errors_to_lsr(u);
		}
		return;
	}
	fifo_put(&u->rx, ch, err);
	u->rbr = ch;
	if (u->rx.count == 1)
		rx_top_errors_to_lsr(u);
	/*
	 * PC16550D: a new byte restarts the timeout timer (the caller's job)
	 * only while no timeout has occurred; one that has occurred stays
	 * until the CPU reads a character.
	 */
}

static void thr_write(struct uart16550 *u, u8 val)
{
	val &= word_mask(u);
	u->thr_pending = false;
	if (uart16550_loopback(u)) {
		rx_receive(u, val, 0);
		u->thr_pending = true;	/* the byte left at once */
		return;
	}
	if (u->tx.count >= fifo_capacity(u))
		return;	/* a full FIFO drops what is written; THRE said so */
	fifo_put(&u->tx, val, 0);
}

static u8 rbr_read(struct uart16550 *u)
{
	u8 ch;

	u->timeout_pending = false;
	/* Nothing new: the last byte received, as the chip's RBR holds it. */
	if (!u->rx.count)
		return u->rbr;
	ch = fifo_get(&u->rx);
	rx_top_errors_to_lsr(u);
	return ch;
}

static void fcr_write(struct uart16550 *u, u8 val)
{
	bool was_enabled = uart16550_fifo_enabled(u);

	u->fcr = val & FCR_KEPT;
	if (!(val & UART_FCR_ENABLE_FIFO))
		u->fcr = 0;
	/* Turning the FIFOs on or off clears them, like FCR bits 1 and 2. */
	if (was_enabled != uart16550_fifo_enabled(u))
		val |= UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT;
	if (val & UART_FCR_CLEAR_RCVR) {
		fifo_clear(&u->rx);
		u->timeout_pending = false;
	}
	if (val & UART_FCR_CLEAR_XMIT) {
		fifo_clear(&u->tx);
		u->thr_pending = true;
	}
}

u8 uart16550_read(struct uart16550 *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RX:
		return dlab ? u->dl & 0xff : rbr_read(u);
	case UART_IER:
		return dlab ? u->dl >> 8 : u->ier;
	case UART_IIR:
		val = uart16550_iir(u);
		if ((val & UART_IIR_ID) == UART_IIR_THRI)
			u->thr_pending = false;
		return val;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = lsr_value(u);
		u->lsr_err = 0;
		return val;
	case UART_MSR:
		val = u->msr;
		u->msr &= ~UART_MSR_ANY_DELTA;
		return val;
	case UART_SCR:
		return u->scr;
	}
	return 0xff;
}

void uart16550_write(struct uart16550 *u, unsigned int reg, u8 val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	u8 old;

	switch (reg) {
	case UART_TX:
		if (dlab)
			u->dl = (u->dl & 0xff00) | val;
		else
			thr_write(u, val);
		break;
	case UART_IER:
		if (dlab) {
			u->dl = (u->dl & 0x00ff) | (val << 8);
			break;
		}
		old = u->ier;
		u->ier = val & IER_WRITABLE;
		/* Enabling THRI while THRE is set raises the interrupt again. */
		if ((u->ier & UART_IER_THRI) && !(old & UART_IER_THRI) && !u->tx.count)
			u->thr_pending = true;
		break;
	case UART_FCR:
		fcr_write(u, val);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & MCR_WRITABLE;
		msr_update(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;	/* factory test registers on the chip: ignored */
	case UART_SCR:
		u->scr = val;
		break;
	}
}

/*
 * String accesses: what n single accesses of THR or RBR do, in one call, so
 * that the caller can move a block between two syncs. DLAB must be clear
 * (uart16550_string_ok()); otherwise use uart16550_read/_write.
 */

bool uart16550_string_ok(const struct uart16550 *u)
{
	return !(u->lcr & UART_LCR_DLAB) && !uart16550_loopback(u);
}

unsigned int uart16550_tx_room(const struct uart16550 *u)
{
	return fifo_capacity(u) - u->tx.count;
}

unsigned int uart16550_thr_write_string(struct uart16550 *u, const u8 *buf,
					unsigned int n)
{
	unsigned int i, room = uart16550_tx_room(u);
	u8 mask = word_mask(u);

	if (!n)
		return 0;
	u->thr_pending = false;
	/* A write that finds the FIFO full is dropped, as by thr_write(). */
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		fifo_put(&u->tx, buf[i] & mask, 0);
	return n;
}

unsigned int uart16550_rbr_read_string(struct uart16550 *u, u8 *buf,
				       unsigned int n)
{
	unsigned int i;

	if (n > u->rx.count)
		n = u->rx.count;
	for (i = 0; i < n; i++)
		buf[i] = rbr_read(u);
	return n;
}

unsigned int uart16550_tx_pop_string(struct uart16550 *u, u8 *buf,
				     unsigned int max)
{
	unsigned int i, n = u->tx.count < max ? u->tx.count : max;

	for (i = 0; i < n; i++)
		buf[i] = fifo_get(&u->tx);
	if (n && !u->tx.count)
		u->thr_pending = true;
	return n;
}

unsigned int uart16550_rx_room(const struct uart16550 *u)
{
	if (uart16550_loopback(u))
		return 0;	/* the serial input is disconnected */
	return fifo_capacity(u) - u->rx.count;
}

void uart16550_rx_push(struct uart16550 *u, u8 ch, u8 lsr_err)
{
	rx_receive(u, ch & word_mask(u), lsr_err & UART_LSR_BRK_ERROR_BITS);
}

bool uart16550_tx_pop(struct uart16550 *u, u8 *ch)
{
	if (!u->tx.count)
		return false;
	*ch = fifo_get(&u->tx);
	if (!u->tx.count)
		u->thr_pending = true;
	return true;
}

unsigned int uart16550_tx_count(const struct uart16550 *u)
{
	return u->tx.count;
}

void uart16550_set_modem_inputs(struct uart16550 *u, u8 msr_status)
{
	u->modem_in = msr_status & MSR_STATUS;
	msr_update(u);
}

u8 uart16550_modem_outputs(const struct uart16550 *u)
{
	/* In loopback the output pins are forced inactive. */
	if (uart16550_loopback(u))
		return 0;
	return u->mcr & (UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2);
}

bool uart16550_rx_timeout_armed(const struct uart16550 *u)
{
	return uart16550_fifo_enabled(u) && u->rx.count && !u->timeout_pending;
}

void uart16550_rx_timeout(struct uart16550 *u)
{
	if (uart16550_fifo_enabled(u) && u->rx.count)
		u->timeout_pending = true;
}

bool uart16550_fifo_enabled(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE_FIFO;
}

bool uart16550_loopback(const struct uart16550 *u)
{
	return u->mcr & UART_MCR_LOOP;
}

bool uart16550_break(const struct uart16550 *u)
{
	return (u->lcr & UART_LCR_SBC) && !uart16550_loopback(u);
}

u32 uart16550_baud(const struct uart16550 *u)
{
	/* A divisor of 0 stops the baud generator; report the slowest rate. */
	return UART16550_BASE_BAUD / (u->dl ? u->dl : 0x10000);
}

u64 uart16550_char_time_ns(const struct uart16550 *u)
{
	/* start bit, 5 to 8 data bits, parity, 1 or 2 stop bits */
	u32 bits = 1 + 5 + (u->lcr & UART_LCR_WLEN8) + 1;
	u32 dl = u->dl ? u->dl : 0x10000;

	if (u->lcr & UART_LCR_PARITY)
		bits++;
	if (u->lcr & UART_LCR_STOP)
		bits++;
	/* A bit lasts dl * 16 clocks of 1.8432 MHz: dl * 8680.6 ns. */
	return (u64)bits * dl * 8681;
}

/* Snapshots. */

static void fifo_save(const struct uart16550_fifo *f, struct vmpass_uart_fifo *s)
{
	unsigned int i, at;

	for (i = 0; i < f->count; i++) {
		at = (f->head + i) % UART16550_FIFO_SIZE;
		s->data[i] = f->data[at];
		s->err[i] = f->err[at];
	}
	s->count = f->count;
}

void uart16550_save(const struct uart16550 *u, struct vmpass_uart_state *s)
{
	*s = (struct vmpass_uart_state){ 0 };
	s->ier = u->ier;
	s->lcr = u->lcr;
	s->mcr = u->mcr;
	s->fcr = u->fcr;
	s->scr = u->scr;
	s->lsr_err = u->lsr_err;
	s->msr = u->msr;
	s->modem_in = u->modem_in;
	s->dl = u->dl;
	s->rbr = u->rbr;
	if (u->thr_pending)
		s->flags |= VMPASS_UART_THR_PENDING;
	if (u->timeout_pending)
		s->flags |= VMPASS_UART_TIMEOUT_PENDING;
	fifo_save(&u->rx, &s->rx);
	fifo_save(&u->tx, &s->tx);
}

static bool bytes_zero(const u8 *p, unsigned int n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Load a FIFO, oldest byte at the head; NULL or what is wrong with it. */
static const char *fifo_restore(struct uart16550_fifo *f, const struct vmpass_uart_fifo *s,
				unsigned int capacity, u8 err_allowed)
{
	unsigned int i;

	if (s->count > capacity)
		return "more bytes in a FIFO than it holds";
	if (!bytes_zero(s->reserved, sizeof(s->reserved)) ||
	    !bytes_zero(s->data + s->count, UART16550_FIFO_SIZE - s->count) ||
	    !bytes_zero(s->err + s->count, UART16550_FIFO_SIZE - s->count))
		return "non-zero reserved or unused FIFO bytes";
	for (i = 0; i < s->count; i++) {
		if (s->err[i] & ~err_allowed)
			return "FIFO error flags that are not LSR error bits";
		f->data[i] = s->data[i];
		f->err[i] = s->err[i];
	}
	f->head = 0;
	f->count = s->count;
	return NULL;
}

const char *uart16550_restore(struct uart16550 *u, const struct vmpass_uart_state *s)
{
	struct uart16550 n = { .no_out2_gate = u->no_out2_gate };
	const char *why;

	if (!bytes_zero((const u8 *)s->reserved, sizeof(s->reserved)))
		return "non-zero reserved fields";
	if (s->flags & ~(VMPASS_UART_THR_PENDING | VMPASS_UART_TIMEOUT_PENDING))
		return "unknown flags";
	if (s->ier & ~IER_WRITABLE)
		return "IER bits the chip does not have";
	if (s->mcr & ~MCR_WRITABLE)
		return "MCR bits the chip does not have";
	if ((s->fcr & ~FCR_KEPT) ||
	    ((s->fcr & FCR_KEPT) && !(s->fcr & UART_FCR_ENABLE_FIFO)))
		return "FCR settings the chip does not keep";
	if (s->lsr_err & ~UART_LSR_BRK_ERROR_BITS)
		return "LSR error bits that are not errors";
	if (s->modem_in & ~MSR_STATUS)
		return "modem inputs outside MSR bits 7:4";

	n.ier = s->ier;
	n.lcr = s->lcr;
	n.mcr = s->mcr;
	n.fcr = s->fcr;
	n.scr = s->scr;
	n.lsr_err = s->lsr_err;
	n.msr = s->msr;
	n.modem_in = s->modem_in;
	n.dl = s->dl;
	n.rbr = s->rbr;
	n.thr_pending = s->flags & VMPASS_UART_THR_PENDING;
	n.timeout_pending = s->flags & VMPASS_UART_TIMEOUT_PENDING;

	/* The status bits always follow the inputs (or, in loopback, MCR). */
	if ((n.msr & MSR_STATUS) != msr_inputs(&n))
		return "MSR status bits that do not follow the modem inputs";
	why = fifo_restore(&n.rx, &s->rx, fifo_capacity(&n), UART_LSR_BRK_ERROR_BITS);
	if (why)
		return why;
	/* The oldest byte's errors moved to LSR when it reached the top. */
	if (n.rx.count && n.rx.err[0])
		return "error flags on the oldest received byte";
	why = fifo_restore(&n.tx, &s->tx, fifo_capacity(&n), 0);
	if (why)
		return why;
	/* Only an RBR read or an RX reset ends a timeout, and only FIFOs time out. */
	if (n.timeout_pending && !(uart16550_fifo_enabled(&n) && n.rx.count))
		return "a character timeout with no bytes in the RX FIFO";

	*u = n;
	return NULL;
}
