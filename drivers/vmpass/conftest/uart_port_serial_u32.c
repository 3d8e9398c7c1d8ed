// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: uart_port's serial_in/serial_out take an unsigned int offset
 * and a u32 value (after 6.12; int and int before).
 */
#include <linux/serial_core.h>

static u32 conftest_serial_in(struct uart_port *port, unsigned int offset)
{
	return 0;
}

static void conftest_serial_out(struct uart_port *port, unsigned int offset, u32 value)
{
}

void conftest_uart_port_serial(struct uart_port *port);
void conftest_uart_port_serial(struct uart_port *port)
{
	port->serial_in = conftest_serial_in;
	port->serial_out = conftest_serial_out;
}
