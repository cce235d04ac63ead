// SPDX-License-Identifier: GPL-2.0
/*
 * A fault whose deadline passes while the timeout work waits for the
 * container's lock is answered as soon as the work gets the lock, not a
 * timeout later.  The series before it was fixed read the time before
 * taking the lock, so such a fault did not look due yet; and it could not
 * move the work forward to its deadline, because a fault queued meanwhile
 * had armed it for that fault's own, later one.
 *
 * Faults A (device 0) and C (device 1, 20 ms later) are read and left to
 * the timeout T.  A RESOLVE of map-only entries over a large mapped range
 * holds the lock for about 4 T (calibrated); meanwhile fault B (device 2)
 * waits for the lock ahead of the timeout work, which A's deadline wakes.
 * When the RESOLVE ends, A and C are overdue: both must be answered within
 * T / 2 (the series before the fix answered C at B's deadline, T later).
 */
#define _GNU_SOURCE
#include "iopf_ring.h"
#include "iopf_long_resolve.h"

#define PG		4096ULL
#define IOVA		0x10000000ULL
#define SIZE		(4ULL << 20)
#define BIG_IOVA	0x100000000ULL

int main(void)
{
	unsigned char *mem = t_alloc(SIZE);
	struct t_timed_dma a = { 0 }, b = { 0 }, c = { 0 };
	unsigned int dma_wait_ms;
	struct t_vfio v0, v1, v2;
	struct t_ring r;
	struct t_long_resolve lr;
	pthread_t holder;
	double call_ms, held_from, late_a, late_c;
	unsigned int timeout_ms;

	t_mock_setup(MOCK_FAULTING, &v0);
	t_mock_attach(MOCK_FAULTING2, v0.container, &v1);
	t_mock_attach(3, v0.container, &v2);
	t_ring_setup(v0.container, &r, 20000);
	t_fill(mem, SIZE, 4);
	t_check(t_map(v0.container, mem, IOVA, SIZE, T_RW) == 0);

	call_ms = t_long_resolve_setup(&lr, v0.container, r.fd, BIG_IOVA);
	timeout_ms = call_ms / 4;
	if (timeout_ms < 40)
		t_fail("the long RESOLVE took %.1f ms: too short to hold the lock past a timeout",
		       call_ms);
	t_set_resolver(r.fd, r.efd, timeout_ms);
	/* A waits for the whole RESOLVE, about 4 T: 8 s and more in the debug flavour */
	dma_wait_ms = 4 * call_ms + 10000;

	t_timed_dma_start(&a, v0.device, IOVA, dma_wait_ms);
	t_ring_next(&r);
	/* a few jiffies later, so that C is due after A */
	usleep(20000);
	t_timed_dma_start(&c, v1.device, IOVA + SIZE / 2, dma_wait_ms);
	t_ring_next(&r);
	held_from = t_now_us();
	t_check(pthread_create(&holder, NULL, t_long_resolve, &lr) == 0);
	/* B waits for the lock from well before A's deadline */
	usleep(timeout_ms * 1000 / 4);
	t_timed_dma_start(&b, v2.device, IOVA + SIZE / 4, dma_wait_ms);
	t_check(pthread_join(holder, NULL) == 0);
	t_check(pthread_join(a.thread, NULL) == 0);
	t_check(pthread_join(b.thread, NULL) == 0);
	t_check(pthread_join(c.thread, NULL) == 0);
	if (a.status || b.status || c.status)
		t_fail("a DMA failed: A %d, B %d, C %d (each waits %u ms a page)",
		       a.status, b.status, c.status, dma_wait_ms);
	t_check(memcmp(a.buf, mem, PG) == 0 && memcmp(c.buf, mem + SIZE / 2, PG) == 0 &&
		memcmp(b.buf, mem + SIZE / 4, PG) == 0);
	late_a = (a.end_us - lr.end_us) / 1000;
	late_c = (c.end_us - lr.end_us) / 1000;
	printf("timeout %u ms, the lock held %.1f ms: A answered %.1f ms and C %.1f ms after the RESOLVE ended (at most %u)\n",
	       timeout_ms, (lr.end_us - held_from) / 1000, late_a, late_c, timeout_ms / 2);
	t_check(t_iopf_info(r.fd).out_timeouts == 3);
	if (late_a > timeout_ms / 2 || late_c > timeout_ms / 2)
		t_fail("an overdue fault waited %.1f ms after the lock was free",
		       late_c > late_a ? late_c : late_a);
	return T_PASS;
}
