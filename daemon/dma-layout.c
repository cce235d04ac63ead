/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "dma-layout.h"
#include "policy.h"

int dma_layout_init(uint64_t npages, uint32_t nranges, struct dma_layout *ret)
{
	uint64_t per, iova = 0, first = 0;

	if (nranges == 0 || nranges > DMA_RANGES_MAX || npages < nranges)
		return -EINVAL;
	per = npages / nranges;
	ret->nranges = nranges;
	ret->npages = npages;
	for (uint32_t r = 0; r < nranges; r++) {
		uint64_t n = r == nranges - 1 ? npages - first : per;

		ret->ranges[r] = (struct dma_range) { .iova = iova, .first_page = first, .npages = n };
		iova += (n << IOPF_PAGE_SHIFT) + DMA_RANGE_GAP;
		first += n;
	}
	return 0;
}

const struct dma_range *dma_layout_range_of_page(const struct dma_layout *l, uint64_t page)
{
	uint32_t lo = 0, hi = l->nranges - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;

		if (l->ranges[mid].first_page <= page)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &l->ranges[lo];
}

const struct dma_range *dma_layout_range_of_iova(const struct dma_layout *l, uint64_t iova)
{
	for (uint32_t i = 0; i < l->nranges; i++) {
		const struct dma_range *rg = &l->ranges[i];

		if (iova >= rg->iova && iova - rg->iova < rg->npages << IOPF_PAGE_SHIFT)
			return rg;
	}
	return NULL;
}

uint64_t dma_layout_page_iova(const struct dma_layout *l, uint64_t page)
{
	const struct dma_range *rg = dma_layout_range_of_page(l, page);

	return rg->iova + ((page - rg->first_page) << IOPF_PAGE_SHIFT);
}
