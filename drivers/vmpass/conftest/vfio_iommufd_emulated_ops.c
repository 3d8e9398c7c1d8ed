// SPDX-License-Identifier: GPL-2.0
/* Conftest: the emulated-IOMMU devices' iommufd ops exist (6.2). */
#include <linux/vfio.h>

const struct vfio_device_ops conftest_vfio_ops = {
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
};
