// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI stub, in a VM booted by scripts/check with this topology
 * (PCI_TOPOLOGY in scripts/check):
 *
 *   00:04.0, 00:05.0  two identical e1000 on the root bus
 *   00:06.0 -> 01:00.0  an e1000e behind a pcie-root-port
 *   00:07.0 -> 02:00.0 -> 03:01.0  an e1000 behind a root port and a
 *                      pcie-pci-bridge (a three-hop ACPI path)
 *   pxb-pcie root bus 0x80 (_UID 128) -> 80:00.0 -> 81:00.0  an e1000e
 *
 * Exactly the named devices are claimed, by BDF, ACPI path and wildcard;
 * taken over from e1000 at insmod, given back at rmmod and remove_slot;
 * offered through VFIO to a C test and to unmodified QEMU.
 */
#include <linux/vfio.h>
#include <linux/vmpass.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vmpass_util.h"

#define NIC_A		"0000:00:04.0"
#define NIC_B		"0000:00:05.0"
#define NIC_RP		"0000:01:00.0"
#define ROOT_PORT	"0000:00:06.0"
#define NIC_3HOP	"0000:03:01.0"
#define NIC_PXB		"0000:81:00.0"
#define SLOTS		"/sys/bus/pci/drivers/vmpass/slots"

static const char * const all_nics[] = { NIC_A, NIC_B, NIC_RP, NIC_3HOP, NIC_PXB };

/* The driver bound to @bdf ("" for none), in @buf. */
static const char *driver_of(const char *bdf, char *buf, size_t size)
{
	char link[128];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	return strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
}

static bool bound_to(const char *bdf, const char *driver)
{
	char buf[128];

	return !strcmp(driver_of(bdf, buf, sizeof(buf)), driver);
}

/* Host drivers in place, vmpass loaded with @params. */
static int setup(const char *params)
{
	module_unload("vmpass");
	if (system("modprobe -a e1000 e1000e vfio_iommu_type1"))
		return -1;
	return vmpass_load(params);
}

static bool has_vfio_group(const char *bdf)
{
	char link[128], buf[128], dev[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	snprintf(dev, sizeof(dev), "/dev/vfio/%s", strrchr(buf, '/') + 1);
	return path_exists(dev);
}

/* Only the devices in @claimed are vmpass's; the other NICs are not. */
static void expect_claimed(struct __test_metadata *_metadata,
			   const char *const *claimed, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(all_nics); i++) {
		bool want = false;

		for (j = 0; j < n; j++)
			want |= !strcmp(all_nics[i], claimed[j]);
		EXPECT_EQ(want, bound_to(all_nics[i], "vmpass")) TH_LOG("%s", all_nics[i]);
		if (want)
			EXPECT_TRUE(has_vfio_group(all_nics[i])) TH_LOG("%s", all_nics[i]);
	}
}

#define EXPECT_CLAIMED(...) do {					\
	static const char *const _c[] = { __VA_ARGS__ };		\
	expect_claimed(_metadata, _c, ARRAY_SIZE(_c));			\
} while (0)

/* No state of its own: a fixture for the longer timeout. */
FIXTURE(pci) {
	int unused;
};

FIXTURE_SETUP(pci)
{
}

FIXTURE_TEARDOWN(pci)
{
}

TEST_F_TIMEOUT(pci, one_of_two_identical_nics_by_bdf, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:00:04.0)"));
	EXPECT_CLAIMED(NIC_A);
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));	/* given back */
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
}

TEST_F_TIMEOUT(pci, one_of_two_identical_nics_by_acpi_path, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("guestdev=PNP0A08:0-05.0"));
	EXPECT_CLAIMED(NIC_B);
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	/* The root's _CID works as well as its _HID; no UID means _UID 0. */
	ASSERT_EQ(0, setup("guestdev=PNP0A03-05.0"));
	EXPECT_CLAIMED(NIC_B);
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
}

TEST_F_TIMEOUT(pci, wildcards_and_domainless_bdfs, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:03:*.*)"));
	EXPECT_CLAIMED(NIC_3HOP);
	ASSERT_EQ(0, setup("hide=\"(00:05.*) (81:00.0)\""));
	EXPECT_CLAIMED(NIC_B, NIC_PXB);
	ASSERT_EQ(0, setup("guestdev=0000:00:04.*,01:00.0"));
	EXPECT_CLAIMED(NIC_A, NIC_RP);
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, three_hop_path_and_a_nonzero_uid, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("guestdev=PNP0A08:0-07.0-00.0-01.0,PNP0A08:128-00.0-00.0"));
	EXPECT_CLAIMED(NIC_3HOP, NIC_PXB);
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, naming_a_bridge_claims_what_is_behind_it, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("guestdev=PNP0A08:0-06.0"));
	EXPECT_CLAIMED(NIC_RP);
	EXPECT_TRUE(bound_to(ROOT_PORT, "pcieport"));
	ASSERT_EQ(0, setup("hide=(0000:00:06.0)"));
	EXPECT_CLAIMED(NIC_RP);
	EXPECT_TRUE(bound_to(ROOT_PORT, "pcieport"));
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, a_name_that_matches_nothing_is_reported_not_refused, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:00:0c.0) guestdev=PNP0A08:7-01.0"));
	EXPECT_CLAIMED();
	EXPECT_TRUE(command_output_has("dmesg", "vmpass: (0000:00:0c.0) matches no device"));
	EXPECT_TRUE(command_output_has("dmesg", "vmpass: PNP0A08:7-01.0 matches no device"));
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, new_slot_remove_slot_and_slots, VMPASS_SLOW_TIMEOUT)
{
	char buf[512];

	ASSERT_EQ(0, setup(NULL));
	EXPECT_CLAIMED();
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "PNP0A08:0-04.0\n"));
	EXPECT_CLAIMED(NIC_A);
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "(0000:00:0d.0)"));
	ASSERT_EQ(0, read_line(SLOTS, buf, sizeof(buf)));
	EXPECT_STREQ("PNP0A08:0-04.0 0000:00:04.0=claimed", buf);
	EXPECT_TRUE(command_output_has("cat " SLOTS, "(0000:00:0d.0) absent"));

	EXPECT_EQ(-EINVAL, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "(0000:00:04.0"));
	EXPECT_EQ(-EINVAL, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "PNP0A08:0-"));
	EXPECT_EQ(-ENODEV, write_str("/sys/bus/pci/drivers/vmpass/remove_slot", "(0000:00:0e.0)"));

	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/remove_slot", "PNP0A08:0-04.0"));
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/remove_slot", "0000:00:0d.0"));
	ASSERT_EQ(0, read_line(SLOTS, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, dev_vmpass_lists_claimed_devices, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list list = { .count = 4, .devices = (unsigned long)devs };
	int ctl;

	ASSERT_EQ(0, setup("hide=(0000:00:04.0) guestdev=PNP0A08:0-07.0-00.0-01.0"));
	ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	memset(devs, 0xaa, sizeof(devs));
	ASSERT_EQ(0, ioctl(ctl, VMPASS_LIST_PCI, &list));
	ASSERT_EQ(2, list.count);
	EXPECT_EQ(0, devs[0].domain);
	EXPECT_EQ(0x8086, devs[0].vendor);
	EXPECT_LE(0, devs[0].iommu_group);
	EXPECT_EQ(VMPASS_PCI_CLAIMED, devs[0].state);
	for (unsigned int i = 0; i < 2; i++) {
		const char *want = devs[i].bus == 3 ? "PNP0A08:0-07.0-00.0-01.0" : "";

		EXPECT_STREQ(want, devs[i].path);
	}
	list.count = 1;
	ASSERT_EQ(0, ioctl(ctl, VMPASS_LIST_PCI, &list));
	EXPECT_EQ(2, list.count);
	list.reserved = 1;
	EXPECT_EQ(-1, ioctl(ctl, VMPASS_LIST_PCI, &list));
	EXPECT_EQ(EINVAL, errno);
	close(ctl);
	vmpass_unload();
}

TEST_F_TIMEOUT(pci, bdf2path_and_path2bdf_round_trip, VMPASS_SLOW_TIMEOUT)
{
	EXPECT_EQ(0, system("selftests/vmpass/pci_roundtrip.sh"));
	EXPECT_TRUE(command_output_has("scripts/bdf2path " NIC_3HOP, "PNP0A08:0-07.0-00.0-01.0"));
	EXPECT_TRUE(command_output_has("scripts/bdf2path " NIC_PXB, "PNP0A08:128-00.0-00.0"));
	EXPECT_TRUE(command_output_has("scripts/path2bdf PNP0A03:0-06.0-00.0", NIC_RP));
	EXPECT_NE(0, system("scripts/path2bdf PNP0A08:5-04.0 2>/dev/null"));
	EXPECT_NE(0, system("scripts/bdf2path 0000:00:1e.7 2>/dev/null"));
}

/* Open the device through VFIO as a VMM does: config space, BAR0, reset. */
TEST_F_TIMEOUT(pci, vfio_group_device_config_bar_reset, VMPASS_SLOW_TIMEOUT)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	struct vfio_region_info bar0 = {
		.argsz = sizeof(bar0), .index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	char link[128], buf[128], path[64];
	int container, group, dev;
	unsigned short vendor = 0;
	ssize_t n;

	ASSERT_EQ(0, setup("hide=(0000:01:00.0)"));
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", NIC_RP);
	n = readlink(link, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(buf, '/') + 1);

	container = open("/dev/vfio/vfio", O_RDWR);
	ASSERT_LE(0, container);
	group = open(path, O_RDWR);
	ASSERT_LE(0, group);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_GET_STATUS, &gs));
	ASSERT_TRUE(gs.flags & VFIO_GROUP_FLAGS_VIABLE);
	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_SET_CONTAINER, &container));
	ASSERT_EQ(0, ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, NIC_RP);
	ASSERT_LE(0, dev);

	ASSERT_EQ(0, ioctl(dev, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	ASSERT_EQ(0, ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &cfg));
	ASSERT_EQ(2, pread(dev, &vendor, 2, cfg.offset + 0));
	EXPECT_EQ(0x8086, vendor);
	ASSERT_EQ(0, ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &bar0));
	EXPECT_LT(0, bar0.size);
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_RESET);
	EXPECT_EQ(0, ioctl(dev, VFIO_DEVICE_RESET));

	/* While it is open, remove_slot refuses and slots says so. */
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "(0000:01:00.0)"));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "0000:01:00.0=in-use"));
	EXPECT_EQ(-EBUSY, write_str("/sys/bus/pci/drivers/vmpass/remove_slot", "(0000:01:00.0)"));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "vmpass", O_NONBLOCK));

	close(dev);
	close(group);
	close(container);
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_RP, "e1000e"));
}

/* The host's own QEMU, unmodified, realizes the device with vfio-pci. */
TEST_F_TIMEOUT(pci, unmodified_qemu_takes_the_device, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("guestdev=PNP0A08:0-06.0-00.0"));
	EXPECT_TRUE(command_output_has("selftests/vmpass/qemu_info_pci.sh " NIC_RP,
				       "Ethernet controller: PCI device 8086:10d3"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_RP, "e1000e"));
}

/*
 * Run with vmpass.guestdev= on the kernel command line (scripts/check
 * boots a VM for it): vmpass, loaded before any NIC driver as from an
 * initramfs, holds the named NIC when e1000 comes.
 */
TEST_F_TIMEOUT(pci, boot_line_names_win_the_race, VMPASS_SLOW_TIMEOUT)
{
	if (!command_output_has("cat /proc/cmdline", "vmpass.guestdev=PNP0A08:0-04.0"))
		SKIP(return, "needs vmpass.guestdev=PNP0A08:0-04.0 on the kernel command line");
	ASSERT_TRUE(proc_modules_has("vmpass"));
	EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
	EXPECT_FALSE(proc_modules_has("e1000"));
	ASSERT_EQ(0, system("modprobe e1000"));
	EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	EXPECT_TRUE(has_vfio_group(NIC_A));
}

TEST_HARNESS_MAIN
