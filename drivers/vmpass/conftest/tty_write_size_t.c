// SPDX-License-Identifier: GPL-2.0
/* Conftest: tty_operations.write takes a size_t and returns ssize_t (6.6). */
#include <linux/tty_driver.h>

static ssize_t conftest_write(struct tty_struct *tty, const u8 *buf, size_t count)
{
	return count;
}

const struct tty_operations conftest_tty_ops = {
	.write = conftest_write,
};
