// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO migration v2 of the mediated PCI card, driven through VFIO with no
 * guest, the way a VMM drives it: card A is stopped and its stream read
 * (STOP_COPY), card B takes it (RESUMING) and runs from it, with A's
 * registers, its INTx mask, and the bytes A had buffered for its guest;
 * A runs on unchanged. An INTx that A had fired and not yet had unmasked
 * fires once more when B runs (with INTx Disable set, once the guest clears
 * it), and a load takes back the lines the ports had raised. A stream that
 * does not fit is refused, and the card must be reset. Debian's QEMU 7.2
 * cannot drive VFIO migration v2, so this is the test of it.
 */
#include <linux/pci_regs.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "vfio_util.h"
#include "vmpass_util.h"

#define TYPES	"/sys/class/mdev_bus/vmpass/mdev_supported_types"
#define MDEVS	"/sys/bus/mdev/devices"
/* Ports 4 to 7 have no I/O base: four 1-port slots. */
#define PARAMS	"nr_ports=8"
#define CARD_A	"00000000-0000-0000-0000-00000000000a"
#define CARD_B	"00000001-0000-0000-0000-00000000000b"
/* The card's header and one port state. */
#define STREAM_SIZE	(288 + sizeof(struct vmpass_port_state))

struct card {
	const char *uuid;
	int container, group, dev;
	__u64 cfg, bar;
	int tty;
};

static int card_open(struct card *c, const char *uuid, const char *tty)
{
	struct vfio_region_info info = { .argsz = sizeof(info) };
	char path[128], link[128];
	ssize_t n;

	c->uuid = uuid;
	snprintf(path, sizeof(path), TYPES "/vmpass-1/create");
	if (write_str(path, uuid))
		return -1;
	snprintf(path, sizeof(path), MDEVS "/%s/iommu_group", uuid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	c->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	c->group = open(path, O_RDWR | O_CLOEXEC);
	if (c->container < 0 || c->group < 0 ||
	    ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container) ||
	    ioctl(c->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	c->dev = ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (c->dev < 0)
		return -1;
	info.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(c->dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -1;
	c->cfg = info.offset;
	info.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(c->dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -1;
	c->bar = info.offset;
	c->tty = tty_open_raw(tty);
	return c->tty < 0 ? -1 : 0;
}

static void card_close(struct card *c)
{
	char path[128];

	close(c->tty);
	close(c->dev);
	close(c->group);
	close(c->container);
	snprintf(path, sizeof(path), MDEVS "/%s/remove", c->uuid);
	write_str(path, "1");
}

static __u8 bar_read(struct card *c, unsigned int reg)
{
	__u8 v = 0xee;

	if (pread(c->dev, &v, 1, c->bar + reg) != 1)
		return 0xee;
	return v;
}

static void bar_write(struct card *c, unsigned int reg, __u8 v)
{
	if (pwrite(c->dev, &v, 1, c->bar + reg) != 1)
		fprintf(stderr, "# BAR write failed\n");
}

static void cfg_write16(struct card *c, unsigned int off, __u16 v)
{
	if (pwrite(c->dev, &v, 2, c->cfg + off) != 2)
		fprintf(stderr, "# config write failed\n");
}

static __u16 cfg_read16(struct card *c, unsigned int off)
{
	__u16 v = 0;

	if (pread(c->dev, &v, 2, c->cfg + off) != 2)
		return 0xdead;
	return v;
}

/* VFIO_DEVICE_FEATURE with a payload of @size bytes at @data. */
static int feature(int dev, __u32 flags, void *data, size_t size)
{
	__u64 buf[16] = { 0 };
	struct vfio_device_feature *f = (void *)buf;

	f->argsz = sizeof(*f) + size;
	f->flags = flags;
	memcpy(f->data, data, size);
	if (ioctl(dev, VFIO_DEVICE_FEATURE, f))
		return -errno;
	memcpy(data, f->data, size);
	return 0;
}

/* Move to @state; a STOP_COPY or RESUMING move returns the stream's fd. */
static int set_state(struct card *c, __u32 state)
{
	struct vfio_device_feature_mig_state s = { .device_state = state, .data_fd = -1 };
	int ret;

	ret = feature(c->dev, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		      &s, sizeof(s));
	return ret ? ret : (s.data_fd < 0 ? 0 : s.data_fd);
}

static int get_state(struct card *c)
{
	struct vfio_device_feature_mig_state s = { 0 };
	int ret;

	ret = feature(c->dev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
		      &s, sizeof(s));
	return ret ? ret : (int)s.device_state;
}

FIXTURE(migration) {
	struct card a, b;
};

FIXTURE_SETUP(migration)
{
	ASSERT_EQ(0, vmpass_reload(PARAMS));
	ASSERT_EQ(0, card_open(&self->a, CARD_A, "/dev/ttyVCOM4"));
	ASSERT_EQ(0, card_open(&self->b, CARD_B, "/dev/ttyVCOM5"));
}

FIXTURE_TEARDOWN(migration)
{
	card_close(&self->a);
	card_close(&self->b);
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

/* A guest that programmed card A: 19200 7E1, FIFOs, RX interrupt, OUT2. */
static void program_a(struct card *a)
{
	cfg_write16(a, PCI_COMMAND, PCI_COMMAND_IO);
	bar_write(a, UART_LCR, UART_LCR_DLAB);
	bar_write(a, UART_DLL, 6);
	bar_write(a, UART_DLM, 0);
	bar_write(a, UART_LCR, UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR);
	bar_write(a, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_R_TRIG_10);
	bar_write(a, UART_IER, UART_IER_RDI);
	bar_write(a, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	bar_write(a, UART_SCR, 0x42);
}

static ssize_t read_stream(int fd, __u8 *buf, size_t size)
{
	size_t got = 0;
	ssize_t r;

	while ((r = read(fd, buf + got, size - got)) > 0)
		got += r;
	return r < 0 ? -errno : (ssize_t)got;
}

TEST_F_TIMEOUT(migration, stop_copy_resuming_moves_the_card, VMPASS_SLOW_TIMEOUT)
{
	struct vfio_device_feature_migration mig = { 0 };
	static __u8 stream[STREAM_SIZE + 64];
	char got[8] = "";
	ssize_t len;
	int fd, i;

	ASSERT_EQ(0, feature(self->a.dev, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
			     &mig, sizeof(mig)));
	EXPECT_TRUE(mig.flags & VFIO_MIGRATION_STOP_COPY);
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(&self->a));

	program_a(&self->a);
	ASSERT_EQ(5, write(self->a.tty, "hello", 5));
	usleep(100000);
	EXPECT_TRUE(bar_read(&self->a, UART_LSR) & UART_LSR_DR);

	/* Stopped, the card takes no access and moves no byte. */
	EXPECT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_STOP));
	EXPECT_EQ(VFIO_DEVICE_STATE_STOP, get_state(&self->a));
	EXPECT_EQ(0xff, bar_read(&self->a, UART_SCR));
	fd = set_state(&self->a, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LE(0, fd);
	len = read_stream(fd, stream, sizeof(stream));
	EXPECT_EQ(STREAM_SIZE, len);
	/* Back to RUNNING (through STOP): A goes on as it was. */
	EXPECT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_RUNNING));
	EXPECT_EQ(-ENODEV, read(fd, stream, 1) ? -errno : 0);
	close(fd);
	EXPECT_EQ(0x42, bar_read(&self->a, UART_SCR));

	/* B takes the stream (RUNNING to RESUMING goes through STOP). */
	fd = set_state(&self->b, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	EXPECT_EQ(VFIO_DEVICE_STATE_RESUMING, get_state(&self->b));
	ASSERT_EQ(len, write(fd, stream, len));
	EXPECT_EQ(-1, write(fd, stream, 1));	/* no more than one stream */
	EXPECT_EQ(0, set_state(&self->b, VFIO_DEVICE_STATE_RUNNING));
	close(fd);

	/* B is A: registers, command register, and the guest's bytes. */
	EXPECT_EQ(PCI_COMMAND_IO, cfg_read16(&self->b, PCI_COMMAND) & PCI_COMMAND_IO);
	EXPECT_EQ(0x42, bar_read(&self->b, UART_SCR));
	EXPECT_EQ(UART_IER_RDI, bar_read(&self->b, UART_IER));
	EXPECT_EQ(UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR, bar_read(&self->b, UART_LCR));
	bar_write(&self->b, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN7 | UART_LCR_PARITY |
		  UART_LCR_EPAR);
	EXPECT_EQ(6, bar_read(&self->b, UART_DLL));
	bar_write(&self->b, UART_LCR, UART_LCR_WLEN7 | UART_LCR_PARITY | UART_LCR_EPAR);
	for (i = 0; i < 5 && (bar_read(&self->b, UART_LSR) & UART_LSR_DR); i++)
		got[i] = bar_read(&self->b, UART_RX);
	EXPECT_STREQ("hello", got);
	/* A still has its own copy: a migration that fails would go on there. */
	memset(got, 0, sizeof(got));
	for (i = 0; i < 5 && (bar_read(&self->a, UART_LSR) & UART_LSR_DR); i++)
		got[i] = bar_read(&self->a, UART_RX);
	EXPECT_STREQ("hello", got);
}

/* Raw and non-blocking, without a flush, which would hide bytes pushed at the open. */
static int tty_open_noflush(const char *path)
{
	struct termios t;
	int fd;

	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &t)) {
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	if (tcsetattr(fd, TCSANOW, &t)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The source's side of a migration that went through: the stream took the
 * guest's output, so a close does not deliver it to the old host end as
 * well, and that host end's writers wait for a guest to run again.
 */
TEST_F_TIMEOUT(migration, close_after_stop_copy_hands_the_bytes_over, VMPASS_SLOW_TIMEOUT)
{
	static __u8 stream[STREAM_SIZE];
	const struct vmpass_port_state *st = (const void *)(stream + 288);
	char c;
	int fd;

	program_a(&self->a);
	/* With its host end closed, the port keeps what the guest sends. */
	close(self->a.tty);
	self->a.tty = -1;
	bar_write(&self->a, UART_TX, 'x');
	bar_write(&self->a, UART_TX, 'y');
	bar_write(&self->a, UART_TX, 'z');

	fd = set_state(&self->a, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(STREAM_SIZE, read_stream(fd, stream, sizeof(stream)));
	EXPECT_EQ(3, st->to_host_len);
	EXPECT_EQ('x', st->to_host[0]);
	EXPECT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_STOP));
	close(fd);
	close(self->a.dev);
	close(self->a.group);
	close(self->a.container);
	self->a.dev = -1;
	self->a.group = -1;
	self->a.container = -1;

	self->a.tty = tty_open_noflush("/dev/ttyVCOM4");
	ASSERT_LE(0, self->a.tty);
	EXPECT_EQ(0, poll(&(struct pollfd){ .fd = self->a.tty, .events = POLLIN }, 1, 500));
	EXPECT_EQ(-1, read(self->a.tty, &c, 1));
	EXPECT_EQ(-1, write(self->a.tty, "w", 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F_TIMEOUT(migration, a_bad_stream_is_refused, VMPASS_SLOW_TIMEOUT)
{
	static __u8 stream[STREAM_SIZE];
	int fd, kmsg = kmsg_open_at_end();

	program_a(&self->a);
	fd = set_state(&self->a, VFIO_DEVICE_STATE_STOP_COPY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(STREAM_SIZE, read_stream(fd, stream, sizeof(stream)));
	close(fd);
	EXPECT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_RUNNING));

	/* Too short. */
	fd = set_state(&self->b, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	ASSERT_EQ(100, write(fd, stream, 100));
	EXPECT_EQ(-EINVAL, set_state(&self->b, VFIO_DEVICE_STATE_STOP));
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, get_state(&self->b));
	close(fd);
	EXPECT_EQ(0, ioctl(self->b.dev, VFIO_DEVICE_RESET));
	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(&self->b));

	/* A port state no chip could be in (an RX FIFO of 17 bytes). */
	fd = set_state(&self->b, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	stream[288 + offsetof(struct vmpass_port_state, uart.rx.count)] = 17;
	ASSERT_EQ(STREAM_SIZE, write(fd, stream, STREAM_SIZE));
	EXPECT_EQ(-EINVAL, set_state(&self->b, VFIO_DEVICE_STATE_STOP));
	close(fd);
	EXPECT_TRUE(kmsg_has(kmsg, "state refused"));
	/* Nothing of it reached B's port: it is as reset left it. */
	EXPECT_EQ(0, ioctl(self->b.dev, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, bar_read(&self->b, UART_SCR));
	EXPECT_EQ(0, bar_read(&self->b, UART_IER));

	/* Another card size's stream (the header says 4 ports). */
	stream[288 + offsetof(struct vmpass_port_state, uart.rx.count)] = 0;
	stream[8] = 4;
	fd = set_state(&self->b, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	ASSERT_EQ(STREAM_SIZE, write(fd, stream, STREAM_SIZE));
	EXPECT_EQ(-EINVAL, set_state(&self->b, VFIO_DEVICE_STATE_STOP));
	close(fd);
	close(kmsg);
}

/* A's stream, taken as a VMM takes it (STOP_COPY), with A back to RUNNING. */
static ssize_t save(struct card *a, __u8 *stream)
{
	ssize_t len;
	int fd;

	fd = set_state(a, VFIO_DEVICE_STATE_STOP_COPY);
	if (fd < 0)
		return fd;
	len = read_stream(fd, stream, STREAM_SIZE);
	close(fd);
	if (set_state(a, VFIO_DEVICE_STATE_RUNNING))
		return -1;
	return len;
}

/* @b takes @stream and stays stopped (RESUMING to STOP). */
static int load(struct card *b, const __u8 *stream)
{
	int fd, ret;

	fd = set_state(b, VFIO_DEVICE_STATE_RESUMING);
	if (fd < 0)
		return fd;
	ret = write(fd, stream, STREAM_SIZE) == STREAM_SIZE ? 0 : -1;
	close(fd);
	return ret ?: set_state(b, VFIO_DEVICE_STATE_STOP);
}

/* @b resumes from @stream and runs. */
static int resume(struct card *b, const __u8 *stream)
{
	return load(b, stream) ?: set_state(b, VFIO_DEVICE_STATE_RUNNING);
}

/*
 * QEMU migrates the level of its INTx line, but not that it awaits the
 * guest's EOI: a card that resumes with INTx automasked signals it once
 * more when it runs, so that its user waits again (and the guest's next
 * access ends it), rather than holding the line asserted for good.
 */
TEST_F_TIMEOUT(migration, a_masked_intx_fires_again_on_resume, VMPASS_SLOW_TIMEOUT)
{
	const __u32 trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const __u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int efd_a = eventfd(0, EFD_CLOEXEC), efd_b = eventfd(0, EFD_CLOEXEC);
	static __u8 stream[STREAM_SIZE];

	ASSERT_LE(0, efd_a);
	ASSERT_LE(0, efd_b);
	ASSERT_EQ(0, set_irqs(self->a.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_a));
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_b));
	program_a(&self->a);

	/* Nothing pending and INTx unmasked: B runs from A's stream quietly. */
	EXPECT_EQ(0, signalled(efd_a, 200));
	ASSERT_EQ(STREAM_SIZE, save(&self->a, stream));
	ASSERT_EQ(0, resume(&self->b, stream));
	EXPECT_EQ(0, signalled(efd_b, 300));

	/* A byte for A's guest: INTx fires and stays masked. */
	ASSERT_EQ(1, write(self->a.tty, "x", 1));
	EXPECT_EQ(1, signalled(efd_a, 2000));
	ASSERT_EQ(STREAM_SIZE, save(&self->a, stream));
	ASSERT_EQ(0, resume(&self->b, stream));
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ(0, signalled(efd_b, 300));	/* once: B waits for the unmask */

	/* The unmask finds the line still high; reading the byte lowers it. */
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ('x', bar_read(&self->b, UART_RX));
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(0, signalled(efd_b, 300));
	close(efd_a);
	close(efd_b);
}

/*
 * A card saved with INTx Disable set after a signal: QEMU asserts the line
 * again only when the guest clears the bit, so the resignal waits for that
 * too, and nothing is signalled while the bit is set (a VMM may route the
 * eventfd straight into its interrupt controller).
 */
TEST_F_TIMEOUT(migration, a_resignal_waits_for_intx_enable, VMPASS_SLOW_TIMEOUT)
{
	const __u32 trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const __u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int efd_a = eventfd(0, EFD_CLOEXEC), efd_b = eventfd(0, EFD_CLOEXEC);
	static __u8 stream[STREAM_SIZE];

	ASSERT_LE(0, efd_a);
	ASSERT_LE(0, efd_b);
	ASSERT_EQ(0, set_irqs(self->a.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_a));
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_b));
	program_a(&self->a);

	/* A signals, and then its guest sets INTx Disable before the EOI. */
	ASSERT_EQ(1, write(self->a.tty, "x", 1));
	EXPECT_EQ(1, signalled(efd_a, 2000));
	cfg_write16(&self->a, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	ASSERT_EQ(STREAM_SIZE, save(&self->a, stream));
	ASSERT_EQ(0, resume(&self->b, stream));
	EXPECT_EQ(PCI_COMMAND_INTX_DISABLE, cfg_read16(&self->b, PCI_COMMAND) &
		  PCI_COMMAND_INTX_DISABLE);
	EXPECT_EQ(0, signalled(efd_b, 300));

	/* The guest clears the bit: the held-back signal, once. */
	cfg_write16(&self->b, PCI_COMMAND, PCI_COMMAND_IO);
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ(0, signalled(efd_b, 300));
	/* And the bit set and cleared again repeats nothing. */
	cfg_write16(&self->b, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	cfg_write16(&self->b, PCI_COMMAND, PCI_COMMAND_IO);
	EXPECT_EQ(0, signalled(efd_b, 300));

	/* Then as on any card: the unmask finds the line high; the read lowers it. */
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ('x', bar_read(&self->b, UART_RX));
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(0, signalled(efd_b, 300));
	close(efd_a);
	close(efd_b);
}

/*
 * A load replaces the ports' state, and with it the level each reported:
 * a card whose port was interrupting takes a quiet stream, and while it is
 * stopped its line reads low (PCI_STATUS) and INTx fires for nothing.
 */
TEST_F_TIMEOUT(migration, a_load_lowers_the_old_line, VMPASS_SLOW_TIMEOUT)
{
	const __u32 trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const __u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int efd_b = eventfd(0, EFD_CLOEXEC);
	static __u8 stream[STREAM_SIZE];

	ASSERT_LE(0, efd_b);
	program_a(&self->a);
	ASSERT_EQ(STREAM_SIZE, save(&self->a, stream));	/* A is quiet */

	/* B's port interrupts: THRE, with OUT2; B's INTx fires and masks. */
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_b));
	cfg_write16(&self->b, PCI_COMMAND, PCI_COMMAND_IO);
	bar_write(&self->b, UART_MCR, UART_MCR_OUT2);
	bar_write(&self->b, UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ(PCI_STATUS_INTERRUPT, cfg_read16(&self->b, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(1, signalled(efd_b, 2000));

	/* Loaded and still stopped: the line is low, and stays so running. */
	ASSERT_EQ(0, load(&self->b, stream));
	EXPECT_EQ(0, cfg_read16(&self->b, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	EXPECT_EQ(0, signalled(efd_b, 300));
	ASSERT_EQ(0, set_state(&self->b, VFIO_DEVICE_STATE_RUNNING));
	EXPECT_EQ(0, cfg_read16(&self->b, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	EXPECT_EQ(UART_IIR_NO_INT, bar_read(&self->b, UART_IIR) & UART_IIR_NO_INT);
	EXPECT_EQ(0, signalled(efd_b, 300));
	close(efd_b);
}

/*
 * The other way round: a stream whose port interrupts, unmasked, loaded
 * into a card whose own port interrupted too. Stopped, the card signals
 * nothing; running, it signals once, for the state it was given.
 */
TEST_F_TIMEOUT(migration, a_loaded_raised_line_fires_once_on_run, VMPASS_SLOW_TIMEOUT)
{
	const __u32 trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const __u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int efd_b = eventfd(0, EFD_CLOEXEC);
	static __u8 stream[STREAM_SIZE];

	ASSERT_LE(0, efd_b);
	/* A interrupts (THRE), with no eventfd: its INTx is not masked. */
	cfg_write16(&self->a, PCI_COMMAND, PCI_COMMAND_IO);
	bar_write(&self->a, UART_MCR, UART_MCR_OUT2);
	bar_write(&self->a, UART_IER, UART_IER_THRI);
	EXPECT_EQ(PCI_STATUS_INTERRUPT, cfg_read16(&self->a, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	ASSERT_EQ(STREAM_SIZE, save(&self->a, stream));

	/* B interrupts as well, fired and unmasked again (masked by the refire). */
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_b));
	cfg_write16(&self->b, PCI_COMMAND, PCI_COMMAND_IO);
	bar_write(&self->b, UART_MCR, UART_MCR_OUT2);
	bar_write(&self->b, UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd_b, 2000));

	ASSERT_EQ(0, load(&self->b, stream));
	EXPECT_EQ(0, cfg_read16(&self->b, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	/* Stopped: even an unmask fires nothing. */
	ASSERT_EQ(0, set_irqs(self->b.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	EXPECT_EQ(0, signalled(efd_b, 300));
	ASSERT_EQ(0, set_state(&self->b, VFIO_DEVICE_STATE_RUNNING));
	EXPECT_EQ(1, signalled(efd_b, 2000));
	EXPECT_EQ(0, signalled(efd_b, 300));
	EXPECT_EQ(PCI_STATUS_INTERRUPT, cfg_read16(&self->b, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	EXPECT_EQ(UART_IIR_THRI, bar_read(&self->b, UART_IIR) & 0x0f);
	close(efd_b);
}

/*
 * A source stopped with its INTx fired and masked: an unmask and a config
 * write while it is stopped fire nothing; running, it fires once.
 */
TEST_F_TIMEOUT(migration, a_stopped_card_fires_nothing_until_it_runs, VMPASS_SLOW_TIMEOUT)
{
	const __u32 trigger = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	const __u32 unmask = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
	int efd_a = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd_a);
	ASSERT_EQ(0, set_irqs(self->a.dev, VFIO_PCI_INTX_IRQ_INDEX, trigger, 1, efd_a));
	cfg_write16(&self->a, PCI_COMMAND, PCI_COMMAND_IO);
	bar_write(&self->a, UART_MCR, UART_MCR_OUT2);
	bar_write(&self->a, UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd_a, 2000));

	ASSERT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_STOP));
	ASSERT_EQ(0, set_irqs(self->a.dev, VFIO_PCI_INTX_IRQ_INDEX, unmask, 1, -1));
	cfg_write16(&self->a, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	cfg_write16(&self->a, PCI_COMMAND, PCI_COMMAND_IO);
	EXPECT_EQ(0, signalled(efd_a, 300));
	ASSERT_EQ(0, set_state(&self->a, VFIO_DEVICE_STATE_RUNNING));
	EXPECT_EQ(1, signalled(efd_a, 2000));
	EXPECT_EQ(0, signalled(efd_a, 300));
	close(efd_a);
}

/*
 * A's guest output, kept in A's port (its host end closed), in a stream;
 * B, its host end closed too, takes it and stays stopped.
 */
static int load_output(struct card *a, struct card *b, __u8 *stream)
{
	const struct vmpass_port_state *st = (const void *)(stream + 288);

	program_a(a);
	close(a->tty);
	a->tty = -1;
	bar_write(a, UART_TX, 'x');
	bar_write(a, UART_TX, 'y');
	if (save(a, stream) != STREAM_SIZE || st->to_host_len != 2)
		return -1;
	close(b->tty);
	b->tty = -1;
	return load(b, stream);
}

/*
 * After a reset, B's host end gets none of the stream's bytes, its writers
 * go on before any guest access, and B's own guest output reaches it.
 */
static void check_b_dropped(struct __test_metadata *_metadata, struct card *b)
{
	char c;

	EXPECT_EQ(VFIO_DEVICE_STATE_RUNNING, get_state(b));
	b->tty = tty_open_noflush("/dev/ttyVCOM5");
	ASSERT_LE(0, b->tty);
	EXPECT_EQ(0, poll(&(struct pollfd){ .fd = b->tty, .events = POLLIN }, 1, 500));
	EXPECT_EQ(1, write(b->tty, "w", 1));	/* not held */
	program_a(b);
	bar_write(b, UART_TX, 'q');
	EXPECT_EQ(1, poll(&(struct pollfd){ .fd = b->tty, .events = POLLIN }, 1, 2000));
	EXPECT_EQ(1, read(b->tty, &c, 1));
	EXPECT_EQ('q', c);
}

/*
 * A destination loaded and then reset, never run: that is taken for a
 * migration that did not complete, whose source goes on with the bytes,
 * so the stream's are dropped, not delivered to this card's host ends.
 */
TEST_F_TIMEOUT(migration, a_reset_after_a_load_drops_the_stream, VMPASS_SLOW_TIMEOUT)
{
	static __u8 stream[STREAM_SIZE];

	ASSERT_EQ(0, load_output(&self->a, &self->b, stream));
	ASSERT_EQ(0, ioctl(self->b.dev, VFIO_DEVICE_RESET));
	check_b_dropped(_metadata, &self->b);
}

/* Likewise after a second RESUMING, good or refused, over the first load. */
TEST_F_TIMEOUT(migration, a_second_resuming_still_drops_the_first_load, VMPASS_SLOW_TIMEOUT)
{
	static __u8 stream[STREAM_SIZE];
	int fd;

	ASSERT_EQ(0, load_output(&self->a, &self->b, stream));
	fd = set_state(&self->b, VFIO_DEVICE_STATE_RESUMING);
	ASSERT_LE(0, fd);
	stream[0] ^= 0xff;	/* a bad magic: refused, the card in ERROR */
	ASSERT_EQ(STREAM_SIZE, write(fd, stream, STREAM_SIZE));
	EXPECT_EQ(-EINVAL, set_state(&self->b, VFIO_DEVICE_STATE_STOP));
	close(fd);
	EXPECT_EQ(VFIO_DEVICE_STATE_ERROR, get_state(&self->b));
	ASSERT_EQ(0, ioctl(self->b.dev, VFIO_DEVICE_RESET));
	check_b_dropped(_metadata, &self->b);
}

TEST_HARNESS_MAIN
