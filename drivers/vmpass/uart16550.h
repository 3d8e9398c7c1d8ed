/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uart16550.h - a register model of the National Semiconductor 16550A.
 *
 * The model is pure: it takes no locks, never sleeps, allocates nothing and
 * includes nothing that only the kernel has, so it can be called under a
 * spinlock and also be compiled into userspace unit tests and fuzzers. The
 * caller serialises all calls on one instance.
 *
 * The guest side reads and writes registers (uart16550_read/_write). The
 * host side is the other end of the serial line: it takes transmitted bytes
 * (uart16550_tx_pop), delivers received ones (uart16550_rx_push), drives the
 * modem status inputs, and tells the model when a character timeout has
 * elapsed. The model transmits and receives instantly; the caller paces the
 * line by how fast it moves bytes.
 */
#ifndef VMPASS_UART16550_H
#define VMPASS_UART16550_H

#include <linux/types.h>
#include <linux/serial_reg.h>

#define UART16550_FIFO_SIZE	16
#define UART16550_NR_REGS	8
/* Bits 7:6 of IIR read as 11 while the FIFOs are enabled (16550A). */
#define UART16550_IIR_FIFOS	0xc0
/* The input clock of a PC COM port: 1.8432 MHz, divided by 16. */
#define UART16550_BASE_BAUD	115200
/* The longest character: 12 bits at a divisor of 0 (65536). */
#define UART16550_MAX_CHAR_TIME_NS	(12ULL * 0x10000 * 8681)

struct uart16550_fifo {
	u8 data[UART16550_FIFO_SIZE];
	u8 err[UART16550_FIFO_SIZE];	/* LSR error bits of each byte */
	u8 head;
	u8 count;
};

/**
 * struct uart16550 - state of one 16550A
 * @ier: interrupt enable register
 * @lcr: line control register
 * @mcr: modem control register
 * @fcr: FIFO control bits that stay set (enable, DMA mode, trigger level)
 * @scr: scratch register
 * @dl: divisor latch
 * @lsr_err: sticky LSR error bits (OE, PE, FE, BI), cleared by an LSR read
 * @msr: modem status register (deltas in bits 3:0)
 * @modem_in: MSR status bits driven by the far end (CTS, DSR, RI, DCD)
 * @rbr: the last byte received, which an RBR read returns while the RX
 *	FIFO (or, FIFOs off, the holding register) has nothing new
 * @thr_pending: the THRE interrupt is pending
 * @timeout_pending: the character timeout interrupt is pending; only an
 *	RBR read (or an RX FIFO reset) clears it, not a newly received byte
 * @no_out2_gate: the IRQ output is not gated by MCR.OUT2 (not a PC)
 * @rx: receive FIFO (one byte deep while FIFOs are disabled)
 * @tx: transmit FIFO (likewise)
 */
struct uart16550 {
	u8 ier;
	u8 lcr;
	u8 mcr;
	u8 fcr;
	u8 scr;
	u16 dl;
	u8 lsr_err;
	u8 msr;
	u8 modem_in;
	u8 rbr;
	bool thr_pending;
	bool timeout_pending;
	bool no_out2_gate;
	struct uart16550_fifo rx;
	struct uart16550_fifo tx;
};

void uart16550_reset(struct uart16550 *u);

/* The guest side: one register access; @reg is 0..7. */
u8 uart16550_read(struct uart16550 *u, unsigned int reg);
void uart16550_write(struct uart16550 *u, unsigned int reg, u8 val);

/* The level of the IRQ output, after OUT2 gating. */
bool uart16550_irq_level(const struct uart16550 *u);
bool uart16550_irq_gate_open(const struct uart16550 *u);
/* The IIR value that a read would return now, with no side effect. */
u8 uart16550_iir(const struct uart16550 *u);

/* The host side. */
unsigned int uart16550_rx_room(const struct uart16550 *u);
void uart16550_rx_push(struct uart16550 *u, u8 ch, u8 lsr_err);
bool uart16550_tx_pop(struct uart16550 *u, u8 *ch);
unsigned int uart16550_tx_count(const struct uart16550 *u);
void uart16550_set_modem_inputs(struct uart16550 *u, u8 msr_status);
u8 uart16550_modem_outputs(const struct uart16550 *u);
bool uart16550_rx_timeout_armed(const struct uart16550 *u);
void uart16550_rx_timeout(struct uart16550 *u);

/*
 * String accesses (rep outsb/insb), for a caller that moves bytes between
 * blocks; each is exactly @n single accesses with no host-side event in
 * between. Only while uart16550_string_ok() (DLAB clear, no loopback).
 * uart16550_thr_write_string() returns how many bytes entered the TX FIFO:
 * the others found it full and were dropped, as single writes would be.
 * uart16550_rbr_read_string() reads only while the RX FIFO has bytes and
 * returns how many it read. uart16550_tx_pop_string() is @max tx_pops.
 */
bool uart16550_string_ok(const struct uart16550 *u);
unsigned int uart16550_tx_room(const struct uart16550 *u);
unsigned int uart16550_thr_write_string(struct uart16550 *u, const u8 *buf,
					unsigned int n);
unsigned int uart16550_rbr_read_string(struct uart16550 *u, u8 *buf,
				       unsigned int n);
unsigned int uart16550_tx_pop_string(struct uart16550 *u, u8 *buf,
				     unsigned int max);

/* Line settings, as the guest programmed them. */
bool uart16550_fifo_enabled(const struct uart16550 *u);
bool uart16550_loopback(const struct uart16550 *u);
bool uart16550_break(const struct uart16550 *u);
u32 uart16550_baud(const struct uart16550 *u);
u64 uart16550_char_time_ns(const struct uart16550 *u);

/*
 * Snapshots (struct vmpass_uart_state in the uapi header). Restore checks
 * that the chip could be in the state and returns NULL, having replaced
 * @u (but for no_out2_gate, which is the host's), or the reason it is
 * not, with @u unchanged.
 */
struct vmpass_uart_state;
void uart16550_save(const struct uart16550 *u, struct vmpass_uart_state *s);
const char *uart16550_restore(struct uart16550 *u, const struct vmpass_uart_state *s);

#endif /* VMPASS_UART16550_H */
