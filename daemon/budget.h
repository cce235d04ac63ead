/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A VM's pinned-memory budget: which pages iopfd has had mapped on demand,
 * and which to release before a new window would take the VM over its
 * limit.  Pure bookkeeping: the caller issues the releases and the maps.
 *
 * Pages are tracked in chunks of BUDGET_CHUNK_PAGES, the unit of release,
 * kept in order of last use (the last fault whose window touched them).
 * Without access bits, "cold" is "not faulted on for the longest", so the
 * oldest chunks go first.  A chunk faulted on again soon after its release
 * (while it is among the last BUDGET_GHOSTS released) was not cold: it gets
 * a second chance the next time it is the oldest.  Chunks a batch admits
 * are not released before the next batch begins, so no window is released
 * while the fault it was mapped for waits.  A fault always gets its own
 * page: if nothing can be released the window shrinks, to its chunk, then
 * to the page (a window larger than the limit, to its chunk at once).  Idle
 * reclaim releases, with no limit to reach, what has not
 * been faulted on for a while.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "policy.h"

#define BUDGET_CHUNK_PAGES 16u
#define BUDGET_GHOSTS 4096u
/* The most chunks one window may span: 64 GiB. */
#define BUDGET_WINDOW_CHUNKS_MAX (UINT64_C(1) << 20)

struct budget_stats {
	uint64_t pinned_pages;     /* now */
	uint64_t peak_pinned_pages;
	uint64_t released_pages;   /* pages of the chunks released */
	uint64_t idle_released_pages; /* of those, released for being idle */
	uint64_t refaults;         /* chunks mapped again while remembered as released */
	uint64_t shrunk;           /* windows cut to fit */
};

struct budget;

/* @limit_pages: at least 1. */
int budget_new(uint64_t limit_pages, struct budget **ret);
struct budget *budget_free(struct budget *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct budget *, budget_free);

/*
 * Changes the limit (at least 1 page): a lower one releases what is over it
 * with the next faults, oldest first, as they need room.
 */
void budget_set_limit(struct budget *b, uint64_t limit_pages);

/*
 * A new batch, at @now_ns (any clock, the same for budget_release_idle()):
 * the chunks the last one admitted may be released again.
 */
void budget_batch_begin(struct budget *b, uint64_t now_ns);

/*
 * Fits @w, the window for a fault at @iova, into the budget, and counts its
 * pages as pinned.  @w may shrink, never below the faulting page.  The
 * ranges to release first are returned through @ret_release (valid until the
 * next call), oldest first; *@ret_nrelease says how many.  -ENOMEM if the
 * bookkeeping cannot grow, -E2BIG for a window over
 * BUDGET_WINDOW_CHUNKS_MAX chunks: then nothing changed.
 */
int budget_admit(struct budget *b, uint64_t iova, struct iopf_window *w,
		 const struct iopf_window **ret_release, size_t *ret_nrelease);

/*
 * Idle reclaim: releases the chunks no batch has admitted since
 * @before_ns, oldest first, none of the current batch's.  The ranges are
 * returned as by budget_admit(); out of memory for the list, it stops
 * early and returns what it has.
 */
void budget_release_idle(struct budget *b, uint64_t before_ns, const struct iopf_window **ret_release,
			 size_t *ret_nrelease);

/*
 * The kernel did not release @w, a range budget_admit() or
 * budget_release_idle() returned: its chunks count as pinned again, first in
 * line to be released.  -ENOMEM if the bookkeeping cannot grow (a chunk
 * forgotten since counts as pinned whole), -EINVAL for a range it could not
 * have returned.
 */
int budget_release_failed(struct budget *b, const struct iopf_window *w);

void budget_get_stats(const struct budget *b, struct budget_stats *ret);
