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
#include <sys/mman.h>
#include "iopf_ring.h"

#define PG		4096ULL
#define IOVA		0x10000000ULL
#define SIZE		(4ULL << 20)
#define BIG_IOVA	0x100000000ULL
#define BIG		(4ULL << 30)
#define ALIAS		(16ULL << 20)

/*
 * A waits for the whole RESOLVE, about 4 T: 8 s and more in the debug
 * flavour, past t_dma()'s 10 s on a slow host.  Its wait is set from the
 * calibration.
 */
static unsigned int dma_wait_ms;

struct timed_dma {
	pthread_t thread;
	int device, status;
	__u64 iova;
	unsigned char buf[PG];
	double end_us;
};

static void *dma_thread(void *arg)
{
	struct timed_dma *d = arg;

	d->status = t_dma_waiting(d->device, 0, d->iova, d->buf, PG, dma_wait_ms, NULL);
	d->end_us = t_now_us();
	return NULL;
}

static void dma_start(struct timed_dma *d, int device, __u64 iova)
{
	d->device = device;
	d->iova = iova;
	t_check(pthread_create(&d->thread, NULL, dma_thread, d) == 0);
}

static struct vfio_iopf_resolve *long_call;
static double long_end_us;

/* 1024 map-only entries over the mapped big range: one call, the lock held throughout */
static void *long_resolve(void *arg)
{
	int fd = *(int *)arg;

	t_check(ioctl(fd, VFIO_IOPF_RESOLVE, long_call) == 0);
	long_end_us = t_now_us();
	t_check(long_call->out_done == VFIO_IOPF_RESOLVE_MAX);
	return NULL;
}

int main(void)
{
	size_t len = sizeof(struct vfio_iopf_resolve) +
		     VFIO_IOPF_RESOLVE_MAX * sizeof(struct vfio_iopf_resolve_entry);
	unsigned char *mem = t_alloc(SIZE), *big;
	struct timed_dma a = { 0 }, b = { 0 }, c = { 0 };
	struct t_vfio v0, v1, v2;
	struct t_ring r;
	pthread_t holder;
	double t0, call_ms, held_from, late_a, late_c;
	unsigned int timeout_ms;
	int mfd, i;

	long_call = calloc(1, len);
	t_check(long_call != NULL);
	t_mock_setup(MOCK_FAULTING, &v0);
	t_mock_attach(MOCK_FAULTING2, v0.container, &v1);
	t_mock_attach(3, v0.container, &v2);
	t_ring_setup(v0.container, &r, 20000);
	t_fill(mem, SIZE, 4);
	t_check(t_map(v0.container, mem, IOVA, SIZE, T_RW) == 0);

	/* 4 GiB of 16 MiB shared memory, mapped 256 times over, all of it mapped */
	mfd = memfd_create("iopf", 0);
	t_check(mfd >= 0 && ftruncate(mfd, ALIAS) == 0);
	big = mmap(NULL, BIG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	t_check(big != MAP_FAILED);
	for (i = 0; i < (int)(BIG / ALIAS); i++)
		t_check(mmap(big + i * ALIAS, ALIAS, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, mfd, 0) == big + i * ALIAS);
	t_fill(big, ALIAS, 5);
	t_check(t_map(v0.container, big, BIG_IOVA, BIG, T_RW) == 0);
	t_check(t_resolve(r.fd, 0, BIG_IOVA, BIG, VFIO_IOPF_RESPONSE_SUCCESS) == 0);

	long_call->argsz = len;
	long_call->count = VFIO_IOPF_RESOLVE_MAX;
	for (i = 0; i < VFIO_IOPF_RESOLVE_MAX; i++)
		long_call->entries[i] = (struct vfio_iopf_resolve_entry) {
			.map_iova = BIG_IOVA, .map_size = BIG,
			.response = VFIO_IOPF_RESPONSE_SUCCESS,
		};
	t0 = t_now_us();
	long_resolve(&r.fd);
	call_ms = (long_end_us - t0) / 1000;
	timeout_ms = call_ms / 4;
	if (timeout_ms < 40)
		t_fail("the long RESOLVE took %.1f ms: too short to hold the lock past a timeout",
		       call_ms);
	t_set_resolver(r.fd, r.efd, timeout_ms);
	dma_wait_ms = 4 * call_ms + 10000;

	dma_start(&a, v0.device, IOVA);
	t_ring_next(&r);
	/* a few jiffies later, so that C is due after A */
	usleep(20000);
	dma_start(&c, v1.device, IOVA + SIZE / 2);
	t_ring_next(&r);
	held_from = t_now_us();
	t_check(pthread_create(&holder, NULL, long_resolve, &r.fd) == 0);
	/* B waits for the lock from well before A's deadline */
	usleep(timeout_ms * 1000 / 4);
	dma_start(&b, v2.device, IOVA + SIZE / 4);
	t_check(pthread_join(holder, NULL) == 0);
	t_check(pthread_join(a.thread, NULL) == 0);
	t_check(pthread_join(b.thread, NULL) == 0);
	t_check(pthread_join(c.thread, NULL) == 0);
	if (a.status || b.status || c.status)
		t_fail("a DMA failed: A %d, B %d, C %d (each waits %u ms a page)",
		       a.status, b.status, c.status, dma_wait_ms);
	t_check(memcmp(a.buf, mem, PG) == 0 && memcmp(c.buf, mem + SIZE / 2, PG) == 0 &&
		memcmp(b.buf, mem + SIZE / 4, PG) == 0);
	late_a = (a.end_us - long_end_us) / 1000;
	late_c = (c.end_us - long_end_us) / 1000;
	printf("timeout %u ms, the lock held %.1f ms: A answered %.1f ms and C %.1f ms after the RESOLVE ended (at most %u)\n",
	       timeout_ms, (long_end_us - held_from) / 1000, late_a, late_c, timeout_ms / 2);
	t_check(t_iopf_info(r.fd).out_timeouts == 3);
	if (late_a > timeout_ms / 2 || late_c > timeout_ms / 2)
		t_fail("an overdue fault waited %.1f ms after the lock was free",
		       late_c > late_a ? late_c : late_a);
	return T_PASS;
}
