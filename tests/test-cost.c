/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: the cost constants solve the seed's two rows, and nothing else is accepted. */
#include <math.h>

#include "check-helpers.h"
#include "cost.h"

#define MIB (1024.0 * 1024.0)

/* The stall a row's faults add, as a fraction of its static time. */
static double row_slowdown(const struct cost_model *c, const struct cost_row *row)
{
	double stall = row->faults * (c->fault_us + c->page_us * row->window_pages);

	return stall / cost_transfer_us(c, 2 * row->message_mib * MIB);
}

START_TEST(constants_reproduce_the_seed_rows)
{
	struct cost_model c;

	cost_model_default(&c);
	for (int i = 0; i < 2; i++)
		ck_assert_double_eq_tol(row_slowdown(&c, &cost_seed_rows[i]), cost_seed_rows[i].slowdown,
					1e-9);
	/* In units of one 1 MiB message's static time: f = 0.000736 U, p = 0.000488 U. */
	ck_assert_double_eq_tol(c.fault_us / cost_transfer_us(&c, 2 * MIB), 0.000736, 0.000001);
	ck_assert_double_eq_tol(c.page_us / cost_transfer_us(&c, 2 * MIB), 0.000488, 0.000001);
	/* At 2 GiB/s: 0.72 us per fault, 0.48 us per page, 5 us per wake-up. */
	ck_assert_double_eq_tol(cost_transfer_us(&c, 2 * MIB), 976.5625, 1e-9);
	ck_assert_double_eq_tol(c.fault_us, 0.718, 0.001);
	ck_assert_double_eq_tol(c.page_us, 0.477, 0.001);
	ck_assert_double_eq(c.wakeup_us, 5.0);
	ck_assert_double_eq_tol(cost_fault_us(&c, 512), c.fault_us + 512 * c.page_us, 1e-12);
}
END_TEST

START_TEST(constants_scale_with_the_device_rate)
{
	struct cost_model slow, fast;

	ck_assert_int_eq(cost_model_from_rows(cost_seed_rows, 1000, &slow), 0);
	ck_assert_int_eq(cost_model_from_rows(cost_seed_rows, 4000, &fast), 0);
	/* The rows are relative to the device's speed: a faster device pays less per fault. */
	ck_assert_double_eq_tol(slow.fault_us / fast.fault_us, 4.0, 1e-9);
	ck_assert_double_eq_tol(slow.page_us / fast.page_us, 4.0, 1e-9);
	ck_assert_double_eq(slow.wakeup_us, 0);
}
END_TEST

START_TEST(rows_that_determine_nothing_are_refused)
{
	struct cost_row same[2] = { cost_seed_rows[0], cost_seed_rows[0] };
	struct cost_row negative[2] = { cost_seed_rows[0], cost_seed_rows[1] };
	struct cost_row nofaults[2] = { cost_seed_rows[0], cost_seed_rows[1] };
	struct cost_model c;

	/* Same window twice: f and p cannot be told apart. */
	same[1].faults = 1000;
	ck_assert_int_eq(cost_model_from_rows(same, 2000, &c), -EINVAL);
	/* A big window that costs less per fault than a small one: negative per-page cost. */
	negative[1].slowdown = 0.001;
	ck_assert_int_eq(cost_model_from_rows(negative, 2000, &c), -EINVAL);
	nofaults[0].faults = 0;
	ck_assert_int_eq(cost_model_from_rows(nofaults, 2000, &c), -EINVAL);
	ck_assert_int_eq(cost_model_from_rows(cost_seed_rows, 0, &c), -EINVAL);
	ck_assert_int_eq(cost_model_from_rows(cost_seed_rows, NAN, &c), -EINVAL);
}
END_TEST

TEST_MAIN("cost", constants_reproduce_the_seed_rows, constants_scale_with_the_device_rate,
	  rows_that_determine_nothing_are_refused)
