// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the 16550A register model (drivers/vmpass/uart16550.c),
 * compiled into userspace. Each test states one behaviour of the chip.
 */
#include "kselftest_harness.h"
#include "uart16550.h"
#include "uart16550_cases.h"

FIXTURE(uart) {
	struct uart16550 u;
};

FIXTURE_SETUP(uart)
{
	memset(&self->u, 0x5a, sizeof(self->u));
	self->u.no_out2_gate = false;
	self->u.modem_in = 0;
	uart16550_reset(&self->u);
}

FIXTURE_TEARDOWN(uart)
{
}

#define RD(reg)		uart16550_read(&self->u, (reg))
#define WR(reg, val)	uart16550_write(&self->u, (reg), (val))

static void set_dlab(struct uart16550 *u, bool on)
{
	u8 lcr = uart16550_read(u, UART_LCR);

	uart16550_write(u, UART_LCR, on ? lcr | UART_LCR_DLAB : lcr & ~UART_LCR_DLAB);
}

TEST_F(uart, reset_values)
{
	EXPECT_EQ(0, RD(UART_IER));
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR));
	EXPECT_EQ(0, RD(UART_LCR));
	EXPECT_EQ(0, RD(UART_MCR));
	EXPECT_EQ(UART_LSR_THRE | UART_LSR_TEMT, RD(UART_LSR));
	EXPECT_EQ(0, RD(UART_MSR));
	EXPECT_FALSE(uart16550_irq_level(&self->u));
}

TEST_F(uart, scratch_register_holds_any_value)
{
	WR(UART_SCR, 0xa5);
	EXPECT_EQ(0xa5, RD(UART_SCR));
	WR(UART_SCR, 0x5a);
	EXPECT_EQ(0x5a, RD(UART_SCR));
}

TEST_F(uart, dlab_selects_the_divisor_latch)
{
	set_dlab(&self->u, true);
	WR(UART_DLL, 0x0c);
	WR(UART_DLM, 0x01);
	EXPECT_EQ(0x0c, RD(UART_DLL));
	EXPECT_EQ(0x01, RD(UART_DLM));
	set_dlab(&self->u, false);
	EXPECT_EQ(0, RD(UART_IER));
	EXPECT_EQ(0x10c, self->u.dl);
	EXPECT_EQ(115200 / 0x10c, uart16550_baud(&self->u));
	EXPECT_EQ(0, uart16550_tx_count(&self->u));	/* DLL write sent nothing */
}

TEST_F(uart, ier_keeps_only_the_four_enable_bits)
{
	WR(UART_IER, 0xff);
	EXPECT_EQ(0x0f, RD(UART_IER));
}

TEST_F(uart, thre_interrupt_cleared_by_iir_read_and_rearmed_by_ier)
{
	WR(UART_MCR, UART_MCR_OUT2);
	WR(UART_IER, UART_IER_THRI);
	EXPECT_TRUE(uart16550_irq_level(&self->u));
	EXPECT_EQ(UART_IIR_THRI, RD(UART_IIR));
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR));
	EXPECT_FALSE(uart16550_irq_level(&self->u));
	/* Setting THRI again while THRE is set raises it again. */
	WR(UART_IER, 0);
	WR(UART_IER, UART_IER_THRI);
	EXPECT_EQ(UART_IIR_THRI, RD(UART_IIR));
}

TEST_F(uart, thr_write_clears_thre_until_the_byte_leaves)
{
	u8 ch;

	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_IER, UART_IER_THRI);
	WR(UART_TX, 'x');
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR));
	EXPECT_EQ(0, RD(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT));
	ASSERT_TRUE(uart16550_tx_pop(&self->u, &ch));
	EXPECT_EQ('x', ch);
	EXPECT_EQ(UART_IIR_THRI, RD(UART_IIR));
	EXPECT_FALSE(uart16550_tx_pop(&self->u, &ch));
}

TEST_F(uart, without_fifo_thr_holds_one_byte)
{
	u8 ch;

	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_TX, 1);
	WR(UART_TX, 2);		/* lost: THRE was clear */
	EXPECT_EQ(1, uart16550_tx_count(&self->u));
	ASSERT_TRUE(uart16550_tx_pop(&self->u, &ch));
	EXPECT_EQ(1, ch);
}

TEST_F(uart, fifo_holds_sixteen_bytes_each_way)
{
	u8 ch;
	int i;

	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO);
	for (i = 0; i < 20; i++)
		WR(UART_TX, i);
	EXPECT_EQ(UART16550_FIFO_SIZE, uart16550_tx_count(&self->u));
	for (i = 0; i < UART16550_FIFO_SIZE; i++) {
		ASSERT_TRUE(uart16550_tx_pop(&self->u, &ch));
		EXPECT_EQ(i, ch);
	}
	EXPECT_EQ(UART16550_FIFO_SIZE, uart16550_rx_room(&self->u));
	for (i = 0; i < UART16550_FIFO_SIZE; i++)
		uart16550_rx_push(&self->u, 100 + i, 0);
	EXPECT_EQ(0, uart16550_rx_room(&self->u));
	for (i = 0; i < UART16550_FIFO_SIZE; i++) {
		EXPECT_TRUE(RD(UART_LSR) & UART_LSR_DR);
		EXPECT_EQ(100 + i, RD(UART_RX));
	}
	EXPECT_FALSE(RD(UART_LSR) & UART_LSR_DR);
}

TEST_F(uart, iir_shows_fifos_enabled)
{
	WR(UART_FCR, UART_FCR_ENABLE_FIFO);
	EXPECT_EQ(UART16550_IIR_FIFOS | UART_IIR_NO_INT, RD(UART_IIR));
	WR(UART_FCR, 0);
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR));
}

TEST_F(uart, rx_trigger_levels_1_4_8_14)
{
	static const struct { u8 fcr; int level; } t[] = {
		{ UART_FCR_TRIGGER_1, 1 }, { UART_FCR_TRIGGER_4, 4 },
		{ UART_FCR_TRIGGER_8, 8 }, { UART_FCR_TRIGGER_14, 14 },
	};
	unsigned int i;
	int n;

	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_IER, UART_IER_RDI);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | t[i].fcr);
		for (n = 1; n <= t[i].level; n++) {
			uart16550_rx_push(&self->u, n, 0);
			EXPECT_EQ(n == t[i].level ? UART_IIR_RDI : UART_IIR_NO_INT,
				  RD(UART_IIR) & ~UART16550_IIR_FIFOS)
				TH_LOG("level %d, byte %d", t[i].level, n);
		}
	}
}

TEST_F(uart, character_timeout_below_the_trigger_level)
{
	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_IER, UART_IER_RDI);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14);
	uart16550_rx_push(&self->u, 'a', 0);
	EXPECT_TRUE(uart16550_rx_timeout_armed(&self->u));
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR) & ~UART16550_IIR_FIFOS);
	uart16550_rx_timeout(&self->u);
	EXPECT_EQ(UART_IIR_RX_TIMEOUT, RD(UART_IIR) & ~UART16550_IIR_FIFOS);
	EXPECT_EQ('a', RD(UART_RX));	/* a read clears it */
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR) & ~UART16550_IIR_FIFOS);
	uart16550_rx_timeout(&self->u);	/* empty FIFO: no timeout */
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR) & ~UART16550_IIR_FIFOS);
}

TEST_F(uart, fcr_clears_the_fifos)
{
	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO);
	WR(UART_TX, 1);
	WR(UART_TX, 2);
	uart16550_rx_push(&self->u, 3, 0);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	EXPECT_FALSE(RD(UART_LSR) & UART_LSR_DR);
	EXPECT_EQ(2, uart16550_tx_count(&self->u));
	WR(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT);
	EXPECT_EQ(0, uart16550_tx_count(&self->u));
	EXPECT_TRUE(RD(UART_LSR) & UART_LSR_THRE);
	/* Turning the FIFOs off clears them too. */
	uart16550_rx_push(&self->u, 4, 0);
	WR(UART_FCR, 0);
	EXPECT_FALSE(RD(UART_LSR) & UART_LSR_DR);
}

TEST_F(uart, iir_priorities)
{
	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	WR(UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
	/* In loopback: a THR write is received at once; RTS makes DCTS. */
	WR(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP | UART_MCR_RTS);
	WR(UART_TX, 'a');
	WR(UART_TX, 'b');	/* overrun: no FIFO */
	EXPECT_EQ(UART_IIR_RLSI, RD(UART_IIR));
	EXPECT_EQ(UART_LSR_OE | UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT, RD(UART_LSR));
	EXPECT_EQ(UART_IIR_RDI, RD(UART_IIR));
	EXPECT_EQ('b', RD(UART_RX));
	EXPECT_EQ(UART_IIR_THRI, RD(UART_IIR));
	EXPECT_EQ(UART_IIR_MSI, RD(UART_IIR));
	EXPECT_EQ(UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DCD | UART_MSR_DDCD, RD(UART_MSR));
	EXPECT_EQ(UART_IIR_NO_INT, RD(UART_IIR));
}

TEST_F(uart, lsr_errors_clear_on_read)
{
	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO);
	uart16550_rx_push(&self->u, 'x', 0);
	uart16550_rx_push(&self->u, 0, UART_LSR_BI);
	/* BI shows when the break reaches the top of the FIFO. */
	EXPECT_EQ(UART_LSR_FIFOE | UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT, RD(UART_LSR));
	EXPECT_EQ('x', RD(UART_RX));
	EXPECT_EQ(UART_LSR_FIFOE | UART_LSR_BI | UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT,
		  RD(UART_LSR));
	EXPECT_EQ(UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT, RD(UART_LSR));
	EXPECT_EQ(0, RD(UART_RX));
}

TEST_F(uart, overrun_only_when_the_receiver_is_full)
{
	int i;

	WR(UART_LCR, UART_LCR_WLEN8);
	WR(UART_FCR, UART_FCR_ENABLE_FIFO);
	WR(UART_MCR, UART_MCR_LOOP);
	for (i = 0; i < UART16550_FIFO_SIZE; i++)
		WR(UART_TX, i);
	EXPECT_FALSE(RD(UART_LSR) & UART_LSR_OE);
	WR(UART_TX, 0xee);
	EXPECT_TRUE(RD(UART_LSR) & UART_LSR_OE);
	for (i = 0; i < UART16550_FIFO_SIZE; i++)
		EXPECT_EQ(i, RD(UART_RX));	/* the FIFO kept its bytes */
}

TEST_F(uart, loopback_wiring_and_isolation)
{
	u8 ch;

	WR(UART_LCR, UART_LCR_WLEN8);
	uart16550_set_modem_inputs(&self->u, UART_MSR_CTS | UART_MSR_DSR);
	RD(UART_MSR);
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	EXPECT_EQ(UART_MSR_RI | UART_MSR_DCTS | UART_MSR_DDSR, RD(UART_MSR));
	WR(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	EXPECT_EQ(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS | UART_MSR_TERI |
		  UART_MSR_DDCD | UART_MSR_DDSR | UART_MSR_DCTS, RD(UART_MSR));
	/* Nothing reaches the far end, nothing comes from it. */
	EXPECT_EQ(0, uart16550_modem_outputs(&self->u));
	EXPECT_EQ(0, uart16550_rx_room(&self->u));
	WR(UART_TX, 'z');
	EXPECT_FALSE(uart16550_tx_pop(&self->u, &ch));
	EXPECT_EQ('z', RD(UART_RX));
	/* Leaving loopback brings back the far end's lines. */
	WR(UART_MCR, UART_MCR_DTR);
	EXPECT_EQ(UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDCD, RD(UART_MSR));
	EXPECT_EQ(UART_MCR_DTR, uart16550_modem_outputs(&self->u));
}

TEST_F(uart, msr_deltas_and_trailing_edge_of_ri)
{
	uart16550_set_modem_inputs(&self->u, UART_MSR_RI);
	EXPECT_EQ(UART_MSR_RI, RD(UART_MSR));	/* rising RI: no TERI */
	uart16550_set_modem_inputs(&self->u, 0);
	EXPECT_EQ(UART_MSR_TERI, RD(UART_MSR));
	EXPECT_EQ(0, RD(UART_MSR));
	uart16550_set_modem_inputs(&self->u, UART_MSR_DCD | UART_MSR_CTS);
	EXPECT_EQ(UART_MSR_DCD | UART_MSR_CTS | UART_MSR_DDCD | UART_MSR_DCTS, RD(UART_MSR));
}

TEST_F(uart, out2_gates_the_irq_output)
{
	WR(UART_IER, UART_IER_THRI);
	EXPECT_EQ(UART_IIR_THRI, uart16550_iir(&self->u));
	EXPECT_FALSE(uart16550_irq_level(&self->u));
	WR(UART_MCR, UART_MCR_OUT2);
	EXPECT_TRUE(uart16550_irq_level(&self->u));
	self->u.no_out2_gate = true;
	WR(UART_MCR, 0);
	EXPECT_TRUE(uart16550_irq_level(&self->u));
}

TEST_F(uart, word_length_masks_data)
{
	u8 ch;

	WR(UART_LCR, UART_LCR_WLEN7);
	WR(UART_TX, 0xff);
	ASSERT_TRUE(uart16550_tx_pop(&self->u, &ch));
	EXPECT_EQ(0x7f, ch);
	uart16550_rx_push(&self->u, 0xff, 0);
	EXPECT_EQ(0x7f, RD(UART_RX));
	WR(UART_LCR, UART_LCR_WLEN5);
	uart16550_rx_push(&self->u, 0xff, 0);
	EXPECT_EQ(0x1f, RD(UART_RX));
}

TEST_F(uart, char_time_follows_the_line_settings)
{
	/* 8N1 at 115200: 10 bits of 8.68 us */
	WR(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	WR(UART_DLL, 1);
	WR(UART_DLM, 0);
	WR(UART_LCR, UART_LCR_WLEN8);
	EXPECT_EQ(86810, uart16550_char_time_ns(&self->u));
	/* 7E2: 1 + 7 + 1 + 2 bits */
	WR(UART_LCR, UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR | UART_LCR_STOP);
	EXPECT_EQ(11 * 8681, uart16550_char_time_ns(&self->u));
}

/* The scripts the KUnit suite also runs (uart16550_cases.h). */
TEST(scripted_behaviours)
{
	struct uart16550 u = { 0 };
	unsigned int i;
	int step, got;

	for (i = 0; i < ARRAY_SIZE(uart_scripts); i++) {
		const struct uart_script *s = &uart_scripts[i];

		got = 0;
		step = uart_script_run(&u, s, &got);
		EXPECT_EQ(-1, step)
			TH_LOG("%s: step %d (op %u reg %u) got %d, want %u", s->name, step,
			       s->steps[step].op, s->steps[step].reg, got, s->steps[step].want);
	}
}

TEST(string_accesses_are_single_accesses_in_a_row)
{
	struct uart16550 u[3];

	memset(u, 0, sizeof(u));
	EXPECT_EQ(-1, uart_string_check(u, 0x16550a, 200000));
	EXPECT_EQ(-1, uart_string_check(u, 0xdecafbad, 200000));
}

TEST_HARNESS_MAIN
