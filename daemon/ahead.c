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

bool ahead_take(struct ahead *a, uint64_t max_size, struct iopf_window *ret)
{
	struct iopf_window *r;

	if (a->len == 0)
		return false;
	r = &a->ranges[a->head];
	*ret = (struct iopf_window) { .iova = r->iova, .size = MIN(r->size, max_size) };
	r->iova += ret->size;
	r->size -= ret->size;
	if (r->size == 0) {
		a->head = (a->head + 1) % a->max;
		a->len--;
	}
	return true;
}

void ahead_done(struct ahead *a)
{
	free(a->ranges);
	*a = (struct ahead) { 0 };
}
