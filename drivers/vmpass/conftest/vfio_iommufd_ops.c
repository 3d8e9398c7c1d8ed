// SPDX-License-Identifier: GPL-2.0
/* Conftest: vfio_device_ops has the iommufd ops (6.2). */
#include <linux/vfio.h>

const struct vfio_device_ops conftest_vfio_ops = {
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};
