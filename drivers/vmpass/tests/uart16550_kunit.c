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

/* One random step of guest or far-end traffic; returns what a read gave. */
static int uart_random_step(struct uart16550 *u, u32 r)
{
	unsigned int reg = r % UART16550_NR_REGS;
	u8 val = r >> 8, ch = 0;

	switch ((r >> 16) % 6) {
	case 0:
	case 1:
		uart16550_write(u, reg, val);
		return -1;
	case 2:
		return uart16550_read(u, reg);
	case 3:
		if (uart16550_rx_room(u))
			uart16550_rx_push(u, val, (r >> 24) & UART_LSR_BRK_ERROR_BITS);
		return -1;
	case 4:
		return uart16550_tx_pop(u, &ch) ? ch : -1;
	default:
		uart16550_set_modem_inputs(u, val & 0xf0);
		uart16550_rx_timeout(u);
		return -1;
	}
}

/*
 * Random traffic on a model and on a copy restored from its snapshot now
 * and then: the restore takes every state the traffic reaches, and the
 * copy behaves exactly as the original (same reads, same snapshots).
 */
static void uart16550_test_save_restore_lockstep(struct kunit *test)
{
	struct vmpass_uart_state *a, *b;
	struct uart16550 *u, *v;
	struct rnd_state rnd;
	unsigned int i;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, u && v && a && b);
	prandom_seed_state(&rnd, 0x5a4e);
	uart16550_reset(u);
	for (i = 0; i < 50000; i++) {
		u32 r = prandom_u32_state(&rnd);

		if (i % 97 == 0) {
			uart16550_save(u, a);
			KUNIT_ASSERT_NULL_MSG(test, uart16550_restore(v, a),
					      "step %u: a reachable state was refused", i);
		}
		KUNIT_ASSERT_EQ_MSG(test, uart_random_step(u, r), uart_random_step(v, r),
				    "step %u", i);
		KUNIT_ASSERT_EQ(test, uart16550_irq_level(u), uart16550_irq_level(v));
		uart16550_save(u, a);
		uart16550_save(v, b);
		KUNIT_ASSERT_EQ_MSG(test, memcmp(a, b, sizeof(*a)), 0, "step %u", i);
	}
}

/* States no chip could be in: one byte of a good state, flipped. */
#define UART_BAD(field, bits) { offsetof(struct vmpass_uart_state, field), bits }
static const struct {
	size_t offset;
	u8 xor;
} uart_bad_states[] = {
	UART_BAD(rx.count, 0x13),		/* 2 -> 17 */
	UART_BAD(tx.count, 0x10),		/* 1 -> 17 */
	UART_BAD(fcr, UART_FCR_ENABLE_FIFO),	/* FIFOs off, two bytes */
	UART_BAD(ier, 0x10),
	UART_BAD(mcr, 0x20),
	UART_BAD(lsr_err, UART_LSR_DR),
	UART_BAD(modem_in, UART_MSR_DCTS),
	UART_BAD(msr, UART_MSR_DCD),		/* status without the input */
	UART_BAD(rx.err[0], UART_LSR_FE),	/* the oldest byte's are in LSR */
	UART_BAD(rx.err[1], UART_LSR_THRE),
	UART_BAD(tx.err[0], UART_LSR_BI),
	UART_BAD(rx.data[15], 1),		/* past the count */
	UART_BAD(flags, 0x80),
	UART_BAD(reserved[0], 1),
	UART_BAD(rx.reserved[0], 1),
};

/* ... are refused, and the model is left alone. */
static void uart16550_test_restore_refuses(struct kunit *test)
{
	struct vmpass_uart_state *good, *bad;
	struct uart16550 *u, *before;
	unsigned int i;

	u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	good = kunit_kzalloc(test, sizeof(*good), GFP_KERNEL);
	bad = kunit_kzalloc(test, sizeof(*bad), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, u && before && good && bad);
	uart16550_reset(u);
	uart16550_write(u, UART_FCR, UART_FCR_ENABLE_FIFO);
	uart16550_rx_push(u, 'a', 0);
	uart16550_rx_push(u, 'b', UART_LSR_PE);
	uart16550_write(u, UART_TX, 'c');
	uart16550_save(u, good);
	*before = *u;
	KUNIT_ASSERT_EQ(test, good->rx.count, 2);
	KUNIT_ASSERT_EQ(test, good->tx.count, 1);

	for (i = 0; i < ARRAY_SIZE(uart_bad_states); i++) {
		*bad = *good;
		((u8 *)bad)[uart_bad_states[i].offset] ^= uart_bad_states[i].xor;
		KUNIT_EXPECT_NOT_NULL_MSG(test, uart16550_restore(u, bad), "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(u, before, sizeof(*u)), 0, "case %u", i);
	}
	KUNIT_EXPECT_NULL(test, uart16550_restore(u, good));
}

/* THR and RBR string accesses do exactly what as many single ones do. */
static void uart16550_test_string_access(struct kunit *test)
{
	struct uart16550 *u;

	u = kunit_kcalloc(test, 3, sizeof(*u), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, u);
	KUNIT_EXPECT_EQ(test, uart_string_check(u, 0x16550a, 200000), -1);
}

static struct kunit_case uart16550_test_cases[] = {
	KUNIT_CASE(uart16550_test_save_restore_lockstep),
	KUNIT_CASE(uart16550_test_restore_refuses),
	KUNIT_CASE_PARAM(uart16550_test_script, uart_script_gen_params),
	KUNIT_CASE(uart16550_test_random_traffic),
	KUNIT_CASE(uart16550_test_string_access),
	{}
};

static struct kunit_suite uart16550_test_suite = {
	.name = "vmpass_uart16550",
	.test_cases = uart16550_test_cases,
};

kunit_test_suite(uart16550_test_suite);

MODULE_DESCRIPTION("KUnit tests of vmpass's 16550A register model");
MODULE_LICENSE("GPL");
