/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: percentiles from the log-linear histogram are within its error bound. */
#include "check-helpers.h"
#include "histogram.h"

START_TEST(percentiles_within_bound)
{
	static struct histogram h;

	ck_assert_uint_eq(histogram_percentile(&h, 500), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		histogram_add(&h, v);
	ck_assert_uint_eq(h.count, 100000);
	ck_assert_uint_eq(h.max, 100000);
	/* Buckets are 1/16 of a power of two wide: at most 6.25% high. */
	ck_assert_uint_ge(histogram_percentile(&h, 500), 50000);
	ck_assert_uint_le(histogram_percentile(&h, 500), 53125);
	ck_assert_uint_ge(histogram_percentile(&h, 990), 99000);
	ck_assert_uint_le(histogram_percentile(&h, 990), 100000);
	ck_assert_uint_eq(histogram_percentile(&h, 1000), 100000);
}
END_TEST

START_TEST(small_and_huge_values)
{
	static struct histogram h;

	histogram_add(&h, 0);
	histogram_add(&h, 3);
	histogram_add(&h, UINT64_MAX);
	ck_assert_uint_eq(histogram_percentile(&h, 1), 0);
	ck_assert_uint_eq(histogram_percentile(&h, 500), 3);
	ck_assert_uint_eq(histogram_percentile(&h, 1000), UINT64_MAX);
	ck_assert_uint_eq(h.count, 3);
}
END_TEST

TEST_MAIN("histogram", percentiles_within_bound, small_and_huge_values)
