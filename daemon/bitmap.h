/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Bitmaps over page indices, 64 pages a word. */

static inline bool bit_test(const uint64_t *map, uint64_t bit)
{
	return map[bit / 64] & (UINT64_C(1) << (bit % 64));
}

static inline void bit_set(uint64_t *map, uint64_t bit)
{
	map[bit / 64] |= UINT64_C(1) << (bit % 64);
}

static inline void bit_clear(uint64_t *map, uint64_t bit)
{
	map[bit / 64] &= ~(UINT64_C(1) << (bit % 64));
}
