// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the 16550A register model: the scripted behaviours of
 * uart16550_cases.h, and random register traffic that must keep the
 * model's state in range (KASAN and UBSAN watch every access).
 *
 * The model is compiled into this test module from its own source file.
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "../uart16550.c"
#include "uart16550_cases.h"

static void uart_script_desc(const struct uart_script *s, char *desc)
{
	strscpy(desc, s->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(uart_script, uart_scripts, uart_script_desc);

static void uart16550_test_script(struct kunit *test)
{
	const struct uart_script *s = test->param_value;
	struct uart16550 *u;
	int got = 0;
	int step;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	step = uart_script_run(u, s, &got);
	KUNIT_EXPECT_EQ_MSG(test, step, -1, "%s: step %d (op %u reg %u) got %d, want %u",
			    s->name, step, step >= 0 ? s->steps[step].op : 0,
			    step >= 0 ? s->steps[step].reg : 0, got,
			    step >= 0 ? s->steps[step].want : 0);
}

/* Random guest and far-end traffic: the FIFOs never leave their bounds. */
static void uart16550_test_random_traffic(struct kunit *test)
{
	struct rnd_state rnd;
	struct uart16550 *u;
	unsigned int i;
	u8 ch;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	prandom_seed_state(&rnd, 0x16550a);
	uart16550_reset(u);
	for (i = 0; i < 200000; i++) {
		u32 r = prandom_u32_state(&rnd);
		unsigned int reg = r % UART16550_NR_REGS;
		u8 val = r >> 8;

		switch ((r >> 16) % 6) {
		case 0:
		case 1:
			uart16550_write(u, reg, val);
			break;
		case 2:
			uart16550_read(u, reg);
			break;
		case 3:
			if (uart16550_rx_room(u))
				uart16550_rx_push(u, val, (r >> 24) & (UART_LSR_BI | UART_LSR_FE |
								      UART_LSR_PE));
			break;
		case 4:
			uart16550_tx_pop(u, &ch);
			break;
		default:
			uart16550_set_modem_inputs(u, val & 0xf0);
			uart16550_rx_timeout(u);
			break;
		}
		KUNIT_ASSERT_LE(test, u->rx.count, UART16550_FIFO_SIZE);
		KUNIT_ASSERT_LT(test, u->rx.head, UART16550_FIFO_SIZE);
		KUNIT_ASSERT_LE(test, u->tx.count, UART16550_FIFO_SIZE);
		KUNIT_ASSERT_LT(test, u->tx.head, UART16550_FIFO_SIZE);
		KUNIT_ASSERT_EQ(test, uart16550_irq_level(u),
				!(uart16550_iir(u) & UART_IIR_NO_INT) &&
				(u->mcr & UART_MCR_OUT2) && !(u->mcr & UART_MCR_LOOP));
	}
}

static struct kunit_case uart16550_test_cases[] = {
	KUNIT_CASE_PARAM(uart16550_test_script, uart_script_gen_params),
	KUNIT_CASE(uart16550_test_random_traffic),
	{}
};

static struct kunit_suite uart16550_test_suite = {
	.name = "vmpass_uart16550",
	.test_cases = uart16550_test_cases,
};

kunit_test_suite(uart16550_test_suite);

MODULE_DESCRIPTION("KUnit tests of vmpass's 16550A register model");
MODULE_LICENSE("GPL");
