/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A burst of events per interval, as systemd's RateLimit: what a hostile
 * client can make iopfd log is bounded, and what was dropped is counted
 * and said once the next interval lets a message through.
 */

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t interval_ns;
	unsigned burst;
	uint64_t begin_ns;
	unsigned num;
	unsigned suppressed;
};

#define RATELIMIT_INTERVAL_NS (UINT64_C(10) * 1000000000u)
#define RATELIMIT_BURST 20u

/*
 * Whether an event at @now_ns may go through.  When it is the first of a new
 * interval after some were dropped, *@ret_suppressed says how many (else 0).
 */
bool ratelimit_below(struct ratelimit *rl, uint64_t now_ns, unsigned *ret_suppressed);
