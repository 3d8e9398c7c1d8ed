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
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <linux/vmpass.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

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

#define PCI_DRV		"/sys/bus/pci/drivers/vmpass/"

/* @bdf's driver_override, "(null)" for none, in @buf. */
static const char *override_of(const char *bdf, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (read_line(path, buf, size))
		buf[0] = 0;
	return buf;
}

static bool override_is(const char *bdf, const char *want)
{
	char buf[64];

	return !strcmp(override_of(bdf, buf, sizeof(buf)), want);
}

/* Wait up to 10 s for @bdf to be bound to @driver (reprobes are deferred). */
static bool becomes_bound_to(const char *bdf, const char *driver)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (bound_to(bdf, driver))
			return true;
		usleep(50000);
	}
	return false;
}

/* Read or write one byte of @bdf's config space through sysfs. */
static int config_byte(const char *bdf, unsigned int off, int write_val)
{
	char path[128];
	unsigned char b = write_val;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write_val >= 0 ? pwrite(fd, &b, 1, off) : pread(fd, &b, 1, off);
	close(fd);
	return n == 1 ? b : -EIO;
}

/* Open @bdf through VFIO as a VMM does; the device fd, or -1. */
static int vfio_open_device(const char *bdf, int *container, int *group)
{
	char link[128], buf[128], path[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return -1;
	buf[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(buf, '/') + 1);
	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	*group = open(path, O_RDWR | O_CLOEXEC);
	if (*container < 0 || *group < 0 ||
	    ioctl(*group, VFIO_GROUP_SET_CONTAINER, container) ||
	    ioctl(*container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return -1;
	return ioctl(*group, VFIO_GROUP_GET_DEVICE_FD, bdf);
}

/* A malformed name fails the load before any tty or /dev/vmpass appears. */
TEST_F_TIMEOUT(pci, a_bad_name_fails_the_load_before_anything_appears, VMPASS_SLOW_TIMEOUT)
{
	union {
		struct inotify_event e;
		char buf[8192];
	} ev;
	int in, seen = 0;
	ssize_t n, off;

	module_unload("vmpass");
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, "/dev", IN_CREATE));
	EXPECT_EQ(-EINVAL, vmpass_load("nr_ports=2 hide=(0000:00:04.0"));
	EXPECT_EQ(-EINVAL, vmpass_load("nr_ports=2 guestdev=PNP0A08:0-"));
	while ((n = read(in, ev.buf, sizeof(ev.buf))) > 0) {
		for (off = 0; off < n; ) {
			struct inotify_event *e = (struct inotify_event *)(ev.buf + off);

			if (e->len && (!strncmp(e->name, "ttyVCOM", 7) ||
				       !strcmp(e->name, "vmpass"))) {
				TH_LOG("/dev/%s appeared", e->name);
				seen++;
			}
			off += sizeof(*e) + e->len;
		}
	}
	EXPECT_EQ(0, seen);
	close(in);
}

/* VMPASS_LIST_PCI and GET_INFO from the moment /dev/vmpass appears. */
TEST_F_TIMEOUT(pci, dev_vmpass_answers_while_the_module_comes_and_goes, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list list = { .devices = (unsigned long)devs };
	struct vmpass_info info;
	int i, status, calls = 0;
	pid_t pid;

	ASSERT_EQ(0, setup(NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		time_t end = time(NULL) + 20;

		while (time(NULL) < end) {
			int ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);

			if (ctl < 0)
				continue;
			list.count = 4;
			if (ioctl(ctl, VMPASS_LIST_PCI, &list) ||
			    ioctl(ctl, VMPASS_GET_INFO, &info))
				_exit(1);
			if (info.nr_devices > 1 || list.count > 1)
				_exit(2);
			close(ctl);
			calls++;
		}
		_exit(calls ? 0 : 3);
	}
	for (i = 0; i < 10; i++) {
		EXPECT_EQ(0, vmpass_unload());
		EXPECT_EQ(0, vmpass_load("hide=(0000:00:04.0)"));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
}

/*
 * A sysfs unbind gives the device back as remove_slot does: reset, saved
 * state, driver_override cleared, host driver probed. The device is then
 * released until new_slot names it again.
 */
TEST_F_TIMEOUT(pci, sysfs_unbind_gives_the_device_back, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:00:04.0)"));
	ASSERT_TRUE(bound_to(NIC_A, "vmpass"));
	EXPECT_TRUE(override_is(NIC_A, "vmpass"));
	ASSERT_EQ(0, write_str(PCI_DRV "unbind", NIC_A));
	EXPECT_TRUE(becomes_bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(override_is(NIC_A, "(null)"));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "0000:00:04.0=released"));
	/* Released: a probe does not give it to vmpass again by itself. */
	ASSERT_EQ(0, system("rmmod e1000"));
	EXPECT_EQ(0, write_str("/sys/bus/pci/drivers_probe", NIC_A));
	EXPECT_FALSE(bound_to(NIC_A, "vmpass"));
	ASSERT_EQ(0, system("modprobe e1000"));
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	/* new_slot names it again, and remove_slot then gives it back. */
	ASSERT_EQ(0, write_str(PCI_DRV "new_slot", "(0000:00:04.0)"));
	EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "0000:00:04.0=claimed"));
	ASSERT_EQ(0, write_str(PCI_DRV "remove_slot", "(0000:00:04.0)"));
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(override_is(NIC_A, "(null)"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
}

/*
 * driverctl, as an administrator uses it: an override naming vmpass
 * claims the device, slots and VMPASS_LIST_PCI say where the name came
 * from, unset-override gives it back, and vmpass never clears an override
 * it did not write.
 */
TEST_F_TIMEOUT(pci, driverctl_set_and_unset_override, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list list = { .count = 4, .devices = (unsigned long)devs };
	int ctl;

	if (system("command -v driverctl >/dev/null"))
		SKIP(return, "driverctl is not installed (scripts/deps installs it)");
	ASSERT_EQ(0, setup(NULL));
	ASSERT_EQ(0, system("driverctl --nosave set-override " NIC_B " vmpass"));
	EXPECT_TRUE(bound_to(NIC_B, "vmpass"));
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "driver_override 0000:00:05.0=claimed"));
	ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, ioctl(ctl, VMPASS_LIST_PCI, &list));
	ASSERT_EQ(1, list.count);
	EXPECT_EQ(0x28, devs[0].devfn);
	EXPECT_EQ(VMPASS_PCI_BY_OVERRIDE, devs[0].flags);
	close(ctl);
	EXPECT_TRUE(command_output_has("build/tools/vmpassctl devices", "(driver_override)"));

	/* An unbind leaves driverctl's override alone, as it leaves vfio-pci's. */
	ASSERT_EQ(0, write_str(PCI_DRV "unbind", NIC_B));
	usleep(500000);
	EXPECT_TRUE(override_is(NIC_B, "vmpass"));
	EXPECT_FALSE(bound_to(NIC_B, "e1000"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers_probe", NIC_B));
	EXPECT_TRUE(bound_to(NIC_B, "vmpass"));

	ASSERT_EQ(0, system("driverctl --nosave unset-override " NIC_B));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	EXPECT_TRUE(override_is(NIC_B, "(null)"));

	/*
	 * new_slot leaves a device with an override for another driver
	 * alone, and keeps no name that a later probe would take it by.
	 */
	ASSERT_EQ(0, system("driverctl --nosave set-override " NIC_B " e1000"));
	EXPECT_EQ(-EBUSY, write_str(PCI_DRV "new_slot", "(0000:00:05.0)"));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	EXPECT_TRUE(override_is(NIC_B, "e1000"));
	EXPECT_FALSE(command_output_has("cat " SLOTS, "(0000:00:05.0)"));
	EXPECT_EQ(-ENODEV, write_str(PCI_DRV "remove_slot", "(0000:00:05.0)"));
	/* With no host driver to win the reprobe, vmpass must not take it. */
	ASSERT_EQ(0, system("rmmod e1000"));
	/* Its status says whether a driver bound: none should. */
	system("driverctl --nosave unset-override " NIC_B " 2>/dev/null");
	EXPECT_TRUE(override_is(NIC_B, "(null)"));
	EXPECT_FALSE(bound_to(NIC_B, "vmpass"));
	ASSERT_EQ(0, system("modprobe e1000"));
	EXPECT_TRUE(becomes_bound_to(NIC_B, "e1000"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	EXPECT_TRUE(override_is(NIC_B, "(null)"));
}

/* How many devices VMPASS_LIST_PCI lists, or -1. */
static int nr_claimed(void)
{
	struct vmpass_pci_list list = { .count = 0 };
	int ctl, ret;

	ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	ret = ioctl(ctl, VMPASS_LIST_PCI, &list);
	close(ctl);
	return ret ? -1 : (int)list.count;
}

/*
 * driverctl set-override ... vmpass on a device vmpass holds by a name:
 * driverctl unbinds it, at once writes the override and reprobes. vmpass
 * clears the override it wrote in the unbind itself, so the one driverctl
 * writes right after is driverctl's, and names the device. (e1000 is
 * unloaded: the reprobe after the unbind would otherwise hand it the NIC
 * before driverctl writes the override.)
 */
TEST_F_TIMEOUT(pci, driverctl_override_of_a_named_device_is_kept, VMPASS_SLOW_TIMEOUT)
{
	int i;

	if (system("command -v driverctl >/dev/null"))
		SKIP(return, "driverctl is not installed (scripts/deps installs it)");
	ASSERT_EQ(0, setup("hide=(0000:00:04.0)"));
	ASSERT_EQ(0, system("rmmod e1000"));
	for (i = 0; i < 5; i++) {
		ASSERT_TRUE(bound_to(NIC_A, "vmpass"));
		EXPECT_TRUE(override_is(NIC_A, "vmpass"));
		EXPECT_EQ(0, system("driverctl --nosave set-override " NIC_A " vmpass"));
		usleep(200000);	/* the reprobe work has run */
		EXPECT_TRUE(bound_to(NIC_A, "vmpass")) TH_LOG("round %d", i);
		EXPECT_TRUE(override_is(NIC_A, "vmpass")) TH_LOG("round %d", i);
		EXPECT_TRUE(command_output_has("cat " SLOTS,
					       "driver_override 0000:00:04.0=claimed"));
		/* Unset: the name still covers it, and claims it again. */
		EXPECT_EQ(0, system("driverctl --nosave unset-override " NIC_A));
		EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
		EXPECT_TRUE(override_is(NIC_A, "(null)"));
		/* Back to held by the name with vmpass's own override. */
		ASSERT_EQ(0, write_str(PCI_DRV "remove_slot", "(0000:00:04.0)"));
		EXPECT_FALSE(bound_to(NIC_A, "vmpass"));
		ASSERT_EQ(0, write_str(PCI_DRV "new_slot", "(0000:00:04.0)"));
	}
	ASSERT_EQ(0, system("modprobe e1000"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(becomes_bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(override_is(NIC_A, "(null)"));
}

/*
 * A claimed device, and a released one, removed through sysfs (as a hot
 * removal does) and found again by a rescan: the name claims the new one,
 * vmpass forgets the old, and rmmod gives back what it holds.
 */
TEST_F_TIMEOUT(pci, removed_devices_are_forgotten, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:00:04.0)(0000:00:05.0)"));
	EXPECT_CLAIMED(NIC_A, NIC_B);
	/* 00:05.0 released by an unbind; e1000 has it again. */
	ASSERT_EQ(0, write_str(PCI_DRV "unbind", NIC_B));
	EXPECT_TRUE(becomes_bound_to(NIC_B, "e1000"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/devices/" NIC_A "/remove", "1"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/devices/" NIC_B "/remove", "1"));
	EXPECT_FALSE(path_exists("/sys/bus/pci/devices/" NIC_A));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "(0000:00:04.0) absent"));
	EXPECT_EQ(0, nr_claimed());
	/* New devices (e1000 away, or it would probe them first): the names claim them. */
	ASSERT_EQ(0, system("rmmod e1000"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/rescan", "1"));
	EXPECT_TRUE(becomes_bound_to(NIC_A, "vmpass"));
	EXPECT_TRUE(becomes_bound_to(NIC_B, "vmpass"));
	EXPECT_FALSE(command_output_has("cat " SLOTS, "released"));
	EXPECT_EQ(2, nr_claimed());
	ASSERT_EQ(0, system("modprobe e1000"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(becomes_bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(becomes_bound_to(NIC_B, "e1000"));
}

/*
 * The give-back restores the config space the host driver left, not what
 * it became while claimed (a VMM's VFIO open and close in between, and
 * writes after them):
 * PCI_CACHE_LINE_SIZE and PCI_INTERRUPT_LINE, which e1000e never writes,
 * read back before e1000e can probe again.
 */
TEST_F_TIMEOUT(pci, give_back_restores_the_host_drivers_config_space, VMPASS_SLOW_TIMEOUT)
{
	static const unsigned int regs[] = { PCI_CACHE_LINE_SIZE, PCI_INTERRUPT_LINE };
	int before[2], container = -1, group = -1, dev;
	unsigned int i;

	module_unload("vmpass");
	ASSERT_EQ(0, system("modprobe e1000e"));
	for (i = 0; i < 2; i++) {
		before[i] = config_byte(NIC_RP, regs[i], -1);
		ASSERT_LE(0, before[i]);
	}
	ASSERT_EQ(0, setup("hide=(0000:01:00.0)"));
	ASSERT_TRUE(bound_to(NIC_RP, "vmpass"));
	/*
	 * Runtime PM kept active: VFIO lets an idle device go to D3hot, and
	 * each runtime resume restores the state saved at the last suspend,
	 * which would undo the writes below whatever the give-back does.
	 */
	ASSERT_EQ(0, write_str("/sys/bus/pci/devices/" NIC_RP "/power/control", "on"));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0x10, config_byte(NIC_RP, regs[i], 0x10));
	dev = vfio_open_device(NIC_RP, &container, &group);
	ASSERT_LE(0, dev);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0x20, config_byte(NIC_RP, regs[i], 0x20));
	close(dev);
	close(group);
	close(container);
	for (i = 0; i < 2; i++)
		TH_LOG("reg 0x%02x: host 0x%02x, after the VMM 0x%02x", regs[i], before[i],
		       config_byte(NIC_RP, regs[i], -1));
	/*
	 * VFIO's close restores what its open saved, so change them again
	 * after it: the give-back must not keep what it finds at unbind
	 * (pci_reset_function() saves and restores the current state).
	 */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0x30, config_byte(NIC_RP, regs[i], 0x30));
		ASSERT_EQ(0x30, config_byte(NIC_RP, regs[i], -1));
		ASSERT_NE(before[i], 0x30);
	}
	ASSERT_EQ(0, system("rmmod e1000e"));
	ASSERT_EQ(0, write_str(PCI_DRV "remove_slot", "(0000:01:00.0)"));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(before[i], config_byte(NIC_RP, regs[i], -1))
			TH_LOG("reg 0x%02x", regs[i]);
	ASSERT_EQ(0, system("modprobe e1000e"));
	EXPECT_TRUE(becomes_bound_to(NIC_RP, "e1000e"));
	vmpass_unload();
}

static bool any_virtio_bound_to_vmpass(void)
{
	return command_output_has("cat " PCI_DRV "0000:*/vendor 2>/dev/null", "0x1af4");
}

/*
 * A wildcard takes no bridge (any class 0x06xx), nothing behind a bridge
 * it matches, and nothing the host's root filesystem or console may
 * depend on; an exact name still does.
 */
TEST_F_TIMEOUT(pci, wildcards_spare_bridges_and_what_the_host_depends_on, VMPASS_SLOW_TIMEOUT)
{
	ASSERT_EQ(0, setup("hide=(0000:00:1f.*)"));
	EXPECT_FALSE(bound_to("0000:00:1f.0", "vmpass"));	/* LPC bridge, 0x0601 */
	EXPECT_FALSE(bound_to("0000:00:1f.2", "vmpass"));	/* AHCI, storage */
	EXPECT_TRUE(command_output_has("cat " SLOTS, "0000:00:1f.2=host-depends"));
	EXPECT_TRUE(command_output_has("dmesg", "1f.0: vmpass: not claimed: a bridge (class 0x06"));

	/* The whole root bus: its endpoints only, not the 9p root's virtio device. */
	ASSERT_EQ(0, setup("hide=(0000:00:*.*)"));
	EXPECT_CLAIMED(NIC_A, NIC_B);
	EXPECT_FALSE(any_virtio_bound_to_vmpass());
	EXPECT_EQ(0, system("ls / >/dev/null"));
	EXPECT_TRUE(bound_to(ROOT_PORT, "pcieport"));

	/* Named exactly, the AHCI controller is claimed. */
	ASSERT_EQ(0, setup("hide=(0000:00:1f.2)"));
	EXPECT_TRUE(bound_to("0000:00:1f.2", "vmpass"));
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_FALSE(bound_to("0000:00:1f.2", "vmpass"));
}

/* drivers/pci/pcie/aer_inject.c's record, as /dev/aer_inject reads it. */
struct aer_error_inj {
	__u8 bus, dev, fn;
	__u32 uncor_status, cor_status;
	__u32 header_log0, header_log1, header_log2, header_log3;
	__u32 domain;
};

/*
 * AER: a non-fatal error injected on the e1000e behind the root port
 * (CONFIG_PCIEAER_INJECT) reaches the VMM through VFIO_PCI_ERR_IRQ, and
 * the recovery of the subtree succeeds.
 */
TEST_F_TIMEOUT(pci, aer_error_reaches_the_vmm_and_recovery_succeeds, VMPASS_SLOW_TIMEOUT)
{
	struct aer_error_inj einj = {
		.bus = 1, .dev = 0, .fn = 0,
		.uncor_status = 0x00008000,	/* PCI_ERR_UNC_COMP_ABORT: non-fatal */
	};
	char irqbuf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *irq = (struct vfio_irq_set *)irqbuf;
	int container = -1, group = -1, dev, efd, inj, kmsg;
	struct pollfd pfd;

	if (system("modprobe aer_inject 2>/dev/null") || !path_exists("/dev/aer_inject"))
		SKIP(return, "no aer_inject (CONFIG_PCIEAER_INJECT)");
	ASSERT_EQ(0, setup("hide=(0000:01:00.0)"));
	dev = vfio_open_device(NIC_RP, &container, &group);
	ASSERT_LE(0, dev);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	irq->argsz = sizeof(irqbuf);
	irq->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	irq->index = VFIO_PCI_ERR_IRQ_INDEX;
	irq->start = 0;
	irq->count = 1;
	memcpy(irq->data, &efd, sizeof(efd));
	ASSERT_EQ(0, ioctl(dev, VFIO_DEVICE_SET_IRQS, irq));

	kmsg = kmsg_open_at_end();
	inj = open("/dev/aer_inject", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, inj);
	ASSERT_EQ(sizeof(einj), write(inj, &einj, sizeof(einj)));
	close(inj);
	pfd.fd = efd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 20000));
	sleep(1);
	EXPECT_FALSE(kmsg_has(kmsg, "device recovery failed"));
	close(kmsg);
	EXPECT_TRUE(command_output_has("dmesg", "AER: device recovery successful"));

	close(efd);
	close(dev);
	close(group);
	close(container);
	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_RP, "e1000e"));
}

/* How many lines of the kernel log contain @needle. */
static int dmesg_count(const char *needle)
{
	char cmd[256], line[64];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -c -F '%s'", needle);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(line, sizeof(line), p))
		n = atoi(line);
	pclose(p);
	return n;
}

static bool booted_without_iommu(void)
{
	return command_output_has("cat /proc/cmdline", "intel_iommu=off") &&
	       !path_exists("/sys/class/iommu/dmar0");
}

#define NO_IOMMU_HINT "VFIO needs an IOMMU and none is enabled"

/*
 * Run with intel_iommu=off on the kernel command line (scripts/check
 * boots a VM for it): a named device is still claimed and hidden, slots,
 * VMPASS_LIST_PCI and vmpassctl say VFIO is unavailable, dmesg says once
 * how to enable it, and new_slot claims on the same terms.
 */
TEST_F_TIMEOUT(pci, no_iommu_named_devices_are_hidden, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list list = { .count = 4, .devices = (unsigned long)devs };
	char buf[512];
	int ctl;

	if (!booted_without_iommu())
		SKIP(return, "needs intel_iommu=off on the kernel command line");
	ASSERT_EQ(0, setup("hide=(0000:00:04.0)"));
	EXPECT_TRUE(bound_to(NIC_A, "vmpass"));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
	EXPECT_FALSE(has_vfio_group(NIC_A));
	ASSERT_EQ(0, read_line(SLOTS, buf, sizeof(buf)));
	EXPECT_STREQ("(0000:00:04.0) 0000:00:04.0=no-iommu", buf);

	ctl = open("/dev/vmpass", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, ctl);
	ASSERT_EQ(0, ioctl(ctl, VMPASS_LIST_PCI, &list));
	ASSERT_EQ(1, list.count);
	EXPECT_EQ(VMPASS_PCI_NO_VFIO, devs[0].state);
	EXPECT_EQ(-1, devs[0].iommu_group);
	close(ctl);
	EXPECT_TRUE(command_output_has("build/tools/vmpassctl devices", "no-vfio"));

	/* new_slot claims the second NIC on the same terms. */
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/new_slot", "(0000:00:05.0)"));
	EXPECT_TRUE(bound_to(NIC_B, "vmpass"));
	EXPECT_TRUE(command_output_has("cat " SLOTS, "0000:00:05.0=no-iommu"));
	EXPECT_EQ(1, dmesg_count(NO_IOMMU_HINT));
	EXPECT_EQ(1, dmesg_count("in the firmware, and on Intel boot with intel_iommu=on"));
	ASSERT_EQ(0, write_str("/sys/bus/pci/drivers/vmpass/remove_slot", "(0000:00:05.0)"));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));

	ASSERT_EQ(0, vmpass_unload());
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
	EXPECT_TRUE(bound_to(NIC_B, "e1000"));
}

TEST_HARNESS_MAIN
