/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iopf-model-bench: what each policy costs the device, from the
 * device-time model (virtual time, deterministic), per workload.  Figures,
 * not pass/fail; the T* and P* lines are the target a default policy has to
 * meet: device time <= 1.25 T*, peak pinned <= 1.25 P*.  Given a directory,
 * it also writes each workload's sweeps there as gnuplot data (bench/plot.gp).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "model.h"

#define GIB (UINT64_C(1) << 30)
#define MIB_PAGES 256.0
/* device time after which the idle-reclaim rows release memory: about a phase of the phases workload */
#define IDLE_RECLAIM_MS 60
#define TARGET 1.25
#define SWEEP_MAX 2048u

struct shape {
	enum workload_kind kind;
	uint32_t devices, depth;
};

/* What a fault costs: the seed's calibration unless options say otherwise. */
static struct cost_model cost;

static struct model_config config(const struct shape *s, const char *policy)
{
	struct model_config c;

	model_config_default(&c);
	c.cost = cost;
	c.workload.kind = s->kind;
	c.ndevices = s->devices;
	c.depth = s->depth;
	if (iopf_policy_parse(policy, &c.policy) < 0)
		abort();
	return c;
}

static int run(const struct model_config *c, struct model_result *r)
{
	int e = model_run(c, r);

	if (e < 0)
		fprintf(stderr, "iopf-model-bench: model failed: %s\n", strerror(-e));
	return e;
}

static void row(const char *name, const struct model_result *r)
{
	printf("   %-16s %12.1f %11.2f %8.1f %% %10.1f %10.1f %10" PRIu64 "\n", name, r->faults_per_gib,
	       r->device_us / 1e3, 100 * r->slowdown, (double)r->peak_pinned_pages / MIB_PAGES,
	       r->mean_pinned_pages / MIB_PAGES, r->refaults);
}

/* The seed's rows against the model's, with the seed's in-kernel costs and with iopfd's wake-up. */
static int seed_rows(void)
{
	const struct {
		uint64_t message_pages;
		const char *policy;
	} rows[2] = { { 256, "fixed:1" }, { 2560, "fixed:512" } };
	const struct shape one = { WORKLOAD_MESSAGES, 1, 1 };

	printf("== The seed's rows: 16 fresh messages, one device, one access at a time, resolved\n"
	       "   in the kernel as the seed did (no wake-up); in brackets with iopfd's wake-up\n");
	printf("   %-26s %12s %12s %12s %14s\n", "", "seed faults", "model", "seed slower",
	       "model slower");
	for (int i = 0; i < 2; i++) {
		struct model_config c = config(&one, rows[i].policy);
		struct model_result kernel, iopfd;
		double wakeup_us;
		char name[64];

		/* the seed's calibration, whatever the options */
		cost_model_default(&c.cost);
		wakeup_us = c.cost.wakeup_us;
		c.workload.message_pages = rows[i].message_pages;
		c.workload.messages = 16;
		if (run(&c, &iopfd) < 0)
			return -1;
		c.cost.wakeup_us = 0;
		c.cost.call_us = 0;
		if (run(&c, &kernel) < 0)
			return -1;
		snprintf(name, sizeof(name), "%.0f MiB, %s", cost_seed_rows[i].message_mib, rows[i].policy);
		printf("   %-26s %12.0f %12.2f %11.1f %% %12.1f %%   (+%.0f us wake-up: %.1f %%)\n", name,
		       cost_seed_rows[i].faults, (double)kernel.faults / 16,
		       100 * cost_seed_rows[i].slowdown, 100 * kernel.slowdown, wakeup_us,
		       100 * iopfd.slowdown);
	}
	printf("\n");
	return 0;
}

/*
 * With a directory argument: the sweeps as gnuplot data, one file per
 * workload, one block a shape, with iopfd's default (auto, answered early).
 */
static FILE *plot;

static void plot_block(const struct shape *s, const struct model_result *sweep, uint32_t n,
		       const struct model_result *dflt)
{
	if (!plot)
		return;
	fprintf(plot, "# %u device%s x depth %u: pages, device ms, peak MiB, the default's device ms, its peak MiB\n",
		s->devices, s->devices == 1 ? "" : "s", s->depth);
	for (uint32_t i = 0; i < n; i++)
		fprintf(plot, "%u %.3f %.1f %.3f %.1f\n", 1u << i, sweep[i].device_us / 1e3,
			(double)sweep[i].peak_pinned_pages / MIB_PAGES, dflt->device_us / 1e3,
			(double)dflt->peak_pinned_pages / MIB_PAGES);
	fprintf(plot, "\n\n");
}

/* Tables whose default met the target, of all: for the goals at the end. */
static unsigned ntables, ntables_met;

/* T*: the least device time of any fixed:N; P*: the least peak pinned within 1.25 T*. */
static int targets(const struct shape *s, const struct model_result *dflt)
{
	bool met;

	struct model_result sweep[12];
	uint32_t n = 0, best_t = 0, best_p = UINT32_MAX;

	for (uint32_t pages = 1; pages <= SWEEP_MAX; pages *= 2, n++) {
		struct model_config c = config(s, "fixed");

		c.policy.fixed_pages = pages;
		if (run(&c, &sweep[n]) < 0)
			return -1;
		if (sweep[n].device_us < sweep[best_t].device_us)
			best_t = n;
	}
	plot_block(s, sweep, n, dflt);
	for (uint32_t i = 0; i < n; i++)
		if (sweep[i].device_us <= TARGET * sweep[best_t].device_us &&
		    (best_p == UINT32_MAX || sweep[i].peak_pinned_pages < sweep[best_p].peak_pinned_pages))
			best_p = i;
	met = dflt->device_us <= TARGET * sweep[best_t].device_us &&
	      dflt->peak_pinned_pages <= TARGET * sweep[best_p].peak_pinned_pages;
	ntables++;
	ntables_met += met;
	printf("   T* %.2f ms (fixed:%u), P* %.1f MiB (fixed:%u); default (auto,early) %.2f T*, %.2f P*: %s\n",
	       sweep[best_t].device_us / 1e3, 1u << best_t,
	       (double)sweep[best_p].peak_pinned_pages / MIB_PAGES, 1u << best_p,
	       dflt->device_us / sweep[best_t].device_us,
	       (double)dflt->peak_pinned_pages / (double)sweep[best_p].peak_pinned_pages,
	       met ? "meets the target" : "misses the target");
	return 0;
}

static int table(const struct shape *s)
{
	/* The last one is the default policy, which the target applies to. */
	const char *policies[] = { "exact", "fixed:16", "fixed:512", "adaptive", "auto" };
	struct model_result r[6], early, dflt;
	char budget_name[32];
	struct model_config c;

	printf("-- %s, %u device%s x depth %u\n", workload_kind_to_string(s->kind), s->devices,
	       s->devices == 1 ? "" : "s", s->depth);
	printf("   %-16s %12s %11s %10s %10s %10s %10s\n", "policy", "faults/GiB", "device ms", "slowdown",
	       "peak MiB", "mean MiB", "re-faults");
	for (size_t i = 0; i < 5; i++) {
		c = config(s, policies[i]);
		if (run(&c, &r[i]) < 0)
			return -1;
		row(policies[i], &r[i]);
	}
	/* Whether answering before the rest of the window is mapped pays off. */
	for (size_t i = 2; i < 5; i++) {
		char name[32];

		c = config(s, policies[i]);
		c.answer_early = true;
		if (run(&c, &early) < 0)
			return -1;
		snprintf(name, sizeof(name), "%s,early", policies[i]);
		row(name, &early);
	}
	/* iopfd's default: auto, answered early (map-only entries) */
	dflt = early;
	/*
	 * With a budget: 1.25x the moving hot set's working set (the issue's
	 * goal), or elsewhere half of what auto pins without one.
	 */
	c = config(s, policies[4]);
	if (s->kind == WORKLOAD_PHASES)
		c.budget_pages = (c.memory_bytes >> IOPF_PAGE_SHIFT) / 16 * 5 / 4;
	else
		c.budget_pages = MAX(r[4].peak_pinned_pages / 2, (uint64_t)1);
	if (run(&c, &early) < 0)
		return -1;
	snprintf(budget_name, sizeof(budget_name), "auto,%" PRIu64 "M", c.budget_pages >> 8);
	row(budget_name, &early);
	/* Idle reclaim instead: what no fault used for IDLE_RECLAIM_MS goes */
	c = config(s, policies[4]);
	c.idle_reclaim_us = IDLE_RECLAIM_MS * 1e3;
	if (run(&c, &early) < 0)
		return -1;
	row("auto,idle:" STRINGIFY(IDLE_RECLAIM_MS) "ms", &early);
	c = config(s, policies[4]);
	c.static_pinning = true;
	if (run(&c, &r[5]) < 0)
		return -1;
	row("static", &r[5]);
	if (targets(s, &dflt) < 0)
		return -1;
	printf("\n");
	return 0;
}

/* Two VMs on one iopfd: what the second costs the first, with and without budgets. */
static int two_vms(void)
{
	const uint32_t depths[] = { 1, 16 };

	printf("== Two VMs on one resolver: phases, 1 GiB and 1 device each, auto\n");
	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++)
		for (int budget = 0; budget < 2; budget++) {
			const struct shape sh = { WORKLOAD_PHASES, 1, depths[i] };
			struct model_config c = config(&sh, "auto");
			struct model_result one, two;

			if (budget)
				c.budget_pages = (c.memory_bytes >> IOPF_PAGE_SHIFT) / 16 * 5 / 4;
			if (run(&c, &one) < 0)
				return -1;
			c.nvms = 2;
			if (run(&c, &two) < 0)
				return -1;
			printf("   depth %2u, %-14s one VM %8.2f ms, two %8.2f ms (%.2fx); peak pinned per VM %6.1f MiB, both %6.1f MiB\n",
			       depths[i], budget ? "budget 80 MiB:" : "no budget:", one.device_us / 1e3,
			       two.device_us / 1e3, two.device_us / one.device_us,
			       (double)two.peak_vm_pinned_pages / MIB_PAGES,
			       (double)two.peak_pinned_pages / MIB_PAGES);
		}
	printf("\n");
	return 0;
}

static const char *verdict(bool met)
{
	return met ? "met" : "MISSED";
}

/* The seed's workload, one device, one access at a time: @policy's result. */
static int seed_workload(const char *policy, bool early, uint64_t message_pages, uint64_t messages,
			 bool reuse, struct model_result *ret)
{
	const struct shape one = { WORKLOAD_MESSAGES, 1, 1 };
	struct model_config c = config(&one, policy);

	c.answer_early = early;
	c.workload.message_pages = message_pages;
	c.workload.messages = messages;
	c.workload.reuse = reuse;
	return run(&c, ret);
}

/*
 * The goals for the figures, each from its own runs here, each
 * met or missed: the default is auto answered early, as iopfd runs it.
 */
static int goals(void)
{
	const uint32_t shapes[][2] = { { 4, 16 }, { 4, 1 }, { 1, 16 }, { 1, 1 } };
	const struct shape seq = { WORKLOAD_SEQUENTIAL, 4, 16 };
	struct model_result fixed, dflt;
	struct model_config c;
	char whole[32];

	printf("== Goals (the default: auto, answered early)\n");
	for (int i = 0; i < 2; i++) {
		uint64_t pages = i ? 2560 : 256;

		if (seed_workload("fixed:512", false, pages, 16, false, &fixed) < 0 ||
		    seed_workload("auto", true, pages, 16, false, &dflt) < 0)
			return -1;
		printf("   seed workload, 16 fresh %2" PRIu64 " MiB messages: default %5.1f %% slower than static, fixed:512 %5.1f %%: %.2f of it, at most 0.5: %s\n",
		       pages / 256, 100 * dflt.slowdown, 100 * fixed.slowdown,
		       dflt.slowdown / fixed.slowdown, verdict(dflt.slowdown <= fixed.slowdown / 2));
	}
	if (seed_workload("auto", true, 256, 1000, true, &dflt) < 0)
		return -1;
	printf("   seed workload, 1000 sends of reused 1 MiB buffers: default %.2f %% slower than static, at most 1 %%: %s\n",
	       100 * dflt.slowdown, verdict(dflt.slowdown <= 0.01));

	c = config(&seq, "fixed:512");
	if (run(&c, &fixed) < 0)
		return -1;
	c = config(&seq, "auto");
	c.answer_early = true;
	if (run(&c, &dflt) < 0)
		return -1;
	printf("   sequential, 4 devices x depth 16: default %.1f faults per GiB, fixed:512 %.1f (%.1fx fewer), at most 16: %s\n",
	       dflt.faults_per_gib, fixed.faults_per_gib, fixed.faults_per_gib / dflt.faults_per_gib,
	       verdict(dflt.faults_per_gib <= 16));
	/* why: mapping ahead can stay in front of the devices only if it pins faster than they move */
	printf("     (the resolver pins %.2f GiB/s, the devices move %.2f GiB/s)\n",
	       cost.page_us > 0 ? (double)IOPF_PAGE_SIZE / cost.page_us * 1e6 / (double)GIB : INFINITY,
	       seq.devices * cost.device_bytes_per_us * 1e6 / (double)GIB);
	/* and the floor: each device's first accesses, all in flight, fault on a cold start */
	snprintf(whole, sizeof(whole), "fixed:%" PRIu64, (c.memory_bytes >> IOPF_PAGE_SHIFT) / seq.devices);
	c = config(&seq, whole);
	if (run(&c, &fixed) < 0)
		return -1;
	printf("     (one window of a device's whole share, %s, still takes %.1f faults per GiB, in %.2f ms)\n",
	       whole, fixed.faults_per_gib, fixed.device_us / 1e3);

	/* budgets are not modelled with answering early: auto pins before answering in both */
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape ph = { WORKLOAD_PHASES, shapes[i][0], shapes[i][1] };
		struct model_result budget;
		uint64_t first_touch;

		c = config(&ph, "auto");
		if (run(&c, &dflt) < 0)
			return -1;
		c.budget_pages = (c.memory_bytes >> IOPF_PAGE_SHIFT) / 16 * 5 / 4;
		if (run(&c, &budget) < 0)
			return -1;
		first_touch = budget.faults - budget.refaults;
		printf("   phases, %u x %2u, budget 1.25x the working set: peak %.1f of %.1f MiB, re-faults %.1f %% of first touches (at most 10 %%), device time %.2fx no budget's (at most 1.2x): %s\n",
		       ph.devices, ph.depth, (double)budget.peak_vm_pinned_pages / MIB_PAGES,
		       (double)c.budget_pages / MIB_PAGES,
		       first_touch ? 100.0 * (double)budget.refaults / (double)first_touch : 0,
		       budget.device_us / dflt.device_us,
		       verdict(budget.peak_vm_pinned_pages <= c.budget_pages &&
			       budget.refaults * 10 <= first_touch &&
			       budget.device_us <= 1.2 * dflt.device_us));
	}
	printf("   T* and P*: the default meets the target on %u of %u tables: %s\n\n", ntables_met,
	       ntables, verdict(ntables_met == ntables));
	return 0;
}

/* Opens DIR/WORKLOAD.dat for the next workload's sweeps, if a DIR was given. */
static int plot_open(const char *dir, enum workload_kind kind)
{
	char path[4096];

	if (plot)
		fclose(plot);
	plot = NULL;
	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.dat", dir, workload_kind_to_string(kind));
	plot = fopen(path, "we");
	if (!plot) {
		fprintf(stderr, "iopf-model-bench: cannot write %s: %m\n", path);
		return -1;
	}
	return 0;
}

/*
 * Options redraw the tables for another device: --rate=GIB_PER_S,
 * --fault-us=US, --page-us=US, --wakeup-us=US; then an optional directory
 * for the plot data.  The seed's rows always use the seed's calibration.
 */
static int parse_options(int argc, char **argv, const char **ret_plot_dir)
{
	static const struct option options[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "fault-us", required_argument, NULL, 'f' },
		{ "page-us", required_argument, NULL, 'p' },
		{ "wakeup-us", required_argument, NULL, 'w' },
		{ "call-us", required_argument, NULL, 'c' },
		{}
	};
	int c;

	cost_model_default(&cost);
	while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		char *end;
		double v;

		if (c == '?')
			return -EINVAL;
		errno = 0;
		v = strtod(optarg, &end);
		if (errno || end == optarg || *end || !(v >= 0) || (c == 'r' && !(v > 0))) {
			fprintf(stderr, "iopf-model-bench: invalid value '%s'\n", optarg);
			return -EINVAL;
		}
		switch (c) {
		case 'r':
			cost.device_bytes_per_us = v * (double)GIB / 1e6;
			break;
		case 'f':
			cost.fault_us = v;
			break;
		case 'p':
			cost.page_us = v;
			break;
		case 'w':
			cost.wakeup_us = v;
			break;
		case 'c':
			cost.call_us = v;
			break;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "usage: iopf-model-bench [--rate=GIB_PER_S] [--fault-us=US] [--page-us=US] [--wakeup-us=US] [--call-us=US] [PLOT_DIR]\n");
		return -EINVAL;
	}
	*ret_plot_dir = optind < argc ? argv[optind] : NULL;
	return 0;
}

#define PING_ROUNDS 20000
#define IOCTL_ROUNDS 200000

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The other side of the ping-pong: answers each wake-up on @fds[0] through @fds[1]. */
static void *pong(void *arg)
{
	const int *fds = arg;

	for (int i = 0; i < PING_ROUNDS; i++)
		if (eventfd_write(fds[1], 1) < 0 || eventfd_read(fds[0], &(eventfd_t) { 0 }) < 0)
			break;
	return NULL;
}

/*
 * What the model's call_us and wakeup_us stand for, on this machine: a bare
 * ioctl (one the kernel refuses at once), and waking a thread blocked on an
 * eventfd (half a round trip).  Printed beside the model's values, never
 * used by it: the model stays deterministic.
 */
static void measure_calls(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), fds[2] = { -1, -1 };
	double ioctl_us = NAN, wake_us = NAN, t;
	pthread_t thread;

	if (fd >= 0) {
		t = now_us();
		for (int i = 0; i < IOCTL_ROUNDS; i++)
			(void)ioctl(fd, _IO('?', 0));
		ioctl_us = (now_us() - t) / IOCTL_ROUNDS;
		close(fd);
	}
	fds[0] = eventfd(0, EFD_CLOEXEC);
	fds[1] = eventfd(0, EFD_CLOEXEC);
	if (fds[0] >= 0 && fds[1] >= 0 && pthread_create(&thread, NULL, pong, fds) == 0) {
		t = now_us();
		for (int i = 0; i < PING_ROUNDS; i++)
			if (eventfd_read(fds[1], &(eventfd_t) { 0 }) < 0 || eventfd_write(fds[0], 1) < 0)
				break;
		wake_us = (now_us() - t) / PING_ROUNDS / 2;
		pthread_join(thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	printf("== On this machine: a bare ioctl %.2f us, an eventfd wake-up between two threads %.2f us\n"
	       "   (%.2f of it); the model: a call %.2f us, a wake-up %.2f us (%.2f of it)\n\n",
	       ioctl_us, wake_us, ioctl_us / wake_us, cost.call_us, cost.wakeup_us,
	       cost.wakeup_us > 0 ? cost.call_us / cost.wakeup_us : NAN);
}

int main(int argc, char **argv)
{
	const enum workload_kind kinds[] = {
		WORKLOAD_SEQUENTIAL, WORKLOAD_RANDOM, WORKLOAD_HOTSET, WORKLOAD_PHASES, WORKLOAD_MESSAGES, WORKLOAD_STRIDED, WORKLOAD_MIX,
	};
	const uint32_t shapes[][2] = { { 4, 16 }, { 4, 1 }, { 1, 16 }, { 1, 1 } };
	struct iopf_policy fitted;
	const char *plot_dir;

	if (parse_options(argc, argv, &plot_dir) < 0)
		return 2;
	measure_calls();
	if (seed_rows() < 0)
		return 1;
	iopf_policy_default(IOPF_POLICY_AUTO, &fitted);
	iopf_policy_fit_costs(&fitted, cost_fault_page_times(&cost), cost_queued_fault_pages(&cost));
	printf("== Device time per policy: 1 GiB VM, %.1f GiB/s per device, work arriving at that rate;\n"
	       "   a fault stalls the accesses behind it; \"early\": when a batch is one device's faults,\n"
	       "   answered once the faulting page and the %u after it are mapped, the rest mapped\n"
	       "   %u pages a call while no fault waits\n"
	       "   %.2f us + %.2f us per page newly pinned, plus %.0f us per resolver wake-up, %.1f us per\n"
	       "   call the resolver makes awake (the next batch, a map-ahead chunk, a release); a lone fault\n"
	       "   stalls a device as long as moving %.1f pages takes, and auto is fitted to that\n"
	       "   (iopf_policy_fit_costs): auto:%u:%u, %u-page first windows while faults queue;\n"
	       "   messages are fresh 1 MiB ones; mean pinned is over the device time; auto,NM: with a\n"
	       "   budget of N MiB (1.25x the hot set for phases, else half of what auto pins);\n"
	       "   auto,idle: with no budget, what no fault used for %u ms of device time released\n"
	       "   (unpinning charged to the resolver like pinning)\n\n",
	       cost.device_bytes_per_us * 1e6 / (double)GIB, fitted.ahead_pages - 1, fitted.ahead_pages,
	       cost.fault_us, cost.page_us, cost.wakeup_us, cost.call_us, cost_fault_page_times(&cost), fitted.min_pages,
	       fitted.max_pages, fitted.deep_start_pages, IDLE_RECLAIM_MS);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (plot_open(plot_dir, kinds[k]) < 0)
			return 1;
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
			struct shape sh = { kinds[k], shapes[s][0], shapes[s][1] };

			if (table(&sh) < 0)
				return 1;
		}
	}
	if (plot && fclose(plot) != 0)
		return 1;
	if (two_vms() < 0)
		return 1;
	return goals() < 0;
}
