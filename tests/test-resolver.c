/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the resolver against a ring someone else writes.  The VMM maps
 * the same ring iopfd does, so its indices and records are input: a producer
 * index no producer could have written is an error at once (not billions of
 * resolve calls), a rewound shared consumer index changes nothing, and one
 * drain handles a bounded number of records before the loop serves others.
 */
#include <poll.h>
#include <unistd.h>
#include <stdio.h>

#include "check-helpers.h"
#include "resolver.h"
#include "sim.h"

struct harness {
	struct sim *sim;
	struct resolver *resolver;
};

static void setup(struct harness *h, uint32_t ring_entries)
{
	struct resolver_config rc = { .batch_max = 64, .timeout_ms = 5000 };
	struct iopf_backend backend;
	struct sim_config c;

	sim_config_default(&c);
	c.manual = true;
	c.memory_bytes = 64 << 20;
	c.ring_entries = ring_entries;
	ck_assert_int_eq(sim_new(&c, &h->sim), 0);
	iopf_backend_sim(h->sim, &backend);
	ck_assert_int_eq(resolver_new(&backend, &rc, false, &h->resolver), 0);
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
	/* three records of garbage: cookies the kernel never issued */
	*h.resolver->ring.producer = head + 3;
	ck_assert_int_eq(resolver_drain(h.resolver), 3);
	ck_assert_uint_eq(h.resolver->stats.stale, 3);
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

TEST_MAIN("resolver", refuses_a_producer_index_behind_or_too_far_ahead,
	  keeps_its_own_consumer_index, drains_a_bounded_number_of_records_then_yields)
