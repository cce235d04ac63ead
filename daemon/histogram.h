/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Latency histogram with log-linear buckets: 16 sub-buckets per power of two,
 * so any percentile is within about 6% of the true value, in constant memory.
 */

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 4
#define HISTOGRAM_BUCKETS ((64 - HISTOGRAM_SUB_BITS + 1) << HISTOGRAM_SUB_BITS)

struct histogram {
	uint64_t count;
	uint64_t sum;
	uint64_t max;
	uint64_t buckets[HISTOGRAM_BUCKETS];
};

void histogram_add(struct histogram *h, uint64_t value);
/* The value below which @permille thousandths of the samples fall; 0 when empty. */
uint64_t histogram_percentile(const struct histogram *h, unsigned permille);
