// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel handler answers INVALID (never FAILURE) for an address
 * outside every DMA range and for a write to a read-only range; the device
 * keeps PRI and a later valid access still works.
 */
#include "iopf_mock.h"

#define IOVA	0x100000ULL
#define PG	4096

int main(void)
{
	struct vfio_iopf_mock_dma out;
	unsigned char *mem = t_alloc(8 * PG), buf[PG];
	struct vfio_iopf_info info;
	struct t_vfio v;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	t_check(t_map(v.container, mem, IOVA, 4 * PG, T_RW) == 0);
	t_check(t_map(v.container, mem + 4 * PG, IOVA + 4 * PG, 4 * PG,
		      VFIO_DMA_MAP_FLAG_READ) == 0);

	t_check(t_dma(v.device, 0, 0x7000000ULL, buf, 16, &out) == -EFAULT);
	t_check(out.out_faults == 1 && out.out_invalid == 1 && out.out_done == 0);

	t_check(t_dma(v.device, 1, IOVA + 5 * PG, buf, 16, &out) == -EFAULT);
	t_check(out.out_invalid == 1);
	/* reading the read-only range is fine */
	t_check(t_dma(v.device, 0, IOVA + 5 * PG, buf, 16, &out) == 0);
	/* still faulting normally after INVALID answers */
	t_check(t_dma(v.device, 1, IOVA, buf, 16, &out) == 0);
	t_check(out.out_faults == 1);

	info = t_iopf_info(fd);
	t_check(info.out_invalid == 2);
	t_check(info.out_faults == 4);
	return T_PASS;
}
