/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO helpers shared by the mediated card's selftests: VFIO_DEVICE_SET_IRQS
 * with one eventfd or none, and how often an eventfd was signalled.
 */
#ifndef VMPASS_SELFTEST_VFIO_UTIL_H
#define VMPASS_SELFTEST_VFIO_UTIL_H

#include <errno.h>
#include <linux/vfio.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

/* VFIO_DEVICE_SET_IRQS on @index; @fd is the data of DATA_EVENTFD. */
static inline int set_irqs(int dev, unsigned int index, __u32 flags, __u32 count, int fd)
{
	struct {
		struct vfio_irq_set set;
		__s32 fd;
	} req = {
		.set = { .argsz = sizeof(req.set) + (count ? sizeof(req.fd) : 0),
			 .flags = flags, .index = index, .count = count },
		.fd = fd,
	};

	if (!(flags & VFIO_IRQ_SET_DATA_EVENTFD))
		req.set.argsz = sizeof(req.set);
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &req) ? -errno : 0;
}

/* How many times @efd was signalled within @ms. */
static inline __u64 signalled(int efd, int ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	eventfd_t n = 0;

	if (poll(&pfd, 1, ms) == 1)
		eventfd_read(efd, &n);
	return n;
}

#endif /* VMPASS_SELFTEST_VFIO_UTIL_H */
