/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: workload generators cover, stay in bounds, and are deterministic. */
#include <stdlib.h>

#include "check-helpers.h"
#include "workload.h"

static struct workload_config cfg(enum workload_kind kind, uint64_t npages, uint32_t nstreams)
{
	return (struct workload_config) {
		.kind = kind, .npages = npages, .nstreams = nstreams,
		.stride_pages = 8, .zipf_exponent = 1.0, .seed = 42,
	};
}

START_TEST(sequential_covers_every_page_once)
{
	struct workload_config c = cfg(WORKLOAD_SEQUENTIAL, 1001, 7);
	unsigned char *seen = calloc(c.npages, 1);
	uint64_t n = 0, page;

	for (uint32_t i = 0; i < c.nstreams; i++) {
		struct workload_stream s;
		uint64_t prev = UINT64_MAX;

		ck_assert_int_eq(workload_stream_init(&c, i, NULL, &s), 0);
		while (workload_next(&s, &page)) {
			ck_assert_uint_lt(page, c.npages);
			ck_assert(prev == UINT64_MAX || page == prev + 1);
			prev = page;
			seen[page]++;
			n++;
		}
	}
	for (uint64_t p = 0; p < c.npages; p++)
		ck_assert_uint_eq(seen[p], 1);
	ck_assert_uint_eq(n, workload_total_accesses(&c));
	free(seen);
}
END_TEST

START_TEST(strided_steps)
{
	struct workload_config c = cfg(WORKLOAD_STRIDED, 100, 1);
	struct workload_stream s;
	uint64_t page, n = 0;

	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), 0);
	while (workload_next(&s, &page)) {
		ck_assert_uint_eq(page, n * 8);
		n++;
	}
	ck_assert_uint_eq(n, 13);
	ck_assert_uint_eq(workload_total_accesses(&c), 13);
}
END_TEST

START_TEST(random_in_bounds_and_seeded)
{
	struct workload_config c = cfg(WORKLOAD_RANDOM, 5000, 2);
	struct workload_stream a, b;
	uint64_t pa, pb, n = 0, distinct = 0;
	unsigned char *seen = calloc(c.npages, 1);

	c.accesses = 10001;
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &a), 0);
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &b), 0);
	while (workload_next(&a, &pa)) {
		ck_assert(workload_next(&b, &pb));
		ck_assert_uint_eq(pa, pb);
		ck_assert_uint_lt(pa, c.npages);
		distinct += !seen[pa]++;
		n++;
	}
	ck_assert_uint_eq(n, 5001); /* stream 0 takes the odd access */
	/* 5001 uniform draws over 5000 pages touch about 63% of them. */
	ck_assert_uint_gt(distinct, 2900);
	ck_assert_uint_lt(distinct, 3400);
	ck_assert_uint_eq(workload_total_accesses(&c), 10001);
	free(seen);
}
END_TEST

START_TEST(hotset_is_skewed)
{
	struct workload_config c = cfg(WORKLOAD_HOTSET, 10000, 1);
	struct zipf_table *z;
	struct workload_stream s;
	uint64_t page, *count = calloc(c.npages, sizeof(uint64_t)), top = 0;

	c.accesses = 100000;
	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -EINVAL);
	ck_assert_int_eq(zipf_table_new(c.npages, 1.0, &z), 0);
	ck_assert_int_eq(workload_stream_init(&c, 0, z, &s), 0);
	while (workload_next(&s, &page)) {
		ck_assert_uint_lt(page, c.npages);
		count[page]++;
	}
	for (uint64_t p = 0; p < c.npages; p++)
		if (count[p] > top)
			top = count[p];
	/* Rank 1 of zipf(1) over 10^4 items takes about 1/H(10^4) = 10%. */
	ck_assert_uint_gt(top, 8000);
	ck_assert_uint_lt(top, 12500);
	zipf_table_free(z);
	free(count);
}
END_TEST

START_TEST(names_round_trip)
{
	for (int k = 0; k < _WORKLOAD_MAX; k++)
		ck_assert_int_eq(workload_kind_from_string(workload_kind_to_string(k)), k);
	ck_assert_int_eq(workload_kind_from_string("Sequential"), _WORKLOAD_INVALID);
	ck_assert_ptr_null(workload_kind_to_string(_WORKLOAD_MAX));
}
END_TEST

START_TEST(bad_configs_refused)
{
	struct workload_config c = cfg(WORKLOAD_SEQUENTIAL, 3, 4);
	struct workload_stream s;
	struct zipf_table *z;

	ck_assert_int_eq(workload_stream_init(&c, 0, NULL, &s), -EINVAL);
	c = cfg(WORKLOAD_SEQUENTIAL, 30, 4);
	ck_assert_int_eq(workload_stream_init(&c, 4, NULL, &s), -EINVAL);
	ck_assert_int_eq(zipf_table_new(0, 1.0, &z), -EINVAL);
	ck_assert_int_eq(zipf_table_new(10, 0, &z), -EINVAL);
}
END_TEST

TEST_MAIN("workload", sequential_covers_every_page_once, strided_steps, random_in_bounds_and_seeded,
	  hotset_is_skewed, names_round_trip, bad_configs_refused)
