// SPDX-License-Identifier: GPL-2.0
/*
 * vmpassctl - look at and configure vmpass: COM ports and claimed PCI
 * devices. See Documentation/vmpass/vmpassctl.1.
 *
 *   vmpassctl [--json] status | ports | devices
 *   vmpassctl set-port N [--io IOBASE] [--irq IRQ]
 *   vmpassctl hide BDF|PATH | unhide BDF|PATH
 *   vmpassctl [--json] path BDF | bdf PATH
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vmpass.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CTL_DEV		"/dev/vmpass"
#define PCI_DEVICES	"/sys/bus/pci/devices"
#define STUB_DIR	"/sys/bus/pci/drivers/vmpass"
#define MDEV_DEVICES	"/sys/bus/mdev/devices"
#define MAX_DEVICES	256

static bool json;

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("vmpassctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int ctl_open(void)
{
	int fd = open(CTL_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail("%s: %s%s", CTL_DEV, strerror(errno),
		     errno == ENOENT ? " (is the vmpass module loaded?)" : "");
	return fd;
}

static void sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		fail("%s: %s", path, strerror(errno));
	if (write(fd, val, strlen(val)) < 0)
		fail("%s: %s (see dmesg)", val, strerror(errno));
	close(fd);
}

static bool sysfs_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return false;
	if (!fgets(buf, size, f))
		buf[0] = 0;
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return true;
}

/* ACPI device path of a PCI device, from sysfs; false if it has none. */
static bool bdf_to_path(const char *bdf, char *out, size_t size, char *why, size_t wsize)
{
	char link[PATH_MAX], real[PATH_MAX], root[PATH_MAX], file[PATH_MAX + 32];
	char hid[32], uid[32], *p, *hop;
	size_t len;

	snprintf(link, sizeof(link), PCI_DEVICES "/%s", bdf);
	if (!realpath(link, real)) {
		snprintf(why, wsize, "no PCI device %s", bdf);
		return false;
	}
	/* real: /sys/devices/pci0000:00/0000:00:07.0/0000:02:00.0/... */
	p = strstr(real, "/pci");
	if (p)
		p = strchr(p + 1, '/');
	if (!p) {
		snprintf(why, wsize, "%s is not under a PCI root", bdf);
		return false;
	}
	snprintf(root, sizeof(root), "%.*s", (int)(p - real), real);
	snprintf(file, sizeof(file), "%s/firmware_node/hid", root);
	if (!sysfs_read(file, hid, sizeof(hid))) {
		snprintf(why, wsize, "%s: its root bus has no ACPI node", bdf);
		return false;
	}
	snprintf(file, sizeof(file), "%s/firmware_node/uid", root);
	if (sysfs_read(file, uid, sizeof(uid)))
		len = snprintf(out, size, "%s:%s", hid, uid);
	else
		len = snprintf(out, size, "%s", hid);
	for (hop = strtok(p, "/"); hop; hop = strtok(NULL, "/")) {
		char *devfn = strrchr(hop, ':');

		if (devfn && len < size)
			len += snprintf(out + len, size - len, "-%s", devfn + 1);
	}
	return true;
}

/* Does the root bridge at sysfs @node have _HID or _CID @hid and _UID @uid? */
static bool root_matches(const char *node, const char *hid, const char *uid)
{
	char file[PATH_MAX + 64], ids[300], ruid[32], *tok, *save;
	bool hid_ok = false;

	snprintf(file, sizeof(file), "%s/firmware_node/modalias", node);
	if (!sysfs_read(file, ids, sizeof(ids)))
		return false;
	/* "acpi:HID:CID1:CID2:" */
	for (tok = strtok_r(ids, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		hid_ok |= !strcmp(tok, hid);
	snprintf(file, sizeof(file), "%s/firmware_node/uid", node);
	if (!sysfs_read(file, ruid, sizeof(ruid)))
		ruid[0] = 0;
	if (uid)
		return hid_ok && !strcmp(uid, ruid);
	return hid_ok && (!ruid[0] || !strcmp(ruid, "0"));
}

/* Walk @hops ("dd.f-dd.f...") down from root bus @domain:@bus. */
static bool walk_hops(const char *path, const char *hops, unsigned int domain,
		      unsigned int bus, char *out, size_t size, char *why, size_t wsize)
{
	char file[PATH_MAX], sec[16];
	unsigned int dev, fn;
	struct stat st;
	int n;

	while (*hops) {
		if (sscanf(hops, "%x.%u%n", &dev, &fn, &n) != 2 || dev > 0x1f || fn > 7) {
			snprintf(why, wsize, "bad hop '%s' in %s", hops, path);
			return false;
		}
		snprintf(out, size, "%04x:%02x:%02x.%u", domain, bus, dev, fn);
		snprintf(file, sizeof(file), PCI_DEVICES "/%s", out);
		if (stat(file, &st)) {
			snprintf(why, wsize, "%s: no device %s", path, out);
			return false;
		}
		hops += n;
		if (!*hops)
			break;
		if (*hops++ != '-') {
			snprintf(why, wsize, "bad hop in %s", path);
			return false;
		}
		snprintf(file, sizeof(file), PCI_DEVICES "/%s/secondary_bus_number", out);
		if (!sysfs_read(file, sec, sizeof(sec))) {
			snprintf(why, wsize, "%s: %s is not a bridge", path, out);
			return false;
		}
		bus = strtoul(sec, NULL, 10);
	}
	return true;
}

/* BDF an ACPI path resolves to now; false if none. */
static bool path_to_bdf(const char *path, char *out, size_t size, char *why, size_t wsize)
{
	char want[96], node[PATH_MAX], *uid, *dash;
	unsigned int domain, bus;
	struct dirent *de;
	DIR *dir;

	snprintf(want, sizeof(want), "%s", path);
	dash = strchr(want, '-');
	if (!dash || dash == want) {
		snprintf(why, wsize, "'%s' is not HID[:UID]-dd.f[-dd.f...]", path);
		return false;
	}
	*dash = 0;
	uid = strchr(want, ':');
	if (uid)
		*uid++ = 0;

	dir = opendir("/sys/devices");
	if (!dir) {
		snprintf(why, wsize, "/sys/devices: %s", strerror(errno));
		return false;
	}
	while ((de = readdir(dir))) {
		if (sscanf(de->d_name, "pci%x:%x", &domain, &bus) != 2)
			continue;
		snprintf(node, sizeof(node), "/sys/devices/%s", de->d_name);
		if (!root_matches(node, want, uid))
			continue;
		closedir(dir);
		return walk_hops(path, dash + 1, domain, bus, out, size, why, wsize);
	}
	closedir(dir);
	snprintf(why, wsize, "no root bridge %s%s%s with ACPI", want, uid ? ":" : "",
		 uid ? uid : "");
	return false;
}

static void cmd_path(const char *bdf)
{
	char out[128], why[160], full[32];

	snprintf(full, sizeof(full), "%s%s", strchr(bdf, ':') == strrchr(bdf, ':') ? "0000:" : "",
		 bdf);
	if (!bdf_to_path(full, out, sizeof(out), why, sizeof(why)))
		fail("%s", why);
	if (json)
		printf("{\"bdf\": \"%s\", \"path\": \"%s\"}\n", full, out);
	else
		printf("%s\n", out);
}

static void cmd_bdf(const char *path)
{
	char out[32], why[160];

	if (!path_to_bdf(path, out, sizeof(out), why, sizeof(why)))
		fail("%s", why);
	if (json)
		printf("{\"path\": \"%s\", \"bdf\": \"%s\"}\n", path, out);
	else
		printf("%s\n", out);
}

static unsigned int list_ports(int ctl, struct vmpass_port_desc *ports, unsigned int max)
{
	struct vmpass_info info = { 0 };
	unsigned int i;

	if (ioctl(ctl, VMPASS_GET_INFO, &info))
		fail("VMPASS_GET_INFO: %s", strerror(errno));
	if (info.api_version != VMPASS_API_VERSION)
		fail("the module speaks API %u, this tool %u", info.api_version,
		     VMPASS_API_VERSION);
	for (i = 0; i < info.nr_ports && i < max; i++) {
		memset(&ports[i], 0, sizeof(ports[i]));
		ports[i].index = i;
		if (ioctl(ctl, VMPASS_DESCRIBE_PORT, &ports[i]))
			fail("VMPASS_DESCRIBE_PORT %u: %s", i, strerror(errno));
	}
	return i;
}

static unsigned int list_devices(int ctl, struct vmpass_pci_dev *devs, unsigned int max)
{
	struct vmpass_pci_list list = { .count = max, .devices = (unsigned long)devs };

	if (ioctl(ctl, VMPASS_LIST_PCI, &list))
		fail("VMPASS_LIST_PCI: %s", strerror(errno));
	return list.count < max ? list.count : max;
}

static const char *pci_state(unsigned int state)
{
	switch (state) {
	case VMPASS_PCI_CLAIMED:
		return "claimed";
	case VMPASS_PCI_IN_USE:
		return "in-use";
	case VMPASS_PCI_ABSENT:
		return "absent";
	case VMPASS_PCI_NO_VFIO:
		return "no-vfio";
	}
	return "unknown";
}

/* A port's sysfs attribute @attr, or "?" if it cannot be read. */
static void port_attr(const char *tty, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/tty/%s/%s", tty, attr);
	if (!sysfs_read(path, buf, size) || !buf[0])
		snprintf(buf, size, "?");
}

/*
 * The mediated card that holds ttyVCOM@index: the mdev whose vmpass/ports
 * lists it. Fills @uuid (37 bytes) and returns true if there is one.
 */
static bool port_card(unsigned int index, char *uuid)
{
	char path[PATH_MAX], list[1024], want[32], *tok, *save;
	struct dirent *de;
	bool found = false;
	DIR *dir;
	FILE *f;

	dir = opendir(MDEV_DEVICES);
	if (!dir)
		return false;
	snprintf(want, sizeof(want), "ttyVCOM%u", index);
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) != 36)
			continue;
		snprintf(path, sizeof(path), MDEV_DEVICES "/%s/vmpass/ports", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(list, sizeof(list), f))
			for (tok = strtok_r(list, "\n ", &save); tok && !found;
			     tok = strtok_r(NULL, "\n ", &save))
				found = !strcmp(tok, want);
		fclose(f);
		if (found)
			memcpy(uuid, de->d_name, 37);
	}
	closedir(dir);
	return found;
}

static void print_ports(int ctl, bool heading)
{
	static struct vmpass_port_desc ports[MAX_DEVICES];
	unsigned int i, n = list_ports(ctl, ports, MAX_DEVICES);
	char mode[16], dropped[32], uuid[37], state[64];

	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			port_attr(ports[i].tty, "closed_output", mode, sizeof(mode));
			port_attr(ports[i].tty, "dropped_output", dropped, sizeof(dropped));
			printf("%s{\"index\": %u, ", i ? ", " : "", ports[i].index);
			printf("\"tty\": \"/dev/%s\", ", ports[i].tty);
			printf("\"iobase\": %u, \"irq\": %u, ", ports[i].iobase, ports[i].irq);
			printf("\"attached\": %s, ",
			       ports[i].flags & VMPASS_PORT_ATTACHED ? "true" : "false");
			if (ports[i].flags & VMPASS_PORT_CARD && port_card(ports[i].index, uuid))
				printf("\"card\": \"%s\", ", uuid);
			else
				printf("\"card\": null, ");
			printf("\"closed_output\": \"%s\", \"dropped_output\": %s}", mode,
			       strcmp(dropped, "?") ? dropped : "null");
		}
		printf("]");
		return;
	}
	if (heading)
		printf("COM ports:\n");
	for (i = 0; i < n; i++) {
		port_attr(ports[i].tty, "closed_output", mode, sizeof(mode));
		port_attr(ports[i].tty, "dropped_output", dropped, sizeof(dropped));
		if (ports[i].flags & VMPASS_PORT_CARD)
			snprintf(state, sizeof(state), "held by card %s",
				 port_card(ports[i].index, uuid) ? uuid : "(unknown)");
		else
			snprintf(state, sizeof(state), "%s", ports[i].flags & VMPASS_PORT_ATTACHED ?
				 "attached by a VMM" : "free");
		printf("  /dev/%-10s  io 0x%03x  irq %-2u  %-49s  closed: %s, dropped %s\n",
		       ports[i].tty, ports[i].iobase, ports[i].irq, state, mode, dropped);
	}
}

static void print_devices(int ctl, bool heading)
{
	static struct vmpass_pci_dev devs[MAX_DEVICES];
	unsigned int i, n = list_devices(ctl, devs, MAX_DEVICES);

	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			printf("%s{\"bdf\": \"%04x:%02x:%02x.%u\", ", i ? ", " : "",
			       devs[i].domain, devs[i].bus, devs[i].devfn >> 3, devs[i].devfn & 7);
			printf("\"vendor\": \"%04x\", ", devs[i].vendor);
			printf("\"device\": \"%04x\", ", devs[i].device);
			printf("\"iommu_group\": %d, ", devs[i].iommu_group);
			printf("\"path\": \"%s\", ", devs[i].path);
			printf("\"named_by\": \"%s\", ",
			       devs[i].flags & VMPASS_PCI_BY_OVERRIDE ? "driver_override" : "name");
			printf("\"state\": \"%s\"}", pci_state(devs[i].state));
		}
		printf("]");
		return;
	}
	if (heading)
		printf("PCI devices:\n");
	if (!n)
		printf("  (none claimed)\n");
	for (i = 0; i < n; i++) {
		printf("  %04x:%02x:%02x.%u  %04x:%04x  ", devs[i].domain, devs[i].bus,
		       devs[i].devfn >> 3, devs[i].devfn & 7, devs[i].vendor, devs[i].device);
		if (devs[i].iommu_group >= 0)
			printf("/dev/vfio/%-4d", devs[i].iommu_group);
		else
			printf("%-14s", "(no VFIO)");
		printf("  %-8s  %s\n", pci_state(devs[i].state),
		       devs[i].flags & VMPASS_PCI_BY_OVERRIDE ? "(driver_override)" : devs[i].path);
	}
}

static void cmd_status(void)
{
	int ctl = ctl_open();

	if (json) {
		printf("{\"ports\": ");
		print_ports(ctl, true);
		printf(", \"devices\": ");
		print_devices(ctl, true);
		printf("}\n");
	} else {
		print_ports(ctl, true);
		print_devices(ctl, true);
	}
	close(ctl);
}

static unsigned long parse_number(const char *s, const char *what, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max)
		fail("bad %s '%s'", what, s);
	return v;
}

static void cmd_set_port(int argc, char **argv)
{
	char path[96], val[32];
	unsigned long index;
	int i;

	if (argc < 2)
		fail("usage: set-port N [--io IOBASE] [--irq IRQ]");
	index = parse_number(argv[1], "port number", 1023);
	for (i = 2; i < argc; i += 2) {
		const char *attr;
		unsigned long max;

		if (!strcmp(argv[i], "--io")) {
			attr = "iobase";
			max = 0xffff;
		} else if (!strcmp(argv[i], "--irq")) {
			attr = "irq";
			max = 255;
		} else {
			fail("set-port: unknown option '%s'", argv[i]);
		}
		if (i + 1 >= argc)
			fail("set-port: %s needs a value", argv[i]);
		snprintf(val, sizeof(val), "%lu", parse_number(argv[i + 1], attr, max));
		snprintf(path, sizeof(path), "/sys/class/tty/ttyVCOM%lu/%s", index, attr);
		if (access(path, F_OK))
			fail("no port ttyVCOM%lu", index);
		sysfs_write(path, val);
	}
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: vmpassctl [--json] COMMAND\n"
		"  status                      COM ports, claimed PCI devices, attachments\n"
		"  ports                       the COM ports\n"
		"  set-port N [--io IOBASE] [--irq IRQ]   remap ttyVCOMN\n"
		"  devices                     the claimed PCI devices\n"
		"  hide BDF|PATH               claim a PCI device now (new_slot)\n"
		"  unhide BDF|PATH             give it back (remove_slot)\n"
		"  path BDF                    the ACPI device path of a PCI device\n"
		"  bdf PATH                    the BDF an ACPI device path resolves to\n");
}

int main(int argc, char **argv)
{
	const char *cmd;
	int ctl;

	argc--;
	argv++;
	if (argc && !strcmp(argv[0], "--json")) {
		json = true;
		argc--;
		argv++;
	}
	if (!argc) {
		print_usage(stderr);
		return 2;
	}
	cmd = argv[0];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return 0;
	} else if (!strcmp(cmd, "status") && argc == 1) {
		cmd_status();
	} else if (!strcmp(cmd, "ports") && argc == 1) {
		ctl = ctl_open();
		print_ports(ctl, false);
		if (json)
			printf("\n");
	} else if (!strcmp(cmd, "devices") && argc == 1) {
		ctl = ctl_open();
		print_devices(ctl, false);
		if (json)
			printf("\n");
	} else if (!strcmp(cmd, "set-port")) {
		cmd_set_port(argc, argv);
	} else if (!strcmp(cmd, "hide") && argc == 2) {
		sysfs_write(STUB_DIR "/new_slot", argv[1]);
	} else if (!strcmp(cmd, "unhide") && argc == 2) {
		sysfs_write(STUB_DIR "/remove_slot", argv[1]);
	} else if (!strcmp(cmd, "path") && argc == 2) {
		cmd_path(argv[1]);
	} else if (!strcmp(cmd, "bdf") && argc == 2) {
		cmd_bdf(argv[1]);
	} else {
		fprintf(stderr, "vmpassctl: unknown command or wrong arguments: %s\n", cmd);
		print_usage(stderr);
		return 2;
	}
	return 0;
}
