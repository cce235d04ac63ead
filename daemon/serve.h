/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Serving a real iopf fd: attach as its resolver and resolve faults until
 * SIGINT or SIGTERM, then detach so the kernel answers whatever is left.
 */

#include <stdio.h>

#include "manager.h"
#include "resolver.h"

/* The name --iopf-fd's VM goes by, in iopfctl and the configuration. */
#define SERVE_VM_NAME "vm"

struct serve_result {
	struct vfio_iopf_info info;     /* the kernel's counters after detaching */
	struct resolver_stats resolver;
	struct iopf_policy policy;      /* the resolver's in the end: plain auto as fitted */
};

/* @ready_fd, if >= 0, gets one byte once iopfd is attached (for a parent waiting on it). */
int serve_run(int iopf_fd, const struct resolver_config *base, struct manager *m, int ready_fd,
	      struct serve_result *ret);
void serve_report(FILE *f, const struct serve_result *r);
int serve_report_json(FILE *f, const struct serve_result *r);
