/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the simulated kernel side: every fault answered exactly once,
 * no page mapped twice, pins never above the limit, bad arguments refused,
 * timeouts, a vanished resolver and a full ring all end in an answer, and a
 * resolver that stops reading the ring stops being waited for.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check-helpers.h"
#include "policy.h"
#include "ring.h"
#include "sim.h"

struct harness {
	struct sim *sim;
	struct iopf_ring ring;
	uint32_t head;
	void *mem;
	size_t len;
	int efd;
};

static void setup(struct harness *h, const struct sim_config *c, uint32_t timeout_ms)
{
	struct vfio_iopf_ring_offsets off;
	struct vfio_iopf_set_resolver attach = { .argsz = sizeof(attach), .timeout_ms = timeout_ms };

	ck_assert_int_eq(sim_new(c, &h->sim), 0);
	sim_ring_offsets(h->sim, &off);
	h->len = off.mmap_size;
	h->mem = mmap(NULL, h->len, PROT_READ | PROT_WRITE, MAP_SHARED, sim_ring_fd(h->sim), 0);
	ck_assert_ptr_ne(h->mem, MAP_FAILED);
	ck_assert_int_eq(iopf_ring_init(&h->ring, h->mem, h->len, &off), 0);
	h->head = iopf_ring_consumer(&h->ring);
	h->efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(h->efd, 0);
	attach.eventfd = h->efd;
	ck_assert_int_gt(sim_set_resolver(h->sim, &attach), 0);
}

static void teardown(struct harness *h)
{
	sim_free(h->sim);
	munmap(h->mem, h->len);
	close(h->efd);
}

static uint32_t ring_fill(struct harness *h)
{
	uint32_t n;

	ck_assert_int_eq(iopf_ring_ready(&h->ring, h->head, &n), 0);
	return n;
}

/* Waits for records; returns false once the devices are done. */
static bool wait_records(struct harness *h)
{
	struct pollfd p[2] = {
		{ .fd = h->efd, .events = POLLIN },
		{ .fd = sim_done_fd(h->sim), .events = POLLIN },
	};
	uint64_t v;

	for (;;) {
		if (ring_fill(h))
			return true;
		ck_assert_int_gt(poll(p, 2, 10000), 0);
		if (p[1].revents)
			return ring_fill(h) > 0;
		if (p[0].revents)
			ck_assert_int_eq(read(h->efd, &v, sizeof(v)), sizeof(v));
	}
}

static struct vfio_iopf_resolve *batch_new(uint32_t n)
{
	struct vfio_iopf_resolve *b = calloc(1, sizeof(*b) + n * sizeof(b->entries[0]));

	ck_assert_ptr_nonnull(b);
	b->argsz = (uint32_t)(sizeof(*b) + n * sizeof(b->entries[0]));
	b->count = n;
	return b;
}

/* Takes the next record off the ring. */
static struct vfio_iopf_fault take(struct harness *h)
{
	struct vfio_iopf_fault f;

	ck_assert(wait_records(h));
	ck_assert_uint_gt(ring_fill(h), 0);
	f = *iopf_ring_record(&h->ring, h->head);
	iopf_ring_consume(&h->ring, ++h->head);
	return f;
}

static int resolve1(struct harness *h, uint64_t cookie, uint64_t iova, uint64_t size, uint32_t response)
{
	struct vfio_iopf_resolve *b = batch_new(1);
	int r;

	b->entries[0] = (struct vfio_iopf_resolve_entry) {
		.cookie = cookie, .map_iova = iova, .map_size = size, .response = response,
	};
	r = sim_resolve(h->sim, b);
	if (r == 0)
		r = b->entries[0].out_result;
	free(b);
	return r;
}

static void assert_all_answered(struct harness *h)
{
	struct sim_stats s;

	sim_get_stats(h->sim, &s);
	ck_assert_uint_eq(s.outstanding, 0);
	ck_assert_uint_eq(s.faults, s.resolved + s.fallback + s.invalid);
	ck_assert_uint_eq(s.latency.count, s.faults);
	ck_assert_uint_eq(s.double_maps, 0);
}

static struct sim_config config(enum workload_kind kind, uint64_t memory, uint32_t devices, uint32_t depth)
{
	struct sim_config c;

	sim_config_default(&c);
	c.workload.kind = kind;
	c.memory_bytes = memory;
	c.ndevices = devices;
	c.streams_per_device = depth;
	return c;
}

START_TEST(every_fault_answered_once)
{
	struct sim_config c = config(WORKLOAD_MIX, 16u << 20, 3, 4);
	struct harness h;
	struct sim_stats s;
	uint64_t seen = 0;

	c.nranges = 3;
	setup(&h, &c, 0);
	ck_assert_int_eq(sim_start(h.sim), 0);
	while (wait_records(&h)) {
		struct vfio_iopf_fault f = take(&h);

		seen++;
		ck_assert_uint_ne(f.cookie, 0);
		ck_assert_uint_ge(f.iova, f.dma_iova);
		ck_assert_uint_lt(f.iova, f.dma_iova + f.dma_size);
		ck_assert_uint_lt(f.dev_id, 3);
		ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, IOPF_PAGE_SIZE, VFIO_IOPF_RESPONSE_SUCCESS), 0);
		/* The same cookie cannot be answered twice. */
		ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, IOPF_PAGE_SIZE, VFIO_IOPF_RESPONSE_SUCCESS), -ENOENT);
	}
	ck_assert_int_eq(sim_wait(h.sim), 0);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_eq(s.faults, seen);
	ck_assert_uint_eq(s.resolved, seen);
	/* Exact windows: every mapped page was touched and vice versa. */
	ck_assert_uint_eq(s.mapped_pages, s.touched_pages);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(bad_windows_fall_back)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 8u << 20, 1, 1);
	struct vfio_iopf_fault f;
	struct harness h;
	struct sim_stats s;

	c.nranges = 2;
	c.fallback_pages = 1;
	setup(&h, &c, 0);
	ck_assert_int_eq(sim_start(h.sim), 0);

	/* A window that misses the faulting page. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.iova + IOPF_PAGE_SIZE, IOPF_PAGE_SIZE, 0), -EINVAL);
	/* Unaligned. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.iova + 1, IOPF_PAGE_SIZE, 0), -EINVAL);
	/* Past the end of the DMA range. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.dma_iova, f.dma_size + IOPF_PAGE_SIZE, 0), -EINVAL);
	/* Wrapping around the address space: EINVAL, as the header says. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, -IOPF_PAGE_SIZE, 0), -EINVAL);
	/* A response code that does not exist (2 would be FAILURE). */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, IOPF_PAGE_SIZE, 2), -EINVAL);
	/* "Already mapped" when it is not. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, 0, 0, VFIO_IOPF_RESPONSE_SUCCESS), -EINVAL);
	/* A cookie the kernel never issued (0 is a map-only entry: see test-conformance). */
	ck_assert_int_eq(resolve1(&h, UINT32_MAX - 1, f.iova, IOPF_PAGE_SIZE, 0), -ENOENT);
	ck_assert_int_eq(resolve1(&h, f.cookie + 1, f.iova, IOPF_PAGE_SIZE, 0), -ENOENT);
	/* An honest INVALID answer is taken as such. */
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID), 0);

	sim_get_stats(h.sim, &s);
	ck_assert_uint_eq(s.fallback, 6);
	ck_assert_uint_eq(s.invalid, 1);

	/* Let the rest run with correct answers. */
	while (wait_records(&h)) {
		f = take(&h);
		ck_assert_int_eq(resolve1(&h, f.cookie, f.dma_iova, f.dma_size, 0), 0);
	}
	sim_wait(h.sim);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(bad_arguments_refused)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 1u << 20, 1, 1);
	struct vfio_iopf_set_resolver sr = { .argsz = sizeof(sr) - 1, .eventfd = -1 };
	struct vfio_iopf_release rel = { .argsz = sizeof(rel), .iova = 0, .size = IOPF_PAGE_SIZE };
	struct vfio_iopf_info info = { .argsz = sizeof(info) };
	struct vfio_iopf_resolve *b = batch_new(2);
	struct harness h;

	setup(&h, &c, 0);
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EINVAL);
	sr.argsz = sizeof(sr);
	sr.flags = 1u << 2;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EINVAL);
	sr.flags = VFIO_IOPF_RESOLVER_TAKEOVER | VFIO_IOPF_RESOLVER_DETACH;
	sr.eventfd = h.efd;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EINVAL);
	sr.flags = VFIO_IOPF_RESOLVER_DETACH;
	sr.eventfd = -1;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EINVAL);
	sr.flags = 0;
	sr.eventfd = -5;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EINVAL);
	sr.eventfd = 1000;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EBADF);

	b->argsz -= 1;
	ck_assert_int_eq(sim_resolve(h.sim, b), -EINVAL);
	b->argsz += 1;
	b->count = 0;   /* nothing to do, as for the kernel */
	ck_assert_int_eq(sim_resolve(h.sim, b), 0);
	ck_assert_uint_eq(b->out_done, 0);
	b->count = VFIO_IOPF_RESOLVE_MAX + 1;
	ck_assert_int_eq(sim_resolve(h.sim, b), -EINVAL);
	b->count = 2;
	b->flags = 4;
	ck_assert_int_eq(sim_resolve(h.sim, b), -EINVAL);

	rel.flags = 1;
	ck_assert_int_eq(sim_release(h.sim, &rel), -EINVAL);
	rel.flags = 0;
	rel.iova = 1;
	ck_assert_int_eq(sim_release(h.sim, &rel), -EINVAL);
	rel.iova = -IOPF_PAGE_SIZE;
	rel.size = 2 * IOPF_PAGE_SIZE;
	ck_assert_int_eq(sim_release(h.sim, &rel), -EINVAL);

	info.__reserved = 1;
	ck_assert_int_eq(sim_info(h.sim, &info), -EINVAL);
	info.__reserved = 0;
	info.argsz = 8;
	ck_assert_int_eq(sim_info(h.sim, &info), -EINVAL);
	info.argsz = sizeof(info);
	ck_assert_int_eq(sim_info(h.sim, &info), 0);
	ck_assert_uint_eq(info.out_fallback_pages, 512);
	ck_assert_uint_eq(info.out_ring.record_size, sizeof(struct vfio_iopf_fault));
	free(b);
	teardown(&h);
}
END_TEST

START_TEST(pins_never_exceed_limit)
{
	struct sim_config c = config(WORKLOAD_RANDOM, 64u << 20, 2, 8);
	struct harness h;
	struct sim_stats s;
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	c.pin_limit_pages = 1000;
	setup(&h, &c, 0);
	ck_assert_int_eq(sim_start(h.sim), 0);
	while (wait_records(&h)) {
		struct vfio_iopf_fault f = take(&h);

		/* Ask for 64 pages every time: the limit must still hold. */
		resolve1(&h, f.cookie, f.iova & ~(64 * IOPF_PAGE_SIZE - 1), 64 * IOPF_PAGE_SIZE, 0);
		ck_assert_int_eq(sim_info(h.sim, &info), 0);
		ck_assert_uint_le(info.out_locked_pages, 1000);
	}
	sim_wait(h.sim);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_le(s.peak_pinned_pages, 1000);
	ck_assert_uint_eq(s.pinned_pages, 1000);
	ck_assert_uint_gt(s.invalid, 0); /* devices got errors once memory ran out */
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(release_unmaps_and_unpins)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 4u << 20, 1, 1);
	struct vfio_iopf_release rel = { .argsz = sizeof(rel) };
	struct harness h;
	struct sim_stats s;
	struct vfio_iopf_fault f;

	c.nranges = 2;
	setup(&h, &c, 0);
	ck_assert_int_eq(sim_start(h.sim), 0);
	f = take(&h);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.dma_iova, f.dma_size, 0), 0);
	f = take(&h); /* first page of the second range */
	ck_assert_uint_ne(f.dma_iova, 0);
	/* Release everything, across the hole between the ranges. */
	rel.iova = 0;
	rel.size = f.dma_iova + f.dma_size;
	ck_assert_int_eq(sim_release(h.sim, &rel), 0);
	ck_assert_uint_eq(rel.out_released, 2u << 20);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_eq(s.pinned_pages, 0);
	ck_assert_uint_eq(s.mapped_pages, 0);
	ck_assert_int_eq(resolve1(&h, f.cookie, f.dma_iova, f.dma_size, 0), 0);
	while (wait_records(&h)) {
		f = take(&h);
		ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, IOPF_PAGE_SIZE, 0), 0);
	}
	sim_wait(h.sim);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(unanswered_fault_times_out)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 4u << 20, 1, 1);
	struct harness h;
	struct sim_stats s;

	setup(&h, &c, 20);
	ck_assert_int_eq(sim_start(h.sim), 0);
	/* A resolver that reads faults and never answers them. */
	while (wait_records(&h))
		take(&h);
	sim_wait(h.sim);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_gt(s.timeouts, 0);
	ck_assert_uint_eq(s.timeouts, s.forwarded);
	ck_assert_uint_eq(s.resolved, 0);
	ck_assert_uint_eq(s.touched_pages, 1024);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(unread_ring_stops_forwarding)
{
	struct sim_config c = config(WORKLOAD_RANDOM, 16u << 20, 4, 8);
	struct harness h;
	struct sim_stats s;

	/* One page per fallback answer: thousands of faults. */
	c.fallback_pages = 1;
	setup(&h, &c, 20);
	ck_assert_int_eq(sim_start(h.sim), 0);
	/* A resolver that never reads the ring, as one that died would. */
	ck_assert_int_eq(sim_wait(h.sim), 0);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_gt(s.faults, 1000);
	/* Only faults forwarded before the first timeout waited for one. */
	ck_assert_uint_eq(s.timeouts, s.forwarded);
	ck_assert_uint_le(s.forwarded, 4 * 8);
	ck_assert_uint_eq(s.fallback, s.faults);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(detached_resolver_leaves_nothing_waiting)
{
	struct sim_config c = config(WORKLOAD_RANDOM, 16u << 20, 4, 8);
	struct vfio_iopf_set_resolver detach = { .argsz = sizeof(detach), .eventfd = -1 };
	struct harness h;
	struct sim_stats s;

	/* A long timeout: only the detach can answer these in time. */
	setup(&h, &c, 600000);
	ck_assert_int_eq(sim_start(h.sim), 0);
	ck_assert(wait_records(&h));
	ck_assert_int_eq(sim_set_resolver(h.sim, &detach), 0);
	ck_assert_int_eq(sim_wait(h.sim), 0);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_gt(s.detached, 0);
	ck_assert_uint_eq(s.timeouts, 0);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

static uint32_t resolver_id(struct harness *h)
{
	struct vfio_iopf_info info = { .argsz = sizeof(info) };

	ck_assert_int_eq(sim_info(h->sim, &info), 0);
	return info.out_resolver_id;
}

START_TEST(one_resolver_at_a_time)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 1u << 20, 1, 1);
	struct vfio_iopf_set_resolver sr = { .argsz = sizeof(sr) };
	struct pollfd p = { .events = POLLIN };
	struct harness h;
	uint32_t first;
	int other, id;

	setup(&h, &c, 0);
	first = resolver_id(&h);
	ck_assert_uint_gt(first, 0);
	other = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(other, 0);

	/* A second resolver does not silently displace the first... */
	sr.eventfd = other;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -EBUSY);
	ck_assert_uint_eq(resolver_id(&h), first);
	/* ...and attaching the same eventfd again keeps its id. */
	sr.eventfd = h.efd;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), (int)first);

	/* It may take over when it asks to, and the displaced one is woken. */
	sr.eventfd = other;
	sr.flags = VFIO_IOPF_RESOLVER_TAKEOVER;
	id = sim_set_resolver(h.sim, &sr);
	ck_assert_int_gt(id, 0);
	ck_assert_uint_ne((uint32_t)id, first);
	ck_assert_uint_eq(resolver_id(&h), (uint32_t)id);
	p.fd = h.efd;
	ck_assert_int_eq(poll(&p, 1, 0), 1);

	/* The displaced one cannot detach the live one. */
	sr.eventfd = h.efd;
	sr.flags = VFIO_IOPF_RESOLVER_DETACH;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), -ESTALE);
	ck_assert_uint_eq(resolver_id(&h), (uint32_t)id);
	sr.eventfd = other;
	ck_assert_int_eq(sim_set_resolver(h.sim, &sr), 0);
	ck_assert_uint_eq(resolver_id(&h), 0);
	close(other);
	teardown(&h);
}
END_TEST

START_TEST(full_ring_counts_overflow)
{
	struct sim_config c = config(WORKLOAD_RANDOM, 16u << 20, 4, 64);
	struct harness h;
	struct sim_stats s;
	uint64_t answered = 0;

	c.ring_entries = 64;
	setup(&h, &c, 0);
	ck_assert_int_eq(sim_start(h.sim), 0);
	/* Let the ring fill up before draining it. */
	while (wait_records(&h)) {
		struct vfio_iopf_fault f;

		usleep(answered ? 0 : 50000);
		f = take(&h);
		ck_assert_int_eq(resolve1(&h, f.cookie, f.iova, IOPF_PAGE_SIZE, 0), 0);
		answered++;
	}
	sim_wait(h.sim);
	sim_get_stats(h.sim, &s);
	ck_assert_uint_gt(s.overflow, 0);
	ck_assert_uint_eq(iopf_ring_overflow(&h.ring), s.overflow);
	ck_assert_uint_eq(s.forwarded, answered);
	assert_all_answered(&h);
	teardown(&h);
}
END_TEST

START_TEST(config_validated)
{
	struct sim_config c = config(WORKLOAD_SEQUENTIAL, 1u << 20, 1, 1);
	struct sim *s;

	c.memory_bytes = 12345;
	ck_assert_int_eq(sim_new(&c, &s), -EINVAL);
	c = config(WORKLOAD_SEQUENTIAL, 1u << 20, 0, 1);
	ck_assert_int_eq(sim_new(&c, &s), -EINVAL);
	c = config(WORKLOAD_SEQUENTIAL, 4096, 2, 1);
	ck_assert_int_eq(sim_new(&c, &s), -EINVAL);
	c = config(WORKLOAD_SEQUENTIAL, 1u << 20, 1, 1);
	c.ring_entries = 100;
	ck_assert_int_eq(sim_new(&c, &s), -EINVAL);
	c.ring_entries = 64;
	c.nranges = 65;
	ck_assert_int_eq(sim_new(&c, &s), -EINVAL);
}
END_TEST

TEST_MAIN("sim", every_fault_answered_once, bad_windows_fall_back, bad_arguments_refused,
	  pins_never_exceed_limit, release_unmaps_and_unpins, unanswered_fault_times_out,
	  unread_ring_stops_forwarding, detached_resolver_leaves_nothing_waiting,
	  one_resolver_at_a_time, full_ring_counts_overflow, config_validated)
