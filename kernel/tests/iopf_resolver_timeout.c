// SPDX-License-Identifier: GPL-2.0
/*
 * A fault the resolver does not answer within its timeout is resolved by the
 * kernel's fallback window; the late answer finds no cookie.
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_fault rec;
	struct vfio_iopf_info info;
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 200);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 4);

	t_dma_start(&job, v.device, 0, IOVA + 3 * PG, buf, PG);
	rec = t_ring_next(&r);
	t_check(t_dma_wait(&job) == 0);
	t_check(memcmp(buf, mem + 3 * PG, PG) == 0);
	t_check(t_resolve(r.fd, rec.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID) == -ENOENT);

	info = t_iopf_info(r.fd);
	t_check(info.out_timeouts == 1 && info.out_fallback == 1);
	t_check(info.out_resolved == 0);
	t_check(info.out_mapped_pages == info.out_fallback_pages);
	return T_PASS;
}
