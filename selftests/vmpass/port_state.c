// SPDX-License-Identifier: GPL-2.0
/*
 * Port state snapshots (VMPASS_PORT_GET_STATE/SET_STATE): a userspace
 * guest on a port fd streams checksummed records both ways through the
 * host end; mid-stream, with bytes in both FIFOs and both buffers, it
 * takes the state, detaches, moves the identity to another port, attaches
 * that port, restores and goes on, and every byte arrives once and in
 * order. Also a GET/SET/GET round trip, what a frozen port does, and the
 * catalogue of bad states, each refused with nothing changed.
 */
#include <fcntl.h>
#include <linux/serial.h>
#include <linux/serial_reg.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vmpass_util.h"

#define REC		16	/* a record: 0xa5, seq (4), payload (10), sum */
#define TOTAL		(24 * 1024)	/* bytes each way */
#define MID		(6 * 1024)	/* where the snapshot is taken */
#define G2H		0x11	/* direction salts */
#define H2G		0x77

static __u8 stream_byte(unsigned int dir, __u64 k)
{
	__u32 seq = k / REC;
	unsigned int off = k % REC, i;
	__u8 rec[REC], sum = 0;

	rec[0] = 0xa5;
	memcpy(rec + 1, &seq, 4);
	for (i = 5; i < REC - 1; i++)
		rec[i] = seq * 31 + i * 7 + dir;
	for (i = 0; i < REC - 1; i++)
		sum += rec[i];
	rec[REC - 1] = sum;
	return rec[off];
}

static __u8 reg_read(int fd, unsigned int reg)
{
	__u8 v = 0;

	if (pread(fd, &v, 1, reg) != 1)
		return 0;
	return v;
}

static void reg_write(int fd, unsigned int reg, __u8 v)
{
	if (pwrite(fd, &v, 1, reg) != 1)
		fprintf(stderr, "# pwrite reg %u failed: %s\n", reg, strerror(errno));
}

/* 38400 8N1, FIFOs on (trigger 14), all interrupts on, DTR, RTS, OUT2. */
static void guest_init(int fd)
{
	reg_write(fd, UART_LCR, UART_LCR_DLAB);
	reg_write(fd, UART_DLL, 3);
	reg_write(fd, UART_DLM, 0);
	reg_write(fd, UART_LCR, UART_LCR_WLEN8);
	reg_write(fd, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR |
		  UART_FCR_CLEAR_XMIT | UART_FCR_R_TRIG_11);
	reg_write(fd, UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
	reg_write(fd, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	reg_write(fd, UART_SCR, 0x5a);
}

static int get_state(int fd, struct vmpass_port_state *st)
{
	struct vmpass_state_buf b = {
		.size = sizeof(*st), .data = (unsigned long)st,
	};

	return ioctl(fd, VMPASS_PORT_GET_STATE, &b) ? -errno : 0;
}

static int set_state(int fd, const struct vmpass_port_state *st, __u32 flags)
{
	struct vmpass_state_buf b = {
		.size = sizeof(*st), .version = VMPASS_PORT_STATE_VERSION,
		.data = (unsigned long)st, .flags = flags,
	};

	return ioctl(fd, VMPASS_PORT_SET_STATE, &b) ? -errno : 0;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Both directions' progress; a byte out of order or twice is an error. */
struct stream {
	__u64 g_tx, g_rx, h_tx, h_rx;
	const char *err;
};

enum { GUEST_READ = 1, GUEST_WRITE = 2, HOST_READ = 4, HOST_WRITE = 8, ALL = 15 };

/* One round of the guest (polling LSR) and of the host end (non-blocking). */
static void pump(int gfd, int hfd, struct stream *s, unsigned int what)
{
	__u8 buf[1024];
	ssize_t r;
	__u8 lsr;
	int i, n;

	lsr = gfd < 0 ? 0 : reg_read(gfd, UART_LSR);
	if (lsr & UART_LSR_BRK_ERROR_BITS)
		s->err = "the guest saw a line error (LSR)";
	for (i = 0; i < 16 && (what & GUEST_READ) && (lsr & UART_LSR_DR); i++) {
		if (reg_read(gfd, UART_RX) != stream_byte(H2G, s->g_rx))
			s->err = "the guest received a byte out of order";
		s->g_rx++;
		lsr = reg_read(gfd, UART_LSR);
	}
	if ((what & GUEST_WRITE) && (lsr & UART_LSR_THRE) && s->g_tx < TOTAL) {
		n = TOTAL - s->g_tx < 16 ? TOTAL - s->g_tx : 16;
		for (i = 0; i < n; i++)
			buf[i] = stream_byte(G2H, s->g_tx + i);
		if (pwrite(gfd, buf, n, UART_TX) == n)
			s->g_tx += n;
	}
	if (what & HOST_READ) {
		r = read(hfd, buf, sizeof(buf));
		for (i = 0; i < r; i++, s->h_rx++)
			if (buf[i] != stream_byte(G2H, s->h_rx))
				s->err = "the host received a byte out of order";
	}
	if ((what & HOST_WRITE) && s->h_tx < TOTAL) {
		n = TOTAL - s->h_tx < (int)sizeof(buf) ? TOTAL - s->h_tx : (int)sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = stream_byte(H2G, s->h_tx + i);
		r = write(hfd, buf, n);
		if (r > 0)
			s->h_tx += r;
	}
}

static __u32 host_icount_rx(int hfd)
{
	struct serial_icounter_struct ic = { 0 };

	ioctl(hfd, TIOCGICOUNT, &ic);
	return ic.rx;
}

FIXTURE(state) {
	int ctl;
	int host0, host1;
	struct vmpass_port_state *st, *st2;
};

FIXTURE_SETUP(state)
{
	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8 irq=4,3"));
	self->ctl = ctl_open();
	ASSERT_LE(0, self->ctl);
	self->host0 = tty_open_raw("/dev/ttyVCOM0");
	self->host1 = tty_open_raw("/dev/ttyVCOM1");
	ASSERT_LE(0, self->host0);
	ASSERT_LE(0, self->host1);
	set_nonblock(self->host0);
	set_nonblock(self->host1);
	self->st = calloc(1, sizeof(*self->st));
	self->st2 = calloc(1, sizeof(*self->st2));
	ASSERT_NE(NULL, self->st);
	ASSERT_NE(NULL, self->st2);
}

FIXTURE_TEARDOWN(state)
{
	close(self->host0);
	close(self->host1);
	close(self->ctl);
	free(self->st);
	free(self->st2);
	vmpass_unload();
}

/* Fill both FIFOs and both buffers: the host end stops reading, the guest too. */
static void fill_everything(int gfd, int hfd, struct stream *s)
{
	double end = now() + 30;
	int quiet = 0;

	while (quiet < 200 && now() < end) {
		__u64 before = s->g_tx + s->h_tx;

		pump(gfd, hfd, s, GUEST_WRITE | HOST_WRITE);
		if (s->g_tx + s->h_tx == before) {
			quiet++;
			usleep(1000);
		} else {
			quiet = 0;
		}
	}
}

TEST_F_TIMEOUT(state, mid_stream_save_move_restore_once_and_in_order, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_attach at = { .flags = VMPASS_ATTACH_BY_IOBASE, .iobase = 0x3f8 };
	struct vmpass_port_desc d = { .index = 1 };
	struct stream s = { 0 };
	struct termios t;
	__u32 level = 0;
	__u32 pushed;
	__u64 ev;
	double end;
	int a, b, efd;
	__u8 v;

	a = ioctl(self->ctl, VMPASS_ATTACH_PORT, &at);
	ASSERT_LE(0, a);
	guest_init(a);

	/* Stream both ways to the middle ... */
	end = now() + 120;
	while ((s.g_rx < MID || s.h_rx < MID) && !s.err && now() < end)
		pump(a, self->host0, &s, ALL);
	ASSERT_EQ(NULL, s.err);
	ASSERT_LE(MID, s.h_rx);
	ASSERT_LE(MID, s.g_rx);
	/* ... then with nobody reading, until every buffer is full. */
	fill_everything(a, self->host0, &s);

	ASSERT_EQ(0, get_state(a, self->st));
	pushed = host_icount_rx(self->host0);
	TH_LOG("snapshot at guest tx %llu rx %llu, host tx %llu rx %llu",
	       (unsigned long long)s.g_tx, (unsigned long long)s.g_rx,
	       (unsigned long long)s.h_tx, (unsigned long long)s.h_rx);
	TH_LOG("RX FIFO %u, TX FIFO %u, to_guest %u, to_host %u, flags %#x, UART flags %#x",
	       self->st->uart.rx.count, self->st->uart.tx.count,
	       self->st->to_guest_len, self->st->to_host_len, self->st->flags,
	       self->st->uart.flags);
	ASSERT_EQ(sizeof(*self->st), self->st->size);
	ASSERT_EQ(VMPASS_PORT_STATE_VERSION, self->st->version);
	ASSERT_LT(0, self->st->uart.rx.count);
	ASSERT_LT(0, self->st->uart.tx.count);
	ASSERT_LT(0, self->st->to_guest_len);
	ASSERT_LT(0, self->st->to_host_len);
	/* RX FIFO past its trigger level, OUT2 on: the IRQ output is high. */
	ASSERT_TRUE(self->st->flags & VMPASS_STATE_IRQ_LEVEL);
	ASSERT_EQ(3, self->st->uart.dl);
	ASSERT_EQ(0x5a, self->st->uart.scr);

	/* Frozen: host writes wait, guest accesses do nothing. */
	v = 0;
	EXPECT_EQ(-1, write(self->host0, &v, 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0xff, reg_read(a, UART_SCR));
	reg_write(a, UART_SCR, 0x00);
	ASSERT_EQ(0, get_state(a, self->st2));
	EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st)));

	/* The old host end has what was pushed before the snapshot. */
	end = now() + 30;
	while (s.h_rx < pushed && !s.err && now() < end) {
		pump(-1, self->host0, &s, HOST_READ);
		usleep(1000);
	}
	ASSERT_EQ(NULL, s.err);
	ASSERT_EQ(pushed, s.h_rx);

	/* Detach; move the identity (detach first: an attached port stays put). */
	close(a);
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM0/iobase", "0"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM0/irq", "0"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM1/iobase", "0x3f8"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM1/irq", "4"));
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	ASSERT_EQ(0x3f8, d.iobase);
	ASSERT_EQ(4, d.irq);
	b = ioctl(self->ctl, VMPASS_ATTACH_PORT, &at);
	ASSERT_LE(0, b);
	d.index = 1;
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	ASSERT_TRUE(d.flags & VMPASS_PORT_ATTACHED);

	/* The detach handed the buffers over: the old host end gets nothing more. */
	usleep(100000);
	pump(-1, self->host0, &s, HOST_READ);
	ASSERT_EQ(pushed, s.h_rx);
	ASSERT_EQ(pushed, host_icount_rx(self->host0));

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, ioctl(b, VMPASS_PORT_SET_IRQFD,
			   &(struct vmpass_irqfd){ .fd = efd, .resample_fd = -1 }));
	EXPECT_EQ(-1, read(efd, &ev, sizeof(ev)));

	/* Restore frozen first: the port then holds exactly the snapshot. */
	ASSERT_EQ(0, set_state(b, self->st, VMPASS_STATE_SET_FROZEN));
	ASSERT_EQ(0, get_state(b, self->st2));
	EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st)));
	ASSERT_EQ(0, set_state(b, self->st, 0));

	/* The interrupt is as before: asserted, with an edge on the new eventfd. */
	ASSERT_EQ(0, ioctl(b, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	EXPECT_EQ(sizeof(ev), read(efd, &ev, sizeof(ev)));
	EXPECT_EQ(0x5a, reg_read(b, UART_SCR));
	EXPECT_EQ(UART_LCR_WLEN8, reg_read(b, UART_LCR));

	/* The new host end follows the restored line settings (38400 8N1). */
	end = now() + 10;
	do {
		usleep(10000);
		tcgetattr(self->host1, &t);
	} while (cfgetospeed(&t) != B38400 && now() < end);
	EXPECT_EQ(B38400, cfgetospeed(&t));
	EXPECT_EQ(CS8, t.c_cflag & CSIZE);

	/* Go on through the new host end, to the end of the stream. */
	end = now() + 300;
	while ((s.g_rx < TOTAL || s.h_rx < TOTAL) && !s.err && now() < end)
		pump(b, self->host1, &s, ALL);
	ASSERT_EQ(NULL, s.err);
	EXPECT_EQ(TOTAL, s.g_rx);
	EXPECT_EQ(TOTAL, s.h_rx);
	TH_LOG("%d bytes each way, once and in order, across two ports", TOTAL);
	close(efd);
	close(b);
}

TEST_F_TIMEOUT(state, round_trip_get_set_get_is_identical, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_state_buf small = { .size = 64, .data = (unsigned long)self->st };
	struct vmpass_info info;
	struct stream s = { 0 };
	int a = attach_index(self->ctl, 0);
	__u8 c;

	ASSERT_LE(0, a);
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_GET_INFO, &info));
	EXPECT_TRUE(info.features & VMPASS_FEATURE_PORT_STATE);

	/* Too small a buffer: -ENOSPC, the size needed, the port still runs. */
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_GET_STATE, &small));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(sizeof(*self->st), small.size);

	guest_init(a);
	for (int i = 0; i < 200; i++)
		pump(a, self->host0, &s, GUEST_WRITE | HOST_WRITE);
	ASSERT_EQ(0, get_state(a, self->st));
	ASSERT_EQ(0, set_state(a, self->st, VMPASS_STATE_SET_FROZEN));
	ASSERT_EQ(0, get_state(a, self->st2));
	EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st)));
	/* And run again from it, in place: the guest reads the host's bytes. */
	ASSERT_EQ(0, set_state(a, self->st, 0));
	c = reg_read(a, UART_RX);
	EXPECT_EQ(stream_byte(H2G, 0), c);
	close(a);
}

/*
 * A SET in place, with the IRQ output asserted before and in the state
 * (loadvm in the same VMM): the eventfd still gets the restored rising
 * edge, as the VMM's interrupt controller may have been restored low.
 * A SET that leaves the port frozen takes the old level back: a quiet
 * state reads low, with no edge.
 */
TEST_F_TIMEOUT(state, set_in_place_signals_an_asserted_irq, VMPASS_SLOW_TIMEOUT)
{
	int a = attach_index(self->ctl, 0);
	__u32 level = 0;
	__u64 ev;
	int efd;

	ASSERT_LE(0, a);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_SET_IRQFD,
			   &(struct vmpass_irqfd){ .fd = efd, .resample_fd = -1 }));
	guest_init(a);	/* THRI with an empty THR: asserted */
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	ASSERT_EQ(1, level);
	ASSERT_EQ(sizeof(ev), read(efd, &ev, sizeof(ev)));

	ASSERT_EQ(0, get_state(a, self->st));
	EXPECT_TRUE(self->st->flags & VMPASS_STATE_IRQ_LEVEL);
	EXPECT_EQ(-1, read(efd, &ev, sizeof(ev)));
	ASSERT_EQ(0, set_state(a, self->st, 0));
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	EXPECT_EQ(sizeof(ev), read(efd, &ev, sizeof(ev)));

	/*
	 * A quiet state (IER 0) set frozen on the asserted port: the old level
	 * is taken back, with no edge; the asserted state, run, is one edge.
	 */
	ASSERT_EQ(0, get_state(a, self->st));
	memcpy(self->st2, self->st, sizeof(*self->st));
	self->st2->uart.ier = 0;
	self->st2->flags &= ~VMPASS_STATE_IRQ_LEVEL;
	ASSERT_EQ(0, set_state(a, self->st2, VMPASS_STATE_SET_FROZEN));
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(0, level);
	EXPECT_EQ(0, poll(&(struct pollfd){ .fd = a, .events = POLLIN }, 1, 0));
	EXPECT_EQ(-1, read(efd, &ev, sizeof(ev)));
	ASSERT_EQ(0, set_state(a, self->st, 0));
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	EXPECT_EQ(sizeof(ev), read(efd, &ev, sizeof(ev)));
	EXPECT_EQ(-1, read(efd, &ev, sizeof(ev)));
	close(efd);
	close(a);
}

TEST_F_TIMEOUT(state, character_timer_in_flight_moves_with_the_state, VMPASS_SLOW_TIMEOUT)
{
	/* Divisor 0 (65536), 8N1: four characters take 22.8 s. */
	const unsigned long long four_chars = 4ULL * 10 * 65536 * 8681;
	__u32 level = 1;
	double end;
	int a = attach_index(self->ctl, 0);
	__u8 iir;

	ASSERT_LE(0, a);
	reg_write(a, UART_LCR, UART_LCR_DLAB);
	reg_write(a, UART_DLL, 0);
	reg_write(a, UART_DLM, 0);
	reg_write(a, UART_LCR, UART_LCR_WLEN8);
	reg_write(a, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_R_TRIG_11);
	reg_write(a, UART_IER, UART_IER_RDI);
	reg_write(a, UART_MCR, UART_MCR_OUT2);
	/* One byte, below the trigger level: only the timeout will tell. */
	ASSERT_EQ(1, write(self->host0, "x", 1));
	ASSERT_EQ(0, get_state(a, self->st));
	ASSERT_TRUE(self->st->flags & VMPASS_STATE_TIMER);
	EXPECT_FALSE(self->st->flags & VMPASS_STATE_IRQ_LEVEL);
	EXPECT_FALSE(self->st->uart.flags & VMPASS_UART_TIMEOUT_PENDING);
	EXPECT_LT(0, self->st->timeout_ns);
	EXPECT_GE(four_chars, self->st->timeout_ns);
	TH_LOG("character timer: %llu ns left of %llu",
	       (unsigned long long)self->st->timeout_ns, four_chars);

	/* Frozen, the time left stays what it was. */
	usleep(200000);
	ASSERT_EQ(0, set_state(a, self->st, VMPASS_STATE_SET_FROZEN));
	ASSERT_EQ(0, get_state(a, self->st2));
	EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st)));

	/* Restored with 1 ms left, it expires at once: IIR says timeout. */
	self->st->timeout_ns = 1000000;
	ASSERT_EQ(0, set_state(a, self->st, 0));
	end = now() + 5;
	do {
		usleep(10000);
		iir = reg_read(a, UART_IIR);
	} while ((iir & UART_IIR_ID) != UART_IIR_RX_TIMEOUT && now() < end);
	EXPECT_EQ(UART_IIR_RX_TIMEOUT, iir & UART_IIR_ID);
	ASSERT_EQ(0, ioctl(a, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	EXPECT_EQ('x', reg_read(a, UART_RX));
	close(a);
}

/* Each mutation of a good state that no chip could be in. */
struct bad_state {
	const char *name;
	void (*mutate)(struct vmpass_port_state *st);
};

#define BAD(n, body) \
	static void bad_##n(struct vmpass_port_state *st) { body; }
BAD(size, st->size--)
BAD(version, st->version = 2)
BAD(flags, st->flags |= 1U << 3)
BAD(reserved0, st->reserved0 = 1)
BAD(reserved1, st->reserved1[8] = 1)
BAD(reserved2, st->reserved2[0] = 1)
BAD(timeout_without_timer, st->flags &= ~VMPASS_STATE_TIMER; st->timeout_ns = 1000)
BAD(timeout_too_long, st->flags |= VMPASS_STATE_TIMER; st->timeout_ns = 1ULL << 40)
BAD(to_guest_len, st->to_guest_len = VMPASS_STATE_BUF + 1)
BAD(to_host_len, st->to_host_len = VMPASS_STATE_BUF + 1)
BAD(to_guest_entry, st->to_guest[0] = 0x101)
BAD(to_host_entry, st->to_host[0] = 0x200)
BAD(to_guest_past_len, st->to_guest[VMPASS_STATE_BUF - 1] = 1)
BAD(irq_level, st->flags ^= VMPASS_STATE_IRQ_LEVEL)
BAD(uart_flags, st->uart.flags |= 1U << 2)
BAD(uart_reserved, st->uart.reserved[4] = 1)
BAD(ier, st->uart.ier |= 0x10)
BAD(mcr, st->uart.mcr |= 0x20)
BAD(fcr_kept_without_enable, st->uart.fcr = UART_FCR_DMA_SELECT)
BAD(fcr_clear_bits, st->uart.fcr |= UART_FCR_CLEAR_RCVR)
BAD(lsr_err, st->uart.lsr_err |= UART_LSR_DR)
BAD(modem_in, st->uart.modem_in |= UART_MSR_DCTS)
BAD(msr_status, st->uart.msr ^= UART_MSR_CTS)
BAD(rx_count, st->uart.rx.count = VMPASS_STATE_FIFO_SIZE + 1)
BAD(tx_count, st->uart.tx.count = VMPASS_STATE_FIFO_SIZE + 1)
BAD(rx_past_count, st->uart.rx.data[VMPASS_STATE_FIFO_SIZE - 1] = 1)
BAD(rx_err_bits, st->uart.rx.err[1] = 0x01)
BAD(rx_err_oldest, st->uart.rx.err[0] = UART_LSR_PE)
BAD(tx_err, st->uart.tx.err[0] = UART_LSR_PE)
BAD(fifo_reserved, st->uart.tx.reserved[0] = 1)
BAD(fifos_off_two_bytes, st->uart.fcr = 0; st->uart.flags &= ~VMPASS_UART_TIMEOUT_PENDING)
static void bad_timeout_pending_empty(struct vmpass_port_state *st)
{
	st->uart.flags |= VMPASS_UART_TIMEOUT_PENDING;
	st->uart.rx.count = 0;
	memset(st->uart.rx.data, 0, sizeof(st->uart.rx.data));
	memset(st->uart.rx.err, 0, sizeof(st->uart.rx.err));
}

static const struct bad_state bad_states[] = {
#define B(n) { #n, bad_##n }
	B(size), B(version), B(flags), B(reserved0), B(reserved1), B(reserved2),
	B(timeout_without_timer), B(timeout_too_long), B(to_guest_len),
	B(to_host_len), B(to_guest_entry), B(to_host_entry), B(to_guest_past_len),
	B(irq_level), B(uart_flags), B(uart_reserved), B(ier), B(mcr),
	B(fcr_kept_without_enable), B(fcr_clear_bits), B(lsr_err), B(modem_in),
	B(msr_status), B(rx_count), B(tx_count), B(rx_past_count), B(rx_err_bits),
	B(rx_err_oldest), B(tx_err), B(fifo_reserved), B(fifos_off_two_bytes),
	B(timeout_pending_empty),
#undef B
};

TEST_F_TIMEOUT(state, bad_states_are_refused_and_change_nothing, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_state_buf req;
	struct stream s = { 0 };
	int a = attach_index(self->ctl, 0);
	int kmsg = kmsg_open_at_end();
	unsigned int i;

	ASSERT_LE(0, a);
	guest_init(a);
	/* Five bytes for the guest, and some guest output. */
	ASSERT_EQ(5, write(self->host0, "abcde", 5));
	for (i = 0; i < 20; i++)
		pump(a, self->host0, &s, GUEST_WRITE);
	ASSERT_EQ(0, get_state(a, self->st));
	/* The good state has what the mutations need: 2 to 15 RX bytes. */
	ASSERT_EQ(5, self->st->uart.rx.count);
	ASSERT_EQ(0, set_state(a, self->st, VMPASS_STATE_SET_FROZEN));

	for (i = 0; i < ARRAY_SIZE(bad_states); i++) {
		memcpy(self->st2, self->st, sizeof(*self->st));
		bad_states[i].mutate(self->st2);
		EXPECT_EQ(-EINVAL, set_state(a, self->st2, 0)) {
			TH_LOG("bad state %s was accepted", bad_states[i].name);
		}
		ASSERT_EQ(0, get_state(a, self->st2));
		EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st))) {
			TH_LOG("bad state %s changed the port", bad_states[i].name);
		}
	}

	/* And the request itself: size, version, flags, reserved. */
	req = (struct vmpass_state_buf){ .size = sizeof(*self->st) + 1, .version = 1,
					 .data = (unsigned long)self->st };
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_SET_STATE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.size = sizeof(*self->st);
	req.version = 2;
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_SET_STATE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.version = 1;
	req.flags = 1U << 1;
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_SET_STATE, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_SET_STATE, &req));
	EXPECT_EQ(EINVAL, errno);
	req = (struct vmpass_state_buf){ .size = sizeof(*self->st), .version = 3,
					 .data = (unsigned long)self->st2 };
	EXPECT_EQ(-1, ioctl(a, VMPASS_PORT_GET_STATE, &req));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, get_state(a, self->st2));
	EXPECT_EQ(0, memcmp(self->st, self->st2, sizeof(*self->st)));
	EXPECT_TRUE(kmsg_has(kmsg, "state refused"));

	/* The good one is still taken. */
	EXPECT_EQ(0, set_state(a, self->st, 0));
	close(kmsg);
	close(a);
}

TEST_HARNESS_MAIN
