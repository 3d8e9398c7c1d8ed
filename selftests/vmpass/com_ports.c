// SPDX-License-Identifier: GPL-2.0
/*
 * COM ports, judged by Linux's own 8250 driver: vmpass_8250_guest.ko puts
 * the 8250 driver on a port's 16550A model, so the guest end is a real
 * ttyS and the host end is /dev/ttyVCOMn. Also the ports' identities
 * (setserial, sysfs) and bad module parameters.
 */
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
