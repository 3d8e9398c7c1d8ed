/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uart16550_cases.h - scripted behaviours of the 16550A model, shared by
 * the KUnit suite (uart16550_kunit.c) and the userspace unit test
 * (tests/uart16550_test.c). Each script is what a guest driver does and
 * what it must see, step by step.
 */
#ifndef VMPASS_UART16550_CASES_H
#define VMPASS_UART16550_CASES_H

#include "uart16550.h"

enum uart_step_op {
	UART_STEP_WRITE,	/* guest writes @val to @reg */
	UART_STEP_READ,		/* guest reads @reg, must get @want */
	UART_STEP_RX,		/* far end sends @val with LSR error bits @want */
	UART_STEP_TX,		/* far end must receive @want */
	UART_STEP_TX_NONE,	/* far end must receive nothing */
	UART_STEP_IRQ,		/* the IRQ output must be at level @want */
	UART_STEP_TIMEOUT,	/* a character timeout elapses */
	UART_STEP_MODEM,	/* far end drives the MSR inputs to @val */
};

/**
 * struct uart_step - one step of a script
 * @op: what happens (enum uart_step_op)
 * @reg: register, for UART_STEP_WRITE and UART_STEP_READ
 * @val: value written or sent
 * @want: value expected
 */
struct uart_step {
	u8 op;
	u8 reg;
	u8 val;
	u8 want;
};

#define US_WR(r, v)	{ UART_STEP_WRITE, (r), (v), 0 }
#define US_RD(r, w)	{ UART_STEP_READ, (r), 0, (w) }
#define US_RX(v, e)	{ UART_STEP_RX, 0, (v), (e) }
#define US_TX(w)	{ UART_STEP_TX, 0, 0, (w) }
#define US_TX_NONE	{ UART_STEP_TX_NONE, 0, 0, 0 }
#define US_IRQ(l)	{ UART_STEP_IRQ, 0, 0, (l) }
#define US_TIMEOUT	{ UART_STEP_TIMEOUT, 0, 0, 0 }
#define US_MODEM(v)	{ UART_STEP_MODEM, 0, (v), 0 }

#define US_8N1		UART_LCR_WLEN8
#define US_THRE		(UART_LSR_THRE | UART_LSR_TEMT)
#define US_FIFOS	UART16550_IIR_FIFOS

/* What a DOS terminal program does at start-up, then one byte out. */
static const struct uart_step uart_script_dos_init[] = {
	US_WR(UART_LCR, UART_LCR_DLAB | US_8N1),
	US_WR(UART_DLL, 12),			/* 9600 baud */
	US_WR(UART_DLM, 0),
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR |
			UART_FCR_CLEAR_XMIT | UART_FCR_TRIGGER_14),
	US_WR(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2),
	US_IRQ(0),
	US_WR(UART_IER, UART_IER_RDI | UART_IER_THRI),
	US_IRQ(1),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_THRI),
	US_IRQ(0),
	US_WR(UART_TX, 'A'),
	US_RD(UART_LSR, 0),
	US_TX('A'),
	US_IRQ(1),
	US_RD(UART_LSR, US_THRE),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_THRI),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_NO_INT),
};

/* The receive interrupt fires at the FIFO trigger level, not before. */
static const struct uart_step uart_script_rx_trigger[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_4),
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_WR(UART_IER, UART_IER_RDI),
	US_RX('a', 0), US_RX('b', 0), US_RX('c', 0),
	US_IRQ(0),
	US_RX('d', 0),
	US_IRQ(1),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RDI),
	US_RD(UART_RX, 'a'),
	US_IRQ(0),
	US_RD(UART_RX, 'b'), US_RD(UART_RX, 'c'), US_RD(UART_RX, 'd'),
	US_RD(UART_LSR, US_THRE),
};

/* Fewer bytes than the trigger level: the character timeout reports them. */
static const struct uart_step uart_script_rx_timeout[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14),
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_WR(UART_IER, UART_IER_RDI),
	US_RX('x', 0),
	US_IRQ(0),
	US_TIMEOUT,
	US_IRQ(1),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RX_TIMEOUT),
	US_RD(UART_RX, 'x'),
	US_IRQ(0),
	US_TIMEOUT,				/* nothing left: no interrupt */
	US_IRQ(0),
};

/*
 * PC16550D: a character timeout that has occurred is cleared only by the
 * CPU reading a character; a byte received meanwhile does not clear it.
 */
static const struct uart_step uart_script_rx_timeout_sticky[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_4),
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_WR(UART_IER, UART_IER_RDI),
	US_RX('a', 0),
	US_TIMEOUT,
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RX_TIMEOUT),
	US_RX('b', 0),				/* after the timeout */
	US_IRQ(1),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RX_TIMEOUT),
	US_RD(UART_RX, 'a'),			/* the read clears it */
	US_RD(UART_IIR, US_FIFOS | UART_IIR_NO_INT),
	US_IRQ(0),
	US_TIMEOUT,				/* the timer started again */
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RX_TIMEOUT),
	US_RX('c', 0), US_RX('d', 0), US_RX('e', 0),
	US_RD(UART_IIR, US_FIFOS | UART_IIR_RDI),	/* trigger level: 4 bytes */
	US_RD(UART_RX, 'b'),			/* below the level again... */
	US_RD(UART_IIR, US_FIFOS | UART_IIR_NO_INT),	/* ...and timeout cleared */
	US_RD(UART_RX, 'c'), US_RD(UART_RX, 'd'), US_RD(UART_RX, 'e'),
	US_RD(UART_LSR, US_THRE),
};

/*
 * FIFOs off (16450 mode): RBR is a holding register. A read with nothing
 * received returns the last byte received; an overrun replaces it.
 */
static const struct uart_step uart_script_rbr_16450[] = {
	US_WR(UART_LCR, US_8N1),
	US_RD(UART_RX, 0),			/* nothing ever received */
	US_RX('a', 0),
	US_RD(UART_RX, 'a'),
	US_RD(UART_LSR, US_THRE),
	US_RD(UART_RX, 'a'),			/* empty: the last byte again */
	US_RX('b', 0),
	US_RX('c', 0),				/* overruns 'b' */
	US_RD(UART_LSR, UART_LSR_OE | UART_LSR_DR | US_THRE),
	US_RD(UART_RX, 'c'),
	US_RD(UART_LSR, US_THRE),
	US_RD(UART_RX, 'c'),
	US_RX('d', 0),
	US_RD(UART_RX, 'd'),
	US_RD(UART_RX, 'd'),
};

/* FIFOs on: a read of the empty FIFO returns the last byte received. */
static const struct uart_step uart_script_rbr_fifo_empty[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_FCR, UART_FCR_ENABLE_FIFO),
	US_RX('a', 0), US_RX('b', 0), US_RX('c', 0),
	US_RD(UART_RX, 'a'), US_RD(UART_RX, 'b'), US_RD(UART_RX, 'c'),
	US_RD(UART_LSR, US_THRE),
	US_RD(UART_RX, 'c'),
	US_RD(UART_RX, 'c'),
	US_RD(UART_LSR, US_THRE),
	US_RX('d', 0),
	US_RD(UART_RX, 'd'),
	US_RD(UART_RX, 'd'),
};

/* Internal loopback: what the guest sends comes back, nothing leaves. */
static const struct uart_step uart_script_loopback[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS),
	US_RD(UART_MSR, UART_MSR_CTS | UART_MSR_DCTS),
	US_WR(UART_TX, 'q'),
	US_TX_NONE,
	US_RD(UART_LSR, UART_LSR_DR | US_THRE),
	US_RD(UART_RX, 'q'),
	US_RD(UART_LSR, US_THRE),
};

/* A break reaches LSR.BI with a zero byte; the LSR read clears it. */
static const struct uart_step uart_script_break[] = {
	US_WR(UART_LCR, US_8N1),
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_WR(UART_IER, UART_IER_RLSI),
	US_RX(0, UART_LSR_BI),
	US_IRQ(1),
	US_RD(UART_IIR, UART_IIR_RLSI),
	US_RD(UART_LSR, UART_LSR_BI | UART_LSR_DR | US_THRE),
	US_IRQ(0),
	US_RD(UART_LSR, UART_LSR_DR | US_THRE),
	US_RD(UART_RX, 0),
	US_RD(UART_LSR, US_THRE),
};

/* Modem status changes interrupt and show as deltas until MSR is read. */
static const struct uart_step uart_script_modem_status[] = {
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_WR(UART_IER, UART_IER_MSI),
	US_IRQ(0),
	US_MODEM(UART_MSR_CTS | UART_MSR_DSR),
	US_IRQ(1),
	US_RD(UART_IIR, UART_IIR_MSI),
	US_RD(UART_MSR, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDSR),
	US_IRQ(0),
	US_RD(UART_MSR, UART_MSR_CTS | UART_MSR_DSR),
};

/* On a PC the IRQ line is driven only while MCR.OUT2 is set. */
static const struct uart_step uart_script_out2_gate[] = {
	US_WR(UART_IER, UART_IER_THRI),
	US_IRQ(0),
	US_WR(UART_MCR, UART_MCR_OUT2),
	US_IRQ(1),
	US_WR(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP),
	US_IRQ(0),
	US_WR(UART_MCR, 0),
	US_IRQ(0),
	US_RD(UART_IIR, UART_IIR_THRI),		/* pending all the same */
};

/* Registers that only hold values: SCR any byte, IER its four bits. */
static const struct uart_step uart_script_plain_registers[] = {
	US_WR(UART_SCR, 0xa5),
	US_RD(UART_SCR, 0xa5),
	US_WR(UART_IER, 0xff),
	US_RD(UART_IER, 0x0f),
	US_WR(UART_LCR, UART_LCR_DLAB),
	US_WR(UART_DLL, 0x34),
	US_WR(UART_DLM, 0x12),
	US_RD(UART_DLL, 0x34),
	US_RD(UART_DLM, 0x12),
	US_WR(UART_LCR, 0),
	US_RD(UART_IER, 0x0f),
	US_TX_NONE,
};

/**
 * struct uart_script - a named script
 * @name: what it shows
 * @steps: the steps
 * @nr_steps: how many
 */
struct uart_script {
	const char *name;
	const struct uart_step *steps;
	unsigned int nr_steps;
};

#define US_SCRIPT(s)	{ #s, uart_script_##s, ARRAY_SIZE(uart_script_##s) }

static const struct uart_script uart_scripts[] = {
	US_SCRIPT(dos_init),
	US_SCRIPT(rx_trigger),
	US_SCRIPT(rx_timeout),
	US_SCRIPT(rx_timeout_sticky),
	US_SCRIPT(rbr_16450),
	US_SCRIPT(rbr_fifo_empty),
	US_SCRIPT(loopback),
	US_SCRIPT(break),
	US_SCRIPT(modem_status),
	US_SCRIPT(out2_gate),
	US_SCRIPT(plain_registers),
};

/**
 * uart_script_run() - play a script on a freshly reset model
 * @u: the model
 * @s: the script
 * @got: on failure, what the failing step saw
 *
 * Return: the index of the first step whose expectation failed, or -1 if
 * every step passed.
 */
static inline int uart_script_run(struct uart16550 *u, const struct uart_script *s, int *got)
{
	unsigned int i;
	u8 ch;

	uart16550_reset(u);
	for (i = 0; i < s->nr_steps; i++) {
		const struct uart_step *st = &s->steps[i];

		switch (st->op) {
		case UART_STEP_WRITE:
			uart16550_write(u, st->reg, st->val);
			continue;
		case UART_STEP_READ:
			*got = uart16550_read(u, st->reg);
			break;
		case UART_STEP_RX:
			uart16550_rx_push(u, st->val, st->want);
			continue;
		case UART_STEP_TX:
			*got = uart16550_tx_pop(u, &ch) ? ch : -1;
			break;
		case UART_STEP_TX_NONE:
			*got = uart16550_tx_pop(u, &ch) ? ch : -1;
			if (*got != -1)
				return i;
			continue;
		case UART_STEP_IRQ:
			*got = uart16550_irq_level(u);
			break;
		case UART_STEP_TIMEOUT:
			uart16550_rx_timeout(u);
			continue;
		case UART_STEP_MODEM:
			uart16550_set_modem_inputs(u, st->val);
			continue;
		default:
			*got = -2;
			return i;
		}
		if (*got != st->want)
			return i;
	}
	return -1;
}

static inline bool uart_fifo_equal(const struct uart16550_fifo *a,
				   const struct uart16550_fifo *b)
{
	unsigned int i, x, y;

	if (a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++) {
		x = (a->head + i) % UART16550_FIFO_SIZE;
		y = (b->head + i) % UART16550_FIFO_SIZE;
		if (a->data[x] != b->data[y] || a->err[x] != b->err[y])
			return false;
	}
	return true;
}

/* Everything a guest or the far end can observe, now or later. */
static inline bool uart_state_equal(const struct uart16550 *a, const struct uart16550 *b)
{
	return a->ier == b->ier && a->lcr == b->lcr && a->mcr == b->mcr &&
	       a->fcr == b->fcr && a->scr == b->scr && a->dl == b->dl &&
	       a->lsr_err == b->lsr_err && a->msr == b->msr &&
	       a->modem_in == b->modem_in && a->rbr == b->rbr &&
	       a->thr_pending == b->thr_pending &&
	       a->timeout_pending == b->timeout_pending &&
	       a->no_out2_gate == b->no_out2_gate &&
	       uart_fifo_equal(&a->rx, &b->rx) && uart_fifo_equal(&a->tx, &b->tx);
}

static inline u32 uart_rand(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/**
 * uart_string_check() - string accesses against single ones
 * @u: scratch room for three models
 * @seed: where the random traffic starts
 * @rounds: how many states to check
 *
 * Drives one model with random traffic and, in each state it reaches, does
 * a random THR string write, RBR string read or TX string pop on one copy
 * and the same single accesses on another: both copies and the bytes must
 * come out the same. Return: the round that differed, or -1.
 */
static inline int uart_string_check(struct uart16550 u[3], u32 seed, int rounds)
{
	u8 in[40], out_a[40], out_b[40];
	unsigned int n, i, k, want;
	u32 s = seed | 1;
	int round;
	u8 ch;

	uart16550_reset(&u[0]);
	for (round = 0; round < rounds; round++) {
		u32 r = uart_rand(&s);
		unsigned int reg = r % UART16550_NR_REGS;
		u8 val = r >> 8;

		/* Traffic, mostly with DLAB clear and without loopback. */
		switch ((r >> 16) % 8) {
		case 0:
			if (reg == UART_LCR)
				val &= ~UART_LCR_DLAB;
			if (reg == UART_MCR)
				val &= ~UART_MCR_LOOP;
			uart16550_write(&u[0], reg, val);
			break;
		case 1:
			uart16550_read(&u[0], reg);
			break;
		case 2:
		case 3:
			if (uart16550_rx_room(&u[0]))
				uart16550_rx_push(&u[0], val,
						  (r >> 24) & (UART_LSR_BI | UART_LSR_FE));
			break;
		case 4:
			uart16550_write(&u[0], UART_TX, val);
			break;
		case 5:
			uart16550_tx_pop(&u[0], &ch);
			break;
		default:
			uart16550_rx_timeout(&u[0]);
			break;
		}
		if (!uart16550_string_ok(&u[0]))
			continue;

		n = uart_rand(&s) % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = uart_rand(&s);
		u[1] = u[0];
		u[2] = u[0];
		switch (uart_rand(&s) % 3) {
		case 0:
			want = n < uart16550_tx_room(&u[0]) ? n : uart16550_tx_room(&u[0]);
			k = uart16550_thr_write_string(&u[1], in, n);
			for (i = 0; i < n; i++)
				uart16550_write(&u[2], UART_TX, in[i]);
			if (k != want)
				return round;
			break;
		case 1:
			want = n < u[0].rx.count ? n : u[0].rx.count;
			k = uart16550_rbr_read_string(&u[1], out_a, n);
			for (i = 0; i < want; i++)
				out_b[i] = uart16550_read(&u[2], UART_RX);
			if (k != want)
				return round;
			for (i = 0; i < k; i++)
				if (out_a[i] != out_b[i])
					return round;
			break;
		default:
			k = uart16550_tx_pop_string(&u[1], out_a, n);
			for (i = 0; i < n && uart16550_tx_pop(&u[2], &out_b[i]); i++)
				;
			if (k != i)
				return round;
			for (i = 0; i < k; i++)
				if (out_a[i] != out_b[i])
					return round;
			break;
		}
		if (!uart_state_equal(&u[1], &u[2]))
			return round;
		/* Go on from the state the string led to, now and then. */
		if (uart_rand(&s) % 4 == 0)
			u[0] = u[1];
	}
	return -1;
}

#endif /* VMPASS_UART16550_CASES_H */
