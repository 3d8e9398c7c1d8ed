// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmpass and the port fds: the ABI (every misuse gets a clean errno),
 * and real x86 guest code under KVM: tools/minivmm runs guests/echo.S, a
 * DOS-style interrupt-driven echo over vmpass ports whose IRQs reach the
 * guest's 8259s through KVM_IRQFD.
 */
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
		EXPECT_EQ(0, r[i].err) TH_LOG("ttyVCOM%u: %zu of %zu bytes came back intact",
					      i, r[i].done, len);
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

TEST_HARNESS_MAIN
