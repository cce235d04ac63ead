/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: the device-time model reproduces the seed's rows, answers
 * every fault once, is deterministic, and its device time moves the way its
 * costs and queue depth say it must.
 */
#include <stdio.h>
#include <string.h>

#include "check-helpers.h"
#include "model.h"

static struct model_config config(enum workload_kind kind, const char *policy, uint64_t memory,
				  uint32_t devices, uint32_t depth)
{
	struct model_config c;

	model_config_default(&c);
	c.workload.kind = kind;
	c.memory_bytes = memory;
	c.ndevices = devices;
	c.depth = depth;
	ck_assert_int_eq(iopf_policy_parse(policy, &c.policy), 0);
	return c;
}

static struct model_result run(const struct model_config *c)
{
	struct model_result r;

	ck_assert_int_eq(model_run(c, &r), 0);
	return r;
}

/* The seed's message rows, resolved in the kernel: no wake-up. */
static struct model_result seed_row(uint64_t message_pages, const char *policy, uint64_t messages)
{
	struct model_config c = config(WORKLOAD_MESSAGES, policy, UINT64_C(1) << 30, 1, 1);

	c.workload.message_pages = message_pages;
	c.workload.messages = messages;
	c.cost.wakeup_us = 0;
	return run(&c);
}

START_TEST(seed_rows_reproduce)
{
	struct model_result small = seed_row(256, "fixed:1", 8);
	struct model_result large = seed_row(2560, "fixed:512", 8);

	/* 1 MiB messages, 1-page windows: 518 faults, 63.4 % in the seed. */
	ck_assert_uint_eq(small.faults, 8 * 512);
	ck_assert_double_eq_tol(small.slowdown, cost_seed_rows[0].slowdown, 0.02);
	/* 10 MiB fresh messages, 512-page windows: 13 faults, 32.6 % in the seed. */
	ck_assert_uint_ge(large.faults, 8 * 12);
	ck_assert_uint_le(large.faults, 8 * 14);
	ck_assert_double_eq_tol(large.slowdown, cost_seed_rows[1].slowdown, 0.03);
	ck_assert_uint_eq(large.write_faults * 2, large.faults);
}
END_TEST

START_TEST(reused_buffers_fault_once)
{
	struct model_config c = config(WORKLOAD_MESSAGES, "fixed:512", UINT64_C(1) << 30, 1, 1);
	struct model_result fresh, reused;

	c.workload.message_pages = 2560;
	c.workload.messages = 8;
	fresh = run(&c);
	c.workload.reuse = true;
	reused = run(&c);
	ck_assert_uint_eq(reused.faults * 8, fresh.faults);
	ck_assert_uint_eq(reused.accesses, fresh.accesses);
	ck_assert_double_lt(reused.slowdown, fresh.slowdown);
}
END_TEST

START_TEST(static_pinning_costs_nothing)
{
	for (int k = 0; k < WORKLOAD_TRACE; k++) {
		struct model_config c = config(k, "exact", 64u << 20, 2, 3);
		struct model_result r;

		c.static_pinning = true;
		r = run(&c);
		ck_assert_uint_eq(r.faults, 0);
		ck_assert_double_eq(r.slowdown, 0);
		ck_assert_double_eq(r.device_us, r.static_us);
		ck_assert_uint_eq(r.peak_pinned_pages, (64u << 20) >> IOPF_PAGE_SHIFT);
		ck_assert_double_eq(r.mean_pinned_pages, (double)r.peak_pinned_pages);
		ck_assert_uint_gt(r.accesses, 0);
	}
}
END_TEST

START_TEST(every_fault_answered_once)
{
	const char *policies[] = { "exact", "fixed:16", "fixed:512", "adaptive" };

	for (int k = 0; k < WORKLOAD_TRACE; k++)
		for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++)
			for (uint32_t batch = 1; batch <= 1024; batch *= 32) {
				struct model_config c = config(k, policies[p], 64u << 20, 3, 5);
				struct workload_config w = c.workload;
				struct model_result r;

				c.nranges = 3;
				c.batch_max = batch;
				r = run(&c);
				w.npages = c.memory_bytes >> IOPF_PAGE_SHIFT;
				w.nstreams = 3;
				w.ndevices = 3;
				ck_assert_uint_gt(r.faults, 0);
				ck_assert_uint_eq(r.answered, r.faults);
				ck_assert_uint_eq(r.accesses, workload_total_accesses(&w));
				ck_assert_uint_le(r.touched_pages, r.mapped_pages);
				ck_assert_uint_eq(r.peak_pinned_pages, r.mapped_pages);
				ck_assert_double_le(r.mean_pinned_pages, (double)r.peak_pinned_pages);
				ck_assert_uint_ge(r.batches, (r.faults + batch - 1) / batch);
				ck_assert_uint_le(r.batches, r.faults);
				ck_assert_double_gt(r.slowdown, 0);
				if (p == 0)
					ck_assert_uint_eq(r.mapped_pages, r.touched_pages);
			}
}
END_TEST

START_TEST(device_time_grows_with_every_cost)
{
	struct model_config base = config(WORKLOAD_RANDOM, "fixed:16", 64u << 20, 2, 4);
	double *fields[] = { &base.cost.fault_us, &base.cost.page_us, &base.cost.wakeup_us };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		double orig = *fields[i], prev = 0;

		for (double scale = 0; scale <= 8; scale = scale ? scale * 2 : 0.5) {
			struct model_result r;

			*fields[i] = orig * scale;
			r = run(&base);
			ck_assert_msg(r.device_us > prev, "cost %zu x%.1f: %f us, not above %f us", i,
				      scale, r.device_us, prev);
			prev = r.device_us;
		}
		*fields[i] = orig;
	}
}
END_TEST

START_TEST(deterministic)
{
	for (int k = 0; k < WORKLOAD_TRACE; k++) {
		struct model_config c = config(k, "adaptive", 64u << 20, 4, 16);
		struct model_result a = run(&c), b = run(&c);

		ck_assert_mem_eq(&a, &b, sizeof(a));
		c.workload.seed++;
		b = run(&c);
		if (k == WORKLOAD_RANDOM)
			ck_assert(a.device_us != b.device_us);
	}
}
END_TEST

START_TEST(deep_queues_overlap_stalls)
{
	struct model_config c = config(WORKLOAD_RANDOM, "exact", 64u << 20, 1, 1);
	struct model_result one, four;

	one = run(&c);
	c.depth = 4;
	four = run(&c);
	/* The same device rate: equal transfer time. */
	ck_assert_double_eq_tol(four.static_us, one.static_us, one.static_us * 1e-3);
	ck_assert_uint_eq(four.accesses, one.accesses);
	/* Accesses issued behind a fault raise theirs meanwhile, and faults share wake-ups. */
	ck_assert_double_lt(four.device_us, one.device_us);
	ck_assert_uint_lt(four.batches, one.batches);
}
END_TEST

START_TEST(trace_replays)
{
	const char *text = "# two devices read the same eight pages, device 1 also writes\n"
			   "0 0 r\n0 1000 r\n0 2000 r\n0 3000 r\n0 4000 r\n0 5000 r\n0 6000 r\n0 7000 r\n"
			   "1 0 w\n1 1000 r\n1 2000 r\n1 3000 r\n1 4000 r\n1 5000 r\n1 6000 r\n1 7000 w\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct model_config c = config(WORKLOAD_TRACE, "exact", 1u << 20, 2, 1);
	struct workload_trace *t;
	struct model_result r;
	unsigned line;

	ck_assert_int_eq(workload_trace_parse(f, &t, &line), 0);
	fclose(f);
	c.workload.trace = t;
	r = run(&c);
	ck_assert_uint_eq(r.accesses, 16);
	ck_assert_uint_eq(r.touched_pages, 8);
	/* Both devices fault on the first page they race for; later ones the leader maps. */
	ck_assert_uint_ge(r.faults, 8);
	ck_assert_uint_eq(r.answered, r.faults);
	c.ndevices = 1;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c.ndevices = 2;
	c.memory_bytes = 7 * IOPF_PAGE_SIZE;
	ck_assert_int_eq(model_run(&c, &r), -ERANGE);
	workload_trace_free(t);
}
END_TEST

START_TEST(bad_configs_refused)
{
	struct model_config c = config(WORKLOAD_RANDOM, "exact", 1u << 20, 1, 1);
	struct model_result r;

	c.depth = 0;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c = config(WORKLOAD_RANDOM, "exact", 1000, 1, 1);
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c = config(WORKLOAD_RANDOM, "exact", 1u << 20, 1, 1);
	c.cost.page_us = -1;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c = config(WORKLOAD_RANDOM, "exact", 1u << 20, 1, 1);
	c.cost.device_bytes_per_us = 0;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c = config(WORKLOAD_RANDOM, "exact", 1u << 20, 1024, 65);
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
}
END_TEST

/*
 * A phase-shifting hot set with a budget of 1.25x its working set: pinned
 * memory stays within the budget, every fault is answered, old phases are
 * released and not faulted on again much (the goal: re-faults at
 * most 10 % of first touches), at a small cost in device time.
 */
START_TEST(budget_holds_on_moving_hot_sets)
{
	const uint32_t shapes[][2] = { { 1, 1 }, { 1, 16 }, { 4, 16 } };

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct model_config c = config(WORKLOAD_PHASES, "auto", 64u << 20, shapes[i][0],
					       shapes[i][1]);
		struct model_result free_run = run(&c), r;
		uint64_t ws = (c.memory_bytes >> IOPF_PAGE_SHIFT) / 16;

		c.budget_pages = ws + ws / 4;
		r = run(&c);
		ck_assert_uint_le(r.peak_pinned_pages, c.budget_pages);
		ck_assert_uint_lt(c.budget_pages, free_run.peak_pinned_pages);
		ck_assert_uint_eq(r.answered, r.faults);
		ck_assert_uint_gt(r.released_pages, 0);
		ck_assert_uint_le(r.refaults * 10, r.faults - r.refaults);
		ck_assert_double_le(r.device_us, 1.2 * free_run.device_us);
	}
}
END_TEST

/* The budget cannot go with map-ahead or static pinning in the model. */
START_TEST(budget_refuses_what_it_cannot_model)
{
	struct model_config c = config(WORKLOAD_PHASES, "auto", 64u << 20, 1, 1);
	struct model_result r;

	c.budget_pages = 1024;
	c.answer_early = true;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
	c.answer_early = false;
	c.static_pinning = true;
	ck_assert_int_eq(model_run(&c, &r), -EINVAL);
}
END_TEST

/*
 * Idle reclaim gives back what the hot set moved away from: less pinned on
 * average, every fault still answered; not with map-ahead in the model.
 */
START_TEST(idle_reclaim_returns_what_a_moved_hot_set_left)
{
	struct model_config c = config(WORKLOAD_PHASES, "auto", 64u << 20, 1, 16);
	struct model_result plain, idle;

	plain = run(&c);
	c.idle_reclaim_us = plain.device_us / 8;
	idle = run(&c);
	ck_assert_uint_eq(idle.answered, idle.faults);
	ck_assert_uint_gt(idle.released_pages, 0);
	ck_assert_uint_eq(plain.released_pages, 0);
	ck_assert_double_lt(idle.mean_pinned_pages, plain.mean_pinned_pages * 0.75);
	ck_assert_uint_le(idle.peak_pinned_pages, plain.peak_pinned_pages);
	c.answer_early = true;
	ck_assert_int_eq(model_run(&c, &idle), -EINVAL);
}
END_TEST

/*
 * Two VMs on one resolver: each keeps to its own budget, and a second VM's
 * faults cost the first device time, since one iopfd answers both.
 */
START_TEST(two_vms_share_the_resolver_not_the_budget)
{
	struct model_config c = config(WORKLOAD_PHASES, "auto", 64u << 20, 1, 1);
	struct model_result one = run(&c), two;
	uint64_t ws = (c.memory_bytes >> IOPF_PAGE_SHIFT) / 16;

	c.nvms = 2;
	two = run(&c);
	ck_assert_uint_eq(two.accesses, 2 * one.accesses);
	ck_assert_double_eq(two.static_us, one.static_us);
	ck_assert_double_gt(two.device_us, one.device_us);
	ck_assert_uint_eq(two.answered, two.faults);
	c.budget_pages = ws + ws / 4;
	two = run(&c);
	ck_assert_uint_le(two.peak_vm_pinned_pages, c.budget_pages);
	ck_assert_uint_gt(two.peak_pinned_pages, c.budget_pages);
	ck_assert_uint_le(two.peak_pinned_pages, 2 * c.budget_pages);
}
END_TEST

/*
 * Answering once the first pages of a window are mapped and mapping the
 * rest while no fault waits: a lone sequential device waits less, and every
 * fault is still answered once.
 */
START_TEST(answering_early_helps_a_lone_stream)
{
	struct model_config c = config(WORKLOAD_SEQUENTIAL, "fixed:512", 64u << 20, 1, 1);
	struct model_result late = run(&c), early;

	c.answer_early = true;
	early = run(&c);
	ck_assert_uint_eq(early.answered, early.faults);
	ck_assert_uint_eq(early.accesses, late.accesses);
	ck_assert_double_lt(early.device_us, 0.9 * late.device_us);
	ck_assert_double_ge(early.device_us, early.static_us);
}
END_TEST

/* Whether @policy (answered early, as iopfd does by default) misses T* and P* at @cost. */
static void target_misses(enum workload_kind kind, uint32_t devices, uint32_t depth,
			  const struct cost_model *cost, const char *const *policies, size_t npolicies,
			  bool *ret_time, bool *ret_pinned)
{
	struct model_result sweep[12], r;
	struct model_config c;
	uint32_t best_t = 0, best_p = UINT32_MAX;
	char text[32];

	for (uint32_t n = 0; n < 12; n++) {
		snprintf(text, sizeof(text), "fixed:%u", 1u << n);
		c = config(kind, text, 64u << 20, devices, depth);
		c.cost = *cost;
		sweep[n] = run(&c);
		if (sweep[n].device_us < sweep[best_t].device_us)
			best_t = n;
	}
	for (uint32_t n = 0; n < 12; n++)
		if (sweep[n].device_us <= 1.25 * sweep[best_t].device_us &&
		    (best_p == UINT32_MAX || sweep[n].peak_pinned_pages < sweep[best_p].peak_pinned_pages))
			best_p = n;
	for (size_t i = 0; i < npolicies; i++) {
		c = config(kind, policies[i], 64u << 20, devices, depth);
		c.cost = *cost;
		c.answer_early = true;
		r = run(&c);
		ret_time[i] = r.device_us > 1.25 * sweep[best_t].device_us;
		ret_pinned[i] = (double)r.peak_pinned_pages > 1.25 * (double)sweep[best_p].peak_pinned_pages;
	}
}

static const uint32_t shapes[][2] = { { 1, 1 }, { 1, 16 }, { 4, 1 }, { 4, 16 } };

/*
 * iopfd's default (auto, answered early) is fast first and frugal second
 * (issue 9): with T* the
 * least device time of any fixed:N (N a power of two, 1 to 2048) and P* the
 * least peak pinned memory among those within 1.25 T*, its device time
 * is at most 1.25 T* and its peak pinned memory at most 1.25 P*.  Checked at
 * 64 MiB on every workload and shape, 1 and 4 devices, depth 1 and 16.
 */
START_TEST(the_default_is_fast_first_and_frugal_second)
{
	const char *const dflt[] = { "auto" };
	struct cost_model cost;

	cost_model_default(&cost);
	for (int k = 0; k < WORKLOAD_TRACE; k++)
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			bool time, pinned;

			target_misses(k, shapes[s][0], shapes[s][1], &cost, dflt, 1, &time, &pinned);
			ck_assert_msg(!time && !pinned, "%s, %u x depth %u: misses time %d, pinned %d",
				      workload_kind_to_string(k), shapes[s][0], shapes[s][1], time, pinned);
		}
}
END_TEST

/*
 * Where a fault stalls the device far longer than the seed's calibration
 * (the kernel path in the test guest, 30 us a fault and 0.3 us a page, with
 * the model's 2 GiB/s device: 18 page times with the wake-up), plain auto is
 * fitted to it (auto:256:1024) and meets the target on all but 6 of the 28
 * tables at 64 MiB; auto:16:64, the sizes it has at the seed's costs, misses
 * on 24.
 */
#define MISSES_FITTED 6
#define MISSES_UNFITTED 24

START_TEST(the_default_fits_a_dearer_fault)
{
	const char *const policies[] = { "auto", "auto:16:64" };
	struct cost_model cost;
	unsigned misses[2] = { 0, 0 };

	cost_model_default(&cost);
	cost.fault_us = 30;
	cost.page_us = 0.3;
	for (int k = 0; k < WORKLOAD_TRACE; k++)
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			bool time[2], pinned[2];

			target_misses(k, shapes[s][0], shapes[s][1], &cost, policies, 2, time, pinned);
			for (size_t i = 0; i < 2; i++)
				misses[i] += time[i] || pinned[i];
		}
	ck_assert_uint_le(misses[0], MISSES_FITTED);
	ck_assert_uint_ge(misses[1], MISSES_UNFITTED);
}
END_TEST

TEST_MAIN("model", the_default_fits_a_dearer_fault, two_vms_share_the_resolver_not_the_budget, budget_holds_on_moving_hot_sets, budget_refuses_what_it_cannot_model,
	  the_default_is_fast_first_and_frugal_second, answering_early_helps_a_lone_stream, seed_rows_reproduce, reused_buffers_fault_once, static_pinning_costs_nothing,
	  every_fault_answered_once, device_time_grows_with_every_cost, deterministic,
	  deep_queues_overlap_stalls, trace_replays, bad_configs_refused, idle_reclaim_returns_what_a_moved_hot_set_left)
