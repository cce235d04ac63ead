/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

/*
 * A CLOCK_MONOTONIC timerfd (O_CLOEXEC) that first expires after @delay_ns,
 * then every @period_ns; or a negative errno.
 */
int timerfd_periodic(uint64_t delay_ns, uint64_t period_ns);

/* CLOCK_MONOTONIC in nanoseconds: the clock fault timestamps use. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
