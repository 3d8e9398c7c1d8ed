// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: tty_port_operations.dtr_rts takes a bool and carrier_raised
 * returns one (6.3).
 */
#include <linux/tty_port.h>

static void conftest_dtr_rts(struct tty_port *port, bool active)
{
}

static bool conftest_carrier_raised(struct tty_port *port)
{
	return true;
}

const struct tty_port_operations conftest_port_ops = {
	.dtr_rts = conftest_dtr_rts,
	.carrier_raised = conftest_carrier_raised,
};
