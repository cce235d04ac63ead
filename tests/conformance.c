/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conformance.h"
#include "ring.h"

#define PG 4096u

/* One check's state: the target, its ring and the resolver's eventfd. */
struct conf {
	struct conf_target *t;
	struct iopf_ring ring;
	uint32_t head;		/* the resolver's own consumer index */
	void *ring_mem;
	int efd;
	const char *check;
	int failed;
};

#define conf_fail(c, ...) do {						\
	if (!(c)->failed++)						\
		printf("CONFORMANCE: FAIL %s %s: ", (c)->t->name, (c)->check); \
	else								\
		printf("    ");						\
	printf(__VA_ARGS__);						\
	printf(" (%s:%d)\n", __FILE__, __LINE__);			\
} while (0)

/* Checks @cond; a check stops at its first failure. */
#define conf_assert(c, cond) do {					\
	if (!(cond)) {							\
		conf_fail(c, "%s", #cond);				\
		return;							\
	}								\
} while (0)

#define conf_assert_eq(c, a, b) do {					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		conf_fail(c, "%s is %lld, want %lld (%s)", #a, __a, __b, #b); \
		return;							\
	}								\
} while (0)

static const struct iopf_backend_ops *ops(struct conf *c)
{
	return c->t->backend.ops;
}

static void *bdata(struct conf *c)
{
	return c->t->backend.data;
}

static struct vfio_iopf_info info(struct conf *c)
{
	struct vfio_iopf_info i = { .argsz = sizeof(i) };

	if (ops(c)->info(bdata(c), &i) < 0)
		memset(&i, 0xff, sizeof(i));
	return i;
}

static int set_resolver(struct conf *c, uint32_t flags, int efd, uint32_t timeout_ms)
{
	struct vfio_iopf_set_resolver s = {
		.argsz = sizeof(s), .flags = flags, .eventfd = efd, .timeout_ms = timeout_ms,
	};

	return ops(c)->set_resolver(bdata(c), &s);
}

static int attach(struct conf *c, uint32_t timeout_ms)
{
	return set_resolver(c, 0, c->efd, timeout_ms);
}

struct resolve1 {
	struct vfio_iopf_resolve hdr;
	struct vfio_iopf_resolve_entry e;
};

/* Answers one fault; returns out_result, or the call's error + 1000. */
static int resolve(struct conf *c, uint64_t cookie, uint64_t iova, uint64_t size, uint32_t response)
{
	struct resolve1 r = {
		.hdr = { .argsz = sizeof(r), .count = 1 },
		.e = { .cookie = cookie, .map_iova = iova, .map_size = size,
		       .response = response, .out_result = 12345 },
	};
	int e = ops(c)->resolve(bdata(c), &r.hdr);

	if (e < 0)
		return e - 1000;
	if (r.hdr.out_done != 1)
		return -1000;
	return r.e.out_result;
}

static int release(struct conf *c, uint64_t iova, uint64_t size, uint64_t *ret_released)
{
	struct vfio_iopf_release rel = { .argsz = sizeof(rel), .iova = iova, .size = size };
	int e = ops(c)->release(bdata(c), &rel);

	if (ret_released)
		*ret_released = rel.out_released;
	return e;
}

/* Records waiting on the ring; a producer index that cannot be true fails the check. */
static uint32_t ring_fill(struct conf *c)
{
	uint32_t n;

	if (iopf_ring_ready(&c->ring, c->head, &n) < 0) {
		conf_fail(c, "the ring's producer index is more than a ring past ours");
		return 0;
	}
	return n;
}

/* Waits up to @ms for @n records past our index; false if they did not come. */
static bool wait_records(struct conf *c, uint32_t n, int ms)
{
	struct pollfd p = { .fd = c->efd, .events = POLLIN };

	for (int waited = 0; ; waited += 10) {
		uint64_t v;

		if (ring_fill(c) >= n)
			return true;
		if (waited >= ms)
			return false;
		if (poll(&p, 1, 10) == 1 && read(c->efd, &v, sizeof(v)) < 0)
			return false;
	}
}

/* Takes the next record, waiting up to @ms for it; false if none came. */
static bool next_record(struct conf *c, int ms, struct vfio_iopf_fault *ret)
{
	if (!wait_records(c, 1, ms))
		return false;
	*ret = *iopf_ring_record(&c->ring, c->head);
	iopf_ring_consume(&c->ring, ++c->head);
	return true;
}

static uint64_t at(struct conf *c, uint64_t page)
{
	return c->t->dma_iova + page * PG;
}

/* A fault at @page with a resolver attached: its record, checked. */
static bool fault(struct conf *c, uint64_t page, bool write, struct vfio_iopf_fault *ret)
{
	if (c->t->access_start(c->t, at(c, page), write) < 0)
		return false;
	if (!next_record(c, 5000, ret))
		return false;
	return ret->cookie != 0 && ret->iova == at(c, page) &&
	       ret->dma_iova == c->t->dma_iova && ret->dma_size == c->t->dma_size &&
	       ret->perm == (VFIO_IOPF_PERM_READ | (write ? VFIO_IOPF_PERM_WRITE : 0));
}

/* A fault at @page answered with that page alone: it is mapped, the access done. */
static bool fault_and_map(struct conf *c, uint64_t page, bool write, struct vfio_iopf_fault *ret)
{
	return fault(c, page, write, ret) &&
	       resolve(c, ret->cookie, at(c, page), PG, VFIO_IOPF_RESPONSE_SUCCESS) == 0 &&
	       c->t->access_wait(c->t) == 0;
}

/* ------------------------------------------------------------------ checks */

/* A fault reaches the ring once; the window answered is mapped, only it. */
static void window_is_mapped(struct conf *c)
{
	struct vfio_iopf_fault f, extra;

	conf_assert(c, attach(c, 10000) > 0);
	conf_assert(c, fault(c, 10, false, &f));
	conf_assert_eq(c, resolve(c, f.cookie, at(c, 8), 4 * PG, VFIO_IOPF_RESPONSE_SUCCESS), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert(c, !next_record(c, 100, &extra));
	conf_assert_eq(c, info(c).out_resolved, 1);
	conf_assert_eq(c, info(c).out_mapped_pages, 4);
	conf_assert_eq(c, info(c).out_faults, 1);
	/* mapped: no fault */
	conf_assert_eq(c, c->t->access_start(c->t, at(c, 11), true), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_faults, 1);
	/* beside the window: a write fault */
	conf_assert(c, fault_and_map(c, 12, true, &f));
	conf_assert_eq(c, info(c).out_mapped_pages, 5);
}

/* A cookie is answered once; unknown ones give ENOENT. */
static void cookies_answer_once(struct conf *c)
{
	struct vfio_iopf_fault f;

	conf_assert(c, attach(c, 10000) > 0);
	conf_assert(c, fault_and_map(c, 0, false, &f));
	conf_assert_eq(c, resolve(c, f.cookie, at(c, 0), PG, VFIO_IOPF_RESPONSE_SUCCESS), -ENOENT);
	conf_assert_eq(c, resolve(c, UINT32_MAX - 1, 0, 0, VFIO_IOPF_RESPONSE_INVALID), -ENOENT);
	conf_assert_eq(c, resolve(c, f.cookie + (UINT64_C(1) << 40), 0, 0, VFIO_IOPF_RESPONSE_INVALID),
		       -ENOENT);
	conf_assert_eq(c, info(c).out_resolved, 1);
}

/*
 * An entry the kernel cannot use gets EINVAL, and the fault is answered
 * with the fallback window: the device never sees the resolver's mistake.
 */
static void bad_entries_fall_back(struct conf *c)
{
	const uint64_t p = 20, dma_end = c->t->dma_size / PG;
	const struct { uint64_t iova, size; uint32_t response; } bad[] = {
		{ at(c, p) + 1, PG, VFIO_IOPF_RESPONSE_SUCCESS },        /* unaligned start */
		{ at(c, p), PG + 1, VFIO_IOPF_RESPONSE_SUCCESS },        /* unaligned size */
		{ at(c, p), -(uint64_t)PG, VFIO_IOPF_RESPONSE_SUCCESS }, /* wraps */
		{ c->t->dma_iova - PG, 64 * PG, VFIO_IOPF_RESPONSE_SUCCESS }, /* before the range */
		{ at(c, dma_end - 1), 2 * PG, VFIO_IOPF_RESPONSE_SUCCESS },  /* past its end */
		{ at(c, p + 1), PG, VFIO_IOPF_RESPONSE_SUCCESS },        /* not holding the fault */
		{ at(c, p), PG, 2 },                                      /* no such response */
		{ at(c, p), PG, VFIO_IOPF_RESPONSE_INVALID },             /* INVALID with a window */
		{ 0, 0, VFIO_IOPF_RESPONSE_SUCCESS },                     /* "mapped", but it is not */
	};
	struct vfio_iopf_fault f;

	conf_assert(c, attach(c, 10000) > 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t fallback = info(c).out_fallback;

		conf_assert(c, fault(c, p, false, &f));
		conf_assert_eq(c, resolve(c, f.cookie, bad[i].iova, bad[i].size, bad[i].response),
			       -EINVAL);
		conf_assert_eq(c, c->t->access_wait(c->t), 0);
		conf_assert_eq(c, info(c).out_fallback, fallback + 1);
		conf_assert_eq(c, release(c, c->t->dma_iova, c->t->dma_size, NULL), 0);
	}
	conf_assert_eq(c, info(c).out_invalid, 0);
	conf_assert_eq(c, info(c).out_resolved, 0);
}

/* INVALID without a window is the resolver's to give: the device sees it. */
static void invalid_reaches_the_device(struct conf *c)
{
	struct vfio_iopf_fault f;

	conf_assert(c, attach(c, 10000) > 0);
	conf_assert(c, fault(c, 3, true, &f));
	conf_assert_eq(c, resolve(c, f.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), -EFAULT);
	conf_assert_eq(c, info(c).out_invalid, 1);
	conf_assert_eq(c, info(c).out_mapped_pages, 0);
}

/*
 * With no resolver the kernel answers: the aligned block of
 * fallback_pages holding the fault, inside the range.
 */
static void fallback_window(struct conf *c)
{
	uint32_t n = info(c).out_fallback_pages;
	uint64_t page = n + n / 2, expect = n;

	conf_assert(c, n > 0 && (n & (n - 1)) == 0);
	if ((page / n + 1) * n > c->t->dma_size / PG)
		expect = c->t->dma_size / PG - page / n * n;
	conf_assert_eq(c, c->t->access_start(c->t, at(c, page), false), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_fallback, 1);
	conf_assert_eq(c, info(c).out_mapped_pages, expect);
	/* the block's first and last pages are mapped: no fault */
	conf_assert_eq(c, c->t->access_start(c->t, at(c, page / n * n), false), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, c->t->access_start(c->t, at(c, page / n * n + expect - 1), false), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_faults, 1);
}

/*
 * A fault not answered in time is answered by the fallback; a resolver
 * that did not even read it is taken for gone until it reads again.
 */
static void timeout_falls_back(struct conf *c)
{
	struct vfio_iopf_fault f;

	conf_assert(c, attach(c, 200) > 0);
	conf_assert_eq(c, c->t->access_start(c->t, at(c, 0), false), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_timeouts, 1);
	conf_assert_eq(c, info(c).out_fallback, 1);
	/* unread past its deadline: the next fault does not wait */
	conf_assert_eq(c, ring_fill(c), 1);
	conf_assert_eq(c, c->t->access_start(c->t, at(c, 1536), false), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_timeouts, 1);
	conf_assert_eq(c, info(c).out_fallback, 2);
	conf_assert_eq(c, ring_fill(c), 1);
	/* the stale record answers ENOENT; reading it makes faults go to us again */
	conf_assert(c, next_record(c, 0, &f));
	conf_assert_eq(c, resolve(c, f.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID), -ENOENT);
	conf_assert(c, fault_and_map(c, 1024, false, &f));
	conf_assert_eq(c, info(c).out_resolved, 1);
}

/* A resolver detaching answers what it was given, with the fallback. */
static void detach_falls_back(struct conf *c)
{
	struct vfio_iopf_fault f;

	conf_assert(c, attach(c, 600000) > 0);
	conf_assert(c, fault(c, 7, false, &f));
	conf_assert_eq(c, set_resolver(c, 0, -1, 0), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, info(c).out_fallback, 1);
	conf_assert_eq(c, resolve(c, f.cookie, 0, 0, VFIO_IOPF_RESPONSE_INVALID), -ENOENT);
	conf_assert_eq(c, info(c).out_resolver_id, 0);
}

/* One resolver at a time: EBUSY, TAKEOVER, and only the attached one detaches. */
static void one_resolver(struct conf *c)
{
	int other = eventfd(0, EFD_CLOEXEC), first, second;

	conf_assert(c, other >= 0);
	first = attach(c, 0);
	if (first <= 0 || set_resolver(c, 0, other, 0) != -EBUSY ||
	    attach(c, 0) != first || (int)info(c).out_resolver_id != first) {
		close(other);
		conf_fail(c, "a second resolver was not refused, or the first changed");
		return;
	}
	second = set_resolver(c, VFIO_IOPF_RESOLVER_TAKEOVER, other, 0);
	if (second <= 0 || second == first || (int)info(c).out_resolver_id != second ||
	    set_resolver(c, VFIO_IOPF_RESOLVER_DETACH, c->efd, 0) != -ESTALE ||
	    set_resolver(c, VFIO_IOPF_RESOLVER_DETACH, other, 0) != 0 ||
	    info(c).out_resolver_id != 0) {
		close(other);
		conf_fail(c, "takeover or detach did not go as the header says");
		return;
	}
	close(other);
}

/* RELEASE unmaps what was mapped on demand, and the device faults again. */
static void release_unmaps(struct conf *c)
{
	struct vfio_iopf_fault f;
	uint64_t released;

	conf_assert(c, attach(c, 10000) > 0);
	conf_assert(c, fault(c, 100, false, &f));
	conf_assert_eq(c, resolve(c, f.cookie, at(c, 96), 8 * PG, VFIO_IOPF_RESPONSE_SUCCESS), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, release(c, at(c, 100), 2 * PG, &released), 0);
	conf_assert_eq(c, released, 2 * PG);
	conf_assert_eq(c, release(c, at(c, 1000), 2 * PG, &released), 0);
	conf_assert_eq(c, released, 0);
	conf_assert_eq(c, info(c).out_mapped_pages, 6);
	conf_assert(c, fault_and_map(c, 101, false, &f));
}

/*
 * Cookie 0 maps without answering: a fault answered with its page alone,
 * the rest of its window mapped by a later call, and no fault there after.
 */
static void map_ahead(struct conf *c)
{
	uint64_t beyond = c->t->dma_iova + c->t->dma_size;
	struct vfio_iopf_fault f, extra;

	conf_assert(c, info(c).out_features & VFIO_IOPF_FEATURE_MAP_AHEAD);
	conf_assert(c, attach(c, 10000) > 0);
	conf_assert(c, fault_and_map(c, 300, false, &f));
	conf_assert_eq(c, resolve(c, 0, at(c, 301), 15 * PG, VFIO_IOPF_RESPONSE_SUCCESS), 0);
	conf_assert_eq(c, info(c).out_mapped_pages, 16);
	conf_assert_eq(c, info(c).out_resolved, 1);
	conf_assert_eq(c, c->t->access_start(c->t, at(c, 315), true), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert(c, !next_record(c, 100, &extra));
	conf_assert_eq(c, info(c).out_faults, 1);
	/* pages already mapped are left as they are */
	conf_assert_eq(c, resolve(c, 0, at(c, 296), 8 * PG, VFIO_IOPF_RESPONSE_SUCCESS), 0);
	conf_assert_eq(c, info(c).out_mapped_pages, 20);
	/* what it refuses */
	conf_assert_eq(c, resolve(c, 0, at(c, 400), 0, VFIO_IOPF_RESPONSE_SUCCESS), -EINVAL);
	conf_assert_eq(c, resolve(c, 0, at(c, 400), PG, VFIO_IOPF_RESPONSE_INVALID), -EINVAL);
	conf_assert_eq(c, resolve(c, 0, at(c, 400) + 1, PG, VFIO_IOPF_RESPONSE_SUCCESS), -EINVAL);
	conf_assert_eq(c, resolve(c, 0, beyond - PG, 2 * PG, VFIO_IOPF_RESPONSE_SUCCESS), -EINVAL);
	conf_assert_eq(c, resolve(c, 0, beyond + (UINT64_C(1) << 30), PG, VFIO_IOPF_RESPONSE_SUCCESS),
		       -ENOENT);
	conf_assert_eq(c, info(c).out_mapped_pages, 20);
}

/* Every argument error the header lists. */
static void bad_arguments(struct conf *c)
{
	struct vfio_iopf_set_resolver sr = { .argsz = sizeof(sr) - 1, .eventfd = -1 };
	struct vfio_iopf_release rel = { .argsz = sizeof(rel) - 1, .iova = 0, .size = PG };
	struct vfio_iopf_info in = { .argsz = 8 };
	struct {
		struct vfio_iopf_resolve hdr;
		struct vfio_iopf_resolve_entry e[2];
	} rs = { .hdr = { .argsz = sizeof(rs.hdr) - 1 } };
	void *d = bdata(c);

	conf_assert_eq(c, ops(c)->set_resolver(d, &sr), -EINVAL);
	sr.argsz = sizeof(sr);
	sr.flags = 1u << 2;
	conf_assert_eq(c, ops(c)->set_resolver(d, &sr), -EINVAL);
	sr.flags = VFIO_IOPF_RESOLVER_DETACH;
	conf_assert_eq(c, ops(c)->set_resolver(d, &sr), -EINVAL);
	sr.flags = 0;
	sr.eventfd = -2;
	conf_assert_eq(c, ops(c)->set_resolver(d, &sr), -EINVAL);
	sr.eventfd = 1000;
	conf_assert_eq(c, ops(c)->set_resolver(d, &sr), -EBADF);

	conf_assert_eq(c, ops(c)->resolve(d, &rs.hdr), -EINVAL);
	rs.hdr.argsz = sizeof(rs);
	rs.hdr.flags = 1;
	conf_assert_eq(c, ops(c)->resolve(d, &rs.hdr), -EINVAL);
	rs.hdr.flags = 0;
	rs.hdr.count = VFIO_IOPF_RESOLVE_MAX + 1;
	conf_assert_eq(c, ops(c)->resolve(d, &rs.hdr), -EINVAL);
	rs.hdr.count = 3;   /* argsz covers two */
	conf_assert_eq(c, ops(c)->resolve(d, &rs.hdr), -EINVAL);
	rs.hdr.count = 0;   /* nothing to do is no error */
	conf_assert_eq(c, ops(c)->resolve(d, &rs.hdr), 0);
	conf_assert_eq(c, rs.hdr.out_done, 0);

	conf_assert_eq(c, ops(c)->release(d, &rel), -EINVAL);
	rel.argsz = sizeof(rel);
	rel.flags = 1;
	conf_assert_eq(c, ops(c)->release(d, &rel), -EINVAL);
	rel.flags = 0;
	conf_assert_eq(c, release(c, 1, PG, NULL), -EINVAL);
	conf_assert_eq(c, release(c, 0, PG - 1, NULL), -EINVAL);
	conf_assert_eq(c, release(c, 0, 0, NULL), -EINVAL);
	conf_assert_eq(c, release(c, -(uint64_t)PG, 2 * PG, NULL), -EINVAL);

	conf_assert_eq(c, ops(c)->info(d, &in), -EINVAL);
	in.argsz = sizeof(in);
	in.flags = 1;
	conf_assert_eq(c, ops(c)->info(d, &in), -EINVAL);
}

/*
 * A resolver that answers faults but does not move the consumer index: the
 * ring fills, and the fault that finds it full is answered by the kernel,
 * with its fallback window, and counted in INFO and in the ring's header.
 * Once the records are consumed, faults reach the ring again.
 */
static void full_ring_overflows(struct conf *c)
{
	const uint32_t entries = c->ring.entries, overflow = iopf_ring_overflow(&c->ring);
	struct vfio_iopf_fault f;

	/* every page of the ring's faults, and the fallback window of the next */
	if (entries + (uint64_t)2 * 512 > c->t->dma_size / PG) {
		conf_fail(c, "a ring of %u records needs a larger DMA range", entries);
		return;
	}
	conf_assert(c, attach(c, 10000) > 0);
	for (uint32_t i = 0; i < entries; i++) {
		conf_assert_eq(c, c->t->access_start(c->t, at(c, i), false), 0);
		conf_assert(c, wait_records(c, i + 1, 5000));
		/* read in place */
		f = *iopf_ring_record(&c->ring, c->head + i);
		conf_assert(c, f.cookie != 0 && f.iova == at(c, i));
		conf_assert_eq(c, resolve(c, f.cookie, at(c, i), PG, VFIO_IOPF_RESPONSE_SUCCESS), 0);
		conf_assert_eq(c, c->t->access_wait(c->t), 0);
	}
	conf_assert_eq(c, info(c).out_overflow, 0);
	/* full: the kernel answers at once, the device does not wait for the timeout */
	conf_assert_eq(c, c->t->access_start(c->t, at(c, entries), true), 0);
	conf_assert_eq(c, c->t->access_wait(c->t), 0);
	conf_assert_eq(c, ring_fill(c), entries);
	conf_assert_eq(c, info(c).out_overflow, 1);
	conf_assert_eq(c, info(c).out_fallback, 1);
	conf_assert_eq(c, iopf_ring_overflow(&c->ring), overflow + 1);
	conf_assert_eq(c, info(c).out_resolved, entries);
	/* consumed: room again, past the fallback window */
	c->head += entries;
	iopf_ring_consume(&c->ring, c->head);
	conf_assert(c, fault_and_map(c, entries + 2 * 512, false, &f));
	conf_assert_eq(c, info(c).out_overflow, 1);
}

static const struct {
	const char *name;
	void (*run)(struct conf *c);
} checks[] = {
	{ "window_is_mapped", window_is_mapped },
	{ "cookies_answer_once", cookies_answer_once },
	{ "bad_entries_fall_back", bad_entries_fall_back },
	{ "invalid_reaches_the_device", invalid_reaches_the_device },
	{ "fallback_window", fallback_window },
	{ "timeout_falls_back", timeout_falls_back },
	{ "detach_falls_back", detach_falls_back },
	{ "one_resolver", one_resolver },
	{ "release_unmaps", release_unmaps },
	{ "map_ahead", map_ahead },
	{ "bad_arguments", bad_arguments },
	{ "full_ring_overflows", full_ring_overflows },
};

int conformance_run(struct conf_target *t)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct conf c = { .t = t, .check = checks[i].name, .efd = -1 };
		int e = t->open(t);

		if (e < 0) {
			printf("CONFORMANCE: FAIL %s %s: cannot set up the target (%s)\n",
			       t->name, c.check, strerror(-e));
			failed++;
			continue;
		}
		c.ring_mem = mmap(NULL, t->backend.ring.mmap_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, t->backend.ring_fd, 0);
		c.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c.ring_mem == MAP_FAILED || c.efd < 0 ||
		    iopf_ring_init(&c.ring, c.ring_mem, t->backend.ring.mmap_size,
				   &t->backend.ring) < 0)
			conf_fail(&c, "cannot map the ring or make an eventfd");
		else {
			c.head = iopf_ring_consumer(&c.ring);
			checks[i].run(&c);
		}
		if (c.ring_mem != MAP_FAILED)
			munmap(c.ring_mem, t->backend.ring.mmap_size);
		if (c.efd >= 0)
			close(c.efd);
		t->close(t);
		if (c.failed)
			failed++;
		else
			printf("CONFORMANCE: PASS %s %s\n", t->name, c.check);
		fflush(stdout);
	}
	return failed;
}
