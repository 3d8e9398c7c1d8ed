// SPDX-License-Identifier: GPL-2.0
/*
 * model_cost.c - the 16550A model's calls on the port's hot paths, as the
 * port glue makes them, for an instruction count (make -C tests cost runs
 * this under callgrind): 16-byte THR and RBR strings, once as 16 single
 * accesses with the model calls of a full sync after each (the glue of
 * round 1), once as string accesses with one sync.
 *
 *   model_cost thr-single|thr-string|rbr-single|rbr-string N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uart16550.h"

static unsigned int sink;	/* printed, so that no call is optimised away */

/* The model calls of one round-1 port_sync() with nothing downstream full. */
static void sync_calls(struct uart16550 *u, u8 *out, unsigned int *nout)
{
	u8 ch;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		while (uart16550_tx_pop(u, &ch))
			out[(*nout)++ % 16] = ch;
		sink += uart16550_break(u);
	}
	sink += uart16550_rx_room(u);
	sink += uart16550_modem_outputs(u);
	sink += uart16550_rx_timeout_armed(u);
	sink += uart16550_irq_level(u);
}

static void refill(struct uart16550 *u)
{
	while (uart16550_rx_room(u))
		uart16550_rx_push(u, 'x', 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "thr-string";
	long i, n = argc > 2 ? atol(argv[2]) : 100000;
	u8 buf[16] = "0123456789abcdef", out[16];
	struct uart16550 u = { 0 };
	unsigned int nout = 0, j;

	uart16550_reset(&u);
	uart16550_write(&u, UART_FCR, UART_FCR_ENABLE_FIFO);
	uart16550_write(&u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	refill(&u);
	for (i = 0; i < n; i++) {
		if (!strcmp(mode, "thr-single")) {
			for (j = 0; j < 16; j++) {
				uart16550_write(&u, UART_TX, buf[j]);
				sync_calls(&u, out, &nout);
			}
		} else if (!strcmp(mode, "thr-string")) {
			uart16550_thr_write_string(&u, buf, 16);
			nout += uart16550_tx_pop_string(&u, out, 16);
			sink += uart16550_irq_level(&u);
		} else if (!strcmp(mode, "rbr-single")) {
			for (j = 0; j < 16; j++) {
				out[j] = uart16550_read(&u, UART_RX);
				sync_calls(&u, out, &nout);
				uart16550_rx_push(&u, 'x', 0);	/* the sync's refill */
			}
		} else {
			uart16550_rbr_read_string(&u, out, 16);
			refill(&u);
			sink += uart16550_rx_timeout_armed(&u);
			sink += uart16550_irq_level(&u);
		}
	}
	printf("%s: %ld strings of 16 bytes, %u bytes out (%u)\n", mode, n, nout, sink);
	return 0;
}
