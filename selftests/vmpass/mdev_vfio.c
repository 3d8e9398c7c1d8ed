// SPDX-License-Identifier: GPL-2.0
/*
 * The mediated PCI serial card, driven through VFIO the way QEMU drives it
 * but with no guest: the mdev types and their available_instances, which
 * ports a card takes (its UUID's slot) and holds, the VFIO info ioctls, the
 * emulated config space, the automasked INTx with its unmask ioctl and
 * eventfd, reset and close dropping the bytes queued for the guest, and a
 * removal that asks the user to release the card and waits for it. Then
 * the same card bound through iommufd and VFIO's device cdev instead of a
 * group and a container, on kernels that have them.
 */
#include <linux/pci_regs.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>
#if __has_include("linux/iommufd.h")
#include <linux/iommufd.h>
#endif
#include <dirent.h>
#include <poll.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vfio_util.h"
#include "vmpass_util.h"

#define TYPES	"/sys/class/mdev_bus/vmpass/mdev_supported_types"
#define MDEVS	"/sys/bus/mdev/devices"
/* Ports 4 to 7 have no I/O base: four 1-port, two 2-port or one 4-port slots. */
#define PARAMS	"nr_ports=8"
#define UUID_A	"83b8f4f2-09ca-11ee-8c2f-525400123456"
#define CARD0	"00000000-0000-0000-0000-000000000000"
#define CARD1	"00000001-0000-0000-0000-000000000000"
#define VMPASSCTL	"build/tools/vmpassctl"
#define FREE_PORT_JSON	"\"attached\": false, \"card\": null, "

static int card_create(const char *type, const char *uuid)
{
	char path[128];

	snprintf(path, sizeof(path), TYPES "/vmpass-%s/create", type);
	return write_str(path, uuid);
}

static int card_remove(const char *uuid)
{
	char path[128];

	snprintf(path, sizeof(path), MDEVS "/%s/remove", uuid);
	return write_str(path, "1");
}

static int type_attr(const char *type, const char *attr, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), TYPES "/vmpass-%s/%s", type, attr);
	return read_line(path, buf, size);
}

static int available(const char *type)
{
	char buf[16] = "";

	return type_attr(type, "available_instances", buf, sizeof(buf)) ? -1 : atoi(buf);
}

static const char *card_ports(const char *uuid)
{
	static char buf[128];
	char path[128];

	snprintf(path, sizeof(path), MDEVS "/%s/vmpass/ports", uuid);
	if (read_line(path, buf, sizeof(buf)))
		return "(none)";
	return buf;
}

TEST(types_follow_the_ports_without_an_io_base)
{
	static const char * const types[] = { "1", "2", "4" };
	char buf[256];
	int kmsg, i;

	/* The defaults: four ports, all with an identity, none for a card. */
	ASSERT_EQ(0, vmpass_reload(""));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, available(types[i]));
	kmsg = kmsg_open_at_end();
	EXPECT_EQ(-ENOSPC, card_create("1", UUID_A));
	EXPECT_TRUE(kmsg_has(kmsg, "vmpass: " UUID_A ": a 1-port card needs that many COM ports"));
	close(kmsg);
	EXPECT_FALSE(path_exists(MDEVS "/" UUID_A));

	ASSERT_EQ(0, vmpass_reload(PARAMS));
	EXPECT_EQ(4, available("1"));
	EXPECT_EQ(2, available("2"));
	EXPECT_EQ(1, available("4"));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, type_attr(types[i], "device_api", buf, sizeof(buf)));
		EXPECT_STREQ("vfio-pci", buf);
		ASSERT_EQ(0, type_attr(types[i], "name", buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, "16550A PCI card"));
		ASSERT_EQ(0, type_attr(types[i], "description", buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, "PCI 1b36:000"));
	}

	ASSERT_EQ(0, vmpass_reload("nr_ports=12 io=0x3f8,0x2f8,0x3e8,0x2e8"));
	EXPECT_EQ(8, available("1"));
	EXPECT_EQ(2, available("4"));
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST(the_uuid_picks_the_slot_and_the_card_holds_it)
{
	struct vmpass_port_desc desc = { .index = 5 };
	int ctl, vmm, kmsg;

	ASSERT_EQ(0, vmpass_reload(PARAMS));
	/* Key 1 of four 1-port slots: slot 1, ttyVCOM5. */
	ASSERT_EQ(0, card_create("1", "00000001-0000-0000-0000-000000000000"));
	EXPECT_STREQ("ttyVCOM5", card_ports("00000001-0000-0000-0000-000000000000"));
	/* Key 0 of two 2-port slots: slot 0 (4, 5) is taken, so slot 1. */
	ASSERT_EQ(0, card_create("2", "00000000-0000-0000-0000-000000000000"));
	EXPECT_STREQ("ttyVCOM6 ttyVCOM7", card_ports("00000000-0000-0000-0000-000000000000"));
	EXPECT_EQ(1, available("1"));
	EXPECT_EQ(0, available("2"));
	EXPECT_EQ(0, available("4"));
	EXPECT_EQ(-EEXIST, card_create("1", "00000001-0000-0000-0000-000000000000"));
	EXPECT_EQ(-EINVAL, card_create("1", "not-a-uuid"));

	/* A held port is not a VMM's, and shows as held. */
	ctl = ctl_open();
	ASSERT_LE(0, ctl);
	EXPECT_EQ(-1, attach_index(ctl, 5));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, ioctl(ctl, VMPASS_DESCRIBE_PORT, &desc));
	EXPECT_EQ(VMPASS_PORT_ATTACHED | VMPASS_PORT_CARD, desc.flags);
	EXPECT_TRUE(command_output_has(VMPASSCTL " status",
				       "ttyVCOM5    io 0x000  irq 0   held by card " CARD1));
	EXPECT_TRUE(command_output_has(VMPASSCTL " --json ports",
				       "\"attached\": true, \"card\": \"" CARD0 "\", "));
	EXPECT_TRUE(command_output_has(VMPASSCTL " --json ports",
				       "ttyVCOM4\", \"iobase\": 0, \"irq\": 0, " FREE_PORT_JSON));

	/* Nor is a VMM's port a card's: ttyVCOM4 is the last free one. */
	vmm = attach_index(ctl, 4);
	ASSERT_LE(0, vmm);
	EXPECT_EQ(0, available("1"));
	kmsg = kmsg_open_at_end();
	EXPECT_EQ(-ENOSPC, card_create("1", UUID_A));
	EXPECT_TRUE(kmsg_has(kmsg, "vmpass: " UUID_A ": no free slot for a 1-port card"));
	close(kmsg);
	close(vmm);
	ASSERT_EQ(0, card_create("1", UUID_A));
	EXPECT_STREQ("ttyVCOM4", card_ports(UUID_A));

	/* rmmod is refused while a card exists. */
	EXPECT_EQ(-EBUSY, vmpass_unload());
	EXPECT_TRUE(proc_modules_has("vmpass"));

	/* The same UUID and type get the same ports again. */
	ASSERT_EQ(0, card_remove("00000001-0000-0000-0000-000000000000"));
	ASSERT_EQ(0, card_create("1", "00000001-0000-0000-0000-000000000000"));
	EXPECT_STREQ("ttyVCOM5", card_ports("00000001-0000-0000-0000-000000000000"));

	EXPECT_EQ(0, card_remove("00000001-0000-0000-0000-000000000000"));
	EXPECT_EQ(0, card_remove("00000000-0000-0000-0000-000000000000"));
	EXPECT_EQ(0, card_remove(UUID_A));
	desc.flags = 0;
	ASSERT_EQ(0, ioctl(ctl, VMPASS_DESCRIBE_PORT, &desc));
	EXPECT_EQ(0, desc.flags);
	close(ctl);
	EXPECT_EQ(0, vmpass_unload());
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

/* mdevctl (Debian's) defines, starts, lists and stops a card. */
TEST(mdevctl_defines_starts_and_stops_a_card)
{
	if (system("command -v mdevctl > /dev/null"))
		SKIP(return, "no mdevctl (scripts/deps installs it)");
	ASSERT_EQ(0, vmpass_reload(PARAMS));
	ASSERT_EQ(0, system("mdevctl define --uuid " CARD1 " --parent vmpass --type vmpass-2"));
	EXPECT_TRUE(command_output_has("mdevctl list --defined", CARD1 " vmpass vmpass-2"));
	EXPECT_FALSE(path_exists(MDEVS "/" CARD1));
	ASSERT_EQ(0, system("mdevctl start --uuid " CARD1));
	EXPECT_TRUE(command_output_has("mdevctl list", CARD1 " vmpass vmpass-2"));
	/* Key 1 of two 2-port slots. */
	EXPECT_STREQ("ttyVCOM6 ttyVCOM7", card_ports(CARD1));
	EXPECT_EQ(0, system("mdevctl stop --uuid " CARD1));
	EXPECT_FALSE(path_exists(MDEVS "/" CARD1));
	EXPECT_EQ(0, system("mdevctl undefine --uuid " CARD1));
	EXPECT_FALSE(command_output_has("mdevctl list --defined", CARD1));
	EXPECT_EQ(0, vmpass_unload());
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

/* A card opened as QEMU opens it (legacy container, type1). */
struct vfio_card {
	int container, group, dev;
	__u64 cfg, bar;	/* the config space's and BAR0's offsets */
};

/* A 4-port card, and the host end of its port 0. */
FIXTURE(card) {
	struct vfio_card c;
	int tty;
};

static int card_open(struct vfio_card *c)
{
	char path[128], link[128];
	ssize_t n;

	snprintf(path, sizeof(path), MDEVS "/%s/iommu_group", UUID_A);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	c->group = open(path, O_RDWR | O_CLOEXEC);
	if (c->group < 0)
		return -1;
	if (ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container))
		return -1;
	if (ioctl(c->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	c->dev = ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, UUID_A);
	return c->dev < 0 ? -1 : 0;
}

static __u64 region_offset(int dev, unsigned int index, __u64 *size, __u32 *flags)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -1;
	*size = info.size;
	*flags = info.flags;
	return info.offset;
}

FIXTURE_SETUP(card)
{
	char tty[32];
	__u64 size;
	__u32 flags;

	ASSERT_EQ(0, vmpass_reload(PARAMS));
	ASSERT_EQ(0, card_create("4", UUID_A));
	ASSERT_STREQ("ttyVCOM4 ttyVCOM5 ttyVCOM6 ttyVCOM7", card_ports(UUID_A));
	self->c.container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.container);
	ASSERT_EQ(0, card_open(&self->c));
	self->c.cfg = region_offset(self->c.dev, VFIO_PCI_CONFIG_REGION_INDEX, &size, &flags);
	ASSERT_NE((__u64)-1, self->c.cfg);
	self->c.bar = region_offset(self->c.dev, VFIO_PCI_BAR0_REGION_INDEX, &size, &flags);
	ASSERT_NE((__u64)-1, self->c.bar);
	snprintf(tty, sizeof(tty), "/dev/ttyVCOM4");
	self->tty = tty_open_raw(tty);
	ASSERT_LE(0, self->tty);
}

FIXTURE_TEARDOWN(card)
{
	close(self->tty);
	if (self->c.dev >= 0)
		close(self->c.dev);
	close(self->c.group);
	close(self->c.container);
	card_remove(UUID_A);
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

static __u32 cfg_read(struct vfio_card *c, unsigned int off, unsigned int n)
{
	__u32 val = 0;

	if (pread(c->dev, &val, n, c->cfg + off) != n)
		return 0xdeadbeef;
	return val;
}

static void cfg_write(struct vfio_card *c, unsigned int off, unsigned int n, __u32 val)
{
	if (pwrite(c->dev, &val, n, c->cfg + off) != n)
		val = 0;
}

static __u8 bar_read(struct vfio_card *c, unsigned int off)
{
	__u8 val = 0xee;

	if (pread(c->dev, &val, 1, c->bar + off) != 1)
		return 0xee;
	return val;
}

static void bar_write(struct vfio_card *c, unsigned int off, __u8 val)
{
	if (pwrite(c->dev, &val, 1, c->bar + off) != 1)
		val = 0;
}

TEST_F(card, info_and_config_space)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	__u64 size;
	__u32 flags;
	int i;

	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, info.flags);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);
	region_offset(self->c.dev, VFIO_PCI_CONFIG_REGION_INDEX, &size, &flags);
	EXPECT_EQ(256, size);
	region_offset(self->c.dev, VFIO_PCI_BAR0_REGION_INDEX, &size, &flags);
	EXPECT_EQ(32, size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, flags);
	for (i = VFIO_PCI_BAR1_REGION_INDEX; i <= VFIO_PCI_VGA_REGION_INDEX; i++) {
		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			continue;
		region_offset(self->c.dev, i, &size, &flags);
		EXPECT_EQ(0, size);
	}
	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(1, irq.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED,
		  irq.flags);
	irq.index = VFIO_PCI_MSI_IRQ_INDEX;
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	EXPECT_EQ(0, irq.count);
	irq.index = VFIO_PCI_ERR_IRQ_INDEX;
	EXPECT_EQ(-1, ioctl(self->c.dev, VFIO_DEVICE_GET_IRQ_INFO, &irq));

	/* QEMU's pci-serial-4x, as 8250_pci's class match wants it. */
	EXPECT_EQ(0x00041b36, cfg_read(&self->c, PCI_VENDOR_ID, 4));
	EXPECT_EQ(0x07000201, cfg_read(&self->c, PCI_CLASS_REVISION, 4));
	EXPECT_EQ(0x11001af4, cfg_read(&self->c, PCI_SUBSYSTEM_VENDOR_ID, 4));
	EXPECT_EQ(1, cfg_read(&self->c, PCI_INTERRUPT_PIN, 1));
	EXPECT_EQ(0, cfg_read(&self->c, PCI_HEADER_TYPE, 1));
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_IO, cfg_read(&self->c, PCI_BASE_ADDRESS_0, 4));
	/* BAR sizing: 32 bytes of 16-bit I/O; no other BAR, no ROM. */
	cfg_write(&self->c, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	EXPECT_EQ(0xffe1, cfg_read(&self->c, PCI_BASE_ADDRESS_0, 4));
	cfg_write(&self->c, PCI_BASE_ADDRESS_0, 4, 0xc040);
	EXPECT_EQ(0xc041, cfg_read(&self->c, PCI_BASE_ADDRESS_0, 4));
	for (i = PCI_BASE_ADDRESS_1; i <= PCI_BASE_ADDRESS_5; i += 4) {
		cfg_write(&self->c, i, 4, 0xffffffff);
		EXPECT_EQ(0, cfg_read(&self->c, i, 4));
	}
	cfg_write(&self->c, PCI_ROM_ADDRESS, 4, 0xffffffff);
	EXPECT_EQ(0, cfg_read(&self->c, PCI_ROM_ADDRESS, 4));
	/* The header is read-only but for the command and interrupt line. */
	cfg_write(&self->c, PCI_VENDOR_ID, 4, 0x12345678);
	EXPECT_EQ(0x00041b36, cfg_read(&self->c, PCI_VENDOR_ID, 4));
	cfg_write(&self->c, PCI_COMMAND, 2, 0xffff);
	EXPECT_EQ(PCI_COMMAND_IO | PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
		  PCI_COMMAND_INTX_DISABLE, cfg_read(&self->c, PCI_COMMAND, 2));
	cfg_write(&self->c, PCI_INTERRUPT_LINE, 1, 11);
	EXPECT_EQ(11, cfg_read(&self->c, PCI_INTERRUPT_LINE, 1));
	EXPECT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, cfg_read(&self->c, PCI_COMMAND, 2));
	EXPECT_EQ(PCI_BASE_ADDRESS_SPACE_IO, cfg_read(&self->c, PCI_BASE_ADDRESS_0, 4));
}

TEST_F(card, intx_is_automasked_and_fires_again_on_unmask)
{
	int efd = eventfd(0, EFD_CLOEXEC), ufd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_LE(0, ufd);
	cfg_write(&self->c, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd));
	EXPECT_EQ(0, signalled(efd, 100));

	/* Port 1: OUT2 and IER.THRI raise its THRE interrupt. */
	bar_write(&self->c, 8 + UART_MCR, UART_MCR_OUT2);
	bar_write(&self->c, 8 + UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd, 1000));
	EXPECT_TRUE(cfg_read(&self->c, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	EXPECT_EQ(0, signalled(efd, 200));
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 1, -1));
	EXPECT_EQ(1, signalled(efd, 1000));

	/* Reading IIR takes THRE: the line drops, and unmask is quiet. */
	EXPECT_EQ(UART_IIR_THRI, bar_read(&self->c, 8 + UART_IIR) & UART_IIR_ID);
	EXPECT_FALSE(cfg_read(&self->c, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 1, -1));
	EXPECT_EQ(0, signalled(efd, 200));

	/* Two ports high at once: one line. Port 3 too, then port 1 again. */
	bar_write(&self->c, 24 + UART_MCR, UART_MCR_OUT2);
	bar_write(&self->c, 24 + UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd, 1000));
	bar_write(&self->c, 8 + UART_IER, 0);
	bar_write(&self->c, 8 + UART_IER, UART_IER_THRI);
	EXPECT_EQ(0, signalled(efd, 200));

	/* The unmask eventfd (QEMU under KVM hands it the resample fd). */
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 1, ufd));
	eventfd_write(ufd, 1);
	EXPECT_EQ(1, signalled(efd, 2000));
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, 1, -1));
	eventfd_write(ufd, 1);
	EXPECT_EQ(1, signalled(efd, 2000));

	/* The command register's INTx Disable holds the line back. */
	cfg_write(&self->c, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_INTX_DISABLE);
	eventfd_write(ufd, 1);
	EXPECT_EQ(0, signalled(efd, 300));
	cfg_write(&self->c, PCI_COMMAND, 2, PCI_COMMAND_IO);
	EXPECT_EQ(1, signalled(efd, 1000));

	/* Only INTx and the request IRQ exist; a mask has no eventfd. */
	EXPECT_EQ(-EINVAL, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
				    VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_MASK, 1, ufd));
	EXPECT_EQ(-EINVAL, set_irqs(self->c.dev, VFIO_PCI_MSI_IRQ_INDEX,
				    VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 1, -1));
	EXPECT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, -1));
	close(ufd);
	close(efd);
}

TEST_F(card, reset_and_close_drop_the_bytes_queued_for_the_guest)
{
	char buf[8] = "";
	int i, n = 0, mctrl;

	cfg_write(&self->c, PCI_COMMAND, 2, PCI_COMMAND_IO);
	bar_write(&self->c, UART_LCR, UART_LCR_WLEN8);
	ASSERT_EQ(2, write(self->tty, "hi", 2));
	usleep(200000);
	for (i = 0; i < 10 && n < 2; i++)
		if (bar_read(&self->c, UART_LSR) & UART_LSR_DR)
			buf[n++] = bar_read(&self->c, UART_RX);
	EXPECT_STREQ("hi", buf);
	bar_write(&self->c, UART_TX, 'O');
	bar_write(&self->c, UART_TX, 'K');
	usleep(300000);
	EXPECT_EQ(2, read(self->tty, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "OK", 2));

	ASSERT_EQ(5, write(self->tty, "stale", 5));
	usleep(200000);
	EXPECT_TRUE(bar_read(&self->c, UART_LSR) & UART_LSR_DR);
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_RESET));
	usleep(200000);
	EXPECT_FALSE(bar_read(&self->c, UART_LSR) & UART_LSR_DR);
	EXPECT_EQ(0, bar_read(&self->c, UART_LCR));
	EXPECT_EQ(0, bar_read(&self->c, UART_IER));

	/*
	 * Closing the device (QEMU exits or is killed) does the same. The
	 * host end sees the close's own reset (the guest's DTR, its DSR and
	 * DCD, drops) before anything opens the card again.
	 */
	ASSERT_EQ(5, write(self->tty, "stale", 5));
	bar_write(&self->c, UART_MCR, UART_MCR_DTR);
	usleep(200000);
	ASSERT_EQ(0, ioctl(self->tty, TIOCMGET, &mctrl));
	EXPECT_TRUE(mctrl & TIOCM_DSR);
	close(self->c.dev);
	usleep(200000);
	ASSERT_EQ(0, ioctl(self->tty, TIOCMGET, &mctrl));
	EXPECT_FALSE(mctrl & (TIOCM_DSR | TIOCM_CD));
	self->c.dev = ioctl(self->c.group, VFIO_GROUP_GET_DEVICE_FD, UUID_A);
	ASSERT_LE(0, self->c.dev);
	usleep(200000);
	EXPECT_FALSE(bar_read(&self->c, UART_LSR) & UART_LSR_DR);
}

TEST_F(card, a_trigger_of_minus_one_also_drops_the_unmask_eventfd)
{
	int efd = eventfd(0, EFD_CLOEXEC), ufd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_LE(0, ufd);
	cfg_write(&self->c, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd));
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, 1, ufd));
	/* fd -1 tears INTx down, as vfio-pci does: trigger and unmask. */
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, -1));
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, efd));
	bar_write(&self->c, UART_MCR, UART_MCR_OUT2);
	bar_write(&self->c, UART_IER, UART_IER_THRI);
	EXPECT_EQ(1, signalled(efd, 1000));
	/* Masked, and the old unmask eventfd no longer unmasks. */
	eventfd_write(ufd, 1);
	EXPECT_EQ(0, signalled(efd, 500));
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, 1, -1));
	EXPECT_EQ(1, signalled(efd, 1000));
	close(ufd);
	close(efd);
}

TEST_F(card, read_and_write_move_the_file_position)
{
	__u8 val = UART_IER_RDI | UART_IER_RLSI;

	/* BAR0 is region 0: offset 0 of the device fd is port 0's THR. */
	ASSERT_EQ(0, self->c.bar);
	bar_write(&self->c, UART_LCR, UART_LCR_WLEN8);
	ASSERT_EQ(1, write(self->c.dev, "A", 1));
	ASSERT_EQ(1, write(self->c.dev, &val, 1));
	EXPECT_EQ(UART_IER_RDI | UART_IER_RLSI, bar_read(&self->c, UART_IER));
	/* Then IIR, then LCR. */
	ASSERT_EQ(1, read(self->c.dev, &val, 1));
	ASSERT_EQ(1, read(self->c.dev, &val, 1));
	EXPECT_EQ(UART_LCR_WLEN8, val);
}

TEST_F(card, remove_asks_the_user_and_waits_for_the_close)
{
	int req = eventfd(0, EFD_CLOEXEC), status;
	pid_t child;

	ASSERT_LE(0, req);
	ASSERT_EQ(0, set_irqs(self->c.dev, VFIO_PCI_REQ_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, req));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* Not a user of the card itself, or the removal waits for us. */
		close(self->c.dev);
		close(self->c.group);
		close(self->c.container);
		_exit(card_remove(UUID_A) ? 1 : 0);
	}
	EXPECT_LE(1, signalled(req, 5000));
	usleep(500000);
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));
	close(self->c.dev);
	self->c.dev = -1;
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_FALSE(path_exists(MDEVS "/" UUID_A));
	close(req);
}

/*
 * The card through iommufd (kernels with CONFIG_IOMMUFD and
 * CONFIG_VFIO_DEVICE_CDEV): its cdev is bound to an iommufd context and
 * attached to an IOAS, which for an emulated-IOMMU device are the
 * vfio_iommufd_emulated_* ops. With those kernels a device without the
 * iommufd ops is refused by vfio_register_emulated_iommu_dev() (a WARN and
 * -EINVAL), so the card's create fails and so does this test.
 */
#ifdef VFIO_DEVICE_BIND_IOMMUFD
FIXTURE(iommufd_card) {
	struct vfio_card c;
	int iommufd;
};

FIXTURE_SETUP(iommufd_card)
{
	self->c.container = -1;
	self->c.group = -1;
	self->c.dev = -1;
	self->iommufd = -1;
	if (system("modprobe -q iommufd 2> /dev/null; test -e /dev/iommu"))
		SKIP(return, "no /dev/iommu (a kernel without CONFIG_IOMMUFD)");
	ASSERT_EQ(0, vmpass_reload(PARAMS));
	ASSERT_EQ(0, card_create("4", UUID_A));
}

FIXTURE_TEARDOWN(iommufd_card)
{
	if (self->c.dev >= 0)
		close(self->c.dev);
	if (self->iommufd >= 0)
		close(self->iommufd);
	card_remove(UUID_A);
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

/* The card's VFIO device cdev, /dev/vfio/devices/vfioN, or "" with none. */
static const char *card_cdev(const char *uuid)
{
	static char path[320];
	char dir[128];
	struct dirent *d;
	DIR *dp;

	path[0] = 0;
	snprintf(dir, sizeof(dir), MDEVS "/%s/vfio-dev", uuid);
	dp = opendir(dir);
	if (!dp)
		return path;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, "vfio", 4)) {
			snprintf(path, sizeof(path), "/dev/vfio/devices/%s", d->d_name);
			break;
		}
	closedir(dp);
	if (path[0] && !path_exists(path))
		path[0] = 0;
	return path;
}

TEST_F(iommufd_card, binds_and_attaches_through_iommufd)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	const char *cdev = card_cdev(UUID_A);
	__u64 size;
	__u32 flags;

	if (!cdev[0])
		SKIP(return, "no VFIO device cdev (a kernel without CONFIG_VFIO_DEVICE_CDEV)");
	self->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->iommufd);
	self->c.dev = open(cdev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	/* An unbound cdev does nothing but bind. */
	EXPECT_EQ(-1, ioctl(self->c.dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	bind.iommufd = self->iommufd;
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	EXPECT_NE(0, bind.out_devid);
	/* Bound once only. */
	EXPECT_EQ(-1, ioctl(self->c.dev, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->iommufd, IOMMU_IOAS_ALLOC, &ioas));
	attach.pt_id = ioas.out_ioas_id;
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach));
	EXPECT_EQ(ioas.out_ioas_id, attach.pt_id);
	/* The card's access holds the IOAS. */
	destroy.id = ioas.out_ioas_id;
	EXPECT_EQ(-1, ioctl(self->iommufd, IOMMU_DESTROY, &destroy));
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, info.flags);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	self->c.cfg = region_offset(self->c.dev, VFIO_PCI_CONFIG_REGION_INDEX, &size, &flags);
	ASSERT_NE((__u64)-1, self->c.cfg);
	EXPECT_EQ(256, size);
	self->c.bar = region_offset(self->c.dev, VFIO_PCI_BAR0_REGION_INDEX, &size, &flags);
	ASSERT_NE((__u64)-1, self->c.bar);
	EXPECT_EQ(32, size);
	EXPECT_EQ(0x1b36, cfg_read(&self->c, PCI_VENDOR_ID, 2));
	EXPECT_EQ(0x0004, cfg_read(&self->c, PCI_DEVICE_ID, 2));
	/* Port 3's scratch register and LCR, through the 16550A model. */
	bar_write(&self->c, 24 + UART_SCR, 0x5a);
	EXPECT_EQ(0x5a, bar_read(&self->c, 24 + UART_SCR));
	bar_write(&self->c, 24 + UART_LCR, UART_LCR_WLEN8);
	EXPECT_EQ(UART_LCR_WLEN8, bar_read(&self->c, 24 + UART_LCR));
	EXPECT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_RESET));
	EXPECT_EQ(0, bar_read(&self->c, 24 + UART_LCR));

	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach));
	EXPECT_EQ(0, ioctl(self->iommufd, IOMMU_DESTROY, &destroy));
	/* Closing the cdev unbinds it: the card is free for the next user. */
	EXPECT_EQ(0, close(self->c.dev));
	self->c.dev = open(cdev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	ASSERT_EQ(0, ioctl(self->c.dev, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	EXPECT_EQ(0, close(self->c.dev));
	self->c.dev = -1;
	EXPECT_EQ(0, close(self->iommufd));
	self->iommufd = -1;
	EXPECT_EQ(0, card_remove(UUID_A));
	EXPECT_FALSE(path_exists(MDEVS "/" UUID_A));
}
#else
TEST(binds_and_attaches_through_iommufd)
{
	SKIP(return, "built with uapi headers without VFIO's device cdev (before 6.6)");
}
#endif

TEST_HARNESS_MAIN
