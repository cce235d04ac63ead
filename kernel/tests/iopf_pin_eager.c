// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DMA_MAP_FLAG_PIN_EAGER keeps one range pinned and mapped in an IOPF
 * container: locked_vm grows at MAP_DMA, the device never faults on it,
 * VFIO_IOPF_RELEASE leaves it alone, UNMAP_DMA unpins it; other ranges stay
 * lazy.  INFO's out_locked_pages counts what the lazy ones charge, as the
 * header says, and the eager range's charge is VmLck's rest.  With
 * VFIO_DMA_MAP_FLAG_VADDR it is EINVAL.
 */
#include "iopf_mock.h"

#define IOVA	0x10000000ULL
#define SIZE	(1ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *eager = t_alloc(SIZE), *lazy = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_release rel = { .argsz = sizeof(rel) };
	struct vfio_iopf_mock_dma out;
	struct t_vfio v;
	long base;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	base = t_locked_kb();
	t_check(t_map(v.container, eager, IOVA, SIZE,
		      T_RW | VFIO_DMA_MAP_FLAG_PIN_EAGER) == 0);
	t_check(t_locked_kb() - base == SIZE / 1024);
	t_check(t_map(v.container, lazy, IOVA + SIZE, SIZE, T_RW) == 0);
	t_check(t_locked_kb() - base == SIZE / 1024);

	t_fill(eager, SIZE, 6);
	t_check(t_dma(v.device, 0, IOVA + SIZE - PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0 && memcmp(buf, eager + SIZE - PG, PG) == 0);
	t_check(t_dma(v.device, 0, IOVA + SIZE, buf, PG, &out) == 0);
	t_check(out.out_faults == 1);
	t_check(t_iopf_info(fd).out_locked_pages == SIZE / PG);	/* the lazy range's window */
	t_check(t_locked_kb() - base == 2 * SIZE / 1024);

	rel.iova = IOVA;
	rel.size = 2 * SIZE;
	t_check(ioctl(fd, VFIO_IOPF_RELEASE, &rel) == 0);
	t_check(rel.out_released == SIZE);	/* the lazy range's 256 pages */
	t_check(t_locked_kb() - base == SIZE / 1024);
	t_check(t_dma(v.device, 0, IOVA, buf, PG, &out) == 0 && out.out_faults == 0);

	t_check_err(t_map(v.container, eager, IOVA, SIZE,
			  VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_PIN_EAGER), EINVAL);

	t_check(t_unmap(v.container, IOVA, 2 * SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
