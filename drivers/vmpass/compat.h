/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels vmpass supports
 * (Debian's 6.1 and 6.12 series) lives here, and nowhere else.
 *
 * Each difference is probed by a Kbuild conftest in conftest/ (compiled
 * against the target kernel by scripts/conftest.sh) rather than keyed on
 * LINUX_VERSION_CODE, because some symbols moved inside a stable series.
 * A conftest that compiles defines VMPASS_HAVE_<NAME> in the generated
 * conftest.h.
 */
#ifndef VMPASS_COMPAT_H
#define VMPASS_COMPAT_H

#include <conftest.h>

/* tty_operations.write: ssize_t and size_t from 6.6. */
#ifdef VMPASS_HAVE_TTY_WRITE_SIZE_T
#define COMPAT_TTY_WRITE_RET	ssize_t
#define COMPAT_TTY_WRITE_COUNT	size_t
#else
#define COMPAT_TTY_WRITE_RET	int
#define COMPAT_TTY_WRITE_COUNT	int
#endif

/* tty_port_operations.dtr_rts takes a bool and carrier_raised returns one from 6.3. */
#ifdef VMPASS_HAVE_TTY_PORT_BOOL_OPS
#define COMPAT_DTR_RTS_ARG	bool
#define COMPAT_CARRIER_RET	bool
#else
#define COMPAT_DTR_RTS_ARG	int
#define COMPAT_CARRIER_RET	int
#endif

/* eventfd_signal() lost its count argument in 6.8. */
#ifdef VMPASS_HAVE_EVENTFD_SIGNAL_ONE_ARG
#define compat_eventfd_signal(ctx)	eventfd_signal(ctx)
#else
#define compat_eventfd_signal(ctx)	eventfd_signal(ctx, 1)
#endif

/* vfio_device_ops gained the iommufd ops (required with CONFIG_IOMMUFD). */
#ifdef VMPASS_HAVE_VFIO_IOMMUFD_OPS
#define COMPAT_VFIO_IOMMUFD_PHYSICAL_OPS				\
	.bind_iommufd = vfio_iommufd_physical_bind,			\
	.unbind_iommufd = vfio_iommufd_physical_unbind,			\
	.attach_ioas = vfio_iommufd_physical_attach_ioas,		\
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
#else
#define COMPAT_VFIO_IOMMUFD_PHYSICAL_OPS
#endif

/*
 * driver_override moved from struct pci_dev into struct device, with
 * device_set_driver_override(), within Debian's 6.12.y. NULL clears it.
 */
#include <linux/pci.h>
static inline int compat_set_driver_override(struct pci_dev *pdev, const char *name)
{
#ifdef VMPASS_HAVE_DEVICE_DRIVER_OVERRIDE
	return device_set_driver_override(&pdev->dev, name ? name : "");
#else
	return driver_set_override(&pdev->dev, &pdev->driver_override,
				   name ? name : "", name ? strlen(name) : 0);
#endif
}

#endif /* VMPASS_COMPAT_H */
