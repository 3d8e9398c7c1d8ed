// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: driver_override lives in struct device and is set with
 * device_set_driver_override() (moved out of struct pci_dev in 6.12.y).
 */
#include <linux/device.h>

int conftest_device_driver_override(struct device *dev);
int conftest_device_driver_override(struct device *dev)
{
	return device_set_driver_override(dev, "vmpass");
}
