/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iopf-bench: figures, not pass/fail.  Every comparison is measured side by
 * side in the same run, so ratios hold even on a noisy machine.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "simulate.h"

#define GIB (UINT64_C(1) << 30)

static int run(struct simulate_options *o, struct simulate_result *r)
{
	int e = simulate_run(o, r);

	if (e < 0)
		fprintf(stderr, "iopf-bench: simulation failed: %s\n", strerror(-e));
	return e;
}

static void options(struct simulate_options *o, enum workload_kind kind, const char *policy)
{
	simulate_options_default(o);
	o->sim.workload.kind = kind;
	o->sim.memory_bytes = GIB;
	if (iopf_policy_parse(policy, &o->resolver.policy) < 0)
		abort();
}

/* Resolve throughput: every access faults (random pages, exact windows). */
static int throughput(void)
{
	const struct {
		const char *name;
		uint32_t batch;
		bool attach;
	} modes[] = {
		{ "iopfd, batched (up to 1024 per resolve)", VFIO_IOPF_RESOLVE_MAX, true },
		{ "iopfd, one fault per resolve call", 1, true },
		{ "in-kernel fallback only (no resolver)", 1, false },
	};

	printf("== Fault throughput and latency: ring + eventfd + policy + resolve\n");
	printf("   random 4 KiB accesses over 1 GiB, exact policy, 8 devices x 64 outstanding faults\n\n");
	printf("   %-42s %12s %10s %10s %10s\n", "path", "faults/s", "p50 us", "p99 us", "calls");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct simulate_options o;
		struct simulate_result r;
		double secs;

		options(&o, WORKLOAD_RANDOM, "exact");
		o.sim.ndevices = 8;
		o.sim.streams_per_device = 64;
		o.sim.fallback_pages = 1; /* same window as exact, so only the path differs */
		o.resolver.batch_max = modes[i].batch;
		o.attach = modes[i].attach;
		if (run(&o, &r) < 0)
			return 1;
		secs = (double)r.sim.elapsed_ns / 1e9;
		printf("   %-42s %12.0f %10.2f %10.2f %10llu\n", modes[i].name, (double)r.sim.faults / secs,
		       (double)histogram_percentile(&r.sim.latency, 500) / 1e3,
		       (double)histogram_percentile(&r.sim.latency, 990) / 1e3,
		       (unsigned long long)r.sim.resolve_calls);
	}
	printf("\n");
	return 0;
}

/* Faults per GiB touched and over-mapping, per workload and policy. */
static int policies(void)
{
	const char *policy_names[] = { "exact", "fixed:512", "adaptive" };

	printf("== Faults and over-mapping per workload (1 GiB VM, 4 devices x 8 outstanding)\n");
	printf("   fixed:512 is the seed's in-kernel PREMAP window; static pins all memory up front\n\n");
	printf("   %-11s %-10s %14s %12s %10s\n", "workload", "policy", "faults/GiB", "over-map", "faults");
	/* Every workload but the replayed trace, which needs a file of the user's. */
	for (int k = 0; k < WORKLOAD_TRACE; k++) {
		double touched_gib = 0;
		uint64_t touched = 0;

		for (size_t p = 0; p < sizeof(policy_names) / sizeof(policy_names[0]); p++) {
			struct simulate_options o;
			struct simulate_result r;

			options(&o, k, policy_names[p]);
			o.sim.ndevices = 4;
			o.sim.streams_per_device = 8;
			if (run(&o, &r) < 0)
				return 1;
			touched = r.sim.touched_pages;
			touched_gib = (double)(touched << IOPF_PAGE_SHIFT) / (double)GIB;
			printf("   %-11s %-10s %14.1f %11.2fx %10llu\n", workload_kind_to_string(k),
			       policy_names[p], (double)r.sim.faults / touched_gib,
			       (double)r.sim.mapped_pages / (double)touched,
			       (unsigned long long)r.sim.faults);
		}
		printf("   %-11s %-10s %14.1f %11.2fx %10d\n\n", workload_kind_to_string(k), "static", 0.0,
		       (double)(GIB >> IOPF_PAGE_SHIFT) / (double)touched, 0);
	}
	return 0;
}

/* The headline comparison: one device streaming through one GiB. */
static int sequential_gib(void)
{
	struct simulate_options o;
	struct simulate_result fixed, adaptive, rnd;

	options(&o, WORKLOAD_SEQUENTIAL, "fixed:512");
	if (run(&o, &fixed) < 0)
		return 1;
	options(&o, WORKLOAD_SEQUENTIAL, "adaptive");
	if (run(&o, &adaptive) < 0)
		return 1;
	options(&o, WORKLOAD_RANDOM, "adaptive");
	if (run(&o, &rnd) < 0)
		return 1;

	printf("== Sequential GiB, one device: faults\n");
	printf("   fixed:512 (seed)  %llu\n", (unsigned long long)fixed.sim.faults);
	printf("   adaptive          %llu   (%.1fx fewer)\n", (unsigned long long)adaptive.sim.faults,
	       (double)fixed.sim.faults / (double)adaptive.sim.faults);
	printf("== Uniform random 4 KiB over 1 GiB, adaptive: over-mapping %.3fx\n\n",
	       (double)rnd.sim.mapped_pages / (double)rnd.sim.touched_pages);
	return 0;
}

int main(void)
{
	log_set_max_level(LOG_ERR);
	if (sequential_gib() || throughput() || policies())
		return 1;
	return 0;
}
