/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A RESOLVE that holds the container's lock for long: map-only entries over
 * a large range that is mapped already, which pin nothing.  The range is
 * 4 GiB made of 16 MiB of shared memory mapped 256 times over, so it costs
 * the guest little memory.
 */
#ifndef IOPF_LONG_RESOLVE_H
#define IOPF_LONG_RESOLVE_H

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "iopf_ring.h"

#define T_ALIASED_SIZE	(4ULL << 30)
#define T_ALIAS		(16ULL << 20)

/*
 * Maps the aliased range (its 16 MiB filled from @seed) at @iova of
 * @container, then all of it on demand through the iopf fd @fd; returns
 * its address.
 */
static inline unsigned char *t_map_aliased(int container, int fd, __u64 iova,
					   unsigned int seed)
{
	struct {
		struct vfio_iopf_resolve hdr;
		struct vfio_iopf_resolve_entry e;
	} one = {
		.hdr = { .argsz = sizeof(one), .count = 1 },
		.e = { .map_iova = iova, .map_size = T_ALIASED_SIZE,
		       .response = VFIO_IOPF_RESPONSE_SUCCESS },
	};
	unsigned char *mem;
	int mfd, i;

	mfd = memfd_create("iopf", 0);
	t_check(mfd >= 0 && ftruncate(mfd, T_ALIAS) == 0);
	mem = mmap(NULL, T_ALIASED_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	t_check(mem != MAP_FAILED);
	for (i = 0; i < (int)(T_ALIASED_SIZE / T_ALIAS); i++)
		t_check(mmap(mem + i * T_ALIAS, T_ALIAS, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_FIXED, mfd, 0) == mem + i * T_ALIAS);
	t_fill(mem, T_ALIAS, seed);
	t_check(t_map(container, mem, iova, T_ALIASED_SIZE, T_RW) == 0);
	t_check(ioctl(fd, VFIO_IOPF_RESOLVE, &one) == 0 && one.e.out_result == 0);
	return mem;
}

/* VFIO_IOPF_RESOLVE_MAX map-only entries over all of the aliased range at @iova. */
static inline struct vfio_iopf_resolve *t_long_call(__u64 iova)
{
	size_t len = sizeof(struct vfio_iopf_resolve) +
		     VFIO_IOPF_RESOLVE_MAX * sizeof(struct vfio_iopf_resolve_entry);
	struct vfio_iopf_resolve *call = calloc(1, len);
	int i;

	t_check(call != NULL);
	call->argsz = len;
	call->count = VFIO_IOPF_RESOLVE_MAX;
	for (i = 0; i < VFIO_IOPF_RESOLVE_MAX; i++)
		call->entries[i] = (struct vfio_iopf_resolve_entry) {
			.map_iova = iova, .map_size = T_ALIASED_SIZE,
			.response = VFIO_IOPF_RESPONSE_SUCCESS,
		};
	return call;
}

/* A thread that makes @call through @fd once; @end_us: when it returned (t_now_us()). */
struct t_long_resolve {
	int fd;
	struct vfio_iopf_resolve *call;
	double end_us;
};

static inline void *t_long_resolve(void *arg)
{
	struct t_long_resolve *l = arg;

	t_check(ioctl(l->fd, VFIO_IOPF_RESOLVE, l->call) == 0);
	l->end_us = t_now_us();
	t_check(l->call->out_done == VFIO_IOPF_RESOLVE_MAX);
	return NULL;
}

/*
 * Maps the aliased range at @iova of @container and all of it through the
 * iopf fd @fd, then makes @lr's call once there; returns how long it took
 * in ms, for the test to scale its waits to.
 */
static inline double t_long_resolve_setup(struct t_long_resolve *lr,
					  int container, int fd, __u64 iova)
{
	double t0;

	t_map_aliased(container, fd, iova, 5);
	*lr = (struct t_long_resolve) { .fd = fd, .call = t_long_call(iova) };
	t0 = t_now_us();
	t_long_resolve(lr);
	return (lr->end_us - t0) / 1000;
}

/*
 * A one-page read by a thread, timed: a device's DMA that waits behind a
 * long RESOLVE, so for longer than t_dma()'s 10 s a page on a slow host.
 */
struct t_timed_dma {
	pthread_t thread;
	int device, status;
	__u64 iova;
	unsigned int wait_ms;
	unsigned char buf[4096];
	double end_us;
};

static inline void *t_timed_dma_thread(void *arg)
{
	struct t_timed_dma *d = arg;

	d->status = t_dma_waiting(d->device, 0, d->iova, d->buf, sizeof(d->buf),
				  d->wait_ms, NULL);
	d->end_us = t_now_us();
	return NULL;
}

/* Starts the read of @iova by @device, waiting up to @wait_ms for the page. */
static inline void t_timed_dma_start(struct t_timed_dma *d, int device,
				     __u64 iova, unsigned int wait_ms)
{
	d->device = device;
	d->iova = iova;
	d->wait_ms = wait_ms;
	t_check(pthread_create(&d->thread, NULL, t_timed_dma_thread, d) == 0);
}

/*
 * The start of a test that kills a caller waiting behind a long RESOLVE: a
 * faulting mock device in @v whose resolver @r times out after 60 s, @size
 * bytes at @mem filled with @seed and mapped at @iova, @lr calibrated at
 * @big_iova, and @d reading @iova, its fault taken off the ring and left
 * outstanding for four long RESOLVEs and 10 s more.  Returns the long
 * RESOLVE's time in ms, and fails the test if it is too short to kill a
 * task waiting behind it.
 */
static inline double t_fault_behind_long_resolve(struct t_vfio *v, struct t_ring *r,
						 struct t_long_resolve *lr,
						 struct t_timed_dma *d,
						 unsigned char *mem, __u64 iova,
						 __u64 size, __u64 big_iova,
						 unsigned int seed)
{
	double call_ms;

	t_mock_setup(MOCK_FAULTING, v);
	t_ring_setup(v->container, r, 60000);
	t_fill(mem, size, seed);
	t_check(t_map(v->container, mem, iova, size, T_RW) == 0);
	call_ms = t_long_resolve_setup(lr, v->container, r->fd, big_iova);
	if (call_ms < 100)
		t_fail("the long RESOLVE took %.1f ms: too short to kill a task waiting behind it",
		       call_ms);
	t_timed_dma_start(d, v->device, iova, 4 * call_ms + 10000);
	t_ring_next(r);
	return call_ms;
}

/*
 * Kills @pid, a child that writes a byte to @pipefd before it starts to
 * wait behind a long RESOLVE, @wait_us after that byte, and reaps it.
 * Returns when it was killed.
 */
static inline double t_kill_waiting_child(pid_t pid, int pipefd, unsigned int wait_us)
{
	double killed_us;
	int status;
	char c;

	t_check(read(pipefd, &c, 1) == 1);
	usleep(wait_us);
	t_check(kill(pid, SIGKILL) == 0);
	killed_us = t_now_us();
	t_check(waitpid(pid, &status, 0) == pid);
	t_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return killed_us;
}

#endif /* IOPF_LONG_RESOLVE_H */
