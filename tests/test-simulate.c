/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: iopfd's resolver serves the simulator end to end, through the
 * ring, the eventfd and the io_uring loop, for every workload and policy, and
 * the counts add up.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "check-helpers.h"
#include "log.h"
#include "manager.h"
#include "simulate.h"

static struct simulate_options opts(enum workload_kind kind, const char *policy, uint64_t memory,
				    uint32_t devices, uint32_t depth)
{
	struct simulate_options o;

	simulate_options_default(&o);
	o.sim.workload.kind = kind;
	o.sim.memory_bytes = memory;
	o.sim.ndevices = devices;
	o.sim.streams_per_device = depth;
	ck_assert_int_eq(iopf_policy_parse(policy, &o.resolver.policy), 0);
	/*
	 * The simulated devices run at memory speed, so a window answered
	 * early is faulted on before it is mapped: these tests count a
	 * policy's faults, map_ahead_in_the_simulator the rest.
	 */
	o.resolver.no_map_ahead = true;
	return o;
}

static void assert_consistent(const struct simulate_options *o, const struct simulate_result *r)
{
	const struct sim_stats *s = &r->sim;

	ck_assert_uint_eq(s->outstanding, 0);
	ck_assert_uint_eq(s->faults, s->resolved + s->fallback + s->invalid);
	ck_assert_uint_eq(s->invalid, 0);
	/* Every access of the workload completed. */
	ck_assert_uint_eq(s->accesses, r->total_accesses);
	ck_assert_uint_eq(s->double_maps, 0);
	ck_assert_uint_le(s->touched_pages, s->mapped_pages);
	ck_assert_uint_le(s->mapped_pages, o->sim.memory_bytes >> IOPF_PAGE_SHIFT);
	if (o->attach) {
		/* Everything forwarded was consumed by the resolver. */
		ck_assert_uint_eq(r->resolver.faults, s->forwarded);
		ck_assert_uint_eq(r->resolver.errors, 0);
		ck_assert_uint_eq(s->resolved + r->resolver.stale, r->resolver.faults);
	}
}

/* Each of three devices streams through 2 MiB of its own, writing every other page. */
static struct workload_trace *three_device_trace(void)
{
	struct workload_trace *t;
	unsigned line;
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	fprintf(f, "# device iova r|w\n");
	for (unsigned page = 0; page < 512; page++)
		for (unsigned dev = 0; dev < 3; dev++)
			fprintf(f, "%u %#x %c\n", dev, (dev * 1024 + page) << 12, page % 2 ? 'w' : 'r');
	ck_assert_int_eq(fclose(f), 0);
	f = fmemopen(text, len, "r");
	ck_assert_int_eq(workload_trace_parse(f, &t, &line), 0);
	fclose(f);
	free(text);
	return t;
}

START_TEST(every_workload_and_policy)
{
	const char *policies[] = { "exact", "fixed", "fixed:16", "adaptive", "auto" };
	struct workload_trace *trace = three_device_trace();

	for (int k = 0; k < _WORKLOAD_MAX; k++)
		for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
			struct simulate_options o = opts(k, policies[p], 32u << 20, 3, 5);
			struct simulate_result r;

			o.sim.nranges = 3;
			o.sim.workload.trace = trace;
			ck_assert_int_eq(simulate_run(&o, &r), 0);
			assert_consistent(&o, &r);
			ck_assert_uint_gt(r.sim.faults, 0);
			if (p == 0)
				ck_assert_uint_eq(r.sim.mapped_pages, r.sim.touched_pages);
		}
	workload_trace_free(trace);
}
END_TEST

START_TEST(sequential_gib_adaptive_beats_fixed)
{
	struct simulate_options a = opts(WORKLOAD_SEQUENTIAL, "adaptive", 1u << 30, 1, 1);
	struct simulate_options f = opts(WORKLOAD_SEQUENTIAL, "fixed", 1u << 30, 1, 1);
	struct simulate_result ra, rf;

	ck_assert_int_eq(simulate_run(&a, &ra), 0);
	ck_assert_int_eq(simulate_run(&f, &rf), 0);
	assert_consistent(&a, &ra);
	assert_consistent(&f, &rf);
	ck_assert_uint_eq(rf.sim.faults, 512);
	ck_assert_uint_le(ra.sim.faults, 16);
	ck_assert_uint_eq(ra.sim.mapped_pages, ra.sim.touched_pages);
}
END_TEST

START_TEST(random_adaptive_does_not_overmap)
{
	struct simulate_options o = opts(WORKLOAD_RANDOM, "adaptive", 256u << 20, 2, 16);
	struct simulate_result r;

	ck_assert_int_eq(simulate_run(&o, &r), 0);
	assert_consistent(&o, &r);
	ck_assert_uint_le(r.sim.mapped_pages * 100, r.sim.touched_pages * 125);
}
END_TEST

START_TEST(one_at_a_time_and_kernel_only)
{
	struct simulate_options o = opts(WORKLOAD_MIX, "adaptive", 16u << 20, 2, 4);
	struct simulate_result r;

	o.resolver.batch_max = 1;
	ck_assert_int_eq(simulate_run(&o, &r), 0);
	assert_consistent(&o, &r);
	ck_assert_uint_eq(r.resolver.batches, r.resolver.faults);

	o.attach = false;
	ck_assert_int_eq(simulate_run(&o, &r), 0);
	assert_consistent(&o, &r);
	ck_assert_uint_eq(r.sim.fallback, r.sim.faults);
	ck_assert_uint_eq(r.sim.forwarded, 0);
}
END_TEST

START_TEST(tiny_ring_overflows_without_loss)
{
	struct simulate_options o = opts(WORKLOAD_RANDOM, "exact", 16u << 20, 8, 64);
	struct simulate_result r;

	o.sim.ring_entries = 64;
	ck_assert_int_eq(simulate_run(&o, &r), 0);
	assert_consistent(&o, &r);
	ck_assert_uint_gt(r.sim.overflow, 0);
	ck_assert_uint_eq(r.resolver.overflow, r.sim.overflow);
}
END_TEST

/*
 * iopfd with a budget of 1.25x the moving hot set: the simulated kernel's
 * pinned pages never go over it (its peak is sampled at every map), old
 * phases are released, and every fault is still answered by iopfd.
 */
START_TEST(budget_holds_through_the_kernel_side)
{
	const uint32_t shapes[][2] = { { 1, 1 }, { 4, 16 } };

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct simulate_options o = opts(WORKLOAD_PHASES, "auto", 64u << 20, shapes[i][0],
						 shapes[i][1]);
		uint64_t ws = (o.sim.memory_bytes >> IOPF_PAGE_SHIFT) / 16;
		struct simulate_result r;

		o.resolver.budget_pages = ws + ws / 4;
		ck_assert_int_eq(simulate_run(&o, &r), 0);
		ck_assert_uint_eq(r.sim.fallback, 0);
		ck_assert_uint_eq(r.sim.invalid, 0);
		ck_assert_uint_eq(r.sim.outstanding, 0);
		ck_assert_uint_eq(r.sim.faults, r.sim.resolved);
		ck_assert_uint_eq(r.sim.accesses, r.total_accesses);
		ck_assert_uint_le(r.sim.peak_pinned_pages, o.resolver.budget_pages);
		ck_assert_uint_gt(r.sim.touched_pages, o.resolver.budget_pages);
		ck_assert_uint_gt(r.resolver.released, 0);
		ck_assert_uint_eq(r.resolver.release_errors, 0);
	}
}
END_TEST

/*
 * Answering early, the rest of each window mapped while no fault waits:
 * every fault is still answered by iopfd once, every page touched ends up
 * mapped, and pages were mapped ahead.
 */
START_TEST(map_ahead_in_the_simulator)
{
	const enum workload_kind kinds[] = { WORKLOAD_SEQUENTIAL, WORKLOAD_RANDOM, WORKLOAD_MESSAGES };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct simulate_options o = opts(kinds[i], "fixed:512", 64u << 20, 1, 1);
		struct simulate_result r;

		o.resolver.no_map_ahead = false;
		ck_assert_int_eq(simulate_run(&o, &r), 0);
		assert_consistent(&o, &r);
		ck_assert_uint_eq(r.sim.fallback, 0);
		ck_assert_uint_gt(r.resolver.ahead_bytes, 0);
		ck_assert_uint_eq(r.resolver.bad_records, 0);
	}
}
END_TEST

/* Runs @o served as the files in a fresh directory say, with @policy_file as a policies.d rule. */
static void run_configured(struct simulate_options *o, const char *policy_file, struct simulate_result *r)
{
	char dir[] = "/tmp/test-simulate-XXXXXX", path[128], error[CONF_ERROR_MAX];
	_cleanup_(manager_freep) struct manager *m = NULL;
	struct conf_settings command_line = { .resolver = o->resolver };
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policies.d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/policies.d/rule.json", dir);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(policy_file, f);
	fclose(f);
	/* the options stand for the command line: every setting */
	command_line.set = (1u << _CONF_SETTING_MAX) - 1;
	ck_assert_int_eq(manager_new(dir, &command_line, "simulate", &m, error), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/policies.d", dir);
	rmdir(path);
	rmdir(dir);
	o->manager = m;
	ck_assert_int_eq(simulate_run(o, r), 0);
	o->manager = NULL;
	ck_assert_uint_eq(m->nvms, 0);
}

START_TEST(rules_by_device_and_range)
{
	struct simulate_options o = opts(WORKLOAD_SEQUENTIAL, "fixed:512", 64u << 20, 2, 1);
	struct simulate_result plain, device, range, other;

	ck_assert_int_eq(simulate_run(&o, &plain), 0);
	assert_consistent(&o, &plain);

	/* device sim1 takes one page per fault: it alone faults 8192 times */
	run_configured(&o, "{\"vm\": \"s*\", \"device\": \"sim1\", \"policy\": \"exact\"}", &device);
	assert_consistent(&o, &device);
	ck_assert_uint_ge(device.sim.faults, plain.sim.faults + 8000);

	/* the whole memory does not fault: a first fault per device maps it all */
	run_configured(&o, "{\"vm\": \"sim\", \"iova\": 0, \"size\": \"64M\", \"fault\": false}",
		       &range);
	assert_consistent(&o, &range);
	ck_assert_uint_le(range.sim.faults, 2);
	ck_assert_uint_eq(range.sim.mapped_pages, (64u << 20) / 4096);

	/* rules for another VM change nothing */
	run_configured(&o, "[{\"vm\": \"other\", \"fault\": false},\n"
		       " {\"vm\": \"sim\", \"device\": \"sim7\", \"policy\": \"exact\"}]", &other);
	assert_consistent(&o, &other);
	ck_assert_uint_eq(other.sim.faults, plain.sim.faults);
}
END_TEST

/*
 * With the devices' rate known, plain auto grows to what the stall measured
 * in page times calls for: at 1 TB/s a page moves in 4 ns, so any stall is
 * thousands of page times and auto takes its largest blocks; at 1 KB/s a
 * page takes 4 s and auto keeps its sizes.  Without a rate, or with sizes
 * set, it stays as set.
 */
START_TEST(auto_is_fitted_to_the_measured_stall)
{
	static const struct {
		const char *policy;
		uint64_t rate;
		const char *in_use;
	} cases[] = {
		{ "auto", 0, "auto:16:64" },
		{ "auto", UINT64_C(1) << 40, "auto:1024:4096" },
		{ "auto", 1024, "auto:16:64" },
		{ "auto:16:64", UINT64_C(1) << 40, "auto:16:64" },
		{ "fixed:16", UINT64_C(1) << 40, "fixed:16" },
	};
	uint64_t unfitted_faults = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct simulate_options o = opts(WORKLOAD_RANDOM, cases[i].policy, 64u << 20, 1, 1);
		struct simulate_result r;
		char in_use[64];

		o.resolver.device_rate = cases[i].rate;
		ck_assert_int_eq(simulate_run(&o, &r), 0);
		assert_consistent(&o, &r);
		/* depth 1: every fault is a lone one, and they are many more than a sample */
		ck_assert_msg(r.resolver.stall_ns > 0, "%s at %llu B/s: no stall measured", cases[i].policy,
			      (unsigned long long)cases[i].rate);
		ck_assert_int_ge(iopf_policy_format(&r.policy, in_use, sizeof(in_use)), 0);
		ck_assert_str_eq(in_use, cases[i].in_use);
		if (i == 0)
			unfitted_faults = r.sim.faults;
		if (i == 1)
			ck_assert_uint_lt(r.sim.faults * 2, unfitted_faults);
	}
}
END_TEST

/*
 * With no rate given, iopfd paces the device by the runs it serves: the
 * simulator's device moves a mapped page in well under a microsecond, a
 * fault stalls it for a thread's round trip, so auto takes its largest
 * blocks and 1 MiB buffers read and written in order take far fewer faults
 * (94 against 896 here; a long sequential range takes few either way, as
 * long runs grow by a share of themselves).  Random faults continue no run:
 * nothing to pace by, auto stays (the case above).
 */
START_TEST(auto_paces_the_device_without_a_rate)
{
	struct simulate_options o = opts(WORKLOAD_MESSAGES, "auto", 256u << 20, 1, 1);
	struct simulate_options fixed = opts(WORKLOAD_MESSAGES, "auto:16:64", 256u << 20, 1, 1);
	struct simulate_result r, unfitted;
	char in_use[64];

	ck_assert_int_eq(simulate_run(&o, &r), 0);
	assert_consistent(&o, &r);
	ck_assert_uint_gt(r.resolver.stall_ns, 0);
	ck_assert_uint_gt(r.resolver.page_move_ns, 0);
	ck_assert_uint_lt(r.resolver.page_move_ns, r.resolver.stall_ns);
	ck_assert_int_ge(iopf_policy_format(&r.policy, in_use, sizeof(in_use)), 0);
	ck_assert_str_ne(in_use, "auto:16:64");
	ck_assert_int_eq(simulate_run(&fixed, &unfitted), 0);
	assert_consistent(&fixed, &unfitted);
	/* sizes given: measured all the same, and left as given */
	ck_assert_int_ge(iopf_policy_format(&unfitted.policy, in_use, sizeof(in_use)), 0);
	ck_assert_str_eq(in_use, "auto:16:64");
	/* how much fewer depends on how busy the host is (9.5x on a quiet one): the pace is a thread's */
	ck_assert_uint_lt(r.sim.faults * 2, unfitted.sim.faults);
}
END_TEST

TEST_MAIN("simulate", auto_paces_the_device_without_a_rate, auto_is_fitted_to_the_measured_stall, rules_by_device_and_range, map_ahead_in_the_simulator, budget_holds_through_the_kernel_side, every_workload_and_policy, sequential_gib_adaptive_beats_fixed,
	  random_adaptive_does_not_overmap, one_at_a_time_and_kernel_only,
	  tiny_ring_overflows_without_loss)
