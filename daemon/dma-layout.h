/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where a simulated VM's memory sits in IOVA space: equal DMA ranges with
 * holes between them, like RAM split around an MMIO hole.  Pages are indexed
 * 0 .. npages - 1 across the ranges, in IOVA order.
 */

#include <stdint.h>

#define DMA_RANGES_MAX 64u
#define DMA_RANGE_GAP (UINT64_C(1) << 30) /* unmapped IOVA between DMA ranges */

struct dma_range {
	uint64_t iova;
	uint64_t first_page;
	uint64_t npages;
};

struct dma_layout {
	struct dma_range ranges[DMA_RANGES_MAX];
	uint32_t nranges;
	uint64_t npages;
};

/* -EINVAL unless 1 <= @nranges <= DMA_RANGES_MAX and every range gets a page. */
int dma_layout_init(uint64_t npages, uint32_t nranges, struct dma_layout *ret);
const struct dma_range *dma_layout_range_of_page(const struct dma_layout *l, uint64_t page);
/* The range holding @iova, or NULL if it falls in none (a gap, or past the last). */
const struct dma_range *dma_layout_range_of_iova(const struct dma_layout *l, uint64_t iova);
uint64_t dma_layout_page_iova(const struct dma_layout *l, uint64_t page);
