/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "json-util.h"
#include "macro.h"
#include "parse.h"
#include "simulate.h"

/* Figures derived from the counters, shared by the text and JSON reports. */
struct figures {
	double overmap;
	double faults_per_gib;
	double faults_per_sec;
	double seconds;
	uint64_t p50_ns, p99_ns;
};

static struct figures derive(const struct simulate_result *r)
{
	const struct sim_stats *s = &r->sim;
	double touched_gib = (double)(s->touched_pages << IOPF_PAGE_SHIFT) / (double)(UINT64_C(1) << 30);
	struct figures f = {
		.seconds = (double)s->elapsed_ns / 1e9,
		.p50_ns = histogram_percentile(&s->latency, 500),
		.p99_ns = histogram_percentile(&s->latency, 990),
	};

	f.overmap = s->touched_pages ? (double)s->mapped_pages / (double)s->touched_pages : 0;
	f.faults_per_gib = touched_gib > 0 ? (double)s->faults / touched_gib : 0;
	f.faults_per_sec = f.seconds > 0 ? (double)s->faults / f.seconds : 0;
	return f;
}

static const char *policy_text(const struct simulate_options *o, char *buf, size_t len)
{
	if (!o->attach)
		return "none (kernel fallback only)";
	return iopf_policy_format(&o->resolver.policy, buf, len) < 0 ? "?" : buf;
}

void simulate_report(FILE *f, const struct simulate_options *o, const struct simulate_result *r)
{
	const struct sim_stats *s = &r->sim;
	struct figures fig = derive(r);
	char mem[32], touched[32], mapped[32], policy[64];

	fprintf(f, "Simulated VM: %s in %u DMA range%s, %u device%s x %u outstanding fault%s, workload %s\n",
		format_bytes(mem, sizeof(mem), o->sim.memory_bytes), o->sim.nranges,
		o->sim.nranges == 1 ? "" : "s", o->sim.ndevices, o->sim.ndevices == 1 ? "" : "s",
		o->sim.streams_per_device, o->sim.streams_per_device == 1 ? "" : "s",
		workload_kind_to_string(o->sim.workload.kind));
	fprintf(f, "Policy: %s, batches of up to %u\n", policy_text(o, policy, sizeof(policy)),
		o->resolver.batch_max);
	fprintf(f, "  accesses        %llu\n", (unsigned long long)s->accesses);
	fprintf(f, "  faults          %llu: %llu resolved by iopfd, %llu by the kernel fallback, %llu invalid\n",
		(unsigned long long)s->faults, (unsigned long long)s->resolved,
		(unsigned long long)s->fallback, (unsigned long long)s->invalid);
	if (s->timeouts || s->overflow || s->detached)
		fprintf(f, "  fallback causes %llu timed out, %llu ring full, %llu resolver gone\n",
			(unsigned long long)s->timeouts, (unsigned long long)s->overflow,
			(unsigned long long)s->detached);
	fprintf(f, "  pages touched   %llu (%s)\n", (unsigned long long)s->touched_pages,
		format_bytes(touched, sizeof(touched), s->touched_pages << IOPF_PAGE_SHIFT));
	fprintf(f, "  pages mapped    %llu (%s), over-mapping %.2fx, peak pinned %llu pages\n",
		(unsigned long long)s->mapped_pages,
		format_bytes(mapped, sizeof(mapped), s->mapped_pages << IOPF_PAGE_SHIFT), fig.overmap,
		(unsigned long long)s->peak_pinned_pages);
	if (o->resolver.budget_pages) {
		char budget[32], released[32];

		fprintf(f, "  budget          %s, released %s in all%s\n",
			format_bytes(budget, sizeof(budget), o->resolver.budget_pages << IOPF_PAGE_SHIFT),
			format_bytes(released, sizeof(released), r->resolver.released),
			r->resolver.release_errors ? " (some releases failed)" : "");
	}
	if (r->resolver.reclaimed) {
		char reclaimed[32];

		fprintf(f, "  idle reclaim    %s released, unused for %us\n",
			format_bytes(reclaimed, sizeof(reclaimed), r->resolver.reclaimed),
			o->resolver.idle_reclaim_s);
	}
	if (r->resolver.ahead_bytes) {
		char ahead[32];

		fprintf(f, "  mapped ahead    %s, after answering faults early\n",
			format_bytes(ahead, sizeof(ahead), r->resolver.ahead_bytes));
	}
	if (r->resolver.stall_ns) {
		bool fitted_to = o->resolver.policy.fit_costs &&
				 (o->resolver.device_rate || r->resolver.page_move_ns);
		char fitted[64];

		iopf_policy_format(&r->policy, fitted, sizeof(fitted));
		fprintf(f, "  lone fault      stalls its device %.1f us, pinning taken out (%.3f us a page)%s%s\n",
			(double)r->resolver.stall_ns / 1e3, (double)r->resolver.page_pin_ns / 1e3,
			fitted_to ? "; auto fitted: " : "", fitted_to ? fitted : "");
	}
	if (r->resolver.page_move_ns)
		fprintf(f, "  device pace     %.3f us a page, measured from its runs\n",
			(double)r->resolver.page_move_ns / 1e3);
	fprintf(f, "  faults per GiB  %.1f touched\n", fig.faults_per_gib);
	fprintf(f, "  fault latency   p50 %.1f us, p99 %.1f us (fault raised to page response)\n",
		(double)fig.p50_ns / 1e3, (double)fig.p99_ns / 1e3);
	fprintf(f, "  throughput      %.0f faults/s over %.3f s, %llu resolve calls\n",
		fig.faults_per_sec, fig.seconds, (unsigned long long)s->resolve_calls);
}

int simulate_report_json(FILE *f, const struct simulate_options *o, const struct simulate_result *r)
{
	const struct sim_stats *s = &r->sim;
	_cleanup_(json_object_putp) json_object *root = NULL;
	struct figures fig = derive(r);
	char policy[64];
	const struct json_counter counters[] = {
		{ "memory_bytes", o->sim.memory_bytes },
		{ "devices", o->sim.ndevices },
		{ "queue_depth", o->sim.streams_per_device },
		{ "ranges", o->sim.nranges },
		{ "accesses", s->accesses },
		{ "total_accesses", r->total_accesses },
		{ "faults", s->faults },
		{ "forwarded", s->forwarded },
		{ "resolved", s->resolved },
		{ "fallback", s->fallback },
		{ "invalid", s->invalid },
		{ "timeouts", s->timeouts },
		{ "overflow", s->overflow },
		{ "detached", s->detached },
		{ "outstanding", s->outstanding },
		{ "touched_pages", s->touched_pages },
		{ "mapped_pages", s->mapped_pages },
		{ "pinned_pages", s->pinned_pages },
		{ "peak_pinned_pages", s->peak_pinned_pages },
		{ "pin_limit_pages", o->sim.pin_limit_pages },
		{ "budget_pages", o->resolver.budget_pages },
		{ "released_bytes", r->resolver.released },
		{ "reclaimed_bytes", r->resolver.reclaimed },
		{ "release_errors", r->resolver.release_errors },
		{ "ahead_bytes", r->resolver.ahead_bytes },
		{ "stall_ns", r->resolver.stall_ns },
		{ "page_pin_ns", r->resolver.page_pin_ns },
		{ "fault_call_ns", r->resolver.fault_call_ns },
		{ "page_move_ns", r->resolver.page_move_ns },
		{ "device_rate", o->resolver.device_rate },
		{ "double_maps", s->double_maps },
		{ "resolve_calls", s->resolve_calls },
		{ "resolver_faults", r->resolver.faults },
		{ "resolver_errors", r->resolver.errors },
		{ "resolver_stale", r->resolver.stale },
		{ "resolver_bad_records", r->resolver.bad_records },
		{ "latency_p50_ns", fig.p50_ns },
		{ "latency_p99_ns", fig.p99_ns },
		{ "latency_samples", s->latency.count },
		{ "elapsed_ns", s->elapsed_ns },
	};

	root = json_counters_new(counters, ARRAY_SIZE(counters));
	if (!root)
		return -ENOMEM;
	json_object_object_add(root, "workload",
			       json_object_new_string(workload_kind_to_string(o->sim.workload.kind)));
	json_object_object_add(root, "policy",
			       json_object_new_string(policy_text(o, policy, sizeof(policy))));
	iopf_policy_format(&r->policy, policy, sizeof(policy));
	json_object_object_add(root, "policy_in_use", json_object_new_string(policy));
	json_object_object_add(root, "overmapping", json_object_new_double(fig.overmap));
	json_object_object_add(root, "faults_per_gib", json_object_new_double(fig.faults_per_gib));
	json_object_object_add(root, "faults_per_sec", json_object_new_double(fig.faults_per_sec));
	return json_print(f, root);
}
