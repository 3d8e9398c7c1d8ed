// SPDX-License-Identifier: GPL-2.0
/*
 * Conftest: hrtimer_setup() sets up a timer and its callback in one call
 * (6.13; hrtimer_init() is gone from 6.15).
 */
#include <linux/hrtimer.h>

static enum hrtimer_restart conftest_hrtimer_fn(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

void conftest_hrtimer_setup(struct hrtimer *timer);
void conftest_hrtimer_setup(struct hrtimer *timer)
{
	hrtimer_setup(timer, conftest_hrtimer_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
