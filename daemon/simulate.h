/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One simulated VM run end to end: the simulator plays the kernel and the
 * devices, iopfd's resolver serves it through the ring and eventfd, and the
 * event loop drives both until every device has finished.
 */

#include <stdbool.h>
#include <stdio.h>

#include "manager.h"
#include "resolver.h"
#include "sim.h"

struct simulate_options {
	struct sim_config sim;
	struct resolver_config resolver;
	bool attach;    /* false: no resolver, every fault takes the kernel fallback */
	bool progress;  /* live progress line on stderr */
	/* If set: the configuration the VM is served with, and the control socket. */
	struct manager *manager;
};

/* The name the simulated VM goes by, in iopfctl and the configuration. */
#define SIMULATE_VM_NAME "sim"

struct simulate_result {
	struct sim_stats sim;
	struct resolver_stats resolver;
	struct iopf_policy policy;  /* the resolver's in the end: plain auto as fitted */
	uint64_t total_accesses;
};

void simulate_options_default(struct simulate_options *ret);
int simulate_run(const struct simulate_options *o, struct simulate_result *ret);

void simulate_report(FILE *f, const struct simulate_options *o, const struct simulate_result *r);
int simulate_report_json(FILE *f, const struct simulate_options *o, const struct simulate_result *r);
