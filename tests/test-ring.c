/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: ring layout checks, wrap-around of free-running indices, full ring. */
#include <stdlib.h>
#include <string.h>

#include "check-helpers.h"
#include "ring.h"

struct test_ring {
	struct vfio_iopf_ring_offsets off;
	struct iopf_ring ring;
	void *mem;
};

static void make_ring(struct test_ring *t, uint32_t entries)
{
	ck_assert_int_eq(iopf_ring_layout(entries, &t->off), 0);
	t->mem = aligned_alloc(4096, t->off.mmap_size);
	ck_assert_ptr_nonnull(t->mem);
	iopf_ring_format(t->mem, &t->off, entries);
	ck_assert_int_eq(iopf_ring_init(&t->ring, t->mem, t->off.mmap_size, &t->off), 0);
}

static void push(struct test_ring *t, uint64_t cookie)
{
	uint32_t tail = *t->ring.producer;

	ck_assert_uint_gt(iopf_ring_space(&t->ring, tail), 0);
	iopf_ring_record(&t->ring, tail)->cookie = cookie;
	iopf_ring_produce(&t->ring, tail + 1);
}

START_TEST(layout_rejects_bad_sizes)
{
	struct vfio_iopf_ring_offsets off;

	ck_assert_int_eq(iopf_ring_layout(0, &off), -EINVAL);
	ck_assert_int_eq(iopf_ring_layout(32, &off), -EINVAL);
	ck_assert_int_eq(iopf_ring_layout(100, &off), -EINVAL);
	ck_assert_int_eq(iopf_ring_layout(131072, &off), -EINVAL);
	ck_assert_int_eq(iopf_ring_layout(64, &off), 0);
	ck_assert_uint_eq(off.mmap_size % 4096, 0);
	ck_assert_uint_ge(off.mmap_size, off.records + 64 * off.record_size);
	ck_assert_uint_ne(off.producer / 64, off.consumer / 64);
}
END_TEST

START_TEST(init_rejects_hostile_offsets)
{
	struct test_ring t;
	struct vfio_iopf_ring_offsets bad;
	struct iopf_ring r;

	make_ring(&t, 64);
	bad = t.off;
	bad.producer = (uint32_t)t.off.mmap_size;
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size, &bad), -EINVAL);
	bad = t.off;
	bad.consumer = 3;
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size, &bad), -EINVAL);
	bad = t.off;
	bad.record_size = 8;
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size, &bad), -EINVAL);
	bad = t.off;
	bad.records = (uint32_t)t.off.mmap_size - 64;
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size, &bad), -EINVAL);
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size - 4096, &t.off), -EINVAL);
	/* Entries that are not a power of two, or a mask that does not match. */
	memset((char *)t.mem + t.off.mask, 0xff, 4);
	ck_assert_int_eq(iopf_ring_init(&r, t.mem, t.off.mmap_size, &t.off), -EINVAL);
	free(t.mem);
}
END_TEST

START_TEST(wraps_around_free_running_indices)
{
	struct test_ring t;
	uint64_t next_cookie = 1, expect = 1;

	uint32_t head = UINT32_MAX - 100;

	make_ring(&t, 64);
	/* Start just below the 32-bit wrap so both indices cross it. */
	*t.ring.producer = *t.ring.consumer = head;

	for (int round = 0; round < 20; round++) {
		uint32_t n;

		for (int i = 0; i < 37; i++)
			push(&t, next_cookie++);
		ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), 0);
		ck_assert_uint_eq(n, 37);
		for (uint32_t i = 0; i < n; i++)
			ck_assert_uint_eq(iopf_ring_record(&t.ring, head + i)->cookie, expect++);
		head += n;
		iopf_ring_consume(&t.ring, head);
	}
	ck_assert_uint_lt(*t.ring.producer, 1000); /* it wrapped */
	free(t.mem);
}
END_TEST

START_TEST(full_ring_has_no_space)
{
	struct test_ring t;
	uint32_t head = UINT32_MAX - 10, n;

	make_ring(&t, 64);
	*t.ring.producer = *t.ring.consumer = head;
	for (int i = 0; i < 64; i++)
		push(&t, (uint64_t)i + 1);
	ck_assert_uint_eq(iopf_ring_space(&t.ring, *t.ring.producer), 0);
	ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), 0);
	ck_assert_uint_eq(n, 64);
	/* Oldest record still intact: the producer never overwrote it. */
	ck_assert_uint_eq(iopf_ring_record(&t.ring, head)->cookie, 1);
	iopf_ring_consume(&t.ring, head + 1);
	ck_assert_uint_eq(iopf_ring_space(&t.ring, *t.ring.producer), 1);
	free(t.mem);
}
END_TEST

/*
 * Another process can write the producer and consumer indices: the consumer
 * goes by its own head, and a producer index no producer could have written
 * (more than a ring ahead, or behind) is an error, not four billion records.
 */
START_TEST(hostile_indices_are_refused)
{
	struct test_ring t;
	uint32_t head = 1000, n = 7;

	make_ring(&t, 64);
	*t.ring.producer = *t.ring.consumer = head;
	push(&t, 1);
	/* a rewound shared consumer changes nothing for us */
	*t.ring.consumer = 0;
	ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), 0);
	ck_assert_uint_eq(n, 1);
	*t.ring.producer = head - 1;
	ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), -EBADMSG);
	*t.ring.producer = head + 65;
	ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), -EBADMSG);
	ck_assert_uint_eq(n, 1); /* untouched on error */
	*t.ring.producer = head + 64;
	ck_assert_int_eq(iopf_ring_ready(&t.ring, head, &n), 0);
	ck_assert_uint_eq(n, 64);
	free(t.mem);
}
END_TEST

TEST_MAIN("ring", layout_rejects_bad_sizes, init_rejects_hostile_offsets,
	  wraps_around_free_running_indices, full_ring_has_no_space, hostile_indices_are_refused)
