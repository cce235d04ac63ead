// SPDX-License-Identifier: GPL-2.0
/*
 * UNMAP_DMA waiting on the MMU notifier's lazy_lock, on purpose rather than
 * by luck (iopf_notifier_unmap_race tries it at random).  Both threads run
 * on CPU 0; the one calling UNMAP_DMA is SCHED_FIFO and wakes up while the
 * other is inside MADV_DONTNEED of a large faulted-in range, whose notifier
 * holds lazy_lock while it unmaps every page.  On a preemptible kernel the
 * unmapper then runs the moment the notifier lets go of lazy_lock, before
 * the notifier's next statement: a notifier that counts the pages it
 * unpinned only after that (the series before it was fixed) has them
 * uncharged by nobody, and VmLck stays up.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <semaphore.h>
#include <sys/mman.h>
#include "iopf_ring.h"

#define IOVA	0x40000000ULL
#define SIZE	(64ULL << 20)

static struct t_vfio v;
static unsigned char *mem;
static sem_t go, done;
static double wake_at_us, unmap_start_us, unmap_end_us;

static void *unmapper(void *arg)
{
	for (;;) {
		while (sem_wait(&go))
			;
		if (wake_at_us < 0)
			return NULL;
		t_sleep_until_us(wake_at_us);
		unmap_start_us = t_now_us();
		t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
		unmap_end_us = t_now_us();
		t_check(sem_post(&done) == 0);
	}
}

/* Map the range and have the device fault every page of it in. */
static void fault_in(void)
{
	static unsigned char buf[1 << 20];
	__u64 off;

	t_check(t_map(v.container, mem, IOVA, SIZE, T_RW) == 0);
	for (off = 0; off < SIZE; off += sizeof(buf))
		t_check(t_dma(v.device, 0, IOVA + off, buf, sizeof(buf),
			      NULL) == 0);
}

int main(void)
{
	static const double fractions[] = { 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2 };
	struct sched_param prio = { .sched_priority = 10 };
	pthread_attr_t attr;
	cpu_set_t cpu0;
	double start, dontneed_us;
	int interleaved = 0;
	pthread_t t;
	long base;
	size_t i;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	t_check(sched_setaffinity(0, sizeof(cpu0), &cpu0) == 0);
	t_mock_setup(MOCK_FAULTING, &v);
	t_enable_iopf(v.container, NULL);
	mem = t_alloc(SIZE);
	/* one IOMMU page per 4 KiB page: the notifier's walk is long */
	madvise(mem, SIZE, MADV_NOHUGEPAGE);
	base = t_locked_kb();

	/* how long the notifier's MADV_DONTNEED takes with nobody racing it */
	fault_in();
	start = t_now_us();
	t_check(madvise(mem, SIZE, MADV_DONTNEED) == 0);
	dontneed_us = t_now_us() - start;
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == base);

	t_check(sem_init(&go, 0, 0) == 0 && sem_init(&done, 0, 0) == 0);
	t_check(pthread_attr_init(&attr) == 0);
	t_check(pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED) == 0);
	t_check(pthread_attr_setschedpolicy(&attr, SCHED_FIFO) == 0);
	t_check(pthread_attr_setschedparam(&attr, &prio) == 0);
	t_check(pthread_create(&t, &attr, unmapper, NULL) == 0);

	for (i = 0; i < sizeof(fractions) / sizeof(fractions[0]); i++) {
		double dontneed_end;

		fault_in();
		wake_at_us = t_now_us() + fractions[i] * dontneed_us;
		t_check(sem_post(&go) == 0);
		t_check(madvise(mem, SIZE, MADV_DONTNEED) == 0);
		dontneed_end = t_now_us();
		while (sem_wait(&done))
			;
		if (unmap_start_us < dontneed_end)
			interleaved++;
		printf("round %zu: UNMAP_DMA at %.0f%% of MADV_DONTNEED (%.1f ms alone), "
		       "%s it, returned %.1f ms after it; VmLck %ld kB (base %ld)\n",
		       i, fractions[i] * 100, dontneed_us / 1e3,
		       unmap_start_us < dontneed_end ? "inside" : "after",
		       (unmap_end_us - dontneed_end) / 1e3, t_locked_kb(), base);
		if (t_locked_kb() != base)
			t_fail("round %zu: VmLck %ld kB after UNMAP_DMA, want %ld kB",
			       i, t_locked_kb(), base);
	}
	wake_at_us = -1;
	t_check(sem_post(&go) == 0);
	t_check(pthread_join(t, NULL) == 0);

	/* without preemption the unmapper waits for MADV_DONTNEED's return */
	if (t_kernel_preemptible() && !interleaved)
		t_fail("no UNMAP_DMA ran inside MADV_DONTNEED on a preemptible kernel");
	printf("%d of %zu UNMAP_DMA calls ran inside MADV_DONTNEED (%s kernel)\n",
	       interleaved, i, t_kernel_preemptible() ? "preemptible" : "non-preemptible");
	return T_PASS;
}
