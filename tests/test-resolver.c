/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the resolver against a ring someone else writes.  The VMM maps
 * the same ring iopfd does, so its indices and records are input: a producer
 * index no producer could have written is an error at once (not billions of
 * resolve calls), a rewound shared consumer index changes nothing, and one
 * drain handles a bounded number of records before the loop serves others.
 */
#include <poll.h>
#include <stddef.h>
#include <unistd.h>
#include <stdio.h>

#include <sys/eventfd.h>

#include "check-helpers.h"
#include "resolver.h"
#include "sim.h"
#include "time-util.h"

/*
 * The simulator's backend, with resolve calls that fail: the first
 * @fail_calls with @fail_errno, then each stopping after @done_max entries.
 */
struct flaky {
	struct iopf_backend inner;
	unsigned fault_on_call;  /* the call after which the first device faults at fault_offset */
	uint64_t fault_offset;
	unsigned fail_calls;
	int fail_errno;
	uint32_t done_max;
	unsigned calls;
	unsigned info_calls;
	int entry_error;   /* given to the first entry of the next call that does any */
	unsigned fail_releases; /* release calls to fail with -EINTR */
};

struct harness {
	struct sim *sim;
	struct resolver *resolver;
	struct flaky flaky;
};

static int flaky_set_resolver(void *data, const struct vfio_iopf_set_resolver *arg)
{
	struct flaky *f = data;

	return f->inner.ops->set_resolver(f->inner.data, arg);
}

static void fault_devices(struct harness *h, uint32_t n, uint64_t offset);

static int flaky_resolve(void *data, struct vfio_iopf_resolve *arg)
{
	struct flaky *f = data;
	uint32_t count = arg->count;
	int e;

	f->calls++;
	if (f->fail_calls > 0) {
		f->fail_calls--;
		return f->fail_errno;
	}
	arg->count = MIN(count, f->done_max);
	e = f->inner.ops->resolve(f->inner.data, arg);
	arg->count = count;
	if (e >= 0 && f->entry_error && arg->out_done) {
		arg->entries[0].out_result = f->entry_error;
		f->entry_error = 0;
	}
	if (f->fault_on_call && f->calls == f->fault_on_call) {
		f->fault_on_call = 0;
		fault_devices((struct harness *)((char *)f - offsetof(struct harness, flaky)), 1,
			      f->fault_offset);
	}
	return e;
}

static int flaky_release(void *data, struct vfio_iopf_release *arg)
{
	struct flaky *f = data;

	if (f->fail_releases > 0) {
		f->fail_releases--;
		return -EINTR;
	}
	return f->inner.ops->release(f->inner.data, arg);
}

static int flaky_info(void *data, struct vfio_iopf_info *arg)
{
	struct flaky *f = data;

	f->info_calls++;
	return f->inner.ops->info(f->inner.data, arg);
}

static const struct iopf_backend_ops flaky_ops = {
	.name = "flaky",
	.set_resolver = flaky_set_resolver,
	.resolve = flaky_resolve,
	.release = flaky_release,
	.info = flaky_info,
};

/* @fail_calls resolve calls fail with @fail_errno before the simulator sees any. */
static void setup_devices(struct harness *h, uint32_t ring_entries, uint32_t ndevices,
			  uint32_t timeout_ms, unsigned fail_calls, int fail_errno)
{
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = timeout_ms };
	struct iopf_backend backend;
	struct sim_config c;

	sim_config_default(&c);
	c.manual = true;
	c.memory_bytes = 64 << 20;
	c.ring_entries = ring_entries;
	c.ndevices = ndevices;
	ck_assert_int_eq(sim_new(&c, &h->sim), 0);
	h->flaky = (struct flaky) {
		.fail_calls = fail_calls,
		.fail_errno = fail_errno,
		.done_max = UINT32_MAX,
	};
	iopf_backend_sim(h->sim, &h->flaky.inner);
	backend = h->flaky.inner;
	backend.ops = &flaky_ops;
	backend.data = &h->flaky;
	ck_assert_int_eq(resolver_new(&backend, &rc, false, &h->resolver), 0);
	ck_assert_int_eq(sim_start(h->sim), 0);
}

static void setup(struct harness *h, uint32_t ring_entries)
{
	setup_devices(h, ring_entries, 1, 5000, 0, 0);
}

/*
 * Each of @n devices faults on its own page, 4 MiB apart from @offset into
 * the first range; returns once all are on the ring.
 */
static void fault_devices(struct harness *h, uint32_t n, uint64_t offset)
{
	uint64_t iova, size;
	uint32_t ready = 0;

	ck_assert_int_eq(sim_range(h->sim, 0, &iova, &size), 0);
	for (uint32_t d = 0; d < n; d++)
		ck_assert_int_eq(sim_access_start(h->sim, d, iova + offset + d * (UINT64_C(4) << 20), true), 0);
	for (int i = 0; i < 1000 && ready < n; i++) {
		ck_assert_int_eq(iopf_ring_ready(&h->resolver->ring, h->resolver->head, &ready), 0);
		if (ready < n)
			usleep(1000);
	}
	ck_assert_uint_eq(ready, n);
}

static void wait_devices(struct harness *h, uint32_t n)
{
	for (uint32_t d = 0; d < n; d++)
		ck_assert_int_eq(sim_access_wait(h->sim, d, 5000), 0);
}

/* The first device faults @offset into the first range; the fault is drained, served and done. */
static void serve_one_fault(struct harness *h, uint64_t offset)
{
	fault_devices(h, 1, offset);
	ck_assert_int_eq(resolver_drain(h->resolver), 1);
	wait_devices(h, 1);
}

static void teardown(struct harness *h)
{
	resolver_free(h->resolver);
	sim_free(h->sim);
}

static bool eventfd_signalled(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Reads away what the simulator's faults and earlier kicks signalled. */
static void drain_eventfd(int fd)
{
	eventfd_t v;

	if (eventfd_signalled(fd))
		ck_assert_int_eq(eventfd_read(fd, &v), 0);
}

START_TEST(a_refused_entry_makes_the_next_windows_cautious)
{
	const int refusals[] = { -ENOMEM, -EINVAL, -EFAULT };

	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		struct resolver_config rc;
		struct harness h;
		uint64_t requested;

		setup(&h, 64);
		rc = h.resolver->config;
		iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
		rc.policy.fixed_pages = 16;
		ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
		h.flaky.entry_error = refusals[i];
		serve_one_fault(&h, 0);
		ck_assert_uint_eq(h.resolver->stats.errors, 1);
		ck_assert_uint_eq(h.resolver->stats.pages_requested, 16);

		/* ENOMEM and EINVAL say a big window would fail again: the next one is the page */
		requested = h.resolver->stats.pages_requested;
		serve_one_fault(&h, UINT64_C(8) << 20);
		if (refusals[i] == -EFAULT) {
			ck_assert_uint_eq(h.resolver->stats.pages_requested - requested, 16);
			ck_assert_uint_eq(h.resolver->stats.cautious, 0);
		} else {
			ck_assert_uint_eq(h.resolver->stats.pages_requested - requested, 1);
			ck_assert_uint_eq(h.resolver->stats.cautious, 1);
			ck_assert_uint_eq(h.resolver->cautious_left, RESOLVER_CAUTIOUS_FAULTS - 1);
		}
		teardown(&h);
	}
}
END_TEST

START_TEST(refuses_a_producer_index_behind_or_too_far_ahead)
{
	struct harness h;

	setup(&h, 64);
	*h.resolver->ring.producer = h.resolver->head - 1;
	ck_assert_int_eq(resolver_drain(h.resolver), -EBADMSG);
	ck_assert_uint_eq(h.resolver->stats.batches, 0);
	*h.resolver->ring.producer = h.resolver->head + 65;
	ck_assert_int_eq(resolver_drain(h.resolver), -EBADMSG);
	ck_assert_uint_eq(h.resolver->stats.batches, 0);
	teardown(&h);
}
END_TEST

START_TEST(keeps_its_own_consumer_index)
{
	struct harness h;
	uint32_t head;

	setup(&h, 64);
	head = h.resolver->head;
	/* three records of garbage: cookie 0, which the kernel never issues */
	*h.resolver->ring.producer = head + 3;
	ck_assert_int_eq(resolver_drain(h.resolver), 3);
	ck_assert_uint_eq(h.resolver->stats.bad_records, 3);
	ck_assert_uint_eq(h.resolver->stats.batches, 0);
	ck_assert_uint_eq(*h.resolver->ring.consumer, head + 3);
	/* rewinding the shared consumer does not make iopfd resubmit them */
	*h.resolver->ring.consumer = head;
	ck_assert_int_eq(resolver_drain(h.resolver), 0);
	ck_assert_uint_eq(h.resolver->stats.faults, 3);
	teardown(&h);
}
END_TEST

START_TEST(drains_a_bounded_number_of_records_then_yields)
{
	struct harness h;
	uint32_t head, left = 2000;
	uint64_t v;

	setup(&h, 4096);
	head = h.resolver->head;
	*h.resolver->ring.producer = head + left;
	ck_assert(!eventfd_signalled(h.resolver->eventfd));
	ck_assert_int_eq(resolver_drain(h.resolver), RESOLVER_RECORDS_PER_DRAIN);
	left -= RESOLVER_RECORDS_PER_DRAIN;
	/* records are left: it asked the loop to come back */
	ck_assert(eventfd_signalled(h.resolver->eventfd));
	ck_assert_int_eq(read(h.resolver->eventfd, &v, sizeof(v)), sizeof(v));
	ck_assert_int_eq(resolver_drain(h.resolver), (int)left);
	/* nothing left: no wake-up */
	ck_assert(!eventfd_signalled(h.resolver->eventfd));
	ck_assert_uint_eq(h.resolver->stats.faults, 2000);
	teardown(&h);
}
END_TEST

/* The record at ring index @pos, as the VMM can write it. */
static struct vfio_iopf_fault *record_at(struct harness *h, uint32_t pos)
{
	struct iopf_ring *ring = &h->resolver->ring;

	return (struct vfio_iopf_fault *)(ring->records + (size_t)(pos & ring->mask) * ring->record_size);
}

/*
 * Device ids come from the ring: past RESOLVER_DEVICES_MAX a fault is
 * still answered, decided without history, and tracks nothing.
 */
START_TEST(tracks_a_bounded_number_of_devices)
{
	const uint32_t ids[] = { RESOLVER_DEVICES_MAX, UINT32_MAX, RESOLVER_DEVICES_MAX - 1 };
	struct harness h;

	setup_devices(&h, 64, 3, 5000, 0, 0);
	fault_devices(&h, 3, 0);
	for (uint32_t i = 0; i < 3; i++)
		record_at(&h, h.resolver->head + i)->dev_id = ids[i];
	ck_assert_int_eq(resolver_drain(h.resolver), 3);
	wait_devices(&h, 3);
	ck_assert_uint_eq(h.resolver->stats.faults, 3);
	ck_assert_uint_eq(h.resolver->stats.errors, 0);
	ck_assert_uint_eq(h.resolver->stats.bad_records, 0);
	/* the last id is the highest one tracked */
	ck_assert_uint_eq(h.resolver->ndevices, RESOLVER_DEVICES_MAX);
	teardown(&h);
}
END_TEST

static uint64_t sim_pinned(struct harness *h)
{
	struct sim_stats st;

	sim_get_stats(h->sim, &st);
	return st.pinned_pages;
}

/* Idle reclaim gives back what no fault used for idle_reclaim_s, and only that. */
START_TEST(reclaims_what_no_fault_used)
{
	const uint64_t s = UINT64_C(1000000000);
	struct resolver_config rc;
	struct harness h;
	uint64_t t0, t1;

	setup(&h, 64);
	rc = h.resolver->config;
	iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
	rc.policy.fixed_pages = 16;
	rc.no_map_ahead = true;
	rc.idle_reclaim_s = 10;
	ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
	t0 = now_ns();
	serve_one_fault(&h, 0);
	ck_assert_uint_eq(sim_pinned(&h), 16);

	/* not idle for long enough */
	resolver_reclaim_idle(h.resolver, t0 + 9 * s);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	ck_assert_uint_eq(h.resolver->stats.reclaimed, 0);
	/* a second window, used after t1: idle for 10 s at t1 + 10 s is the first alone */
	t1 = now_ns();
	serve_one_fault(&h, UINT64_C(8) << 20);
	ck_assert_uint_eq(sim_pinned(&h), 32);
	resolver_reclaim_idle(h.resolver, t1 + 10 * s);
	ck_assert_uint_eq(h.resolver->stats.reclaimed, 16 * IOPF_PAGE_SIZE);
	ck_assert_uint_eq(sim_pinned(&h), 16);

	/* off: nothing goes, however long */
	rc.idle_reclaim_s = 0;
	ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
	resolver_reclaim_idle(h.resolver, UINT64_MAX);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	teardown(&h);
}
END_TEST

/* Calls that fail transiently or stop short are made again for what is left. */
START_TEST(retries_what_a_resolve_call_left_undone)
{
	struct harness h;
	struct sim_stats st;

	setup_devices(&h, 64, 4, 5000, 1, -EAGAIN);
	h.flaky.done_max = 2;
	fault_devices(&h, 3, 0);
	ck_assert_int_eq(resolver_serve(h.resolver, 1), 0);
	wait_devices(&h, 3);
	sim_get_stats(h.sim, &st);
	ck_assert_uint_eq(st.resolved, 3);
	ck_assert_uint_eq(st.fallback, 0);
	/* -EAGAIN, then 2 of 3, then the last one */
	ck_assert_uint_eq(h.flaky.calls, 3);
	ck_assert_uint_eq(h.resolver->stats.retries, 2);
	ck_assert_uint_eq(h.resolver->stats.abandoned, 0);
	teardown(&h);
}
END_TEST

/* A backend that keeps failing transiently: the kernel's timeout answers, the VM stays served. */
START_TEST(leaves_faults_to_the_kernel_when_retries_run_out)
{
	struct harness h;
	struct sim_stats st;

	setup_devices(&h, 64, 2, 100, 100, -ENOMEM);
	fault_devices(&h, 2, 0);
	ck_assert_int_eq(resolver_serve(h.resolver, 1), 0);
	ck_assert_uint_eq(h.flaky.calls, RESOLVER_RESOLVE_TRIES);
	ck_assert_uint_eq(h.resolver->stats.abandoned, 2);
	wait_devices(&h, 2);
	sim_get_stats(h.sim, &st);
	ck_assert_uint_eq(st.timeouts, 2);
	ck_assert_uint_eq(st.resolved, 0);
	/* and the next fault is served again */
	h.flaky.fail_calls = 0;
	fault_devices(&h, 1, UINT64_C(16) << 20);
	ck_assert_int_eq(resolver_serve(h.resolver, 1), 0);
	wait_devices(&h, 1);
	sim_get_stats(h.sim, &st);
	ck_assert_uint_eq(st.resolved, 1);
	teardown(&h);
}
END_TEST

/* An error that says the fd is unusable ends serving it, at once. */
START_TEST(stops_serving_an_unusable_fd)
{
	struct harness h;

	setup_devices(&h, 64, 1, 100, 100, -EBADF);
	fault_devices(&h, 1, 0);
	ck_assert_int_eq(resolver_serve(h.resolver, 1), -EBADF);
	ck_assert_uint_eq(h.flaky.calls, 1);
	teardown(&h);
}
END_TEST

/*
 * A wake-up with nothing to drain asks the kernel whether another resolver
 * took over (VFIO_IOPF_INFO, which waits for the container's lock) only
 * when the kernel signalled: never for our own kicks, which map ahead
 * between faults.  Another resolver that takes over is noticed.
 */
START_TEST(asks_whether_displaced_only_when_the_kernel_signalled)
{
	struct harness h;
	struct vfio_iopf_set_resolver other = { .argsz = sizeof(other), .flags = VFIO_IOPF_RESOLVER_TAKEOVER };
	unsigned before;
	int efd;

	setup(&h, 64);
	before = h.flaky.info_calls;	/* attaching asks for the features */
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_int_eq(resolver_serve(h.resolver, 5 * RESOLVER_KICK), 0);
	ck_assert_uint_eq(h.flaky.info_calls, before);
	ck_assert_int_eq(resolver_serve(h.resolver, 1), 0);
	ck_assert_uint_eq(h.flaky.info_calls, before + 1);
	/* a kick and the kernel's signal in one count: it asks */
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	other.eventfd = efd;
	ck_assert_int_ge(h.flaky.inner.ops->set_resolver(h.flaky.inner.data, &other), 0);
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK + 1), -ESTALE);
	ck_assert_uint_eq(h.flaky.info_calls, before + 2);
	teardown(&h);
	close(efd);
}
END_TEST

/* A record as a VMM could write it, for device 0 in the first range. */
static void put_record(struct harness *h, uint32_t pos, uint64_t offset, uint64_t timestamp_ns)
{
	uint64_t base, size;

	ck_assert_int_eq(sim_range(h->sim, 0, &base, &size), 0);
	*record_at(h, pos) = (struct vfio_iopf_fault) {
		.cookie = 1000 + pos, .iova = base + offset, .dma_iova = base, .dma_size = size,
		.timestamp_ns = timestamp_ns,
	};
}

/*
 * A window's pace counts once.  Only auto makes samples; faults that a
 * rule's policy decides afterwards must not count the device's last one
 * again (300 times over, it was the whole meter, and auto was fitted to
 * one window).
 */
START_TEST(counts_a_pace_sample_once)
{
	struct fault_rules rules = { .n = 1 };
	struct resolver_config rc;
	struct harness h;
	uint64_t base, size;
	uint32_t head;

	setup(&h, 4096);
	rc = h.resolver->config;
	iopf_policy_default(IOPF_POLICY_AUTO, &rc.policy);
	ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
	/* a run under auto: the second fault continues the first's 16 pages */
	head = h.resolver->head;
	put_record(&h, head, 0, 1000000);
	*h.resolver->ring.producer = head + 1;
	ck_assert_int_eq(resolver_drain(h.resolver), 1);
	put_record(&h, head + 1, 16 * IOPF_PAGE_SIZE, 1000000 + 100100);
	*h.resolver->ring.producer = head + 2;
	ck_assert_int_eq(resolver_drain(h.resolver), 1);
	ck_assert_uint_eq(h.resolver->stall.windows_seen, 1);
	/* from 8 MiB on, a rule's fixed policy decides */
	ck_assert_int_eq(sim_range(h.sim, 0, &base, &size), 0);
	rules.rules[0] = (struct fault_rule) {
		.device = "", .iova = base + (UINT64_C(8) << 20), .end = base + size, .has_policy = true,
	};
	iopf_policy_default(IOPF_POLICY_FIXED, &rules.rules[0].policy);
	resolver_set_rules(h.resolver, &rules);
	head = h.resolver->head;
	for (uint32_t i = 0; i < 300; i++)
		put_record(&h, head + i, (UINT64_C(8) << 20) + (uint64_t)i * (UINT64_C(64) << 10),
			   5000000 + i);
	*h.resolver->ring.producer = head + 300;
	ck_assert_int_eq(resolver_drain(h.resolver), 300);
	ck_assert_uint_eq(h.resolver->stall.windows_seen, 1);
	teardown(&h);
}
END_TEST

/*
 * The kernel signals a displaced resolver once, and the faults queued then
 * stay in the ring: when that wake-up drains them, the next wake-up with
 * nothing to drain asks, even if only our kick woke us.
 */
START_TEST(notices_a_takeover_signalled_with_faults_to_drain)
{
	struct vfio_iopf_set_resolver other = { .argsz = sizeof(other), .flags = VFIO_IOPF_RESOLVER_TAKEOVER };
	struct harness h;
	unsigned before;
	uint64_t count;
	int efd;

	setup(&h, 64);
	fault_devices(&h, 1, 0);
	efd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(efd, 0);
	other.eventfd = efd;
	ck_assert_int_ge(h.flaky.inner.ops->set_resolver(h.flaky.inner.data, &other), 0);
	ck_assert_int_eq(read(h.resolver->eventfd, &count, sizeof(count)), sizeof(count));
	ck_assert_uint_ne(count & UINT32_MAX, 0);
	before = h.flaky.info_calls;
	ck_assert_int_eq(resolver_serve(h.resolver, count), 0);
	ck_assert_uint_eq(h.flaky.info_calls, before);
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), -ESTALE);
	teardown(&h);
	close(efd);
}
END_TEST

/* One device, fixed:256 answered early (map-ahead on: no budget). */
static void setup_map_ahead_256(struct harness *h)
{
	struct resolver_config rc;

	setup(h, 64);
	rc = h->resolver->config;
	iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
	rc.policy.fixed_pages = 256;
	ck_assert_int_eq(resolver_set_config(h->resolver, &rc), 0);
	ck_assert(h->resolver->map_ahead);
}

/*
 * A budget set while map-ahead ranges are queued (iopfctl budget set):
 * what is queued is not mapped past it (fixed:256 answered early, then a
 * 16-page budget: 40 kicks would map the rest of the window, 256 pages,
 * many times over).
 */
START_TEST(a_budget_set_stops_the_map_ahead_queue)
{
	struct resolver_config rc;
	struct harness h;

	setup_map_ahead_256(&h);
	serve_one_fault(&h, 0);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	ck_assert_uint_gt(h.resolver->ahead.len, 0);
	rc = h.resolver->config;
	rc.budget_pages = 16;
	ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	teardown(&h);
}
END_TEST

/*
 * A fault on a page queued to be mapped ahead behind another range takes
 * the rest of that range, mapped before its answer; one on the range being
 * mapped ahead waits for a chunk (fixed:256, answered early: 16 pages).
 */
START_TEST(a_fault_that_caught_up_claims_its_queued_range)
{
	struct harness h;

	setup_map_ahead_256(&h);
	serve_one_fault(&h, 0);
	serve_one_fault(&h, UINT64_C(8) << 20);
	ck_assert_uint_eq(sim_pinned(&h), 32);
	ck_assert_uint_eq(h.resolver->ahead.len, 2);
	serve_one_fault(&h, (UINT64_C(8) << 20) + 32 * IOPF_PAGE_SIZE);
	ck_assert_uint_eq(sim_pinned(&h), 16 + 256);
	serve_one_fault(&h, 64 * IOPF_PAGE_SIZE);
	ck_assert_uint_eq(sim_pinned(&h), 16 + 256 + 16);
	/* map-ahead calls tell the stall meter nothing of a page's cost */
	ck_assert_uint_eq(h.resolver->stall.ncalls, 4);
	/* a kick maps ahead 8 pages a call from page 16, the 16 from page 64 mapped already */
	drain_eventfd(h.resolver->eventfd);
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_uint_eq(sim_pinned(&h), 16 + 256 + 16 + 8 * RESOLVER_AHEAD_CALLS_PER_TURN - 16);
	ck_assert_uint_eq(h.resolver->stall.ncalls, 4);
	/* and leaves the rest to the next turn of the loop */
	ck_assert(eventfd_signalled(h.resolver->eventfd));
	teardown(&h);
}
END_TEST

/*
 * A fault that arrives while a turn maps ahead stops it after the call
 * under way: the fault goes first, at the next turn (fixed:256 answered
 * early, 240 pages queued; the fault comes during the second call).
 */
START_TEST(map_ahead_stops_for_a_fault_between_calls)
{
	struct harness h;
	uint32_t ready;

	setup_map_ahead_256(&h);
	serve_one_fault(&h, 0);
	h.flaky.calls = 0;
	h.flaky.fault_on_call = 2;
	h.flaky.fault_offset = UINT64_C(8) << 20;
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_uint_eq(h.flaky.calls, 2);
	ck_assert_uint_eq(sim_pinned(&h), 16 + 2 * 8);
	ck_assert_int_eq(iopf_ring_ready(&h.resolver->ring, h.resolver->head, &ready), 0);
	ck_assert_uint_eq(ready, 1);
	ck_assert_int_eq(resolver_drain(h.resolver), 1);
	wait_devices(&h, 1);
	teardown(&h);
}
END_TEST

/*
 * A map-ahead call that fails transiently RESOLVER_RESOLVE_TRIES times is
 * given up: no fault is counted as abandoned, nothing as mapped ahead, and
 * the turn ends, kicking itself for the rest.
 */
START_TEST(a_map_ahead_call_given_up_abandons_no_fault)
{
	struct harness h;

	setup_map_ahead_256(&h);
	serve_one_fault(&h, 0);
	drain_eventfd(h.resolver->eventfd);
	h.flaky.calls = 0;
	h.flaky.fail_calls = RESOLVER_RESOLVE_TRIES;
	h.flaky.fail_errno = -EINTR;
	ck_assert_int_eq(resolver_serve(h.resolver, RESOLVER_KICK), 0);
	ck_assert_uint_eq(h.flaky.calls, RESOLVER_RESOLVE_TRIES);
	ck_assert_uint_eq(h.resolver->stats.abandoned, 0);
	ck_assert_uint_eq(h.resolver->stats.ahead_bytes, 0);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	ck_assert(eventfd_signalled(h.resolver->eventfd));
	teardown(&h);
}
END_TEST

/*
 * In a batch of two devices' faults, each its device's only one: a window
 * that starts at its fault is answered early (16 pages), one that starts
 * before it is mapped whole (fixed:256 blocks, faults 4 MiB apart).
 */
START_TEST(a_run_is_answered_early_beside_other_devices_faults)
{
	struct resolver_config rc;
	struct harness h;

	setup_devices(&h, 64, 2, 5000, 0, 0);
	rc = h.resolver->config;
	iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
	rc.policy.fixed_pages = 256;
	ck_assert_int_eq(resolver_set_config(h.resolver, &rc), 0);
	fault_devices(&h, 2, 0);
	ck_assert_int_eq(resolver_drain(h.resolver), 2);
	wait_devices(&h, 2);
	ck_assert_uint_eq(sim_pinned(&h), 2 * 16);
	ck_assert_uint_eq(h.resolver->ahead.len, 2);
	fault_devices(&h, 2, (UINT64_C(2) << 20) + 8 * IOPF_PAGE_SIZE);
	ck_assert_int_eq(resolver_drain(h.resolver), 2);
	wait_devices(&h, 2);
	ck_assert_uint_eq(sim_pinned(&h), 2 * 16 + 2 * 256);
	teardown(&h);
}
END_TEST

static uint64_t counted_pinned(struct harness *h)
{
	struct budget_stats st;

	budget_get_stats(h->resolver->budget, &st);
	return st.pinned_pages;
}

static void set_fixed16(struct harness *h, uint64_t budget_pages)
{
	struct resolver_config rc = h->resolver->config;

	iopf_policy_default(IOPF_POLICY_FIXED, &rc.policy);
	rc.policy.fixed_pages = 16;
	rc.no_map_ahead = true;
	rc.budget_pages = budget_pages;
	ck_assert_int_eq(resolver_set_config(h->resolver, &rc), 0);
}

/*
 * A budget set on a running VM holds for what was pinned before it (once,
 * 16 pages under a 16-page budget set after two windows ended at 32, then
 * 48): pins are counted with or without a budget.
 */
START_TEST(a_budget_set_later_holds_for_what_was_pinned_before)
{
	struct harness h;

	setup(&h, 64);
	set_fixed16(&h, 0);
	serve_one_fault(&h, 0);
	serve_one_fault(&h, UINT64_C(8) << 20);
	ck_assert_uint_eq(sim_pinned(&h), 32);
	set_fixed16(&h, 16);
	serve_one_fault(&h, UINT64_C(16) << 20);
	ck_assert_uint_eq(sim_pinned(&h), 16);
	ck_assert_uint_eq(counted_pinned(&h), 16);
	teardown(&h);
}
END_TEST

/*
 * A release the kernel fails leaves its pages pinned, and counted: the
 * next window releases them first (once, a failed release was forgotten,
 * and four faults under a 16-page budget left 64 pages pinned).
 */
START_TEST(a_failed_release_stays_counted)
{
	struct harness h;

	setup(&h, 64);
	set_fixed16(&h, 16);
	serve_one_fault(&h, 0);
	h.flaky.fail_releases = 1;
	serve_one_fault(&h, UINT64_C(8) << 20);
	ck_assert_uint_eq(h.resolver->stats.release_errors, 1);
	ck_assert_uint_eq(sim_pinned(&h), 32);
	ck_assert_uint_eq(counted_pinned(&h), 32);
	for (uint64_t mib = 16; mib <= 32; mib += 8) {
		serve_one_fault(&h, mib << 20);
		ck_assert_uint_eq(sim_pinned(&h), 16);
		ck_assert_uint_eq(counted_pinned(&h), 16);
	}
	teardown(&h);
}
END_TEST

TEST_MAIN("resolver", a_failed_release_stays_counted, a_budget_set_later_holds_for_what_was_pinned_before,
	  a_budget_set_stops_the_map_ahead_queue, a_fault_that_caught_up_claims_its_queued_range, map_ahead_stops_for_a_fault_between_calls, a_map_ahead_call_given_up_abandons_no_fault, a_run_is_answered_early_beside_other_devices_faults, counts_a_pace_sample_once, notices_a_takeover_signalled_with_faults_to_drain, asks_whether_displaced_only_when_the_kernel_signalled, a_refused_entry_makes_the_next_windows_cautious, retries_what_a_resolve_call_left_undone,
	  leaves_faults_to_the_kernel_when_retries_run_out, stops_serving_an_unusable_fd, refuses_a_producer_index_behind_or_too_far_ahead,
	  keeps_its_own_consumer_index, drains_a_bounded_number_of_records_then_yields,
	  tracks_a_bounded_number_of_devices, reclaims_what_no_fault_used)
