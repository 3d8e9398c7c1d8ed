// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: VFIO_DEVICE_GET_REGION_INFO is answered by vfio_device_ops'
 * get_region_info_caps, no longer by vfio_pci_core_ioctl() (not in 6.12;
 * 7.2 has it).
 */
#include <linux/vfio_pci_core.h>

const struct vfio_device_ops conftest_vfio_ops = {
	.ioctl = vfio_pci_core_ioctl,
	.get_region_info_caps = vfio_pci_ioctl_get_region_info,
};
