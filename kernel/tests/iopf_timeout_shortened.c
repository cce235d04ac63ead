// SPDX-License-Identifier: GPL-2.0
/*
 * A resolver that shortens its timeout (VFIO_IOPF_SET_RESOLVER again with
 * the same eventfd) has the faults queued from then on answered by the new
 * one, even though the timeout work is already queued for the old, later
 * deadline of an earlier fault: the work is pulled forward (the series
 * before it was fixed left it queued, and the new fault waited out the old
 * timeout).
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(4ULL << 20)
#define PG	4096
#define LONG_MS		20000
#define SHORT_MS	100

int main(void)
{
	unsigned char *mem = t_alloc(SIZE), buf[PG];
	struct vfio_iopf_fault rec;
	struct t_dma_job job;
	struct t_ring r;
	struct t_vfio v;
	double t0, waited_ms;
	int ret;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, LONG_MS);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 6);

	/* a fault answered at once leaves the timeout work queued for LONG_MS */
	t_dma_start(&job, v.device, 0, IOVA, buf, PG);
	rec = t_ring_next(&r);
	t_check(t_resolve(r.fd, rec.cookie, IOVA, PG, VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_dma_wait(&job) == 0);

	t_set_resolver(r.fd, r.efd, SHORT_MS);
	/* read, not answered: the resolver is alive, the fault waits */
	t_dma_start(&job, v.device, 0, IOVA + SIZE / 2, buf, PG);
	rec = t_ring_next(&r);
	t0 = t_now_us();
	ret = t_dma_wait(&job);
	waited_ms = (t_now_us() - t0) / 1000;
	if (ret)
		t_fail("the DMA failed with %d after %.0f ms", ret, waited_ms);
	t_check(memcmp(buf, mem + SIZE / 2, PG) == 0);
	/* answered by the kernel's fallback: the cookie is gone */
	t_check(t_resolve(r.fd, rec.cookie, IOVA + SIZE / 2, PG,
			  VFIO_IOPF_RESPONSE_SUCCESS) == -ENOENT);
	t_check(t_iopf_info(r.fd).out_timeouts == 1);
	printf("answered %.0f ms after it was read, with the timeout cut from %d to %d ms\n",
	       waited_ms, LONG_MS, SHORT_MS);
	if (waited_ms > 3000)
		t_fail("the fault waited %.0f ms: the old %d ms timeout still held", waited_ms,
		       LONG_MS);
	return T_PASS;
}
