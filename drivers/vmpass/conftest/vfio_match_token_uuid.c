// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: vfio_device_ops has match_token_uuid, which
 * vfio_pci_core_match() calls unconditionally (not in 6.12; 7.2 has it).
 */
#include <linux/vfio_pci_core.h>

const struct vfio_device_ops conftest_vfio_ops = {
	.match = vfio_pci_core_match,
	.match_token_uuid = vfio_pci_core_match_token_uuid,
};
