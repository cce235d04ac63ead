/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ratelimit.h"

bool ratelimit_below(struct ratelimit *rl, uint64_t now_ns, unsigned *ret_suppressed)
{
	*ret_suppressed = 0;
	if (rl->num == 0 || now_ns - rl->begin_ns >= rl->interval_ns) {
		*ret_suppressed = rl->suppressed;
		rl->begin_ns = now_ns;
		rl->num = 0;
		rl->suppressed = 0;
	}
	if (rl->num < rl->burst) {
		rl->num++;
		return true;
	}
	rl->suppressed++;
	return false;
}
