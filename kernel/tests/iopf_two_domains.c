// SPDX-License-Identifier: GPL-2.0
/*
 * A container with two domains that cannot be shared (iopf-mock3's domains
 * are of another type): when the second joins, the pages mapped on demand
 * are dropped from the first before it does, so that every domain maps the
 * same pages and none is asked to unmap what it never had (the mock IOMMU
 * warns then, as io-pgtable-arm does); a page faulted in by one device is
 * then mapped for both, and a change of the process's mapping unmaps it
 * from both.
 */
#include <sys/mman.h>
#include "iopf_mock.h"

#define PG	4096ULL
#define IOVA	0x400000ULL
#define SIZE	(8ULL << 20)
#define MOCK_OTHER_DOMAIN	3

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_mock_dma out;
	struct t_vfio a, b;
	int fd;

	t_mock_setup(MOCK_FAULTING, &a);
	fd = t_enable_iopf(a.container, NULL);
	t_check(t_map(a.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 3);
	t_check(t_dma(a.device, 0, IOVA, buf, PG, &out) == 0);
	t_check(out.out_faults == 1);
	t_check(t_dma(a.device, 0, IOVA + (4 << 20), buf, PG, &out) == 0);
	t_check(t_iopf_info(fd).out_mapped_pages > 0);

	t_mock_attach(MOCK_OTHER_DOMAIN, a.container, &b);
	t_check(t_iopf_info(fd).out_ndevices == 2);
	/* dropped from the first domain before the second joined */
	t_check(t_iopf_info(fd).out_mapped_pages == 0);
	t_check(t_locked_kb() == 0);

	/* faulted in by one device, mapped for both */
	t_check(t_dma(a.device, 0, IOVA + PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && memcmp(buf, mem + PG, PG) == 0);
	t_check(t_dma(b.device, 0, IOVA + 2 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0 && memcmp(buf, mem + 2 * PG, PG) == 0);
	t_check(t_dma(b.device, 0, IOVA + (6 << 20), buf, PG, &out) == 0);
	t_check(out.out_faults == 1);
	t_check(t_dma(a.device, 0, IOVA + (6 << 20) + PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0);

	/* the process drops a page: gone from both domains */
	t_check(madvise(mem + PG, PG, MADV_DONTNEED) == 0);
	t_check(t_dma(b.device, 0, IOVA + PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && buf[0] == 0 && buf[PG - 1] == 0);

	/* the second leaves; the first keeps working */
	close(b.device);
	t_check(ioctl(b.group, VFIO_GROUP_UNSET_CONTAINER) == 0);
	t_check(t_dma(a.device, 0, IOVA + (7 << 20), buf, PG, &out) == 0);
	t_check(memcmp(buf, mem + (7 << 20), PG) == 0);
	t_check(t_unmap(a.container, IOVA, SIZE, NULL) == 0);
	t_check(t_iopf_info(fd).out_mapped_pages == 0);
	t_check(t_locked_kb() == 0);
	return T_PASS;
}
