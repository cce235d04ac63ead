/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers for tests that act as the fault resolver on the iopf fd. */
#ifndef IOPF_RING_H
#define IOPF_RING_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include "iopf_mock.h"

struct t_ring {
	int fd;			/* iopf fd */
	int efd;		/* eventfd */
	unsigned char *map;
	struct vfio_iopf_ring_offsets off;
};

static inline _Atomic __u32 *t_ring_u32(struct t_ring *r, __u32 off)
{
	return (_Atomic __u32 *)(r->map + off);
}

static inline void t_set_resolver_flags(int fd, __u32 flags, int efd,
					__u32 timeout_ms)
{
	struct vfio_iopf_set_resolver set = {
		.argsz = sizeof(set), .flags = flags, .eventfd = efd,
		.timeout_ms = timeout_ms,
	};

	t_check(ioctl(fd, VFIO_IOPF_SET_RESOLVER, &set) >= 0);
}

static inline void t_set_resolver(int fd, int efd, __u32 timeout_ms)
{
	t_set_resolver_flags(fd, 0, efd, timeout_ms);
}

/* Enable IOPF on @container, map the ring and attach an eventfd. */
static inline void t_ring_setup(int container, struct t_ring *r,
				__u32 timeout_ms)
{
	struct vfio_iommu_type1_enable_iopf en;

	r->fd = t_enable_iopf(container, &en);
	r->off = en.out_ring;
	t_check(r->off.record_size >= sizeof(struct vfio_iopf_fault));
	t_check(r->off.mmap_size >= r->off.records +
		(__u64)r->off.record_size * 4096);
	r->map = mmap(NULL, r->off.mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, r->fd, 0);
	t_check(r->map != MAP_FAILED);
	t_check(*t_ring_u32(r, r->off.entries) == 4096);
	t_check(*t_ring_u32(r, r->off.mask) == 4095);
	r->efd = eventfd(0, EFD_CLOEXEC);
	t_check(r->efd >= 0);
	t_set_resolver(r->fd, r->efd, timeout_ms);
}

/* Wait up to 10 s for the next record and consume it. */
static inline struct vfio_iopf_fault t_ring_next(struct t_ring *r)
{
	struct pollfd p = { .fd = r->efd, .events = POLLIN };
	struct vfio_iopf_fault rec;
	__u32 cons = atomic_load_explicit(t_ring_u32(r, r->off.consumer),
					  memory_order_relaxed);
	__u32 mask = *t_ring_u32(r, r->off.mask);
	int i;

	for (i = 0; i < 100; i++) {
		__u32 prod = atomic_load_explicit(t_ring_u32(r, r->off.producer),
						  memory_order_acquire);
		__u64 cnt;

		if (prod != cons) {
			memcpy(&rec, r->map + r->off.records +
			       (__u64)(cons & mask) * r->off.record_size,
			       sizeof(rec));
			atomic_store_explicit(t_ring_u32(r, r->off.consumer),
					      cons + 1, memory_order_release);
			return rec;
		}
		if (poll(&p, 1, 100) == 1)
			t_check(read(r->efd, &cnt, sizeof(cnt)) == sizeof(cnt));
	}
	t_fail("no fault record within 10 s");
}

struct t_resolve1 {
	struct vfio_iopf_resolve hdr;
	struct vfio_iopf_resolve_entry e;
};

/* Answer one fault; returns the entry's out_result. */
static inline int t_resolve(int fd, __u64 cookie, __u64 iova, __u64 size,
			    __u32 response)
{
	struct t_resolve1 r = {
		.hdr = { .argsz = sizeof(r), .count = 1 },
		.e = { .cookie = cookie, .map_iova = iova, .map_size = size,
		       .response = response, .out_result = 12345 },
	};

	t_check(ioctl(fd, VFIO_IOPF_RESOLVE, &r) == 0);
	t_check(r.hdr.out_done == 1);
	return r.e.out_result;
}

/* A DMA command run in a thread, since it blocks until its faults are answered. */
struct t_dma_job {
	pthread_t thread;
	int device, write, status;
	__u64 iova, len;
	void *buf;
	struct vfio_iopf_mock_dma out;
};

static inline void *t_dma_thread(void *arg)
{
	struct t_dma_job *j = arg;

	j->status = t_dma(j->device, j->write, j->iova, j->buf, j->len, &j->out);
	return NULL;
}

static inline void t_dma_start(struct t_dma_job *j, int device, int write,
			       __u64 iova, void *buf, __u64 len)
{
	j->device = device;
	j->write = write;
	j->iova = iova;
	j->buf = buf;
	j->len = len;
	t_check(pthread_create(&j->thread, NULL, t_dma_thread, j) == 0);
}

static inline int t_dma_wait(struct t_dma_job *j)
{
	t_check(pthread_join(j->thread, NULL) == 0);
	return j->status;
}

#endif
