// SPDX-License-Identifier: GPL-2.0
/*
 * A window that covers a 2 MiB-aligned, physically contiguous block (a
 * transparent huge page) is mapped with one 2 MiB IOMMU page, which INFO
 * counts in out_mapped_blocks; a change of the process's mapping anywhere
 * in it unmaps the whole block, and the device faults it back in.
 */
#include <sys/mman.h>
#include "iopf_mock.h"

#define PG	4096ULL
#define BLK	(2ULL << 20)
#define IOVA	0x400000ULL

int main(void)
{
	struct vfio_iopf_mock_dma out;
	struct vfio_iopf_info info;
	unsigned char *raw, *mem, buf[PG];
	long huge0 = t_proc_kb("/proc/meminfo", "AnonHugePages");
	struct t_vfio v;
	int fd;

	raw = t_alloc(4 * BLK);
	mem = (unsigned char *)(((unsigned long)raw + BLK - 1) & ~(BLK - 1));
	t_check(madvise(mem, 2 * BLK, MADV_HUGEPAGE) == 0);
	t_fill(mem, 2 * BLK, 9);
	if (t_proc_kb("/proc/meminfo", "AnonHugePages") - huge0 < 2048)
		t_skip("no transparent huge page backs the buffer");

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	t_check(t_map(v.container, mem, IOVA, 2 * BLK, T_RW) == 0);

	/* the fallback window is the aligned 2 MiB block around the fault */
	t_check(t_dma(v.device, 0, IOVA + 5 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && memcmp(buf, mem + 5 * PG, PG) == 0);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 512);
	t_check(info.out_mapped_blocks == 1);
	t_check(t_dma(v.device, 0, IOVA + BLK - PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0);

	/* one page of it changes: the whole block goes */
	t_check(madvise(mem + 7 * PG, PG, MADV_DONTNEED) == 0);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 0 && info.out_mapped_blocks == 0);
	t_check(t_dma(v.device, 0, IOVA + 7 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && buf[0] == 0);
	t_check(t_dma(v.device, 0, IOVA + 8 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0 && memcmp(buf, mem + 8 * PG, PG) == 0);

	t_check(t_unmap(v.container, IOVA, 2 * BLK, NULL) == 0);
	t_check(t_iopf_info(fd).out_mapped_pages == 0);
	t_check(t_locked_kb() == 0);
	return T_PASS;
}
