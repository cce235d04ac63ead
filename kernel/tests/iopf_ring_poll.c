// SPDX-License-Identifier: GPL-2.0
/*
 * The iopf fd polls readable while records are unconsumed; a fault that can
 * only be answered INVALID (permission missing, no DMA range) is answered at
 * once and never reaches the ring.  Poll goes by the kernel's own producer
 * index, not the ring's copy, which any process that maps the ring can
 * write (the series before it was fixed read the copy).
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(1ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *mem = t_alloc(2 * SIZE), buf[PG];
	struct pollfd p;
	struct vfio_iopf_fault rec;
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 10000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_check(t_map(v.container, mem + SIZE, IOVA + SIZE, SIZE,
		      VFIO_DMA_MAP_FLAG_READ) == 0);

	p.fd = r.fd;
	p.events = POLLIN;
	t_check(poll(&p, 1, 0) == 0);

	t_check(t_dma(v.device, 1, IOVA + SIZE, buf, 8, NULL) == -EFAULT);
	t_check(t_dma(v.device, 0, 0x7000000ULL, buf, 8, NULL) == -EFAULT);
	t_check(*t_ring_u32(&r, r.off.producer) == 0);
	t_check(t_iopf_info(r.fd).out_invalid == 2);

	*t_ring_u32(&r, r.off.producer) = 5;
	t_check(poll(&p, 1, 0) == 0);
	*t_ring_u32(&r, r.off.producer) = 0;

	t_dma_start(&job, v.device, 0, IOVA, buf, 8);
	t_check(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN));
	rec = t_ring_next(&r);
	t_check(poll(&p, 1, 0) == 0);
	t_check(t_resolve(r.fd, rec.cookie, IOVA, PG, VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_dma_wait(&job) == 0);
	return T_PASS;
}
