// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_IOPF_RELEASE unmaps and unpins pages mapped on demand (locked_vm goes
 * down by exactly those; a 2 MiB block mapped as one IOMMU page goes as a
 * whole), leaves eagerly pinned ranges alone, and the device faults again on
 * a released page; bad arguments give EINVAL.
 */
#include <stddef.h>
#include <sys/mman.h>
#include "iopf_mock.h"

#define IOVA	0x10000000ULL
#define SIZE	(8ULL << 20)
#define PG	4096

static int release(int fd, __u32 argsz, __u32 flags, __u64 iova, __u64 size,
		   __u64 *out)
{
	struct vfio_iopf_release rel = {
		.argsz = argsz, .flags = flags, .iova = iova, .size = size,
	};
	int ret = ioctl(fd, VFIO_IOPF_RELEASE, &rel);

	if (out)
		*out = rel.out_released;
	return ret;
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_mock_dma out;
	__u32 sz = sizeof(struct vfio_iopf_release);
	struct t_vfio v;
	__u64 rel;
	long base, kept;
	int fd, huge;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	/* small pages, so that a release can take part of a window */
	t_check(madvise(mem, SIZE, MADV_NOHUGEPAGE) == 0);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	base = t_locked_kb();
	t_check(t_dma(v.device, 0, IOVA, buf, PG, &out) == 0 && out.out_faults == 1);
	t_check(t_locked_kb() - base == 512 * 4);

	t_check_err(release(fd, offsetof(struct vfio_iopf_release, out_released), 0, IOVA, PG, NULL), EINVAL);
	t_check_err(release(fd, sz, 1, IOVA, PG, NULL), EINVAL);
	t_check_err(release(fd, sz, 0, IOVA + 1, PG, NULL), EINVAL);
	t_check_err(release(fd, sz, 0, IOVA, PG - 1, NULL), EINVAL);
	t_check_err(release(fd, sz, 0, IOVA, 0, NULL), EINVAL);
	t_check_err(release(fd, sz, 0, ~0ULL & ~(PG - 1ULL), 2 * PG, NULL), EINVAL);

	/*
	 * Release 16 pages in the middle of the window, and some unmapped
	 * ones.  If the window's pages happened to be one physically
	 * contiguous 2 MiB block, it is one IOMMU page and goes as a whole.
	 */
	huge = t_iopf_info(fd).out_mapped_blocks == 1;
	kept = huge ? 0 : 512 - 16;
	t_check(release(fd, sz, 0, IOVA + 100 * PG, 16 * PG, &rel) == 0);
	t_check(rel == (huge ? 512 : 16) * PG);
	t_check(release(fd, sz, 0, IOVA + 1000 * PG, 16 * PG, &rel) == 0);
	t_check(rel == 0);
	t_check(t_locked_kb() - base == kept * 4);
	t_check((long)t_iopf_info(fd).out_mapped_pages == kept);
	t_check(t_iopf_info(fd).out_mapped_blocks == 0);

	t_check(t_dma(v.device, 0, IOVA + 99 * PG, buf, PG, &out) == 0 &&
		out.out_faults == (huge ? 1 : 0));
	t_check(t_dma(v.device, 0, IOVA + 100 * PG, buf, PG, &out) == 0 &&
		out.out_faults == (huge ? 0 : 1));

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
