// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmpass and the port fds: the ABI (every misuse gets a clean errno),
 * and real x86 guest code under KVM: tools/minivmm runs guests/echo.S, a
 * DOS-style interrupt-driven echo over vmpass ports whose IRQs reach the
 * guest's 8259s through KVM_IRQFD.
 */
#include <linux/serial.h>
#include <linux/serial_reg.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "stream.h"
#include "vmpass_util.h"

#define MINIVMM		"build/tools/minivmm"
#define ECHO_GUEST	"build/tools/guests/echo.bin"
#define BENCH_TX_GUEST	"build/tools/guests/bench_tx.bin"

/* Start minivmm on @ports and wait until the guest has raised DTR on each. */
static pid_t vmm_start(const unsigned int *iobase, unsigned int n)
{
	char *argv[2 * 16 + 3];
	char args[16][16];
	unsigned int i, argc = 0;
	pid_t pid;

	argv[argc++] = MINIVMM;
	for (i = 0; i < n; i++) {
		snprintf(args[i], sizeof(args[i]), "%#x", iobase[i]);
		argv[argc++] = "--port";
		argv[argc++] = args[i];
	}
	argv[argc++] = ECHO_GUEST;
	argv[argc] = NULL;
	pid = fork();
	if (!pid) {
		execv(MINIVMM, argv);
		_exit(127);
	}
	return pid;
}

static int vmm_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int host_open(unsigned int index)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/ttyVCOM%u", index);
	return tty_open_raw(path);
}

/* The guest raised DTR (our DCD) once its UART is programmed. */
static bool guest_ready(int fd)
{
	int tries, m;

	for (tries = 0; tries < 300; tries++) {
		if (!ioctl(fd, TIOCMGET, &m) && (m & TIOCM_CD))
			return true;
		usleep(50000);
	}
	return false;
}

/*
 * Echo @len bytes through each of @n ports (ttyVCOM0..n-1) at once, with
 * the guest at @iobase[]; returns the number of ports whose stream came
 * back intact.
 */
static unsigned int run_echo(struct __test_metadata *_metadata,
			     const unsigned int *iobase, unsigned int n,
			     size_t len, __u32 seed0)
{
	struct stream e[16] = { 0 }, r[16];
	pthread_t tw[16], tr[16];
	unsigned int i, ok = 0;
	pid_t vmm;

	for (i = 0; i < n; i++) {
		e[i].fd = host_open(i);
		EXPECT_LE(0, e[i].fd);
	}
	vmm = vmm_start(iobase, n);
	EXPECT_LT(0, vmm);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(guest_ready(e[i].fd)) TH_LOG("ttyVCOM%u", i);

	for (i = 0; i < n; i++) {
		e[i].seed = seed0 + i * 0x10001;
		e[i].mask = 0xff;
		e[i].len = len;
		r[i] = e[i];
		pthread_create(&tr[i], NULL, stream_reader, &r[i]);
		pthread_create(&tw[i], NULL, stream_writer, &e[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(tr[i], NULL);
		if (r[i].err) {
			/* A writer may be blocked for good: show why, then stop it. */
			TH_LOG("ttyVCOM%u stalled; the ports:", i);
			EXPECT_EQ(0, system("cat /sys/kernel/debug/vmpass/ports >&2"));
			kill(vmm, SIGUSR1);
			usleep(500000);
			pthread_cancel(tw[i]);
		}
		pthread_join(tw[i], NULL);
		EXPECT_EQ(0, e[i].err);
		EXPECT_EQ(0, r[i].err)
			TH_LOG("ttyVCOM%u: %zu of %zu bytes back intact (paused %lld ms)",
			       i, r[i].done, len, r[i].paused_ms);
		if (!r[i].err && r[i].done == len)
			ok++;
	}
	EXPECT_EQ(0, vmm_stop(vmm));
	for (i = 0; i < n; i++)
		close(e[i].fd);
	return ok;
}

/* Echo tests run real code under nested KVM: give them time. */
FIXTURE(echo) {
	int unused;
};

FIXTURE_SETUP(echo)
{
}

FIXTURE_TEARDOWN(echo)
{
}

TEST_F_TIMEOUT(echo, four_ports_four_irqs_interrupt_driven, 900)
{
	static const unsigned int io[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	EXPECT_EQ(4, run_echo(_metadata, io, 4, 64 * 1024, 0x1234567));
}

#define EIGHT_IO	"io=0x3f8,0x2f8,0x3e8,0x2e8,0x2a0,0x2a8,0x2b0,0x2b8"
#define EIGHT_IRQ	"irq=4,3,5,7,10,11,12,15"

TEST_F_TIMEOUT(echo, eight_ports_eight_irqs, 600)
{
	static const unsigned int io[] = {
		0x3f8, 0x2f8, 0x3e8, 0x2e8, 0x2a0, 0x2a8, 0x2b0, 0x2b8,
	};

	ASSERT_EQ(0, vmpass_reload("nr_ports=8 " EIGHT_IO " " EIGHT_IRQ));
	EXPECT_EQ(8, run_echo(_metadata, io, 8, 8 * 1024, 0x2468ace));
}

/*
 * The PC table, 4,3,4,3: COM1 and COM3 pulse IRQ 4, COM2 and COM4 IRQ 3.
 * Each port's rising edge is an edge on the shared line; a guest handler
 * that checks every port on that IRQ until none is pending (as echo.S and
 * multiport DOS drivers do) serves both.
 */
TEST_F_TIMEOUT(echo, shared_irqs_pc_table, 600)
{
	static const unsigned int io[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,4,3"));
	EXPECT_EQ(4, run_echo(_metadata, io, 4, 16 * 1024, 0x13579bd));
}

/* The byte stream of the 8250-oracle tests (com_ports.c), through KVM. */
TEST_F_TIMEOUT(echo, parity_with_the_8250_oracle_stream, 600)
{
	static const unsigned int io[] = { 0x3f8 };

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	EXPECT_EQ(1, run_echo(_metadata, io, 1, 16 * 1024, 0x1234567));
}

FIXTURE(abi) {
	int ctl;
};

FIXTURE_SETUP(abi)
{
	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	self->ctl = ctl_open();
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->ctl);
}

TEST_F(abi, info_and_describe)
{
	struct vmpass_info info;
	struct vmpass_port_desc d;

	memset(&info, 0xaa, sizeof(info));
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_GET_INFO, &info));
	EXPECT_EQ(VMPASS_API_VERSION, info.api_version);
	EXPECT_EQ(4, info.nr_ports);
	EXPECT_TRUE(info.features & VMPASS_FEATURE_IRQFD);
	EXPECT_EQ(0, info.nr_devices);
	for (unsigned int i = 0; i < ARRAY_SIZE(info.reserved); i++)
		EXPECT_EQ(0, info.reserved[i]);

	memset(&d, 0xaa, sizeof(d));
	d.index = 2;
	d.flags = 0;
	memset(d.reserved, 0, sizeof(d.reserved));
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(2, d.index);
	EXPECT_EQ(0x3e8, d.iobase);
	EXPECT_EQ(5, d.irq);
	EXPECT_EQ(0, d.flags);
	EXPECT_STREQ("ttyVCOM2", d.tty);
	for (unsigned int i = strlen(d.tty); i < sizeof(d.tty); i++)
		EXPECT_EQ(0, d.tty[i]);

	d.index = 4;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(ENODEV, errno);
	d.index = 0;
	d.reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(EINVAL, errno);
	d.reserved[3] = 0;
	d.flags = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, _IO(VMPASS_IOCTL_TYPE, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(abi, attach_rules)
{
	struct vmpass_attach at = { 0 };
	struct vmpass_port_desc d = { .index = 1 };
	int fd, fd2;

	at.flags = 0x80;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
	EXPECT_EQ(EINVAL, errno);
	at.flags = 0;
	at.reserved[4] = 7;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
	EXPECT_EQ(EINVAL, errno);
	at.reserved[4] = 0;
	at.index = 9;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
	EXPECT_EQ(ENODEV, errno);
	at.flags = VMPASS_ATTACH_BY_IOBASE;
	at.iobase = 0x3a0;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
	EXPECT_EQ(ENODEV, errno);

	at.iobase = 0x2f8;
	fd = ioctl(self->ctl, VMPASS_ATTACH_PORT, &at);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(VMPASS_PORT_ATTACHED, d.flags);
	fd2 = attach_index(self->ctl, 1);
	EXPECT_EQ(-1, fd2);
	EXPECT_EQ(EBUSY, errno);
	/* Remapping an attached port is refused. */
	EXPECT_NE(0, system("setserial /dev/ttyVCOM1 port 0x2a0 2>/dev/null"));
	EXPECT_EQ(-EBUSY, write_str("/sys/class/tty/ttyVCOM1/iobase", "0x2a0"));

	close(fd);
	d.flags = 0;
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(0, d.flags);
	fd = attach_index(self->ctl, 1);
	EXPECT_LE(0, fd);
	close(fd);
}

/* NULL, hidden from the compiler, which would warn about the misuse. */
char *bad_ptr;

TEST_F(abi, register_access_bounds)
{
	__u8 buf[VMPASS_MAX_STRING_IO + 1] = { 0 };
	int fd = attach_index(self->ctl, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, buf, 1, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 1, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, 1, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(fd, buf, VMPASS_MAX_STRING_IO + 1, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, buf, VMPASS_MAX_STRING_IO + 1, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(fd, bad_ptr, 4, 7));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, pwrite(fd, bad_ptr + 8, 4, 7));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, pwrite(fd, buf, 0, 7));

	/* Scratch: a string write is n writes; the last one stays. */
	buf[0] = 0x11;
	buf[1] = 0x22;
	buf[2] = 0x33;
	EXPECT_EQ(3, pwrite(fd, buf, 3, UART_SCR));
	EXPECT_EQ(1, pread(fd, buf, 1, UART_SCR));
	EXPECT_EQ(0x33, buf[0]);
	EXPECT_EQ(VMPASS_MAX_STRING_IO, pread(fd, buf, VMPASS_MAX_STRING_IO, UART_LSR));
	close(fd);

	/* Closing reset the port. */
	fd = attach_index(self->ctl, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(1, pread(fd, buf, 1, UART_SCR));
	EXPECT_EQ(0, buf[0]);
	close(fd);
}

TEST_F(abi, irq_eventfd_poll_and_resample)
{
	struct vmpass_irqfd req = { .fd = -1, .resample_fd = -1 };
	__u8 v;
	__u32 level = 7;
	__u64 count;
	int fd = attach_index(self->ctl, 0);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct pollfd p = { .events = POLLIN };

	ASSERT_LE(0, fd);
	ASSERT_LE(0, efd);

	req.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.reserved[0] = 0;
	req.flags = 0x10;
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	req.flags = 0;
	req.fd = 1000;
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EBADF, errno);
	req.fd = self->ctl;	/* not an eventfd */
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, NULL));
	EXPECT_EQ(EFAULT, errno);

	req.fd = efd;
	req.flags = VMPASS_IRQFD_RESAMPLE;
	req.resample_fd = rfd;
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(0, level);
	p.fd = fd;
	EXPECT_EQ(0, poll(&p, 1, 0));

	/* THRI with THRE set raises the IRQ once OUT2 opens the PC's gate. */
	v = UART_IER_THRI;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_IER));
	EXPECT_EQ(-1, read(efd, &count, sizeof(count)));
	v = UART_MCR_OUT2;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_MCR));
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(8, read(efd, &count, sizeof(count)));
	EXPECT_EQ(1, count);

	/* Resample while still asserted: signalled again. */
	count = 1;
	ASSERT_EQ(8, write(rfd, &count, sizeof(count)));
	p.fd = efd;
	EXPECT_EQ(1, poll(&p, 1, 2000));
	EXPECT_EQ(8, read(efd, &count, sizeof(count)));

	/* An IIR read clears THRE: low, and a resample signals nothing. */
	ASSERT_EQ(1, pread(fd, &v, 1, UART_IIR));
	EXPECT_EQ(UART_IIR_THRI, v);
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(0, level);
	count = 1;
	ASSERT_EQ(8, write(rfd, &count, sizeof(count)));
	EXPECT_EQ(0, poll(&p, 1, 300));

	close(fd);
	close(efd);
	close(rfd);
}

static bool efd_signalled(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	__u64 count;

	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	return read(efd, &count, sizeof(count)) == sizeof(count) && count;
}

/*
 * An irqfd installed while the IRQ output is already high is signalled at
 * once (with resampling, KVM would otherwise never assert the line), and a
 * VMPASS_PORT_SET_IRQFD that fails changes nothing: the old trigger and
 * resampler both stay.
 */
TEST_F(abi, set_irqfd_sees_the_level_and_is_atomic)
{
	struct vmpass_irqfd req = { .resample_fd = -1 };
	int fd = attach_index(self->ctl, 0);
	int a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int r = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	__u64 one = 1;
	__u32 level;
	__u8 v;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, r);

	/* The line goes high with no irqfd installed. */
	v = UART_IER_THRI;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_IER));
	v = UART_MCR_OUT2;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_MCR));
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	ASSERT_EQ(1, level);

	/* Installed while high, with resampling: signalled at once. */
	req.fd = a;
	req.resample_fd = r;
	req.flags = VMPASS_IRQFD_RESAMPLE;
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_TRUE(efd_signalled(a, 0));

	/* Replaced by b, without resampling: b is signalled, a is not. */
	req.fd = b;
	req.flags = 0;
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_TRUE(efd_signalled(b, 0));
	EXPECT_FALSE(efd_signalled(a, 0));

	/* Back to a with r; then updates that fail must leave a and r alone. */
	req.fd = a;
	req.flags = VMPASS_IRQFD_RESAMPLE;
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_TRUE(efd_signalled(a, 0));
	/* The trigger installed again, while high: it needs the edge again. */
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_TRUE(efd_signalled(a, 0));
	req.fd = b;
	req.resample_fd = 1000;			/* no such fd */
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EBADF, errno);
	req.resample_fd = self->ctl;		/* not an eventfd */
	EXPECT_EQ(-1, ioctl(fd, VMPASS_PORT_SET_IRQFD, &req));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_FALSE(efd_signalled(b, 0));

	/* A resample (the guest's EOI) while still high signals a again. */
	ASSERT_EQ(8, write(r, &one, sizeof(one)));
	EXPECT_TRUE(efd_signalled(a, 2000));
	EXPECT_FALSE(efd_signalled(b, 0));

	/* And a rising edge still reaches a. */
	ASSERT_EQ(1, pread(fd, &v, 1, UART_IIR));	/* THRE reported: low */
	EXPECT_EQ(UART_IIR_THRI, v);
	v = 0;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_IER));
	v = UART_IER_THRI;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_IER));	/* re-armed: high */
	EXPECT_TRUE(efd_signalled(a, 0));

	close(fd);
	close(a);
	close(b);
	close(r);
}

/*
 * A guest that waits for THRE behind a full port buffer starts again when
 * the push that empties the buffer comes: here, the host end opening.
 * ICANON with no newline (n_tty takes everything and never throttles),
 * no ECHO and B0 (no DTR raised on open) leave that push alone to do it:
 * nothing else touches the port, and the guest only looks at its IRQ.
 */
TEST_F(abi, guest_waiting_behind_a_full_buffer_starts_when_it_empties)
{
	struct termios t;
	struct pollfd p;
	__u8 buf[4096 + 16];
	__u32 level;
	int fd, host;
	__u8 v;

	host = open("/dev/ttyVCOM0", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, host);
	ASSERT_EQ(0, tcgetattr(host, &t));
	t.c_lflag |= ICANON;
	t.c_lflag &= ~(ECHO | ECHONL | ECHOE | ECHOK | ISIG | IEXTEN);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetspeed(&t, B0);
	ASSERT_EQ(0, tcsetattr(host, TCSANOW, &t));
	close(host);			/* kept for the next open */

	/* The guest fills the port buffer (4 KiB) and its TX FIFO (16). */
	fd = attach_index(self->ctl, 0);
	ASSERT_LE(0, fd);
	v = UART_FCR_ENABLE_FIFO;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_FCR));
	v = UART_MCR_OUT2;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_MCR));
	v = UART_IER_THRI;
	ASSERT_EQ(1, pwrite(fd, &v, 1, UART_IER));
	memset(buf, 'a', sizeof(buf));
	ASSERT_EQ(4096, pwrite(fd, buf, 4096, UART_TX));	/* VMPASS_MAX_STRING_IO */
	ASSERT_EQ(16, pwrite(fd, buf + 4096, 16, UART_TX));
	ASSERT_EQ(1, pread(fd, &v, 1, UART_LSR));
	ASSERT_EQ(0, v & UART_LSR_THRE);
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	ASSERT_EQ(0, level);

	/* The host end opens: the buffer empties, THRE and the IRQ follow. */
	host = open("/dev/ttyVCOM0", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, host);
	p.fd = fd;
	p.events = POLLIN;
	EXPECT_EQ(1, poll(&p, 1, 2000)) TH_LOG("the guest still waits for THRE");
	ASSERT_EQ(0, ioctl(fd, VMPASS_PORT_GET_IRQ_LEVEL, &level));
	EXPECT_EQ(1, level);
	close(host);
	close(fd);
}

static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * What a handler's passes saw. A pass that finds nothing pending proves
 * the hold only if it read IIR before the hold could end: a character
 * time after the handler's last RBR read, or half as long as the handler
 * had run by then, whichever is longer, and never more than RX_HOLD_MAX_MS
 * (irq_line.c). A pass that a loaded machine delayed past that is counted,
 * not judged; it must still find the port idle or receiving, never in an
 * interrupt that a hold cannot explain.
 */
#define RX_HOLD_MAX_MS	500

struct rx_passes {
	long long char_ns;	/* a character time at the port's settings */
	long long hold_end;	/* the earliest the last hold could end */
	unsigned int judged, late;
};

/* A pass that should find nothing pending: IIR, judged if it was in time. */
static void rx_idle_pass(struct __test_metadata *_metadata, int fd,
			 struct rx_passes *rp, const char *which)
{
	__u8 iir, id;
	ssize_t r;

	r = pread(fd, &iir, 1, UART_IIR);
	EXPECT_EQ(1, r) TH_LOG("IIR read %s: %s", which, strerror(errno));
	if (r != 1)
		return;
	if (mono_ns() >= rp->hold_end) {
		rp->late++;
		id = iir & UART_IIR_ID;
		EXPECT_TRUE((iir & UART_IIR_NO_INT) || id == UART_IIR_RDI ||
			    id == UART_IIR_RX_TIMEOUT) TH_LOG("IIR %#x %s, late", iir, which);
		return;
	}
	rp->judged++;
	EXPECT_TRUE(iir & UART_IIR_NO_INT) TH_LOG("IIR %#x %s", iir, which);
}

/*
 * A guest's interrupt handler: IIR, RBR while LSR.DR, then IIR again until
 * nothing is pending (as serial8250_interrupt() goes round); bytes it read.
 */
static unsigned int rx_handler(struct __test_metadata *_metadata, int fd,
			       const __u8 *want, unsigned int got, unsigned int len,
			       struct rx_passes *rp)
{
	unsigned int n = 0;
	long long began, last_rx, hold;
	__u8 iir, lsr, c;

	EXPECT_EQ(1, pread(fd, &iir, 1, UART_IIR));
	began = mono_ns();
	/* Received data, or its character timeout if the test ran late. */
	EXPECT_TRUE((iir & UART_IIR_ID) == UART_IIR_RDI ||
		    (iir & UART_IIR_ID) == UART_IIR_RX_TIMEOUT) TH_LOG("IIR %#x", iir);
	do {
		last_rx = mono_ns();
		EXPECT_EQ(1, pread(fd, &c, 1, UART_RX));
		EXPECT_EQ(want[got + n], c) TH_LOG("byte %u", got + n);
		n++;
		EXPECT_EQ(1, pread(fd, &lsr, 1, UART_LSR));
	} while ((lsr & UART_LSR_DR) && got + n < len);
	hold = (last_rx - began) / 2;
	if (hold < rp->char_ns)
		hold = rp->char_ns;
	if (hold > RX_HOLD_MAX_MS * 1000000LL)
		hold = RX_HOLD_MAX_MS * 1000000LL;
	rp->hold_end = last_rx + hold;
	rx_idle_pass(_metadata, fd, rp, "after the handler");
	return n;
}

/*
 * An interrupt-driven guest's handler reads RBR while LSR.DR is set. With
 * more bytes waiting behind the RX FIFO, it still finds the FIFO dry once
 * it has read what the FIFO held, so that it returns (a handler that never
 * finds it dry livelocks its CPU), and its next pass finds nothing
 * pending either; the rest comes, a FIFO's worth at a time, a while after
 * the IRQ output has gone low: well within 200 ms here, where the handler
 * is quick (500 ms is only the bound for a line that stays high). A guest
 * that polls with the interrupt off reads on at once.
 * @dl is the divisor, @fcr the FIFO control (its trigger level).
 */
static void handler_finds_the_fifo_dry(struct __test_metadata *_metadata, int ctl,
				       __u8 dl, __u8 fcr)
{
	const struct { __u8 reg, val; } setup[] = {
		{ UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8 },
		{ UART_DLL, dl },
		{ UART_DLM, 0 },
		{ UART_LCR, UART_LCR_WLEN8 },
		{ UART_FCR, fcr | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT },
		{ UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS },
		{ UART_IER, UART_IER_RDI },
	};
	/* 8N1: 10 bits of 16 clocks of 1.8432 MHz per divisor step. */
	struct rx_passes rp = { .char_ns = 10LL * dl * 8680 };
	__u8 buf[1024], c, lsr;
	unsigned int got = 0, n, tries;
	int fd, host, i;

	fd = attach_index(ctl, 0);
	ASSERT_LE(0, fd);
	host = host_open(0);
	ASSERT_LE(0, host);
	for (i = 0; i < (int)ARRAY_SIZE(setup); i++)
		ASSERT_EQ(1, pwrite(fd, &setup[i].val, 1, setup[i].reg));
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = i * 7;
	ASSERT_EQ(sizeof(buf), write(host, buf, sizeof(buf)));
	for (tries = 0; tries < 200; tries++) {
		ASSERT_EQ(1, pread(fd, &lsr, 1, UART_LSR));
		if (lsr & UART_LSR_DR)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(lsr & UART_LSR_DR);
	/* The FIFO fills to the top, past any trigger level. */
	usleep(10000);

	/* The first handler gets what the FIFO held, then finds it dry ... */
	got = rx_handler(_metadata, fd, buf, 0, sizeof(buf), &rp);
	EXPECT_EQ(16, got) TH_LOG("the handler read %u bytes before DR cleared", got);
	/* ... and so does its next pass. */
	rx_idle_pass(_metadata, fd, &rp, "on the next pass");

	/* Each later one, once the FIFO has bytes again, gets a FIFO's worth. */
	for (tries = 0; got < sizeof(buf) - 64 && tries < 2000; tries++) {
		for (i = 0; i < 200; i++) {
			ASSERT_EQ(1, pread(fd, &lsr, 1, UART_LSR));
			if (lsr & UART_LSR_DR)
				break;
			usleep(1000);
		}
		ASSERT_TRUE(lsr & UART_LSR_DR) TH_LOG("no burst after byte %u", got);
		n = rx_handler(_metadata, fd, buf, got, sizeof(buf), &rp);
		EXPECT_LE(n, 16);
		got += n;
	}
	EXPECT_LE(sizeof(buf) - 64, got);
	/* Most passes come in time; a run that judged fewer proved little. */
	TH_LOG("%u idle passes judged, %u came after the hold could end",
	       rp.judged, rp.late);
	EXPECT_LT(rp.late, rp.judged);

	/* A guest that polls, RDI off, reads the rest on, with no pause. */
	c = 0;
	ASSERT_EQ(1, pwrite(fd, &c, 1, UART_IER));
	for (n = 0; got < sizeof(buf) && n < 1000; n++) {
		ASSERT_EQ(1, pread(fd, &lsr, 1, UART_LSR));
		if (!(lsr & UART_LSR_DR))
			continue;
		ASSERT_EQ(1, pread(fd, &c, 1, UART_RX));
		ASSERT_EQ(buf[got], c) TH_LOG("byte %u", got);
		got++;
	}
	EXPECT_EQ(sizeof(buf), got) TH_LOG("the poller stopped at %u", got);
	close(host);
	close(fd);
}

/* 1200 8N1, trigger level 1: a character time of 8.3 ms, the shortest hold. */
TEST_F(abi, an_interrupt_handler_finds_the_rx_fifo_dry)
{
	handler_finds_the_fifo_dry(_metadata, self->ctl, 96, UART_FCR_ENABLE_FIFO);
}

/*
 * 115200 8N1, trigger level 8, as Linux sets a 16550A: the IRQ output falls
 * while the handler still reads, and the hold still lasts past its next pass.
 */
TEST_F(abi, an_interrupt_handler_finds_the_rx_fifo_dry_at_115200)
{
	handler_finds_the_fifo_dry(_metadata, self->ctl, 1,
				   UART_FCR_ENABLE_FIFO | UART_FCR_R_TRIG_10);
}

TEST_F(abi, open_port_fd_pins_the_module)
{
	int fd = attach_index(self->ctl, 3);
	__u8 v = 0x5a;

	ASSERT_LE(0, fd);
	close(self->ctl);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vmpass", O_NONBLOCK));
	EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	EXPECT_EQ(1, pwrite(fd, &v, 1, UART_SCR));	/* still works */
	close(fd);
	EXPECT_EQ(0, vmpass_unload());
	ASSERT_EQ(0, vmpass_load("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	self->ctl = ctl_open();
}

TEST_F(abi, only_root_opens_dev_vmpass)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(ctl_open() == -1 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F_TIMEOUT(echo, closing_the_vmm_mid_transfer, 120)
{
	static const unsigned int io[] = { 0x3f8 };
	struct stream e = { .seed = 5, .mask = 0xff, .len = 1024 * 1024 };
	struct vmpass_port_desc d = { .index = 0 };
	pthread_t tw;
	pid_t vmm;
	int ctl, fd;

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	e.fd = host_open(0);
	ASSERT_LE(0, e.fd);
	vmm = vmm_start(io, 1);
	ASSERT_TRUE(guest_ready(e.fd));
	pthread_create(&tw, NULL, stream_writer, &e);
	usleep(500000);
	kill(vmm, SIGKILL);
	waitpid(vmm, NULL, 0);

	ctl = ctl_open();
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, ioctl(ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(0, d.flags);
	fd = attach_index(ctl, 0);
	EXPECT_LE(0, fd);
	close(fd);
	pthread_cancel(tw);
	pthread_join(tw, NULL);
	close(e.fd);
	close(ctl);
}

/* minivmm with the arguments given (--save, --restore). */
static pid_t vmm_exec(char *const argv[])
{
	pid_t pid = fork();

	if (!pid) {
		execv(MINIVMM, argv);
		_exit(127);
	}
	return pid;
}

#define SNAPSHOT	"/tmp/vmpass-echo.snapshot"

/*
 * Reads from @fd into @buf, which holds @got bytes, until it holds @want,
 * or none came for IDLE_TIMEOUT_MS; returns how many it holds.
 */
static size_t read_until(int fd, unsigned char *buf, size_t got, size_t want)
{
	while (got < want) {
		ssize_t n;

		if (idle_poll(fd, POLLIN, IDLE_TIMEOUT_MS, NULL) != 1)
			break;
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static char *const save_argv[] = {
	MINIVMM, "--port", "0x3f8", "--save", SNAPSHOT, ECHO_GUEST, NULL
};

/* SIGUSR2 makes a minivmm started with --save save and exit 0. */
static int vmm_save(pid_t vmm)
{
	int status;

	kill(vmm, SIGUSR2);
	if (waitpid(vmm, &status, 0) != vmm)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * The echo guest saved mid-stream (vCPU, 8259s, memory with its rings,
 * the port's state) and restored in a fresh minivmm on the same port: the
 * host's writer waits meanwhile, and its reader sees every byte come back
 * once and in order.
 */
TEST_F_TIMEOUT(echo, save_mid_stream_restore_in_a_fresh_vmm, 600)
{
	struct stream e = { .seed = 0x5eed, .mask = 0xff, .len = 256 * 1024 }, r;
	pthread_t tw, tr;
	size_t saved_at;
	pid_t vmm;

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	unlink(SNAPSHOT);
	e.fd = host_open(0);
	ASSERT_LE(0, e.fd);
	vmm = vmm_exec(save_argv);
	ASSERT_LT(0, vmm);
	ASSERT_TRUE(guest_ready(e.fd));
	r = e;
	pthread_create(&tr, NULL, stream_reader, &r);
	pthread_create(&tw, NULL, stream_writer, &e);
	while (__atomic_load_n(&r.done, __ATOMIC_RELAXED) < e.len / 4 &&
	       !__atomic_load_n(&r.err, __ATOMIC_RELAXED))
		usleep(10000);
	EXPECT_EQ(0, vmm_save(vmm));
	saved_at = __atomic_load_n(&r.done, __ATOMIC_RELAXED);
	vmm = vmm_exec((char *[]){ MINIVMM, "--restore", SNAPSHOT, NULL });
	ASSERT_LT(0, vmm);
	pthread_join(tr, NULL);
	if (r.err)
		kill(vmm, SIGUSR1);
	pthread_join(tw, NULL);
	EXPECT_EQ(0, e.err);
	EXPECT_EQ(0, r.err) TH_LOG("%zu of %zu bytes came back intact", r.done, e.len);
	EXPECT_EQ(e.len, r.done);
	TH_LOG("saved after %zu bytes, all %zu came back in order", saved_at, e.len);
	EXPECT_EQ(0, vmm_stop(vmm));
	close(e.fd);
	unlink(SNAPSHOT);
}

/*
 * Restored onto another port index that now carries the saved I/O base
 * and IRQ: what the guest echoed before the save is on the old host end,
 * the rest on the new one, together the bytes sent, once and in order.
 */
TEST_F_TIMEOUT(echo, restore_onto_another_port_index, 600)
{
	struct serial_icounter_struct ic = { 0 };
	unsigned char out[4000], in[4000];
	size_t got, old_end;
	int host0, host1, i;
	pid_t vmm;

	for (i = 0; i < (int)sizeof(out); i++)
		out[i] = i * 7 + (i >> 8);
	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	unlink(SNAPSHOT);
	host0 = host_open(0);
	host1 = host_open(1);
	ASSERT_LE(0, host0);
	ASSERT_LE(0, host1);
	vmm = vmm_exec(save_argv);
	ASSERT_LT(0, vmm);
	ASSERT_TRUE(guest_ready(host0));
	ASSERT_EQ(sizeof(out), write(host0, out, sizeof(out)));
	/* Saved once the echo has begun: the stream is split in two. */
	got = read_until(host0, in, 0, 1);
	EXPECT_EQ(0, vmm_save(vmm));

	/* The old host end: what was pushed to it before the save. */
	ASSERT_EQ(0, ioctl(host0, TIOCGICOUNT, &ic));
	old_end = ic.rx;
	ASSERT_GE(sizeof(in), old_end);
	got = read_until(host0, in, got, old_end);
	ASSERT_EQ(old_end, got);

	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM0/iobase", "0"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM1/iobase", "0x3f8"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM1/irq", "4"));
	vmm = vmm_exec((char *[]){ MINIVMM, "--restore", SNAPSHOT, NULL });
	ASSERT_LT(0, vmm);
	got = read_until(host1, in, got, sizeof(in));
	TH_LOG("%zu bytes from the old host end, %zu from the new", old_end, got - old_end);
	EXPECT_LT(0, old_end);
	EXPECT_LT(old_end, got);
	EXPECT_EQ(sizeof(in), got);
	EXPECT_EQ(0, memcmp(out, in, got));
	EXPECT_EQ(0, vmm_stop(vmm));
	close(host0);
	close(host1);
	unlink(SNAPSHOT);
}

/*
 * SIGTERM ends minivmm wherever its vCPU thread is, in KVM_RUN or handling
 * an exit: a signal handled between two KVM_RUNs must not be lost, or a
 * guest that then halts keeps the VMM, and whoever waits for it, waiting
 * for good. bench_tx with --null-io exits for port I/O all the time, so
 * over the rounds the signal lands at every point of the loop.
 */
TEST_F_TIMEOUT(echo, sigterm_ends_the_vmm_wherever_its_vcpu_is, 300)
{
	int round, tries, status;
	pid_t pid;

	ASSERT_EQ(0, vmpass_reload("io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"));
	for (round = 0; round < 20; round++) {
		pid = fork();
		if (!pid) {
			execl(MINIVMM, MINIVMM, "--null-io", "--port", "0x3f8",
			      "--arg", "2000000000", BENCH_TX_GUEST, (char *)NULL);
			_exit(127);
		}
		ASSERT_LT(0, pid);
		usleep(300000 + round * 37000);
		kill(pid, SIGTERM);
		for (tries = 0; tries < 200; tries++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(50000);
		}
		if (tries == 200) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		EXPECT_LT(tries, 200)
			TH_LOG("round %d: minivmm still ran 10 s after SIGTERM", round);
		/* (A SIGTERM before its handlers are in place ends it too.) */
		EXPECT_TRUE((WIFEXITED(status) && !WEXITSTATUS(status)) ||
			    (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
			TH_LOG("round %d: status %#x", round, status);
	}
}

TEST_HARNESS_MAIN
