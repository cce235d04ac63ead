// SPDX-License-Identifier: GPL-2.0
/*
 * A map-only RESOLVE entry over blocks that are mapped already pins
 * nothing, so nothing in the walk over them let other threads run: any
 * holder of the iopf fd could keep a CPU for as long as it liked, under the
 * container's lock, with VFIO_IOPF_RESOLVE_MAX entries over a large mapped
 * range.  Here the range is 4 GiB of 16 MiB of shared memory mapped 256
 * times over, and 1024 entries over all of it (2M blocks a call, about
 * 200 ns each under TCG) run while a SCHED_FIFO thread sleeps 1 ms at a
 * time; with one CPU
 * and no preemption (the normal flavour) the thread gets the CPU only where
 * the kernel yields.  It must never wait longer than GAP_MAX_MS or a tenth
 * of the longest call, whichever is longer, and the calls must take long
 * enough for that to mean something.  Without the yield it waits out a
 * whole call.  Under KASAN the calls take 14 s, and a compile beside the
 * guest on the 2-CPU host once stretched a wait to 44 ms there.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include "iopf_long_resolve.h"

#define PG		4096ULL
#define SIZE		T_ALIASED_SIZE
#define IOVA		0x40000000ULL
#define CALLS		2
/* a 1 ms sleep ends within two 4 ms jiffies; an idle guest's worst is 7-17 ms */
#define GAP_MAX_MS	40

static atomic_int stop;
static double worst_gap_us;

static void *tick(void *arg)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec ms = { 0, 1000000 };
	double last = t_now_us(), now;

	t_check(pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0);
	while (!atomic_load(&stop)) {
		nanosleep(&ms, NULL);
		now = t_now_us();
		if (now - last > worst_gap_us)
			worst_gap_us = now - last;
		last = now;
	}
	return NULL;
}

int main(void)
{
	struct vfio_iopf_resolve *r;
	double t0, call_us, longest_us = 0, gap_max_us;
	pthread_t ticker;
	struct t_vfio v;
	int fd, i, k;

	t_mock_setup(MOCK_FAULTING, &v);
	fd = t_enable_iopf(v.container, NULL);
	t_map_aliased(v.container, fd, IOVA, 3);
	t_check(t_iopf_info(fd).out_mapped_pages == SIZE / PG);
	r = t_long_call(IOVA);
	t_check(pthread_create(&ticker, NULL, tick, NULL) == 0);
	for (k = 0; k < CALLS; k++) {
		t0 = t_now_us();
		t_check(ioctl(fd, VFIO_IOPF_RESOLVE, r) == 0);
		call_us = t_now_us() - t0;
		t_check(r->out_done == VFIO_IOPF_RESOLVE_MAX);
		for (i = 0; i < VFIO_IOPF_RESOLVE_MAX; i++)
			t_check(r->entries[i].out_result == 0);
		if (call_us > longest_us)
			longest_us = call_us;
	}
	atomic_store(&stop, 1);
	t_check(pthread_join(ticker, NULL) == 0);
	gap_max_us = longest_us / 10 > GAP_MAX_MS * 1e3 ? longest_us / 10 : GAP_MAX_MS * 1e3;
	fprintf(stderr, "%d calls of %d map-only entries over a mapped %llu MiB: the longest %.1f ms; the ticker waited %.1f ms at most (at most %.1f)\n",
		CALLS, VFIO_IOPF_RESOLVE_MAX, SIZE >> 20, longest_us / 1e3, worst_gap_us / 1e3,
		gap_max_us / 1e3);
	t_check(t_iopf_info(fd).out_mapped_pages == SIZE / PG);
	if (longest_us < 4 * GAP_MAX_MS * 1e3)
		t_fail("the calls took %.1f ms at most: too short to tell", longest_us / 1e3);
	if (worst_gap_us > gap_max_us)
		t_fail("the walk over mapped blocks kept the CPU for %.1f ms", worst_gap_us / 1e3);
	t_check(t_unmap(v.container, IOVA, SIZE, NULL) == 0);
	t_check(t_locked_kb() == 0);
	return T_PASS;
}
