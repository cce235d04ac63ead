// SPDX-License-Identifier: GPL-2.0
/*
 * When the process's mapping changes under a range mapped on demand
 * (MADV_DONTNEED, munmap + a new mapping at the same address), the pages
 * mapped there are unmapped and unpinned at once: the device faults again and
 * sees the new contents, and locked_vm drops back.  Such a range cannot have
 * its vaddr invalidated (VFIO_DMA_UNMAP_FLAG_VADDR): EINVAL.
 */
#include "iopf_mock.h"

#define IOVA	0x10000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096

static void wait_locked(long want)
{
	int i;

	for (i = 0; i < 200 && t_locked_kb() != want; i++)
		usleep(10000);
	t_check(t_locked_kb() == want);
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iommu_type1_enable_iopf en;
	struct vfio_iommu_type1_dma_unmap vunmap = {
		.argsz = sizeof(vunmap),
		.flags = VFIO_DMA_UNMAP_FLAG_VADDR,
	};
	struct vfio_iopf_mock_dma out;
	struct vfio_iopf_info info;
	struct t_vfio v;
	long base;
	int fd;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, &en);
	if (!(en.out_features & VFIO_IOPF_FEATURE_NOTIFIER))
		t_skip("no VFIO_IOPF_FEATURE_NOTIFIER");
	/* a THP split would invalidate (correctly, but more than) 2 MiB */
	t_check(madvise(mem, SIZE, MADV_NOHUGEPAGE) == 0);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	base = t_locked_kb();
	memset(mem, 0x11, SIZE);

	t_check(t_dma(v.device, 0, IOVA, buf, PG, &out) == 0 && out.out_faults == 1);
	t_check(buf[0] == 0x11);
	t_check(t_locked_kb() - base == 512 * 4);

	/* drop the first 64 pages: the next read faults and sees zeroes */
	t_check(madvise(mem, 64 * PG, MADV_DONTNEED) == 0);
	info = t_iopf_info(fd);
	t_check(info.out_mapped_pages == 512 - 64);
	wait_locked(base + (512 - 64) * 4);
	t_check(t_dma(v.device, 0, IOVA + PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && buf[0] == 0 && buf[PG - 1] == 0);
	/* a page the notifier did not touch: no fault */
	t_check(t_dma(v.device, 0, IOVA + 100 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 0 && buf[0] == 0x11);

	/* replace pages 100..107 with a new mapping */
	t_check(mmap(mem + 100 * PG, 8 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == mem + 100 * PG);
	memset(mem + 100 * PG, 0x22, 8 * PG);
	t_check(t_dma(v.device, 0, IOVA + 100 * PG, buf, PG, &out) == 0);
	t_check(out.out_faults == 1 && buf[0] == 0x22);
	/* the device writes into the new page and the process sees it */
	memset(buf, 0x33, PG);
	t_check(t_dma(v.device, 1, IOVA + 101 * PG, buf, PG, &out) == 0);
	t_check(mem[101 * PG] == 0x33 && mem[102 * PG] == 0x22);

	/* the range is watched at its vaddr: it cannot move */
	vunmap.iova = IOVA;
	vunmap.size = SIZE;
	t_check_err(ioctl(v.container, VFIO_IOMMU_UNMAP_DMA, &vunmap), EINVAL);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	wait_locked(base);
	return T_PASS;
}
