// SPDX-License-Identifier: GPL-2.0
/*
 * With a resolver attached, a device fault appears in the mapped ring with a
 * non-zero cookie and the faulting page, range, permission and device; the
 * eventfd fires; VFIO_IOPF_RESOLVE maps the window the resolver names (and
 * only it), the device's DMA completes with the process's data, and the
 * counters say the fault was resolved by the resolver.
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(16ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[2 * PG];
	struct vfio_iopf_fault rec;
	struct vfio_iopf_info info;
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;
	long base;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 10000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 11);
	base = t_locked_kb();

	t_dma_start(&job, v.device, 0, IOVA + 100 * PG + 8, buf, 2 * PG);
	rec = t_ring_next(&r);
	t_check(rec.cookie != 0);
	t_check(rec.iova == IOVA + 100 * PG);
	t_check(rec.dma_iova == IOVA && rec.dma_size == SIZE);
	t_check(rec.perm == VFIO_IOPF_PERM_READ);
	t_check(rec.flags == 0 && rec.dev_id == 0 && rec.__reserved == 0);
	t_check(rec.timestamp_ns != 0);
	/* map four pages from the fault: the second page is inside */
	t_check(t_resolve(r.fd, rec.cookie, IOVA + 100 * PG, 4 * PG,
			  VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_dma_wait(&job) == 0);
	t_check(job.out.out_faults == 1 && job.out.out_done == 2 * PG);
	t_check(memcmp(buf, mem + 100 * PG + 8, 2 * PG) == 0);
	t_check(t_locked_kb() - base == 4 * PG / 1024);

	/* the cookie is gone once used */
	t_check(t_resolve(r.fd, rec.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID) == -ENOENT);

	/*
	 * A write fault, answered "already mapped" after mapping nothing:
	 * EINVAL, and the kernel answers it with its fallback window.
	 */
	t_dma_start(&job, v.device, 1, IOVA + 200 * PG, buf, 8);
	rec = t_ring_next(&r);
	t_check(rec.perm == (VFIO_IOPF_PERM_READ | VFIO_IOPF_PERM_WRITE));
	t_check(t_resolve(r.fd, rec.cookie, 0, 0, VFIO_IOPF_RESPONSE_SUCCESS) == -EINVAL);
	t_check(t_dma_wait(&job) == 0);
	t_check(memcmp(mem + 200 * PG, buf, 8) == 0);

	info = t_iopf_info(r.fd);
	t_check(info.out_faults == 2 && info.out_resolved == 1);
	t_check(info.out_invalid == 0 && info.out_fallback == 1);
	/* the window held the 4 pages mapped before */
	t_check(info.out_mapped_pages == info.out_fallback_pages);
	t_check(info.out_ring.mmap_size == r.off.mmap_size);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);
	return T_PASS;
}
