/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <time.h>

/*
 * A CLOCK_MONOTONIC timerfd (O_CLOEXEC) that first expires after @delay_ns,
 * then every @period_ns; or a negative errno.
 */
int timerfd_periodic(uint64_t delay_ns, uint64_t period_ns);

/* @clock in nanoseconds; 0 if it cannot be read. */
static inline uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts = { 0 };

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds: the clock fault timestamps use. */
static inline uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* What the calling thread has run, not what it waited, in nanoseconds. */
static inline uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}
