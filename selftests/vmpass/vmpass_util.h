/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmpass selftests: loading and unloading the module
 * under test ($VMPASS_KO, set by scripts/vm-run) and reading small files.
 */
#ifndef VMPASS_SELFTEST_UTIL_H
#define VMPASS_SELFTEST_UTIL_H

#include <errno.h>
#include <linux/vmpass.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/*
 * For tests that load modules, run scripts or move data: the harness's
 * default of 30 s is too short on the debug kernel (KASAN, lockdep) under
 * TCG.
 */
#define VMPASS_SLOW_TIMEOUT	600

static inline const char *vmpass_ko(void)
{
	const char *ko = getenv("VMPASS_KO");

	return ko ? ko : "vmpass.ko";
}

/* The path of a test helper module built next to vmpass.ko. */
static inline const char *helper_ko(const char *name)
{
	static char path[512];
	const char *ko = vmpass_ko();
	const char *slash = strrchr(ko, '/');
	int dir = slash ? (int)(slash - ko) : 1;

	snprintf(path, sizeof(path), "%.*s/selftests/%s.ko", dir, slash ? ko : ".", name);
	return path;
}

/* Load the module at @path with @params; returns 0 or -errno. */
static inline int module_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload module @name, waiting briefly for users to go; 0 or -errno. */
static inline int module_unload(const char *name)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(20000);
	}
	return -EBUSY;
}

static inline int vmpass_load(const char *params)
{
	return module_load(vmpass_ko(), params);
}

static inline int vmpass_unload(void)
{
	return module_unload("vmpass");
}

/* Make sure vmpass is loaded with exactly @params (helpers unloaded). */
static inline int vmpass_reload(const char *params)
{
	module_unload("vmpass_8250_guest");
	module_unload("vmpass");
	return vmpass_load(params);
}

static inline int read_int(const char *path, int *val)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return -errno;
	ret = fscanf(f, "%i", val) == 1 ? 0 : -EINVAL;
	fclose(f);
	return ret;
}

static inline int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		buf[0] = 0;
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

static inline int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = write(fd, val, strlen(val));
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/* Does the output of the shell command @cmd contain @needle? */
static inline bool command_output_has(const char *cmd, const char *needle)
{
	char line[1024];
	bool found = false;
	FILE *p = popen(cmd, "r");

	if (!p)
		return false;
	while (fgets(line, sizeof(line), p))
		if (strstr(line, needle))
			found = true;
	pclose(p);
	return found;
}

/* Is a line starting with "@name " in /proc/modules? */
static inline bool proc_modules_has(const char *name)
{
	char line[512];
	size_t len = strlen(name);
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ')
			found = true;
	fclose(f);
	return found;
}

static inline bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Open a tty raw (8 bits, no echo, CLOCAL), its buffers flushed. */
static inline int tty_open_raw(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	tcgetattr(fd, &t);
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	tcsetattr(fd, TCSANOW, &t);
	tcflush(fd, TCIOFLUSH);
	return fd;
}

/* Read the kernel log written since @fd was opened (at its end). */
static inline bool kmsg_has(int fd, const char *needle)
{
	char rec[2048];
	bool found = false;
	ssize_t r;

	while ((r = read(fd, rec, sizeof(rec) - 1)) > 0) {
		rec[r] = 0;
		if (strstr(rec, needle))
			found = true;
	}
	return found;
}

static inline int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static inline int ctl_open(void)
{
	return open("/dev/vmpass", O_RDWR | O_CLOEXEC);
}

static inline int attach_index(int ctl, unsigned int index)
{
	struct vmpass_attach at = { .index = index };

	return ioctl(ctl, VMPASS_ATTACH_PORT, &at);
}

#endif /* VMPASS_SELFTEST_UTIL_H */
