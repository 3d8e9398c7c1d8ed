// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: any sequence of guest register accesses and host-side
 * events keeps the 16550A model within its invariants (FIFO bounds, IIR
 * encodings, IER bits) and never reads or writes out of bounds. Its
 * snapshot restores to a model with the same snapshot; and any bytes taken
 * as a snapshot either are refused or restore to a model within the same
 * invariants.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <uapi/linux/vmpass.h>

#include "uart16550.h"
#include "fuzz.h"

static void check(const struct uart16550 *u)
{
	u8 iir = uart16550_iir(u);

	assert(u->rx.count <= UART16550_FIFO_SIZE && u->tx.count <= UART16550_FIFO_SIZE);
	assert(u->rx.head < UART16550_FIFO_SIZE && u->tx.head < UART16550_FIFO_SIZE);
	assert(!(u->ier & 0xf0));
	assert((iir & 0x30) == 0);
	if (!uart16550_fifo_enabled(u))
		assert(u->rx.count <= 1 && u->tx.count <= 1 && !(iir & UART16550_IIR_FIFOS));
	if (uart16550_irq_level(u))
		assert(!(iir & UART_IIR_NO_INT));
}

static void save_restore(const struct uart16550 *u, const u8 *data, size_t size)
{
	struct vmpass_uart_state a, b;
	struct uart16550 v = { .no_out2_gate = u->no_out2_gate }, w = { 0 };

	uart16550_save(u, &a);
	assert(!uart16550_restore(&v, &a));
	uart16550_save(&v, &b);
	assert(!memcmp(&a, &b, sizeof(a)));
	assert(uart16550_irq_level(u) == uart16550_irq_level(&v));

	memset(&a, 0, sizeof(a));
	memcpy(&a, data, size < sizeof(a) ? size : sizeof(a));
	if (uart16550_restore(&w, &a))
		return;
	check(&w);
	uart16550_save(&w, &b);
	assert(!memcmp(&a, &b, sizeof(a)));
}

int FUZZ_ENTRY(const u8 *data, size_t size)
{
	struct uart16550 u = { 0 };
	size_t i;
	u8 ch;

	uart16550_reset(&u);
	for (i = 0; i + 1 < size; i += 2) {
		u8 op = data[i], val = data[i + 1];

		switch (op >> 4) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			uart16550_write(&u, op & 7, val);
			break;
		case 6: case 7: case 8: case 9: case 10:
			uart16550_read(&u, op & 7);
			break;
		case 11:
			if (uart16550_rx_room(&u))
				uart16550_rx_push(&u, val, op & 1 ? UART_LSR_BI : 0);
			break;
		case 12:
			uart16550_tx_pop(&u, &ch);
			break;
		case 13:
			uart16550_set_modem_inputs(&u, val);
			break;
		case 14:
			uart16550_rx_timeout(&u);
			break;
		default:
			u.no_out2_gate = val & 1;
			break;
		}
		check(&u);
		assert(uart16550_char_time_ns(&u) > 0);
	}
	save_restore(&u, data, size);
	return 0;
}
