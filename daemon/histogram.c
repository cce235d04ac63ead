/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "histogram.h"

#define SUB (1u << HISTOGRAM_SUB_BITS)

static unsigned bucket_of(uint64_t v)
{
	unsigned msb;

	if (v < SUB)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	/* Row msb - SUB_BITS + 1, column from the SUB_BITS bits below the top one. */
	return ((msb - HISTOGRAM_SUB_BITS + 1) << HISTOGRAM_SUB_BITS) |
	       (unsigned)((v >> (msb - HISTOGRAM_SUB_BITS)) & (SUB - 1));
}

/* The largest value that falls into bucket @b. */
static uint64_t bucket_top(unsigned b)
{
	unsigned row = b >> HISTOGRAM_SUB_BITS, col = b & (SUB - 1);
	unsigned shift;

	if (row == 0)
		return col;
	shift = row - 1;
	return (((uint64_t)(SUB | col) + 1) << shift) - 1;
}

void histogram_add(struct histogram *h, uint64_t value)
{
	h->buckets[bucket_of(value)]++;
	h->count++;
	h->sum += value;
	if (value > h->max)
		h->max = value;
}

uint64_t histogram_percentile(const struct histogram *h, unsigned permille)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	rank = (h->count * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return bucket_top(i) < h->max ? bucket_top(i) : h->max;
	}
	return h->max;
}
