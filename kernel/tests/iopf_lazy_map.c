// SPDX-License-Identifier: GPL-2.0
/*
 * With IOPF enabled, MAP_DMA pins nothing (locked_vm unchanged) even for a
 * range larger than guest RAM; a device access faults, the in-kernel handler
 * maps a window around the fault, the data is the process's, locked_vm grows
 * by exactly the pages mapped, and UNMAP_DMA brings it back to its baseline.
 */
#include "iopf_mock.h"

#define IOVA	0x40000000ULL
#define SIZE	(1ULL << 30)
#define PG	4096

int main(void)
{
	struct vfio_iopf_mock_dma out;
	struct vfio_iopf_info info;
	unsigned char buf[3 * PG], *mem;
	struct t_vfio v;
	__u64 unmapped;
	long base;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	mem = t_alloc_sparse(SIZE);
	base = t_locked_kb();
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_check(t_locked_kb() == base);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 0 && info.out_faults == 0);

	/* a read across a page boundary, in the middle of the range */
	t_fill(mem + 5 * PG, 3 * PG, 3);
	t_check(t_dma(v.device, 0, IOVA + 5 * PG + 100, buf, 2 * PG, &out) == 0);
	t_check(out.out_done == 2 * PG);
	t_check(out.out_faults == 1);	/* the window covers both pages */
	t_check(memcmp(buf, mem + 5 * PG + 100, 2 * PG) == 0);

	info = t_iopf_info(fd);
	t_check(info.out_faults == 1 && info.out_fallback == 1);
	t_check(info.out_invalid == 0);
	t_check(info.out_mapped_pages == info.out_fallback_pages);
	t_check(info.out_locked_pages == info.out_mapped_pages);
	t_check(t_locked_kb() - base == (long)info.out_mapped_pages * 4);

	/* a device write lands in the process's memory */
	t_fill(buf, sizeof(buf), 77);
	t_check(t_dma(v.device, 1, IOVA + 6 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0);
	t_check(memcmp(mem + 6 * PG, buf, PG) == 0);

	/* the last page of the range: the aligned block ending with it */
	t_check(t_dma(v.device, 0, IOVA + SIZE - 8, buf, 8, &out) == 0);
	t_check(out.out_faults == 1);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 2 * info.out_fallback_pages);

	t_check(t_unmap(v.container, IOVA, SIZE, &unmapped) == 0);
	t_check(unmapped == SIZE);
	t_check(t_locked_kb() == base);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 0);
	return T_PASS;
}
