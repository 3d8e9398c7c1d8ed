/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels vmpass supports
 * (6.1 to the newest) lives here, and nowhere else.
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

/* The same for a device with an emulated IOMMU (the mdev card). */
#ifdef VMPASS_HAVE_VFIO_IOMMUFD_EMULATED_OPS
#define COMPAT_VFIO_IOMMUFD_EMULATED_OPS				\
	.bind_iommufd = vfio_iommufd_emulated_bind,			\
	.unbind_iommufd = vfio_iommufd_emulated_unbind,			\
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,		\
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#else
#define COMPAT_VFIO_IOMMUFD_EMULATED_OPS
#endif

/*
 * VFIO migration drivers report the size of their STOP_COPY stream
 * (VFIO_DEVICE_FEATURE_MIG_DATA_SIZE) since 6.3; before, nothing asks. For
 * the mediated card.
 */
#ifdef VMPASS_HAVE_VFIO_MIG_GET_DATA_SIZE
#define COMPAT_VFIO_CARD_MIG_DATA_SIZE_OP				\
	.migration_get_data_size = card_mig_get_data_size,
#else
#define COMPAT_VFIO_CARD_MIG_DATA_SIZE_OP
#endif

/*
 * Until 6.2 the VFIO core did not free a vfio_device: its ops' release
 * had to end with vfio_free_device().
 */
#ifdef VMPASS_HAVE_VFIO_FREE_DEVICE
#define compat_vfio_release_done(vdev)	vfio_free_device(vdev)
#else
#define compat_vfio_release_done(vdev)	((void)(vdev))
#endif

/*
 * uart_port.serial_in/serial_out: an unsigned int offset and a u32 value
 * after 6.12 (the 8250 test helper registers a port with its own).
 */
#ifdef VMPASS_HAVE_UART_PORT_SERIAL_U32
#define COMPAT_SERIAL_OFFSET	unsigned int
#define COMPAT_SERIAL_IN_RET	u32
#define COMPAT_SERIAL_VALUE	u32
#else
#define COMPAT_SERIAL_OFFSET	int
#define COMPAT_SERIAL_IN_RET	unsigned int
#define COMPAT_SERIAL_VALUE	int
#endif

/*
 * hrtimer_setup() (6.13) sets the callback with the timer; hrtimer_init()
 * and a separate ->function store are all older kernels have, and
 * hrtimer_init() is gone from 6.15.
 */
#include <linux/hrtimer.h>
static inline void compat_hrtimer_setup(struct hrtimer *timer,
					enum hrtimer_restart (*function)(struct hrtimer *),
					clockid_t clock_id, enum hrtimer_mode mode)
{
#ifdef VMPASS_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, function, clock_id, mode);
#else
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
#endif
}

/*
 * Newer vfio_pci_core (7.2 has it, 6.12 does not) expects two more ops of
 * a variant driver: vfio_pci_core_match() calls ->match_token_uuid without
 * checking it, and VFIO_DEVICE_GET_REGION_INFO goes to
 * ->get_region_info_caps instead of vfio_pci_core_ioctl().
 */
#ifdef VMPASS_HAVE_VFIO_MATCH_TOKEN_UUID
#define COMPAT_VFIO_PCI_MATCH_TOKEN_UUID_OP				\
	.match_token_uuid = vfio_pci_core_match_token_uuid,
#else
#define COMPAT_VFIO_PCI_MATCH_TOKEN_UUID_OP
#endif
#ifdef VMPASS_HAVE_VFIO_GET_REGION_INFO_CAPS
#define COMPAT_VFIO_PCI_GET_REGION_INFO_OP				\
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
#else
#define COMPAT_VFIO_PCI_GET_REGION_INFO_OP
#endif

/*
 * The same change for any VFIO device: where the core answers
 * VFIO_DEVICE_GET_REGION_INFO itself, it asks ->get_region_info_caps and
 * fails the ioctl without it; before, the ioctl went to ->ioctl. For the
 * mediated card, whose card_region_info() answers either way.
 */
#ifdef VMPASS_HAVE_VFIO_GET_REGION_INFO_CAPS
#define COMPAT_VFIO_CARD_REGION_INFO_OP					\
	.get_region_info_caps = card_region_info,
#else
#define COMPAT_VFIO_CARD_REGION_INFO_OP
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

/*
 * Does @pdev's driver_override name @drv: > 0 yes, 0 another driver, < 0
 * none. Call with the device lock held (it guards pci_dev's copy).
 */
static inline int compat_driver_override_match(struct pci_dev *pdev,
					       const struct device_driver *drv)
{
#ifdef VMPASS_HAVE_DEVICE_DRIVER_OVERRIDE
	/*
	 * device_match_driver_override(), spelled out: sparse cannot follow
	 * its guard(spinlock) and reports a context imbalance.
	 */
	int ret = -1;

	spin_lock(&pdev->dev.driver_override.lock);
	if (pdev->dev.driver_override.name)
		ret = !strcmp(pdev->dev.driver_override.name, drv->name);
	spin_unlock(&pdev->dev.driver_override.lock);
	return ret;
#else
	if (!pdev->driver_override)
		return -1;
	return !strcmp(pdev->driver_override, drv->name);
#endif
}

/*
 * Clear @pdev's driver_override if it names @drv; the device lock is held
 * (by a probe or remove), so driver_set_override(), which takes it, cannot
 * be used where driver_override is still pci_dev's.
 */
static inline void compat_clear_driver_override_locked(struct pci_dev *pdev,
						       const struct device_driver *drv)
{
	const char *old = NULL;

	device_lock_assert(&pdev->dev);
#ifdef VMPASS_HAVE_DEVICE_DRIVER_OVERRIDE
	/* Checked and cleared in one hold of its lock, as in device_match_driver_override(). */
	spin_lock(&pdev->dev.driver_override.lock);
	if (pdev->dev.driver_override.name &&
	    !strcmp(pdev->dev.driver_override.name, drv->name)) {
		old = pdev->dev.driver_override.name;
		pdev->dev.driver_override.name = NULL;
	}
	spin_unlock(&pdev->dev.driver_override.lock);
#else
	if (pdev->driver_override && !strcmp(pdev->driver_override, drv->name)) {
		old = pdev->driver_override;
		pdev->driver_override = NULL;
	}
#endif
	kfree(old);
}

#endif /* VMPASS_COMPAT_H */
