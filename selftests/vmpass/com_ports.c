// SPDX-License-Identifier: GPL-2.0
/*
 * COM ports, judged by Linux's own 8250 driver: vmpass_8250_guest.ko puts
 * the 8250 driver on a port's 16550A model, so the guest end is a real
 * ttyS and the host end is /dev/ttyVCOMn. Also the ports' identities
 * (setserial, sysfs) and bad module parameters.
 */
#include <fcntl.h>
#include <linux/serial.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "kselftest_harness.h"
#include "stream.h"
#include "vmpass_util.h"

#define XFER_BYTES	(1024 * 1024)

/* Load the guest helper on ttyVCOM@index; returns n in its ttySn. */
static int guest_load(unsigned int index)
{
	char params[32];
	int line;

	snprintf(params, sizeof(params), "port=%u", index);
	if (module_load(helper_ko("vmpass_8250_guest"), params))
		return -1;
	if (read_int("/sys/module/vmpass_8250_guest/parameters/line", &line))
		return -1;
	return line;
}

static void guest_unload(void)
{
	module_unload("vmpass_8250_guest");
}

/* Both ends of ttyVCOM0: the 8250 driver's ttyS (guest) and the host tty. */
struct line_ends {
	int line;
	int guest;
	int host;
	char guest_path[32];
};

static int ends_open(struct line_ends *e)
{
	e->guest = -1;
	e->host = -1;
	if (vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"))
		return -1;
	e->line = guest_load(0);
	if (e->line < 0)
		return -1;
	snprintf(e->guest_path, sizeof(e->guest_path), "/dev/ttyS%d", e->line);
	e->guest = tty_open_raw(e->guest_path);
	e->host = tty_open_raw("/dev/ttyVCOM0");
	return e->guest < 0 || e->host < 0 ? -1 : 0;
}

static void ends_close(struct line_ends *e)
{
	if (e->guest >= 0)
		close(e->guest);
	if (e->host >= 0)
		close(e->host);
	guest_unload();
}

FIXTURE(oracle) {
	struct line_ends e;
};

FIXTURE_SETUP(oracle)
{
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(oracle)
{
	ends_close(&self->e);
}

TEST_F(oracle, autoconfig_finds_a_16550a_with_a_16_byte_fifo)
{
	struct serial_struct ss;
	char cmd[96], needle[64];

	ASSERT_EQ(0, ioctl(self->e.guest, TIOCGSERIAL, &ss));
	EXPECT_EQ(PORT_16550A, ss.type);
	EXPECT_EQ(16, ss.xmit_fifo_size);

	snprintf(cmd, sizeof(cmd), "setserial -g %s", self->e.guest_path);
	EXPECT_TRUE(command_output_has(cmd, "UART: 16550A"));
	snprintf(needle, sizeof(needle), "ttyS%d at MMIO", self->e.line);
	EXPECT_TRUE(command_output_has("dmesg", needle));
	EXPECT_TRUE(command_output_has("dmesg", "is a 16550A"));
}

FIXTURE(xfer) {
	struct line_ends e;
};

FIXTURE_SETUP(xfer)
{
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(xfer)
{
	ends_close(&self->e);
}

FIXTURE_VARIANT(xfer) {
	speed_t speed;
	tcflag_t cflag;		/* CSIZE, PARENB, PARODD, CSTOPB */
	__u8 mask;
	const char *stty;	/* what the host end's stty -a must show */
};

FIXTURE_VARIANT_ADD(xfer, b115200_8n1) {
	.speed = B115200, .cflag = CS8, .mask = 0xff,
	.stty = "speed 115200 baud",
};

FIXTURE_VARIANT_ADD(xfer, b9600_8n1) {
	.speed = B9600, .cflag = CS8, .mask = 0xff,
	.stty = "speed 9600 baud",
};

FIXTURE_VARIANT_ADD(xfer, b57600_8o2) {
	.speed = B57600, .cflag = CS8 | PARENB | PARODD | CSTOPB, .mask = 0xff,
	.stty = "speed 57600 baud",
};

FIXTURE_VARIANT_ADD(xfer, b38400_7e1) {
	.speed = B38400, .cflag = CS7 | PARENB, .mask = 0x7f,
	.stty = "speed 38400 baud",
};

static void set_line(int fd, speed_t speed, tcflag_t cflag)
{
	struct termios t;

	tcgetattr(fd, &t);
	t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB);
	t.c_cflag |= cflag;
	cfsetispeed(&t, speed);
	cfsetospeed(&t, speed);
	tcsetattr(fd, TCSANOW, &t);
}

/* The host end's termios follows what the guest programmed (it is async). */
static bool host_line_is(int fd, speed_t speed, tcflag_t cflag)
{
	struct termios t;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		tcgetattr(fd, &t);
		if (cfgetospeed(&t) == speed &&
		    (t.c_cflag & (CSIZE | PARENB | PARODD | CSTOPB)) == cflag)
			return true;
		usleep(10000);
	}
	return false;
}

TEST_F_TIMEOUT(xfer, one_mib_each_way_at_once, 240)
{
	struct stream g2h = { .fd = self->e.guest, .seed = 0x1234567, .len = XFER_BYTES };
	struct stream h2g = { .fd = self->e.host, .seed = 0x7654321, .len = XFER_BYTES };
	struct stream g2h_rx, h2g_rx;
	pthread_t t[4];

	set_line(self->e.guest, variant->speed, variant->cflag);
	ASSERT_TRUE(host_line_is(self->e.host, variant->speed, variant->cflag));

	g2h.mask = variant->mask;
	h2g.mask = variant->mask;
	g2h_rx = g2h;
	g2h_rx.fd = self->e.host;
	h2g_rx = h2g;
	h2g_rx.fd = self->e.guest;

	ASSERT_EQ(0, pthread_create(&t[0], NULL, stream_reader, &g2h_rx));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, stream_reader, &h2g_rx));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, stream_writer, &g2h));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, stream_writer, &h2g));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);

	EXPECT_EQ(0, g2h.err);
	EXPECT_EQ(0, h2g.err);
	EXPECT_EQ(0, g2h_rx.err) TH_LOG("guest to host: %zu bytes intact", g2h_rx.done);
	EXPECT_EQ(0, h2g_rx.err) TH_LOG("host to guest: %zu bytes intact", h2g_rx.done);
	EXPECT_EQ(XFER_BYTES, g2h_rx.done);
	EXPECT_EQ(XFER_BYTES, h2g_rx.done);
	EXPECT_TRUE(command_output_has("stty -a -F /dev/ttyVCOM0", variant->stty));
}

TEST_F(oracle, stty_on_the_guest_shows_on_the_host)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "stty -F %s 9600 cs7 parenb cstopb", self->e.guest_path);
	ASSERT_EQ(0, system(cmd));
	ASSERT_TRUE(host_line_is(self->e.host, B9600, CS7 | PARENB | CSTOPB));
	EXPECT_TRUE(command_output_has("stty -a -F /dev/ttyVCOM0", "speed 9600 baud"));
	EXPECT_TRUE(command_output_has("stty -a -F /dev/ttyVCOM0", "parenb -parodd"));
	EXPECT_TRUE(command_output_has("stty -a -F /dev/ttyVCOM0", " cs7 "));
	EXPECT_TRUE(command_output_has("stty -a -F /dev/ttyVCOM0", " cstopb "));
}

static bool mctrl_is(int fd, int mask, int want)
{
	int tries, m = 0;

	for (tries = 0; tries < 100; tries++) {
		ioctl(fd, TIOCMGET, &m);
		if ((m & mask) == want)
			return true;
		usleep(10000);
	}
	return false;
}

static void *wait_host_cd(void *arg)
{
	int *fd = arg;

	return (void *)(long)(ioctl(*fd, TIOCMIWAIT, TIOCM_CD) ? errno : 0);
}

TEST_F(oracle, modem_lines_cross_as_a_null_modem)
{
	int dtr = TIOCM_DTR, rts = TIOCM_RTS, all = TIOCM_DTR | TIOCM_RTS;
	struct serial_icounter_struct before, after;
	pthread_t waiter;
	void *ret;

	ASSERT_EQ(0, ioctl(self->e.host, TIOCMBIC, &all));
	ASSERT_EQ(0, ioctl(self->e.guest, TIOCMBIC, &all));
	EXPECT_TRUE(mctrl_is(self->e.guest, TIOCM_DSR | TIOCM_CD | TIOCM_CTS, 0));
	EXPECT_TRUE(mctrl_is(self->e.host, TIOCM_DSR | TIOCM_CD | TIOCM_CTS, 0));

	/* Host DTR -> guest DSR and DCD; host RTS -> guest CTS. */
	ASSERT_EQ(0, ioctl(self->e.host, TIOCMBIS, &dtr));
	EXPECT_TRUE(mctrl_is(self->e.guest, TIOCM_DSR | TIOCM_CD | TIOCM_CTS,
			     TIOCM_DSR | TIOCM_CD));
	ASSERT_EQ(0, ioctl(self->e.host, TIOCMBIS, &rts));
	EXPECT_TRUE(mctrl_is(self->e.guest, TIOCM_CTS, TIOCM_CTS));

	/* Guest DTR -> host DSR and DCD (TIOCMIWAIT wakes); RTS -> CTS. */
	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &before));
	ASSERT_EQ(0, pthread_create(&waiter, NULL, wait_host_cd, &self->e.host));
	usleep(200000);
	ASSERT_EQ(0, ioctl(self->e.guest, TIOCMBIS, &dtr));
	pthread_join(waiter, &ret);
	EXPECT_EQ(0, (long)ret);
	EXPECT_TRUE(mctrl_is(self->e.host, TIOCM_DSR | TIOCM_CD | TIOCM_CTS,
			     TIOCM_DSR | TIOCM_CD));
	ASSERT_EQ(0, ioctl(self->e.guest, TIOCMBIS, &rts));
	EXPECT_TRUE(mctrl_is(self->e.host, TIOCM_CTS, TIOCM_CTS));
	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &after));
	EXPECT_EQ(before.dcd + 1, after.dcd);
	EXPECT_EQ(before.dsr + 1, after.dsr);
	EXPECT_EQ(before.cts + 1, after.cts);
}

/* With PARMRK, a break reads as \377 \0 \0. */
static bool reads_a_break(int fd)
{
	__u8 buf[8];
	struct termios t;
	size_t got = 0;

	tcgetattr(fd, &t);
	while (got < 3) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0)
			return false;
		r = read(fd, buf + got, sizeof(buf) - got);
		if (r <= 0)
			return false;
		got += r;
	}
	return got == 3 && buf[0] == 0377 && buf[1] == 0 && buf[2] == 0;
}

static void set_parmrk(int fd)
{
	struct termios t;

	tcgetattr(fd, &t);
	t.c_iflag |= PARMRK;
	t.c_iflag &= ~(IGNBRK | BRKINT | IGNPAR);
	tcsetattr(fd, TCSANOW, &t);
}

TEST_F(oracle, break_crosses_both_ways)
{
	struct serial_icounter_struct before, after;

	set_parmrk(self->e.guest);
	set_parmrk(self->e.host);
	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &before));

	ASSERT_EQ(0, tcsendbreak(self->e.host, 0));
	EXPECT_TRUE(reads_a_break(self->e.guest));
	ASSERT_EQ(0, tcsendbreak(self->e.guest, 0));
	EXPECT_TRUE(reads_a_break(self->e.host));

	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &after));
	EXPECT_EQ(before.brk + 1, after.brk);
}

/* Whatever @fd receives within @ms, up to @size bytes. */
static ssize_t read_for(int fd, __u8 *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < size && poll(&p, 1, ms) == 1) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return got;
}

/*
 * TTY_DRIVER_REAL_RAW: the driver, not n_tty, honours IGNBRK and CREAD. On
 * a raw line with IGNBRK a break must not read as a NUL, and with -cread
 * nothing is received.
 */
TEST_F(oracle, host_end_honours_ignbrk_and_cread)
{
	__u8 buf[16];

	ASSERT_EQ(0, system("stty -F /dev/ttyVCOM0 ignbrk"));
	ASSERT_EQ(0, tcsendbreak(self->e.guest, 0));
	ASSERT_EQ(1, write(self->e.guest, "x", 1));
	ASSERT_EQ(0, tcdrain(self->e.guest));
	EXPECT_EQ(1, read_for(self->e.host, buf, sizeof(buf), 1000));
	EXPECT_EQ('x', buf[0]);

	/* Without IGNBRK (and BRKINT, PARMRK), a break reads as one NUL. */
	ASSERT_EQ(0, system("stty -F /dev/ttyVCOM0 -ignbrk"));
	ASSERT_EQ(0, tcsendbreak(self->e.guest, 0));
	ASSERT_EQ(1, write(self->e.guest, "y", 1));
	ASSERT_EQ(0, tcdrain(self->e.guest));
	EXPECT_EQ(2, read_for(self->e.host, buf, sizeof(buf), 1000));
	EXPECT_EQ(0, buf[0]);
	EXPECT_EQ('y', buf[1]);

	/* -cread: the receiver is off, what arrives is lost; cread again. */
	ASSERT_EQ(0, system("stty -F /dev/ttyVCOM0 -cread"));
	ASSERT_EQ(3, write(self->e.guest, "abc", 3));
	ASSERT_EQ(0, tcdrain(self->e.guest));
	EXPECT_EQ(0, read_for(self->e.host, buf, sizeof(buf), 500));
	ASSERT_EQ(0, system("stty -F /dev/ttyVCOM0 cread"));
	ASSERT_EQ(1, write(self->e.guest, "d", 1));
	EXPECT_EQ(1, read_for(self->e.host, buf, sizeof(buf), 1000));
	EXPECT_EQ('d', buf[0]);
}

#define TTY_BUFFER_LIMIT	"/sys/kernel/debug/vmpass/ttyVCOM0/tty_buffer_limit"

/*
 * The host end's tty buffers can fill before its line discipline throttles
 * (flush_to_ldisc running late, another line discipline, a failed atomic
 * allocation); a tty buffer limit of 1 KiB makes that happen at once.
 * Once they drain, the guest's transmitter must start again by itself:
 * nothing else here (no host write, no unthrottle) would restart it.
 */
TEST_F_TIMEOUT(oracle, guest_output_resumes_when_tty_buffers_drain, 120)
{
	struct stream g2h = { .fd = self->e.guest, .seed = 0xc0ffee, .mask = 0xff,
			      .len = 256 * 1024 };
	struct stream rx = g2h;
	pthread_t t[2];

	ASSERT_EQ(0, write_str(TTY_BUFFER_LIMIT, "1024"));
	EXPECT_TRUE(command_output_has("cat " TTY_BUFFER_LIMIT, "1024"));
	rx.fd = self->e.host;
	ASSERT_EQ(0, pthread_create(&t[0], NULL, stream_reader, &rx));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, stream_writer, &g2h));
	pthread_join(t[0], NULL);
	if (rx.err)
		pthread_cancel(t[1]);
	pthread_join(t[1], NULL);
	EXPECT_EQ(0, rx.err) TH_LOG("guest to host: %zu of %zu bytes, then nothing",
				    rx.done, g2h.len);
	EXPECT_EQ(g2h.len, rx.done);
	EXPECT_EQ(0, g2h.err);
}

#define CLOSED_OUTPUT	"/sys/class/tty/ttyVCOM0/closed_output"
#define DROPPED_OUTPUT	"/sys/class/tty/ttyVCOM0/dropped_output"

/*
 * Writes the stream @s without blocking until its fd stays full for a
 * second; s->done is how much it took.
 */
static void stream_write_until_full(struct stream *s)
{
	__u8 buf[1024];
	size_t have = 0;
	__u32 x = s->seed;
	int idle = 0;

	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	while (s->done < s->len && idle < 10) {
		ssize_t r;

		while (have < sizeof(buf) && s->done + have < s->len)
			buf[have++] = stream_byte(&x, s->mask);
		r = write(s->fd, buf, have);
		if (r < 0 && errno != EAGAIN) {
			s->err = errno;
			break;
		}
		if (r <= 0) {
			idle++;
			usleep(100000);
			continue;
		}
		idle = 0;
		memmove(buf, buf + r, have - r);
		have -= r;
		s->done += r;
	}
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
}

/* The host end again, as it was left (raw): no flush, what waits stays. */
static int host_reopen(void)
{
	return open("/dev/ttyVCOM0", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/*
 * By default a closed host end keeps the guest's output for the next
 * opener: nothing is lost, and once the buffers are full the guest waits.
 */
TEST_F_TIMEOUT(oracle, closed_host_end_keeps_guest_output_by_default, 120)
{
	struct stream g2h = { .fd = self->e.guest, .seed = 0x5eed, .mask = 0xff,
			      .len = 64 * 1024 };
	struct serial_icounter_struct ic;
	struct stream rx = g2h;
	char buf[32];

	ASSERT_EQ(0, read_line(CLOSED_OUTPUT, buf, sizeof(buf)));
	EXPECT_STREQ("keep", buf);
	close(self->e.host);
	self->e.host = -1;
	stream_write_until_full(&g2h);
	ASSERT_EQ(0, g2h.err);
	EXPECT_LT(4096, g2h.done);
	EXPECT_GT(g2h.len, g2h.done) TH_LOG("the guest never had to wait");

	self->e.host = host_reopen();
	ASSERT_LE(0, self->e.host);
	rx.fd = self->e.host;
	rx.len = g2h.done;
	stream_reader(&rx);
	EXPECT_EQ(0, rx.err);
	EXPECT_EQ(g2h.done, rx.done);
	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &ic));
	EXPECT_EQ(0, ic.buf_overrun);
	ASSERT_EQ(0, read_line(DROPPED_OUTPUT, buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
}

/*
 * closed_output=drop: like a real UART, the guest transmits into the void
 * while the host end is closed, at full speed, and the bytes are counted
 * (TIOCGICOUNT buf_overrun, sysfs, vmpassctl). An open host end still
 * gets everything.
 */
TEST_F_TIMEOUT(oracle, closed_host_end_can_drop_and_count_guest_output, 120)
{
	struct serial_icounter_struct ic;
	static __u8 out[64 * 1024];
	__u8 buf[16];
	char line[32];
	size_t off = 0;

	ASSERT_EQ(0, write_str(CLOSED_OUTPUT, "drop"));
	EXPECT_EQ(-EINVAL, write_str(CLOSED_OUTPUT, "lose"));
	ASSERT_EQ(0, read_line(CLOSED_OUTPUT, line, sizeof(line)));
	EXPECT_STREQ("drop", line);
	close(self->e.host);
	self->e.host = -1;

	memset(out, 'o', sizeof(out));
	while (off < sizeof(out)) {
		ssize_t r = write(self->e.guest, out + off, sizeof(out) - off);

		ASSERT_LT(0, r);
		off += r;
	}
	ASSERT_EQ(0, tcdrain(self->e.guest));
	ASSERT_EQ(0, read_line(DROPPED_OUTPUT, line, sizeof(line)));
	EXPECT_STREQ("65536", line);
	EXPECT_TRUE(command_output_has("build/tools/vmpassctl ports",
				       "closed: drop, dropped 65536"));

	self->e.host = host_reopen();
	ASSERT_LE(0, self->e.host);
	ASSERT_EQ(0, ioctl(self->e.host, TIOCGICOUNT, &ic));
	EXPECT_EQ(65536, ic.buf_overrun);
	EXPECT_EQ(0, read_for(self->e.host, buf, sizeof(buf), 300));
	ASSERT_EQ(1, write(self->e.guest, "z", 1));
	EXPECT_EQ(1, read_for(self->e.host, buf, sizeof(buf), 2000));
	EXPECT_EQ('z', buf[0]);
}

TEST_F_TIMEOUT(oracle, rmmod_while_both_ends_move_data, 120)
{
	struct stream g2h = { .fd = self->e.guest, .seed = 1, .mask = 0xff, .len = SIZE_MAX };
	struct stream h2g = { .fd = self->e.host, .seed = 2, .mask = 0xff, .len = SIZE_MAX };
	struct timespec t0, t1;
	pthread_t t[2];

	ASSERT_EQ(0, pthread_create(&t[0], NULL, stream_writer, &g2h));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, stream_writer, &h2g));
	usleep(300000);

	/* vmpass is in use (the ttys, the guest): refused at once. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_NE(0, syscall(SYS_delete_module, "vmpass", O_NONBLOCK));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	EXPECT_GT(2, t1.tv_sec - t0.tv_sec);

	/* The guest goes away under its open, busy ttyS: it is hung up. */
	EXPECT_EQ(0, module_unload("vmpass_8250_guest"));
	pthread_join(t[0], NULL);
	EXPECT_NE(0, g2h.err);

	/* The host writer blocks on a full port with no guest; a signal frees it. */
	pthread_cancel(t[1]);
	pthread_join(t[1], NULL);
	close(self->e.guest);
	close(self->e.host);
	self->e.guest = -1;
	self->e.host = -1;
	EXPECT_EQ(0, vmpass_unload());
	EXPECT_FALSE(path_exists("/sys/class/tty/ttyVCOM0"));
	ASSERT_EQ(0, vmpass_load(NULL));
}

TEST_HARNESS_MAIN
