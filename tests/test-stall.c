/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Description: a lone fault's stall is its wait for the call plus the call's run, without its pages' pinning; the device's pace is its windows without the stall; bad timestamps do not count. */
#include "check-helpers.h"
#include "stall.h"

#define US UINT64_C(1000)

/* Calls of 1 to 64 pages costing @fixed_us plus @page_us per page. */
static void linear_calls(struct stall_meter *m, double fixed_us, double page_us)
{
	for (uint32_t i = 0; i < STALL_SAMPLES; i++) {
		uint32_t pages = 1 + i % 64;

		stall_meter_call(m, pages, (uint64_t)((fixed_us + page_us * pages) * 1e3));
	}
}

START_TEST(pinning_is_taken_out_of_the_stall)
{
	static struct stall_meter m;
	struct stall_estimate e;

	ck_assert_int_eq(stall_meter_estimate(&m, &e), -EAGAIN);
	linear_calls(&m, 3.0, 0.5);
	/* 7 us of wake-up, a 3 us call, plus 15 more pages at 0.5 us */
	for (uint32_t i = 0; i < STALL_SAMPLES; i++)
		stall_meter_fault(&m, 1000 * US, 1007 * US, 3 * US + 15 * 500, 16);
	ck_assert(stall_meter_full(&m));
	ck_assert_int_eq(stall_meter_estimate(&m, &e), 0);
	ck_assert_double_eq_tol(e.page_us, 0.5, 1e-6);
	ck_assert_double_eq_tol(e.stall_us, 10.0, 1e-6);
	/* the call alone, its 15 pages past the first taken out */
	ck_assert_double_eq_tol(e.call_us, 3.0, 1e-6);
}
END_TEST

START_TEST(the_stall_is_the_median)
{
	static struct stall_meter m;
	struct stall_estimate e;

	/* calls that do not vary: no page cost to take out */
	for (uint32_t i = 0; i < STALL_SAMPLES; i++)
		stall_meter_call(&m, 1, 7 * US);
	for (uint32_t i = 0; i < 100; i++)
		stall_meter_fault(&m, 0, 2 * US, 3 * US, 1);
	for (uint32_t i = 0; i < 101; i++)
		stall_meter_fault(&m, 0, 1 * US, 7 * US, 1);
	for (uint32_t i = 0; i < 55; i++)
		stall_meter_fault(&m, 0, 890 * US, 10 * US, 1);
	ck_assert_int_eq(stall_meter_estimate(&m, &e), 0);
	ck_assert_double_eq(e.page_us, 0);
	ck_assert_double_eq_tol(e.stall_us, 8.0, 1e-9);
	ck_assert_double_eq_tol(e.call_us, 7.0, 1e-9);
}
END_TEST

START_TEST(timestamps_that_cannot_be_true_are_not_counted)
{
	static struct stall_meter m;
	struct stall_estimate e;

	/* another process wrote the ring: stamped after the call, or long before */
	stall_meter_fault(&m, 2000 * US, 1000 * US, US, 1);
	stall_meter_fault(&m, 0, STALL_MAX_NS + 1, US, 1);
	stall_meter_fault(&m, UINT64_MAX, 0, US, 1);
	stall_meter_fault(&m, 0, US, UINT64_MAX, 1);
	ck_assert_int_eq(m.nfaults, 0);
	ck_assert_int_eq(stall_meter_estimate(&m, &e), -EAGAIN);
	stall_meter_fault(&m, 0, STALL_MAX_NS, STALL_MAX_NS, 1);
	ck_assert_int_eq(stall_meter_estimate(&m, &e), 0);
	ck_assert_double_eq_tol(e.stall_us, 2e6, 1e-6);
}
END_TEST

START_TEST(a_full_meter_keeps_its_samples_until_reset)
{
	static struct stall_meter m;
	struct stall_estimate e;

	for (uint32_t i = 0; i < STALL_SAMPLES + 10; i++)
		stall_meter_fault(&m, 0, US, (i < STALL_SAMPLES ? 3 : 400) * US, 1);
	ck_assert_int_eq(stall_meter_estimate(&m, &e), 0);
	ck_assert_double_eq_tol(e.stall_us, 4.0, 1e-9);
	stall_meter_reset(&m);
	ck_assert(!stall_meter_full(&m));
	ck_assert_int_eq(stall_meter_estimate(&m, &e), -EAGAIN);
	/* calls keep rolling: the newest STALL_SAMPLES count, and cost went up */
	linear_calls(&m, 3.0, 0.5);
	linear_calls(&m, 3.0, 2.0);
	stall_meter_fault(&m, 0, 15 * US, 5 * US + 3 * 2000, 4);
	ck_assert_int_eq(stall_meter_estimate(&m, &e), 0);
	ck_assert_double_eq_tol(e.page_us, 2.0, 1e-6);
	ck_assert_double_eq_tol(e.stall_us, 20.0, 1e-6);
}
END_TEST

/*
 * A device that moves a page in 2 us, windows of 16 to 64 pages, faults
 * that stall it 30 us: the pace is found, and a device that also waited
 * for work in some windows does not slow it down.
 */
START_TEST(the_pace_is_what_is_left_of_a_window_without_the_stall)
{
	static struct stall_meter m;
	double page_us;

	for (uint32_t i = 0; i < PACE_MIN_SAMPLES - 1; i++)
		stall_meter_window(&m, 16 + i % 49, (30 + 2 * (16 + i % 49)) * US);
	ck_assert_int_eq(stall_meter_page_us(&m, 30, &page_us), -EAGAIN);
	for (uint32_t i = PACE_MIN_SAMPLES - 1; i < 3 * PACE_MIN_SAMPLES; i++) {
		uint32_t pages = 16 + i % 49;
		/* a third of the windows waited 500 us for work besides */
		uint64_t idle = i % 3 == 0 ? 500 * US : 0;

		stall_meter_window(&m, pages, (30 + 2 * pages) * US + idle);
	}
	ck_assert_int_eq(stall_meter_page_us(&m, 30, &page_us), 0);
	ck_assert_double_eq_tol(page_us, 2.0, 1e-9);
	/* a stall estimate longer than the windows leaves nothing to go by */
	ck_assert_int_eq(stall_meter_page_us(&m, 1e6, &page_us), -EAGAIN);
}
END_TEST

START_TEST(windows_that_tell_nothing_are_not_counted)
{
	static struct stall_meter m;
	double page_us;

	/* too short to tell the device from the stall; longer than a second: the ring lied */
	for (uint32_t i = 0; i < STALL_SAMPLES; i++) {
		stall_meter_window(&m, PACE_MIN_PAGES - 1, 100 * US);
		stall_meter_window(&m, 64, STALL_MAX_NS + 1);
		stall_meter_window(&m, UINT64_MAX, 100 * US);
	}
	ck_assert_int_eq(m.nwindows, 0);
	ck_assert_int_eq(stall_meter_page_us(&m, 0, &page_us), -EAGAIN);
	/* the newest STALL_SAMPLES windows count: the device got faster */
	for (uint32_t i = 0; i < STALL_SAMPLES; i++)
		stall_meter_window(&m, 100, 1000 * US);
	for (uint32_t i = 0; i < STALL_SAMPLES; i++)
		stall_meter_window(&m, 100, 200 * US);
	ck_assert_int_eq(stall_meter_page_us(&m, 0, &page_us), 0);
	ck_assert_double_eq_tol(page_us, 2.0, 1e-9);
}
END_TEST

TEST_MAIN("stall", the_pace_is_what_is_left_of_a_window_without_the_stall,
	  windows_that_tell_nothing_are_not_counted, pinning_is_taken_out_of_the_stall, the_stall_is_the_median,
	  timestamps_that_cannot_be_true_are_not_counted, a_full_meter_keeps_its_samples_until_reset)
