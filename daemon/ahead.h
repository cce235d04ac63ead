/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What is left to map ahead of faults: the rest of windows whose faults
 * were answered once their first pages were mapped.  A FIFO of ranges,
 * handed out a chunk at a time so that faults can go first in between.
 * Bounded: past AHEAD_RANGES_MAX ranges the oldest are dropped (mapping
 * ahead is an optimisation; a dropped range faults again at worst).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define AHEAD_RANGES_MAX 4096u

struct ahead {
	struct iopf_window *ranges;
	size_t head, len, max;
	uint64_t dropped;   /* ranges dropped for the bound */
};

/* Queues [iova, iova + size); nothing for size 0.  -ENOMEM if it cannot grow. */
int ahead_push(struct ahead *a, uint64_t iova, uint64_t size);
/* The next at most @max_size bytes of the oldest range; false if none is left. */
bool ahead_take(struct ahead *a, uint64_t max_size, struct iopf_window *ret);
/*
 * A fault at @iova, page aligned: if a queued range other than the oldest
 * holds it, takes [iova, that range's end), at most @max_size bytes of it,
 * out of the queue into @ret and returns true; what is left past those
 * goes to the back of the queue.  The device caught up with map-ahead that
 * reaches it only after the ranges before it, while faults go first:
 * waiting for it, the device would fault every chunk.  False if no range
 * holds @iova, or the oldest does (the next chunk maps it: the device
 * follows right behind).
 */
bool ahead_claim(struct ahead *a, uint64_t iova, uint64_t max_size, struct iopf_window *ret);
/*
 * Whether a fault whose window starts at @window_start is answered once its
 * page at @page and the ones after it up to ahead_pages are mapped, the
 * rest queued: when the batch's @batch_faults are all its device's
 * (@device_faults), or when the window starts at it (a run going forward:
 * the device needs the first pages now, the rest in order).  Mapped whole,
 * such a window held up the other devices' faults behind it: in make
 * bench, mix at 4 x 1, where the random device waited behind the streaming
 * devices' windows, and sequential at 2 x 16, 1.50 T* (258 ms early, 374
 * whole).  A block around a random fault is mapped whole: the device's
 * next fault may land anywhere in it.
 */
bool ahead_answer_early(uint32_t device_faults, uint32_t batch_faults, uint64_t window_start,
			uint64_t page);
void ahead_done(struct ahead *a);
