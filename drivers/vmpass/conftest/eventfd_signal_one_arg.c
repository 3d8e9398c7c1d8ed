// SPDX-License-Identifier: GPL-2.0
/* Conftest: eventfd_signal() takes only the context (6.8). */
#include <linux/eventfd.h>

void conftest_eventfd_signal(struct eventfd_ctx *ctx);
void conftest_eventfd_signal(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx);
}
