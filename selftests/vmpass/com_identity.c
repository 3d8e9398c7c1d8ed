// SPDX-License-Identifier: GPL-2.0
/*
 * COM port identities: io=/irq=/nr_ports= at load, remapping with
 * setserial (TIOCSSERIAL) and sysfs. Bad parameters are in bad_input.c.
 */
#include <linux/serial.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vmpass_util.h"

#define PC_TABLE "io=0x3f8,0x2f8,0x3e8,0x2e8 irq=4,3,5,7"

static int get_serial(const char *tty, struct serial_struct *ss)
{
	int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, TIOCGSERIAL, ss) ? -errno : 0;
	close(fd);
	return ret;
}

static int set_identity(const char *tty, unsigned int port, int irq)
{
	struct serial_struct ss;
	int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, TIOCGSERIAL, &ss);
	if (!ret) {
		ss.port = port;
		ss.irq = irq;
		ret = ioctl(fd, TIOCSSERIAL, &ss);
	}
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE(identity) {
	int unused;
};

FIXTURE_SETUP(identity)
{
	ASSERT_EQ(0, vmpass_reload(PC_TABLE));
}

FIXTURE_TEARDOWN(identity)
{
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST_F(identity, load_parameters_show_in_setserial_and_sysfs)
{
	static const struct { const char *tty; const char *out; } t[] = {
		{ "/dev/ttyVCOM0", "UART: 16550A, Port: 0x03f8, IRQ: 4" },
		{ "/dev/ttyVCOM1", "UART: 16550A, Port: 0x02f8, IRQ: 3" },
		{ "/dev/ttyVCOM2", "UART: 16550A, Port: 0x03e8, IRQ: 5" },
		{ "/dev/ttyVCOM3", "UART: 16550A, Port: 0x02e8, IRQ: 7" },
	};
	char cmd[64], buf[32];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		snprintf(cmd, sizeof(cmd), "setserial -g %s", t[i].tty);
		EXPECT_TRUE(command_output_has(cmd, t[i].out)) TH_LOG("%s", t[i].tty);
	}
	ASSERT_EQ(0, read_line("/sys/class/tty/ttyVCOM2/iobase", buf, sizeof(buf)));
	EXPECT_STREQ("0x3e8", buf);
	ASSERT_EQ(0, read_line("/sys/class/tty/ttyVCOM2/irq", buf, sizeof(buf)));
	EXPECT_STREQ("5", buf);
}

TEST_F(identity, setserial_remaps_and_sysfs_follows)
{
	struct serial_struct ss;
	char buf[32];

	ASSERT_EQ(0, system("setserial /dev/ttyVCOM2 port 0x3a0 irq 10"));
	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &ss));
	EXPECT_EQ(0x3a0, ss.port);
	EXPECT_EQ(10, ss.irq);
	ASSERT_EQ(0, read_line("/sys/class/tty/ttyVCOM2/iobase", buf, sizeof(buf)));
	EXPECT_STREQ("0x3a0", buf);
	ASSERT_EQ(0, read_line("/sys/class/tty/ttyVCOM2/irq", buf, sizeof(buf)));
	EXPECT_STREQ("10", buf);

	/* And back through sysfs, which TIOCGSERIAL follows. */
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM2/iobase", "0x3e8"));
	ASSERT_EQ(0, write_str("/sys/class/tty/ttyVCOM2/irq", "5"));
	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &ss));
	EXPECT_EQ(0x3e8, ss.port);
	EXPECT_EQ(5, ss.irq);
}

TEST_F(identity, remap_checks_are_the_load_checks)
{
	struct serial_struct ss;

	EXPECT_EQ(-EINVAL, set_identity("/dev/ttyVCOM2", 0x3fc, 5));	/* overlaps COM1 */
	EXPECT_EQ(-EINVAL, set_identity("/dev/ttyVCOM2", 0x2f8, 5));	/* is COM2 */
	EXPECT_EQ(-EINVAL, set_identity("/dev/ttyVCOM2", 0xfffc, 5));	/* past 64 KiB */
	EXPECT_EQ(-EINVAL, set_identity("/dev/ttyVCOM2", 0x3e8, 2));	/* the cascade */
	EXPECT_EQ(-EINVAL, set_identity("/dev/ttyVCOM2", 0x3e8, 16));
	EXPECT_EQ(-EINVAL, write_str("/sys/class/tty/ttyVCOM2/iobase", "0x3f4"));
	EXPECT_EQ(-EINVAL, write_str("/sys/class/tty/ttyVCOM2/irq", "99"));
	EXPECT_EQ(-EINVAL, write_str("/sys/class/tty/ttyVCOM2/irq", "five"));
	/* Nothing changed. */
	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &ss));
	EXPECT_EQ(0x3e8, ss.port);
	EXPECT_EQ(5, ss.irq);
	/* A shared IRQ is allowed. */
	EXPECT_EQ(0, set_identity("/dev/ttyVCOM2", 0x3e8, 4));
}

TEST_F(identity, remap_needs_cap_sys_admin)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open("/dev/ttyVCOM2", O_RDWR | O_NOCTTY | O_NONBLOCK);
		struct serial_struct ss;

		if (fd < 0 || ioctl(fd, TIOCGSERIAL, &ss) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (ioctl(fd, TIOCGSERIAL, &ss))	/* reading is fine */
			_exit(3);
		ss.port = 0x3a0;
		_exit(ioctl(fd, TIOCSSERIAL, &ss) == -1 && errno == EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* close_delay and closing_wait are an administrator's, as in serial_core. */
TEST_F(identity, tiocsserial_close_settings_need_cap_sys_admin)
{
	struct serial_struct ss, before;
	pid_t pid;
	int status;

	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open("/dev/ttyVCOM2", O_RDWR | O_NOCTTY | O_NONBLOCK);

		if (fd < 0 || ioctl(fd, TIOCGSERIAL, &ss) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (ioctl(fd, TIOCSSERIAL, &ss))	/* what is there: fine */
			_exit(3);
		ss.close_delay++;
		if (ioctl(fd, TIOCSSERIAL, &ss) != -1 || errno != EPERM)
			_exit(4);
		ss.close_delay--;
		ss.closing_wait = ASYNC_CLOSING_WAIT_INF;	/* wait forever */
		if (ioctl(fd, TIOCSSERIAL, &ss) != -1 || errno != EPERM)
			_exit(5);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &ss));
	EXPECT_EQ(before.close_delay, ss.close_delay);
	EXPECT_EQ(before.closing_wait, ss.closing_wait);
	EXPECT_EQ(ASYNC_CLOSING_WAIT_NONE, ss.closing_wait);

	/* An administrator may. */
	ASSERT_EQ(0, system("setserial /dev/ttyVCOM2 close_delay 20 closing_wait 300"));
	ASSERT_EQ(0, get_serial("/dev/ttyVCOM2", &ss));
	EXPECT_EQ(20, ss.close_delay);
	EXPECT_EQ(300, ss.closing_wait);
}

/*
 * How long the race tests run. On the one-vCPU test VM a lost update needs
 * a preemption at one point of a store (the old stores lost one in about
 * a third of 3 s runs): long enough that the old code fails nearly always.
 */
#define RACE_SECONDS	8

struct identity_writer {
	const char *path;
	const char *val[4];
	bool *stop;
	unsigned int writes;
	unsigned int lost;
	int err;
};

/*
 * Writes its field, a new value each time; nobody else writes it, so it
 * must read back as last written before and after each write, whatever
 * the other writer does. A value lost while this writer was not running
 * shows in the check before its next write.
 */
static void *identity_writer(void *arg)
{
	struct identity_writer *w = arg;
	const char *last = NULL;
	char buf[32];

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		const char *val = w->val[w->writes % ARRAY_SIZE(w->val)];

		if (last && (read_line(w->path, buf, sizeof(buf)) || strcmp(buf, last)))
			w->lost++;
		w->err = write_str(w->path, val);
		if (w->err)
			break;
		w->writes++;
		last = val;
		if (read_line(w->path, buf, sizeof(buf)) || strcmp(buf, val))
			w->lost++;
	}
	return NULL;
}

TEST_F_TIMEOUT(identity, concurrent_sysfs_iobase_and_irq_writes_lose_nothing, 60)
{
	bool stop = false;
	struct identity_writer w[2] = {
		{ .path = "/sys/class/tty/ttyVCOM1/iobase",
		  .val = { "0x2a0", "0x2a8", "0x2b0", "0x2f8" }, .stop = &stop },
		{ .path = "/sys/class/tty/ttyVCOM1/irq", .val = { "10", "11", "12", "14" },
		  .stop = &stop },
	};
	pthread_t t[2];
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, identity_writer, &w[i]));
	sleep(RACE_SECONDS);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].err);
		EXPECT_EQ(0, w[i].lost) TH_LOG("%s: %u of %u writes lost", w[i].path,
					       w[i].lost, w[i].writes);
		EXPECT_LT(100, w[i].writes);
	}
}

/* A VMM attaching by I/O base gets the port that has it, whatever remaps. */
TEST_F_TIMEOUT(identity, attach_by_iobase_races_no_remap, 60)
{
	struct vmpass_attach at = { .flags = VMPASS_ATTACH_BY_IOBASE, .iobase = 0x2f8 };
	struct vmpass_port_desc d = { .index = 1 };
	unsigned int attached = 0, wrong = 0;
	struct timespec t0, t;
	int ctl = ctl_open();
	pid_t pid;
	int status;

	ASSERT_LE(0, ctl);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (unsigned int n = 0;; n++)
			write_str("/sys/class/tty/ttyVCOM1/iobase", n % 2 ? "0x2f8" : "0x2a0");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		int fd = ioctl(ctl, VMPASS_ATTACH_PORT, &at);

		if (fd >= 0) {
			attached++;
			d.flags = 0;
			if (ioctl(ctl, VMPASS_DESCRIBE_PORT, &d) || d.iobase != 0x2f8)
				wrong++;
			close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < RACE_SECONDS);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(ctl);
	EXPECT_EQ(0, wrong) TH_LOG("%u of %u attaches got a port not at 0x2f8", wrong, attached);
	EXPECT_LT(0, attached);
}

TEST(sixty_four_ports_with_their_own_identities)
{
	char params[1024], cmd[64];
	int len, i;

	len = snprintf(params, sizeof(params), "nr_ports=64 io=");
	for (i = 0; i < 64; i++)
		len += snprintf(params + len, sizeof(params) - len, "%s%#x",
				i ? "," : "", 0x1000 + 8 * i);
	ASSERT_EQ(0, vmpass_reload(params));
	EXPECT_TRUE(path_exists("/dev/ttyVCOM63"));
	EXPECT_FALSE(path_exists("/dev/ttyVCOM64"));
	snprintf(cmd, sizeof(cmd), "setserial -g /dev/ttyVCOM63");
	EXPECT_TRUE(command_output_has(cmd, "Port: 0x11f8"));
	/* Past the io= entries a port has no identity; here all have one. */
	ASSERT_EQ(0, vmpass_reload("nr_ports=6 io=0x3f8"));
	EXPECT_TRUE(command_output_has("setserial -g /dev/ttyVCOM0", "Port: 0x03f8, IRQ: 4"));
	EXPECT_TRUE(command_output_has("setserial -g /dev/ttyVCOM1", "Port: 0x0000, IRQ: 0"));
	EXPECT_TRUE(command_output_has("setserial -g /dev/ttyVCOM5", "Port: 0x0000, IRQ: 0"));
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST(shared_irq_loads_with_one_warning)
{
	int kmsg;

	vmpass_unload();
	kmsg = kmsg_open_at_end();
	ASSERT_LE(0, kmsg);
	ASSERT_EQ(0, vmpass_load("io=0x3f8,0x2f8,0x3e8 irq=4,3,4"));
	EXPECT_TRUE(kmsg_has(kmsg, "vmpass: IRQ 4 is shared by ttyVCOM0, ttyVCOM2"));
	close(kmsg);
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST_HARNESS_MAIN
