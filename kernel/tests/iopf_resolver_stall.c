// SPDX-License-Identifier: GPL-2.0
/*
 * A resolver that has not even read a record by its timeout is taken for
 * gone: later faults are resolved in the kernel at once, without going
 * through the ring, until the resolver reads again or a resolver is set.
 * Without this, each fault after a resolver dies waits out the timeout.
 */
#include "iopf_ring.h"

#define IOVA	0x10000000ULL
#define SIZE	(16ULL << 20)
#define PG	4096ULL
/* pages far enough apart that no fallback window reaches the next one */
#define AT(n)	(IOVA + (n) * 600 * PG)

static __u32 producer(struct t_ring *r)
{
	return atomic_load(t_ring_u32(r, r->off.producer));
}

/*
 * A fault the resolver never reads, answered by the kernel: after the timeout
 * if it was @queued to the ring, at once and without a record if not.
 */
static void fault_to_kernel(struct t_vfio *v, struct t_ring *r,
			    unsigned char *mem, int n, int queued)
{
	struct vfio_iopf_info before = t_iopf_info(r->fd), after;
	unsigned char buf[PG];
	__u32 prod = producer(r);

	t_check(t_dma(v->device, 0, AT(n), buf, PG, NULL) == 0);
	t_check(memcmp(buf, mem + (AT(n) - IOVA), PG) == 0);
	after = t_iopf_info(r->fd);
	t_check(producer(r) == prod + queued);
	t_check(after.out_timeouts == before.out_timeouts + queued);
	t_check(after.out_fallback == before.out_fallback + 1);
}

/* A fault queued to the resolver, which answers it. */
static void fault_resolved(struct t_vfio *v, struct t_ring *r,
			   unsigned char *mem, int n)
{
	struct vfio_iopf_info before = t_iopf_info(r->fd), after;
	struct vfio_iopf_fault rec;
	unsigned char buf[PG];
	struct t_dma_job job;

	t_dma_start(&job, v->device, 0, AT(n), buf, PG);
	rec = t_ring_next(r);
	t_check(rec.iova == AT(n));
	t_check(t_resolve(r->fd, rec.cookie, AT(n), PG,
			  VFIO_IOPF_RESPONSE_SUCCESS) == 0);
	t_check(t_dma_wait(&job) == 0);
	t_check(memcmp(buf, mem + (AT(n) - IOVA), PG) == 0);
	after = t_iopf_info(r->fd);
	t_check(after.out_resolved == before.out_resolved + 1);
	t_check(after.out_timeouts == before.out_timeouts);
}

int main(void)
{
	unsigned char *mem = t_alloc(SIZE);
	struct vfio_iopf_fault rec;
	struct t_ring r;
	struct t_vfio v;
	int efd;

	t_mock_setup(MOCK_FAULTING, &v);
	t_ring_setup(v.container, &r, 200);
	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	t_fill(mem, SIZE, 11);

	/* the resolver reads nothing: one timeout, then no more waiting */
	fault_to_kernel(&v, &r, mem, 0, 1);
	fault_to_kernel(&v, &r, mem, 1, 0);
	fault_to_kernel(&v, &r, mem, 2, 0);

	/* it reads again (the stale record): faults go to it again */
	rec = t_ring_next(&r);
	t_check(rec.iova == AT(0));
	fault_resolved(&v, &r, mem, 3);

	/* stalled again, then a new resolver takes over: it gets the faults */
	fault_to_kernel(&v, &r, mem, 4, 1);
	fault_to_kernel(&v, &r, mem, 5, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	t_check(efd >= 0);
	t_set_resolver_flags(r.fd, VFIO_IOPF_RESOLVER_TAKEOVER, efd, 200);
	close(r.efd);
	r.efd = efd;
	rec = t_ring_next(&r);		/* the record that timed out */
	t_check(rec.iova == AT(4));
	fault_resolved(&v, &r, mem, 6);

	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	return T_PASS;
}
