// SPDX-License-Identifier: GPL-2.0
/* hrtimer_setup() (6.13) replaced hrtimer_init() and the separate callback. */
#include <linux/hrtimer.h>

static enum hrtimer_restart probe_fn(struct hrtimer *timer)
{
	return HRTIMER_NORESTART;
}

void probe(struct hrtimer *timer)
{
#if defined(SEMCTL_HAVE_HRTIMER_SETUP)
	hrtimer_setup(timer, probe_fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
#elif defined(SEMCTL_HRTIMER_INIT)
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	timer->function = probe_fn;
#endif
}
