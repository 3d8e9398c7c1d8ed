// SPDX-License-Identifier: GPL-2.0
/* Conftest: VFIO migration drivers report their stream size (6.3). */
#include <linux/vfio.h>

static int conftest_data_size(struct vfio_device *vdev, unsigned long *len)
{
	return 0;
}

const struct vfio_migration_ops conftest_mig_ops = {
	.migration_get_data_size = conftest_data_size,
};
