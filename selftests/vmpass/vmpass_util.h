/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmpass selftests: loading and unloading the module
 * under test ($VMPASS_KO, set by scripts/vm-run) and reading small files.
 */
#ifndef VMPASS_SELFTEST_UTIL_H
#define VMPASS_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline const char *vmpass_ko(void)
{
	const char *ko = getenv("VMPASS_KO");

	return ko ? ko : "vmpass.ko";
}

/* Load the module with @params; returns 0 or -errno. */
static inline int vmpass_load(const char *params)
{
	int fd = open(vmpass_ko(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Unload the module, waiting briefly for users to go; 0 or -errno. */
static inline int vmpass_unload(void)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (!syscall(SYS_delete_module, "vmpass", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY)
			return -errno;
		usleep(20000);
	}
	return -EBUSY;
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

#endif /* VMPASS_SELFTEST_UTIL_H */
