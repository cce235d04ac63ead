// SPDX-License-Identifier: GPL-2.0
/*
 * Closing the iopf fd while faults handed to the resolver are unanswered
 * resolves them in the kernel (the devices do not hang), and later faults
 * are resolved in the kernel too.
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(8ULL << 20)
#define PG	4096

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), b0[PG], b1[PG];
	struct t_dma_job j0, j1;
	struct t_vfio v, w;
	struct t_ring r;

	t_mock_setup(MOCK_FAULTING, &v);
	t_mock_attach(MOCK_FAULTING2, v.container, &w);
	t_ring_setup(v.container, &r, 60000);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 8);

	t_dma_start(&j0, v.device, 0, IOVA, b0, PG);
	t_dma_start(&j1, w.device, 0, IOVA + 1024 * PG, b1, PG);
	t_ring_next(&r);
	t_ring_next(&r);

	t_check(munmap(r.map, r.off.mmap_size) == 0);
	t_check(close(r.fd) == 0);
	t_check(t_dma_wait(&j0) == 0);
	t_check(t_dma_wait(&j1) == 0);
	t_check(memcmp(b0, mem, PG) == 0 && memcmp(b1, mem + 1024 * PG, PG) == 0);

	t_check(t_dma(v.device, 0, IOVA + 1800 * PG, b0, PG, NULL) == 0);
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	return T_PASS;
}
