/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ahead.h"
#include "macro.h"

int ahead_push(struct ahead *a, uint64_t iova, uint64_t size)
{
	if (size == 0)
		return 0;
	if (a->len == AHEAD_RANGES_MAX) {
		a->head = (a->head + 1) % a->max;
		a->len--;
		a->dropped++;
	}
	if (a->len == a->max) {
		size_t max = MIN(MAX(a->max * 2, (size_t)64), (size_t)AHEAD_RANGES_MAX);
		struct iopf_window *r = malloc(max * sizeof(*r));

		if (!r)
			return -ENOMEM;
		for (size_t i = 0; i < a->len; i++)
			r[i] = a->ranges[(a->head + i) % a->max];
		free(a->ranges);
		a->ranges = r;
		a->head = 0;
		a->max = max;
	}
	a->ranges[(a->head + a->len++) % a->max] = (struct iopf_window) { .iova = iova, .size = size };
	return 0;
}

static struct iopf_window *nth(struct ahead *a, size_t i)
{
	return &a->ranges[(a->head + i) % a->max];
}

/* Drops the empty ranges at the head, which ahead_claim() leaves. */
static void drop_empty_head(struct ahead *a)
{
	while (a->len && nth(a, 0)->size == 0) {
		a->head = (a->head + 1) % a->max;
		a->len--;
	}
}

static bool holds(const struct iopf_window *r, uint64_t iova)
{
	return iova >= r->iova && iova - r->iova < r->size;
}

bool ahead_take(struct ahead *a, uint64_t max_size, struct iopf_window *ret)
{
	struct iopf_window *r;

	drop_empty_head(a);
	if (a->len == 0)
		return false;
	r = nth(a, 0);
	*ret = (struct iopf_window) { .iova = r->iova, .size = MIN(r->size, max_size) };
	r->iova += ret->size;
	r->size -= ret->size;
	if (r->size == 0) {
		a->head = (a->head + 1) % a->max;
		a->len--;
	}
	return true;
}

bool ahead_claim(struct ahead *a, uint64_t iova, uint64_t max_size, struct iopf_window *ret)
{
	drop_empty_head(a);
	if (a->len == 0 || holds(nth(a, 0), iova))
		return false;
	for (size_t i = 1; i < a->len; i++) {
		struct iopf_window *r = nth(a, i);
		uint64_t rest;

		if (!holds(r, iova))
			continue;
		rest = r->size - (iova - r->iova);
		/* what is left below the fault stays queued; may be empty */
		r->size = iova - r->iova;
		/* past max_size, to the back; all of it if the queue cannot take it (r may move) */
		if (rest > max_size && ahead_push(a, iova + max_size, rest - max_size) == 0)
			rest = max_size;
		*ret = (struct iopf_window) { .iova = iova, .size = rest };
		return true;
	}
	return false;
}

bool ahead_answer_early(uint32_t device_faults, uint32_t batch_faults, uint64_t window_start,
			uint64_t page)
{
	return device_faults == batch_faults || window_start == page;
}

void ahead_done(struct ahead *a)
{
	free(a->ranges);
	*a = (struct ahead) { 0 };
}
