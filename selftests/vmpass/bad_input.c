// SPDX-License-Identifier: GPL-2.0
/*
 * The bad-input catalogue: every way an administrator or a VMM can hand
 * vmpass malformed input, each with the errno it must get, and a check
 * that nothing was claimed, changed or lost. Run in the PCI test VM
 * (two e1000 NICs at 00:04.0 and 00:05.0); without those NICs the checks
 * on them are skipped.
 *
 *   module parameters   hide=, guestdev=, io=, irq=, nr_ports=: the load
 *                       fails with -EINVAL and a "vmpass:" line, no tty,
 *                       no /dev/vmpass, the NICs stay on e1000;
 *   sysfs writes        new_slot, remove_slot, iobase, irq: overlong,
 *                       embedded NULs, half a BDF, out of range;
 *   ioctls              each with NULL, unmapped and truncated pointers,
 *                       nonzero reserved fields, the wrong size or fd;
 *   pread/pwrite        huge lengths and offsets;
 *   security            root only; no kernel memory in padding; a port
 *                       fd handed to another process.
 */
#include <linux/serial_reg.h>
#include <linux/vmpass.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vmpass_util.h"

#define NIC_A		"0000:00:04.0"
#define NIC_B		"0000:00:05.0"
#define PCI_DRV		"/sys/bus/pci/drivers/vmpass/"
#define VCOM0		"/sys/class/tty/ttyVCOM0/"
#define TWO_PORTS	"io=0x3f8,0x2f8 irq=4,3"

static const char * const bad_module_params[] = {
	/* io= */
	"io=0x3f8,0x3f8",			/* the same range twice */
	"io=0x3f8,0x3fc",			/* overlapping ranges */
	"io=0x2f8,0x3f8,0x2f9",
	"io=0xfff9",				/* past the I/O space */
	"io=0x10000",
	"io=-1",
	"io=abc",
	"io=0x3f8,,0x2f8",
	"io=0x3f8,0x2f8,0x3e8,0x2e8,0x3e0",	/* 5 entries, 4 ports */
	"nr_ports=2 io=0x3f8,0x2f8,0x3e8",
	"io=0x",
	"io=0x3f8,",
	"io=,0x3f8",
	"io=0x3f8:0x2f8",
	"io=1e3",
	"io=0x3f8.0",
	"io=99999999999999999999",
	/* irq= */
	"irq=16",
	"irq=2",				/* the cascade */
	"irq=-3",
	"irq=4,3,5,255",
	"irq=x",
	"irq=4,3,4,3,5",			/* 5 entries, 4 ports */
	"nr_ports=1 irq=4,3",
	"io=0x3f8 irq=99",
	"irq=4,",
	"irq=,4",
	"irq=3.5",
	"irq=0x",
	"irq=4294967300",
	/* nr_ports= */
	"nr_ports=129",
	"nr_ports=-1",
	"nr_ports=many",
	"nr_ports=1000",
	"nr_ports=0x",
	"nr_ports=4.5",
	"nr_ports=4294967297",
	/* hide= */
	"hide=0000:00:04.0", "hide=(0000:00:04.0", "hide=(0000:00:04.0)x",
	"hide=()", "hide=(0000:00:04)", "hide=(0000:0g:04.0)", "hide=(10000:00:04.0)",
	"hide=(0000:100:04.0)", "hide=(0000:00:20.0)", "hide=(0000:00:04.8)",
	"hide=(0000:00:*.0)", "hide=(0000:00:04.**)", "hide=(00.04.0)", "hide=(:00:04.0)",
	"hide=(0:0:0:4.0)", "hide=((0000:00:04.0))", "hide=(0000:00:04.0))",
	"hide=(0000:00:04.0)(0000:00:0",
	/* guestdev= */
	"guestdev=,", "guestdev=00:04.0,", "guestdev=00:04.0,,00:05.0",
	"guestdev=PNP0A08", "guestdev=PNP0A08:", "guestdev=PNP0A08:0", "guestdev=PNP0A08-",
	"guestdev=PNP0A08-04", "guestdev=PNP0A08-04.8", "guestdev=PNP0A08-20.0",
	"guestdev=PNP0A08-04.0-", "guestdev=PNP0A08XX-04.0", "guestdev=PNP0A08:123456789-04.0",
	"guestdev=-04.0", "guestdev=(0000:00:04.0)", "guestdev=0000:00:04",
	"guestdev=PNP0A08:0--04.0", "guestdev=PNP0A08:0-4.0.0",
	/* good COM parameters do not save a bad PCI name, nor the reverse */
	"io=0x3f8 irq=4 hide=(0000:00:04.0)x",
	"hide=(0000:00:04.0) io=0x3f8,0x3f8",
};

static bool nic_present(const char *bdf)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	return path_exists(path);
}

static bool bound_to(const char *bdf, const char *driver)
{
	char link[96], buf[128];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return !*driver;
	buf[n] = 0;
	return !strcmp(strrchr(buf, '/') + 1, driver);
}

static bool nics_on_e1000(void)
{
	return (!nic_present(NIC_A) || bound_to(NIC_A, "e1000")) &&
	       (!nic_present(NIC_B) || bound_to(NIC_B, "e1000"));
}

FIXTURE(params) {
	int unused;
};

FIXTURE_SETUP(params)
{
	module_unload("vmpass_8250_guest");
	module_unload("vmpass");
	if (nic_present(NIC_A))
		ASSERT_EQ(0, system("modprobe e1000"));
}

FIXTURE_TEARDOWN(params)
{
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

TEST_F_TIMEOUT(params, each_bad_module_parameter_fails_the_load_cleanly, VMPASS_SLOW_TIMEOUT)
{
	unsigned int i;

	ASSERT_LE(60, ARRAY_SIZE(bad_module_params));
	for (i = 0; i < ARRAY_SIZE(bad_module_params); i++) {
		const char *p = bad_module_params[i];
		int kmsg = kmsg_open_at_end();

		ASSERT_LE(0, kmsg);
		EXPECT_EQ(-EINVAL, vmpass_load(p)) TH_LOG("%s", p);
		EXPECT_TRUE(kmsg_has(kmsg, "vmpass: ")) TH_LOG("%s: no \"vmpass:\" line", p);
		close(kmsg);
		EXPECT_FALSE(proc_modules_has("vmpass")) TH_LOG("%s", p);
		EXPECT_FALSE(path_exists("/dev/ttyVCOM0")) TH_LOG("%s", p);
		EXPECT_FALSE(path_exists("/dev/vmpass")) TH_LOG("%s", p);
		EXPECT_FALSE(path_exists(PCI_DRV)) TH_LOG("%s", p);
		EXPECT_TRUE(nics_on_e1000()) TH_LOG("%s", p);
		if (proc_modules_has("vmpass"))
			vmpass_unload();
	}
}

TEST_F_TIMEOUT(params, overlong_names_fail_the_load_cleanly, VMPASS_SLOW_TIMEOUT)
{
	/* Well-formed entries, more of them than the parameter holds. */
	static const char * const prefix[] = { "hide=", "guestdev=" };
	static const char * const entry[] = { "(0000:00:04.0)", "0000:00:04.0," };
	char *p = malloc(4096);
	unsigned int i;
	size_t len;

	ASSERT_NE(NULL, p);
	for (i = 0; i < ARRAY_SIZE(prefix); i++) {
		int kmsg = kmsg_open_at_end();

		snprintf(p, 4096, "%s", prefix[i]);
		while (strlen(p) < 3000)
			strcat(p, entry[i]);
		len = strlen(p);
		if (p[len - 1] == ',')
			p[--len] = 0;
		EXPECT_EQ(-EINVAL, vmpass_load(p)) TH_LOG("%.20s... (%zu bytes)", p, len);
		EXPECT_TRUE(kmsg_has(kmsg, "vmpass: ")) TH_LOG("%s", prefix[i]);
		close(kmsg);
		EXPECT_FALSE(proc_modules_has("vmpass"));
		EXPECT_TRUE(nics_on_e1000());
	}
	free(p);
}

TEST_F_TIMEOUT(params, the_message_names_the_entry_and_column, VMPASS_SLOW_TIMEOUT)
{
	int kmsg = kmsg_open_at_end();

	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EINVAL, vmpass_load("hide=(0000:00:04.0)(0000:00:20.0)"));
	EXPECT_TRUE(kmsg_has(kmsg, "vmpass: hide=: bad entry '(0000:00:20.0)' at column 24"));
	close(kmsg);
	kmsg = kmsg_open_at_end();
	EXPECT_EQ(-EINVAL, vmpass_load("io=0x3f8,0x3fc"));
	EXPECT_TRUE(kmsg_has(kmsg, "vmpass: "));
	close(kmsg);
}

/* A sysfs write: @len bytes of @data (which may hold NULs) to @file. */
struct sysfs_case {
	const char *file;
	const char *data;
	size_t len;
	int err;
};

#define SYSFS_CASE(f, s, e)	{ f, s, sizeof(s) - 1, e }

static const struct sysfs_case bad_sysfs_writes[] = {
	SYSFS_CASE(PCI_DRV "new_slot", "0000:00:0", EINVAL),		/* half a BDF */
	SYSFS_CASE(PCI_DRV "new_slot", "0000:00:04", EINVAL),
	SYSFS_CASE(PCI_DRV "new_slot", "(0000:00:04.0", EINVAL),
	SYSFS_CASE(PCI_DRV "new_slot", "\n", EINVAL),
	SYSFS_CASE(PCI_DRV "new_slot", "0000:00:04.0\0junk", EINVAL),	/* embedded NUL */
	SYSFS_CASE(PCI_DRV "new_slot", "\0\060000:00:04.0", EINVAL),	/* NUL, "0000:..." */
	SYSFS_CASE(PCI_DRV "new_slot", "(0000:00:04.0)(0000:00:05.0)", EINVAL),
	SYSFS_CASE(PCI_DRV "new_slot", "PNP0A08:0-04.0-", EINVAL),
	SYSFS_CASE(PCI_DRV "remove_slot", "0000:00:09.0", ENODEV),	/* not a slot */
	SYSFS_CASE(PCI_DRV "remove_slot", "0000:00", EINVAL),
	SYSFS_CASE(PCI_DRV "remove_slot", "0000:00:04.0\0", EINVAL),
	SYSFS_CASE(VCOM0 "iobase", "0x3f8\0x", EINVAL),
	SYSFS_CASE(VCOM0 "iobase", "zzz", EINVAL),
	SYSFS_CASE(VCOM0 "iobase", "0x10000", EINVAL),
	SYSFS_CASE(VCOM0 "iobase", "\n", EINVAL),
	SYSFS_CASE(VCOM0 "iobase", "0x2f8", EINVAL),			/* port 1's */
	SYSFS_CASE(VCOM0 "iobase", "-0x3f8", EINVAL),
	SYSFS_CASE(VCOM0 "irq", "99", EINVAL),
	SYSFS_CASE(VCOM0 "irq", "2", EINVAL),
	SYSFS_CASE(VCOM0 "irq", "-1", EINVAL),
	SYSFS_CASE(VCOM0 "irq", "4\0005", EINVAL),			/* "4", NUL, "5" */
	SYSFS_CASE(VCOM0 "irq", "0x", EINVAL),
};

static int write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, data, len);
	r = r < 0 ? -errno : (size_t)r == len ? 0 : -EIO;
	close(fd);
	return r;
}

FIXTURE(loaded) {
	int ctl;
};

FIXTURE_SETUP(loaded)
{
	module_unload("vmpass_8250_guest");
	module_unload("vmpass");
	if (nic_present(NIC_A))
		ASSERT_EQ(0, system("modprobe e1000"));
	ASSERT_EQ(0, vmpass_load(TWO_PORTS));
	self->ctl = ctl_open();
	ASSERT_LE(0, self->ctl);
}

FIXTURE_TEARDOWN(loaded)
{
	close(self->ctl);
	vmpass_reload(getenv("VMPASS_MODPARAMS"));
}

/* Nothing changed: identities, slots, NICs. */
static void expect_unchanged(struct __test_metadata *_metadata, const char *what)
{
	char buf[256];
	int v;

	EXPECT_EQ(0, read_int(VCOM0 "iobase", &v));
	EXPECT_EQ(0x3f8, v) TH_LOG("%s", what);
	EXPECT_EQ(0, read_int(VCOM0 "irq", &v));
	EXPECT_EQ(4, v) TH_LOG("%s", what);
	EXPECT_EQ(0, read_line(PCI_DRV "slots", buf, sizeof(buf)));
	EXPECT_STREQ("", buf) TH_LOG("%s", what);
	EXPECT_TRUE(nics_on_e1000()) TH_LOG("%s", what);
}

TEST_F_TIMEOUT(loaded, bad_sysfs_writes_are_refused_and_change_nothing, VMPASS_SLOW_TIMEOUT)
{
	unsigned int i;
	char *big;

	for (i = 0; i < ARRAY_SIZE(bad_sysfs_writes); i++) {
		const struct sysfs_case *c = &bad_sysfs_writes[i];

		EXPECT_EQ(-c->err, write_bytes(c->file, c->data, c->len))
			TH_LOG("%s <- '%.*s' (%zu bytes)", c->file, (int)c->len, c->data, c->len);
		expect_unchanged(_metadata, c->data);
	}

	/* Overlong: a page of digits, then more than a page. */
	big = malloc(8192);
	ASSERT_NE(NULL, big);
	memset(big, '0', 8192);
	memcpy(big, "0000:00:04.0", 12);
	EXPECT_EQ(-EINVAL, write_bytes(PCI_DRV "new_slot", big, 4000));
	memcpy(big, "0x3f8", 5);	/* 0x3f8000...: overflows */
	EXPECT_EQ(-EINVAL, write_bytes(VCOM0 "iobase", big, 4000));
	memcpy(big, "0000:00:04.0", 12);
	EXPECT_GT(0, write_bytes(PCI_DRV "new_slot", big, 8192));
	EXPECT_GT(0, write_bytes(VCOM0 "irq", big, 8192));
	free(big);
	expect_unchanged(_metadata, "overlong");
}

/* A page followed by an unmapped one: pointers that fault, or half do. */
static char *guard_page(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + 4096, 4096);
	return p;
}

/* Each ioctl, with NULL, unmapped and truncated pointers: EFAULT. */
TEST_F_TIMEOUT(loaded, every_ioctl_with_bad_pointers, VMPASS_SLOW_TIMEOUT)
{
	static const struct {
		unsigned long cmd;
		size_t size;
		bool port_fd;
	} cmds[] = {
		{ VMPASS_GET_INFO, sizeof(struct vmpass_info), false },
		{ VMPASS_DESCRIBE_PORT, sizeof(struct vmpass_port_desc), false },
		{ VMPASS_ATTACH_PORT, sizeof(struct vmpass_attach), false },
		{ VMPASS_LIST_PCI, sizeof(struct vmpass_pci_list), false },
		{ VMPASS_PORT_SET_IRQFD, sizeof(struct vmpass_irqfd), true },
		{ VMPASS_PORT_GET_IRQ_LEVEL, sizeof(__u32), true },
	};
	char *page = guard_page();
	int port = attach_index(self->ctl, 1);
	unsigned int i;

	ASSERT_NE(NULL, page);
	ASSERT_LE(0, port);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		int fd = cmds[i].port_fd ? port : self->ctl;
		char *unmapped = page + 4096;
		char *truncated = page + 4096 - cmds[i].size / 2;

		memset(page, 0, 4096);
		EXPECT_EQ(-1, ioctl(fd, cmds[i].cmd, NULL));
		EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx NULL", cmds[i].cmd);
		EXPECT_EQ(-1, ioctl(fd, cmds[i].cmd, unmapped));
		EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx unmapped", cmds[i].cmd);
		EXPECT_EQ(-1, ioctl(fd, cmds[i].cmd, truncated));
		EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx truncated", cmds[i].cmd);
		EXPECT_EQ(-1, ioctl(fd, cmds[i].cmd, (void *)-4096L));	/* kernel half */
		EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx kernel address", cmds[i].cmd);
		/* The same command with another size, and on the other fd. */
		EXPECT_EQ(-1, ioctl(fd, (cmds[i].cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
					((cmds[i].size - 4) << _IOC_SIZESHIFT), page));
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx short size", cmds[i].cmd);
		EXPECT_EQ(-1, ioctl(cmds[i].port_fd ? self->ctl : port, cmds[i].cmd, page));
		EXPECT_EQ(ENOTTY, errno) TH_LOG("cmd %#lx on the wrong fd", cmds[i].cmd);
	}
	/* A LIST_PCI array that is not there. */
	{
		struct vmpass_pci_list l = {
			.count = 4, .devices = (__u64)(unsigned long)(page + 4096)
		};

		/* Nothing is claimed: nothing to copy, so no fault either. */
		EXPECT_EQ(0, ioctl(self->ctl, VMPASS_LIST_PCI, &l));
		EXPECT_EQ(0, l.count);
	}
	close(port);
	munmap(page, 4096);
	expect_unchanged(_metadata, "ioctls");
}

/* Every reserved word of every struct, one at a time: EINVAL. */
TEST_F_TIMEOUT(loaded, nonzero_reserved_fields, VMPASS_SLOW_TIMEOUT)
{
	int port = attach_index(self->ctl, 1);
	int efd = eventfd(0, EFD_CLOEXEC);
	struct vmpass_port_desc d;
	struct vmpass_attach at;
	struct vmpass_pci_list l;
	struct vmpass_irqfd irq;
	unsigned int i;

	ASSERT_LE(0, port);
	for (i = 0; i < ARRAY_SIZE(d.reserved); i++) {
		memset(&d, 0, sizeof(d));
		d.reserved[i] = 1u << (i * 7 % 32);
		EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
		EXPECT_EQ(EINVAL, errno) TH_LOG("describe reserved[%u]", i);
	}
	for (i = 0; i < ARRAY_SIZE(at.reserved); i++) {
		memset(&at, 0, sizeof(at));
		at.reserved[i] = 0x80000000u;
		EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
		EXPECT_EQ(EINVAL, errno) TH_LOG("attach reserved[%u]", i);
	}
	memset(&l, 0, sizeof(l));
	l.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_LIST_PCI, &l));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < ARRAY_SIZE(irq.reserved); i++) {
		memset(&irq, 0, sizeof(irq));
		irq.fd = efd;
		irq.resample_fd = -1;
		irq.reserved[i] = 2;
		EXPECT_EQ(-1, ioctl(port, VMPASS_PORT_SET_IRQFD, &irq));
		EXPECT_EQ(EINVAL, errno) TH_LOG("irqfd reserved[%u]", i);
	}
	/* Unknown flags are reserved bits too. */
	memset(&d, 0, sizeof(d));
	d.flags = VMPASS_PORT_ATTACHED;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
	EXPECT_EQ(EINVAL, errno);
	memset(&at, 0, sizeof(at));
	at.flags = ~VMPASS_ATTACH_BY_IOBASE;
	EXPECT_EQ(-1, ioctl(self->ctl, VMPASS_ATTACH_PORT, &at));
	EXPECT_EQ(EINVAL, errno);
	memset(&irq, 0, sizeof(irq));
	irq.fd = efd;
	irq.flags = ~VMPASS_IRQFD_RESAMPLE;
	EXPECT_EQ(-1, ioctl(port, VMPASS_PORT_SET_IRQFD, &irq));
	EXPECT_EQ(EINVAL, errno);

	/* The one attach that was allowed is the only one there is. */
	close(port);
	for (i = 0; i < 2; i++) {
		memset(&d, 0, sizeof(d));
		d.index = i;
		ASSERT_EQ(0, ioctl(self->ctl, VMPASS_DESCRIBE_PORT, &d));
		EXPECT_EQ(0, d.flags) TH_LOG("port %u", i);
	}
	close(efd);
}

TEST_F_TIMEOUT(loaded, huge_lengths_and_offsets_for_pread_pwrite, VMPASS_SLOW_TIMEOUT)
{
	static const struct {
		size_t len;
		long long off;
		int err;
	} cases[] = {
		{ VMPASS_MAX_STRING_IO + 1, UART_SCR, EINVAL },
		{ 1 << 20, UART_SCR, EINVAL },
		{ 0x7ffff000, UART_SCR, EINVAL },	/* MAX_RW_COUNT */
		{ (size_t)-1, UART_SCR, EFAULT },	/* access_ok() */
		{ 1, 8, EINVAL },
		{ 1, 1LL << 40, EINVAL },
		{ 1, -1, EINVAL },
		{ 1, 0x7fffffffffffffffLL, EINVAL },
	};
	char *buf = malloc(1 << 20);
	int port = attach_index(self->ctl, 0);
	unsigned int i;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, port);
	memset(buf, 0x41, 1 << 20);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(-1, pwrite(port, buf, cases[i].len, cases[i].off));
		EXPECT_EQ(cases[i].err, errno)
			TH_LOG("pwrite %zu @ %lld", cases[i].len, cases[i].off);
		EXPECT_EQ(-1, pread(port, buf, cases[i].len, cases[i].off));
		EXPECT_EQ(cases[i].err, errno)
			TH_LOG("pread %zu @ %lld", cases[i].len, cases[i].off);
	}
	/* None of them reached the scratch register. */
	buf[0] = 0x5a;
	ASSERT_EQ(1, pread(port, buf, 1, UART_SCR));
	EXPECT_EQ(0, buf[0]);
	close(port);
	free(buf);
}

/* Output structs are zeroed before they are copied out: padding too. */
TEST_F_TIMEOUT(loaded, no_kernel_memory_in_output_padding, VMPASS_SLOW_TIMEOUT)
{
	struct vmpass_pci_dev devs[4];
	struct vmpass_pci_list l = { .count = 4 };
	unsigned int i;

	if (!nic_present(NIC_A))
		SKIP(return, "no NIC at " NIC_A);
	ASSERT_EQ(0, write_str(PCI_DRV "new_slot", NIC_A));
	ASSERT_TRUE(bound_to(NIC_A, "vmpass"));
	memset(devs, 0xaa, sizeof(devs));
	l.devices = (__u64)(unsigned long)devs;
	ASSERT_EQ(0, ioctl(self->ctl, VMPASS_LIST_PCI, &l));
	ASSERT_EQ(1, l.count);
	EXPECT_EQ(0, devs[0].pad);
	for (i = 0; i < ARRAY_SIZE(devs[0].reserved); i++)
		EXPECT_EQ(0, devs[0].reserved[i]);
	EXPECT_EQ(0x00, devs[0].bus);
	EXPECT_EQ(0x20, devs[0].devfn);
	/* Entries past count are not touched. */
	EXPECT_EQ(0xaaaaaaaau, devs[1].state);
	ASSERT_EQ(0, write_str(PCI_DRV "remove_slot", NIC_A));
	EXPECT_TRUE(bound_to(NIC_A, "e1000"));
}

static int run_as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int try_privileged_files(void *arg)
{
	if (open("/dev/vmpass", O_RDWR) >= 0 || errno != EACCES)
		return 1;
	if (write_str(PCI_DRV "new_slot", NIC_A) != -EACCES)
		return 2;
	if (write_str(PCI_DRV "remove_slot", NIC_A) != -EACCES)
		return 3;
	if (write_str(VCOM0 "iobase", "0x2e8") != -EACCES)
		return 4;
	if (write_str(VCOM0 "irq", "7") != -EACCES)
		return 5;
	return 0;
}

static int use_port_fd(void *arg)
{
	int fd = *(int *)arg;
	__u8 v = 0x77;

	if (pwrite(fd, &v, 1, UART_SCR) != 1)
		return 1;
	v = 0;
	if (pread(fd, &v, 1, UART_SCR) != 1 || v != 0x77)
		return 2;
	return 0;
}

TEST_F_TIMEOUT(loaded, only_root_gets_in, VMPASS_SLOW_TIMEOUT)
{
	EXPECT_EQ(0, run_as_nobody(try_privileged_files, NULL));
	expect_unchanged(_metadata, "unprivileged");
}

/*
 * A port fd is a handle, as a KVM vcpu fd is: whoever holds it drives the
 * port, whatever its uid (Documentation/vmpass/vmm-api.rst). A VMM can
 * open it as root and drop privileges.
 */
TEST_F_TIMEOUT(loaded, a_port_fd_handed_to_another_process_works, VMPASS_SLOW_TIMEOUT)
{
	int port = attach_index(self->ctl, 0);
	__u8 v;

	ASSERT_LE(0, port);
	EXPECT_EQ(0, run_as_nobody(use_port_fd, &port));
	ASSERT_EQ(1, pread(port, &v, 1, UART_SCR));
	EXPECT_EQ(0x77, v);
	/* The child's exit did not detach the port: the parent still has it. */
	EXPECT_EQ(-1, attach_index(self->ctl, 0));
	EXPECT_EQ(EBUSY, errno);
	close(port);
}

TEST_HARNESS_MAIN
