// SPDX-License-Identifier: GPL-2.0
/*
 * Without IOPF enabled, DMA to an unmapped IOVA or a write to a read-only
 * mapping stops with -ENXIO and raises no page request; the bytes before the
 * hole are transferred.
 */
#include "iopf_mock.h"

#define IOVA	0x200000ULL
#define PG	4096

int main(void)
{
	struct vfio_iopf_mock_dma out;
	unsigned char *mem = t_alloc(4 * PG), buf[4 * PG];
	struct t_vfio v;

	t_mock_setup(MOCK_FAULTING, &v);
	t_check(t_map(v.container, mem, IOVA, 2 * PG, T_RW) == 0);
	t_check(t_map(v.container, mem + 3 * PG, IOVA + 3 * PG, PG,
		      VFIO_DMA_MAP_FLAG_READ) == 0);

	t_check(t_dma(v.device, 0, IOVA, buf, 4 * PG, &out) == -ENXIO);
	t_check(out.out_done == 2 * PG && out.out_faults == 0);

	t_check(t_dma(v.device, 0, IOVA + 3 * PG, buf, PG, &out) == 0);
	t_check(t_dma(v.device, 1, IOVA + 3 * PG, buf, PG, &out) == -ENXIO);
	t_check(out.out_done == 0 && out.out_faults == 0);

	t_check(t_dma(v.device, 0, 0x7000000ULL, buf, 1, &out) == -ENXIO);
	return T_PASS;
}
