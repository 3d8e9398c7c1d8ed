// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: vfio_free_device() exists (6.1 only); a vfio_device_ops.release
 * must then end with it, as the VFIO core does not free the device itself.
 */
#include <linux/vfio.h>

void conftest_release(struct vfio_device *vdev);
void conftest_release(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}
